// The firmware token's object mapping: what goes into the device's attribute blob (never key
// material), how PKCS#11 attributes become device flags and key types, and which registry a
// device's capability bits produce.
#include "token/device/device_objects.h"

#include <gtest/gtest.h>

#include <cstring>

#include "mechanisms/device_table.h"
#include "protocol/limits.h"
#include "protocol/types.h"
#include "token/device/attr_blob.h"

namespace p11::device {
namespace {

const uint8_t kP256[] = {0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
const uint8_t kP384[] = {0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22};
const uint8_t kP521[] = {0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x23};

Object SecretKey(CK_KEY_TYPE type, size_t len) {
  Object o;
  o.SetUlong(CKA_CLASS, CKO_SECRET_KEY);
  o.SetUlong(CKA_KEY_TYPE, type);
  o.Set(CKA_VALUE, ByteView(std::vector<uint8_t>(len, 0xAB)));
  o.Set(CKA_LABEL, AsBytes("k"));
  o.SetBool(CKA_TOKEN, true);
  o.SetBool(CKA_ENCRYPT, true);
  return o;
}

TEST(AttrBlobTest, RoundTripsAttributesButNeverKeyMaterial) {
  Object key = SecretKey(CKK_AES, 32);
  auto blob = EncodeAttrBlob(key);
  ASSERT_TRUE(blob.ok());
  const std::vector<uint8_t> value(32, 0xAB);
  EXPECT_EQ(std::search(blob->begin(), blob->end(), value.begin(), value.end()), blob->end())
      << "the key's value is in the blob";
  auto back = DecodeAttrBlob(ByteView(*blob));
  ASSERT_TRUE(back.ok());
  EXPECT_FALSE(back->Has(CKA_VALUE));
  EXPECT_EQ(back->GetString(CKA_LABEL), "k");
  EXPECT_TRUE(back->GetBool(CKA_ENCRYPT));
  EXPECT_EQ(back->KeyType(), CKK_AES);
}

TEST(AttrBlobTest, KeepsTheValueOfNonKeyObjects) {
  Object cert;
  cert.SetUlong(CKA_CLASS, CKO_CERTIFICATE);
  cert.Set(CKA_VALUE, AsBytes("DER bytes"));
  auto back = DecodeAttrBlob(ByteView(*EncodeAttrBlob(cert)));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->GetString(CKA_VALUE), "DER bytes");
}

TEST(AttrBlobTest, MalformedBlobsFromTheDeviceAreDeviceErrors) {
  const uint8_t truncated[] = {0x03, 0x00, 0x00, 0x00, 0x05, 0x00, 'a', 'b'};  // says 5, has 2
  EXPECT_EQ(DecodeAttrBlob(ByteView(truncated)).rv(), CKR_DEVICE_ERROR);
  const uint8_t short_header[] = {0x03, 0x00, 0x00};
  EXPECT_EQ(DecodeAttrBlob(ByteView(short_header)).rv(), CKR_DEVICE_ERROR);
  EXPECT_TRUE(DecodeAttrBlob(ByteView()).ok());
}

TEST(AttrBlobTest, AnObjectLargerThanTheDeviceHoldsIsDeviceMemory) {
  Object data;
  data.SetUlong(CKA_CLASS, CKO_DATA);
  data.Set(CKA_VALUE, ByteView(std::vector<uint8_t>(wire::kMaxAttrBlob, 1)));
  EXPECT_EQ(EncodeAttrBlob(data).rv(), CKR_DEVICE_MEMORY);
}

TEST(DeviceObjectsTest, FlagsFollowTheAttributesAndKeysAreAlwaysSensitive) {
  Object key = SecretKey(CKK_AES, 16);
  key.SetBool(CKA_SENSITIVE, false);
  key.SetBool(CKA_EXTRACTABLE, true);
  uint32_t flags = DeviceFlags(key);
  EXPECT_TRUE(flags & wire::kFlagToken);
  EXPECT_TRUE(flags & wire::kFlagEncrypt);
  EXPECT_TRUE(flags & wire::kFlagExtractable);
  EXPECT_TRUE(flags & wire::kFlagSensitive);
  EXPECT_TRUE(flags & wire::kFlagModifiable) << "CKA_MODIFIABLE defaults to true";
  EXPECT_FALSE(flags & wire::kFlagDecrypt);
  EXPECT_FALSE(flags & wire::kFlagPrivate);
  Object data;
  data.SetUlong(CKA_CLASS, CKO_DATA);
  EXPECT_FALSE(DeviceFlags(data) & wire::kFlagSensitive);
  EXPECT_EQ(DeviceKind(data), wire::ObjectKind::kData);
}

TEST(DeviceObjectsTest, KeyTypesTheDeviceHolds) {
  EXPECT_EQ(*DeviceKeyType(SecretKey(CKK_AES, 16)), wire::KeyType::kAes128);
  EXPECT_EQ(*DeviceKeyType(SecretKey(CKK_AES, 32)), wire::KeyType::kAes256);
  EXPECT_EQ(DeviceKeyType(SecretKey(CKK_AES, 24)).rv(), CKR_KEY_SIZE_RANGE);
  EXPECT_EQ(*DeviceKeyType(SecretKey(CKK_GENERIC_SECRET, 20)), wire::KeyType::kGenericSecret);
  Object ec;
  ec.SetUlong(CKA_CLASS, CKO_PUBLIC_KEY);
  ec.SetUlong(CKA_KEY_TYPE, CKK_EC);
  ec.Set(CKA_EC_PARAMS, ByteView(kP256));
  EXPECT_EQ(*DeviceKeyType(ec), wire::KeyType::kEcP256);
  ec.Set(CKA_EC_PARAMS, ByteView(kP384));
  EXPECT_EQ(*DeviceKeyType(ec), wire::KeyType::kEcP384);
  ec.Set(CKA_EC_PARAMS, ByteView(kP521));
  EXPECT_EQ(DeviceKeyType(ec).rv(), CKR_CURVE_NOT_SUPPORTED);
  Object rsa;
  rsa.SetUlong(CKA_CLASS, CKO_PUBLIC_KEY);
  rsa.SetUlong(CKA_KEY_TYPE, CKK_RSA);
  rsa.SetUlong(CKA_MODULUS_BITS, 3072);
  EXPECT_EQ(DeviceKeyType(rsa).rv(), CKR_KEY_SIZE_RANGE);
  rsa.SetUlong(CKA_MODULUS_BITS, 2048);
  EXPECT_EQ(*DeviceKeyType(rsa), wire::KeyType::kRsa2048);
}

TEST(DeviceObjectsTest, DerivedAttributesComeFromTheDevicesPublicValue) {
  // The P-256 generator point, uncompressed (SEC 2).
  std::vector<uint8_t> point = {0x04};
  const char* gx = "6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296";
  const char* gy = "4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5";
  for (const char* h : {gx, gy}) {
    for (size_t i = 0; i < 64; i += 2)
      point.push_back(std::stoi(std::string(h + i, 2), nullptr, 16));
  }
  Object pub;
  pub.SetUlong(CKA_CLASS, CKO_PUBLIC_KEY);
  pub.SetUlong(CKA_KEY_TYPE, CKK_EC);
  pub.Set(CKA_EC_PARAMS, ByteView(kP256));
  ASSERT_TRUE(AddDerivedAttributes(pub, {7, wire::ObjectKind::kPublicKey, wire::KeyType::kEcP256,
                                         ByteView(point), 0})
                  .ok());
  ByteView ec_point = pub.GetBytes(CKA_EC_POINT);
  ASSERT_EQ(ec_point.size(), 67u);
  EXPECT_EQ(ec_point[0], 0x04);  // DER OCTET STRING
  EXPECT_EQ(ec_point[1], 65);
  EXPECT_EQ(std::memcmp(ec_point.data() + 2, point.data(), 65), 0);
  EXPECT_FALSE(pub.GetBytes(CKA_PUBLIC_KEY_INFO).empty());
  EXPECT_EQ(pub.GetString(CKA_UNIQUE_ID), "7");
  // A point off the curve from a device is a device error, not an attribute.
  point[64] ^= 1;
  Object bad;
  bad.SetUlong(CKA_CLASS, CKO_PUBLIC_KEY);
  bad.SetUlong(CKA_KEY_TYPE, CKK_EC);
  bad.Set(CKA_EC_PARAMS, ByteView(kP256));
  EXPECT_EQ(AddDerivedAttributes(
                bad, {8, wire::ObjectKind::kPublicKey, wire::KeyType::kEcP256, ByteView(point), 0})
                .rv(),
            CKR_DEVICE_ERROR);
}

TEST(DeviceTableTest, RegistryFollowsTheDevicesCapabilities) {
  auto none = BuildDeviceRegistry(0);
  EXPECT_EQ(none->Find(CKM_ECDSA), nullptr);
  EXPECT_NE(none->Find(CKM_SHA256), nullptr) << "digests are computed by the host";
  auto ec = BuildDeviceRegistry(wire::kCapEcP256 | wire::kCapEcdsa);
  const Mechanism* ecdsa = ec->Find(CKM_ECDSA);
  ASSERT_NE(ecdsa, nullptr);
  EXPECT_TRUE(ecdsa->info().flags & CKF_HW);
  EXPECT_TRUE(ecdsa->info().flags & CKF_SIGN);
  EXPECT_TRUE(ecdsa->AcceptsKeyType(CKK_EC));
  EXPECT_FALSE(ecdsa->AcceptsKeyType(CKK_RSA));
  EXPECT_EQ(ec->Find(CKM_RSA_PKCS), nullptr);
  EXPECT_EQ(ec->Find(CKM_ECDSA_SHA256), nullptr) << "needs kCapSha too";
  EXPECT_EQ(FindRow(CKM_SHA256_RSA_PKCS)->prehash, Prehash::kDigestInfo);
  EXPECT_EQ(FindRow(CKM_AES_CTR), nullptr);
}

TEST(DeviceTableTest, DigestInfoPrefixesAreTheDerOfRfc8017) {
  ByteView sha256 = DigestInfoPrefix("SHA256");
  ASSERT_EQ(sha256.size(), 19u);
  EXPECT_EQ(sha256[1], 0x31);   // SEQUENCE length: 19 - 2 + 32
  EXPECT_EQ(sha256[18], 0x20);  // OCTET STRING of 32 bytes follows
  EXPECT_EQ(DigestInfoPrefix("SHA512")[18], 0x40);
  EXPECT_TRUE(DigestInfoPrefix("MD5").empty());
}

}  // namespace
}  // namespace p11::device
