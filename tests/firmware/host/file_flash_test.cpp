// FileFlash, the emulator's file-backed flash, on real files in a temporary directory:
// creation (erased, full size, mode 0600), persistence across reopen and across a process that
// dies without closing, refusal of a wrong-sized or busy file, NOR semantics, range checks, and
// the key store running on it.
#include "ports/host/file_flash.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "keystore/record_store.h"

namespace hsm {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

constexpr size_t kSector = 4096;
constexpr size_t kCount = 4;

class FileFlashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string base = (fs::temp_directory_path() / "arca-file-flash-XXXXXX").string();
    ASSERT_NE(mkdtemp(base.data()), nullptr);
    dir_ = base;
    path_ = (dir_ / "flash.bin").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  std::string path_;
};

Bytes ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

TEST_F(FileFlashTest, CreatesAnErasedFileOfFullSizeWithMode0600) {
  mode_t old = umask(0);  // the mode must not depend on a permissive umask
  FileFlash::Opened opened = FileFlash::Open(path_, kSector, kCount);
  umask(old);
  ASSERT_EQ(opened.status, Status::kOk);
  ASSERT_NE(opened.flash, nullptr);
  EXPECT_EQ(opened.flash->sector_size(), kSector);
  EXPECT_EQ(opened.flash->sector_count(), kCount);
  struct stat st;
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  Bytes content = ReadFile(path_);
  ASSERT_EQ(content.size(), kSector * kCount);
  for (uint8_t b : content) ASSERT_EQ(b, 0xFF);
  // No temporary file left beside it.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(FileFlashTest, ContentPersistsAcrossReopen) {
  const Bytes data = {0x12, 0x34, 0x56, 0x78, 0x00};
  {
    FileFlash::Opened opened = FileFlash::Open(path_, kSector, kCount);
    ASSERT_EQ(opened.status, Status::kOk);
    ASSERT_EQ(opened.flash->Program(kSector + 10, data), Status::kOk);
  }
  FileFlash::Opened opened = FileFlash::Open(path_, kSector, kCount);
  ASSERT_EQ(opened.status, Status::kOk);
  Bytes back(data.size());
  ASSERT_EQ(opened.flash->Read(kSector + 10, back), Status::kOk);
  EXPECT_EQ(back, data);
  Bytes neighbour(1);
  ASSERT_EQ(opened.flash->Read(kSector + 9, neighbour), Status::kOk);
  EXPECT_EQ(neighbour[0], 0xFF);
}

TEST_F(FileFlashTest, AProcessKilledAfterProgramLosesNothing) {
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    FileFlash::Opened opened = FileFlash::Open(path_, kSector, kCount);
    const Bytes data = {0xA5, 0x5A};
    bool ok = Ok(opened.status) && Ok(opened.flash->Program(100, data));
    _exit(ok ? 0 : 1);  // no destructor, no close: as abrupt as a kill after the write
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  FileFlash::Opened opened = FileFlash::Open(path_, kSector, kCount);
  ASSERT_EQ(opened.status, Status::kOk);
  Bytes back(2);
  ASSERT_EQ(opened.flash->Read(100, back), Status::kOk);
  EXPECT_EQ(back, (Bytes{0xA5, 0x5A}));
}

TEST_F(FileFlashTest, WrongSizedFileIsRefusedAndLeftAlone) {
  {
    std::ofstream out(path_, std::ios::binary);
    out << std::string(kSector * kCount - 1, 'x');
  }
  FileFlash::Opened opened = FileFlash::Open(path_, kSector, kCount);
  EXPECT_EQ(opened.status, Status::kFlashError);
  EXPECT_EQ(opened.flash, nullptr);
  EXPECT_EQ(ReadFile(path_).size(), kSector * kCount - 1);
  // The same file opened with another geometry is refused too.
  ASSERT_EQ(FileFlash::Open(path_ + "2", kSector, kCount).status, Status::kOk);
  EXPECT_EQ(FileFlash::Open(path_ + "2", kSector, kCount * 2).status, Status::kFlashError);
}

TEST_F(FileFlashTest, DirectoryAndBadGeometryAreRefused) {
  EXPECT_EQ(FileFlash::Open(dir_.string(), kSector, kCount).status, Status::kFlashError);
  EXPECT_EQ(FileFlash::Open(path_, 0, kCount).status, Status::kFlashError);
  EXPECT_EQ(FileFlash::Open(path_, kSector, 0).status, Status::kFlashError);
  EXPECT_EQ(FileFlash::Open(path_, SIZE_MAX / 2, 4).status, Status::kFlashError);
  EXPECT_EQ(FileFlash::Open((dir_ / "missing" / "flash.bin").string(), kSector, kCount).status,
            Status::kFlashError);
}

