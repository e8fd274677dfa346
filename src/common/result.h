// p11::Result<T>: the error-or-value type every layer returns. Its error carries the CK_RV
// that finally reaches the caller, so no layer has to translate reasons it does not own.
#pragma once

#include <type_traits>
#include <utility>
#include <variant>

#include "pkcs11/pkcs11.h"

namespace p11 {

struct Error {
  CK_RV rv = CKR_GENERAL_ERROR;
  // For CKR_BUFFER_TOO_SMALL and length queries: the size the caller must provide.
  CK_ULONG required_len = 0;
  const char* where = "";
};

// A length query (NULL output buffer) is reported as an Error whose rv is CKR_OK: the call
// succeeds for the caller but the active operation must stay active, exactly like
// CKR_BUFFER_TOO_SMALL. KeepsOperation() is the one place that knows this rule.
inline bool KeepsOperation(const Error& e) {
  return e.rv == CKR_OK || e.rv == CKR_BUFFER_TOO_SMALL;
}

inline Error Fail(CK_RV rv, const char* where = "") { return Error{rv, 0, where}; }

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error e) : v_(std::in_place_index<1>, e) {}                 // NOLINT
  // Not for Result<CK_ULONG> (e.g. Result<ObjectId>), where a bare CK_RV would be ambiguous
  // with a value: such functions return errors as Fail(rv).
  Result(CK_RV rv)  // NOLINT
      requires(!std::is_same_v<T, CK_RV>)
      : v_(std::in_place_index<1>, Error{rv}) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }
  CK_RV rv() const { return ok() ? CKR_OK : error().rv; }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error e) : ok_(false), e_(e) {}           // NOLINT
  Result(CK_RV rv) : ok_(rv == CKR_OK), e_{rv} {}  // NOLINT

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return e_; }
  CK_RV rv() const { return ok_ ? CKR_OK : e_.rv; }

 private:
  bool ok_ = true;
  Error e_{CKR_OK};
};

inline Result<void> Ok() { return {}; }

}  // namespace p11

#define P11_CONCAT_INNER(a, b) a##b
#define P11_CONCAT(a, b) P11_CONCAT_INNER(a, b)

// Returns the error of `expr` (a Result) from the enclosing function.
#define P11_TRY(expr)                                          \
  do {                                                         \
    auto&& p11_try_result_ = (expr);                           \
    if (!p11_try_result_.ok()) return p11_try_result_.error(); \
  } while (0)

#define P11_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.error();              \
  lhs = std::move(tmp).value()

// `P11_ASSIGN_OR_RETURN(auto x, Compute());` declares x from the value or returns the error.
// It expands to several statements: never use it as the body of an unbraced if/else/for.
#define P11_ASSIGN_OR_RETURN(lhs, expr) \
  P11_ASSIGN_OR_RETURN_IMPL(P11_CONCAT(p11_result_, __LINE__), lhs, expr)
