// Raw RSA (CKM_RSA_X_509, PKCS#11 3.1 §2.1.9) and signature recovery: the zero-padded block
// a raw operation works on, X.509 signatures, and C_VerifyRecover for X.509 and PKCS#1 v1.5.
#pragma once

#include <memory>

#include "common/result.h"
#include "common/secure_buffer.h"
#include "mechanisms/operation.h"
#include "mechanisms/ossl/unique_ptr.h"

namespace p11::rsa {

// The modulus as exactly EVP_PKEY_get_size(pkey) big-endian bytes.
Result<ZBytes> ModulusBytes(const EVP_PKEY* pkey);

// `in` left-padded with zeros to the modulus length: CKR_DATA_LEN_RANGE when longer than the
// modulus, CKR_DATA_INVALID when its value is not below it (no RSA input then).
Result<SecureBuffer> RawBlock(ByteView in, ByteView modulus);

// CKM_RSA_X_509 sign (also C_SignRecover) and verify; single-part only.
Result<std::unique_ptr<SignOperation>> NewRawSignOperation(ossl::UniquePtr<EVP_PKEY> pkey);
Result<std::unique_ptr<VerifyOperation>> NewRawVerifyOperation(ossl::UniquePtr<EVP_PKEY> pkey);

// C_VerifyRecover: the whole modulus-length block for X.509 (`raw`), or the data inside a
// PKCS#1 v1.5 block type 1 signature.
Result<std::unique_ptr<RecoverOperation>> NewRecoverOperation(ossl::UniquePtr<EVP_PKEY> pkey,
                                                              bool raw);

}  // namespace p11::rsa
