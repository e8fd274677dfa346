// The EdDSA family (PKCS#11 3.1 §2.3.8, §2.3.14): Edwards key pair generation and CKM_EDDSA
// over Ed25519 and Ed448 (RFC 8032). Pure EdDSA is one-shot through EVP_DigestSign with no
// digest; the instances a CK_EDDSA_PARAMS selects (Ed25519ctx, Ed25519ph, Ed448 with a
// context, Ed448ph) go through eddsa_prefixed, since OpenSSL 3.0 has only the pure ones.
#include <openssl/evp.h>

#include <optional>

#include "mechanisms/asym_util.h"
#include "mechanisms/eddsa_prefixed.h"
#include "mechanisms/edwards_keys.h"
#include "mechanisms/ossl/error.h"
#include "mechanisms/registry.h"

namespace p11 {
namespace {

using asym::KeyUse;

enum class EddsaKind { kKeyPairGen, kSign };

struct EddsaRow {
  CK_MECHANISM_TYPE type;
  EddsaKind kind;
  CK_MECHANISM_INFO info;
};

// Key sizes are the curves' field sizes in bits: 255 (Ed25519) and 448 (Ed448).
constexpr CK_FLAGS kCurveFlags = CKF_EC_F_P | CKF_EC_OID | CKF_EC_CURVENAME;

constexpr EddsaRow kEddsaRows[] = {
    {CKM_EC_EDWARDS_KEY_PAIR_GEN,
     EddsaKind::kKeyPairGen,
     {255, 448, CKF_GENERATE_KEY_PAIR | kCurveFlags}},
    {CKM_EDDSA, EddsaKind::kSign, {255, 448, CKF_SIGN | CKF_VERIFY | kCurveFlags}},
};

// The RFC 8032 instance a CK_EDDSA_PARAMS names (PKCS#11 3.1 §2.3.14), or nullopt for pure
// EdDSA: no parameter at all, or for Ed448 one with no prehash and an empty context (pure
// Ed448 is dom4(0, "") by definition, RFC 8032 §5.2). For Ed25519 any parameter block names
// Ed25519ctx or Ed25519ph; Ed25519ctx with an empty context is refused, as RFC 8032 §5.1
// says it should not be used and it would be easy to mistake for pure Ed25519.
Result<std::optional<eddsa::Instance>> InstanceOf(ByteView param, const asym::RawCurve& curve) {
  if (param.empty()) return std::optional<eddsa::Instance>();
  P11_ASSIGN_OR_RETURN(CK_EDDSA_PARAMS p, ParamAs<CK_EDDSA_PARAMS>(param));
  if (p.phFlag != CK_TRUE && p.phFlag != CK_FALSE) {
    return Fail(CKR_MECHANISM_PARAM_INVALID, "EdDSA phFlag");
  }
  if (p.ulContextDataLen > 255) return Fail(CKR_MECHANISM_PARAM_INVALID, "EdDSA context size");
  if (p.ulContextDataLen != 0 && p.pContextData == nullptr) {
    return Fail(CKR_MECHANISM_PARAM_INVALID, "EdDSA context pointer");
  }
  bool prehash = p.phFlag == CK_TRUE;
  if (!prehash && p.ulContextDataLen == 0) {
    if (curve.bits == 448) return std::optional<eddsa::Instance>();
    return Fail(CKR_MECHANISM_PARAM_INVALID, "Ed25519ctx needs a context");
  }
  eddsa::Instance instance;
  instance.prehash = prehash;
  instance.context.assign(p.pContextData, p.pContextData + p.ulContextDataLen);
  return std::optional<eddsa::Instance>(std::move(instance));
}

// One EdDSA signature or verification: EdDSA hashes the message twice, so it cannot be fed in
// parts; Update and Final are refused (PKCS#11 3.1: single-part only here).
class EddsaContext {
 public:
  EddsaContext(ossl::UniquePtr<EVP_PKEY> pkey, size_t signature_len)
      : pkey_(std::move(pkey)), signature_len_(signature_len) {}

