// Key generation cases: session objects (CKA_TOKEN false), as the targets state,
// against OpenSSL generating the same key.
#include <memory>
#include <string>
#include <vector>

#include "bench_case.h"
#include "module_fixture.h"
#include "module_keys.h"
#include "openssl_baseline.h"
#include "options.h"

namespace bench {
namespace {

struct KeygenRow {
  const char* id;
  const char* title;
  KeyKind kind;
  CK_MECHANISM_TYPE mechanism;
  const char* mechanism_name;
  // Also read the new public key's CKA_EC_POINT, as an application publishing the key does;
  // OpenSSL's side then reads the encoded point too. Not a target: it shows what the two cost
  // when both have to produce the public key, which OpenSSL's bare generation never encodes.
  bool read_point = false;
};

constexpr KeygenRow kKeygenRows[] = {
    {"ec-p256", "generate EC P-256 key pair (session)", KeyKind::kEcP256, CKM_EC_KEY_PAIR_GEN,
     "CKM_EC_KEY_PAIR_GEN"},
    {"rsa-2048", "generate RSA-2048 key pair (session)", KeyKind::kRsa2048,
     CKM_RSA_PKCS_KEY_PAIR_GEN, "CKM_RSA_PKCS_KEY_PAIR_GEN"},
    {"ed25519", "generate Ed25519 key pair (session)", KeyKind::kEd25519,
     CKM_EC_EDWARDS_KEY_PAIR_GEN, "CKM_EC_EDWARDS_KEY_PAIR_GEN"},
    {"aes-256", "generate AES-256 key (session)", KeyKind::kAes256, CKM_AES_KEY_GEN,
     "CKM_AES_KEY_GEN"},
    {"ec-p256-point", "generate EC P-256 key pair and read its public point (session)",
     KeyKind::kEcP256, CKM_EC_KEY_PAIR_GEN, "CKM_EC_KEY_PAIR_GEN", true},
};

// Generated keys are destroyed in batches with the timer paused, so that neither the
// session's object table growing without bound nor C_DestroyObject is measured.
constexpr size_t kDestroyBatch = 256;

std::unique_ptr<KeySpec> SessionKeySpec(KeyKind kind) {
  switch (kind) {
    case KeyKind::kEcP256:
      return EcP256Spec(false);
    case KeyKind::kRsa2048:
      return Rsa2048Spec(false);
    case KeyKind::kEd25519:
      return Ed25519Spec(false);
    case KeyKind::kAes256:
      return Aes256Spec(false);
  }
  return nullptr;
}

struct KeygenState {
  std::unique_ptr<ModuleFixture> fixture;
  std::unique_ptr<KeySpec> spec;
  bool pair = true;
  bool read_point = false;
};

// One C_GenerateKey(Pair) call; appends the new handles to `made`.
CK_RV GenerateOnce(KeygenState& s, std::vector<CK_OBJECT_HANDLE>& made) {
  CK_FUNCTION_LIST* fn = s.fixture->fn();
  CK_SESSION_HANDLE session = s.fixture->session(0);
  KeySpec& spec = *s.spec;
  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE priv = CK_INVALID_HANDLE;
  CK_RV rv =
      s.pair
          ? fn->C_GenerateKeyPair(session, &spec.mechanism, spec.pub.data(), spec.pub.size(),
                                  spec.priv.data(), spec.priv.size(), &pub, &priv)
          : fn->C_GenerateKey(session, &spec.mechanism, spec.priv.data(), spec.priv.size(), &priv);
  if (pub != CK_INVALID_HANDLE) made.push_back(pub);
  if (priv != CK_INVALID_HANDLE) made.push_back(priv);
  if (rv == CKR_OK && s.read_point) {
    uint8_t point[72];  // DER OCTET STRING of an uncompressed P-256 point: 67 bytes
    CK_ATTRIBUTE attr{CKA_EC_POINT, point, sizeof point};
    rv = fn->C_GetAttributeValue(session, pub, &attr, 1);
  }
  return rv;
}

void DestroyAll(KeygenState& s, std::vector<CK_OBJECT_HANDLE>& made) {
  for (CK_OBJECT_HANDLE h : made) s.fixture->fn()->C_DestroyObject(s.fixture->session(0), h);
  made.clear();
}

void KeygenBody(KeygenState& s, benchmark::State& state) {
  std::vector<CK_OBJECT_HANDLE> made;
  for (auto _ : state) {
    if (CK_RV rv = GenerateOnce(s, made); rv != CKR_OK) {
      state.SkipWithError(("key generation failed: CK_RV " + std::to_string(rv)).c_str());
      break;
    }
    if (made.size() >= kDestroyBatch) {
      state.PauseTiming();
      DestroyAll(s, made);
      state.ResumeTiming();
    }
  }
  DestroyAll(s, made);
  state.SetItemsProcessed(state.iterations());
}

Prepared ModuleKeygen(Provider& provider, const KeygenRow& row) {
  if (!provider.Supports(row.mechanism,
                         row.kind == KeyKind::kAes256 ? CKF_GENERATE : CKF_GENERATE_KEY_PAIR)) {
    return Prepared::NotApplicable(std::string("n/a (") + row.mechanism_name + ")");
  }
  auto s = std::make_shared<KeygenState>();
  s->fixture = std::make_unique<ModuleFixture>(provider, 1, 0);
  s->spec = SessionKeySpec(row.kind);
  s->pair = row.kind != KeyKind::kAes256;
  s->read_point = row.read_point;
  return {[s](benchmark::State& state) { KeygenBody(*s, state); }, "", s};
}

}  // namespace

std::vector<Case> KeygenCases(const Options&) {
  std::vector<Case> cases;
  for (const KeygenRow& row : kKeygenRows) {
    Case c;
    c.id = std::string("keygen/") + row.id;
    c.title = row.title;
    c.on_module = [&row](Provider& p) { return ModuleKeygen(p, row); };
    KeyKind kind = row.kind;
    bool read_point = row.read_point;
    c.on_openssl = [kind, read_point] { return OpensslKeygen(kind, read_point); };
    cases.push_back(std::move(c));
  }
  return cases;
}

}  // namespace bench
