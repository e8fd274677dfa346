// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the frame checksum. The table is
// built at compile time so the firmware carries it in flash, not RAM.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace wire {

namespace detail {
constexpr std::array<uint32_t, 256> MakeCrc32cTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int bit = 0; bit < 8; ++bit) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    table[i] = c;
  }
  return table;
}
inline constexpr std::array<uint32_t, 256> kCrc32cTable = MakeCrc32cTable();
}  // namespace detail

// Continues a running CRC: start with Crc32c(data), chain with Crc32c(more, previous).
constexpr uint32_t Crc32c(std::span<const uint8_t> data, uint32_t previous = 0) {
  uint32_t crc = ~previous;
  for (uint8_t b : data) crc = detail::kCrc32cTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

}  // namespace wire
