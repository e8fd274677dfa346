// Flash: the board's persistent memory as the key store sees it — NOR semantics: erased
// bytes read 0xFF, programming only clears bits, a sector is the unit of erase. The host
// emulator backs it with a file (ports/host/file_flash.h), tests with RAM (ram_flash.h),
// a Cortex-M board with its flash controller.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "protocol/status.h"

namespace hsm {

class Flash {
 public:
  virtual size_t sector_size() const = 0;
  virtual size_t sector_count() const = 0;
  // kFlashError for an access outside the device.
  virtual Status Read(size_t offset, std::span<uint8_t> out) = 0;
  // Clears bits (stored = stored & data). A power loss during Program may leave any prefix
  // of it written, and the byte being written in any state.
  virtual Status Program(size_t offset, std::span<const uint8_t> data) = 0;
  virtual Status Erase(size_t sector) = 0;

 protected:
  ~Flash() = default;
};

}  // namespace hsm
