// arca-fw-gadget: the Arca HSM firmware as a Linux USB gadget. The firmware core, with its
// flash in a file and its device unique key in FILE.key (the emulator's layout and geometry,
// so the two can take turns on one flash file), serves link packets on the bulk endpoints of
// a FunctionFS function — the way a USB Armory or Raspberry Pi Zero class board acts as an
// Arca HSM. setup-configfs.sh creates the gadget around it and binds it to the UDC.
//
//   arca-fw-gadget --ffs DIR --flash FILE [--serial S]
//
// Prints one line to stderr once its descriptors are written (the UDC may be bound from then
// on), and exits 0 on SIGTERM or SIGINT.
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>

#include "core/core.h"
#include "keystore/record_store.h"
#include "ports/gadget/ffs_gadget.h"
#include "ports/host/file_flash.h"
#include "ports/host/host_device.h"
#include "ports/host/host_entropy.h"
#include "workers/mbedtls_crypto.h"

namespace {

constexpr uint8_t kHwMajor = 0, kHwMinor = 2, kFwMajor = 0, kFwMinor = 1;

struct Options {
  std::string ffs_dir;
  std::string flash_path;
  std::string serial;
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "arca-fw-gadget: %s\n", message.c_str());
  return 1;
}

// Blocked before any thread starts, so SIGTERM and SIGINT reach only the signalfd the ep0
// loop polls.
int StopSignalFd() {
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  if (sigprocmask(SIG_BLOCK, &mask, nullptr) != 0) return -1;
  return signalfd(-1, &mask, SFD_CLOEXEC);
}

// The serial is both the firmware's identity and, through setup-configfs.sh, the USB
// iSerialNumber the module matches devices by: printable ASCII without spaces.
bool ValidSerial(const std::string& serial) {
  if (serial.empty() || serial.size() > wire::kSerialSize) return false;
  for (char c : serial) {
    if (c < 0x21 || c > 0x7E) return false;
  }
  return true;
}

int Serve(const Options& options) {
  int stop_fd = StopSignalFd();
  if (stop_fd < 0) return Fail("cannot block SIGTERM/SIGINT");
  hsm::HostEntropy entropy;
  auto crypto = std::make_unique<hsm::MbedCrypto>(entropy);
  if (!hsm::Ok(crypto->Init())) return Fail("cannot seed the DRBG");

  std::string error;
  hsm::SecretArray<hsm::kDeviceKeySize> device_key;
  if (!hsm::host::LoadOrCreateDeviceKey(options.flash_path + ".key", entropy, device_key, &error)) {
    return Fail(error);
  }
  std::string serial =
      options.serial.empty() ? hsm::host::SerialFromKey(*crypto, device_key) : options.serial;

  hsm::FileFlash::Opened flash =
      hsm::FileFlash::Open(options.flash_path, hsm::kEmulatorSectorSize, hsm::kEmulatorSectorCount);
  if (!hsm::Ok(flash.status)) {
    return Fail(options.flash_path + ": cannot open the flash file (wrong size, or in use)");
  }
  auto records = std::make_unique<hsm::RecordStore>(*flash.flash);
  hsm::DeviceIdentity identity;
  identity.serial = std::span<const char>(serial.data(), serial.size());
  identity.hw_major = kHwMajor;
  identity.hw_minor = kHwMinor;
  identity.fw_major = kFwMajor;
  identity.fw_minor = kFwMinor;
  identity.unique_key = device_key.span();
  auto core = std::make_unique<hsm::Core>(*crypto, *records, identity);
  device_key.wipe();  // the core keeps its own copy
  hsm::Status started = core->Start();
  if (!hsm::Ok(started)) {
    return Fail("the firmware core did not start (status " +
                std::to_string(static_cast<int>(started)) + ")");
  }

  auto gadget = std::make_unique<hsm::gadget::FfsGadget>(*core, options.ffs_dir);
  if (!gadget->Open(&error)) return Fail(error);
  std::fprintf(stderr, "arca-fw-gadget: descriptors written to %s/ep0 (serial %s)\n",
               options.ffs_dir.c_str(), serial.c_str());
  std::fflush(stderr);
  bool ok = gadget->Run(stop_fd);
  gadget.reset();  // closes ep0: the function leaves the bus before the process exits
  close(stop_fd);
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"Arca HSM firmware as a Linux USB gadget (FunctionFS)"};
  app.add_option("--ffs", options.ffs_dir, "mounted functionfs instance of the gadget's function")
      ->required();
  app.add_option("--flash", options.flash_path,
                 "flash image file (created if missing); the device key is FILE.key")
      ->required();
  app.add_option("--serial", options.serial,
                 "serial number, the same as the gadget's iSerialNumber (default: derived from "
                 "the key)")
      ->check([](const std::string& s) {
        return ValidSerial(s) ? std::string() : std::string("1 to 16 printable characters");
      });
  CLI11_PARSE(app, argc, argv);
  return Serve(options);
}
