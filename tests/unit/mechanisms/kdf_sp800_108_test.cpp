// SP 800-108 KDFs: NIST CAVP counter-mode known answers (tests/data/kdf/sp800_108_counter.txt)
// through CKM_SP800_108_COUNTER_KDF; counter mode with AES-CMAC and feedback mode against
// OpenSSL's own KBKDF for the layout both can express; other layouts (little-endian counters,
// DKM by segments) against a PRF computed here with EVP_MAC; parameter validation.
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "mechanisms/kdf_multi.h"
#include "mechanisms/registry.h"
#include "sym_test_util.h"

namespace p11 {
namespace {

using symtest::Bytes;

template <class T>
ByteView ParamOf(const T& p) {
  return ByteView(reinterpret_cast<const uint8_t*>(&p), sizeof p);
}

template <class T>
CK_PRF_DATA_PARAM Data(CK_PRF_DATA_TYPE type, const T& value) {
  return CK_PRF_DATA_PARAM{type, const_cast<T*>(&value), sizeof(T)};
}

CK_PRF_DATA_PARAM ByteArray(const Bytes& b) {
  return CK_PRF_DATA_PARAM{CK_SP800_108_BYTE_ARRAY, const_cast<uint8_t*>(b.data()), b.size()};
}

Object Template(CK_KEY_TYPE type, std::optional<CK_ULONG> len) {
  Object o;
  o.SetUlong(CKA_CLASS, CKO_SECRET_KEY);
  o.SetUlong(CKA_KEY_TYPE, type);
  if (len) o.SetUlong(CKA_VALUE_LEN, *len);
  return o;
}

Bytes ValueOf(const Object& o) {
  ByteView v = o.GetBytes(CKA_VALUE);
  return Bytes(v.begin(), v.end());
}

// OpenSSL's KBKDF: PRF input [K(i-1)] || [i]_32 || label || 0x00 || context || [L]_32.
Bytes OpensslKbkdf(bool feedback, bool cmac, const Bytes& key, const Bytes& label,
                   const Bytes& context, const Bytes& iv, size_t len) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "KBKDF", nullptr);
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  std::vector<OSSL_PARAM> params;
  params.push_back(OSSL_PARAM_construct_utf8_string(
      OSSL_KDF_PARAM_MODE, const_cast<char*>(feedback ? "FEEDBACK" : "COUNTER"), 0));
  params.push_back(OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MAC,
                                                    const_cast<char*>(cmac ? "CMAC" : "HMAC"), 0));
  if (cmac) {
    params.push_back(OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_CIPHER,
                                                      const_cast<char*>("AES-128-CBC"), 0));
  } else {
    params.push_back(
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>("SHA256"), 0));
  }
  auto octets = [](const char* k, const Bytes& b) {
    return OSSL_PARAM_construct_octet_string(k, const_cast<uint8_t*>(b.data()), b.size());
  };
  params.push_back(octets(OSSL_KDF_PARAM_KEY, key));
  params.push_back(octets(OSSL_KDF_PARAM_SALT, label));
  params.push_back(octets(OSSL_KDF_PARAM_INFO, context));
  if (feedback) params.push_back(octets(OSSL_KDF_PARAM_SEED, iv));
  params.push_back(OSSL_PARAM_construct_end());
  Bytes out(len);
  EXPECT_EQ(EVP_KDF_derive(ctx, out.data(), out.size(), params.data()), 1);
  EVP_KDF_CTX_free(ctx);
  EVP_KDF_free(kdf);
  return out;
}

Bytes Hmac256(const Bytes& key, const Bytes& data) {
  Bytes out(32);
  size_t n = 0;
  EXPECT_EQ(EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
                      data.data(), data.size(), out.data(), out.size(), &n) != nullptr,
            true);
  return out;
}

class Sp800108Test : public ::testing::Test {
 protected:
  void SetUp() override { RegisterKdf(registry_); }
  const Mechanism& Counter() { return *registry_.Find(CKM_SP800_108_COUNTER_KDF); }
  const Mechanism& Feedback() { return *registry_.Find(CKM_SP800_108_FEEDBACK_KDF); }
  Registry registry_;
};

