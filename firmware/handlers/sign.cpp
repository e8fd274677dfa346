// Signatures and their verification: ECDSA (P-256, P-384), RSA-2048 PKCS#1 v1.5 and PSS with
// a private key, HMAC-SHA-256 with a generic secret key. Verify uses a public key (its public
// value) or, for HMAC, the secret key itself.
#include "handlers/handlers.h"

namespace hsm {
namespace {

bool IsGenericSecret(wire::KeyType type) { return type == wire::KeyType::kGenericSecret; }

// PKCS#1 v1.5 type 1 padding needs at least 11 bytes of the 256-byte block.
constexpr size_t kMaxPkcs1Input = kRsaModulusBytes - 11;

struct AlgRule {
  wire::ObjectKind sign_kind;    // the key that signs
  wire::ObjectKind verify_kind;  // the key that verifies
  bool (*type_ok)(wire::KeyType);
};

// kMechanismInvalid for an algorithm value that is not defined.
Status RuleFor(wire::SignAlg alg, AlgRule* rule) {
  switch (alg) {
    case wire::SignAlg::kEcdsa:
      *rule = {wire::ObjectKind::kPrivateKey, wire::ObjectKind::kPublicKey, IsEc};
      return Status::kOk;
    case wire::SignAlg::kRsaPkcs1:
    case wire::SignAlg::kRsaPss:
      *rule = {wire::ObjectKind::kPrivateKey, wire::ObjectKind::kPublicKey, IsRsa};
      return Status::kOk;
    case wire::SignAlg::kHmacSha256:
      *rule = {wire::ObjectKind::kSecretKey, wire::ObjectKind::kSecretKey, IsGenericSecret};
      return Status::kOk;
  }
  return Status::kMechanismInvalid;
}

// The data and parameters each algorithm accepts, checked before the key is touched.
Status CheckParams(wire::SignAlg alg, wire::HashAlg hash, uint16_t salt_length, size_t data) {
  switch (alg) {
    case wire::SignAlg::kEcdsa:
      return data == 0 ? Status::kDataLenRange : Status::kOk;
    case wire::SignAlg::kRsaPkcs1:
      return data > kMaxPkcs1Input ? Status::kDataLenRange : Status::kOk;
    case wire::SignAlg::kRsaPss:
      if (!ValidHash(hash)) return Status::kParamInvalid;
      if (data != HashLength(hash)) return Status::kDataLenRange;
      // EMSA-PSS: emLen (255 for a 2048-bit modulus) >= hLen + sLen + 2.
      if (salt_length + HashLength(hash) + 2 > kRsaModulusBytes - 1) return Status::kParamInvalid;
      return Status::kOk;
    case wire::SignAlg::kHmacSha256:
      return Status::kOk;
  }
  return Status::kMechanismInvalid;
}

SignParams ParamsOf(wire::SignAlg alg, wire::HashAlg hash, uint16_t salt_length) {
  SignParams params;
  params.alg = alg;
  params.hash = alg == wire::SignAlg::kRsaPss ? hash : wire::HashAlg::kNone;
  params.salt_length = salt_length;
  return params;
}

}  // namespace

Status Handle(Context& ctx, OpTag<wire::Op::kSign>, const wire::SignReq& request,
              wire::SignatureRsp& response) {
  AlgRule rule;
  HSM_TRY(RuleFor(request.alg, &rule));
  HSM_TRY(CheckParams(request.alg, request.hash, request.salt_length, request.data.size));
  ObjectSlot& slot = ctx.scratch.object;
  HSM_TRY(LoadKey(ctx, request.key, rule.sign_kind, rule.type_ok, wire::kFlagSign, slot));
  const ObjectView& key = slot.view();
  HSM_TRY(ctx.objects.OpenSecret(key, ctx.scratch.key));
  std::span<uint8_t> out = ctx.scratch.out.capacity_span().first(wire::kMaxSignature);
  size_t n = 0;
  HSM_TRY(ctx.crypto.Sign(key.type, ctx.scratch.key,
                          ParamsOf(request.alg, request.hash, request.salt_length),
                          request.data.span(), out, &n));
  if (n > out.size()) return Status::kInternal;
  response.signature = out.first(n);
  return Status::kOk;
}

Status Handle(Context& ctx, OpTag<wire::Op::kVerify>, const wire::VerifyReq& request,
              wire::Empty&) {
  AlgRule rule;
  HSM_TRY(RuleFor(request.alg, &rule));
  HSM_TRY(CheckParams(request.alg, request.hash, request.salt_length, request.data.size));
  ObjectSlot& slot = ctx.scratch.object;
  HSM_TRY(LoadKey(ctx, request.key, rule.verify_kind, rule.type_ok, wire::kFlagVerify, slot));
  const ObjectView& key = slot.view();
  const KeyBlob* secret = nullptr;
  if (request.alg == wire::SignAlg::kHmacSha256) {
    HSM_TRY(ctx.objects.OpenSecret(key, ctx.scratch.key));
    secret = &ctx.scratch.key;
  }
  return ctx.crypto.Verify(key.type, secret, key.public_value,
                           ParamsOf(request.alg, request.hash, request.salt_length),
                           request.data.span(), request.signature.span());
}

}  // namespace hsm
