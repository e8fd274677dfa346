#include "slot/device_slots.h"

#include <chrono>

#include "common/log.h"
#include "protocol/crc32c.h"
#include "transport/socket_link.h"
#include "transport/usb_link.h"

namespace p11 {
namespace {

// Device slot IDs: bit 30 set, the rest from the serial, so they never meet the software
// token's small, sequential IDs.
constexpr CK_SLOT_ID kDeviceSlotBit = 0x40000000;

transport::ClientOptions OptionsFrom(const Config& config) {
  transport::ClientOptions options;
  options.timeout = std::chrono::milliseconds(config.firmware_timeout_ms);
  options.slow_timeout = options.timeout * 12;
  return options;
}

}  // namespace

DeviceSlots::DeviceSlots(const Config& config) : config_(config) {}

CK_SLOT_ID DeviceSlots::SlotIdFor(std::string_view serial) {
  uint32_t crc = wire::Crc32c(AsBytes(serial));
  return kDeviceSlotBit | (crc & (kDeviceSlotBit - 1));
}

std::vector<DeviceSlots::Entry> DeviceSlots::Refresh() {
  std::lock_guard lock(mu_);
  ProbeSocket_inlock();
  ProbeUsb_inlock();
  first_refresh_ = false;
  std::vector<Entry> entries;
  for (const auto& [serial, known] : known_) entries.push_back({known.id, known.token});
  return entries;
}

std::optional<CK_SLOT_ID> DeviceSlots::TakeEvent() {
  std::lock_guard lock(mu_);
  if (events_.empty()) return std::nullopt;
  CK_SLOT_ID id = events_.front();
  events_.pop_front();
  return id;
}

void DeviceSlots::SetPresent_inlock(Known& known, bool present) {
  if (known.present == present) return;
  known.present = present;
  if (!first_refresh_) events_.push_back(known.id);
  P11_LOG(kDebug, "device %s %s", known.token->serial().c_str(), present ? "arrived" : "removed");
}

void DeviceSlots::Found_inlock(std::shared_ptr<device::DeviceToken> token) {
  auto it = known_.find(token->serial());
  if (it != known_.end()) {
    // Seen before: keep the slot's token (and its login state); mark it present.
    SetPresent_inlock(it->second, true);
    return;
  }
  Known known{SlotIdFor(token->serial()), std::move(token), false};
  auto [pos, inserted] = known_.emplace(known.token->serial(), std::move(known));
  SetPresent_inlock(pos->second, true);
}

void DeviceSlots::ProbeSocket_inlock() {
  const std::string& path = config_.firmware_socket;
  if (path.empty()) return;
  for (auto& [serial, known] : known_) {
    if (known.token->endpoint() == path) {
      SetPresent_inlock(known, known.token->Probe());
      return;
    }
  }
  auto client = std::make_unique<transport::Client>(
      [path] { return transport::ConnectSocket(path); }, OptionsFrom(config_));
  auto token = device::DeviceToken::Open(std::move(client), path);
  if (token.ok()) Found_inlock(std::move(*token));
}

void DeviceSlots::ProbeUsb_inlock() {
  if (!config_.usb_enabled) return;
  auto devices = transport::EnumerateUsb(config_.usb_vid, config_.usb_pid);
  if (!devices.ok()) return;
  std::map<std::string, bool> attached;
  for (const transport::UsbDeviceInfo& info : *devices) attached[info.serial] = true;
  for (auto& [serial, known] : known_) {
    if (known.token->endpoint().rfind("usb:", 0) != 0) continue;
    bool here = attached.erase(serial) != 0;
    SetPresent_inlock(known, here && known.token->Probe());
  }
  for (const auto& [serial, unused] : attached) {
    transport::UsbMatch match{config_.usb_vid, config_.usb_pid, serial};
    auto client = std::make_unique<transport::Client>([match] { return transport::OpenUsb(match); },
                                                      OptionsFrom(config_));
    auto token = device::DeviceToken::Open(std::move(client), "usb:" + serial);
    if (token.ok()) Found_inlock(std::move(*token));
  }
}

}  // namespace p11