TEST_F(Sp800108Test, CavpCounterModeHmacSha256) {
  auto records = symtest::ReadRecords("../kdf/sp800_108_counter.txt");
  EXPECT_EQ(records.size(), 4u);
  for (const symtest::Record& r : records) {
    Bytes ki = symtest::Field(r, "KI");
    Bytes fixed = symtest::Field(r, "FixedInputData");
    Bytes ko = symtest::Field(r, "KO");
    ASSERT_EQ(ko.size() * 8, std::stoul(r.at("L")));
    CK_SP800_108_COUNTER_FORMAT counter{CK_FALSE, 32};
    CK_PRF_DATA_PARAM data[] = {Data(CK_SP800_108_ITERATION_VARIABLE, counter), ByteArray(fixed)};
    CK_SP800_108_KDF_PARAMS p{CKM_SHA256_HMAC, 2, data, 0, nullptr};
    Object out = Template(CKK_GENERIC_SECRET, ko.size());
    KeyMaterial key = symtest::SecretKey(CKK_GENERIC_SECRET, ki);
    ASSERT_TRUE(Counter().Derive(ParamOf(p), key, out).ok());
    EXPECT_EQ(ValueOf(out), ko);
  }
}

TEST_F(Sp800108Test, CounterCmacAndFeedbackHmacMatchOpensslKbkdf) {
  Bytes label = symtest::AsBytesOf("label"), context = symtest::AsBytesOf("the context");
  Bytes zero = {0}, iv(32, 0x5c);
  CK_SP800_108_COUNTER_FORMAT counter{CK_FALSE, 32};
  CK_SP800_108_DKM_LENGTH_FORMAT dkm{CK_SP800_108_DKM_LENGTH_SUM_OF_KEYS, CK_FALSE, 32};
  Bytes aes_key(16, 0x3a), hmac_key(40, 0x17);
  for (size_t len : {16u, 32u, 48u, 100u}) {
    SCOPED_TRACE(len);
    CK_PRF_DATA_PARAM counter_layout[] = {Data(CK_SP800_108_ITERATION_VARIABLE, counter),
                                          ByteArray(label), ByteArray(zero), ByteArray(context),
                                          Data(CK_SP800_108_DKM_LENGTH, dkm)};
    CK_SP800_108_KDF_PARAMS cp{CKM_AES_CMAC, 5, counter_layout, 0, nullptr};
    Object a = Template(CKK_GENERIC_SECRET, len);
    ASSERT_TRUE(Counter().Derive(ParamOf(cp), symtest::SecretKey(CKK_AES, aes_key), a).ok());
    EXPECT_EQ(ValueOf(a), OpensslKbkdf(false, true, aes_key, label, context, {}, len));

    CK_PRF_DATA_PARAM feedback_layout[] = {
        CK_PRF_DATA_PARAM{CK_SP800_108_ITERATION_VARIABLE, nullptr, 0},
        Data(CK_SP800_108_COUNTER, counter),
        ByteArray(label),
        ByteArray(zero),
        ByteArray(context),
        Data(CK_SP800_108_DKM_LENGTH, dkm)};
    CK_SP800_108_FEEDBACK_KDF_PARAMS fp{CKM_SHA256_HMAC, 6, feedback_layout, iv.size(),
                                        iv.data(),       0, nullptr};
    Object f = Template(CKK_GENERIC_SECRET, len);
    KeyMaterial key = symtest::SecretKey(CKK_GENERIC_SECRET, hmac_key);
    ASSERT_TRUE(Feedback().Derive(ParamOf(fp), key, f).ok());
    EXPECT_EQ(ValueOf(f), OpensslKbkdf(true, false, hmac_key, label, context, iv, len));
  }
}

