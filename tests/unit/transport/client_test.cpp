// The Client against a scripted device (fake_device.h) on a real SEQPACKET socketpair: normal
// round trips, every fault the link can show, and many threads on one device.
#include "transport/client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "fake_device.h"
#include "transport/status_map.h"

namespace p11::transport {
namespace {

using std::chrono::milliseconds;
using testing::Answer;
using testing::FakeDevice;
using testing::Fault;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kTimeout{200};
// How late past its timeout a failed call may return on a loaded CI machine.
constexpr milliseconds kSlack{400};

ClientOptions ShortTimeouts() { return ClientOptions{kTimeout, milliseconds(2000)}; }

std::vector<uint8_t> Bytes(const std::string& s) { return {s.begin(), s.end()}; }

std::string Text(ByteView bytes) { return {bytes.begin(), bytes.end()}; }

milliseconds Since(Clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
}

// Answers Sign with the data as the "signature": each request gets a reply that names it.
Answer EchoSign(const testing::Request& request) {
  wire::SignReq req;
  if (wire::DecodeMessage(request.payload, req) != hsm::Status::kOk) return {1, {}};
  wire::SignatureRsp rsp;
  rsp.signature = req.data.span();
  std::vector<uint8_t> out(wire::MaxEncodedSize<wire::SignatureRsp>());
  hsm::Status status;
  out.resize(wire::EncodeMessage(rsp, out, &status));
  return {0, out};
}

// A Sign call whose data is `text`; the reply's signature, or the error's name.
std::string SignEcho(Client& client, const std::string& text) {
  std::vector<uint8_t> data = Bytes(text);
  wire::SignReq req;
  req.data = data;
  auto reply = client.Call<wire::Op::kSign>(req);
  if (!reply.ok()) return "rv=" + std::to_string(reply.rv());
  return Text(reply->msg.signature.span());
}

class ClientTest : public ::testing::Test {
 protected:
  ClientTest() { device_.SetResponder(EchoSign); }

  // Expects the next call to fail with `rv` no later than the timeout and the slack.
  void ExpectBoundedFailure(CK_RV rv, const std::string& text = "lost") {
    auto start = Clock::now();
    EXPECT_EQ(SignEcho(client_, text), "rv=" + std::to_string(rv));
    EXPECT_LT(Since(start), kTimeout + kSlack);
  }

  FakeDevice device_;
  Client client_{device_.Factory(), ShortTimeouts()};
};

TEST_F(ClientTest, TypedCallRoundTripsAndReplyPointsIntoItsPayload) {
  device_.SetResponder([](const testing::Request& request) {
    wire::RandomReq req;
    EXPECT_EQ(wire::DecodeMessage(request.payload, req), hsm::Status::kOk);
    std::vector<uint8_t> bytes(req.length);
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 7);
    std::vector<uint8_t> out(wire::MaxEncodedSize<wire::RandomRsp>());
    hsm::Status status;
    out.resize(wire::EncodeMessage(wire::RandomRsp{bytes}, out, &status));
    return Answer{0, out};
  });
  auto reply = client_.Call<wire::Op::kGetRandom>(wire::RandomReq{100});
  ASSERT_TRUE(reply.ok()) << reply.rv();
  Reply<wire::Op::kGetRandom> moved = std::move(*reply);
  ASSERT_EQ(moved.msg.bytes.size, 100u);
  EXPECT_EQ(moved.msg.bytes.data, moved.payload.data() + 2);  // after the u16 length
  EXPECT_EQ(moved.msg.bytes.data[99], static_cast<uint8_t>(99 * 7));
  EXPECT_TRUE(client_.connected());
}

TEST_F(ClientTest, EachCallTakesTheNextSeqNumber) {
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(SignEcho(client_, "n" + std::to_string(i)), "n" + std::to_string(i));
  std::vector<uint16_t> seqs = device_.seqs();
  ASSERT_EQ(seqs.size(), 5u);
  for (size_t i = 1; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], static_cast<uint16_t>(seqs[0] + i));
  EXPECT_EQ(device_.factory_calls(), 1);
}

