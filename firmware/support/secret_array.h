// Fixed-capacity byte containers for the firmware: no heap, wiped where they hold secrets.
// hsm::SecretArray<N> holds key material and PINs and zeroes itself in its destructor (the
// firmware's counterpart of p11::SecureBuffer); hsm::ByteArray<N> holds public bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace hsm {

// A write the optimiser may not drop: every byte goes through a volatile pointer.
inline void SecureZero(void* p, size_t n) {
  volatile uint8_t* v = static_cast<volatile uint8_t*>(p);
  while (n-- != 0) *v++ = 0;
}

template <size_t N>
class ByteArray {
 public:
  static constexpr size_t kCapacity = N;

  ByteArray() = default;
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  uint8_t* data() { return bytes_; }
  const uint8_t* data() const { return bytes_; }
  std::span<uint8_t> span() { return {bytes_, size_}; }
  std::span<const uint8_t> span() const { return {bytes_, size_}; }
  // The whole capacity, for a writer that reports how much it filled (then call resize).
  std::span<uint8_t> capacity_span() { return {bytes_, N}; }
  // False (and no change) when `n` exceeds the capacity.
  bool resize(size_t n) {
    if (n > N) return false;
    size_ = n;
    return true;
  }
  bool assign(std::span<const uint8_t> src) {
    if (src.size() > N) return false;
    for (size_t i = 0; i < src.size(); ++i) bytes_[i] = src[i];
    size_ = src.size();
    return true;
  }
  void clear() { size_ = 0; }

 protected:
  uint8_t bytes_[N] = {};
  size_t size_ = 0;
};

template <size_t N>
class SecretArray : public ByteArray<N> {
 public:
  SecretArray() = default;
  SecretArray(const SecretArray&) = delete;
  SecretArray& operator=(const SecretArray&) = delete;
  ~SecretArray() { wipe(); }
  void wipe() {
    SecureZero(this->bytes_, N);
    this->size_ = 0;
  }
};

}  // namespace hsm
