// Issue 3: every mechanism of the issue is listed by C_GetMechanismList and C_GetMechanismInfo
// reports the operations the issue requires (PKCS#11 3.1 §5.5 C_GetMechanismInfo, current
// mechanisms spec tables of functions per mechanism).
#include <algorithm>
#include <sstream>

#include "fixture3.h"

namespace conformance {
namespace {

class Mech3ListTest : public Mech3Test {
 protected:
  std::vector<CK_MECHANISM_TYPE> List() {
    CK_ULONG n = 0;
    EXPECT_CKR_OK(f_->C_GetMechanismList(slot_, nullptr, &n));
    std::vector<CK_MECHANISM_TYPE> out(n);
    if (n == 0) return out;
    EXPECT_CKR_OK(f_->C_GetMechanismList(slot_, out.data(), &n));
    out.resize(n);
    return out;
  }
};

struct Required {
  CK_MECHANISM_TYPE mech;
  const char* name;
  CK_FLAGS flags;
};

#define M(m, f) \
  { m, #m, f }
constexpr CK_FLAGS kSV = CKF_SIGN | CKF_VERIFY;
constexpr CK_FLAGS kED = CKF_ENCRYPT | CKF_DECRYPT;
constexpr CK_FLAGS kMED = CKF_MESSAGE_ENCRYPT | CKF_MESSAGE_DECRYPT;
constexpr CK_FLAGS kMSV = CKF_MESSAGE_SIGN | CKF_MESSAGE_VERIFY;
constexpr CK_FLAGS kWU = CKF_WRAP | CKF_UNWRAP;

const Required kIssue3Mechanisms[] = {
    // EdDSA, Montgomery, ECDH
    M(CKM_EC_EDWARDS_KEY_PAIR_GEN, CKF_GENERATE_KEY_PAIR),
    M(CKM_EDDSA, kSV),
    M(CKM_EC_MONTGOMERY_KEY_PAIR_GEN, CKF_GENERATE_KEY_PAIR),
    M(CKM_ECDH1_DERIVE, CKF_DERIVE),
    M(CKM_ECDH1_COFACTOR_DERIVE, CKF_DERIVE),
    // RSA
    M(CKM_RSA_PKCS_OAEP, kED | kWU),
    M(CKM_RSA_X_509, kED | kSV | CKF_SIGN_RECOVER | CKF_VERIFY_RECOVER),
    M(CKM_RSA_PKCS, CKF_SIGN_RECOVER | CKF_VERIFY_RECOVER),
    M(CKM_SHA3_224_RSA_PKCS, kSV),
    M(CKM_SHA3_256_RSA_PKCS, kSV),
    M(CKM_SHA3_384_RSA_PKCS, kSV),
    M(CKM_SHA3_512_RSA_PKCS, kSV),
    M(CKM_SHA3_224_RSA_PKCS_PSS, kSV),
    M(CKM_SHA3_256_RSA_PKCS_PSS, kSV),
    M(CKM_SHA3_384_RSA_PKCS_PSS, kSV),
    M(CKM_SHA3_512_RSA_PKCS_PSS, kSV),
    // Hashes, HMACs, key generation
    M(CKM_SHA512_224, CKF_DIGEST),
    M(CKM_SHA512_256, CKF_DIGEST),
    M(CKM_SHA3_224, CKF_DIGEST),
    M(CKM_SHA3_256, CKF_DIGEST),
    M(CKM_SHA3_384, CKF_DIGEST),
    M(CKM_SHA3_512, CKF_DIGEST),
    M(CKM_SHA512_224_HMAC, kSV),
    M(CKM_SHA512_256_HMAC, kSV),
    M(CKM_SHA3_224_HMAC, kSV),
    M(CKM_SHA3_256_HMAC, kSV),
    M(CKM_SHA3_384_HMAC, kSV),
    M(CKM_SHA3_512_HMAC, kSV),
    M(CKM_SHA512_224_HMAC_GENERAL, kSV),
    M(CKM_SHA512_256_HMAC_GENERAL, kSV),
    M(CKM_SHA3_224_HMAC_GENERAL, kSV),
    M(CKM_SHA3_256_HMAC_GENERAL, kSV),
    M(CKM_SHA3_384_HMAC_GENERAL, kSV),
    M(CKM_SHA3_512_HMAC_GENERAL, kSV),
    M(CKM_SHA512_224_KEY_GEN, CKF_GENERATE),
    M(CKM_SHA512_256_KEY_GEN, CKF_GENERATE),
    M(CKM_SHA3_224_KEY_GEN, CKF_GENERATE),
    M(CKM_SHA3_256_KEY_GEN, CKF_GENERATE),
    M(CKM_SHA3_384_KEY_GEN, CKF_GENERATE),
    M(CKM_SHA3_512_KEY_GEN, CKF_GENERATE),
    M(CKM_AES_CMAC, kSV),
    M(CKM_AES_CMAC_GENERAL, kSV),
    // AES
    M(CKM_AES_CTR, kED),
    M(CKM_AES_CTS, kED),
    M(CKM_AES_CCM, kED | kMED),
    M(CKM_AES_GCM, kED | kMED | kWU),
    M(CKM_AES_KEY_WRAP, kWU),
    M(CKM_AES_KEY_WRAP_KWP, kWU),
    M(CKM_AES_ECB_ENCRYPT_DATA, CKF_DERIVE),
    M(CKM_AES_CBC_ENCRYPT_DATA, CKF_DERIVE),
    // ChaCha20
    M(CKM_CHACHA20_KEY_GEN, CKF_GENERATE),
    M(CKM_CHACHA20, kED),
    M(CKM_CHACHA20_POLY1305, kED | kMED),
    // Key derivation
    M(CKM_HKDF_DERIVE, CKF_DERIVE),
    M(CKM_HKDF_DATA, CKF_DERIVE),
    M(CKM_HKDF_KEY_GEN, CKF_GENERATE),
    M(CKM_SP800_108_COUNTER_KDF, CKF_DERIVE),
    M(CKM_SP800_108_FEEDBACK_KDF, CKF_DERIVE),
    M(CKM_PKCS5_PBKD2, CKF_GENERATE),
    M(CKM_CONCATENATE_BASE_AND_KEY, CKF_DERIVE),
    M(CKM_CONCATENATE_BASE_AND_DATA, CKF_DERIVE),
    M(CKM_XOR_BASE_AND_DATA, CKF_DERIVE),
};

// Message-based signing (issue 3, PKCS#11 3.0 calls): ECDSA, EdDSA, RSA and HMAC.
const Required kMessageSign[] = {
    M(CKM_ECDSA_SHA256, kMSV),
    M(CKM_EDDSA, kMSV),
    M(CKM_SHA256_RSA_PKCS, kMSV),
    M(CKM_SHA256_HMAC, kMSV),
};
#undef M

TEST_F(Mech3ListTest, EveryIssue3MechanismIsListed) {
  std::vector<CK_MECHANISM_TYPE> list = List();
  std::ostringstream missing;
  for (const auto& r : kIssue3Mechanisms) {
    if (std::find(list.begin(), list.end(), r.mech) == list.end()) missing << r.name << " ";
  }
  EXPECT_EQ(missing.str(), "") << "mechanisms of issue 3 missing from C_GetMechanismList";
}

TEST_F(Mech3ListTest, MechanismInfoFlagsAreConsistent) {
  std::ostringstream bad;
  for (const auto& r : kIssue3Mechanisms) {
    CK_RV rv = CKR_OK;
    CK_MECHANISM_INFO info = MechInfo(r.mech, &rv);
    if (rv != CKR_OK) {
      bad << r.name << ": " << RvName(rv) << "\n";
      continue;
    }
    if ((info.flags & r.flags) != r.flags) {
      bad << r.name << ": flags 0x" << std::hex << info.flags << " lack 0x"
          << (r.flags & ~info.flags) << std::dec << "\n";
    }
    if (info.ulMinKeySize > info.ulMaxKeySize) bad << r.name << ": min key size > max\n";
  }
  EXPECT_EQ(bad.str(), "");
}

TEST_F(Mech3ListTest, MessageSignFlags) {
  std::ostringstream bad;
  for (const auto& r : kMessageSign) {
    CK_RV rv = CKR_OK;
    CK_MECHANISM_INFO info = MechInfo(r.mech, &rv);
    if (rv != CKR_OK || (info.flags & r.flags) != r.flags) {
      bad << r.name << ": " << RvName(rv) << " flags 0x" << std::hex << info.flags << std::dec
          << "\n";
    }
  }
  EXPECT_EQ(bad.str(), "");
}

TEST_F(Mech3ListTest, KeySizes) {
  CK_RV rv = CKR_OK;
  // RSA key sizes up to 8192 bits.
  CK_MECHANISM_INFO info = MechInfo(CKM_RSA_PKCS_KEY_PAIR_GEN, &rv);
  ASSERT_CKR_OK(rv);
  EXPECT_GE(info.ulMaxKeySize, 8192u);
  info = MechInfo(CKM_RSA_PKCS_OAEP, &rv);
  ASSERT_CKR_OK(rv);
  EXPECT_GE(info.ulMaxKeySize, 8192u);
  // EdDSA: Ed25519 and Ed448 (key sizes in bits).
  info = MechInfo(CKM_EDDSA, &rv);
  ASSERT_CKR_OK(rv);
  EXPECT_LE(info.ulMinKeySize, 256u);
  EXPECT_GE(info.ulMaxKeySize, 448u);
  info = MechInfo(CKM_EC_MONTGOMERY_KEY_PAIR_GEN, &rv);
  ASSERT_CKR_OK(rv);
  EXPECT_LE(info.ulMinKeySize, 256u);
  EXPECT_GE(info.ulMaxKeySize, 448u);
}

}  // namespace
}  // namespace conformance
