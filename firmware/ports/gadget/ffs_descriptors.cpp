#include "ports/gadget/ffs_descriptors.h"

#include <linux/usb/ch9.h>
#include <linux/usb/functionfs.h>

#include <cstddef>

namespace hsm::gadget {
namespace {

constexpr uint16_t kFullSpeedPacket = 64;
constexpr uint16_t kHighSpeedPacket = 512;
constexpr uint16_t kLangEnUs = 0x0409;

// Appends little-endian fields one by one: the kernel structs are packed and little-endian,
// and writing fields keeps both facts out of the compiler's hands.
class Appender {
 public:
  explicit Appender(std::vector<uint8_t>& out) : out_(out) {}
  void U8(uint8_t v) { out_.push_back(v); }
  void U16(uint16_t v) {
    U8(static_cast<uint8_t>(v));
    U8(static_cast<uint8_t>(v >> 8));
  }
  void U32(uint32_t v) {
    U16(static_cast<uint16_t>(v));
    U16(static_cast<uint16_t>(v >> 16));
  }
  // Overwrites a U32 appended earlier (the block lengths are known only at the end).
  void PatchU32(size_t offset, uint32_t v) {
    for (int i = 0; i < 4; ++i) out_[offset + i] = static_cast<uint8_t>(v >> (8 * i));
  }
  size_t size() const { return out_.size(); }

 private:
  std::vector<uint8_t>& out_;
};

// One speed's descriptors: interface, bulk OUT, bulk IN. Returns how many were written.
uint32_t AppendFunction(Appender& a, uint16_t max_packet) {
  a.U8(USB_DT_INTERFACE_SIZE);
  a.U8(USB_DT_INTERFACE);
  a.U8(0);  // bInterfaceNumber: FunctionFS maps it to the configuration's number
  a.U8(0);  // bAlternateSetting
  a.U8(2);  // bNumEndpoints
  a.U8(USB_CLASS_VENDOR_SPEC);
  a.U8(0);  // bInterfaceSubClass
  a.U8(0);  // bInterfaceProtocol
  a.U8(1);  // iInterface: string 1 of the table below
  for (uint8_t address : {kBulkOutAddress, kBulkInAddress}) {
    a.U8(USB_DT_ENDPOINT_SIZE);
    a.U8(USB_DT_ENDPOINT);
    a.U8(address);
    a.U8(USB_ENDPOINT_XFER_BULK);
    a.U16(max_packet);
    a.U8(0);  // bInterval: unused for bulk IN, no NAK rate limit for bulk OUT
  }
  return 3;
}

}  // namespace

std::vector<uint8_t> BuildDescriptors() {
  std::vector<uint8_t> out;
  Appender a(out);
  a.U32(FUNCTIONFS_DESCRIPTORS_MAGIC_V2);
  a.U32(0);  // length, patched below
  a.U32(FUNCTIONFS_HAS_FS_DESC | FUNCTIONFS_HAS_HS_DESC);
  size_t counts = a.size();
  a.U32(0);  // fs_count
  a.U32(0);  // hs_count
  uint32_t fs_count = AppendFunction(a, kFullSpeedPacket);
  uint32_t hs_count = AppendFunction(a, kHighSpeedPacket);
  a.PatchU32(4, static_cast<uint32_t>(out.size()));
  a.PatchU32(counts, fs_count);
  a.PatchU32(counts + 4, hs_count);
  return out;
}

std::vector<uint8_t> BuildStrings(const std::string& interface_name) {
  std::vector<uint8_t> out;
  Appender a(out);
  a.U32(FUNCTIONFS_STRINGS_MAGIC);
  a.U32(0);  // length, patched below
  a.U32(1);  // str_count
  a.U32(1);  // lang_count
  a.U16(kLangEnUs);
  for (char c : interface_name) a.U8(static_cast<uint8_t>(c));
  a.U8(0);
  a.PatchU32(4, static_cast<uint32_t>(out.size()));
  return out;
}

}  // namespace hsm::gadget
