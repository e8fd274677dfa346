// RSA-2048 for MbedCrypto: key generation (e = 65537), import from a parsed PKCS#8 key,
// public-key validation, export as PKCS#8, PKCS#1 v1.5 and PSS signatures and their checks.
//
// Key blob: PKCS#1 RSAPrivateKey DER (about 1.2 KB for 2048 bits, within kMaxKeyBlob), so it
// carries the CRT parts and needs no format of our own. Public value: PKCS#1 RSAPublicKey DER.
#include <mbedtls/asn1.h>

#include "workers/mbedtls_crypto_internal.h"

namespace hsm::mbed {
namespace {

constexpr unsigned kModulusBits = 2048;
constexpr size_t kModulusBytes = kModulusBits / 8;
constexpr int kPublicExponent = 65537;
// PKCS#1 v1.5 type 1 needs 00 01, at least 8 bytes of FF and a 00 around the data.
constexpr size_t kPkcs1Overhead = 11;

// Writes the key of `pk` as the blob (PKCS#1 private DER) and the public value.
Status WriteRsa(mbedtls_pk_context* pk, KeyBlob& blob, PublicBuf& public_value) {
  const int len = mbedtls_pk_write_key_der(pk, blob.data(), KeyBlob::kCapacity);
  if (len <= 0) return Status::kCryptoError;
  MoveToFront(blob.capacity_span(), static_cast<size_t>(len));
  blob.resize(static_cast<size_t>(len));
  unsigned char* p = public_value.data() + PublicBuf::kCapacity;
  const int pub_len = mbedtls_pk_write_pubkey(&p, public_value.data(), pk);
  if (pub_len <= 0) return Status::kCryptoError;
  MoveToFront(public_value.capacity_span(), static_cast<size_t>(pub_len));
  public_value.resize(static_cast<size_t>(pub_len));
  return Status::kOk;
}

// Parses our own blob back into `pk`.
Status LoadBlob(const KeyBlob& blob, mbedtls_pk_context* pk) {
  if (blob.empty()) return Status::kParamInvalid;
  if (mbedtls_pk_parse_key(pk, blob.data(), blob.size(), nullptr, 0) != 0) {
    return Status::kParamInvalid;
  }
  if (mbedtls_pk_get_type(pk) != MBEDTLS_PK_RSA || mbedtls_pk_get_bitlen(pk) != kModulusBits) {
    return Status::kKeyTypeInconsistent;
  }
  return Status::kOk;
}

// RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }, exactly, with a
// 2048-bit modulus, into `rsa`.
Status ParsePublic(std::span<const uint8_t> der, mbedtls_rsa_context* rsa) {
  auto* p = const_cast<unsigned char*>(der.data());  // mbedTLS's reader only advances it
  const unsigned char* end = p + der.size();
  size_t len = 0;
  if (der.empty() ||
      mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0 ||
      p + len != end) {
    return Status::kParamInvalid;
  }
  ScopedMpi n, e;
  if (mbedtls_asn1_get_mpi(&p, end, n.get()) != 0 || mbedtls_asn1_get_mpi(&p, end, e.get()) != 0 ||
      p != end) {
    return Status::kParamInvalid;
  }
  if (mbedtls_rsa_import(rsa, n.get(), nullptr, nullptr, nullptr, e.get()) != 0 ||
      mbedtls_rsa_complete(rsa) != 0 || mbedtls_rsa_check_pubkey(rsa) != 0) {
    return Status::kParamInvalid;
  }
  if (mbedtls_mpi_bitlen(n.get()) != kModulusBits) return Status::kKeySizeRange;
  return Status::kOk;
}

// The PSS hash (also MGF1's) and a digest length / salt length check (RFC 8017 9.1.1).
Status PssSetup(const SignParams& params, size_t digest_len, mbedtls_md_type_t* md_type) {
  const mbedtls_md_info_t* md = MdFor(params.hash);
  if (md == nullptr) return Status::kParamInvalid;
  const size_t hlen = mbedtls_md_get_size(md);
  if (digest_len != hlen) return Status::kDataLenRange;
  // emLen = 256 for a 2048-bit modulus: emLen >= hLen + sLen + 2.
  if (params.salt_length + hlen + 2 > kModulusBytes) return Status::kParamInvalid;
  *md_type = mbedtls_md_get_type(md);
  return Status::kOk;
}

}  // namespace

Status RsaGenerate(Rng rng, KeyBlob& blob, PublicBuf& public_value) {
  ScopedPk pk;
  if (mbedtls_pk_setup(pk.get(), mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)) != 0) {
    return Status::kCryptoError;
  }
  if (mbedtls_rsa_gen_key(mbedtls_pk_rsa(*pk.get()), rng.fn, rng.ctx, kModulusBits,
                          kPublicExponent) != 0) {
    return Status::kCryptoError;
  }
  return WriteRsa(pk.get(), blob, public_value);
}

