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
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>

#include "ports/gadget/ffs_gadget.h"
#include "ports/host/host_firmware.h"

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

int Serve(const Options& options) {
  int stop_fd = hsm::host::StopSignalFd();
  if (stop_fd < 0) return Fail("cannot block SIGTERM/SIGINT");
  std::string error;
  std::unique_ptr<hsm::host::HostFirmware> firmware = hsm::host::HostFirmware::Boot(
      options.flash_path, options.serial, {kHwMajor, kHwMinor, kFwMajor, kFwMinor}, &error);
  if (firmware == nullptr) return Fail(error);
  const std::string& serial = firmware->serial();

  auto gadget = std::make_unique<hsm::gadget::FfsGadget>(firmware->core(), options.ffs_dir);
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
        return hsm::host::ValidSerial(s) ? std::string()
                                         : std::string("1 to 16 printable characters");
      });
  CLI11_PARSE(app, argc, argv);
  return Serve(options);
}