 protected:
  Result<void> Init(bool sign) {
    ctx_.reset(EVP_MD_CTX_new());
    int ok = !ctx_  ? 0
             : sign ? EVP_DigestSignInit_ex(ctx_.get(), nullptr, nullptr, nullptr, nullptr,
                                            pkey_.get(), nullptr)
                    : EVP_DigestVerifyInit_ex(ctx_.get(), nullptr, nullptr, nullptr, nullptr,
                                              pkey_.get(), nullptr);
    if (ok != 1) return ossl::ToError(CKR_FUNCTION_FAILED, "EdDSA init");
    return Ok();
  }

  static Result<void> SinglePartOnly() {
    return Fail(CKR_FUNCTION_NOT_SUPPORTED, "EdDSA is single-part");
  }

  ossl::UniquePtr<EVP_PKEY> pkey_;
  ossl::UniquePtr<EVP_MD_CTX> ctx_;
  size_t signature_len_;
};

class EddsaSignOp final : public SignOperation, private EddsaContext {
 public:
  using EddsaContext::EddsaContext;
  Result<void> Init() { return EddsaContext::Init(true); }

  Result<void> Update(ByteView) override { return SinglePartOnly(); }
  Result<void> Final(OutBuffer&) override { return SinglePartOnly(); }

  Result<void> Sign(ByteView data, OutBuffer& signature) override {
    // Reserve first: a length query or short buffer must leave the operation usable.
    P11_ASSIGN_OR_RETURN(std::span<uint8_t> out, signature.Reserve(signature_len_));
    size_t len = signature_len_;
    if (EVP_DigestSign(ctx_.get(), out.data(), &len, data.data(), data.size()) != 1) {
      return ossl::ToError(CKR_FUNCTION_FAILED, "EdDSA sign");
    }
    signature.Commit(len);
    return Ok();
  }
};

class EddsaVerifyOp final : public VerifyOperation, private EddsaContext {
 public:
  using EddsaContext::EddsaContext;
  Result<void> Init() { return EddsaContext::Init(false); }

  Result<void> Update(ByteView) override { return SinglePartOnly(); }
  Result<void> Final(ByteView) override { return SinglePartOnly(); }

  Result<void> Verify(ByteView data, ByteView signature) override {
    if (signature.size() != signature_len_) {
      return Fail(CKR_SIGNATURE_LEN_RANGE, "EdDSA signature length");
    }
    if (EVP_DigestVerify(ctx_.get(), signature.data(), signature.size(), data.data(),
                         data.size()) != 1) {
      return ossl::ToError(CKR_SIGNATURE_INVALID, "EdDSA verify");
    }
    return Ok();
  }
};

// An instance with a domain prefix: one-shot like pure EdDSA (Ed25519ph and Ed448ph could
// stream the prehash, but libgcrypt takes the whole message).
class PrefixedContext {
 public:
  PrefixedContext(ossl::UniquePtr<EVP_PKEY> pkey, const asym::RawCurve& curve,
                  eddsa::Instance instance)
      : pkey_(std::move(pkey)), curve_(curve), instance_(std::move(instance)) {}

 protected:
  static Result<void> SinglePartOnly() {
    return Fail(CKR_FUNCTION_NOT_SUPPORTED, "EdDSA is single-part");
  }

  ossl::UniquePtr<EVP_PKEY> pkey_;
  const asym::RawCurve& curve_;
  eddsa::Instance instance_;
};

class PrefixedSignOp final : public SignOperation, private PrefixedContext {
 public:
  using PrefixedContext::PrefixedContext;

  Result<void> Update(ByteView) override { return SinglePartOnly(); }
  Result<void> Final(OutBuffer&) override { return SinglePartOnly(); }

  Result<void> Sign(ByteView data, OutBuffer& signature) override {
    P11_ASSIGN_OR_RETURN(std::span<uint8_t> out, signature.Reserve(curve_.signature_bytes));
    P11_TRY(eddsa::SignPrefixed(pkey_.get(), curve_, instance_, data,
                                out.first(curve_.signature_bytes)));
    signature.Commit(curve_.signature_bytes);
    return Ok();
  }
};

class PrefixedVerifyOp final : public VerifyOperation, private PrefixedContext {
 public:
  using PrefixedContext::PrefixedContext;

