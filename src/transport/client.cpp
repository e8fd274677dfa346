#include "transport/client.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <memory>
#include <utility>

#include "common/log.h"
#include "common/rv_name.h"

namespace p11::transport {
namespace {

// Room for the largest frame in one read, in whole high-speed (and so full-speed) packets:
// a USB bulk IN transfer must be a multiple of the endpoint's packet size.
constexpr size_t kReadBufferSize = (wire::kMaxFrame + wire::kHighSpeedPacket - 1) /
                                   wire::kHighSpeedPacket * wire::kHighSpeedPacket;

// A device keeps answers that were never read across a reconnect, and across processes.
// Starting each client at a random sequence number keeps an old process's late answer from
// matching this one's first request.
uint16_t FirstSeq() {
  uint16_t seq = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&seq), sizeof seq) != 1) {
    seq = static_cast<uint16_t>(Deadline::Clock::now().time_since_epoch().count());
  }
  return seq;
}

// No response status to report (the call failed before an answer came).
constexpr auto kNoStatus = static_cast<hsm::Status>(0xFFFF);

}  // namespace

Client::Client(LinkFactory factory, ClientOptions options)
    : factory_(std::move(factory)),
      options_(options),
      receiver_(std::make_unique<wire::FrameReceiver>()),
      read_buffer_(kReadBufferSize),
      next_seq_(FirstSeq()) {}

Client::~Client() = default;

Result<SecureBuffer> Client::Exchange(wire::Op op, ByteView payload,
                                      std::chrono::milliseconds timeout) {
  if (payload.size() > limits().max_payload) {
    return Fail(StatusToRv(hsm::Status::kTooLarge), "request over the device's max payload");
  }
  std::lock_guard lock(mutex_);
  // The deadline starts once this call has the device: waiting behind other threads' calls
  // is not the device being slow.
  auto start = Deadline::Clock::now();
  Deadline deadline(timeout);
  uint16_t seq = next_seq_++;
  hsm::Status status = kNoStatus;
  Result<SecureBuffer> result = ExchangeLocked(op, seq, payload, deadline, &status);
  WipeReceiveStateLocked();
  if (log::Enabled(log::Level::kDebug)) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Deadline::Clock::now() - start);
    P11_LOG(kDebug, "transport: %s seq=%u status=%s rv=%s %lld ms",
            wire::OpName(static_cast<uint16_t>(op)), static_cast<unsigned>(seq),
            status == kNoStatus ? "-" : StatusName(status), RvName(result.rv()),
            static_cast<long long>(ms.count()));
  }
  return result;
}

Result<SecureBuffer> Client::ExchangeLocked(wire::Op op, uint16_t seq, ByteView payload,
                                            const Deadline& deadline, hsm::Status* status) {
  P11_TRY(ConnectLocked());
  P11_TRY(SendLocked(op, seq, payload, deadline));
  return AwaitLocked(op, seq, deadline, status);
}

Result<void> Client::ConnectLocked() {
  if (link_ != nullptr) return Ok();
  Result<std::unique_ptr<Link>> link = Fail(CKR_DEVICE_REMOVED);
  if (factory_) link = factory_();
  if (!link.ok() || *link == nullptr) {
    P11_LOG(kDebug, "transport: connect failed: %s", RvName(link.rv()));
    return Fail(CKR_DEVICE_REMOVED, "Client::Connect");
  }
  link_ = std::move(*link);
  receiver_->Reset();
  if (ever_connected_) reconnects_.fetch_add(1, std::memory_order_relaxed);
  ever_connected_ = true;
  connected_.store(true, std::memory_order_relaxed);
  P11_LOG(kDebug, "transport: connected to %s", link_->Describe().c_str());
  return Ok();
}

