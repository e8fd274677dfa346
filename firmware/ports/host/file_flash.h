// FileFlash: the emulator's flash, an hsm::Flash backed by a regular file with NOR semantics
// (erased = 0xFF, Program only clears bits, Erase resets a sector). Every Program and Erase is
// followed by fdatasync, so once the key store has been told a write is done, killing the
// emulator process (or the machine) loses nothing it acknowledged. Hosted POSIX code.
//
// The file is created (mode 0600, filled with 0xFF at its full size, made atomically through a
// temporary file and a link) when missing; an existing file of another size is refused rather
// than reinterpreted, and a file another FileFlash holds (flock) is refused too, so two
// emulators can never write the same flash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "keystore/flash.h"
#include "protocol/status.h"

namespace hsm {

// The geometry the emulator uses: 16 sectors of 16 KiB (256 KiB). A sector holds a header and
// three records of the largest value; one sector is kept erased for compaction.
inline constexpr size_t kEmulatorSectorSize = 16384;
inline constexpr size_t kEmulatorSectorCount = 16;

class FileFlash final : public Flash {
 public:
  struct Opened {
    Status status = Status::kFlashError;
    std::unique_ptr<FileFlash> flash;  // set when status is kOk
  };

  // kFlashError for a bad geometry, a file of the wrong size or type, a file in use, or any
  // I/O failure.
  static Opened Open(const std::string& path, size_t sector_size, size_t sector_count);

  ~FileFlash();
  FileFlash(const FileFlash&) = delete;
  FileFlash& operator=(const FileFlash&) = delete;

  size_t sector_size() const override { return sector_size_; }
  size_t sector_count() const override { return sector_count_; }
  Status Read(size_t offset, std::span<uint8_t> out) override;
  Status Program(size_t offset, std::span<const uint8_t> data) override;
  Status Erase(size_t sector) override;

 private:
  FileFlash(int fd, size_t sector_size, size_t sector_count);
  bool InRange(size_t offset, size_t len) const;

  int fd_;
  size_t sector_size_;
  size_t sector_count_;
};

}  // namespace hsm
