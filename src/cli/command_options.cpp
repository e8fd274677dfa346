// Option helpers shared by arca-tool's subcommands.
#include <cstdio>

#include "cli/commands.h"

namespace p11::cli {

void AddTokenOptions(CLI::App* command, TokenOptions& options) {
  command->add_option("--slot", options.slot, "Slot ID of the token (see 'arca-tool slots')");
  command->add_option("--token", options.uri,
                      "Token as a pkcs11: URI (e.g. 'pkcs11:token=alpha') or a bare label");
}

void AddPinOptions(CLI::App* command, PinSource& source, const std::string& prefix,
                   const std::string& whose) {
  CLI::Option* env = command->add_option("--" + prefix + "pin-env", source.env,
                                         "Read the " + whose + " from this environment variable");
  CLI::Option* file = command->add_option("--" + prefix + "pin-file", source.file,
                                          "Read the " + whose + " from the first line of a file");
  env->excludes(file);
}

void PrintResult(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

}  // namespace p11::cli
