// Signing and verification cases: C_SignInit + C_Sign (C_VerifyInit + C_Verify) per
// operation, as applications call them, with persistent token keys.
#include "cases_sign.h"

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

struct SignRow {
  const char* id;
  const char* title;
  SignKind kind;
  CK_MECHANISM_TYPE mechanism;
  CK_MECHANISM_TYPE keygen;
  const char* mechanism_name;  // for the "n/a (...)" note
};

constexpr SignRow kSignRows[] = {
    {"ecdsa-p256-hash32", "ECDSA P-256, 32-byte hash (CKM_ECDSA)", SignKind::kEcdsaHash32,
     CKM_ECDSA, CKM_EC_KEY_PAIR_GEN, "CKM_ECDSA"},
    {"ecdsa-sha256-1k", "ECDSA P-256 SHA-256, 1 KiB (CKM_ECDSA_SHA256)", SignKind::kEcdsaSha256,
     CKM_ECDSA_SHA256, CKM_EC_KEY_PAIR_GEN, "CKM_ECDSA_SHA256"},
    {"rsa2048-pkcs1-sha256-1k", "RSA-2048 PKCS#1 v1.5 SHA-256, 1 KiB", SignKind::kRsaPkcs1Sha256,
     CKM_SHA256_RSA_PKCS, CKM_RSA_PKCS_KEY_PAIR_GEN, "CKM_SHA256_RSA_PKCS"},
    {"rsa2048-pss-sha256-1k", "RSA-2048 PSS SHA-256, 1 KiB", SignKind::kRsaPssSha256,
     CKM_SHA256_RSA_PKCS_PSS, CKM_RSA_PKCS_KEY_PAIR_GEN, "CKM_SHA256_RSA_PKCS_PSS"},
    {"ed25519-1k", "Ed25519, 1 KiB (CKM_EDDSA)", SignKind::kEd25519, CKM_EDDSA,
     CKM_EC_EDWARDS_KEY_PAIR_GEN, "CKM_EDDSA"},
};

const SignRow& RowOf(SignKind kind) {
  for (const SignRow& row : kSignRows) {
    if (row.kind == kind) return row;
  }
  return kSignRows[0];
}

std::unique_ptr<KeySpec> TokenKeySpec(SignKind kind) {
  switch (kind) {
    case SignKind::kEcdsaHash32:
    case SignKind::kEcdsaSha256:
      return EcP256Spec(true);
    case SignKind::kRsaPkcs1Sha256:
    case SignKind::kRsaPssSha256:
      return Rsa2048Spec(true);
    case SignKind::kEd25519:
      return Ed25519Spec(true);
  }
  return nullptr;
}

// Everything a sign or verify body reads: the key pair, the mechanism (with PSS parameters
// when needed), the input and, for verification, a signature made beforehand.
struct SignState {
  std::unique_ptr<ModuleFixture> fixture;
  KeyPair keys;
  CK_RSA_PKCS_PSS_PARAMS pss{CKM_SHA256, CKG_MGF1_SHA256, 32};
  CK_MECHANISM mechanism{};
  Bytes input;
  Bytes signature;
};

std::shared_ptr<SignState> PrepareSignState(Provider& provider, SignKind kind, int threads,
                                            CK_FLAGS use) {
  const SignRow& row = RowOf(kind);
  if (!provider.Supports(row.keygen, CKF_GENERATE_KEY_PAIR) ||
      !provider.Supports(row.mechanism, use)) {
    return nullptr;
  }
  auto state = std::make_shared<SignState>();
  state->fixture = std::make_unique<ModuleFixture>(provider, threads, 512);
  auto spec = TokenKeySpec(kind);
  state->keys = GenerateKeyPair(provider, provider.session(), *spec);
  state->fixture->Own(state->keys.pub);
  state->fixture->Own(state->keys.priv);
  state->mechanism.mechanism = row.mechanism;
  if (kind == SignKind::kRsaPssSha256) {
    state->mechanism.pParameter = &state->pss;
    state->mechanism.ulParameterLen = sizeof state->pss;
  }
  state->input = Bytes(kind == SignKind::kEcdsaHash32 ? kHashLen : kMessageLen, 0xa5);
  return state;
}

