// The static firmware instance of the Cortex-M port (see board.h). Every large object is a
// static here, never a stack local: the main stack is a few KiB.
#include "board.h"

#include <mbedtls/memory_buffer_alloc.h>

#include <new>

#include "protocol/frame.h"
#include "support/secret_array.h"

namespace hsm::cortex_m {
namespace {

// mbedTLS bignums and ECP temporaries: the firmware's only dynamic memory, a fixed pool
// (capacities.h).
static_assert(wire::kPortCapacities.crypto_pool > 0, "the port has no heap: size the pool");
alignas(8) unsigned char pool[wire::kPortCapacities.crypto_pool];

// How far into the pool mbedTLS allocations have reached (fragmentation included): what the
// pool must be sized for. Kept by the mbedtls_calloc wrapper below.
size_t pool_reach = 0;

// The test images' device identity: a fixed unique key (a board reads it from OTP).
constexpr char kSerial[] = "ARCA-CM-0001";
constexpr uint8_t kUniqueKey[32] = {
    0x41, 0x72, 0x63, 0x61, 0x2d, 0x63, 0x6d, 0x2d, 0x74, 0x65, 0x73, 0x74, 0x2d, 0x6b, 0x65, 0x79,
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10};

// Section .flashsim: outside RAM in the size report (a board's key store is flash).
__attribute__((section(".flashsim"))) BoardFlash flash;
DeterministicEntropy entropy(0x41524341u);
MbedCrypto crypto(entropy);
RecordStore records(flash);
const DeviceIdentity identity{std::span<const char>(kSerial, sizeof(kSerial) - 1),
                              1,
                              0,
                              0,
                              1,
                              std::span<const uint8_t>(kUniqueKey)};
#ifndef ARCA_CM_PIN_ITERATIONS
#define ARCA_CM_PIN_ITERATIONS kDefaultPinIterations
#endif
Core core(crypto, records, identity, CoreOptions{ARCA_CM_PIN_ITERATIONS});

// Serve's buffers: one frame being received, one response frame being sent. The receiver is
// built in Boot, in zeroed storage: as a constant-initialised global its kMaxFrame buffer
// would be a .data image, costing the same bytes again in flash and a copy at reset.
alignas(wire::FrameReceiver) unsigned char receiver_storage[sizeof(wire::FrameReceiver)];
wire::FrameReceiver* receiver = nullptr;
uint8_t response[wire::kMaxFrame];
uint8_t packet[wire::kHighSpeedPacket];

}  // namespace

Status DeterministicEntropy::Gather(std::span<uint8_t> out) {
  for (uint8_t& b : out) {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    b = static_cast<uint8_t>(state_ >> 11);
  }
  return Status::kOk;
}

Status Boot() {
  receiver = new (receiver_storage) wire::FrameReceiver();  // placement: no allocation
  mbedtls_memory_buffer_alloc_init(pool, sizeof(pool));
  Status s = crypto.Init();
  if (s != Status::kOk) return s;
  return core.Start();
}

Core& TheCore() { return core; }
MbedCrypto& TheCrypto() { return crypto; }
size_t PoolSize() { return sizeof(pool); }

size_t PoolPeak() { return pool_reach; }

void LinkReset() {
  core.Reset();
  if (receiver != nullptr) receiver->Reset();
}

size_t Serve(PacketLink& link, size_t max_frames) {
  size_t served = 0;
  if (receiver == nullptr) return 0;  // before Boot
  while (served < max_frames) {
    size_t n = link.Receive(std::span<uint8_t>(packet, link.packet_size()));
    if (n == 0) break;
    receiver->Feed(
        std::span<const uint8_t>(packet, n),
        [&](const wire::FrameHeader& header, std::span<const uint8_t> payload) {
          size_t len = core.Process(header, payload, std::span<uint8_t>(response));
          wire::ForEachPacket(std::span<const uint8_t>(response, len), link.packet_size(), true,
                              [&](std::span<const uint8_t> p) { return link.Send(p); });
          SecureZero(response, len);
          ++served;
        },
        [](wire::RxError) {});
  }
  return served;
}

}  // namespace hsm::cortex_m

// Every mbedtls_calloc outside platform.c comes here (-Wl,--wrap=mbedtls_calloc in
// CMakeLists.txt): the allocator itself is mbedTLS's, this only records the pool's reach.
extern "C" void* __real_mbedtls_calloc(size_t count, size_t size);
extern "C" void* __wrap_mbedtls_calloc(size_t count, size_t size) {
  using hsm::cortex_m::pool;
  using hsm::cortex_m::pool_reach;
  void* p = __real_mbedtls_calloc(count, size);
  if (p != nullptr) {
    size_t end = static_cast<size_t>(static_cast<unsigned char*>(p) - pool) + count * size;
    if (end > pool_reach) pool_reach = end;
  }
  return p;
}
