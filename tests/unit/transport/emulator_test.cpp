// The Client against the real firmware emulator process (arca-fw-emu), when it is built:
// requests answered by the firmware core, and an emulator that exits and comes back.
// Skipped when the binary is absent. ARCA_FW_EMU names it; otherwise it is looked for
// beside this test's build tree (<build>/firmware/arca-fw-emu).
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "transport/client.h"
#include "transport/socket_link.h"

extern char** environ;

namespace p11::transport {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

std::string EmulatorPath() {
  if (const char* env = std::getenv("ARCA_FW_EMU")) return env;
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);  // <build>/tests/unit/unit_transport
  if (ec) return {};
  fs::path candidate = self.parent_path().parent_path().parent_path() / "firmware/arca-fw-emu";
  return fs::exists(candidate) ? candidate.string() : std::string();
}

class Emulator {
 public:
  Emulator(std::string binary, std::string socket, std::string flash)
      : binary_(std::move(binary)), socket_(std::move(socket)), flash_(std::move(flash)) {}
  ~Emulator() { Stop(); }

  // Starts the process and waits (bounded) until its socket accepts a connection.
  bool Start() {
    std::string args[] = {binary_, "--socket", socket_, "--flash", flash_};
    char* argv[] = {args[0].data(), args[1].data(), args[2].data(),
                    args[3].data(), args[4].data(), nullptr};
    if (::posix_spawn(&pid_, binary_.c_str(), nullptr, nullptr, argv, environ) != 0) return false;
    for (int i = 0; i < 200; ++i) {
      if (ConnectSocket(socket_).ok()) return true;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return false;
  }
  // SIGTERM, then SIGKILL if it has not exited within 3 s. True when it exited by itself.
  bool Stop() {
    if (pid_ <= 0) return true;
    ::kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 300; ++i) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;
        return WIFEXITED(status) || (WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
      }
      std::this_thread::sleep_for(milliseconds(10));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
    pid_ = 0;
    return false;
  }

  void Signal(int signal) const { ::kill(pid_, signal); }
  // SIGKILL: no chance to clean up, as a crash or a pulled cable.
  void Kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = 0;
  }

 private:
  std::string binary_, socket_, flash_;
  pid_t pid_ = 0;
};

class EmulatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    binary_ = EmulatorPath();
    if (binary_.empty()) GTEST_SKIP() << "arca-fw-emu is not built";
    char tmpl[] = "/tmp/arca-emu-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  std::string binary_, dir_;
};

TEST_F(EmulatorTest, AnswersThroughTheClientAndSurvivesARestart) {
  std::string socket = dir_ + "/emu.sock", flash = dir_ + "/flash.bin";
  Emulator emulator(binary_, socket, flash);
  ASSERT_TRUE(emulator.Start());
  Client client([&] { return ConnectSocket(socket); },
                ClientOptions{milliseconds(2000), milliseconds(20000)});

  auto info = client.Call<wire::Op::kGetInfo>(wire::Empty{});
  ASSERT_TRUE(info.ok()) << info.rv();
  EXPECT_GT(info->msg.max_payload, 0u);
  EXPECT_GT(info->msg.total_objects, 0u);
  auto random = client.Call<wire::Op::kGetRandom>(wire::RandomReq{32});
  ASSERT_TRUE(random.ok()) << random.rv();
  EXPECT_EQ(random->msg.bytes.size, 32u);

  EXPECT_TRUE(emulator.Stop());
  auto gone = client.Call<wire::Op::kGetInfo>(wire::Empty{});
  EXPECT_EQ(gone.rv(), CKR_DEVICE_REMOVED);
  EXPECT_FALSE(client.connected());

  ASSERT_TRUE(emulator.Start());
  auto again = client.Call<wire::Op::kGetInfo>(wire::Empty{});
  ASSERT_TRUE(again.ok()) << again.rv();
  EXPECT_EQ(again->msg.serial.span().size(), info->msg.serial.span().size());
  EXPECT_TRUE(std::equal(again->msg.serial.span().begin(), again->msg.serial.span().end(),
                         info->msg.serial.span().begin()));
}

// A stopped emulator is a stalled device (bounded, CKR_DEVICE_ERROR); killed in the middle of
// a request it is a removed one, reported at once rather than at the timeout; restarted on
// the same flash, it answers again through the same Client.
TEST_F(EmulatorTest, StalledThenKilledMidRequestThenRestarted) {
  std::string socket = dir_ + "/emu.sock", flash = dir_ + "/flash.bin";
  Emulator emulator(binary_, socket, flash);
  ASSERT_TRUE(emulator.Start());
  Client client([&] { return ConnectSocket(socket); },
                ClientOptions{milliseconds(300), milliseconds(300)});
  ASSERT_TRUE(client.Call<wire::Op::kGetInfo>(wire::Empty{}).ok());

  emulator.Signal(SIGSTOP);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(client.Call<wire::Op::kGetInfo>(wire::Empty{}).rv(), CKR_DEVICE_ERROR);
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(300 + 400));

  Client patient([&] { return ConnectSocket(socket); },
                 ClientOptions{milliseconds(5000), milliseconds(5000)});
  std::thread killer([&] {
    std::this_thread::sleep_for(milliseconds(100));
    emulator.Kill();
  });
  start = std::chrono::steady_clock::now();
  // Connects (the listener's backlog accepts while stopped), sends, waits: then the kill.
  EXPECT_EQ(patient.Call<wire::Op::kGetInfo>(wire::Empty{}).rv(), CKR_DEVICE_REMOVED);
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(2000));
  killer.join();
  EXPECT_EQ(patient.Call<wire::Op::kGetInfo>(wire::Empty{}).rv(), CKR_DEVICE_REMOVED);

  ASSERT_TRUE(emulator.Start());
  EXPECT_TRUE(patient.Call<wire::Op::kGetInfo>(wire::Empty{}).ok());
  // The emulator serves one connection at a time, as a claimed USB interface is one host's.
  patient.Disconnect();
  EXPECT_TRUE(client.Call<wire::Op::kGetInfo>(wire::Empty{}).ok());
}

}  // namespace
}  // namespace p11::transport
