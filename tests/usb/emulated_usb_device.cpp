// The umockdev side of EmulatedUsbDevice: the sysfs record, the descriptors and the usbdevfs
// ioctl handler. URB semantics follow the kernel's usbdevfs and a host controller: a bulk OUT
// URB goes on the bus as packets of wMaxPacketSize, plus a zero-length packet when it is
// empty or carries USBDEVFS_URB_ZERO_PACKET and ends on a packet boundary; a bulk IN URB
// completes when it is full or a short (or zero-length) packet arrives, and a packet larger
// than the room left ends it with -EOVERFLOW (babble), so a host reading with a buffer that is
// not a multiple of the packet size is caught.
#include "emulated_usb_device.h"

#include <errno.h>
#include <linux/usbdevice_fs.h>
#include <sys/ioctl.h>
#include <umockdev.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace p11::testing {
namespace {

constexpr int kUrbHeader = sizeof(usbdevfs_urb);
constexpr size_t kSetupSize = 8;

UMockdevIoctlClient* AsClient(void* p) { return static_cast<UMockdevIoctlClient*>(p); }

std::string Hex(std::span<const uint8_t> bytes) {
  std::string out;
  char buf[3];
  for (uint8_t b : bytes) {
    std::snprintf(buf, sizeof(buf), "%02x", b);
    out += buf;
  }
  return out;
}

void PutLe16(std::vector<uint8_t>* out, uint16_t v) {
  out->push_back(static_cast<uint8_t>(v & 0xFF));
  out->push_back(static_cast<uint8_t>(v >> 8));
}

}  // namespace

// A submitted URB: its resolved struct and buffer (local copies umockdev writes back to the
// client when the reap that returns it completes).
struct EmulatedUsbDevice::Urb {
  UMockdevIoctlData* data = nullptr;    // struct usbdevfs_urb, owned reference
  UMockdevIoctlData* buffer = nullptr;  // its buffer, owned reference (null when empty)
  size_t record = 0;                    // index in bulk_urbs_ (bulk only)
  bool bulk = false;
  std::vector<uint8_t> in_data;  // what the device returned (IN and control)
  int status = 0;
  int actual = 0;

  usbdevfs_urb* view() const { return reinterpret_cast<usbdevfs_urb*>(data->data); }
  ~Urb() {
    if (buffer != nullptr) g_object_unref(buffer);
    if (data != nullptr) g_object_unref(data);
  }
};

struct EmulatedUsbDevice::Glue {
  static gboolean OnIoctl(UMockdevIoctlBase*, UMockdevIoctlClient* client, gpointer self) {
    return static_cast<EmulatedUsbDevice*>(self)->HandleIoctl(client);
  }
};

// umockdev_in_mock_environment() only turns true once a testbed exists; what matters before
// that is whether the preload library intercepts this process's file and ioctl calls.
bool EmulatedUsbDevice::InMockEnvironment() {
  const char* preload = std::getenv("LD_PRELOAD");
  return preload != nullptr && std::strstr(preload, "libumockdev-preload") != nullptr;
}

EmulatedUsbDevice::EmulatedUsbDevice(const UsbDeviceConfig& config, UsbFunction* function)
    : config_(config), function_(function) {
  char path[128];
  std::snprintf(path, sizeof(path), "/sys/devices/pci0000:00/0000:00:14.0/usb%u/%u-4",
                config_.busnum, config_.busnum);
  syspath_ = path;
  auto* testbed = umockdev_testbed_new();
  testbed_ = testbed;
  auto* handler = umockdev_ioctl_base_new();
  handler_ = handler;
  g_signal_connect(handler, "handle-ioctl", G_CALLBACK(Glue::OnIoctl), this);
  // The handler first, so the node exists as an ioctl socket before libusb can see the device.
  GError* error = nullptr;
  if (!umockdev_testbed_attach_ioctl(testbed, devnode().c_str(), handler, &error) ||
      !umockdev_testbed_add_from_string(testbed, SysfsRecord().c_str(), &error)) {
    std::string what = error != nullptr ? error->message : "umockdev testbed setup failed";
    g_clear_error(&error);
    g_object_unref(testbed);
    g_object_unref(handler);
    throw std::runtime_error(what);
  }
}

