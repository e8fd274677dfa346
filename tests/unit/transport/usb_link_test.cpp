// UsbLink's parts that run without a device: reading the vendor interface and its bulk
// endpoints from configuration descriptors built by hand, and what a host without the
// device reports. The real libusb path (claim, bulk transfers, unplug) is exercised against
// an emulated usbdevfs device with umockdev, in its own test.
#include "transport/usb_link.h"

#include <gtest/gtest.h>

#include <vector>

#include "transport/usb_descriptors.h"

namespace p11::transport {
namespace {

libusb_endpoint_descriptor Endpoint(uint8_t address, uint8_t type, uint16_t max_packet) {
  libusb_endpoint_descriptor ep{};
  ep.bLength = LIBUSB_DT_ENDPOINT_SIZE;
  ep.bDescriptorType = LIBUSB_DT_ENDPOINT;
  ep.bEndpointAddress = address;
  ep.bmAttributes = type;
  ep.wMaxPacketSize = max_packet;
  return ep;
}

// One interface (one alternate setting each) per entry of `alts`.
struct Config {
  std::vector<std::vector<libusb_endpoint_descriptor>> endpoints;
  std::vector<libusb_interface_descriptor> alts;
  std::vector<libusb_interface> interfaces;
  libusb_config_descriptor config{};

  void Add(uint8_t number, uint8_t cls, std::vector<libusb_endpoint_descriptor> eps,
           uint8_t alt_setting = 0) {
    endpoints.push_back(std::move(eps));
    libusb_interface_descriptor alt{};
    alt.bInterfaceNumber = number;
    alt.bAlternateSetting = alt_setting;
    alt.bInterfaceClass = cls;
    alts.push_back(alt);
  }
  // Links the pointers once everything is added (vectors no longer move).
  const libusb_config_descriptor& Build() {
    interfaces.clear();
    for (size_t i = 0; i < alts.size(); ++i) {
      alts[i].bNumEndpoints = static_cast<uint8_t>(endpoints[i].size());
      alts[i].endpoint = endpoints[i].data();
      libusb_interface iface{};
      iface.altsetting = &alts[i];
      iface.num_altsetting = 1;
      interfaces.push_back(iface);
    }
    config.bNumInterfaces = static_cast<uint8_t>(interfaces.size());
    config.interface = interfaces.data();
    return config;
  }
};

constexpr uint8_t kBulk = LIBUSB_TRANSFER_TYPE_BULK;
constexpr uint8_t kInterrupt = LIBUSB_TRANSFER_TYPE_INTERRUPT;

TEST(FindVendorEndpoints, TakesTheVendorInterfaceAndItsBulkPair) {
  Config c;
  c.Add(0, LIBUSB_CLASS_HID, {Endpoint(0x81, kInterrupt, 8), Endpoint(0x02, kBulk, 64)});
  c.Add(1, LIBUSB_CLASS_VENDOR_SPEC,
        {Endpoint(0x83, kInterrupt, 16), Endpoint(0x85, kBulk, 512), Endpoint(0x04, kBulk, 512)});
  auto found = FindVendorEndpoints(c.Build());
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->interface_number, 1);
  EXPECT_EQ(found->in_address, 0x85);
  EXPECT_EQ(found->out_address, 0x04);
  EXPECT_EQ(found->in_packet, 512);
  EXPECT_EQ(found->out_packet, 512);
}

TEST(FindVendorEndpoints, ReadsOnlyTheSizeBitsOfWMaxPacketSize) {
  Config c;
  c.Add(2, LIBUSB_CLASS_VENDOR_SPEC, {Endpoint(0x01, kBulk, 0x1840), Endpoint(0x82, kBulk, 0x0840)},
        /*alt_setting=*/3);
  auto found = FindVendorEndpoints(c.Build());
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->out_packet, 64);
  EXPECT_EQ(found->in_packet, 64);
  EXPECT_EQ(found->alt_setting, 3);
  EXPECT_EQ(found->out_address, 0x01);
}

TEST(FindVendorEndpoints, NeedsBothDirectionsOnAVendorInterface) {
  Config only_in;
  only_in.Add(0, LIBUSB_CLASS_VENDOR_SPEC, {Endpoint(0x81, kBulk, 64)});
  EXPECT_FALSE(FindVendorEndpoints(only_in.Build()).has_value());

  Config not_vendor;
  not_vendor.Add(0, LIBUSB_CLASS_DATA, {Endpoint(0x81, kBulk, 64), Endpoint(0x01, kBulk, 64)});
  EXPECT_FALSE(FindVendorEndpoints(not_vendor.Build()).has_value());

  Config interrupt_only;
  interrupt_only.Add(0, LIBUSB_CLASS_VENDOR_SPEC,
                     {Endpoint(0x81, kInterrupt, 64), Endpoint(0x01, kInterrupt, 64)});
  EXPECT_FALSE(FindVendorEndpoints(interrupt_only.Build()).has_value());

  Config zero_size;
  zero_size.Add(0, LIBUSB_CLASS_VENDOR_SPEC, {Endpoint(0x81, kBulk, 0), Endpoint(0x01, kBulk, 64)});
  EXPECT_FALSE(FindVendorEndpoints(zero_size.Build()).has_value());

  Config empty;
  EXPECT_FALSE(FindVendorEndpoints(empty.Build()).has_value());
}

// No device has this VID:PID (0xFFFF is reserved by the USB-IF), with or without usbfs.
TEST(UsbLink, AbsentDeviceIsAnEmptyListAndDeviceRemoved) {
  auto devices = EnumerateUsb(0xFFFF, 0xFFFE);
  ASSERT_TRUE(devices.ok()) << devices.rv();
  EXPECT_TRUE(devices->empty());
  EXPECT_EQ(OpenUsb(UsbMatch{0xFFFF, 0xFFFE, ""}).rv(), CKR_DEVICE_REMOVED);
  EXPECT_EQ(OpenUsb(UsbMatch{0xFFFF, 0xFFFE, "SERIAL"}).rv(), CKR_DEVICE_REMOVED);
}

}  // namespace
}  // namespace p11::transport
