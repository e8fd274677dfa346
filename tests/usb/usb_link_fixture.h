// The fixture the UsbLink tests share: one emulated HSM plugged into a umockdev testbed, the
// Arca transport (OpenUsb, Client) reaching it through the stock libusb, and checks on what
// went over the emulated bus. Tests skip when the process is not under umockdev-wrapper.
#pragma once

#include <gtest/gtest.h>
#include <linux/usbdevice_fs.h>

#include <chrono>
#include <memory>
#include <thread>

#include "emulated_usb_device.h"
#include "hsm_usb_function.h"
#include "transport/client.h"
#include "transport/usb_link.h"

namespace p11::testing {

class UsbLinkFixture : public ::testing::Test {
 protected:
  using Clock = std::chrono::steady_clock;

  void SetUp() override {
    if (!EmulatedUsbDevice::InMockEnvironment()) {
      GTEST_SKIP() << "run under umockdev-wrapper (libumockdev-preload)";
    }
  }
  void TearDown() override {
    client_.reset();
    link_.reset();
    device_.reset();
    function_.reset();
  }

  void Plug(FrameResponder responder, const UsbDeviceConfig& config = UsbDeviceConfig()) {
    config_ = config;
    function_ = std::make_unique<HsmUsbFunction>(config.packet_size, std::move(responder));
    device_ = std::make_unique<EmulatedUsbDevice>(config, function_.get());
  }

  transport::UsbMatch Match() const { return transport::UsbMatch{config_.vid, config_.pid, ""}; }

  transport::LinkFactory Factory() const {
    transport::UsbMatch match = Match();
    return [match] { return transport::OpenUsb(match); };
  }

  void MakeClient(std::chrono::milliseconds timeout) {
    transport::ClientOptions options;
    options.timeout = timeout;
    options.slow_timeout = timeout;
    client_ = std::make_unique<transport::Client>(Factory(), options);
  }

  // Every bulk URB went to the endpoints the descriptors name, no IN URB could overflow, and
  // libusb issued no ioctl the emulation does not know.
  void ExpectCleanBus() {
    auto lock = device_->Lock();
    EXPECT_EQ(device_->bad_endpoint_urbs(), 0);
    EXPECT_EQ(device_->overflows(), 0);
    EXPECT_TRUE(device_->unknown_ioctls().empty());
    for (const UrbRecord& urb : device_->bulk_urbs()) {
      EXPECT_EQ(urb.type, USBDEVFS_URB_TYPE_BULK);
      EXPECT_TRUE(urb.endpoint == config_.ep_out || urb.endpoint == config_.ep_in)
          << std::hex << int{urb.endpoint};
      if (urb.endpoint == config_.ep_in) {
        EXPECT_EQ(urb.buffer_length % config_.packet_size, 0);
      }
    }
  }

  // Every frame the device received followed the zero-length-packet rule.
  void ExpectZlpRule() {
    auto lock = device_->Lock();
    for (const auto& frame : function_->frames()) {
      EXPECT_EQ(frame.zlp_after, frame.length % config_.packet_size == 0)
          << "frame of " << frame.length << " bytes";
    }
    EXPECT_EQ(function_->stray_zlps(), 0);
    EXPECT_EQ(function_->rx_errors(), 0);
  }

  // OUT URBs that put a zero-length packet on the bus: an empty URB, or one flagged
  // USBDEVFS_URB_ZERO_PACKET that ends on a packet boundary (libusb's two ways).
  int ZeroLengthOutUrbs() {
    auto lock = device_->Lock();
    int n = 0;
    for (const UrbRecord& urb : device_->bulk_urbs()) {
      if (urb.endpoint != config_.ep_out) continue;
      bool flagged = (urb.flags & USBDEVFS_URB_ZERO_PACKET) != 0 &&
                     urb.buffer_length % config_.packet_size == 0;
      if (urb.buffer_length == 0 || flagged) ++n;
    }
    return n;
  }

  // Unplugs the device from another thread after `delay`.
  std::thread UnplugLater(std::chrono::milliseconds delay) {
    return std::thread([this, delay] {
      std::this_thread::sleep_for(delay);
      device_->Unplug();
    });
  }

  UsbDeviceConfig config_;
  std::unique_ptr<HsmUsbFunction> function_;
  std::unique_ptr<EmulatedUsbDevice> device_;
  std::unique_ptr<transport::Link> link_;
  std::unique_ptr<transport::Client> client_;
};

}  // namespace p11::testing
