// Fuzz target: imported key objects (C_CreateObject / C_UnwrapKey values) through
// CompleteKeyObject and MakeKeyMaterial. Any input must give a result, never a crash.
//
// Input: byte 0 picks the class and key type; byte 1 holds flags (bit 0: use a real curve OID
// for CKA_EC_PARAMS so the fuzzer reaches point and scalar decoding; bits 1–2 pick the curve);
// the rest is a sequence of attribute values, each a 2-byte big-endian length and that many
// bytes, assigned in order to the attributes the key type reads (length 0: attribute absent).
#include <cstddef>
#include <cstdint>
#include <span>

#include "mechanisms/keys.h"

namespace {

using p11::ByteView;
using p11::Object;

struct Kind {
  CK_OBJECT_CLASS object_class;
  CK_KEY_TYPE key_type;
  std::span<const CK_ATTRIBUTE_TYPE> attributes;
};

constexpr CK_ATTRIBUTE_TYPE kRsaAttrs[] = {
    CKA_MODULUS,         CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT, CKA_PRIME_1,
    CKA_PRIME_2,         CKA_EXPONENT_1,      CKA_EXPONENT_2,       CKA_COEFFICIENT,
    CKA_PUBLIC_KEY_INFO, CKA_MODULUS_BITS};
constexpr CK_ATTRIBUTE_TYPE kEcAttrs[] = {CKA_EC_PARAMS, CKA_EC_POINT, CKA_VALUE,
                                          CKA_PUBLIC_KEY_INFO};
constexpr CK_ATTRIBUTE_TYPE kSecretAttrs[] = {CKA_VALUE, CKA_VALUE_LEN};

constexpr Kind kKinds[] = {
    {CKO_PUBLIC_KEY, CKK_RSA, kRsaAttrs},       {CKO_PRIVATE_KEY, CKK_RSA, kRsaAttrs},
    {CKO_PUBLIC_KEY, CKK_EC, kEcAttrs},         {CKO_PRIVATE_KEY, CKK_EC, kEcAttrs},
    {CKO_SECRET_KEY, CKK_AES, kSecretAttrs},    {CKO_SECRET_KEY, CKK_GENERIC_SECRET, kSecretAttrs},
    {CKO_PUBLIC_KEY, CKK_EC_EDWARDS, kEcAttrs}, {CKO_DATA, CKK_RSA, kRsaAttrs},
};

constexpr uint8_t kCurveOids[][10] = {
    {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07},
    {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22},
    {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23},
    {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a},  // secp256k1: not supported
};
constexpr size_t kCurveOidLens[] = {10, 7, 7, 7};

Object BuildObject(ByteView input) {
  const Kind& kind = kKinds[input[0] % std::size(kKinds)];
  uint8_t flags = input.size() > 1 ? input[1] : 0;
  Object key;
  key.SetUlong(CKA_CLASS, kind.object_class);
  key.SetUlong(CKA_KEY_TYPE, kind.key_type);
  ByteView rest = input.size() > 2 ? input.subspan(2) : ByteView();
  for (CK_ATTRIBUTE_TYPE type : kind.attributes) {
    if (rest.size() < 2) break;
    size_t len = (size_t{rest[0]} << 8) | rest[1];
    rest = rest.subspan(2);
    len = len < rest.size() ? len : rest.size();
    if (len != 0) key.Set(type, rest.first(len));
    rest = rest.subspan(len);
  }
  if ((flags & 1) != 0 && kind.key_type == CKK_EC) {
    size_t curve = (flags >> 1) & 3;
    key.Set(CKA_EC_PARAMS, ByteView(kCurveOids[curve], kCurveOidLens[curve]));
  }
  return key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Object key = BuildObject(ByteView(data, size));
  // The stored form and the imported form both must be handled safely.
  (void)p11::MakeKeyMaterial(key);
  Object completed = key;
  if (p11::CompleteKeyObject(completed).ok()) {
    // A key of a supported type that passed the import checks must convert.
    CK_OBJECT_CLASS object_class = completed.Class();
    bool supported = object_class == CKO_SECRET_KEY ||
                     ((object_class == CKO_PUBLIC_KEY || object_class == CKO_PRIVATE_KEY) &&
                      (completed.KeyType() == CKK_RSA || completed.KeyType() == CKK_EC));
    if (supported && !p11::MakeKeyMaterial(completed).ok()) __builtin_trap();
  }
  return 0;
}
