// Starts and stops arca-fw-emu with fork/exec; see emulator.h for the bounds.
#include "emulator.h"

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

namespace bench {
namespace {

bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds bound) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return done();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace

Emulator::Emulator(std::string binary, const std::string& dir)
    : binary_(std::move(binary)),
      socket_path_(dir + "/fw.sock"),
      flash_path_(dir + "/fw.flash"),
      log_path_(dir + "/fw.log") {}

Emulator::~Emulator() {
  if (running()) Stop(std::chrono::milliseconds(2000));
}

std::string Emulator::Log() const {
  std::ifstream in(log_path_);
  std::stringstream text;
  text << in.rdbuf();
  // On one line: it ends up in a note under the Markdown table.
  std::string log = text.str();
  while (!log.empty() && (log.back() == '\n' || log.back() == ' ')) log.pop_back();
  std::replace(log.begin(), log.end(), '\n', ' ');
  return log.empty() ? "(no output)" : log;
}

bool Emulator::Start(std::chrono::milliseconds timeout, std::string* error) {
  // Everything the child needs is built before fork: between fork and exec a process that
  // may already run threads can only make async-signal-safe calls.
  std::vector<std::string> args = {binary_,     "--socket", socket_path_, "--flash",
                                   flash_path_, "--serial", "ARCABENCH01"};
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
  if (pid == 0) {
    // If arca-bench dies without stopping it (a crash, SIGKILL), the kernel sends SIGTERM,
    // so no emulator outlives the run. The getppid check closes the race with an early death.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1);
    dup2(log_fd, STDERR_FILENO);
    int null_fd = open("/dev/null", O_RDWR);
    if (null_fd >= 0) {
      dup2(null_fd, STDIN_FILENO);
      dup2(null_fd, STDOUT_FILENO);
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
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
    Stop(std::chrono::milliseconds(0));
    return false;
  }
  return true;
}

bool Emulator::WaitExit(std::chrono::milliseconds bound, int* status) {
  return WaitUntil([&] { return waitpid(pid_, status, WNOHANG) == pid_; }, bound);
}

bool Emulator::Stop(std::chrono::milliseconds grace) {
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

}  // namespace bench
