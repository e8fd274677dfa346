// FfsGadget: the firmware core behind a Linux FunctionFS function. ep0 carries the descriptors
// and the function's events (bind, enable, disable, suspend, unbind, setup requests); the
// two bulk endpoint files carry link packets both ways exactly as the emulator's socket does:
// OUT transfers feed a wire::FrameReceiver, each frame goes through hsm::Core::Process, and
// the response leaves as one IN transfer, followed by a zero-length one when it fills its
// last packet. Hosted POSIX code (threads, heap), not firmware.
//
// Two threads, because FunctionFS endpoint files cannot be polled: the caller's thread reads
// ep0 events and the stop descriptor; a bulk thread blocks in read(ep1)/write(ep2). A
// disconnect (DISABLE) resets the core — a new attach finds nobody logged in, as on the
// emulator's new connection — from whichever thread sees it first.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "core/core.h"
#include "protocol/frame.h"

namespace hsm::gadget {

class FfsGadget {
 public:
  FfsGadget(Core& core, std::string ffs_dir);
  ~FfsGadget();  // stops the bulk thread, closes the endpoint files
  FfsGadget(const FfsGadget&) = delete;
  FfsGadget& operator=(const FfsGadget&) = delete;

  // Opens ep0, writes the descriptors and strings (after which the UDC may be bound) and opens
  // the bulk endpoint files. False with *error set when FunctionFS refuses any of it.
  bool Open(std::string* error);
  // Handles ep0 events and serves the bulk endpoints until `stop_fd` (a signalfd) becomes
  // readable. False on a fatal ep0 error.
  bool Run(int stop_fd);

 private:
  void HandleEvent(uint8_t type, const uint8_t* setup);
  void StallSetup(bool device_to_host);
  void ServeBulk();
  // Answers each frame of one OUT transfer; false when the IN side failed (link down).
  bool FeedTransfer(std::span<const uint8_t> transfer);
  bool WriteResponse(std::span<const uint8_t> frame);
  void LinkDown();
  void StopBulkThread();

  Core& core_;
  std::string dir_;
  int ep0_ = -1, out_ = -1, in_ = -1;

  std::mutex core_mu_;  // core_ is driven by the bulk thread and reset by the ep0 thread
  std::atomic<bool> receiver_stale_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> bulk_done_{false};
  std::thread bulk_;

  // Bulk thread only.
  std::unique_ptr<wire::FrameReceiver> receiver_;
  std::vector<uint8_t> rx_;
  std::vector<uint8_t> response_;
};

}  // namespace hsm::gadget
