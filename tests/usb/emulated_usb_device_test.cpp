// Proves the emulated device with the stock libusb alone, before any Arca code is involved:
// libusb enumerates it from the umockdev sysfs, reads its descriptors and serial, claims its
// interface and moves bulk transfers through the usbdevfs ioctls the handler answers — with
// the packet, zero-length-packet, timeout and unplug behaviour the UsbLink tests rely on.
#include "emulated_usb_device.h"

#include <gtest/gtest.h>
#include <libusb-1.0/libusb.h>
#include <linux/usbdevice_fs.h>
#include <sys/ioctl.h>

#include <chrono>
#include <numeric>
#include <thread>
#include <vector>

#include "hsm_usb_function.h"

namespace p11::testing {
namespace {

class EmulatedUsbDeviceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!EmulatedUsbDevice::InMockEnvironment()) {
      GTEST_SKIP() << "run under umockdev-wrapper (libumockdev-preload)";
    }
    function_ = std::make_unique<HsmUsbFunction>(config_.packet_size, EchoResponder());
    device_ = std::make_unique<EmulatedUsbDevice>(config_, function_.get());
    ASSERT_EQ(libusb_init(&ctx_), 0);
  }
  void TearDown() override {
    if (handle_ != nullptr) {
      libusb_release_interface(handle_, config_.interface_number);
      libusb_close(handle_);
    }
    if (ctx_ != nullptr) libusb_exit(ctx_);
    device_.reset();
  }

  void OpenAndClaim() {
    handle_ = libusb_open_device_with_vid_pid(ctx_, config_.vid, config_.pid);
    ASSERT_NE(handle_, nullptr);
    ASSERT_EQ(libusb_claim_interface(handle_, config_.interface_number), 0);
  }

  UsbDeviceConfig config_;
  std::unique_ptr<HsmUsbFunction> function_;
  std::unique_ptr<EmulatedUsbDevice> device_;
  libusb_context* ctx_ = nullptr;
  libusb_device_handle* handle_ = nullptr;
};

TEST_F(EmulatedUsbDeviceTest, EnumeratesWithDescriptors) {
  libusb_device** list = nullptr;
  ssize_t n = libusb_get_device_list(ctx_, &list);
  ASSERT_EQ(n, 1);
  libusb_device_descriptor desc{};
  ASSERT_EQ(libusb_get_device_descriptor(list[0], &desc), 0);
  EXPECT_EQ(desc.idVendor, config_.vid);
  EXPECT_EQ(desc.idProduct, config_.pid);
  EXPECT_EQ(desc.iSerialNumber, 3);
  EXPECT_EQ(libusb_get_bus_number(list[0]), config_.busnum);
  EXPECT_EQ(libusb_get_device_address(list[0]), config_.devnum);
  EXPECT_EQ(libusb_get_device_speed(list[0]), LIBUSB_SPEED_HIGH);
  libusb_config_descriptor* cfg = nullptr;
  ASSERT_EQ(libusb_get_active_config_descriptor(list[0], &cfg), 0);
  ASSERT_EQ(cfg->bNumInterfaces, 1);
  const libusb_interface_descriptor& alt = cfg->interface[0].altsetting[0];
  EXPECT_EQ(alt.bInterfaceClass, 0xFF);
  ASSERT_EQ(alt.bNumEndpoints, 2);
  EXPECT_EQ(alt.endpoint[0].bEndpointAddress, config_.ep_out);
  EXPECT_EQ(alt.endpoint[1].bEndpointAddress, config_.ep_in);
  EXPECT_EQ(alt.endpoint[1].wMaxPacketSize, 512);
  libusb_free_config_descriptor(cfg);
  libusb_free_device_list(list, 1);
}

TEST_F(EmulatedUsbDeviceTest, ReadsSerialString) {
  OpenAndClaim();
  unsigned char serial[64] = {};
  int n = libusb_get_string_descriptor_ascii(handle_, 3, serial, sizeof(serial));
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(serial), n), config_.serial);
  auto lock = device_->Lock();
  ASSERT_EQ(device_->claimed().size(), 1u);
  EXPECT_EQ(device_->claimed()[0], config_.interface_number);
}

// A raw bulk transfer of each size comes back whole; the device saw the transfer end (short
// packet, or the zero-length packet the host added for a multiple of 512).
TEST_F(EmulatedUsbDeviceTest, RawBulkEchoWithZeroLengthPackets) {
  OpenAndClaim();
  {
    auto lock = device_->Lock();
    function_->set_mode(HsmUsbFunction::Mode::kRawEcho);
  }
  for (size_t size : {1, 63, 64, 65, 511, 512, 513, 1024, 16384}) {
    SCOPED_TRACE(size);
    std::vector<uint8_t> out(size);
    std::iota(out.begin(), out.end(), static_cast<uint8_t>(size));
    int sent = 0;
    ASSERT_EQ(libusb_bulk_transfer(handle_, config_.ep_out, out.data(), static_cast<int>(size),
                                   &sent, 2000),
              0);
    ASSERT_EQ(sent, static_cast<int>(size));
    if (size % 512 == 0) {  // the zero-length packet, as a separate transfer
      ASSERT_EQ(libusb_bulk_transfer(handle_, config_.ep_out, out.data(), 0, &sent, 2000), 0);
    }
    std::vector<uint8_t> in(16384 + 512);
    int got = 0;
    ASSERT_EQ(libusb_bulk_transfer(handle_, config_.ep_in, in.data(), static_cast<int>(in.size()),
                                   &got, 2000),
              0);
    ASSERT_EQ(got, static_cast<int>(size));
    EXPECT_TRUE(std::equal(out.begin(), out.end(), in.begin()));
  }
  auto lock = device_->Lock();
  ASSERT_EQ(function_->transfers().size(), 9u);
  for (const auto& t : function_->transfers()) EXPECT_EQ(t.ended_by_zlp, t.length % 512 == 0);
  EXPECT_EQ(device_->overflows(), 0);
  EXPECT_EQ(device_->bad_endpoint_urbs(), 0);
  EXPECT_TRUE(device_->unknown_ioctls().empty());
}

