#include "fixture.h"

#include <dlfcn.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>

#ifndef ARCA_MODULE_PATH
#error "ARCA_MODULE_PATH must name the built libarca-pkcs11.so"
#endif

namespace conformance {

const Bytes kP256Params = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
const Bytes kP384Params = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
const Bytes kP521Params = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23};

namespace {

struct RvEntry {
  CK_RV rv;
  const char* name;
};

#define X(name) {name, #name},
const RvEntry kRvNames[] = {
    X(CKR_OK) X(CKR_CANCEL) X(CKR_HOST_MEMORY) X(CKR_SLOT_ID_INVALID) X(CKR_GENERAL_ERROR) X(
        CKR_FUNCTION_FAILED) X(CKR_ARGUMENTS_BAD) X(CKR_NO_EVENT) X(CKR_NEED_TO_CREATE_THREADS)
        X(CKR_CANT_LOCK) X(CKR_ATTRIBUTE_READ_ONLY) X(CKR_ATTRIBUTE_SENSITIVE) X(
            CKR_ATTRIBUTE_TYPE_INVALID) X(CKR_ATTRIBUTE_VALUE_INVALID) X(CKR_ACTION_PROHIBITED)
            X(CKR_DATA_INVALID) X(CKR_DATA_LEN_RANGE) X(CKR_DEVICE_ERROR) X(CKR_DEVICE_MEMORY) X(
                CKR_DEVICE_REMOVED) X(CKR_ENCRYPTED_DATA_INVALID) X(CKR_ENCRYPTED_DATA_LEN_RANGE)
                X(CKR_AEAD_DECRYPT_FAILED) X(CKR_FUNCTION_CANCELED) X(CKR_FUNCTION_NOT_PARALLEL) X(
                    CKR_FUNCTION_NOT_SUPPORTED) X(CKR_KEY_HANDLE_INVALID) X(CKR_KEY_SIZE_RANGE)
                    X(CKR_KEY_TYPE_INCONSISTENT) X(CKR_KEY_NOT_NEEDED) X(CKR_KEY_CHANGED) X(
                        CKR_KEY_NEEDED) X(CKR_KEY_INDIGESTIBLE) X(CKR_KEY_FUNCTION_NOT_PERMITTED)
                        X(CKR_KEY_NOT_WRAPPABLE) X(CKR_KEY_UNEXTRACTABLE) X(CKR_MECHANISM_INVALID)
                            X(CKR_MECHANISM_PARAM_INVALID) X(CKR_OBJECT_HANDLE_INVALID) X(
                                CKR_OPERATION_ACTIVE) X(CKR_OPERATION_NOT_INITIALIZED)
                                X(CKR_PIN_INCORRECT) X(CKR_PIN_INVALID) X(CKR_PIN_LEN_RANGE) X(
                                    CKR_PIN_EXPIRED) X(CKR_PIN_LOCKED) X(CKR_SESSION_CLOSED)
                                    X(CKR_SESSION_COUNT) X(CKR_SESSION_HANDLE_INVALID) X(
                                        CKR_SESSION_PARALLEL_NOT_SUPPORTED) X(CKR_SESSION_READ_ONLY)
                                        X(CKR_SESSION_EXISTS) X(CKR_SESSION_READ_ONLY_EXISTS) X(
                                            CKR_SESSION_READ_WRITE_SO_EXISTS) X(CKR_SIGNATURE_INVALID) X(CKR_SIGNATURE_LEN_RANGE)
                                            X(CKR_TEMPLATE_INCOMPLETE) X(CKR_TEMPLATE_INCONSISTENT) X(CKR_TOKEN_NOT_PRESENT) X(
                                                CKR_TOKEN_NOT_RECOGNIZED) X(CKR_TOKEN_WRITE_PROTECTED)
                                                X(CKR_UNWRAPPING_KEY_HANDLE_INVALID) X(CKR_UNWRAPPING_KEY_SIZE_RANGE) X(
                                                    CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT) X(CKR_USER_ALREADY_LOGGED_IN)
                                                    X(CKR_USER_NOT_LOGGED_IN) X(CKR_USER_PIN_NOT_INITIALIZED) X(
                                                        CKR_USER_TYPE_INVALID) X(CKR_USER_ANOTHER_ALREADY_LOGGED_IN)
                                                        X(CKR_USER_TOO_MANY_TYPES) X(CKR_WRAPPED_KEY_INVALID) X(
                                                            CKR_WRAPPED_KEY_LEN_RANGE) X(CKR_WRAPPING_KEY_HANDLE_INVALID)
                                                            X(CKR_WRAPPING_KEY_SIZE_RANGE) X(
                                                                CKR_WRAPPING_KEY_TYPE_INCONSISTENT) X(CKR_RANDOM_SEED_NOT_SUPPORTED)
                                                                X(
                                                                    CKR_RANDOM_NO_RNG) X(CKR_DOMAIN_PARAMS_INVALID)
                                                                    X(CKR_CURVE_NOT_SUPPORTED) X(
                                                                        CKR_BUFFER_TOO_SMALL)
                                                                        X(CKR_SAVED_STATE_INVALID) X(
                                                                            CKR_INFORMATION_SENSITIVE) X(CKR_STATE_UNSAVEABLE)
                                                                            X(CKR_CRYPTOKI_NOT_INITIALIZED)
                                                                                X(CKR_CRYPTOKI_ALREADY_INITIALIZED) X(
                                                                                    CKR_MUTEX_BAD) X(CKR_MUTEX_NOT_LOCKED)
                                                                                    X(
                                                                                        CKR_NEW_PIN_MODE) X(CKR_NEXT_OTP)
                                                                                        X(CKR_EXCEEDED_MAX_ITERATIONS) X(
                                                                                            CKR_FIPS_SELF_TEST_FAILED)
                                                                                            X(CKR_LIBRARY_LOAD_FAILED) X(
                                                                                                CKR_PIN_TOO_WEAK)
                                                                                                X(CKR_PUBLIC_KEY_INVALID) X(
                                                                                                    CKR_FUNCTION_REJECTED)
                                                                                                    X(CKR_TOKEN_RESOURCE_EXCEEDED)
                                                                                                        X(CKR_OPERATION_CANCEL_FAILED)
                                                                                                            X(CKR_KEY_EXHAUSTED)};
#undef X

struct Loaded {
  void* handle = nullptr;
  std::string error;
  CK_FUNCTION_LIST* list = nullptr;
  CK_FUNCTION_LIST_3_0* list3 = nullptr;
};

Loaded& Module() {
  static Loaded loaded = [] {
    Loaded l;
    l.handle = dlopen(ARCA_MODULE_PATH, RTLD_NOW | RTLD_LOCAL);
    if (l.handle == nullptr) {
      const char* err = dlerror();
      l.error = err != nullptr ? err : "dlopen failed";
      return l;
    }
    auto get_list = reinterpret_cast<CK_C_GetFunctionList>(dlsym(l.handle, "C_GetFunctionList"));
    if (get_list == nullptr || get_list(&l.list) != CKR_OK) {
      l.error = "C_GetFunctionList missing or failed";
      l.list = nullptr;
    }
    auto get_iface = reinterpret_cast<CK_C_GetInterface>(dlsym(l.handle, "C_GetInterface"));
    CK_VERSION v30 = {3, 0};
    CK_INTERFACE* iface = nullptr;
    if (get_iface != nullptr && get_iface(Utf8("PKCS 11"), &v30, &iface, 0) == CKR_OK &&
        iface != nullptr) {
      l.list3 = static_cast<CK_FUNCTION_LIST_3_0*>(iface->pFunctionList);
    }
    return l;
  }();
  return loaded;
}

}  // namespace

