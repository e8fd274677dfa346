// CallScope: which PKCS#11 call the current thread is serving, so a lower layer can do its
// once-per-call work once — the software token checks the store for other processes' changes
// at the first object access of a call, not at every access within it (C_SignInit touches
// the key twice: the slot layer resolves it, the token then uses it).
// Outside a call (a test driving a backend directly) the id is 0 and nothing is skipped.
#pragma once

#include <cstdint>

namespace p11 {

// The current call's id: unique in the process, 0 when no call is in progress on this thread.
uint64_t CurrentCallId();

// Marks the thread as serving a new call for its lifetime (nestable).
class CallScope {
 public:
  CallScope();
  ~CallScope();
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;

 private:
  uint64_t previous_;
};

}  // namespace p11
