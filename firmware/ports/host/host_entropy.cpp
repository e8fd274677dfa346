// HostEntropy: getrandom(2), retried on EINTR and on short reads (a request above 256 bytes
// may return fewer bytes when a signal arrives).
#include "ports/host/host_entropy.h"

#include <sys/random.h>

#include <cerrno>

namespace hsm {

Status HostEntropy::Gather(std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = getrandom(out.data() + done, out.size() - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::kCryptoError;
    }
    done += static_cast<size_t>(n);
  }
  return Status::kOk;
}

}  // namespace hsm
