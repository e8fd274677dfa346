// The module's firmware-token backend (DeviceToken) against arca-fw-emu-mcu, the emulator
// built with the Cortex-M capacities (firmware/ports/cortex-m/capacities.h): 1 KiB of data
// per request, a 768-byte attribute blob, 256 bytes of AAD, 4 session objects. The host
// learns them from DeviceInfo when it opens the device and keeps within them: data up to the
// limit works, data past it is refused on the host with the CK_RV PKCS#11 3.1 gives that
// cause — at once, with nothing sent, the device still answering — and what the host can
// split (a hash-then-sign input) goes through at any length.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "ports/host/launcher/emulator_process.h"
#include "token/device/device_token.h"
#include "transport/socket_link.h"

namespace p11::device {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using Bytes = std::vector<uint8_t>;

// The capacities of capacities.h, as the device reports them.
constexpr size_t kMcuMaxData = 1024;
constexpr size_t kMcuMaxAttrBlob = 768;
constexpr size_t kMcuMaxAad = 256;
constexpr size_t kMcuSessionObjects = 4;

constexpr uint8_t kP256Oid[] = {0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};

SecretView Pin(const std::string& pin) {
  return SecretView{ByteView(reinterpret_cast<const uint8_t*>(pin.data()), pin.size())};
}

class McuDeviceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/arca-mcu-limits-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    emu_ = std::make_unique<hsm::host::EmulatorProcess>(ARCA_FW_EMU_MCU, dir_, "ARCAMCU0001");
    std::string error;
    ASSERT_TRUE(emu_->Start(milliseconds(3000), &error)) << error;
    std::string socket = emu_->socket_path();
    auto client = std::make_unique<transport::Client>(
        [socket] { return transport::ConnectSocket(socket); },
        transport::ClientOptions{milliseconds(5000), milliseconds(30000)});
    client_ = client.get();
    auto token = DeviceToken::Open(std::move(client), socket);
    ASSERT_TRUE(token.ok()) << token.rv();
    token_ = *token;
    ASSERT_TRUE(token_->InitToken(Pin("so-pin-1234"), "mcu").ok());
    ASSERT_TRUE(token_->Login(CKU_SO, Pin("so-pin-1234")).ok());
    ASSERT_TRUE(token_->InitPin(Pin("user-1234")).ok());
    token_->Logout();
    ASSERT_TRUE(token_->Login(CKU_USER, Pin("user-1234")).ok());
  }
  void TearDown() override {
    token_.reset();
    if (emu_ != nullptr) emu_->Stop(milliseconds(2000));
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  const Mechanism& Mech(CK_MECHANISM_TYPE type) {
    const Mechanism* m = token_->Mechanisms().Find(type);
    EXPECT_NE(m, nullptr) << type;
    return *m;
  }

  // A session secret key made on the device.
  ObjectId NewSecret(CK_KEY_TYPE type, CK_MECHANISM_TYPE gen, CK_ULONG len,
                     std::initializer_list<CK_ATTRIBUTE_TYPE> usage) {
    Object key;
    key.SetUlong(CKA_CLASS, CKO_SECRET_KEY);
    key.SetUlong(CKA_KEY_TYPE, type);
    key.SetUlong(CKA_VALUE_LEN, len);
    key.SetBool(CKA_TOKEN, false);
    for (CK_ATTRIBUTE_TYPE u : usage) key.SetBool(u, true);
    auto id = token_->GenerateKey(Mech(gen), {}, std::move(key));
    EXPECT_TRUE(id.ok()) << id.rv();
    return id.ok() ? *id : 0;
  }

  // The call failed with `rv` on the host: no request went out, and the device still answers.
  void ExpectRefusedOnTheHost(CK_RV got, CK_RV want, uint64_t timeouts_before) {
    EXPECT_EQ(got, want);
    EXPECT_EQ(client_->stats().timeouts, timeouts_before);
    EXPECT_TRUE(token_->Probe());
  }

  std::string dir_;
  std::unique_ptr<hsm::host::EmulatorProcess> emu_;
  transport::Client* client_ = nullptr;
  std::shared_ptr<DeviceToken> token_;
};