TEST_F(FileFlashTest, FileInUseIsRefused) {
  FileFlash::Opened first = FileFlash::Open(path_, kSector, kCount);
  ASSERT_EQ(first.status, Status::kOk);
  EXPECT_EQ(FileFlash::Open(path_, kSector, kCount).status, Status::kFlashError);
  first.flash.reset();
  EXPECT_EQ(FileFlash::Open(path_, kSector, kCount).status, Status::kOk);
}

TEST_F(FileFlashTest, ProgramOnlyClearsBitsAndEraseResetsOneSector) {
  FileFlash::Opened opened = FileFlash::Open(path_, kSector, kCount);
  ASSERT_EQ(opened.status, Status::kOk);
  Flash& flash = *opened.flash;
  ASSERT_EQ(flash.Program(0, Bytes{0x0F}), Status::kOk);
  ASSERT_EQ(flash.Program(0, Bytes{0xF3}), Status::kOk);
  ASSERT_EQ(flash.Program(0, Bytes{0xFF}), Status::kOk);  // cannot set bits back
  Bytes b(1);
  ASSERT_EQ(flash.Read(0, b), Status::kOk);
  EXPECT_EQ(b[0], 0x03);
  Bytes across(kSector + 8, 0x00);  // a write across a sector boundary
  ASSERT_EQ(flash.Program(kSector - 4, across), Status::kOk);
  ASSERT_EQ(flash.Erase(1), Status::kOk);
  ASSERT_EQ(flash.Read(kSector - 1, b), Status::kOk);
  EXPECT_EQ(b[0], 0x00);  // sector 0 untouched by the erase of sector 1
  Bytes sector(kSector);
  ASSERT_EQ(flash.Read(kSector, sector), Status::kOk);
  for (uint8_t v : sector) ASSERT_EQ(v, 0xFF);
  ASSERT_EQ(flash.Read(2 * kSector, b), Status::kOk);
  EXPECT_EQ(b[0], 0x00);
}

TEST_F(FileFlashTest, AccessOutsideTheDeviceIsFlashError) {
  FileFlash::Opened opened = FileFlash::Open(path_, kSector, kCount);
  ASSERT_EQ(opened.status, Status::kOk);
  Flash& flash = *opened.flash;
  const size_t size = kSector * kCount;
  Bytes one(1);
  Bytes two(2, 0);
  EXPECT_EQ(flash.Read(size - 1, one), Status::kOk);
  EXPECT_EQ(flash.Read(size, one), Status::kFlashError);
  EXPECT_EQ(flash.Read(size - 1, two), Status::kFlashError);
  EXPECT_EQ(flash.Read(SIZE_MAX, one), Status::kFlashError);
  EXPECT_EQ(flash.Program(size - 1, two), Status::kFlashError);
  EXPECT_EQ(flash.Program(SIZE_MAX - 1, two), Status::kFlashError);
  EXPECT_EQ(flash.Erase(kCount), Status::kFlashError);
  EXPECT_EQ(flash.Read(size, std::span<uint8_t>()), Status::kOk);  // an empty read at the end
  EXPECT_EQ(ReadFile(path_).size(), size);                         // nothing written past the end
}

TEST_F(FileFlashTest, KeyStoreOnTheEmulatorGeometrySurvivesReopen) {
  Bytes big(kMaxRecordValue);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i * 7);
  {
    FileFlash::Opened opened = FileFlash::Open(path_, kEmulatorSectorSize, kEmulatorSectorCount);
    ASSERT_EQ(opened.status, Status::kOk);
    RecordStore store(*opened.flash);
    ASSERT_EQ(store.Mount(), Status::kOk);
    for (uint32_t id = 1; id <= 40; ++id) ASSERT_EQ(store.Put(id, big), Status::kOk) << id;
    ASSERT_EQ(store.Remove(7), Status::kOk);
  }
  FileFlash::Opened opened = FileFlash::Open(path_, kEmulatorSectorSize, kEmulatorSectorCount);
  ASSERT_EQ(opened.status, Status::kOk);
  RecordStore store(*opened.flash);
  ASSERT_EQ(store.Mount(), Status::kOk);
  EXPECT_EQ(store.count(), 39u);
  Bytes out(kMaxRecordValue);
  size_t len = 0;
  ASSERT_EQ(store.Get(40, out, &len), Status::kOk);
  EXPECT_EQ(out, big);
  EXPECT_EQ(store.Get(7, out, &len), Status::kKeyNotFound);
}

}  // namespace
}  // namespace hsm
