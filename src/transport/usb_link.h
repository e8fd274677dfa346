// UsbLink: the Link to a hardware device over libusb-1.0. The device is found by VID:PID
// (and its iSerialNumber string when asked); its vendor-specific interface and that
// interface's bulk OUT and bulk IN endpoints are read from the active configuration
// descriptor — never hard-coded —, the interface is claimed (detaching a kernel driver
// if one is bound), and frames move as bulk transfers with the zero-length-packet rule. An
// unplugged device reads as LinkStatus::kGone. Each link owns its own libusb context, so
// links to different devices share no libusb state.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "transport/link.h"

namespace p11::transport {

struct UsbMatch {
  uint16_t vid = 0;
  uint16_t pid = 0;
  std::string serial;  // empty = any device with this VID:PID
};

struct UsbDeviceInfo {
  uint8_t bus = 0;
  uint8_t address = 0;
  std::string serial;  // empty when the device has none or could not be opened to read it
};

// The devices with this VID:PID, in libusb's order. A host without a usable USB subsystem
// (no usbfs, as in many containers) has no devices: an empty list, not an error.
Result<std::vector<UsbDeviceInfo>> EnumerateUsb(uint16_t vid, uint16_t pid);

// Opens the first device that matches and claims its vendor interface. No matching device:
// CKR_DEVICE_REMOVED. A match that cannot be used (no access, no vendor interface with bulk
// IN and OUT, claimed by another process): CKR_DEVICE_ERROR.
Result<std::unique_ptr<Link>> OpenUsb(const UsbMatch& match);

}  // namespace p11::transport
