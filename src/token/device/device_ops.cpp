#include "token/device/device_ops.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstring>

#include "mechanisms/ossl/unique_ptr.h"
#include "protocol/limits.h"

namespace p11::device {
namespace {

using transport::Client;

// Answers a length query (the caller's NULL buffer) with `needed`.
Result<void> QueryLength(OutBuffer& out, size_t needed) {
  auto room = out.Reserve(needed);
  if (!room.ok()) return room.error();
  return Ok();
}

// Collects the data to sign: hashed as it arrives when the row hashes on the host (so any
// length goes to the device as one digest), else buffered up to what one request to this
// device carries (`max_data`, CKR_DATA_LEN_RANGE beyond).
class Input {
 public:
  Result<void> Init(const MechanismRow& row, size_t max_data) {
    max_data_ = max_data;
    // Raw ECDSA and RSA take the hash or DigestInfo in one piece; HMAC and the hashing
    // mechanisms take parts.
    multi_part_ = row.prehash != Prehash::kNone || row.alg == uint8_t(wire::SignAlg::kHmacSha256);
    if (row.digest == nullptr) return Ok();
    md_.reset(EVP_MD_fetch(nullptr, row.digest, nullptr));
    ctx_.reset(EVP_MD_CTX_new());
    if (md_ == nullptr || ctx_ == nullptr ||
        EVP_DigestInit_ex2(ctx_.get(), md_.get(), nullptr) != 1) {
      return Fail(CKR_DEVICE_ERROR, "host digest");
    }
    prehash_ = row.prehash;
    digest_name_ = row.digest;
    return Ok();
  }
  Result<void> Update(ByteView data) {
    if (ctx_ != nullptr) {
      if (EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) != 1) {
        return Fail(CKR_DEVICE_ERROR, "host digest");
      }
      return Ok();
    }
    if (data.size() > max_data_ - buffer_.size()) {
      return Fail(CKR_DATA_LEN_RANGE, "more data than the device takes in one request");
    }
    buffer_.Append(data);
    return Ok();
  }
  // C_SignUpdate / C_VerifyUpdate.
  Result<void> UpdatePart(ByteView data) {
    if (!multi_part_) return Fail(CKR_FUNCTION_NOT_SUPPORTED, "single-part mechanism");
    return Update(data);
  }
  // What goes to the device: the buffered data, the digest, or the DigestInfo.
  Result<SecureBuffer> Finish() {
    if (ctx_ == nullptr) return std::move(buffer_);
    uint8_t digest[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    if (EVP_DigestFinal_ex(ctx_.get(), digest, &len) != 1) return Fail(CKR_DEVICE_ERROR, "digest");
    SecureBuffer out;
    if (prehash_ == Prehash::kDigestInfo) out.Append(DigestInfoPrefix(digest_name_));
    out.Append(ByteView(digest, len));
    return out;
  }

 private:
  ossl::UniquePtr<EVP_MD> md_;
  ossl::UniquePtr<EVP_MD_CTX> ctx_;
  Prehash prehash_ = Prehash::kNone;
  const char* digest_name_ = nullptr;
  bool multi_part_ = false;
  size_t max_data_ = 0;
  SecureBuffer buffer_;
};

wire::SignReq SignRequest(const SignSetup& s, ByteView data) {
  wire::SignReq req;
  req.key = s.key;
  req.alg = static_cast<wire::SignAlg>(s.row->alg);
  req.hash = s.pss_hash;
  req.salt_length = s.pss_salt;
  req.data = data;
  return req;
}

class DeviceSign final : public SignOperation {
 public:
  explicit DeviceSign(const SignSetup& setup) : setup_(setup) {}
  Result<void> Init() { return input_.Init(*setup_.row, setup_.max_data); }

  Result<void> Update(ByteView data) override { return input_.UpdatePart(data); }
  Result<void> Final(OutBuffer& signature) override { return Produce(signature); }
  Result<void> Sign(ByteView data, OutBuffer& signature) override {
    if (!fed_) {
      if (signature.is_query()) return QueryLength(signature, setup_.signature_size);
      P11_TRY(input_.Update(data));
      fed_ = true;
    }
    return Produce(signature);
  }

