// Message-based AEAD operations and IV generation (see aead_message.h).
//
// IV generation (PKCS#11 3.1 §5.13, CK_GENERATOR_FUNCTION) applies when encrypting; the
// ulIvFixedBits most significant bits of the caller's IV are kept and the rest is generated:
//   CKG_GENERATE, CKG_GENERATE_COUNTER: a per-operation message counter (big-endian) fills the
//     generated bits; CKG_GENERATE is free to choose and a counter never repeats.
//   CKG_GENERATE_COUNTER_XOR: the counter is XORed into the generated bits of the IV the
//     caller gave on the first such message (TLS 1.3 style); that IV is remembered, so reusing
//     the same parameter block does not cancel the XOR out.
//   CKG_GENERATE_RANDOM: the generated bits are random.
// One counter serves every message of the operation, and running out of counter values is
// an error rather than a repeat. Decryption uses the IV as given.
#include "mechanisms/aead_message.h"

#include <openssl/rand.h>

#include <algorithm>
#include <vector>

#include "mechanisms/aead_cipher.h"
#include "mechanisms/ossl/error.h"
#include "mechanisms/ossl/unique_ptr.h"

namespace p11::aead {

Result<void> CheckGenerator(const MessageParams& params) {
  switch (params.generator) {
    case CKG_NO_GENERATE:
      return Ok();
    case CKG_GENERATE:
    case CKG_GENERATE_COUNTER:
    case CKG_GENERATE_RANDOM:
    case CKG_GENERATE_COUNTER_XOR:
      if (params.iv_fixed_bits >= params.iv.size() * 8) {
        return Fail(CKR_MECHANISM_PARAM_INVALID, "IV fixed bits");
      }
      return Ok();
    default:
      return Fail(CKR_MECHANISM_PARAM_INVALID, "IV generator");
  }
}

namespace {

// Replaces (or, with `xor_in`, XORs) the low `bits` bits of `iv` with those of `value`
// (same length, big-endian like the IV).
void MergeLowBits(std::span<uint8_t> iv, size_t bits, ByteView value, bool xor_in) {
  for (size_t i = iv.size(); i-- > 0 && bits > 0;) {
    uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>((1u << bits) - 1);
    uint8_t v = value[i] & mask;
    iv[i] = xor_in ? static_cast<uint8_t>(iv[i] ^ v) : static_cast<uint8_t>((iv[i] & ~mask) | v);
    bits -= std::min<size_t>(bits, 8);
  }
}

class IvGenerator {
 public:
  // Writes the IV this message uses into params.iv (no-op for CKG_NO_GENERATE).
  Result<void> Generate(const MessageParams& params) {
    if (params.generator == CKG_NO_GENERATE) return Ok();
    std::span<uint8_t> iv = params.iv;
    size_t bits = iv.size() * 8 - params.iv_fixed_bits;
    std::vector<uint8_t> value(iv.size());
    if (params.generator == CKG_GENERATE_RANDOM) {
      if (RAND_bytes(value.data(), static_cast<int>(value.size())) != 1) {
        return ossl::ToError(CKR_FUNCTION_FAILED, "RAND_bytes");
      }
      MergeLowBits(iv, bits, value, false);
      return Ok();
    }
    if (bits < 64 && counter_ >> bits != 0) return Fail(CKR_FUNCTION_FAILED, "IV counter spent");
    uint64_t c = counter_++;
    for (size_t i = value.size(); i-- > 0 && c != 0; c >>= 8) value[i] = c & 0xff;
    if (params.generator == CKG_GENERATE_COUNTER_XOR) {
      if (xor_base_.empty()) xor_base_.assign(iv.begin(), iv.end());
      if (xor_base_.size() != iv.size()) return Fail(CKR_MECHANISM_PARAM_INVALID, "IV length");
      std::copy(xor_base_.begin(), xor_base_.end(), iv.begin());
    }
    MergeLowBits(iv, bits, value, params.generator == CKG_GENERATE_COUNTER_XOR);
    return Ok();
  }

 private:
  uint64_t counter_ = 0;
  std::vector<uint8_t> xor_base_;
};

class AeadMessageOp final : public MessageCipherOperation {
 public:
  AeadMessageOp(const EVP_CIPHER* cipher, bool encrypt, SecretView key, MessageParser parser)
      : cipher_(Ref(cipher)), encrypt_(encrypt), key_(key.bytes), parser_(parser) {}

