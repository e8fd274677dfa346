// The Arca device protocol: every operation and its request and response, declared once.
// HSM_OPS is the only list of operations; the firmware dispatcher (firmware/core/) and the
// host client (src/transport/) both expand it. Field order is wire order; see message.h for
// the encoding and frame.h for the frame around it. Adding an operation = one row + its
// message structs here + a handler; golden bytes in tests/firmware/protocol pin the format.
#pragma once

#include <cstdint>

#include "protocol/limits.h"
#include "protocol/message.h"
#include "protocol/types.h"

namespace wire {

using Pin = Bytes<kMaxPin>;
using AttrBlob = Bytes<kMaxAttrBlob>;
using PublicValue = Bytes<kMaxPublic>;

// Token flag bits in InfoRsp::token_flags.
enum TokenFlag : uint8_t {
  kTokenInitialized = 1u << 0,
  kTokenUserPinInitialized = 1u << 1,
  kTokenUserPinLocked = 1u << 2,
  kTokenSoPinLocked = 1u << 3,
  kTokenUserLoggedIn = 1u << 4,
  kTokenSoLoggedIn = 1u << 5,
};

// The device's facts and state, and the capacities it was built with (limits.h): a host
// never sends a request that exceeds them.
struct InfoRsp {
  Bytes<kSerialSize> serial;
  Bytes<kLabelSize> label;
  uint8_t hw_major = 0, hw_minor = 0, fw_major = 0, fw_minor = 0;
  uint32_t capabilities = 0;  // Capability bits
  uint32_t max_payload = 0;   // kMaxPayload: the largest request payload
  uint16_t free_objects = 0, total_objects = 0;
  uint8_t token_flags = 0;  // TokenFlag bits
  uint8_t user_failures = 0, so_failures = 0, max_failures = 0;
  uint8_t min_pin = 0, max_pin = 0;
  uint32_t max_data = 0;  // kMaxData: data of one Sign/Verify/Encrypt/Digest (+ tag to Decrypt)
  // kMaxAttrBlob: an object's attribute blob (a generated key pair's public half: half of it).
  uint16_t max_attr_blob = 0;
  uint16_t max_import = 0;       // kMaxImport: plaintext key material (wrapped: 16 more)
  uint16_t max_aad = 0;          // kMaxAad
  uint16_t max_public = 0;       // kMaxPublic: a public value or a peer point
  uint16_t session_objects = 0;  // session objects the device holds at once
  WIRE_FIELDS(serial, label, hw_major, hw_minor, fw_major, fw_minor, capabilities, max_payload,
              free_objects, total_objects, token_flags, user_failures, so_failures, max_failures,
              min_pin, max_pin, max_data, max_attr_blob, max_import, max_aad, max_public,
              session_objects);
};

struct RandomReq {
  uint16_t length = 0;  // 1..kMaxRandom
  WIRE_FIELDS(length);
};
struct RandomRsp {
  Bytes<kMaxRandom> bytes;
  WIRE_FIELDS(bytes);
};

// Initialises (or re-initialises, wiping every object) the token.
struct InitTokenReq {
  Pin so_pin;
  Bytes<kLabelSize> label;
  WIRE_FIELDS(so_pin, label);
};
struct LoginReq {
  User who = User::kUser;
  Pin pin;
  WIRE_FIELDS(who, pin);
};
// Sets the user PIN; the SO is logged in.
struct InitPinReq {
  Pin pin;
  WIRE_FIELDS(pin);
};
// Changes the PIN of `who` (logged in as `who`, or nobody for the user's own PIN).
struct SetPinReq {
  User who = User::kUser;
  Pin old_pin, new_pin;
  WIRE_FIELDS(who, old_pin, new_pin);
};

struct GenerateKeyReq {
  KeyType type = KeyType::kNone;  // kAes128, kAes256, kGenericSecret
  uint16_t length = 0;            // bytes, for kGenericSecret only
  uint32_t flags = 0;             // ObjectFlag bits
  AttrBlob attrs;
  WIRE_FIELDS(type, length, flags, attrs);
};
struct KeyRsp {
  KeyId key = kNoKey;
  PublicValue public_value;  // EC: uncompressed point; RSA: PKCS#1 RSAPublicKey DER
  WIRE_FIELDS(key, public_value);
};

struct GenerateKeyPairReq {
  KeyType type = KeyType::kNone;  // kEcP256, kEcP384, kRsa2048
  uint32_t public_flags = 0, private_flags = 0;
  Bytes<kMaxAttrBlob / 2> public_attrs;
  Bytes<kMaxAttrBlob> private_attrs;
  WIRE_FIELDS(type, public_flags, private_flags, public_attrs, private_attrs);
};
struct KeyPairRsp {
  KeyId public_key = kNoKey, private_key = kNoKey;
  PublicValue public_value;
  WIRE_FIELDS(public_key, private_key, public_value);
};

// Imports key material. `unwrapping_key` kNoKey: `material` is plaintext (the user is logged
// in); otherwise it is AES key wrap with padding (RFC 5649) under that device AES key.
// Material: private key = PKCS#8 PrivateKeyInfo DER; public key = the PublicValue encoding;
// secret key = the raw bytes.
struct ImportKeyReq {
  ObjectKind kind = ObjectKind::kSecretKey;
  KeyType type = KeyType::kNone;
  uint32_t flags = 0;
  KeyId unwrapping_key = kNoKey;
  Bytes<kMaxImport + 16> material;
  AttrBlob attrs;
  WIRE_FIELDS(kind, type, flags, unwrapping_key, material, attrs);
};

// A data object (certificate, data): attributes only.
struct CreateObjectReq {
  uint32_t flags = 0;
  AttrBlob attrs;
  WIRE_FIELDS(flags, attrs);
};
struct IdRsp {
  KeyId id = kNoKey;
  WIRE_FIELDS(id);
};

// Replaces an object's attribute blob and flags. The device refuses to clear kFlagSensitive
// or to set kFlagExtractable once clear (kKeyFunctionNotPermitted), and to touch an object
// without kFlagModifiable.
struct SetAttributesReq {
  KeyId id = kNoKey;
  uint32_t flags = 0;
  AttrBlob attrs;
  WIRE_FIELDS(id, flags, attrs);
};

struct IdReq {
  KeyId id = kNoKey;
  WIRE_FIELDS(id);
};

// Object ids greater than `after`, ascending; private objects only while the user is in.
struct ListReq {
  KeyId after = kNoKey;
  WIRE_FIELDS(after);
};
struct ListRsp {
  Bytes<kMaxListIds * 4> ids;  // little-endian u32 each
  uint8_t more = 0;
  WIRE_FIELDS(ids, more);
};

struct ObjectRsp {
  ObjectKind kind = ObjectKind::kData;
  KeyType type = KeyType::kNone;
  uint32_t flags = 0;
  uint16_t secret_length = 0;  // bytes of a secret key's value (CKA_VALUE_LEN)
  PublicValue public_value;
  AttrBlob attrs;
  WIRE_FIELDS(kind, type, flags, secret_length, public_value, attrs);
};

struct SignReq {
  KeyId key = kNoKey;
  SignAlg alg = SignAlg::kEcdsa;
  HashAlg hash = HashAlg::kNone;  // kRsaPss: the digest's hash (also for MGF1)
  uint16_t salt_length = 0;       // kRsaPss
  Bytes<kMaxData> data;
  WIRE_FIELDS(key, alg, hash, salt_length, data);
};
struct SignatureRsp {
  Bytes<kMaxSignature> signature;  // ECDSA: r || s, each the curve's size
  WIRE_FIELDS(signature);
};
// Status kSignatureInvalid when it does not verify; response Empty.
struct VerifyReq {
  KeyId key = kNoKey;
  SignAlg alg = SignAlg::kEcdsa;
  HashAlg hash = HashAlg::kNone;
  uint16_t salt_length = 0;
  Bytes<kMaxData> data;
  Bytes<kMaxSignature> signature;
  WIRE_FIELDS(key, alg, hash, salt_length, data, signature);
};

// Encrypt: GCM appends the tag; decrypt: GCM expects it appended.
struct CipherReq {
  KeyId key = kNoKey;
  CipherAlg alg = CipherAlg::kAesGcm;
  uint8_t tag_length = 16;  // GCM only
  Bytes<kMaxIv> iv;
  Bytes<kMaxAad> aad;
  Bytes<kMaxData + kMaxTag> data;
  WIRE_FIELDS(key, alg, tag_length, iv, aad, data);
};
struct DataRsp {
  Bytes<kMaxData + kMaxTag + 16> data;
  WIRE_FIELDS(data);
};

// ECDH (the x-coordinate of the shared point, its leading `length` bytes) into a new
// device secret key.
struct DeriveReq {
  KeyId key = kNoKey;
  PublicValue peer_point;  // uncompressed point on the key's curve
  KeyType type = KeyType::kGenericSecret;
  uint16_t length = 0;
  uint32_t flags = 0;
  AttrBlob attrs;
  WIRE_FIELDS(key, peer_point, type, length, flags, attrs);
};

struct DigestReq {
  HashAlg hash = HashAlg::kSha256;
  Bytes<kMaxData> data;
  WIRE_FIELDS(hash, data);
};
struct DigestRsp {
  Bytes<kMaxDigest> digest;
  WIRE_FIELDS(digest);
};

// An extractable key's material wrapped (RFC 5649) under an AES key with kFlagWrap; the
// material is encoded as ImportKeyReq expects it.
struct WrapReq {
  KeyId wrapping_key = kNoKey;
  KeyId key = kNoKey;
  WIRE_FIELDS(wrapping_key, key);
};
struct WrappedRsp {
  Bytes<kMaxImport + 16> wrapped;
  WIRE_FIELDS(wrapped);
};

// code, name, request, response
#define HSM_OPS(X)                                                           \
  X(0x0001, GetInfo, ::wire::Empty, ::wire::InfoRsp)                         \
  X(0x0002, GetRandom, ::wire::RandomReq, ::wire::RandomRsp)                 \
  X(0x0010, InitToken, ::wire::InitTokenReq, ::wire::Empty)                  \
  X(0x0011, Login, ::wire::LoginReq, ::wire::Empty)                          \
  X(0x0012, Logout, ::wire::Empty, ::wire::Empty)                            \
  X(0x0013, InitPin, ::wire::InitPinReq, ::wire::Empty)                      \
  X(0x0014, SetPin, ::wire::SetPinReq, ::wire::Empty)                        \
  X(0x0020, GenerateKey, ::wire::GenerateKeyReq, ::wire::KeyRsp)             \
  X(0x0021, GenerateKeyPair, ::wire::GenerateKeyPairReq, ::wire::KeyPairRsp) \
  X(0x0022, ImportKey, ::wire::ImportKeyReq, ::wire::KeyRsp)                 \
  X(0x0023, CreateObject, ::wire::CreateObjectReq, ::wire::IdRsp)            \
  X(0x0024, SetAttributes, ::wire::SetAttributesReq, ::wire::Empty)          \
  X(0x0025, DestroyObject, ::wire::IdReq, ::wire::Empty)                     \
  X(0x0026, ListObjects, ::wire::ListReq, ::wire::ListRsp)                   \
  X(0x0027, GetObject, ::wire::IdReq, ::wire::ObjectRsp)                     \
  X(0x0030, Sign, ::wire::SignReq, ::wire::SignatureRsp)                     \
  X(0x0031, Verify, ::wire::VerifyReq, ::wire::Empty)                        \
  X(0x0032, Encrypt, ::wire::CipherReq, ::wire::DataRsp)                     \
  X(0x0033, Decrypt, ::wire::CipherReq, ::wire::DataRsp)                     \
  X(0x0034, Derive, ::wire::DeriveReq, ::wire::KeyRsp)                       \
  X(0x0035, Digest, ::wire::DigestReq, ::wire::DigestRsp)                    \
  X(0x0036, WrapKey, ::wire::WrapReq, ::wire::WrappedRsp)

enum class Op : uint16_t {
#define WIRE_OP_ENUM(code, name, req, rsp) k##name = code,
  HSM_OPS(WIRE_OP_ENUM)
#undef WIRE_OP_ENUM
};

// OpTraits<Op::kSign>::Request is SignReq, and so on.
template <Op op>
struct OpTraits;
#define WIRE_OP_TRAITS(code, name, req, rsp)    \
  template <>                                   \
  struct OpTraits<Op::k##name> {                \
    using Request = req;                        \
    using Response = rsp;                       \
    static constexpr const char* kName = #name; \
  };
HSM_OPS(WIRE_OP_TRAITS)
#undef WIRE_OP_TRAITS

// Every request and response fits one frame.
#define WIRE_OP_FITS(code, name, req, rsp)                                                   \
  static_assert(MaxEncodedSize<req>() <= kMaxPayload, #name " request exceeds kMaxPayload"); \
  static_assert(MaxEncodedSize<rsp>() <= kMaxPayload, #name " response exceeds kMaxPayload");
HSM_OPS(WIRE_OP_FITS)
#undef WIRE_OP_FITS

// The op's name for traces, or "?" for an unknown code.
constexpr const char* OpName(uint16_t code) {
#define WIRE_OP_NAME(c, name, req, rsp) \
  if (code == c) return #name;
  HSM_OPS(WIRE_OP_NAME)
#undef WIRE_OP_NAME
  return "?";
}

}  // namespace wire
