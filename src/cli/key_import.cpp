// PlanImport: OpenSSL decoding of keys and certificates into PKCS#11 templates.
#include "cli/key_import.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "cli/cli_error.h"
#include "mechanisms/ossl/unique_ptr.h"

namespace p11::cli {
namespace {

SecureBuffer ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Fail(kExitIo, "cannot read " + path);
  SecureBuffer data;
  char chunk[4096];
  while (in.read(chunk, sizeof(chunk)) || in.gcount() > 0) {
    data.Append(ByteView(reinterpret_cast<const uint8_t*>(chunk), in.gcount()));
  }
  OPENSSL_cleanse(chunk, sizeof(chunk));
  if (in.bad()) Fail(kExitIo, "cannot read " + path);
  return data;
}

bool Contains(ByteView data, std::string_view needle) {
  std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  return text.find(needle) != std::string_view::npos;
}

// Encrypted keys are refused rather than prompted for: OpenSSL's default callback would read
// the passphrase from stdin behind the tool's back.
int RefusePassphrase(char*, int, int, void*) { return -1; }

ossl::UniquePtr<BIO> MemoryBio(ByteView data) {
  return ossl::Own(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

ossl::UniquePtr<X509> ParseCertificate(ByteView data, bool pem) {
  if (pem) return ossl::Own(PEM_read_bio_X509(MemoryBio(data).get(), nullptr, nullptr, nullptr));
  const unsigned char* p = data.data();
  return ossl::Own(d2i_X509(nullptr, &p, static_cast<long>(data.size())));
}

ossl::UniquePtr<EVP_PKEY> ParsePrivateKey(ByteView data, bool pem) {
  if (pem) {
    return ossl::Own(
        PEM_read_bio_PrivateKey(MemoryBio(data).get(), nullptr, RefusePassphrase, nullptr));
  }
  const unsigned char* p = data.data();
  return ossl::Own(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(data.size())));
}

// DER from an i2d-style encoder called twice (length, then bytes).
template <class Encode>
ZBytes Der(Encode&& encode, const char* what) {
  int len = encode(nullptr);
  if (len <= 0) Fail(kExitIo, std::string("cannot encode ") + what);
  ZBytes out(static_cast<size_t>(len));
  unsigned char* p = out.data();
  encode(&p);
  return out;
}

std::vector<uint8_t> Sha1(ByteView data) {
  std::vector<uint8_t> md(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_sha1(), nullptr) != 1) {
    Fail(kExitIo, "cannot hash the public key");
  }
  md.resize(len);
  return md;
}

std::vector<uint8_t> PublicKeyId(const EVP_PKEY* key) {
  ZBytes spki = Der([&](unsigned char** p) { return i2d_PUBKEY(key, p); }, "the public key");
  return Sha1(spki);
}

// A BIGNUM parameter of `key` as big-endian bytes, left-padded to `width` when non-zero.
ZBytes BnParam(const EVP_PKEY* key, const char* name, size_t width = 0) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
    Fail(kExitIo, std::string("the key has no ") + name);
  }
  ossl::UniquePtr<BIGNUM> bn = ossl::Own(raw);  // BN_clear_free wipes it
  size_t size = width != 0 ? width : static_cast<size_t>(BN_num_bytes(bn.get()));
  ZBytes out(size);
  if (BN_bn2binpad(bn.get(), out.data(), static_cast<int>(size)) < 0) {
    Fail(kExitIo, std::string("the key's ") + name + " does not fit");
  }
  return out;
}

void AddCommon(AttributeList& t, CK_OBJECT_CLASS cls, const ImportPlan& plan) {
  t.AddUlong(CKA_CLASS, cls);
  t.AddBool(CKA_TOKEN, true);
  t.AddBytes(CKA_ID, plan.id);
  t.AddString(CKA_LABEL, plan.label);
}

