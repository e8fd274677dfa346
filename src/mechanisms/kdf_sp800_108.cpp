// NIST SP 800-108 key derivation in counter and feedback mode (PKCS#11 3.1 §6.62:
// CKM_SP800_108_COUNTER_KDF, CKM_SP800_108_FEEDBACK_KDF). The PRF input of each block is laid
// out exactly as the caller's CK_PRF_DATA_PARAM array says, which OpenSSL's KBKDF cannot
// express, so the blocks are assembled here and only the PRF (HMAC or AES-CMAC) is EVP_MAC.
// Additional derived keys (ulAdditionalDerivedKeys > 0) take the bytes after the primary
// key's, in order, from one run of the KDF (MultiKeyDerive, mechanisms/kdf_multi.h).
// CK_SP800_108_KEY_HANDLE data parameters are not supported: CKR_MECHANISM_PARAM_INVALID.
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <vector>

#include "mechanisms/kdf_common.h"
#include "mechanisms/kdf_multi.h"
#include "mechanisms/ossl/error.h"
#include "mechanisms/registry.h"

namespace p11::kdf {
namespace {

enum class Mode { kCounter, kFeedback };

enum class SegmentKind { kIteration, kCounter, kDkmLength, kBytes };

struct Segment {
  SegmentKind kind;
  size_t width_bytes = 0;  // counters and DKM length
  bool little_endian = false;
  CK_SP800_108_DKM_LENGTH_METHOD dkm_method = 0;
  ByteView bytes;  // kBytes
};

struct KdfInput {
  CK_SP800_108_PRF_TYPE prf;
  std::vector<Segment> segments;
  ByteView iv;  // feedback mode: K(0)
  std::span<const CK_DERIVED_KEY> additional;
};

// More keys than this in one call is a malformed parameter, not a workload.
constexpr CK_ULONG kMaxAdditionalKeys = 64;

Result<std::span<const CK_DERIVED_KEY>> AdditionalKeysOf(const CK_DERIVED_KEY* keys,
                                                         CK_ULONG count) {
  if (count == 0) return std::span<const CK_DERIVED_KEY>();
  if (keys == nullptr || count > kMaxAdditionalKeys) {
    return Fail(CKR_MECHANISM_PARAM_INVALID, "additional derived keys");
  }
  std::span<const CK_DERIVED_KEY> out(keys, count);
  for (const CK_DERIVED_KEY& key : out) {
    if (key.phKey == nullptr || (key.pTemplate == nullptr && key.ulAttributeCount != 0)) {
      return Fail(CKR_MECHANISM_PARAM_INVALID, "additional derived key");
    }
  }
  return out;
}

template <class T>
Result<T> ValueAs(const CK_PRF_DATA_PARAM& p) {
  if (p.pValue == nullptr || p.ulValueLen != sizeof(T)) {
    return Fail(CKR_MECHANISM_PARAM_INVALID, "PRF data parameter value");
  }
  T out;
  std::memcpy(&out, p.pValue, sizeof(T));
  return out;
}

Result<Segment> CounterSegment(const CK_PRF_DATA_PARAM& p, SegmentKind kind) {
  P11_ASSIGN_OR_RETURN(auto format, ValueAs<CK_SP800_108_COUNTER_FORMAT>(p));
  CK_ULONG bits = format.ulWidthInBits;
  if (bits == 0 || bits > 32 || bits % 8 != 0) {
    return Fail(CKR_MECHANISM_PARAM_INVALID, "counter width");
  }
  return Segment{kind, bits / 8, format.bLittleEndian != CK_FALSE, 0, {}};
}

Result<Segment> DkmSegment(const CK_PRF_DATA_PARAM& p) {
  P11_ASSIGN_OR_RETURN(auto format, ValueAs<CK_SP800_108_DKM_LENGTH_FORMAT>(p));
  CK_ULONG bits = format.ulWidthInBits;
  if (bits == 0 || bits > 64 || bits % 8 != 0) {
    return Fail(CKR_MECHANISM_PARAM_INVALID, "DKM length width");
  }
  if (format.dkmLengthMethod != CK_SP800_108_DKM_LENGTH_SUM_OF_KEYS &&
      format.dkmLengthMethod != CK_SP800_108_DKM_LENGTH_SUM_OF_SEGMENTS) {
    return Fail(CKR_MECHANISM_PARAM_INVALID, "DKM length method");
  }
  return Segment{SegmentKind::kDkmLength,
                 bits / 8,
                 format.bLittleEndian != CK_FALSE,
                 format.dkmLengthMethod,
                 {}};
}

// One CK_PRF_DATA_PARAM. In counter mode the iteration variable is the counter (with its
// format); in feedback mode it is K(i-1) and carries no value, and a separate optional
// counter may appear.
Result<Segment> ParseSegment(const CK_PRF_DATA_PARAM& p, Mode mode) {
  switch (p.type) {
    case CK_SP800_108_ITERATION_VARIABLE:
      if (mode == Mode::kCounter) return CounterSegment(p, SegmentKind::kIteration);
      if (p.pValue != nullptr || p.ulValueLen != 0) {
        return Fail(CKR_MECHANISM_PARAM_INVALID, "feedback iteration variable value");
      }
      return Segment{SegmentKind::kIteration};
    case CK_SP800_108_COUNTER:
      if (mode == Mode::kCounter) return Fail(CKR_MECHANISM_PARAM_INVALID, "optional counter");
      return CounterSegment(p, SegmentKind::kCounter);
    case CK_SP800_108_DKM_LENGTH:
      return DkmSegment(p);
    case CK_SP800_108_BYTE_ARRAY: {
      P11_ASSIGN_OR_RETURN(ByteView bytes, CallerBytes(p.pValue, p.ulValueLen, false));
      return Segment{SegmentKind::kBytes, 0, false, 0, bytes};
    }
    default:
      return Fail(CKR_MECHANISM_PARAM_INVALID, "PRF data parameter type");
  }
}

Result<std::vector<Segment>> ParseSegments(const CK_PRF_DATA_PARAM* params, CK_ULONG count,
                                           Mode mode) {
  if (params == nullptr || count == 0) return Fail(CKR_MECHANISM_PARAM_INVALID, "no data params");
  std::vector<Segment> segments;
  int iterations = 0;
  int counters = 0;
  int dkms = 0;
  for (CK_ULONG i = 0; i < count; ++i) {
    P11_ASSIGN_OR_RETURN(Segment s, ParseSegment(params[i], mode));
    iterations += s.kind == SegmentKind::kIteration;
    counters += s.kind == SegmentKind::kCounter;
    dkms += s.kind == SegmentKind::kDkmLength;
    segments.push_back(s);
  }
  if (iterations != 1 || counters > 1 || dkms > 1) {
    return Fail(CKR_MECHANISM_PARAM_INVALID, "data parameter counts");
  }
  return segments;
}

Result<KdfInput> ParseParams(ByteView param, Mode mode) {
  KdfInput in{};
  if (mode == Mode::kCounter) {
    P11_ASSIGN_OR_RETURN(auto p, ParamAs<CK_SP800_108_KDF_PARAMS>(param));
    P11_ASSIGN_OR_RETURN(in.additional,
                         AdditionalKeysOf(p.pAdditionalDerivedKeys, p.ulAdditionalDerivedKeys));
    in.prf = p.prfType;
    P11_ASSIGN_OR_RETURN(in.segments, ParseSegments(p.pDataParams, p.ulNumberOfDataParams, mode));
    return in;
  }
  P11_ASSIGN_OR_RETURN(auto p, ParamAs<CK_SP800_108_FEEDBACK_KDF_PARAMS>(param));
  P11_ASSIGN_OR_RETURN(in.additional,
                       AdditionalKeysOf(p.pAdditionalDerivedKeys, p.ulAdditionalDerivedKeys));
  in.prf = p.prfType;
  P11_ASSIGN_OR_RETURN(in.iv, CallerBytes(p.pIV, p.ulIVLen, true));
  P11_ASSIGN_OR_RETURN(in.segments, ParseSegments(p.pDataParams, p.ulNumberOfDataParams, mode));
  return in;
}

// `value` in `width` bytes, big- or little-endian (the low-order bytes of value).
void AppendInteger(SecureBuffer& out, uint64_t value, size_t width, bool little_endian) {
  uint8_t bytes[8];
  for (size_t i = 0; i < width; ++i) {
    size_t shift = 8 * (little_endian ? i : width - 1 - i);
    bytes[i] = static_cast<uint8_t>(value >> shift);
  }
  out.Append(ByteView(bytes, width));
}

bool FitsWidth(uint64_t value, size_t width_bytes) {
  return width_bytes >= 8 || value < (uint64_t{1} << (8 * width_bytes));
}

// The PRF keyed once; each block runs on a copy of the keyed context.
class Prf {
 public:
  static Result<Prf> Make(CK_SP800_108_PRF_TYPE type, const KeyMaterial& key);
  size_t size() const { return size_; }
  Result<SecureBuffer> Compute(ByteView input) const {
    auto ctx = ossl::Own(EVP_MAC_CTX_dup(keyed_.get()));
    SecureBuffer out(size_);
    size_t written = 0;
    if (!ctx || EVP_MAC_update(ctx.get(), input.data(), input.size()) != 1 ||
        EVP_MAC_final(ctx.get(), out.data(), &written, out.size()) != 1 || written != size_) {
      return ossl::ToError(CKR_FUNCTION_FAILED, "SP 800-108 PRF");
    }
    return out;
  }

