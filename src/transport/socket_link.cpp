#include "transport/socket_link.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <span>
#include <utility>

#include "common/log.h"
#include "protocol/frame.h"
#include "transport/deadline.h"

namespace p11::transport {
namespace {

// The peer closed or reset the connection: the emulator exited or was killed.
LinkStatus ErrnoStatus(int err) {
  switch (err) {
    case EPIPE:
    case ECONNRESET:
    case ENOTCONN:
    case ECONNREFUSED:
      return LinkStatus::kGone;
    default:
      return LinkStatus::kError;
  }
}

class SocketLink final : public Link {
 public:
  SocketLink(int fd, size_t packet_size, std::string description)
      : fd_(fd), packet_size_(packet_size), description_(std::move(description)) {}
  ~SocketLink() override { ::close(fd_); }
  SocketLink(const SocketLink&) = delete;
  SocketLink& operator=(const SocketLink&) = delete;

  size_t packet_size() const override { return packet_size_; }
  std::string Describe() const override { return description_; }

  LinkStatus Write(std::span<const uint8_t> frame, std::chrono::milliseconds timeout) override {
    Deadline deadline(timeout);
    LinkStatus status = LinkStatus::kOk;
    // zlp=false: a zero-length SEQPACKET record would read as end-of-file on the other side.
    wire::ForEachPacket(frame, packet_size_, /*zlp=*/false, [&](std::span<const uint8_t> p) {
      status = SendRecord(p, deadline);
      return status == LinkStatus::kOk;
    });
    return status;
  }

  LinkStatus Read(std::span<uint8_t> out, size_t* received,
                  std::chrono::milliseconds timeout) override {
    *received = 0;
    Deadline deadline(timeout);
    for (;;) {
      // MSG_TRUNC: the record's real length, so an oversized record is noticed.
      ssize_t n = ::recv(fd_, out.data(), out.size(), MSG_DONTWAIT | MSG_TRUNC);
      if (n > 0) {
        auto length = static_cast<size_t>(n);
        if (length > out.size()) {
          // The excess is lost; the frame it belonged to fails its CRC upstream.
          P11_LOG(kDebug, "transport: %s: %zu-byte record cut to %zu", description_.c_str(), length,
                  out.size());
        }
        *received = std::min(length, out.size());
        return LinkStatus::kOk;
      }
      if (n == 0) return LinkStatus::kGone;  // orderly shutdown (or a forbidden empty record)
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return ErrnoStatus(errno);
      LinkStatus ready = WaitFor(POLLIN, deadline);
      if (ready != LinkStatus::kOk) return ready;
    }
  }

 private:
  LinkStatus SendRecord(std::span<const uint8_t> record, const Deadline& deadline) {
    for (;;) {
      ssize_t n = ::send(fd_, record.data(), record.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n >= 0) {
        // SEQPACKET sends a record whole or not at all.
        return static_cast<size_t>(n) == record.size() ? LinkStatus::kOk : LinkStatus::kError;
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return ErrnoStatus(errno);
      LinkStatus ready = WaitFor(POLLOUT, deadline);
      if (ready != LinkStatus::kOk) return ready;
    }
  }

  // Waits until the socket is ready for `events` (or hung up / in error: the next send or
  // recv says which), the deadline passes (kTimeout), or poll fails (kError).
  LinkStatus WaitFor(short events, const Deadline& deadline) const {
    for (;;) {
      pollfd p{fd_, events, 0};
      int n = ::poll(&p, 1, deadline.RemainingMs());
      if (n > 0) return LinkStatus::kOk;
      if (n == 0) return LinkStatus::kTimeout;
      if (errno != EINTR) return LinkStatus::kError;
    }
  }

  int fd_;
  size_t packet_size_;
  std::string description_;
};

}  // namespace

Result<std::unique_ptr<Link>> AdoptSocket(int fd, size_t packet_size, std::string description) {
  int type = 0;
  socklen_t type_len = sizeof type;
  if (fd < 0 || packet_size == 0 || ::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &type_len) != 0 ||
      type != SOCK_SEQPACKET) {
    if (fd >= 0) ::close(fd);
    return Fail(CKR_ARGUMENTS_BAD, "AdoptSocket");
  }
  // Non-blocking underneath: every wait goes through poll() with the caller's deadline.
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0 ||
      ::fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
    ::close(fd);
    return Fail(CKR_DEVICE_ERROR, "AdoptSocket");
  }
  return std::unique_ptr<Link>(new SocketLink(fd, packet_size, std::move(description)));
}

Result<std::unique_ptr<Link>> ConnectSocket(const std::string& path, size_t packet_size) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path || packet_size == 0) {
    return Fail(CKR_ARGUMENTS_BAD, "ConnectSocket");
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  // SOCK_NONBLOCK: a listener whose backlog is full answers EAGAIN instead of blocking.
  int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return Fail(CKR_DEVICE_ERROR, "ConnectSocket");
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    int err = errno;
    ::close(fd);
    P11_LOG(kDebug, "transport: connect %s: %s", path.c_str(), std::strerror(err));
    bool absent = err == ENOENT || err == ECONNREFUSED || err == ENOTDIR;
    return Fail(absent ? CKR_DEVICE_REMOVED : CKR_DEVICE_ERROR, "ConnectSocket");
  }
  return AdoptSocket(fd, packet_size, "socket:" + path);
}

}  // namespace p11::transport