// Frames whose payload is around one or many packets, at both USB packet sizes: every byte
// comes back, and the request went as whole records of at most one packet, none empty.
TEST(ClientFrames, PayloadsAroundThePacketSizeRoundTrip) {
  for (size_t packet : {wire::kFullSpeedPacket, wire::kHighSpeedPacket}) {
    FakeDevice device(packet);
    Client client(device.Factory(), ShortTimeouts());
    for (size_t size : {1, 63, 64, 65, 511, 512, 513, 16384}) {
      SCOPED_TRACE("packet " + std::to_string(packet) + " payload " + std::to_string(size));
      std::vector<uint8_t> payload(size);
      for (size_t i = 0; i < size; ++i) payload[i] = static_cast<uint8_t>(i ^ (i >> 8));
      device.ClearRecords();
      auto echoed = client.Exchange(wire::Op::kSign, payload, kTimeout * 5);
      ASSERT_TRUE(echoed.ok()) << echoed.rv();
      EXPECT_TRUE(echoed->Equals(payload));
      std::vector<size_t> records = device.record_sizes();
      size_t frame = size + wire::kHeaderSize + wire::kCrcSize;
      EXPECT_EQ(records.size(), (frame + packet - 1) / packet);
      size_t total = 0;
      for (size_t r : records) {
        EXPECT_GT(r, 0u);
        EXPECT_LE(r, packet);
        total += r;
      }
      EXPECT_EQ(total, frame);
    }
  }
}

TEST_F(ClientTest, CorruptAnswerIsDroppedTheCallTimesOutAndTheNextWorks) {
  device_.Queue(Fault::kCorrupt);
  auto start = Clock::now();
  ExpectBoundedFailure(CKR_DEVICE_ERROR);
  EXPECT_GE(Since(start), kTimeout - milliseconds(5));
  EXPECT_GE(client_.stats().corrupt, 1u);
  EXPECT_EQ(client_.stats().timeouts, 1u);
  EXPECT_FALSE(client_.connected());
  EXPECT_EQ(SignEcho(client_, "after"), "after");
  EXPECT_EQ(client_.stats().reconnects, 1u);
}

TEST_F(ClientTest, DroppedAnswerTimesOutAndTheNextCallWorks) {
  device_.Queue(Fault::kDrop);
  ExpectBoundedFailure(CKR_DEVICE_ERROR);
  EXPECT_EQ(client_.stats().timeouts, 1u);
  EXPECT_EQ(SignEcho(client_, "after"), "after");
}

TEST_F(ClientTest, DuplicateAnswerNeverAnswersTheNextRequest) {
  device_.Queue(Fault::kDuplicate);
  EXPECT_EQ(SignEcho(client_, "first"), "first");
  EXPECT_EQ(SignEcho(client_, "second"), "second");
  EXPECT_EQ(client_.stats().dropped, 1u);
  EXPECT_EQ(device_.factory_calls(), 1);
}

TEST_F(ClientTest, AnswerWithAnOldSeqIsDroppedAndCounted) {
  EXPECT_EQ(SignEcho(client_, "one"), "one");
  device_.Queue(Fault::kStaleFirst);
  EXPECT_EQ(SignEcho(client_, "two"), "two");
  EXPECT_EQ(client_.stats().dropped, 1u);
}

TEST_F(ClientTest, FramesForAnotherOpOrWithoutTheResponseFlagAreDropped) {
  device_.Queue(Fault::kWrongOpFirst);
  device_.Queue(Fault::kRequestFlagFirst);
  device_.Queue(Fault::kUnknownOpFirst);
  EXPECT_EQ(SignEcho(client_, "a"), "a");
  EXPECT_EQ(SignEcho(client_, "b"), "b");
  EXPECT_EQ(SignEcho(client_, "c"), "c");
  EXPECT_EQ(client_.stats().dropped, 3u);
}

