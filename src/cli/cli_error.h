// Errors of arca-tool: one line for stderr and an exit code scripts can rely on.
// The tool unwinds to main() with CliError instead of threading a result type through every
// command, because each failure ends the process anyway and main() is the one place that
// prints it (and the RAII owners of sessions and PINs clean up on the way out).
#pragma once

#include <stdexcept>
#include <string>

namespace p11::cli {

// Exit codes, listed in the --help footer and in README.md.
enum ExitCode : int {
  kExitOk = 0,
  kExitUsage = 1,     // bad arguments, missing confirmation, ambiguous selection
  kExitNotFound = 2,  // no such slot, token or object
  kExitAuth = 3,      // wrong, locked or uninitialised PIN
  kExitToken = 4,     // any other PKCS#11 or store failure
  kExitIo = 5,        // unreadable or unparsable file, PIN source, terminal
};

class CliError : public std::runtime_error {
 public:
  CliError(int exit_code, const std::string& message)
      : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

[[noreturn]] inline void Fail(int exit_code, const std::string& message) {
  throw CliError(exit_code, message);
}

}  // namespace p11::cli
