// Device information and random bytes: the two ops a blank device answers besides Digest and
// InitToken.
#include "handlers/handlers.h"

namespace hsm {
namespace {

// Exactly what the handlers below implement; the host builds its mechanism list from this.
// RSA-2048 only on a device whose capacities (limits.h) hold its private key blob (the
// PKCS#1 CRT parts, about 1.2 KB), its PKCS#8 import, its public value and its signature.
constexpr bool kRsaFits = wire::kMaxKeyBlob >= 1280 && wire::kMaxImport >= 1280 &&
                          wire::kMaxPublic >= 270 && wire::kMaxSignature >= 256;

constexpr uint32_t kCapabilities =
    wire::kCapEcP256 | wire::kCapEcP384 | wire::kCapEcdsa | wire::kCapEcdh |
    (kRsaFits ? uint32_t{wire::kCapRsa2048} : 0u) | wire::kCapAes | wire::kCapAesGcm |
    wire::kCapAesCbc | wire::kCapSha | wire::kCapHmacSha256 | wire::kCapRandom | wire::kCapWrap;

}  // namespace

Status Handle(Context& ctx, OpTag<wire::Op::kGetInfo>, const wire::Empty&,
              wire::InfoRsp& response) {
  response.serial = ctx.facts.serial.span();
  response.label = ctx.token.label();
  response.hw_major = ctx.facts.hw_major;
  response.hw_minor = ctx.facts.hw_minor;
  response.fw_major = ctx.facts.fw_major;
  response.fw_minor = ctx.facts.fw_minor;
  response.capabilities = kCapabilities;
  response.max_payload = static_cast<uint32_t>(wire::kMaxPayload);
  response.free_objects = static_cast<uint16_t>(ctx.objects.free_token_objects());
  response.total_objects = static_cast<uint16_t>(wire::kMaxObjects);
  response.token_flags = ctx.token.TokenFlags();
  response.user_failures = ctx.token.failures(wire::User::kUser);
  response.so_failures = ctx.token.failures(wire::User::kSo);
  response.max_failures = kMaxPinFailures;
  response.min_pin = static_cast<uint8_t>(wire::kMinPin);
  response.max_pin = static_cast<uint8_t>(wire::kMaxPin);
  response.max_data = static_cast<uint32_t>(wire::kMaxData);
  response.max_attr_blob = static_cast<uint16_t>(wire::kMaxAttrBlob);
  response.max_import = static_cast<uint16_t>(wire::kMaxImport);
  response.max_aad = static_cast<uint16_t>(wire::kMaxAad);
  response.max_public = static_cast<uint16_t>(wire::kMaxPublic);
  response.session_objects = static_cast<uint16_t>(kMaxSessionObjects);
  return Status::kOk;
}

Status Handle(Context& ctx, OpTag<wire::Op::kGetRandom>, const wire::RandomReq& request,
              wire::RandomRsp& response) {
  if (request.length == 0 || request.length > wire::kMaxRandom) return Status::kParamInvalid;
  std::span<uint8_t> out = ctx.scratch.out.capacity_span().first(request.length);
  HSM_TRY(ctx.crypto.Random(out));
  response.bytes = out;
  return Status::kOk;
}

}  // namespace hsm
