#include "transport/usb_descriptors.h"

namespace p11::transport {
namespace {

// Bits 10..0 of wMaxPacketSize are the size; bits 12..11 count extra transactions per
// microframe for high-bandwidth periodic endpoints and mean nothing for bulk.
constexpr uint16_t kPacketSizeMask = 0x07FF;

std::optional<UsbEndpoints> FromAltSetting(const libusb_interface_descriptor& alt) {
  if (alt.bInterfaceClass != LIBUSB_CLASS_VENDOR_SPEC) return std::nullopt;
  UsbEndpoints found;
  found.interface_number = alt.bInterfaceNumber;
  found.alt_setting = alt.bAlternateSetting;
  // The first of each direction wins; "found" is tracked by the size, never 0 once set.
  if (alt.endpoint == nullptr) return std::nullopt;
  for (int i = 0; i < alt.bNumEndpoints; ++i) {
    const libusb_endpoint_descriptor& ep = alt.endpoint[i];
    if ((ep.bmAttributes & LIBUSB_TRANSFER_TYPE_MASK) != LIBUSB_TRANSFER_TYPE_BULK) continue;
    auto size = static_cast<uint16_t>(ep.wMaxPacketSize & kPacketSizeMask);
    if (size == 0) continue;
    bool in = (ep.bEndpointAddress & LIBUSB_ENDPOINT_DIR_MASK) == LIBUSB_ENDPOINT_IN;
    if (in && found.in_packet == 0) {
      found.in_address = ep.bEndpointAddress;
      found.in_packet = size;
    } else if (!in && found.out_packet == 0) {
      found.out_address = ep.bEndpointAddress;
      found.out_packet = size;
    }
  }
  if (found.in_packet == 0 || found.out_packet == 0) return std::nullopt;
  return found;
}

}  // namespace

std::optional<UsbEndpoints> FindVendorEndpoints(const libusb_config_descriptor& config) {
  if (config.interface == nullptr) return std::nullopt;
  for (int i = 0; i < config.bNumInterfaces; ++i) {
    const libusb_interface& iface = config.interface[i];
    if (iface.altsetting == nullptr) continue;
    for (int a = 0; a < iface.num_altsetting; ++a) {
      if (auto found = FromAltSetting(iface.altsetting[a])) return found;
    }
  }
  return std::nullopt;
}

}  // namespace p11::transport