void AddKeyPairHeads(ImportPlan& plan, CK_KEY_TYPE type, bool can_encrypt) {
  AttributeList priv;
  AddCommon(priv, CKO_PRIVATE_KEY, plan);
  priv.AddUlong(CKA_KEY_TYPE, type);
  priv.AddBool(CKA_PRIVATE, true);
  priv.AddBool(CKA_SENSITIVE, true);
  priv.AddBool(CKA_SIGN, true);
  if (can_encrypt) priv.AddBool(CKA_DECRYPT, true);
  AttributeList pub;
  AddCommon(pub, CKO_PUBLIC_KEY, plan);
  pub.AddUlong(CKA_KEY_TYPE, type);
  pub.AddBool(CKA_PRIVATE, false);
  pub.AddBool(CKA_VERIFY, true);
  if (can_encrypt) pub.AddBool(CKA_ENCRYPT, true);
  plan.objects.push_back(std::move(priv));
  plan.objects.push_back(std::move(pub));
}

void PlanRsa(ImportPlan& plan, const EVP_PKEY* key) {
  AddKeyPairHeads(plan, CKK_RSA, true);
  AttributeList& priv = plan.objects[0];
  AttributeList& pub = plan.objects[1];
  ZBytes n = BnParam(key, OSSL_PKEY_PARAM_RSA_N);
  ZBytes e = BnParam(key, OSSL_PKEY_PARAM_RSA_E);
  for (AttributeList* t : {&priv, &pub}) {
    t->AddBytes(CKA_MODULUS, n);
    t->AddBytes(CKA_PUBLIC_EXPONENT, e);
  }
  priv.AddBytes(CKA_PRIVATE_EXPONENT, BnParam(key, OSSL_PKEY_PARAM_RSA_D));
  priv.AddBytes(CKA_PRIME_1, BnParam(key, OSSL_PKEY_PARAM_RSA_FACTOR1));
  priv.AddBytes(CKA_PRIME_2, BnParam(key, OSSL_PKEY_PARAM_RSA_FACTOR2));
  priv.AddBytes(CKA_EXPONENT_1, BnParam(key, OSSL_PKEY_PARAM_RSA_EXPONENT1));
  priv.AddBytes(CKA_EXPONENT_2, BnParam(key, OSSL_PKEY_PARAM_RSA_EXPONENT2));
  priv.AddBytes(CKA_COEFFICIENT, BnParam(key, OSSL_PKEY_PARAM_RSA_COEFFICIENT1));
  plan.description = "RSA-" + std::to_string(EVP_PKEY_get_bits(key)) + " private key";
}

// CKA_EC_PARAMS: the named curve's OID, DER-encoded.
ZBytes CurveOid(const std::string& group) {
  ossl::UniquePtr<ASN1_OBJECT> oid = ossl::Own(OBJ_txt2obj(group.c_str(), 0));
  if (!oid) Fail(kExitUsage, "unsupported EC curve " + group);
  return Der([&](unsigned char** p) { return i2d_ASN1_OBJECT(oid.get(), p); }, "the curve OID");
}

// CKA_EC_POINT: the encoded point wrapped in a DER OCTET STRING, as consumers expect.
ZBytes EcPoint(const EVP_PKEY* key) {
  size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, nullptr, 0, &len) != 1) {
    Fail(kExitIo, "the EC key has no public point");
  }
  std::vector<uint8_t> point(len);
  EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point.data(), len, &len);
  ossl::UniquePtr<ASN1_OCTET_STRING> os = ossl::Own(ASN1_OCTET_STRING_new());
  if (!os || ASN1_OCTET_STRING_set(os.get(), point.data(), static_cast<int>(len)) != 1) {
    Fail(kExitIo, "cannot encode the EC point");
  }
  return Der([&](unsigned char** p) { return i2d_ASN1_OCTET_STRING(os.get(), p); }, "EC point");
}

