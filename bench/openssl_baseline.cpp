#include "openssl_baseline.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <memory>
#include <vector>

#include "loop.h"
#include "provider.h"

namespace bench {
namespace {

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, Deleter<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, Deleter<EVP_MAC_CTX, EVP_MAC_CTX_free>>;

constexpr CK_RV kFailed = CKR_FUNCTION_FAILED;

std::shared_ptr<EVP_PKEY> MakeKey(SignKind kind) {
  EVP_PKEY* key = nullptr;
  switch (kind) {
    case SignKind::kEcdsaHash32:
    case SignKind::kEcdsaSha256:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      break;
    case SignKind::kRsaPkcs1Sha256:
    case SignKind::kRsaPssSha256:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048});
      break;
    case SignKind::kEd25519:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
  }
  if (key == nullptr) throw BenchError("OpenSSL key generation failed");
  return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

const char* DigestOf(SignKind kind) {
  return kind == SignKind::kEcdsaHash32 || kind == SignKind::kEd25519 ? nullptr : "SHA256";
}

// One signature with a fresh context, as C_SignInit + C_Sign does; *sig_len in/out.
bool SignOnce(EVP_PKEY* key, SignKind kind, const Bytes& input, uint8_t* sig, size_t* sig_len) {
  if (kind == SignKind::kEcdsaHash32) {
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
    return ctx && EVP_PKEY_sign_init(ctx.get()) == 1 &&
           EVP_PKEY_sign(ctx.get(), sig, sig_len, input.data(), input.size()) == 1;
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestSignInit_ex(ctx.get(), &pctx, DigestOf(kind), nullptr, nullptr, key,
                                    nullptr) != 1) {
    return false;
  }
  if (kind == SignKind::kRsaPssSha256 &&
      (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) {
    return false;
  }
  return EVP_DigestSign(ctx.get(), sig, sig_len, input.data(), input.size()) == 1;
}

bool VerifyOnce(EVP_PKEY* key, SignKind kind, const Bytes& input, const Bytes& sig) {
  if (kind == SignKind::kEcdsaHash32) {
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
    return ctx && EVP_PKEY_verify_init(ctx.get()) == 1 &&
           EVP_PKEY_verify(ctx.get(), sig.data(), sig.size(), input.data(), input.size()) == 1;
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  return ctx &&
         EVP_DigestVerifyInit_ex(ctx.get(), nullptr, DigestOf(kind), nullptr, nullptr, key,
                                 nullptr) == 1 &&
         EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), input.data(), input.size()) == 1;
}

Bytes InputFor(SignKind kind) {
  return Bytes(kind == SignKind::kEcdsaHash32 ? kHashLen : kMessageLen, 0xa5);
}

}  // namespace

Prepared OpensslKeygen(KeyKind kind, bool read_point) {
  if (kind == KeyKind::kAes256) {
    // OpenSSL has no key object for AES: generating the key is drawing 32 private bytes.
    return {Loop([](int) {
      uint8_t key[32];
      return RAND_priv_bytes(key, sizeof key) == 1 ? CKR_OK : kFailed;
    })};
  }
  const char* name = kind == KeyKind::kEcP256    ? "EC"
                     : kind == KeyKind::kRsa2048 ? "RSA"
                                                 : "ED25519";
  std::shared_ptr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, name, nullptr),
                                    EVP_PKEY_CTX_free);
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1) throw BenchError("EVP_PKEY_keygen_init");
  if (kind == KeyKind::kEcP256 && EVP_PKEY_CTX_set_group_name(ctx.get(), "P-256") != 1) {
    throw BenchError("EVP_PKEY_CTX_set_group_name");
  }
  if (kind == KeyKind::kRsa2048 && EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), 2048) != 1) {
    throw BenchError("EVP_PKEY_CTX_set_rsa_keygen_bits");
  }
  return {Loop([ctx, read_point](int) {
    EVP_PKEY* key = nullptr;
    int ok = EVP_PKEY_generate(ctx.get(), &key);
    if (ok == 1 && read_point) {
      uint8_t point[65];
      size_t point_len = 0;
      ok = EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point,
                                           &point_len);
    }
    EVP_PKEY_free(key);
    return ok == 1 ? CKR_OK : kFailed;
  })};
}

