// What the core knows about kinds, key types and flags: which values are defined, which
// types fit which kinds and mechanisms, and their sizes. One place, so every handler checks a
// hostile request's enums the same way (an out-of-range value is never cast and used).
#pragma once

#include <cstddef>
#include <cstdint>

#include "protocol/types.h"

namespace hsm {

inline constexpr uint32_t kAllObjectFlags =
    wire::kFlagToken | wire::kFlagPrivate | wire::kFlagSensitive | wire::kFlagExtractable |
    wire::kFlagSign | wire::kFlagVerify | wire::kFlagEncrypt | wire::kFlagDecrypt |
    wire::kFlagDerive | wire::kFlagWrap | wire::kFlagUnwrap | wire::kFlagModifiable;

constexpr bool KnownFlags(uint32_t flags) { return (flags & ~kAllObjectFlags) == 0; }

constexpr bool ValidKind(wire::ObjectKind kind) {
  return kind >= wire::ObjectKind::kData && kind <= wire::ObjectKind::kSecretKey;
}
constexpr bool ValidKeyType(wire::KeyType type) {
  return type >= wire::KeyType::kEcP256 && type <= wire::KeyType::kGenericSecret;
}
constexpr bool IsEc(wire::KeyType type) {
  return type == wire::KeyType::kEcP256 || type == wire::KeyType::kEcP384;
}
constexpr bool IsRsa(wire::KeyType type) { return type == wire::KeyType::kRsa2048; }
constexpr bool IsAes(wire::KeyType type) {
  return type == wire::KeyType::kAes128 || type == wire::KeyType::kAes256;
}
constexpr bool IsAsymmetric(wire::KeyType type) { return IsEc(type) || IsRsa(type); }
constexpr bool IsSymmetric(wire::KeyType type) {
  return IsAes(type) || type == wire::KeyType::kGenericSecret;
}

// Whether a stored object of `kind` may have `type` (data objects have none).
constexpr bool KindFitsType(wire::ObjectKind kind, wire::KeyType type) {
  switch (kind) {
    case wire::ObjectKind::kData:
      return type == wire::KeyType::kNone;
    case wire::ObjectKind::kPublicKey:
    case wire::ObjectKind::kPrivateKey:
      return IsAsymmetric(type);
    case wire::ObjectKind::kSecretKey:
      return IsSymmetric(type);
  }
  return false;
}

// Bytes of an AES key, 0 for other types.
constexpr size_t AesKeyLength(wire::KeyType type) {
  return type == wire::KeyType::kAes128 ? 16 : type == wire::KeyType::kAes256 ? 32 : 0;
}
// Bytes of a field element (and of the ECDH output), 0 for other types.
constexpr size_t CurveSize(wire::KeyType type) {
  return type == wire::KeyType::kEcP256 ? 32 : type == wire::KeyType::kEcP384 ? 48 : 0;
}
inline constexpr size_t kMaxGenericSecret = 64;
inline constexpr size_t kRsaModulusBytes = 256;

constexpr bool ValidHash(wire::HashAlg hash) {
  return hash >= wire::HashAlg::kSha256 && hash <= wire::HashAlg::kSha512;
}
constexpr size_t HashLength(wire::HashAlg hash) {
  switch (hash) {
    case wire::HashAlg::kSha256:
      return 32;
    case wire::HashAlg::kSha384:
      return 48;
    case wire::HashAlg::kSha512:
      return 64;
    case wire::HashAlg::kNone:
      break;
  }
  return 0;
}

}  // namespace hsm
