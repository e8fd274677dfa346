// Signatures on both backends (PKCS#11 3.1 §5.13–§5.14): every signature mechanism the slot
// lists and this file knows how to drive signs data OpenSSL accepts, verifies on the token,
// rejects a flipped signature, gives the same result in parts, and follows the buffer protocol.
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <map>

#include "device_fixture.h"
#include "fixture3.h"

namespace conformance {
namespace {

enum class KeyKind { kEcP256, kEcP384, kRsa, kHmac };

struct SignCase {
  CK_MECHANISM_TYPE mech;
  const char* name;
  KeyKind key;
  const char* md;    // digest for OpenSSL; the input is hashed by the mechanism unless prehash
  bool prehash;      // the mechanism signs `md` of the data, given by the caller
  bool pss;          // RSA-PSS with MGF1(md) and a salt of the digest's length
  bool digest_info;  // raw CKM_RSA_PKCS: the caller passes a DigestInfo
};

// clang-format off
constexpr SignCase kSignCases[] = {
  {CKM_ECDSA, "CKM_ECDSA", KeyKind::kEcP256, "SHA256", true, false, false},
  {CKM_ECDSA_SHA1, "CKM_ECDSA_SHA1", KeyKind::kEcP256, "SHA1", false, false, false},
  {CKM_ECDSA_SHA224, "CKM_ECDSA_SHA224", KeyKind::kEcP256, "SHA224", false, false, false},
  {CKM_ECDSA_SHA256, "CKM_ECDSA_SHA256", KeyKind::kEcP256, "SHA256", false, false, false},
  {CKM_ECDSA_SHA384, "CKM_ECDSA_SHA384", KeyKind::kEcP384, "SHA384", false, false, false},
  {CKM_ECDSA_SHA512, "CKM_ECDSA_SHA512", KeyKind::kEcP384, "SHA512", false, false, false},
  {CKM_RSA_PKCS, "CKM_RSA_PKCS", KeyKind::kRsa, "SHA256", true, false, true},
  {CKM_SHA1_RSA_PKCS, "CKM_SHA1_RSA_PKCS", KeyKind::kRsa, "SHA1", false, false, false},
  {CKM_SHA224_RSA_PKCS, "CKM_SHA224_RSA_PKCS", KeyKind::kRsa, "SHA224", false, false, false},
  {CKM_SHA256_RSA_PKCS, "CKM_SHA256_RSA_PKCS", KeyKind::kRsa, "SHA256", false, false, false},
  {CKM_SHA384_RSA_PKCS, "CKM_SHA384_RSA_PKCS", KeyKind::kRsa, "SHA384", false, false, false},
  {CKM_SHA512_RSA_PKCS, "CKM_SHA512_RSA_PKCS", KeyKind::kRsa, "SHA512", false, false, false},
  {CKM_RSA_PKCS_PSS, "CKM_RSA_PKCS_PSS", KeyKind::kRsa, "SHA256", true, true, false},
  {CKM_SHA1_RSA_PKCS_PSS, "CKM_SHA1_RSA_PKCS_PSS", KeyKind::kRsa, "SHA1", false, true, false},
  {CKM_SHA224_RSA_PKCS_PSS, "CKM_SHA224_RSA_PKCS_PSS", KeyKind::kRsa, "SHA224", false, true, false},
  {CKM_SHA256_RSA_PKCS_PSS, "CKM_SHA256_RSA_PKCS_PSS", KeyKind::kRsa, "SHA256", false, true, false},
  {CKM_SHA384_RSA_PKCS_PSS, "CKM_SHA384_RSA_PKCS_PSS", KeyKind::kRsa, "SHA384", false, true, false},
  {CKM_SHA512_RSA_PKCS_PSS, "CKM_SHA512_RSA_PKCS_PSS", KeyKind::kRsa, "SHA512", false, true, false},
  {CKM_SHA_1_HMAC, "CKM_SHA_1_HMAC", KeyKind::kHmac, "SHA1", false, false, false},
  {CKM_SHA224_HMAC, "CKM_SHA224_HMAC", KeyKind::kHmac, "SHA224", false, false, false},
  {CKM_SHA256_HMAC, "CKM_SHA256_HMAC", KeyKind::kHmac, "SHA256", false, false, false},
  {CKM_SHA384_HMAC, "CKM_SHA384_HMAC", KeyKind::kHmac, "SHA384", false, false, false},
  {CKM_SHA512_HMAC, "CKM_SHA512_HMAC", KeyKind::kHmac, "SHA512", false, false, false},
};
// clang-format on

CK_MECHANISM_TYPE HashMech(const char* md) {
  std::string m = md;
  if (m == "SHA1") return CKM_SHA_1;
  if (m == "SHA224") return CKM_SHA224;
  if (m == "SHA384") return CKM_SHA384;
  if (m == "SHA512") return CKM_SHA512;
  return CKM_SHA256;
}

CK_RSA_PKCS_MGF_TYPE Mgf(const char* md) {
  std::string m = md;
  if (m == "SHA1") return CKG_MGF1_SHA1;
  if (m == "SHA224") return CKG_MGF1_SHA224;
  if (m == "SHA384") return CKG_MGF1_SHA384;
  if (m == "SHA512") return CKG_MGF1_SHA512;
  return CKG_MGF1_SHA256;
}

// DER DigestInfo prefix for SHA-256 (RFC 8017 §9.2 note 1).
const Bytes kSha256DigestInfoPrefix = FromHex("3031300d060960864801650304020105000420");

// RSA-PSS over a given hash, which the fixture's OpensslVerify does not cover.
bool OsslVerifyPssPrehashed(const Bytes& spki, const char* md, const Bytes& hash,
                            const Bytes& sig) {
  Pkey key = PkeyFromSpki(spki);
  if (key == nullptr) return false;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key.get(), nullptr);
  bool ok = EVP_PKEY_verify_init(ctx) == 1 &&
            EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1 &&
            EVP_PKEY_CTX_set_signature_md(ctx, EVP_get_digestbyname(md)) == 1 &&
            EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) == 1 &&
            EVP_PKEY_verify(ctx, sig.data(), sig.size(), hash.data(), hash.size()) == 1;
  EVP_PKEY_CTX_free(ctx);
  return ok;
}

