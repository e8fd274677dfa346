// Shared fixture of the software-token tests: a fresh store directory per test (nested, so
// "created on first use" is exercised), a cheap PIN KDF, helpers to build objects through
// the attribute policy as the slot layer does, and raw access to the SQLite file.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "common/config.h"
#include "mechanisms/registry.h"
#include "token/attribute_policy.h"
#include "token/soft/soft_store.h"
#include "token/soft/soft_token.h"

namespace p11::testing {

inline ByteView Bytes(const std::string& s) { return AsBytes(s); }
inline SecretView Pin(const std::string& s) { return SecretView{AsBytes(s)}; }

inline const std::string kSoPin = "so-secret-pin";
inline const std::string kUserPin = "user-pin-1234";

// Builds the value of a CK_ULONG or CK_BBOOL template attribute.
struct AttrBuilder {
  std::vector<std::vector<uint8_t>> storage;
  std::vector<TemplateAttr> attrs;

  AttrBuilder& Ulong(CK_ATTRIBUTE_TYPE t, CK_ULONG v) {
    auto* p = reinterpret_cast<const uint8_t*>(&v);
    return Raw(t, std::vector<uint8_t>(p, p + sizeof v));
  }
  AttrBuilder& Bool(CK_ATTRIBUTE_TYPE t, bool v) {
    return Raw(t, std::vector<uint8_t>{static_cast<uint8_t>(v ? CK_TRUE : CK_FALSE)});
  }
  AttrBuilder& Str(CK_ATTRIBUTE_TYPE t, const std::string& s) {
    return Raw(t, std::vector<uint8_t>(s.begin(), s.end()));
  }
  AttrBuilder& Raw(CK_ATTRIBUTE_TYPE t, std::vector<uint8_t> v) {
    storage.reserve(64);  // views below must stay valid
    storage.push_back(std::move(v));
    attrs.push_back(TemplateAttr{t, ByteView(storage.back())});
    return *this;
  }
};

class SoftStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/arca-soft-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    config_.store_path = dir_ + "/nested/arca/tokens.sqlite";
    config_.pin_kdf_iterations = 1000;
    config_.pin_max_failures = 3;
    registry_ = BuildDefaultRegistry();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<SoftStore> OpenStore() {
    auto store = SoftStore::Open(config_, *registry_);
    EXPECT_TRUE(store.ok()) << store.rv();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  // A store with one initialised token whose user PIN is set; returns its backend.
  std::shared_ptr<SoftToken> InitToken(SoftStore& store, const std::string& label = "test") {
    auto blank = store.BlankToken();
    EXPECT_TRUE(blank.ok());
    auto token = std::static_pointer_cast<SoftToken>(blank->token);
    EXPECT_EQ(token->InitToken(Pin(kSoPin), label).rv(), CKR_OK);
    EXPECT_EQ(token->Login(CKU_SO, Pin(kSoPin)).rv(), CKR_OK);
    EXPECT_EQ(token->InitPin(Pin(kUserPin)).rv(), CKR_OK);
    token->Logout();
    return token;
  }

  static std::shared_ptr<SoftToken> FirstToken(SoftStore& store) {
    auto tokens = store.Tokens();
    if (!tokens.ok() || tokens->empty()) return nullptr;
    return std::static_pointer_cast<SoftToken>(tokens->front().token);
  }

  static Object MakeObject(const AttrBuilder& b, policy::Origin origin = policy::Origin::kCreate,
                           policy::Implied implied = {}) {
    auto object = policy::NewObject(origin, b.attrs, implied, policy::Actor{false, true});
    EXPECT_TRUE(object.ok()) << object.rv();
    return object.ok() ? std::move(object).value() : Object();
  }

  // Stores a public token data object labelled `label`.
  static void AddTokenData(SoftToken& token, const std::string& label) {
    AttrBuilder b;
    b.Ulong(CKA_CLASS, CKO_DATA).Bool(CKA_TOKEN, true).Str(CKA_LABEL, label);
    ASSERT_TRUE(token.CreateObject(MakeObject(b)).ok());
  }

  // Every byte of the store's files (database, WAL, shared memory).
  std::string FileBytes() const {
    std::string all;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      std::ifstream in(config_.store_path + suffix, std::ios::binary);
      all.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return all;
  }
  bool FileContains(ByteView needle) const {
    std::string hay = FileBytes();
    return hay.find(std::string(reinterpret_cast<const char*>(needle.data()), needle.size())) !=
           std::string::npos;
  }

  // Runs SQL on the store file through a separate raw connection (an attacker, or another
  // program), returning the SQLite result code.
  int RawSql(const std::string& sql) const {
    sqlite3* db = nullptr;
    int rc = sqlite3_open(config_.store_path.c_str(), &db);
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
    sqlite3_close(db);
    return rc;
  }
  int64_t RawInt(const std::string& sql) const {
    sqlite3* db = nullptr;
    sqlite3_stmt* stmt = nullptr;
    int64_t out = -1;
    sqlite3_open(config_.store_path.c_str(), &db);
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      out = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return out;
  }

  std::string dir_;
  Config config_;
  std::unique_ptr<Registry> registry_;
};

// A store with one initialised token whose user is logged in.
class LoggedInTokenTest : public SoftStoreTest {
 protected:
  void SetUp() override {
    SoftStoreTest::SetUp();
    store_ = OpenStore();
    token_ = InitToken(*store_);
    ASSERT_EQ(token_->Login(CKU_USER, Pin(kUserPin)).rv(), CKR_OK);
  }

  // One signature (or MAC) through the token, at most `max_len` bytes; empty on failure.
  std::vector<uint8_t> SignWith(const Mechanism& mechanism, ObjectId key, ByteView data,
                                size_t max_len = 512) {
    auto op = token_->BeginSign(mechanism, {}, key);
    EXPECT_TRUE(op.ok()) << op.rv();
    if (!op.ok()) return {};
    std::vector<uint8_t> out(max_len);
    CK_ULONG len = out.size();
    OutBuffer buffer(out.data(), &len);
    EXPECT_EQ((*op)->Sign(data, buffer).rv(), CKR_OK);
    out.resize(len);
    return out;
  }

  std::unique_ptr<SoftStore> store_;
  std::shared_ptr<SoftToken> token_;
};

}  // namespace p11::testing