TEST_F(ClientTest, TruncatedAnswerTimesOutAndTheNextCallWorks) {
  device_.Queue(Fault::kTruncate);
  ExpectBoundedFailure(CKR_DEVICE_ERROR, std::string(300, 't'));
  EXPECT_EQ(SignEcho(client_, "after"), "after");
}

TEST_F(ClientTest, TruncatedFrameFollowedByAValidOneResynchronises) {
  device_.Queue(Fault::kTruncateThenValid);
  EXPECT_EQ(SignEcho(client_, "whole"), "whole");
  EXPECT_GE(client_.stats().corrupt, 1u);
}

TEST_F(ClientTest, GarbageBeforeAValidFrameResynchronises) {
  device_.Queue(Fault::kGarbageFirst);
  EXPECT_EQ(SignEcho(client_, "found"), "found");
  EXPECT_GE(client_.stats().corrupt, 1u);
  EXPECT_EQ(client_.stats().timeouts, 0u);
}

TEST_F(ClientTest, StalledDeviceIsBoundedEvenWhenItStopsReading) {
  device_.Queue(Fault::kStall);
  ExpectBoundedFailure(CKR_DEVICE_ERROR);
  // The stalled connection is full of big requests nobody reads: each write is bounded too.
  for (int i = 0; i < 3; ++i) {
    std::vector<uint8_t> big(wire::kMaxPayload, 0xAB);
    auto start = Clock::now();
    auto result = client_.Exchange(wire::Op::kSign, big, kTimeout);
    EXPECT_EQ(result.rv(), CKR_DEVICE_ERROR);
    EXPECT_LT(Since(start), kTimeout + kSlack);
  }
}

TEST_F(ClientTest, DeadlineBoundsTheWholeCallNotEachRead) {
  // Garbage keeps arriving every 20 ms: a per-read timeout would never fire.
  device_.Queue(Fault::kTrickle);
  ExpectBoundedFailure(CKR_DEVICE_ERROR);
  EXPECT_GE(client_.stats().corrupt, 3u);
  EXPECT_EQ(SignEcho(client_, "after"), "after");
}

TEST_F(ClientTest, PeerClosingMidRequestIsDeviceRemovedThenReconnects) {
  EXPECT_EQ(SignEcho(client_, "before"), "before");
  device_.Queue(Fault::kClose);
  ExpectBoundedFailure(CKR_DEVICE_REMOVED);
  EXPECT_FALSE(client_.connected());
  EXPECT_EQ(SignEcho(client_, "after"), "after");
  EXPECT_TRUE(client_.connected());
  EXPECT_EQ(device_.factory_calls(), 2);
  EXPECT_EQ(client_.stats().reconnects, 1u);
  EXPECT_EQ(client_.stats().timeouts, 0u);
}

TEST(ClientConnect, FactoryFailureIsDeviceRemovedAndRetriedOnTheNextCall) {
  FakeDevice device;
  device.SetResponder(EchoSign);
  LinkFactory real = device.Factory();
  int attempts = 0;
  Client client(
      [&]() -> Result<std::unique_ptr<Link>> {
        if (++attempts == 1) return Fail(CKR_DEVICE_ERROR);
        return real();
      },
      ShortTimeouts());
  EXPECT_EQ(SignEcho(client, "x"), "rv=" + std::to_string(CKR_DEVICE_REMOVED));
  EXPECT_FALSE(client.connected());
  EXPECT_EQ(SignEcho(client, "y"), "y");
  EXPECT_EQ(attempts, 2);
}

TEST_F(ClientTest, ExplicitDisconnectMakesTheNextCallReconnect) {
  EXPECT_EQ(SignEcho(client_, "a"), "a");
  client_.Disconnect();
  EXPECT_FALSE(client_.connected());
  EXPECT_EQ(SignEcho(client_, "b"), "b");
  EXPECT_EQ(device_.factory_calls(), 2);
}