class BackendSignTest : public BackendTest {
 protected:
  struct Key {
    CK_OBJECT_HANDLE priv = CK_INVALID_HANDLE;
    CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE;
    Bytes spki;  // empty for HMAC
  };

  // One key per kind, made on first use; HMAC keys have a known value.
  const Key& KeyFor(CK_SESSION_HANDLE s, KeyKind kind) {
    auto it = keys_.find(kind);
    if (it != keys_.end()) return it->second;
    Key k;
    if (kind == KeyKind::kHmac) {
      k.priv = k.pub = ImportHmacKey(s, hmac_key_);
    } else if (kind == KeyKind::kRsa) {
      GenerateRsa(s, 2048, &k.pub, &k.priv);
    } else {
      GenerateEc(s, kind == KeyKind::kEcP256 ? kP256Params : kP384Params, &k.pub, &k.priv);
    }
    if (kind != KeyKind::kHmac) k.spki = Spki(s, k.pub);
    return keys_[kind] = std::move(k);
  }

  // The input the caller passes for `c` and the mechanism with its parameters.
  Bytes InputFor(const SignCase& c, const Bytes& message) {
    if (!c.prehash) return message;
    Bytes hash = OpensslDigest(c.md, message);
    if (!c.digest_info) return hash;
    Bytes info = kSha256DigestInfoPrefix;
    info.insert(info.end(), hash.begin(), hash.end());
    return info;
  }
  CK_MECHANISM MechFor(const SignCase& c) {
    pss_ = {HashMech(c.md), Mgf(c.md), OpensslDigest(c.md, {}).size()};
    if (c.pss) return {c.mech, &pss_, sizeof pss_};
    return {c.mech, nullptr, 0};
  }

  bool OpensslAccepts(const SignCase& c, const Key& k, const Bytes& message, const Bytes& sig) {
    if (c.key == KeyKind::kHmac) return sig == OsslHmac(c.md, hmac_key_, message);
    if (c.prehash && c.pss) {
      return OsslVerifyPssPrehashed(k.spki, c.md, OpensslDigest(c.md, message), sig);
    }
    if (c.prehash) return OpensslVerify(k.spki, nullptr, InputFor(c, message), sig);
    return OpensslVerify(k.spki, c.md, message, sig, c.pss);
  }

  void CheckCase(CK_SESSION_HANDLE s, const SignCase& c);
  void CheckMultiPart(CK_SESSION_HANDLE s, const SignCase& c);
  void CheckBufferProtocol(CK_SESSION_HANDLE s, const SignCase& c);

  const Bytes hmac_key_ = Str("a 32-byte HMAC key for the suite");
  CK_RSA_PKCS_PSS_PARAMS pss_ = {};
  std::map<KeyKind, Key> keys_;
};

