// Negative test of the heap ban: an image that calls malloc (ARCA_CM_PROBE_MALLOC) or
// operator new (otherwise). It must FAIL to link (run-tests.sh checks that it does, and for
// the right reason: an undefined __wrap_ symbol). Never part of the default build.
#include <cstdlib>
#include <new>

// Through a volatile pointer, so the compiler cannot elide the allocation (C++14 allows
// dropping a new/delete pair whose result never escapes, and GCC does).
void* volatile sink;

int main() {
#if defined(ARCA_CM_PROBE_MALLOC)
  sink = std::malloc(16);
  std::free(sink);
#else
  sink = new int(3);
  delete static_cast<int*>(sink);
#endif
  return 0;
}
