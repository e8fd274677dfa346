// Algorithm and object vocabulary shared by the host and the firmware. The device knows
// nothing of PKCS#11: the host maps CKM_/CKK_/CKA_ to these once (src/token/device/).
#pragma once

#include <cstdint>

namespace wire {

using KeyId = uint32_t;  // 0 is never a valid object id
inline constexpr KeyId kNoKey = 0;

enum class ObjectKind : uint8_t {
  kData = 1,        // attributes only (certificates, data objects)
  kPublicKey = 2,   // public value + attributes
  kPrivateKey = 3,  // private blob + public value + attributes
  kSecretKey = 4,   // secret blob + attributes
};

enum class KeyType : uint8_t {
  kNone = 0,
  kEcP256 = 1,
  kEcP384 = 2,
  kRsa2048 = 3,
  kAes128 = 4,
  kAes256 = 5,
  kGenericSecret = 6,  // HMAC keys and ECDH outputs; length in the blob
};

enum class HashAlg : uint8_t { kNone = 0, kSha256 = 1, kSha384 = 2, kSha512 = 3 };

enum class SignAlg : uint8_t {
  kEcdsa = 1,       // input: a digest (any length; truncated per SEC1)
  kRsaPkcs1 = 2,    // input: the DigestInfo (or raw data) to pad with PKCS#1 v1.5 type 1
  kRsaPss = 3,      // input: a digest; hash and salt length in the request
  kHmacSha256 = 4,  // input: the message
};

enum class CipherAlg : uint8_t {
  kAesGcm = 1,     // iv 1..16 bytes (12 recommended), aad, tag 4..16 bytes appended
  kAesCbc = 2,     // no padding: data a multiple of 16
  kAesCbcPad = 3,  // PKCS#7 padding
};

// Object flags the device enforces (usage and protection). The host keeps the full
// PKCS#11 attribute set in the object's attribute blob.
enum ObjectFlag : uint32_t {
  kFlagToken = 1u << 0,        // persistent (else dropped at device reset / logout of all)
  kFlagPrivate = 1u << 1,      // needs the user logged in to use or read
  kFlagSensitive = 1u << 2,    // secret material never leaves the device
  kFlagExtractable = 1u << 3,  // may leave wrapped
  kFlagSign = 1u << 4,
  kFlagVerify = 1u << 5,
  kFlagEncrypt = 1u << 6,
  kFlagDecrypt = 1u << 7,
  kFlagDerive = 1u << 8,
  kFlagWrap = 1u << 9,
  kFlagUnwrap = 1u << 10,
  kFlagModifiable = 1u << 11,
};

// Who logs in.
enum class User : uint8_t { kSo = 0, kUser = 1 };

// DeviceInfo capability bits: what the device can do.
enum Capability : uint32_t {
  kCapEcP256 = 1u << 0,
  kCapEcP384 = 1u << 1,
  kCapEcdsa = 1u << 2,
  kCapEcdh = 1u << 3,
  kCapRsa2048 = 1u << 4,  // keygen, import, PKCS#1 v1.5 and PSS signing, verify
  kCapAes = 1u << 5,      // AES-128/256 keygen
  kCapAesGcm = 1u << 6,
  kCapAesCbc = 1u << 7,
  kCapSha = 1u << 8,  // SHA-256/384/512 digests
  kCapHmacSha256 = 1u << 9,
  kCapRandom = 1u << 10,
  kCapWrap = 1u << 11,  // AES key wrap (RFC 3394) of extractable keys under an AES key
};

}  // namespace wire
