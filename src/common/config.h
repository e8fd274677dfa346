// Configuration: an INI file (ARCA_CONF, else ~/.config/arca/arca.conf, else
// /etc/arca/arca.conf; none is fine) overridden by environment variables. Every key is
// documented in README.md ("Configuration") and in the example arca.conf.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace p11 {

struct Config {
  // [store] path — the SQLite file holding every software token. Env: ARCA_STORE.
  // Default $XDG_DATA_HOME/arca/tokens.sqlite, else ~/.local/share/arca/tokens.sqlite.
  std::string store_path;
  // [store] busy_timeout_ms — how long a writer waits for another process's transaction.
  int busy_timeout_ms = 10000;
  // [pin] max_failures — wrong PINs in a row before a PIN locks (user and SO).
  unsigned pin_max_failures = 10;
  // [pin] min_length / max_length — PIN length policy for new PINs (bytes).
  unsigned pin_min_length = 4;
  unsigned pin_max_length = 255;
  // [pin] kdf_iterations — PBKDF2-HMAC-SHA256 cost for PIN-derived keys of new PINs; the
  // cost is stored per token, so raising it later applies at the next PIN change.
  unsigned pin_kdf_iterations = 100000;
  // [firmware] socket — the firmware emulator's socket. Env: ARCA_FW_SOCKET.
  std::string firmware_socket;
  // [firmware] timeout_ms — how long one device request may take before the module gives up
  // with CKR_DEVICE_ERROR (key generation gets twelve times as long).
  unsigned firmware_timeout_ms = 5000;
  // [usb] enabled / vid / pid — look for Arca devices on USB by this vendor:product id.
  bool usb_enabled = true;
  uint16_t usb_vid = 0x1209;
  uint16_t usb_pid = 0xCA5A;
  // [openssl] private_contexts — do the module's cryptography in OpenSSL library contexts of
  // its own (one per lane of threads) when the application's default context holds only
  // OpenSSL's built-in providers with FIPS off; false: always in the application's.
  bool openssl_private_contexts = true;
  // Where the configuration came from (empty: built-in defaults only), for diagnostics.
  std::string source;

  // CKR_GENERAL_ERROR with a logged reason when a present file cannot be parsed or holds an
  // invalid value; a missing file is not an error.
  static Result<Config> Load();
  static Result<Config> LoadFile(const std::string& path);
  // Parses INI text over the defaults (no environment); the fuzz target's entry point.
  static Result<Config> Parse(std::string_view text);
};

}  // namespace p11
