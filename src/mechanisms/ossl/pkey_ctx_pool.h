// Initialised OpenSSL contexts kept for reuse, a few per kind of use.
//
// Making a context and initialising it for an operation costs OpenSSL 3.0 an algorithm fetch
// under its global method-store lock and a walk of its name map: about a tenth of an ECDSA
// P-256 signature, and the part of it that keeps two threads from scaling. An initialised
// context may serve the same operation again (EVP_PKEY_sign(3): "can be called more than
// once on the same context if several operations are performed using the same parameters";
// likewise verify and generate), so operations take one here and give it back when done.
// A context serves one operation at a time; a taker that finds none makes its own.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "mechanisms/ossl/lanes.h"
#include "mechanisms/ossl/unique_ptr.h"

namespace ossl {

// `Kind` says what a context was initialised for (equality-comparable, cheap to copy); `Ctx`
// is EVP_PKEY_CTX or EVP_MD_CTX.
//
// The free contexts sit in a few lanes, each with its own lock on its own cache line, and a
// thread takes from and gives back to the lane of its ThreadSerial: two threads signing with
// one key then never pass a lock between their cores. A lane that is empty has nothing for
// its thread even when another lane has; the thread makes a context, once.
template <class Kind, class Ctx = EVP_PKEY_CTX>
class PkeyCtxPool {
 public:
  PkeyCtxPool() = default;
  // Contexts belong to the key or curve they were made for, so a pool stays where it was
  // made; a KeyMaterial, which may move, holds its pools through KeyContextPools.
  PkeyCtxPool(const PkeyCtxPool&) = delete;
  PkeyCtxPool& operator=(const PkeyCtxPool&) = delete;

  // A free context initialised for `kind`, or null when there is none.
  UniquePtr<Ctx> Take(const Kind& kind) { return ThreadLane().Take(kind); }

  // Only a context whose last operation succeeded may come back: a failure can leave it
  // half-configured.
  void Give(const Kind& kind, UniquePtr<Ctx> ctx) { ThreadLane().Give(kind, std::move(ctx)); }

 private:
  // More than the operations one thread usually has going on one key, or one curve; beyond it
  // a returned context is freed.
  static constexpr size_t kMaxFreePerLane = 4;

  class alignas(64) Lane {
   public:
    UniquePtr<Ctx> Take(const Kind& kind) {
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto it = free_.rbegin(); it != free_.rend(); ++it) {
        if (it->first == kind) {
          UniquePtr<Ctx> ctx = std::move(it->second);
          free_.erase(std::next(it).base());
          return ctx;
        }
      }
      return nullptr;
    }
    void Give(const Kind& kind, UniquePtr<Ctx> ctx) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (free_.size() < kMaxFreePerLane) free_.emplace_back(kind, std::move(ctx));
    }

   private:
    std::mutex mutex_;
    std::vector<std::pair<Kind, UniquePtr<Ctx>>> free_;
  };

  Lane& ThreadLane() { return lanes_[ThisThreadsLane()]; }

  std::array<Lane, kLanes> lanes_;
};

// What a signature context was initialised for: signing or verifying, the RSA padding, and
// for hash-and-sign the digest (null for direct input: EVP_PKEY_sign / EVP_PKEY_verify on
// the caller's hash or DigestInfo). A context has no other setting; PSS, whose parameters
// vary per operation, is not pooled.
struct SignatureUse {
  bool sign = false;
  int rsa_padding = 0;  // 0: the key type's default (ECDSA)
  const EVP_MD* md = nullptr;
  friend bool operator==(const SignatureUse&, const SignatureUse&) = default;
};
// Direct-input contexts, used by one operation at a time and given back.
using SignatureContextPool = PkeyCtxPool<SignatureUse>;
// Hash-and-sign contexts as DigestSign/VerifyInit left them, never used themselves: each
// operation starts from a copy (EVP_MD_CTX_copy_ex).
using DigestContextPool = PkeyCtxPool<SignatureUse, EVP_MD_CTX>;

// Both pools of one key, made when the key first signs or verifies. Most keys never do (the
// session keys an application generates and throws away, secret keys), and a key without them
// stays a small allocation instead of carrying eight cache-line lanes.
class KeyContextPools {
 public:
  KeyContextPools() = default;
  // As for a pool, a moved-to owner starts empty: contexts belong to the key they were made
  // over, never to another.
  KeyContextPools(KeyContextPools&&) noexcept {}
  KeyContextPools& operator=(KeyContextPools&&) noexcept {
    delete pools_.exchange(nullptr, std::memory_order_acq_rel);
    return *this;
  }
  ~KeyContextPools() { delete pools_.load(std::memory_order_acquire); }

  SignatureContextPool& signature() { return Get().signature; }
  DigestContextPool& digest() { return Get().digest; }

 private:
  struct Pools {
    SignatureContextPool signature;
    DigestContextPool digest;
  };
  Pools& Get() {
    Pools* pools = pools_.load(std::memory_order_acquire);
    if (pools != nullptr) return *pools;
    auto made = std::make_unique<Pools>();
    if (pools_.compare_exchange_strong(pools, made.get(), std::memory_order_acq_rel)) {
      return *made.release();
    }
    return *pools;  // another thread's, made in the meantime
  }

  std::atomic<Pools*> pools_{nullptr};
};

}  // namespace ossl