TEST_F(ClientTest, EveryDeviceStatusBecomesItsCkRv) {
  std::atomic<uint16_t> status{0};
  device_.SetResponder([&](const testing::Request&) { return Answer{status.load(), {}}; });
  for (uint16_t s = 1; s <= static_cast<uint16_t>(hsm::Status::kInternal); ++s) {
    status = s;
    auto reply = client_.Call<wire::Op::kLogout>(wire::Empty{});
    EXPECT_EQ(reply.rv(), StatusToRv(static_cast<hsm::Status>(s))) << "status " << s;
  }
  status = 0x7777;  // from a newer or broken device
  EXPECT_EQ(client_.Call<wire::Op::kLogout>(wire::Empty{}).rv(), CKR_DEVICE_ERROR);
  // A refusal is an answer: the link stays up.
  EXPECT_TRUE(client_.connected());
  EXPECT_EQ(device_.factory_calls(), 1);
}

TEST_F(ClientTest, OkAnswerThatDoesNotDecodeIsDeviceError) {
  device_.SetResponder([](const testing::Request&) { return Answer{0, {1, 2, 3}}; });
  EXPECT_EQ(client_.Call<wire::Op::kLogout>(wire::Empty{}).rv(), CKR_DEVICE_ERROR);
  EXPECT_EQ(client_.Call<wire::Op::kGetRandom>(wire::RandomReq{4}).rv(), CKR_DEVICE_ERROR);
}

TEST_F(ClientTest, RequestFieldOverItsLimitIsRefusedBeforeSending) {
  std::vector<uint8_t> data(wire::kMaxData + 1);
  wire::SignReq req;
  req.data = data;
  EXPECT_EQ(client_.Call<wire::Op::kSign>(req).rv(), StatusToRv(hsm::Status::kTooLarge));
  std::vector<uint8_t> payload(wire::kMaxPayload + 1);
  EXPECT_EQ(client_.Exchange(wire::Op::kSign, payload, kTimeout).rv(),
            StatusToRv(hsm::Status::kTooLarge));
  EXPECT_EQ(device_.requests(), 0);
}

// A device built with smaller capacities (an MCU) reports them in DeviceInfo; the client
// takes them from the answer and sends nothing over the device's max payload — which the
// device would drop as an oversize frame, leaving the call to time out.
TEST_F(ClientTest, DeviceInfoSetsTheLimitsAndNothingOverTheDevicesPayloadIsSent) {
  EXPECT_EQ(client_.limits().max_payload, wire::kMaxPayload);
  device_.SetResponder([](const testing::Request&) {
    wire::InfoRsp info;
    const std::vector<uint8_t> serial = Bytes("SMALL");
    info.serial = serial;
    info.max_payload = 1552;
    info.max_data = 1024;
    info.max_attr_blob = 768;
    info.max_import = 256;
    info.max_aad = 256;
    info.max_public = 128;
    info.session_objects = 4;
    std::vector<uint8_t> out(wire::MaxEncodedSize<wire::InfoRsp>());
    hsm::Status status;
    out.resize(wire::EncodeMessage(info, out, &status));
    return Answer{0, out};
  });
  ASSERT_TRUE(client_.Call<wire::Op::kGetInfo>(wire::Empty{}).ok());
  DeviceLimits limits = client_.limits();
  EXPECT_EQ(limits.max_payload, 1552u);
  EXPECT_EQ(limits.max_data, 1024u);
  EXPECT_EQ(limits.max_attr_blob, 768u);
  EXPECT_EQ(limits.max_import, 256u);
  EXPECT_EQ(limits.max_aad, 256u);
  EXPECT_EQ(limits.max_public, 128u);
  EXPECT_EQ(limits.session_objects, 4u);
  int before = device_.requests();
  std::vector<uint8_t> data(1553);
  wire::SignReq req;
  req.data = data;  // within the host's schema, over the device's payload
  auto start = Clock::now();
  EXPECT_EQ(client_.Call<wire::Op::kSign>(req).rv(), CKR_DATA_LEN_RANGE);
  EXPECT_LT(Since(start), kTimeout);  // refused at once, not timed out
  EXPECT_EQ(device_.requests(), before);
  EXPECT_TRUE(client_.connected());
}

