// An emulated USB device behind the real usbdevfs code path of the stock libusb: a umockdev
// testbed holds its sysfs entry (busnum, devnum, speed, binary descriptors) and its
// /dev/bus/usb/BBB/DDD node, and an ioctl handler answers the USBDEVFS_* requests libusb
// issues on that node (claim, URB submit / reap / discard, capabilities, control requests for
// string descriptors). Bulk URBs are turned into bus packets of the endpoint's
// wMaxPacketSize, as a host controller would, and handed to a UsbFunction — the device side.
//
// The process must run with libumockdev-preload.so loaded (umockdev-wrapper); without it
// InMockEnvironment() is false and the tests skip. The ioctl handler runs on umockdev's worker
// thread, so a test may block in libusb on its own thread; the device state is guarded by one
// mutex (Lock()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace p11::testing {

// What the emulated device looks like on the bus.
struct UsbDeviceConfig {
  uint16_t vid = 0x1209;
  uint16_t pid = 0xCA5A;
  uint8_t busnum = 1;
  uint8_t devnum = 7;
  uint16_t packet_size = 512;  // bulk wMaxPacketSize: 512 high speed, 64 full speed
  uint8_t interface_number = 0;
  // Not 0x01 / 0x81: controllers and gadgets number endpoints as they like, so a host that
  // hard-codes them would fail here.
  uint8_t ep_out = 0x02;
  uint8_t ep_in = 0x83;
  std::string manufacturer = "Arca";
  std::string product = "Arca HSM (umockdev)";
  std::string serial = "UMOCK-0001";
};

// The device side of the bulk endpoints. Called on umockdev's thread with the device lock held.
class UsbFunction {
 public:
  virtual ~UsbFunction() = default;
  // One packet the host sent on the bulk OUT endpoint; empty = a zero-length packet.
  virtual void OnOutPacket(std::span<const uint8_t> packet) = 0;
  // Moves the packets ready for the bulk IN endpoint to the back of `queue` (each at most the
  // packet size; an empty one is a zero-length packet).
  virtual void TakeInPackets(std::deque<std::vector<uint8_t>>* queue) = 0;
};

// One URB as libusb submitted it, for assertions.
struct UrbRecord {
  uint8_t type = 0;  // USBDEVFS_URB_TYPE_*
  uint8_t endpoint = 0;
  uint32_t flags = 0;  // USBDEVFS_URB_* (ZERO_PACKET matters)
  int buffer_length = 0;
  int status = 0;  // as completed
  int actual_length = 0;
  bool discarded = false;
};

class EmulatedUsbDevice {
 public:
  // True when libumockdev-preload is loaded into this process.
  static bool InMockEnvironment();

  // Creates the testbed and plugs the device in. `function` must outlive this object.
  EmulatedUsbDevice(const UsbDeviceConfig& config, UsbFunction* function);
  ~EmulatedUsbDevice();
  EmulatedUsbDevice(const EmulatedUsbDevice&) = delete;
  EmulatedUsbDevice& operator=(const EmulatedUsbDevice&) = delete;

  // Removes the device as an unplug does: URBs in flight complete with -ESHUTDOWN, every
  // later ioctl on the node fails with ENODEV, the sysfs entry and node disappear.
  void Unplug();

  // Device state (the records below, the function's settings) is read and changed under this.
  std::unique_lock<std::mutex> Lock() const { return std::unique_lock<std::mutex>(mu_); }

  // With Lock() held.
  const std::vector<UrbRecord>& bulk_urbs() const { return bulk_urbs_; }
  const std::vector<uint32_t>& claimed() const { return claimed_; }
  const std::vector<unsigned long>& unknown_ioctls() const { return unknown_ioctls_; }
  int overflows() const { return overflows_; }
  int bad_endpoint_urbs() const { return bad_endpoint_urbs_; }
  void ClearRecords();

  const UsbDeviceConfig& config() const { return config_; }
  const std::string& syspath() const { return syspath_; }
  std::string devnode() const;

 private:
  struct Urb;
  struct Glue;  // the C callbacks umockdev calls
  friend struct Glue;

  bool HandleIoctl(void* client);  // UMockdevIoctlClient*
  int DeviceIoctl(unsigned long request, void* arg);
  void Submit(void* client, void* arg);
  void Reap(void* client, void* arg);
  void Discard(void* client, void* arg);
  void SubmitControl(Urb& urb);
  void SubmitBulkOut(Urb& urb);
  void ServeInUrbs();
  bool FillInUrb(Urb& urb);
  std::vector<uint8_t> DeviceDescriptor() const;
  std::vector<uint8_t> ConfigDescriptor() const;
  std::vector<uint8_t> StringDescriptor(uint8_t index) const;
  std::string SysfsRecord() const;

  UsbDeviceConfig config_;
  UsbFunction* function_;
  void* testbed_ = nullptr;  // UMockdevTestbed*
  void* handler_ = nullptr;  // UMockdevIoctlBase*
  std::string syspath_;

  mutable std::mutex mu_;
  bool gone_ = false;
  std::deque<std::vector<uint8_t>> in_packets_;
  std::deque<std::unique_ptr<Urb>> in_flight_;  // IN URBs waiting for device data, in order
  std::deque<std::unique_ptr<Urb>> completed_;  // waiting to be reaped
  std::vector<UrbRecord> bulk_urbs_;
  std::vector<uint32_t> claimed_;
  std::vector<unsigned long> unknown_ioctls_;
  int overflows_ = 0;
  int bad_endpoint_urbs_ = 0;
};

}  // namespace p11::testing
