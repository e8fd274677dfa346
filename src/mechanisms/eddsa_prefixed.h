// RFC 8032's EdDSA instances that put a domain prefix (dom2 for Ed25519, dom4 for Ed448) in
// front of what they hash: Ed25519ctx, Ed25519ph, Ed448 with a context, and Ed448ph.
//
// Debian 12's OpenSSL 3.0 signs only pure Ed25519 and Ed448 (its "instance" signature
// parameter came with 3.2), so these go through libgcrypt, which implements every RFC 8032
// instance. Pure EdDSA stays on OpenSSL.
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <span>
#include <vector>

#include "common/result.h"
#include "common/secure_buffer.h"
#include "mechanisms/asym_util.h"

namespace p11::eddsa {

// Which instance a CK_EDDSA_PARAMS names, for a given curve.
struct Instance {
  bool prehash = false;          // Ed25519ph / Ed448ph: the message is hashed first
  std::vector<uint8_t> context;  // 0..255 bytes, signed into the prefix
};

// Signs `message` as `instance` with the Edwards private key `pkey` of `curve`; `out` holds
// exactly curve.signature_bytes.
Result<void> SignPrefixed(const EVP_PKEY* pkey, const asym::RawCurve& curve,
                          const Instance& instance, ByteView message, std::span<uint8_t> out);

// CKR_OK when `signature` is `instance`'s signature of `message` under the Edwards key
// `pkey` (public or private), else CKR_SIGNATURE_INVALID.
Result<void> VerifyPrefixed(const EVP_PKEY* pkey, const asym::RawCurve& curve,
                            const Instance& instance, ByteView message, ByteView signature);

}  // namespace p11::eddsa
