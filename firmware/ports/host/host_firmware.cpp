#include "ports/host/host_firmware.h"

#include <signal.h>
#include <sys/signalfd.h>

#include "ports/host/host_device.h"

namespace hsm::host {

std::unique_ptr<HostFirmware> HostFirmware::Boot(const std::string& flash_path,
                                                 const std::string& serial, HardwareVersion version,
                                                 std::string* error) {
  std::unique_ptr<HostFirmware> fw(new HostFirmware());
  fw->crypto_ = std::make_unique<MbedCrypto>(fw->entropy_);
  if (!Ok(fw->crypto_->Init())) {
    *error = "cannot seed the DRBG";
    return nullptr;
  }
  SecretArray<kDeviceKeySize> device_key;
  if (!LoadOrCreateDeviceKey(flash_path + ".key", fw->entropy_, device_key, error)) return nullptr;
  fw->serial_ = serial.empty() ? SerialFromKey(*fw->crypto_, device_key) : serial;

  FileFlash::Opened flash = FileFlash::Open(flash_path, kEmulatorSectorSize, kEmulatorSectorCount);
  if (!Ok(flash.status)) {
    *error = flash_path + ": cannot open the flash file (wrong size, or in use)";
    return nullptr;
  }
  fw->flash_ = std::move(flash.flash);
  fw->records_ = std::make_unique<RecordStore>(*fw->flash_);
  DeviceIdentity identity;
  identity.serial = std::span<const char>(fw->serial_.data(), fw->serial_.size());
  identity.hw_major = version.hw_major;
  identity.hw_minor = version.hw_minor;
  identity.fw_major = version.fw_major;
  identity.fw_minor = version.fw_minor;
  identity.unique_key = device_key.span();
  fw->core_ = std::make_unique<Core>(*fw->crypto_, *fw->records_, identity);
  device_key.wipe();  // the core keeps its own copy
  Status started = fw->core_->Start();
  if (!Ok(started)) {
    *error = "the firmware core did not start (status " +
             std::to_string(static_cast<int>(started)) + ")";
    return nullptr;
  }
  return fw;
}

int StopSignalFd() {
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  if (sigprocmask(SIG_BLOCK, &mask, nullptr) != 0) return -1;
  return signalfd(-1, &mask, SFD_CLOEXEC);
}

bool ValidSerial(const std::string& serial) {
  if (serial.empty() || serial.size() > wire::kSerialSize) return false;
  for (char c : serial) {
    if (c < 0x21 || c > 0x7E) return false;
  }
  return true;
}

}  // namespace hsm::host
