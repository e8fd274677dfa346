// The device side of the emulated HSM's bulk endpoints, as the firmware's USB port would be:
// OUT packets feed a wire::FrameReceiver, each request frame goes to a FrameResponder (the
// firmware core, or a plain echo), and the response frame goes back as IN packets with the
// zero-length-packet rule. It also checks the host's side of that rule — a frame that fills
// its last packet must be followed by a zero-length packet, any other must not — and records
// what it saw for the tests. A raw mode echoes whole bulk transfers (delimited by a short or
// zero-length packet, as USB delimits them) so the link can be tested below framing.
//
// Everything here runs with the EmulatedUsbDevice lock held (its ioctl thread, or a test that
// took Lock()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "emulated_usb_device.h"
#include "protocol/frame.h"

namespace p11::testing {

// Writes a complete response frame for one request into `out`; returns its length, or 0 for
// no answer.
using FrameResponder = std::function<size_t(
    const wire::FrameHeader& header, std::span<const uint8_t> payload, std::span<uint8_t> out)>;

// Answers each request with its own payload, same op and seq, status kOk.
FrameResponder EchoResponder();

class HsmUsbFunction : public UsbFunction {
 public:
  enum class Mode { kFrames, kRawEcho };

  struct FrameRecord {
    size_t length = 0;       // whole frame, header to CRC
    bool zlp_after = false;  // a zero-length packet came right after it
  };
  struct TransferRecord {
    size_t length = 0;
    bool ended_by_zlp = false;
  };

  HsmUsbFunction(size_t packet_size, FrameResponder responder);

  void OnOutPacket(std::span<const uint8_t> packet) override;
  void TakeInPackets(std::deque<std::vector<uint8_t>>* queue) override;

  void set_mode(Mode mode) { mode_ = mode; }
  // While set, responses are computed but kept back (a stalled device).
  void set_withhold(bool withhold) { withhold_ = withhold; }
  // Sends (or forgets) what was kept back.
  void ReleaseWithheld();
  void DropWithheld() { withheld_.clear(); }
  size_t withheld() const { return withheld_.size(); }

  const std::vector<FrameRecord>& frames() const { return frames_; }
  const std::vector<TransferRecord>& transfers() const { return transfers_; }
  // Zero-length packets that followed no frame ending on a packet boundary.
  int stray_zlps() const { return stray_zlps_; }
  int rx_errors() const { return rx_errors_; }
  void ClearRecords();

 private:
  void OnFramePacket(std::span<const uint8_t> packet);
  void OnRawPacket(std::span<const uint8_t> packet);
  void Send(std::span<const uint8_t> bytes);

  const size_t packet_size_;
  FrameResponder responder_;
  Mode mode_ = Mode::kFrames;
  bool withhold_ = false;

  std::unique_ptr<wire::FrameReceiver> receiver_;  // ~16 KiB
  std::vector<uint8_t> response_;                  // kMaxFrame scratch
  bool awaiting_zlp_ = false;
  std::vector<uint8_t> raw_transfer_;

  std::deque<std::vector<uint8_t>> ready_;  // IN packets not yet taken by the bus
  std::vector<std::vector<uint8_t>> withheld_;
  std::vector<FrameRecord> frames_;
  std::vector<TransferRecord> transfers_;
  int stray_zlps_ = 0;
  int rx_errors_ = 0;
};

}  // namespace p11::testing
