#include "options.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#ifndef ARCA_BENCH_DEFAULT_MODULE
#define ARCA_BENCH_DEFAULT_MODULE "libarca-pkcs11.so"
#endif
// The emulator built alongside, if the build has one; empty otherwise.
#ifndef ARCA_BENCH_DEFAULT_EMULATOR
#define ARCA_BENCH_DEFAULT_EMULATOR ""
#endif

namespace bench {
namespace {

constexpr char kUsage[] =
    "usage: arca-bench [options]\n"
    "  --module PATH           Arca module (default: the one built with arca-bench)\n"
    "  --softhsm PATH          SoftHSMv2 module (default /usr/lib/softhsm/libsofthsm2.so)\n"
    "  --emulator PATH         arca-fw-emu for the fw/ cases (default: <build>/firmware/\n"
    "                          arca-fw-emu of the module's build; missing: fw/ cases n/a)\n"
    "  --cases REGEX           run only cases whose id matches (e.g. 'sign/|cipher/')\n"
    "  --min-time SECONDS      measuring time per case and provider (default 1.5)\n"
    "  --rounds N              alternated rounds per case, median reported (default 3)\n"
    "  --objects N,N,...       token objects for the lookup cases (default 1000,10000,100000)\n"
    "  --softhsm-max-objects N largest lookup population tried on SoftHSMv2 (default 1000)\n"
    "  --batch N               token objects created/destroyed per iteration (default 1000)\n"
    "  --markdown FILE         also write the result table to FILE\n"
    "  --quick                 smoke run: a fraction of a second per case, small sizes\n"
    "  --keep-temp             keep the temporary token stores\n"
    "  --list                  print case ids and exit\n";

std::vector<size_t> ParseSizes(std::string_view text) {
  std::vector<size_t> sizes;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string item(text.substr(0, comma));
    sizes.push_back(std::strtoull(item.c_str(), nullptr, 10));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
  }
  return sizes;
}

// Applies one "--name value" option; false if the name is unknown.
bool ApplyValue(Options& o, std::string_view name, const char* value) {
  if (name == "--module") {
    o.module_path = value;
  } else if (name == "--softhsm") {
    o.softhsm_path = value;
  } else if (name == "--emulator") {
    o.emulator_path = value;
  } else if (name == "--cases") {
    o.cases = value;
  } else if (name == "--min-time") {
    o.min_time = std::strtod(value, nullptr);
  } else if (name == "--rounds") {
    o.rounds = std::max(1, std::atoi(value));
  } else if (name == "--objects") {
    o.populations = ParseSizes(value);
  } else if (name == "--softhsm-max-objects") {
    o.softhsm_max_objects = std::strtoull(value, nullptr, 10);
  } else if (name == "--batch") {
    o.object_batch = std::max<size_t>(1, std::strtoull(value, nullptr, 10));
  } else if (name == "--markdown") {
    o.markdown_path = value;
  } else {
    return false;
  }
  return true;
}

// The module is built as <build>/src/module/libarca-pkcs11.so and the emulator as
// <build>/firmware/arca-fw-emu: the emulator of the module's own build, so that --module
// pointing at another build also gets that build's firmware.
std::string EmulatorNextTo(const std::string& module) {
  const std::string suffix = "/src/module/libarca-pkcs11.so";
  if (module.size() > suffix.size() &&
      module.compare(module.size() - suffix.size(), suffix.size(), suffix) == 0) {
    return module.substr(0, module.size() - suffix.size()) + "/firmware/arca-fw-emu";
  }
  return ARCA_BENCH_DEFAULT_EMULATOR;
}

// --quick shrinks what it does not override explicitly: it must finish in seconds.
void ApplyQuick(Options& o) {
  o.min_time = 0.02;
  o.rounds = 1;
  o.populations = {50};
  o.object_batch = 10;
}

}  // namespace

std::optional<Options> ParseOptions(int argc, char** argv, int* status) {
  Options o;
  o.module_path = ARCA_BENCH_DEFAULT_MODULE;
  o.softhsm_path = "/usr/lib/softhsm/libsofthsm2.so";
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--quick") ApplyQuick(o);
  }
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--quick") continue;
    if (arg == "--keep-temp") {
      o.keep_temp = true;
    } else if (arg == "--list") {
      o.list_only = true;
    } else if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      *status = 0;
      return std::nullopt;
    } else if (i + 1 < argc && ApplyValue(o, arg, argv[i + 1])) {
      ++i;
    } else {
      std::fprintf(stderr, "arca-bench: bad option '%s'\n%s", argv[i], kUsage);
      *status = 2;
      return std::nullopt;
    }
  }
  if (o.emulator_path.empty()) o.emulator_path = EmulatorNextTo(o.module_path);
  if (o.min_time <= 0) o.min_time = 0.01;
  // The lookup populations only ever grow, so they must be measured smallest first.
  std::sort(o.populations.begin(), o.populations.end());
  return o;
}

}  // namespace bench
