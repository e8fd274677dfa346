// A tiny freestanding test runner for the semihosted MCU test image (GoogleTest needs a
// hosted C++ library and a heap; this needs neither). A test is a void function; CM_CHECK
// records a failure with file and line and leaves the test, CM_EXPECT records and goes on.
// Output and the exit status go through semihosting.
#pragma once

namespace hsm::cortex_m::test {

struct TestCase {
  const char* name;
  void (*run)();
};

// Records one failed condition of the running test.
void Fail(const char* file, int line, const char* what);
// Records a call that answered `got` where `want` was expected (statuses as numbers).
void FailStatus(const char* file, int line, const char* what, unsigned got, unsigned want);
// Runs every case, prints one line each and a summary; returns the number that failed.
int RunAll(const TestCase* cases, int count);

// The test lists of each file (test_main.cpp puts them together).
extern const TestCase kProtocolTests[];
extern const int kProtocolTestCount;
extern const TestCase kKeystoreTests[];
extern const int kKeystoreTestCount;
extern const TestCase kCoreTests[];
extern const int kCoreTestCount;

}  // namespace hsm::cortex_m::test

#define CM_EXPECT(cond)                                                   \
  do {                                                                    \
    if (!(cond)) ::hsm::cortex_m::test::Fail(__FILE__, __LINE__, #cond);  \
  } while (0)

#define CM_CHECK(cond)                                                    \
  do {                                                                    \
    if (!(cond)) {                                                        \
      ::hsm::cortex_m::test::Fail(__FILE__, __LINE__, #cond);             \
      return;                                                             \
    }                                                                     \
  } while (0)

// For calls that return an hsm::Status: a failure prints the status the call answered.
#define CM_CHECK_STATUS(expr, want)                                                     \
  do {                                                                                 \
    const auto cm_got = (expr);                                                        \
    if (cm_got != (want)) {                                                            \
      ::hsm::cortex_m::test::FailStatus(__FILE__, __LINE__, #expr,                     \
                                        static_cast<unsigned>(cm_got),                 \
                                        static_cast<unsigned>(want));                  \
      return;                                                                          \
    }                                                                                  \
  } while (0)
