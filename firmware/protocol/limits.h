// Fixed capacities of the wire protocol and the firmware, in one place. The host build
// (emulator, gadget, host transport and tests) uses the defaults of wire::Capacities below; a
// port with little RAM chooses smaller numbers in a header of its own, named by the
// ARCA_PORT_CAPACITIES compile definition, which defines wire::kPortCapacities (see
// ports/cortex-m/capacities.h). Every buffer the firmware holds is sized from these numbers.
// The encoding does not depend on them (a Bytes field is length-prefixed), so a host built
// with the defaults talks to a smaller device; the device reports its numbers in DeviceInfo
// (InfoRsp) and the host never sends more than they allow.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wire {

struct Capacities {
  // Largest payload of one frame; frame buffers are this plus header and CRC. At least the
  // largest message the other numbers make (messages.h checks that).
  size_t max_payload = 16384;
  // Host-encoded attributes the device stores beside each object without interpreting them.
  size_t max_attr_blob = 3072;
  // Largest public value: an RSA-2048 modulus + exponent, or an uncompressed P-384 point.
  size_t max_public = 512;
  // Largest private key blob the crypto port produces (RSA-2048 CRT parts with headroom).
  size_t max_key_blob = 1536;
  // Largest plaintext key import (PKCS#8 of an RSA-2048 key, or a raw secret).
  size_t max_import = 2048;
  // Largest signature: RSA-2048 with headroom (ECDSA P-384 r || s is 96 bytes).
  size_t max_signature = 512;
  size_t max_aad = 1024;
  // One cipher/sign/HMAC/digest request carries at most this much data.
  size_t max_data = 8192;
  // Objects listed per ListObjects response (the host pages with `after`).
  size_t max_list_ids = 64;
  // Token objects the key store holds.
  size_t max_objects = 128;
  // Firmware only: flash sectors the key store can manage (its RAM picture of the flash
  // keeps two records of each: about 40 bytes per sector).
  size_t key_store_sectors = 64;
  // Firmware only: session objects the device holds in RAM (each a whole object record).
  size_t session_objects = 32;
  // Firmware only: bytes of a static memory pool for the crypto library, for a port that
  // has no heap (0: the port's crypto library allocates from the C library, as on the host).
  size_t crypto_pool = 0;
};

}  // namespace wire

#ifdef ARCA_PORT_CAPACITIES
#include ARCA_PORT_CAPACITIES
#else
namespace wire {
inline constexpr Capacities kPortCapacities{};
}  // namespace wire
#endif

namespace wire {

inline constexpr size_t kMaxPayload = kPortCapacities.max_payload;
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
inline constexpr size_t kMaxAttrBlob = kPortCapacities.max_attr_blob;
inline constexpr size_t kMaxPublic = kPortCapacities.max_public;
inline constexpr size_t kMaxKeyBlob = kPortCapacities.max_key_blob;
inline constexpr size_t kMaxImport = kPortCapacities.max_import;
inline constexpr size_t kMaxSignature = kPortCapacities.max_signature;
inline constexpr size_t kMaxDigest = 64;
inline constexpr size_t kMaxIv = 16;
inline constexpr size_t kMaxAad = kPortCapacities.max_aad;
inline constexpr size_t kMaxTag = 16;
inline constexpr size_t kMaxData = kPortCapacities.max_data;
inline constexpr size_t kMaxRandom = 1024;
inline constexpr size_t kMaxListIds = kPortCapacities.max_list_ids;
inline constexpr size_t kMaxObjects = kPortCapacities.max_objects;

// DeviceInfo carries the limits in 16-bit fields (max_data and max_payload in 32-bit ones).
static_assert(kMaxAttrBlob <= 0xFFFF && kMaxImport <= 0xFFFF && kMaxAad <= 0xFFFF &&
              kMaxPublic <= 0xFFFF && kPortCapacities.session_objects <= 0xFFFF &&
              kMaxObjects <= 0xFFFF);

}  // namespace wire
