// Shared helpers for the MbedCrypto tests (fw_workers): hex vectors, a deterministic entropy
// source (so every DRBG-drawn value is reproducible), a fixture with a seeded MbedCrypto,
// and owners for the OpenSSL objects the cross-checks use. Test-only, hosted code.
#pragma once

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <ostream>
#include <span>
#include <string_view>
#include <vector>

#include "workers/mbedtls_crypto.h"

namespace hsm {
// Readable gtest failure messages for Status.
inline void PrintTo(Status s, std::ostream* os) { *os << "Status(" << static_cast<int>(s) << ")"; }
}  // namespace hsm

namespace hsm_test {

using Bytes = std::vector<uint8_t>;

inline Bytes Hex(std::string_view hex) {
  Bytes out;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  int high = -1;
  for (char c : hex) {
    const int v = nibble(c);
    if (v < 0) continue;  // spaces and separators as printed in the RFCs
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<uint8_t>(high << 4 | v));
      high = -1;
    }
  }
  return out;
}

inline Bytes Str(std::string_view s) { return Bytes(s.begin(), s.end()); }

inline Bytes Repeat(uint8_t byte, size_t n) { return Bytes(n, byte); }

// A reproducible stream (xorshift64*), never to be used outside tests.
class DeterministicEntropy final : public hsm::EntropySource {
 public:
  explicit DeterministicEntropy(uint64_t seed) : state_(seed * 2 + 1) {}
  hsm::Status Gather(std::span<uint8_t> out) override {
    ++calls_;
    for (uint8_t& b : out) {
      state_ ^= state_ >> 12;
      state_ ^= state_ << 25;
      state_ ^= state_ >> 27;
      b = static_cast<uint8_t>((state_ * 0x2545F4914F6CDD1DULL) >> 56);
    }
    return hsm::Status::kOk;
  }
  int calls() const { return calls_; }

 private:
  uint64_t state_;
  int calls_ = 0;
};

class FailingEntropy final : public hsm::EntropySource {
 public:
  hsm::Status Gather(std::span<uint8_t>) override { return hsm::Status::kCryptoError; }
};

inline void SetBlob(hsm::KeyBlob& blob, std::span<const uint8_t> bytes) {
  ASSERT_TRUE(blob.assign(bytes));
}

// A seeded MbedCrypto over a deterministic entropy source.
class CryptoTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(crypto_.Init(), hsm::Status::kOk); }

  DeterministicEntropy entropy_{42};
  hsm::MbedCrypto crypto_{entropy_};
};

// OpenSSL owners for the cross-checks.
struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

inline PkeyCtx CtxFor(EVP_PKEY* key) { return PkeyCtx(EVP_PKEY_CTX_new(key, nullptr)); }

}  // namespace hsm_test