EmulatedUsbDevice::~EmulatedUsbDevice() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    gone_ = true;
  }
  auto* testbed = static_cast<UMockdevTestbed*>(testbed_);
  umockdev_testbed_detach_ioctl(testbed, devnode().c_str(), nullptr);
  g_object_unref(testbed);
  g_object_unref(static_cast<UMockdevIoctlBase*>(handler_));
  std::lock_guard<std::mutex> lock(mu_);
  in_flight_.clear();
  completed_.clear();
}

std::string EmulatedUsbDevice::devnode() const {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "/dev/bus/usb/%03u/%03u", config_.busnum, config_.devnum);
  return buf;
}

std::string EmulatedUsbDevice::SysfsRecord() const {
  const char* path = syspath_.c_str() + 4;  // without "/sys"
  const unsigned speed = config_.packet_size >= 512 ? 480 : 12;
  char head[1024];
  std::snprintf(head, sizeof(head),
                "P: %s\nN: %s\n"
                "E: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\nE: DRIVER=usb\n"
                "E: DEVNAME=%s\nE: BUSNUM=%03u\nE: DEVNUM=%03u\nE: PRODUCT=%x/%x/100\n"
                "A: busnum=%u\\n\nA: devnum=%u\\n\nA: speed=%u\\n\n"
                "A: bConfigurationValue=1\\n\nA: bNumConfigurations=1\\n\n"
                "A: idVendor=%04x\\n\nA: idProduct=%04x\\n\n"
                "A: serial=%s\\n\nA: manufacturer=%s\\n\nA: product=%s\\n\n",
                path, devnode().substr(5).c_str(), devnode().c_str(), config_.busnum,
                config_.devnum, config_.vid, config_.pid, config_.busnum, config_.devnum, speed,
                config_.vid, config_.pid, config_.serial.c_str(), config_.manufacturer.c_str(),
                config_.product.c_str());
  std::vector<uint8_t> descriptors = DeviceDescriptor();
  std::vector<uint8_t> cfg = ConfigDescriptor();
  descriptors.insert(descriptors.end(), cfg.begin(), cfg.end());
  return std::string(head) + "H: descriptors=" + Hex(descriptors) + "\n";
}

// USB 2.0 §9.6.1: iManufacturer 1, iProduct 2, iSerialNumber 3.
std::vector<uint8_t> EmulatedUsbDevice::DeviceDescriptor() const {
  std::vector<uint8_t> d = {18, 0x01};
  PutLe16(&d, 0x0200);                        // bcdUSB
  d.insert(d.end(), {0x00, 0x00, 0x00, 64});  // class per interface, ep0 64
  PutLe16(&d, config_.vid);
  PutLe16(&d, config_.pid);
  PutLe16(&d, 0x0100);              // bcdDevice
  d.insert(d.end(), {1, 2, 3, 1});  // strings, one configuration
  return d;
}

// One configuration, one vendor-specific interface (class 0xFF), bulk OUT then bulk IN.
std::vector<uint8_t> EmulatedUsbDevice::ConfigDescriptor() const {
  std::vector<uint8_t> d = {9, 0x02};
  PutLe16(&d, 9 + 9 + 7 + 7);  // wTotalLength
  d.insert(d.end(), {1, 1, 0, 0x80, 50});
  d.insert(d.end(), {9, 0x04, config_.interface_number, 0, 2, 0xFF, 0x00, 0x00, 0});
  for (uint8_t ep : {config_.ep_out, config_.ep_in}) {
    d.insert(d.end(), {7, 0x05, ep, 0x02});
    PutLe16(&d, config_.packet_size);
    d.push_back(0);
  }
  return d;
}

std::vector<uint8_t> EmulatedUsbDevice::StringDescriptor(uint8_t index) const {
  if (index == 0) return {4, 0x03, 0x09, 0x04};  // LANGID en-US
  const std::string* s = index == 1   ? &config_.manufacturer
                         : index == 2 ? &config_.product
                         : index == 3 ? &config_.serial
                                      : nullptr;
  if (s == nullptr) return {};
  std::vector<uint8_t> d = {static_cast<uint8_t>(2 + 2 * s->size()), 0x03};
  for (char c : *s) PutLe16(&d, static_cast<uint8_t>(c));
  return d;
}

