// How a message is declared once and then encoded, decoded and sized from that declaration.
// A message is a struct of fields — unsigned integers, enums over them, and wire::Bytes<Max> —
// listed once with WIRE_FIELDS(...). The visitors below walk that list: EncodeMessage writes
// it, DecodeMessage reads it (rejecting any field over its limit and any trailing byte), and
// MaxEncodedSize<M>() is the compile-time bound the schema checks against kMaxPayload.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include "protocol/codec.h"
#include "protocol/status.h"

// Declares a message's fields, in wire order, for both const and mutable visitors.
#define WIRE_FIELDS(...)              \
  template <class V>                  \
  constexpr void Fields(V& v) {       \
    v(__VA_ARGS__);                   \
  }                                   \
  template <class V>                  \
  constexpr void Fields(V& v) const { \
    v(__VA_ARGS__);                   \
  }                                   \
  static constexpr bool kHasWireFields = true

namespace wire {

// A message with no fields.
struct Empty {
  template <class V>
  constexpr void Fields(V&) {}
  template <class V>
  constexpr void Fields(V&) const {}
  static constexpr bool kHasWireFields = true;
};

namespace detail {

template <class T>
constexpr size_t FieldMaxSize() {
  if constexpr (IsBytes<T>::value) {
    return 2 + T::kMax;
  } else if constexpr (std::is_enum_v<T>) {
    return sizeof(std::underlying_type_t<T>);
  } else {
    static_assert(std::is_unsigned_v<T>, "wire fields are unsigned integers, enums or Bytes");
    return sizeof(T);
  }
}

struct SizeVisitor {
  size_t total = 0;
  template <class... F>
  constexpr void operator()(const F&...) {
    total += (size_t{0} + ... + FieldMaxSize<F>());
  }
};

struct EncodeVisitor {
  Writer& w;
  template <class T>
  constexpr void One(const T& f) {
    if constexpr (IsBytes<T>::value) {
      w.Prefixed(f.span(), T::kMax);
    } else if constexpr (std::is_enum_v<T>) {
      One(static_cast<std::underlying_type_t<T>>(f));
    } else if constexpr (sizeof(T) == 1) {
      w.U8(f);
    } else if constexpr (sizeof(T) == 2) {
      w.U16(f);
    } else if constexpr (sizeof(T) == 4) {
      w.U32(f);
    } else {
      w.U64(f);
    }
  }
  template <class... F>
  constexpr void operator()(const F&... fields) {
    (One(fields), ...);
  }
};

struct DecodeVisitor {
  Reader& r;
  template <class T>
  constexpr void One(T& f) {
    if constexpr (IsBytes<T>::value) {
      f = T(r.Prefixed(T::kMax));
    } else if constexpr (std::is_enum_v<T>) {
      std::underlying_type_t<T> raw{};
      One(raw);
      f = static_cast<T>(raw);
    } else if constexpr (sizeof(T) == 1) {
      f = r.U8();
    } else if constexpr (sizeof(T) == 2) {
      f = r.U16();
    } else if constexpr (sizeof(T) == 4) {
      f = r.U32();
    } else {
      f = r.U64();
    }
  }
  template <class... F>
  constexpr void operator()(F&... fields) {
    (One(fields), ...);
  }
};

}  // namespace detail

template <class M>
constexpr size_t MaxEncodedSize() {
  detail::SizeVisitor v;
  M m{};
  m.Fields(v);
  return v.total;
}

// Writes `m` into `out`; the encoded length, or 0 with `*status` set when a field is over its
// limit or `out` is too small (an empty message encodes to 0 bytes with kOk).
template <class M>
constexpr size_t EncodeMessage(const M& m, std::span<uint8_t> out, hsm::Status* status) {
  Writer w(out);
  detail::EncodeVisitor v{w};
  m.Fields(v);
  *status = w.ok() ? hsm::Status::kOk : hsm::Status::kTooLarge;
  return w.ok() ? w.written() : 0;
}

// Reads `m` from exactly `in`. kMalformed for a short or over-long payload or a Bytes field
// longer than its declared maximum. Enum values are not range-checked here: handlers check
// the ones they accept.
template <class M>
constexpr hsm::Status DecodeMessage(std::span<const uint8_t> in, M& m) {
  Reader r(in);
  detail::DecodeVisitor v{r};
  m.Fields(v);
  return r.done() ? hsm::Status::kOk : hsm::Status::kMalformed;
}

}  // namespace wire
