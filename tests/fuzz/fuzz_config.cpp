// libFuzzer target: the configuration parser on arbitrary bytes. Config::Parse must return a
// Config or an error for any input — never crash, hang or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  p11::Result<p11::Config> parsed = p11::Config::Parse(text);
  if (parsed.ok() && parsed->pin_min_length > parsed->pin_max_length) __builtin_trap();
  return 0;
}