// Additional derived keys (MultiKeyDerive) in feedback mode: one KBKDF output of the summed
// length, cut in parameter order; Derive() alone refuses a parameter that asks for them.
TEST_F(Sp800108Test, FeedbackAdditionalKeysCutOneOutput) {
  Bytes label = symtest::AsBytesOf("label"), context = symtest::AsBytesOf("ctx");
  Bytes zero = {0}, iv(32, 0x21), hmac_key(32, 0x44);
  CK_SP800_108_COUNTER_FORMAT counter{CK_FALSE, 32};
  CK_SP800_108_DKM_LENGTH_FORMAT dkm{CK_SP800_108_DKM_LENGTH_SUM_OF_KEYS, CK_FALSE, 32};
  CK_PRF_DATA_PARAM layout[] = {CK_PRF_DATA_PARAM{CK_SP800_108_ITERATION_VARIABLE, nullptr, 0},
                                Data(CK_SP800_108_COUNTER, counter),
                                ByteArray(label),
                                ByteArray(zero),
                                ByteArray(context),
                                Data(CK_SP800_108_DKM_LENGTH, dkm)};
  CK_OBJECT_HANDLE h1 = 0, h2 = 0;
  CK_DERIVED_KEY extra[] = {{nullptr, 0, &h1}, {nullptr, 0, &h2}};
  CK_SP800_108_FEEDBACK_KDF_PARAMS fp{CKM_SHA256_HMAC, 6, layout, iv.size(), iv.data(), 2, extra};
  const auto* multi = dynamic_cast<const MultiKeyDerive*>(&Feedback());
  ASSERT_NE(multi, nullptr);
  auto asked = multi->AdditionalKeys(ParamOf(fp));
  ASSERT_TRUE(asked.ok());
  EXPECT_EQ(asked->size(), 2u);

  KeyMaterial key = symtest::SecretKey(CKK_GENERIC_SECRET, hmac_key);
  std::vector<Object> keys;
  keys.push_back(Template(CKK_GENERIC_SECRET, 20));
  keys.push_back(Template(CKK_AES, 32));
  keys.push_back(Template(CKK_GENERIC_SECRET, 7));
  ASSERT_TRUE(multi->DeriveAll(ParamOf(fp), key, keys).ok());
  Bytes whole = OpensslKbkdf(true, false, hmac_key, label, context, iv, 59);
  EXPECT_EQ(ValueOf(keys[0]), Bytes(whole.begin(), whole.begin() + 20));
  EXPECT_EQ(ValueOf(keys[1]), Bytes(whole.begin() + 20, whole.begin() + 52));
  EXPECT_EQ(ValueOf(keys[2]), Bytes(whole.begin() + 52, whole.end()));

  Object alone = Template(CKK_GENERIC_SECRET, 20);
  EXPECT_EQ(Feedback().Derive(ParamOf(fp), key, alone).rv(), CKR_MECHANISM_PARAM_INVALID);
  CK_DERIVED_KEY no_handle[] = {{nullptr, 0, nullptr}};
  fp.pAdditionalDerivedKeys = no_handle;
  fp.ulAdditionalDerivedKeys = 1;
  EXPECT_EQ(multi->AdditionalKeys(ParamOf(fp)).rv(), CKR_MECHANISM_PARAM_INVALID);
  fp.pAdditionalDerivedKeys = nullptr;
  EXPECT_EQ(multi->AdditionalKeys(ParamOf(fp)).rv(), CKR_MECHANISM_PARAM_INVALID);
}

TEST_F(Sp800108Test, LittleEndianCountersAndSegmentLength) {
  // A 16-bit little-endian counter after the data, then the DKM length by segments (16-bit LE).
  Bytes key_bytes(32, 0x42), fixed = symtest::AsBytesOf("fixed");
  CK_SP800_108_COUNTER_FORMAT counter{CK_TRUE, 16};
  CK_SP800_108_DKM_LENGTH_FORMAT dkm{CK_SP800_108_DKM_LENGTH_SUM_OF_SEGMENTS, CK_TRUE, 16};
  CK_PRF_DATA_PARAM data[] = {ByteArray(fixed), Data(CK_SP800_108_ITERATION_VARIABLE, counter),
                              Data(CK_SP800_108_DKM_LENGTH, dkm)};
  CK_SP800_108_KDF_PARAMS p{CKM_SHA256_HMAC, 3, data, 0, nullptr};
  Object out = Template(CKK_AES, 24);
  ASSERT_TRUE(
      Counter().Derive(ParamOf(p), symtest::SecretKey(CKK_GENERIC_SECRET, key_bytes), out).ok());
  // One 32-byte segment: L by segments = 256 bits = 0x0100, little-endian 00 01.
  Bytes input = symtest::Concat(fixed, Bytes{0x01, 0x00, 0x00, 0x01});
  Bytes expect = Hmac256(key_bytes, input);
  expect.resize(24);
  EXPECT_EQ(ValueOf(out), expect);
}

