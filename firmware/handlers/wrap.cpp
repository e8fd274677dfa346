// Key wrapping: the only way any secret leaves the device. The key must carry
// kFlagExtractable (whether or not it is sensitive) and the wrapping key kFlagWrap; the
// material, encoded as ImportKey expects it, leaves only under RFC 5649 key wrap.
#include "handlers/handlers.h"

namespace hsm {
Status Handle(Context& ctx, OpTag<wire::Op::kWrapKey>, const wire::WrapReq& request,
              wire::WrappedRsp& response) {
  Scratch& scratch = ctx.scratch;
  HSM_TRY(LoadKey(ctx, request.wrapping_key, wire::ObjectKind::kSecretKey, IsAes, wire::kFlagWrap,
                  scratch.other_object));
  HSM_TRY(ctx.objects.Load(request.key, ctx.user_in(), scratch.object));
  const ObjectView& key = scratch.object.view();
  if (key.kind != wire::ObjectKind::kPrivateKey && key.kind != wire::ObjectKind::kSecretKey) {
    return Status::kKeyTypeInconsistent;  // nothing secret to wrap
  }
  if (!key.has(wire::kFlagExtractable)) return Status::kNotExtractable;

  HSM_TRY(ctx.objects.OpenSecret(scratch.other_object.view(), scratch.other_key));
  HSM_TRY(ctx.objects.OpenSecret(key, scratch.key));
  size_t n = 0;
  HSM_TRY(ctx.crypto.ExportMaterial(key.type, scratch.key, scratch.material.capacity_span(), &n));
  if (!scratch.material.resize(n)) return Status::kInternal;
  std::span<uint8_t> out = scratch.out.capacity_span().first(wire::kMaxImport + 16);
  size_t wrapped = 0;
  HSM_TRY(ctx.crypto.WrapKwp(scratch.other_key, scratch.material.span(), out, &wrapped));
  if (wrapped > out.size()) return Status::kInternal;
  response.wrapped = out.first(wrapped);
  return Status::kOk;
}

}  // namespace hsm