 private:
  Result<void> Produce(OutBuffer& out) {
    if (!done_) {
      if (out.is_query()) return QueryLength(out, setup_.signature_size);
      P11_ASSIGN_OR_RETURN(SecureBuffer data, input_.Finish());
      P11_ASSIGN_OR_RETURN(auto reply,
                           setup_.client->Call<wire::Op::kSign>(SignRequest(setup_, data.view())));
      result_ = SecureBuffer(reply.msg.signature.span());
      done_ = true;
    }
    return out.Put(result_.view());
  }

  SignSetup setup_;
  Input input_;
  bool fed_ = false, done_ = false;
  SecureBuffer result_;
};

class DeviceVerify final : public VerifyOperation {
 public:
  explicit DeviceVerify(const SignSetup& setup) : setup_(setup) {}
  Result<void> Init() { return input_.Init(*setup_.row, setup_.max_data); }

  Result<void> Update(ByteView data) override { return input_.UpdatePart(data); }
  Result<void> Final(ByteView signature) override {
    if (signature.size() != setup_.signature_size) {
      return Fail(CKR_SIGNATURE_LEN_RANGE, "signature length");
    }
    P11_ASSIGN_OR_RETURN(SecureBuffer data, input_.Finish());
    wire::VerifyReq req;
    req.key = setup_.key;
    req.alg = static_cast<wire::SignAlg>(setup_.row->alg);
    req.hash = setup_.pss_hash;
    req.salt_length = setup_.pss_salt;
    req.data = data.view();
    req.signature = signature;
    P11_TRY(setup_.client->Call<wire::Op::kVerify>(req));
    return Ok();
  }
  Result<void> Verify(ByteView data, ByteView signature) override {
    P11_TRY(input_.Update(data));
    return Final(signature);
  }

 private:
  SignSetup setup_;
  Input input_;
};

// Multi-part input is collected and sent in one request at Final: the device does each
// cipher operation whole (an AEAD cannot be cut into requests), so its buffers bound the
// size: more plaintext than the device's max_data is CKR_DATA_LEN_RANGE, more ciphertext
// than that plus a tag (or a padding block) CKR_ENCRYPTED_DATA_LEN_RANGE, before anything is
// sent.
class DeviceCipher final : public CipherOperation {
 public:
  explicit DeviceCipher(CipherSetup setup) : setup_(std::move(setup)) {}

  Result<void> Update(ByteView in, OutBuffer& out) override {
    P11_TRY(CheckRoom(input_.size(), in.size()));
    if (out.is_query()) return QueryLength(out, 0);
    input_.Append(in);
    out.Commit(0);
    return Ok();
  }
  Result<void> Final(OutBuffer& out) override { return Produce(out); }
  Result<void> OneShot(ByteView in, OutBuffer& out) override {
    if (!fed_) {
      P11_TRY(CheckRoom(0, in.size()));
      if (out.is_query()) return QueryLength(out, UpperBound(in.size()));
      input_.Append(in);
      fed_ = true;
    }
    return Produce(out);
  }

 private:
  Result<void> CheckRoom(size_t held, size_t more) const {
    // Ciphertext carries a GCM tag or a CBC padding block (16 bytes) more than the plaintext.
    bool longer = !setup_.encrypt && setup_.alg != wire::CipherAlg::kAesCbc;
    size_t max = longer ? setup_.max_data + wire::kMaxTag : setup_.max_data;
    if (more <= max - std::min(held, max)) return Ok();
    if (setup_.encrypt) return Fail(CKR_DATA_LEN_RANGE, "more than the device encrypts at once");
    return Fail(CKR_ENCRYPTED_DATA_LEN_RANGE, "more than the device decrypts at once");
  }
  size_t UpperBound(size_t n) const {
    if (!setup_.encrypt) return n;
    if (setup_.alg == wire::CipherAlg::kAesGcm) return n + setup_.tag_length;
    if (setup_.alg == wire::CipherAlg::kAesCbcPad) return (n / 16 + 1) * 16;
    return n;
  }
  Result<void> Produce(OutBuffer& out) {
    if (!done_) {
      if (out.is_query()) return QueryLength(out, UpperBound(input_.size()));
      wire::CipherReq req;
      req.key = setup_.key;
      req.alg = setup_.alg;
      req.tag_length = setup_.tag_length;
      req.iv = setup_.iv;
      req.aad = setup_.aad;
      req.data = input_.view();
      if (setup_.encrypt) {
        P11_ASSIGN_OR_RETURN(auto reply, setup_.client->Call<wire::Op::kEncrypt>(req));
        result_ = SecureBuffer(reply.msg.data.span());
      } else {
        P11_ASSIGN_OR_RETURN(auto reply, setup_.client->Call<wire::Op::kDecrypt>(req));
        result_ = SecureBuffer(reply.msg.data.span());
      }
      done_ = true;
    }
    return out.Put(result_.view());
  }

