// arca-fw-emu: the Arca HSM firmware as a process. The firmware core, with its flash in a
// file and its device unique key in FILE.key, serves the device's link packets over a Unix
// SOCK_SEQPACKET socket, one client at a time, exactly as it would over USB bulk endpoints.
//
//   arca-fw-emu --socket PATH --flash FILE [--packet-size 64|512] [--serial S]
//
// Prints one line to stderr when it is ready to accept, and exits 0 on SIGTERM or SIGINT
// after removing the socket. Start-up does no slow work (no KDF runs before a login).
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>

#include "core/core.h"
#include "keystore/record_store.h"
#include "ports/host/file_flash.h"
#include "ports/host/host_device.h"
#include "ports/host/host_entropy.h"
#include "workers/mbedtls_crypto.h"

namespace {

constexpr uint8_t kHwMajor = 0, kHwMinor = 1, kFwMajor = 0, kFwMinor = 1;

struct Options {
  std::string socket_path;
  std::string flash_path;
  size_t packet_size = wire::kHighSpeedPacket;
  std::string serial;
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "arca-fw-emu: %s\n", message.c_str());
  return 1;
}

// SIGTERM and SIGINT arrive on a descriptor the server polls, never as a handler running in
// the middle of a request.
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

  auto server = std::make_unique<hsm::host::SocketServer>(*core, options.packet_size);
  if (!server->Listen(options.socket_path, &error)) return Fail(error);
  std::fprintf(stderr, "arca-fw-emu: serving %s (serial %s)\n", options.socket_path.c_str(),
               serial.c_str());
  std::fflush(stderr);
  bool ok = server->Run(stop_fd);
  server.reset();  // removes the socket before the process reports its exit
  close(stop_fd);
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"Arca HSM firmware emulator: the firmware core served over a Unix socket"};
  app.add_option("--socket", options.socket_path, "SOCK_SEQPACKET socket to listen on")->required();
  app.add_option("--flash", options.flash_path,
                 "flash image file (created if missing); the device key is FILE.key")
      ->required();
  app.add_option("--packet-size", options.packet_size, "link packet size, as the USB bulk size")
      ->check(CLI::IsMember({wire::kFullSpeedPacket, wire::kHighSpeedPacket}));
  app.add_option("--serial", options.serial, "serial number (default: derived from the key)")
      ->check([](const std::string& s) {
        return ValidSerial(s) ? std::string() : std::string("1 to 16 printable characters");
      });
  CLI11_PARSE(app, argc, argv);
  return Serve(options);
}
