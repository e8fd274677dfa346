// FakeDevice: a scripted device for the transport tests, on the far end of a
// socketpair(AF_UNIX, SOCK_SEQPACKET) — the same medium as the emulator. It speaks the real
// protocol (wire::FrameReceiver in, wire::EncodeFrame out, one record per packet) and answers
// each request through a Responder, unless a queued Fault tells it to misbehave on that
// request: the fault injection the Client must survive. Its own thread serves one connection
// at a time; the factory it hands out makes a fresh connection per call, as a reconnect would.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "protocol/frame.h"
#include "transport/client.h"
#include "transport/socket_link.h"

namespace p11::transport::testing {

struct Request {
  wire::FrameHeader header;
  std::vector<uint8_t> payload;
};

struct Answer {
  uint16_t status = 0;  // hsm::Status, or any value for a broken device
  std::vector<uint8_t> payload;
};

// By default the device echoes the request payload with status kOk.
using Responder = std::function<Answer(const Request&)>;

enum class Fault {
  kNone,
  kCorrupt,            // one answer byte flipped: the CRC fails
  kDrop,               // reads the request, never answers
  kDuplicate,          // answers twice
  kStaleFirst,         // an answer carrying the previous request's seq first, then the real one
  kWrongOpFirst,       // an answer with the right seq and another op first
  kRequestFlagFirst,   // the answer without the response flag first
  kUnknownOpFirst,     // an answer with an op nobody defines first
  kTruncate,           // the first half of the answer, then silence
  kTruncateThenValid,  // a frame cut short, then the whole answer
  kGarbageFirst,       // a record of garbage, then garbage glued before the answer
  kClose,              // closes the connection instead of answering
  kDelay,              // answers after delay()
  kStall,              // stops reading, on this connection and every later one
  kTrickle,            // never answers; sends a garbage record every 20 ms (for 2 s) instead
};

class FakeDevice {
 public:
  explicit FakeDevice(size_t packet_size = 512) : packet_size_(packet_size) {
    int pipe_fds[2];
    if (::pipe(pipe_fds) == 0) {
      wake_read_ = pipe_fds[0];
      wake_write_ = pipe_fds[1];
    }
    thread_ = std::thread([this] { Run(); });
  }
  ~FakeDevice() {
    stop_ = true;
    Wake();
    thread_.join();
    if (fd_ >= 0) ::close(fd_);
    if (pending_fd_ >= 0) ::close(pending_fd_);
    if (shared_client_fd_ >= 0) ::close(shared_client_fd_);
    ::close(wake_read_);
    ::close(wake_write_);
  }
  FakeDevice(const FakeDevice&) = delete;
  FakeDevice& operator=(const FakeDevice&) = delete;

  // Each call makes a new connection; the device drops the old one and serves this one.
  LinkFactory Factory() {
    return [this]() -> Result<std::unique_ptr<Link>> {
      int fds[2];
      if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
        return Fail(CKR_GENERAL_ERROR);
      }
      Handover(fds[1]);
      factory_calls_++;
      return AdoptSocket(fds[0], packet_size_, "fake");
    };
  }

