// Protocol tests on the MCU: the CRC-32C check value, a message encode/decode round trip
// (and its rejection of truncated or padded input), and a frame's round trip through
// FrameReceiver in USB-sized packets after garbage, with a corrupted copy rejected. The same
// header-only code runs on the host; these prove it compiles and behaves alike on Thumb.
#include <cstdint>
#include <span>

#include "protocol/crc32c.h"
#include "protocol/frame.h"
#include "protocol/messages.h"
#include "test_runner.h"

namespace hsm::cortex_m::test {
namespace {

void Crc32cCheckValue() {
  const uint8_t digits[] = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
  CM_EXPECT(wire::Crc32c(digits) == 0xE3069283u);  // the published CRC-32C check value
  // Chaining over two parts gives the CRC of the whole.
  std::span<const uint8_t> all(digits);
  CM_EXPECT(wire::Crc32c(all.subspan(4), wire::Crc32c(all.first(4))) == 0xE3069283u);
}

uint8_t message_buf[600];

void MessageRoundTrip() {
  uint8_t digest[32];
  for (int i = 0; i < 32; ++i) digest[i] = static_cast<uint8_t>(i * 7 + 1);
  wire::SignReq req;
  req.key = 0x01020304u;
  req.alg = wire::SignAlg::kEcdsa;
  req.hash = wire::HashAlg::kSha256;
  req.salt_length = 513;
  req.data = std::span<const uint8_t>(digest);
  Status s = Status::kInternal;
  size_t n = wire::EncodeMessage(req, std::span<uint8_t>(message_buf), &s);
  CM_CHECK(s == Status::kOk);
  CM_CHECK(n == 4 + 1 + 1 + 2 + 2 + 32);
  CM_EXPECT(message_buf[0] == 0x04 && message_buf[3] == 0x01);  // little-endian key id

  wire::SignReq back;
  CM_CHECK(wire::DecodeMessage(std::span<const uint8_t>(message_buf, n), back) == Status::kOk);
  CM_EXPECT(back.key == req.key && back.alg == req.alg && back.hash == req.hash);
  CM_EXPECT(back.salt_length == 513 && back.data.size == 32);
  bool same = back.data.size == 32;
  for (size_t i = 0; same && i < 32; ++i) same = back.data.data[i] == digest[i];
  CM_EXPECT(same);

  wire::SignReq bad;
  CM_EXPECT(wire::DecodeMessage(std::span<const uint8_t>(message_buf, n - 1), bad) != Status::kOk);
  message_buf[n] = 0;
  CM_EXPECT(wire::DecodeMessage(std::span<const uint8_t>(message_buf, n + 1), bad) != Status::kOk);
}

uint8_t frame_buf[200];
wire::FrameReceiver receiver(256);

void FrameRoundTrip() {
  uint8_t payload[150];
  for (size_t i = 0; i < sizeof(payload); ++i) payload[i] = static_cast<uint8_t>(255 - i);
  wire::FrameHeader h;
  h.op = 0x0021;
  h.seq = 0xBEEF;
  h.flags = wire::kFlagResponse;
  h.status = 3;
  size_t n = wire::EncodeFrame(h, std::span<const uint8_t>(payload), std::span<uint8_t>(frame_buf));
  CM_CHECK(n == wire::kHeaderSize + sizeof(payload) + wire::kCrcSize);

  int frames = 0, errors = 0;
  bool match = false;
  auto on_frame = [&](const wire::FrameHeader& got, std::span<const uint8_t> body) {
    ++frames;
    match = got.op == h.op && got.seq == h.seq && got.flags == h.flags &&
            got.status == h.status && body.size() == sizeof(payload);
    for (size_t i = 0; match && i < body.size(); ++i) match = body[i] == payload[i];
  };
  auto on_error = [&](wire::RxError) { ++errors; };
  const uint8_t garbage[] = {0x00, 0x5A, 0x13};
  receiver.Reset();
  receiver.Feed(std::span<const uint8_t>(garbage), on_frame, on_error);
  bool sent = wire::ForEachPacket(std::span<const uint8_t>(frame_buf, n), wire::kFullSpeedPacket,
                                  true, [&](std::span<const uint8_t> p) {
                                    receiver.Feed(p, on_frame, on_error);
                                    return true;
                                  });
  CM_EXPECT(sent);
  CM_EXPECT(frames == 1 && match);
  CM_EXPECT(errors >= 1);  // the garbage was reported

  frames = 0;
  frame_buf[wire::kHeaderSize + 10] ^= 0x40;  // one flipped payload bit
  receiver.Reset();
  receiver.Feed(std::span<const uint8_t>(frame_buf, n), on_frame, on_error);
  CM_EXPECT(frames == 0);
}

}  // namespace

const TestCase kProtocolTests[] = {
    {"protocol.Crc32cCheckValue", Crc32cCheckValue},
    {"protocol.MessageRoundTrip", MessageRoundTrip},
    {"protocol.FrameRoundTrip", FrameRoundTrip},
};
const int kProtocolTestCount = sizeof(kProtocolTests) / sizeof(kProtocolTests[0]);

}  // namespace hsm::cortex_m::test
