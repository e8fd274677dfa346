// Message encoding driven by each message's single WIRE_FIELDS declaration: golden bytes for
// representative messages, exact-length decoding, per-field limits, and a round trip of
// every operation's request and response.
#include <gtest/gtest.h>

#include <vector>

#include "protocol/messages.h"

namespace wire {
namespace {

using Bytes8 = std::vector<uint8_t>;

template <class M>
Bytes8 Encode(const M& m) {
  Bytes8 out(kMaxPayload);
  hsm::Status st;
  size_t n = EncodeMessage(m, out, &st);
  EXPECT_EQ(st, hsm::Status::kOk);
  out.resize(n);
  return out;
}

TEST(MessageTest, GoldenBytesOfASignRequest) {
  SignReq r;
  r.key = 0x01020304;
  r.alg = SignAlg::kRsaPss;
  r.hash = HashAlg::kSha256;
  r.salt_length = 32;
  const Bytes8 data = {0xDE, 0xAD};
  r.data = data;
  const Bytes8 want = {0x04, 0x03, 0x02, 0x01,   // key
                       0x03,                     // alg kRsaPss
                       0x01,                     // hash kSha256
                       0x20, 0x00,               // salt length
                       0x02, 0x00, 0xDE, 0xAD};  // data: u16 length, bytes
  EXPECT_EQ(Encode(r), want);
}

TEST(MessageTest, GoldenBytesOfALoginRequest) {
  LoginReq r;
  r.who = User::kSo;
  const Bytes8 pin = {'1', '2', '3', '4'};
  r.pin = pin;
  EXPECT_EQ(Encode(r), (Bytes8{0x00, 0x04, 0x00, '1', '2', '3', '4'}));
}

// DeviceInfo carries the device's capacities after its state: the host reads them to stay
// within a smaller device's buffers.
TEST(MessageTest, GoldenBytesOfDeviceInfo) {
  InfoRsp r;
  const Bytes8 serial = {'S', '1'};
  const Bytes8 label = {'L'};
  r.serial = serial;
  r.label = label;
  r.hw_major = 1;
  r.hw_minor = 2;
  r.fw_major = 3;
  r.fw_minor = 4;
  r.capabilities = 0x00000FFF;
  r.max_payload = 1552;
  r.free_objects = 30;
  r.total_objects = 32;
  r.token_flags = kTokenInitialized;
  r.user_failures = 1;
  r.so_failures = 0;
  r.max_failures = 10;
  r.min_pin = 4;
  r.max_pin = 64;
  r.max_data = 1024;
  r.max_attr_blob = 768;
  r.max_import = 256;
  r.max_aad = 256;
  r.max_public = 128;
  r.session_objects = 4;
  const Bytes8 want = {0x02, 0x00, 'S',  '1',               // serial
                       0x01, 0x00, 'L',                     // label
                       0x01, 0x02, 0x03, 0x04,              // hw, fw versions
                       0xFF, 0x0F, 0x00, 0x00,              // capabilities
                       0x10, 0x06, 0x00, 0x00,              // max payload 1552
                       0x1E, 0x00, 0x20, 0x00,              // free, total objects
                       0x01, 0x01, 0x00, 0x0A, 0x04, 0x40,  // flags, failures, PIN
                       0x00, 0x04, 0x00, 0x00,              // max data 1024
                       0x00, 0x03,                          // max attribute blob
                       0x00, 0x01, 0x00, 0x01, 0x80, 0x00,  // import, aad, public
                       0x04, 0x00};                         // session objects
  EXPECT_EQ(Encode(r), want);
  InfoRsp back;
  ASSERT_EQ(DecodeMessage(want, back), hsm::Status::kOk);
  EXPECT_EQ(back.max_data, 1024u);
  EXPECT_EQ(back.session_objects, 4u);
}

TEST(MessageTest, DecodeRequiresTheExactLength) {
  RandomReq r;
  r.length = 32;
  Bytes8 bytes = Encode(r);
  RandomReq back;
  EXPECT_EQ(DecodeMessage(bytes, back), hsm::Status::kOk);
  EXPECT_EQ(back.length, 32);
  Bytes8 longer = bytes;
  longer.push_back(0);
  EXPECT_EQ(DecodeMessage(longer, back), hsm::Status::kMalformed);
  Bytes8 shorter(bytes.begin(), bytes.end() - 1);
  EXPECT_EQ(DecodeMessage(shorter, back), hsm::Status::kMalformed);
  Empty e;
  EXPECT_EQ(DecodeMessage(Bytes8{}, e), hsm::Status::kOk);
  EXPECT_EQ(DecodeMessage(Bytes8{0}, e), hsm::Status::kMalformed);
}

TEST(MessageTest, ABytesFieldOverItsLimitIsRejectedBothWays) {
  Bytes8 pin(kMaxPin + 1, '1');
  LoginReq r;
  r.pin = pin;
  Bytes8 out(kMaxPayload);
  hsm::Status st;
  EXPECT_EQ(EncodeMessage(r, out, &st), 0u);
  EXPECT_EQ(st, hsm::Status::kTooLarge);
  // Hand-made bytes that declare a 65-byte PIN.
  Bytes8 bytes(3 + pin.size(), '1');
  bytes[0] = 0x01;
  bytes[1] = static_cast<uint8_t>(pin.size());
  bytes[2] = 0x00;
  LoginReq back;
  EXPECT_EQ(DecodeMessage(bytes, back), hsm::Status::kMalformed);
}

TEST(MessageTest, ALengthPastTheEndIsRejected) {
  Bytes8 bytes = {0x01, 0x10, 0x00, '1', '2'};  // declares 16 bytes, has 2
  LoginReq back;
  EXPECT_EQ(DecodeMessage(bytes, back), hsm::Status::kMalformed);
}

TEST(MessageTest, DecodedBytesPointIntoTheInput) {
  const Bytes8 data = {1, 2, 3};
  DigestReq r;
  r.data = data;
  Bytes8 bytes = Encode(r);
  DigestReq back;
  ASSERT_EQ(DecodeMessage(bytes, back), hsm::Status::kOk);
  EXPECT_GE(back.data.data, bytes.data());
  EXPECT_LE(back.data.data + back.data.size, bytes.data() + bytes.size());
  EXPECT_EQ(Bytes8(back.data.data, back.data.data + back.data.size), data);
}

// Fills every field of a message with recognisable values, encodes, decodes, re-encodes.
struct FillVisitor {
  const Bytes8& filler;
  uint8_t counter = 1;
  template <class T>
  void One(T& f) {
    if constexpr (IsBytes<T>::value) {
      f = T(std::span<const uint8_t>(filler.data(), std::min<size_t>(T::kMax, 5 + counter)));
    } else if constexpr (std::is_enum_v<T>) {
      f = static_cast<T>(counter);
    } else {
      f = static_cast<T>(counter * 0x0101);
    }
    ++counter;
  }
  template <class... F>
  void operator()(F&... fields) {
    (One(fields), ...);
  }
};

template <class M>
void RoundTrip(const char* name) {
  Bytes8 filler(kMaxPayload, 0x3C);
  M m{};
  FillVisitor fill{filler};
  m.Fields(fill);
  Bytes8 first = Encode(m);
  M back{};
  ASSERT_EQ(DecodeMessage(first, back), hsm::Status::kOk) << name;
  EXPECT_EQ(Encode(back), first) << name;
  EXPECT_LE(first.size(), MaxEncodedSize<M>()) << name;
}

TEST(MessageTest, EveryOperationRoundTrips) {
#define ROUND_TRIP(code, name, req, rsp) \
  RoundTrip<req>(#name " request");      \
  RoundTrip<rsp>(#name " response");
  HSM_OPS(ROUND_TRIP)
#undef ROUND_TRIP
}

TEST(MessageTest, OperationCodesAndNames) {
  EXPECT_EQ(static_cast<uint16_t>(Op::kGetInfo), 0x0001);
  EXPECT_EQ(static_cast<uint16_t>(Op::kSign), 0x0030);
  EXPECT_STREQ(OpName(0x0030), "Sign");
  EXPECT_STREQ(OpName(0x7777), "?");
  static_assert(std::is_same_v<OpTraits<Op::kSign>::Request, SignReq>);
}

}  // namespace
}  // namespace wire
