// HostEntropy (getrandom(2)) on its own and as the seed of a real MbedCrypto: the emulator's
// configuration, where nothing is reproducible and everything must still work.
#include "ports/host/host_entropy.h"

#include <gtest/gtest.h>

#include <vector>

#include "workers/mbedtls_crypto.h"

namespace {

using hsm::Status;

TEST(HostEntropy, FillsBuffersOfAnySize) {
  hsm::HostEntropy entropy;
  std::vector<uint8_t> empty;
  EXPECT_EQ(entropy.Gather(empty), Status::kOk);
  for (size_t n : {1u, 48u, 300u, 70000u}) {  // 70000: more than one getrandom call may give
    std::vector<uint8_t> a(n, 0), b(n, 0);
    ASSERT_EQ(entropy.Gather(a), Status::kOk);
    ASSERT_EQ(entropy.Gather(b), Status::kOk);
    if (n >= 48) {
      EXPECT_NE(a, b);
      EXPECT_NE(a, std::vector<uint8_t>(n, 0));
    }
  }
}

TEST(HostEntropy, SeedsMbedCrypto) {
  hsm::HostEntropy entropy;
  hsm::MbedCrypto c1(entropy), c2(entropy);
  ASSERT_EQ(c1.Init(), Status::kOk);
  ASSERT_EQ(c2.Init(), Status::kOk);
  std::vector<uint8_t> r1(64), r2(64);
  ASSERT_EQ(c1.Random(r1), Status::kOk);
  ASSERT_EQ(c2.Random(r2), Status::kOk);
  EXPECT_NE(r1, r2);  // two devices never share a DRBG stream

  hsm::KeyBlob blob;
  hsm::PublicBuf pub;
  ASSERT_EQ(c1.GenerateKey(wire::KeyType::kEcP256, 0, blob, pub), Status::kOk);
  const hsm::SignParams ecdsa{wire::SignAlg::kEcdsa, wire::HashAlg::kNone, 0};
  std::vector<uint8_t> digest(32, 0xab), sig(64);
  size_t len = 0;
  ASSERT_EQ(c1.Sign(wire::KeyType::kEcP256, blob, ecdsa, digest, sig, &len), Status::kOk);
  EXPECT_EQ(c2.Verify(wire::KeyType::kEcP256, nullptr, pub.span(), ecdsa, digest, sig),
            Status::kOk);
}

}  // namespace
