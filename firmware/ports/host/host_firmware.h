// HostFirmware: the firmware core booted as a hosted port boots it — entropy from the OS, the
// device key from FILE.key (created on first start), the flash in FILE, the core started on
// it. Shared by the emulator (socket) and the Linux USB gadget (FunctionFS), which differ only
// in the link they serve the core's frames over.
#pragma once

#include <memory>
#include <string>

#include "core/core.h"
#include "keystore/record_store.h"
#include "ports/host/file_flash.h"
#include "ports/host/host_entropy.h"
#include "workers/mbedtls_crypto.h"

namespace hsm::host {

struct HardwareVersion {
  uint8_t hw_major = 0, hw_minor = 0, fw_major = 0, fw_minor = 0;
};

class HostFirmware {
 public:
  // nullptr with *error set when any part fails to start. `serial` empty: derived from the
  // device key.
  static std::unique_ptr<HostFirmware> Boot(const std::string& flash_path,
                                            const std::string& serial, HardwareVersion version,
                                            std::string* error);
  HostFirmware(const HostFirmware&) = delete;
  HostFirmware& operator=(const HostFirmware&) = delete;

  Core& core() { return *core_; }
  const std::string& serial() const { return serial_; }

 private:
  HostFirmware() = default;

  HostEntropy entropy_;
  std::unique_ptr<MbedCrypto> crypto_;
  std::unique_ptr<FileFlash> flash_;
  std::unique_ptr<RecordStore> records_;
  std::unique_ptr<Core> core_;
  std::string serial_;
};

// SIGTERM and SIGINT blocked and delivered on the returned descriptor (-1 on failure), so
// they reach the port's poll loop, never a handler in the middle of a request. Call before
// any thread starts.
int StopSignalFd();

// A serial the firmware and the USB iSerialNumber can both carry: 1..16 printable ASCII
// characters without spaces.
bool ValidSerial(const std::string& serial);

}  // namespace hsm::host