  CipherSetup setup_;
  SecureBuffer input_;
  bool fed_ = false, done_ = false;
  SecureBuffer result_;
};

struct HashMap {
  CK_MECHANISM_TYPE mechanism;
  CK_RSA_PKCS_MGF_TYPE mgf;
  wire::HashAlg hash;
  const char* name;
};
constexpr HashMap kHashes[] = {
    {CKM_SHA256, CKG_MGF1_SHA256, wire::HashAlg::kSha256, "SHA256"},
    {CKM_SHA384, CKG_MGF1_SHA384, wire::HashAlg::kSha384, "SHA384"},
    {CKM_SHA512, CKG_MGF1_SHA512, wire::HashAlg::kSha512, "SHA512"},
};

}  // namespace

Result<std::unique_ptr<SignOperation>> NewSignOperation(const SignSetup& setup) {
  auto op = std::make_unique<DeviceSign>(setup);
  P11_TRY(op->Init());
  return std::unique_ptr<SignOperation>(std::move(op));
}

Result<std::unique_ptr<VerifyOperation>> NewVerifyOperation(const SignSetup& setup) {
  auto op = std::make_unique<DeviceVerify>(setup);
  P11_TRY(op->Init());
  return std::unique_ptr<VerifyOperation>(std::move(op));
}

Result<std::unique_ptr<CipherOperation>> NewCipherOperation(CipherSetup setup) {
  return std::unique_ptr<CipherOperation>(std::make_unique<DeviceCipher>(std::move(setup)));
}

Result<void> ParsePssParams(ByteView param, SignSetup& setup) {
  P11_ASSIGN_OR_RETURN(CK_RSA_PKCS_PSS_PARAMS p, ParamAs<CK_RSA_PKCS_PSS_PARAMS>(param));
  const HashMap* hash = nullptr;
  for (const HashMap& h : kHashes) {
    if (h.mechanism == p.hashAlg) hash = &h;
  }
  if (hash == nullptr || hash->mgf != p.mgf || p.sLen > 0xFFFF) {
    return Fail(CKR_MECHANISM_PARAM_INVALID, "PSS hash, MGF or salt");
  }
  if (setup.row->digest != nullptr && std::strcmp(setup.row->digest, hash->name) != 0) {
    return Fail(CKR_MECHANISM_PARAM_INVALID, "PSS hash differs from the mechanism's");
  }
  setup.pss_hash = hash->hash;
  setup.pss_salt = static_cast<uint16_t>(p.sLen);
  return Ok();
}

Result<void> ParseCipherParams(ByteView param, const MechanismRow& row, CipherSetup& setup) {
  setup.alg = static_cast<wire::CipherAlg>(row.alg);
  if (setup.alg != wire::CipherAlg::kAesGcm) {
    if (param.size() != 16) return Fail(CKR_MECHANISM_PARAM_INVALID, "CBC IV");
    setup.iv.assign(param.begin(), param.end());
    return Ok();
  }
  P11_ASSIGN_OR_RETURN(CK_GCM_PARAMS p, ParamAs<CK_GCM_PARAMS>(param));
  if (p.ulIvLen == 0 || p.ulIvLen > wire::kMaxIv || p.pIv == nullptr ||
      (p.ulAADLen != 0 && p.pAAD == nullptr) || p.ulAADLen > setup.max_aad ||
      p.ulTagBits % 8 != 0 || p.ulTagBits < 32 || p.ulTagBits > 128) {
    return Fail(CKR_MECHANISM_PARAM_INVALID, "GCM parameters the device takes");
  }
  setup.iv.assign(p.pIv, p.pIv + p.ulIvLen);
  if (p.ulAADLen != 0) setup.aad.assign(p.pAAD, p.pAAD + p.ulAADLen);
  setup.tag_length = static_cast<uint8_t>(p.ulTagBits / 8);
  return Ok();
}

}  // namespace p11::device