void EmulatedUsbDevice::ClearRecords() {
  bulk_urbs_.clear();
  claimed_.clear();
  unknown_ioctls_.clear();
  overflows_ = 0;
  bad_endpoint_urbs_ = 0;
}

void EmulatedUsbDevice::Unplug() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (gone_) return;
    gone_ = true;
    // The kernel gives back every URB in flight when the device disappears.
    while (!in_flight_.empty()) {
      auto urb = std::move(in_flight_.front());
      in_flight_.pop_front();
      urb->status = -ESHUTDOWN;
      completed_.push_back(std::move(urb));
    }
  }
  // The uevent first (remove_device sends none), while the sysfs entry still exists, as udev
  // sees it on a real unplug; libusb's hotplug thread then drops the device from its list.
  auto* testbed = static_cast<UMockdevTestbed*>(testbed_);
  umockdev_testbed_uevent(testbed, syspath_.c_str(), "remove");
  umockdev_testbed_remove_device(testbed, syspath_.c_str());
}

bool EmulatedUsbDevice::HandleIoctl(void* raw_client) {
  UMockdevIoctlClient* client = AsClient(raw_client);
  const unsigned long request = umockdev_ioctl_client_get_request(client);
  UMockdevIoctlData* arg = umockdev_ioctl_client_get_arg(client);
  std::unique_lock<std::mutex> lock(mu_);
  switch (request) {
    case USBDEVFS_SUBMITURB:
      Submit(client, arg);
      return TRUE;
    case USBDEVFS_REAPURB:
    case USBDEVFS_REAPURBNDELAY:
      Reap(client, arg);
      return TRUE;
    case USBDEVFS_DISCARDURB:
      Discard(client, arg);
      return TRUE;
    default:
      break;
  }
  int error = gone_ ? ENODEV : DeviceIoctl(request, arg);
  umockdev_ioctl_client_complete(client, error == 0 ? 0 : -1, error);
  return TRUE;
}

// The requests other than URBs; returns the errno, 0 for success.
int EmulatedUsbDevice::DeviceIoctl(unsigned long request, void* raw_arg) {
  auto* arg = static_cast<UMockdevIoctlData*>(raw_arg);
  switch (request) {
    case USBDEVFS_GET_CAPABILITIES: {
      UMockdevIoctlData* caps = umockdev_ioctl_data_resolve(arg, 0, sizeof(uint32_t), nullptr);
      uint32_t value = USBDEVFS_CAP_ZERO_PACKET | USBDEVFS_CAP_BULK_CONTINUATION |
                       USBDEVFS_CAP_NO_PACKET_SIZE_LIM | USBDEVFS_CAP_REAP_AFTER_DISCONNECT;
      umockdev_ioctl_data_update(caps, 0, reinterpret_cast<guint8*>(&value), sizeof(value));
      g_object_unref(caps);
      return 0;
    }
    case USBDEVFS_CLAIMINTERFACE:
    case USBDEVFS_RELEASEINTERFACE:
    case USBDEVFS_DISCONNECT_CLAIM: {  // the last: libusb's claim with auto-detach
      // Each argument starts with the interface number (unsigned int).
      UMockdevIoctlData* num = umockdev_ioctl_data_resolve(arg, 0, sizeof(uint32_t), nullptr);
      uint32_t n = 0;
      std::memcpy(&n, num->data, sizeof(n));
      g_object_unref(num);
      if (n != config_.interface_number) return ENOENT;
      if (request != USBDEVFS_RELEASEINTERFACE) claimed_.push_back(n);
      return 0;
    }
    case USBDEVFS_GETDRIVER:
    case USBDEVFS_IOCTL:  // no kernel driver is bound to the vendor interface
      return ENODATA;
    case USBDEVFS_CLEAR_HALT:
    case USBDEVFS_RESETEP:
    case USBDEVFS_RESET:
    case USBDEVFS_SETINTERFACE:
    case USBDEVFS_SETCONFIGURATION:
      return 0;
    default:
      unknown_ioctls_.push_back(request);
      std::fprintf(stderr, "emulated usb: unhandled ioctl 0x%lx\n", request);
      return ENOTTY;
  }
}