  // Every link shares one connection, as a USB device keeps its endpoints across a
  // reconnect: an answer the last link never read is still there for the next one.
  LinkFactory SharedFactory() {
    return [this]() -> Result<std::unique_ptr<Link>> {
      std::lock_guard lock(mutex_);
      if (shared_client_fd_ < 0) {
        int fds[2];
        if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
          return Fail(CKR_GENERAL_ERROR);
        }
        shared_client_fd_ = fds[0];
        pending_fd_ = fds[1];
        Wake();
      }
      factory_calls_++;
      return AdoptSocket(::dup(shared_client_fd_), packet_size_, "fake-shared");
    };
  }

  void SetResponder(Responder responder) {
    std::lock_guard lock(mutex_);
    responder_ = std::move(responder);
  }
  // Faults for the next requests, in order; later requests are answered normally.
  void Queue(Fault fault, int times = 1) {
    std::lock_guard lock(mutex_);
    for (int i = 0; i < times; ++i) faults_.push_back(fault);
  }
  void set_delay(std::chrono::milliseconds delay) { delay_ms_ = delay.count(); }

  int factory_calls() const { return factory_calls_; }
  int requests() const { return requests_; }
  std::vector<uint16_t> seqs() const {
    std::lock_guard lock(mutex_);
    return seqs_;
  }
  std::vector<size_t> record_sizes() const {
    std::lock_guard lock(mutex_);
    return record_sizes_;
  }
  void ClearRecords() {
    std::lock_guard lock(mutex_);
    record_sizes_.clear();
  }

 private:
  enum class Mode { kServe, kStall, kTrickle };

  void Wake() {
    char c = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_write_, &c, 1);
  }
  void Handover(int device_end) {
    std::lock_guard lock(mutex_);
    if (pending_fd_ >= 0) ::close(pending_fd_);
    pending_fd_ = device_end;
    Wake();
  }
  // Takes a connection handed over by a factory, dropping the current one.
  void Adopt() {
    std::lock_guard lock(mutex_);
    if (pending_fd_ < 0) return;
    if (fd_ >= 0) ::close(fd_);
    fd_ = pending_fd_;
    pending_fd_ = -1;
    if (mode_ != Mode::kStall) mode_ = Mode::kServe;  // a stalled device stays stalled
    receiver_ = std::make_unique<wire::FrameReceiver>();
  }
  void DropConnection() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  void Run() {
    std::vector<uint8_t> buf(1 << 16);
    while (!stop_) {
      pollfd fds[2] = {{wake_read_, POLLIN, 0}, {fd_, POLLIN, 0}};
      bool reading = fd_ >= 0 && mode_ != Mode::kStall;
      int n = ::poll(fds, reading ? 2 : 1, mode_ == Mode::kTrickle ? 20 : 1000);
      if (n < 0) continue;
      if (fds[0].revents != 0) {
        char drain[64];
        [[maybe_unused]] ssize_t got = ::read(wake_read_, drain, sizeof drain);
        Adopt();
        continue;
      }
      if (n == 0) {
        // Capped at 2 s, so a client that waits per read fails its test instead of hanging.
        if (mode_ == Mode::kTrickle && trickled_++ < 100) SendRaw(Garbage(7));
        continue;
      }
      if (!reading || fds[1].revents == 0) continue;
      ssize_t got = ::recv(fd_, buf.data(), buf.size(), 0);
      if (got <= 0) {
        DropConnection();
        continue;
      }
      {
        std::lock_guard lock(mutex_);
        record_sizes_.push_back(static_cast<size_t>(got));
      }
      receiver_->Feed(
          std::span<const uint8_t>(buf.data(), static_cast<size_t>(got)),
          [&](const wire::FrameHeader& h, std::span<const uint8_t> body) {
            if ((h.flags & wire::kFlagResponse) == 0) Serve({h, {body.begin(), body.end()}});
          },
          [](wire::RxError) {});
    }
  }

  void Serve(const Request& request) {
    Fault fault = Fault::kNone;
    Responder responder;
    {
      std::lock_guard lock(mutex_);
      if (!faults_.empty()) {
        fault = faults_.front();
        faults_.pop_front();
      }
      responder = responder_;
      seqs_.push_back(request.header.seq);
    }
    requests_++;
    Answer answer = responder ? responder(request) : Answer{0, request.payload};
    wire::FrameHeader h = request.header;
    h.flags = wire::kFlagResponse;
    h.status = answer.status;
    std::vector<uint8_t> frame = Encode(h, answer.payload);
    Misbehave(fault, h, answer, frame);
    last_seq_ = request.header.seq;
  }

  void Misbehave(Fault fault, wire::FrameHeader h, const Answer& answer,
                 std::vector<uint8_t> frame) {
    auto variant = [&](auto change) {
      wire::FrameHeader other = h;
      change(other);
      SendRaw(Encode(other, answer.payload));
      SendRaw(frame);
    };
    switch (fault) {
      case Fault::kNone:
        return SendRaw(frame);
      case Fault::kCorrupt:
        frame[frame.size() - 5] ^= 0x40;  // the last payload byte, or the header's length
        return SendRaw(frame);
      case Fault::kDrop:
        return;
      case Fault::kDuplicate:
        SendRaw(frame);
        return SendRaw(frame);
      case Fault::kStaleFirst:
        return variant([&](wire::FrameHeader& o) { o.seq = last_seq_; });
      case Fault::kWrongOpFirst:
        return variant([&](wire::FrameHeader& o) { o.op ^= 0x0100; });
      case Fault::kRequestFlagFirst:
        return variant([&](wire::FrameHeader& o) { o.flags = 0; });
      case Fault::kUnknownOpFirst:
        return variant([&](wire::FrameHeader& o) { o.op = 0x7F7F; });
      case Fault::kTruncate:
        frame.resize(frame.size() / 2);
        return SendRaw(frame);
      case Fault::kTruncateThenValid: {
        // Declares 8 bytes, sends 4: the next frame's bytes complete it and fail its CRC.
        std::vector<uint8_t> cut = Encode(h, std::vector<uint8_t>(8, 0x11));
        cut.resize(wire::kHeaderSize + 4);
        SendRaw(cut);
        return SendRaw(frame);
      }
      case Fault::kGarbageFirst: {
        SendRaw(Garbage(37));
        std::vector<uint8_t> junk = Garbage(5);
        std::vector<uint8_t> glued(junk.size() + frame.size());
        std::copy(junk.begin(), junk.end(), glued.begin());
        std::copy(frame.begin(), frame.end(), glued.begin() + static_cast<ptrdiff_t>(junk.size()));
        return SendRaw(glued);
      }
      case Fault::kClose:
        return DropConnection();
      case Fault::kDelay:
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_.load()));
        return SendRaw(frame);
      case Fault::kStall:
        mode_ = Mode::kStall;
        return;
      case Fault::kTrickle:
        mode_ = Mode::kTrickle;
        return;
    }
  }

  static std::vector<uint8_t> Encode(const wire::FrameHeader& h,
                                     const std::vector<uint8_t>& payload) {
    std::vector<uint8_t> frame(wire::kMaxFrame);
    frame.resize(wire::EncodeFrame(h, payload, frame));
    return frame;
  }
  // Bytes with no 0x5A in them, so they can never start a frame.
  static std::vector<uint8_t> Garbage(size_t n) {
    std::vector<uint8_t> bytes(n);
    for (size_t i = 0; i < n; ++i) bytes[i] = static_cast<uint8_t>(0x80 + i % 0x40);
    return bytes;
  }
  void SendRaw(const std::vector<uint8_t>& bytes) {
    if (fd_ < 0) return;
    wire::ForEachPacket(bytes, packet_size_, /*zlp=*/false, [&](std::span<const uint8_t> p) {
      return ::send(fd_, p.data(), p.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(p.size());
    });
  }

  const size_t packet_size_;
  int wake_read_ = -1, wake_write_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<int> factory_calls_{0}, requests_{0};
  std::atomic<long long> delay_ms_{0};

  mutable std::mutex mutex_;  // guards the members below shared with the test thread
  int pending_fd_ = -1;
  int shared_client_fd_ = -1;
  Responder responder_;
  std::deque<Fault> faults_;
  std::vector<uint16_t> seqs_;
  std::vector<size_t> record_sizes_;

  // The device thread's own state.
  int fd_ = -1;
  Mode mode_ = Mode::kServe;
  uint16_t last_seq_ = 0;
  int trickled_ = 0;
  std::unique_ptr<wire::FrameReceiver> receiver_ = std::make_unique<wire::FrameReceiver>();
  std::thread thread_;
};

}  // namespace p11::transport::testing
