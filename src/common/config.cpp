#include "common/config.h"

#include <ini.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/log.h"

namespace p11 {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::string HomeDir() { return Env("HOME"); }

std::string DefaultStorePath() {
  std::string data = Env("XDG_DATA_HOME");
  if (data.empty()) data = HomeDir() + "/.local/share";
  return data + "/arca/tokens.sqlite";
}

bool ParseUnsigned(const char* text, unsigned min, unsigned max, unsigned* out) {
  errno = 0;
  char* end = nullptr;
  unsigned long v = std::strtoul(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || v < min || v > max) {
    return false;
  }
  *out = static_cast<unsigned>(v);
  return true;
}

// A 16-bit hexadecimal USB id, with or without 0x.
bool ParseHex16(const char* text, uint16_t* out) {
  std::string_view v(text);
  if (v.size() > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) v.remove_prefix(2);
  if (v.empty() || v.size() > 4) return false;
  unsigned result = 0;
  for (char ch : v) {
    int digit = std::isdigit(static_cast<unsigned char>(ch)) ? ch - '0'
                : (ch >= 'a' && ch <= 'f')                   ? ch - 'a' + 10
                : (ch >= 'A' && ch <= 'F')                   ? ch - 'A' + 10
                                                             : -1;
    if (digit < 0) return false;
    result = result * 16 + static_cast<unsigned>(digit);
  }
  *out = static_cast<uint16_t>(result);
  return true;
}

bool ParseBool(std::string_view text, bool* out) {
  if (text != "true" && text != "false") return false;
  *out = text == "true";
  return true;
}

struct ParseState {
  Config* config;
  std::string error;
};

// inih handler: returns 0 on an unknown key or a bad value, which stops the parse.
int OnKey(void* user, const char* section, const char* name, const char* value) {
  auto* st = static_cast<ParseState*>(user);
  Config& c = *st->config;
  std::string key = std::string(section) + "." + name;
  bool ok = true;
  unsigned u = 0;
  if (key == "store.path") {
    c.store_path = value;
  } else if (key == "store.busy_timeout_ms") {
    ok = ParseUnsigned(value, 0, 600000, &u);
    c.busy_timeout_ms = static_cast<int>(u);
  } else if (key == "pin.max_failures") {
    ok = ParseUnsigned(value, 1, 1000, &c.pin_max_failures);
  } else if (key == "pin.min_length") {
    ok = ParseUnsigned(value, 1, 255, &c.pin_min_length);
  } else if (key == "pin.max_length") {
    ok = ParseUnsigned(value, 1, 255, &c.pin_max_length);
  } else if (key == "pin.kdf_iterations") {
    ok = ParseUnsigned(value, 1000, 100000000, &c.pin_kdf_iterations);
  } else if (key == "firmware.socket") {
    c.firmware_socket = value;
  } else if (key == "firmware.timeout_ms") {
    ok = ParseUnsigned(value, 100, 600000, &c.firmware_timeout_ms);
  } else if (key == "usb.enabled") {
    ok = ParseBool(value, &c.usb_enabled);
  } else if (key == "openssl.private_contexts") {
    ok = ParseBool(value, &c.openssl_private_contexts);
  } else if (key == "usb.vid") {
    ok = ParseHex16(value, &c.usb_vid);
  } else if (key == "usb.pid") {
    ok = ParseHex16(value, &c.usb_pid);
  } else {
    st->error = "unknown key " + key;
    return 0;
  }
  if (!ok) st->error = "invalid value for " + key;
  return ok ? 1 : 0;
}

}  // namespace

Result<Config> Config::Parse(std::string_view text) {
  Config config;
  config.store_path = DefaultStorePath();
  ParseState st{&config, {}};
  std::string copy(text);
  int line = ini_parse_string(copy.c_str(), OnKey, &st);
  if (line != 0) {
    P11_LOG(kError, "configuration line %d: %s", line,
            st.error.empty() ? "syntax error" : st.error.c_str());
    return Fail(CKR_GENERAL_ERROR, "config");
  }
  if (config.pin_min_length > config.pin_max_length) {
    P11_LOG(kError, "configuration: pin.min_length exceeds pin.max_length");
    return Fail(CKR_GENERAL_ERROR, "config");
  }
  return config;
}

Result<Config> Config::LoadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    P11_LOG(kError, "cannot read configuration %s", path.c_str());
    return Fail(CKR_GENERAL_ERROR, "config");
  }
  std::stringstream text;
  text << in.rdbuf();
  P11_ASSIGN_OR_RETURN(Config config, Parse(text.str()));
  config.source = path;
  return config;
}

Result<Config> Config::Load() {
  Result<Config> loaded = Fail(CKR_GENERAL_ERROR);
  std::string explicit_path = Env("ARCA_CONF");
  std::string user_path = HomeDir().empty() ? "" : HomeDir() + "/.config/arca/arca.conf";
  if (!explicit_path.empty()) {
    loaded = LoadFile(explicit_path);
  } else if (!user_path.empty() && std::ifstream(user_path).good()) {
    loaded = LoadFile(user_path);
  } else if (std::ifstream("/etc/arca/arca.conf").good()) {
    loaded = LoadFile("/etc/arca/arca.conf");
  } else {
    loaded = Parse("");
  }
  if (!loaded.ok()) return loaded;
  Config config = std::move(loaded).value();
  if (std::string store = Env("ARCA_STORE"); !store.empty()) config.store_path = store;
  if (std::string sock = Env("ARCA_FW_SOCKET"); !sock.empty()) config.firmware_socket = sock;
  return config;
}

}  // namespace p11
