// What a benchmark case is: one row of the result table, measured on each subject (Arca,
// SoftHSMv2, raw OpenSSL). A case only describes how to prepare a timing body per subject;
// runner.cpp decides when and how often bodies run, so every case is alternated alike.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace bench {

class Provider;
struct Options;

using Bytes = std::vector<uint8_t>;

enum class Unit { kOpsPerSecond, kMegabytesPerSecond };

// The timing body for one subject, or why the subject cannot run the case.
struct Prepared {
  // Runs the Google Benchmark loop; sets items or bytes processed. Empty: not applicable.
  std::function<void(benchmark::State&)> body;
  // Why there is no body: "n/a (...)" for an unsupported mechanism or a capped size.
  std::string na_reason;
  // Keeps sessions, keys and contexts alive while the body may run; released afterwards.
  std::shared_ptr<void> keep_alive;

  static Prepared NotApplicable(std::string reason) {
    Prepared p;
    p.na_reason = std::move(reason);
    return p;
  }
};

struct Case {
  std::string id;     // stable name matched by --cases, e.g. "sign/ecdsa-p256-hash32"
  std::string title;  // human-readable row label
  Unit unit = Unit::kOpsPerSecond;
  int threads = 1;
  // Prepares the case on a loaded PKCS#11 module (token initialised, user logged in).
  std::function<Prepared(Provider&)> on_module;
  // Prepares the same work with raw OpenSSL EVP; empty when OpenSSL has no counterpart.
  std::function<Prepared()> on_openssl;

  // Sets id and title: "<group>/<name>" and `title`, and in the "threads" group (the 1- and
  // 2-thread pairs measured together) the thread count after both: "-2t", ", 2 thread(s)".
  void Name(const std::string& group, const std::string& name, const std::string& title_text) {
    const bool threaded = group == "threads";
    id = group + "/" + name + (threaded ? "-" + std::to_string(threads) + "t" : "");
    title = title_text + (threaded ? ", " + std::to_string(threads) + " thread(s)" : "");
  }
};

// One family of cases per file; main.cpp concatenates them in this order.
std::vector<Case> KeygenCases(const Options& options);
std::vector<Case> SignCases(const Options& options);
std::vector<Case> CipherCases(const Options& options);
std::vector<Case> ObjectCases(const Options& options);  // sessions, objects, lookups
// The ECDSA, AES-GCM and HMAC cases again in 1 and 2 threads, with one session per thread.
std::vector<Case> ThreadedSignCases(const Options& options);
std::vector<Case> ThreadedCipherCases(const Options& options);

}  // namespace bench
