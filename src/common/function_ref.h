// FunctionRef: a non-owning reference to something callable, for a parameter a function calls
// before it returns. Unlike std::function it never allocates (a lambda capturing a few
// references would not fit std::function's small buffer), which matters on paths every
// PKCS#11 call takes. The callable must outlive the call it is passed to.
#pragma once

#include <type_traits>
#include <utility>

namespace p11 {

template <class Signature>
class FunctionRef;

template <class R, class... Args>
class FunctionRef<R(Args...)> {
 public:
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, FunctionRef> &&
                                              std::is_invocable_r_v<R, F&, Args...>>>
  FunctionRef(F&& callable)  // NOLINT: implicit, as a callable parameter should be
      : object_(const_cast<void*>(static_cast<const void*>(&callable))),
        invoke_([](void* object, Args... args) -> R {
          return (*static_cast<std::remove_reference_t<F>*>(object))(std::forward<Args>(args)...);
        }) {}

  R operator()(Args... args) const { return invoke_(object_, std::forward<Args>(args)...); }

 private:
  void* object_;
  R (*invoke_)(void*, Args...);
};

}  // namespace p11
