// Token commands: slots, init-token, init-pin, set-pin, delete-token.
#include <cstdio>
#include <memory>
#include <utility>

#include "cli/check_rv.h"
#include "cli/commands.h"
#include "cli/json_writer.h"
#include "common/config.h"
#include "mechanisms/registry.h"
#include "token/soft/soft_store.h"

namespace p11::cli {
namespace {

// CK_TOKEN_INFO flags worth showing to an administrator, by the names the tool prints.
constexpr std::pair<CK_FLAGS, const char*> kTokenFlags[] = {
    {CKF_TOKEN_INITIALIZED, "initialized"},
    {CKF_USER_PIN_INITIALIZED, "user-pin-set"},
    {CKF_LOGIN_REQUIRED, "login-required"},
    {CKF_WRITE_PROTECTED, "write-protected"},
    {CKF_USER_PIN_COUNT_LOW, "user-pin-count-low"},
    {CKF_USER_PIN_FINAL_TRY, "user-pin-final-try"},
    {CKF_USER_PIN_LOCKED, "user-pin-locked"},
    {CKF_USER_PIN_TO_BE_CHANGED, "user-pin-to-be-changed"},
    {CKF_SO_PIN_COUNT_LOW, "so-pin-count-low"},
    {CKF_SO_PIN_FINAL_TRY, "so-pin-final-try"},
    {CKF_SO_PIN_LOCKED, "so-pin-locked"},
    {CKF_SO_PIN_TO_BE_CHANGED, "so-pin-to-be-changed"},
};

std::vector<std::string> FlagNames(CK_FLAGS flags) {
  std::vector<std::string> names;
  if ((flags & CKF_TOKEN_INITIALIZED) == 0) names.push_back("uninitialized");
  for (const auto& [flag, name] : kTokenFlags) {
    if (flags & flag) names.push_back(name);
  }
  return names;
}

std::string Join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

// One confirmation line (or JSON object) after a command that changed a token.
void PrintDone(const GlobalOptions& global, const SelectedToken& token, const std::string& what) {
  if (global.json) {
    JsonWriter w;
    w.BeginObject().Key("slot").Number(token.slot).Key("label").String(token.label);
    w.Key("result").String(what).EndObject();
    PrintResult(w.Finish());
  } else {
    PrintResult("slot " + std::to_string(token.slot) + " (" + token.label + "): " + what + "\n");
  }
}

void RunSlots(const GlobalOptions& global) {
  Module module;
  JsonWriter w;
  w.BeginObject().Key("slots").BeginArray();
  char line[160];
  std::snprintf(line, sizeof(line), "%-6s %-32s %-16s %s\n", "SLOT", "LABEL", "SERIAL", "FLAGS");
  std::string text = line;
  for (CK_SLOT_ID slot : module.Slots()) {
    CK_TOKEN_INFO info = module.TokenInfo(slot);
    std::string label = TrimPadded(info.label, sizeof(info.label));
    std::string serial = TrimPadded(info.serialNumber, sizeof(info.serialNumber));
    std::vector<std::string> flags = FlagNames(info.flags);
    w.BeginObject().Key("slot").Number(slot).Key("label").String(label);
    w.Key("manufacturer").String(TrimPadded(info.manufacturerID, sizeof(info.manufacturerID)));
    w.Key("model").String(TrimPadded(info.model, sizeof(info.model)));
    w.Key("serial").String(serial);
    w.Key("initialized").Bool(info.flags & CKF_TOKEN_INITIALIZED);
    w.Key("flags").BeginArray();
    for (const std::string& f : flags) w.String(f);
    w.EndArray().EndObject();
    std::snprintf(line, sizeof(line), "%-6lu %-32s %-16s %s\n", slot, label.c_str(), serial.c_str(),
                  Join(flags, ",").c_str());
    text += line;
  }
  w.EndArray().EndObject();
  PrintResult(global.json ? w.Finish() : text);
}

struct InitTokenOptions {
  TokenOptions token;
  std::string label;
  PinSource so_pin;
};

void RunInitToken(const GlobalOptions& global, const InitTokenOptions& o) {
  if (o.label.size() > 32) Fail(kExitUsage, "a token label has at most 32 bytes");
  Module module;
  SelectedToken token = SelectToken(module, o.token, TokenWanted::kForInit);
  bool fresh = (token.info.flags & CKF_TOKEN_INITIALIZED) == 0;
  // A fresh token's SO PIN is being chosen, so a prompt asks twice; re-initialising checks
  // the current one.
  SecureBuffer so_pin = ReadPin(o.so_pin, fresh ? "New SO PIN" : "SO PIN",
                                fresh ? PinPrompt::kConfirm : PinPrompt::kOnce);
  module.InitToken(token.slot, so_pin, o.label);
  token.label = o.label;
  PrintDone(global, token, fresh ? "token initialized" : "token re-initialized");
}

struct InitPinOptions {
  TokenOptions token;
  PinSource so_pin;
  PinSource new_pin;
};

void RunInitPin(const GlobalOptions& global, const InitPinOptions& o) {
  Module module;
  SelectedToken token = SelectToken(module, o.token, TokenWanted::kInitialized);
  SecureBuffer so_pin = ReadPin(o.so_pin, "SO PIN");
  SecureBuffer user_pin = ReadPin(o.new_pin, "New user PIN", PinPrompt::kConfirm);
  Session session(module, token.slot, true);
  session.Login(CKU_SO, so_pin);
  session.InitPin(user_pin);
  PrintDone(global, token, "user PIN set");
}

struct SetPinOptions {
  TokenOptions token;
  bool so = false;
  PinSource pin;
  PinSource so_pin;
  PinSource new_pin;
};

void RunSetPin(const GlobalOptions& global, const SetPinOptions& o) {
  Module module;
  SelectedToken token = SelectToken(module, o.token, TokenWanted::kInitialized);
  const char* who = o.so ? "SO PIN" : "user PIN";
  SecureBuffer old_pin = ReadPin(o.so ? o.so_pin : o.pin, std::string("Current ") + who);
  SecureBuffer new_pin = ReadPin(o.new_pin, std::string("New ") + who, PinPrompt::kConfirm);
  Session session(module, token.slot, true);
  // C_SetPIN changes the PIN of the user logged in on the session.
  session.Login(o.so ? CKU_SO : CKU_USER, old_pin);
  session.SetPin(old_pin, new_pin);
  PrintDone(global, token, std::string(who) + " changed");
}

struct DeleteTokenOptions {
  TokenOptions token;
  PinSource so_pin;
  bool yes = false;
};

void ConfirmDeletion(const SelectedToken& token) {
  std::string answer;
  try {
    answer = PromptLine("Delete token '" + token.label + "' in slot " + std::to_string(token.slot) +
                        " and every object on it? Type its label to confirm: ");
  } catch (const CliError&) {
    Fail(kExitUsage, "delete-token needs --yes when there is no terminal to confirm on");
  }
  if (answer != token.label) Fail(kExitUsage, "not confirmed; the token is kept");
}

void RunDeleteToken(const GlobalOptions& global, const DeleteTokenOptions& o) {
  Module module;
  SelectedToken token = SelectToken(module, o.token, TokenWanted::kInitialized);
  if (!o.yes) ConfirmDeletion(token);
  SecureBuffer so_pin = ReadPin(o.so_pin, "SO PIN");
  {
    // Deleting is not a PKCS#11 operation, so the SO PIN is proven through C_Login first.
    Session session(module, token.slot, true);
    session.Login(CKU_SO, so_pin);
  }
  module.Finalize();  // the store below must not race the module's own connection
  Result<Config> config = Config::Load();
  CheckRv(config.rv(), "cannot load the configuration");
  std::unique_ptr<Registry> registry = BuildDefaultRegistry();
  Result<std::unique_ptr<SoftStore>> store = SoftStore::Open(*config, *registry);
  CheckRv(store.rv(), "cannot open the token store");
  CheckRv((*store)->DeleteToken(token.slot).rv(), "cannot delete the token");
  PrintDone(global, token, "token deleted");
}

}  // namespace

void AddTokenCommands(CLI::App& app, const GlobalOptions& global) {
  CLI::App* slots = app.add_subcommand("slots", "List slots and their tokens");
  slots->callback([&global] { RunSlots(global); });

  auto init = std::make_shared<InitTokenOptions>();
  CLI::App* init_cmd = app.add_subcommand(
      "init-token", "Initialise a token (the free slot unless --slot/--token names one)");
  AddTokenOptions(init_cmd, init->token);
  init_cmd->add_option("--label", init->label, "Token label (up to 32 bytes)")->required();
  AddPinOptions(init_cmd, init->so_pin, "so-", "SO PIN");
  init_cmd->callback([&global, init] { RunInitToken(global, *init); });

  auto init_pin = std::make_shared<InitPinOptions>();
  CLI::App* init_pin_cmd = app.add_subcommand("init-pin", "Set the user PIN (as the SO)");
  AddTokenOptions(init_pin_cmd, init_pin->token);
  AddPinOptions(init_pin_cmd, init_pin->so_pin, "so-", "SO PIN");
  AddPinOptions(init_pin_cmd, init_pin->new_pin, "new-", "new user PIN");
  init_pin_cmd->callback([&global, init_pin] { RunInitPin(global, *init_pin); });

  auto set_pin = std::make_shared<SetPinOptions>();
  CLI::App* set_pin_cmd =
      app.add_subcommand("set-pin", "Change the user PIN (or, --so, the SO PIN)");
  AddTokenOptions(set_pin_cmd, set_pin->token);
  set_pin_cmd->add_flag("--so", set_pin->so, "Change the SO PIN instead of the user PIN");
  AddPinOptions(set_pin_cmd, set_pin->pin, "", "current user PIN");
  AddPinOptions(set_pin_cmd, set_pin->so_pin, "so-", "current SO PIN");
  AddPinOptions(set_pin_cmd, set_pin->new_pin, "new-", "new PIN");
  set_pin_cmd->callback([&global, set_pin] { RunSetPin(global, *set_pin); });

  auto del = std::make_shared<DeleteTokenOptions>();
  CLI::App* del_cmd = app.add_subcommand(
      "delete-token", "Delete a software token and all its objects (needs its SO PIN)");
  AddTokenOptions(del_cmd, del->token);
  AddPinOptions(del_cmd, del->so_pin, "so-", "SO PIN");
  del_cmd->add_flag("--yes", del->yes, "Do not ask for confirmation");
  del_cmd->callback([&global, del] { RunDeleteToken(global, *del); });
}

}  // namespace p11::cli