void EmulatedUsbDevice::Submit(void* raw_client, void* raw_arg) {
  UMockdevIoctlClient* client = AsClient(raw_client);
  auto* arg = static_cast<UMockdevIoctlData*>(raw_arg);
  if (gone_) {
    umockdev_ioctl_client_complete(client, -1, ENODEV);
    return;
  }
  auto urb = std::make_unique<Urb>();
  urb->data = umockdev_ioctl_data_resolve(arg, 0, kUrbHeader, nullptr);
  usbdevfs_urb* u = urb->view();
  if (u->buffer_length > 0) {
    urb->buffer = umockdev_ioctl_data_resolve(urb->data, offsetof(usbdevfs_urb, buffer),
                                              u->buffer_length, nullptr);
  }
  if (u->type == USBDEVFS_URB_TYPE_CONTROL && u->endpoint == 0) {
    SubmitControl(*urb);
    completed_.push_back(std::move(urb));
    umockdev_ioctl_client_complete(client, 0, 0);
    return;
  }
  const bool is_in = (u->endpoint & 0x80) != 0;
  if (u->type != USBDEVFS_URB_TYPE_BULK ||
      u->endpoint != (is_in ? config_.ep_in : config_.ep_out)) {
    ++bad_endpoint_urbs_;
    umockdev_ioctl_client_complete(client, -1, ENOENT);
    return;
  }
  urb->bulk = true;
  urb->record = bulk_urbs_.size();
  bulk_urbs_.push_back(UrbRecord{u->type, u->endpoint, u->flags, u->buffer_length});
  if (is_in) {
    in_flight_.push_back(std::move(urb));
  } else {
    SubmitBulkOut(*urb);
    completed_.push_back(std::move(urb));
  }
  umockdev_ioctl_client_complete(client, 0, 0);
}

void EmulatedUsbDevice::SubmitControl(Urb& urb) {
  usbdevfs_urb* u = urb.view();
  urb.status = -EPIPE;  // a stall, unless we know the request
  if (urb.buffer == nullptr || u->buffer_length < static_cast<int>(kSetupSize)) return;
  const uint8_t* setup = urb.buffer->data;
  const uint8_t request_type = setup[0];
  const uint8_t request = setup[1];
  const uint16_t value = static_cast<uint16_t>(setup[2] | setup[3] << 8);
  const uint16_t length = static_cast<uint16_t>(setup[6] | setup[7] << 8);
  if (request_type != 0x80 || request != 0x06) return;  // GET_DESCRIPTOR only
  std::vector<uint8_t> d;
  switch (value >> 8) {
    case 1:
      d = DeviceDescriptor();
      break;
    case 2:
      d = ConfigDescriptor();
      break;
    case 3:
      d = StringDescriptor(static_cast<uint8_t>(value & 0xFF));
      break;
    default:
      break;
  }
  if (d.empty()) return;
  size_t room = static_cast<size_t>(u->buffer_length) - kSetupSize;
  size_t n = std::min<size_t>({d.size(), length, room});
  urb.in_data.assign(d.begin(), d.begin() + static_cast<long>(n));
  urb.actual = static_cast<int>(n);
  urb.status = 0;
}

void EmulatedUsbDevice::SubmitBulkOut(Urb& urb) {
  usbdevfs_urb* u = urb.view();
  const size_t len = static_cast<size_t>(u->buffer_length);
  const size_t mps = config_.packet_size;
  std::span<const uint8_t> bytes;
  if (urb.buffer != nullptr) bytes = std::span<const uint8_t>(urb.buffer->data, len);
  for (size_t off = 0; off < len; off += mps) {
    function_->OnOutPacket(bytes.subspan(off, std::min(mps, len - off)));
  }
  // What a host controller puts on the bus after the data (usbdevfs, USB 2.0 §5.8.3).
  if (len == 0 || ((u->flags & USBDEVFS_URB_ZERO_PACKET) != 0 && len % mps == 0)) {
    function_->OnOutPacket({});
  }
  urb.actual = static_cast<int>(len);
  urb.status = 0;
  ServeInUrbs();
}

