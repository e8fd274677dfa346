// FileFlash: the emulator's file-backed flash (see file_flash.h).
#include "ports/host/file_flash.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <limits>

namespace hsm {
namespace {

constexpr size_t kIoChunk = 4096;

bool PreadAll(int fd, uint8_t* p, size_t n, off_t offset) {
  while (n > 0) {
    ssize_t got = pread(fd, p, n, offset);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    p += got;
    n -= static_cast<size_t>(got);
    offset += got;
  }
  return true;
}

bool PwriteAll(int fd, const uint8_t* p, size_t n, off_t offset) {
  while (n > 0) {
    ssize_t put = pwrite(fd, p, n, offset);
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) return false;
    p += put;
    n -= static_cast<size_t>(put);
    offset += put;
  }
  return true;
}

bool FillErased(int fd, size_t offset, size_t size) {
  uint8_t erased[kIoChunk];
  for (uint8_t& b : erased) b = 0xFF;
  for (size_t done = 0; done < size;) {
    size_t n = size - done < kIoChunk ? size - done : kIoChunk;
    if (!PwriteAll(fd, erased, n, static_cast<off_t>(offset + done))) return false;
    done += n;
  }
  return true;
}

void SyncParentDirectory(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)fsync(fd);
  close(fd);
}

// Builds the erased image under a temporary name and links it into place, so a crash while
// creating never leaves a short file at `path` (which Open would then refuse for ever). If
// another process created `path` first, that file is opened instead.
int CreateErased(const std::string& path, size_t size) {
  std::string temp = path + ".new." + std::to_string(getpid());
  int fd = open(temp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return -1;
  bool ok = fchmod(fd, 0600) == 0 && FillErased(fd, 0, size) && fsync(fd) == 0;
  int link_errno = 0;
  if (ok && link(temp.c_str(), path.c_str()) != 0) {
    ok = false;
    link_errno = errno;
  }
  unlink(temp.c_str());
  if (!ok) {
    close(fd);
    return link_errno == EEXIST ? open(path.c_str(), O_RDWR | O_CLOEXEC) : -1;
  }
  SyncParentDirectory(path);
  return fd;
}

}  // namespace

FileFlash::Opened FileFlash::Open(const std::string& path, size_t sector_size,
                                  size_t sector_count) {
  Opened result;
  if (sector_size == 0 || sector_count == 0 || sector_size > SIZE_MAX / sector_count) {
    return result;
  }
  const size_t size = sector_size * sector_count;
  if (size > static_cast<uint64_t>(std::numeric_limits<off_t>::max())) return result;
  int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) fd = CreateErased(path, size);
  if (fd < 0) return result;
  struct stat st;
  bool usable = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
                static_cast<uint64_t>(st.st_size) == size && flock(fd, LOCK_EX | LOCK_NB) == 0;
  if (!usable) {
    close(fd);
    return result;
  }
  result.status = Status::kOk;
  result.flash.reset(new FileFlash(fd, sector_size, sector_count));
  return result;
}

FileFlash::FileFlash(int fd, size_t sector_size, size_t sector_count)
    : fd_(fd), sector_size_(sector_size), sector_count_(sector_count) {}

FileFlash::~FileFlash() { close(fd_); }

bool FileFlash::InRange(size_t offset, size_t len) const {
  const size_t size = sector_size_ * sector_count_;
  return offset <= size && len <= size - offset;
}

Status FileFlash::Read(size_t offset, std::span<uint8_t> out) {
  if (!InRange(offset, out.size())) return Status::kFlashError;
  return PreadAll(fd_, out.data(), out.size(), static_cast<off_t>(offset)) ? Status::kOk
                                                                           : Status::kFlashError;
}

Status FileFlash::Program(size_t offset, std::span<const uint8_t> data) {
  if (!InRange(offset, data.size())) return Status::kFlashError;
  uint8_t cells[kIoChunk];
  for (size_t done = 0; done < data.size();) {
    size_t n = data.size() - done < kIoChunk ? data.size() - done : kIoChunk;
    off_t at = static_cast<off_t>(offset + done);
    if (!PreadAll(fd_, cells, n, at)) return Status::kFlashError;
    for (size_t i = 0; i < n; ++i) cells[i] &= data[done + i];  // NOR: bits only clear
    if (!PwriteAll(fd_, cells, n, at)) return Status::kFlashError;
    done += n;
  }
  return fdatasync(fd_) == 0 ? Status::kOk : Status::kFlashError;
}

Status FileFlash::Erase(size_t sector) {
  if (sector >= sector_count_) return Status::kFlashError;
  if (!FillErased(fd_, sector * sector_size_, sector_size_)) return Status::kFlashError;
  return fdatasync(fd_) == 0 ? Status::kOk : Status::kFlashError;
}

}  // namespace hsm