Status RsaFromPk(mbedtls_pk_context* pk, KeyBlob& blob, PublicBuf& public_value) {
  if (mbedtls_pk_get_type(pk) != MBEDTLS_PK_RSA || mbedtls_pk_get_bitlen(pk) != kModulusBits) {
    return Status::kKeyTypeInconsistent;
  }
  if (mbedtls_rsa_check_privkey(mbedtls_pk_rsa(*pk)) != 0) return Status::kParamInvalid;
  return WriteRsa(pk, blob, public_value);
}

Status RsaCheckPublic(std::span<const uint8_t> der) {
  ScopedRsa rsa;
  return ParsePublic(der, rsa.get());
}

Status RsaExport(const KeyBlob& blob, std::span<uint8_t> out, size_t* out_len) {
  ScopedPk pk;
  const Status loaded = LoadBlob(blob, pk.get());  // only well-formed keys leave the device
  if (!Ok(loaded)) return loaded;
  return WritePkcs8(blob.span(), nullptr, out, out_len);
}

Status RsaSign(const KeyBlob& blob, Rng rng, const SignParams& params,
               std::span<const uint8_t> data, std::span<uint8_t> signature, size_t* signature_len) {
  ScopedPk pk;
  const Status loaded = LoadBlob(blob, pk.get());
  if (!Ok(loaded)) return loaded;
  mbedtls_rsa_context* rsa = mbedtls_pk_rsa(*pk.get());
  int rc = 0;
  if (params.alg == wire::SignAlg::kRsaPkcs1) {
    // Raw PKCS#1 v1.5 type 1 over the caller's DigestInfo (MD_NONE): what OpenSSL's
    // RSA_PKCS1_PADDING does with no digest set. Blinded by the DRBG.
    if (data.empty() || data.size() + kPkcs1Overhead > kModulusBytes) {
      return Status::kDataLenRange;
    }
    if (signature.size() < kModulusBytes) return Status::kTooLarge;
    mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V15, MBEDTLS_MD_NONE);
    rc = mbedtls_rsa_pkcs1_sign(rsa, rng.fn, rng.ctx, MBEDTLS_RSA_PRIVATE, MBEDTLS_MD_NONE,
                                static_cast<unsigned>(data.size()), data.data(), signature.data());
  } else {
    mbedtls_md_type_t md_type = MBEDTLS_MD_NONE;
    const Status ok = PssSetup(params, data.size(), &md_type);
    if (!Ok(ok)) return ok;
    if (signature.size() < kModulusBytes) return Status::kTooLarge;
    mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V21, md_type);  // MGF1 uses the same hash
    rc = mbedtls_rsa_rsassa_pss_sign_ext(rsa, rng.fn, rng.ctx, md_type,
                                         static_cast<unsigned>(data.size()), data.data(),
                                         params.salt_length, signature.data());
  }
  if (rc != 0) {
    SecureZero(signature.data(), kModulusBytes);
    return Status::kCryptoError;
  }
  *signature_len = kModulusBytes;
  return Status::kOk;
}

Status RsaVerify(std::span<const uint8_t> der, const SignParams& params,
                 std::span<const uint8_t> data, std::span<const uint8_t> signature) {
  ScopedRsa rsa;
  const Status parsed = ParsePublic(der, rsa.get());
  if (!Ok(parsed)) return parsed;
  int rc = 0;
  if (params.alg == wire::SignAlg::kRsaPkcs1) {
    if (data.empty() || data.size() + kPkcs1Overhead > kModulusBytes) {
      return Status::kDataLenRange;
    }
    if (signature.size() != kModulusBytes) return Status::kSignatureInvalid;
    mbedtls_rsa_set_padding(rsa.get(), MBEDTLS_RSA_PKCS_V15, MBEDTLS_MD_NONE);
    rc =
        mbedtls_rsa_pkcs1_verify(rsa.get(), nullptr, nullptr, MBEDTLS_RSA_PUBLIC, MBEDTLS_MD_NONE,
                                 static_cast<unsigned>(data.size()), data.data(), signature.data());
  } else {
    mbedtls_md_type_t md_type = MBEDTLS_MD_NONE;
    const Status ok = PssSetup(params, data.size(), &md_type);
    if (!Ok(ok)) return ok;
    if (signature.size() != kModulusBytes) return Status::kSignatureInvalid;
    mbedtls_rsa_set_padding(rsa.get(), MBEDTLS_RSA_PKCS_V21, md_type);
    rc = mbedtls_rsa_rsassa_pss_verify_ext(rsa.get(), nullptr, nullptr, MBEDTLS_RSA_PUBLIC, md_type,
                                           static_cast<unsigned>(data.size()), data.data(), md_type,
                                           params.salt_length, signature.data());
  }
  // Every failure past the parameter checks (a signature >= n included) is a bad signature.
  return rc == 0 ? Status::kOk : Status::kSignatureInvalid;
}

}  // namespace hsm::mbed
