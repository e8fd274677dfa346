// Core tests on the MCU, driven only through encoded frames and Core::Process as a port
// drives it: GetInfo, GetRandom, token and PIN setup, GenerateKeyPair(P-256), Sign, and the
// signature checked twice by the firmware's own verification — the Verify op through the
// core, and MbedCrypto::Verify directly on the returned public value — plus a tampered
// signature that must be refused; ECDH; AES-GCM, HMAC-SHA-256 and SHA-256 on the largest
// data the port's capacities allow; and the session object table filled to its capacity.
// Together they take the deepest stack paths, whose painted peak sizes the stack reserve.
#include <cstdint>
#include <span>

#include "board.h"
#include "protocol/frame.h"
#include "protocol/messages.h"
#include "test_runner.h"

namespace hsm::cortex_m::test {
namespace {

uint8_t request_payload[wire::kMaxPayload];
uint8_t response_frame[wire::kMaxFrame];
uint16_t next_seq = 1;

// Sends one request through Core::Process and decodes the response frame into `rsp` (its
// Bytes point into response_frame until the next call). Returns the response's status, or
// kInternal when the frame itself is wrong.
template <wire::Op op>
Status Call(const typename wire::OpTraits<op>::Request& req,
            typename wire::OpTraits<op>::Response& rsp) {
  Status s = Status::kInternal;
  size_t n = wire::EncodeMessage(req, std::span<uint8_t>(request_payload), &s);
  if (s != Status::kOk) return Status::kInternal;
  wire::FrameHeader h;
  h.op = static_cast<uint16_t>(op);
  h.seq = next_seq++;
  h.length = static_cast<uint32_t>(n);
  size_t len = TheCore().Process(h, std::span<const uint8_t>(request_payload, n),
                                 std::span<uint8_t>(response_frame));
  wire::FrameHeader got;
  if (len < wire::kHeaderSize + wire::kCrcSize || !wire::DecodeHeader(response_frame, &got))
    return Status::kInternal;
  if (got.seq != h.seq || got.op != h.op || (got.flags & wire::kFlagResponse) == 0)
    return Status::kInternal;
  if (got.length + wire::kHeaderSize + wire::kCrcSize != len) return Status::kInternal;
  auto status = static_cast<Status>(got.status);
  if (status != Status::kOk) return status;
  std::span<const uint8_t> payload(response_frame + wire::kHeaderSize, got.length);
  return wire::DecodeMessage(payload, rsp) == Status::kOk ? Status::kOk : Status::kInternal;
}

template <size_t N>
std::span<const uint8_t> Text(const char (&s)[N]) {
  return {reinterpret_cast<const uint8_t*>(s), N - 1};
}

void GetInfo() {
  wire::InfoRsp info;
  CM_CHECK_STATUS(Call<wire::Op::kGetInfo>(wire::Empty{}, info), Status::kOk);
  CM_EXPECT(info.max_payload == wire::kMaxPayload);
  const char serial[] = "ARCA-CM-0001";
  bool same = info.serial.size == sizeof(serial) - 1;
  for (size_t i = 0; same && i < info.serial.size; ++i) same = info.serial.data[i] == serial[i];
  CM_EXPECT(same);
  CM_EXPECT(info.min_pin == wire::kMinPin && info.max_pin == wire::kMaxPin);
}

void GetRandom() {
  uint8_t first[32];
  wire::RandomReq req;
  req.length = 32;
  wire::RandomRsp rsp;
  CM_CHECK_STATUS(Call<wire::Op::kGetRandom>(req, rsp), Status::kOk);
  CM_CHECK(rsp.bytes.size == 32);
  for (size_t i = 0; i < 32; ++i) first[i] = rsp.bytes.data[i];
  CM_CHECK_STATUS(Call<wire::Op::kGetRandom>(req, rsp), Status::kOk);
  bool differ = false;
  for (size_t i = 0; i < 32; ++i) differ |= first[i] != rsp.bytes.data[i];
  CM_EXPECT(differ);
  req.length = 0;
  CM_EXPECT(Call<wire::Op::kGetRandom>(req, rsp) != Status::kOk);
}

uint8_t public_value[wire::kMaxPublic];
size_t public_len = 0;
uint8_t signature[wire::kMaxSignature];
size_t signature_len = 0;

template <size_t N>
Status Login(wire::User who, const char (&pin)[N]) {
  wire::LoginReq login;
  login.who = who;
  login.pin = Text(pin);
  wire::Empty none;
  return Call<wire::Op::kLogin>(login, none);
}

void SetUpToken() {
  wire::Empty none;
  wire::InitTokenReq init;
  init.so_pin = Text("so-pin-0042");
  init.label = Text("cortex-m");
  CM_CHECK_STATUS(Call<wire::Op::kInitToken>(init, none), Status::kOk);
  CM_CHECK_STATUS(Login(wire::User::kSo, "so-pin-0042"), Status::kOk);
  wire::InitPinReq pin;
  pin.pin = Text("user-1234");
  CM_CHECK_STATUS(Call<wire::Op::kInitPin>(pin, none), Status::kOk);
  CM_CHECK_STATUS(Call<wire::Op::kLogout>(wire::Empty{}, none), Status::kOk);
  CM_CHECK_STATUS(Login(wire::User::kUser, "user-1234"), Status::kOk);
}

void GenerateSignVerifyP256() {
  wire::GenerateKeyPairReq gen;
  gen.type = wire::KeyType::kEcP256;
  gen.public_flags = wire::kFlagToken | wire::kFlagVerify;
  gen.private_flags =
      wire::kFlagToken | wire::kFlagPrivate | wire::kFlagSensitive | wire::kFlagSign;
  wire::KeyPairRsp pair;
  CM_CHECK_STATUS(Call<wire::Op::kGenerateKeyPair>(gen, pair), Status::kOk);
  CM_CHECK(pair.public_value.size == 65 && pair.public_value.data[0] == 0x04);
  const wire::KeyId public_key = pair.public_key, private_key = pair.private_key;
  public_len = pair.public_value.size;
  for (size_t i = 0; i < public_len; ++i) public_value[i] = pair.public_value.data[i];

  uint8_t digest[32];
  for (size_t i = 0; i < sizeof(digest); ++i) digest[i] = static_cast<uint8_t>(0xC0 ^ i);
  wire::SignReq sign;
  sign.key = private_key;
  sign.alg = wire::SignAlg::kEcdsa;
  sign.data = std::span<const uint8_t>(digest);
  wire::SignatureRsp sig;
  CM_CHECK_STATUS(Call<wire::Op::kSign>(sign, sig), Status::kOk);
  CM_CHECK(sig.signature.size == 64);  // r || s
  signature_len = sig.signature.size;
  for (size_t i = 0; i < signature_len; ++i) signature[i] = sig.signature.data[i];

  wire::VerifyReq verify;
  verify.key = public_key;
  verify.alg = wire::SignAlg::kEcdsa;
  verify.data = std::span<const uint8_t>(digest);
  verify.signature = std::span<const uint8_t>(signature, signature_len);
  wire::Empty none;
  CM_EXPECT(Call<wire::Op::kVerify>(verify, none) == Status::kOk);

  SignParams params;
  params.alg = wire::SignAlg::kEcdsa;
  CM_EXPECT(TheCrypto().Verify(wire::KeyType::kEcP256, nullptr,
                               std::span<const uint8_t>(public_value, public_len), params,
                               std::span<const uint8_t>(digest),
                               std::span<const uint8_t>(signature, signature_len)) == Status::kOk);

  signature[5] ^= 0x01;
  CM_EXPECT(Call<wire::Op::kVerify>(verify, none) == Status::kSignatureInvalid);
  CM_EXPECT(TheCrypto().Verify(wire::KeyType::kEcP256, nullptr,
                               std::span<const uint8_t>(public_value, public_len), params,
                               std::span<const uint8_t>(digest),
                               std::span<const uint8_t>(signature, signature_len)) != Status::kOk);
}

void DeriveEcdh() {
  wire::GenerateKeyPairReq gen;
  gen.type = wire::KeyType::kEcP256;
  gen.private_flags = wire::kFlagPrivate | wire::kFlagSensitive | wire::kFlagDerive;
  wire::KeyPairRsp pair;
  CM_CHECK_STATUS(Call<wire::Op::kGenerateKeyPair>(gen, pair), Status::kOk);
  wire::DeriveReq derive;
  derive.key = pair.private_key;
  derive.peer_point = std::span<const uint8_t>(public_value, public_len);  // the other key's
  derive.type = wire::KeyType::kGenericSecret;
  derive.length = 32;
  derive.flags = wire::kFlagSensitive | wire::kFlagSign;
  wire::KeyRsp secret;
  CM_CHECK_STATUS(Call<wire::Op::kDerive>(derive, secret), Status::kOk);
  CM_EXPECT(secret.key != wire::kNoKey);
  wire::Empty none;
  wire::IdReq ids[] = {{pair.public_key}, {pair.private_key}, {secret.key}};
  for (const wire::IdReq& id : ids)
    CM_EXPECT(Call<wire::Op::kDestroyObject>(id, none) == Status::kOk);
}

uint8_t data[wire::kMaxData + 1];
uint8_t sealed[wire::kMaxData + wire::kMaxTag];

// A session secret key of `type` (length for a generic secret) with `flags`.
wire::KeyId NewSecret(wire::KeyType type, uint16_t length, uint32_t flags) {
  wire::GenerateKeyReq gen;
  gen.type = type;
  gen.length = length;
  gen.flags = flags | wire::kFlagSensitive;
  wire::KeyRsp key;
  Status s = Call<wire::Op::kGenerateKey>(gen, key);
  CM_EXPECT(s == Status::kOk);
  return s == Status::kOk ? key.key : wire::kNoKey;
}

void AesGcmLargestData() {
  for (size_t i = 0; i < sizeof(data); ++i) data[i] = static_cast<uint8_t>(i * 7);
  wire::KeyId key = NewSecret(wire::KeyType::kAes256, 0, wire::kFlagEncrypt | wire::kFlagDecrypt);
  const uint8_t iv[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  wire::CipherReq enc;
  enc.key = key;
  enc.iv = std::span<const uint8_t>(iv);
  enc.data = std::span<const uint8_t>(data, wire::kMaxData);
  wire::DataRsp out;
  CM_CHECK_STATUS(Call<wire::Op::kEncrypt>(enc, out), Status::kOk);
  CM_CHECK(out.data.size == wire::kMaxData + 16);
  for (size_t i = 0; i < out.data.size; ++i) sealed[i] = out.data.data[i];
  wire::CipherReq dec = enc;
  dec.data = std::span<const uint8_t>(sealed, wire::kMaxData + 16);
  CM_CHECK_STATUS(Call<wire::Op::kDecrypt>(dec, out), Status::kOk);
  CM_EXPECT(out.data.size == wire::kMaxData);
  bool same = true;
  for (size_t i = 0; same && i < wire::kMaxData; ++i) same = out.data.data[i] == data[i];
  CM_EXPECT(same);
  enc.data = std::span<const uint8_t>(data, wire::kMaxData + 1);  // one byte over
  CM_EXPECT(Call<wire::Op::kEncrypt>(enc, out) == Status::kDataLenRange);
}

void HmacAndDigestLargestData() {
  wire::KeyId key =
      NewSecret(wire::KeyType::kGenericSecret, 32, wire::kFlagSign | wire::kFlagVerify);
  wire::SignReq sign;
  sign.key = key;
  sign.alg = wire::SignAlg::kHmacSha256;
  sign.data = std::span<const uint8_t>(data, wire::kMaxData);
  wire::SignatureRsp mac;
  CM_CHECK_STATUS(Call<wire::Op::kSign>(sign, mac), Status::kOk);
  CM_CHECK(mac.signature.size == 32);
  uint8_t tag[32];
  for (size_t i = 0; i < sizeof(tag); ++i) tag[i] = mac.signature.data[i];
  wire::VerifyReq verify;
  verify.key = key;
  verify.alg = wire::SignAlg::kHmacSha256;
  verify.data = sign.data;
  verify.signature = std::span<const uint8_t>(tag);
  wire::Empty none;
  CM_EXPECT(Call<wire::Op::kVerify>(verify, none) == Status::kOk);
  wire::DigestReq digest;
  digest.data = sign.data;
  wire::DigestRsp hash;
  CM_CHECK_STATUS(Call<wire::Op::kDigest>(digest, hash), Status::kOk);
  CM_EXPECT(hash.digest.size == 32);
}

// Session objects take RAM slots: as many as the capacities say, then kNoSpace, which the
// host reports as CKR_DEVICE_MEMORY.
void SessionObjectsToCapacity() {
  wire::Empty none;
  TheCore().Reset();  // a USB reset: logged out, the earlier tests' session keys gone
  CM_CHECK_STATUS(Login(wire::User::kUser, "user-1234"), Status::kOk);
  wire::CreateObjectReq create;
  create.attrs = Text("a data object");
  wire::KeyId ids[kMaxSessionObjects] = {};
  wire::IdRsp id;
  for (wire::KeyId& slot : ids) {
    CM_CHECK_STATUS(Call<wire::Op::kCreateObject>(create, id), Status::kOk);
    slot = id.id;
  }
  CM_EXPECT(Call<wire::Op::kCreateObject>(create, id) == Status::kNoSpace);
  for (wire::KeyId slot : ids) {
    CM_EXPECT(Call<wire::Op::kDestroyObject>(wire::IdReq{slot}, none) == Status::kOk);
  }
  CM_EXPECT(Call<wire::Op::kCreateObject>(create, id) == Status::kOk);
}

}  // namespace

const TestCase kCoreTests[] = {
    {"core.GetInfo", GetInfo},
    {"core.GetRandom", GetRandom},
    {"core.SetUpToken", SetUpToken},
    {"core.GenerateSignVerifyP256", GenerateSignVerifyP256},
    {"core.DeriveEcdh", DeriveEcdh},
    {"core.AesGcmLargestData", AesGcmLargestData},
    {"core.HmacAndDigestLargestData", HmacAndDigestLargestData},
    {"core.SessionObjectsToCapacity", SessionObjectsToCapacity},
};
const int kCoreTestCount = sizeof(kCoreTests) / sizeof(kCoreTests[0]);

}  // namespace hsm::cortex_m::test
