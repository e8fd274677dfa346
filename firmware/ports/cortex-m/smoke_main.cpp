// The budgeted image: the firmware as a board would run it (core, workers with EC P-256,
// AES-GCM, SHA-2 and HMAC, key store, the packet loop) with a loopback PacketLink standing in
// for the USB driver. On QEMU it serves one GetInfo request through the whole path (packets →
// FrameReceiver → Core::Process → packets) and exits 0 when the answer checks, so the image
// whose size the build budgets is also an image that is seen to work.
#include <cstdint>
#include <span>

#include "board.h"
#include "protocol/frame.h"
#include "protocol/messages.h"
#include "semihosting.h"
#include "startup.h"

namespace hsm::cortex_m {
namespace {

// A host that sends one request frame and collects the reply's packets.
class LoopbackLink final : public PacketLink {
 public:
  explicit LoopbackLink(std::span<const uint8_t> request) : request_(request) {}
  size_t Receive(std::span<uint8_t> packet) override {
    size_t n = request_.size() < packet.size() ? request_.size() : packet.size();
    for (size_t i = 0; i < n; ++i) packet[i] = request_[i];
    request_ = request_.subspan(n);
    return n;
  }
  // Collects the reply's packets; the check decodes it once the frame is complete.
  bool Send(std::span<const uint8_t> packet) override {
    for (uint8_t b : packet) {
      if (reply_len_ == sizeof(reply_)) return false;
      reply_[reply_len_++] = b;
    }
    return true;
  }
  size_t packet_size() const override { return wire::kFullSpeedPacket; }
  // The reply is one GetInfo response frame: magic, our seq, kOk, CRC right, body decodes.
  bool ok() const {
    wire::FrameHeader h;
    if (reply_len_ < wire::kHeaderSize + wire::kCrcSize || !wire::DecodeHeader(reply_, &h))
      return false;
    const size_t body = wire::kHeaderSize + h.length;
    if (body + wire::kCrcSize != reply_len_) return false;
    wire::Reader crc(std::span<const uint8_t>(reply_ + body, wire::kCrcSize));
    if (crc.U32() != wire::Crc32c(std::span<const uint8_t>(reply_, body))) return false;
    wire::InfoRsp info;
    return h.seq == 0x1234 && h.status == 0 && (h.flags & wire::kFlagResponse) != 0 &&
           wire::DecodeMessage(std::span<const uint8_t>(reply_ + wire::kHeaderSize, h.length),
                               info) == Status::kOk &&
           info.max_payload == wire::kMaxPayload;
  }

 private:
  std::span<const uint8_t> request_;
  uint8_t reply_[256];
  size_t reply_len_ = 0;
};

uint8_t request_frame[wire::kHeaderSize + wire::kCrcSize];

}  // namespace
}  // namespace hsm::cortex_m

int main() {
  using namespace hsm::cortex_m;
  if (Boot() != hsm::Status::kOk) {
    Print("smoke: boot failed\n");
    return 1;
  }
  wire::FrameHeader header;
  header.op = static_cast<uint16_t>(wire::Op::kGetInfo);
  header.seq = 0x1234;
  size_t n = wire::EncodeFrame(header, {}, std::span<uint8_t>(request_frame));
  static LoopbackLink link(std::span<const uint8_t>(request_frame, n));
  LinkReset();  // as a board does when the host configures the device
  size_t served = Serve(link, 1);
  Print(served == 1 && link.ok() ? "smoke: GetInfo over the packet loop ok\n"
                                 : "smoke: GetInfo over the packet loop FAILED\n");
  Print("smoke: stack peak ");
  PrintDec(static_cast<uint32_t>(StackPeak()));
  Print(" of ");
  PrintDec(static_cast<uint32_t>(StackReserve()));
  Print(" bytes, mbedTLS pool peak ");
  PrintDec(static_cast<uint32_t>(PoolPeak()));
  Print(" of ");
  PrintDec(static_cast<uint32_t>(PoolSize()));
  Print("\n");
  if (StackPeak() >= StackReserve()) return 3;
  return served == 1 && link.ok() ? 0 : 2;
}
