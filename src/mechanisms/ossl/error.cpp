#include "mechanisms/ossl/error.h"

#include <openssl/err.h>

#include "common/log.h"

namespace ossl {

p11::Error ToError(CK_RV fallback_rv, const char* where) {
  unsigned long code;
  while ((code = ERR_get_error()) != 0) {
    if (p11::log::Enabled(p11::log::Level::kDebug)) {
      char text[256];
      ERR_error_string_n(code, text, sizeof text);
      p11::log::Write(p11::log::Level::kDebug, "%s: %s", where, text);
    }
  }
  return p11::Error{fallback_rv, 0, where};
}

}  // namespace ossl