const char* RvName(CK_RV rv) {
  for (const auto& e : kRvNames) {
    if (e.rv == rv) return e.name;
  }
  return nullptr;
}

void PrintTo(const Rv& rv, std::ostream* os) {
  const char* name = RvName(rv.value);
  if (name != nullptr) {
    *os << name;
  } else {
    *os << "CKR_0x" << std::hex << rv.value << std::dec;
  }
}

void* ModuleHandle() { return Module().handle; }
std::string LoadError() { return Module().error; }
CK_FUNCTION_LIST* Fn() { return Module().list; }
CK_FUNCTION_LIST_3_0* Fn3() { return Module().list3; }

CK_UTF8CHAR_PTR Utf8(std::string_view s) {
  return reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(s.data()));
}

std::string Padded(std::string_view s, size_t width) {
  std::string out(s.substr(0, width));
  out.resize(width, ' ');
  return out;
}

std::string FromFixed(const CK_UTF8CHAR* field, size_t width) {
  return std::string(reinterpret_cast<const char*>(field), width);
}

Bytes FromHex(std::string_view hex) {
  Bytes out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoul(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

std::string ToHex(const Bytes& b) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t c : b) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

Bytes Str(std::string_view s) { return Bytes(s.begin(), s.end()); }

// ---- Template ---------------------------------------------------------------------------

Template& Template::Raw(CK_ATTRIBUTE_TYPE type, void* value, CK_ULONG len) {
  attrs_.push_back(CK_ATTRIBUTE{type, value, len});
  return *this;
}

Template& Template::Data(CK_ATTRIBUTE_TYPE type, const Bytes& v) {
  storage_.push_back(v);
  Bytes& b = storage_.back();
  return Raw(type, b.empty() ? nullptr : b.data(), static_cast<CK_ULONG>(b.size()));
}

Template& Template::Bool(CK_ATTRIBUTE_TYPE type, bool v) {
  return Data(type, Bytes{static_cast<uint8_t>(v ? CK_TRUE : CK_FALSE)});
}

Template& Template::Ulong(CK_ATTRIBUTE_TYPE type, CK_ULONG v) {
  Bytes b(sizeof(CK_ULONG));
  std::memcpy(b.data(), &v, sizeof v);
  return Data(type, b);
}

Template& Template::Text(CK_ATTRIBUTE_TYPE type, std::string_view v) { return Data(type, Str(v)); }

Template& Template::Mechs(CK_ATTRIBUTE_TYPE type, std::initializer_list<CK_MECHANISM_TYPE> mechs) {
  Bytes b(sizeof(CK_MECHANISM_TYPE) * mechs.size());
  if (!b.empty()) std::memcpy(b.data(), mechs.begin(), b.size());
  return Data(type, b);
}

// ---- TestEnv ----------------------------------------------------------------------------

TestEnv::TestEnv(const std::string& pin_extra) {
  char tmpl[] = "/tmp/arca-conformance-XXXXXX";
  const char* made = mkdtemp(tmpl);
  dir_ = made != nullptr ? made : "/tmp";
  std::ofstream conf(dir_ + "/arca.conf");
  conf << "[store]\npath = " << store_path() << "\nbusy_timeout_ms = 10000\n"
       << "[pin]\nkdf_iterations = 1000\n"
       << pin_extra;
  conf.close();
  setenv("ARCA_STORE", store_path().c_str(), 1);
  setenv("ARCA_CONF", (dir_ + "/arca.conf").c_str(), 1);
  unsetenv("ARCA_FW_SOCKET");
}

TestEnv::~TestEnv() {
  std::error_code ec;
  if (dir_ != "/tmp") std::filesystem::remove_all(dir_, ec);
}

// ---- Fixtures ---------------------------------------------------------------------------

void ModuleTest::SetUp() {
  f_ = Fn();
  ASSERT_NE(f_, nullptr) << "cannot load " << ARCA_MODULE_PATH << ": " << LoadError();
  env_ = std::make_unique<TestEnv>(PinConfig());
}

void ModuleTest::TearDown() {
  if (f_ != nullptr) f_->C_Finalize(nullptr);
  env_.reset();
}

CK_RV ModuleTest::Initialize() {
  CK_C_INITIALIZE_ARGS args = {};
  args.flags = CKF_OS_LOCKING_OK;
  return f_->C_Initialize(&args);
}

void ModuleTest::Reinitialize() {
  ASSERT_CKR_OK(f_->C_Finalize(nullptr));
  ASSERT_CKR_OK(Initialize());
}

void InitializedTest::SetUp() {
  ModuleTest::SetUp();
  if (HasFatalFailure()) return;
  ASSERT_CKR_OK(Initialize());
}

std::vector<CK_SLOT_ID> InitializedTest::Slots(bool token_present) {
  CK_ULONG count = 0;
  EXPECT_CKR_OK(f_->C_GetSlotList(token_present ? CK_TRUE : CK_FALSE, nullptr, &count));
  std::vector<CK_SLOT_ID> slots(count);
  if (count == 0) return slots;
  EXPECT_CKR_OK(f_->C_GetSlotList(token_present ? CK_TRUE : CK_FALSE, slots.data(), &count));
  slots.resize(count);
  return slots;
}

CK_SLOT_ID InitializedTest::FreeSlot() {
  for (CK_SLOT_ID slot : Slots(true)) {
    CK_TOKEN_INFO info = {};
    if (f_->C_GetTokenInfo(slot, &info) == CKR_OK && !(info.flags & CKF_TOKEN_INITIALIZED)) {
      return slot;
    }
  }
  return CK_UNAVAILABLE_INFORMATION;
}

CK_SLOT_ID InitializedTest::SlotByLabel(std::string_view label) {
  const std::string want = Padded(label, 32);
  for (CK_SLOT_ID slot : Slots(true)) {
    CK_TOKEN_INFO info = {};
    if (f_->C_GetTokenInfo(slot, &info) == CKR_OK && (info.flags & CKF_TOKEN_INITIALIZED) &&
        FromFixed(info.label, 32) == want) {
      return slot;
    }
  }
  return CK_UNAVAILABLE_INFORMATION;
}

CK_SLOT_ID InitializedTest::InitToken(std::string_view label) {
  CK_SLOT_ID free_slot = FreeSlot();
  EXPECT_NE(free_slot, CK_UNAVAILABLE_INFORMATION) << "no free slot";
  if (free_slot == CK_UNAVAILABLE_INFORMATION) return free_slot;
  std::string padded = Padded(label, 32);
  CK_RV rv = f_->C_InitToken(free_slot, Utf8(kSoPin), kSoPin.size(), Utf8(padded));
  EXPECT_RV(CKR_OK, rv) << "C_InitToken";
  if (rv != CKR_OK) return CK_UNAVAILABLE_INFORMATION;
  CK_SLOT_ID slot = SlotByLabel(label);
  EXPECT_NE(slot, CK_UNAVAILABLE_INFORMATION) << "initialised token not found by label";
  return slot;
}

CK_TOKEN_INFO InitializedTest::TokenInfo(CK_SLOT_ID slot) {
  CK_TOKEN_INFO info = {};
  EXPECT_CKR_OK(f_->C_GetTokenInfo(slot, &info));
  return info;
}

CK_SESSION_HANDLE InitializedTest::Open(CK_SLOT_ID slot, bool rw) {
  CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
  CK_FLAGS flags = CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0);
  EXPECT_CKR_OK(f_->C_OpenSession(slot, flags, nullptr, nullptr, &s));
  return s;
}

