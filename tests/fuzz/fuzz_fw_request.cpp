// Fuzz target for the firmware core's request handling: the first two bytes pick the op
// (little-endian, low 15 bits), the rest is the request payload, handed to hsm::Core::Process
// exactly as a port would after framing. Each input runs on a fresh Core whose flash is a copy of
// one prepared image — an initialised token with a user PIN and a few objects of each kind (ids
// 1..8, see Prepare) — so every input starts from the same state and a crash reproduces.
// When the top bit of those two bytes is set (half of all inputs) the user logs in first,
// so the handlers behind the login checks are reached too. Checked on every input: exactly one
// response frame, well formed, for the request's op and seq, with a payload only on success.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>

#include "core/core.h"
#include "keystore/ram_flash.h"
#include "keystore/record_store.h"
#include "protocol/frame.h"
#include "protocol/messages.h"
#include "workers/entropy.h"
#include "workers/mbedtls_crypto.h"

namespace {

using Flash = hsm::RamFlash<16 * 1024, 4>;

constexpr char kSerial[] = "FUZZ000000000001";
constexpr uint8_t kUniqueKey[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31};
constexpr char kSoPin[] = "fuzz-so-pin";
constexpr char kUserPin[] = "fuzz-user-pin";

class FixedEntropy final : public hsm::EntropySource {
 public:
  hsm::Status Gather(std::span<uint8_t> out) override {
    for (uint8_t& b : out) b = static_cast<uint8_t>(counter_++ * 167 + 13);
    return hsm::Status::kOk;
  }

 private:
  uint32_t counter_ = 0;
};

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

// One booted device: a core on `flash` with a freshly seeded crypto port.
struct Device {
  FixedEntropy entropy;
  hsm::MbedCrypto crypto{entropy};
  hsm::RecordStore records;
  std::unique_ptr<hsm::Core> core;
  uint8_t response[wire::kMaxFrame];
  uint16_t seq = 1;

  explicit Device(Flash& flash) : records(flash) {
    Check(hsm::Ok(crypto.Init()));
    hsm::DeviceIdentity identity;
    identity.serial = std::span<const char>(kSerial, 16);
    identity.unique_key = kUniqueKey;
    hsm::CoreOptions options;
    options.pin_iterations = 1;  // PIN handling is the same; the KDF cost is not under test
    core = std::make_unique<hsm::Core>(crypto, records, identity, options);
    Check(hsm::Ok(core->Start()));
  }

  // Sends one request and checks the response frame; returns its status.
  hsm::Status Send(uint16_t op, std::span<const uint8_t> payload) {
    wire::FrameHeader header;
    header.op = op;
    header.seq = ++seq;
    header.length = static_cast<uint32_t>(payload.size());
    size_t n = core->Process(header, payload, response);
    Check(n >= wire::kHeaderSize + wire::kCrcSize && n <= sizeof(response));
    wire::FrameHeader rsp;
    Check(wire::DecodeHeader(std::span<const uint8_t>(response, n), &rsp));
    Check(rsp.flags == wire::kFlagResponse && rsp.op == op && rsp.seq == header.seq);
    Check(rsp.length == n - wire::kHeaderSize - wire::kCrcSize);
    Check(rsp.status == 0 || rsp.length == 0);
    std::span<const uint8_t> body(response, n - wire::kCrcSize);
    uint32_t crc = 0;
    for (int i = 0; i < 4; ++i) crc |= static_cast<uint32_t>(response[n - 4 + i]) << (8 * i);
    Check(crc == wire::Crc32c(body));
    return static_cast<hsm::Status>(rsp.status);
  }

  template <wire::Op op>
  void Call(const typename wire::OpTraits<op>::Request& request) {
    uint8_t payload[wire::kMaxPayload];
    hsm::Status s;
    size_t n = wire::EncodeMessage(request, payload, &s);
    Check(hsm::Ok(s));
    Check(hsm::Ok(Send(static_cast<uint16_t>(op), std::span<const uint8_t>(payload, n))));
  }

