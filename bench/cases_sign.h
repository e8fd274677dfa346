// The signing body of the sign/ and threads/ cases, shared with the fw/ cases so that the
// firmware token is measured with exactly the calls the software token is.
#pragma once

#include "bench_case.h"
#include "openssl_baseline.h"
#include "provider.h"

namespace bench {

// Generates a token key pair for `kind` on `provider`'s token, then times C_SignInit + C_Sign
// per operation with one session per thread. n/a when the token lacks the mechanisms.
Prepared ModuleSign(Provider& provider, SignKind kind, int threads);

}  // namespace bench
