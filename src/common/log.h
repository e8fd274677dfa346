// Diagnostic trace to stderr, off unless ARCA_LOG asks (error, warn, info, debug).
// Never pass secret values here: names and return codes only.
#pragma once

#include <cstdarg>

namespace p11::log {

enum class Level { kOff = 0, kError = 1, kWarn = 2, kInfo = 3, kDebug = 4 };

Level CurrentLevel();
inline bool Enabled(Level l) { return static_cast<int>(CurrentLevel()) >= static_cast<int>(l); }
void Write(Level l, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

}  // namespace p11::log

#define P11_LOG(level, ...)                                     \
  do {                                                          \
    if (::p11::log::Enabled(::p11::log::Level::level))          \
      ::p11::log::Write(::p11::log::Level::level, __VA_ARGS__); \
  } while (0)
