#include "subject_thread.h"

namespace bench {

SubjectThread::SubjectThread() : thread_([this] { Serve(); }) {}

SubjectThread::~SubjectThread() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void SubjectThread::Run(const std::function<void()>& work) {
  std::unique_lock lock(mu_);
  work_ = &work;
  error_ = nullptr;
  cv_.notify_all();
  cv_.wait(lock, [this] { return work_ == nullptr; });
  if (error_) std::rethrow_exception(error_);
}

void SubjectThread::Serve() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stopping_ || work_ != nullptr; });
    if (work_ == nullptr) return;  // stopping, nothing pending
    const std::function<void()>* work = work_;
    lock.unlock();
    std::exception_ptr error;
    try {
      (*work)();
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    error_ = error;
    work_ = nullptr;
    cv_.notify_all();
  }
}

}  // namespace bench
