// The Cortex-M port's capacities (protocol/limits.h, wire::Capacities): what fits the budget
// of 32 KiB of RAM for the whole device (buffers, tables, the mbedTLS pool, the stack) with
// EC P-256/P-384, AES and HMAC keys. Named by ARCA_PORT_CAPACITIES in CMakeLists.txt; the
// host build also compiles a test-only emulator with these numbers (arca-fw-emu-mcu) so the
// host is tested against a device this small. With ARCA_CM_WITH_RSA the key and signature
// sizes grow to RSA-2048's, outside the budgeted configuration.
#pragma once

namespace wire {

#ifndef ARCA_CM_WITH_RSA
inline constexpr Capacities kPortCapacities{
    .max_payload = 1552,   // the largest message below: VerifyReq
    .max_attr_blob = 768,  // a key pair's attributes as the host module encodes them
    .max_public = 128,     // an uncompressed P-384 point is 97 bytes
    .max_key_blob = 64,    // an EC scalar, an AES key, an HMAC key of up to 64 bytes
    .max_import = 256,     // PKCS#8 of a P-384 key with its public point
    .max_signature = 96,   // ECDSA P-384 r || s
    .max_aad = 256,
    .max_data = 1024,
    .max_list_ids = 32,
    .max_objects = 32,
    .key_store_sectors = 16,  // the emulator's flash file: 16 × 16 KiB (MPS2 images: 4)
    .session_objects = 4,
    .crypto_pool = 6144,  // P-256/P-384 keygen, ECDSA and ECDH reach about 3.5 KiB
};
#else
inline constexpr Capacities kPortCapacities{
    .max_payload = 4096,
    .max_attr_blob = 1024,
    .max_public = 512,
    .max_key_blob = 1536,
    .max_import = 2048,
    .max_signature = 512,
    .max_aad = 256,
    .max_data = 2048,  // the scratch that holds cipher output also holds a wrapped RSA key
    .max_list_ids = 32,
    .max_objects = 32,
    .key_store_sectors = 16,
    .session_objects = 4,
    .crypto_pool = 8192,
};
#endif

}  // namespace wire
