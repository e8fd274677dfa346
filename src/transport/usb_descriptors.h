// Reading a USB configuration descriptor for the one thing UsbLink needs: the device's
// vendor-specific interface (bInterfaceClass 0xFF) and its bulk OUT and bulk IN endpoints.
// Separate from usb_link.cpp so it can be tested on hand-built descriptors without a device.
#pragma once

#include <libusb.h>

#include <cstdint>
#include <optional>

namespace p11::transport {

struct UsbEndpoints {
  uint8_t interface_number = 0;
  uint8_t alt_setting = 0;
  uint8_t out_address = 0;  // bEndpointAddress, direction bit clear
  uint8_t in_address = 0;   // bEndpointAddress, direction bit set
  uint16_t out_packet = 0;  // wMaxPacketSize (size bits only) of each endpoint
  uint16_t in_packet = 0;
};

// The first alternate setting of class 0xFF that has both a bulk OUT and a bulk IN endpoint
// with a non-zero packet size; nullopt when the configuration has none.
std::optional<UsbEndpoints> FindVendorEndpoints(const libusb_config_descriptor& config);

}  // namespace p11::transport
