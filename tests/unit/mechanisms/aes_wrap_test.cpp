// AES key wrap: RFC 3394 §4 and RFC 5649 §6 known answers (tests/data/kdf/aes_kw.txt) through
// Wrap / Unwrap and Encrypt / Decrypt (single- and multi-part); caller-given IVs against
// OpenSSL directly; integrity failures, lengths, parameters, key types and mechanism info.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "mechanisms/registry.h"
#include "registry_suite.h"
#include "sym_test_util.h"

namespace p11 {
namespace {

using symtest::Bytes;

struct KwCase {
  CK_MECHANISM_TYPE type;
  Bytes kek, key, wrapped;
};

std::vector<KwCase> KwCases() {
  std::vector<KwCase> cases;
  for (const symtest::Record& r : symtest::ReadRecords("../kdf/aes_kw.txt")) {
    CK_MECHANISM_TYPE type = r.at("Mode") == "KWP" ? CKM_AES_KEY_WRAP_KWP : CKM_AES_KEY_WRAP;
    cases.push_back(
        {type, symtest::Field(r, "KEK"), symtest::Field(r, "Key"), symtest::Field(r, "Wrapped")});
  }
  EXPECT_EQ(cases.size(), 8u);
  return cases;
}

// Wraps `data` with OpenSSL directly, with an explicit IV.
Bytes OpensslWrap(bool pad, const Bytes& kek, const Bytes& iv, const Bytes& data) {
  const char* name = pad ? "AES-128-WRAP-PAD" : "AES-128-WRAP";
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, name, nullptr);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  Bytes out(data.size() + 16);
  int n = 0;
  EXPECT_EQ(EVP_EncryptInit_ex2(ctx, cipher, kek.data(), iv.data(), nullptr), 1);
  EXPECT_EQ(EVP_EncryptUpdate(ctx, out.data(), &n, data.data(), static_cast<int>(data.size())), 1);
  EVP_CIPHER_CTX_free(ctx);
  EVP_CIPHER_free(cipher);
  out.resize(static_cast<size_t>(n));
  return out;
}

class AesWrapTest : public RegistrySuite<RegisterAesWrap> {
 protected:
  Result<Bytes> Wrap(CK_MECHANISM_TYPE type, ByteView param, const KeyMaterial& kek,
                     const Bytes& key) {
    return symtest::QueryThenCall([&](OutBuffer& out) {
      return Mech(type).Wrap(param, kek, SecretView{ByteView(key)}, out);
    });
  }

  Result<Bytes> Crypt(CK_MECHANISM_TYPE type, bool encrypt, const KeyMaterial& key, const Bytes& in,
                      bool multi_part, ByteView param = {}) {
    auto op = encrypt ? Mech(type).BeginEncrypt(param, key) : Mech(type).BeginDecrypt(param, key);
    if (!op.ok()) return op.error();
    if (!multi_part) {
      return symtest::QueryThenCall([&](OutBuffer& out) { return (*op)->OneShot(in, out); });
    }
    size_t half = in.size() / 2;
    for (ByteView part : {ByteView(in).first(half), ByteView(in).subspan(half)}) {
      P11_ASSIGN_OR_RETURN(Bytes none, symtest::QueryThenCall([&](OutBuffer& out) {
                             return (*op)->Update(part, out);
                           }));
      EXPECT_TRUE(none.empty());
    }
    return symtest::QueryThenCall([&](OutBuffer& out) { return (*op)->Final(out); });
  }
};

TEST_F(AesWrapTest, KnownAnswersWrapUnwrapEncryptDecrypt) {
  for (const KwCase& c : KwCases()) {
    SCOPED_TRACE(testing::Message() << c.type << " key " << c.key.size());
    KeyMaterial kek = symtest::SecretKey(CKK_AES, c.kek);
    auto wrapped = Wrap(c.type, {}, kek, c.key);
    ASSERT_TRUE(wrapped.ok()) << wrapped.rv();
    EXPECT_EQ(*wrapped, c.wrapped);
    auto unwrapped = Mech(c.type).Unwrap({}, kek, c.wrapped);
    ASSERT_TRUE(unwrapped.ok()) << unwrapped.rv();
    EXPECT_TRUE(unwrapped->Equals(c.key));
    for (bool multi : {false, true}) {
      auto ct = Crypt(c.type, true, kek, c.key, multi);
      ASSERT_TRUE(ct.ok()) << ct.rv();
      EXPECT_EQ(*ct, c.wrapped);
      auto pt = Crypt(c.type, false, kek, c.wrapped, multi);
      ASSERT_TRUE(pt.ok()) << pt.rv();
      EXPECT_EQ(*pt, c.key);
    }
  }
}

TEST_F(AesWrapTest, IntegrityFailures) {
  for (const KwCase& c : KwCases()) {
    KeyMaterial kek = symtest::SecretKey(CKK_AES, c.kek);
    Bytes tampered = c.wrapped;
    tampered[tampered.size() / 2] ^= 0x01;
    EXPECT_EQ(Mech(c.type).Unwrap({}, kek, tampered).rv(), CKR_WRAPPED_KEY_INVALID);
    EXPECT_EQ(Crypt(c.type, false, kek, tampered, false).rv(), CKR_ENCRYPTED_DATA_INVALID);
    Bytes other_kek = c.kek;
    other_kek[0] ^= 0x80;
    KeyMaterial wrong = symtest::SecretKey(CKK_AES, other_kek);
    EXPECT_EQ(Mech(c.type).Unwrap({}, wrong, c.wrapped).rv(), CKR_WRAPPED_KEY_INVALID);
  }
}

TEST_F(AesWrapTest, ExplicitIvsMatchOpenssl) {
  Bytes kek(16, 0x11), data(24);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i);
  KeyMaterial key = symtest::SecretKey(CKK_AES, kek);
  Bytes kw_iv = {1, 2, 3, 4, 5, 6, 7, 8}, kwp_iv = {0xde, 0xad, 0xbe, 0xef};
  auto kw = Wrap(CKM_AES_KEY_WRAP, kw_iv, key, data);
  ASSERT_TRUE(kw.ok());
  EXPECT_EQ(*kw, OpensslWrap(false, kek, kw_iv, data));
  auto back = Mech(CKM_AES_KEY_WRAP).Unwrap(kw_iv, key, *kw);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->Equals(data));
  EXPECT_EQ(Mech(CKM_AES_KEY_WRAP).Unwrap({}, key, *kw).rv(), CKR_WRAPPED_KEY_INVALID);
  Bytes odd(data.begin(), data.begin() + 13);
  auto kwp = Wrap(CKM_AES_KEY_WRAP_KWP, kwp_iv, key, odd);
  ASSERT_TRUE(kwp.ok());
  EXPECT_EQ(*kwp, OpensslWrap(true, kek, kwp_iv, odd));
  auto kwp_back = Mech(CKM_AES_KEY_WRAP_KWP).Unwrap(kwp_iv, key, *kwp);
  ASSERT_TRUE(kwp_back.ok());
  EXPECT_TRUE(kwp_back->Equals(odd));
}

