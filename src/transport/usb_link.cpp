#include "transport/usb_link.h"

#include <libusb.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <span>
#include <utility>

#include "common/log.h"
#include "transport/deadline.h"
#include "transport/usb_descriptors.h"

namespace p11::transport {
namespace {

struct ContextDeleter {
  void operator()(libusb_context* ctx) const { libusb_exit(ctx); }
};
using ContextPtr = std::unique_ptr<libusb_context, ContextDeleter>;

struct HandleDeleter {
  void operator()(libusb_device_handle* handle) const { libusb_close(handle); }
};
using HandlePtr = std::unique_ptr<libusb_device_handle, HandleDeleter>;

struct ConfigDeleter {
  void operator()(libusb_config_descriptor* config) const { libusb_free_config_descriptor(config); }
};
using ConfigPtr = std::unique_ptr<libusb_config_descriptor, ConfigDeleter>;

// The device list of a context, unreferenced and freed when it goes away.
class DeviceList {
 public:
  explicit DeviceList(libusb_context* ctx) {
    ssize_t n = libusb_get_device_list(ctx, &list_);
    if (n > 0) count_ = static_cast<size_t>(n);
    if (n < 0) P11_LOG(kDebug, "transport: libusb device list: %s", libusb_error_name(int(n)));
  }
  ~DeviceList() {
    if (list_ != nullptr) libusb_free_device_list(list_, 1);
  }
  DeviceList(const DeviceList&) = delete;
  DeviceList& operator=(const DeviceList&) = delete;

  std::span<libusb_device* const> devices() const { return {list_, count_}; }

 private:
  libusb_device** list_ = nullptr;
  size_t count_ = 0;
};

// nullptr (logged) when libusb cannot start, e.g. no usbfs in a container.
ContextPtr NewContext() {
  libusb_context* ctx = nullptr;
  int rc = libusb_init(&ctx);
  if (rc != LIBUSB_SUCCESS) {
    P11_LOG(kDebug, "transport: libusb_init: %s", libusb_error_name(rc));
    return nullptr;
  }
  return ContextPtr(ctx);
}

bool HasIds(libusb_device* dev, uint16_t vid, uint16_t pid, libusb_device_descriptor* desc) {
  return libusb_get_device_descriptor(dev, desc) == LIBUSB_SUCCESS && desc->idVendor == vid &&
         desc->idProduct == pid;
}

// The iSerialNumber string; empty when the device has none or it cannot be read.
std::string ReadSerial(libusb_device_handle* handle, uint8_t index) {
  if (index == 0) return {};
  unsigned char text[256];
  int n = libusb_get_string_descriptor_ascii(handle, index, text, sizeof text);
  if (n <= 0) return {};
  return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(n));
}

// libusb reads a timeout of 0 as "wait forever": a spent deadline must still end.
unsigned int LibusbTimeout(std::chrono::milliseconds timeout) {
  auto ms = std::clamp<long long>(timeout.count(), 1, UINT_MAX);
  return static_cast<unsigned int>(ms);
}

class UsbLink final : public Link {
 public:
  UsbLink(ContextPtr ctx, HandlePtr handle, const UsbEndpoints& endpoints, std::string name)
      : ctx_(std::move(ctx)),
        handle_(std::move(handle)),
        endpoints_(endpoints),
        bounce_(endpoints.in_packet),
        name_(std::move(name)) {}
  ~UsbLink() override {
    // Hands the interface back (and, with auto-detach, re-attaches the kernel driver).
    libusb_release_interface(handle_.get(), endpoints_.interface_number);
  }
  UsbLink(const UsbLink&) = delete;
  UsbLink& operator=(const UsbLink&) = delete;

  size_t packet_size() const override { return endpoints_.out_packet; }
  std::string Describe() const override { return name_; }

  LinkStatus Write(std::span<const uint8_t> frame, std::chrono::milliseconds timeout) override {
    Deadline deadline(timeout);
    // libusb never writes to the buffer of an OUT transfer; its API is just not const.
    std::span<uint8_t> data(const_cast<uint8_t*>(frame.data()), frame.size());
    size_t sent = 0;
    LinkStatus status = Transfer(endpoints_.out_address, data, &sent, deadline.Remaining());
    if (status != LinkStatus::kOk) return status;
    if (sent != frame.size()) return LinkStatus::kError;
    // A transfer that fills its last packet exactly does not end on the device's side until
    // a short packet comes: send the zero-length one.
    if (!frame.empty() && frame.size() % endpoints_.out_packet == 0) {
      status = Transfer(endpoints_.out_address, {}, &sent, deadline.Remaining());
    }
    return status;
  }