// libusb's other way to end a transfer on a packet boundary: LIBUSB_TRANSFER_ADD_ZERO_PACKET,
// which becomes USBDEVFS_URB_ZERO_PACKET on the one URB.
TEST_F(EmulatedUsbDeviceTest, ZeroPacketFlagEndsTransfer) {
  OpenAndClaim();
  {
    auto lock = device_->Lock();
    function_->set_mode(HsmUsbFunction::Mode::kRawEcho);
  }
  std::vector<uint8_t> out(1024, 0xA5);
  libusb_transfer* transfer = libusb_alloc_transfer(0);
  int done = 0;
  libusb_fill_bulk_transfer(
      transfer, handle_, config_.ep_out, out.data(), 1024,
      [](libusb_transfer* t) { *static_cast<int*>(t->user_data) = 1; }, &done, 2000);
  transfer->flags = LIBUSB_TRANSFER_ADD_ZERO_PACKET;
  ASSERT_EQ(libusb_submit_transfer(transfer), 0);
  while (done == 0) ASSERT_EQ(libusb_handle_events_completed(ctx_, &done), 0);
  EXPECT_EQ(transfer->status, LIBUSB_TRANSFER_COMPLETED);
  libusb_free_transfer(transfer);
  std::vector<uint8_t> in(2048);
  int got = 0;
  ASSERT_EQ(libusb_bulk_transfer(handle_, config_.ep_in, in.data(), 2048, &got, 2000), 0);
  EXPECT_EQ(got, 1024);
  auto lock = device_->Lock();
  ASSERT_EQ(function_->transfers().size(), 1u);
  EXPECT_TRUE(function_->transfers()[0].ended_by_zlp);
  EXPECT_EQ(device_->bulk_urbs()[0].flags & USBDEVFS_URB_ZERO_PACKET, USBDEVFS_URB_ZERO_PACKET);
}

// An IN buffer that is not a multiple of the packet size overflows on a full packet, as on
// real hardware.
TEST_F(EmulatedUsbDeviceTest, ShortInBufferOverflows) {
  OpenAndClaim();
  {
    auto lock = device_->Lock();
    function_->set_mode(HsmUsbFunction::Mode::kRawEcho);
  }
  std::vector<uint8_t> out(600, 0x5A);
  int sent = 0;
  ASSERT_EQ(libusb_bulk_transfer(handle_, config_.ep_out, out.data(), 600, &sent, 2000), 0);
  std::vector<uint8_t> in(100);
  int got = 0;
  EXPECT_EQ(libusb_bulk_transfer(handle_, config_.ep_in, in.data(), 100, &got, 2000),
            LIBUSB_ERROR_OVERFLOW);
  auto lock = device_->Lock();
  EXPECT_EQ(device_->overflows(), 1);
}

TEST_F(EmulatedUsbDeviceTest, WithheldResponseTimesOutAndIsDiscarded) {
  OpenAndClaim();
  {
    auto lock = device_->Lock();
    function_->set_mode(HsmUsbFunction::Mode::kRawEcho);
    function_->set_withhold(true);
  }
  std::vector<uint8_t> out(10, 1), in(512);
  int n = 0;
  ASSERT_EQ(libusb_bulk_transfer(handle_, config_.ep_out, out.data(), 10, &n, 2000), 0);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(libusb_bulk_transfer(handle_, config_.ep_in, in.data(), 512, &n, 200),
            LIBUSB_ERROR_TIMEOUT);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  {
    auto lock = device_->Lock();
    ASSERT_FALSE(device_->bulk_urbs().empty());
    EXPECT_TRUE(device_->bulk_urbs().back().discarded);
    function_->set_withhold(false);
    function_->ReleaseWithheld();
  }
  ASSERT_EQ(libusb_bulk_transfer(handle_, config_.ep_in, in.data(), 512, &n, 2000), 0);
  EXPECT_EQ(n, 10);
}

TEST_F(EmulatedUsbDeviceTest, UnplugEndsPendingReadWithNoDevice) {
  OpenAndClaim();
  {
    auto lock = device_->Lock();
    function_->set_withhold(true);
  }
  std::thread unplugger([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    device_->Unplug();
  });
  std::vector<uint8_t> in(512);
  int n = 0;
  EXPECT_EQ(libusb_bulk_transfer(handle_, config_.ep_in, in.data(), 512, &n, 3000),
            LIBUSB_ERROR_NO_DEVICE);
  unplugger.join();
  EXPECT_EQ(libusb_bulk_transfer(handle_, config_.ep_out, in.data(), 8, &n, 1000),
            LIBUSB_ERROR_NO_DEVICE);
  // libusb's hotplug thread takes the removal uevent asynchronously.
  ssize_t count = -1;
  for (int i = 0; i < 200 && count != 0; ++i) {
    libusb_device** list = nullptr;
    count = libusb_get_device_list(ctx_, &list);
    libusb_free_device_list(list, 1);
    if (count != 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(count, 0);
}

}  // namespace
}  // namespace p11::testing
