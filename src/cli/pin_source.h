// Where arca-tool gets a PIN: an environment variable, the first line of a file, or a prompt
// on the controlling terminal with echo off. Never from argv, where other users of the host
// could read it in the process list.
#pragma once

#include <string>

#include "common/secure_buffer.h"

namespace p11::cli {

struct PinSource {
  std::string env;   // --*pin-env VAR
  std::string file;  // --*pin-file F
  bool given() const { return !env.empty() || !file.empty(); }
};

enum class PinPrompt { kOnce, kConfirm };

// Reads the PIN from `source`, else prompts "<prompt>: " on /dev/tty (twice when `mode` is
// kConfirm, for a new PIN). Throws CliError(kExitIo) when the variable is unset, the file is
// unreadable, or there is no terminal to prompt on; kExitUsage for an empty PIN.
SecureBuffer ReadPin(const PinSource& source, const std::string& prompt,
                     PinPrompt mode = PinPrompt::kOnce);

// Reads one line from the terminal with echo on (a confirmation); throws CliError(kExitIo)
// without a terminal.
std::string PromptLine(const std::string& prompt);

}  // namespace p11::cli