  Result<void> Message(std::span<uint8_t> param, ByteView aad, ByteView in,
                       OutBuffer& out) override {
    if (ctx_) return Fail(CKR_OPERATION_ACTIVE, "message in progress");
    P11_ASSIGN_OR_RETURN(MessageParams p, parser_(param));
    P11_TRY(CheckDataLength(p.data_len, in.size()));
    // Length first: a query must neither consume an IV nor touch the caller's block.
    P11_ASSIGN_OR_RETURN(std::span<uint8_t> dst, out.Reserve(in.size()));
    P11_ASSIGN_OR_RETURN(Context ctx, StartMessage(p, aad));
    if (!encrypt_) {
      P11_TRY(ctx.Open(in, p.tag, dst.data()));
      out.Commit(in.size());
      return Ok();
    }
    P11_ASSIGN_OR_RETURN(size_t written, ctx.Update(dst.data(), in));
    P11_TRY(ctx.Seal(p.tag.data()));
    out.Commit(written);
    return Ok();
  }

  Result<void> Begin(std::span<uint8_t> param, ByteView aad) override {
    if (ctx_) return Fail(CKR_OPERATION_ACTIVE, "message in progress");
    P11_ASSIGN_OR_RETURN(MessageParams p, parser_(param));
    P11_ASSIGN_OR_RETURN(Context ctx, StartMessage(p, aad));
    ctx_ = std::make_unique<Context>(std::move(ctx));
    data_len_ = p.data_len;
    held_.clear();
    return Ok();
  }

  Result<void> Next(std::span<uint8_t> param, ByteView in, OutBuffer& out, bool last) override {
    if (!ctx_) return Fail(CKR_OPERATION_NOT_INITIALIZED, "no message begun");
    P11_ASSIGN_OR_RETURN(MessageParams p, parser_(param));
    bool holds = !encrypt_ || ctx_->is_ccm();
    if (!last) {
      P11_ASSIGN_OR_RETURN(std::span<uint8_t> dst, out.Reserve(holds ? 0 : in.size()));
      if (holds) {
        held_.Append(in);
        out.Commit(0);
        return Ok();
      }
      P11_ASSIGN_OR_RETURN(size_t written, ctx_->Update(dst.data(), in));
      out.Commit(written);
      return Ok();
    }
    size_t n = holds ? held_.size() + in.size() : in.size();
    if (ctx_->is_ccm()) P11_TRY(CheckDataLength(data_len_, n));
    if (p.tag.size() != ctx_->tag_len()) return Fail(CKR_MECHANISM_PARAM_INVALID, "tag length");
    P11_ASSIGN_OR_RETURN(std::span<uint8_t> dst, out.Reserve(n));
    std::unique_ptr<Context> ctx = std::move(ctx_);  // the message ends here, whatever happens
    ByteView payload = in;
    if (holds) {
      held_.Append(in);
      payload = held_.view();
    }
    if (!encrypt_) {
      P11_TRY(ctx->Open(payload, p.tag, dst.data()));
    } else {
      P11_ASSIGN_OR_RETURN(size_t written, ctx->Update(dst.data(), payload));
      P11_TRY(ctx->Seal(p.tag.data()));
      n = written;
    }
    held_.clear();
    out.Commit(n);
    return Ok();
  }

 private:
  // The operation keeps the cipher alive on its own: it may outlive the registry's reference.
  static ossl::UniquePtr<EVP_CIPHER> Ref(const EVP_CIPHER* cipher) {
    EVP_CIPHER_up_ref(const_cast<EVP_CIPHER*>(cipher));
    return ossl::Own(const_cast<EVP_CIPHER*>(cipher));
  }

  Result<void> CheckDataLength(size_t expected, size_t n) const {
    if (!ccm() || n == expected) return Ok();
    return Fail(encrypt_ ? CKR_DATA_LEN_RANGE : CKR_ENCRYPTED_DATA_LEN_RANGE, "CCM ulDataLen");
  }

  bool ccm() const { return EVP_CIPHER_get_mode(cipher_.get()) == EVP_CIPH_CCM_MODE; }

  Result<Context> StartMessage(const MessageParams& p, ByteView aad) {
    if (encrypt_) P11_TRY(generator_.Generate(p));
    Setup setup{p.iv, aad, p.tag.size(), p.data_len};
    return Context::Start(cipher_.get(), encrypt_, key_.secret(), setup);
  }

  ossl::UniquePtr<EVP_CIPHER> cipher_;
  bool encrypt_;
  SecureBuffer key_;
  MessageParser parser_;
  IvGenerator generator_;
  std::unique_ptr<Context> ctx_;  // the message begun with Begin, if any
  size_t data_len_ = 0;           // of the message begun
  SecureBuffer held_;             // CCM plaintext or ciphertext awaiting its tag
};

}  // namespace

Result<std::unique_ptr<MessageCipherOperation>> NewMessageOp(const EVP_CIPHER* cipher, bool encrypt,
                                                             SecretView key, MessageParser parser) {
  return std::unique_ptr<MessageCipherOperation>(
      std::make_unique<AeadMessageOp>(cipher, encrypt, key, parser));
}

}  // namespace p11::aead
