// EntropySource: the board's true-random input, the only thing that seeds the firmware's DRBG.
// A port implements it over its hardware (a TRNG peripheral on an MCU, getrandom(2) on the
// host emulator: ports/host/host_entropy.h); tests supply a deterministic one so that every
// value drawn from the DRBG is reproducible.
#pragma once

#include <cstdint>
#include <span>

#include "protocol/status.h"

namespace hsm {

class EntropySource {
 public:
  // Fills all of `out` with full-entropy bytes, or fails (kCryptoError): a partial fill is a
  // failure, because the DRBG must never be seeded from less than it asked for.
  virtual Status Gather(std::span<uint8_t> out) = 0;

 protected:
  // Not deleted through the interface: ports are never heap objects.
  ~EntropySource() = default;
};

}  // namespace hsm
