// RSA encryption and key wrapping: CKM_RSA_PKCS_OAEP against the PKCS #1 v2.1 oaep-vect.txt
// known answers (SHA-1) and a Wycheproof selection (SHA-256 with labels), round trips with
// OpenSSL for every hash and label, parameter validation, the single decryption error code,
// and C_WrapKey / C_UnwrapKey with OAEP and PKCS#1 v1.5.
#include <openssl/core_names.h>
#include <openssl/rsa.h>

#include "mechanisms/asym_test_util.h"

namespace p11 {
namespace {

using asym_test::Bytes;
using asym_test::Hex;
using asym_test::KeyObject;
using asym_test::Material;
using asym_test::ParamBytes;
using asym_test::View;

// The Mechanism base adds the message-based signing flags to every signing mechanism.
constexpr CK_FLAGS kMessageFlags = CKF_MESSAGE_SIGN | CKF_MESSAGE_VERIFY;

std::vector<asym_test::Record> RsaRecords(const std::string& name) {
  return asym_test::ReadRecords("../rsa/" + name);
}

CK_RSA_PKCS_OAEP_PARAMS Oaep(CK_MECHANISM_TYPE hash, CK_RSA_PKCS_MGF_TYPE mgf,
                             const Bytes& label = {}) {
  return {hash, mgf, CKZ_DATA_SPECIFIED,
          label.empty() ? nullptr : const_cast<uint8_t*>(label.data()), label.size()};
}

struct HashCase {
  CK_MECHANISM_TYPE hash;
  CK_RSA_PKCS_MGF_TYPE mgf;
  const char* md;
};

constexpr HashCase kHashes[] = {
    {CKM_SHA_1, CKG_MGF1_SHA1, "SHA1"},
    {CKM_SHA224, CKG_MGF1_SHA224, "SHA224"},
    {CKM_SHA256, CKG_MGF1_SHA256, "SHA256"},
    {CKM_SHA384, CKG_MGF1_SHA384, "SHA384"},
    {CKM_SHA512, CKG_MGF1_SHA512, "SHA512"},
    {CKM_SHA3_224, CKG_MGF1_SHA3_224, "SHA3-224"},
    {CKM_SHA3_256, CKG_MGF1_SHA3_256, "SHA3-256"},
    {CKM_SHA3_384, CKG_MGF1_SHA3_384, "SHA3-384"},
    {CKM_SHA3_512, CKG_MGF1_SHA3_512, "SHA3-512"},
};

// C_Encrypt / C_Decrypt as an application does it: a length query, then the call.
Result<Bytes> CipherRun(const Mechanism& m, ByteView param, const KeyMaterial& key, ByteView in,
                        bool encrypt) {
  auto op = encrypt ? m.BeginEncrypt(param, key) : m.BeginDecrypt(param, key);
  if (!op.ok()) return op.error();
  CK_ULONG len = 0;
  OutBuffer query(nullptr, &len);
  Result<void> q = (*op)->OneShot(in, query);
  if (q.ok()) return Error{CKR_GENERAL_ERROR, 0, "length query consumed the operation"};
  if (q.rv() != CKR_OK) return q.error();
  Bytes out(len);
  OutBuffer buf(out.data(), &len);
  P11_TRY((*op)->OneShot(in, buf));
  out.resize(len);
  return out;
}

// OpenSSL's own OAEP, independent of the mechanism code.
Bytes OsslOaep(EVP_PKEY* pkey, bool encrypt, const char* md, const char* mgf, const Bytes& label,
               const Bytes& in) {
  ossl::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  EXPECT_EQ(encrypt ? EVP_PKEY_encrypt_init(ctx.get()) : EVP_PKEY_decrypt_init(ctx.get()), 1);
  EXPECT_EQ(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING), 1);
  EXPECT_EQ(EVP_PKEY_CTX_set_rsa_oaep_md_name(ctx.get(), md, nullptr), 1);
  EXPECT_EQ(EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx.get(), mgf, nullptr), 1);
  if (!label.empty()) {
    void* copy = OPENSSL_memdup(label.data(), label.size());
    EXPECT_EQ(EVP_PKEY_CTX_set0_rsa_oaep_label(ctx.get(), copy, static_cast<int>(label.size())), 1);
  }
  Bytes out(static_cast<size_t>(EVP_PKEY_get_size(pkey)));
  size_t len = out.size();
  int ok = encrypt ? EVP_PKEY_encrypt(ctx.get(), out.data(), &len, in.data(), in.size())
                   : EVP_PKEY_decrypt(ctx.get(), out.data(), &len, in.data(), in.size());
  EXPECT_EQ(ok, 1);
  out.resize(ok == 1 ? len : 0);
  return out;
}

