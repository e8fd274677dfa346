// Starts and stops arca-fw-emu with fork/exec; see emulator_process.h for the bounds.
#include "ports/host/launcher/emulator_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>
#include <vector>

namespace hsm::host {
namespace {

bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds bound) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return done();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// The child's side of fork: only async-signal-safe calls until exec.
[[noreturn]] void ExecEmulator(pid_t parent, int log_fd, char* const* argv) {
  // If the parent dies without stopping it (a crash, SIGKILL), the kernel sends SIGTERM, so
  // no emulator outlives its user. The getppid check closes the race with an early death.
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent) _exit(1);
  dup2(log_fd, STDERR_FILENO);
  int null_fd = open("/dev/null", O_RDWR);
  if (null_fd >= 0) {
    dup2(null_fd, STDIN_FILENO);
    dup2(null_fd, STDOUT_FILENO);
  }
  execv(argv[0], argv);
  _exit(127);
}

}  // namespace

EmulatorProcess::EmulatorProcess(std::string binary, const std::string& dir, std::string serial)
    : binary_(std::move(binary)),
      serial_(std::move(serial)),
      socket_path_(dir + "/fw.sock"),
      flash_path_(dir + "/fw.flash"),
      log_path_(dir + "/fw.log") {}

EmulatorProcess::~EmulatorProcess() {
  if (running()) Stop(std::chrono::milliseconds(2000));
}

std::string EmulatorProcess::Log() const {
  std::ifstream in(log_path_);
  std::stringstream text;
  text << in.rdbuf();
  std::string log = text.str();
  while (!log.empty() && (log.back() == '\n' || log.back() == ' ')) log.pop_back();
  std::replace(log.begin(), log.end(), '\n', ' ');
  return log.empty() ? "(no output)" : log;
}

bool EmulatorProcess::Start(std::chrono::milliseconds timeout, std::string* error) {
  if (running()) {
    *error = "already running";
    return false;
  }
  if (access(binary_.c_str(), X_OK) != 0) {
    *error = "emulator binary not found or not executable: " + binary_;
    return false;
  }
  // Everything the child needs is built before fork.
  std::vector<std::string> args = {binary_,     "--socket", socket_path_, "--flash",
                                   flash_path_, "--serial", serial_};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int log_fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (log_fd < 0) {
    *error = "cannot create " + log_path_;
    return false;
  }
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    *error = "fork failed";
    return false;
  }
  if (pid == 0) ExecEmulator(parent, log_fd, argv.data());
  close(log_fd);
  pid_ = pid;
  const std::string ready = "arca-fw-emu: serving " + socket_path_;
  int status = 0;
  bool exited = false;
  bool up = WaitUntil(
      [&] {
        exited = waitpid(pid_, &status, WNOHANG) == pid_;
        return exited || Log().find(ready) != std::string::npos;
      },
      timeout);
  if (exited) {
    pid_ = -1;
    *error = "arca-fw-emu exited during start-up: " + Log();
    return false;
  }
  if (!up) {
    *error = "arca-fw-emu printed no ready line within " + std::to_string(timeout.count()) +
             " ms: " + Log();
    Kill();
    return false;
  }
  return true;
}

bool EmulatorProcess::WaitExit(std::chrono::milliseconds bound, int* status) {
  return WaitUntil([&] { return waitpid(pid_, status, WNOHANG) == pid_; }, bound);
}

bool EmulatorProcess::Stop(std::chrono::milliseconds grace) {
  if (!running()) return false;
  int status = 0;
  kill(pid_, SIGTERM);
  bool clean = WaitExit(grace, &status);
  if (!clean) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);  // SIGKILL cannot be caught: this returns promptly
  }
  pid_ = -1;
  return clean && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void EmulatorProcess::Kill() {
  if (!running()) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

}  // namespace hsm::host
