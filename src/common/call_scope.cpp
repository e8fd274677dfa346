#include "common/call_scope.h"

#include <atomic>

namespace p11 {
namespace {

thread_local uint64_t t_call_id = 0;
std::atomic<uint64_t> g_next_call_id{1};

}  // namespace

uint64_t CurrentCallId() { return t_call_id; }

CallScope::CallScope() : previous_(t_call_id) {
  t_call_id = g_next_call_id.fetch_add(1, std::memory_order_relaxed);
}

CallScope::~CallScope() { t_call_id = previous_; }

}  // namespace p11
