// Digests (SHA-256/384/512): no key and no login, so they are served on a blank token too.
#include "handlers/handlers.h"

namespace hsm {

Status Handle(Context& ctx, OpTag<wire::Op::kDigest>, const wire::DigestReq& request,
              wire::DigestRsp& response) {
  if (!ValidHash(request.hash)) return Status::kMechanismInvalid;
  std::span<uint8_t> out = ctx.scratch.out.capacity_span().first(wire::kMaxDigest);
  size_t n = 0;
  HSM_TRY(ctx.crypto.Digest(request.hash, request.data.span(), out, &n));
  if (n != HashLength(request.hash)) return Status::kInternal;
  response.digest = out.first(n);
  return Status::kOk;
}

}  // namespace hsm
