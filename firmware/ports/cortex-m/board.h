// The Cortex-M port's assembly of the firmware: one static instance each of the key store
// flash, the mbedTLS crypto port (with its static memory pool), the record store and the
// core, built without heap, plus the port's interface to the board's USB device driver
// (PacketLink) and the request loop over it. Both MPS2 images (the budgeted smoke image and
// the test image) use it; a real board supplies a flash driver (hsm::Flash), a TRNG
// (hsm::EntropySource), its device unique key and a PacketLink over its USB peripheral in
// place of the stand-ins here. The contract of each, and the timing and zero-length-packet
// rules, are in firmware/ports/BOARD_PORTING.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/core.h"
#include "keystore/ram_flash.h"
#include "keystore/record_store.h"
#include "workers/entropy.h"
#include "workers/mbedtls_crypto.h"

namespace hsm::cortex_m {

// Key store geometry: sectors of 16 KiB (the small sectors of common Cortex-M flash parts),
// large enough for RecordStore's kMinSectorSize, and 4 of them (one kept erased).
inline constexpr size_t kFlashSectorSize = 16 * 1024;
inline constexpr size_t kFlashSectors = 4;
static_assert(kFlashSectorSize >= kMinSectorSize, "a sector must hold two largest records");
using BoardFlash = RamFlash<kFlashSectorSize, kFlashSectors>;

// TEST-ONLY entropy: a fixed xorshift sequence, so every key a test run makes is the same.
// The MPS2 boards (and QEMU) have no TRNG; a real board must implement EntropySource over
// its hardware generator, never ship this.
class DeterministicEntropy final : public EntropySource {
 public:
  explicit DeterministicEntropy(uint32_t seed) : state_(seed) {}
  Status Gather(std::span<uint8_t> out) override;

 private:
  uint32_t state_;
};

// The board's end of the USB link: one bulk OUT and one bulk IN endpoint of a vendor-specific
// interface, as the board's USB device driver sees them (BOARD_PORTING.md has the contract).
class PacketLink {
 public:
  // Copies the next packet the host sent on bulk OUT into `packet` (packet_size() bytes of
  // room) and returns its length, 1..packet_size(); 0 when no packet is waiting (never
  // blocks). A zero-length packet from the host carries nothing: skip it, never return it as
  // a packet. Packets are returned in arrival order, none dropped while the link is up.
  virtual size_t Receive(std::span<uint8_t> packet) = 0;
  // Queues one packet for bulk IN: `packet` holds 1..packet_size() bytes, or none for the
  // zero-length packet that ends a frame filling its last packet exactly. May block until
  // the endpoint takes it (the bytes may be reused once Send returns); false when the link
  // is down (bus reset, unplugged), and Serve drops the rest of that response.
  virtual bool Send(std::span<const uint8_t> packet) = 0;
  // The bulk endpoints' max packet size: 64 at full speed, 512 at high speed.
  virtual size_t packet_size() const = 0;

 protected:
  ~PacketLink() = default;
};

// Hands mbedTLS its static pool, seeds the DRBG, mounts the key store and starts the core.
Status Boot();
Core& TheCore();
MbedCrypto& TheCrypto();
// Bytes of the mbedTLS pool, and how far into it allocations have reached since Boot.
size_t PoolSize();
size_t PoolPeak();

// Feeds received packets to a frame receiver; each complete request frame is processed and
// its response sent back in packets (then wiped: it may hold decrypted data). Returns after
// `max_frames` responses, or when Receive reports nothing (a board's main loop calls it
// forever, sleeping on the USB interrupt in between). Not reentrant: call it from one
// context only (the main loop), never from the USB interrupt.
size_t Serve(PacketLink& link, size_t max_frames);
// The link went down or was reset (USB bus reset, SET_CONFIGURATION 0, unplug): nobody is
// logged in any more, session objects are gone, a half-received frame is forgotten. Call it
// from the same context as Serve (an interrupt handler sets a flag the main loop acts on).
void LinkReset();

}  // namespace hsm::cortex_m
