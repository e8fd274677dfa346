// UsbLink and the Client over the real libusb code path: enumeration by VID:PID with the
// serial, claim with the endpoint addresses the descriptors give, bulk round trips of every
// size around the 512-byte packet boundary up to the largest frame, the zero-length-packet
// rule both ways, a device that does not answer, and an unplug in the middle of a call. The
// device here echoes (frames, or raw transfers); usb_core_umockdev_test.cpp puts the firmware
// core behind it.
#include <algorithm>
#include <numeric>
#include <vector>

#include "usb_link_fixture.h"

namespace p11::testing {
namespace {

using std::chrono::milliseconds;
using transport::LinkStatus;

constexpr milliseconds kIo{2000};

std::vector<uint8_t> Pattern(size_t size) {
  std::vector<uint8_t> bytes(size);
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<uint8_t>(i * 7 + size);
  return bytes;
}

class UsbLinkTest : public UsbLinkFixture {
 protected:
  // Reads until `want` bytes came (zero-length reads are the device's ZLPs), or fails.
  std::vector<uint8_t> ReadExactly(size_t want) {
    std::vector<uint8_t> got, buffer(wire::kMaxFrame);
    auto deadline = Clock::now() + kIo;
    while (got.size() < want && Clock::now() < deadline) {
      size_t n = 0;
      LinkStatus status = link_->Read(buffer, &n, kIo);
      got.insert(got.end(), buffer.begin(), buffer.begin() + static_cast<long>(n));
      if (status != LinkStatus::kOk) {
        ADD_FAILURE() << "read: " << transport::LinkStatusName(status);
        break;
      }
    }
    return got;
  }
};

TEST_F(UsbLinkTest, EnumeratesByVidPidWithSerial) {
  Plug(EchoResponder());
  auto found = transport::EnumerateUsb(config_.vid, config_.pid);
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].bus, config_.busnum);
  EXPECT_EQ((*found)[0].address, config_.devnum);
  EXPECT_EQ((*found)[0].serial, config_.serial);

  auto other_pid = transport::EnumerateUsb(config_.vid, config_.pid + 1);
  ASSERT_TRUE(other_pid.ok());
  EXPECT_TRUE(other_pid->empty());
  auto other_vid = transport::EnumerateUsb(config_.vid + 1, config_.pid);
  ASSERT_TRUE(other_vid.ok());
  EXPECT_TRUE(other_vid->empty());
}

TEST_F(UsbLinkTest, OpenMatchesSerial) {
  Plug(EchoResponder());
  auto by_serial = transport::OpenUsb({config_.vid, config_.pid, config_.serial});
  ASSERT_TRUE(by_serial.ok()) << by_serial.rv();
  EXPECT_NE((*by_serial)->Describe().find(config_.serial), std::string::npos);
  by_serial->reset();  // hands the interface back before the next open claims it

  auto wrong_serial = transport::OpenUsb({config_.vid, config_.pid, "NOT-THIS-ONE"});
  EXPECT_EQ(wrong_serial.rv(), CKR_DEVICE_REMOVED);
  auto wrong_pid = transport::OpenUsb({config_.vid, static_cast<uint16_t>(config_.pid + 1), ""});
  EXPECT_EQ(wrong_pid.rv(), CKR_DEVICE_REMOVED);
}

// The interface and endpoints come from the descriptors: two layouts, neither 0x01/0x81.
TEST_F(UsbLinkTest, ClaimsAndUsesDescriptorEndpoints) {
  for (auto [out, in] : {std::pair<uint8_t, uint8_t>{0x02, 0x81}, {0x05, 0x86}}) {
    SCOPED_TRACE(::testing::Message() << std::hex << int{out} << "/" << int{in});
    UsbDeviceConfig config;
    config.ep_out = out;
    config.ep_in = in;
    link_.reset();
    device_.reset();
    Plug(EchoResponder(), config);
    {
      auto lock = device_->Lock();
      function_->set_mode(HsmUsbFunction::Mode::kRawEcho);
    }
    auto link = transport::OpenUsb(Match());
    ASSERT_TRUE(link.ok()) << link.rv();
    link_ = std::move(*link);
    EXPECT_EQ(link_->packet_size(), 512u);
    {
      auto lock = device_->Lock();
      ASSERT_EQ(device_->claimed().size(), 1u);
      EXPECT_EQ(device_->claimed()[0], config.interface_number);
    }
    std::vector<uint8_t> bytes = Pattern(100);
    ASSERT_EQ(link_->Write(bytes, kIo), LinkStatus::kOk);
    EXPECT_EQ(ReadExactly(bytes.size()), bytes);
    ExpectCleanBus();
    auto lock = device_->Lock();
    bool saw_out = false, saw_in = false;
    for (const UrbRecord& urb : device_->bulk_urbs()) {
      saw_out |= urb.endpoint == out;
      saw_in |= urb.endpoint == in;
    }
    EXPECT_TRUE(saw_out && saw_in);
  }
}