 private:
  Prf(ossl::UniquePtr<EVP_MAC_CTX> keyed, size_t size) : keyed_(std::move(keyed)), size_(size) {}
  ossl::UniquePtr<EVP_MAC_CTX> keyed_;
  size_t size_;
};

Result<Prf> Prf::Make(CK_SP800_108_PRF_TYPE type, const KeyMaterial& key) {
  static constexpr const char* kCmacCiphers[] = {"AES-128-CBC", "AES-192-CBC", "AES-256-CBC"};
  const char* digest = HmacDigestName(type);
  bool cmac = type == CKM_AES_CMAC;
  if (digest == nullptr && !cmac) return Fail(CKR_MECHANISM_PARAM_INVALID, "SP 800-108 PRF");
  size_t n = key.secret.size();
  if (cmac ? key.key_type != CKK_AES : key.key_type != CKK_GENERIC_SECRET) {
    return Fail(CKR_KEY_TYPE_INCONSISTENT, "base key type for the PRF");
  }
  if (cmac && n != 16 && n != 24 && n != 32) return Fail(CKR_KEY_SIZE_RANGE, "CMAC key size");
  const char* algorithm = cmac ? kCmacCiphers[(n - 16) / 8] : digest;
  auto mac = ossl::Own(EVP_MAC_fetch(nullptr, cmac ? "CMAC" : "HMAC", nullptr));
  auto ctx = ossl::Own(mac ? EVP_MAC_CTX_new(mac.get()) : nullptr);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(cmac ? OSSL_MAC_PARAM_CIPHER : OSSL_MAC_PARAM_DIGEST,
                                       const_cast<char*>(algorithm), 0),
      OSSL_PARAM_construct_end()};
  if (!ctx || EVP_MAC_init(ctx.get(), key.secret.data(), n, params) != 1) {
    return ossl::ToError(CKR_FUNCTION_FAILED, "SP 800-108 PRF init");
  }
  size_t size = EVP_MAC_CTX_get_mac_size(ctx.get());
  return Prf(std::move(ctx), size);
}

// The block count and DKM values of one derivation of `len` bytes.
struct Lengths {
  size_t blocks;
  uint64_t key_bits;      // CK_SP800_108_DKM_LENGTH_SUM_OF_KEYS: the one derived key
  uint64_t segment_bits;  // CK_SP800_108_DKM_LENGTH_SUM_OF_SEGMENTS: all PRF outputs
  uint64_t DkmBits(const Segment& s) const {
    return s.dkm_method == CK_SP800_108_DKM_LENGTH_SUM_OF_SEGMENTS ? segment_bits : key_bits;
  }
};

// Every counter must reach the block count and every DKM field hold its value.
Result<void> CheckWidths(const KdfInput& in, Mode mode, const Lengths& l) {
  for (const Segment& s : in.segments) {
    bool counts = s.kind == SegmentKind::kCounter ||
                  (s.kind == SegmentKind::kIteration && mode == Mode::kCounter);
    if ((counts && !FitsWidth(l.blocks, s.width_bytes)) ||
        (s.kind == SegmentKind::kDkmLength && !FitsWidth(l.DkmBits(s), s.width_bytes))) {
      return Fail(CKR_TEMPLATE_INCONSISTENT, "derived length too large for the counter");
    }
  }
  return Ok();
}

// The PRF input of block `i` (from 1), laid out as the data parameters say.
SecureBuffer BlockInput(const KdfInput& in, Mode mode, const Lengths& l, size_t i,
                        const SecureBuffer& previous) {
  SecureBuffer input;
  for (const Segment& s : in.segments) {
    switch (s.kind) {
      case SegmentKind::kIteration:
        if (mode == Mode::kFeedback) {
          input.Append(previous.view());
          break;
        }
        [[fallthrough]];
      case SegmentKind::kCounter:
        AppendInteger(input, i, s.width_bytes, s.little_endian);
        break;
      case SegmentKind::kDkmLength:
        AppendInteger(input, l.DkmBits(s), s.width_bytes, s.little_endian);
        break;
      case SegmentKind::kBytes:
        input.Append(s.bytes);
        break;
    }
  }
  return input;
}

// Runs the KDF for `len` output bytes (PKCS#11 3.1 §6.62.4–6.62.5). In feedback mode K(0)
// is the IV.
Result<SecureBuffer> RunKdf(const KdfInput& in, Mode mode, const Prf& prf, size_t len) {
  size_t blocks = (len + prf.size() - 1) / prf.size();
  Lengths l{blocks, 8 * uint64_t{len}, 8 * uint64_t{blocks * prf.size()}};
  P11_TRY(CheckWidths(in, mode, l));
  SecureBuffer out;
  SecureBuffer previous(in.iv);
  for (size_t i = 1; i <= blocks; ++i) {
    SecureBuffer input = BlockInput(in, mode, l, i, previous);
    P11_ASSIGN_OR_RETURN(previous, prf.Compute(input.view()));
    out.Append(previous.view());
  }
  out.resize(len);
  return out;
}

class Sp800108Kdf final : public Mechanism, public MultiKeyDerive {
 public:
  Sp800108Kdf(CK_MECHANISM_TYPE type, Mode mode) : Mechanism(type, kDeriveInfo), mode_(mode) {}

