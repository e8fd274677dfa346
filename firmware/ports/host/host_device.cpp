#include "ports/host/host_device.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace hsm::host {
namespace {

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

// How long a client that stops reading may hold a response before it is dropped.
constexpr int kSendTimeoutSeconds = 5;

}  // namespace

bool LoadOrCreateDeviceKey(const std::string& path, EntropySource& entropy,
                           SecretArray<kDeviceKeySize>& key, std::string* error) {
  key.resize(kDeviceKeySize);
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    uint8_t extra;
    ssize_t n = read(fd, key.data(), kDeviceKeySize);
    ssize_t more = read(fd, &extra, 1);
    close(fd);
    if (n != static_cast<ssize_t>(kDeviceKeySize) || more != 0) {
      key.wipe();
      *error = path + ": not a 32-byte device key";
      return false;
    }
    return true;
  }
  if (errno != ENOENT) {
    *error = Errno(path);
    return false;
  }
  if (!Ok(entropy.Gather(key.span()))) {
    *error = "no entropy for a new device key";
    return false;
  }
  // O_EXCL: two emulators starting at once must not both write a key.
  fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    *error = Errno(path);
    return false;
  }
  bool ok = write(fd, key.data(), kDeviceKeySize) == static_cast<ssize_t>(kDeviceKeySize) &&
            fsync(fd) == 0;
  close(fd);
  if (!ok) {
    unlink(path.c_str());
    *error = Errno(path);
  }
  return ok;
}

std::string SerialFromKey(CryptoPort& crypto, const SecretArray<kDeviceKeySize>& key) {
  uint8_t input[12 + kDeviceKeySize] = {'a', 'r', 'c', 'a', '-', 's', 'e', 'r', 'i', 'a', 'l', 0};
  std::memcpy(input + 12, key.data(), kDeviceKeySize);
  uint8_t digest[32];
  size_t len = 0;
  Status s = crypto.Digest(wire::HashAlg::kSha256, input, digest, &len);
  SecureZero(input, sizeof(input));
  if (!Ok(s) || len < 8) return "ARCA-EMULATOR";
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string serial;
  for (size_t i = 0; i < 8; ++i) {
    serial += kHex[digest[i] >> 4];
    serial += kHex[digest[i] & 0xF];
  }
  return serial;
}

SocketServer::SocketServer(Core& core, size_t packet_size)
    : core_(core),
      packet_size_(packet_size),
      receiver_(std::make_unique<wire::FrameReceiver>()),
      packet_(packet_size),
      response_(wire::kMaxFrame) {}

SocketServer::~SocketServer() {
  if (listen_fd_ >= 0) {
    close(listen_fd_);
    unlink(path_.c_str());
  }
}

bool SocketServer::Listen(const std::string& path, std::string* error) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    *error = path + ": socket path too long";
    return false;
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  struct stat st;
  if (lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      *error = path + ": exists and is not a socket";
      return false;
    }
    unlink(path.c_str());  // a stale socket left by an emulator that was killed
  }
  listen_fd_ = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) {
    *error = Errno("socket");
    return false;
  }
  // The umask makes the socket 0600 from the moment it exists; chmod states it again.
  mode_t old_mask = umask(0177);
  int rc = bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  umask(old_mask);
  if (rc != 0 || chmod(path.c_str(), 0600) != 0 || listen(listen_fd_, 4) != 0) {
    *error = Errno(path);
    close(listen_fd_);
    listen_fd_ = -1;
    return false;
  }
  path_ = path;
  return true;
}

bool SocketServer::Run(int stop_fd) {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_fd, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (fds[1].revents & POLLIN) return true;
    if (!(fds[0].revents & POLLIN)) continue;
    int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (client < 0) continue;  // the peer gave up before we accepted: wait for the next
    core_.Reset();
    receiver_->Reset();
    ClientEnd end = Serve(client, stop_fd);
    close(client);
    core_.Reset();
    if (end == ClientEnd::kStop) return true;
  }
}

SocketServer::ClientEnd SocketServer::Serve(int client, int stop_fd) {
  bool alive = true;
  while (alive) {
    pollfd fds[2] = {{client, POLLIN, 0}, {stop_fd, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return ClientEnd::kError;
    }
    if (fds[1].revents & POLLIN) return ClientEnd::kStop;
    short events = fds[0].revents;
    if (!(events & POLLIN)) {
      if (events & (POLLHUP | POLLERR | POLLNVAL)) return ClientEnd::kGone;
      continue;
    }
    // MSG_TRUNC: the record's real length, so one longer than a packet is seen and dropped
    // (a USB device never receives a packet over its endpoint's max packet size).
    ssize_t n = recv(client, packet_.data(), packet_.size(), MSG_TRUNC | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return ClientEnd::kGone;
    }
    if (n == 0) {
      // recv reads a zero-length record and the end of the connection alike; only a hang-up
      // says which. A zero-length record (a host's ZLP) carries nothing: ignore it.
      if (events & (POLLHUP | POLLRDHUP)) return ClientEnd::kGone;
      continue;
    }
    if (static_cast<size_t>(n) > packet_size_) continue;
    receiver_->Feed(
        std::span<const uint8_t>(packet_.data(), static_cast<size_t>(n)),
        [&](const wire::FrameHeader& header, std::span<const uint8_t> payload) {
          size_t len = core_.Process(header, payload, response_);
          if (alive && len != 0)
            alive = Send(client, std::span<const uint8_t>(response_).first(len));
        },
        [](wire::RxError) {});  // the receiver resynchronises by itself; the host times out
  }
  return ClientEnd::kGone;
}

bool SocketServer::Send(int client, std::span<const uint8_t> frame) {
  // No zero-length packet after a frame that fills its last packet (zlp=false): on
  // SEQPACKET a zero-length record reads as end-of-file on the other side, and record
  // boundaries already end the transfer, which is all a USB ZLP is for.
  return wire::ForEachPacket(frame, packet_size_, false, [&](std::span<const uint8_t> packet) {
    for (;;) {
      ssize_t sent = send(client, packet.data(), packet.size(), MSG_NOSIGNAL);
      if (sent == static_cast<ssize_t>(packet.size())) return true;
      if (sent < 0 && errno == EINTR) continue;
      if (sent < 0 && errno == EAGAIN) {
        // Non-blocking socket with a full queue: wait (bounded) for room.
        pollfd out{client, POLLOUT, 0};
        if (poll(&out, 1, kSendTimeoutSeconds * 1000) == 1 && (out.revents & POLLOUT)) continue;
      }
      return false;
    }
  });
}

}  // namespace hsm::host
