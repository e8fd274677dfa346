#include "core/device_keys.h"

#include "core/records.h"
#include "core/try.h"
#include "protocol/message.h"

namespace hsm {
namespace {

// Labels the derived keys apart; a new version of a derivation gets a new label.
constexpr char kPinKeyInfo[] = "arca pin verifier key v1";
constexpr char kStorageKeyInfo[] = "arca storage key v1";
// HKDF salt for the PIN key, which must not change when the token is re-initialised (the SO
// PIN survives InitToken), so it cannot use the storage salt.
constexpr uint8_t kPinKeySalt[] = {'a', 'r', 'c', 'a', '-', 'p', 'i', 'n'};

constexpr size_t kObjectAadSize = 9;

void ObjectAad(wire::KeyId id, wire::ObjectKind kind, wire::KeyType type,
               uint8_t (&aad)[kObjectAadSize]) {
  aad[0] = 'O';
  aad[1] = 'B';
  aad[2] = kRecordFormat;
  aad[3] = static_cast<uint8_t>(kind);
  aad[4] = static_cast<uint8_t>(type);
  for (int i = 0; i < 4; ++i) aad[5 + i] = static_cast<uint8_t>(id >> (8 * i));
}

}  // namespace

Status DeviceKeys::SetUniqueKey(std::span<const uint8_t> unique_key) {
  if (unique_key.size() != kDeviceKeySize) return Status::kParamInvalid;
  unique_key_.assign(unique_key);
  return Status::kOk;
}

Status DeviceKeys::Mount() {
  if (unique_key_.size() != kDeviceKeySize) return Status::kParamInvalid;
  HSM_TRY(Hkdf(kPinKeySalt, unique_key_.span(), kPinKeyInfo, pin_key_));
  uint8_t buf[wire::MaxEncodedSize<StorageSaltRecord>()];
  size_t len = 0;
  Status s = records_.Get(kStorageSaltRecordId, buf, &len);
  if (s == Status::kKeyNotFound) return RollStorageKey();
  if (!Ok(s)) return s;
  StorageSaltRecord record;
  if (!Ok(wire::DecodeMessage(std::span<const uint8_t>(buf, len), record)) ||
      record.format != kRecordFormat || record.salt.size != kStorageSaltSize) {
    return Status::kFlashError;
  }
  return Hkdf(record.salt.span(), unique_key_.span(), kStorageKeyInfo, storage_key_);
}

Status DeviceKeys::RollStorageKey() {
  uint8_t salt[kStorageSaltSize];
  Status s = crypto_.Random(salt);
  if (!Ok(s)) return s;
  StorageSaltRecord record;
  record.salt = wire::Bytes<kStorageSaltSize>(salt);
  uint8_t buf[wire::MaxEncodedSize<StorageSaltRecord>()];
  size_t len = wire::EncodeMessage(record, buf, &s);
  if (!Ok(s)) return Status::kInternal;
  // Derive first: a failed derivation must not leave a salt in flash the RAM key disagrees
  // with. The Put is what commits the new key.
  SecretArray<32> key;
  s = Hkdf(std::span<const uint8_t>(salt), unique_key_.span(), kStorageKeyInfo, key);
  if (!Ok(s)) return s;
  s = records_.Put(kStorageSaltRecordId, std::span<const uint8_t>(buf, len));
  if (!Ok(s)) return s;
  storage_key_.assign(key.span());
  return Status::kOk;
}

Status DeviceKeys::PinVerifier(std::span<const uint8_t> pin, std::span<const uint8_t> salt,
                               uint32_t iterations, std::span<uint8_t, 32> out) {
  hmac_in_.resize(32);
  Status s =
      crypto_.DerivePinVerifier(pin, salt, iterations, std::span<uint8_t, 32>(hmac_in_.data(), 32));
  if (!Ok(s)) return s;
  return Hmac(pin_key_.span(), hmac_in_.span(), out);
}

Status DeviceKeys::SealObject(wire::KeyId id, wire::ObjectKind kind, wire::KeyType type,
                              const KeyBlob& plain, std::span<uint8_t> sealed, size_t* sealed_len) {
  uint8_t aad[kObjectAadSize];
  ObjectAad(id, kind, type, aad);
  return crypto_.Seal(StorageKey(), plain.span(), aad, sealed, sealed_len);
}

Status DeviceKeys::OpenObject(wire::KeyId id, wire::ObjectKind kind, wire::KeyType type,
                              std::span<const uint8_t> sealed, KeyBlob& plain) {
  uint8_t aad[kObjectAadSize];
  ObjectAad(id, kind, type, aad);
  size_t len = 0;
  Status s = crypto_.Open(StorageKey(), sealed, aad, plain.capacity_span(), &len);
  // A blob that does not open was altered or belongs to a wiped token: never usable.
  if (!Ok(s) || !plain.resize(len)) {
    plain.wipe();
    return Status::kCryptoError;
  }
  return Status::kOk;
}

Status DeviceKeys::Hmac(std::span<const uint8_t> key, std::span<const uint8_t> data,
                        std::span<uint8_t, 32> out) {
  Status s = crypto_.ImportSecret(wire::KeyType::kGenericSecret, key, hmac_key_);
  if (!Ok(s)) return s;
  SignParams params;
  params.alg = wire::SignAlg::kHmacSha256;
  size_t len = 0;
  s = crypto_.Sign(wire::KeyType::kGenericSecret, hmac_key_, params, data, out, &len);
  hmac_key_.wipe();
  if (!Ok(s)) return s;
  return len == 32 ? Status::kOk : Status::kCryptoError;
}

Status DeviceKeys::Hkdf(std::span<const uint8_t> salt, std::span<const uint8_t> ikm,
                        const char* info, SecretArray<32>& out) {
  SecretArray<32> prk;
  prk.resize(32);
  Status s = Hmac(salt, ikm, std::span<uint8_t, 32>(prk.data(), 32));
  if (!Ok(s)) return s;
  // T(1) = HMAC(PRK, info | 0x01): one block is all a 32-byte key needs.
  uint8_t expand[40];
  size_t n = 0;
  while (info[n] != '\0' && n < sizeof(expand) - 1) {
    expand[n] = static_cast<uint8_t>(info[n]);
    ++n;
  }
  expand[n++] = 0x01;
  out.resize(32);
  return Hmac(prk.span(), std::span<const uint8_t>(expand, n),
              std::span<uint8_t, 32>(out.data(), 32));
}

}  // namespace hsm
