// HsmUsbFunction: request frames in, response frames out, the zero-length-packet rule checked
// on the way in and applied on the way out (wire::ForEachPacket, as the firmware's port does).
#include "hsm_usb_function.h"

#include <gtest/gtest.h>

namespace p11::testing {

FrameResponder EchoResponder() {
  return [](const wire::FrameHeader& header, std::span<const uint8_t> payload,
            std::span<uint8_t> out) {
    wire::FrameHeader response = header;
    response.flags = wire::kFlagResponse;
    response.status = 0;
    return wire::EncodeFrame(response, payload, out);
  };
}

HsmUsbFunction::HsmUsbFunction(size_t packet_size, FrameResponder responder)
    : packet_size_(packet_size),
      responder_(std::move(responder)),
      receiver_(std::make_unique<wire::FrameReceiver>()),
      response_(wire::kMaxFrame) {}

void HsmUsbFunction::OnOutPacket(std::span<const uint8_t> packet) {
  // A bus packet never exceeds wMaxPacketSize; the emulated controller guarantees it.
  EXPECT_LE(packet.size(), packet_size_);
  if (mode_ == Mode::kRawEcho) {
    OnRawPacket(packet);
  } else {
    OnFramePacket(packet);
  }
}

void HsmUsbFunction::OnFramePacket(std::span<const uint8_t> packet) {
  if (packet.empty()) {
    if (awaiting_zlp_) {
      frames_.back().zlp_after = true;
    } else {
      ++stray_zlps_;
    }
    awaiting_zlp_ = false;
    return;
  }
  awaiting_zlp_ = false;  // a frame that needed one and did not get it keeps zlp_after false
  receiver_->Feed(
      packet,
      [&](const wire::FrameHeader& header, std::span<const uint8_t> payload) {
        const size_t length = wire::kHeaderSize + payload.size() + wire::kCrcSize;
        frames_.push_back(FrameRecord{length, false});
        awaiting_zlp_ = length % packet_size_ == 0;
        size_t n = responder_(header, payload, response_);
        if (n == 0) return;
        if (withhold_) {
          withheld_.emplace_back(response_.begin(), response_.begin() + static_cast<long>(n));
        } else {
          Send(std::span<const uint8_t>(response_.data(), n));
        }
      },
      [&](wire::RxError) { ++rx_errors_; });
}

void HsmUsbFunction::OnRawPacket(std::span<const uint8_t> packet) {
  raw_transfer_.insert(raw_transfer_.end(), packet.begin(), packet.end());
  if (packet.size() == packet_size_) return;  // the transfer goes on
  transfers_.push_back(TransferRecord{raw_transfer_.size(), packet.empty()});
  if (withhold_) {
    withheld_.push_back(raw_transfer_);
  } else {
    Send(raw_transfer_);
  }
  raw_transfer_.clear();
}

void HsmUsbFunction::Send(std::span<const uint8_t> bytes) {
  wire::ForEachPacket(bytes, packet_size_, /*zlp=*/true, [&](std::span<const uint8_t> p) {
    ready_.emplace_back(p.begin(), p.end());
    return true;
  });
}

void HsmUsbFunction::ReleaseWithheld() {
  for (const auto& bytes : withheld_) Send(bytes);
  withheld_.clear();
}

void HsmUsbFunction::TakeInPackets(std::deque<std::vector<uint8_t>>* queue) {
  while (!ready_.empty()) {
    queue->push_back(std::move(ready_.front()));
    ready_.pop_front();
  }
}

void HsmUsbFunction::ClearRecords() {
  frames_.clear();
  transfers_.clear();
  stray_zlps_ = 0;
  rx_errors_ = 0;
}

}  // namespace p11::testing
