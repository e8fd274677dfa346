// Object management: data objects, attribute and flag changes, destruction, listing and
// reading an object's public parts. Nothing here ever returns a secret: GetObject reports a
// secret key's length, not its value.
#include "handlers/handlers.h"

namespace hsm {
namespace {

// The protection flags SetAttributes may not loosen or move (PKCS#11: CKA_SENSITIVE only
// false→true, CKA_EXTRACTABLE only true→false, CKA_TOKEN and CKA_PRIVATE fixed).
Status CheckFlagChange(uint32_t old_flags, uint32_t new_flags) {
  if ((old_flags & wire::kFlagSensitive) && !(new_flags & wire::kFlagSensitive)) {
    return Status::kKeyFunctionNotPermitted;
  }
  if (!(old_flags & wire::kFlagExtractable) && (new_flags & wire::kFlagExtractable)) {
    return Status::kKeyFunctionNotPermitted;
  }
  if ((old_flags ^ new_flags) & (wire::kFlagToken | wire::kFlagPrivate)) {
    return Status::kKeyFunctionNotPermitted;
  }
  return Status::kOk;
}

void PutLe32(uint32_t v, uint8_t* out) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<uint8_t>(v >> (8 * i));
}

}  // namespace

Status Handle(Context& ctx, OpTag<wire::Op::kCreateObject>, const wire::CreateObjectReq& request,
              wire::IdRsp& response) {
  HSM_TRY(CheckCreate(ctx, wire::ObjectKind::kData, request.flags));
  NewObject object;
  object.kind = wire::ObjectKind::kData;
  object.flags = request.flags;
  object.attrs = request.attrs.span();
  return ctx.objects.Create(object, &response.id);
}

Status Handle(Context& ctx, OpTag<wire::Op::kSetAttributes>, const wire::SetAttributesReq& request,
              wire::Empty&) {
  if (!KnownFlags(request.flags)) return Status::kParamInvalid;
  ObjectSlot& slot = ctx.scratch.object;
  HSM_TRY(ctx.objects.Load(request.id, ctx.user_in(), slot));
  const ObjectView& object = slot.view();
  if (!object.has(wire::kFlagModifiable)) return Status::kKeyFunctionNotPermitted;
  HSM_TRY(CheckFlagChange(object.flags, request.flags));
  return ctx.objects.Update(slot, request.flags, request.attrs.span());
}

Status Handle(Context& ctx, OpTag<wire::Op::kDestroyObject>, const wire::IdReq& request,
              wire::Empty&) {
  // Loaded first so a private object the caller may not see cannot be destroyed either.
  HSM_TRY(ctx.objects.Load(request.id, ctx.user_in(), ctx.scratch.object));
  return ctx.objects.Destroy(request.id);
}

Status Handle(Context& ctx, OpTag<wire::Op::kListObjects>, const wire::ListReq& request,
              wire::ListRsp& response) {
  wire::KeyId ids[wire::kMaxListIds];
  size_t count = 0;
  bool more = false;
  HSM_TRY(ctx.objects.List(request.after, ctx.user_in(), ids, &count, &more));
  std::span<uint8_t> out = ctx.scratch.out.capacity_span();
  for (size_t i = 0; i < count; ++i) PutLe32(ids[i], &out[4 * i]);
  response.ids = out.first(4 * count);
  response.more = more ? 1 : 0;
  return Status::kOk;
}

Status Handle(Context& ctx, OpTag<wire::Op::kGetObject>, const wire::IdReq& request,
              wire::ObjectRsp& response) {
  ObjectSlot& slot = ctx.scratch.object;
  HSM_TRY(ctx.objects.Load(request.id, ctx.user_in(), slot));
  const ObjectView& object = slot.view();
  response.kind = object.kind;
  response.type = object.type;
  response.flags = object.flags;
  response.secret_length =
      object.kind == wire::ObjectKind::kSecretKey ? object.secret_length : uint16_t{0};
  response.public_value = object.public_value;
  response.attrs = object.attrs;
  return Status::kOk;
}

}  // namespace hsm
