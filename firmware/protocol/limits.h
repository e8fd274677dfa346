// Fixed capacities of the wire protocol and the firmware, in one place. Both sides compile
// the same numbers; the device also reports its max payload in DeviceInfo so a host never
// sends more than the device's buffers hold.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wire {

// Largest payload of one frame. A port with little RAM may build with a smaller value.
#ifndef ARCA_WIRE_MAX_PAYLOAD
#define ARCA_WIRE_MAX_PAYLOAD 16384
#endif
inline constexpr size_t kMaxPayload = ARCA_WIRE_MAX_PAYLOAD;
inline constexpr size_t kHeaderSize = 14;  // magic u16, version, flags, op, seq, status, len
inline constexpr size_t kCrcSize = 4;
inline constexpr size_t kMaxFrame = kHeaderSize + kMaxPayload + kCrcSize;

// USB bulk packet sizes: full speed and high speed.
inline constexpr size_t kFullSpeedPacket = 64;
inline constexpr size_t kHighSpeedPacket = 512;

inline constexpr size_t kMaxPin = 64;
inline constexpr size_t kMinPin = 4;
inline constexpr size_t kLabelSize = 32;
inline constexpr size_t kSerialSize = 16;
// Host-encoded attributes the device stores beside each object without interpreting them.
inline constexpr size_t kMaxAttrBlob = 3072;
// Largest public value: an RSA-2048 modulus + exponent, or an uncompressed P-384 point.
inline constexpr size_t kMaxPublic = 512;
// Largest private key blob the crypto port produces (RSA-2048 CRT parts with headroom).
inline constexpr size_t kMaxKeyBlob = 1536;
// Largest plaintext key import (PKCS#8 of an RSA-2048 key, or a raw secret).
inline constexpr size_t kMaxImport = 2048;
inline constexpr size_t kMaxSignature = 512;
inline constexpr size_t kMaxDigest = 64;
inline constexpr size_t kMaxIv = 16;
inline constexpr size_t kMaxAad = 1024;
inline constexpr size_t kMaxTag = 16;
// One cipher/sign/HMAC request carries at most this much data.
inline constexpr size_t kMaxData = 8192;
inline constexpr size_t kMaxRandom = 1024;
// Objects listed per ListObjects response (the host pages with `after`).
inline constexpr size_t kMaxListIds = 64;
// Objects the key store holds.
inline constexpr size_t kMaxObjects = 128;

}  // namespace wire
