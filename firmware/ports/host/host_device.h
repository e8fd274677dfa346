// Hosted helpers of the firmware emulator (arca-fw-emu): the device unique key kept in a key
// file beside the flash file, the serial number derived from it, and the server that carries
// link packets between a Unix SOCK_SEQPACKET socket and the firmware core the way a USB bulk
// pipe pair would. POSIX code, not firmware: it may use the heap, std::string and errno.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/core.h"
#include "protocol/frame.h"
#include "support/secret_array.h"
#include "workers/crypto_port.h"
#include "workers/entropy.h"

namespace hsm::host {

// Reads the 32-byte device key from `path`, or creates the file (mode 0600, never replacing
// an existing one) with fresh random bytes from `entropy`. False with *error set otherwise,
// e.g. for a file of the wrong size.
bool LoadOrCreateDeviceKey(const std::string& path, EntropySource& entropy,
                           SecretArray<kDeviceKeySize>& key, std::string* error);

// A 16-character serial (upper-case hex of a hash of the key): stable for a key file, and
// saying nothing about the key itself.
std::string SerialFromKey(CryptoPort& crypto, const SecretArray<kDeviceKeySize>& key);

// Serves one client connection at a time on a listening SEQPACKET socket. Each connection is
// a USB attach: the core is reset (nobody logged in, no session objects) when it starts.
class SocketServer {
 public:
  SocketServer(Core& core, size_t packet_size);
  ~SocketServer();  // closes the sockets and removes the socket file
  SocketServer(const SocketServer&) = delete;
  SocketServer& operator=(const SocketServer&) = delete;

  // Binds and listens on `path` (mode 0600), first removing a stale socket file there (but
  // never a file of another kind).
  bool Listen(const std::string& path, std::string* error);
  // Serves until `stop_fd` (a signalfd) becomes readable. False on a fatal socket error.
  bool Run(int stop_fd);

 private:
  enum class ClientEnd { kGone, kStop, kError };
  ClientEnd Serve(int client, int stop_fd);
  // Sends one response frame as packet-size records; false when the client is gone.
  bool Send(int client, std::span<const uint8_t> frame);

  Core& core_;
  size_t packet_size_;
  std::string path_;
  int listen_fd_ = -1;
  std::unique_ptr<wire::FrameReceiver> receiver_;
  std::vector<uint8_t> packet_;
  std::vector<uint8_t> response_;
};

}  // namespace hsm::host
