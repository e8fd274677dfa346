// Deadline: a point on the steady clock that a whole operation must finish by. Loops that
// wait several times (packets of one frame, reads until a response) ask it for what is left,
// so retries and partial progress never stretch the bound the caller was promised.
#pragma once

#include <algorithm>
#include <chrono>
#include <climits>

namespace p11::transport {

class Deadline {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Deadline(std::chrono::milliseconds timeout) : end_(Clock::now() + timeout) {}

  bool Expired() const { return Clock::now() >= end_; }

  // Time left, rounded up to a whole millisecond so a wait never ends just before the
  // deadline and spins; zero once it has passed.
  std::chrono::milliseconds Remaining() const {
    auto left = end_ - Clock::now();
    if (left <= Clock::duration::zero()) return std::chrono::milliseconds(0);
    return std::chrono::ceil<std::chrono::milliseconds>(left);
  }

  // Remaining() as an int for poll(2) and libusb, clamped to [0, INT_MAX].
  int RemainingMs() const {
    auto ms = Remaining().count();
    return static_cast<int>(std::min<long long>(ms, INT_MAX));
  }

 private:
  Clock::time_point end_;
};

}  // namespace p11::transport
