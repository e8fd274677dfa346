// Checks shared by the handler families (declared in handlers.h).
#include "handlers/handlers.h"

namespace hsm {

Status CreateSecretKey(Context& ctx, wire::KeyType type, uint32_t flags, size_t length,
                       std::span<const uint8_t> attrs, const KeyBlob& secret, wire::KeyId* id) {
  NewObject object;
  object.kind = wire::ObjectKind::kSecretKey;
  object.type = type;
  object.flags = flags;
  object.secret_length = static_cast<uint16_t>(length);
  object.attrs = attrs;
  object.secret = &secret;
  return ctx.objects.Create(object, id);
}

Status CheckCreate(const Context& ctx, wire::ObjectKind kind, uint32_t flags) {
  if (!KnownFlags(flags)) return Status::kParamInvalid;
  bool needs_user = kind != wire::ObjectKind::kData || (flags & wire::kFlagPrivate) != 0;
  if (needs_user && !ctx.user_in()) return Status::kNotLoggedIn;
  return Status::kOk;
}

Status LoadKey(Context& ctx, wire::KeyId id, wire::ObjectKind kind, bool (*type_ok)(wire::KeyType),
               uint32_t usage, ObjectSlot& slot) {
  HSM_TRY(ctx.objects.Load(id, ctx.user_in(), slot));
  const ObjectView& key = slot.view();
  if (key.kind != kind || !type_ok(key.type)) return Status::kKeyTypeInconsistent;
  if (!key.has(usage)) return Status::kKeyFunctionNotPermitted;
  return Status::kOk;
}

Status CheckRequestedType(wire::KeyType type, bool (*type_ok)(wire::KeyType)) {
  if (!ValidKeyType(type)) return Status::kParamInvalid;
  return type_ok(type) ? Status::kOk : Status::kKeyTypeInconsistent;
}

}  // namespace hsm
