// SubjectThread: a long-lived thread that does one subject's work (preparing a case, timing a
// round, releasing it) while the caller waits, so the subjects still never run at once.
//
// Why a thread per subject: glibc gives each thread its own malloc arena. In one thread, the
// heap SoftHSMv2's rounds leave behind (thousands of small chunks in its bins) was the heap
// Arca's and OpenSSL's next rounds allocated from: every large allocation consolidated and
// sorted those chunks. Separate arenas keep each subject's heap its own, as separate
// processes would, while the alternation of rounds stays exactly as it was.
#pragma once

#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

namespace bench {

class SubjectThread {
 public:
  SubjectThread();
  ~SubjectThread();
  SubjectThread(const SubjectThread&) = delete;
  SubjectThread& operator=(const SubjectThread&) = delete;

  // Runs `work` on this thread and returns when it is done; an exception it throws is
  // rethrown here.
  void Run(const std::function<void()>& work);

 private:
  void Serve();

  std::mutex mu_;
  std::condition_variable cv_;
  const std::function<void()>* work_ = nullptr;  // set by Run, cleared by Serve when done
  std::exception_ptr error_;
  bool stopping_ = false;
  std::thread thread_;  // last: started after the members it uses
};

}  // namespace bench
