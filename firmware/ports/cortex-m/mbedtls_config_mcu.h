// mbedTLS 2.28 configuration for the Arca firmware on a Cortex-M (MBEDTLS_CONFIG_FILE for the
// MCU build only; the host links Debian's libmbedcrypto with its stock config). It enables
// exactly what firmware/workers calls and nothing of TLS/X.509/net/filesystem/time.
//
// Options the CMake project passes as compile definitions:
//   ARCA_CM_WITH_RSA   RSA-2048 (keygen, PKCS#1 v1.5 and PSS). Off in the budgeted image.
//   ARCA_CM_WITH_P384  the P-384 curve. Off in the budgeted image.
//
// No heap: MBEDTLS_PLATFORM_NO_STD_FUNCTIONS keeps platform.c from referring to the C
// library's calloc/free, and MBEDTLS_MEMORY_BUFFER_ALLOC_C serves mbedtls_calloc from a
// static pool the port hands over with mbedtls_memory_buffer_alloc_init() at boot.
#ifndef ARCA_MBEDTLS_CONFIG_MCU_H
#define ARCA_MBEDTLS_CONFIG_MCU_H

// ---- system ----
#define MBEDTLS_HAVE_ASM           // Thumb-2 multiply-accumulate in bignum
#define MBEDTLS_NO_UDBL_DIVISION   // no 64-bit hardware divide: avoid __aeabi_uldivmod paths
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_PLATFORM_NO_STD_FUNCTIONS
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
#define MBEDTLS_MEMORY_ALIGN_MULTIPLE 8
// The pool allocator calls mbedtls_exit() when it finds a block header corrupt; libc's exit
// would need an _exit syscall the image does not have, so it ends in the port's fault path.
#define MBEDTLS_PLATFORM_EXIT_MACRO arca_cm_mbedtls_exit
#ifdef __cplusplus
extern "C"
#endif
    void arca_cm_mbedtls_exit(int status);
#define MBEDTLS_DEPRECATED_REMOVED

// ---- symmetric ----
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES     // tables in flash, not 8 KiB of RAM built at first use
#define MBEDTLS_AES_FEWER_TABLES   // 2 KiB of tables instead of 8 KiB
#define MBEDTLS_CIPHER_C           // GCM and NIST KW are built on the generic cipher layer
#define MBEDTLS_CIPHER_MODE_CBC
#define MBEDTLS_GCM_C
#define MBEDTLS_NIST_KW_C          // RFC 5649 key wrap with padding (WrapKey / ImportKey)

// ---- hashes, MACs, DRBGs, KDF ----
#define MBEDTLS_MD_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA256_SMALLER
#define MBEDTLS_SHA512_C           // SHA-384 and SHA-512 digests
#define MBEDTLS_SHA512_SMALLER
#define MBEDTLS_CTR_DRBG_C
#define MBEDTLS_HMAC_DRBG_C        // RFC 6979 deterministic ECDSA nonces
#define MBEDTLS_PKCS5_C            // PBKDF2-HMAC-SHA256 PIN verifiers

// ---- public key ----
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_MPI_WINDOW_SIZE 2
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#if defined(ARCA_CM_WITH_P384)
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#endif
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECP_WINDOW_SIZE 2          // small precomputation tables (RAM from the pool)
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0    // no cached comb table for the base point
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECDSA_DETERMINISTIC
#define MBEDTLS_ECDH_C
#if defined(ARCA_CM_WITH_RSA)
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21
#define MBEDTLS_GENPRIME
#define MBEDTLS_MPI_MAX_SIZE 256           // RSA-2048
#else
#define MBEDTLS_MPI_MAX_SIZE 48            // P-384 scalars at most
#endif
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C                 // PKCS#8 import
#define MBEDTLS_PK_WRITE_C                 // PKCS#8 export, RSA public key DER

#include "mbedtls/check_config.h"

#endif  // ARCA_MBEDTLS_CONFIG_MCU_H
