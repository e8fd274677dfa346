// libgcrypt speaks S-expressions: a key, the data with its flags ("prehash"), the context as
// a "label", and a signature as the pair (r, s). The private key travels in libgcrypt's
// secure memory, which it wipes when the expression is released.
#include "mechanisms/eddsa_prefixed.h"

#include <gcrypt.h>
#include <openssl/crypto.h>

#include <cstring>
#include <memory>
#include <mutex>

#include "mechanisms/ossl/error.h"

namespace p11::eddsa {
namespace {

struct SexpRelease {
  void operator()(gcry_sexp* sexp) const { gcry_sexp_release(sexp); }
};
using Sexp = std::unique_ptr<gcry_sexp, SexpRelease>;

// The private key's bytes in libgcrypt's secure memory, so that the expression built from
// them is secure too and wiped on release. Wiped here as well: an application that turned
// libgcrypt's secure memory off gets ordinary memory, which gcry_free does not wipe.
class SecureSeed {
 public:
  explicit SecureSeed(size_t len)
      : len_(len), bytes_(static_cast<unsigned char*>(gcry_malloc_secure(len))) {}
  ~SecureSeed() {
    if (bytes_ == nullptr) return;
    OPENSSL_cleanse(bytes_, len_);
    gcry_free(bytes_);
  }
  SecureSeed(const SecureSeed&) = delete;
  SecureSeed& operator=(const SecureSeed&) = delete;
  unsigned char* data() const { return bytes_; }

