// Token selection for arca-tool commands.
#include "cli/token_select.h"

#include <algorithm>
#include <cctype>
#include <memory>
#include <vector>

#include "cli/check_rv.h"
#include "cli/pkcs11_uri.h"

namespace p11::cli {
namespace {

SelectedToken Describe(const Module& module, CK_SLOT_ID slot) {
  SelectedToken t;
  t.slot = slot;
  t.info = module.TokenInfo(slot);
  t.label = TrimPadded(t.info.label, sizeof(t.info.label));
  return t;
}

bool Initialized(const SelectedToken& t) { return (t.info.flags & CKF_TOKEN_INITIALIZED) != 0; }

TokenFields Fields(const SelectedToken& t) {
  return TokenFields{t.label, TrimPadded(t.info.manufacturerID, sizeof(t.info.manufacturerID)),
                     TrimPadded(t.info.model, sizeof(t.info.model)),
                     TrimPadded(t.info.serialNumber, sizeof(t.info.serialNumber))};
}

SelectedToken BySlot(const Module& module, CK_SLOT_ID slot, TokenWanted wanted) {
  std::vector<CK_SLOT_ID> slots = module.Slots();
  if (std::find(slots.begin(), slots.end(), slot) == slots.end()) {
    Fail(kExitNotFound, "no token in slot " + std::to_string(slot));
  }
  SelectedToken t = Describe(module, slot);
  if (wanted == TokenWanted::kInitialized && !Initialized(t)) {
    Fail(kExitNotFound, "the token in slot " + std::to_string(slot) + " is not initialised");
  }
  return t;
}

// A bare word is taken as a token label, for convenience: --token alpha.
std::unique_ptr<Pkcs11Uri> TokenUri(const std::string& text) {
  if (text.rfind("pkcs11:", 0) == 0) return std::make_unique<Pkcs11Uri>(text);
  return nullptr;
}

SelectedToken Choose(const std::vector<SelectedToken>& candidates, const std::string& what) {
  if (candidates.empty()) Fail(kExitNotFound, "no token matches " + what);
  if (candidates.size() > 1) {
    Fail(kExitUsage, std::to_string(candidates.size()) + " tokens match " + what +
                         "; choose one with --slot N");
  }
  return candidates.front();
}

SelectedToken ByUri(const Module& module, const std::string& text, TokenWanted wanted) {
  std::unique_ptr<Pkcs11Uri> uri = TokenUri(text);
  std::vector<SelectedToken> matches;
  for (CK_SLOT_ID slot : module.Slots()) {
    SelectedToken t = Describe(module, slot);
    if (wanted == TokenWanted::kInitialized && !Initialized(t)) continue;
    bool match = uri ? uri->MatchesToken(Fields(t)) && uri->SlotId().value_or(slot) == slot
                     : t.label == text;
    if (match) matches.push_back(t);
  }
  return Choose(matches, "'" + text + "'");
}

SelectedToken Default(const Module& module, TokenWanted wanted) {
  std::vector<SelectedToken> candidates;
  for (CK_SLOT_ID slot : module.Slots()) {
    SelectedToken t = Describe(module, slot);
    bool fits = wanted == TokenWanted::kForInit ? !Initialized(t) : Initialized(t);
    if (fits) candidates.push_back(t);
  }
  if (wanted == TokenWanted::kForInit) {
    if (candidates.empty()) Fail(kExitToken, "no free slot for a new token");
    return candidates.front();  // the free slot
  }
  if (candidates.empty()) Fail(kExitNotFound, "no initialised token (create one: init-token)");
  if (candidates.size() > 1) {
    Fail(kExitUsage, "several tokens are present; choose one with --slot N or --token URI");
  }
  return candidates.front();
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

SelectedToken SelectToken(const Module& module, const TokenOptions& options, TokenWanted wanted) {
  if (options.slot) return BySlot(module, *options.slot, wanted);
  if (!options.uri.empty()) return ByUri(module, options.uri, wanted);
  return Default(module, wanted);
}

std::string ToHex(ByteView bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0xF];
  }
  return out;
}

std::vector<uint8_t> ParseHex(const std::string& text) {
  std::string digits;
  for (char c : text) {
    if (c != ':') digits += c;
  }
  if (digits.rfind("0x", 0) == 0) digits.erase(0, 2);
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < digits.size(); i += 2) {
    int hi = HexValue(digits[i]);
    int lo = HexValue(digits[i + 1]);
    if (hi < 0 || lo < 0) break;
    out.push_back(static_cast<uint8_t>(hi << 4 | lo));
  }
  if (digits.empty() || out.size() * 2 != digits.size()) {
    Fail(kExitUsage, "'" + text + "' is not a hex string");
  }
  return out;
}

}  // namespace p11::cli
