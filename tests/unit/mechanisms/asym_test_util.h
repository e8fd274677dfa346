// Test helpers for the asymmetric mechanism tests: hex, record files under tests/data/asym/,
// key objects, and running sign/verify operations through the PKCS#11 buffer protocol.
#pragma once

#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/x509.h>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "mechanisms/keys.h"
#include "mechanisms/registry.h"

namespace p11::asym_test {

using Bytes = std::vector<uint8_t>;
using Record = std::map<std::string, std::string>;

inline Bytes Hex(std::string_view hex) {
  Bytes out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

inline ByteView View(const Bytes& b) { return ByteView(b); }

template <class T>
ByteView ParamBytes(const T& param) {
  return ByteView(reinterpret_cast<const uint8_t*>(&param), sizeof param);
}

// "key = value" lines; a blank line ends a record; '#' starts a comment line.
inline std::vector<Record> ReadRecords(const std::string& name) {
  std::ifstream in(std::string(ARCA_TEST_DATA_DIR) + "/asym/" + name);
  EXPECT_TRUE(in.good()) << name;
  std::vector<Record> records;
  Record current;
  std::string line;
  auto flush = [&] {
    if (!current.empty()) records.push_back(std::move(current));
    current.clear();
  };
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      flush();
      continue;
    }
    if (line[0] == '#') continue;
    size_t eq = line.find(" = ");
    if (eq != std::string::npos) current[line.substr(0, eq)] = line.substr(eq + 3);
  }
  flush();
  return records;
}

inline Object KeyObject(CK_OBJECT_CLASS object_class, CK_KEY_TYPE key_type) {
  Object key;
  key.SetUlong(CKA_CLASS, object_class);
  key.SetUlong(CKA_KEY_TYPE, key_type);
  return key;
}

inline std::shared_ptr<const KeyMaterial> Material(const Object& key) {
  auto material = MakeKeyMaterial(key);
  EXPECT_TRUE(material.ok()) << std::hex << material.rv();
  return material.ok() ? *material : nullptr;
}

// C_Sign as an application does it: a length query, then the call.
inline Result<Bytes> Sign(const Mechanism& mechanism, ByteView param, const KeyMaterial& key,
                          ByteView data) {
  P11_ASSIGN_OR_RETURN(auto op, mechanism.BeginSign(param, key));
  CK_ULONG len = 0;
  OutBuffer query(nullptr, &len);
  Result<void> r = op->Sign(data, query);
  if (r.ok()) return Error{CKR_GENERAL_ERROR, 0, "length query consumed the operation"};
  if (r.rv() != CKR_OK) return r.error();
  Bytes sig(len);
  OutBuffer out(sig.data(), &len);
  P11_TRY(op->Sign(data, out));
  sig.resize(len);
  return sig;
}

inline Result<void> Verify(const Mechanism& mechanism, ByteView param, const KeyMaterial& key,
                           ByteView data, ByteView sig) {
  P11_ASSIGN_OR_RETURN(auto op, mechanism.BeginVerify(param, key));
  return op->Verify(data, sig);
}

inline ossl::UniquePtr<EVP_PKEY> FromSpki(ByteView der) {
  const unsigned char* p = der.data();
  return ossl::UniquePtr<EVP_PKEY>(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
}

// ECDSA signatures: PKCS#11's r‖s (each `n` bytes) and OpenSSL's DER ECDSA-Sig-Value.
inline Bytes RawToDer(const Bytes& raw) {
  size_t n = raw.size() / 2;
  ossl::UniquePtr<ECDSA_SIG> sig(ECDSA_SIG_new());
  ECDSA_SIG_set0(sig.get(), BN_bin2bn(raw.data(), static_cast<int>(n), nullptr),
                 BN_bin2bn(raw.data() + n, static_cast<int>(n), nullptr));
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig.get(), &der);
  Bytes out(der, der + (len > 0 ? len : 0));
  OPENSSL_free(der);
  return out;
}

inline Bytes DerToRaw(const Bytes& der, size_t n) {
  const unsigned char* p = der.data();
  ossl::UniquePtr<ECDSA_SIG> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  Bytes out(2 * n);
  if (!sig) return {};
  BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out.data(), static_cast<int>(n));
  BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out.data() + n, static_cast<int>(n));
  return out;
}

// A suite over the RSA mechanisms whose tests share one generated 2048-bit pair (generating
// it is the slow part): `class RsaOaepTest : public asym_test::RsaPairSuite { … };`.
class RsaPairSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    registry_ = new Registry();
    RegisterRsa(*registry_);
    pub_ = new Object(KeyObject(CKO_PUBLIC_KEY, CKK_RSA));
    priv_ = new Object(KeyObject(CKO_PRIVATE_KEY, CKK_RSA));
    pub_->SetUlong(CKA_MODULUS_BITS, 2048);
    ASSERT_TRUE(Mech(CKM_RSA_PKCS_KEY_PAIR_GEN).GenerateKeyPair({}, *pub_, *priv_).ok());
  }
  static void TearDownTestSuite() {
    delete registry_;
    delete pub_;
    delete priv_;
    registry_ = nullptr;
    pub_ = priv_ = nullptr;
  }

  static const Mechanism& Mech(CK_MECHANISM_TYPE type) {
    const Mechanism* m = registry_->Find(type);
    EXPECT_NE(m, nullptr) << std::hex << type;
    return *m;
  }

  static inline Registry* registry_ = nullptr;
  static inline Object* pub_ = nullptr;
  static inline Object* priv_ = nullptr;
};

}  // namespace p11::asym_test
