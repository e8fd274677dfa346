// The PKCS#11 two-call length protocol (PKCS#11 3.1 §5.2), in one place.
// An operation asks Reserve(n) for room for n bytes; the caller's NULL buffer makes that a
// length query, a short buffer makes it CKR_BUFFER_TOO_SMALL, and both leave the operation
// active (see KeepsOperation). After writing, the operation calls Commit(written).
#pragma once

#include <cstring>
#include <span>

#include "common/result.h"
#include "common/secure_buffer.h"

namespace p11 {

class OutBuffer {
 public:
  OutBuffer(uint8_t* out, CK_ULONG* out_len) : out_(out), out_len_(out_len) {}

  bool is_query() const { return out_ == nullptr; }
  size_t capacity() const { return out_ ? *out_len_ : 0; }

  // Room for `needed` bytes, or the Error that ends this call with the length reported.
  Result<std::span<uint8_t>> Reserve(size_t needed) {
    if (out_ == nullptr) {
      *out_len_ = needed;
      return Error{CKR_OK, needed, "length query"};
    }
    if (*out_len_ < needed) {
      *out_len_ = needed;
      return Error{CKR_BUFFER_TOO_SMALL, needed, "output buffer"};
    }
    return std::span<uint8_t>(out_, *out_len_);
  }

  void Commit(size_t written) { *out_len_ = written; }

  // Reserve + copy + commit, for results computed into a temporary first.
  Result<void> Put(ByteView bytes) {
    P11_ASSIGN_OR_RETURN(auto dst, Reserve(bytes.size()));
    if (!bytes.empty()) std::memcpy(dst.data(), bytes.data(), bytes.size());
    Commit(bytes.size());
    return Ok();
  }

 private:
  uint8_t* out_;
  CK_ULONG* out_len_;
};

}  // namespace p11