TEST_F(McuDeviceTest, TheHostReadsTheDevicesLimitsAtOpen) {
  transport::DeviceLimits limits = client_->limits();
  EXPECT_LT(limits.max_payload, wire::kMaxPayload);
  EXPECT_EQ(limits.max_data, kMcuMaxData);
  EXPECT_EQ(limits.max_attr_blob, kMcuMaxAttrBlob);
  EXPECT_EQ(limits.max_aad, kMcuMaxAad);
  EXPECT_EQ(limits.session_objects, kMcuSessionObjects);
  // No RSA on a device whose key blob cannot hold an RSA key.
  EXPECT_EQ(token_->Mechanisms().Find(CKM_RSA_PKCS_KEY_PAIR_GEN), nullptr);
}

TEST_F(McuDeviceTest, AesGcmTakesTheDevicesMaximumAndRefusesMoreOnTheHost) {
  ObjectId key = NewSecret(CKK_AES, CKM_AES_KEY_GEN, 32, {CKA_ENCRYPT, CKA_DECRYPT});
  Bytes iv(12, 7);
  Bytes aad(kMcuMaxAad, 1);
  CK_GCM_PARAMS gcm{iv.data(), iv.size(), 96, aad.data(), aad.size(), 128};
  ByteView param(reinterpret_cast<const uint8_t*>(&gcm), sizeof gcm);
  uint64_t timeouts = client_->stats().timeouts;

  Bytes plain(kMcuMaxData, 0x5A);
  Bytes sealed(kMcuMaxData + 16);
  CK_ULONG sealed_len = sealed.size();
  auto enc = token_->BeginEncrypt(Mech(CKM_AES_GCM), param, key);
  ASSERT_TRUE(enc.ok()) << enc.rv();
  OutBuffer out(sealed.data(), &sealed_len);
  ASSERT_TRUE((*enc)->OneShot(plain, out).ok());
  EXPECT_EQ(sealed_len, kMcuMaxData + 16);

  Bytes back(kMcuMaxData);
  CK_ULONG back_len = back.size();
  auto dec = token_->BeginDecrypt(Mech(CKM_AES_GCM), param, key);
  ASSERT_TRUE(dec.ok());
  OutBuffer back_out(back.data(), &back_len);
  ASSERT_TRUE((*dec)->OneShot(sealed, back_out).ok());
  EXPECT_EQ(back, plain);

  // One byte more: single-part, multi-part, and the ciphertext side.
  Bytes over(kMcuMaxData + 1, 0x5A);
  enc = token_->BeginEncrypt(Mech(CKM_AES_GCM), param, key);
  ASSERT_TRUE(enc.ok());
  OutBuffer query(nullptr, &sealed_len);
  ExpectRefusedOnTheHost((*enc)->OneShot(over, query).rv(), CKR_DATA_LEN_RANGE, timeouts);
  enc = token_->BeginEncrypt(Mech(CKM_AES_GCM), param, key);
  ASSERT_TRUE(enc.ok());
  CK_ULONG none = 0;
  OutBuffer part(sealed.data(), &none);
  ASSERT_TRUE((*enc)->Update(ByteView(over).first(kMcuMaxData), part).ok());
  none = 0;
  ExpectRefusedOnTheHost((*enc)->Update(ByteView(over).last(1), part).rv(), CKR_DATA_LEN_RANGE,
                         timeouts);
  Bytes long_ciphertext(kMcuMaxData + 17);
  dec = token_->BeginDecrypt(Mech(CKM_AES_GCM), param, key);
  ASSERT_TRUE(dec.ok());
  ExpectRefusedOnTheHost((*dec)->OneShot(long_ciphertext, back_out).rv(),
                         CKR_ENCRYPTED_DATA_LEN_RANGE, timeouts);

  // More additional data than the device takes: the parameters are what is wrong.
  Bytes long_aad(kMcuMaxAad + 1, 1);
  CK_GCM_PARAMS gcm_long{iv.data(), iv.size(), 96, long_aad.data(), long_aad.size(), 128};
  ByteView long_param(reinterpret_cast<const uint8_t*>(&gcm_long), sizeof gcm_long);
  EXPECT_EQ(token_->BeginEncrypt(Mech(CKM_AES_GCM), long_param, key).rv(),
            CKR_MECHANISM_PARAM_INVALID);
}

