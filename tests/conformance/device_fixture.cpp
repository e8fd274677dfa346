// Backend fixtures: the emulator process (start with a bounded wait for its ready line, stop
// with SIGTERM then SIGKILL) and a token set up the same way on the software and the firmware
// backend, so one test body checks both against PKCS#11 3.1.
#include "device_fixture.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#ifndef ARCA_MODULE_PATH
#error "ARCA_MODULE_PATH must name the built libarca-pkcs11.so"
#endif

namespace conformance {

std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSoft ? "Soft" : "Device";
}

void PrintTo(Backend backend, std::ostream* os) {
  *os << (backend == Backend::kSoft ? "Soft" : "Device");
}

uint32_t Crc32c(std::string_view data) {
  uint32_t crc = 0xFFFFFFFFu;
  for (char c : data) {
    crc ^= static_cast<uint8_t>(c);
    for (int i = 0; i < 8; ++i) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
  }
  return ~crc;
}

CK_SLOT_ID ExpectedDeviceSlotId(std::string_view serial) {
  return 0x40000000u | (Crc32c(serial) & 0x3FFFFFFFu);
}

bool WaitUntil(const std::function<bool()>& pred, std::chrono::milliseconds bound) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return pred();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// ---- Emulator ---------------------------------------------------------------------------

std::string Emulator::BinaryPath() {
#ifdef ARCA_FW_EMU_PATH
  if (const char* env = std::getenv("ARCA_FW_EMU"); env != nullptr && *env != '\0') return env;
  return ARCA_FW_EMU_PATH;
#else
  if (const char* env = std::getenv("ARCA_FW_EMU"); env != nullptr && *env != '\0') return env;
  // The build puts the module at <build>/src/module/ and the emulator at <build>/firmware/.
  std::string module = ARCA_MODULE_PATH;
  const std::string suffix = "/src/module/libarca-pkcs11.so";
  if (module.size() > suffix.size() &&
      module.compare(module.size() - suffix.size(), suffix.size(), suffix) == 0) {
    return module.substr(0, module.size() - suffix.size()) + "/firmware/arca-fw-emu";
  }
  return "arca-fw-emu";
#endif
}

// ---- BackendFixture ---------------------------------------------------------------------

void BackendFixture::SetUpBackend(Backend backend) {
  backend_ = backend;
  ModuleTest::SetUp();
  if (HasFatalFailure()) return;
  std::ofstream conf(env_->dir() + "/arca.conf", std::ios::app);
  if (is_device()) {
    emu_ = std::make_unique<Emulator>(env_->dir());
    std::string error;
    ASSERT_TRUE(emu_->Start(&error)) << error;
    // A short request timeout keeps every wait on a vanished device bounded.
    conf << "[firmware]\nsocket = " << emu_->socket_path() << "\ntimeout_ms = 3000\n";
  }
  conf << "[usb]\nenabled = false\n";
  conf.close();
  ASSERT_CKR_OK(Initialize());
  if (is_device()) {
    slot_ = HwSlot();
    ASSERT_NE(slot_, CK_UNAVAILABLE_INFORMATION) << "no slot with CKF_HW_SLOT";
    std::string padded = Padded(kTokenLabel, 32);
    ASSERT_CKR_OK(f_->C_InitToken(slot_, Utf8(kSoPin), kSoPin.size(), Utf8(padded)));
  } else {
    slot_ = InitToken(kTokenLabel);
    ASSERT_NE(slot_, CK_UNAVAILABLE_INFORMATION);
  }
  InitUserPin();
}

void BackendFixture::TearDown() {
  // The module lets go of the device before the device goes away, and both before the
  // temporary directory holding the socket and flash is removed.
  if (f_ != nullptr) f_->C_Finalize(nullptr);
  if (emu_ != nullptr) emu_->Stop();
  emu_.reset();
  ModuleTest::TearDown();
}

CK_SLOT_ID BackendFixture::HwSlot() {
  for (CK_SLOT_ID slot : Slots(false)) {
    CK_SLOT_INFO info = {};
    if (f_->C_GetSlotInfo(slot, &info) == CKR_OK && (info.flags & CKF_HW_SLOT)) return slot;
  }
  return CK_UNAVAILABLE_INFORMATION;
}

std::vector<CK_MECHANISM_TYPE> BackendFixture::MechanismList() {
  CK_ULONG count = 0;
  EXPECT_CKR_OK(f_->C_GetMechanismList(slot_, nullptr, &count));
  std::vector<CK_MECHANISM_TYPE> mechs(count);
  if (count == 0) return mechs;
  EXPECT_CKR_OK(f_->C_GetMechanismList(slot_, mechs.data(), &count));
  mechs.resize(count);
  return mechs;
}

bool BackendFixture::Advertises(CK_MECHANISM_TYPE mech) {
  std::vector<CK_MECHANISM_TYPE> mechs = MechanismList();
  return std::find(mechs.begin(), mechs.end(), mech) != mechs.end();
}

bool BackendFixture::RestartEmulator() {
  std::string error;
  bool ok = emu_ != nullptr && emu_->Start(&error);
  EXPECT_TRUE(ok) << "emulator restart: " << error;
  return ok;
}

CK_OBJECT_HANDLE BackendFixture::ImportAes(CK_SESSION_HANDLE s, const Bytes& value,
                                           bool extractable) {
  Template t;
  t.Ulong(CKA_CLASS, CKO_SECRET_KEY)
      .Ulong(CKA_KEY_TYPE, CKK_AES)
      .Data(CKA_VALUE, value)
      .Bool(CKA_TOKEN, false)
      .Bool(CKA_SENSITIVE, true)
      .Bool(CKA_EXTRACTABLE, extractable)
      .Bool(CKA_ENCRYPT, true)
      .Bool(CKA_DECRYPT, true)
      .Bool(CKA_WRAP, true)
      .Bool(CKA_UNWRAP, true);
  return Create(s, t);
}

CK_OBJECT_HANDLE BackendFixture::ImportHmacKey(CK_SESSION_HANDLE s, const Bytes& value) {
  Template t;
  t.Ulong(CKA_CLASS, CKO_SECRET_KEY)
      .Ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET)
      .Data(CKA_VALUE, value)
      .Bool(CKA_TOKEN, false)
      .Bool(CKA_SENSITIVE, true)
      .Bool(CKA_SIGN, true)
      .Bool(CKA_VERIFY, true);
  return Create(s, t);
}

Bytes BackendFixture::Spki(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key) {
  CK_RV rv = CKR_OK;
  Bytes spki = GetBytes(s, key, CKA_PUBLIC_KEY_INFO, &rv);
  EXPECT_RV(CKR_OK, rv) << "CKA_PUBLIC_KEY_INFO";
  return spki;
}

}  // namespace conformance
