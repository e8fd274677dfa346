// Fuzz target for caller templates and the attribute policy: the bytes become a CK_ATTRIBUTE
// array (types from a list of interesting ones or raw, bounded lengths, pValues pointing into
// the input, nested arrays for array attributes), which runs through ParseTemplate, NewObject
// for every origin, FinishKey, ApplySet, ApplyCopy, Matches and ReadAttributes into caller
// buffers of fuzzed sizes. Every buffer is allocated at exactly its declared size, so a read or
// write past a length is caught by the sanitizers.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "token/attribute_policy.h"
#include "token/template.h"

namespace {

using p11::Object;
using p11::TemplateAttr;
namespace policy = p11::policy;

constexpr size_t kMaxAttrs = 24;
constexpr size_t kMaxNested = 6;

constexpr CK_ATTRIBUTE_TYPE kTypes[] = {
    CKA_CLASS,
    CKA_KEY_TYPE,
    CKA_TOKEN,
    CKA_PRIVATE,
    CKA_LABEL,
    CKA_VALUE,
    CKA_VALUE_LEN,
    CKA_MODIFIABLE,
    CKA_COPYABLE,
    CKA_SENSITIVE,
    CKA_EXTRACTABLE,
    CKA_SIGN,
    CKA_TRUSTED,
    CKA_WRAP_TEMPLATE,
    CKA_UNWRAP_TEMPLATE,
    CKA_DERIVE_TEMPLATE,
    CKA_ALLOWED_MECHANISMS,
    CKA_MODULUS,
    CKA_MODULUS_BITS,
    CKA_PUBLIC_EXPONENT,
    CKA_PRIVATE_EXPONENT,
    CKA_EC_PARAMS,
    CKA_EC_POINT,
    CKA_CERTIFICATE_TYPE,
    CKA_SUBJECT,
    CKA_ID,
    CKA_START_DATE,
    CKA_CERTIFICATE_CATEGORY,
    CKA_LOCAL,
    CKA_UNIQUE_ID,
    CKA_WRAP_WITH_TRUSTED,
    CKA_APPLICATION,
};

// Values that make the interesting identities likely: classes, key and certificate types.
constexpr CK_ULONG kUlongs[] = {
    CKO_DATA,       CKO_CERTIFICATE, CKO_PUBLIC_KEY, CKO_PRIVATE_KEY,
    CKO_SECRET_KEY, CKK_RSA,         CKK_EC,         CKK_AES,
    CKK_CHACHA20,   CKC_X_509,       2048,           CK_UNAVAILABLE_INFORMATION};

class Input {
 public:
  Input(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool empty() const { return pos_ >= size_; }
  uint8_t Byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  // Up to `want` bytes of the input itself, for pValues that point into the fuzz buffer.
  const uint8_t* Take(size_t want, size_t& got) {
    got = want < size_ - pos_ ? want : size_ - pos_;
    const uint8_t* p = data_ + pos_;
    pos_ += got;
    return p;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

bool IsNested(CK_ATTRIBUTE_TYPE type) {
  return (type & CKF_ARRAY_ATTRIBUTE) != 0 && type != CKA_ALLOWED_MECHANISMS;
}

// Owns everything the caller-side arrays point to.
struct Arena {
  std::deque<std::vector<CK_ATTRIBUTE>> arrays;
  std::deque<std::unique_ptr<uint8_t[]>> buffers;
  std::deque<CK_ULONG> ulongs;

  uint8_t* Buffer(size_t n) {
    buffers.push_back(std::unique_ptr<uint8_t[]>(n ? new uint8_t[n] : nullptr));
    return buffers.back().get();
  }
};

CK_ATTRIBUTE_TYPE PickType(Input& in) {
  const uint8_t sel = in.Byte();
  if (sel < 224) return kTypes[sel % std::size(kTypes)];
  CK_ATTRIBUTE_TYPE raw = 0;
  for (int i = 0; i < 4; ++i) raw = (raw << 8) | in.Byte();
  // Raw types never claim to be nested templates: their pValue is not built as an array.
  return IsNested(raw) ? raw & ~CKF_ARRAY_ATTRIBUTE : raw;
}

CK_ATTRIBUTE PlainAttr(Input& in, Arena& arena, CK_ATTRIBUTE_TYPE type) {
  const uint8_t mode = in.Byte();
  if (mode % 8 == 0) {  // a well-formed CK_ULONG from the interesting list
    arena.ulongs.push_back(kUlongs[in.Byte() % std::size(kUlongs)]);
    return CK_ATTRIBUTE{type, &arena.ulongs.back(), sizeof(CK_ULONG)};
  }
  if (mode % 8 == 1) return CK_ATTRIBUTE{type, nullptr, in.Byte() % 3u};  // NULL pValue
  size_t got = 0;
  const uint8_t* p = in.Take(mode % 8 == 2 ? 1 : in.Byte() % 48, got);
  return CK_ATTRIBUTE{type, const_cast<uint8_t*>(p), got};
}

CK_ATTRIBUTE NestedAttr(Input& in, Arena& arena, CK_ATTRIBUTE_TYPE type) {
  std::vector<CK_ATTRIBUTE> elements(in.Byte() % (kMaxNested + 1));
  for (CK_ATTRIBUTE& e : elements) e = PlainAttr(in, arena, PickType(in));
  arena.arrays.push_back(std::move(elements));
  std::vector<CK_ATTRIBUTE>& a = arena.arrays.back();
  // Sometimes a length that is not a whole number of elements.
  const CK_ULONG len = a.size() * sizeof(CK_ATTRIBUTE) - (in.Byte() == 7 && !a.empty() ? 1 : 0);
  return CK_ATTRIBUTE{type, a.data(), len};
}

std::vector<CK_ATTRIBUTE> BuildTemplate(Input& in, Arena& arena) {
  std::vector<CK_ATTRIBUTE> out(in.Byte() % (kMaxAttrs + 1));
  for (CK_ATTRIBUTE& a : out) {
    const CK_ATTRIBUTE_TYPE type = PickType(in);
    a = IsNested(type) ? NestedAttr(in, arena, type) : PlainAttr(in, arena, type);
  }
  return out;
}

// A C_GetAttributeValue template over `object`'s types and some others, with buffers of
// fuzzed sizes (NULL for length queries); array attributes get arrays of fuzzed lengths.
void ReadBack(Input& in, const Object& object) {
  Arena arena;
  std::vector<CK_ATTRIBUTE> tmpl;
  for (const auto& [type, value] : object.attributes()) {
    const uint8_t sel = in.Byte();
    if (sel % 5 == 0) continue;
    if (IsNested(type) && sel % 5 != 1) {
      std::vector<CK_ATTRIBUTE> inner(in.Byte() % (kMaxNested + 1));
      for (CK_ATTRIBUTE& e : inner) {
        const size_t n = in.Byte() % 12;
        e = CK_ATTRIBUTE{0, n == 11 ? nullptr : arena.Buffer(n), n};
      }
      arena.arrays.push_back(std::move(inner));
      std::vector<CK_ATTRIBUTE>& a = arena.arrays.back();
      tmpl.push_back(CK_ATTRIBUTE{type, a.data(), a.size() * sizeof(CK_ATTRIBUTE)});
      continue;
    }
    // Around the exact size: one or two bytes short, exact, or larger.
    const long delta = static_cast<long>(in.Byte() % 5) - 2;
    const long wanted = static_cast<long>(value.size()) + delta;
    const size_t n = sel % 5 == 1 || wanted < 0 ? 0 : static_cast<size_t>(wanted);
    tmpl.push_back(CK_ATTRIBUTE{type, sel % 5 == 1 ? nullptr : arena.Buffer(n), n});
  }
  tmpl.push_back(CK_ATTRIBUTE{PickType(in), arena.Buffer(4), 4});
  (void)policy::ReadAttributes(object, tmpl.data(), tmpl.size());
}

// Runs the change paths with a second template from the input, then reads everything back.
void Exercise(Input& in, std::span<const TemplateAttr> created, const Object& obj,
              policy::Actor actor) {
  (void)policy::Matches(obj, created);
  Arena arena;
  std::vector<CK_ATTRIBUTE> raw = BuildTemplate(in, arena);
  auto change = p11::ParseTemplate(raw.empty() ? nullptr : raw.data(), raw.size());
  if (change.ok()) {
    (void)policy::Matches(obj, *change);
    auto set = policy::ApplySet(obj, *change, actor);
    if (set.ok()) ReadBack(in, *set);
    auto copy = policy::ApplyCopy(obj, *change, actor);
    if (copy.ok()) ReadBack(in, *copy);
  }
  ReadBack(in, obj);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in(data, size);
  const uint8_t flags = in.Byte();
  const policy::Actor actor{(flags & 1) != 0, (flags & 2) != 0};
  Arena arena;
  std::vector<CK_ATTRIBUTE> raw = BuildTemplate(in, arena);
  auto parsed = p11::ParseTemplate(raw.empty() ? nullptr : raw.data(), raw.size());
  if (!parsed.ok()) return 0;

  constexpr policy::Origin kOrigins[] = {
      policy::Origin::kCreate,          policy::Origin::kGenerate, policy::Origin::kGeneratePublic,
      policy::Origin::kGeneratePrivate, policy::Origin::kUnwrap,   policy::Origin::kDerive};
  const policy::Implied implied[] = {{CK_UNAVAILABLE_INFORMATION, CK_UNAVAILABLE_INFORMATION},
                                     {CKO_SECRET_KEY, CKK_AES},
                                     {CKO_PUBLIC_KEY, CKK_RSA},
                                     {CKO_PRIVATE_KEY, CKK_EC}};
  for (policy::Origin origin : kOrigins) {
    auto obj = policy::NewObject(origin, *parsed, implied[in.Byte() % std::size(implied)], actor);
    if (!obj.ok()) continue;
    policy::FinishKey(*obj, origin, CKM_AES_KEY_GEN);
    Exercise(in, *parsed, *obj, actor);
    (void)policy::CheckKeyUse(*obj, CKA_SIGN, CKM_AES_CMAC);
  }
  return 0;
}
