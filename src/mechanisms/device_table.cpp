#include "mechanisms/device_table.h"

#include <array>
#include <cstring>

#include "protocol/types.h"

namespace p11::device {
namespace {

using wire::CipherAlg;
using wire::SignAlg;
constexpr CK_FLAGS kSignVerify = CKF_SIGN | CKF_VERIFY;
constexpr CK_FLAGS kCipher = CKF_ENCRYPT | CKF_DECRYPT;
constexpr uint32_t kEc = wire::kCapEcP256;  // P-384 is checked per key
constexpr uint32_t kEcdsa = wire::kCapEcP256 | wire::kCapEcdsa;
constexpr uint32_t kRsa = wire::kCapRsa2048;

constexpr uint8_t A(SignAlg a) { return static_cast<uint8_t>(a); }
constexpr uint8_t A(CipherAlg a) { return static_cast<uint8_t>(a); }

// clang-format off
constexpr MechanismRow kRows[] = {
  {CKM_EC_KEY_PAIR_GEN, kEc, CKF_GENERATE_KEY_PAIR | CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS,
   256, 384, CKK_EC, DeviceFunction::kKeyPairGen, 0, nullptr, Prehash::kNone, false},
  {CKM_RSA_PKCS_KEY_PAIR_GEN, kRsa, CKF_GENERATE_KEY_PAIR, 2048, 2048, CKK_RSA,
   DeviceFunction::kKeyPairGen, 0, nullptr, Prehash::kNone, false},
  {CKM_AES_KEY_GEN, wire::kCapAes, CKF_GENERATE, 16, 32, CKK_AES, DeviceFunction::kKeyGen, 0,
   nullptr, Prehash::kNone, false},
  {CKM_GENERIC_SECRET_KEY_GEN, wire::kCapHmacSha256, CKF_GENERATE, 1, 64, CKK_GENERIC_SECRET,
   DeviceFunction::kKeyGen, 0, nullptr, Prehash::kNone, false},
  {CKM_ECDSA, kEcdsa, kSignVerify | CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS, 256, 384,
   CKK_EC, DeviceFunction::kSign, A(SignAlg::kEcdsa), nullptr, Prehash::kNone, false},
  {CKM_ECDSA_SHA256, kEcdsa | wire::kCapSha, kSignVerify, 256, 384, CKK_EC, DeviceFunction::kSign,
   A(SignAlg::kEcdsa), "SHA256", Prehash::kDigest, false},
  {CKM_ECDSA_SHA384, kEcdsa | wire::kCapSha, kSignVerify, 256, 384, CKK_EC, DeviceFunction::kSign,
   A(SignAlg::kEcdsa), "SHA384", Prehash::kDigest, false},
  {CKM_ECDSA_SHA512, kEcdsa | wire::kCapSha, kSignVerify, 256, 384, CKK_EC, DeviceFunction::kSign,
   A(SignAlg::kEcdsa), "SHA512", Prehash::kDigest, false},
  {CKM_RSA_PKCS, kRsa, kSignVerify, 2048, 2048, CKK_RSA, DeviceFunction::kSign,
   A(SignAlg::kRsaPkcs1), nullptr, Prehash::kNone, false},
  {CKM_SHA256_RSA_PKCS, kRsa, kSignVerify, 2048, 2048, CKK_RSA, DeviceFunction::kSign,
   A(SignAlg::kRsaPkcs1), "SHA256", Prehash::kDigestInfo, false},
  {CKM_SHA384_RSA_PKCS, kRsa, kSignVerify, 2048, 2048, CKK_RSA, DeviceFunction::kSign,
   A(SignAlg::kRsaPkcs1), "SHA384", Prehash::kDigestInfo, false},
  {CKM_SHA512_RSA_PKCS, kRsa, kSignVerify, 2048, 2048, CKK_RSA, DeviceFunction::kSign,
   A(SignAlg::kRsaPkcs1), "SHA512", Prehash::kDigestInfo, false},
  {CKM_RSA_PKCS_PSS, kRsa, kSignVerify, 2048, 2048, CKK_RSA, DeviceFunction::kSign,
   A(SignAlg::kRsaPss), nullptr, Prehash::kNone, true},
  {CKM_SHA256_RSA_PKCS_PSS, kRsa, kSignVerify, 2048, 2048, CKK_RSA, DeviceFunction::kSign,
   A(SignAlg::kRsaPss), "SHA256", Prehash::kDigest, true},
  {CKM_SHA384_RSA_PKCS_PSS, kRsa, kSignVerify, 2048, 2048, CKK_RSA, DeviceFunction::kSign,
   A(SignAlg::kRsaPss), "SHA384", Prehash::kDigest, true},
  {CKM_SHA512_RSA_PKCS_PSS, kRsa, kSignVerify, 2048, 2048, CKK_RSA, DeviceFunction::kSign,
   A(SignAlg::kRsaPss), "SHA512", Prehash::kDigest, true},
  {CKM_SHA256_HMAC, wire::kCapHmacSha256, kSignVerify, 1, 64, CKK_GENERIC_SECRET,
   DeviceFunction::kSign, A(SignAlg::kHmacSha256), nullptr, Prehash::kNone, false},
  {CKM_AES_GCM, wire::kCapAesGcm, kCipher, 16, 32, CKK_AES, DeviceFunction::kCipher,
   A(CipherAlg::kAesGcm), nullptr, Prehash::kNone, false},
  {CKM_AES_CBC, wire::kCapAesCbc, kCipher, 16, 32, CKK_AES, DeviceFunction::kCipher,
   A(CipherAlg::kAesCbc), nullptr, Prehash::kNone, false},
  {CKM_AES_CBC_PAD, wire::kCapAesCbc, kCipher, 16, 32, CKK_AES, DeviceFunction::kCipher,
   A(CipherAlg::kAesCbcPad), nullptr, Prehash::kNone, false},
  {CKM_ECDH1_DERIVE, wire::kCapEcdh, CKF_DERIVE | CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS,
   256, 384, CKK_EC, DeviceFunction::kDerive, 0, nullptr, Prehash::kNone, false},
  {CKM_AES_KEY_WRAP_KWP, wire::kCapWrap, CKF_WRAP | CKF_UNWRAP, 16, 32, CKK_AES,
   DeviceFunction::kWrap, 0, nullptr, Prehash::kNone, false},
};
// clang-format on

struct DigestInfoRow {
  const char* digest;
  std::array<uint8_t, 19> prefix;
};
// RFC 8017 §9.2, note 1: DER of DigestInfo up to the digest's OCTET STRING header.
constexpr DigestInfoRow kDigestInfos[] = {
    {"SHA256",
     {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
      0x05, 0x00, 0x04, 0x20}},
    {"SHA384",
     {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02,
      0x05, 0x00, 0x04, 0x30}},
    {"SHA512",
     {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03,
      0x05, 0x00, 0x04, 0x40}},
};

}  // namespace

DeviceMechanism::DeviceMechanism(const MechanismRow& row)
    : Mechanism(row.type, CK_MECHANISM_INFO{row.min_key, row.max_key, row.flags | CKF_HW}),
      row_(row) {}

bool DeviceMechanism::AcceptsKeyType(CK_KEY_TYPE type) const { return type == row_.key_type; }

CK_KEY_TYPE DeviceMechanism::GeneratedKeyType() const {
  bool generates =
      row_.function == DeviceFunction::kKeyGen || row_.function == DeviceFunction::kKeyPairGen;
  return generates ? row_.key_type : CK_UNAVAILABLE_INFORMATION;
}

const MechanismRow* FindRow(CK_MECHANISM_TYPE type) {
  for (const MechanismRow& row : kRows) {
    if (row.type == type) return &row;
  }
  return nullptr;
}

std::unique_ptr<Registry> BuildDeviceRegistry(uint32_t capabilities) {
  auto registry = std::make_unique<Registry>();
  RegisterDigest(*registry);
  for (const MechanismRow& row : kRows) {
    if ((capabilities & row.capabilities) == row.capabilities) {
      registry->Add(std::make_unique<DeviceMechanism>(row));
    }
  }
  return registry;
}

ByteView DigestInfoPrefix(const char* digest) {
  for (const DigestInfoRow& row : kDigestInfos) {
    if (std::strcmp(row.digest, digest) == 0) return ByteView(row.prefix);
  }
  return {};
}

}  // namespace p11::device