class RsaOaepTest : public asym_test::RsaPairSuite {
 protected:
  // A private key from the hex values of a record: n, e, d and, when given, the CRT values.
  static Object PrivateFrom(const asym_test::Record& r, bool crt) {
    Object priv = KeyObject(CKO_PRIVATE_KEY, CKK_RSA);
    priv.Set(CKA_MODULUS, View(Hex(r.at("n"))));
    priv.Set(CKA_PUBLIC_EXPONENT, View(Hex(r.at("e"))));
    priv.Set(CKA_PRIVATE_EXPONENT, View(Hex(r.at("d"))));
    if (crt) {
      priv.Set(CKA_PRIME_1, View(Hex(r.at("p"))));
      priv.Set(CKA_PRIME_2, View(Hex(r.at("q"))));
      priv.Set(CKA_EXPONENT_1, View(Hex(r.at("dP"))));
      priv.Set(CKA_EXPONENT_2, View(Hex(r.at("dQ"))));
      priv.Set(CKA_COEFFICIENT, View(Hex(r.at("qInv"))));
    }
    return priv;
  }
};

TEST_F(RsaOaepTest, MechanismInfoIsTruthful) {
  const CK_MECHANISM_INFO& oaep = Mech(CKM_RSA_PKCS_OAEP).info();
  EXPECT_EQ(oaep.ulMinKeySize, 1024u);
  EXPECT_EQ(oaep.ulMaxKeySize, 8192u);
  EXPECT_EQ(oaep.flags, CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP | CKF_UNWRAP);
  EXPECT_TRUE(Mech(CKM_RSA_PKCS_OAEP).AcceptsKeyType(CKK_RSA));
  EXPECT_EQ(Mech(CKM_RSA_PKCS).info().flags, CKF_SIGN | CKF_VERIFY | kMessageFlags |
                                                 CKF_SIGN_RECOVER | CKF_VERIFY_RECOVER |
                                                 CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP | CKF_UNWRAP);
  // What the flags leave out is refused.
  auto priv = Material(*priv_);
  CK_RSA_PKCS_OAEP_PARAMS p = Oaep(CKM_SHA256, CKG_MGF1_SHA256);
  EXPECT_EQ(Mech(CKM_RSA_PKCS_OAEP).BeginSign(ParamBytes(p), *priv).rv(), CKR_MECHANISM_INVALID);
  EXPECT_EQ(Mech(CKM_RSA_PKCS_OAEP).BeginVerifyRecover(ParamBytes(p), *priv).rv(),
            CKR_MECHANISM_INVALID);
}

TEST_F(RsaOaepTest, OaepVectSha1KnownAnswersDecrypt) {
  auto records = RsaRecords("oaep_vect_sha1.txt");
  ASSERT_EQ(records.size(), 7u);
  CK_RSA_PKCS_OAEP_PARAMS specified = Oaep(CKM_SHA_1, CKG_MGF1_SHA1);
  // PKCS#11 3.1 allows no source at all when there is no label.
  CK_RSA_PKCS_OAEP_PARAMS zero_source{CKM_SHA_1, CKG_MGF1_SHA1, 0, nullptr, 0};
  for (bool crt : {false, true}) {
    auto priv = Material(PrivateFrom(records[0], crt));
    ASSERT_TRUE(priv);
    EXPECT_EQ(priv->size, 1024u);
    for (size_t i = 1; i < records.size(); ++i) {
      const asym_test::Record& r = records[i];
      Bytes c = Hex(r.at("C"));
      for (const CK_RSA_PKCS_OAEP_PARAMS& p : {specified, zero_source}) {
        auto m = CipherRun(Mech(CKM_RSA_PKCS_OAEP), ParamBytes(p), *priv, View(c), false);
        ASSERT_TRUE(m.ok()) << r.at("Example") << " " << std::hex << m.rv();
        EXPECT_EQ(*m, Hex(r.at("M"))) << r.at("Example");
      }
      c[c.size() / 2] ^= 0x01;
      EXPECT_EQ(
          CipherRun(Mech(CKM_RSA_PKCS_OAEP), ParamBytes(specified), *priv, View(c), false).rv(),
          CKR_ENCRYPTED_DATA_INVALID);
    }
  }
}