TEST_F(McuDeviceTest, HmacDataIsBoundedHashThenSignIsNot) {
  ObjectId mac_key =
      NewSecret(CKK_GENERIC_SECRET, CKM_GENERIC_SECRET_KEY_GEN, 32, {CKA_SIGN, CKA_VERIFY});
  uint64_t timeouts = client_->stats().timeouts;
  Bytes tag(32);
  CK_ULONG tag_len = tag.size();
  OutBuffer tag_out(tag.data(), &tag_len);
  auto sign = token_->BeginSign(Mech(CKM_SHA256_HMAC), {}, mac_key);
  ASSERT_TRUE(sign.ok());
  EXPECT_TRUE((*sign)->Sign(Bytes(kMcuMaxData, 3), tag_out).ok());
  sign = token_->BeginSign(Mech(CKM_SHA256_HMAC), {}, mac_key);
  ASSERT_TRUE(sign.ok());
  ASSERT_TRUE((*sign)->Update(Bytes(kMcuMaxData, 3)).ok());
  ExpectRefusedOnTheHost((*sign)->Update(Bytes(1, 3)).rv(), CKR_DATA_LEN_RANGE, timeouts);

  // ECDSA with SHA-256: the host hashes, so 16 KiB in parts becomes one 32-byte request.
  Object pub, priv;
  pub.SetUlong(CKA_CLASS, CKO_PUBLIC_KEY);
  pub.SetUlong(CKA_KEY_TYPE, CKK_EC);
  pub.Set(CKA_EC_PARAMS, ByteView(kP256Oid));
  pub.SetBool(CKA_VERIFY, true);
  priv.SetUlong(CKA_CLASS, CKO_PRIVATE_KEY);
  priv.SetUlong(CKA_KEY_TYPE, CKK_EC);
  priv.SetBool(CKA_SIGN, true);
  priv.SetBool(CKA_PRIVATE, true);
  auto pair = token_->GenerateKeyPair(Mech(CKM_EC_KEY_PAIR_GEN), {}, pub, priv);
  ASSERT_TRUE(pair.ok()) << pair.rv();
  auto ecdsa = token_->BeginSign(Mech(CKM_ECDSA_SHA256), {}, pair->second);
  ASSERT_TRUE(ecdsa.ok());
  for (int i = 0; i < 16; ++i) ASSERT_TRUE((*ecdsa)->Update(Bytes(1024, i)).ok());
  Bytes signature(64);
  CK_ULONG signature_len = signature.size();
  OutBuffer signature_out(signature.data(), &signature_len);
  EXPECT_TRUE((*ecdsa)->Final(signature_out).ok());
  EXPECT_EQ(signature_len, 64u);
  // Raw ECDSA takes its input whole: one request, bounded by the device's data.
  auto raw = token_->BeginSign(Mech(CKM_ECDSA), {}, pair->second);
  ASSERT_TRUE(raw.ok());
  ExpectRefusedOnTheHost((*raw)->Sign(Bytes(kMcuMaxData + 1, 1), signature_out).rv(),
                         CKR_DATA_LEN_RANGE, timeouts);
}

TEST_F(McuDeviceTest, ObjectsLargerThanTheDeviceHoldsAreDeviceMemory) {
  uint64_t timeouts = client_->stats().timeouts;
  Object data;
  data.SetUlong(CKA_CLASS, CKO_DATA);
  data.SetBool(CKA_TOKEN, false);
  data.Set(CKA_VALUE, ByteView(Bytes(kMcuMaxAttrBlob, 'v')));
  ExpectRefusedOnTheHost(token_->CreateObject(data).rv(), CKR_DEVICE_MEMORY, timeouts);
  // What fits the device's blob is stored and reads back whole.
  data.Set(CKA_VALUE, ByteView(Bytes(kMcuMaxAttrBlob - 64, 'v')));
  auto id = token_->CreateObject(data);
  ASSERT_TRUE(id.ok()) << id.rv();
  EXPECT_TRUE(token_->DestroyObject(*id).ok());
}

TEST_F(McuDeviceTest, SessionObjectsBeyondTheDevicesSlotsAreDeviceMemory) {
  Object data;
  data.SetUlong(CKA_CLASS, CKO_DATA);
  data.SetBool(CKA_TOKEN, false);
  data.Set(CKA_LABEL, ByteView(Bytes{'d'}));
  std::vector<ObjectId> ids;
  for (size_t i = 0; i < kMcuSessionObjects; ++i) {
    auto id = token_->CreateObject(data);
    ASSERT_TRUE(id.ok()) << id.rv();
    ids.push_back(*id);
  }
  EXPECT_EQ(token_->CreateObject(data).rv(), CKR_DEVICE_MEMORY);
  ASSERT_TRUE(token_->DestroyObject(ids.back()).ok());
  EXPECT_TRUE(token_->CreateObject(data).ok());
}

}  // namespace
}  // namespace p11::device
