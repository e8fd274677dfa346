// The blobs arca-fw-gadget writes to FunctionFS ep0 before the gadget can be bound: the v2
// descriptor block (one vendor-class interface with a bulk OUT and a bulk IN endpoint, at full
// speed with 64-byte packets and at high speed with 512-byte ones) and the string table.
// Kept apart from the I/O so the bytes can be checked without a kernel.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hsm::gadget {

// Endpoint addresses as the descriptors declare them. FunctionFS names the endpoint files
// after the order of the descriptors (ep1 = OUT, ep2 = IN), not after these numbers, and a
// UDC may renumber them (dummy_hcd shows OUT 0x02 / IN 0x81 to the host): the host reads the
// addresses from the configuration descriptor, never assumes these.
inline constexpr uint8_t kBulkOutAddress = 0x01;
inline constexpr uint8_t kBulkInAddress = 0x82;
inline constexpr const char* kBulkOutFile = "ep1";
inline constexpr const char* kBulkInFile = "ep2";

// FUNCTIONFS_DESCRIPTORS_MAGIC_V2 block with full- and high-speed descriptors.
std::vector<uint8_t> BuildDescriptors();

// FUNCTIONFS_STRINGS_MAGIC block: one language (en-US) with the interface name as string 1.
std::vector<uint8_t> BuildStrings(const std::string& interface_name);

}  // namespace hsm::gadget
