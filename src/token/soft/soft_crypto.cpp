#include "token/soft/soft_crypto.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include "mechanisms/ossl/error.h"
#include "mechanisms/ossl/unique_ptr.h"

namespace p11::soft {
namespace {

char kSha256Name[] = "SHA256";

int Len(size_t n) { return static_cast<int>(n); }

// Runs the EVP_KDF `name` with `params` into kKeyLen fresh secret bytes.
Result<SecureBuffer> DeriveKey(const char* name, const OSSL_PARAM* params) {
  ossl::UniquePtr<EVP_KDF> kdf(EVP_KDF_fetch(nullptr, name, nullptr));
  if (!kdf) return ossl::ToError(CKR_GENERAL_ERROR, "kdf fetch");
  ossl::UniquePtr<EVP_KDF_CTX> ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) return ossl::ToError(CKR_HOST_MEMORY, "kdf ctx");
  SecureBuffer out(kKeyLen);
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
    return ossl::ToError(CKR_GENERAL_ERROR, "kdf derive");
  }
  return out;
}

OSSL_PARAM OctetParam(const char* key, ByteView bytes) {
  return OSSL_PARAM_construct_octet_string(key, const_cast<uint8_t*>(bytes.data()), bytes.size());
}

}  // namespace

void HexInto(ByteView bytes, std::span<uint8_t> out) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  for (size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = static_cast<uint8_t>(kDigits[bytes[i] >> 4]);
    out[2 * i + 1] = static_cast<uint8_t>(kDigits[bytes[i] & 0xf]);
  }
}

std::string Hex(ByteView bytes) {
  std::string out(bytes.size() * 2, '\0');
  HexInto(bytes, std::span<uint8_t>(reinterpret_cast<uint8_t*>(out.data()), out.size()));
  return out;
}

Result<std::vector<uint8_t>> RandomBytes(size_t count) {
  std::vector<uint8_t> out(count);
  if (count != 0 && RAND_bytes(out.data(), Len(count)) != 1) {
    return ossl::ToError(CKR_FUNCTION_FAILED, "RAND_bytes");
  }
  return out;
}

Result<SecureBuffer> RandomSecret(size_t count) {
  SecureBuffer out(count);
  if (count != 0 && RAND_priv_bytes(out.data(), Len(count)) != 1) {
    return ossl::ToError(CKR_FUNCTION_FAILED, "RAND_priv_bytes");
  }
  return out;
}

Result<std::vector<uint8_t>> GcmSeal(const SecureBuffer& key, ByteView aad, ByteView plaintext) {
  if (key.size() != kKeyLen) return Fail(CKR_GENERAL_ERROR, "seal key");
  P11_ASSIGN_OR_RETURN(std::vector<uint8_t> out, RandomBytes(kGcmIvLen));
  out.resize(kGcmIvLen + plaintext.size() + kGcmTagLen);
  ossl::UniquePtr<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return ossl::ToError(CKR_HOST_MEMORY, "seal ctx");
  int len = 0;
  uint8_t* body = out.data() + kGcmIvLen;
  bool ok = EVP_EncryptInit_ex2(ctx.get(), EVP_aes_256_gcm(), key.data(), out.data(), nullptr) &&
            EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(), Len(aad.size())) &&
            EVP_EncryptUpdate(ctx.get(), body, &len, plaintext.data(), Len(plaintext.size())) &&
            EVP_EncryptFinal_ex(ctx.get(), body + len, &len) &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, Len(kGcmTagLen),
                                body + plaintext.size());
  if (!ok) return ossl::ToError(CKR_GENERAL_ERROR, "seal");
  return out;
}

Result<SecureBuffer> GcmOpen(const SecureBuffer& key, ByteView aad, ByteView sealed) {
  if (key.size() != kKeyLen) return Fail(CKR_GENERAL_ERROR, "open key");
  if (sealed.size() < kGcmIvLen + kGcmTagLen) return Fail(CKR_ENCRYPTED_DATA_INVALID, "sealed");
  size_t body_len = sealed.size() - kGcmIvLen - kGcmTagLen;
  ByteView body = sealed.subspan(kGcmIvLen, body_len);
  ZBytes tag(sealed.end() - kGcmTagLen, sealed.end());
  ossl::UniquePtr<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return ossl::ToError(CKR_HOST_MEMORY, "open ctx");
  SecureBuffer out(body_len + 1);  // +1: EVP wants a non-null output even for empty values
  int len = 0;
  bool ok = EVP_DecryptInit_ex2(ctx.get(), EVP_aes_256_gcm(), key.data(), sealed.data(), nullptr) &&
            EVP_DecryptUpdate(ctx.get(), nullptr, &len, aad.data(), Len(aad.size())) &&
            EVP_DecryptUpdate(ctx.get(), out.data(), &len, body.data(), Len(body.size())) &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, Len(kGcmTagLen), tag.data());
  if (!ok) return ossl::ToError(CKR_GENERAL_ERROR, "open");
  if (EVP_DecryptFinal_ex(ctx.get(), out.data() + len, &len) != 1) {
    ossl::ToError(CKR_ENCRYPTED_DATA_INVALID, "open tag");  // drains the queue
    return Fail(CKR_ENCRYPTED_DATA_INVALID, "sealed value does not authenticate");
  }
  out.resize(body_len);
  return out;
}

Result<SecureBuffer> Hkdf(const SecureBuffer& ikm, ByteView salt, std::string_view info) {
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, kSha256Name, 0),
      OctetParam(OSSL_KDF_PARAM_KEY, ikm.view()),
      OctetParam(OSSL_KDF_PARAM_SALT, salt),
      OctetParam(OSSL_KDF_PARAM_INFO, AsBytes(info)),
      OSSL_PARAM_construct_end(),
  };
  return DeriveKey("HKDF", params);
}

Result<SecureBuffer> Pbkdf2(SecretView pin, ByteView salt, unsigned iterations) {
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, kSha256Name, 0),
      OctetParam(OSSL_KDF_PARAM_PASSWORD, pin.bytes),
      OctetParam(OSSL_KDF_PARAM_SALT, salt),
      OSSL_PARAM_construct_uint(OSSL_KDF_PARAM_ITER, &iterations),
      OSSL_PARAM_construct_end(),
  };
  return DeriveKey("PBKDF2", params);
}

Result<Digest> HmacSha256(const SecureBuffer& key, ByteView data) {
  ossl::UniquePtr<EVP_MAC> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (!mac) return ossl::ToError(CKR_GENERAL_ERROR, "hmac fetch");
  ossl::UniquePtr<EVP_MAC_CTX> ctx(EVP_MAC_CTX_new(mac.get()));
  if (!ctx) return ossl::ToError(CKR_HOST_MEMORY, "hmac ctx");
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, kSha256Name, 0),
      OSSL_PARAM_construct_end(),
  };
  Digest out{};
  size_t len = 0;
  if (EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1 ||
      EVP_MAC_update(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_MAC_final(ctx.get(), out.data(), &len, out.size()) != 1 || len != out.size()) {
    return ossl::ToError(CKR_GENERAL_ERROR, "hmac");
  }
  return out;
}

Result<Digest> Sha256(ByteView data) {
  Digest out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1) {
    return ossl::ToError(CKR_GENERAL_ERROR, "sha256");
  }
  return out;
}

}  // namespace p11::soft
