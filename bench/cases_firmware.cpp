// Firmware-token cases: the emulator's life around the Arca module, and the fw/ cases. The
// Arca column of a fw/ row is the firmware token reached through the Arca module; SoftHSMv2
// has no such token (n/a); OpenSSL does the same work in-process, the ceiling a device
// with no transport and a desktop CPU would reach.
#include "cases_firmware.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>

#include "cases_sign.h"
#include "loop.h"
#include "module_fixture.h"
#include "openssl_baseline.h"
#include "runner.h"

namespace bench {
namespace {

constexpr char kDeviceLabel[] = "arca-bench-fw";
// The emulator does no slow work before its ready line; seconds mean it is broken.
constexpr std::chrono::milliseconds kStartTimeout(5000);
constexpr std::chrono::milliseconds kStopGrace(2000);

// Wraps a module body so it runs on the device token, and only for the Arca subject.
std::function<Prepared(Provider&)> OnDevice(const FirmwareDevice& device,
                                            std::function<Prepared(Provider&)> body) {
  return [&device, body = std::move(body)](Provider& subject) {
    if (subject.name() != kSubjectNames[kArca]) {
      return Prepared::NotApplicable("n/a (no firmware token)");
    }
    Prepared unavailable;
    Provider* token = device.ForCase(&unavailable);
    return token != nullptr ? body(*token) : unavailable;
  };
}

Prepared DeviceRandom(Provider& token) {
  auto fixture = std::make_shared<ModuleFixture>(token, 1, kRandomLen);
  return {Loop([fixture](int) {
            Bytes& out = fixture->buffer(0);
            return fixture->fn()->C_GenerateRandom(fixture->session(0), out.data(),
                                                   static_cast<CK_ULONG>(out.size()));
          }),
          "", fixture};
}

// C_GetTokenInfo on a device slot is one GetInfo request, the lightest the firmware serves:
// its latency is what the transport and the host's framing cost any request.
Prepared DeviceRoundTrip(Provider& token) {
  CK_FUNCTION_LIST* fn = token.fn();
  CK_SLOT_ID slot = token.slot();
  return {Loop([fn, slot](int) {
            CK_TOKEN_INFO info;
            return fn->C_GetTokenInfo(slot, &info);
          }),
          "", nullptr};
}

}  // namespace

FirmwareDevice::FirmwareDevice() : na_reason_("n/a (emulator not started)") {}

FirmwareDevice::~FirmwareDevice() { Stop(); }

void FirmwareDevice::Start(const std::string& binary, const std::string& dir,
                           const std::string& arca_conf) {
  if (binary.empty() || access(binary.c_str(), X_OK) != 0) {
    na_reason_ = "n/a (no emulator at " + (binary.empty() ? "?" : binary) +
                 "; build arca-fw-emu or pass --emulator PATH)";
    return;
  }
  emulator_ = std::make_unique<hsm::host::EmulatorProcess>(binary, dir, "ARCABENCH01");
  std::string error;
  if (!emulator_->Start(kStartTimeout, &error)) {
    error_ = error;
    emulator_.reset();
    return;
  }
  std::ofstream(arca_conf, std::ios::app)
      << "[firmware]\nsocket = " << emulator_->socket_path() << "\n";
}

void FirmwareDevice::Attach(const Provider& arca) {
  if (!emulator_) return;
  try {
    device_ = Provider::OpenHardwareSlot(arca, "Arca firmware token", kDeviceLabel);
  } catch (const std::exception& e) {
    error_ = std::string(e.what()) + " (emulator log: " + emulator_->Log() + ")";
    std::fprintf(stderr, "arca-bench: firmware token: %s\n", error_.c_str());
  }
}

void FirmwareDevice::Stop() {
  if (!emulator_) return;
  if (!emulator_->Stop(kStopGrace)) {
    std::fprintf(stderr, "arca-bench: arca-fw-emu did not exit cleanly on SIGTERM: %s\n",
                 emulator_->Log().c_str());
  }
  emulator_.reset();
}

Provider* FirmwareDevice::ForCase(Prepared* unavailable) const {
  if (device_) return device_.get();
  if (!error_.empty()) throw BenchError(error_);
  *unavailable = Prepared::NotApplicable(na_reason_);
  return nullptr;
}

std::vector<Case> FirmwareCases(const Options&, const FirmwareDevice& device) {
  std::vector<Case> cases;
  cases.push_back(
      Case{"fw/sign/ecdsa-p256", "firmware token: sign ECDSA P-256, 32-byte hash (CKM_ECDSA)",
           Unit::kOpsPerSecond, 1,
           OnDevice(device,
                    [](Provider& token) { return ModuleSign(token, SignKind::kEcdsaHash32, 1); }),
           [] { return OpensslSign(SignKind::kEcdsaHash32, 1); }});
  cases.push_back(Case{"fw/random/32", "firmware token: generate 32 random bytes",
                       Unit::kOpsPerSecond, 1, OnDevice(device, DeviceRandom), OpensslRandom});
  // No OpenSSL counterpart: an in-process call has no round trip.
  cases.push_back(Case{kRoundTripCaseId, "firmware token: one minimal request (C_GetTokenInfo)",
                       Unit::kOpsPerSecond, 1, OnDevice(device, DeviceRoundTrip), nullptr});
  return cases;
}

}  // namespace bench
