#include "common/call_scope.h"

#include "common/thread_serial.h"

namespace p11 {
namespace {

// A call id is the thread's serial number above its own call count, so starting a call
// writes nothing another thread reads (a shared counter would be one more cache line that
// every call on every core takes in turn). Unique while fewer than 2^24 threads have made
// calls and no thread has made 2^40.
constexpr int kCallBits = 40;

struct ThreadCalls {
  uint64_t serial = ThreadSerial();
  uint64_t made = 0;
  uint64_t current = 0;
};
thread_local ThreadCalls t_calls;

}  // namespace

uint64_t CurrentCallId() { return t_calls.current; }

CallScope::CallScope() : previous_(t_calls.current) {
  t_calls.current = (t_calls.serial << kCallBits) | (++t_calls.made & ((1ULL << kCallBits) - 1));
}

CallScope::~CallScope() { t_calls.current = previous_; }

}  // namespace p11