// Below framing: each Write is one bulk transfer the device sees end (short packet or ZLP).
TEST_F(UsbLinkTest, RawTransfersOfEverySize) {
  Plug(EchoResponder());
  {
    auto lock = device_->Lock();
    function_->set_mode(HsmUsbFunction::Mode::kRawEcho);
  }
  auto link = transport::OpenUsb(Match());
  ASSERT_TRUE(link.ok()) << link.rv();
  link_ = std::move(*link);
  const std::vector<size_t> sizes = {1, 63, 64, 65, 511, 512, 513, 16384};
  for (size_t size : sizes) {
    SCOPED_TRACE(size);
    std::vector<uint8_t> bytes = Pattern(size);
    ASSERT_EQ(link_->Write(bytes, kIo), LinkStatus::kOk);
    EXPECT_EQ(ReadExactly(size), bytes);
  }
  ExpectCleanBus();
  EXPECT_EQ(ZeroLengthOutUrbs(), 2);  // after 512 and 16384 only
  auto lock = device_->Lock();
  ASSERT_EQ(function_->transfers().size(), sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i) {
    EXPECT_EQ(function_->transfers()[i].length, sizes[i]);
    EXPECT_EQ(function_->transfers()[i].ended_by_zlp, sizes[i] % 512 == 0) << sizes[i];
  }
}

// Reads into less than a packet still get every byte (the link bounces a whole packet).
TEST_F(UsbLinkTest, ReadsIntoSmallBuffers) {
  Plug(EchoResponder());
  {
    auto lock = device_->Lock();
    function_->set_mode(HsmUsbFunction::Mode::kRawEcho);
  }
  auto link = transport::OpenUsb(Match());
  ASSERT_TRUE(link.ok()) << link.rv();
  link_ = std::move(*link);
  std::vector<uint8_t> bytes = Pattern(700), got;
  ASSERT_EQ(link_->Write(bytes, kIo), LinkStatus::kOk);
  uint8_t small[100];
  while (got.size() < bytes.size()) {
    size_t n = 0;
    ASSERT_EQ(link_->Read(small, &n, kIo), LinkStatus::kOk);
    got.insert(got.end(), small, small + n);
  }
  EXPECT_EQ(got, bytes);
  ExpectCleanBus();
}

// Whole frames through the Client: every size from the smallest frame to the largest, both
// directions, the ZLP rule checked by the device on the way in and exercised on the way out.
TEST_F(UsbLinkTest, ClientRoundTripsAcrossPacketBoundaries) {
  Plug(EchoResponder());
  MakeClient(kIo);
  const size_t overhead = wire::kHeaderSize + wire::kCrcSize;
  const std::vector<size_t> frame_sizes = {overhead, 63,   64,   65,   511,  512,
                                           513,      1024, 1025, 8192, 16384};
  for (size_t frame : frame_sizes) {
    SCOPED_TRACE(frame);
    std::vector<uint8_t> payload = Pattern(frame - overhead);
    auto answer = client_->Exchange(wire::Op::kDigest, payload, kIo);
    ASSERT_TRUE(answer.ok()) << answer.rv();
    EXPECT_TRUE(answer->Equals(payload));
  }
  ExpectCleanBus();
  ExpectZlpRule();
  EXPECT_EQ(ZeroLengthOutUrbs(), 4);  // after the frames of 512, 1024, 8192 and 16384 bytes
  auto lock = device_->Lock();
  ASSERT_EQ(function_->frames().size(), frame_sizes.size());
  for (size_t i = 0; i < frame_sizes.size(); ++i) {
    EXPECT_EQ(function_->frames()[i].length, frame_sizes[i]);
  }
  EXPECT_EQ(client_->stats().reconnects, 0u);
}

// A full-speed device (64-byte packets): the same rule at the other packet size.
TEST_F(UsbLinkTest, FullSpeedDevice) {
  UsbDeviceConfig config;
  config.packet_size = 64;
  Plug(EchoResponder(), config);
  MakeClient(kIo);
  for (size_t frame : {63, 64, 65, 128, 512, 513}) {
    SCOPED_TRACE(frame);
    std::vector<uint8_t> payload = Pattern(frame - wire::kHeaderSize - wire::kCrcSize);
    auto answer = client_->Exchange(wire::Op::kDigest, payload, kIo);
    ASSERT_TRUE(answer.ok()) << answer.rv();
    EXPECT_TRUE(answer->Equals(payload));
  }
  ExpectCleanBus();
  ExpectZlpRule();
  EXPECT_EQ(ZeroLengthOutUrbs(), 3);  // after 64, 128 and 512
}