CK_SESSION_INFO InitializedTest::SessionInfo(CK_SESSION_HANDLE s) {
  CK_SESSION_INFO info = {};
  EXPECT_CKR_OK(f_->C_GetSessionInfo(s, &info));
  return info;
}

void TokenTest::SetUp() {
  InitializedTest::SetUp();
  if (HasFatalFailure()) return;
  slot_ = InitToken(kTokenLabel);
  ASSERT_NE(slot_, CK_UNAVAILABLE_INFORMATION);
  InitUserPin();
}

void TokenTest::InitUserPin() {
  CK_SESSION_HANDLE s = OpenRw();
  ASSERT_CKR_OK(LoginSo(s));
  ASSERT_CKR_OK(f_->C_InitPIN(s, Utf8(kUserPin), kUserPin.size()));
  ASSERT_CKR_OK(f_->C_Logout(s));
  ASSERT_CKR_OK(f_->C_CloseSession(s));
}

CK_SESSION_HANDLE TokenTest::UserSession() {
  CK_SESSION_HANDLE s = OpenRw();
  CK_RV rv = LoginUser(s);
  if (rv != CKR_USER_ALREADY_LOGGED_IN) {
    EXPECT_CKR_OK(rv) << "user login";
  }
  return s;
}

CK_OBJECT_HANDLE TokenTest::Create(CK_SESSION_HANDLE s, Template& t) {
  CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
  EXPECT_CKR_OK(f_->C_CreateObject(s, t.data(), t.size(), &h));
  return h;
}

