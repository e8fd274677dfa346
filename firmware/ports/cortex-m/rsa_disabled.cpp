// Stand-ins for firmware/workers/mbedtls_crypto_rsa.cpp in an image built without RSA
// (ARCA_CM_WITH_RSA=OFF, the budgeted configuration): mbedTLS is then configured without
// MBEDTLS_RSA_C, so that file cannot compile, and MbedCrypto's RSA paths land here instead.
// Every RSA request is answered kMechanismInvalid, which the host maps to
// CKR_MECHANISM_INVALID, as for any mechanism a device does not offer.
#include "workers/mbedtls_crypto_internal.h"

namespace hsm::mbed {

Status RsaGenerate(Rng, KeyBlob&, PublicBuf&) { return Status::kMechanismInvalid; }
Status RsaFromPk(mbedtls_pk_context*, KeyBlob&, PublicBuf&) { return Status::kMechanismInvalid; }
Status RsaCheckPublic(std::span<const uint8_t>) { return Status::kMechanismInvalid; }
Status RsaExport(const KeyBlob&, std::span<uint8_t>, size_t*) { return Status::kMechanismInvalid; }
Status RsaSign(const KeyBlob&, Rng, const SignParams&, std::span<const uint8_t>, std::span<uint8_t>,
               size_t*) {
  return Status::kMechanismInvalid;
}
Status RsaVerify(std::span<const uint8_t>, const SignParams&, std::span<const uint8_t>,
                 std::span<const uint8_t>) {
  return Status::kMechanismInvalid;
}

}  // namespace hsm::mbed
