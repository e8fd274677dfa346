// ECDH key agreement into a new device secret key: the leading `length` bytes of the shared
// point's x-coordinate become a generic secret or an AES key, which never leaves the device
// except wrapped.
#include "handlers/handlers.h"

namespace hsm {
namespace {

// The derived key's length: an AES key's own (0 or that length requested), a generic secret
// 1..the curve size.
Status DerivedLength(wire::KeyType type, size_t requested, size_t curve, size_t* length) {
  size_t aes = AesKeyLength(type);
  if (aes != 0) {
    if (requested != 0 && requested != aes) return Status::kKeySizeRange;
    *length = aes;
    return Status::kOk;
  }
  if (requested == 0 || requested > curve) return Status::kKeySizeRange;
  *length = requested;
  return Status::kOk;
}

}  // namespace

Status Handle(Context& ctx, OpTag<wire::Op::kDerive>, const wire::DeriveReq& request,
              wire::KeyRsp& response) {
  HSM_TRY(CheckRequestedType(request.type, IsSymmetric));
  HSM_TRY(CheckCreate(ctx, wire::ObjectKind::kSecretKey, request.flags));
  ObjectSlot& slot = ctx.scratch.object;
  HSM_TRY(LoadKey(ctx, request.key, wire::ObjectKind::kPrivateKey, IsEc, wire::kFlagDerive, slot));
  const ObjectView& key = slot.view();
  size_t length = 0;
  HSM_TRY(DerivedLength(request.type, request.length, CurveSize(key.type), &length));
  if (!Ok(ctx.crypto.CheckPublic(key.type, request.peer_point.span()))) {
    return Status::kParamInvalid;
  }

  HSM_TRY(ctx.objects.OpenSecret(key, ctx.scratch.key));
  SecretArray<wire::kMaxDigest> shared;
  HSM_TRY(ctx.crypto.Ecdh(key.type, ctx.scratch.key, request.peer_point.span(), shared));
  if (shared.size() < length) return Status::kInternal;
  HSM_TRY(
      ctx.crypto.ImportSecret(request.type, shared.span().first(length), ctx.scratch.other_key));
  return CreateSecretKey(ctx, request.type, request.flags, length, request.attrs.span(),
                         ctx.scratch.other_key, &response.key);
}

}  // namespace hsm
