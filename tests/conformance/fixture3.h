// Helpers for the issue-3 conformance tests (mechanism breadth, PKCS#11 3.0 calls): a fixture
// with a logged-in user session and the 3.0 function list, key import and derivation helpers,
// and OpenSSL cross-checks that do not depend on the module's own encodings.
#pragma once

#include <openssl/evp.h>

#include <memory>

#include "fixture.h"

namespace conformance {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

// DER OIDs / names for CKA_EC_PARAMS of the issue-3 curves.
extern const Bytes kEd25519Oid;        // 06 03 2B 65 70
extern const Bytes kEd25519Printable;  // PrintableString "edwards25519"
extern const Bytes kEd448Oid;          // 06 03 2B 65 71
extern const Bytes kX25519Oid;         // 06 03 2B 65 6E
extern const Bytes kX448Oid;           // 06 03 2B 65 6F
extern const Bytes kSecp256k1Params;   // 1.3.132.0.10
extern const Bytes kBrainpoolP256r1;   // 1.3.36.3.3.2.8.1.1.7
extern const Bytes kBrainpoolP384r1;   // 1.3.36.3.3.2.8.1.1.11
extern const Bytes kBrainpoolP512r1;   // 1.3.36.3.3.2.8.1.1.13

// OpenSSL side.
Pkey PkeyFromSpki(const Bytes& spki);
Pkey OsslKeygen(const char* type, const char* group_or_null, unsigned rsa_bits = 0);
Bytes OsslSpki(EVP_PKEY* k);
Bytes OsslRawPublic(EVP_PKEY* k);  // X25519/X448/Ed25519/Ed448 raw public key
Bytes OsslEcPoint(EVP_PKEY* k);    // EC uncompressed point 04||X||Y
Bytes OsslDerive(EVP_PKEY* priv, EVP_PKEY* peer);
// EdDSA (md NULL, one-shot DigestVerify) or hashed (md name) verification; EC signatures are
// raw r||s as PKCS#11 returns them.
bool OsslVerifyAny(EVP_PKEY* k, const char* md, const Bytes& data, const Bytes& sig);
Bytes OsslHmac(const char* md, const Bytes& key, const Bytes& data);
// AEAD ("AES-128-GCM", "ChaCha20-Poly1305", ...) decrypt; false if the tag does not verify.
bool OsslAeadDecrypt(const char* cipher, const Bytes& key, const Bytes& iv, const Bytes& aad,
                     const Bytes& ct, const Bytes& tag, Bytes* pt);
// Plain cipher (e.g. "AES-128-CTR", "ChaCha20") one-shot encryption without padding.
Bytes OsslCipher(const char* cipher, const Bytes& key, const Bytes& iv, const Bytes& in);
// The same with PKCS#7 padding (e.g. "AES-128-CBC" as CKM_AES_CBC_PAD).
Bytes OsslCipherPadded(const char* cipher, const Bytes& key, const Bytes& iv, const Bytes& in);
// RFC 5649 unwrap (AES-KWP) with OpenSSL; empty on failure.
Bytes OsslKwpUnwrap(const Bytes& kek, const Bytes& wrapped);
// OAEP with OpenSSL (md and MGF1 md the same; label may be empty).
bool OsslOaepEncrypt(EVP_PKEY* k, const char* md, const Bytes& label, const Bytes& in, Bytes* out);
bool OsslOaepDecrypt(EVP_PKEY* k, const char* md, const Bytes& label, const Bytes& in, Bytes* out);

// Fixture: token, user logged in, s_ an RW user session, f3_ the 3.0 function list.
class Mech3Test : public TokenTest {
 protected:
  void SetUp() override;

  // Readable generic secret: CKO_SECRET_KEY, CKK_GENERIC_SECRET, CKA_SENSITIVE false,
  // CKA_EXTRACTABLE true, CKA_VALUE_LEN `len` unless 0.
  static void ReadableSecretTemplate(Template* t, CK_ULONG len,
                                     CK_KEY_TYPE type = CKK_GENERIC_SECRET);
  // Derives with `t` (as given); rv of C_DeriveKey.
  CK_RV Derive(CK_MECHANISM* m, CK_OBJECT_HANDLE base, Template& t, CK_OBJECT_HANDLE* out);
  // Derives a readable generic secret of `len` bytes and reads CKA_VALUE.
  CK_RV DeriveValue(CK_MECHANISM* m, CK_OBJECT_HANDLE base, CK_ULONG len, Bytes* value);
  // Generic secret with CKA_DERIVE true (and readable).
  CK_OBJECT_HANDLE DeriveBase(const Bytes& value, Template* extra = nullptr);

  CK_RV Wrap(CK_MECHANISM* m, CK_OBJECT_HANDLE wrapping, CK_OBJECT_HANDLE key, Bytes* out);
  CK_RV Unwrap(CK_MECHANISM* m, CK_OBJECT_HANDLE unwrapping, const Bytes& wrapped, Template& t,
               CK_OBJECT_HANDLE* out);

  // Key pair generation with any mechanism; rv of C_GenerateKeyPair.
  CK_RV GenerateKeyPair(CK_MECHANISM_TYPE mech, Template& pub_t, Template& priv_t,
                        CK_OBJECT_HANDLE* pub, CK_OBJECT_HANDLE* priv);
  // Imports an OpenSSL RSA key as a token public and private key (session objects).
  void ImportRsa(EVP_PKEY* k, CK_OBJECT_HANDLE* pub, CK_OBJECT_HANDLE* priv,
                 Template* pub_extra = nullptr, Template* priv_extra = nullptr);
  // CKA_PUBLIC_KEY_INFO of a public key as an OpenSSL key (asserts non-empty by EXPECT).
  Pkey TokenPublic(CK_OBJECT_HANDLE pub);

  CK_MECHANISM_INFO MechInfo(CK_MECHANISM_TYPE mech, CK_RV* rv);

  CK_SESSION_HANDLE s_ = CK_INVALID_HANDLE;
  CK_FUNCTION_LIST_3_0* f3_ = nullptr;
};

}  // namespace conformance
