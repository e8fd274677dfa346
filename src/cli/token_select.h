// Which token a command acts on: --slot N, --token 'pkcs11:token=…' (or a bare label), or
// the only candidate when neither is given.
#pragma once

#include <optional>
#include <string>

#include "cli/pkcs11_client.h"

namespace p11::cli {

struct TokenOptions {
  std::optional<unsigned long> slot;
  std::string uri;
};

enum class TokenWanted {
  kInitialized,  // an initialised token (every command but init-token)
  kForInit,      // any token; without a selector, the free slot
};

struct SelectedToken {
  CK_SLOT_ID slot = 0;
  CK_TOKEN_INFO info{};
  std::string label;  // info.label without padding
};

// Throws CliError: kExitNotFound when nothing matches, kExitUsage when several do.
SelectedToken SelectToken(const Module& module, const TokenOptions& options, TokenWanted wanted);

// Lower-case hex, and its inverse (accepts "0a1b", "0A:1B"; throws kExitUsage otherwise).
std::string ToHex(ByteView bytes);
std::vector<uint8_t> ParseHex(const std::string& text);

}  // namespace p11::cli