  LinkStatus Read(std::span<uint8_t> out, size_t* received,
                  std::chrono::milliseconds timeout) override {
    *received = 0;
    if (bounce_start_ < bounce_end_) {  // left from a packet bigger than the last `out`
      *received = TakeBounced(out);
      return LinkStatus::kOk;
    }
    // An IN transfer must be a whole number of packets: a device sending a full packet into
    // a smaller buffer is an overflow, and its bytes are lost.
    size_t whole =
        std::min<size_t>(out.size(), INT_MAX) / endpoints_.in_packet * endpoints_.in_packet;
    if (whole > 0) return Transfer(endpoints_.in_address, out.first(whole), received, timeout);
    size_t got = 0;
    LinkStatus status = Transfer(endpoints_.in_address, bounce_, &got, timeout);
    bounce_start_ = 0;
    bounce_end_ = got;
    *received = TakeBounced(out);
    return status;
  }

 private:
  // One synchronous bulk transfer. *transferred is what moved, even on a timeout: libusb
  // reports the bytes of a transfer cut short, and a partial frame is still the caller's.
  LinkStatus Transfer(uint8_t endpoint, std::span<uint8_t> data, size_t* transferred,
                      std::chrono::milliseconds timeout) {
    int actual = 0;
    int rc = libusb_bulk_transfer(handle_.get(), endpoint, data.data(),
                                  static_cast<int>(data.size()), &actual, LibusbTimeout(timeout));
    *transferred = actual > 0 ? static_cast<size_t>(actual) : 0;
    switch (rc) {
      case LIBUSB_SUCCESS:
        return LinkStatus::kOk;
      case LIBUSB_ERROR_TIMEOUT:
        return LinkStatus::kTimeout;
      case LIBUSB_ERROR_NO_DEVICE:
        return LinkStatus::kGone;
      case LIBUSB_ERROR_PIPE:
        // The endpoint stalled: clear it so the next transfer can run, and report this one.
        libusb_clear_halt(handle_.get(), endpoint);
        break;
      default:
        // A transfer cut by an unplug may end as a plain I/O error rather than NO_DEVICE;
        // asking the device for its configuration tells a vanished device apart.
        if (Vanished()) return LinkStatus::kGone;
        break;
    }
    P11_LOG(kDebug, "transport: %s: bulk 0x%02x: %s", name_.c_str(), endpoint,
            libusb_error_name(rc));
    return LinkStatus::kError;
  }

  bool Vanished() const {
    int config = 0;
    return libusb_get_configuration(handle_.get(), &config) == LIBUSB_ERROR_NO_DEVICE;
  }

  size_t TakeBounced(std::span<uint8_t> out) {
    size_t n = std::min(out.size(), bounce_end_ - bounce_start_);
    std::copy_n(bounce_.begin() + static_cast<ptrdiff_t>(bounce_start_), n, out.begin());
    bounce_start_ += n;
    return n;
  }