CK_RV SignOnce(SignState& s, int thread, Bytes& out, CK_ULONG* out_len) {
  CK_FUNCTION_LIST* fn = s.fixture->fn();
  CK_SESSION_HANDLE session = s.fixture->session(thread);
  if (CK_RV rv = fn->C_SignInit(session, &s.mechanism, s.keys.priv); rv != CKR_OK) return rv;
  *out_len = static_cast<CK_ULONG>(out.size());
  return fn->C_Sign(session, s.input.data(), static_cast<CK_ULONG>(s.input.size()), out.data(),
                    out_len);
}

}  // namespace

Prepared ModuleSign(Provider& provider, SignKind kind, int threads) {
  auto state = PrepareSignState(provider, kind, threads, CKF_SIGN);
  if (!state)
    return Prepared::NotApplicable(std::string("n/a (") + RowOf(kind).mechanism_name + ")");
  return {Loop([state](int thread) {
            CK_ULONG len = 0;
            return SignOnce(*state, thread, state->fixture->buffer(thread), &len);
          }),
          "", state};
}

namespace {

Prepared ModuleVerify(Provider& provider, SignKind kind) {
  auto state = PrepareSignState(provider, kind, 1, CKF_SIGN | CKF_VERIFY);
  if (!state)
    return Prepared::NotApplicable(std::string("n/a (") + RowOf(kind).mechanism_name + ")");
  CK_ULONG len = 0;
  CheckRv(SignOnce(*state, 0, state->fixture->buffer(0), &len), "C_Sign");
  state->signature.assign(state->fixture->buffer(0).begin(),
                          state->fixture->buffer(0).begin() + len);
  return {Loop([state](int) {
            CK_FUNCTION_LIST* fn = state->fixture->fn();
            CK_SESSION_HANDLE session = state->fixture->session(0);
            CK_RV rv = fn->C_VerifyInit(session, &state->mechanism, state->keys.pub);
            if (rv != CKR_OK) return rv;
            return fn->C_Verify(session, state->input.data(),
                                static_cast<CK_ULONG>(state->input.size()), state->signature.data(),
                                static_cast<CK_ULONG>(state->signature.size()));
          }),
          "", state};
}

// `group` "sign" for the plain case; "threads" for the 1- and 2-thread pair measured together.
Case SignCase(const SignRow& row, const std::string& group, int threads) {
  Case c;
  c.threads = threads;
  c.Name(group, row.id, "sign " + std::string(row.title));
  SignKind kind = row.kind;
  c.on_module = [kind, threads](Provider& p) { return ModuleSign(p, kind, threads); };
  c.on_openssl = [kind, threads] { return OpensslSign(kind, threads); };
  return c;
}

Case VerifyCase(const SignRow& row) {
  Case c;
  c.id = "verify/" + std::string(row.id);
  c.title = "verify " + std::string(row.title);
  SignKind kind = row.kind;
  c.on_module = [kind](Provider& p) { return ModuleVerify(p, kind); };
  c.on_openssl = [kind] { return OpensslVerify(kind); };
  return c;
}

}  // namespace

std::vector<Case> SignCases(const Options&) {
  std::vector<Case> cases;
  for (const SignRow& row : kSignRows) cases.push_back(SignCase(row, "sign", 1));
  cases.push_back(VerifyCase(RowOf(SignKind::kEcdsaHash32)));
  cases.push_back(VerifyCase(RowOf(SignKind::kRsaPkcs1Sha256)));
  return cases;
}

std::vector<Case> ThreadedSignCases(const Options&) {
  const SignRow& row = RowOf(SignKind::kEcdsaHash32);
  return {SignCase(row, "threads", 1), SignCase(row, "threads", 2)};
}

}  // namespace bench