void BackendSignTest::CheckCase(CK_SESSION_HANDLE s, const SignCase& c) {
  SCOPED_TRACE(c.name);
  const Key& k = KeyFor(s, c.key);
  ASSERT_NE(k.priv, CK_INVALID_HANDLE);
  const Bytes message = Str("The quick brown fox jumps over the lazy dog");
  Bytes input = InputFor(c, message);
  CK_MECHANISM m = MechFor(c);
  Bytes sig;
  ASSERT_CKR_OK(Sign(s, &m, k.priv, input, &sig));
  EXPECT_TRUE(OpensslAccepts(c, k, message, sig)) << "OpenSSL rejects the signature";
  EXPECT_CKR_OK(Verify(s, &m, k.pub, input, sig));
  Bytes flipped = sig;
  flipped.back() ^= 0x01;
  EXPECT_RV(CKR_SIGNATURE_INVALID, Verify(s, &m, k.pub, input, flipped));
}

TEST_P(BackendSignTest, EveryListedSignatureMechanism) {
  CK_SESSION_HANDLE s = UserSession();
  std::vector<CK_MECHANISM_TYPE> listed = MechanismList();
  int driven = 0;
  for (const SignCase& c : kSignCases) {
    if (std::find(listed.begin(), listed.end(), c.mech) == listed.end()) continue;
    CK_MECHANISM_INFO info = {};
    ASSERT_CKR_OK(f_->C_GetMechanismInfo(slot_, c.mech, &info));
    if (c.key == KeyKind::kEcP384 && info.ulMaxKeySize < 384) continue;
    EXPECT_TRUE((info.flags & CKF_SIGN) && (info.flags & CKF_VERIFY)) << c.name;
    CheckCase(s, c);
    ++driven;
  }
  if (driven == 0) GTEST_SKIP() << "no signature mechanism this test drives is listed";
  if (is_device()) {
    // The firmware token's rows: every ECDSA, RSA PKCS#1/PSS and HMAC-SHA256 variant.
    EXPECT_GE(driven, 13);
  }
}

void BackendSignTest::CheckMultiPart(CK_SESSION_HANDLE s, const SignCase& c) {
  SCOPED_TRACE(c.name);
  const Key& k = KeyFor(s, c.key);
  ASSERT_NE(k.priv, CK_INVALID_HANDLE);
  Bytes message(1000);
  for (size_t i = 0; i < message.size(); ++i) message[i] = static_cast<uint8_t>(i * 7);
  CK_MECHANISM m = MechFor(c);
  ASSERT_CKR_OK(f_->C_SignInit(s, &m, k.priv));
  for (size_t off : {size_t{0}, size_t{1}, size_t{400}}) {
    size_t end = off == 0 ? 1 : off == 1 ? 400 : message.size();
    ASSERT_CKR_OK(f_->C_SignUpdate(s, message.data() + off, end - off));
  }
  CK_ULONG len = 0;
  ASSERT_CKR_OK(f_->C_SignFinal(s, nullptr, &len));
  Bytes parts(len);
  ASSERT_CKR_OK(f_->C_SignFinal(s, parts.data(), &len));
  parts.resize(len);
  Bytes single;
  ASSERT_CKR_OK(Sign(s, &m, k.priv, message, &single));
  EXPECT_EQ(parts.size(), single.size());
  EXPECT_TRUE(OpensslAccepts(c, k, message, parts));
  EXPECT_CKR_OK(Verify(s, &m, k.pub, message, parts)) << "single-part verify of a multi-part sig";
  // Multi-part verification of the single-part signature.
  ASSERT_CKR_OK(f_->C_VerifyInit(s, &m, k.pub));
  ASSERT_CKR_OK(f_->C_VerifyUpdate(s, message.data(), 500));
  ASSERT_CKR_OK(f_->C_VerifyUpdate(s, message.data() + 500, message.size() - 500));
  EXPECT_CKR_OK(f_->C_VerifyFinal(s, single.data(), single.size()));
  // PKCS#1 v1.5 and HMAC are deterministic: both paths give the very same bytes.
  if (c.key == KeyKind::kHmac || (c.key == KeyKind::kRsa && !c.pss)) {
    EXPECT_EQ(parts, single);
  }
}

TEST_P(BackendSignTest, MultiPartMatchesSinglePart) {
  int driven = 0;
  CK_SESSION_HANDLE s = UserSession();
  for (const SignCase& c : kSignCases) {
    bool wanted = c.mech == CKM_ECDSA_SHA256 || c.mech == CKM_SHA256_RSA_PKCS ||
                  c.mech == CKM_SHA256_RSA_PKCS_PSS || c.mech == CKM_SHA256_HMAC;
    if (!wanted || !Advertises(c.mech)) continue;
    CheckMultiPart(s, c);
    ++driven;
  }
  if (driven == 0) GTEST_SKIP() << "no hashing signature mechanism listed";
}

