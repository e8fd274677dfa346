#include "core/token_state.h"

#include "core/records.h"
#include "protocol/message.h"
#include "protocol/messages.h"

namespace hsm {
namespace {

// Compares without an early exit, so the time taken says nothing about where they differ.
bool ConstantTimeEqual(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  if (a.size() != b.size()) return false;
  uint8_t diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<uint8_t>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

Status TokenState::Mount() {
  login_ = Login::kNobody;
  Status s = LoadInfo();
  if (Ok(s)) s = LoadPin(wire::User::kSo);
  if (Ok(s)) s = LoadPin(wire::User::kUser);
  return s;
}

Status TokenState::LoadInfo() {
  uint8_t buf[wire::MaxEncodedSize<TokenInfoRecord>()];
  size_t len = 0;
  initialized_ = wipe_pending_ = false;
  label_.clear();
  Status s = records_.Get(kTokenInfoRecordId, buf, &len);
  if (s == Status::kKeyNotFound) return Status::kOk;  // a blank device
  if (!Ok(s)) return s;
  TokenInfoRecord record;
  if (!Ok(wire::DecodeMessage(std::span<const uint8_t>(buf, len), record)) ||
      record.format != kRecordFormat) {
    return Status::kFlashError;
  }
  initialized_ = record.initialized != 0;
  wipe_pending_ = record.wipe_pending != 0;
  label_.assign(record.label.span());
  return Status::kOk;
}

Status TokenState::LoadPin(wire::User who) {
  PinState& pin = Pin(who);
  pin = PinState{};
  uint8_t buf[wire::MaxEncodedSize<PinRecord>()];
  size_t len = 0;
  Status s = records_.Get(RecordId(who), buf, &len);
  if (s == Status::kKeyNotFound) return Status::kOk;
  if (!Ok(s)) return s;
  PinRecord record;
  if (!Ok(wire::DecodeMessage(std::span<const uint8_t>(buf, len), record)) ||
      record.format != kRecordFormat || record.salt.size != kPinSaltSize ||
      record.verifier.size != kPinVerifierSize || record.iterations == 0) {
    return Status::kFlashError;
  }
  pin.set = true;
  pin.failures = record.failures;
  pin.iterations = record.iterations;
  pin.salt.assign(record.salt.span());
  pin.verifier.assign(record.verifier.span());
  return Status::kOk;
}

Status TokenState::StorePin(wire::User who, const PinState& pin) {
  PinRecord record;
  record.failures = pin.failures;
  record.iterations = pin.iterations;
  record.salt = pin.salt.span();
  record.verifier = pin.verifier.span();
  uint8_t buf[wire::MaxEncodedSize<PinRecord>()];
  Status s;
  size_t len = wire::EncodeMessage(record, buf, &s);
  if (!Ok(s)) return Status::kInternal;
  return records_.Put(RecordId(who), std::span<const uint8_t>(buf, len));
}

uint8_t TokenState::TokenFlags() const {
  uint8_t flags = 0;
  if (initialized_) flags |= wire::kTokenInitialized;
  if (user_.set) flags |= wire::kTokenUserPinInitialized;
  if (locked(wire::User::kUser)) flags |= wire::kTokenUserPinLocked;
  if (locked(wire::User::kSo)) flags |= wire::kTokenSoPinLocked;
  if (login_ == Login::kUser) flags |= wire::kTokenUserLoggedIn;
  if (login_ == Login::kSo) flags |= wire::kTokenSoLoggedIn;
  return flags;
}

Status TokenState::VerifyPin(wire::User who, std::span<const uint8_t> pin) {
  PinState& state = Pin(who);
  if (!state.set) return Status::kPinNotInitialized;
  if (state.failures >= kMaxPinFailures) return Status::kPinLocked;
  // Count the attempt in flash first: if the power is cut after the comparison the attempt
  // has already been paid for. No flash write, no comparison.
  PinState counted = state;
  ++counted.failures;
  Status s = StorePin(who, counted);
  if (!Ok(s)) return s;
  state.failures = counted.failures;

  uint8_t verifier[kPinVerifierSize];
  s = keys_.PinVerifier(pin, state.salt.span(), state.iterations, verifier);
  if (!Ok(s)) return s;
  bool match = ConstantTimeEqual(verifier, state.verifier.span());
  SecureZero(verifier, sizeof(verifier));
  if (!match) return Status::kPinIncorrect;

  counted.failures = 0;
  s = StorePin(who, counted);
  if (!Ok(s)) return s;
  state.failures = 0;
  return Status::kOk;
}

Status TokenState::SetPin(wire::User who, std::span<const uint8_t> pin) {
  PinState fresh;
  fresh.set = true;
  fresh.iterations = pin_iterations_;
  fresh.salt.resize(kPinSaltSize);
  Status s = crypto_.Random(fresh.salt.span());
  if (!Ok(s)) return s;
  fresh.verifier.resize(kPinVerifierSize);
  s = keys_.PinVerifier(pin, fresh.salt.span(), fresh.iterations,
                        std::span<uint8_t, 32>(fresh.verifier.data(), kPinVerifierSize));
  if (!Ok(s)) return s;
  s = StorePin(who, fresh);
  if (!Ok(s)) return s;
  Pin(who) = fresh;
  return Status::kOk;
}

Status TokenState::RemoveUserPin() {
  Status s = records_.Remove(kUserPinRecordId);
  if (!Ok(s) && s != Status::kKeyNotFound) return s;
  user_ = PinState{};
  if (login_ == Login::kUser) login_ = Login::kNobody;
  return Status::kOk;
}

Status TokenState::WriteInfo(bool initialized, bool wipe_pending, std::span<const uint8_t> label,
                             std::span<const uint8_t> serial) {
  TokenInfoRecord record;
  record.initialized = initialized ? 1 : 0;
  record.wipe_pending = wipe_pending ? 1 : 0;
  record.label = label;
  record.serial = serial;
  uint8_t buf[wire::MaxEncodedSize<TokenInfoRecord>()];
  Status s;
  size_t len = wire::EncodeMessage(record, buf, &s);
  if (!Ok(s)) return Status::kTooLarge;
  s = records_.Put(kTokenInfoRecordId, std::span<const uint8_t>(buf, len));
  if (!Ok(s)) return s;
  initialized_ = initialized;
  wipe_pending_ = wipe_pending;
  label_.assign(label);
  return Status::kOk;
}

}  // namespace hsm
