// The Cortex-M port's assembly of the firmware: one static instance each of the key store
// flash, the mbedTLS crypto port (with its static memory pool), the record store and the
// core, built without heap, plus the port's interface to the board's USB device driver
// (PacketLink) and the request loop over it. Both MPS2 images (the budgeted smoke image and
// the test image) use it; a real board supplies a flash driver, a TRNG EntropySource and a
// PacketLink over its USB peripheral in place of the stand-ins here.
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

// The board's end of the USB link: bulk packets in and out (the board's USB device driver
// implements it; item 4 of issue 6 documents the contract). Receive returns the length of the
// packet it wrote into `packet` (0: none waiting); Send queues one packet (a zero-length
// span is the zero-length packet that ends a frame filling its last packet).
class PacketLink {
 public:
  virtual size_t Receive(std::span<uint8_t> packet) = 0;
  virtual bool Send(std::span<const uint8_t> packet) = 0;
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
// its response sent back in packets. Returns after `max_frames` responses, or when Receive
// reports nothing (a board's main loop calls it forever, sleeping on the USB interrupt).
size_t Serve(PacketLink& link, size_t max_frames);

}  // namespace hsm::cortex_m