void EmulatedUsbDevice::ServeInUrbs() {
  function_->TakeInPackets(&in_packets_);
  while (!in_flight_.empty() && FillInUrb(*in_flight_.front())) {
    completed_.push_back(std::move(in_flight_.front()));
    in_flight_.pop_front();
  }
}

// Moves packets into one IN URB; true when it is complete (full, ended by a short or
// zero-length packet, or overflowed).
bool EmulatedUsbDevice::FillInUrb(Urb& urb) {
  const size_t length = static_cast<size_t>(urb.view()->buffer_length);
  while (!in_packets_.empty()) {
    std::vector<uint8_t> packet = std::move(in_packets_.front());
    in_packets_.pop_front();
    const size_t room = length - urb.in_data.size();
    const bool overflow = packet.size() > room;  // babble: more than the host asked for
    urb.in_data.insert(urb.in_data.end(), packet.begin(),
                       packet.begin() + static_cast<long>(std::min(room, packet.size())));
    urb.actual = static_cast<int>(urb.in_data.size());
    if (overflow) {
      urb.status = -EOVERFLOW;
      ++overflows_;
      return true;
    }
    if (packet.size() < config_.packet_size || urb.in_data.size() == length) return true;
  }
  return false;
}

void EmulatedUsbDevice::Reap(void* raw_client, void* raw_arg) {
  UMockdevIoctlClient* client = AsClient(raw_client);
  auto* arg = static_cast<UMockdevIoctlData*>(raw_arg);
  if (!gone_) ServeInUrbs();
  if (completed_.empty()) {
    umockdev_ioctl_client_complete(client, -1, gone_ ? ENODEV : EAGAIN);
    return;
  }
  std::unique_ptr<Urb> urb = std::move(completed_.front());
  completed_.pop_front();
  usbdevfs_urb* u = urb->view();
  const size_t data_offset = (u->type == USBDEVFS_URB_TYPE_CONTROL) ? kSetupSize : 0;
  if (!urb->in_data.empty() && urb->buffer != nullptr) {
    umockdev_ioctl_data_update(urb->buffer, data_offset, urb->in_data.data(),
                               static_cast<gint>(urb->in_data.size()));
  }
  int fields[2] = {urb->status, urb->actual};
  umockdev_ioctl_data_update(urb->data, offsetof(usbdevfs_urb, status),
                             reinterpret_cast<guint8*>(&fields[0]), sizeof(int));
  umockdev_ioctl_data_update(urb->data, offsetof(usbdevfs_urb, actual_length),
                             reinterpret_cast<guint8*>(&fields[1]), sizeof(int));
  if (urb->bulk) {
    bulk_urbs_[urb->record].status = urb->status;
    bulk_urbs_[urb->record].actual_length = urb->actual;
  }
  UMockdevIoctlData* slot = umockdev_ioctl_data_resolve(arg, 0, sizeof(void*), nullptr);
  umockdev_ioctl_data_set_ptr(slot, 0, urb->data);
  g_object_unref(slot);
  umockdev_ioctl_client_complete(client, 0, 0);
}

void EmulatedUsbDevice::Discard(void* raw_client, void* raw_arg) {
  UMockdevIoctlClient* client = AsClient(raw_client);
  auto* arg = static_cast<UMockdevIoctlData*>(raw_arg);
  unsigned long target = 0;
  std::memcpy(&target, arg->data, sizeof(target));
  for (auto it = in_flight_.begin(); it != in_flight_.end(); ++it) {
    if ((*it)->data->client_addr != target) continue;
    std::unique_ptr<Urb> urb = std::move(*it);
    in_flight_.erase(it);
    urb->status = -ENOENT;
    urb->actual = static_cast<int>(urb->in_data.size());
    if (urb->bulk) bulk_urbs_[urb->record].discarded = true;
    completed_.push_back(std::move(urb));
    umockdev_ioctl_client_complete(client, 0, 0);
    return;
  }
  umockdev_ioctl_client_complete(client, -1, EINVAL);  // already completed
}

}  // namespace p11::testing
