// Object: a PKCS#11 object as a set of attributes (type → value bytes), the same for both
// backends. CK_ULONG attributes are stored as native CK_ULONG bytes, CK_BBOOL as one byte,
// exactly as they cross the C ABI, so templates copy straight in and out.
//
// Storage is flat: a sorted index of (type, offset, length) and one zeroizing arena that holds
// the values back to back. A key object carries thirty-odd attributes, and a node per attribute
// made building, copying and dropping one cost some sixty allocations; this costs two. The arena
// may hold a private key's CKA_VALUE, so it is wiped when it is released or regrown, and a
// replaced value is wiped where it lay.
//
// Views returned by Get, GetBytes, GetString and attributes() point into the arena: they stay
// valid until the object is next changed. Header-only because the mechanism layer, which does
// not link the token layer, builds objects too.
#pragma once

#include <openssl/crypto.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "common/secure_buffer.h"
#include "pkcs11/pkcs11.h"

namespace p11 {

using AttrValue = ZBytes;

// One attribute of an object as attributes() yields it.
struct Attribute {
  CK_ATTRIBUTE_TYPE type;
  ByteView value;
};

class Object {
 private:
  struct Slot {
    CK_ATTRIBUTE_TYPE type;
    uint32_t offset;
    uint32_t length;
  };

 public:
  // The attributes in ascending type order, as (type, value) pairs.
  class Attributes {
   public:
    class Iterator {
     public:
      Iterator(const Object* object, size_t index) : object_(object), index_(index) {}
      Attribute operator*() const { return object_->At(index_); }
      Iterator& operator++() {
        ++index_;
        return *this;
      }
      bool operator==(const Iterator& other) const { return index_ == other.index_; }
      bool operator!=(const Iterator& other) const { return index_ != other.index_; }

     private:
      const Object* object_;
      size_t index_;
    };

    explicit Attributes(const Object* object) : object_(object) {}
    Iterator begin() const { return Iterator(object_, 0); }
    Iterator end() const { return Iterator(object_, object_->slots_.size()); }
    size_t size() const { return object_->slots_.size(); }
    bool empty() const { return object_->slots_.empty(); }

   private:
    const Object* object_;
  };

  Object() = default;
  // A copy keeps room to grow: copies are made to be changed (a new object from its class's
  // defaults, C_CopyObject, C_SetAttributeValue), and an exact-size copy would regrow both
  // vectors at its first change.
  Object(const Object& other) { *this = other; }
  Object& operator=(const Object& other) {
    if (this == &other) return *this;
    slots_.clear();
    slots_.reserve(std::max(kInitialSlots, other.slots_.size() + kCopyHeadroomSlots));
    slots_.insert(slots_.end(), other.slots_.begin(), other.slots_.end());
    OPENSSL_cleanse(arena_.data(), arena_.size());  // clear() alone would leave the old values
    arena_.clear();
    arena_.reserve(other.arena_.size() + kCopyHeadroomBytes);
    arena_.insert(arena_.end(), other.arena_.begin(), other.arena_.end());
    retired_ = other.retired_;
    return *this;
  }
  Object(Object&&) noexcept = default;
  Object& operator=(Object&&) noexcept = default;
  ~Object() = default;

  bool Has(CK_ATTRIBUTE_TYPE type) const { return Find(type) != nullptr; }
  // The value, or nullopt when the object does not carry the attribute (an empty value is
  // carried: CKA_LABEL "" is not an absent label).
  std::optional<ByteView> Get(CK_ATTRIBUTE_TYPE type) const {
    const Slot* slot = Find(type);
    if (slot == nullptr) return std::nullopt;
    return ValueOf(*slot);
  }
  ByteView GetBytes(CK_ATTRIBUTE_TYPE type) const {
    const Slot* slot = Find(type);
    return slot ? ValueOf(*slot) : ByteView();
  }
  std::optional<CK_ULONG> GetUlong(CK_ATTRIBUTE_TYPE type) const {
    const Slot* slot = Find(type);
    if (slot == nullptr || slot->length != sizeof(CK_ULONG)) return std::nullopt;
    CK_ULONG out;
    std::memcpy(&out, arena_.data() + slot->offset, sizeof out);
    return out;
  }
  // A boolean attribute's value, or `absent` when the object does not carry it.
  bool GetBool(CK_ATTRIBUTE_TYPE type, bool absent = false) const {
    const Slot* slot = Find(type);
    if (slot == nullptr || slot->length != sizeof(CK_BBOOL)) return absent;
    return arena_[slot->offset] != CK_FALSE;
  }
  std::string_view GetString(CK_ATTRIBUTE_TYPE type) const {
    ByteView b = GetBytes(type);
    return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
  }

