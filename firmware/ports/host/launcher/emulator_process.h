// EmulatorProcess: arca-fw-emu as a child process, for the programs that need a firmware
// device without hardware — the conformance tests and arca-bench. Its socket, flash and log
// live in a directory the caller owns; every wait is bounded, so a broken emulator costs a
// caller a few seconds and a reason, never a hang. The child gets SIGTERM if its parent dies.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>

namespace hsm::host {

class EmulatorProcess {
 public:
  // `binary`: the arca-fw-emu executable; `dir`: where fw.sock, fw.flash and fw.log go;
  // `serial`: the device serial to give it.
  EmulatorProcess(std::string binary, const std::string& dir, std::string serial);
  ~EmulatorProcess();  // stops the process if it still runs
  EmulatorProcess(const EmulatorProcess&) = delete;
  EmulatorProcess& operator=(const EmulatorProcess&) = delete;

  // Starts the process and waits at most `timeout` for its ready line. False with the reason
  // (and the emulator's own words) in *error.
  bool Start(std::chrono::milliseconds timeout, std::string* error);
  // SIGTERM, then SIGKILL if it has not exited within `grace`; reaps it. True if it exited on
  // SIGTERM with status 0 (the emulator's documented behaviour).
  bool Stop(std::chrono::milliseconds grace);
  // SIGKILL and reap: an unplugged device gets no chance to tidy up.
  void Kill();
  bool running() const { return pid_ > 0; }

  const std::string& socket_path() const { return socket_path_; }
  const std::string& flash_path() const { return flash_path_; }
  // What the emulator wrote to stderr, on one line.
  std::string Log() const;

 private:
  // Polls waitpid; true once the process has exited (status in *status).
  bool WaitExit(std::chrono::milliseconds bound, int* status);

  std::string binary_;
  std::string serial_;
  std::string socket_path_;
  std::string flash_path_;
  std::string log_path_;
  pid_t pid_ = -1;
};

}  // namespace hsm::host