void BackendSignTest::CheckBufferProtocol(CK_SESSION_HANDLE s, const SignCase& c) {
  SCOPED_TRACE(c.name);
  const Key& k = KeyFor(s, c.key);
  ASSERT_NE(k.priv, CK_INVALID_HANDLE);
  Bytes message = Str("buffer protocol");
  CK_MECHANISM m = MechFor(c);
  ASSERT_CKR_OK(f_->C_SignInit(s, &m, k.priv));
  CK_ULONG needed = 0;
  ASSERT_CKR_OK(f_->C_Sign(s, message.data(), message.size(), nullptr, &needed));
  ASSERT_GT(needed, 1u);
  // §5.2: too small a buffer reports the size and keeps the operation active.
  Bytes sig(needed - 1);
  CK_ULONG len = sig.size();
  ASSERT_RV(CKR_BUFFER_TOO_SMALL, f_->C_Sign(s, message.data(), message.size(), sig.data(), &len));
  EXPECT_EQ(len, needed) << "CKR_BUFFER_TOO_SMALL reports the length needed";
  sig.assign(needed, 0);
  len = needed;
  ASSERT_CKR_OK(f_->C_Sign(s, message.data(), message.size(), sig.data(), &len));
  sig.resize(len);
  EXPECT_TRUE(OpensslAccepts(c, k, message, sig));
  // A successful call ends the operation.
  EXPECT_RV(CKR_OPERATION_NOT_INITIALIZED,
            f_->C_Sign(s, message.data(), message.size(), sig.data(), &len));
  // The same for C_SignFinal.
  ASSERT_CKR_OK(f_->C_SignInit(s, &m, k.priv));
  ASSERT_CKR_OK(f_->C_SignUpdate(s, message.data(), message.size()));
  len = 1;
  ASSERT_RV(CKR_BUFFER_TOO_SMALL, f_->C_SignFinal(s, sig.data(), &len));
  EXPECT_EQ(len, needed);
  Bytes final_sig(len);
  ASSERT_CKR_OK(f_->C_SignFinal(s, final_sig.data(), &len));
  final_sig.resize(len);
  EXPECT_TRUE(OpensslAccepts(c, k, message, final_sig));
  // An operation in progress blocks a second init.
  ASSERT_CKR_OK(f_->C_SignInit(s, &m, k.priv));
  EXPECT_RV(CKR_OPERATION_ACTIVE, f_->C_SignInit(s, &m, k.priv));
  ASSERT_CKR_OK(f_->C_SignUpdate(s, message.data(), message.size()));
  len = final_sig.size();
  EXPECT_CKR_OK(f_->C_SignFinal(s, final_sig.data(), &len));
}

TEST_P(BackendSignTest, LengthQueryAndBufferTooSmallKeepTheOperation) {
  int driven = 0;
  CK_SESSION_HANDLE s = UserSession();
  for (const SignCase& c : kSignCases) {
    bool wanted =
        c.mech == CKM_ECDSA_SHA256 || c.mech == CKM_SHA256_RSA_PKCS || c.mech == CKM_SHA256_HMAC;
    if (!wanted || !Advertises(c.mech)) continue;
    CheckBufferProtocol(s, c);
    ++driven;
  }
  if (driven == 0) GTEST_SKIP() << "no hashing signature mechanism listed";
}

TEST_P(BackendSignTest, KeyWithoutSignUsageIsRefused) {
  SKIP_UNLESS_ADVERTISED(CKM_ECDSA_SHA256);
  CK_SESSION_HANDLE s = UserSession();
  Template priv_extra;
  priv_extra.Bool(CKA_SIGN, false).Bool(CKA_TOKEN, false);
  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
  GenerateEc(s, kP256Params, &pub, &priv, nullptr, &priv_extra);
  ASSERT_NE(priv, CK_INVALID_HANDLE);
  CK_MECHANISM m = {CKM_ECDSA_SHA256, nullptr, 0};
  EXPECT_RV(CKR_KEY_FUNCTION_NOT_PERMITTED, f_->C_SignInit(s, &m, priv));
}

INSTANTIATE_TEST_SUITE_P(Backend, BackendSignTest,
                         ::testing::Values(Backend::kSoft, Backend::kDevice), BackendName);

}  // namespace
}  // namespace conformance
