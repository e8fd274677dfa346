// The SQLite store seen from outside (issue 2 item 7): no plaintext key byte in the files,
// a tampered ciphertext is an error and never data, the store is created on first use.
#include <openssl/rand.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "fixture.h"

namespace conformance {
namespace {

using StoreTest = TokenTest;

Bytes ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool Contains(const Bytes& haystack, const Bytes& needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) !=
         haystack.end();
}

// Every file of the store directory (database, WAL, journal) concatenated.
Bytes StoreBytes(const std::string& dir) {
  Bytes all;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    Bytes b = ReadFile(entry.path().string());
    all.insert(all.end(), b.begin(), b.end());
  }
  return all;
}

Bytes RandomBytes(size_t n) {
  Bytes b(n);
  RAND_bytes(b.data(), static_cast<int>(n));
  return b;
}

TEST_F(StoreTest, StoreCreatedOnFirstUse) {
  EXPECT_TRUE(std::filesystem::exists(env_->store_path()))
      << "the store is not where ARCA_STORE / the config file put it";
}

TEST_F(StoreTest, NoPlaintextKeyBytesInTheFiles) {
  CK_SESSION_HANDLE s = UserSession();
  // A readable secret key, so the test knows its bytes.
  Template extra;
  extra.Bool(CKA_TOKEN, true).Bool(CKA_SENSITIVE, false).Bool(CKA_EXTRACTABLE, true);
  CK_OBJECT_HANDLE aes = GenerateAes(s, 32, &extra);
  Bytes aes_value = GetBytes(s, aes, CKA_VALUE);
  ASSERT_EQ(aes_value.size(), 32u);
  // An imported secret and an imported EC private scalar with known bytes.
  Bytes secret = RandomBytes(32);
  Template tok;
  tok.Bool(CKA_TOKEN, true);
  CreateSecret(s, CKK_GENERIC_SECRET, secret, &tok);
  // P-256 private scalar (any value below the order works).
  Bytes scalar = RandomBytes(32);
  scalar[0] = 0x3f;
  Template priv;
  priv.Ulong(CKA_CLASS, CKO_PRIVATE_KEY)
      .Ulong(CKA_KEY_TYPE, CKK_EC)
      .Bool(CKA_TOKEN, true)
      .Bool(CKA_PRIVATE, true)
      .Data(CKA_EC_PARAMS, kP256Params)
      .Data(CKA_VALUE, scalar)
      .Bool(CKA_SIGN, true);
  ASSERT_NE(Create(s, priv), CK_INVALID_HANDLE);
  // A private data object: every attribute of a private object is encrypted.
  Bytes private_value = RandomBytes(48);
  Template data;
  data.Ulong(CKA_CLASS, CKO_DATA)
      .Bool(CKA_TOKEN, true)
      .Bool(CKA_PRIVATE, true)
      .Data(CKA_VALUE, private_value);
  ASSERT_NE(Create(s, data), CK_INVALID_HANDLE);

  // While running (WAL may hold the rows) and after C_Finalize.
  for (int pass = 0; pass < 2; ++pass) {
    Bytes files = StoreBytes(env_->dir());
    ASSERT_FALSE(files.empty());
    EXPECT_FALSE(Contains(files, aes_value)) << "generated AES key in plaintext, pass " << pass;
    EXPECT_FALSE(Contains(files, secret)) << "imported secret in plaintext, pass " << pass;
    EXPECT_FALSE(Contains(files, scalar)) << "EC private scalar in plaintext, pass " << pass;
    EXPECT_FALSE(Contains(files, private_value)) << "private data in plaintext, pass " << pass;
    ASSERT_CKR_OK(f_->C_Finalize(nullptr));
    ASSERT_CKR_OK(Initialize());
  }
}

TEST_F(StoreTest, TamperedCiphertextIsAnErrorNotData) {
  CK_SESSION_HANDLE s = UserSession();
  Template t;
  t.Ulong(CKA_CLASS, CKO_DATA)
      .Bool(CKA_TOKEN, true)
      .Bool(CKA_PRIVATE, true)
      .Text(CKA_LABEL, "tamper")
      .Data(CKA_VALUE, RandomBytes(200));
  CK_OBJECT_HANDLE h = Create(s, t);
  ASSERT_NE(h, CK_INVALID_HANDLE);
  ASSERT_CKR_OK(f_->C_Finalize(nullptr));
  Bytes before = ReadFile(env_->store_path());

  ASSERT_CKR_OK(Initialize());
  s = UserSession();
  Template find;
  find.Ulong(CKA_CLASS, CKO_DATA).Bool(CKA_PRIVATE, true);
  std::vector<CK_OBJECT_HANDLE> found = Find(s, find);
  ASSERT_EQ(found.size(), 1u);
  Bytes new_value = RandomBytes(200);
  Template set;
  set.Data(CKA_VALUE, new_value);
  ASSERT_CKR_OK(f_->C_SetAttributeValue(s, found[0], set.data(), set.size()));
  ASSERT_CKR_OK(f_->C_Finalize(nullptr));
  Bytes after = ReadFile(env_->store_path());
  ASSERT_FALSE(Contains(after, new_value)) << "value stored in plaintext";

  // The largest region that changed (gaps of a few equal bytes allowed) holds the new
  // ciphertext of CKA_VALUE: flip a byte in its middle.
  size_t n = std::min(before.size(), after.size());
  size_t best_start = 0, best_len = 0;
  for (size_t i = 0; i < n;) {
    if (before[i] == after[i]) {
      ++i;
      continue;
    }
    size_t start = i, last = i;
    for (size_t j = i; j < n && j <= last + 4; ++j) {
      if (before[j] != after[j]) last = j;
    }
    if (last - start + 1 > best_len) {
      best_start = start;
      best_len = last - start + 1;
    }
    i = last + 1;
  }
  ASSERT_GE(best_len, 150u) << "cannot locate the re-encrypted value in the file";
  after[best_start + best_len / 2] ^= 0x01;
  {
    std::ofstream out(env_->store_path(), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(after.data()), static_cast<long>(after.size()));
  }

  // Whatever step notices it, the module must not hand back altered data.
  ASSERT_CKR_OK(Initialize());
  CK_SESSION_HANDLE s2 = OpenRw();
  if (LoginUser(s2) != CKR_OK) return;  // detected at login: fine
  CK_OBJECT_HANDLE objs[4];
  CK_ULONG count = 0;
  if (f_->C_FindObjectsInit(s2, find.data(), find.size()) != CKR_OK) return;
  CK_RV rv = f_->C_FindObjects(s2, objs, 4, &count);
  f_->C_FindObjectsFinal(s2);
  if (rv != CKR_OK || count == 0) return;  // detected at find: fine
  CK_RV get_rv = CKR_OK;
  Bytes got = GetBytes(s2, objs[0], CKA_VALUE, &get_rv);
  EXPECT_NE(Rv{CKR_OK}, Rv{get_rv}) << "tampered object returned data";
  EXPECT_NE(got, new_value);
}

}  // namespace
}  // namespace conformance
