// arca-tool's subcommands, registered on the CLI11 app by family, and the option helpers
// they share. Each command's callback runs during parsing and throws CliError on failure.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "cli/pin_source.h"
#include "cli/token_select.h"

namespace p11::cli {

struct GlobalOptions {
  bool json = false;
};

// slots, init-token, init-pin, set-pin, delete-token (commands_token.cpp).
void AddTokenCommands(CLI::App& app, const GlobalOptions& global);
// objects, import, delete-object (commands_object.cpp).
void AddObjectCommands(CLI::App& app, const GlobalOptions& global);

// --slot N and --token URI.
void AddTokenOptions(CLI::App* command, TokenOptions& options);
// --<prefix>pin-env VAR and --<prefix>pin-file F, e.g. prefix "so-" for the SO PIN.
void AddPinOptions(CLI::App* command, PinSource& source, const std::string& prefix,
                   const std::string& whose);

// Writes a result to stdout (the only thing the tool prints there).
void PrintResult(const std::string& text);

}  // namespace p11::cli
