// DeviceKeys: the keys the core derives from the device unique key (which a board keeps
// outside the flash, e.g. in OTP): the storage key that seals every secret written to flash
// or held in the RAM object table, and the PIN key that binds PIN verifiers to this device.
// Derivation is HKDF-SHA256 built from the CryptoPort's HMAC, so a board's accelerator serves
// it too. The storage key's salt is a random record in flash: InitToken replaces it, which
// makes every sealed blob of the old token undecryptable even where its flash sector has not
// been erased yet (crypto-erase).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "keystore/record_store.h"
#include "protocol/status.h"
#include "protocol/types.h"
#include "support/secret_array.h"
#include "workers/crypto_port.h"

namespace hsm {

inline constexpr size_t kDeviceKeySize = 32;

class DeviceKeys {
 public:
  DeviceKeys(CryptoPort& crypto, RecordStore& records) : crypto_(crypto), records_(records) {}
  DeviceKeys(const DeviceKeys&) = delete;
  DeviceKeys& operator=(const DeviceKeys&) = delete;

  // Takes a copy of the device unique key (kParamInvalid unless 32 bytes); derives nothing,
  // so it may run before the crypto port is initialised.
  Status SetUniqueKey(std::span<const uint8_t> unique_key);
  // Derives the PIN key, reads the storage salt (creating it on a blank device) and derives
  // the storage key.
  Status Mount();
  // A new random salt, persisted, and the storage key derived from it.
  Status RollStorageKey();

  // PBKDF2-HMAC-SHA256(pin, salt, iterations), then HMAC under the PIN key: a verifier read
  // out of a flash dump cannot be brute-forced without the device unique key as well.
  Status PinVerifier(std::span<const uint8_t> pin, std::span<const uint8_t> salt,
                     uint32_t iterations, std::span<uint8_t, 32> out);

  // Seals a key blob for object `id`; the AAD binds id, kind and type, so a sealed blob
  // moved to another record, or a record whose kind or type was altered, does not open.
  Status SealObject(wire::KeyId id, wire::ObjectKind kind, wire::KeyType type, const KeyBlob& plain,
                    std::span<uint8_t> sealed, size_t* sealed_len);
  Status OpenObject(wire::KeyId id, wire::ObjectKind kind, wire::KeyType type,
                    std::span<const uint8_t> sealed, KeyBlob& plain);

 private:
  // HMAC-SHA256(key, data) through the port (an HMAC is a kGenericSecret signature).
  Status Hmac(std::span<const uint8_t> key, std::span<const uint8_t> data,
              std::span<uint8_t, 32> out);
  // HKDF-SHA256 (RFC 5869) with one 32-byte output block.
  Status Hkdf(std::span<const uint8_t> salt, std::span<const uint8_t> ikm, const char* info,
              SecretArray<32>& out);
  std::span<const uint8_t, 32> StorageKey() const {
    return std::span<const uint8_t, 32>(storage_key_.data(), 32);
  }

  CryptoPort& crypto_;
  RecordStore& records_;
  SecretArray<kDeviceKeySize> unique_key_;
  SecretArray<32> pin_key_;
  SecretArray<32> storage_key_;
  KeyBlob hmac_key_;         // the port's form of an HMAC key, during Hmac only
  SecretArray<64> hmac_in_;  // PRK input / PBKDF2 output fed to the next HMAC
};

}  // namespace hsm