CK_OBJECT_HANDLE TokenTest::CreateData(CK_SESSION_HANDLE s, std::string_view label, bool token,
                                       bool priv) {
  Template t;
  t.Ulong(CKA_CLASS, CKO_DATA)
      .Bool(CKA_TOKEN, token)
      .Bool(CKA_PRIVATE, priv)
      .Text(CKA_LABEL, label)
      .Text(CKA_APPLICATION, "conformance")
      .Data(CKA_VALUE, Str("data object value"));
  return Create(s, t);
}

namespace {

// base + extra, where extra overrides attributes of the same type in base.
std::vector<CK_ATTRIBUTE> Merge(Template& base, Template* extra) {
  std::vector<CK_ATTRIBUTE> out;
  for (CK_ULONG i = 0; i < base.size(); ++i) {
    bool overridden = false;
    for (CK_ULONG j = 0; extra != nullptr && j < extra->size(); ++j) {
      if (extra->data()[j].type == base.data()[i].type) overridden = true;
    }
    if (!overridden) out.push_back(base.data()[i]);
  }
  for (CK_ULONG j = 0; extra != nullptr && j < extra->size(); ++j) out.push_back(extra->data()[j]);
  return out;
}

}  // namespace

CK_OBJECT_HANDLE TokenTest::GenerateAes(CK_SESSION_HANDLE s, CK_ULONG bytes, Template* extra) {
  Template base;
  base.Ulong(CKA_VALUE_LEN, bytes).Bool(CKA_ENCRYPT, true).Bool(CKA_DECRYPT, true);
  std::vector<CK_ATTRIBUTE> t = Merge(base, extra);
  CK_MECHANISM mech = {CKM_AES_KEY_GEN, nullptr, 0};
  CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
  EXPECT_CKR_OK(f_->C_GenerateKey(s, &mech, t.data(), t.size(), &h)) << "AES key generation";
  return h;
}

