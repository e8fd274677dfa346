// The RSA family: key pair generation, PKCS#1 v1.5 signatures and encryption, PSS, OAEP,
// raw X.509, signature recovery and key wrapping (PKCS#11 3.1 current mechanisms §2.1). One row
// per mechanism; one class reads the rows. Ciphers live in rsa_cipher, raw RSA and recovery in
// rsa_raw, the hash table (SHA-1, SHA-2, SHA-3) in rsa_hash.
#include <openssl/core_names.h>
#include <openssl/rsa.h>

#include "mechanisms/asym_sign.h"
#include "mechanisms/asym_util.h"
#include "mechanisms/ossl/error.h"
#include "mechanisms/registry.h"
#include "mechanisms/rsa_cipher.h"
#include "mechanisms/rsa_hash.h"
#include "mechanisms/rsa_raw.h"

namespace p11 {
namespace {

using asym::KeyUse;

enum class RsaKind {
  kKeyPairGen,
  kPkcs1,      // CKM_RSA_PKCS: signatures over caller-built DigestInfo, encryption, wrapping
  kX509,       // CKM_RSA_X_509: raw RSA on a zero-padded block
  kOaep,       // CKM_RSA_PKCS_OAEP: encryption and wrapping
  kPkcs1Hash,  // CKM_SHA*_RSA_PKCS, CKM_SHA3_*_RSA_PKCS
  kPss,        // CKM_RSA_PKCS_PSS: the input is the hash
  kPssHash,    // CKM_SHA*_RSA_PKCS_PSS, CKM_SHA3_*_RSA_PKCS_PSS
};

struct RsaRow {
  CK_MECHANISM_TYPE type;
  RsaKind kind;
  CK_MECHANISM_TYPE hash;  // the CKM_SHA* of hash-and-sign rows
  CK_MECHANISM_INFO info;
};

// Generation makes 2048–8192-bit keys; existing keys are usable from 1024 bits (legacy
// verification and decryption) up to 8192.
constexpr CK_FLAGS kRecoverFlags = CKF_SIGN_RECOVER | CKF_VERIFY_RECOVER;
constexpr CK_FLAGS kCipherFlags = CKF_ENCRYPT | CKF_DECRYPT;
constexpr CK_FLAGS kWrapFlags = CKF_WRAP | CKF_UNWRAP;
constexpr CK_MECHANISM_INFO kGenInfo = {2048, 8192, CKF_GENERATE_KEY_PAIR};
constexpr CK_MECHANISM_INFO kPkcs1Info = {
    1024, 8192, CKF_SIGN | CKF_VERIFY | kRecoverFlags | kCipherFlags | kWrapFlags};
constexpr CK_MECHANISM_INFO kX509Info = {1024, 8192,
                                         CKF_SIGN | CKF_VERIFY | kRecoverFlags | kCipherFlags};
constexpr CK_MECHANISM_INFO kOaepInfo = {1024, 8192, kCipherFlags | kWrapFlags};
constexpr CK_MECHANISM_INFO kSigInfo = {1024, 8192, CKF_SIGN | CKF_VERIFY};

constexpr RsaRow kRsaRows[] = {
    {CKM_RSA_PKCS_KEY_PAIR_GEN, RsaKind::kKeyPairGen, 0, kGenInfo},
    {CKM_RSA_PKCS, RsaKind::kPkcs1, 0, kPkcs1Info},
    {CKM_RSA_X_509, RsaKind::kX509, 0, kX509Info},
    {CKM_RSA_PKCS_OAEP, RsaKind::kOaep, 0, kOaepInfo},
    {CKM_SHA1_RSA_PKCS, RsaKind::kPkcs1Hash, CKM_SHA_1, kSigInfo},
    {CKM_SHA224_RSA_PKCS, RsaKind::kPkcs1Hash, CKM_SHA224, kSigInfo},
    {CKM_SHA256_RSA_PKCS, RsaKind::kPkcs1Hash, CKM_SHA256, kSigInfo},
    {CKM_SHA384_RSA_PKCS, RsaKind::kPkcs1Hash, CKM_SHA384, kSigInfo},
    {CKM_SHA512_RSA_PKCS, RsaKind::kPkcs1Hash, CKM_SHA512, kSigInfo},
    {CKM_SHA3_224_RSA_PKCS, RsaKind::kPkcs1Hash, CKM_SHA3_224, kSigInfo},
    {CKM_SHA3_256_RSA_PKCS, RsaKind::kPkcs1Hash, CKM_SHA3_256, kSigInfo},
    {CKM_SHA3_384_RSA_PKCS, RsaKind::kPkcs1Hash, CKM_SHA3_384, kSigInfo},
    {CKM_SHA3_512_RSA_PKCS, RsaKind::kPkcs1Hash, CKM_SHA3_512, kSigInfo},
    {CKM_RSA_PKCS_PSS, RsaKind::kPss, 0, kSigInfo},
    {CKM_SHA1_RSA_PKCS_PSS, RsaKind::kPssHash, CKM_SHA_1, kSigInfo},
    {CKM_SHA224_RSA_PKCS_PSS, RsaKind::kPssHash, CKM_SHA224, kSigInfo},
    {CKM_SHA256_RSA_PKCS_PSS, RsaKind::kPssHash, CKM_SHA256, kSigInfo},
    {CKM_SHA384_RSA_PKCS_PSS, RsaKind::kPssHash, CKM_SHA384, kSigInfo},
    {CKM_SHA512_RSA_PKCS_PSS, RsaKind::kPssHash, CKM_SHA512, kSigInfo},
    {CKM_SHA3_224_RSA_PKCS_PSS, RsaKind::kPssHash, CKM_SHA3_224, kSigInfo},
    {CKM_SHA3_256_RSA_PKCS_PSS, RsaKind::kPssHash, CKM_SHA3_256, kSigInfo},
    {CKM_SHA3_384_RSA_PKCS_PSS, RsaKind::kPssHash, CKM_SHA3_384, kSigInfo},
    {CKM_SHA3_512_RSA_PKCS_PSS, RsaKind::kPssHash, CKM_SHA3_512, kSigInfo},
};

// PKCS#1 v1.5 padding takes at least 11 bytes of the modulus (RFC 8017 §7.2.1, §8.2.1).
constexpr size_t kPkcs1Overhead = 11;
constexpr unsigned long kDefaultPublicExponent = 65537;
// FIPS 186-5 bounds e below 2^256; larger values are refused rather than passed on.
constexpr int kMaxPublicExponentBits = 256;

// C_WrapKey / C_UnwrapKey report a key that does not fit the mechanism as the wrapping
// (unwrapping) key's fault (PKCS#11 3.1 §5.18).
Error AsWrappingKeyError(Error e, bool wrap) {
  if (e.rv == CKR_KEY_TYPE_INCONSISTENT) {
    e.rv = wrap ? CKR_WRAPPING_KEY_TYPE_INCONSISTENT : CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT;
  } else if (e.rv == CKR_KEY_SIZE_RANGE) {
    e.rv = wrap ? CKR_WRAPPING_KEY_SIZE_RANGE : CKR_UNWRAPPING_KEY_SIZE_RANGE;
  }
  return e;
}

// CKA_PUBLIC_EXPONENT of a generation template, or 65537 when absent.
Result<ossl::UniquePtr<BIGNUM>> PublicExponentForGenerate(const Object& pub) {
  ossl::UniquePtr<BIGNUM> e;
  if (pub.Has(CKA_PUBLIC_EXPONENT)) {
    e = asym::BytesToBn(pub.GetBytes(CKA_PUBLIC_EXPONENT));
  } else {
    e.reset(BN_new());
    if (e && BN_set_word(e.get(), kDefaultPublicExponent) != 1) e.reset();
  }
  if (!e) return ossl::ToError(CKR_HOST_MEMORY, "public exponent");
  if (!BN_is_odd(e.get()) || BN_is_one(e.get()) || BN_num_bits(e.get()) > kMaxPublicExponentBits) {
    return Fail(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_PUBLIC_EXPONENT");
  }
  return e;
}

struct BnAttr {
  CK_ATTRIBUTE_TYPE type;
  const char* param;
  bool in_public;
};

constexpr BnAttr kRsaAttrs[] = {
    {CKA_MODULUS, OSSL_PKEY_PARAM_RSA_N, true},
    {CKA_PUBLIC_EXPONENT, OSSL_PKEY_PARAM_RSA_E, true},
    {CKA_PRIVATE_EXPONENT, OSSL_PKEY_PARAM_RSA_D, false},
    {CKA_PRIME_1, OSSL_PKEY_PARAM_RSA_FACTOR1, false},
    {CKA_PRIME_2, OSSL_PKEY_PARAM_RSA_FACTOR2, false},
    {CKA_EXPONENT_1, OSSL_PKEY_PARAM_RSA_EXPONENT1, false},
    {CKA_EXPONENT_2, OSSL_PKEY_PARAM_RSA_EXPONENT2, false},
    {CKA_COEFFICIENT, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, false},
};

// Writes the values of a generated key into both halves (PKCS#11 3.1 §2.1.4 tables).
Result<void> FillRsaPair(const EVP_PKEY* pkey, Object& pub, Object& priv) {
  for (const BnAttr& attr : kRsaAttrs) {
    ossl::UniquePtr<BIGNUM> bn = asym::GetBnParam(pkey, attr.param);
    if (!bn) return ossl::ToError(CKR_FUNCTION_FAILED, attr.param);
    ZBytes value = asym::BnToBytes(bn.get());
    if (attr.in_public) pub.Set(attr.type, ByteView(value));
    priv.Set(attr.type, std::move(value));
  }
  pub.SetUlong(CKA_MODULUS_BITS, static_cast<CK_ULONG>(EVP_PKEY_get_bits(pkey)));
  P11_ASSIGN_OR_RETURN(ZBytes info, asym::PublicKeyInfo(pkey));
  pub.Set(CKA_PUBLIC_KEY_INFO, ByteView(info));
  priv.Set(CKA_PUBLIC_KEY_INFO, std::move(info));
  return Ok();
}

class RsaMechanism final : public Mechanism {
 public:
  RsaMechanism(const RsaRow& row, std::shared_ptr<const rsa::RsaDigests> digests)
      : Mechanism(row.type, row.info), row_(row), digests_(std::move(digests)) {}

  bool AcceptsKeyType(CK_KEY_TYPE type) const override { return type == CKK_RSA; }
  CK_KEY_TYPE GeneratedKeyType() const override {
    return row_.kind == RsaKind::kKeyPairGen ? CKK_RSA : CK_UNAVAILABLE_INFORMATION;
  }

  Result<std::unique_ptr<SignOperation>> BeginSign(ByteView param,
                                                   const KeyMaterial& key) const override;
  Result<std::unique_ptr<VerifyOperation>> BeginVerify(ByteView param,
                                                       const KeyMaterial& key) const override;

  // C_SignRecover is the ordinary signature for the two mechanisms that offer it.
  Result<std::unique_ptr<SignOperation>> BeginSignRecover(ByteView param,
                                                          const KeyMaterial& key) const override {
    if (!HasFlag(CKF_SIGN_RECOVER)) return Fail(CKR_MECHANISM_INVALID, "RSA sign recover");
    return BeginSign(param, key);
  }

  Result<std::unique_ptr<RecoverOperation>> BeginVerifyRecover(
      ByteView param, const KeyMaterial& key) const override;

  Result<std::unique_ptr<CipherOperation>> BeginEncrypt(ByteView param,
                                                        const KeyMaterial& key) const override {
    P11_ASSIGN_OR_RETURN(rsa::RsaCipher cipher, CipherFor(param, key, true, CKF_ENCRYPT));
    return rsa::NewCipherOperation(std::move(cipher), true);
  }

  Result<std::unique_ptr<CipherOperation>> BeginDecrypt(ByteView param,
                                                        const KeyMaterial& key) const override {
    P11_ASSIGN_OR_RETURN(rsa::RsaCipher cipher, CipherFor(param, key, false, CKF_DECRYPT));
    return rsa::NewCipherOperation(std::move(cipher), false);
  }

  Result<void> Wrap(ByteView param, const KeyMaterial& wrapping, SecretView key_encoding,
                    OutBuffer& out) const override {
    auto cipher = CipherFor(param, wrapping, true, CKF_WRAP);
    if (!cipher.ok()) return AsWrappingKeyError(cipher.error(), true);
    return rsa::WrapKey(*cipher, key_encoding, out);
  }

  Result<SecureBuffer> Unwrap(ByteView param, const KeyMaterial& unwrapping,
                              ByteView wrapped) const override {
    auto cipher = CipherFor(param, unwrapping, false, CKF_UNWRAP);
    if (!cipher.ok()) return AsWrappingKeyError(cipher.error(), false);
    return rsa::UnwrapKey(*cipher, wrapped);
  }

  Result<void> GenerateKeyPair(ByteView param, Object& pub, Object& priv) const override;

 private:
  bool HasFlag(CK_FLAGS flag) const { return (info().flags & flag) != 0; }
  Result<asym::SignatureSpec> SpecFor(ByteView param, const KeyMaterial& key, KeyUse use) const;
  Result<void> PssParams(ByteView param, const EVP_PKEY* pkey, asym::SignatureSpec& spec) const;
  Result<rsa::RsaCipher> CipherFor(ByteView param, const KeyMaterial& key, bool encrypt,
                                   CK_FLAGS needed) const;

  RsaRow row_;
  std::shared_ptr<const rsa::RsaDigests> digests_;
};

Result<std::unique_ptr<SignOperation>> RsaMechanism::BeginSign(ByteView param,
                                                               const KeyMaterial& key) const {
  if (row_.kind == RsaKind::kX509) {
    if (!param.empty()) return Fail(CKR_MECHANISM_PARAM_INVALID, "RSA X.509 parameter");
    P11_TRY(asym::CheckKey(*this, key, KeyUse::kPrivate));
    return rsa::NewRawSignOperation(asym::ShareKey(key));
  }
  P11_ASSIGN_OR_RETURN(asym::SignatureSpec spec, SpecFor(param, key, KeyUse::kPrivate));
  return asym::NewSignOperation(key, spec);
}

Result<std::unique_ptr<VerifyOperation>> RsaMechanism::BeginVerify(ByteView param,
                                                                   const KeyMaterial& key) const {
  if (row_.kind == RsaKind::kX509) {
    if (!param.empty()) return Fail(CKR_MECHANISM_PARAM_INVALID, "RSA X.509 parameter");
    P11_TRY(asym::CheckKey(*this, key, KeyUse::kPublic));
    return rsa::NewRawVerifyOperation(asym::ShareKey(key));
  }
  P11_ASSIGN_OR_RETURN(asym::SignatureSpec spec, SpecFor(param, key, KeyUse::kPublic));
  return asym::NewVerifyOperation(key, spec);
}

Result<std::unique_ptr<RecoverOperation>> RsaMechanism::BeginVerifyRecover(
    ByteView param, const KeyMaterial& key) const {
  if (!HasFlag(CKF_VERIFY_RECOVER)) return Fail(CKR_MECHANISM_INVALID, "RSA verify recover");
  if (!param.empty()) return Fail(CKR_MECHANISM_PARAM_INVALID, "RSA recover parameter");
  P11_TRY(asym::CheckKey(*this, key, KeyUse::kPublic));
  return rsa::NewRecoverOperation(asym::ShareKey(key), row_.kind == RsaKind::kX509);
}

Result<asym::SignatureSpec> RsaMechanism::SpecFor(ByteView param, const KeyMaterial& key,
                                                  KeyUse use) const {
  if (!HasFlag(CKF_SIGN)) return Fail(CKR_MECHANISM_INVALID, "RSA sign");
  P11_TRY(asym::CheckKey(*this, key, use));
  asym::SignatureSpec spec;
  spec.signature_len = static_cast<size_t>(EVP_PKEY_get_size(key.pkey.get()));
  if (row_.kind == RsaKind::kPss || row_.kind == RsaKind::kPssHash) {
    P11_TRY(PssParams(param, key.pkey.get(), spec));
    return spec;
  }
  if (!param.empty()) return Fail(CKR_MECHANISM_PARAM_INVALID, "RSA PKCS#1 parameter");
  spec.rsa_padding = RSA_PKCS1_PADDING;
  if (row_.kind == RsaKind::kPkcs1Hash) {
    P11_ASSIGN_OR_RETURN(spec.md,
                         digests_->Get(*rsa::HashByMechanism(row_.hash), CKR_MECHANISM_INVALID));
  } else {
    spec.input_max_len = spec.signature_len - kPkcs1Overhead;
  }
  return spec;
}

// CK_RSA_PKCS_PSS_PARAMS (PKCS#11 3.1 §2.1.16): a supported hashAlg (the mechanism's own for
// the hash-and-sign forms), a supported MGF1 hash, and a salt that fits the encoded message.
Result<void> RsaMechanism::PssParams(ByteView param, const EVP_PKEY* pkey,
                                     asym::SignatureSpec& spec) const {
  P11_ASSIGN_OR_RETURN(CK_RSA_PKCS_PSS_PARAMS pss, ParamAs<CK_RSA_PKCS_PSS_PARAMS>(param));
  const rsa::RsaHash* hash = rsa::HashByMechanism(pss.hashAlg);
  const rsa::RsaHash* mgf = rsa::HashByMgf(pss.mgf);
  if (hash == nullptr || mgf == nullptr ||
      (row_.kind == RsaKind::kPssHash && pss.hashAlg != row_.hash)) {
    return Fail(CKR_MECHANISM_PARAM_INVALID, "PSS hash");
  }
  // RFC 8017 §9.1.1: emLen = ceil((modBits - 1) / 8) ≥ hLen + sLen + 2.
  size_t em_len = (static_cast<size_t>(EVP_PKEY_get_bits(pkey)) - 1 + 7) / 8;
  if (em_len < hash->size + 2 || pss.sLen > em_len - hash->size - 2) {
    return Fail(CKR_MECHANISM_PARAM_INVALID, "PSS salt length");
  }
  spec.rsa_padding = RSA_PKCS1_PSS_PADDING;
  P11_ASSIGN_OR_RETURN(spec.mgf1_md, digests_->Get(*mgf, CKR_MECHANISM_PARAM_INVALID));
  P11_ASSIGN_OR_RETURN(const EVP_MD* md, digests_->Get(*hash, CKR_MECHANISM_PARAM_INVALID));
  spec.salt_len = static_cast<int>(pss.sLen);
  if (row_.kind == RsaKind::kPssHash) {
    spec.md = md;
  } else {
    spec.input_md = md;
    spec.input_exact_len = hash->size;
  }
  return Ok();
}

// The cipher of an encrypt, decrypt, wrap or unwrap (`needed` names which): OAEP parameters,
// or none for PKCS#1 v1.5 and X.509; a public or private key as `encrypt` says.
Result<rsa::RsaCipher> RsaMechanism::CipherFor(ByteView param, const KeyMaterial& key, bool encrypt,
                                               CK_FLAGS needed) const {
  if (!HasFlag(needed)) return Fail(CKR_MECHANISM_INVALID, "RSA cipher");
  rsa::CipherSpec spec;
  if (row_.kind == RsaKind::kOaep) {
    P11_ASSIGN_OR_RETURN(spec, rsa::OaepSpec(param, *digests_));
  } else if (!param.empty()) {
    return Fail(CKR_MECHANISM_PARAM_INVALID, "RSA cipher parameter");
  } else {
    spec.padding = row_.kind == RsaKind::kX509 ? rsa::Padding::kRaw : rsa::Padding::kPkcs1;
  }
  P11_TRY(asym::CheckKey(*this, key, encrypt ? KeyUse::kPublic : KeyUse::kPrivate));
  return rsa::RsaCipher::New(asym::ShareKey(key), std::move(spec), encrypt);
}

// PKCS#11 3.1 §2.1.4: CKA_MODULUS_BITS (required) and CKA_PUBLIC_EXPONENT (optional) come
// from the public template.
Result<void> RsaMechanism::GenerateKeyPair(ByteView param, Object& pub, Object& priv) const {
  if (row_.kind != RsaKind::kKeyPairGen) return Fail(CKR_MECHANISM_INVALID, "RSA key pair");
  if (!param.empty()) return Fail(CKR_MECHANISM_PARAM_INVALID, "RSA key pair parameter");
  if (!pub.Has(CKA_MODULUS_BITS)) return Fail(CKR_TEMPLATE_INCOMPLETE, "CKA_MODULUS_BITS");
  std::optional<CK_ULONG> bits = pub.GetUlong(CKA_MODULUS_BITS);
  if (!bits) return Fail(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_MODULUS_BITS");
  if (*bits < info().ulMinKeySize || *bits > info().ulMaxKeySize) {
    return Fail(CKR_KEY_SIZE_RANGE, "CKA_MODULUS_BITS");
  }
  P11_ASSIGN_OR_RETURN(ossl::UniquePtr<BIGNUM> e, PublicExponentForGenerate(pub));

  ossl::UniquePtr<EVP_PKEY_CTX> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, asym::ProviderKeyName("RSA"), nullptr));
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), static_cast<int>(*bits)) != 1 ||
      EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx.get(), e.get()) != 1) {
    return ossl::ToError(CKR_FUNCTION_FAILED, "RSA keygen init");
  }
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_generate(ctx.get(), &raw) != 1) {
    return ossl::ToError(CKR_FUNCTION_FAILED, "RSA keygen");
  }
  ossl::UniquePtr<EVP_PKEY> pkey(raw);
  return FillRsaPair(pkey.get(), pub, priv);
}

}  // namespace

void RegisterRsa(Registry& registry) {
  auto digests = std::make_shared<const rsa::RsaDigests>();
  for (const RsaRow& row : kRsaRows) {
    // A hash-and-sign row whose digest this OpenSSL lacks is not offered at all, so
    // C_GetMechanismList never lists what C_SignInit would refuse.
    if (row.hash != 0 && !digests->Has(*rsa::HashByMechanism(row.hash))) continue;
    registry.Add(std::make_unique<RsaMechanism>(row, digests));
  }
}

}  // namespace p11
