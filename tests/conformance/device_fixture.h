// Fixtures for the conformance suite run against both token backends: the software token and
// the firmware token served by the emulator process (arca-fw-emu). A test written against
// BackendTest runs once per backend; DeviceTest holds the checks only a removable hardware
// token has (restart, removal, slot events, a PIN counter held by the device). Every wait here
// is bounded, and the emulator is always stopped in TearDown.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fixture.h"
#include "ports/host/launcher/emulator_process.h"

namespace conformance {

enum class Backend { kSoft, kDevice };

// "Soft" / "Device", for the parameterised tests' names.
std::string BackendName(const ::testing::TestParamInfo<Backend>& info);
void PrintTo(Backend backend, std::ostream* os);  // gtest prints the parameter by name

// The serial number the tests give the emulator, so the slot ID can be predicted.
inline constexpr std::string_view kEmulatorSerial = "ARCACONF0001";
// CRC-32C (Castagnoli), as the module derives device slot IDs from serial numbers.
uint32_t Crc32c(std::string_view data);
// 0x40000000 | (crc32c(serial) & 0x3FFFFFFF).
CK_SLOT_ID ExpectedDeviceSlotId(std::string_view serial);

// One arca-fw-emu process whose socket, flash file and log live in `dir`. The flash (and its
// .key file) outlive the process, so a restart finds the device's state again.
class Emulator : public hsm::host::EmulatorProcess {
 public:
  explicit Emulator(const std::string& dir)
      : EmulatorProcess(BinaryPath(), dir, std::string(kEmulatorSerial)) {}

  // ARCA_FW_EMU if set, else the build's arca-fw-emu.
  static std::string BinaryPath();

  bool Start(std::string* error,
             std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) {
    return EmulatorProcess::Start(timeout, error);
  }
  bool Stop(std::chrono::milliseconds grace = std::chrono::milliseconds(2000)) {
    return EmulatorProcess::Stop(grace);
  }
};

// A token labelled kTokenLabel with SO PIN kSoPin and user PIN kUserPin on the chosen backend,
// the module initialised with a configuration naming the emulator's socket (device) and USB
// disabled (both: the host's USB bus is not the test's business).
class BackendFixture : public TokenTest {
 protected:
  void SetUpBackend(Backend backend);
  void TearDown() override;

  bool is_device() const { return backend_ == Backend::kDevice; }

  // The slot whose CK_SLOT_INFO has CKF_HW_SLOT; CK_UNAVAILABLE_INFORMATION if none.
  CK_SLOT_ID HwSlot();
  // Mechanisms the token of slot_ lists.
  std::vector<CK_MECHANISM_TYPE> MechanismList();
  bool Advertises(CK_MECHANISM_TYPE mech);
  // Starts the emulator again on the same flash (asserts via EXPECT; false on failure).
  bool RestartEmulator();

  // Session keys imported with a known value (C_CreateObject with CKA_VALUE), so OpenSSL can
  // use the same key. Sensitive; the AES key may encrypt, decrypt, wrap and unwrap.
  CK_OBJECT_HANDLE ImportAes(CK_SESSION_HANDLE s, const Bytes& value, bool extractable = false);
  CK_OBJECT_HANDLE ImportHmacKey(CK_SESSION_HANDLE s, const Bytes& value);
  // CKA_PUBLIC_KEY_INFO of a key (public or private).
  Bytes Spki(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key);

  Backend backend_ = Backend::kSoft;
  std::unique_ptr<Emulator> emu_;
};

// The parameterised suite: each TEST_P runs on the software and on the firmware token.
class BackendTest : public BackendFixture, public ::testing::WithParamInterface<Backend> {
 protected:
  void SetUp() override { SetUpBackend(GetParam()); }
};

// Skips the current test, naming the mechanism, when the token of slot_ does not list it:
// the only reason a backend may leave a test out.
#define SKIP_UNLESS_ADVERTISED(mech)                                                       \
  do {                                                                                     \
    if (!Advertises(mech)) GTEST_SKIP() << #mech " is not in this token's mechanism list"; \
  } while (0)

// Device-only checks.
class DeviceTest : public BackendFixture {
 protected:
  void SetUp() override { SetUpBackend(Backend::kDevice); }
};

// Polls `pred` every few milliseconds until it holds or `bound` passes; its last value.
bool WaitUntil(const std::function<bool()>& pred, std::chrono::milliseconds bound);

}  // namespace conformance