TEST_F(RsaOaepTest, WycheproofSha256WithLabels) {
  auto records = RsaRecords("wycheproof_oaep_2048_sha256.txt");
  ASSERT_GT(records.size(), 10u);
  auto priv = Material(PrivateFrom(records[0], false));
  ASSERT_TRUE(priv);
  int valid = 0, invalid = 0;
  for (size_t i = 1; i < records.size(); ++i) {
    const asym_test::Record& r = records[i];
    Bytes label = Hex(r.at("label")), ct = Hex(r.at("ct"));
    CK_RSA_PKCS_OAEP_PARAMS p = Oaep(CKM_SHA256, CKG_MGF1_SHA256, label);
    auto m = CipherRun(Mech(CKM_RSA_PKCS_OAEP), ParamBytes(p), *priv, View(ct), false);
    if (r.at("result") == "valid") {
      ++valid;
      ASSERT_TRUE(m.ok()) << r.at("tcId");
      EXPECT_EQ(*m, Hex(r.at("msg"))) << r.at("tcId");
      // The same ciphertext under another label is no longer valid.
      Bytes other = label;
      other.push_back(0x00);
      CK_RSA_PKCS_OAEP_PARAMS wrong = Oaep(CKM_SHA256, CKG_MGF1_SHA256, other);
      EXPECT_EQ(CipherRun(Mech(CKM_RSA_PKCS_OAEP), ParamBytes(wrong), *priv, View(ct), false).rv(),
                CKR_ENCRYPTED_DATA_INVALID);
    } else {
      ++invalid;
      // Whatever the defect, one code; only a wrong length is told apart (it is public).
      CK_RV want = ct.size() == 256 ? CKR_ENCRYPTED_DATA_INVALID : CKR_ENCRYPTED_DATA_LEN_RANGE;
      EXPECT_EQ(m.rv(), want) << r.at("tcId");
    }
  }
  EXPECT_EQ(valid, 6);
  EXPECT_EQ(invalid, 6);
}

TEST_F(RsaOaepTest, RoundTripsWithOpenSslForEveryHashAndLabel) {
  auto pub = Material(*pub_);
  auto priv = Material(*priv_);
  Bytes msg = Hex("0123456789abcdeffedcba98765432100011223344556677");
  for (const HashCase& h : kHashes) {
    for (const Bytes& label : {Bytes{}, Hex("6c6162656c"), Bytes(300, 0x42)}) {
      for (const HashCase& mgf : {h, kHashes[0]}) {
        SCOPED_TRACE(std::string(h.md) + " mgf " + mgf.md + " label " +
                     std::to_string(label.size()));
        CK_RSA_PKCS_OAEP_PARAMS p = Oaep(h.hash, mgf.mgf, label);
        auto ours = CipherRun(Mech(CKM_RSA_PKCS_OAEP), ParamBytes(p), *pub, View(msg), true);
        ASSERT_TRUE(ours.ok()) << std::hex << ours.rv();
        ASSERT_EQ(ours->size(), 256u);
        EXPECT_EQ(OsslOaep(priv->pkey.get(), false, h.md, mgf.md, label, *ours), msg);
        Bytes theirs = OsslOaep(priv->pkey.get(), true, h.md, mgf.md, label, msg);
        auto back = CipherRun(Mech(CKM_RSA_PKCS_OAEP), ParamBytes(p), *priv, View(theirs), false);
        ASSERT_TRUE(back.ok()) << std::hex << back.rv();
        EXPECT_EQ(*back, msg);
      }
    }
  }
}

