#include "module_keys.h"

#include <cstring>

namespace bench {
namespace {

// DER of the named-curve OIDs for CKA_EC_PARAMS: prime256v1 and id-Ed25519.
const Bytes kP256Params = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
const Bytes kEd25519Params = {0x06, 0x03, 0x2b, 0x65, 0x70};

std::unique_ptr<KeySpec> PairSpec(CK_MECHANISM_TYPE mechanism, bool token) {
  auto spec = std::make_unique<KeySpec>();
  spec->mechanism.mechanism = mechanism;
  spec->pub.Bool(CKA_TOKEN, token).Bool(CKA_VERIFY, true);
  spec->priv.Bool(CKA_TOKEN, token)
      .Bool(CKA_PRIVATE, true)
      .Bool(CKA_SENSITIVE, true)
      .Bool(CKA_SIGN, true);
  return spec;
}

std::unique_ptr<KeySpec> SecretSpec(CK_MECHANISM_TYPE mechanism, bool token) {
  auto spec = std::make_unique<KeySpec>();
  spec->mechanism.mechanism = mechanism;
  spec->priv.Bool(CKA_TOKEN, token)
      .Bool(CKA_PRIVATE, true)
      .Bool(CKA_SENSITIVE, true)
      .Ulong(CKA_VALUE_LEN, 32);
  return spec;
}

}  // namespace

Attrs& Attrs::Data(CK_ATTRIBUTE_TYPE type, const Bytes& value) {
  values_.push_back(value);
  Bytes& stored = values_.back();
  attrs_.push_back(CK_ATTRIBUTE{type, stored.empty() ? nullptr : stored.data(),
                                static_cast<CK_ULONG>(stored.size())});
  return *this;
}

Attrs& Attrs::Bool(CK_ATTRIBUTE_TYPE type, bool value) {
  return Data(type, Bytes{static_cast<uint8_t>(value ? CK_TRUE : CK_FALSE)});
}

Attrs& Attrs::Ulong(CK_ATTRIBUTE_TYPE type, CK_ULONG value) {
  Bytes bytes(sizeof value);
  std::memcpy(bytes.data(), &value, sizeof value);
  return Data(type, bytes);
}

Attrs& Attrs::Text(CK_ATTRIBUTE_TYPE type, const std::string& value) {
  return Data(type, Bytes(value.begin(), value.end()));
}

std::unique_ptr<KeySpec> EcP256Spec(bool token) {
  auto spec = PairSpec(CKM_EC_KEY_PAIR_GEN, token);
  spec->pub.Data(CKA_EC_PARAMS, kP256Params);
  return spec;
}

std::unique_ptr<KeySpec> Rsa2048Spec(bool token) {
  auto spec = PairSpec(CKM_RSA_PKCS_KEY_PAIR_GEN, token);
  spec->pub.Ulong(CKA_MODULUS_BITS, 2048).Data(CKA_PUBLIC_EXPONENT, Bytes{0x01, 0x00, 0x01});
  return spec;
}

std::unique_ptr<KeySpec> Ed25519Spec(bool token) {
  auto spec = PairSpec(CKM_EC_EDWARDS_KEY_PAIR_GEN, token);
  spec->pub.Data(CKA_EC_PARAMS, kEd25519Params);
  return spec;
}

std::unique_ptr<KeySpec> Aes256Spec(bool token) {
  auto spec = SecretSpec(CKM_AES_KEY_GEN, token);
  spec->priv.Bool(CKA_ENCRYPT, true).Bool(CKA_DECRYPT, true);
  return spec;
}

std::unique_ptr<KeySpec> HmacKeySpec(bool token) {
  auto spec = SecretSpec(CKM_GENERIC_SECRET_KEY_GEN, token);
  spec->priv.Ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET).Bool(CKA_SIGN, true).Bool(CKA_VERIFY, true);
  return spec;
}

KeyPair GenerateKeyPair(Provider& provider, CK_SESSION_HANDLE session, KeySpec& spec) {
  KeyPair pair;
  CheckRv(
      provider.fn()->C_GenerateKeyPair(session, &spec.mechanism, spec.pub.data(), spec.pub.size(),
                                       spec.priv.data(), spec.priv.size(), &pair.pub, &pair.priv),
      "C_GenerateKeyPair");
  return pair;
}

CK_OBJECT_HANDLE GenerateKey(Provider& provider, CK_SESSION_HANDLE session, KeySpec& spec) {
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  CheckRv(provider.fn()->C_GenerateKey(session, &spec.mechanism, spec.priv.data(), spec.priv.size(),
                                       &key),
          "C_GenerateKey");
  return key;
}

std::unique_ptr<Attrs> DataObjectTemplate(const std::string& label) {
  auto attrs = std::make_unique<Attrs>();
  attrs->Ulong(CKA_CLASS, CKO_DATA)
      .Bool(CKA_TOKEN, true)
      .Bool(CKA_PRIVATE, false)
      .Text(CKA_LABEL, label)
      .Text(CKA_APPLICATION, "arca-bench")
      .Data(CKA_VALUE, Bytes(32, 0x5a));
  return attrs;
}

}  // namespace bench
