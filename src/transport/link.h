// Link: one byte pipe to one device, moving link packets and nothing more. It knows the
// packet size of the medium and how a frame is cut into packets there (USB bulk with the
// zero-length-packet rule, SEQPACKET records for the emulator), but not what a frame means:
// framing, sequence numbers and retries belong to the Client above it. A Link is used by one
// thread at a time (the Client serialises calls); every call is bounded by its timeout.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace p11::transport {

enum class LinkStatus {
  kOk,
  kTimeout,  // nothing (or not everything) moved before the timeout; the link is still usable
  kGone,     // the device vanished (unplugged, emulator exited): reconnect to go on
  kError,    // an I/O failure on a present device; its state is unknown
};

// "ok", "timeout", "gone", "error": for traces.
const char* LinkStatusName(LinkStatus status);

class Link {
 public:
  virtual ~Link() = default;

  // The medium's packet size (USB wMaxPacketSize of the bulk endpoints; the emulator's
  // record size). Frames are cut into packets of this size.
  virtual size_t packet_size() const = 0;

  // Sends the whole frame; the link cuts it into packets (USB: + the zero-length packet when
  // the frame fills its last packet exactly). kTimeout when it could not all be sent in time.
  virtual LinkStatus Write(std::span<const uint8_t> frame, std::chrono::milliseconds timeout) = 0;

  // Receives whatever arrives next (one packet or one transfer), up to out.size() bytes.
  // *received is set on every status: bytes that arrived before a timeout are reported with
  // kTimeout and must be consumed, not thrown away.
  virtual LinkStatus Read(std::span<uint8_t> out, size_t* received,
                          std::chrono::milliseconds timeout) = 0;

  // Where the link goes ("socket:/run/arca.sock", "usb:1d6b:0104 bus 1 addr 7 serial X"),
  // for traces and arca-tool. Never secret.
  virtual std::string Describe() const = 0;
};

}  // namespace p11::transport
