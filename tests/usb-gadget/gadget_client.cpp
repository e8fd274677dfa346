// arca-gadget-client: the application side of the usb.gadget_qemu test, run inside the QEMU
// guest. It loads libarca-pkcs11.so with dlopen and drives it only through the function list,
// as an application would, against the arca-fw-gadget device that dummy_hcd attaches: the
// module must find it through libusb by VID:PID, initialise it, generate an EC P-256 key on it
// and sign; OpenSSL (libcrypto, in the guest) verifies. The gadget is then unbound
// mid-session — the module must report the device gone and the slot event — and bound
// again, after which the token must be back with its key. Each step prints one line; the
// exit status is the verdict (0 pass, 1 fail).
//
//   arca-gadget-client --module SO --unbind "CMD" --bind "CMD"
#include <dlfcn.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "pkcs11/pkcs11.h"

namespace {

using Clock = std::chrono::steady_clock;
using Bytes = std::vector<uint8_t>;

constexpr char kSoPin[] = "so-pin-1234";
constexpr char kUserPin[] = "user-pin-5678";
constexpr char kTokenLabel[] = "arca-qemu";
constexpr char kKeyLabel[] = "qemu-ec-key";
constexpr uint8_t kP256Oid[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
constexpr auto kZlpStallBound = std::chrono::milliseconds(1500);
constexpr char kMessage[] = "signed on an Arca HSM behind dummy_hcd";

CK_FUNCTION_LIST* p11 = nullptr;
Clock::time_point start_time;

double Elapsed() { return std::chrono::duration<double>(Clock::now() - start_time).count(); }

[[noreturn]] void Fail(const std::string& what) {
  std::printf("client: [%6.1fs] FAILED: %s\n", Elapsed(), what.c_str());
  std::fflush(stdout);
  std::exit(1);
}

void Step(const std::string& what) {
  std::printf("client: [%6.1fs] %s\n", Elapsed(), what.c_str());
  std::fflush(stdout);
}

std::string Hex(CK_RV rv) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%08lx", rv);
  return text;
}

void Ok(CK_RV rv, const char* call) {
  if (rv != CKR_OK) Fail(std::string(call) + " returned " + Hex(rv));
}

// Polls `done` every 100 ms for at most `bound`; true as soon as it holds.
bool WaitFor(std::chrono::seconds bound, const std::function<bool()>& done) {
  auto deadline = Clock::now() + bound;
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return done();
}

std::string Padded(const char* text, size_t width) {
  std::string s(text);
  s.resize(width, ' ');
  return s;
}

CK_UTF8CHAR_PTR Utf8(const char* text) {
  return reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(text));
}

// The first slot whose token is an Arca hardware device; 0 with *found false if none.
CK_SLOT_ID FindHwSlot(bool* found) {
  *found = false;
  CK_ULONG count = 0;
  if (p11->C_GetSlotList(CK_TRUE, nullptr, &count) != CKR_OK || count == 0) return 0;
  std::vector<CK_SLOT_ID> slots(count);
  if (p11->C_GetSlotList(CK_TRUE, slots.data(), &count) != CKR_OK) return 0;
  for (CK_ULONG i = 0; i < count; ++i) {
    CK_SLOT_INFO info;
    if (p11->C_GetSlotInfo(slots[i], &info) != CKR_OK) continue;
    if ((info.flags & CKF_HW_SLOT) && (info.flags & CKF_TOKEN_PRESENT)) {
      *found = true;
      return slots[i];
    }
  }
  return 0;
}

bool TokenPresent(CK_SLOT_ID slot) {
  CK_SLOT_INFO info;
  return p11->C_GetSlotInfo(slot, &info) == CKR_OK && (info.flags & CKF_TOKEN_PRESENT);
}

Bytes Attribute(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) {
  CK_ATTRIBUTE attr{type, nullptr, 0};
  Ok(p11->C_GetAttributeValue(session, object, &attr, 1), "C_GetAttributeValue (length)");
  Bytes value(attr.ulValueLen);
  attr.pValue = value.data();
  Ok(p11->C_GetAttributeValue(session, object, &attr, 1), "C_GetAttributeValue");
  value.resize(attr.ulValueLen);
  return value;
}

