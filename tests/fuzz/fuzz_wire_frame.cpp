// libFuzzer target: the wire decoder — what the host runs on bytes from a device and the
// firmware on bytes from a host. The input is cut into link packets (size chosen by its first
// byte) and fed to a FrameReceiver; every frame that comes out is decoded as the request and
// the response of its op. Nothing may crash or read out of bounds, a frame never exceeds its
// declared length, and whatever decodes must re-encode to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "protocol/frame.h"
#include "protocol/messages.h"

namespace {

template <class M>
void DecodeAndReencode(std::span<const uint8_t> payload) {
  M m{};
  if (wire::DecodeMessage(payload, m) != hsm::Status::kOk) return;
  static uint8_t out[wire::kMaxPayload];
  hsm::Status st;
  size_t n = wire::EncodeMessage(m, std::span<uint8_t>(out), &st);
  if (st != hsm::Status::kOk || n != payload.size() || std::memcmp(out, payload.data(), n) != 0) {
    __builtin_trap();
  }
}

void DecodeAsOp(uint16_t op, std::span<const uint8_t> payload) {
#define DECODE_CASE(code, name, req, rsp) \
  case code:                              \
    DecodeAndReencode<req>(payload);      \
    DecodeAndReencode<rsp>(payload);      \
    break;
  switch (op) {
    HSM_OPS(DECODE_CASE)
    default:
      break;
  }
#undef DECODE_CASE
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static wire::FrameReceiver receiver;
  receiver.Reset();
  const size_t packet = data[0] & 1 ? wire::kFullSpeedPacket : wire::kHighSpeedPacket;
  std::span<const uint8_t> rest(data + 1, size - 1);
  while (!rest.empty()) {
    size_t n = rest.size() < packet ? rest.size() : packet;
    receiver.Feed(
        rest.first(n),
        [](const wire::FrameHeader& h, std::span<const uint8_t> payload) {
          if (payload.size() != h.length || payload.size() > wire::kMaxPayload) __builtin_trap();
          DecodeAsOp(h.op, payload);
        },
        [](wire::RxError) {});
    rest = rest.subspan(n);
  }
  if (receiver.buffered() > wire::kMaxFrame) __builtin_trap();
  return 0;
}
