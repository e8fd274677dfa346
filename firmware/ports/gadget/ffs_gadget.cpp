#include "ports/gadget/ffs_gadget.h"

#include <endian.h>
#include <fcntl.h>
#include <linux/usb/ch9.h>
#include <linux/usb/functionfs.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "ports/gadget/ffs_descriptors.h"

namespace hsm::gadget {
namespace {

// The largest bulk packet any speed we declare uses; OUT reads are a whole number of them,
// as a UDC may need, and big enough for the largest frame in one read.
constexpr size_t kMaxPacket = 512;
constexpr size_t kRxSize = (wire::kMaxFrame + kMaxPacket - 1) / kMaxPacket * kMaxPacket;

// How long the bulk thread waits after an endpoint error that is not a disconnect, so a
// persistent one cannot make it spin.
constexpr auto kErrorBackoff = std::chrono::milliseconds(10);

// Wakes the bulk thread out of a blocking endpoint read or write: installed without
// SA_RESTART, so the read returns EINTR and FunctionFS dequeues its request.
void WakeSignalHandler(int) {}
constexpr int kWakeSignal = SIGUSR1;

void Log(const char* what) {
  std::fprintf(stderr, "arca-fw-gadget: %s\n", what);
  std::fflush(stderr);
}

bool WriteAll(int fd, const std::vector<uint8_t>& blob) {
  ssize_t n;
  do {
    n = write(fd, blob.data(), blob.size());
  } while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(blob.size());
}

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

}  // namespace

FfsGadget::FfsGadget(Core& core, std::string ffs_dir)
    : core_(core),
      dir_(std::move(ffs_dir)),
      receiver_(std::make_unique<wire::FrameReceiver>()),
      rx_(kRxSize),
      response_(wire::kMaxFrame) {}

FfsGadget::~FfsGadget() {
  StopBulkThread();
  for (int fd : {in_, out_, ep0_}) {
    if (fd >= 0) close(fd);
  }
}

bool FfsGadget::Open(std::string* error) {
  std::string ep0 = dir_ + "/ep0";
  ep0_ = open(ep0.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (ep0_ < 0) {
    *error = Errno(ep0) + " (is functionfs mounted there?)";
    return false;
  }
  // FunctionFS takes the descriptors and the strings as two writes, in this order; only then
  // does it create the endpoint files and let the UDC be bound.
  if (!WriteAll(ep0_, BuildDescriptors())) {
    *error = Errno(ep0 + ": descriptors");
    return false;
  }
  if (!WriteAll(ep0_, BuildStrings("Arca HSM"))) {
    *error = Errno(ep0 + ": strings");
    return false;
  }
  std::string out = dir_ + "/" + kBulkOutFile, in = dir_ + "/" + kBulkInFile;
  out_ = open(out.c_str(), O_RDWR | O_CLOEXEC);
  in_ = open(in.c_str(), O_RDWR | O_CLOEXEC);
  if (out_ < 0 || in_ < 0) {
    *error = Errno(out_ < 0 ? out : in);
    return false;
  }
  return true;
}

bool FfsGadget::Run(int stop_fd) {
  struct sigaction wake {};
  wake.sa_handler = WakeSignalHandler;
  sigemptyset(&wake.sa_mask);
  if (sigaction(kWakeSignal, &wake, nullptr) != 0) {
    Log("cannot install the wake-up signal handler");
    return false;
  }
  bulk_ = std::thread([this] {
    ServeBulk();
    bulk_done_ = true;
  });
  for (;;) {
    pollfd fds[2] = {{ep0_, POLLIN, 0}, {stop_fd, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents & POLLIN) {
      StopBulkThread();
      return true;
    }
    if (!(fds[0].revents & (POLLIN | POLLERR | POLLHUP))) continue;
    usb_functionfs_event events[4];
    ssize_t n = read(ep0_, events, sizeof(events));
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      break;
    }
    for (size_t i = 0; i < static_cast<size_t>(n) / sizeof(events[0]); ++i) {
      HandleEvent(events[i].type, reinterpret_cast<const uint8_t*>(&events[i].u.setup));
    }
  }
  std::fprintf(stderr, "arca-fw-gadget: ep0: %s\n", std::strerror(errno));
  StopBulkThread();
  return false;
}

void FfsGadget::HandleEvent(uint8_t type, const uint8_t* setup) {
  switch (type) {
    case FUNCTIONFS_BIND:
      Log("bound to the UDC");
      break;
    case FUNCTIONFS_UNBIND:
      Log("unbound from the UDC");
      break;
    case FUNCTIONFS_ENABLE:
      Log("enabled (host selected the configuration)");
      break;
    case FUNCTIONFS_DISABLE:
      // Unplug, USB reset or unbind: the session ends here, whatever the bulk thread is doing.
      Log("disabled");
      LinkDown();
      break;
    case FUNCTIONFS_SUSPEND:
      Log("suspended");
      break;
    case FUNCTIONFS_RESUME:
      Log("resumed");
      break;
    case FUNCTIONFS_SETUP:
      // The protocol has no control requests: every one addressed to us is refused.
      StallSetup((setup[0] & USB_DIR_IN) != 0);
      break;
    default:
      break;
  }
}

void FfsGadget::StallSetup(bool device_to_host) {
  // FunctionFS stalls ep0 when the data stage is attempted in the wrong direction: a read
  // for a device-to-host request, a write for a host-to-device one (it then fails EL2HLT).
  uint8_t unused = 0;
  ssize_t rc = device_to_host ? read(ep0_, &unused, 0) : write(ep0_, &unused, 0);
  (void)rc;
}

void FfsGadget::LinkDown() {
  {
    std::lock_guard lock(core_mu_);
    core_.Reset();
  }
  receiver_stale_ = true;  // the bulk thread drops a half-received frame before its next one
}

void FfsGadget::ServeBulk() {
  while (!stopping_) {
    ssize_t n = read(out_, rx_.data(), rx_.size());
    if (n < 0) {
      if (stopping_) break;
      if (errno == EINTR) continue;
      // ESHUTDOWN or ECONNRESET: the endpoint was disabled under a pending read. The next
      // read waits until the host configures the device again.
      if (errno != ESHUTDOWN && errno != ECONNRESET) std::this_thread::sleep_for(kErrorBackoff);
      LinkDown();
      continue;
    }
    if (receiver_stale_.exchange(false)) receiver_->Reset();
    if (n == 0) continue;  // the zero-length packet ending a transfer of whole packets
    if (!FeedTransfer(std::span<const uint8_t>(rx_.data(), static_cast<size_t>(n)))) LinkDown();
  }
}

bool FfsGadget::FeedTransfer(std::span<const uint8_t> transfer) {
  bool link_ok = true;
  receiver_->Feed(
      transfer,
      [&](const wire::FrameHeader& header, std::span<const uint8_t> payload) {
        size_t len;
        {
          std::lock_guard lock(core_mu_);
          len = core_.Process(header, payload, response_);
        }
        if (link_ok && len != 0) link_ok = WriteResponse(std::span(response_).first(len));
      },
      [](wire::RxError) {});  // the receiver resynchronises by itself; the host times out
  return link_ok;
}

bool FfsGadget::WriteResponse(std::span<const uint8_t> frame) {
  // The IN endpoint's packet size at the speed the host connected at (64 full, 512 high).
  size_t max_packet = kMaxPacket;
  usb_endpoint_descriptor desc{};
  if (ioctl(in_, FUNCTIONFS_ENDPOINT_DESC, &desc) == 0) {
    size_t reported = le16toh(desc.wMaxPacketSize) & 0x7FF;
    if (reported != 0) max_packet = reported;
  }
  // One write is one IN transfer: the UDC cuts it into packets. The frame.h rule for a frame
  // that fills its last packet is the extra zero-length write: without it the host's read
  // would wait for more.
  if (write(in_, frame.data(), frame.size()) != static_cast<ssize_t>(frame.size())) return false;
  if (frame.size() % max_packet == 0 && write(in_, frame.data(), 0) != 0) return false;
  return true;
}

void FfsGadget::StopBulkThread() {
  if (!bulk_.joinable()) return;
  stopping_ = true;
  // Repeated, because the signal may land just before the thread blocks in read.
  while (!bulk_done_) {
    pthread_kill(bulk_.native_handle(), kWakeSignal);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  bulk_.join();
}

}  // namespace hsm::gadget