CK_OBJECT_HANDLE FindByLabel(CK_SESSION_HANDLE session, CK_OBJECT_CLASS cls) {
  CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof cls},
                         {CKA_LABEL, const_cast<char*>(kKeyLabel), std::strlen(kKeyLabel)}};
  Ok(p11->C_FindObjectsInit(session, tmpl, 2), "C_FindObjectsInit");
  CK_OBJECT_HANDLE handles[2];
  CK_ULONG n = 0;
  Ok(p11->C_FindObjects(session, handles, 2, &n), "C_FindObjects");
  Ok(p11->C_FindObjectsFinal(session), "C_FindObjectsFinal");
  if (n != 1)
    Fail("expected one object labelled " + std::string(kKeyLabel) + ", found " + std::to_string(n));
  return handles[0];
}

Bytes Sign(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE key) {
  CK_MECHANISM mech{CKM_ECDSA_SHA256, nullptr, 0};
  Ok(p11->C_SignInit(session, &mech, key), "C_SignInit");
  Bytes sig(64);
  CK_ULONG len = sig.size();
  auto* msg = reinterpret_cast<CK_BYTE_PTR>(const_cast<char*>(kMessage));
  Ok(p11->C_Sign(session, msg, std::strlen(kMessage), sig.data(), &len), "C_Sign");
  sig.resize(len);
  return sig;
}

// Verifies a raw r||s P-256 signature of kMessage with OpenSSL, against CKA_EC_POINT (a DER
// OCTET STRING holding the uncompressed point).
bool OpensslVerifies(const Bytes& ec_point, const Bytes& signature, const char* message) {
  if (ec_point.size() != 67 || ec_point[0] != 0x04 || ec_point[1] != 65) return false;
  if (signature.size() != 64) return false;
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
  OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, ec_point.data() + 2, 65);
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* kctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  EVP_PKEY* pkey = nullptr;
  bool built = kctx && EVP_PKEY_fromdata_init(kctx) == 1 &&
               EVP_PKEY_fromdata(kctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) == 1;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(signature.data(), 32, nullptr),
                 BN_bin2bn(signature.data() + 32, 32, nullptr));
  unsigned char* der = nullptr;
  int der_len = i2d_ECDSA_SIG(sig, &der);
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  bool ok =
      built && der_len > 0 &&
      EVP_DigestVerifyInit_ex(md, nullptr, "SHA256", nullptr, nullptr, pkey, nullptr) == 1 &&
      EVP_DigestVerify(md, der, static_cast<size_t>(der_len),
                       reinterpret_cast<const unsigned char*>(message), std::strlen(message)) == 1;
  EVP_MD_CTX_free(md);
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  EVP_PKEY_free(pkey);
  EVP_PKEY_CTX_free(kctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  return ok;
}

CK_SESSION_HANDLE OpenLoggedIn(CK_SLOT_ID slot) {
  CK_SESSION_HANDLE session;
  Ok(p11->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &session),
     "C_OpenSession");
  Ok(p11->C_Login(session, CKU_USER, Utf8(kUserPin), std::strlen(kUserPin)), "C_Login(USER)");
  return session;
}

void InitToken(CK_SLOT_ID slot) {
  std::string label = Padded(kTokenLabel, 32);
  Ok(p11->C_InitToken(slot, Utf8(kSoPin), std::strlen(kSoPin), Utf8(label.c_str())), "C_InitToken");
  CK_SESSION_HANDLE session;
  Ok(p11->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &session),
     "C_OpenSession");
  Ok(p11->C_Login(session, CKU_SO, Utf8(kSoPin), std::strlen(kSoPin)), "C_Login(SO)");
  Ok(p11->C_InitPIN(session, Utf8(kUserPin), std::strlen(kUserPin)), "C_InitPIN");
  Ok(p11->C_Logout(session), "C_Logout");
  Ok(p11->C_CloseSession(session), "C_CloseSession");
}

