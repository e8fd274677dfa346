// The mechanisms a firmware device performs, as one row table: which CKM_* becomes which
// device algorithm, what the host does first (hash the data, build the DigestInfo), and the
// capability bits the device must report. DeviceToken (src/token/device/) builds its
// registry from the rows its device supports and turns each operation into one request;
// nothing outside this file maps a CKM_* to the wire.
#pragma once

#include <cstdint>
#include <memory>

#include "mechanisms/registry.h"
#include "pkcs11/pkcs11.h"

namespace p11::device {

enum class DeviceFunction : uint8_t { kSign, kCipher, kKeyGen, kKeyPairGen, kDerive, kWrap };

// What the host does with the caller's data before it goes to the device.
enum class Prehash : uint8_t {
  kNone,        // sent as given (a hash for CKM_ECDSA, a DigestInfo for CKM_RSA_PKCS)
  kDigest,      // hashed with `digest`
  kDigestInfo,  // hashed, then wrapped in the DigestInfo of `digest` (RSA PKCS#1 v1.5)
};

struct MechanismRow {
  CK_MECHANISM_TYPE type;
  uint32_t capabilities;  // wire::Capability bits, all required
  CK_FLAGS flags;         // CKF_SIGN | CKF_VERIFY …; CKF_HW is added
  CK_ULONG min_key, max_key;
  CK_KEY_TYPE key_type;  // the key type it takes (or makes)
  DeviceFunction function;
  uint8_t alg;         // wire::SignAlg or wire::CipherAlg value
  const char* digest;  // OpenSSL name of the host-side hash, or nullptr
  Prehash prehash;
  bool pss_params;  // the parameter is CK_RSA_PKCS_PSS_PARAMS
};

class DeviceMechanism final : public Mechanism {
 public:
  explicit DeviceMechanism(const MechanismRow& row);
  const MechanismRow& row() const { return row_; }
  bool AcceptsKeyType(CK_KEY_TYPE type) const override;
  CK_KEY_TYPE GeneratedKeyType() const override;

 private:
  const MechanismRow& row_;
};

// The row of `type`, or nullptr when no device performs it.
const MechanismRow* FindRow(CK_MECHANISM_TYPE type);

// The registry of a device reporting `capabilities`: its rows, plus the host's digests
// (C_Digest needs no key, so the module computes it).
std::unique_ptr<Registry> BuildDeviceRegistry(uint32_t capabilities);

// The DER DigestInfo prefix of an OpenSSL digest name ("SHA256" …), empty if unknown.
ByteView DigestInfoPrefix(const char* digest);

}  // namespace p11::device
