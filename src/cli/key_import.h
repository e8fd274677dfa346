// Turns a PEM or DER file (private key — traditional or PKCS#8 — or X.509 certificate) into
// the PKCS#11 templates that `arca-tool import` creates: a private key with its matching
// public key, or a certificate. Parsing is OpenSSL's; key components leave it only into
// zeroizing buffers.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/attribute_list.h"

namespace p11::cli {

enum class ImportKind { kAuto, kKey, kCert };

struct ImportRequest {
  std::string path;
  ImportKind kind = ImportKind::kAuto;
  std::optional<std::vector<uint8_t>> id;  // default: SHA-1 of the SubjectPublicKeyInfo
  std::optional<std::string> label;        // default: the file name without its extension
};

struct ImportPlan {
  std::string description;  // "EC private key (prime256v1)", "X.509 certificate"
  std::vector<uint8_t> id;
  std::string label;
  // Each entry one object, created in order (private key first, then its public key).
  std::vector<AttributeList> objects;
};

// Throws CliError(kExitIo) when the file cannot be read or holds nothing importable, and
// kExitUsage for an unsupported key type.
ImportPlan PlanImport(const ImportRequest& request);

}  // namespace p11::cli
