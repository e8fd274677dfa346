// Bounds-checked little-endian reader and writer over byte spans (BoringSSL CBS/CBB in
// spirit), and the bounded byte-string field type messages are built from. Nothing here
// allocates, throws or reads outside the span it was given.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

namespace wire {

template <size_t Max>
struct Bytes;
template <class T>
inline constexpr bool IsBytesType = false;
template <size_t Max>
inline constexpr bool IsBytesType<Bytes<Max>> = true;

// A length-prefixed byte string of at most Max bytes. Decoded, it points into the frame
// buffer (valid while that buffer is); to encode, point it at the caller's bytes.
template <size_t Max>
struct Bytes {
  static constexpr size_t kMax = Max;
  const uint8_t* data = nullptr;
  size_t size = 0;

  constexpr Bytes() = default;
  constexpr Bytes(std::span<const uint8_t> s) : data(s.data()), size(s.size()) {}  // NOLINT
  // Any contiguous byte range (std::array, std::vector, SecureBuffer...), viewed, not copied.
  template <class Range>
  requires(!IsBytesType<Range> &&
           requires(const Range& r) {
             std::span<const uint8_t>(r);
           }) constexpr Bytes(const Range& r)
      : Bytes(std::span<const uint8_t>(r)) {}  // NOLINT
  constexpr std::span<const uint8_t> span() const { return {data, size}; }
  constexpr bool empty() const { return size == 0; }
};

template <class T>
struct IsBytes : std::false_type {};
template <size_t Max>
struct IsBytes<Bytes<Max>> : std::true_type {};

class Writer {
 public:
  explicit constexpr Writer(std::span<uint8_t> out) : out_(out) {}

  constexpr bool ok() const { return ok_; }
  constexpr size_t written() const { return pos_; }
  constexpr std::span<uint8_t> result() const { return out_.first(pos_); }

  constexpr void U8(uint8_t v) { Put(v, 1); }
  constexpr void U16(uint16_t v) { Put(v, 2); }
  constexpr void U32(uint32_t v) { Put(v, 4); }
  constexpr void U64(uint64_t v) { Put(v, 8); }
  constexpr void Raw(std::span<const uint8_t> bytes) {
    if (!Reserve(bytes.size())) return;
    for (size_t i = 0; i < bytes.size(); ++i) out_[pos_ + i] = bytes[i];
    pos_ += bytes.size();
  }
  // A u16 length then the bytes; fails (ok() false) over `max` or past the end.
  constexpr void Prefixed(std::span<const uint8_t> bytes, size_t max) {
    if (bytes.size() > max || bytes.size() > 0xFFFF) {
      ok_ = false;
      return;
    }
    U16(static_cast<uint16_t>(bytes.size()));
    Raw(bytes);
  }

 private:
  constexpr bool Reserve(size_t n) {
    if (!ok_ || n > out_.size() - pos_) ok_ = false;
    return ok_;
  }
  constexpr void Put(uint64_t v, size_t n) {
    if (!Reserve(n)) return;
    for (size_t i = 0; i < n; ++i) out_[pos_ + i] = static_cast<uint8_t>(v >> (8 * i));
    pos_ += n;
  }

  std::span<uint8_t> out_;
  size_t pos_ = 0;
  bool ok_ = true;
};

class Reader {
 public:
  explicit constexpr Reader(std::span<const uint8_t> in) : in_(in) {}

  constexpr bool ok() const { return ok_; }
  constexpr size_t remaining() const { return ok_ ? in_.size() - pos_ : 0; }
  // The reader failed, or bytes are left over: a message must be consumed exactly.
  constexpr bool done() const { return ok_ && pos_ == in_.size(); }
  constexpr void Fail() { ok_ = false; }

  constexpr uint8_t U8() { return static_cast<uint8_t>(Get(1)); }
  constexpr uint16_t U16() { return static_cast<uint16_t>(Get(2)); }
  constexpr uint32_t U32() { return static_cast<uint32_t>(Get(4)); }
  constexpr uint64_t U64() { return Get(8); }
  constexpr std::span<const uint8_t> Raw(size_t n) {
    if (!ok_ || n > in_.size() - pos_) {
      ok_ = false;
      return {};
    }
    auto s = in_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  // A u16 length then that many bytes; fails over `max` or past the end.
  constexpr std::span<const uint8_t> Prefixed(size_t max) {
    size_t n = U16();
    if (n > max) ok_ = false;
    return Raw(n);
  }

 private:
  constexpr uint64_t Get(size_t n) {
    if (!ok_ || n > in_.size() - pos_) {
      ok_ = false;
      return 0;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(in_[pos_ + i]) << (8 * i);
    pos_ += n;
    return v;
  }

  std::span<const uint8_t> in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace wire
