// The frame format and the receiver's recovery rules (DESIGN.md "Framing"), pinned by golden
// bytes so that the host and every firmware build agree on the wire.
#include "protocol/frame.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "protocol/crc32c.h"

namespace wire {
namespace {

using Bytes8 = std::vector<uint8_t>;

struct Received {
  std::vector<FrameHeader> headers;
  std::vector<Bytes8> payloads;
  std::vector<RxError> errors;
};

void FeedAll(FrameReceiver& rx, std::span<const uint8_t> bytes, Received& got) {
  rx.Feed(
      bytes,
      [&](const FrameHeader& h, std::span<const uint8_t> p) {
        got.headers.push_back(h);
        got.payloads.emplace_back(p.begin(), p.end());
      },
      [&](RxError e) { got.errors.push_back(e); });
}

Bytes8 Frame(FrameHeader h, const Bytes8& payload) {
  Bytes8 out(kMaxFrame);
  size_t n = EncodeFrame(h, payload, out);
  out.resize(n);
  return out;
}

TEST(Crc32cTest, CheckValueOfTheCastagnoliPolynomial) {
  // The standard check value: CRC-32C("123456789") = 0xE3069283 (RFC 3720 B.4 family).
  const char* s = "123456789";
  EXPECT_EQ(Crc32c({reinterpret_cast<const uint8_t*>(s), 9}), 0xE3069283u);
  // 32 bytes of zeros, from RFC 3720 B.4.
  std::array<uint8_t, 32> zeros{};
  EXPECT_EQ(Crc32c(zeros), 0x8A9136AAu);
  // Chaining equals one pass.
  EXPECT_EQ(Crc32c({reinterpret_cast<const uint8_t*>(s) + 4, 5},
                   Crc32c({reinterpret_cast<const uint8_t*>(s), 4})),
            0xE3069283u);
}

TEST(FrameTest, GoldenBytesOfARequestHeader) {
  FrameHeader h;
  h.op = 0x0030;
  h.seq = 0x1234;
  Bytes8 f = Frame(h, {0xAA, 0xBB});
  const Bytes8 head = {0x5A, 0xCA,              // magic 0xCA5A little-endian
                       0x01,                    // version
                       0x00,                    // flags: request
                       0x30, 0x00,              // op
                       0x34, 0x12,              // seq
                       0x00, 0x00,              // status
                       0x02, 0x00, 0x00, 0x00,  // payload length
                       0xAA, 0xBB};
  ASSERT_EQ(f.size(), head.size() + kCrcSize);
  EXPECT_TRUE(std::equal(head.begin(), head.end(), f.begin()));
  uint32_t crc = Crc32c(std::span<const uint8_t>(f.data(), head.size()));
  EXPECT_EQ(f[16], crc & 0xFF);
  EXPECT_EQ(f[19], crc >> 24);
}

TEST(FrameTest, GoldenBytesOfAnEmptyResponse) {
  FrameHeader h;
  h.flags = kFlagResponse;
  h.op = 0x0001;
  h.seq = 7;
  h.status = 6;  // kPinIncorrect
  Bytes8 f = Frame(h, {});
  const Bytes8 want = {
      0x5A, 0xCA, 0x01, 0x01, 0x01, 0x00, 0x07, 0x00, 0x06, 0x00,
      0x00, 0x00, 0x00, 0x00, 0xBC, 0x20, 0xAB, 0x62};  // CRC by an independent bitwise CRC-32C
  EXPECT_EQ(f, want);
}

TEST(FrameTest, OversizePayloadIsNotEncoded) {
  Bytes8 payload(kMaxPayload + 1);
  Bytes8 out(kMaxFrame + 16);
  EXPECT_EQ(EncodeFrame({}, payload, out), 0u);
  Bytes8 small(10);
  EXPECT_EQ(EncodeFrame({}, Bytes8(4), small), 0u) << "output too small";
}

TEST(FrameTest, ReceiverTakesAFrameSplitIntoOneBytePackets) {
  FrameHeader h;
  h.op = 2;
  h.seq = 99;
  Bytes8 payload = {1, 2, 3, 4, 5};
  Bytes8 f = Frame(h, payload);
  FrameReceiver rx;
  Received got;
  for (uint8_t b : f) FeedAll(rx, std::span<const uint8_t>(&b, 1), got);
  ASSERT_EQ(got.headers.size(), 1u);
  EXPECT_EQ(got.headers[0].seq, 99);
  EXPECT_EQ(got.payloads[0], payload);
  EXPECT_TRUE(got.errors.empty());
  EXPECT_EQ(rx.buffered(), 0u);
}

TEST(FrameTest, ReceiverResynchronisesAfterGarbageAndBadFrames) {
  FrameHeader h;
  h.seq = 1;
  Bytes8 good = Frame(h, {9, 9, 9});
  Bytes8 corrupt = good;
  corrupt[15] ^= 0x01;                       // payload bit flip: CRC fails
  Bytes8 stream = {0x00, 0x5A, 0x13, 0xFF};  // garbage, including a lone half-magic
  stream.insert(stream.end(), corrupt.begin(), corrupt.end());
  h.seq = 2;
  Bytes8 second = Frame(h, {7});
  stream.insert(stream.end(), second.begin(), second.end());
  FrameReceiver rx;
  Received got;
  FeedAll(rx, stream, got);
  ASSERT_EQ(got.headers.size(), 1u);
  EXPECT_EQ(got.headers[0].seq, 2);
  EXPECT_NE(std::find(got.errors.begin(), got.errors.end(), RxError::kBadCrc), got.errors.end());
  EXPECT_NE(std::find(got.errors.begin(), got.errors.end(), RxError::kGarbage), got.errors.end());
}

TEST(FrameTest, ReceiverRejectsOversizeAndUnknownVersionWithoutWaitingForTheirBodies) {
  FrameHeader h;
  Bytes8 big = Frame(h, Bytes8(100));
  FrameReceiver rx(64);  // this receiver's limit: 64-byte payloads
  Received got;
  FeedAll(rx, std::span<const uint8_t>(big.data(), kHeaderSize), got);
  ASSERT_FALSE(got.errors.empty());
  EXPECT_EQ(got.errors.front(), RxError::kOversize);
  Bytes8 v2 = Frame(h, {1});
  v2[2] = 2;  // version 2
  got = {};
  FrameReceiver rx2;
  FeedAll(rx2, v2, got);
  EXPECT_TRUE(got.headers.empty());
  EXPECT_EQ(got.errors.front(), RxError::kBadVersion);
  // Neither consumed a following good frame.
  Bytes8 ok = Frame(h, {5});
  FeedAll(rx2, ok, got);
  EXPECT_EQ(got.headers.size(), 1u);
}

TEST(FrameTest, ReceiverHoldsAMaximumSizeFrame) {
  FrameHeader h;
  Bytes8 payload(kMaxPayload, 0x5A);  // payload full of magic bytes, to tempt a resync
  Bytes8 f = Frame(h, payload);
  ASSERT_EQ(f.size(), kMaxFrame);
  FrameReceiver rx;
  Received got;
  for (size_t off = 0; off < f.size(); off += kHighSpeedPacket) {
    FeedAll(rx,
            std::span<const uint8_t>(f).subspan(off, std::min(kHighSpeedPacket, f.size() - off)),
            got);
  }
  ASSERT_EQ(got.payloads.size(), 1u);
  EXPECT_EQ(got.payloads[0], payload);
}

TEST(FrameTest, TwoFramesInOneChunk) {
  FrameHeader h;
  h.seq = 10;
  Bytes8 a = Frame(h, {1});
  h.seq = 11;
  Bytes8 b = Frame(h, {2, 2});
  a.insert(a.end(), b.begin(), b.end());
  FrameReceiver rx;
  Received got;
  FeedAll(rx, a, got);
  ASSERT_EQ(got.headers.size(), 2u);
  EXPECT_EQ(got.headers[1].seq, 11);
}

// A frame is cut into packets of the bulk size; one that fills its last packet exactly is
// followed by a zero-length packet (USB bulk transfer completion).
TEST(PacketTest, ZeroLengthPacketOnlyAfterAnExactMultiple) {
  for (size_t packet : {kFullSpeedPacket, kHighSpeedPacket}) {
    for (size_t frame_len :
         {size_t{1}, packet - 1, packet, packet + 1, 2 * packet, 3 * packet + 5}) {
      Bytes8 frame(frame_len, 0x11);
      std::vector<size_t> sizes;
      ForEachPacket(frame, packet, true, [&](std::span<const uint8_t> p) {
        sizes.push_back(p.size());
        return true;
      });
      size_t total = 0;
      for (size_t s : sizes) {
        EXPECT_LE(s, packet);
        total += s;
      }
      EXPECT_EQ(total, frame_len);
      bool exact = frame_len % packet == 0;
      EXPECT_EQ(sizes.back() == 0, exact) << "frame " << frame_len << " packet " << packet;
      EXPECT_EQ(sizes.size(), (frame_len + packet - 1) / packet + (exact ? 1 : 0));
    }
  }
}

TEST(PacketTest, NoZeroLengthPacketWhenTheLinkDoesNotUseThem) {
  Bytes8 frame(128);
  int n = 0;
  ForEachPacket(frame, 64, false, [&](std::span<const uint8_t>) {
    ++n;
    return true;
  });
  EXPECT_EQ(n, 2);
}

}  // namespace
}  // namespace wire