TEST_F(AesWrapTest, LengthsParametersAndKeys) {
  KeyMaterial kek = symtest::SecretKey(CKK_AES, Bytes(32, 0x22));
  Bytes eight(8, 1), twenty(20, 2), sixteen(16, 3);
  // KW: multiples of 8, at least 16; KWP: anything non-empty.
  EXPECT_EQ(Wrap(CKM_AES_KEY_WRAP, {}, kek, eight).rv(), CKR_KEY_SIZE_RANGE);
  EXPECT_EQ(Wrap(CKM_AES_KEY_WRAP, {}, kek, twenty).rv(), CKR_KEY_SIZE_RANGE);
  EXPECT_EQ(Crypt(CKM_AES_KEY_WRAP, true, kek, twenty, false).rv(), CKR_DATA_LEN_RANGE);
  EXPECT_EQ(Crypt(CKM_AES_KEY_WRAP, false, kek, twenty, false).rv(), CKR_ENCRYPTED_DATA_LEN_RANGE);
  EXPECT_EQ(Mech(CKM_AES_KEY_WRAP).Unwrap({}, kek, eight).rv(), CKR_WRAPPED_KEY_LEN_RANGE);
  auto kwp8 = Wrap(CKM_AES_KEY_WRAP_KWP, {}, kek, eight);
  ASSERT_TRUE(kwp8.ok());
  EXPECT_EQ(kwp8->size(), 16u);
  EXPECT_EQ(Wrap(CKM_AES_KEY_WRAP_KWP, {}, kek, {}).rv(), CKR_KEY_SIZE_RANGE);
  // The IV is 8 bytes for KW, 4 for KWP, or absent.
  EXPECT_EQ(Wrap(CKM_AES_KEY_WRAP, Bytes(4, 0), kek, sixteen).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(Wrap(CKM_AES_KEY_WRAP_KWP, Bytes(8, 0), kek, sixteen).rv(),
            CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(Mech(CKM_AES_KEY_WRAP).BeginEncrypt(Bytes(3, 0), kek).rv(),
            CKR_MECHANISM_PARAM_INVALID);
  // Keys: AES of 16, 24 or 32 bytes only.
  KeyMaterial generic = symtest::SecretKey(CKK_GENERIC_SECRET, Bytes(16, 1));
  EXPECT_EQ(Wrap(CKM_AES_KEY_WRAP, {}, generic, sixteen).rv(), CKR_KEY_TYPE_INCONSISTENT);
  KeyMaterial short_kek = symtest::SecretKey(CKK_AES, Bytes(8, 1));
  EXPECT_EQ(Wrap(CKM_AES_KEY_WRAP, {}, short_kek, sixteen).rv(), CKR_KEY_SIZE_RANGE);
  // A short output buffer: CKR_BUFFER_TOO_SMALL with the needed size.
  Bytes out(10);
  CK_ULONG len = out.size();
  OutBuffer small(out.data(), &len);
  Result<void> r = Mech(CKM_AES_KEY_WRAP).Wrap({}, kek, SecretView{ByteView(sixteen)}, small);
  EXPECT_EQ(r.rv(), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(len, 24u);
}

TEST_F(AesWrapTest, MechanismInfo) {
  for (CK_MECHANISM_TYPE t : {CKM_AES_KEY_WRAP, CKM_AES_KEY_WRAP_KWP}) {
    const CK_MECHANISM_INFO& info = Mech(t).info();
    EXPECT_EQ(info.ulMinKeySize, 16u);
    EXPECT_EQ(info.ulMaxKeySize, 32u);
    EXPECT_EQ(info.flags, CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP | CKF_UNWRAP);
    EXPECT_TRUE(Mech(t).AcceptsKeyType(CKK_AES));
    EXPECT_FALSE(Mech(t).AcceptsKeyType(CKK_GENERIC_SECRET));
  }
}

}  // namespace
}  // namespace p11
