// SoftToken: the key cache, cryptographic operations, key generation and random numbers
// (PKCS#11 3.1 §5.8–5.15: C_*Init for sign/verify/encrypt/decrypt, C_GenerateKey,
// C_GenerateKeyPair, C_SeedRandom, C_GenerateRandom).
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <limits>

#include "mechanisms/keys.h"
#include "mechanisms/ossl/error.h"
#include "token/attribute_policy.h"
#include "token/soft/soft_token.h"

namespace p11 {
namespace {

Result<void> CheckKeySize(const Mechanism& mechanism, const KeyMaterial& key) {
  const CK_MECHANISM_INFO& info = mechanism.info();
  if (info.ulMaxKeySize == 0) return Ok();  // the mechanism states no range
  if (key.size < info.ulMinKeySize || key.size > info.ulMaxKeySize) {
    return Fail(CKR_KEY_SIZE_RANGE, "key size");
  }
  return Ok();
}

// A key lookup's failure to find the object, as the key functions report it.
Error KeyLookupError(const Error& error) {
  if (error.rv == CKR_OBJECT_HANDLE_INVALID) return Fail(CKR_KEY_HANDLE_INVALID, "key");
  return error;
}

}  // namespace

std::optional<Result<std::shared_ptr<const KeyMaterial>>> SoftToken::CachedKey_inlock(
    ObjectId id, const Error* lookup_failure) const {
  if (lookup_failure != nullptr) return KeyLookupError(*lookup_failure);
  if (withheld_.count(id) != 0) return Fail(CKR_USER_NOT_LOGGED_IN, "sealed key");
  auto cached = keys_.find(id);
  if (cached == keys_.end()) return std::nullopt;
  return cached->second;
}

// The ready key for `id`: from the cache (under the shared lock, as every use after the first
// finds it), or built once from the object. Building (decoding and checking the key) runs
// without the token lock; the result is cached only if the object did not change meanwhile.
// A key in the cache needs nothing of its object: one whose values are pending stays so.
Result<std::shared_ptr<const KeyMaterial>> SoftToken::KeyFor(const Mechanism& mechanism,
                                                             ObjectId id) {
  std::optional<Result<std::shared_ptr<const KeyMaterial>>> cached;
  {
    std::shared_lock lock(mutex_);
    if (auto found = PeekShared_inlock(id, Need::kChecks)) {
      cached = CachedKey_inlock(id, found->ok() ? nullptr : &found->error());
    }
  }
  std::shared_ptr<const Object> object;
  if (!cached) {
    std::lock_guard lock(mutex_);
    Result<std::shared_ptr<const Object>> found = Find_inlock(id, Need::kChecks);
    cached = CachedKey_inlock(id, found.ok() ? nullptr : &found.error());
    if (!cached && IsPending_inlock(id)) {
      P11_ASSIGN_OR_RETURN(object, CompletePending_inlock(id));
    } else if (!cached) {
      object = std::move(found).value();
    }
  }
  if (cached) {
    P11_ASSIGN_OR_RETURN(std::shared_ptr<const KeyMaterial> material, std::move(*cached));
    P11_TRY(CheckKeySize(mechanism, *material));
    return material;
  }
  P11_ASSIGN_OR_RETURN(std::shared_ptr<const KeyMaterial> material, MakeKeyMaterial(*object));
  key_material_builds_.fetch_add(1);
  P11_TRY(CheckKeySize(mechanism, *material));
  std::lock_guard lock(mutex_);
  if (Cached_inlock(id) == object) keys_.emplace(id, material);
  return material;
}

Result<std::unique_ptr<SignOperation>> SoftToken::BeginSign(const Mechanism& mechanism,
                                                            ByteView param, ObjectId key) {
  P11_ASSIGN_OR_RETURN(std::shared_ptr<const KeyMaterial> material, KeyFor(mechanism, key));
  return mechanism.BeginSign(param, *material);
}

Result<std::unique_ptr<VerifyOperation>> SoftToken::BeginVerify(const Mechanism& mechanism,
                                                                ByteView param, ObjectId key) {
  P11_ASSIGN_OR_RETURN(std::shared_ptr<const KeyMaterial> material, KeyFor(mechanism, key));
  return mechanism.BeginVerify(param, *material);
}

Result<std::unique_ptr<CipherOperation>> SoftToken::BeginEncrypt(const Mechanism& mechanism,
                                                                 ByteView param, ObjectId key) {
  P11_ASSIGN_OR_RETURN(std::shared_ptr<const KeyMaterial> material, KeyFor(mechanism, key));
  return mechanism.BeginEncrypt(param, *material);
}

Result<std::unique_ptr<CipherOperation>> SoftToken::BeginDecrypt(const Mechanism& mechanism,
                                                                 ByteView param, ObjectId key) {
  P11_ASSIGN_OR_RETURN(std::shared_ptr<const KeyMaterial> material, KeyFor(mechanism, key));
  return mechanism.BeginDecrypt(param, *material);
}

// The slot layer applied policy::NewObject; the token-derived attributes (CKA_LOCAL,
// CKA_KEY_GEN_MECHANISM, CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE) are set here, after
// the values exist and before the key is stored.
Result<ObjectId> SoftToken::GenerateKey(const Mechanism& mechanism, ByteView param, Object key) {
  P11_TRY(mechanism.GenerateKey(param, key));
  policy::FinishKey(key, policy::Origin::kGenerate, mechanism.type());
  return StoreOne(std::move(key));
}

// A pair of session objects may be stored before the mechanism has derived every value
// (Mechanism::GenerateKeyPairReady): the token completes them when they are first read
// (CompletePending_inlock). A token object is stored whole.
Result<std::pair<ObjectId, ObjectId>> SoftToken::GenerateKeyPair(const Mechanism& mechanism,
                                                                 ByteView param, Object pub,
                                                                 Object priv) {
  P11_ASSIGN_OR_RETURN(Mechanism::GeneratedPair generated,
                       mechanism.GenerateKeyPairReady(param, pub, priv));
  std::optional<PendingValues> pending;
  if (generated.values_pending) {
    if (pub.IsTokenObject() || priv.IsTokenObject()) {
      P11_TRY(mechanism.CompleteGenerated(*generated.key, &pub, &priv));
    } else {
      pending = PendingValues{generated.key, &mechanism, 0};
    }
  }
  policy::FinishKey(pub, policy::Origin::kGeneratePublic, mechanism.type());
  policy::FinishKey(priv, policy::Origin::kGeneratePrivate, mechanism.type());
  std::array<Object, 2> pair{std::move(pub), std::move(priv)};
  std::array<ObjectId, 2> ids{};
  // One transaction for both halves: a failure stores neither.
  P11_TRY(StoreAll(pair, ids, pending ? &*pending : nullptr));
  if (generated.key != nullptr) {
    std::lock_guard lock(mutex_);
    // Cached only while the object is there to be used (a token object of a store not yet
    // loaded into memory is not); destroying or changing it drops the entry as for any key.
    if (Cached_inlock(ids[1]) != nullptr) keys_.emplace(ids[1], std::move(generated.key));
  }
  return std::make_pair(ids[0], ids[1]);
}

Result<void> SoftToken::GenerateRandom(std::span<uint8_t> out) {
  while (!out.empty()) {
    size_t chunk = std::min<size_t>(out.size(), std::numeric_limits<int>::max());
    if (RAND_bytes(out.data(), static_cast<int>(chunk)) != 1) {
      return ossl::ToError(CKR_FUNCTION_FAILED, "RAND_bytes");
    }
    out = out.subspan(chunk);
  }
  return Ok();
}

// OpenSSL's DRBG reseeds itself from the OS; extra input is mixed in (RAND_add with no
// entropy credited), which cannot make it weaker.
Result<void> SoftToken::SeedRandom(ByteView seed) {
  size_t len = std::min<size_t>(seed.size(), std::numeric_limits<int>::max());
  if (len != 0) RAND_add(seed.data(), static_cast<int>(len), 0.0);
  return Ok();
}

}  // namespace p11
