// Test harness for hsm::Core: a real Core on a RamFlash with MbedCrypto seeded from a
// deterministic entropy source, driven only through encoded frames, the way a port drives
// it. Every response is parsed back through wire::FrameReceiver (so its CRC and framing are
// checked too) and kept in a transcript, so tests can search everything the device ever
// said for key material. Also the OpenSSL helpers the tests check device results with.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/core.h"
#include "keystore/ram_flash.h"
#include "keystore/record_store.h"
#include "openssl_util.h"
#include "protocol/frame.h"
#include "protocol/messages.h"
#include "workers/entropy.h"
#include "workers/mbedtls_crypto.h"

namespace arca_test {

inline Bytes ToBytes(std::string_view s) { return Bytes(s.begin(), s.end()); }
inline std::span<const uint8_t> Span(const Bytes& b) { return {b.data(), b.size()}; }
inline Bytes Copy(std::span<const uint8_t> s) { return Bytes(s.begin(), s.end()); }
// Whether `needle` occurs anywhere in `haystack`.
inline bool Contains(std::span<const uint8_t> haystack, std::span<const uint8_t> needle) {
  if (needle.empty() || needle.size() > haystack.size()) return false;
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) !=
         haystack.end();
}

// xorshift-based, so every key and nonce a test run draws is reproducible.
class TestEntropy final : public hsm::EntropySource {
 public:
  explicit TestEntropy(uint64_t seed) : state_(seed) {}
  hsm::Status Gather(std::span<uint8_t> out) override {
    for (uint8_t& b : out) {
      state_ ^= state_ << 13;
      state_ ^= state_ >> 7;
      state_ ^= state_ << 17;
      b = static_cast<uint8_t>(state_ >> 24);
    }
    return hsm::Status::kOk;
  }

 private:
  uint64_t state_;
};

inline constexpr size_t kSectorSize = 16 * 1024;
inline constexpr size_t kSectorCount = 16;
inline const std::string kSoPin = "so-secret-42";
inline const std::string kUserPin = "user-1234";
// Lower than the production count so the lockout tests stay fast; the PIN logic is the same.
inline constexpr uint32_t kTestIterations = 1000;

using TestFlash = hsm::RamFlash<kSectorSize, kSectorCount>;

// Fault injection in front of the RamFlash: after `budget` more programs or erases every
// write fails, as if the power had gone (reads still work). Negative: no limit.
class CutFlash final : public hsm::Flash {
 public:
  explicit CutFlash(TestFlash& flash) : flash_(flash) {}
  void set_budget(long budget) { budget_ = budget; }
  size_t sector_size() const override { return flash_.sector_size(); }
  size_t sector_count() const override { return flash_.sector_count(); }
  hsm::Status Read(size_t offset, std::span<uint8_t> out) override {
    return flash_.Read(offset, out);
  }
  hsm::Status Program(size_t offset, std::span<const uint8_t> data) override {
    if (!Spend()) return hsm::Status::kFlashError;
    return flash_.Program(offset, data);
  }
  hsm::Status Erase(size_t sector) override {
    if (!Spend()) return hsm::Status::kFlashError;
    return flash_.Erase(sector);
  }

 private:
  bool Spend() {
    if (budget_ < 0) return true;
    if (budget_ == 0) return false;
    --budget_;
    return true;
  }
  TestFlash& flash_;
  long budget_ = -1;
};

// A decoded response: the status and, on kOk, the message (its Bytes point into `frame`).
template <wire::Op op>
struct Reply {
  hsm::Status status = hsm::Status::kInternal;
  typename wire::OpTraits<op>::Response rsp{};
  Bytes frame;
  Reply() = default;
  Reply(const Reply&) = delete;
  Reply(Reply&&) = default;
  bool ok() const { return status == hsm::Status::kOk; }
};

struct RawReply {
  wire::FrameHeader header;
  Bytes payload;
  size_t frames = 0;  // complete frames the response held (must be exactly 1)
};

class Device {
 public:
  Device();
  ~Device();

  // A new Core (and crypto, record store) on the same flash: a power cycle.
  void Restart();
  // A USB reset of the running core.
  void Reset() { core_->Reset(); }
  hsm::Core& core() { return *core_; }
  // Every write after the next `budget` fails (negative: none does).
  void CutPowerAfter(long budget) { cut_->set_budget(budget); }
  // Every byte of the flash.
  Bytes FlashImage();
  const std::vector<Bytes>& transcript() const { return transcript_; }

  // Sends one request frame with `payload` (header fields as given) and parses the response.
  RawReply Raw(uint16_t op, std::span<const uint8_t> payload, uint8_t flags = 0, uint16_t seq = 7);