TEST(DeviceLimitsTest, ReportedLimitsAreCappedAtTheHostsAndZerosRefused) {
  wire::InfoRsp info;
  info.max_payload = 1u << 20;  // more than the host's schema: the host's own numbers
  info.max_data = 1u << 20;
  info.max_attr_blob = 0xFFFF;
  info.max_import = 0xFFFF;
  info.max_aad = 0xFFFF;
  info.max_public = 0xFFFF;
  auto limits = DeviceLimits::FromInfo(info);
  ASSERT_TRUE(limits.ok());
  EXPECT_EQ(limits->max_payload, wire::kMaxPayload);
  EXPECT_EQ(limits->max_data, wire::kMaxData);
  EXPECT_EQ(limits->max_attr_blob, wire::kMaxAttrBlob);
  EXPECT_EQ(limits->max_import, wire::kMaxImport);
  EXPECT_EQ(limits->max_aad, wire::kMaxAad);
  EXPECT_EQ(limits->max_public, wire::kMaxPublic);
  info.max_data = 0;  // a device that takes no data at all is broken
  EXPECT_EQ(DeviceLimits::FromInfo(info).rv(), CKR_DEVICE_ERROR);
  info.max_data = 1024;
  info.max_payload = 512;  // a field larger than the whole payload
  EXPECT_EQ(DeviceLimits::FromInfo(info).rv(), CKR_DEVICE_ERROR);
}

TEST_F(ClientTest, KeyGenerationGetsTheSlowTimeout) {
  device_.SetResponder([](const testing::Request& request) {
    std::vector<uint8_t> out(wire::MaxEncodedSize<wire::KeyRsp>());
    hsm::Status status;
    out.resize(wire::EncodeMessage(wire::KeyRsp{42, {}}, out, &status));
    return request.header.op == static_cast<uint16_t>(wire::Op::kGenerateKey) ? Answer{0, out}
                                                                              : Answer{0, {}};
  });
  device_.set_delay(kTimeout + milliseconds(150));
  device_.Queue(Fault::kDelay, 2);
  auto key = client_.Call<wire::Op::kGenerateKey>(wire::GenerateKeyReq{});
  ASSERT_TRUE(key.ok()) << key.rv();
  EXPECT_EQ(key->msg.key, 42u);
  EXPECT_EQ(client_.Call<wire::Op::kLogout>(wire::Empty{}).rv(), CKR_DEVICE_ERROR);
}

// The device keeps a late answer across the reconnect (as USB does): the next request must
// skip it by its seq, never take it as its own.
TEST(ClientLateAnswer, AnswerArrivingAfterTheTimeoutNeverAnswersTheNextCall) {
  FakeDevice device;
  device.SetResponder(EchoSign);
  Client client(device.SharedFactory(), ShortTimeouts());
  device.set_delay(kTimeout + milliseconds(150));
  device.Queue(Fault::kDelay);
  EXPECT_EQ(SignEcho(client, "late"), "rv=" + std::to_string(CKR_DEVICE_ERROR));
  EXPECT_EQ(SignEcho(client, "fresh"), "fresh");
  EXPECT_EQ(client.stats().dropped, 1u);
  EXPECT_EQ(device.factory_calls(), 2);
}

TEST(ClientThreads, ConcurrentCallsEachGetTheirOwnAnswer) {
  FakeDevice device;
  device.SetResponder(EchoSign);
  Client client(device.Factory(), ClientOptions{milliseconds(5000), milliseconds(5000)});
  constexpr int kThreads = 8, kCalls = 200;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        std::string text = "thread " + std::to_string(t) + " call " + std::to_string(i);
        if (SignEcho(client, text) != text) wrong++;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(device.requests(), kThreads * kCalls);
  EXPECT_EQ(client.stats().dropped, 0u);
  EXPECT_EQ(device.factory_calls(), 1);
}

}  // namespace
}  // namespace p11::transport
