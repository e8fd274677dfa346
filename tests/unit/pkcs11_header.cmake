# pkcs11_header_test: checks include/pkcs11/pkcs11.h against p11-kit's header.
#
# Included from tests/unit/CMakeLists.txt. Expects ARCA_SOURCE_DIR (repository
# root), GTest::gtest_main, and PkgConfig::P11KIT from
# pkg_check_modules(P11KIT REQUIRED IMPORTED_TARGET p11-kit-1).
#
# Both headers define the same macro names, so they cannot be compared in one
# translation unit. At configure time we collect the integer-valued CK* macros
# that p11-kit's pkcs11.h defines and generate two .cpp files from
# pkcs11_header_table.cpp.in: one includes p11-kit's header, the other ours, and
# each emits a table {name, defined, value} (guarded by #ifdef) plus sizeof /
# offsetof facts. pkcs11_header_test.cpp compares the tables.

include(GoogleTest)

set(_arca_p11h_dir "${CMAKE_CURRENT_LIST_DIR}")
set(_arca_p11h_gen_dir "${CMAKE_CURRENT_BINARY_DIR}/pkcs11_header_gen")

# Locate p11-kit's pkcs11.h.
set(_arca_p11h_search_dirs ${P11KIT_INCLUDE_DIRS})
if(TARGET PkgConfig::P11KIT)
  get_target_property(_arca_p11h_target_dirs PkgConfig::P11KIT INTERFACE_INCLUDE_DIRECTORIES)
  if(_arca_p11h_target_dirs)
    list(APPEND _arca_p11h_search_dirs ${_arca_p11h_target_dirs})
  endif()
endif()
set(_arca_p11h_p11kit_header "")
foreach(_dir IN LISTS _arca_p11h_search_dirs)
  if(EXISTS "${_dir}/p11-kit/pkcs11.h")
    set(_arca_p11h_p11kit_header "${_dir}/p11-kit/pkcs11.h")
    break()
  endif()
endforeach()
if(NOT _arca_p11h_p11kit_header)
  message(FATAL_ERROR "pkcs11_header_test: p11-kit/pkcs11.h not found in '${_arca_p11h_search_dirs}'")
endif()

# Collect "#define CK..._... <value>" lines. Function-like macros (name directly
# followed by '(') and empty or non-integer values (CK_SPEC, strings, types) are
# skipped: a value qualifies only if, once CK* identifiers, integer literals,
# the words of an "(unsigned long)" cast and operators are removed, nothing is
# left.
file(STRINGS "${_arca_p11h_p11kit_header}" _arca_p11h_lines
     REGEX "^[ \t]*#[ \t]*define[ \t]+CK[A-Z0-9]*_")
set(_arca_p11h_names "")
set(_arca_p11h_skipped "")
foreach(_line IN LISTS _arca_p11h_lines)
  if(NOT _line MATCHES "^[ \t]*#[ \t]*define[ \t]+(CK[A-Z0-9]*_[A-Za-z0-9_]*)(.*)$")
    continue()
  endif()
  set(_name "${CMAKE_MATCH_1}")
  set(_rest "${CMAKE_MATCH_2}")
  if(_rest MATCHES "^\\(")
    list(APPEND _arca_p11h_skipped "${_name}")
    continue()
  endif()
  string(REGEX REPLACE "/\\*.*\\*/" "" _value "${_rest}")
  string(REGEX REPLACE "//.*$" "" _value "${_value}")
  string(STRIP "${_value}" _value)
  string(REGEX REPLACE "CK[A-Za-z0-9_]*" "" _residue "${_value}")
  string(REGEX REPLACE "0[xX][0-9a-fA-F]+[uUlL]*" "" _residue "${_residue}")
  string(REGEX REPLACE "[0-9]+[uUlL]*" "" _residue "${_residue}")
  string(REGEX REPLACE "unsigned|long|int" "" _residue "${_residue}")
  string(REGEX REPLACE "[-+~|&<>() \t]" "" _residue "${_residue}")
  if(_value STREQUAL "" OR NOT _residue STREQUAL "")
    list(APPEND _arca_p11h_skipped "${_name}")
    continue()
  endif()
  list(APPEND _arca_p11h_names "${_name}")
endforeach()
list(REMOVE_DUPLICATES _arca_p11h_names)
list(SORT _arca_p11h_names)
list(LENGTH _arca_p11h_names _arca_p11h_count)
message(STATUS "pkcs11_header_test: ${_arca_p11h_count} integer CK* macros from ${_arca_p11h_p11kit_header}")

set(ARCA_TABLE_ROWS "")
foreach(_name IN LISTS _arca_p11h_names)
  string(APPEND ARCA_TABLE_ROWS
         "#ifdef ${_name}\n"
         "    {\"${_name}\", true, static_cast<unsigned long>(${_name})},\n"
         "#else\n"
         "    {\"${_name}\", false, 0UL},\n"
         "#endif\n")
endforeach()
set(ARCA_FUNCTIONS_DEF "${ARCA_SOURCE_DIR}/src/module/functions.def")

set(ARCA_TABLE_HEADER "<p11-kit/pkcs11.h>")
set(ARCA_TABLE_PREFIX "P11Kit")
configure_file("${_arca_p11h_dir}/pkcs11_header_table.cpp.in"
               "${_arca_p11h_gen_dir}/pkcs11_header_p11kit.cpp" @ONLY)
set(ARCA_TABLE_HEADER "\"pkcs11/pkcs11.h\"")
set(ARCA_TABLE_PREFIX "Arca")
configure_file("${_arca_p11h_dir}/pkcs11_header_table.cpp.in"
               "${_arca_p11h_gen_dir}/pkcs11_header_arca.cpp" @ONLY)
unset(ARCA_TABLE_ROWS)
unset(ARCA_TABLE_HEADER)
unset(ARCA_TABLE_PREFIX)
unset(ARCA_FUNCTIONS_DEF)

# Regenerate when p11-kit's header changes.
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_arca_p11h_p11kit_header}")

add_executable(pkcs11_header_test
  "${_arca_p11h_dir}/pkcs11_header_test.cpp"
  "${_arca_p11h_gen_dir}/pkcs11_header_p11kit.cpp"
  "${_arca_p11h_gen_dir}/pkcs11_header_arca.cpp")
target_include_directories(pkcs11_header_test PRIVATE
  "${ARCA_SOURCE_DIR}/include"
  "${_arca_p11h_dir}")
target_compile_features(pkcs11_header_test PRIVATE cxx_std_20)
target_link_libraries(pkcs11_header_test PRIVATE PkgConfig::P11KIT GTest::gtest_main)
gtest_discover_tests(pkcs11_header_test PROPERTIES LABELS unit DISCOVERY_TIMEOUT 60)
