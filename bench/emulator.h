// The firmware emulator (arca-fw-emu) as a child process of arca-bench: its socket, flash
// file and log live in the run's temporary directory. Every wait is bounded, so a broken
// emulator costs the fw/ cases a few seconds and an `err`, never a hung benchmark.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>

namespace bench {

class Emulator {
 public:
  // `binary`: the arca-fw-emu executable; `dir`: where its socket, flash and log go.
  Emulator(std::string binary, const std::string& dir);
  ~Emulator();  // stops the process if it still runs
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  // Starts the process and waits at most `timeout` for its ready line on stderr. False with
  // the reason (and the emulator's own words) in *error.
  bool Start(std::chrono::milliseconds timeout, std::string* error);
  // SIGTERM, then SIGKILL if it has not exited within `grace`; reaps the process. True if it
  // exited on SIGTERM with status 0.
  bool Stop(std::chrono::milliseconds grace);
  bool running() const { return pid_ > 0; }

  const std::string& socket_path() const { return socket_path_; }
  std::string Log() const;  // what the emulator wrote to stderr, on one line

 private:
  // Polls waitpid; true once the process has exited (status in *status).
  bool WaitExit(std::chrono::milliseconds bound, int* status);

  std::string binary_;
  std::string socket_path_;
  std::string flash_path_;
  std::string log_path_;
  pid_t pid_ = -1;
};

}  // namespace bench
