// What a module case owns while it runs: a session per thread, an output buffer per thread
// and the objects it made, closed and destroyed when the last body referring to it is gone.
#pragma once

#include <vector>

#include "bench_case.h"
#include "pkcs11/pkcs11.h"
#include "provider.h"

namespace bench {

class ModuleFixture {
 public:
  // Opens `threads` read-write sessions; each output buffer holds `buffer_len` bytes.
  ModuleFixture(Provider& provider, int threads, size_t buffer_len);
  ~ModuleFixture();
  ModuleFixture(const ModuleFixture&) = delete;
  ModuleFixture& operator=(const ModuleFixture&) = delete;

  Provider& provider() const { return provider_; }
  CK_FUNCTION_LIST* fn() const { return provider_.fn(); }
  CK_SESSION_HANDLE session(int thread) const { return sessions_[thread]; }
  Bytes& buffer(int thread) { return buffers_[thread]; }
  // Objects destroyed with the fixture (keys the case generated for itself).
  void Own(CK_OBJECT_HANDLE object) { objects_.push_back(object); }

 private:
  Provider& provider_;
  std::vector<CK_SESSION_HANDLE> sessions_;
  std::vector<Bytes> buffers_;
  std::vector<CK_OBJECT_HANDLE> objects_;
};

}  // namespace bench