Prepared OpensslSign(SignKind kind, int threads) {
  std::shared_ptr<EVP_PKEY> key = MakeKey(kind);
  auto input = std::make_shared<Bytes>(InputFor(kind));
  auto sigs = std::make_shared<std::vector<Bytes>>(threads, Bytes(512));
  return {Loop([key, kind, input, sigs](int thread) {
    Bytes& sig = (*sigs)[thread];
    size_t sig_len = sig.size();
    return SignOnce(key.get(), kind, *input, sig.data(), &sig_len) ? CKR_OK : kFailed;
  })};
}

Prepared OpensslVerify(SignKind kind) {
  std::shared_ptr<EVP_PKEY> key = MakeKey(kind);
  auto input = std::make_shared<Bytes>(InputFor(kind));
  auto sig = std::make_shared<Bytes>(512);
  size_t sig_len = sig->size();
  if (!SignOnce(key.get(), kind, *input, sig->data(), &sig_len)) throw BenchError("sign");
  sig->resize(sig_len);
  return {Loop([key, kind, input, sig](int) {
    return VerifyOnce(key.get(), kind, *input, *sig) ? CKR_OK : CKR_SIGNATURE_INVALID;
  })};
}

Prepared OpensslEncrypt(CipherKind kind, int threads) {
  const bool gcm = kind == CipherKind::kAes256Gcm;
  std::shared_ptr<EVP_CIPHER> cipher(
      EVP_CIPHER_fetch(nullptr, gcm ? "AES-256-GCM" : "AES-256-CBC", nullptr), EVP_CIPHER_free);
  if (!cipher) throw BenchError("EVP_CIPHER_fetch");
  auto input = std::make_shared<Bytes>(kBulkLen, 0x3c);
  auto outputs = std::make_shared<std::vector<Bytes>>(threads, Bytes(kBulkLen + 32));
  auto body = [cipher, gcm, input, outputs](int thread) {
    static const uint8_t kKey[32] = {1, 2, 3};
    static const uint8_t kIv[16] = {4, 5, 6};
    uint8_t* out = (*outputs)[thread].data();
    CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    int final_len = 0;
    uint8_t tag[16];
    bool ok = ctx && EVP_EncryptInit_ex2(ctx.get(), cipher.get(), kKey, kIv, nullptr) == 1 &&
              EVP_CIPHER_CTX_set_padding(ctx.get(), 0) == 1 &&
              EVP_EncryptUpdate(ctx.get(), out, &len, input->data(),
                                static_cast<int>(input->size())) == 1 &&
              EVP_EncryptFinal_ex(ctx.get(), out + len, &final_len) == 1 &&
              (!gcm || EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, 16, tag) == 1);
    return ok ? CKR_OK : kFailed;
  };
  return {Loop(body, static_cast<int64_t>(kBulkLen))};
}

Prepared OpensslSha256() {
  std::shared_ptr<EVP_MD> md(EVP_MD_fetch(nullptr, "SHA256", nullptr), EVP_MD_free);
  if (!md) throw BenchError("EVP_MD_fetch");
  auto input = std::make_shared<Bytes>(kBulkLen, 0x3c);
  auto body = [md, input](int) {
    uint8_t out[EVP_MAX_MD_SIZE];
    unsigned int out_len = 0;
    return EVP_Digest(input->data(), input->size(), out, &out_len, md.get(), nullptr) == 1
               ? CKR_OK
               : kFailed;
  };
  return {Loop(body, static_cast<int64_t>(kBulkLen))};
}

Prepared OpensslHmacSha256() {
  std::shared_ptr<EVP_MAC> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr), EVP_MAC_free);
  if (!mac) throw BenchError("EVP_MAC_fetch");
  auto input = std::make_shared<Bytes>(kMessageLen, 0x3c);
  return {Loop([mac, input](int) {
    static const uint8_t kKey[32] = {7, 8, 9};
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                 OSSL_PARAM_END};
    MacCtxPtr ctx(EVP_MAC_CTX_new(mac.get()));
    uint8_t out[EVP_MAX_MD_SIZE];
    size_t out_len = 0;
    bool ok = ctx && EVP_MAC_init(ctx.get(), kKey, sizeof kKey, params) == 1 &&
              EVP_MAC_update(ctx.get(), input->data(), input->size()) == 1 &&
              EVP_MAC_final(ctx.get(), out, &out_len, sizeof out) == 1;
    return ok ? CKR_OK : kFailed;
  })};
}

Prepared OpensslRandom() {
  return {Loop([](int) {
    uint8_t out[kRandomLen];
    return RAND_bytes(out, sizeof out) == 1 ? CKR_OK : kFailed;
  })};
}

}  // namespace bench
