// AES encryption and decryption with a device key: GCM (tag appended), CBC without padding
// and CBC with PKCS#7 padding. Lengths and parameters are checked here, before the key is
// unsealed; the port checks the tag and the padding.
#include "handlers/handlers.h"

namespace hsm {
namespace {

constexpr size_t kAesBlock = 16;
constexpr size_t kMinGcmTag = 4;

Status CheckParams(const wire::CipherReq& request) {
  switch (request.alg) {
    case wire::CipherAlg::kAesGcm:
      if (request.iv.empty()) return Status::kParamInvalid;
      if (request.tag_length < kMinGcmTag || request.tag_length > wire::kMaxTag) {
        return Status::kParamInvalid;
      }
      return Status::kOk;
    case wire::CipherAlg::kAesCbc:
    case wire::CipherAlg::kAesCbcPad:
      if (request.iv.size != kAesBlock || !request.aad.empty()) return Status::kParamInvalid;
      return Status::kOk;
  }
  return Status::kMechanismInvalid;
}

Status CheckLength(const wire::CipherReq& request, bool encrypt) {
  size_t n = request.data.size;
  switch (request.alg) {
    case wire::CipherAlg::kAesGcm:
      if (encrypt) return n <= wire::kMaxData ? Status::kOk : Status::kDataLenRange;
      return n >= request.tag_length && n - request.tag_length <= wire::kMaxData
                 ? Status::kOk
                 : Status::kDataLenRange;
    case wire::CipherAlg::kAesCbc:
      return n % kAesBlock == 0 && n <= wire::kMaxData ? Status::kOk : Status::kDataLenRange;
    case wire::CipherAlg::kAesCbcPad:
      if (encrypt) return n <= wire::kMaxData ? Status::kOk : Status::kDataLenRange;
      return n != 0 && n % kAesBlock == 0 && n <= wire::kMaxData + kAesBlock
                 ? Status::kOk
                 : Status::kDataLenRange;
  }
  return Status::kMechanismInvalid;
}

Status RunCipher(Context& ctx, const wire::CipherReq& request, bool encrypt,
                 wire::DataRsp& response) {
  HSM_TRY(CheckParams(request));
  HSM_TRY(CheckLength(request, encrypt));
  ObjectSlot& slot = ctx.scratch.object;
  uint32_t usage = encrypt ? wire::kFlagEncrypt : wire::kFlagDecrypt;
  HSM_TRY(LoadKey(ctx, request.key, wire::ObjectKind::kSecretKey, IsAes, usage, slot));
  HSM_TRY(ctx.objects.OpenSecret(slot.view(), ctx.scratch.key));

  CipherParams params;
  params.alg = request.alg;
  params.iv = request.iv.span();
  params.aad = request.aad.span();
  params.tag_length = request.tag_length;
  std::span<uint8_t> out = ctx.scratch.out.capacity_span();
  size_t n = 0;
  Status s = encrypt ? ctx.crypto.Encrypt(ctx.scratch.key, params, request.data.span(), out, &n)
                     : ctx.crypto.Decrypt(ctx.scratch.key, params, request.data.span(), out, &n);
  if (!Ok(s)) return s;
  if (n > out.size()) return Status::kInternal;
  response.data = out.first(n);
  return Status::kOk;
}

}  // namespace

Status Handle(Context& ctx, OpTag<wire::Op::kEncrypt>, const wire::CipherReq& request,
              wire::DataRsp& response) {
  return RunCipher(ctx, request, true, response);
}

Status Handle(Context& ctx, OpTag<wire::Op::kDecrypt>, const wire::CipherReq& request,
              wire::DataRsp& response) {
  return RunCipher(ctx, request, false, response);
}

}  // namespace hsm
