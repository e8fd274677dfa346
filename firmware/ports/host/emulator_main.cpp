// arca-fw-emu: the Arca HSM firmware as a process. The firmware core, with its flash in a
// file and its device unique key in FILE.key, serves the device's link packets over a Unix
// SOCK_SEQPACKET socket, one client at a time, exactly as it would over USB bulk endpoints.
//
//   arca-fw-emu --socket PATH --flash FILE [--packet-size 64|512] [--serial S]
//
// Prints one line to stderr when it is ready to accept, and exits 0 on SIGTERM or SIGINT
// after removing the socket. Start-up does no slow work (no KDF runs before a login).
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>

#include "ports/host/host_device.h"
#include "ports/host/host_firmware.h"

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

int Serve(const Options& options) {
  int stop_fd = hsm::host::StopSignalFd();
  if (stop_fd < 0) return Fail("cannot block SIGTERM/SIGINT");
  std::string error;
  std::unique_ptr<hsm::host::HostFirmware> firmware = hsm::host::HostFirmware::Boot(
      options.flash_path, options.serial, {kHwMajor, kHwMinor, kFwMajor, kFwMinor}, &error);
  if (firmware == nullptr) return Fail(error);
  const std::string& serial = firmware->serial();

  auto server = std::make_unique<hsm::host::SocketServer>(firmware->core(), options.packet_size);
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
        return hsm::host::ValidSerial(s) ? std::string()
                                         : std::string("1 to 16 printable characters");
      });
  CLI11_PARSE(app, argc, argv);
  return Serve(options);
}
