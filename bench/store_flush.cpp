#include "store_flush.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

namespace bench {
namespace {

constexpr size_t kWriteBytes = 4096;
constexpr size_t kFileBytes = 16 * kWriteBytes;

StoreFlush Failed(const char* what) { return {0, std::string(what) + ": " + std::strerror(errno)}; }

}  // namespace

StoreFlush ProbeStoreFlush(const std::string& dir, int rounds) {
  const std::string path = dir + "/flush-probe";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return Failed("open");
  ::unlink(path.c_str());  // gone with the descriptor
  std::vector<char> block(kFileBytes, 'f');
  // Blocks allocated and flushed first, so each timed fdatasync flushes data only, as the
  // store's reused WAL frames do.
  if (::pwrite(fd, block.data(), block.size(), 0) != static_cast<ssize_t>(block.size()) ||
      ::fsync(fd) != 0) {
    StoreFlush failed = Failed("prepare");
    ::close(fd);
    return failed;
  }
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < rounds; ++i) {
    const off_t offset = static_cast<off_t>((i % (kFileBytes / kWriteBytes)) * kWriteBytes);
    if (::pwrite(fd, block.data(), kWriteBytes, offset) != static_cast<ssize_t>(kWriteBytes) ||
        ::fdatasync(fd) != 0) {
      StoreFlush failed = Failed("write");
      ::close(fd);
      return failed;
    }
  }
  const std::chrono::duration<double, std::micro> spent = std::chrono::steady_clock::now() - start;
  ::close(fd);
  return {rounds > 0 ? spent.count() / rounds : 0, ""};
}

StoreFlush Combine(const StoreFlush& before, const StoreFlush& after) {
  if (!before.error.empty()) return after;
  if (!after.error.empty()) return before;
  return {(before.micros + after.micros) / 2, ""};
}

}  // namespace bench