Result<void> Client::SendLocked(wire::Op op, uint16_t seq, ByteView payload,
                                const Deadline& deadline) {
  // The frame carries the request's secrets too.
  SecureBuffer frame(wire::kHeaderSize + payload.size() + wire::kCrcSize);
  wire::FrameHeader header;
  header.op = static_cast<uint16_t>(op);
  header.seq = seq;
  if (wire::EncodeFrame(header, payload, frame.span()) != frame.size()) {
    return Fail(CKR_GENERAL_ERROR, "Client::Send");  // sized above: cannot happen
  }
  LinkStatus sent = link_->Write(frame.view(), deadline.Remaining());
  if (sent != LinkStatus::kOk) return LinkFailureLocked(sent, "write");
  return Ok();
}

Result<SecureBuffer> Client::AwaitLocked(wire::Op op, uint16_t seq, const Deadline& deadline,
                                         hsm::Status* status) {
  bool matched = false;
  SecureBuffer answer;
  auto on_frame = [&](const wire::FrameHeader& h, std::span<const uint8_t> body) {
    bool ours =
        (h.flags & wire::kFlagResponse) != 0 && h.seq == seq && h.op == static_cast<uint16_t>(op);
    if (matched || !ours) {  // stale, duplicate, a stray request, another op
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    matched = true;
    *status = static_cast<hsm::Status>(h.status);
    if (*status == hsm::Status::kOk) answer = SecureBuffer(body);
  };
  auto on_error = [&](wire::RxError) { corrupt_.fetch_add(1, std::memory_order_relaxed); };

  for (;;) {
    size_t received = 0;
    LinkStatus got = link_->Read(read_buffer_.span(), &received, deadline.Remaining());
    received = std::min(received, read_buffer_.size());
    read_high_water_ = std::max(read_high_water_, received);
    // Bytes reported with a timeout count too: they may complete the answer.
    receiver_->Feed(read_buffer_.view().first(received), on_frame, on_error);
    if (matched) break;
    if (got != LinkStatus::kOk) return LinkFailureLocked(got, "read");
    if (deadline.Expired()) return LinkFailureLocked(LinkStatus::kTimeout, "read");
  }
  if (*status != hsm::Status::kOk)
    return Fail(StatusToRv(*status), wire::OpName(static_cast<uint16_t>(op)));
  return answer;
}

Error Client::LinkFailureLocked(LinkStatus status, const char* where) {
  P11_LOG(kDebug, "transport: %s on %s: %s", where, link_->Describe().c_str(),
          LinkStatusName(status));
  if (status == LinkStatus::kTimeout) timeouts_.fetch_add(1, std::memory_order_relaxed);
  // Whatever the failure, the link is dropped: after a timeout a late answer may still be on
  // its way, after an error the device's state is unknown. The next call starts afresh.
  DisconnectLocked();
  return Fail(status == LinkStatus::kGone ? CKR_DEVICE_REMOVED : CKR_DEVICE_ERROR, where);
}

void Client::Disconnect() {
  std::lock_guard lock(mutex_);
  DisconnectLocked();
}

void Client::DisconnectLocked() {
  link_.reset();
  receiver_->Reset();
  connected_.store(false, std::memory_order_relaxed);
}

void Client::WipeReceiveStateLocked() {
  OPENSSL_cleanse(read_buffer_.data(), read_high_water_);
  read_high_water_ = 0;
  // Re-constructing zero-fills the receiver's buffer (its member initialiser) and forgets
  // any partial frame: a fragment left now can only belong to an answer nobody waits for.
  std::destroy_at(receiver_.get());
  std::construct_at(receiver_.get());
}

DeviceLimits Client::limits() const {
  std::lock_guard lock(limits_mutex_);
  return limits_;
}

void Client::SetLimits(const DeviceLimits& limits) {
  std::lock_guard lock(limits_mutex_);
  limits_ = limits;
}

Client::Stats Client::stats() const {
  Stats s;
  s.dropped = dropped_.load(std::memory_order_relaxed);
  s.corrupt = corrupt_.load(std::memory_order_relaxed);
  s.timeouts = timeouts_.load(std::memory_order_relaxed);
  s.reconnects = reconnects_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace p11::transport
