// EC P-256 / P-384 for MbedCrypto: key generation, import from a parsed PKCS#8 key, point
// validation, export as PKCS#8, ECDSA (r||s) and ECDH (x-coordinate).
//
// Key blob: the private scalar d, big-endian, exactly the curve's size. Public value: the
// uncompressed point 0x04||X||Y. Signatures use RFC 6979 deterministic nonces (with
// mbedTLS's blinding from the DRBG), so a weak moment of the DRBG cannot leak the key.
#include <mbedtls/ecdh.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/oid.h>

#include <iterator>

#include "workers/mbedtls_crypto_internal.h"

namespace hsm::mbed {
namespace {

constexpr Curve kCurves[] = {
    {wire::KeyType::kEcP256, MBEDTLS_ECP_DP_SECP256R1, 32, MBEDTLS_OID_EC_GRP_SECP256R1,
     MBEDTLS_OID_SIZE(MBEDTLS_OID_EC_GRP_SECP256R1), MBEDTLS_MD_SHA256},
    {wire::KeyType::kEcP384, MBEDTLS_ECP_DP_SECP384R1, 48, MBEDTLS_OID_EC_GRP_SECP384R1,
     MBEDTLS_OID_SIZE(MBEDTLS_OID_EC_GRP_SECP384R1), MBEDTLS_MD_SHA384},
};

static_assert(std::size(kCurves) <= EcGroups::kCapacity);

// Reads the private scalar of `blob` (kParamInvalid if it is not one of `grp`'s).
Status LoadPrivate(const Curve& curve, const KeyBlob& blob, const mbedtls_ecp_group* grp,
                   mbedtls_mpi* d) {
  if (blob.size() != curve.size) return Status::kParamInvalid;
  if (mbedtls_mpi_read_binary(d, blob.data(), blob.size()) != 0) return Status::kCryptoError;
  if (mbedtls_ecp_check_privkey(grp, d) != 0) return Status::kParamInvalid;
  return Status::kOk;
}

// Reads an uncompressed point and checks that it lies on the curve (and is not infinity).
Status LoadPoint(const Curve& curve, const mbedtls_ecp_group* grp, std::span<const uint8_t> point,
                 mbedtls_ecp_point* q) {
  if (point.size() != 1 + 2 * curve.size || point[0] != 0x04) return Status::kParamInvalid;
  if (mbedtls_ecp_point_read_binary(grp, q, point.data(), point.size()) != 0) {
    return Status::kParamInvalid;
  }
  if (mbedtls_ecp_check_pubkey(grp, q) != 0) return Status::kParamInvalid;
  return Status::kOk;
}

Status WritePoint(const mbedtls_ecp_group* grp, const mbedtls_ecp_point* q, PublicBuf& out) {
  size_t len = 0;
  if (mbedtls_ecp_point_write_binary(grp, q, MBEDTLS_ECP_PF_UNCOMPRESSED, &len, out.data(),
                                     PublicBuf::kCapacity) != 0) {
    return Status::kCryptoError;
  }
  out.resize(len);
  return Status::kOk;
}

Status WriteScalar(const Curve& curve, const mbedtls_mpi* d, KeyBlob& blob) {
  blob.resize(curve.size);
  if (mbedtls_mpi_write_binary(d, blob.data(), curve.size) != 0) {
    blob.wipe();
    return Status::kCryptoError;
  }
  return Status::kOk;
}

}  // namespace

EcGroups::EcGroups() {
  for (mbedtls_ecp_group& group : groups_) mbedtls_ecp_group_init(&group);
}

EcGroups::~EcGroups() {
  for (mbedtls_ecp_group& group : groups_) mbedtls_ecp_group_free(&group);
}

mbedtls_ecp_group* EcGroups::For(mbedtls_ecp_group_id id) {
  for (size_t i = 0; i < loaded_; ++i) {
    if (groups_[i].id == id) return &groups_[i];
  }
  if (loaded_ == kCapacity) return nullptr;
  mbedtls_ecp_group* group = &groups_[loaded_];
  if (mbedtls_ecp_group_load(group, id) != 0) {
    mbedtls_ecp_group_free(group);
    mbedtls_ecp_group_init(group);
    return nullptr;
  }
  ++loaded_;
  return group;
}

const Curve* CurveFor(wire::KeyType type) {
  for (const Curve& c : kCurves) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

Status EcGenerate(const Curve& curve, EcGroups& groups, Rng rng, KeyBlob& blob,
                  PublicBuf& public_value) {
  mbedtls_ecp_group* grp = groups.For(curve.id);
  if (grp == nullptr) return Status::kCryptoError;
  ScopedMpi d;
  ScopedPoint q;
  if (mbedtls_ecp_gen_keypair(grp, d.get(), q.get(), rng.fn, rng.ctx) != 0) {
    return Status::kCryptoError;
  }
  const Status s = WriteScalar(curve, d.get(), blob);
  if (!Ok(s)) return s;
  return WritePoint(grp, q.get(), public_value);
}

Status EcFromPk(const Curve& curve, EcGroups& groups, mbedtls_pk_context* pk, Rng rng,
                KeyBlob& blob, PublicBuf& public_value) {
  if (mbedtls_pk_get_type(pk) != MBEDTLS_PK_ECKEY) return Status::kKeyTypeInconsistent;
  mbedtls_ecp_keypair* kp = mbedtls_pk_ec(*pk);
  if (kp->grp.id != curve.id) return Status::kKeyTypeInconsistent;
  mbedtls_ecp_group* grp = groups.For(curve.id);
  if (grp == nullptr) return Status::kCryptoError;
  if (mbedtls_ecp_check_privkey(grp, &kp->d) != 0) return Status::kParamInvalid;
  // The public point is recomputed from d rather than trusted from the optional field.
  ScopedPoint q;
  if (mbedtls_ecp_mul(grp, q.get(), &kp->d, &grp->G, rng.fn, rng.ctx) != 0) {
    return Status::kCryptoError;
  }
  const Status s = WriteScalar(curve, &kp->d, blob);
  if (!Ok(s)) return s;
  return WritePoint(grp, q.get(), public_value);
}

Status EcCheckPublic(const Curve& curve, EcGroups& groups, std::span<const uint8_t> point) {
  const mbedtls_ecp_group* grp = groups.For(curve.id);
  if (grp == nullptr) return Status::kCryptoError;
  ScopedPoint q;
  return LoadPoint(curve, grp, point, q.get());
}

Status EcExport(const Curve& curve, EcGroups& groups, const KeyBlob& blob, Rng rng,
                std::span<uint8_t> out, size_t* out_len) {
  mbedtls_ecp_group* grp = groups.For(curve.id);
  if (grp == nullptr) return Status::kCryptoError;
  ScopedPk pk;
  if (mbedtls_pk_setup(pk.get(), mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0) {
    return Status::kCryptoError;
  }
  mbedtls_ecp_keypair* kp = mbedtls_pk_ec(*pk.get());
  // The key's own group only names the curve for the DER writer (loading one copies no
  // constants); the arithmetic uses the kept group and its generator table.
  if (mbedtls_ecp_group_load(&kp->grp, curve.id) != 0) return Status::kCryptoError;
  const Status loaded = LoadPrivate(curve, blob, grp, &kp->d);
  if (!Ok(loaded)) return loaded;
  if (mbedtls_ecp_mul(grp, &kp->Q, &kp->d, &grp->G, rng.fn, rng.ctx) != 0) {
    return Status::kCryptoError;
  }
  // SEC1 ECPrivateKey (with the curve and the public point), written backwards.
  SecretArray<256> sec1;
  const int len = mbedtls_pk_write_key_der(pk.get(), sec1.data(), SecretArray<256>::kCapacity);
  if (len <= 0) return Status::kCryptoError;
  const std::span<const uint8_t> inner(sec1.data() + SecretArray<256>::kCapacity - len,
                                       static_cast<size_t>(len));
  return WritePkcs8(inner, &curve, out, out_len);
}

Status EcdsaSign(const Curve& curve, EcGroups& groups, const KeyBlob& blob, Rng rng,
                 std::span<const uint8_t> digest, std::span<uint8_t> signature,
                 size_t* signature_len) {
  if (digest.empty()) return Status::kDataLenRange;
  if (signature.size() < 2 * curve.size) return Status::kTooLarge;
  mbedtls_ecp_group* grp = groups.For(curve.id);
  if (grp == nullptr) return Status::kCryptoError;
  ScopedMpi d, r, s;
  const Status loaded = LoadPrivate(curve, blob, grp, d.get());
  if (!Ok(loaded)) return loaded;
  // mbedTLS reduces a digest of any length to the order's bit length (SEC1 4.1.3 step 5).
  if (mbedtls_ecdsa_sign_det_ext(grp, r.get(), s.get(), d.get(), digest.data(), digest.size(),
                                 curve.nonce_md, rng.fn, rng.ctx) != 0) {
    return Status::kCryptoError;
  }
  if (mbedtls_mpi_write_binary(r.get(), signature.data(), curve.size) != 0 ||
      mbedtls_mpi_write_binary(s.get(), signature.data() + curve.size, curve.size) != 0) {
    return Status::kCryptoError;
  }
  *signature_len = 2 * curve.size;
  return Status::kOk;
}

Status EcdsaVerify(const Curve& curve, EcGroups& groups, std::span<const uint8_t> point,
                   std::span<const uint8_t> digest, std::span<const uint8_t> signature) {
  if (digest.empty()) return Status::kDataLenRange;
  mbedtls_ecp_group* grp = groups.For(curve.id);
  if (grp == nullptr) return Status::kCryptoError;
  ScopedPoint q;
  ScopedMpi r, s;
  const Status loaded = LoadPoint(curve, grp, point, q.get());
  if (!Ok(loaded)) return loaded;
  if (signature.size() != 2 * curve.size) return Status::kSignatureInvalid;
  if (mbedtls_mpi_read_binary(r.get(), signature.data(), curve.size) != 0 ||
      mbedtls_mpi_read_binary(s.get(), signature.data() + curve.size, curve.size) != 0) {
    return Status::kCryptoError;
  }
  // Any failure here (r or s out of range included) means the signature does not verify.
  if (mbedtls_ecdsa_verify(grp, digest.data(), digest.size(), q.get(), r.get(), s.get()) != 0) {
    return Status::kSignatureInvalid;
  }
  return Status::kOk;
}

Status EcdhX(const Curve& curve, EcGroups& groups, const KeyBlob& blob, Rng rng,
             std::span<const uint8_t> peer, SecretArray<wire::kMaxDigest>& secret) {
  mbedtls_ecp_group* grp = groups.For(curve.id);
  if (grp == nullptr) return Status::kCryptoError;
  ScopedMpi d, z;
  ScopedPoint q;
  const Status loaded = LoadPrivate(curve, blob, grp, d.get());
  if (!Ok(loaded)) return loaded;
  const Status peer_ok = LoadPoint(curve, grp, peer, q.get());
  if (!Ok(peer_ok)) return peer_ok;
  if (mbedtls_ecdh_compute_shared(grp, z.get(), q.get(), d.get(), rng.fn, rng.ctx) != 0) {
    return Status::kCryptoError;
  }
  secret.resize(curve.size);
  if (mbedtls_mpi_write_binary(z.get(), secret.data(), curve.size) != 0) {
    secret.wipe();
    return Status::kCryptoError;
  }
  return Status::kOk;
}

}  // namespace hsm::mbed
