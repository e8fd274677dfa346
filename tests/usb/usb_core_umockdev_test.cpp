// The firmware core behind the emulated USB device: hsm::Core (mbedTLS crypto, a RAM flash)
// answers the frames UsbLink carries through the stock libusb, and the Client's typed calls
// come back decoded. Request and response frames are sized around the 512-byte packet
// boundary (GetRandom sizes the response, Digest the request), up to a 16384-byte frame the
// core must refuse with a status, not lose; a stalled core times out; an unplug mid-call is
// CKR_DEVICE_REMOVED.
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <vector>

#include "core/core.h"
#include "keystore/flash.h"
#include "keystore/record_store.h"
#include "transport/status_map.h"
#include "usb_link_fixture.h"
#include "workers/entropy.h"
#include "workers/mbedtls_crypto.h"

namespace p11::testing {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kIo{3000};
constexpr char kSerial[] = "ARCA-USB-0042";
constexpr size_t kOverhead = wire::kHeaderSize + wire::kCrcSize;

// NOR flash in RAM: erased bytes read 0xFF, programming clears bits.
class TestFlash final : public hsm::Flash {
 public:
  static constexpr size_t kSectorSize = (hsm::kMinSectorSize + 4095) / 4096 * 4096;
  static constexpr size_t kSectors = 6;

  size_t sector_size() const override { return kSectorSize; }
  size_t sector_count() const override { return kSectors; }
  hsm::Status Read(size_t offset, std::span<uint8_t> out) override {
    if (offset > bytes_.size() || out.size() > bytes_.size() - offset) {
      return hsm::Status::kFlashError;
    }
    std::copy_n(bytes_.begin() + static_cast<long>(offset), out.size(), out.begin());
    return hsm::Status::kOk;
  }
  hsm::Status Program(size_t offset, std::span<const uint8_t> data) override {
    if (offset > bytes_.size() || data.size() > bytes_.size() - offset) {
      return hsm::Status::kFlashError;
    }
    for (size_t i = 0; i < data.size(); ++i) bytes_[offset + i] &= data[i];
    return hsm::Status::kOk;
  }
  hsm::Status Erase(size_t sector) override {
    if (sector >= kSectors) return hsm::Status::kFlashError;
    std::fill_n(bytes_.begin() + static_cast<long>(sector * kSectorSize), kSectorSize, 0xFF);
    return hsm::Status::kOk;
  }

 private:
  std::vector<uint8_t> bytes_ = std::vector<uint8_t>(kSectorSize * kSectors, 0xFF);
};

// Reproducible "entropy": a test needs no real randomness, only a seeded DRBG.
class CountingEntropy final : public hsm::EntropySource {
 public:
  hsm::Status Gather(std::span<uint8_t> out) override {
    for (uint8_t& b : out) b = static_cast<uint8_t>(next_++ * 131 + 17);
    return hsm::Status::kOk;
  }

 private:
  uint32_t next_ = 1;
};

// One emulated HSM board: the core and everything it is wired to.
struct Board {
  Board() : crypto(entropy), records(flash) {
    std::array<uint8_t, 32> unique_key;
    for (size_t i = 0; i < unique_key.size(); ++i) unique_key[i] = static_cast<uint8_t>(i + 1);
    hsm::DeviceIdentity identity;
    identity.serial = std::span<const char>(kSerial, std::strlen(kSerial));
    identity.fw_major = 1;
    identity.unique_key = unique_key;
    hsm::CoreOptions options;
    options.pin_iterations = 1;
    core = std::make_unique<hsm::Core>(crypto, records, identity, options);
  }
  bool Start() { return crypto.Init() == hsm::Status::kOk && core->Start() == hsm::Status::kOk; }

  CountingEntropy entropy;
  hsm::MbedCrypto crypto;
  TestFlash flash;
  hsm::RecordStore records;
  std::unique_ptr<hsm::Core> core;
};

std::vector<uint8_t> Sha256(std::span<const uint8_t> data) {
  std::vector<uint8_t> digest(32);
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &n, EVP_sha256(), nullptr);
  digest.resize(n);
  return digest;
}

class UsbCoreTest : public UsbLinkFixture {
 protected:
  void SetUp() override {
    UsbLinkFixture::SetUp();
    if (IsSkipped()) return;
    board_ = std::make_unique<Board>();
    ASSERT_TRUE(board_->Start());
    hsm::Core* core = board_->core.get();
    Plug([core](const wire::FrameHeader& header, std::span<const uint8_t> payload,
                std::span<uint8_t> out) { return core->Process(header, payload, out); });
    MakeClient(kIo);
  }
  void TearDown() override {
    UsbLinkFixture::TearDown();  // the device (and its ioctl thread's use of the core) first
    board_.reset();
  }

