// Attribute templates and key/object creation through a module's function list, shared by the
// case families. Templates are built once per case, as an application builds them once.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "bench_case.h"
#include "pkcs11/pkcs11.h"
#include "provider.h"

namespace bench {

// Owned attribute template: values live as long as the template (not copyable, since the
// CK_ATTRIBUTE array points into the owned values).
class Attrs {
 public:
  Attrs() = default;
  Attrs(const Attrs&) = delete;
  Attrs& operator=(const Attrs&) = delete;

  Attrs& Bool(CK_ATTRIBUTE_TYPE type, bool value);
  Attrs& Ulong(CK_ATTRIBUTE_TYPE type, CK_ULONG value);
  Attrs& Data(CK_ATTRIBUTE_TYPE type, const Bytes& value);
  Attrs& Text(CK_ATTRIBUTE_TYPE type, const std::string& value);

  CK_ATTRIBUTE* data() { return attrs_.data(); }
  CK_ULONG size() const { return static_cast<CK_ULONG>(attrs_.size()); }

 private:
  std::deque<Bytes> values_;
  std::vector<CK_ATTRIBUTE> attrs_;
};

// The arguments of one C_GenerateKey / C_GenerateKeyPair call. `priv` is the secret key's
// template for C_GenerateKey.
struct KeySpec {
  CK_MECHANISM mechanism{};
  Attrs pub;
  Attrs priv;
};

struct KeyPair {
  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE priv = CK_INVALID_HANDLE;
};

// `token`: a persistent token object (CKA_TOKEN true) rather than a session object.
std::unique_ptr<KeySpec> EcP256Spec(bool token);
std::unique_ptr<KeySpec> Rsa2048Spec(bool token);
std::unique_ptr<KeySpec> Ed25519Spec(bool token);
std::unique_ptr<KeySpec> Aes256Spec(bool token);
std::unique_ptr<KeySpec> HmacKeySpec(bool token);  // 32-byte generic secret for HMAC

// Throw BenchError on failure.
KeyPair GenerateKeyPair(Provider& provider, CK_SESSION_HANDLE session, KeySpec& spec);
CK_OBJECT_HANDLE GenerateKey(Provider& provider, CK_SESSION_HANDLE session, KeySpec& spec);

// Template of a small public token data object with this label.
std::unique_ptr<Attrs> DataObjectTemplate(const std::string& label);

}  // namespace bench