 private:
  size_t len_;
  unsigned char* bytes_;
};

// The application may use libgcrypt itself and own its initialisation; gcry_check_version is
// the one call a library is asked to make, and it is safe to repeat.
void EnsureLibgcrypt() {
  static std::once_flag once;
  std::call_once(once, [] { gcry_check_version(nullptr); });
}

struct CurveNames {
  const char* curve;
  const char* hash;  // the hash of the instance: SHA-512 or SHAKE256 with 64-byte output
};

CurveNames NamesOf(const asym::RawCurve& curve) {
  return curve.bits == 448 ? CurveNames{"Ed448", "shake256"} : CurveNames{"Ed25519", "sha512"};
}

Result<Sexp> PrivateKeySexp(const EVP_PKEY* pkey, const asym::RawCurve& curve) {
  size_t len = 0;
  if (EVP_PKEY_get_raw_private_key(pkey, nullptr, &len) != 1 || len != curve.private_bytes) {
    return Fail(CKR_KEY_TYPE_INCONSISTENT, "EdDSA private key");
  }
  SecureSeed seed(len);
  unsigned char* bytes = seed.data();
  if (bytes == nullptr) return Fail(CKR_HOST_MEMORY, "secure memory");
  if (EVP_PKEY_get_raw_private_key(pkey, bytes, &len) != 1) {
    return ossl::ToError(CKR_FUNCTION_FAILED, "EdDSA private key");
  }
  gcry_sexp_t sexp = nullptr;
  gcry_error_t err =
      gcry_sexp_build(&sexp, nullptr, "(private-key (ecc (curve %s) (flags eddsa) (d %b)))",
                      NamesOf(curve).curve, static_cast<int>(len), bytes);
  if (err != 0) return Fail(CKR_HOST_MEMORY, "libgcrypt key");
  return Sexp(sexp);
}

Result<Sexp> PublicKeySexp(const EVP_PKEY* pkey, const asym::RawCurve& curve) {
  std::vector<uint8_t> point(curve.public_bytes);
  size_t len = point.size();
  if (EVP_PKEY_get_raw_public_key(pkey, point.data(), &len) != 1 || len != point.size()) {
    return Fail(CKR_KEY_TYPE_INCONSISTENT, "EdDSA public key");
  }
  gcry_sexp_t sexp = nullptr;
  gcry_error_t err =
      gcry_sexp_build(&sexp, nullptr, "(public-key (ecc (curve %s) (flags eddsa) (q %b)))",
                      NamesOf(curve).curve, static_cast<int>(len), point.data());
  if (err != 0) return Fail(CKR_HOST_MEMORY, "libgcrypt key");
  return Sexp(sexp);
}

// The data expression. libgcrypt treats an empty label as no label, which is why an empty
// context is only accepted where it means the same thing (Ed25519ph, Ed448, Ed448ph).
Result<Sexp> DataSexp(const asym::RawCurve& curve, const Instance& instance, ByteView message) {
  const char* hash = NamesOf(curve).hash;
  // %b with a null pointer is refused even at length 0.
  static const uint8_t kNothing = 0;
  const void* msg = message.empty() ? &kNothing : message.data();
  int msg_len = static_cast<int>(message.size());
  gcry_sexp_t sexp = nullptr;
  gcry_error_t err;
  if (instance.context.empty()) {
    err =
        gcry_sexp_build(&sexp, nullptr,
                        instance.prehash ? "(data (flags eddsa prehash) (hash-algo %s) (value %b))"
                                         : "(data (flags eddsa) (hash-algo %s) (value %b))",
                        hash, msg_len, msg);
  } else {
    err = gcry_sexp_build(
        &sexp, nullptr,
        instance.prehash ? "(data (flags eddsa prehash) (hash-algo %s) (label %b) (value %b))"
                         : "(data (flags eddsa) (hash-algo %s) (label %b) (value %b))",
        hash, static_cast<int>(instance.context.size()), instance.context.data(), msg_len, msg);
  }
  if (err != 0) return Fail(CKR_HOST_MEMORY, "libgcrypt data");
  return Sexp(sexp);
}

// Copies the named half of a signature (r or s) into `out`, which must fit it exactly.
bool TakeHalf(gcry_sexp_t signature, const char* name, std::span<uint8_t> out) {
  Sexp token(gcry_sexp_find_token(signature, name, 0));
  if (!token) return false;
  size_t len = 0;
  const char* data = gcry_sexp_nth_data(token.get(), 1, &len);
  if (data == nullptr || len != out.size()) return false;
  std::memcpy(out.data(), data, len);
  return true;
}

}  // namespace

Result<void> SignPrefixed(const EVP_PKEY* pkey, const asym::RawCurve& curve,
                          const Instance& instance, ByteView message, std::span<uint8_t> out) {
  EnsureLibgcrypt();
  if (out.size() != curve.signature_bytes) return Fail(CKR_GENERAL_ERROR, "signature size");
  P11_ASSIGN_OR_RETURN(Sexp key, PrivateKeySexp(pkey, curve));
  P11_ASSIGN_OR_RETURN(Sexp data, DataSexp(curve, instance, message));
  gcry_sexp_t signature = nullptr;
  if (gcry_pk_sign(&signature, data.get(), key.get()) != 0) {
    return Fail(CKR_FUNCTION_FAILED, "libgcrypt EdDSA sign");
  }
  Sexp owned(signature);
  size_t half = curve.signature_bytes / 2;
  if (!TakeHalf(signature, "r", out.first(half)) || !TakeHalf(signature, "s", out.last(half))) {
    return Fail(CKR_FUNCTION_FAILED, "libgcrypt EdDSA signature shape");
  }
  return Ok();
}

Result<void> VerifyPrefixed(const EVP_PKEY* pkey, const asym::RawCurve& curve,
                            const Instance& instance, ByteView message, ByteView signature) {
  EnsureLibgcrypt();
  if (signature.size() != curve.signature_bytes) {
    return Fail(CKR_SIGNATURE_LEN_RANGE, "EdDSA signature length");
  }
  P11_ASSIGN_OR_RETURN(Sexp key, PublicKeySexp(pkey, curve));
  P11_ASSIGN_OR_RETURN(Sexp data, DataSexp(curve, instance, message));
  int half = static_cast<int>(curve.signature_bytes / 2);
  gcry_sexp_t sig = nullptr;
  if (gcry_sexp_build(&sig, nullptr, "(sig-val (eddsa (r %b) (s %b)))", half, signature.data(),
                      half, signature.data() + half) != 0) {
    return Fail(CKR_HOST_MEMORY, "libgcrypt signature");
  }
  Sexp owned(sig);
  // Every refusal is an invalid signature: a malformed R or an S out of range included.
  if (gcry_pk_verify(sig, data.get(), key.get()) != 0) {
    return Fail(CKR_SIGNATURE_INVALID, "EdDSA verify");
  }
  return Ok();
}

}  // namespace p11::eddsa
