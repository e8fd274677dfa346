// The one mapping from an OpenSSL failure to a p11::Error: drains the thread's error queue
// (logging it at debug level, never key material) and returns `fallback_rv`.
#pragma once

#include "common/result.h"

namespace ossl {

p11::Error ToError(CK_RV fallback_rv, const char* where = "openssl");

}  // namespace ossl
