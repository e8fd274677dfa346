// Conformance test fixtures: load the built libarca-pkcs11.so with dlopen, give each test a
// private store and configuration, and drive the module only through its function lists,
// exactly as an application does. Helpers here never assert module behaviour beyond what a
// test needs as a precondition (initialising a token, logging in, generating keys).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <initializer_list>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "pkcs11/pkcs11.h"

namespace conformance {

using Bytes = std::vector<uint8_t>;

inline constexpr std::string_view kSoPin = "12345678";
inline constexpr std::string_view kUserPin = "1234";
inline constexpr std::string_view kTokenLabel = "conformance";

// DER encodings of the named-curve OIDs (CKA_EC_PARAMS).
extern const Bytes kP256Params;
extern const Bytes kP384Params;
extern const Bytes kP521Params;

// A CK_RV that prints by name in gtest messages.
struct Rv {
  CK_RV value;
  bool operator==(const Rv& other) const { return value == other.value; }
};
const char* RvName(CK_RV rv);
void PrintTo(const Rv& rv, std::ostream* os);

#define EXPECT_RV(expected, expr) \
  EXPECT_EQ(::conformance::Rv{(expected)}, ::conformance::Rv{(expr)})
#define ASSERT_RV(expected, expr) \
  ASSERT_EQ(::conformance::Rv{(expected)}, ::conformance::Rv{(expr)})
#define ASSERT_CKR_OK(expr) ASSERT_RV(CKR_OK, (expr))
#define EXPECT_CKR_OK(expr) EXPECT_RV(CKR_OK, (expr))

// The module, loaded once per process (RTLD_NOW | RTLD_LOCAL). Null with a message in
// LoadError() if it could not be loaded.
void* ModuleHandle();
std::string LoadError();
CK_FUNCTION_LIST* Fn();       // from C_GetFunctionList
CK_FUNCTION_LIST_3_0* Fn3();  // C_GetInterface("PKCS 11", 3.0)

// PIN / label helpers.
CK_UTF8CHAR_PTR Utf8(std::string_view s);              // const_cast for the C API (never written)
std::string Padded(std::string_view s, size_t width);  // blank-padded, as CK_*_INFO fields
std::string FromFixed(const CK_UTF8CHAR* field, size_t width);  // raw bytes of a field
Bytes FromHex(std::string_view hex);
std::string ToHex(const Bytes& b);
Bytes Str(std::string_view s);

// Owned attribute template: values live as long as the template.
class Template {
 public:
  Template() = default;
  Template(const Template&) = delete;
  Template& operator=(const Template&) = delete;

  Template& Bool(CK_ATTRIBUTE_TYPE type, bool v);
  Template& Ulong(CK_ATTRIBUTE_TYPE type, CK_ULONG v);
  Template& Data(CK_ATTRIBUTE_TYPE type, const Bytes& v);
  Template& Text(CK_ATTRIBUTE_TYPE type, std::string_view v);
  Template& Mechs(CK_ATTRIBUTE_TYPE type, std::initializer_list<CK_MECHANISM_TYPE> mechs);
  Template& Raw(CK_ATTRIBUTE_TYPE type, void* value, CK_ULONG len);

  CK_ATTRIBUTE* data() { return attrs_.data(); }
  CK_ULONG size() const { return static_cast<CK_ULONG>(attrs_.size()); }

 private:
  std::deque<Bytes> storage_;
  std::vector<CK_ATTRIBUTE> attrs_;
};

// Environment of one test: a private temp directory holding tokens.sqlite and arca.conf.
// `pin_extra` is appended to the [pin] section (e.g. "max_failures = 3\n").
class TestEnv {
 public:
  explicit TestEnv(const std::string& pin_extra = "");
  ~TestEnv();
  const std::string& dir() const { return dir_; }
  std::string store_path() const { return dir_ + "/tokens.sqlite"; }

 private:
  std::string dir_;
};

// Base fixture: private environment and the loaded module, not initialised.
class ModuleTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  // Extra [pin] configuration lines for this fixture.
  virtual std::string PinConfig() const { return ""; }

  CK_RV Initialize();   // C_Initialize with CKF_OS_LOCKING_OK
  void Reinitialize();  // C_Finalize + C_Initialize (asserts)

  CK_FUNCTION_LIST* f_ = nullptr;
  std::unique_ptr<TestEnv> env_;
};

// Module initialised (CKF_OS_LOCKING_OK) in SetUp, finalised in TearDown.
class InitializedTest : public ModuleTest {
 protected:
  void SetUp() override;