  void Set(CK_ATTRIBUTE_TYPE type, ByteView value) {
    if (Aliases(value)) {
      // A value read from this object: copy it out first, the arena may move.
      const ZBytes copy(value.begin(), value.end());
      return Set(type, ByteView(copy));
    }
    if (slots_.capacity() == 0) slots_.reserve(kInitialSlots);
    auto at = LowerBound(type);
    if (at != slots_.end() && at->type == type) {
      if (at->length == value.size()) {
        if (!value.empty()) std::memcpy(arena_.data() + at->offset, value.data(), value.size());
        return;
      }
      Retire(*at);
      at->offset = Append(value);
      at->length = static_cast<uint32_t>(value.size());
    } else {
      const uint32_t offset = Append(value);
      // Append does not touch slots_, so `at` is still valid.
      slots_.insert(at, Slot{type, offset, static_cast<uint32_t>(value.size())});
    }
    if (retired_ > kCompactAfter && retired_ * 2 > arena_.size()) Compact();
  }
  // Sets the attribute to `size` zero bytes and returns them to be filled in place, so a
  // generated secret is written once, into the object, with no copy left behind elsewhere.
  // Valid until the object next changes.
  std::span<uint8_t> MutableValue(CK_ATTRIBUTE_TYPE type, size_t size) {
    Erase(type);
    if (slots_.capacity() == 0) slots_.reserve(kInitialSlots);
    auto at = LowerBound(type);
    const uint32_t offset = Append(size);
    slots_.insert(at, Slot{type, offset, static_cast<uint32_t>(size)});
    return std::span<uint8_t>(arena_.data() + offset, size);
  }
  // Room for `bytes` more of values, for a caller about to add values of known size (a new
  // key's generated parts), so the arena does not regrow and copy itself on the way.
  void ReserveValues(size_t bytes) {
    if (arena_.capacity() < arena_.size() + bytes) arena_.reserve(arena_.size() + bytes);
  }
  void SetUlong(CK_ATTRIBUTE_TYPE type, CK_ULONG value) {
    Set(type, ByteView(reinterpret_cast<const uint8_t*>(&value), sizeof value));
  }
  void SetBool(CK_ATTRIBUTE_TYPE type, bool value) {
    const CK_BBOOL b = value ? CK_TRUE : CK_FALSE;
    Set(type, ByteView(&b, 1));
  }
  void Erase(CK_ATTRIBUTE_TYPE type) {
    auto at = LowerBound(type);
    if (at == slots_.end() || at->type != type) return;
    Retire(*at);
    slots_.erase(at);
  }

  Attributes attributes() const { return Attributes(this); }

  CK_OBJECT_CLASS Class() const { return GetUlong(CKA_CLASS).value_or(CK_UNAVAILABLE_INFORMATION); }
  CK_KEY_TYPE KeyType() const {
    return GetUlong(CKA_KEY_TYPE).value_or(CK_UNAVAILABLE_INFORMATION);
  }
  bool IsTokenObject() const { return GetBool(CKA_TOKEN); }
  bool IsPrivate() const { return GetBool(CKA_PRIVATE); }

 private:
  // Sized for a key object with its defaults, so building one does not regrow either vector.
  static constexpr size_t kInitialSlots = 40;
  static constexpr size_t kInitialArena = 384;
  // Replaced values are left in place (wiped) until they are a good share of the arena.
  static constexpr size_t kCompactAfter = 256;
  static constexpr size_t kCopyHeadroomSlots = 8;
  static constexpr size_t kCopyHeadroomBytes = 128;

  std::vector<Slot>::iterator LowerBound(CK_ATTRIBUTE_TYPE type) {
    return std::lower_bound(slots_.begin(), slots_.end(), type,
                            [](const Slot& s, CK_ATTRIBUTE_TYPE t) { return s.type < t; });
  }
  const Slot* Find(CK_ATTRIBUTE_TYPE type) const {
    auto at = std::lower_bound(slots_.begin(), slots_.end(), type,
                               [](const Slot& s, CK_ATTRIBUTE_TYPE t) { return s.type < t; });
    return at != slots_.end() && at->type == type ? &*at : nullptr;
  }
  ByteView ValueOf(const Slot& slot) const {
    return ByteView(arena_.data() + slot.offset, slot.length);
  }
  Attribute At(size_t index) const { return {slots_[index].type, ValueOf(slots_[index])}; }

  bool Aliases(ByteView value) const {
    if (value.empty() || arena_.empty()) return false;
    const std::less<const uint8_t*> before;
    const uint8_t* begin = arena_.data();
    return !before(value.data(), begin) && before(value.data(), begin + arena_.size());
  }
  // Appends `value` to the arena and returns where it starts. Growth goes through the
  // zeroizing allocator, which wipes the block it leaves.
  uint32_t Append(ByteView value) {
    const uint32_t offset = Append(value.size());
    if (!value.empty()) std::memcpy(arena_.data() + offset, value.data(), value.size());
    return offset;
  }
  // Appends `size` zero bytes.
  uint32_t Append(size_t size) {
    const size_t offset = arena_.size();
    if (arena_.capacity() < offset + size) {
      arena_.reserve(std::max({kInitialArena, 2 * arena_.capacity(), offset + size}));
    }
    arena_.resize(offset + size);
    return static_cast<uint32_t>(offset);
  }
  void Retire(const Slot& slot) {
    OPENSSL_cleanse(arena_.data() + slot.offset, slot.length);
    retired_ += slot.length;
  }
  void Compact() {
    ZBytes packed;
    packed.reserve(arena_.size() - retired_);
    for (Slot& slot : slots_) {
      const uint8_t* value = arena_.data() + slot.offset;
      slot.offset = static_cast<uint32_t>(packed.size());
      packed.insert(packed.end(), value, value + slot.length);
    }
    arena_.swap(packed);
    retired_ = 0;
  }

  std::vector<Slot> slots_;  // ascending by type
  ZBytes arena_;
  size_t retired_ = 0;  // bytes of replaced or erased values still in the arena
};

// One attribute of a caller's template, viewed in place (valid for the duration of a call).
struct TemplateAttr {
  CK_ATTRIBUTE_TYPE type;
  ByteView value;
};

}  // namespace p11