CK_OBJECT_HANDLE TokenTest::CreateSecret(CK_SESSION_HANDLE s, CK_KEY_TYPE type, const Bytes& value,
                                         Template* extra) {
  Template base;
  base.Ulong(CKA_CLASS, CKO_SECRET_KEY).Ulong(CKA_KEY_TYPE, type).Data(CKA_VALUE, value);
  if (type == CKK_AES) {
    base.Bool(CKA_ENCRYPT, true).Bool(CKA_DECRYPT, true);
  } else {
    base.Bool(CKA_SIGN, true).Bool(CKA_VERIFY, true);
  }
  std::vector<CK_ATTRIBUTE> t = Merge(base, extra);
  CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
  EXPECT_CKR_OK(f_->C_CreateObject(s, t.data(), t.size(), &h)) << "secret key creation";
  return h;
}

void TokenTest::GenerateEc(CK_SESSION_HANDLE s, const Bytes& params, CK_OBJECT_HANDLE* pub,
                           CK_OBJECT_HANDLE* priv, Template* pub_extra, Template* priv_extra) {
  Template pub_base;
  pub_base.Data(CKA_EC_PARAMS, params).Bool(CKA_VERIFY, true);
  Template priv_base;
  priv_base.Bool(CKA_SIGN, true).Bool(CKA_SENSITIVE, true).Bool(CKA_PRIVATE, true);
  std::vector<CK_ATTRIBUTE> pt = Merge(pub_base, pub_extra);
  std::vector<CK_ATTRIBUTE> kt = Merge(priv_base, priv_extra);
  CK_MECHANISM mech = {CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  *pub = *priv = CK_INVALID_HANDLE;
  EXPECT_CKR_OK(
      f_->C_GenerateKeyPair(s, &mech, pt.data(), pt.size(), kt.data(), kt.size(), pub, priv))
      << "EC key pair generation";
}

void TokenTest::GenerateRsa(CK_SESSION_HANDLE s, CK_ULONG bits, CK_OBJECT_HANDLE* pub,
                            CK_OBJECT_HANDLE* priv) {
  Template pt;
  pt.Ulong(CKA_MODULUS_BITS, bits)
      .Data(CKA_PUBLIC_EXPONENT, Bytes{0x01, 0x00, 0x01})
      .Bool(CKA_VERIFY, true)
      .Bool(CKA_ENCRYPT, true);
  Template kt;
  kt.Bool(CKA_SIGN, true).Bool(CKA_DECRYPT, true).Bool(CKA_SENSITIVE, true);
  CK_MECHANISM mech = {CKM_RSA_PKCS_KEY_PAIR_GEN, nullptr, 0};
  *pub = *priv = CK_INVALID_HANDLE;
  EXPECT_CKR_OK(
      f_->C_GenerateKeyPair(s, &mech, pt.data(), pt.size(), kt.data(), kt.size(), pub, priv))
      << "RSA key pair generation";
}

std::vector<CK_OBJECT_HANDLE> TokenTest::Find(CK_SESSION_HANDLE s, Template& t) {
  std::vector<CK_OBJECT_HANDLE> out;
  CK_RV rv = f_->C_FindObjectsInit(s, t.size() ? t.data() : nullptr, t.size());
  EXPECT_CKR_OK(rv) << "C_FindObjectsInit";
  if (rv != CKR_OK) return out;
  for (;;) {
    CK_OBJECT_HANDLE batch[16];
    CK_ULONG n = 0;
    rv = f_->C_FindObjects(s, batch, 16, &n);
    EXPECT_CKR_OK(rv) << "C_FindObjects";
    if (rv != CKR_OK || n == 0) break;
    out.insert(out.end(), batch, batch + n);
  }
  EXPECT_CKR_OK(f_->C_FindObjectsFinal(s));
  return out;
}

Bytes TokenTest::GetBytes(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type,
                          CK_RV* rv_out) {
  CK_ATTRIBUTE a = {type, nullptr, 0};
  CK_RV rv = f_->C_GetAttributeValue(s, o, &a, 1);
  if (rv_out != nullptr) *rv_out = rv;
  if (rv != CKR_OK || a.ulValueLen == CK_UNAVAILABLE_INFORMATION) return {};
  Bytes out(a.ulValueLen);
  a.pValue = out.data();
  rv = f_->C_GetAttributeValue(s, o, &a, 1);
  if (rv_out != nullptr) *rv_out = rv;
  if (rv != CKR_OK) return {};
  out.resize(a.ulValueLen);
  return out;
}

bool TokenTest::GetBool(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type,
                        CK_RV* rv_out) {
  CK_BBOOL v = CK_FALSE;
  CK_ATTRIBUTE a = {type, &v, sizeof v};
  CK_RV rv = f_->C_GetAttributeValue(s, o, &a, 1);
  if (rv_out != nullptr) {
    *rv_out = rv;
  } else {
    EXPECT_CKR_OK(rv) << "reading boolean attribute 0x" << std::hex << type;
  }
  return v == CK_TRUE;
}

CK_ULONG TokenTest::GetUlong(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type,
                             CK_RV* rv_out) {
  CK_ULONG v = 0;
  CK_ATTRIBUTE a = {type, &v, sizeof v};
  CK_RV rv = f_->C_GetAttributeValue(s, o, &a, 1);
  if (rv_out != nullptr) {
    *rv_out = rv;
  } else {
    EXPECT_CKR_OK(rv) << "reading CK_ULONG attribute 0x" << std::hex << type;
  }
  return v;
}

CK_RV TokenTest::Sign(CK_SESSION_HANDLE s, CK_MECHANISM* m, CK_OBJECT_HANDLE key, const Bytes& data,
                      Bytes* sig) {
  CK_RV rv = f_->C_SignInit(s, m, key);
  if (rv != CKR_OK) return rv;
  CK_ULONG len = 0;
  Bytes in = data;
  rv = f_->C_Sign(s, in.data(), in.size(), nullptr, &len);
  if (rv != CKR_OK) return rv;
  sig->assign(len, 0);
  rv = f_->C_Sign(s, in.data(), in.size(), sig->data(), &len);
  if (rv == CKR_OK) sig->resize(len);
  return rv;
}

CK_RV TokenTest::Verify(CK_SESSION_HANDLE s, CK_MECHANISM* m, CK_OBJECT_HANDLE key,
                        const Bytes& data, const Bytes& sig) {
  CK_RV rv = f_->C_VerifyInit(s, m, key);
  if (rv != CKR_OK) return rv;
  Bytes in = data;
  Bytes sg = sig;
  return f_->C_Verify(s, in.data(), in.size(), sg.data(), sg.size());
}

CK_RV TokenTest::Encrypt(CK_SESSION_HANDLE s, CK_MECHANISM* m, CK_OBJECT_HANDLE key,
                         const Bytes& in, Bytes* out) {
  CK_RV rv = f_->C_EncryptInit(s, m, key);
  if (rv != CKR_OK) return rv;
  Bytes data = in;
  CK_ULONG len = 0;
  rv = f_->C_Encrypt(s, data.data(), data.size(), nullptr, &len);
  if (rv != CKR_OK) return rv;
  out->assign(len, 0);
  rv = f_->C_Encrypt(s, data.data(), data.size(), out->data(), &len);
  if (rv == CKR_OK) out->resize(len);
  return rv;
}

CK_RV TokenTest::Decrypt(CK_SESSION_HANDLE s, CK_MECHANISM* m, CK_OBJECT_HANDLE key,
                         const Bytes& in, Bytes* out) {
  CK_RV rv = f_->C_DecryptInit(s, m, key);
  if (rv != CKR_OK) return rv;
  Bytes data = in;
  CK_ULONG len = 0;
  rv = f_->C_Decrypt(s, data.data(), data.size(), nullptr, &len);
  if (rv != CKR_OK) return rv;
  out->assign(len, 0);
  rv = f_->C_Decrypt(s, data.data(), data.size(), out->data(), &len);
  if (rv == CKR_OK) out->resize(len);
  return rv;
}

CK_RV TokenTest::Digest(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE mech, const Bytes& in, Bytes* out) {
  CK_MECHANISM m = {mech, nullptr, 0};
  CK_RV rv = f_->C_DigestInit(s, &m);
  if (rv != CKR_OK) return rv;
  Bytes data = in;
  CK_ULONG len = 0;
  rv = f_->C_Digest(s, data.data(), data.size(), nullptr, &len);
  if (rv != CKR_OK) return rv;
  out->assign(len, 0);
  rv = f_->C_Digest(s, data.data(), data.size(), out->data(), &len);
  if (rv == CKR_OK) out->resize(len);
  return rv;
}

int RunInChild(const std::function<int()>& body) {
  fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    int code = 99;
    try {
      code = body();
    } catch (...) {
      code = 98;
    }
    _exit(code);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// ---- OpenSSL cross-checks ---------------------------------------------------------------

// Raw r||s (PKCS#11 ECDSA) to DER ECDSA-Sig-Value.
Bytes EcdsaRawToDer(const Bytes& raw) {
  size_t half = raw.size() / 2;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(raw.data(), static_cast<int>(half), nullptr);
  BIGNUM* s = BN_bin2bn(raw.data() + half, static_cast<int>(half), nullptr);
  ECDSA_SIG_set0(sig, r, s);
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig, &der);
  Bytes out;
  if (len > 0) out.assign(der, der + len);
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  return out;
}

bool OpensslVerify(const Bytes& spki_der, const char* md, const Bytes& data, const Bytes& sig,
                   bool pss) {
  const unsigned char* p = spki_der.data();
  EVP_PKEY* pkey = d2i_PUBKEY(nullptr, &p, static_cast<long>(spki_der.size()));
  if (pkey == nullptr) return false;
  Bytes s = sig;
  if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_EC) s = EcdsaRawToDer(sig);
  bool ok = false;
  if (md != nullptr) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX* pctx = nullptr;
    if (EVP_DigestVerifyInit_ex(ctx, &pctx, md, nullptr, nullptr, pkey, nullptr) == 1) {
      if (pss) {
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
      }
      ok = EVP_DigestVerify(ctx, s.data(), s.size(), data.data(), data.size()) == 1;
    }
    EVP_MD_CTX_free(ctx);
  } else {
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(pkey, nullptr);
    if (EVP_PKEY_verify_init(ctx) == 1) {
      ok = EVP_PKEY_verify(ctx, s.data(), s.size(), data.data(), data.size()) == 1;
    }
    EVP_PKEY_CTX_free(ctx);
  }
  EVP_PKEY_free(pkey);
  return ok;
}

Bytes OpensslDigest(const char* md, const Bytes& data) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_get_digestbyname(md), nullptr);
  out.resize(len);
  return out;
}

}  // namespace conformance
