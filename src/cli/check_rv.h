// CK_RV names and their exit codes, for arca-tool's one-line error messages.
#pragma once

#include <string>

#include "cli/cli_error.h"
#include "pkcs11/pkcs11.h"

namespace p11::cli {

// "CKR_PIN_INCORRECT", or "CKR_0x%08lx" for a value this header does not name.
std::string RvName(CK_RV rv);

// The exit code a failed call with `rv` ends the tool with.
int ExitCodeForRv(CK_RV rv);

// Throws CliError("<what>: <CKR_NAME>") when rv is not CKR_OK.
void CheckRv(CK_RV rv, const std::string& what);

}  // namespace p11::cli