void GenerateKey(CK_SESSION_HANDLE session) {
  CK_MECHANISM mech{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  CK_BBOOL yes = CK_TRUE;
  auto* label = const_cast<char*>(kKeyLabel);
  CK_ATTRIBUTE pub[] = {{CKA_EC_PARAMS, const_cast<uint8_t*>(kP256Oid), sizeof kP256Oid},
                        {CKA_TOKEN, &yes, sizeof yes},
                        {CKA_VERIFY, &yes, sizeof yes},
                        {CKA_LABEL, label, std::strlen(kKeyLabel)}};
  CK_ATTRIBUTE priv[] = {{CKA_TOKEN, &yes, sizeof yes},
                         {CKA_PRIVATE, &yes, sizeof yes},
                         {CKA_SENSITIVE, &yes, sizeof yes},
                         {CKA_SIGN, &yes, sizeof yes},
                         {CKA_LABEL, label, std::strlen(kKeyLabel)}};
  CK_OBJECT_HANDLE pub_key, priv_key;
  Ok(p11->C_GenerateKeyPair(session, &mech, pub, 4, priv, 5, &pub_key, &priv_key),
     "C_GenerateKeyPair");
}

// The zero-length-packet rule, both ways: AES-GCM round trips over every plaintext length in
// two windows below 512 and 1024 bytes. Whatever the frame overhead (< 64 bytes), some
// request and some response in each window fills its last 512-byte packet exactly, so the
// module must send a ZLP after it (OUT) and the gadget after its answer (IN). A missing one
// does not fail the call — the host's read ends at its timeout with the whole frame — but
// stalls it for the request timeout (3 s in the guest's config), so each round trip is timed
// against a bound far above a normal one (a few ms under TCG) and below that timeout.
void ZlpSweep(CK_SESSION_HANDLE session) {
  CK_MECHANISM gen{CKM_AES_KEY_GEN, nullptr, 0};
  CK_ULONG key_len = 32;
  CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
  CK_ATTRIBUTE tmpl[] = {{CKA_VALUE_LEN, &key_len, sizeof key_len},
                         {CKA_TOKEN, &no, sizeof no},
                         {CKA_ENCRYPT, &yes, sizeof yes},
                         {CKA_DECRYPT, &yes, sizeof yes}};
  CK_OBJECT_HANDLE key;
  Ok(p11->C_GenerateKey(session, &gen, tmpl, 4, &key), "C_GenerateKey(AES)");
  uint8_t iv[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  CK_GCM_PARAMS gcm{iv, sizeof iv, 96, nullptr, 0, 128};
  CK_MECHANISM mech{CKM_AES_GCM, &gcm, sizeof gcm};
  int trips = 0;
  for (size_t top : {size_t{512}, size_t{1024}}) {
    for (size_t n = top - 64; n < top; ++n) {
      Bytes plain(n);
      for (size_t i = 0; i < n; ++i) plain[i] = static_cast<uint8_t>(i * 7 + n);
      Bytes sealed(n + 16), opened(n);
      auto began = Clock::now();
      CK_ULONG sealed_len = sealed.size(), opened_len = opened.size();
      Ok(p11->C_EncryptInit(session, &mech, key), "C_EncryptInit");
      Ok(p11->C_Encrypt(session, plain.data(), n, sealed.data(), &sealed_len), "C_Encrypt");
      Ok(p11->C_DecryptInit(session, &mech, key), "C_DecryptInit");
      Ok(p11->C_Decrypt(session, sealed.data(), sealed_len, opened.data(), &opened_len),
         "C_Decrypt");
      opened.resize(opened_len);
      if (opened != plain) Fail("AES-GCM round trip of " + std::to_string(n) + " bytes differs");
      if (Clock::now() - began > kZlpStallBound) {
        Fail("AES-GCM round trip of " + std::to_string(n) +
             " bytes stalled (a transfer waited for a zero-length packet)");
      }
      trips += 2;
    }
  }
  Ok(p11->C_DestroyObject(session, key), "C_DestroyObject");
  Step("zero-length-packet sweep: " + std::to_string(trips) +
       " AES-GCM requests of 448..511 and 960..1023 bytes");
}

// Unplug, seen from the application: a call on the open session fails CKR_DEVICE_REMOVED
// (or the slot loses CKF_TOKEN_PRESENT), and C_WaitForSlotEvent names the slot.
void CheckRemoval(CK_SLOT_ID slot, CK_SESSION_HANDLE session, CK_OBJECT_HANDLE key) {
  CK_RV seen = CKR_OK;
  bool gone = WaitFor(std::chrono::seconds(30), [&] {
    CK_MECHANISM mech{CKM_ECDSA_SHA256, nullptr, 0};
    seen = p11->C_SignInit(session, &mech, key);
    if (seen == CKR_OK) {
      CK_ULONG len = 0;
      auto* msg = reinterpret_cast<CK_BYTE_PTR>(const_cast<char*>(kMessage));
      Bytes sig(64);
      len = sig.size();
      seen = p11->C_Sign(session, msg, std::strlen(kMessage), sig.data(), &len);
    }
    return seen == CKR_DEVICE_REMOVED || !TokenPresent(slot);
  });
  if (!gone) Fail("device still usable 30 s after unbind (last rv " + Hex(seen) + ")");
  Step("unplug seen: sign returned " + Hex(seen) +
       (seen == CKR_DEVICE_REMOVED ? " (CKR_DEVICE_REMOVED)" : "") +
       (TokenPresent(slot) ? ", token present" : ", slot without CKF_TOKEN_PRESENT"));
  CK_SLOT_ID event_slot = 0;
  bool event = WaitFor(std::chrono::seconds(10), [&] {
    return p11->C_WaitForSlotEvent(CKF_DONT_BLOCK, &event_slot, nullptr) == CKR_OK &&
           event_slot == slot;
  });
  if (!event) Fail("C_WaitForSlotEvent(CKF_DONT_BLOCK) did not report the slot");
  Step("C_WaitForSlotEvent(CKF_DONT_BLOCK) reported the slot");
}

struct Args {
  std::string module, unbind, bind;
};

Args Parse(int argc, char** argv) {
  Args args;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--module")
      args.module = argv[i + 1];
    else if (flag == "--unbind")
      args.unbind = argv[i + 1];
    else if (flag == "--bind")
      args.bind = argv[i + 1];
  }
  if (args.module.empty() || args.unbind.empty() || args.bind.empty()) {
    std::fprintf(stderr, "usage: %s --module SO --unbind CMD --bind CMD\n", argv[0]);
    std::exit(2);
  }
  return args;
}

void Run(const Args& args) {
  void* lib = dlopen(args.module.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) Fail(std::string("dlopen: ") + dlerror());
  auto get_list =
      reinterpret_cast<CK_RV (*)(CK_FUNCTION_LIST_PTR_PTR)>(dlsym(lib, "C_GetFunctionList"));
  if (get_list == nullptr) Fail("no C_GetFunctionList");
  Ok(get_list(&p11), "C_GetFunctionList");
  Ok(p11->C_Initialize(nullptr), "C_Initialize");
  Step("module loaded and initialised");

  bool found = false;
  CK_SLOT_ID slot = 0;
  WaitFor(std::chrono::seconds(30), [&] { return (slot = FindHwSlot(&found)), found; });
  if (!found) Fail("no hardware slot with a token within 30 s (libusb did not find 1209:ca5a)");
  CK_TOKEN_INFO token;
  Ok(p11->C_GetTokenInfo(slot, &token), "C_GetTokenInfo");
  Step("device slot " + Hex(slot) + " serial " +
       std::string(reinterpret_cast<char*>(token.serialNumber), 16));

  InitToken(slot);
  Step("token initialised, user PIN set");
  CK_SESSION_HANDLE session = OpenLoggedIn(slot);
  GenerateKey(session);
  Step("EC P-256 key pair generated on the device");
  CK_OBJECT_HANDLE priv = FindByLabel(session, CKO_PRIVATE_KEY);
  Bytes point = Attribute(session, FindByLabel(session, CKO_PUBLIC_KEY), CKA_EC_POINT);
  Bytes sig = Sign(session, priv);
  if (!OpensslVerifies(point, sig, kMessage)) Fail("OpenSSL rejects the device's signature");
  if (OpensslVerifies(point, sig, "another message")) Fail("OpenSSL accepts a wrong message");
  Step("signature (" + std::to_string(sig.size()) + " bytes) verified by OpenSSL");
  ZlpSweep(session);

  Step("unbinding the gadget: " + args.unbind);
  if (std::system(args.unbind.c_str()) != 0) Fail("unbind command failed");
  CheckRemoval(slot, session, priv);

  Step("binding the gadget again: " + args.bind);
  if (std::system(args.bind.c_str()) != 0) Fail("bind command failed");
  if (!WaitFor(std::chrono::seconds(30), [&] { return TokenPresent(slot); }))
    Fail("token not back in its slot 30 s after rebinding");
  Step("token back in slot " + Hex(slot));
  p11->C_CloseAllSessions(slot);  // sessions of the previous attach are gone with it
  session = OpenLoggedIn(slot);
  priv = FindByLabel(session, CKO_PRIVATE_KEY);
  sig = Sign(session, priv);
  if (!OpensslVerifies(point, sig, kMessage)) Fail("signature after rebinding does not verify");
  Step("key found by label after rebinding; new signature verified by OpenSSL");
  p11->C_Logout(session);
  p11->C_CloseSession(session);
  Ok(p11->C_Finalize(nullptr), "C_Finalize");
}

}  // namespace

int main(int argc, char** argv) {
  start_time = Clock::now();
  Run(Parse(argc, argv));
  Step("all steps passed");
  return 0;
}
