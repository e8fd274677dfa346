// The ceiling: each case's work done directly with OpenSSL 3's EVP API in this process, per
// operation the way an application would (a fresh context per signature, cipher or MAC,
// keys and algorithm objects fetched once).
#pragma once

#include <cstddef>

#include "bench_case.h"

namespace bench {

inline constexpr size_t kHashLen = 32;       // a SHA-256 hash, signed as is
inline constexpr size_t kMessageLen = 1024;  // messages hashed inside the mechanism
inline constexpr size_t kBulkLen = 1 << 20;  // cipher and digest throughput payload
inline constexpr size_t kRandomLen = 32;

enum class KeyKind { kEcP256, kRsa2048, kEd25519, kAes256 };
enum class SignKind { kEcdsaHash32, kEcdsaSha256, kRsaPkcs1Sha256, kRsaPssSha256, kEd25519 };
enum class CipherKind { kAes256Gcm, kAes256Cbc };

// `read_point`: also read the new EC key's public point, encoded (uncompressed).
Prepared OpensslKeygen(KeyKind kind, bool read_point = false);
Prepared OpensslSign(SignKind kind, int threads);
Prepared OpensslVerify(SignKind kind);
Prepared OpensslEncrypt(CipherKind kind, int threads);
Prepared OpensslSha256();
Prepared OpensslHmacSha256();
Prepared OpensslRandom();

}  // namespace bench
