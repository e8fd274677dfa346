#include "common/log.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace p11::log {
namespace {

Level ParseLevel(const char* s) {
  if (s == nullptr) return Level::kOff;
  if (std::strcmp(s, "debug") == 0 || std::strcmp(s, "trace") == 0) return Level::kDebug;
  if (std::strcmp(s, "info") == 0) return Level::kInfo;
  if (std::strcmp(s, "warn") == 0 || std::strcmp(s, "warning") == 0) return Level::kWarn;
  if (std::strcmp(s, "error") == 0) return Level::kError;
  return Level::kOff;
}

const char* Name(Level l) {
  switch (l) {
    case Level::kError:
      return "error";
    case Level::kWarn:
      return "warn";
    case Level::kInfo:
      return "info";
    case Level::kDebug:
      return "debug";
    default:
      return "";
  }
}

}  // namespace

Level CurrentLevel() {
  // Read once: the environment of a process does not change under a loaded module.
  static const Level level = ParseLevel(std::getenv("ARCA_LOG"));
  return level;
}

void Write(Level l, const char* fmt, ...) {
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  std::fprintf(stderr, "arca[%s]: %s\n", Name(l), line);
}

}  // namespace p11::log
