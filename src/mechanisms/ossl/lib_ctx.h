// Where Arca's cryptography runs inside OpenSSL: in library contexts of the module's own, one
// per lane of threads, rather than in the application's default context.
//
// Why: every ECDSA signature in OpenSSL 3.0 fetches SHA-512 (for its nonce) from the library
// context its key lives in, and a fetch reads that context's locks and takes a reference on the
// shared algorithm object. Two threads signing in one context write the same cache lines on
// every signature; with a context per lane they do not (two threads 1.92× one thread in one
// context, 2.0× in two, measured in bench/README.md, "Tenth pass").
//
// When not: the application decides what OpenSSL may use in its process. If its default
// context has a provider loaded other than OpenSSL's own default, base or legacy (a FIPS
// provider, a TPM or PKCS#11 provider), or FIPS properties switched on, Arca keeps to the
// application's context, as it would without this file. A private context holds OpenSSL's
// default provider only, which serves every algorithm Arca uses.
//
// How: a PKCS#11 call makes its lane's context the calling thread's default for its duration
// (OSSL_LIB_CTX_set0_default is per thread) and restores the application's on return, so
// every OpenSSL call below the module that passes no context uses the lane's. Nothing made in
// one context is bound to it for use: a key made in one lane signs in another (OpenSSL exports
// it to the other context once and keeps the copy with the key).
#pragma once

#include <openssl/types.h>

namespace ossl {

// Decides at C_Initialize whether calls run in the module's contexts: when `wanted` (the
// configuration's [openssl] private_contexts) and the application's default context allows it
// (see above). Returns the decision.
bool ChoosePrivateContexts(bool wanted);

// Whether `ctx`, as an application's default context, leaves the module free to use contexts
// of its own: only OpenSSL's default, base or legacy providers are loaded in it, and FIPS
// properties are off.
bool AllowsPrivateContexts(OSSL_LIB_CTX* ctx);

// Held by the module's state for its lifetime: while any holder lives, the contexts are not
// freed, even when the library is unloaded (keys made in them may be released later).
class ContextsInUse {
 public:
  ContextsInUse();
  ~ContextsInUse();
  ContextsInUse(const ContextsInUse&) = delete;
  ContextsInUse& operator=(const ContextsInUse&) = delete;
};

// For its lifetime, the calling thread's default library context is its lane's own context
// (when ChoosePrivateContexts chose them); the previous default comes back at the end.
// Nestable. A context that cannot be made leaves the thread in the application's context.
class PrivateContextScope {
 public:
  PrivateContextScope();
  ~PrivateContextScope();
  PrivateContextScope(const PrivateContextScope&) = delete;
  PrivateContextScope& operator=(const PrivateContextScope&) = delete;

 private:
  OSSL_LIB_CTX* previous_ = nullptr;  // null: the scope changed nothing
};

}  // namespace ossl
