// Object commands: objects, import, delete-object.
#include <cctype>
#include <cstdio>
#include <memory>
#include <optional>
#include <utility>

#include "cli/check_rv.h"
#include "cli/commands.h"
#include "cli/json_writer.h"
#include "cli/key_import.h"
#include "cli/pkcs11_uri.h"

namespace p11::cli {
namespace {

constexpr std::pair<CK_OBJECT_CLASS, const char*> kClassNames[] = {
    {CKO_DATA, "data"},           {CKO_CERTIFICATE, "cert"},      {CKO_PUBLIC_KEY, "public"},
    {CKO_PRIVATE_KEY, "private"}, {CKO_SECRET_KEY, "secret-key"}, {CKO_PROFILE, "profile"},
};

constexpr std::pair<CK_KEY_TYPE, const char*> kKeyTypeNames[] = {
    {CKK_RSA, "RSA"},
    {CKK_EC, "EC"},
    {CKK_GENERIC_SECRET, "GENERIC"},
    {CKK_AES, "AES"},
    {CKK_DES3, "DES3"},
    {CKK_EC_EDWARDS, "EDDSA"},
    {CKK_EC_MONTGOMERY, "XDH"},
    {CKK_CHACHA20, "CHACHA20"},
};

// Names as in pkcs11: URIs' type= ("cert", "private", …), so a listing reads like a URI.
template <class T, size_t N>
std::string NameOf(const std::pair<T, const char*> (&table)[N], std::optional<CK_ULONG> value) {
  if (!value) return "-";
  for (const auto& [v, name] : table) {
    if (v == *value) return name;
  }
  char buf[24];
  std::snprintf(buf, sizeof(buf), "0x%lx", *value);
  return buf;
}

// RFC 7512 percent-encoding: unreserved characters stay, everything else is %XX.
std::string PercentEncode(ByteView bytes, bool all) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (uint8_t b : bytes) {
    bool keep = !all && (std::isalnum(b) || b == '-' || b == '.' || b == '_' || b == '~');
    if (keep) {
      out += static_cast<char>(b);
    } else {
      out += '%';
      out += kDigits[b >> 4];
      out += kDigits[b & 0xF];
    }
  }
  return out;
}

struct ObjectRow {
  CK_OBJECT_HANDLE handle;
  std::string cls;
  std::string key_type;
  std::vector<uint8_t> id;
  std::string label;
};

ObjectRow Describe(Session& session, CK_OBJECT_HANDLE handle) {
  ObjectRow row{handle, {}, {}, {}, {}};
  std::optional<CK_ULONG> cls = session.UlongAttribute(handle, CKA_CLASS);
  row.cls = NameOf(kClassNames, cls);
  bool is_key = cls == CKO_PUBLIC_KEY || cls == CKO_PRIVATE_KEY || cls == CKO_SECRET_KEY;
  row.key_type = is_key ? NameOf(kKeyTypeNames, session.UlongAttribute(handle, CKA_KEY_TYPE))
                 : cls == CKO_CERTIFICATE ? "X.509"
                                          : "-";
  row.id = session.Attribute(handle, CKA_ID).value_or(std::vector<uint8_t>{});
  std::vector<uint8_t> label =
      session.Attribute(handle, CKA_LABEL).value_or(std::vector<uint8_t>{});
  row.label.assign(label.begin(), label.end());
  return row;
}

std::string ObjectUri(const SelectedToken& token, const ObjectRow& row) {
  std::string uri = "pkcs11:token=" + PercentEncode(AsBytes(token.label), false);
  if (!row.id.empty()) uri += ";id=" + PercentEncode(row.id, true);
  if (!row.label.empty()) uri += ";object=" + PercentEncode(AsBytes(row.label), false);
  return uri + ";type=" + row.cls;
}

// Logs in as the user when a PIN source is given (or `always`, prompting if needed).
void MaybeLogin(Session& session, const PinSource& pin, bool always) {
  if (!pin.given() && !always) return;
  session.Login(CKU_USER, ReadPin(pin, "User PIN"));
}

struct ObjectsOptions {
  TokenOptions token;
  PinSource pin;
  bool login = false;
};

void RunObjects(const GlobalOptions& global, const ObjectsOptions& o) {
  Module module;
  SelectedToken token = SelectToken(module, o.token, TokenWanted::kInitialized);
  Session session(module, token.slot, false);
  MaybeLogin(session, o.pin, o.login);
  JsonWriter w;
  w.BeginObject().Key("slot").Number(token.slot).Key("objects").BeginArray();
  char line[200];
  std::snprintf(line, sizeof(line), "%-10s %-8s %-40s %s\n", "CLASS", "TYPE", "ID", "LABEL");
  std::string text = line;
  for (CK_OBJECT_HANDLE handle : session.Find({})) {
    ObjectRow row = Describe(session, handle);
    std::string id = ToHex(row.id);
    w.BeginObject().Key("class").String(row.cls).Key("key_type").String(row.key_type);
    w.Key("id").String(id).Key("label").String(row.label);
    w.Key("uri").String(ObjectUri(token, row)).EndObject();
    std::snprintf(line, sizeof(line), "%-10s %-8s %-40s %s\n", row.cls.c_str(),
                  row.key_type.c_str(), id.empty() ? "-" : id.c_str(), row.label.c_str());
    text += line;
  }
  w.EndArray().EndObject();
  PrintResult(global.json ? w.Finish() : text);
}

struct ImportOptions {
  TokenOptions token;
  PinSource pin;
  std::string file;
  std::string id_hex;
  std::optional<std::string> label;
  std::string type = "auto";
};

void RunImport(const GlobalOptions& global, const ImportOptions& o) {
  ImportRequest request;
  request.path = o.file;
  request.kind = o.type == "key"    ? ImportKind::kKey
                 : o.type == "cert" ? ImportKind::kCert
                                    : ImportKind::kAuto;
  if (!o.id_hex.empty()) request.id = ParseHex(o.id_hex);
  request.label = o.label;
  // Parse before touching the token, so a bad file costs no PIN prompt.
  ImportPlan plan = PlanImport(request);
  Module module;
  SelectedToken token = SelectToken(module, o.token, TokenWanted::kInitialized);
  Session session(module, token.slot, true);
  MaybeLogin(session, o.pin, true);
  std::vector<CK_OBJECT_HANDLE> created;
  try {
    for (const AttributeList& object : plan.objects) {
      created.push_back(session.Create(object.attributes()));
    }
  } catch (const CliError&) {
    // No half-imported pair: remove what this import already created.
    for (CK_OBJECT_HANDLE h : created) {
      try {
        session.Destroy(h);
      } catch (const CliError&) {
        // Keep reporting the original failure.
      }
    }
    throw;
  }
  if (global.json) {
    JsonWriter w;
    w.BeginObject().Key("slot").Number(token.slot).Key("imported").String(plan.description);
    w.Key("id").String(ToHex(plan.id)).Key("label").String(plan.label);
    w.Key("objects").Number(created.size()).EndObject();
    PrintResult(w.Finish());
  } else {
    PrintResult("imported " + plan.description + ": id=" + ToHex(plan.id) + " label=" + plan.label +
                "\n");
  }
}

struct DeleteObjectOptions {
  TokenOptions token;
  PinSource pin;
  std::string uri;
  std::string id_hex;
  std::optional<std::string> label;
};

// The search template the selectors (URI, --id, --label) describe.
AttributeList MatchTemplate(const DeleteObjectOptions& o) {
  AttributeList match;
  std::optional<std::vector<uint8_t>> id;
  std::optional<std::string> label = o.label;
  if (!o.uri.empty()) {
    Pkcs11Uri uri(o.uri);
    id = uri.Id();
    if (!label) label = uri.ObjectLabel();
    if (std::optional<unsigned long> cls = uri.ObjectClass()) match.AddUlong(CKA_CLASS, *cls);
  }
  if (!o.id_hex.empty()) id = ParseHex(o.id_hex);
  if (id) match.AddBytes(CKA_ID, *id);
  if (label) match.AddString(CKA_LABEL, *label);
  if (match.attributes().empty()) {
    Fail(kExitUsage, "name the object to delete: --object URI, --id HEX or --label L");
  }
  return match;
}

void RunDeleteObject(const GlobalOptions& global, DeleteObjectOptions o) {
  AttributeList match = MatchTemplate(o);
  // An object URI may name its token too (pkcs11:token=alpha;object=k).
  if (!o.token.slot && o.token.uri.empty()) o.token.uri = o.uri;
  Module module;
  SelectedToken token = SelectToken(module, o.token, TokenWanted::kInitialized);
  Session session(module, token.slot, true);
  MaybeLogin(session, o.pin, true);
  std::vector<CK_OBJECT_HANDLE> found = session.Find(match.attributes());
  if (found.empty()) Fail(kExitNotFound, "no object matches");
  JsonWriter w;
  w.BeginObject().Key("slot").Number(token.slot).Key("deleted").BeginArray();
  std::string text;
  for (CK_OBJECT_HANDLE handle : found) {
    ObjectRow row = Describe(session, handle);
    session.Destroy(handle);
    w.String(ObjectUri(token, row));
    text += "deleted " + row.cls + " id=" + ToHex(row.id) + " label=" + row.label + "\n";
  }
  w.EndArray().EndObject();
  PrintResult(global.json ? w.Finish() : text);
}

}  // namespace

