// The firmware-token cases (fw/): the same PKCS#11 calls as the software cases, on the token
// of an HSM firmware emulator (arca-fw-emu) reached by the Arca module over its socket, plus
// one minimal request (fw/roundtrip) whose latency is the transport's share of the others.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "bench_case.h"
#include "options.h"
#include "ports/host/launcher/emulator_process.h"
#include "provider.h"

namespace bench {

inline constexpr char kFirmwareCasePrefix[] = "fw/";
inline constexpr char kRoundTripCaseId[] = "fw/roundtrip";

// The device the fw/ cases run on. Its life: Start (before the Arca module is loaded, since
// the module reads its configuration once, at C_Initialize), Attach (after), the cases, then
// Stop after the module's C_Finalize. Until Attach succeeds the cases are n/a (no emulator
// binary) or err (the emulator or the device token failed to come up).
class FirmwareDevice {
 public:
  FirmwareDevice();
  ~FirmwareDevice();  // stops the emulator if it still runs
  FirmwareDevice(const FirmwareDevice&) = delete;
  FirmwareDevice& operator=(const FirmwareDevice&) = delete;

  // Starts `binary` with its socket in `dir` and appends the socket to the Arca
  // configuration file `arca_conf`, so the module lists the device slot beside its software
  // slot. A missing binary is not an error: the cases say why they are n/a.
  void Start(const std::string& binary, const std::string& dir, const std::string& arca_conf);
  // Initialises the device token through the already loaded Arca module and logs the user
  // in. The cases must not run after `arca` is gone.
  void Attach(const Provider& arca);
  // Stops the emulator: SIGTERM, then SIGKILL after a bound. Call after C_Finalize, so the
  // module is not left talking to a vanished device.
  void Stop();

  // The device token for a case, or null after filling *unavailable with the n/a cell.
  // Throws BenchError when setup failed, so the case reads `err` with the reason.
  Provider* ForCase(Prepared* unavailable) const;

 private:
  std::unique_ptr<hsm::host::EmulatorProcess> emulator_;
  std::unique_ptr<Provider> device_;
  std::string na_reason_;  // why the cases are n/a
  std::string error_;      // why the cases fail
};

// fw/sign/ecdsa-p256, fw/random/32 and fw/roundtrip, bound to `device`.
std::vector<Case> FirmwareCases(const Options& options, const FirmwareDevice& device);

}  // namespace bench
