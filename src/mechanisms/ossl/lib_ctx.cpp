#include "mechanisms/ossl/lib_ctx.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

#include <array>
#include <atomic>
#include <cstring>
#include <mutex>
#include <type_traits>

#include "common/log.h"
#include "mechanisms/ossl/lanes.h"

namespace ossl {
namespace {

std::atomic<bool> g_enabled{false};
std::atomic<OSSL_LIB_CTX*> g_application{nullptr};

// The lanes' contexts, made on first use and kept across C_Finalize and C_Initialize.
// Constant-initialised and trivially destructible, so usable for as long as the library is
// loaded, whatever order static objects are destroyed in.
class Lanes {
 public:
  OSSL_LIB_CTX* ForThisThread() {
    Lane& lane = lanes_[ThisThreadsLane()];
    OSSL_LIB_CTX* ctx = lane.context.load(std::memory_order_acquire);
    if (ctx != nullptr) return ctx;
    std::lock_guard lock(making_);  // once per lane in the process's life
    ctx = lane.context.load(std::memory_order_acquire);
    if (ctx != nullptr) return ctx;
    ctx = OSSL_LIB_CTX_new();
    // Loaded for the context's whole life; a context with a provider explicitly loaded never
    // activates fallbacks or reads a configuration file.
    OSSL_PROVIDER* provider = ctx != nullptr ? OSSL_PROVIDER_load(ctx, "default") : nullptr;
    if (provider == nullptr) {
      OSSL_LIB_CTX_free(ctx);
      ERR_clear_error();
      return nullptr;
    }
    lane.provider = provider;
    lane.context.store(ctx, std::memory_order_release);
    return ctx;
  }

  void Hold() { holders_.fetch_add(1); }
  void Release() { holders_.fetch_sub(1); }

  // Frees the contexts unless something made in them may still be alive (a holder).
  void FreeIfUnheld() {
    if (holders_.load() != 0) return;
    for (Lane& lane : lanes_) {
      OSSL_LIB_CTX* ctx = lane.context.exchange(nullptr);
      if (ctx == nullptr) continue;
      OSSL_PROVIDER_unload(lane.provider);
      OSSL_LIB_CTX_free(ctx);
    }
  }

 private:
  struct Lane {
    std::atomic<OSSL_LIB_CTX*> context{nullptr};
    OSSL_PROVIDER* provider = nullptr;  // our reference from OSSL_PROVIDER_load
  };

  std::array<Lane, kLanes> lanes_{};
  std::mutex making_;
  std::atomic<int> holders_{0};
};
static_assert(std::is_trivially_destructible_v<Lanes>);

constinit Lanes g_lanes;

// Frees the contexts when the library is unloaded (or the process exits), after everything
// made in them:
// - algorithm tables in function-local statics are made during calls, after this object
//   (made at the first C_Initialize), so they are destroyed before it;
// - keys and pooled contexts live in the module's state, which holds the lanes
//   (ContextsInUse) until it is destroyed; if it outlives this object (an application that
//   never called C_Finalize, or a fork child that abandoned its parent's state), the contexts
//   are left to the process's end rather than freed under it.
struct FreeAtUnload {
  ~FreeAtUnload() { g_lanes.FreeIfUnheld(); }
};

int CheckProvider(OSSL_PROVIDER* provider, void* allowed) {
  const char* name = OSSL_PROVIDER_get0_name(provider);
  bool ours = std::strcmp(name, "default") == 0 || std::strcmp(name, "base") == 0 ||
              std::strcmp(name, "legacy") == 0;
  if (!ours) *static_cast<bool*>(allowed) = false;
  return 1;
}

}  // namespace

bool AllowsPrivateContexts(OSSL_LIB_CTX* ctx) {
  if (EVP_default_properties_is_fips_enabled(ctx) != 0) return false;
  bool allowed = true;
  OSSL_PROVIDER_do_all(ctx, CheckProvider, &allowed);
  return allowed;
}

bool ChoosePrivateContexts(bool wanted) {
  // The application's configuration file decides what its default context holds: read it
  // now if the application has not, or it would be read later and the check below would have
  // seen an unconfigured context.
  OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, nullptr);
  static FreeAtUnload free_at_unload;  // after OpenSSL's initialisation: runs before its cleanup
  (void)free_at_unload;
  OSSL_LIB_CTX* application = OSSL_LIB_CTX_get0_global_default();
  bool chosen = wanted && application != nullptr && AllowsPrivateContexts(application);
  g_application.store(application, std::memory_order_relaxed);
  g_enabled.store(chosen, std::memory_order_release);
  P11_LOG(kInfo, "OpenSSL: cryptography in %s",
          chosen   ? "the module's own library contexts"
          : wanted ? "the application's library context (it has other providers or FIPS on)"
                   : "the application's library context ([openssl] private_contexts = false)");
  return chosen;
}

ContextsInUse::ContextsInUse() { g_lanes.Hold(); }
ContextsInUse::~ContextsInUse() { g_lanes.Release(); }

PrivateContextScope::PrivateContextScope() {
  if (!g_enabled.load(std::memory_order_acquire)) return;
  OSSL_LIB_CTX* own = g_lanes.ForThisThread();
  if (own == nullptr) return;
  OSSL_LIB_CTX* previous = OSSL_LIB_CTX_set0_default(own);
  // Only a thread that was in the application's global default changes: one the application
  // gave a context of its own gets it back at once, and a nested scope finds its lane's set.
  if (previous == g_application.load(std::memory_order_relaxed)) {
    previous_ = previous;
  } else {
    OSSL_LIB_CTX_set0_default(previous);
  }
}

PrivateContextScope::~PrivateContextScope() {
  if (previous_ != nullptr) OSSL_LIB_CTX_set0_default(previous_);
}

}  // namespace ossl
