// Layouts of what the core keeps in the RecordStore: the device's own records at reserved ids
// (token info, the two PIN records, the object id counter, the storage key salt) and the
// object records at ids below hsm::kFirstReservedId. Each is declared with WIRE_FIELDS, so the
// same bounds-checked codec that reads hostile frames also reads flash: a record that does not
// decode exactly is treated as corrupt, never trusted. RAM (session) objects use the object
// layout too, so one loader serves both.
#pragma once

#include <cstddef>
#include <cstdint>

#include "keystore/record_store.h"
#include "protocol/limits.h"
#include "protocol/message.h"
#include "protocol/types.h"

namespace hsm {

inline constexpr uint32_t kTokenInfoRecordId = kFirstReservedId + 0;
inline constexpr uint32_t kSoPinRecordId = kFirstReservedId + 1;
inline constexpr uint32_t kUserPinRecordId = kFirstReservedId + 2;
inline constexpr uint32_t kIdCounterRecordId = kFirstReservedId + 3;
inline constexpr uint32_t kStorageSaltRecordId = kFirstReservedId + 4;
inline constexpr uint32_t kReservedRecordIds[] = {
    kTokenInfoRecordId, kSoPinRecordId, kUserPinRecordId, kIdCounterRecordId, kStorageSaltRecordId};

// Bumped when a layout changes; a record of another format is refused as corrupt.
inline constexpr uint8_t kRecordFormat = 1;

struct TokenInfoRecord {
  uint8_t format = kRecordFormat;
  uint8_t initialized = 0;
  // Set before InitToken starts wiping and cleared when it is done, so a wipe a power loss
  // interrupted is finished at the next start instead of leaving half the old objects.
  uint8_t wipe_pending = 0;
  wire::Bytes<wire::kLabelSize> label;
  wire::Bytes<wire::kSerialSize> serial;
  WIRE_FIELDS(format, initialized, wipe_pending, label, serial);
};

inline constexpr size_t kPinSaltSize = 16;
inline constexpr size_t kPinVerifierSize = 32;

// One PIN: its verifier and its failure counter in one record, so that bumping the counter
// is a single power-loss-safe Put.
struct PinRecord {
  uint8_t format = kRecordFormat;
  uint8_t failures = 0;
  uint32_t iterations = 0;  // kept per PIN, so the cost can be raised for new PINs later
  wire::Bytes<kPinSaltSize> salt;
  wire::Bytes<kPinVerifierSize> verifier;
  WIRE_FIELDS(format, failures, iterations, salt, verifier);
};

// The first object id not yet handed out (ids are reserved in blocks; see ObjectStore).
struct IdCounterRecord {
  uint8_t format = kRecordFormat;
  uint32_t limit = 0;
  WIRE_FIELDS(format, limit);
};

inline constexpr size_t kStorageSaltSize = 32;
struct StorageSaltRecord {
  uint8_t format = kRecordFormat;
  wire::Bytes<kStorageSaltSize> salt;
  WIRE_FIELDS(format, salt);
};

// CryptoPort::Seal output = 12-byte nonce | ciphertext | 16-byte tag.
inline constexpr size_t kSealOverhead = 28;
inline constexpr size_t kMaxSealed = wire::kMaxKeyBlob + kSealOverhead;

struct ObjectRecord {
  uint8_t format = kRecordFormat;
  wire::ObjectKind kind = wire::ObjectKind::kData;
  wire::KeyType type = wire::KeyType::kNone;
  uint32_t flags = 0;
  uint16_t secret_length = 0;  // a secret key's value length (CKA_VALUE_LEN)
  wire::Bytes<wire::kMaxPublic> public_value;
  wire::Bytes<wire::kMaxAttrBlob> attrs;
  wire::Bytes<kMaxSealed> sealed;  // the key blob sealed under the storage key, or empty
  WIRE_FIELDS(format, kind, type, flags, secret_length, public_value, attrs, sealed);
};
static_assert(wire::MaxEncodedSize<ObjectRecord>() <= kMaxRecordValue,
              "an object record must fit one RecordStore value");

}  // namespace hsm
