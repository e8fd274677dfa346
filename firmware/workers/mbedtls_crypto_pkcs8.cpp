// PKCS#8 PrivateKeyInfo (RFC 5208 section 5) for MbedCrypto: the only private-key format
// that crosses the device boundary. Parsing is mbedtls_pk_parse_key behind a shape check
// (it would also take SEC1, PKCS#1 and PEM); writing wraps the SEC1 / PKCS#1 DER that
// mbedtls_pk_write_key_der gives, since mbedTLS 2.28 writes no PKCS#8 itself.
#include <mbedtls/asn1.h>
#include <mbedtls/asn1write.h>
#include <mbedtls/oid.h>

#include "workers/mbedtls_crypto_internal.h"

namespace hsm::mbed {
namespace {

constexpr int kSequence = MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE;

// PrivateKeyInfo ::= SEQUENCE { version INTEGER, privateKeyAlgorithm AlgorithmIdentifier,
// privateKey OCTET STRING, ... } spanning the whole input.
bool LooksLikePkcs8(std::span<const uint8_t> der) {
  if (der.empty()) return false;
  auto* p = const_cast<unsigned char*>(der.data());  // mbedTLS's reader only advances it
  const unsigned char* end = p + der.size();
  size_t len = 0;
  if (mbedtls_asn1_get_tag(&p, end, &len, kSequence) != 0 || p + len != end) return false;
  int version = -1;
  if (mbedtls_asn1_get_int(&p, end, &version) != 0 || version != 0) return false;
  if (mbedtls_asn1_get_tag(&p, end, &len, kSequence) != 0) return false;
  p += len;
  return mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_OCTET_STRING) == 0;
}

}  // namespace

Status ParsePkcs8(std::span<const uint8_t> der, mbedtls_pk_context* pk) {
  if (!LooksLikePkcs8(der)) return Status::kParamInvalid;
  // No password: an EncryptedPrivateKeyInfo has no version INTEGER and fails above.
  if (mbedtls_pk_parse_key(pk, der.data(), der.size(), nullptr, 0) != 0) {
    return Status::kParamInvalid;
  }
  return Status::kOk;
}

Status WritePkcs8(std::span<const uint8_t> inner, const Curve* curve, std::span<uint8_t> out,
                  size_t* out_len) {
  *out_len = 0;
  unsigned char* start = out.data();
  unsigned char* p = out.data() + out.size();
  size_t len = 0;
  int rc = 0;
  // Written backwards: the OCTET STRING, the AlgorithmIdentifier, the version, the SEQUENCE.
  auto add = [&](int n) {
    if (rc == 0 && n < 0) rc = n;
    if (n > 0) len += static_cast<size_t>(n);
  };
  add(mbedtls_asn1_write_raw_buffer(&p, start, inner.data(), inner.size()));
  if (rc == 0) add(mbedtls_asn1_write_len(&p, start, inner.size()));
  if (rc == 0) add(mbedtls_asn1_write_tag(&p, start, MBEDTLS_ASN1_OCTET_STRING));
  if (curve != nullptr) {
    // id-ecPublicKey with the namedCurve OID as its parameters (RFC 5480 section 2.1.1).
    int par_len = 0;
    if (rc == 0) par_len = mbedtls_asn1_write_oid(&p, start, curve->oid, curve->oid_len);
    if (rc == 0 && par_len < 0) rc = par_len;
    if (rc == 0) {
      add(mbedtls_asn1_write_algorithm_identifier(&p, start, MBEDTLS_OID_EC_ALG_UNRESTRICTED,
                                                  MBEDTLS_OID_SIZE(MBEDTLS_OID_EC_ALG_UNRESTRICTED),
                                                  static_cast<size_t>(par_len)));
    }
  } else if (rc == 0) {
    // rsaEncryption with NULL parameters (par_len 0 makes mbedTLS write the NULL).
    add(mbedtls_asn1_write_algorithm_identifier(&p, start, MBEDTLS_OID_PKCS1_RSA,
                                                MBEDTLS_OID_SIZE(MBEDTLS_OID_PKCS1_RSA), 0));
  }
  if (rc == 0) add(mbedtls_asn1_write_int(&p, start, 0));
  if (rc == 0) add(mbedtls_asn1_write_len(&p, start, len));
  if (rc == 0) add(mbedtls_asn1_write_tag(&p, start, kSequence));
  if (rc != 0) {
    SecureZero(out.data(), out.size());
    return rc == MBEDTLS_ERR_ASN1_BUF_TOO_SMALL ? Status::kTooLarge : Status::kCryptoError;
  }
  MoveToFront(out, len);
  *out_len = len;
  return Status::kOk;
}

}  // namespace hsm::mbed
