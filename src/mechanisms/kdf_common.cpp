// Shared key-derivation helpers (see kdf_common.h).
#include "mechanisms/kdf_common.h"

#include <algorithm>
#include <array>

namespace p11::kdf {
namespace {

struct HashRow {
  CK_MECHANISM_TYPE hash;
  CK_MECHANISM_TYPE hmac;
  const char* name;
};

constexpr HashRow kHashes[] = {
    {CKM_SHA_1, CKM_SHA_1_HMAC, "SHA1"},
    {CKM_SHA224, CKM_SHA224_HMAC, "SHA224"},
    {CKM_SHA256, CKM_SHA256_HMAC, "SHA256"},
    {CKM_SHA384, CKM_SHA384_HMAC, "SHA384"},
    {CKM_SHA512, CKM_SHA512_HMAC, "SHA512"},
    {CKM_SHA512_224, CKM_SHA512_224_HMAC, "SHA512-224"},
    {CKM_SHA512_256, CKM_SHA512_256_HMAC, "SHA512-256"},
    {CKM_SHA3_224, CKM_SHA3_224_HMAC, "SHA3-224"},
    {CKM_SHA3_256, CKM_SHA3_256_HMAC, "SHA3-256"},
    {CKM_SHA3_384, CKM_SHA3_384_HMAC, "SHA3-384"},
    {CKM_SHA3_512, CKM_SHA3_512_HMAC, "SHA3-512"},
};

// Key types a derive mechanism may produce. `fixed_len` is the length a type always has
// (0: variable); `lengths` lists the only lengths allowed (all zero: any non-zero length).
struct DerivedTypeRow {
  CK_KEY_TYPE type;
  size_t fixed_len;
  std::array<size_t, 3> lengths;
};

constexpr DerivedTypeRow kDerivedTypes[] = {
    {CKK_GENERIC_SECRET, 0, {}},  {CKK_HKDF, 0, {}},
    {CKK_AES, 0, {16, 24, 32}},   {CKK_CHACHA20, 32, {32}},
    {CKK_SHA_1_HMAC, 0, {}},      {CKK_SHA224_HMAC, 0, {}},
    {CKK_SHA256_HMAC, 0, {}},     {CKK_SHA384_HMAC, 0, {}},
    {CKK_SHA512_HMAC, 0, {}},     {CKK_SHA512_224_HMAC, 0, {}},
    {CKK_SHA512_256_HMAC, 0, {}}, {CKK_SHA3_224_HMAC, 0, {}},
    {CKK_SHA3_256_HMAC, 0, {}},   {CKK_SHA3_384_HMAC, 0, {}},
    {CKK_SHA3_512_HMAC, 0, {}},
};

const DerivedTypeRow* FindDerivedType(CK_KEY_TYPE type) {
  for (const DerivedTypeRow& row : kDerivedTypes) {
    if (row.type == type) return &row;
  }
  return nullptr;
}

}  // namespace

bool IsSecretKeyType(CK_KEY_TYPE type) { return FindDerivedType(type) != nullptr; }

Result<ByteView> CallerBytes(const void* data, CK_ULONG len, bool allow_empty) {
  if (data == nullptr && len != 0) return Fail(CKR_MECHANISM_PARAM_INVALID, "NULL with length");
  if (len == 0 && !allow_empty) return Fail(CKR_MECHANISM_PARAM_INVALID, "empty byte range");
  if (len == 0) return ByteView();
  return ByteView(static_cast<const uint8_t*>(data), len);
}

Result<void> CheckBaseKey(const Mechanism& mechanism, const KeyMaterial& base) {
  if (base.object_class != CKO_SECRET_KEY || !mechanism.AcceptsKeyType(base.key_type)) {
    return Fail(CKR_KEY_TYPE_INCONSISTENT, "derive base key type");
  }
  const CK_MECHANISM_INFO& info = mechanism.info();
  if (base.secret.size() < info.ulMinKeySize || base.secret.size() > info.ulMaxKeySize) {
    return Fail(CKR_KEY_SIZE_RANGE, "derive base key size");
  }
  return Ok();
}

Result<size_t> DerivedKeyLength(const Object& derived, size_t natural_len, size_t max_len) {
  if (derived.Has(CKA_CLASS) && derived.Class() != CKO_SECRET_KEY) {
    return Fail(CKR_TEMPLATE_INCONSISTENT, "derived class");
  }
  CK_KEY_TYPE type = derived.Has(CKA_KEY_TYPE) ? derived.KeyType() : CKK_GENERIC_SECRET;
  const DerivedTypeRow* row = FindDerivedType(type);
  if (row == nullptr) return Fail(CKR_TEMPLATE_INCONSISTENT, "derived key type");
  size_t len = 0;
  if (derived.Has(CKA_VALUE_LEN)) {
    std::optional<CK_ULONG> given = derived.GetUlong(CKA_VALUE_LEN);
    if (!given || *given == 0) return Fail(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_VALUE_LEN");
    len = *given;
  } else if (row->fixed_len != 0) {
    len = row->fixed_len;
  } else if (row->lengths[0] == 0 && natural_len != 0) {
    len = natural_len;
  } else {
    return Fail(CKR_TEMPLATE_INCOMPLETE, "derived CKA_VALUE_LEN");
  }
  bool allowed = row->lengths[0] == 0 ||
                 std::find(row->lengths.begin(), row->lengths.end(), len) != row->lengths.end();
  if (!allowed || (max_len != 0 && len > max_len)) {
    return Fail(CKR_TEMPLATE_INCONSISTENT, "derived key length");
  }
  return len;
}

void StoreDerivedKey(Object& derived, ByteView value) {
  if (!derived.Has(CKA_CLASS)) derived.SetUlong(CKA_CLASS, CKO_SECRET_KEY);
  if (!derived.Has(CKA_KEY_TYPE)) derived.SetUlong(CKA_KEY_TYPE, CKK_GENERIC_SECRET);
  derived.Set(CKA_VALUE, value);
  derived.SetUlong(CKA_VALUE_LEN, value.size());
}

const char* DigestName(CK_MECHANISM_TYPE hash) {
  for (const HashRow& row : kHashes) {
    if (row.hash == hash) return row.name;
  }
  return nullptr;
}

const char* HmacDigestName(CK_MECHANISM_TYPE hmac) {
  for (const HashRow& row : kHashes) {
    if (row.hmac == hmac) return row.name;
  }
  return nullptr;
}

}  // namespace p11::kdf