void AddObjectCommands(CLI::App& app, const GlobalOptions& global) {
  auto list = std::make_shared<ObjectsOptions>();
  CLI::App* list_cmd = app.add_subcommand(
      "objects", "List a token's objects (private ones too after login with a PIN)");
  AddTokenOptions(list_cmd, list->token);
  AddPinOptions(list_cmd, list->pin, "", "user PIN");
  list_cmd->add_flag("--login", list->login, "Log in as the user, prompting for the PIN");
  list_cmd->callback([&global, list] { RunObjects(global, *list); });

  auto imp = std::make_shared<ImportOptions>();
  CLI::App* imp_cmd = app.add_subcommand(
      "import", "Import a private key (PEM/DER, PKCS#8 included) or an X.509 certificate");
  imp_cmd->add_option("file", imp->file, "PEM or DER file")->required();
  AddTokenOptions(imp_cmd, imp->token);
  AddPinOptions(imp_cmd, imp->pin, "", "user PIN");
  imp_cmd->add_option("--id", imp->id_hex, "CKA_ID in hex (default: SHA-1 of the public key)");
  imp_cmd->add_option("--label", imp->label, "CKA_LABEL (default: the file name)");
  imp_cmd->add_option("--type", imp->type, "What the file holds")
      ->check(CLI::IsMember({"auto", "key", "cert"}));
  imp_cmd->callback([&global, imp] { RunImport(global, *imp); });

  auto del = std::make_shared<DeleteObjectOptions>();
  CLI::App* del_cmd = app.add_subcommand(
      "delete-object", "Delete the objects matching a pkcs11: URI, an ID and/or a label");
  AddTokenOptions(del_cmd, del->token);
  AddPinOptions(del_cmd, del->pin, "", "user PIN");
  del_cmd->add_option("--object", del->uri, "Object as a pkcs11: URI (id=, object=, type=)");
  del_cmd->add_option("--id", del->id_hex, "CKA_ID in hex");
  del_cmd->add_option("--label", del->label, "CKA_LABEL");
  del_cmd->callback([&global, del] { RunDeleteObject(global, *del); });
}

}  // namespace p11::cli