  ContextPtr ctx_;  // destroyed last: the handle belongs to it
  HandlePtr handle_;
  UsbEndpoints endpoints_;
  std::vector<uint8_t> bounce_;  // one IN packet, for reads into less than a packet
  size_t bounce_start_ = 0, bounce_end_ = 0;
  std::string name_;
};

std::string DescribeDevice(libusb_device* dev, const libusb_device_descriptor& desc,
                           const std::string& serial) {
  char text[96];
  std::snprintf(text, sizeof text, "usb:%04x:%04x bus %u addr %u", desc.idVendor, desc.idProduct,
                static_cast<unsigned>(libusb_get_bus_number(dev)),
                static_cast<unsigned>(libusb_get_device_address(dev)));
  std::string name(text);
  if (!serial.empty()) name += " serial " + serial;
  return name;
}

// Finds the vendor interface of an opened device and claims it. The caller keeps owning
// the handle and the context, so they are released in order on every path.
Result<UsbEndpoints> ClaimVendorInterface(libusb_device* dev, libusb_device_handle* handle,
                                          const std::string& name) {
  libusb_config_descriptor* raw_config = nullptr;
  int rc = libusb_get_active_config_descriptor(dev, &raw_config);
  if (rc != LIBUSB_SUCCESS) {
    P11_LOG(kDebug, "transport: %s: config descriptor: %s", name.c_str(), libusb_error_name(rc));
    return Fail(rc == LIBUSB_ERROR_NO_DEVICE ? CKR_DEVICE_REMOVED : CKR_DEVICE_ERROR, "OpenUsb");
  }
  ConfigPtr config(raw_config);
  std::optional<UsbEndpoints> endpoints = FindVendorEndpoints(*config);
  if (!endpoints) {
    P11_LOG(kDebug, "transport: %s: no vendor interface with bulk IN and OUT", name.c_str());
    return Fail(CKR_DEVICE_ERROR, "OpenUsb");
  }
  // Not supported on every platform (then there is no kernel driver to detach either).
  libusb_set_auto_detach_kernel_driver(handle, 1);
  rc = libusb_claim_interface(handle, endpoints->interface_number);
  if (rc == LIBUSB_SUCCESS && endpoints->alt_setting != 0) {
    rc = libusb_set_interface_alt_setting(handle, endpoints->interface_number,
                                          endpoints->alt_setting);
    if (rc != LIBUSB_SUCCESS) libusb_release_interface(handle, endpoints->interface_number);
  }
  if (rc != LIBUSB_SUCCESS) {
    P11_LOG(kDebug, "transport: %s: claim interface %u: %s", name.c_str(),
            static_cast<unsigned>(endpoints->interface_number), libusb_error_name(rc));
    return Fail(rc == LIBUSB_ERROR_NO_DEVICE ? CKR_DEVICE_REMOVED : CKR_DEVICE_ERROR, "OpenUsb");
  }
  return *endpoints;
}

}  // namespace

Result<std::vector<UsbDeviceInfo>> EnumerateUsb(uint16_t vid, uint16_t pid) {
  std::vector<UsbDeviceInfo> found;
  ContextPtr ctx = NewContext();
  if (ctx == nullptr) return found;
  DeviceList list(ctx.get());
  for (libusb_device* dev : list.devices()) {
    libusb_device_descriptor desc{};
    if (!HasIds(dev, vid, pid, &desc)) continue;
    UsbDeviceInfo info;
    info.bus = libusb_get_bus_number(dev);
    info.address = libusb_get_device_address(dev);
    libusb_device_handle* raw = nullptr;
    if (libusb_open(dev, &raw) == LIBUSB_SUCCESS) {
      HandlePtr handle(raw);
      info.serial = ReadSerial(handle.get(), desc.iSerialNumber);
    }
    found.push_back(std::move(info));
  }
  return found;
}

Result<std::unique_ptr<Link>> OpenUsb(const UsbMatch& match) {
  ContextPtr ctx = NewContext();
  if (ctx == nullptr) return Fail(CKR_DEVICE_REMOVED, "OpenUsb");
  DeviceList list(ctx.get());
  CK_RV failure = CKR_DEVICE_REMOVED;  // until a matching device is seen
  for (libusb_device* dev : list.devices()) {
    libusb_device_descriptor desc{};
    if (!HasIds(dev, match.vid, match.pid, &desc)) continue;
    libusb_device_handle* raw = nullptr;
    int rc = libusb_open(dev, &raw);
    if (rc != LIBUSB_SUCCESS) {
      // Often LIBUSB_ERROR_ACCESS: no udev rule gives this user the device node.
      P11_LOG(kDebug, "transport: open %04x:%04x: %s", match.vid, match.pid, libusb_error_name(rc));
      if (rc != LIBUSB_ERROR_NO_DEVICE) failure = CKR_DEVICE_ERROR;
      continue;
    }
    HandlePtr handle(raw);
    std::string serial = ReadSerial(handle.get(), desc.iSerialNumber);
    if (!match.serial.empty() && serial != match.serial) continue;
    std::string name = DescribeDevice(dev, desc, serial);
    P11_ASSIGN_OR_RETURN(UsbEndpoints endpoints, ClaimVendorInterface(dev, handle.get(), name));
    return std::unique_ptr<Link>(
        new UsbLink(std::move(ctx), std::move(handle), endpoints, std::move(name)));
  }
  return Fail(failure, "OpenUsb");
}

}  // namespace p11::transport
