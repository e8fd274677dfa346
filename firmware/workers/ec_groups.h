// EcGroups: each supported curve's mbedTLS group, loaded on first use and kept for the
// device's lifetime.
//
// Why: with MBEDTLS_ECP_FIXED_POINT_OPTIM (the host build's mbedTLS), a group keeps a table of
// multiples of its generator, built the first time the generator is multiplied. A group
// loaded per operation rebuilds that table every time: on the host it was more than half of
// an ECDSA P-256 signature (about 670 µs per signature with a fresh group, 310 µs with a kept
// one). The table costs the host about 3 KiB of heap per curve (8 points). The Cortex-M
// configuration turns the optimisation off, so there a kept group holds only the curve's
// constants, which mbedTLS points at in flash rather than copies.
//
// Not thread-safe, like its owner MbedCrypto: one request at a time.
#pragma once

#include <mbedtls/ecp.h>

#include <array>
#include <cstddef>

namespace hsm::mbed {

class EcGroups {
 public:
  // Enough for every curve in the curve table (static_assert in mbedtls_crypto_ec.cpp).
  static constexpr size_t kCapacity = 2;

  EcGroups();
  ~EcGroups();
  EcGroups(const EcGroups&) = delete;
  EcGroups& operator=(const EcGroups&) = delete;

  // The loaded group of curve `id`; null if mbedTLS cannot load it or no place is left.
  // Callers must not change the group other than through mbedTLS's arithmetic on it.
  mbedtls_ecp_group* For(mbedtls_ecp_group_id id);

 private:
  std::array<mbedtls_ecp_group, kCapacity> groups_;
  size_t loaded_ = 0;
};

}  // namespace hsm::mbed
