// SealedStore: the storage format of objects (kryoptic's StdStorageFormat over raw rows).
// Turns an Object into the rows the SQL layer writes, and back, so SQL code only ever sees
// ciphertext for secrets:
// - CKA_CLASS, CKA_TOKEN and CKA_PRIVATE live in plaintext columns;
// - every other attribute of a private object, and the secret parts of keys
//   (policy::IsSecretAttribute) of public ones, are AES-256-GCM sealed under a data key
//   HKDF-derived from the token's master key, with AAD binding (token uuid, object id, type);
// - CKA_LABEL and CKA_ID are also stored as lookup hashes: HMAC-SHA256 under a second
//   derived key for private objects, plain SHA-256 for public ones.
// The keys exist only between Unlock() and Lock() (login to logout) and are zeroized after.
// A copy shares the keys, immutable once derived: a writer seals with its copy outside the
// token's lock, and a Lock() meanwhile only drops this instance's share; the keys are wiped
// when the last copy lets go.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "common/result.h"
#include "common/secure_buffer.h"
#include "token/object.h"
#include "token/soft/soft_crypto.h"
#include "token/token_backend.h"

namespace p11::soft {

struct AttrRow {
  CK_ATTRIBUTE_TYPE type = 0;
  std::vector<uint8_t> value;  // sealed blob when `encrypted`, else the plain value
  bool encrypted = false;
};

// The plaintext columns of an objects row.
struct ObjectHeader {
  CK_OBJECT_CLASS object_class = 0;
  bool is_private = false;
  std::optional<Digest> label_hash;
  std::optional<Digest> id_hash;
};

struct ObjectRow {
  ObjectId id = 0;
  ObjectHeader header;
  std::vector<AttrRow> attributes;
};

// What Unseal recovered: `withheld` when sealed attributes of a public object could not be
// opened because the store is locked (the object is usable for its public parts only).
struct Unsealed {
  Object object;
  bool withheld = false;
};

class SealedStore {
 public:
  SealedStore() = default;

  // Derives the data and index keys from `master_key` for the token `token_uuid`.
  Result<void> Unlock(SecureBuffer master_key, ByteView token_uuid);
  // Lets go of the keys (zeroized once no copy holds them).
  void Lock() { keys_.reset(); }
  bool unlocked() const { return keys_ != nullptr; }
  // Only while unlocked().
  const SecureBuffer& master_key() const { return keys_->master; }

  // Whether storing `object` needs the keys (it is private or holds a secret attribute).
  static bool NeedsKeys(const Object& object);
  // CKR_USER_NOT_LOGGED_IN when a private object's lookup hash needs the locked key.
  Result<ObjectHeader> Header(const Object& object) const;
  // The attribute rows of `object` stored as object `id`.
  Result<std::vector<AttrRow>> Seal(ObjectId id, const Object& object) const;
  // The object back. A sealed value that does not authenticate (altered, or moved to another
  // object or attribute) → CKR_DEVICE_ERROR: the store is damaged, and no data is returned.
  Result<Unsealed> Unseal(const ObjectRow& row) const;

 private:
  std::vector<uint8_t> Aad(ObjectId id, CK_ATTRIBUTE_TYPE type) const;
  Result<std::optional<Digest>> LookupHash(const Object& object, CK_ATTRIBUTE_TYPE type) const;

  struct Keys {
    SecureBuffer master;
    SecureBuffer data;
    SecureBuffer index;
    std::vector<uint8_t> token_uuid;
  };
  std::shared_ptr<const Keys> keys_;
};

}  // namespace p11::soft