  // The length of the last response frame the device put on the bus is not recorded by the
  // function; the request side is. This returns the request frames seen.
  std::vector<size_t> RequestFrames() {
    auto lock = device_->Lock();
    std::vector<size_t> sizes;
    for (const auto& f : function_->frames()) sizes.push_back(f.length);
    return sizes;
  }

  std::unique_ptr<Board> board_;
};

TEST_F(UsbCoreTest, GetInfoCarriesTheDeviceSerial) {
  auto info = client_->Call<wire::Op::kGetInfo>(wire::Empty{});
  ASSERT_TRUE(info.ok()) << info.rv();
  std::string serial(info->msg.serial.span().begin(), info->msg.serial.span().end());
  EXPECT_EQ(serial, kSerial);
  EXPECT_EQ(info->msg.max_payload, wire::kMaxPayload);
  ExpectCleanBus();
  ExpectZlpRule();
}

// Response frames of 63, 64, 65, 511, 512, 513 and 1024 bytes and the largest random answer:
// the device ends those filling their last packet with a ZLP, the link takes it in stride.
TEST_F(UsbCoreTest, RandomResponsesAcrossPacketBoundaries) {
  const size_t rsp_overhead = kOverhead + 2;  // RandomRsp: one length-prefixed Bytes
  for (size_t frame : {63, 64, 65, 511, 512, 513, 1024}) {
    SCOPED_TRACE(frame);
    wire::RandomReq request;
    request.length = static_cast<uint16_t>(frame - rsp_overhead);
    auto random = client_->Call<wire::Op::kGetRandom>(request);
    ASSERT_TRUE(random.ok()) << random.rv();
    EXPECT_EQ(random->msg.bytes.span().size(), request.length);
    EXPECT_EQ(random->payload.size() + kOverhead, frame);
  }
  wire::RandomReq largest;
  largest.length = static_cast<uint16_t>(wire::kMaxRandom);
  auto random = client_->Call<wire::Op::kGetRandom>(largest);
  ASSERT_TRUE(random.ok()) << random.rv();
  EXPECT_EQ(random->msg.bytes.span().size(), wire::kMaxRandom);
  ExpectCleanBus();
  ExpectZlpRule();
  EXPECT_EQ(client_->stats().reconnects, 0u);
}

// Request frames of 63 … 8192 bytes and the largest Digest request; the digest proves the
// core got every byte in order.
TEST_F(UsbCoreTest, DigestRequestsAcrossPacketBoundaries) {
  const size_t req_overhead = kOverhead + 1 + 2;  // DigestReq: hash u8, length-prefixed data
  std::vector<size_t> frames = {63,  64,   65,   511,  512,
                                513, 1024, 4096, 8192, req_overhead + wire::kMaxData};
  for (size_t frame : frames) {
    SCOPED_TRACE(frame);
    std::vector<uint8_t> data(frame - req_overhead);
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i ^ (i >> 8));
    wire::DigestReq request;
    request.hash = wire::HashAlg::kSha256;
    request.data = wire::Bytes<wire::kMaxData>(std::span<const uint8_t>(data));
    auto digest = client_->Call<wire::Op::kDigest>(request);
    ASSERT_TRUE(digest.ok()) << digest.rv();
    auto got = digest->msg.digest.span();
    EXPECT_EQ(std::vector<uint8_t>(got.begin(), got.end()), Sha256(data));
  }
  EXPECT_EQ(RequestFrames(), frames);
  ExpectCleanBus();
  ExpectZlpRule();
  EXPECT_EQ(ZeroLengthOutUrbs(), 4);  // after 512, 1024, 4096 and 8192
}