void PlanEc(ImportPlan& plan, const EVP_PKEY* key) {
  char group[80] = {};
  size_t group_len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                     &group_len) != 1) {
    Fail(kExitUsage, "only EC keys on a named curve can be imported");
  }
  ZBytes params = CurveOid(group);
  ZBytes order = BnParam(key, OSSL_PKEY_PARAM_EC_ORDER);
  AddKeyPairHeads(plan, CKK_EC, false);
  AttributeList& priv = plan.objects[0];
  AttributeList& pub = plan.objects[1];
  priv.AddBytes(CKA_EC_PARAMS, params);
  priv.AddBytes(CKA_VALUE, BnParam(key, OSSL_PKEY_PARAM_PRIV_KEY, order.size()));
  pub.AddBytes(CKA_EC_PARAMS, params);
  pub.AddBytes(CKA_EC_POINT, EcPoint(key));
  plan.description = std::string("EC private key (") + group + ")";
}

void PlanKey(ImportPlan& plan, const ImportRequest& request, const EVP_PKEY* key) {
  plan.id = request.id.value_or(PublicKeyId(key));
  if (EVP_PKEY_is_a(key, "RSA")) {
    PlanRsa(plan, key);
  } else if (EVP_PKEY_is_a(key, "EC")) {
    PlanEc(plan, key);
  } else {
    Fail(kExitUsage, std::string("unsupported key type ") + EVP_PKEY_get0_type_name(key) +
                         " (RSA and EC keys can be imported)");
  }
}

void PlanCertificate(ImportPlan& plan, const ImportRequest& request, X509* cert) {
  ZBytes value = Der([&](unsigned char** p) { return i2d_X509(cert, p); }, "the certificate");
  const EVP_PKEY* pub = X509_get0_pubkey(cert);
  plan.id = request.id ? *request.id : pub != nullptr ? PublicKeyId(pub) : Sha1(value);
  AttributeList t;
  AddCommon(t, CKO_CERTIFICATE, plan);
  t.AddUlong(CKA_CERTIFICATE_TYPE, CKC_X_509);
  t.AddBool(CKA_PRIVATE, false);
  t.AddBytes(CKA_SUBJECT,
             Der([&](unsigned char** p) { return i2d_X509_NAME(X509_get_subject_name(cert), p); },
                 "the subject"));
  t.AddBytes(CKA_ISSUER,
             Der([&](unsigned char** p) { return i2d_X509_NAME(X509_get_issuer_name(cert), p); },
                 "the issuer"));
  t.AddBytes(
      CKA_SERIAL_NUMBER,
      Der([&](unsigned char** p) { return i2d_ASN1_INTEGER(X509_get0_serialNumber(cert), p); },
          "the serial number"));
  t.AddBytes(CKA_VALUE, value);
  plan.objects.push_back(std::move(t));
  plan.description = "X.509 certificate";
}

}  // namespace

ImportPlan PlanImport(const ImportRequest& request) {
  SecureBuffer data = ReadWholeFile(request.path);
  bool pem = Contains(data.view(), "-----BEGIN ");
  ImportPlan plan;
  plan.label = request.label.value_or(std::filesystem::path(request.path).stem().string());
  if (request.kind != ImportKind::kKey) {
    if (ossl::UniquePtr<X509> cert = ParseCertificate(data.view(), pem)) {
      PlanCertificate(plan, request, cert.get());
      return plan;
    }
    ERR_clear_error();
  }
  if (request.kind != ImportKind::kCert) {
    if (ossl::UniquePtr<EVP_PKEY> key = ParsePrivateKey(data.view(), pem)) {
      PlanKey(plan, request, key.get());
      return plan;
    }
    ERR_clear_error();
  }
  if (pem && Contains(data.view(), "ENCRYPTED")) {
    Fail(kExitIo, request.path +
                      ": encrypted private keys are not supported "
                      "(decrypt it with 'openssl pkey' first)");
  }
  const char* wanted = request.kind == ImportKind::kKey    ? "a private key"
                       : request.kind == ImportKind::kCert ? "an X.509 certificate"
                                                           : "a private key or X.509 certificate";
  Fail(kExitIo, request.path + ": not " + wanted + " in PEM or DER");
}

}  // namespace p11::cli
