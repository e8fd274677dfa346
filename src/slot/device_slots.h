// DeviceSlots: the firmware devices this process can reach — the emulator socket of the
// configuration (or ARCA_FW_SOCKET) and the USB devices found by the configured VID:PID —
// each shown as a removable hardware slot whose ID follows from the device's serial number,
// so it is the same in every process and after a replug. Each Refresh probes them again;
// a device that appears or stops answering becomes a slot event for C_WaitForSlotEvent.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/config.h"
#include "token/device/device_token.h"

namespace p11 {

class DeviceSlots {
 public:
  explicit DeviceSlots(const Config& config);

  struct Entry {
    CK_SLOT_ID id;
    std::shared_ptr<device::DeviceToken> token;
  };
  // Probes every endpoint. Every device seen since C_Initialize keeps its slot (its token
  // reports CKF_TOKEN_PRESENT only while it answers).
  std::vector<Entry> Refresh();
  // The slot of the oldest unreported arrival or removal, if any.
  std::optional<CK_SLOT_ID> TakeEvent();

  // The slot ID of a device with this serial number.
  static CK_SLOT_ID SlotIdFor(std::string_view serial);

 private:
  struct Known {
    CK_SLOT_ID id;
    std::shared_ptr<device::DeviceToken> token;
    bool present;
  };
  void ProbeSocket_inlock();
  void ProbeUsb_inlock();
  void Found_inlock(std::shared_ptr<device::DeviceToken> token);
  void SetPresent_inlock(Known& known, bool present);

  const Config config_;
  std::mutex mu_;
  std::map<std::string, Known> known_;  // by serial
  std::deque<CK_SLOT_ID> events_;
  bool first_refresh_ = true;
};

}  // namespace p11
