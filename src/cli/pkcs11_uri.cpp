// Pkcs11Uri over p11-kit's URI parser. This file must not include "pkcs11/pkcs11.h": the
// CK_* names below are p11-kit's (layout-identical to the project's).
#include "cli/pkcs11_uri.h"

#include <p11-kit/uri.h>

#include <algorithm>
#include <cstring>

#include "cli/cli_error.h"

namespace p11::cli {
namespace {

template <size_t N>
void Pad(unsigned char (&field)[N], const std::string& value) {
  std::memset(field, ' ', N);
  std::memcpy(field, value.data(), std::min(N, value.size()));
}

}  // namespace

Pkcs11Uri::Pkcs11Uri(const std::string& text) : uri_(p11_kit_uri_new()) {
  if (uri_ == nullptr) Fail(kExitToken, "out of memory");
  int rc = p11_kit_uri_parse(text.c_str(), P11_KIT_URI_FOR_ANY, uri_);
  if (rc != P11_KIT_URI_OK) {
    p11_kit_uri_free(uri_);
    uri_ = nullptr;
    Fail(kExitUsage, "invalid pkcs11: URI '" + text + "': " + p11_kit_uri_message(rc));
  }
  // An attribute p11-kit does not know would make every match fail silently.
  if (p11_kit_uri_any_unrecognized(uri_)) {
    p11_kit_uri_free(uri_);
    uri_ = nullptr;
    Fail(kExitUsage, "pkcs11: URI '" + text + "' has an attribute p11-kit does not recognise");
  }
}

Pkcs11Uri::~Pkcs11Uri() {
  if (uri_ != nullptr) p11_kit_uri_free(uri_);
}

bool Pkcs11Uri::MatchesToken(const TokenFields& token) const {
  CK_TOKEN_INFO info;
  std::memset(&info, 0, sizeof(info));
  Pad(info.label, token.label);
  Pad(info.manufacturerID, token.manufacturer);
  Pad(info.model, token.model);
  Pad(info.serialNumber, token.serial);
  return p11_kit_uri_match_token_info(uri_, &info) == 1;
}

std::optional<unsigned long> Pkcs11Uri::SlotId() const {
  CK_SLOT_ID id = p11_kit_uri_get_slot_id(uri_);
  if (id == static_cast<CK_SLOT_ID>(-1)) return std::nullopt;
  return id;
}

std::optional<std::vector<uint8_t>> Pkcs11Uri::Id() const {
  CK_ATTRIBUTE* attr = p11_kit_uri_get_attribute(uri_, CKA_ID);
  if (attr == nullptr) return std::nullopt;
  const auto* bytes = static_cast<const uint8_t*>(attr->pValue);
  return std::vector<uint8_t>(bytes, bytes + attr->ulValueLen);
}

std::optional<std::string> Pkcs11Uri::ObjectLabel() const {
  CK_ATTRIBUTE* attr = p11_kit_uri_get_attribute(uri_, CKA_LABEL);
  if (attr == nullptr) return std::nullopt;
  return std::string(static_cast<const char*>(attr->pValue), attr->ulValueLen);
}

std::optional<unsigned long> Pkcs11Uri::ObjectClass() const {
  CK_ATTRIBUTE* attr = p11_kit_uri_get_attribute(uri_, CKA_CLASS);
  if (attr == nullptr || attr->ulValueLen != sizeof(CK_OBJECT_CLASS)) return std::nullopt;
  CK_OBJECT_CLASS value;
  std::memcpy(&value, attr->pValue, sizeof(value));
  return value;
}

}  // namespace p11::cli