TEST_F(Sp800108Test, RejectsBadParametersKeysAndLengths) {
  Bytes fixed(8, 1);
  KeyMaterial key = symtest::SecretKey(CKK_GENERIC_SECRET, Bytes(32, 9));
  CK_SP800_108_COUNTER_FORMAT counter{CK_FALSE, 32}, wide{CK_FALSE, 40}, byte{CK_FALSE, 8};
  CK_SP800_108_DKM_LENGTH_FORMAT bad_method{7, CK_FALSE, 32};
  auto rv = [&](std::vector<CK_PRF_DATA_PARAM> data, CK_MECHANISM_TYPE prf = CKM_SHA256_HMAC,
                std::optional<CK_ULONG> len = 32, const KeyMaterial* k = nullptr) {
    CK_SP800_108_KDF_PARAMS p{prf, static_cast<CK_ULONG>(data.size()), data.data(), 0, nullptr};
    Object o = Template(CKK_GENERIC_SECRET, len);
    return Counter().Derive(ParamOf(p), k ? *k : key, o).rv();
  };
  CK_PRF_DATA_PARAM iter = Data(CK_SP800_108_ITERATION_VARIABLE, counter);
  EXPECT_EQ(rv({iter, ByteArray(fixed)}), CKR_OK);
  EXPECT_EQ(rv({ByteArray(fixed)}), CKR_MECHANISM_PARAM_INVALID);  // no iteration variable
  EXPECT_EQ(rv({iter, iter}), CKR_MECHANISM_PARAM_INVALID);        // two
  EXPECT_EQ(rv({Data(CK_SP800_108_ITERATION_VARIABLE, wide)}), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(rv({iter, Data(CK_SP800_108_COUNTER, counter)}), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(rv({iter, Data(CK_SP800_108_DKM_LENGTH, bad_method)}), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(rv({iter, CK_PRF_DATA_PARAM{CK_SP800_108_BYTE_ARRAY, nullptr, 4}}),
            CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(rv({iter, CK_PRF_DATA_PARAM{CK_SP800_108_KEY_HANDLE, nullptr, 0}}),
            CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(rv({CK_PRF_DATA_PARAM{CK_SP800_108_ITERATION_VARIABLE, &counter, 4}}),
            CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(rv({iter}, CKM_SHA256), CKR_MECHANISM_PARAM_INVALID);  // not a PRF
  EXPECT_EQ(rv({iter}, CKM_AES_CMAC), CKR_KEY_TYPE_INCONSISTENT);  // CMAC needs AES
  EXPECT_EQ(rv({iter}, CKM_SHA256_HMAC, std::nullopt), CKR_TEMPLATE_INCOMPLETE);
  // An 8-bit counter allows 255 blocks of 32 bytes.
  EXPECT_EQ(rv({Data(CK_SP800_108_ITERATION_VARIABLE, byte)}, CKM_SHA256_HMAC, 255 * 32), CKR_OK);
  EXPECT_EQ(rv({Data(CK_SP800_108_ITERATION_VARIABLE, byte)}, CKM_SHA256_HMAC, 255 * 32 + 1),
            CKR_TEMPLATE_INCONSISTENT);
  KeyMaterial ec;
  ec.object_class = CKO_PRIVATE_KEY;
  ec.key_type = CKK_EC;
  EXPECT_EQ(rv({iter}, CKM_SHA256_HMAC, 32, &ec), CKR_KEY_TYPE_INCONSISTENT);

  CK_DERIVED_KEY extra{};
  CK_SP800_108_KDF_PARAMS more{CKM_SHA256_HMAC, 1, &iter, 1, &extra};
  Object o = Template(CKK_GENERIC_SECRET, 32);
  EXPECT_EQ(Counter().Derive(ParamOf(more), key, o).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(Counter().Derive(ParamOf(more).first(16), key, o).rv(), CKR_MECHANISM_PARAM_INVALID);
  // Feedback mode: the iteration variable carries no value; the IV may not dangle.
  CK_SP800_108_FEEDBACK_KDF_PARAMS fb{CKM_SHA256_HMAC, 1, &iter, 0, nullptr, 0, nullptr};
  EXPECT_EQ(Feedback().Derive(ParamOf(fb), key, o).rv(), CKR_MECHANISM_PARAM_INVALID);
  CK_PRF_DATA_PARAM fb_iter{CK_SP800_108_ITERATION_VARIABLE, nullptr, 0};
  fb.pDataParams = &fb_iter;
  EXPECT_EQ(Feedback().Derive(ParamOf(fb), key, o).rv(), CKR_OK);
  fb.ulIVLen = 8;
  EXPECT_EQ(Feedback().Derive(ParamOf(fb), key, o).rv(), CKR_MECHANISM_PARAM_INVALID);
}

}  // namespace
}  // namespace p11
