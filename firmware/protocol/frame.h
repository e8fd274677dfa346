// Framing: how one message travels as bytes, independent of what the message says (a later
// secure channel sits between this and messages.h).
//
//   frame  = header (14 bytes, little-endian) | payload (len bytes) | CRC-32C (4 bytes)
//   header = magic u16 0xCA5A | version u8 | flags u8 | op u16 | seq u16 | status u16 | len u32
//
// The CRC covers header and payload. A frame is cut into link packets of the USB bulk size;
// the sender ends a frame whose length is a multiple of the packet size with a zero-length
// packet, as USB bulk transfers need to complete. FrameReceiver takes packets (or any
// byte chunks) and hands out whole frames: it hunts for the magic after garbage, rejects a
// header with a bad version or a length over its limit and a frame whose CRC does not check,
// and never holds or reads more than kMaxFrame bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "protocol/codec.h"
#include "protocol/crc32c.h"
#include "protocol/limits.h"
#include "protocol/status.h"

namespace wire {

inline constexpr uint16_t kMagic = 0xCA5A;
inline constexpr uint8_t kVersion = 1;
inline constexpr uint8_t kFlagResponse = 0x01;

struct FrameHeader {
  uint8_t version = kVersion;
  uint8_t flags = 0;
  uint16_t op = 0;
  uint16_t seq = 0;
  uint16_t status = 0;  // hsm::Status in responses, 0 in requests
  uint32_t length = 0;  // payload bytes
};

// Writes header + payload + CRC into `out`; the frame's length, or 0 when it does not fit
// or the payload exceeds kMaxPayload. header.length is taken from payload.size().
constexpr size_t EncodeFrame(FrameHeader header, std::span<const uint8_t> payload,
                             std::span<uint8_t> out) {
  if (payload.size() > kMaxPayload) return 0;
  Writer w(out);
  w.U16(kMagic);
  w.U8(header.version);
  w.U8(header.flags);
  w.U16(header.op);
  w.U16(header.seq);
  w.U16(header.status);
  w.U32(static_cast<uint32_t>(payload.size()));
  w.Raw(payload);
  if (!w.ok()) return 0;
  w.U32(Crc32c(w.result()));
  return w.ok() ? w.written() : 0;
}

// Reads a header from the first kHeaderSize bytes (magic checked, nothing else).
constexpr bool DecodeHeader(std::span<const uint8_t> bytes, FrameHeader* header) {
  Reader r(bytes.first(bytes.size() < kHeaderSize ? bytes.size() : kHeaderSize));
  if (r.U16() != kMagic) return false;
  header->version = r.U8();
  header->flags = r.U8();
  header->op = r.U16();
  header->seq = r.U16();
  header->status = r.U16();
  header->length = r.U32();
  return r.ok();
}

// Calls send(packet) for each link packet of `frame`, then send({}) for the zero-length
// packet when the frame fills its last packet exactly and `zlp` is set. Stops at the first
// send that returns false and returns false.
template <class Send>
bool ForEachPacket(std::span<const uint8_t> frame, size_t packet_size, bool zlp, Send&& send) {
  for (size_t off = 0; off < frame.size(); off += packet_size) {
    size_t n = frame.size() - off < packet_size ? frame.size() - off : packet_size;
    if (!send(frame.subspan(off, n))) return false;
  }
  if (zlp && frame.size() % packet_size == 0) return send(std::span<const uint8_t>{});
  return true;
}

// Why bytes were thrown away (for counters and traces; the receiver recovers by itself).
enum class RxError : uint8_t { kGarbage, kBadVersion, kOversize, kBadCrc };

class FrameReceiver {
 public:
  // `max_payload` ≤ kMaxPayload: frames declaring more are rejected as oversize.
  explicit constexpr FrameReceiver(size_t max_payload = kMaxPayload)
      : max_payload_(max_payload < kMaxPayload ? max_payload : kMaxPayload) {}

  // Consumes `chunk`. For each complete, checked frame calls
  // on_frame(const FrameHeader&, std::span<const uint8_t> payload) — the payload is valid
  // only during that call — and on_error(RxError) for each rejection.
  template <class OnFrame, class OnError>
  void Feed(std::span<const uint8_t> chunk, OnFrame&& on_frame, OnError&& on_error) {
    while (!chunk.empty()) {
      Compact();
      size_t room = sizeof(buf_) - end_;
      size_t n = chunk.size() < room ? chunk.size() : room;
      if (n == 0) {  // cannot happen (a full buffer always drains); never spin on it
        Reset();
        continue;
      }
      for (size_t i = 0; i < n; ++i) buf_[end_ + i] = chunk[i];
      end_ += n;
      chunk = chunk.subspan(n);
      Drain(on_frame, on_error);
    }
  }

  // Forgets a partly received frame (after a timeout or a reconnect).
  constexpr void Reset() { head_ = end_ = 0; }
  constexpr size_t buffered() const { return end_ - head_; }

 private:
  template <class OnFrame, class OnError>
  void Drain(OnFrame& on_frame, OnError& on_error) {
    for (;;) {
      size_t skip = FindMagic();
      if (skip != 0) {
        on_error(RxError::kGarbage);
        head_ += skip;
      }
      std::span<const uint8_t> pending(buf_ + head_, end_ - head_);
      if (pending.size() < kHeaderSize) return;
      FrameHeader h;
      DecodeHeader(pending, &h);
      if (h.version != kVersion || h.length > max_payload_) {
        on_error(h.version != kVersion ? RxError::kBadVersion : RxError::kOversize);
        head_ += 1;  // resynchronise on the next magic
        continue;
      }
      size_t total = kHeaderSize + h.length + kCrcSize;
      if (pending.size() < total) return;
      std::span<const uint8_t> body = pending.first(kHeaderSize + h.length);
      Reader crc_reader(pending.subspan(body.size(), kCrcSize));
      if (crc_reader.U32() != Crc32c(body)) {
        on_error(RxError::kBadCrc);
        head_ += 1;
        continue;
      }
      head_ += total;
      on_frame(static_cast<const FrameHeader&>(h), body.subspan(kHeaderSize));
    }
  }

  // Bytes to skip before the first possible magic (a lone trailing 0x5A byte counts: it may
  // be the first half of one); all of them when there is none.
  constexpr size_t FindMagic() const {
    for (size_t i = head_; i < end_; ++i) {
      if (buf_[i] != (kMagic & 0xFF)) continue;
      if (i + 1 == end_ || buf_[i + 1] == (kMagic >> 8)) return i - head_;
    }
    return end_ - head_;
  }
  // Moves the pending bytes to the front so a whole frame always fits after them.
  constexpr void Compact() {
    if (head_ == 0) return;
    for (size_t i = head_; i < end_; ++i) buf_[i - head_] = buf_[i];
    end_ -= head_;
    head_ = 0;
  }

  size_t max_payload_;
  uint8_t buf_[kMaxFrame] = {};
  size_t head_ = 0;  // first pending byte
  size_t end_ = 0;   // one past the last
};

}  // namespace wire