  Result<void> Update(ByteView) override { return SinglePartOnly(); }
  Result<void> Final(ByteView) override { return SinglePartOnly(); }

  Result<void> Verify(ByteView data, ByteView signature) override {
    return eddsa::VerifyPrefixed(pkey_.get(), curve_, instance_, data, signature);
  }
};

class EddsaMechanism final : public Mechanism {
 public:
  explicit EddsaMechanism(const EddsaRow& row) : Mechanism(row.type, row.info), row_(row) {}

  bool AcceptsKeyType(CK_KEY_TYPE type) const override { return type == CKK_EC_EDWARDS; }
  CK_KEY_TYPE GeneratedKeyType() const override {
    return row_.kind == EddsaKind::kKeyPairGen ? CKK_EC_EDWARDS : CK_UNAVAILABLE_INFORMATION;
  }

  Result<std::unique_ptr<SignOperation>> BeginSign(ByteView param,
                                                   const KeyMaterial& key) const override {
    P11_ASSIGN_OR_RETURN(Selected selected, Check(param, key, KeyUse::kPrivate));
    if (selected.instance) {
      return std::unique_ptr<SignOperation>(std::make_unique<PrefixedSignOp>(
          asym::ShareKey(key), *selected.curve, std::move(*selected.instance)));
    }
    auto op = std::make_unique<EddsaSignOp>(asym::ShareKey(key), selected.curve->signature_bytes);
    P11_TRY(op->Init());
    return std::unique_ptr<SignOperation>(std::move(op));
  }

  Result<std::unique_ptr<VerifyOperation>> BeginVerify(ByteView param,
                                                       const KeyMaterial& key) const override {
    P11_ASSIGN_OR_RETURN(Selected selected, Check(param, key, KeyUse::kPublic));
    if (selected.instance) {
      return std::unique_ptr<VerifyOperation>(std::make_unique<PrefixedVerifyOp>(
          asym::ShareKey(key), *selected.curve, std::move(*selected.instance)));
    }
    auto op = std::make_unique<EddsaVerifyOp>(asym::ShareKey(key), selected.curve->signature_bytes);
    P11_TRY(op->Init());
    return std::unique_ptr<VerifyOperation>(std::move(op));
  }

  Result<void> GenerateKeyPair(ByteView param, Object& pub, Object& priv) const override {
    if (row_.kind != EddsaKind::kKeyPairGen) return Fail(CKR_MECHANISM_INVALID, "EdDSA keygen");
    if (!param.empty()) return Fail(CKR_MECHANISM_PARAM_INVALID, "Edwards keygen parameter");
    return asym::GenerateRawKeyPair(CKK_EC_EDWARDS, pub, priv);
  }

 private:
  struct Selected {
    const asym::RawCurve* curve;
    std::optional<eddsa::Instance> instance;  // nullopt: pure EdDSA
  };

  // The key's curve and the instance the parameter names, once both are acceptable.
  Result<Selected> Check(ByteView param, const KeyMaterial& key, KeyUse use) const {
    if (row_.kind != EddsaKind::kSign) return Fail(CKR_MECHANISM_INVALID, "EdDSA sign");
    P11_TRY(asym::CheckKey(*this, key, use));
    const asym::RawCurve* curve = asym::RawCurveOfKey(key.pkey.get());
    if (curve == nullptr || curve->signature_bytes == 0) {
      return Fail(CKR_KEY_TYPE_INCONSISTENT, "EdDSA key");
    }
    P11_ASSIGN_OR_RETURN(std::optional<eddsa::Instance> instance, InstanceOf(param, *curve));
    return Selected{curve, std::move(instance)};
  }

  EddsaRow row_;
};

}  // namespace

void RegisterEddsa(Registry& registry) {
  for (const EddsaRow& row : kEddsaRows) registry.Add(std::make_unique<EddsaMechanism>(row));
}

}  // namespace p11
