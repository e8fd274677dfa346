#include "core/core.h"

#include "handlers/handlers.h"
#include "protocol/message.h"

namespace hsm {
namespace {

// Before InitToken the device answers only what needs no token: its info, random bytes,
// digests, and InitToken itself.
constexpr bool AllowedUninitialized(wire::Op op) {
  return op == wire::Op::kGetInfo || op == wire::Op::kGetRandom || op == wire::Op::kDigest ||
         op == wire::Op::kInitToken;
}

}  // namespace

Core::Core(CryptoPort& crypto, RecordStore& records, const DeviceIdentity& identity,
           const CoreOptions& options)
    : crypto_(crypto),
      records_(records),
      keys_(crypto, records),
      token_(records, keys_, crypto, options.pin_iterations == 0 ? 1 : options.pin_iterations),
      objects_(records, keys_),
      context_{crypto_, keys_, token_, objects_, facts_, scratch_} {
  size_t n =
      identity.serial.size() < wire::kSerialSize ? identity.serial.size() : wire::kSerialSize;
  facts_.serial.resize(n);
  for (size_t i = 0; i < n; ++i) facts_.serial.data()[i] = static_cast<uint8_t>(identity.serial[i]);
  facts_.hw_major = identity.hw_major;
  facts_.hw_minor = identity.hw_minor;
  facts_.fw_major = identity.fw_major;
  facts_.fw_minor = identity.fw_minor;
  // A key of the wrong size is refused by Start (DeviceKeys::Mount), not here.
  (void)keys_.SetUniqueKey(identity.unique_key);
}

Status Core::Start() {
  Status s = records_.Mount();
  if (Ok(s)) s = keys_.Mount();
  if (Ok(s)) s = token_.Mount();
  if (Ok(s)) s = objects_.Mount();
  if (Ok(s) && token_.wipe_pending()) s = FinishTokenWipe(context_);
  scratch_.Wipe();
  started_ = s;
  return s;
}

void Core::Reset() {
  token_.Logout();
  objects_.DropSessionObjects();
}

size_t Core::Process(const wire::FrameHeader& request, std::span<const uint8_t> payload,
                     std::span<uint8_t> response_frame) {
  size_t response_len = 0;
  Status status = started_;
  // Only a version-1 request whose declared length is the payload's is one the core takes.
  if (request.version != wire::kVersion || request.flags != 0 || request.status != 0 ||
      request.length != payload.size() || payload.size() > wire::kMaxPayload) {
    status = Status::kMalformed;
  } else if (Ok(status)) {
    status = Dispatch(request.op, payload, &response_len);
  }
  if (!Ok(status)) response_len = 0;

  wire::FrameHeader header;
  header.flags = wire::kFlagResponse;
  header.op = request.op;
  header.seq = request.seq;
  header.status = static_cast<uint16_t>(status);
  size_t n = wire::EncodeFrame(header, response_payload_.capacity_span().first(response_len),
                               response_frame);
  if (n == 0 && response_len != 0) {
    header.status = static_cast<uint16_t>(Status::kTooLarge);
    n = wire::EncodeFrame(header, {}, response_frame);
  }
  SecureZero(response_payload_.data(), response_len);
  scratch_.Wipe();
  return n;
}

Status Core::Dispatch(uint16_t op, std::span<const uint8_t> payload, size_t* response_len) {
  switch (op) {
#define HSM_DISPATCH_CASE(code, name, req, rsp) \
  case code:                                    \
    return Run<wire::Op::k##name>(payload, response_len);
    HSM_OPS(HSM_DISPATCH_CASE)
#undef HSM_DISPATCH_CASE
    default:
      return Status::kUnknownOp;
  }
}

template <wire::Op op>
Status Core::Run(std::span<const uint8_t> payload, size_t* response_len) {
  using Traits = wire::OpTraits<op>;
  typename Traits::Request request{};
  HSM_TRY(wire::DecodeMessage(payload, request));
  if (!AllowedUninitialized(op) && !token_.initialized()) return Status::kTokenNotInitialized;
  typename Traits::Response response{};
  HSM_TRY(Handle(context_, OpTag<op>{}, request, response));
  Status s;
  *response_len = wire::EncodeMessage(response, response_payload_.capacity_span(), &s);
  return s;
}

}  // namespace hsm
