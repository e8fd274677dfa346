// TokenState: the token's persistent identity and authentication state — the token info
// record (initialised flag, label, a wipe left pending by a power loss), the SO and user PIN
// records with their failure counters — and who is logged in, which lives in RAM only and is
// dropped at a USB reset. PIN checks follow one rule: the failure counter is incremented and
// persisted BEFORE the verifier is compared and reset only after a match, so cutting the power
// during a guess can never grant a free try.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/device_keys.h"
#include "core/records.h"
#include "keystore/record_store.h"
#include "protocol/limits.h"
#include "protocol/status.h"
#include "protocol/types.h"
#include "support/secret_array.h"
#include "workers/crypto_port.h"

namespace hsm {

inline constexpr uint8_t kMaxPinFailures = 10;

enum class Login : uint8_t { kNobody, kSo, kUser };

constexpr Login LoginOf(wire::User who) {
  return who == wire::User::kSo ? Login::kSo : Login::kUser;
}
constexpr bool ValidUser(wire::User who) {
  return who == wire::User::kSo || who == wire::User::kUser;
}
constexpr bool PinLengthOk(size_t n) { return n >= wire::kMinPin && n <= wire::kMaxPin; }

class TokenState {
 public:
  TokenState(RecordStore& records, DeviceKeys& keys, CryptoPort& crypto, uint32_t pin_iterations)
      : records_(records), keys_(keys), crypto_(crypto), pin_iterations_(pin_iterations) {}
  TokenState(const TokenState&) = delete;
  TokenState& operator=(const TokenState&) = delete;

  // Reads the token info and both PIN records (absent ones mean a blank token).
  Status Mount();

  bool initialized() const { return initialized_; }
  bool wipe_pending() const { return wipe_pending_; }
  std::span<const uint8_t> label() const { return label_.span(); }
  bool pin_set(wire::User who) const { return Pin(who).set; }
  bool locked(wire::User who) const { return Pin(who).failures >= kMaxPinFailures; }
  uint8_t failures(wire::User who) const { return Pin(who).failures; }
  uint8_t TokenFlags() const;  // wire::TokenFlag bits

  Login login() const { return login_; }
  void SetLogin(Login who) { login_ = who; }
  void Logout() { login_ = Login::kNobody; }

  // kPinNotInitialized, kPinLocked, kPinIncorrect or kOk, counting the attempt as above.
  Status VerifyPin(wire::User who, std::span<const uint8_t> pin);
  // A new verifier (fresh salt, counter zero) for `who`; the caller checked the length.
  Status SetPin(wire::User who, std::span<const uint8_t> pin);
  Status RemoveUserPin();
  // Rewrites the token info record.
  Status WriteInfo(bool initialized, bool wipe_pending, std::span<const uint8_t> label,
                   std::span<const uint8_t> serial);

 private:
  struct PinState {
    bool set = false;
    uint8_t failures = 0;
    uint32_t iterations = 0;
    ByteArray<kPinSaltSize> salt;
    ByteArray<kPinVerifierSize> verifier;
  };
  const PinState& Pin(wire::User who) const { return who == wire::User::kSo ? so_ : user_; }
  PinState& Pin(wire::User who) { return who == wire::User::kSo ? so_ : user_; }
  static uint32_t RecordId(wire::User who) {
    return who == wire::User::kSo ? kSoPinRecordId : kUserPinRecordId;
  }
  Status LoadInfo();
  Status LoadPin(wire::User who);
  Status StorePin(wire::User who, const PinState& pin);

  RecordStore& records_;
  DeviceKeys& keys_;
  CryptoPort& crypto_;
  uint32_t pin_iterations_;

  bool initialized_ = false;
  bool wipe_pending_ = false;
  ByteArray<wire::kLabelSize> label_;
  PinState so_, user_;
  Login login_ = Login::kNobody;
};

}  // namespace hsm
