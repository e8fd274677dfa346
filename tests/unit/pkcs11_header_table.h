// Tables emitted by the two generated translation units of pkcs11_header_test:
// one compiled against p11-kit's <p11-kit/pkcs11.h>, one against Arca's
// "pkcs11/pkcs11.h". Both headers define the same names, so they cannot share
// a translation unit; the test compares the tables instead.
#ifndef ARCA_TESTS_UNIT_PKCS11_HEADER_TABLE_H_
#define ARCA_TESTS_UNIT_PKCS11_HEADER_TABLE_H_

#include <cstddef>

namespace arca_test {

// One macro name taken from p11-kit's header, as seen by one of the headers.
struct ConstantRow {
  const char* name;
  bool defined;         // whether this header defines the name at all
  unsigned long value;  // meaningful only when defined
};

// One sizeof / offsetof fact, e.g. "sizeof(CK_ATTRIBUTE)".
struct LayoutRow {
  const char* what;
  std::size_t value;
};

template <typename Row>
struct Table {
  const Row* rows;
  std::size_t size;
  const Row* begin() const { return rows; }
  const Row* end() const { return rows + size; }
};

// Defined in the generated pkcs11_header_p11kit.cpp.
Table<ConstantRow> P11KitConstants();
Table<LayoutRow> P11KitLayout();

// Defined in the generated pkcs11_header_arca.cpp.
Table<ConstantRow> ArcaConstants();
Table<LayoutRow> ArcaLayout();

}  // namespace arca_test

#endif  // ARCA_TESTS_UNIT_PKCS11_HEADER_TABLE_H_