  std::vector<CK_SLOT_ID> Slots(bool token_present = false);
  // The slot whose token lacks CKF_TOKEN_INITIALIZED; CK_UNAVAILABLE_INFORMATION if none.
  CK_SLOT_ID FreeSlot();
  // The slot whose token has this label; CK_UNAVAILABLE_INFORMATION if none.
  CK_SLOT_ID SlotByLabel(std::string_view label);
  // C_InitToken on the free slot with kSoPin; returns the slot found again by label.
  CK_SLOT_ID InitToken(std::string_view label);
  CK_TOKEN_INFO TokenInfo(CK_SLOT_ID slot);
  CK_SESSION_HANDLE Open(CK_SLOT_ID slot, bool rw);
  CK_SESSION_INFO SessionInfo(CK_SESSION_HANDLE s);
};

// A token labelled "conformance" with SO PIN kSoPin and user PIN kUserPin.
class TokenTest : public InitializedTest {
 protected:
  void SetUp() override;

  CK_SESSION_HANDLE OpenRw() { return Open(slot_, true); }
  CK_SESSION_HANDLE OpenRo() { return Open(slot_, false); }
  // An RW session with the user logged in.
  CK_SESSION_HANDLE UserSession();
  CK_RV LoginUser(CK_SESSION_HANDLE s) {
    return f_->C_Login(s, CKU_USER, Utf8(kUserPin), kUserPin.size());
  }
  CK_RV LoginSo(CK_SESSION_HANDLE s) { return f_->C_Login(s, CKU_SO, Utf8(kSoPin), kSoPin.size()); }
  // The SO sets the user PIN on the freshly initialised token in `slot_`.
  void InitUserPin();

  // Object helpers (assert success; return CK_INVALID_HANDLE on failure).
  CK_OBJECT_HANDLE Create(CK_SESSION_HANDLE s, Template& t);
  CK_OBJECT_HANDLE CreateData(CK_SESSION_HANDLE s, std::string_view label, bool token = false,
                              bool priv = false);
  CK_OBJECT_HANDLE GenerateAes(CK_SESSION_HANDLE s, CK_ULONG bytes, Template* extra = nullptr);
  CK_OBJECT_HANDLE CreateSecret(CK_SESSION_HANDLE s, CK_KEY_TYPE type, const Bytes& value,
                                Template* extra = nullptr);
  void GenerateEc(CK_SESSION_HANDLE s, const Bytes& params, CK_OBJECT_HANDLE* pub,
                  CK_OBJECT_HANDLE* priv, Template* pub_extra = nullptr,
                  Template* priv_extra = nullptr);
  void GenerateRsa(CK_SESSION_HANDLE s, CK_ULONG bits, CK_OBJECT_HANDLE* pub,
                   CK_OBJECT_HANDLE* priv);
  std::vector<CK_OBJECT_HANDLE> Find(CK_SESSION_HANDLE s, Template& t);

  // Attribute readers: rv of C_GetAttributeValue in *rv if given.
  Bytes GetBytes(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type,
                 CK_RV* rv = nullptr);
  bool GetBool(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type,
               CK_RV* rv = nullptr);
  CK_ULONG GetUlong(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type,
                    CK_RV* rv = nullptr);

  // Sign / verify in one call each; rv of the failing step.
  CK_RV Sign(CK_SESSION_HANDLE s, CK_MECHANISM* m, CK_OBJECT_HANDLE key, const Bytes& data,
             Bytes* sig);
  CK_RV Verify(CK_SESSION_HANDLE s, CK_MECHANISM* m, CK_OBJECT_HANDLE key, const Bytes& data,
               const Bytes& sig);
  CK_RV Encrypt(CK_SESSION_HANDLE s, CK_MECHANISM* m, CK_OBJECT_HANDLE key, const Bytes& in,
                Bytes* out);
  CK_RV Decrypt(CK_SESSION_HANDLE s, CK_MECHANISM* m, CK_OBJECT_HANDLE key, const Bytes& in,
                Bytes* out);
  CK_RV Digest(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE mech, const Bytes& in, Bytes* out);

  CK_SLOT_ID slot_ = 0;
};

// Runs `body` in a forked child and returns its exit status (body's return value), or
// 128 + signal number if the child died of a signal. The child leaves with _exit.
int RunInChild(const std::function<int()>& body);

// OpenSSL cross-checks. VerifyWithSpki: `sig` as the module returns it (raw r||s for EC,
// converted to DER here); `md` the digest name ("SHA256") or nullptr for a prehashed input
// (then `data` is the hash). Returns true if OpenSSL accepts the signature.
bool OpensslVerify(const Bytes& spki_der, const char* md, const Bytes& data, const Bytes& sig,
                   bool pss = false);
Bytes OpensslDigest(const char* md, const Bytes& data);
// PKCS#11's raw r||s ECDSA signature as OpenSSL's DER ECDSA-Sig-Value.
Bytes EcdsaRawToDer(const Bytes& raw);

}  // namespace conformance
