// Keys made on the device or brought into it: secret key and key pair generation, and
// import — plaintext while the user is logged in, or RFC 5649 wrapped under a device AES key
// with kFlagUnwrap. The material is checked by the crypto port before any record is written.
#include "handlers/handlers.h"

namespace hsm {
namespace {

// The byte length of a new secret key of `type`; kKeySizeRange for a generic secret outside
// 1..64 bytes.
Status SecretKeyLength(wire::KeyType type, size_t requested, size_t* length) {
  if (IsAes(type)) {
    *length = AesKeyLength(type);
    return Status::kOk;
  }
  if (requested == 0 || requested > kMaxGenericSecret) return Status::kKeySizeRange;
  *length = requested;
  return Status::kOk;
}

// Unwraps `wrapped` under AES key `kek_id` (kFlagUnwrap) into scratch.material.
Status Unwrap(Context& ctx, wire::KeyId kek_id, std::span<const uint8_t> wrapped) {
  ObjectSlot& kek = ctx.scratch.other_object;
  HSM_TRY(LoadKey(ctx, kek_id, wire::ObjectKind::kSecretKey, IsAes, wire::kFlagUnwrap, kek));
  HSM_TRY(ctx.objects.OpenSecret(kek.view(), ctx.scratch.other_key));
  size_t n = 0;
  Status s = ctx.crypto.UnwrapKwp(ctx.scratch.other_key, wrapped,
                                  ctx.scratch.material.capacity_span(), &n);
  if (!Ok(s)) return Status::kEncryptedDataInvalid;
  ctx.scratch.material.resize(n);
  return Status::kOk;
}

// Turns plaintext material of `kind` into a key blob (private, secret) and a public value
// (private, public), as the port's import checks it.
Status ParseMaterial(Context& ctx, wire::ObjectKind kind, wire::KeyType type,
                     std::span<const uint8_t> material, size_t* secret_length) {
  Scratch& scratch = ctx.scratch;
  switch (kind) {
    case wire::ObjectKind::kPrivateKey:
      return ctx.crypto.ImportPrivate(type, material, scratch.key, scratch.public_value);
    case wire::ObjectKind::kSecretKey: {
      size_t length = 0;
      HSM_TRY(SecretKeyLength(type, material.size(), &length));
      if (length != material.size()) return Status::kKeySizeRange;
      *secret_length = length;
      return ctx.crypto.ImportSecret(type, material, scratch.key);
    }
    case wire::ObjectKind::kPublicKey:
      HSM_TRY(ctx.crypto.CheckPublic(type, material));
      return scratch.public_value.assign(material) ? Status::kOk : Status::kTooLarge;
    case wire::ObjectKind::kData:
      break;
  }
  return Status::kParamInvalid;
}

}  // namespace

Status Handle(Context& ctx, OpTag<wire::Op::kGenerateKey>, const wire::GenerateKeyReq& request,
              wire::KeyRsp& response) {
  HSM_TRY(CheckRequestedType(request.type, IsSymmetric));
  HSM_TRY(CheckCreate(ctx, wire::ObjectKind::kSecretKey, request.flags));
  size_t length = 0;
  HSM_TRY(SecretKeyLength(request.type, request.length, &length));
  HSM_TRY(ctx.crypto.GenerateKey(request.type, length, ctx.scratch.key, ctx.scratch.public_value));
  return CreateSecretKey(ctx, request.type, request.flags, length, request.attrs.span(),
                         ctx.scratch.key, &response.key);
}

Status Handle(Context& ctx, OpTag<wire::Op::kGenerateKeyPair>,
              const wire::GenerateKeyPairReq& request, wire::KeyPairRsp& response) {
  HSM_TRY(CheckRequestedType(request.type, IsAsymmetric));
  HSM_TRY(CheckCreate(ctx, wire::ObjectKind::kPublicKey, request.public_flags));
  HSM_TRY(CheckCreate(ctx, wire::ObjectKind::kPrivateKey, request.private_flags));
  Scratch& scratch = ctx.scratch;
  HSM_TRY(ctx.crypto.GenerateKey(request.type, 0, scratch.key, scratch.public_value));

  NewObject object;
  object.kind = wire::ObjectKind::kPublicKey;
  object.type = request.type;
  object.flags = request.public_flags;
  object.public_value = scratch.public_value.span();
  object.attrs = request.public_attrs.span();
  HSM_TRY(ctx.objects.Create(object, &response.public_key));
  object.kind = wire::ObjectKind::kPrivateKey;
  object.flags = request.private_flags;
  object.attrs = request.private_attrs.span();
  object.secret = &scratch.key;
  Status s = ctx.objects.Create(object, &response.private_key);
  if (!Ok(s)) {
    // Half a pair is no use to anyone: take the public key back out.
    (void)ctx.objects.Destroy(response.public_key);
    return s;
  }
  response.public_value = scratch.public_value.span();
  return Status::kOk;
}

Status Handle(Context& ctx, OpTag<wire::Op::kImportKey>, const wire::ImportKeyReq& request,
              wire::KeyRsp& response) {
  if (!ValidKind(request.kind) || request.kind == wire::ObjectKind::kData) {
    return Status::kParamInvalid;
  }
  if (!ValidKeyType(request.type)) return Status::kParamInvalid;
  if (!KindFitsType(request.kind, request.type)) return Status::kKeyTypeInconsistent;
  HSM_TRY(CheckCreate(ctx, request.kind, request.flags));

  std::span<const uint8_t> material = request.material.span();
  if (request.unwrapping_key != wire::kNoKey) {
    // A public key is not secret: it never arrives wrapped.
    if (request.kind == wire::ObjectKind::kPublicKey) return Status::kParamInvalid;
    HSM_TRY(Unwrap(ctx, request.unwrapping_key, material));
    material = ctx.scratch.material.span();
  } else if (material.size() > wire::kMaxImport) {
    return Status::kDataLenRange;
  }
  size_t secret_length = 0;
  HSM_TRY(ParseMaterial(ctx, request.kind, request.type, material, &secret_length));

  NewObject object;
  object.kind = request.kind;
  object.type = request.type;
  object.flags = request.flags;
  object.secret_length = static_cast<uint16_t>(secret_length);
  object.public_value = ctx.scratch.public_value.span();
  object.attrs = request.attrs.span();
  object.secret = request.kind == wire::ObjectKind::kPublicKey ? nullptr : &ctx.scratch.key;
  HSM_TRY(ctx.objects.Create(object, &response.key));
  response.public_value = ctx.scratch.public_value.span();
  return Status::kOk;
}

}  // namespace hsm