  template <wire::Op op>
  Reply<op> Call(const typename wire::OpTraits<op>::Request& request) {
    Bytes payload(wire::kMaxPayload);
    hsm::Status s;
    size_t n = wire::EncodeMessage(request, std::span<uint8_t>(payload), &s);
    EXPECT_EQ(s, hsm::Status::kOk) << "request does not encode";
    payload.resize(n);
    RawReply raw = Raw(static_cast<uint16_t>(op), payload);
    Reply<op> reply;
    reply.status = static_cast<hsm::Status>(raw.header.status);
    reply.frame = std::move(raw.payload);
    if (reply.ok()) {
      EXPECT_EQ(wire::DecodeMessage(std::span<const uint8_t>(reply.frame), reply.rsp),
                hsm::Status::kOk)
          << "response does not decode";
    } else {
      EXPECT_TRUE(reply.frame.empty()) << "an error response carries no payload";
    }
    return reply;
  }

  // Common steps; each asserts success.
  void InitToken(const std::string& so_pin = kSoPin, const std::string& label = "arca-test");
  void Login(wire::User who, const std::string& pin);
  void Logout();
  // InitToken, SO sets the user PIN, the user logs in.
  void SetUpUser();

  wire::KeyId GenerateKey(wire::KeyType type, uint32_t flags, uint16_t length = 0);
  // Returns {public, private}; the public value into *public_value when given.
  std::pair<wire::KeyId, wire::KeyId> GenerateKeyPair(wire::KeyType type, uint32_t public_flags,
                                                      uint32_t private_flags,
                                                      Bytes* public_value = nullptr);
  wire::KeyId Import(wire::ObjectKind kind, wire::KeyType type, uint32_t flags,
                     std::span<const uint8_t> material, wire::KeyId unwrapping_key = 0);
  Bytes Sign(wire::KeyId key, wire::SignAlg alg, std::span<const uint8_t> data,
             wire::HashAlg hash = wire::HashAlg::kNone, uint16_t salt = 0);
  wire::InfoRsp Info(Bytes* frame);

 private:
  void Boot();

  uint8_t unique_key_[32];
  std::unique_ptr<TestFlash> flash_;
  std::unique_ptr<CutFlash> cut_;
  std::unique_ptr<TestEntropy> entropy_;
  std::unique_ptr<hsm::MbedCrypto> crypto_;
  std::unique_ptr<hsm::RecordStore> records_;
  std::unique_ptr<hsm::Core> core_;
  std::unique_ptr<wire::FrameReceiver> receiver_;
  Bytes response_buf_;
  std::vector<Bytes> transcript_;
  uint64_t boots_ = 0;
};

// ---- Device ----

inline Device::Device() : response_buf_(wire::kMaxFrame) {
  for (size_t i = 0; i < sizeof(unique_key_); ++i) unique_key_[i] = static_cast<uint8_t>(0xA0 + i);
  flash_ = std::make_unique<TestFlash>();
  cut_ = std::make_unique<CutFlash>(*flash_);
  Boot();
}

inline Device::~Device() = default;

inline void Device::Boot() {
  core_.reset();
  records_.reset();
  crypto_.reset();
  entropy_ = std::make_unique<TestEntropy>(0x5EED0000u + ++boots_);
  crypto_ = std::make_unique<hsm::MbedCrypto>(*entropy_);
  ASSERT_EQ(crypto_->Init(), hsm::Status::kOk);
  cut_->set_budget(-1);
  records_ = std::make_unique<hsm::RecordStore>(*cut_);
  static constexpr char kSerial[] = "ARCA0123456789AB";
  hsm::DeviceIdentity identity;
  identity.serial = std::span<const char>(kSerial, 16);
  identity.hw_major = 1;
  identity.fw_major = 0;
  identity.fw_minor = 3;
  identity.unique_key = unique_key_;
  hsm::CoreOptions options;
  options.pin_iterations = kTestIterations;
  core_ = std::make_unique<hsm::Core>(*crypto_, *records_, identity, options);
  receiver_ = std::make_unique<wire::FrameReceiver>();
  ASSERT_EQ(core_->Start(), hsm::Status::kOk);
}

inline void Device::Restart() { Boot(); }

inline Bytes Device::FlashImage() { return Copy(flash_->cells()); }

