// hsm::Core: the firmware's request dispatcher. It takes one checked frame (header + payload)
// from a port, decodes the request the op declares in protocol/messages.h, runs the op's
// handler (firmware/handlers/) and encodes exactly one response frame — same op and seq,
// the status, and the response message only on kOk — for every request it is given, whatever
// the bytes: unknown ops, payloads that do not decode, frames that are not requests. It owns
// the token and object state and every buffer a response points into; no heap, no
// exceptions. A port builds one Core for the device's lifetime (it is large: keep it static
// or in a long-lived object, never on a small stack).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/context.h"
#include "core/device_keys.h"
#include "core/object_store.h"
#include "core/token_state.h"
#include "keystore/record_store.h"
#include "protocol/frame.h"
#include "protocol/limits.h"
#include "protocol/messages.h"
#include "protocol/status.h"
#include "workers/crypto_port.h"

namespace hsm {

// What the board tells the core about itself. The spans are read by the constructor only.
struct DeviceIdentity {
  std::span<const char> serial;  // up to wire::kSerialSize printable characters
  uint8_t hw_major = 0, hw_minor = 0, fw_major = 0, fw_minor = 0;
  // 32 bytes unique to the device, kept outside the flash (OTP, a key file on the host):
  // the storage key that seals secrets in flash is derived from it.
  std::span<const uint8_t> unique_key;
};

// PBKDF2 iterations for new PIN verifiers. Modest on purpose: the device's failure counter,
// not the KDF, is what stops guessing (10 tries, then lockout), and the verifier is further
// keyed with the device unique key, so the KDF only slows an attacker holding both a flash
// dump and that key; a larger count would make every login take seconds on an MCU.
inline constexpr uint32_t kDefaultPinIterations = 10000;

struct CoreOptions {
  uint32_t pin_iterations = kDefaultPinIterations;  // tests and the fuzzer lower it
};

class Core {
 public:
  Core(CryptoPort& crypto, RecordStore& records, const DeviceIdentity& identity,
       const CoreOptions& options = {});
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  // Mounts the record store and the token state; finishes an InitToken a power loss
  // interrupted. Until it succeeds every request is answered with its failure.
  Status Start();
  // A USB reset (or a new emulator connection): nobody is logged in, session objects are gone.
  void Reset();

  // Handles one request and writes its response frame into `response_frame` (kMaxFrame bytes
  // always suffice); returns the frame's length, 0 only when even an empty response frame
  // does not fit.
  size_t Process(const wire::FrameHeader& request, std::span<const uint8_t> payload,
                 std::span<uint8_t> response_frame);

 private:
  Status Dispatch(uint16_t op, std::span<const uint8_t> payload, size_t* response_len);
  template <wire::Op op>
  Status Run(std::span<const uint8_t> payload, size_t* response_len);

  CryptoPort& crypto_;
  RecordStore& records_;
  DeviceFacts facts_;
  DeviceKeys keys_;
  TokenState token_;
  ObjectStore objects_;
  Scratch scratch_;
  Context context_;
  Status started_ = Status::kInternal;               // not started yet
  SecretArray<wire::kMaxPayload> response_payload_;  // may hold decrypted data
};

}  // namespace hsm