TEST_F(RsaOaepTest, ParametersAreValidated) {
  auto pub = Material(*pub_);
  auto begin = [&](const CK_RSA_PKCS_OAEP_PARAMS& p) {
    return Mech(CKM_RSA_PKCS_OAEP).BeginEncrypt(ParamBytes(p), *pub).rv();
  };
  Bytes label = Hex("01020304");
  uint8_t byte = 0;
  EXPECT_EQ(begin(Oaep(CKM_SHA256, CKG_MGF1_SHA256, label)), CKR_OK);
  EXPECT_EQ(begin({CKM_SHA256, CKG_MGF1_SHA256, 0, nullptr, 0}), CKR_OK);
  EXPECT_EQ(begin({CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, &byte, 0}), CKR_OK);
  EXPECT_EQ(begin({CKM_MD5, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, nullptr, 0}),
            CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(begin({CKM_SHA512_224, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, nullptr, 0}),
            CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(begin({CKM_SHA256, 0x99, CKZ_DATA_SPECIFIED, nullptr, 0}), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(begin({CKM_SHA256, CKG_MGF1_SHA256, 2, nullptr, 0}), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(begin({CKM_SHA256, CKG_MGF1_SHA256, 0, label.data(), label.size()}),
            CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(begin({CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, nullptr, 4}),
            CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(Mech(CKM_RSA_PKCS_OAEP).BeginEncrypt({}, *pub).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(Mech(CKM_RSA_PKCS_OAEP).BeginDecrypt(View(Bytes(7)), *Material(*priv_)).rv(),
            CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(Mech(CKM_RSA_PKCS).BeginEncrypt(View(Bytes(4)), *pub).rv(),
            CKR_MECHANISM_PARAM_INVALID);
  // 1024-bit modulus: 128 < 2 × 64 + 2, so OAEP with SHA-512 cannot carry anything.
  auto small = Material(PrivateFrom(RsaRecords("oaep_vect_sha1.txt")[0], true));
  EXPECT_EQ(Mech(CKM_RSA_PKCS_OAEP)
                .BeginEncrypt(ParamBytes(Oaep(CKM_SHA512, CKG_MGF1_SHA512)), *small)
                .rv(),
            CKR_KEY_SIZE_RANGE);
  EXPECT_EQ(Mech(CKM_RSA_PKCS_OAEP)
                .BeginEncrypt(ParamBytes(Oaep(CKM_SHA384, CKG_MGF1_SHA512)), *small)
                .rv(),
            CKR_OK);
}

TEST_F(RsaOaepTest, LengthRulesAndBuffers) {
  auto pub = Material(*pub_);
  auto priv = Material(*priv_);
  CK_RSA_PKCS_OAEP_PARAMS p = Oaep(CKM_SHA256, CKG_MGF1_SHA256);
  const Mechanism& m = Mech(CKM_RSA_PKCS_OAEP);
  // k − 2hLen − 2 = 256 − 66 = 190 bytes at most.
  EXPECT_TRUE(CipherRun(m, ParamBytes(p), *pub, View(Bytes(190, 1)), true).ok());
  EXPECT_EQ(CipherRun(m, ParamBytes(p), *pub, View(Bytes(191, 1)), true).rv(), CKR_DATA_LEN_RANGE);
  auto cipher = CipherRun(m, ParamBytes(p), *pub, View(Bytes(40, 9)), true);
  ASSERT_TRUE(cipher.ok());

  auto dec = m.BeginDecrypt(ParamBytes(p), *priv);
  ASSERT_TRUE(dec.ok());
  CK_ULONG len = 0;
  OutBuffer query(nullptr, &len);
  EXPECT_EQ((*dec)->Update(View(*cipher), query).rv(), CKR_FUNCTION_NOT_SUPPORTED);
  EXPECT_EQ((*dec)->OneShot(View(*cipher), query).rv(), CKR_OK);
  EXPECT_EQ(len, 256u);
  Bytes out(39);
  len = out.size();
  OutBuffer small(out.data(), &len);
  Result<void> r = (*dec)->OneShot(View(*cipher), small);
  EXPECT_EQ(r.rv(), CKR_BUFFER_TOO_SMALL);
  EXPECT_TRUE(KeepsOperation(r.error()));
  EXPECT_EQ(len, 40u);
  out.resize(40);
  OutBuffer exact(out.data(), &len);
  ASSERT_TRUE((*dec)->OneShot(View(*cipher), exact).ok());
  EXPECT_EQ(out, Bytes(40, 9));
  EXPECT_EQ(CipherRun(m, ParamBytes(p), *priv, View(Bytes(255, 1)), false).rv(),
            CKR_ENCRYPTED_DATA_LEN_RANGE);
}

// Every defect of a same-length ciphertext gives CKR_ENCRYPTED_DATA_INVALID, for OAEP and for
// PKCS#1 v1.5 alike: a flipped bit anywhere, a value above the modulus, a wrong label.
TEST_F(RsaOaepTest, TamperedCiphertextGivesOneCode) {
  auto pub = Material(*pub_);
  auto priv = Material(*priv_);
  Bytes label = Hex("aabb");
  CK_RSA_PKCS_OAEP_PARAMS p = Oaep(CKM_SHA384, CKG_MGF1_SHA256, label);
  struct Case {
    CK_MECHANISM_TYPE mechanism;
    ByteView param;
  } cases[] = {{CKM_RSA_PKCS_OAEP, ParamBytes(p)}, {CKM_RSA_PKCS, {}}};
  for (const Case& c : cases) {
    const Mechanism& m = Mech(c.mechanism);
    auto cipher = CipherRun(m, c.param, *pub, View(Bytes(32, 0x33)), true);
    ASSERT_TRUE(cipher.ok());
    for (size_t pos : {size_t{0}, size_t{1}, size_t{100}, size_t{255}}) {
      Bytes bad = *cipher;
      bad[pos] ^= 0x10;
      EXPECT_EQ(CipherRun(m, c.param, *priv, View(bad), false).rv(), CKR_ENCRYPTED_DATA_INVALID)
          << std::hex << c.mechanism << " " << pos;
    }
    EXPECT_EQ(CipherRun(m, c.param, *priv, View(Bytes(256, 0xff)), false).rv(),
              CKR_ENCRYPTED_DATA_INVALID);
    EXPECT_EQ(CipherRun(m, c.param, *priv, View(Bytes(256, 0)), false).rv(),
              CKR_ENCRYPTED_DATA_INVALID);
  }
  CK_RSA_PKCS_OAEP_PARAMS no_label = Oaep(CKM_SHA384, CKG_MGF1_SHA256);
  auto cipher = CipherRun(Mech(CKM_RSA_PKCS_OAEP), ParamBytes(p), *pub, View(Bytes(8, 1)), true);
  EXPECT_EQ(
      CipherRun(Mech(CKM_RSA_PKCS_OAEP), ParamBytes(no_label), *priv, View(*cipher), false).rv(),
      CKR_ENCRYPTED_DATA_INVALID);
}

// C_WrapKey through the Mechanism interface: `out` must hold the modulus length.
Result<Bytes> Wrap(const Mechanism& m, ByteView param, const KeyMaterial& key,
                   const Bytes& secret) {
  CK_ULONG len = 0;
  OutBuffer query(nullptr, &len);
  Result<void> q = m.Wrap(param, key, SecretView{View(secret)}, query);
  if (q.ok()) return Error{CKR_GENERAL_ERROR, 0, "length query wrapped"};
  if (q.rv() != CKR_OK) return q.error();
  Bytes out(len);
  OutBuffer buf(out.data(), &len);
  P11_TRY(m.Wrap(param, key, SecretView{View(secret)}, buf));
  out.resize(len);
  return out;
}

TEST_F(RsaOaepTest, WrapUnwrapRoundTripOfA32ByteSecret) {
  auto pub = Material(*pub_);
  auto priv = Material(*priv_);
  Bytes secret(32);
  for (size_t i = 0; i < secret.size(); ++i) secret[i] = static_cast<uint8_t>(i * 7 + 1);
  Bytes label = Hex("6b6579");
  CK_RSA_PKCS_OAEP_PARAMS p = Oaep(CKM_SHA256, CKG_MGF1_SHA256, label);
  struct Case {
    CK_MECHANISM_TYPE mechanism;
    ByteView param;
  } cases[] = {{CKM_RSA_PKCS_OAEP, ParamBytes(p)}, {CKM_RSA_PKCS, {}}};
  for (const Case& c : cases) {
    const Mechanism& m = Mech(c.mechanism);
    // A private key carries its public half, so it may wrap too.
    for (const KeyMaterial* wrapping : {pub.get(), priv.get()}) {
      auto wrapped = Wrap(m, c.param, *wrapping, secret);
      ASSERT_TRUE(wrapped.ok()) << std::hex << wrapped.rv();
      ASSERT_EQ(wrapped->size(), 256u);
      auto unwrapped = m.Unwrap(c.param, *priv, View(*wrapped));
      ASSERT_TRUE(unwrapped.ok()) << std::hex << unwrapped.rv();
      EXPECT_TRUE(unwrapped->Equals(View(secret)));
      Bytes bad = *wrapped;
      bad[17] ^= 0x80;
      EXPECT_EQ(m.Unwrap(c.param, *priv, View(bad)).rv(), CKR_WRAPPED_KEY_INVALID);
      EXPECT_EQ(m.Unwrap(c.param, *priv, View(Bytes(255, 1))).rv(), CKR_WRAPPED_KEY_LEN_RANGE);
    }
    EXPECT_EQ(m.Unwrap(c.param, *pub, View(Bytes(256, 1))).rv(),
              CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT);
  }
  // OpenSSL reads the OAEP-wrapped secret as plain OAEP.
  auto wrapped = Wrap(Mech(CKM_RSA_PKCS_OAEP), ParamBytes(p), *pub, secret);
  ASSERT_TRUE(wrapped.ok());
  EXPECT_EQ(OsslOaep(priv->pkey.get(), false, "SHA256", "SHA256", label, *wrapped), secret);
}

TEST_F(RsaOaepTest, WrapLimitsAndErrors) {
  auto pub = Material(*pub_);
  CK_RSA_PKCS_OAEP_PARAMS p = Oaep(CKM_SHA512, CKG_MGF1_SHA512);
  const Mechanism& oaep = Mech(CKM_RSA_PKCS_OAEP);
  // 256 − 2 × 64 − 2 = 126 bytes fit; a key encoding longer than that does not.
  EXPECT_TRUE(Wrap(oaep, ParamBytes(p), *pub, Bytes(126, 5)).ok());
  EXPECT_EQ(Wrap(oaep, ParamBytes(p), *pub, Bytes(127, 5)).rv(), CKR_KEY_SIZE_RANGE);
  EXPECT_EQ(Wrap(Mech(CKM_RSA_PKCS), {}, *pub, Bytes(246, 5)).rv(), CKR_KEY_SIZE_RANGE);
  EXPECT_EQ(Wrap(oaep, View(Bytes(3)), *pub, Bytes(16, 5)).rv(), CKR_MECHANISM_PARAM_INVALID);
  // Raw RSA and the signature mechanisms do not wrap.
  EXPECT_EQ(Wrap(Mech(CKM_RSA_X_509), {}, *pub, Bytes(16, 5)).rv(), CKR_MECHANISM_INVALID);
  EXPECT_EQ(Wrap(Mech(CKM_SHA256_RSA_PKCS), {}, *pub, Bytes(16, 5)).rv(), CKR_MECHANISM_INVALID);
  KeyMaterial secret_key;
  secret_key.object_class = CKO_SECRET_KEY;
  secret_key.key_type = CKK_AES;
  secret_key.size = 32;
  EXPECT_EQ(Wrap(oaep, ParamBytes(p), secret_key, Bytes(16, 5)).rv(),
            CKR_WRAPPING_KEY_TYPE_INCONSISTENT);
}

}  // namespace
}  // namespace p11
