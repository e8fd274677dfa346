// Client: the request/response layer over one Link to one device. It frames a request with
// the next sequence number, sends it, and waits for the one frame that answers it — response
// flag, same seq, same op —, dropping everything else (stale or duplicate answers, corrupt
// bytes, stray requests). Every call ends by a deadline: a silent device is CKR_DEVICE_ERROR,
// a vanished one CKR_DEVICE_REMOVED, never a hang and never another request's answer. After
// a timeout or a link failure the link is dropped, and the next call reconnects through the
// factory. Calls from many threads are serialised: the device does one request at a time.
// The client keeps the device's limits (DeviceLimits, from every DeviceInfo it reads) and
// sends no request payload over the device's maximum.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

#include "common/result.h"
#include "common/secure_buffer.h"
#include "protocol/frame.h"
#include "protocol/messages.h"
#include "transport/deadline.h"
#include "transport/device_limits.h"
#include "transport/link.h"
#include "transport/status_map.h"

namespace p11::transport {

// Opens a fresh link to the device (ConnectSocket, OpenUsb); called on the first call and
// after every disconnect. A failure is reported to the caller as CKR_DEVICE_REMOVED.
using LinkFactory = std::function<Result<std::unique_ptr<Link>>()>;

struct ClientOptions {
  std::chrono::milliseconds timeout{5000};
  std::chrono::milliseconds slow_timeout{60000};  // see IsSlowOp
};

// Ops that may take seconds on a small device: key generation (RSA above all) and
// InitToken, which erases every key-store record. They get ClientOptions::slow_timeout.
constexpr bool IsSlowOp(wire::Op op) {
  return op == wire::Op::kGenerateKey || op == wire::Op::kGenerateKeyPair ||
         op == wire::Op::kInitToken;
}

// A decoded response. msg's Bytes fields point into payload, whose heap buffer stays put
// when the Reply is moved; do not copy msg out of a Reply that is going away.
template <wire::Op op>
struct Reply {
  SecureBuffer payload;
  typename wire::OpTraits<op>::Response msg;
};

class Client {
 public:
  Client(LinkFactory factory, ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends `request` and returns the device's answer. A status other than kOk is
  // Error{StatusToRv(status)}; a response that does not decode is CKR_DEVICE_ERROR; a request
  // field over its limit, or a request over the device's max payload, is
  // StatusToRv(kTooLarge) and nothing is sent. A GetInfo answer also sets limits().
  template <wire::Op op>
  Result<Reply<op>> Call(const typename wire::OpTraits<op>::Request& request);

  // The layer under Call: `payload` is an encoded request, the result the payload of a kOk
  // response, undecoded. For tests and diagnostics; timeout as ClientOptions would pick.
  // A payload over limits().max_payload is StatusToRv(kTooLarge), and nothing is sent.
  Result<SecureBuffer> Exchange(wire::Op op, ByteView payload, std::chrono::milliseconds timeout);

  std::chrono::milliseconds TimeoutFor(wire::Op op) const {
    return IsSlowOp(op) ? options_.slow_timeout : options_.timeout;
  }

  // What the device takes in a request: the host's own limits until a GetInfo answer (read
  // by DeviceToken when it opens the device, and again with every token status) or
  // SetLimits says otherwise. A reconnect keeps them: it reaches the same device.
  DeviceLimits limits() const;
  void SetLimits(const DeviceLimits& limits);

  // True between a successful connect and the next disconnect (explicit, timeout, failure).
  bool connected() const { return connected_.load(std::memory_order_relaxed); }
  // Drops the link; the next call reconnects. Waits for a call in progress to end.
  void Disconnect();

  // Counters for tests and traces: frames dropped as stale/duplicate/not ours, receive errors
  // (corrupt, garbage, oversize), calls that timed out, connects after the first.
  struct Stats {
    uint64_t dropped = 0, corrupt = 0, timeouts = 0, reconnects = 0;
  };
  Stats stats() const;

 private:
  Result<SecureBuffer> ExchangeLocked(wire::Op op, uint16_t seq, ByteView payload,
                                      const Deadline& deadline, hsm::Status* status);
  Result<void> ConnectLocked();
  Result<void> SendLocked(wire::Op op, uint16_t seq, ByteView payload, const Deadline& deadline);
  Result<SecureBuffer> AwaitLocked(wire::Op op, uint16_t seq, const Deadline& deadline,
                                   hsm::Status* status);
  // Maps a failed link status to the caller's CK_RV and drops the link.
  Error LinkFailureLocked(LinkStatus status, const char* where);
  void DisconnectLocked();
  // Wipes what the last response left in the receive buffers (decrypted data, random).
  void WipeReceiveStateLocked();

  const LinkFactory factory_;
  const ClientOptions options_;

  std::mutex mutex_;  // serialises calls; guards everything below but the atomics
  std::unique_ptr<Link> link_;
  std::unique_ptr<wire::FrameReceiver> receiver_;  // ~16 KiB: on the heap
  SecureBuffer read_buffer_;
  size_t read_high_water_ = 0;  // bytes of read_buffer_ written since the last wipe
  uint16_t next_seq_;
  bool ever_connected_ = false;

  mutable std::mutex limits_mutex_;  // guards limits_ only; never held while calling out
  DeviceLimits limits_;

  std::atomic<bool> connected_{false};
  std::atomic<uint64_t> dropped_{0}, corrupt_{0}, timeouts_{0}, reconnects_{0};
};

template <wire::Op op>
Result<Reply<op>> Client::Call(const typename wire::OpTraits<op>::Request& request) {
  using Request = typename wire::OpTraits<op>::Request;
  // The request may hold a PIN or key material: encoded into a wiping buffer.
  SecureBuffer encoded(wire::MaxEncodedSize<Request>());
  hsm::Status encode_status = hsm::Status::kOk;
  size_t length = wire::EncodeMessage(request, encoded.span(), &encode_status);
  if (encode_status != hsm::Status::kOk) {
    return Fail(StatusToRv(hsm::Status::kTooLarge), wire::OpTraits<op>::kName);
  }
  encoded.resize(length);
  P11_ASSIGN_OR_RETURN(SecureBuffer payload, Exchange(op, encoded.view(), TimeoutFor(op)));
  Reply<op> reply;
  reply.payload = std::move(payload);
  if (wire::DecodeMessage(reply.payload.view(), reply.msg) != hsm::Status::kOk) {
    return Fail(CKR_DEVICE_ERROR, wire::OpTraits<op>::kName);
  }
  if constexpr (op == wire::Op::kGetInfo) {
    P11_ASSIGN_OR_RETURN(DeviceLimits limits, DeviceLimits::FromInfo(reply.msg));
    SetLimits(limits);
  }
  return reply;
}

}  // namespace p11::transport