// The largest frame the wire allows (16384 bytes, a multiple of 512) reaches the core whole,
// with its ZLP, and the core's refusal of an oversized Digest comes back as a status.
TEST_F(UsbCoreTest, LargestFrameIsAnsweredWithAStatus) {
  std::vector<uint8_t> payload(16384 - kOverhead, 0x11);
  payload[0] = static_cast<uint8_t>(wire::HashAlg::kSha256);
  payload[1] = static_cast<uint8_t>((payload.size() - 3) & 0xFF);
  payload[2] = static_cast<uint8_t>((payload.size() - 3) >> 8);
  auto answer = client_->Exchange(wire::Op::kDigest, payload, kIo);
  // kMalformed (data over kMaxData), which maps to CKR_DEVICE_ERROR: what shows it is the
  // device's answer and not a lost frame is that nothing timed out and the link stayed up.
  EXPECT_EQ(answer.rv(), transport::StatusToRv(hsm::Status::kMalformed));
  EXPECT_EQ(client_->stats().timeouts, 0u);
  EXPECT_TRUE(client_->connected());
  EXPECT_EQ(RequestFrames(), std::vector<size_t>{16384});
  ExpectZlpRule();
  // The device is still in step: the next call is answered.
  wire::RandomReq request;
  request.length = 16;
  EXPECT_TRUE(client_->Call<wire::Op::kGetRandom>(request).ok());
  ExpectCleanBus();
}

TEST_F(UsbCoreTest, StalledCoreTimesOutAndNextCallWorks) {
  const milliseconds timeout{500};
  MakeClient(timeout);
  wire::RandomReq request;
  request.length = 32;
  ASSERT_TRUE(client_->Call<wire::Op::kGetRandom>(request).ok());
  {
    auto lock = device_->Lock();
    function_->set_withhold(true);
  }
  auto start = Clock::now();
  auto stalled = client_->Call<wire::Op::kGetRandom>(request);
  auto elapsed = Clock::now() - start;
  EXPECT_EQ(stalled.rv(), CKR_DEVICE_ERROR);
  EXPECT_GE(elapsed, timeout - milliseconds(20));
  EXPECT_LT(elapsed, timeout + milliseconds(1500));
  {
    auto lock = device_->Lock();
    function_->set_withhold(false);
    function_->ReleaseWithheld();  // a late answer to the request that timed out
  }
  request.length = 48;
  auto next = client_->Call<wire::Op::kGetRandom>(request);
  ASSERT_TRUE(next.ok()) << next.rv();
  EXPECT_EQ(next->msg.bytes.span().size(), 48u);  // its own answer, not the stale 32 bytes
  EXPECT_EQ(client_->stats().timeouts, 1u);
  ExpectCleanBus();
}

TEST_F(UsbCoreTest, UnplugMidCallIsDeviceRemoved) {
  ASSERT_TRUE(client_->Call<wire::Op::kGetInfo>(wire::Empty{}).ok());
  {
    auto lock = device_->Lock();
    function_->set_withhold(true);
  }
  std::thread unplug = UnplugLater(milliseconds(150));
  auto start = Clock::now();
  auto during = client_->Call<wire::Op::kGetInfo>(wire::Empty{});
  auto elapsed = Clock::now() - start;
  unplug.join();
  EXPECT_EQ(during.rv(), CKR_DEVICE_REMOVED);
  EXPECT_LT(elapsed, milliseconds(2000));
  EXPECT_EQ(client_->Call<wire::Op::kGetInfo>(wire::Empty{}).rv(), CKR_DEVICE_REMOVED);
}

// Plugged back in (the same board: its flash keeps the token), the client reconnects on the
// next call by itself.
TEST_F(UsbCoreTest, ReplugReconnects) {
  ASSERT_TRUE(client_->Call<wire::Op::kGetInfo>(wire::Empty{}).ok());
  device_->Unplug();
  EXPECT_EQ(client_->Call<wire::Op::kGetInfo>(wire::Empty{}).rv(), CKR_DEVICE_REMOVED);
  device_.reset();
  hsm::Core* core = board_->core.get();
  core->Reset();  // a USB reset on re-enumeration
  Plug([core](const wire::FrameHeader& header, std::span<const uint8_t> payload,
              std::span<uint8_t> out) { return core->Process(header, payload, out); });
  auto info = client_->Call<wire::Op::kGetInfo>(wire::Empty{});
  ASSERT_TRUE(info.ok()) << info.rv();
  EXPECT_EQ(client_->stats().reconnects, 1u);
  ExpectCleanBus();
}

// Many threads on one device: the client serialises them and each gets its own answer.
TEST_F(UsbCoreTest, ConcurrentCallsEachGetTheirOwnAnswer) {
  constexpr int kThreads = 4, kCalls = 25;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        wire::RandomReq request;
        request.length = static_cast<uint16_t>(1 + t * 300 + i);  // crosses 512 for some
        auto random = client_->Call<wire::Op::kGetRandom>(request);
        if (!random.ok() || random->msg.bytes.span().size() != request.length) ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(client_->stats().timeouts, 0u);
  ExpectCleanBus();
  ExpectZlpRule();
}

}  // namespace
}  // namespace p11::testing