// A device that does not answer: CKR_DEVICE_ERROR once the timeout has passed (not before,
// not much after); its late answer is dropped as stale and the next call gets its own.
TEST_F(UsbLinkTest, SilentDeviceTimesOutAndNextCallWorks) {
  Plug(EchoResponder());
  const milliseconds timeout{400};
  MakeClient(timeout);
  std::vector<uint8_t> first = Pattern(40), second = Pattern(41);
  ASSERT_TRUE(client_->Exchange(wire::Op::kDigest, first, timeout).ok());
  {
    auto lock = device_->Lock();
    function_->set_withhold(true);
  }
  auto start = Clock::now();
  auto lost = client_->Exchange(wire::Op::kDigest, first, timeout);
  auto elapsed = Clock::now() - start;
  EXPECT_EQ(lost.rv(), CKR_DEVICE_ERROR);
  EXPECT_GE(elapsed, timeout - milliseconds(20));
  EXPECT_LT(elapsed, timeout + milliseconds(1500));
  EXPECT_EQ(client_->stats().timeouts, 1u);
  {
    auto lock = device_->Lock();
    EXPECT_EQ(function_->withheld(), 1u);
    function_->set_withhold(false);
    function_->ReleaseWithheld();  // the late answer is now waiting on the IN endpoint
  }
  auto next = client_->Exchange(wire::Op::kDigest, second, timeout);
  ASSERT_TRUE(next.ok()) << next.rv();
  EXPECT_TRUE(next->Equals(second));
  EXPECT_GE(client_->stats().dropped, 1u);
  ExpectCleanBus();
}

TEST_F(UsbLinkTest, LinkReportsTimeoutThenGone) {
  Plug(EchoResponder());
  auto link = transport::OpenUsb(Match());
  ASSERT_TRUE(link.ok()) << link.rv();
  link_ = std::move(*link);
  std::vector<uint8_t> buffer(wire::kMaxFrame);
  size_t n = 0;
  EXPECT_EQ(link_->Read(buffer, &n, milliseconds(100)), LinkStatus::kTimeout);
  EXPECT_EQ(n, 0u);
  std::thread unplug = UnplugLater(milliseconds(100));
  auto start = Clock::now();
  EXPECT_EQ(link_->Read(buffer, &n, milliseconds(3000)), LinkStatus::kGone);
  EXPECT_LT(Clock::now() - start, milliseconds(2000));
  unplug.join();
  std::vector<uint8_t> bytes = Pattern(30);
  EXPECT_EQ(link_->Write(bytes, kIo), LinkStatus::kGone);
}

// Unplugged while a call waits for its answer: CKR_DEVICE_REMOVED long before the timeout,
// and so on for later calls (nothing to reconnect to).
TEST_F(UsbLinkTest, UnplugMidCallIsDeviceRemoved) {
  Plug(EchoResponder());
  const milliseconds timeout{5000};
  MakeClient(timeout);
  std::vector<uint8_t> payload = Pattern(100);
  ASSERT_TRUE(client_->Exchange(wire::Op::kDigest, payload, timeout).ok());
  {
    auto lock = device_->Lock();
    function_->set_withhold(true);
  }
  std::thread unplug = UnplugLater(milliseconds(150));
  auto start = Clock::now();
  auto during = client_->Exchange(wire::Op::kDigest, payload, timeout);
  auto elapsed = Clock::now() - start;
  unplug.join();
  EXPECT_EQ(during.rv(), CKR_DEVICE_REMOVED);
  EXPECT_LT(elapsed, milliseconds(2000));
  EXPECT_FALSE(client_->connected());
  auto after = client_->Exchange(wire::Op::kDigest, payload, timeout);
  EXPECT_EQ(after.rv(), CKR_DEVICE_REMOVED);
  auto found = transport::EnumerateUsb(config_.vid, config_.pid);
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(found->empty());
}

// Unplugged between calls: the next write finds the device gone.
TEST_F(UsbLinkTest, UnplugBetweenCallsIsDeviceRemoved) {
  Plug(EchoResponder());
  MakeClient(kIo);
  std::vector<uint8_t> payload = Pattern(600);
  ASSERT_TRUE(client_->Exchange(wire::Op::kDigest, payload, kIo).ok());
  device_->Unplug();
  auto start = Clock::now();
  EXPECT_EQ(client_->Exchange(wire::Op::kDigest, payload, kIo).rv(), CKR_DEVICE_REMOVED);
  EXPECT_LT(Clock::now() - start, milliseconds(1500));
}

}  // namespace
}  // namespace p11::testing
