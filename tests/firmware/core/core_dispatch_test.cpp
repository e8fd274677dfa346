// The Core as a request/response machine: exactly one well-formed response per request,
// whatever the bytes; the gate before InitToken; device info, random and digests.
#include <openssl/evp.h>

#include "core_harness.h"

namespace arca_test {
namespace {

using hsm::Status;

TEST(CoreDispatch, UnknownOpGetsExactlyOneErrorResponse) {
  Device dev;
  for (uint16_t op : {0x0000, 0x0003, 0x00FF, 0x1234, 0xFFFF}) {
    RawReply r = dev.Raw(op, {}, 0, 0x4242);
    EXPECT_EQ(r.header.status, static_cast<uint16_t>(Status::kUnknownOp)) << op;
    EXPECT_TRUE(r.payload.empty());
  }
}

TEST(CoreDispatch, MalformedPayloadsAreRefused) {
  Device dev;
  // RandomReq is a u16: one byte is short, three bytes leave a trailing byte.
  const uint8_t one[] = {0x10};
  const uint8_t three[] = {0x10, 0x00, 0x00};
  EXPECT_EQ(dev.Raw(0x0002, one).header.status, static_cast<uint16_t>(Status::kMalformed));
  EXPECT_EQ(dev.Raw(0x0002, three).header.status, static_cast<uint16_t>(Status::kMalformed));
  // GetInfo takes an empty request.
  EXPECT_EQ(dev.Raw(0x0001, one).header.status, static_cast<uint16_t>(Status::kMalformed));
}

TEST(CoreDispatch, OverlongBytesFieldIsMalformed) {
  Device dev;
  // InitTokenReq: so_pin (u16 length + bytes) then label; a 33-byte label is over kLabelSize.
  Bytes payload = {8, 0, '1', '2', '3', '4', '5', '6', '7', '8', 33, 0};
  payload.insert(payload.end(), 33, 'L');
  EXPECT_EQ(dev.Raw(0x0010, payload).header.status, static_cast<uint16_t>(Status::kMalformed));
  // A PIN declared longer than kMaxPin.
  Bytes pin = {65, 0};
  pin.insert(pin.end(), 65, 'p');
  pin.insert(pin.end(), {0, 0});
  EXPECT_EQ(dev.Raw(0x0010, pin).header.status, static_cast<uint16_t>(Status::kMalformed));
  Bytes frame;
  EXPECT_FALSE(dev.Info(&frame).token_flags & wire::kTokenInitialized);
}

TEST(CoreDispatch, FramesThatAreNotRequestsAreAnswered) {
  Device dev;
  // A response frame sent to the device, and a request whose header lies about its length.
  EXPECT_EQ(dev.Raw(0x0001, {}, wire::kFlagResponse).header.status,
            static_cast<uint16_t>(Status::kMalformed));
  wire::FrameHeader header;
  header.op = 0x0001;
  header.length = 5;
  Bytes out(wire::kMaxFrame);
  size_t n = dev.core().Process(header, {}, out);
  ASSERT_GT(n, wire::kHeaderSize);
  wire::FrameHeader rsp;
  ASSERT_TRUE(wire::DecodeHeader(out, &rsp));
  EXPECT_EQ(rsp.status, static_cast<uint16_t>(Status::kMalformed));
  EXPECT_EQ(rsp.length, 0u);
}

TEST(CoreDispatch, ResponseBufferTooSmallStillGetsAFrame) {
  Device dev;
  wire::FrameHeader header;
  header.op = 0x0001;
  Bytes out(wire::kHeaderSize + wire::kCrcSize + 8);  // room for an error frame, not the info
  size_t n = dev.core().Process(header, {}, out);
  ASSERT_EQ(n, wire::kHeaderSize + wire::kCrcSize);
  wire::FrameHeader rsp;
  ASSERT_TRUE(wire::DecodeHeader(out, &rsp));
  EXPECT_EQ(rsp.status, static_cast<uint16_t>(Status::kTooLarge));
}

TEST(CoreDispatch, BlankTokenAnswersOnlyInfoRandomDigestAndInitToken) {
  Device dev;
  int gated = 0;
#define ARCA_TRY_OP(code, name, req, rsp)                                 \
  {                                                                       \
    wire::Op op = wire::Op::k##name;                                      \
    auto r = dev.Call<wire::Op::k##name>(req{});                          \
    bool open = op == wire::Op::kGetInfo || op == wire::Op::kGetRandom || \
                op == wire::Op::kDigest || op == wire::Op::kInitToken;    \
    if (open) {                                                           \
      EXPECT_NE(r.status, Status::kTokenNotInitialized) << #name;         \
    } else {                                                              \
      EXPECT_EQ(r.status, Status::kTokenNotInitialized) << #name;         \
      ++gated;                                                            \
    }                                                                     \
  }
  HSM_OPS(ARCA_TRY_OP)
#undef ARCA_TRY_OP
  EXPECT_EQ(gated, 18);
}

TEST(CoreDispatch, GetInfoReportsTheDevice) {
  Device dev;
  Bytes frame;
  wire::InfoRsp info = dev.Info(&frame);
  EXPECT_EQ(Copy(info.serial.span()), ToBytes("ARCA0123456789AB"));
  EXPECT_EQ(info.max_payload, wire::kMaxPayload);
  EXPECT_EQ(info.total_objects, wire::kMaxObjects);
  EXPECT_EQ(info.free_objects, wire::kMaxObjects);
  EXPECT_EQ(info.max_failures, 10);
  EXPECT_EQ(info.min_pin, wire::kMinPin);
  EXPECT_EQ(info.max_pin, wire::kMaxPin);
  // The capacities the host keeps within (the host build's: protocol/limits.h defaults).
  EXPECT_EQ(info.max_data, wire::kMaxData);
  EXPECT_EQ(info.max_attr_blob, wire::kMaxAttrBlob);
  EXPECT_EQ(info.max_import, wire::kMaxImport);
  EXPECT_EQ(info.max_aad, wire::kMaxAad);
  EXPECT_EQ(info.max_public, wire::kMaxPublic);
  EXPECT_EQ(info.session_objects, hsm::kMaxSessionObjects);
  EXPECT_EQ(info.fw_minor, 3);
  EXPECT_EQ(info.token_flags, 0);
  for (uint32_t cap : {wire::kCapEcP256, wire::kCapEcP384, wire::kCapEcdsa, wire::kCapEcdh,
                       wire::kCapRsa2048, wire::kCapAes, wire::kCapAesGcm, wire::kCapAesCbc,
                       wire::kCapSha, wire::kCapHmacSha256, wire::kCapRandom, wire::kCapWrap}) {
    EXPECT_TRUE(info.capabilities & cap) << cap;
  }
  dev.SetUpUser();
  info = dev.Info(&frame);
  EXPECT_EQ(Copy(info.label.span()), ToBytes("arca-test"));
  EXPECT_EQ(info.token_flags,
            wire::kTokenInitialized | wire::kTokenUserPinInitialized | wire::kTokenUserLoggedIn);
}

TEST(CoreDispatch, RandomLengthsAndFreshness) {
  Device dev;
  wire::RandomReq req;
  for (uint16_t bad : {0, 1025, 0xFFFF}) {
    req.length = bad;
    EXPECT_EQ(dev.Call<wire::Op::kGetRandom>(req).status, Status::kParamInvalid) << bad;
  }
  req.length = 1024;
  auto a = dev.Call<wire::Op::kGetRandom>(req);
  auto b = dev.Call<wire::Op::kGetRandom>(req);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a.rsp.bytes.size, 1024u);
  EXPECT_NE(Copy(a.rsp.bytes.span()), Copy(b.rsp.bytes.span()));
  req.length = 1;
  EXPECT_EQ(dev.Call<wire::Op::kGetRandom>(req).rsp.bytes.size, 1u);
}

TEST(CoreDispatch, DigestsMatchOpenssl) {
  Device dev;
  Bytes data = ToBytes("the quick brown fox");
  struct Case {
    wire::HashAlg hash;
    const EVP_MD* md;
  } cases[] = {{wire::HashAlg::kSha256, EVP_sha256()},
               {wire::HashAlg::kSha384, EVP_sha384()},
               {wire::HashAlg::kSha512, EVP_sha512()}};
  for (const Case& c : cases) {
    wire::DigestReq req;
    req.hash = c.hash;
    req.data = Span(data);
    auto r = dev.Call<wire::Op::kDigest>(req);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(Copy(r.rsp.digest.span()), Sha(c.md, data));
  }
  wire::DigestReq bad;
  bad.hash = static_cast<wire::HashAlg>(9);
  EXPECT_EQ(dev.Call<wire::Op::kDigest>(bad).status, Status::kMechanismInvalid);
  bad.hash = wire::HashAlg::kNone;
  EXPECT_EQ(dev.Call<wire::Op::kDigest>(bad).status, Status::kMechanismInvalid);
}

}  // namespace
}  // namespace arca_test
