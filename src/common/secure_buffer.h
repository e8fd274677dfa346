// Zeroizing containers for secrets: PINs, master keys, key values, decrypted rows.
// Memory they release is wiped with OPENSSL_cleanse first, including the old block when a
// vector grows. SecureBuffer is move-only; copying a secret must be spelled Clone().
#pragma once

#include <openssl/crypto.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace p11 {

template <class T>
struct ZeroizingAllocator {
  using value_type = T;
  ZeroizingAllocator() noexcept = default;
  template <class U>
  ZeroizingAllocator(const ZeroizingAllocator<U>&) noexcept {}  // NOLINT
  T* allocate(std::size_t n) { return std::allocator<T>().allocate(n); }
  void deallocate(T* p, std::size_t n) noexcept {
    OPENSSL_cleanse(p, n * sizeof(T));
    std::allocator<T>().deallocate(p, n);
  }
  template <class U>
  bool operator==(const ZeroizingAllocator<U>&) const noexcept {
    return true;
  }
};

// A copyable byte vector that wipes itself: used for attribute values, which objects copy.
using ZBytes = std::vector<uint8_t, ZeroizingAllocator<uint8_t>>;

using ByteView = std::span<const uint8_t>;

// A non-owning view of secret bytes (a PIN, a key). Distinct type so secrets are visible in
// signatures and never silently converted to strings.
struct SecretView {
  ByteView bytes;
  size_t size() const { return bytes.size(); }
  const uint8_t* data() const { return bytes.data(); }
};

class SecureBuffer {
 public:
  SecureBuffer() = default;
  explicit SecureBuffer(size_t n) : data_(n) {}
  explicit SecureBuffer(ByteView bytes) : data_(bytes.begin(), bytes.end()) {}
  SecureBuffer(SecureBuffer&&) noexcept = default;
  SecureBuffer& operator=(SecureBuffer&&) noexcept = default;
  SecureBuffer(const SecureBuffer&) = delete;
  SecureBuffer& operator=(const SecureBuffer&) = delete;

  SecureBuffer Clone() const { return SecureBuffer(ByteView(data_)); }

  uint8_t* data() { return data_.data(); }
  const uint8_t* data() const { return data_.data(); }
  size_t size() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  void resize(size_t n) { data_.resize(n); }
  void clear() { data_.clear(); }
  void Append(ByteView more) { data_.insert(data_.end(), more.begin(), more.end()); }
  std::span<uint8_t> span() { return data_; }
  ByteView view() const { return data_; }
  SecretView secret() const { return SecretView{data_}; }

  // Constant-time comparison.
  bool Equals(ByteView other) const {
    return other.size() == data_.size() && CRYPTO_memcmp(data_.data(), other.data(), size()) == 0;
  }

 private:
  ZBytes data_;
};

inline ByteView AsBytes(std::string_view s) {
  return ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

}  // namespace p11
