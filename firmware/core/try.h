// HSM_TRY: early return of a non-kOk hsm::Status, the firmware's counterpart of P11_TRY.
#pragma once

#include "protocol/status.h"

// Returns the status of `expr` from the enclosing function unless it is kOk.
#define HSM_TRY(expr)                                        \
  do {                                                       \
    ::hsm::Status hsm_try_status_ = (expr);                  \
    if (!::hsm::Ok(hsm_try_status_)) return hsm_try_status_; \
  } while (0)
