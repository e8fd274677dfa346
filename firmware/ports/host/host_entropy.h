// HostEntropy: the emulator's EntropySource, the kernel's CSPRNG through getrandom(2). It
// blocks only until the kernel pool is initialised at boot, never afterwards.
#pragma once

#include <cstdint>
#include <span>

#include "workers/entropy.h"

namespace hsm {

class HostEntropy final : public EntropySource {
 public:
  Status Gather(std::span<uint8_t> out) override;
};

}  // namespace hsm