inline RawReply Device::Raw(uint16_t op, std::span<const uint8_t> payload, uint8_t flags,
                            uint16_t seq) {
  wire::FrameHeader header;
  header.flags = flags;
  header.op = op;
  header.seq = seq;
  header.length = static_cast<uint32_t>(payload.size());
  size_t n = core_->Process(header, payload, response_buf_);
  EXPECT_GT(n, 0u) << "no response frame";
  Bytes frame(response_buf_.begin(), response_buf_.begin() + n);
  transcript_.push_back(frame);
  RawReply reply;
  receiver_->Reset();
  receiver_->Feed(
      std::span<const uint8_t>(frame),
      [&](const wire::FrameHeader& h, std::span<const uint8_t> body) {
        reply.header = h;
        reply.payload.assign(body.begin(), body.end());
        ++reply.frames;
      },
      [](wire::RxError) { ADD_FAILURE() << "response frame rejected by the receiver"; });
  EXPECT_EQ(reply.frames, 1u);
  EXPECT_EQ(reply.header.flags, wire::kFlagResponse);
  EXPECT_EQ(reply.header.op, op);
  EXPECT_EQ(reply.header.seq, seq);
  return reply;
}

inline void Device::InitToken(const std::string& so_pin, const std::string& label) {
  wire::InitTokenReq req;
  Bytes pin = ToBytes(so_pin), lab = ToBytes(label);
  req.so_pin = Span(pin);
  req.label = Span(lab);
  ASSERT_EQ(Call<wire::Op::kInitToken>(req).status, hsm::Status::kOk);
}

inline void Device::Login(wire::User who, const std::string& pin) {
  wire::LoginReq req;
  Bytes p = ToBytes(pin);
  req.who = who;
  req.pin = Span(p);
  ASSERT_EQ(Call<wire::Op::kLogin>(req).status, hsm::Status::kOk);
}

inline void Device::Logout() {
  ASSERT_EQ(Call<wire::Op::kLogout>(wire::Empty{}).status, hsm::Status::kOk);
}

inline void Device::SetUpUser() {
  InitToken();
  Login(wire::User::kSo, kSoPin);
  wire::InitPinReq req;
  Bytes pin = ToBytes(kUserPin);
  req.pin = Span(pin);
  ASSERT_EQ(Call<wire::Op::kInitPin>(req).status, hsm::Status::kOk);
  Logout();
  Login(wire::User::kUser, kUserPin);
}

inline wire::KeyId Device::GenerateKey(wire::KeyType type, uint32_t flags, uint16_t length) {
  wire::GenerateKeyReq req;
  req.type = type;
  req.flags = flags;
  req.length = length;
  auto r = Call<wire::Op::kGenerateKey>(req);
  EXPECT_EQ(r.status, hsm::Status::kOk);
  return r.rsp.key;
}

inline std::pair<wire::KeyId, wire::KeyId> Device::GenerateKeyPair(wire::KeyType type,
                                                                   uint32_t public_flags,
                                                                   uint32_t private_flags,
                                                                   Bytes* public_value) {
  wire::GenerateKeyPairReq req;
  req.type = type;
  req.public_flags = public_flags;
  req.private_flags = private_flags;
  auto r = Call<wire::Op::kGenerateKeyPair>(req);
  EXPECT_EQ(r.status, hsm::Status::kOk);
  if (public_value != nullptr) *public_value = Copy(r.rsp.public_value.span());
  return {r.rsp.public_key, r.rsp.private_key};
}

inline wire::KeyId Device::Import(wire::ObjectKind kind, wire::KeyType type, uint32_t flags,
                                  std::span<const uint8_t> material, wire::KeyId unwrapping_key) {
  wire::ImportKeyReq req;
  req.kind = kind;
  req.type = type;
  req.flags = flags;
  req.material = material;
  req.unwrapping_key = unwrapping_key;
  auto r = Call<wire::Op::kImportKey>(req);
  EXPECT_EQ(r.status, hsm::Status::kOk);
  return r.rsp.key;
}

inline Bytes Device::Sign(wire::KeyId key, wire::SignAlg alg, std::span<const uint8_t> data,
                          wire::HashAlg hash, uint16_t salt) {
  wire::SignReq req;
  req.key = key;
  req.alg = alg;
  req.hash = hash;
  req.salt_length = salt;
  req.data = data;
  auto r = Call<wire::Op::kSign>(req);
  EXPECT_EQ(r.status, hsm::Status::kOk);
  return r.ok() ? Copy(r.rsp.signature.span()) : Bytes{};
}

inline wire::InfoRsp Device::Info(Bytes* frame) {
  auto r = Call<wire::Op::kGetInfo>(wire::Empty{});
  EXPECT_EQ(r.status, hsm::Status::kOk);
  *frame = r.frame;  // the caller keeps the bytes the Bytes fields point into
  wire::InfoRsp info;
  EXPECT_EQ(wire::DecodeMessage(std::span<const uint8_t>(*frame), info), hsm::Status::kOk);
  return info;
}

}  // namespace arca_test