  bool AcceptsKeyType(CK_KEY_TYPE type) const override {
    return type == CKK_GENERIC_SECRET || type == CKK_AES;
  }

  Result<void> Derive(ByteView param, const KeyMaterial& base, Object& derived) const override {
    P11_ASSIGN_OR_RETURN(KdfInput in, ParseParams(param, mode_));
    if (!in.additional.empty()) {
      return Fail(CKR_MECHANISM_PARAM_INVALID, "additional derived keys need DeriveAll");
    }
    return DeriveAll(param, base, std::span<Object>(&derived, 1));
  }

  Result<std::span<const CK_DERIVED_KEY>> AdditionalKeys(ByteView param) const override {
    P11_ASSIGN_OR_RETURN(KdfInput in, ParseParams(param, mode_));
    return in.additional;
  }

  // The keys share one KDF output of their summed length (which is what the DKM field
  // carries, CK_SP800_108_DKM_LENGTH_SUM_OF_KEYS), each taking the next bytes.
  Result<void> DeriveAll(ByteView param, const KeyMaterial& base,
                         std::span<Object> keys) const override {
    P11_ASSIGN_OR_RETURN(KdfInput in, ParseParams(param, mode_));
    if (keys.size() != in.additional.size() + 1) {
      return Fail(CKR_GENERAL_ERROR, "derived key count");
    }
    P11_TRY(CheckBaseKey(*this, base));
    P11_ASSIGN_OR_RETURN(Prf prf, Prf::Make(in.prf, base));
    std::vector<size_t> lengths;
    size_t total = 0;
    for (const Object& key : keys) {
      // No natural length: each template must say how long its key is.
      P11_ASSIGN_OR_RETURN(size_t len, DerivedKeyLength(key, 0));
      lengths.push_back(len);
      total += len;
    }
    P11_ASSIGN_OR_RETURN(SecureBuffer value, RunKdf(in, mode_, prf, total));
    size_t offset = 0;
    for (size_t i = 0; i < keys.size(); ++i) {
      StoreDerivedKey(keys[i], value.view().subspan(offset, lengths[i]));
      offset += lengths[i];
    }
    return Ok();
  }

 private:
  Mode mode_;
};

}  // namespace

void AddSp800108(Registry& registry) {
  registry.Add(std::make_unique<Sp800108Kdf>(CKM_SP800_108_COUNTER_KDF, Mode::kCounter));
  registry.Add(std::make_unique<Sp800108Kdf>(CKM_SP800_108_FEEDBACK_KDF, Mode::kFeedback));
}

}  // namespace p11::kdf
