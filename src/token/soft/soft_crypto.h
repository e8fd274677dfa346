// The few primitives encryption at rest is built from, over OpenSSL 3 EVP: AES-256-GCM with
// AAD, HKDF-SHA256, PBKDF2-HMAC-SHA256 and HMAC-SHA256 (through EVP_KDF / EVP_MAC), and the
// DRBG. The sealed format is  iv (12) ‖ ciphertext ‖ tag (16).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/secure_buffer.h"

namespace p11::soft {

inline constexpr size_t kKeyLen = 32;  // AES-256, HMAC-SHA256 keys, master key
inline constexpr size_t kGcmIvLen = 12;
inline constexpr size_t kGcmTagLen = 16;
inline constexpr size_t kSaltLen = 16;

using Digest = std::array<uint8_t, 32>;

// Upper-case hexadecimal, for serial numbers and unique ids.
std::string Hex(ByteView bytes);
// The same digits written into `out`, which holds exactly 2 * bytes.size() bytes.
void HexInto(ByteView bytes, std::span<uint8_t> out);

// `count` bytes from the OpenSSL DRBG (CKR_FUNCTION_FAILED when it cannot deliver).
Result<std::vector<uint8_t>> RandomBytes(size_t count);
Result<SecureBuffer> RandomSecret(size_t count);

// AES-256-GCM under `key` (kKeyLen bytes) with a fresh random IV.
Result<std::vector<uint8_t>> GcmSeal(const SecureBuffer& key, ByteView aad, ByteView plaintext);
// The plaintext, or CKR_ENCRYPTED_DATA_INVALID when the tag does not authenticate (a wrong
// key, altered bytes or a different AAD) or the blob is too short.
Result<SecureBuffer> GcmOpen(const SecureBuffer& key, ByteView aad, ByteView sealed);

// HKDF-SHA256(ikm, salt, info) → kKeyLen bytes.
Result<SecureBuffer> Hkdf(const SecureBuffer& ikm, ByteView salt, std::string_view info);
// PBKDF2-HMAC-SHA256(pin, salt, iterations) → kKeyLen bytes.
Result<SecureBuffer> Pbkdf2(SecretView pin, ByteView salt, unsigned iterations);
// HMAC-SHA256(key, data).
Result<Digest> HmacSha256(const SecureBuffer& key, ByteView data);
// Plain SHA-256, for lookup columns of public objects.
Result<Digest> Sha256(ByteView data);

}  // namespace p11::soft
