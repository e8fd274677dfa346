#include "transport/link.h"

namespace p11::transport {

const char* LinkStatusName(LinkStatus status) {
  switch (status) {
    case LinkStatus::kOk:
      return "ok";
    case LinkStatus::kTimeout:
      return "timeout";
    case LinkStatus::kGone:
      return "gone";
    case LinkStatus::kError:
      return "error";
  }
  return "?";
}

}  // namespace p11::transport
