#include "module_fixture.h"

namespace bench {

ModuleFixture::ModuleFixture(Provider& provider, int threads, size_t buffer_len)
    : provider_(provider), buffers_(threads, Bytes(buffer_len)) {
  for (int i = 0; i < threads; ++i) sessions_.push_back(provider_.OpenSession());
}

ModuleFixture::~ModuleFixture() {
  // Token keys would otherwise pile up in the store and slow the later lookup cases.
  for (CK_OBJECT_HANDLE object : objects_) fn()->C_DestroyObject(provider_.session(), object);
  for (CK_SESSION_HANDLE session : sessions_) provider_.CloseSession(session);
}

}  // namespace bench
