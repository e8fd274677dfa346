// arca-tool: administration of Arca tokens through the module's own PKCS#11 function list.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "cli/cli_error.h"
#include "cli/commands.h"

namespace {

constexpr char kFooter[] =
    R"(Tokens are named by --slot N or --token 'pkcs11:token=LABEL' (RFC 7512).
PINs come from --*pin-env VAR, --*pin-file FILE (first line), or a prompt on the terminal.

Exit codes:
  0  success
  1  usage error (bad arguments, ambiguous token, missing confirmation)
  2  not found (slot, token or object)
  3  PIN or authentication failure (CKR_PIN_INCORRECT, CKR_PIN_LOCKED, ...)
  4  token or module error
  5  I/O or parse error (unreadable file, bad key or certificate, no PIN source))";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"arca-tool: administer Arca PKCS#11 tokens"};
  app.footer(kFooter);
  app.require_subcommand(1);
  app.fallthrough();
  p11::cli::GlobalOptions global;
  app.add_flag("--json", global.json, "Machine-readable output");
  p11::cli::AddTokenCommands(app, global);
  p11::cli::AddObjectCommands(app, global);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? p11::cli::kExitOk : p11::cli::kExitUsage;
  } catch (const p11::cli::CliError& e) {
    std::fprintf(stderr, "arca-tool: %s\n", e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "arca-tool: %s\n", e.what());
    return p11::cli::kExitToken;
  }
  return p11::cli::kExitOk;
}