  void Login(wire::User who, const char* pin) {
    wire::LoginReq req;
    req.who = who;
    req.pin = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(pin), std::strlen(pin));
    Call<wire::Op::kLogin>(req);
  }
};

std::span<const uint8_t> Text(const char* s) {
  return {reinterpret_cast<const uint8_t*>(s), std::strlen(s)};
}

// The image every input starts from. Object ids in order: 1 AES-256 (encrypt, decrypt, wrap,
// unwrap, extractable), 2/3 P-256 public/private (verify; sign, derive, extractable),
// 4 HMAC secret (sign, verify), 5 public data, 6 private data, 7/8 RSA-2048 public/private.
void Prepare(Flash& flash) {
  Device dev(flash);
  wire::InitTokenReq init;
  init.so_pin = Text(kSoPin);
  init.label = Text("fuzz");
  dev.Call<wire::Op::kInitToken>(init);
  dev.Login(wire::User::kSo, kSoPin);
  wire::InitPinReq pin;
  pin.pin = Text(kUserPin);
  dev.Call<wire::Op::kInitPin>(pin);
  dev.Call<wire::Op::kLogout>(wire::Empty{});
  dev.Login(wire::User::kUser, kUserPin);
  constexpr uint32_t kKey = wire::kFlagToken | wire::kFlagPrivate | wire::kFlagSensitive |
                            wire::kFlagModifiable | wire::kFlagExtractable;
  wire::GenerateKeyReq aes;
  aes.type = wire::KeyType::kAes256;
  aes.flags = kKey | wire::kFlagEncrypt | wire::kFlagDecrypt | wire::kFlagWrap | wire::kFlagUnwrap;
  dev.Call<wire::Op::kGenerateKey>(aes);
  wire::GenerateKeyPairReq ec;
  ec.type = wire::KeyType::kEcP256;
  ec.public_flags = wire::kFlagToken | wire::kFlagVerify;
  ec.private_flags = kKey | wire::kFlagSign | wire::kFlagDerive;
  dev.Call<wire::Op::kGenerateKeyPair>(ec);
  wire::GenerateKeyReq hmac;
  hmac.type = wire::KeyType::kGenericSecret;
  hmac.length = 32;
  hmac.flags = kKey | wire::kFlagSign | wire::kFlagVerify;
  dev.Call<wire::Op::kGenerateKey>(hmac);
  wire::CreateObjectReq data;
  data.flags = wire::kFlagToken | wire::kFlagModifiable;
  data.attrs = Text("public data object");
  dev.Call<wire::Op::kCreateObject>(data);
  data.flags |= wire::kFlagPrivate;
  dev.Call<wire::Op::kCreateObject>(data);
  wire::GenerateKeyPairReq rsa;
  rsa.type = wire::KeyType::kRsa2048;
  rsa.public_flags = wire::kFlagToken | wire::kFlagVerify;
  rsa.private_flags = kKey | wire::kFlagSign;
  dev.Call<wire::Op::kGenerateKeyPair>(rsa);
}

const Flash& Image() {
  static const Flash* image = [] {
    auto* flash = new Flash();
    Prepare(*flash);
    return flash;
  }();
  return *image;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  static Flash* flash = new Flash();
  const Flash& image = Image();
  std::memcpy(flash->cells().data(), image.cells().data(), Flash::kSize);
  Device dev(*flash);
  uint16_t word = static_cast<uint16_t>(data[0] | data[1] << 8);
  if (word & 0x8000) dev.Login(wire::User::kUser, kUserPin);
  uint16_t op = word & 0x7FFF;
  dev.Send(op, std::span<const uint8_t>(data + 2, size - 2));
  // Whatever the request did, the device still answers the next one.
  Check(hsm::Ok(dev.Send(static_cast<uint16_t>(wire::Op::kGetInfo), {})));
  return 0;
}
