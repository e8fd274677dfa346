// Symmetric cases: AES-256-GCM and AES-256-CBC encryption of 1 MiB, SHA-256 of 1 MiB,
// HMAC-SHA-256 of 1 KiB and 32 bytes of random; one Init + one single-part call per operation.
// AES-256-GCM and HMAC-SHA-256 also in 1 and 2 threads.
#include <memory>
#include <string>

#include "bench_case.h"
#include "loop.h"
#include "module_fixture.h"
#include "module_keys.h"
#include "openssl_baseline.h"
#include "options.h"

namespace bench {
namespace {

// The bodies' shared read-only inputs; the fixture owns sessions, outputs and the key.
struct SymState {
  std::unique_ptr<ModuleFixture> fixture;
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  uint8_t iv[16] = {4, 5, 6};
  CK_GCM_PARAMS gcm{};
  CK_MECHANISM mechanism{};
  Bytes input;
};

std::shared_ptr<SymState> NewState(Provider& provider, int threads, size_t input_len) {
  auto s = std::make_shared<SymState>();
  s->fixture = std::make_unique<ModuleFixture>(provider, threads, kBulkLen + 64);
  s->input = Bytes(input_len, 0x3c);
  return s;
}

std::string NotSupported(const char* mechanism) { return std::string("n/a (") + mechanism + ")"; }

Prepared ModuleEncrypt(Provider& provider, CipherKind kind, int threads) {
  const bool gcm = kind == CipherKind::kAes256Gcm;
  if (!provider.Supports(gcm ? CKM_AES_GCM : CKM_AES_CBC, CKF_ENCRYPT)) {
    return Prepared::NotApplicable(NotSupported(gcm ? "CKM_AES_GCM" : "CKM_AES_CBC"));
  }
  auto s = NewState(provider, threads, kBulkLen);
  auto spec = Aes256Spec(true);
  s->key = GenerateKey(provider, provider.session(), *spec);
  s->fixture->Own(s->key);
  if (gcm) {
    s->gcm = CK_GCM_PARAMS{s->iv, 12, 96, nullptr, 0, 128};
    s->mechanism = CK_MECHANISM{CKM_AES_GCM, &s->gcm, sizeof s->gcm};
  } else {
    s->mechanism = CK_MECHANISM{CKM_AES_CBC, s->iv, sizeof s->iv};
  }
  auto op = [s](int thread) {
    CK_FUNCTION_LIST* fn = s->fixture->fn();
    CK_SESSION_HANDLE session = s->fixture->session(thread);
    if (CK_RV rv = fn->C_EncryptInit(session, &s->mechanism, s->key); rv != CKR_OK) return rv;
    Bytes& out = s->fixture->buffer(thread);
    CK_ULONG out_len = static_cast<CK_ULONG>(out.size());
    return fn->C_Encrypt(session, s->input.data(), static_cast<CK_ULONG>(s->input.size()),
                         out.data(), &out_len);
  };
  return {Loop(op, static_cast<int64_t>(kBulkLen)), "", s};
}

Prepared ModuleSha256(Provider& provider) {
  if (!provider.Supports(CKM_SHA256, CKF_DIGEST)) return Prepared::NotApplicable("n/a");
  auto s = NewState(provider, 1, kBulkLen);
  s->mechanism = CK_MECHANISM{CKM_SHA256, nullptr, 0};
  auto op = [s](int) {
    CK_FUNCTION_LIST* fn = s->fixture->fn();
    CK_SESSION_HANDLE session = s->fixture->session(0);
    if (CK_RV rv = fn->C_DigestInit(session, &s->mechanism); rv != CKR_OK) return rv;
    uint8_t out[32];
    CK_ULONG out_len = sizeof out;
    return fn->C_Digest(session, s->input.data(), static_cast<CK_ULONG>(s->input.size()), out,
                        &out_len);
  };
  return {Loop(op, static_cast<int64_t>(kBulkLen)), "", s};
}

// With more than one thread, each has its own session and all use the one key, as the
// workers of a server do.
Prepared ModuleHmac(Provider& provider, int threads) {
  if (!provider.Supports(CKM_SHA256_HMAC, CKF_SIGN)) {
    return Prepared::NotApplicable(NotSupported("CKM_SHA256_HMAC"));
  }
  auto s = NewState(provider, threads, kMessageLen);
  auto spec = HmacKeySpec(true);
  s->key = GenerateKey(provider, provider.session(), *spec);
  s->fixture->Own(s->key);
  s->mechanism = CK_MECHANISM{CKM_SHA256_HMAC, nullptr, 0};
  return {Loop([s](int thread) {
            CK_FUNCTION_LIST* fn = s->fixture->fn();
            CK_SESSION_HANDLE session = s->fixture->session(thread);
            if (CK_RV rv = fn->C_SignInit(session, &s->mechanism, s->key); rv != CKR_OK) {
              return rv;
            }
            uint8_t out[32];
            CK_ULONG out_len = sizeof out;
            return fn->C_Sign(session, s->input.data(), static_cast<CK_ULONG>(s->input.size()), out,
                              &out_len);
          }),
          "", s};
}

Prepared ModuleRandom(Provider& provider) {
  auto s = NewState(provider, 1, 0);
  return {Loop([s](int) {
            uint8_t out[kRandomLen];
            return s->fixture->fn()->C_GenerateRandom(s->fixture->session(0), out, sizeof out);
          }),
          "", s};
}

Case EncryptCase(CipherKind kind, const std::string& group, int threads) {
  const bool gcm = kind == CipherKind::kAes256Gcm;
  Case c;
  c.threads = threads;
  c.Name(group, gcm ? "aes256-gcm-1m" : "aes256-cbc-1m",
         std::string(gcm ? "AES-256-GCM" : "AES-256-CBC") + " encrypt 1 MiB");
  c.unit = Unit::kMegabytesPerSecond;
  c.on_module = [kind, threads](Provider& p) { return ModuleEncrypt(p, kind, threads); };
  c.on_openssl = [kind, threads] { return OpensslEncrypt(kind, threads); };
  return c;
}

// HMAC of 1 KiB takes about a microsecond and a half: in two threads it shows what the
// module's own call path shares between them, which the long ECDSA signature hides.
Case HmacCase(const std::string& group, int threads) {
  Case c;
  c.threads = threads;
  c.Name(group, "hmac-sha256-1k", "HMAC-SHA-256 sign 1 KiB");
  c.on_module = [threads](Provider& p) { return ModuleHmac(p, threads); };
  c.on_openssl = [] { return OpensslHmacSha256(); };
  return c;
}

}  // namespace

std::vector<Case> CipherCases(const Options&) {
  std::vector<Case> cases;
  cases.push_back(EncryptCase(CipherKind::kAes256Gcm, "cipher", 1));
  cases.push_back(EncryptCase(CipherKind::kAes256Cbc, "cipher", 1));
  cases.push_back(Case{"digest/sha256-1m", "SHA-256 digest 1 MiB", Unit::kMegabytesPerSecond, 1,
                       ModuleSha256, OpensslSha256});
  cases.push_back(HmacCase("mac", 1));
  cases.push_back(Case{"random/32", "generate 32 random bytes", Unit::kOpsPerSecond, 1,
                       ModuleRandom, OpensslRandom});
  return cases;
}

std::vector<Case> ThreadedCipherCases(const Options&) {
  return {EncryptCase(CipherKind::kAes256Gcm, "threads", 1),
          EncryptCase(CipherKind::kAes256Gcm, "threads", 2), HmacCase("threads", 1),
          HmacCase("threads", 2)};
}

}  // namespace bench
