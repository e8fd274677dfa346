// pkcs11: URIs (RFC 7512) naming a token or an object, parsed by p11-kit's parser.
// p11-kit's <p11-kit/uri.h> brings its own copy of the CK_* declarations, which would clash
// with the project's header, so only pkcs11_uri.cpp includes it and this interface speaks
// plain C++ types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

struct p11_kit_uri;

namespace p11::cli {

// The identifying fields of a CK_TOKEN_INFO, without their blank padding.
struct TokenFields {
  std::string label;
  std::string manufacturer;
  std::string model;
  std::string serial;
};

class Pkcs11Uri {
 public:
  // Throws CliError(kExitUsage) naming p11-kit's reason when `text` is not a pkcs11: URI.
  explicit Pkcs11Uri(const std::string& text);
  ~Pkcs11Uri();
  Pkcs11Uri(const Pkcs11Uri&) = delete;
  Pkcs11Uri& operator=(const Pkcs11Uri&) = delete;

  // True when every token attribute the URI gives (token, manufacturer, model, serial)
  // equals the token's; a URI without token attributes matches every token.
  bool MatchesToken(const TokenFields& token) const;
  std::optional<unsigned long> SlotId() const;  // slot-id=
  // Object attributes: id= (CKA_ID), object= (CKA_LABEL), type= (CKA_CLASS).
  std::optional<std::vector<uint8_t>> Id() const;
  std::optional<std::string> ObjectLabel() const;
  std::optional<unsigned long> ObjectClass() const;

 private:
  p11_kit_uri* uri_ = nullptr;
};

}  // namespace p11::cli
