// Unit tests of arca-tool's helpers: JSON output, hex, CK_RV names and exit codes, pkcs11:
// URI parsing, and import planning from OpenSSL-generated keys.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "cli/check_rv.h"
#include "cli/json_writer.h"
#include "cli/key_import.h"
#include "cli/pkcs11_uri.h"
#include "cli/token_select.h"

namespace p11::cli {
namespace {

TEST(JsonWriter, NestsAndSeparates) {
  JsonWriter w;
  w.BeginObject().Key("a").Number(1).Key("b").BeginArray().Bool(true).Null().String("x");
  w.EndArray().Key("c").BeginObject().EndObject().EndObject();
  EXPECT_EQ(w.Finish(), "{\"a\":1,\"b\":[true,null,\"x\"],\"c\":{}}\n");
}

TEST(JsonWriter, EscapesControlQuotesAndInvalidUtf8) {
  JsonWriter w;
  w.String(std::string("q\"b\\n\n\x01\xff\xc3\xa9", 10));
  EXPECT_EQ(w.Finish(), "\"q\\\"b\\\\n\\n\\u0001\\u00ff\xc3\xa9\"\n");
}

TEST(Hex, RoundTripsAndRejectsGarbage) {
  std::vector<uint8_t> bytes = ParseHex("0A:1b:ff");
  EXPECT_EQ(bytes, (std::vector<uint8_t>{0x0a, 0x1b, 0xff}));
  EXPECT_EQ(ToHex(bytes), "0a1bff");
  EXPECT_EQ(ParseHex("0x01"), std::vector<uint8_t>{1});
  EXPECT_THROW(ParseHex("abc"), CliError);
  EXPECT_THROW(ParseHex("zz"), CliError);
  EXPECT_THROW(ParseHex(""), CliError);
}

TEST(CheckRv, NamesCodesAndMapsExitCodes) {
  EXPECT_EQ(RvName(CKR_PIN_INCORRECT), "CKR_PIN_INCORRECT");
  EXPECT_EQ(RvName(0x12345678UL), "CKR_0x12345678");
  EXPECT_EQ(ExitCodeForRv(CKR_PIN_LOCKED), kExitAuth);
  EXPECT_EQ(ExitCodeForRv(CKR_SLOT_ID_INVALID), kExitNotFound);
  EXPECT_EQ(ExitCodeForRv(CKR_TEMPLATE_INCONSISTENT), kExitToken);
  try {
    CheckRv(CKR_PIN_INCORRECT, "login failed");
    FAIL() << "no throw";
  } catch (const CliError& e) {
    EXPECT_STREQ(e.what(), "login failed: CKR_PIN_INCORRECT");
    EXPECT_EQ(e.exit_code(), kExitAuth);
  }
}

TEST(Pkcs11Uri, ReadsObjectAttributesAndMatchesTokens) {
  Pkcs11Uri uri("pkcs11:token=My%20Token;id=%01%ff;object=key;type=private;slot-id=3");
  EXPECT_EQ(uri.Id(), (std::vector<uint8_t>{0x01, 0xff}));
  EXPECT_EQ(uri.ObjectLabel(), "key");
  EXPECT_EQ(uri.ObjectClass(), CKO_PRIVATE_KEY);
  EXPECT_EQ(uri.SlotId(), 3u);
  EXPECT_TRUE(uri.MatchesToken({"My Token", "Arca", "SoftToken", "01"}));
  EXPECT_FALSE(uri.MatchesToken({"Other", "Arca", "SoftToken", "01"}));
  Pkcs11Uri any("pkcs11:");
  EXPECT_TRUE(any.MatchesToken({"x", "y", "z", "1"}));
  EXPECT_FALSE(any.Id().has_value());
  EXPECT_FALSE(any.SlotId().has_value());
  EXPECT_THROW(Pkcs11Uri("file:///x"), CliError);
  EXPECT_THROW(Pkcs11Uri("pkcs11:frobnicate=1"), CliError);
}

class ImportPlanTest : public ::testing::Test {
 protected:
  std::string WriteKey(EVP_PKEY* key, const char* name) {
    std::string path = (std::filesystem::temp_directory_path() /
                        (std::string("arca-cli-unit-") + std::to_string(getpid()) + name))
                           .string();
    FILE* f = std::fopen(path.c_str(), "w");
    EXPECT_NE(f, nullptr);
    EXPECT_EQ(PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr), 1);
    std::fclose(f);
    paths_.push_back(path);
    return path;
  }
  void TearDown() override {
    for (const std::string& p : paths_) std::filesystem::remove(p);
  }
  std::vector<std::string> paths_;
};

const CK_ATTRIBUTE* FindAttr(const AttributeList& list, CK_ATTRIBUTE_TYPE type) {
  for (const CK_ATTRIBUTE& a : list.attributes()) {
    if (a.type == type) return &a;
  }
  return nullptr;
}

TEST_F(ImportPlanTest, EcKeyPadsScalarAndWrapsPoint) {
  EVP_PKEY* key = EVP_EC_gen("P-521");
  ASSERT_NE(key, nullptr);
  ImportRequest request;
  request.path = WriteKey(key, "p521.pem");
  request.label = "lbl";
  ImportPlan plan = PlanImport(request);
  EVP_PKEY_free(key);
  ASSERT_EQ(plan.objects.size(), 2u);
  EXPECT_EQ(plan.id.size(), 20u);  // SHA-1 of the public key
  const CK_ATTRIBUTE* value = FindAttr(plan.objects[0], CKA_VALUE);
  ASSERT_NE(value, nullptr);
  EXPECT_EQ(value->ulValueLen, 66u);
  const CK_ATTRIBUTE* point = FindAttr(plan.objects[1], CKA_EC_POINT);
  ASSERT_NE(point, nullptr);
  const auto* p = static_cast<const uint8_t*>(point->pValue);
  // OCTET STRING, long-form length 0x81 0x85 = 133 bytes, uncompressed point.
  EXPECT_EQ(point->ulValueLen, 136u);
  EXPECT_EQ(p[0], 0x04);
  EXPECT_EQ(p[1], 0x81);
  EXPECT_EQ(p[3], 0x04);
  const CK_ATTRIBUTE* params = FindAttr(plan.objects[1], CKA_EC_PARAMS);
  ASSERT_NE(params, nullptr);
  const uint8_t kSecp521r1[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23};
  ASSERT_EQ(params->ulValueLen, sizeof(kSecp521r1));
  EXPECT_EQ(std::memcmp(params->pValue, kSecp521r1, sizeof(kSecp521r1)), 0);
  const CK_ATTRIBUTE* label = FindAttr(plan.objects[0], CKA_LABEL);
  ASSERT_NE(label, nullptr);
  EXPECT_EQ(std::string(static_cast<const char*>(label->pValue), label->ulValueLen), "lbl");
}

TEST_F(ImportPlanTest, RsaKeyCarriesCrtComponents) {
  EVP_PKEY* key = EVP_RSA_gen(1024);
  ASSERT_NE(key, nullptr);
  ImportRequest request;
  request.path = WriteKey(key, "rsa.pem");
  request.id = std::vector<uint8_t>{7};
  ImportPlan plan = PlanImport(request);
  EVP_PKEY_free(key);
  ASSERT_EQ(plan.objects.size(), 2u);
  for (CK_ATTRIBUTE_TYPE t : {CKA_MODULUS, CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_PRIME_2,
                              CKA_EXPONENT_1, CKA_EXPONENT_2, CKA_COEFFICIENT}) {
    EXPECT_NE(FindAttr(plan.objects[0], t), nullptr) << t;
  }
  EXPECT_EQ(FindAttr(plan.objects[1], CKA_PRIVATE_EXPONENT), nullptr);
  EXPECT_EQ(FindAttr(plan.objects[0], CKA_MODULUS)->ulValueLen, 128u);
  EXPECT_EQ(plan.id, std::vector<uint8_t>{7});
  EXPECT_EQ(plan.label, std::string("arca-cli-unit-") + std::to_string(getpid()) + "rsa");
}

TEST_F(ImportPlanTest, RejectsGarbageAndMissingFiles) {
  ImportRequest request;
  request.path = "/nonexistent/arca-key.pem";
  try {
    (void)PlanImport(request);
    FAIL() << "no throw";
  } catch (const CliError& e) {
    EXPECT_EQ(e.exit_code(), kExitIo);
  }
}

}  // namespace
}  // namespace p11::cli
