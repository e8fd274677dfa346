// PIN sources for arca-tool. The prompt turns echo off with tcsetattr on /dev/tty (getpass(3)
// is obsolete and reads from stdin, which scripts may be using for data).
#include "cli/pin_source.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>

#include "cli/cli_error.h"

namespace p11::cli {
namespace {

// The terminal state to put back if the user interrupts a prompt with echo off.
int g_tty_fd = -1;
struct termios g_saved_termios;

void RestoreTerminalAndReraise(int sig) {
  if (g_tty_fd >= 0) tcsetattr(g_tty_fd, TCSAFLUSH, &g_saved_termios);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

class Tty {
 public:
  Tty() : fd_(open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) {
    if (fd_ < 0) {
      Fail(kExitIo, "no terminal to prompt on; use --pin-env or --pin-file (or --yes)");
    }
  }
  ~Tty() { close(fd_); }
  Tty(const Tty&) = delete;
  Tty& operator=(const Tty&) = delete;

  void Write(const std::string& text) {
    ssize_t ignored = write(fd_, text.data(), text.size());
    (void)ignored;
  }

  // Reads up to a newline into `out`, echo off when `secret`.
  void ReadLine(SecureBuffer& out, bool secret) {
    struct termios saved;
    bool echo_off = secret && tcgetattr(fd_, &saved) == 0;
    if (echo_off) {
      struct termios quiet = saved;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO | ECHONL);
      g_tty_fd = fd_;
      g_saved_termios = saved;
      std::signal(SIGINT, RestoreTerminalAndReraise);
      std::signal(SIGTERM, RestoreTerminalAndReraise);
      tcsetattr(fd_, TCSAFLUSH, &quiet);
    }
    uint8_t c = 0;
    while (read(fd_, &c, 1) == 1 && c != '\n') out.Append(ByteView(&c, 1));
    c = 0;
    if (echo_off) {
      tcsetattr(fd_, TCSAFLUSH, &saved);
      std::signal(SIGINT, SIG_DFL);
      std::signal(SIGTERM, SIG_DFL);
      g_tty_fd = -1;
      Write("\n");
    }
    if (!out.empty() && out.data()[out.size() - 1] == '\r') out.resize(out.size() - 1);
  }

 private:
  int fd_;
};

SecureBuffer FromEnv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) Fail(kExitIo, "environment variable " + name + " is not set");
  return SecureBuffer(AsBytes(value));
}

SecureBuffer FromFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Fail(kExitIo, "cannot read PIN file " + path);
  SecureBuffer pin;
  char c;
  while (in.get(c) && c != '\n') {
    uint8_t byte = static_cast<uint8_t>(c);
    pin.Append(ByteView(&byte, 1));
  }
  c = 0;
  if (!pin.empty() && pin.data()[pin.size() - 1] == '\r') pin.resize(pin.size() - 1);
  return pin;
}

SecureBuffer FromPrompt(const std::string& prompt, PinPrompt mode) {
  Tty tty;
  tty.Write(prompt + ": ");
  SecureBuffer pin;
  tty.ReadLine(pin, true);
  if (mode == PinPrompt::kConfirm) {
    tty.Write(prompt + " (again): ");
    SecureBuffer again;
    tty.ReadLine(again, true);
    if (!pin.Equals(again.view())) Fail(kExitUsage, "the PINs entered do not match");
  }
  return pin;
}

}  // namespace

SecureBuffer ReadPin(const PinSource& source, const std::string& prompt, PinPrompt mode) {
  SecureBuffer pin = !source.env.empty()    ? FromEnv(source.env)
                     : !source.file.empty() ? FromFile(source.file)
                                            : FromPrompt(prompt, mode);
  if (pin.empty()) Fail(kExitUsage, "empty PIN (" + prompt + ")");
  return pin;
}

std::string PromptLine(const std::string& prompt) {
  Tty tty;
  tty.Write(prompt);
  SecureBuffer line;
  tty.ReadLine(line, false);
  return std::string(reinterpret_cast<const char*>(line.data()), line.size());
}

}  // namespace p11::cli
