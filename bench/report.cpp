#include "report.h"

#include <cstdlib>
#include <iterator>
#include <optional>
#include <sstream>
#include <vector>

namespace bench {
namespace {

std::string Format(double v) {
  char text[32];
  std::snprintf(text, sizeof text, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v);
  return text;
}

std::string CellText(const Cell& cell) {
  switch (cell.kind) {
    case Cell::Kind::kValue:
      return Format(cell.value);
    case Cell::Kind::kNotApplicable:
      return "n/a";
    case Cell::Kind::kNoCounterpart:
      return "—";
    case Cell::Kind::kError:
      return "err";
  }
  return "?";
}

std::optional<double> Ratio(const CaseResult& r, int a, int b) {
  const Cell& x = r.cells[a];
  const Cell& y = r.cells[b];
  if (x.kind != Cell::Kind::kValue || y.kind != Cell::Kind::kValue || y.value <= 0) {
    return std::nullopt;
  }
  return x.value / y.value;
}

std::string RatioText(const CaseResult& r, int a, int b) {
  auto ratio = Ratio(r, a, b);
  return ratio ? Format(*ratio) + "×" : "—";
}

const CaseResult* Find(const std::vector<CaseResult>& results, const std::string& id) {
  for (const CaseResult& r : results) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

struct TargetLine {
  std::string target;
  std::string measured;
  std::string status;  // "met", "MISSED" or "not measured"
};

// A target of the form "Arca/<subject> ratio >= threshold" on one case.
TargetLine RatioTarget(const std::vector<CaseResult>& results, const std::string& target,
                       const std::string& id, int against, double threshold) {
  const CaseResult* r = Find(results, id);
  auto ratio = r ? Ratio(*r, kArca, against) : std::nullopt;
  if (!ratio) return {target, "—", "not measured"};
  return {target, Format(*ratio) + "×", *ratio >= threshold ? "met" : "MISSED"};
}

std::optional<double> ArcaMicros(const CaseResult* r) {
  if (r == nullptr || r->cells[kArca].kind != Cell::Kind::kValue) return std::nullopt;
  return 1e6 / r->cells[kArca].value;
}

// The lookup targets: the largest population under 100 µs, and flat in the object count.
void LookupTargets(const std::vector<CaseResult>& results, std::vector<TargetLine>& lines) {
  const CaseResult* smallest = nullptr;
  const CaseResult* largest = nullptr;
  for (const CaseResult& r : results) {
    if (r.id.rfind("find/label-", 0) != 0) continue;
    if (smallest == nullptr) smallest = &r;
    largest = &r;
  }
  auto big = ArcaMicros(largest);
  auto small = ArcaMicros(smallest);
  std::string where = largest ? largest->id.substr(11) : "?";
  if (!big) {
    lines.push_back({"lookup by label among 100000 < 100 µs", "—", "not measured"});
    return;
  }
  lines.push_back({"lookup by label among " + where + " < 100 µs", Format(*big) + " µs",
                   *big < 100 ? "met" : "MISSED"});
  lines.push_back({"lookup independent of object count (" + where + " vs " +
                       smallest->id.substr(11) + ": ≤ 1.5×)",
                   Format(*big / *small) + "×", *big / *small <= 1.5 ? "met" : "MISSED"});
}

TargetLine ThreadTarget(const std::vector<CaseResult>& results, const OpensslSpeed& speed) {
  const CaseResult* one = Find(results, "threads/ecdsa-p256-hash32-1t");
  const CaseResult* two = Find(results, "threads/ecdsa-p256-hash32-2t");
  std::string target = "ECDSA sign, 2 threads ≥ 1.8× 1 thread";
  if (!one || !two || one->cells[kArca].kind != Cell::Kind::kValue ||
      two->cells[kArca].kind != Cell::Kind::kValue) {
    return {target, "—", "not measured"};
  }
  double arca = two->cells[kArca].value / one->cells[kArca].value;
  std::ostringstream measured;
  measured << Format(arca) << "× (OpenSSL in-process ";
  if (one->cells[kOpenssl].kind == Cell::Kind::kValue &&
      two->cells[kOpenssl].kind == Cell::Kind::kValue) {
    measured << Format(two->cells[kOpenssl].value / one->cells[kOpenssl].value) << "×";
  } else {
    measured << "—";
  }
  measured << "; `openssl speed -multi 2 ecdsap256` ";
  if (speed.error.empty()) {
    measured << Format(speed.multi) << " vs " << Format(speed.single)
             << " sign/s = " << Format(speed.multi / speed.single) << "×)";
  } else {
    measured << speed.error << ")";
  }
  return {target, measured.str(), arca >= 1.8 ? "met" : "MISSED"};
}

// Under the table: for each firmware case, one minimal request's latency (fw/roundtrip) as a
// share of the case's latency, i.e. how much of the operation the transport costs and how
// much the device's own work does.
void PrintTransportShares(const std::vector<CaseResult>& results, FILE* out) {
  auto round_trip = ArcaMicros(Find(results, "fw/roundtrip"));
  if (!round_trip) return;
  for (const CaseResult& r : results) {
    if (r.id.rfind("fw/", 0) != 0 || r.id == "fw/roundtrip") continue;
    auto latency = ArcaMicros(&r);
    if (!latency) continue;
    if (*round_trip >= *latency) {  // measured apart, the two differ by their noise
      std::fprintf(out,
                   "- %s, transport share: all of it (%s µs per operation, one round trip %s "
                   "µs)\n",
                   r.id.c_str(), Format(*latency).c_str(), Format(*round_trip).c_str());
      continue;
    }
    std::fprintf(out,
                 "- %s, transport share: %.0f%% (one round trip %s µs of %s µs per operation)\n",
                 r.id.c_str(), 100 * *round_trip / *latency, Format(*round_trip).c_str(),
                 Format(*latency).c_str());
  }
}

}  // namespace

OpensslSpeed RunOpensslSpeed(int seconds) {
  OpensslSpeed speed;
  for (int multi : {1, 2}) {
    std::string command = "timeout " + std::to_string(seconds * 4 + 10) +
                          " openssl speed -seconds " + std::to_string(seconds) +
                          (multi > 1 ? " -multi 2" : "") + " ecdsap256 2>/dev/null";
    FILE* pipe = popen(command.c_str(), "r");
    double sign = 0;
    char line[512];
    while (pipe != nullptr && std::fgets(line, sizeof line, pipe) != nullptr) {
      // " 256 bits ecdsa (nistp256)   0.0000s   0.0001s  32288.6  12693.9": sign/s, verify/s
      std::istringstream words(line);
      std::vector<std::string> w{std::istream_iterator<std::string>(words), {}};
      if (w.size() >= 8 && w[3] == "(nistp256)") sign = std::atof(w[w.size() - 2].c_str());
    }
    if (pipe != nullptr) pclose(pipe);
    if (sign <= 0) {
      speed.error = "openssl speed gave no figure";
      return speed;
    }
    (multi > 1 ? speed.multi : speed.single) = sign;
  }
  return speed;
}

void PrintTable(const std::vector<CaseResult>& results, FILE* out) {
  std::fprintf(out,
               "| case | unit | Arca | SoftHSMv2 | OpenSSL | Arca/SoftHSMv2 | Arca/OpenSSL |\n");
  std::fprintf(out, "|---|---|--:|--:|--:|--:|--:|\n");
  for (const CaseResult& r : results) {
    std::fprintf(out, "| %s | %s | %s | %s | %s | %s | %s |\n", r.title.c_str(),
                 r.unit == Unit::kMegabytesPerSecond ? "MB/s" : "ops/s",
                 CellText(r.cells[kArca]).c_str(), CellText(r.cells[kSoftHsm]).c_str(),
                 CellText(r.cells[kOpenssl]).c_str(), RatioText(r, kArca, kSoftHsm).c_str(),
                 RatioText(r, kArca, kOpenssl).c_str());
  }
  std::fprintf(out, "\n");
  for (const CaseResult& r : results) {
    for (int s = 0; s < kSubjectCount; ++s) {
      if (!r.cells[s].note.empty()) {
        std::fprintf(out, "- %s, %s: %s\n", r.id.c_str(), kSubjectNames[s],
                     r.cells[s].note.c_str());
      }
    }
  }
  PrintTransportShares(results, out);
}

// The creation target, with the store's flush latency beside it: one flush per object is
// the floor of a durable create, whatever Arca does, and SoftHSMv2 never flushes.
TargetLine CreateTarget(const std::vector<CaseResult>& results, const StoreFlush& flush) {
  TargetLine line = RatioTarget(results, "create token objects ≥ 10× SoftHSMv2", "objects/create",
                                kSoftHsm, 10.0);
  if (line.status == "not measured") return line;
  if (!flush.error.empty()) {
    line.measured += " (store flush not measured: " + flush.error + ")";
  } else if (flush.micros > 0) {
    line.measured += " (store flush " + Format(flush.micros) +
                     " µs per fdatasync here, so at most " + Format(1e6 / flush.micros) +
                     " durable creates/s; SoftHSMv2 does not flush)";
  }
  return line;
}

void PrintTargets(const std::vector<CaseResult>& results, const MachineState& machine, FILE* out) {
  std::vector<TargetLine> lines = {
      RatioTarget(results, "ECDSA P-256 sign ≥ 0.9× OpenSSL", "sign/ecdsa-p256-hash32", kOpenssl,
                  0.9),
      RatioTarget(results, "ECDSA P-256 sign ≥ 2× SoftHSMv2", "sign/ecdsa-p256-hash32", kSoftHsm,
                  2.0),
      RatioTarget(results, "Ed25519 sign ≥ 0.9× OpenSSL", "sign/ed25519-1k", kOpenssl, 0.9),
      RatioTarget(results, "RSA-2048 PKCS#1 v1.5 sign ≥ 0.95× OpenSSL",
                  "sign/rsa2048-pkcs1-sha256-1k", kOpenssl, 0.95),
      RatioTarget(results, "RSA-2048 PSS sign ≥ 0.95× OpenSSL", "sign/rsa2048-pss-sha256-1k",
                  kOpenssl, 0.95),
      RatioTarget(results, "AES-256-GCM 1 MiB ≥ 0.9× OpenSSL", "cipher/aes256-gcm-1m", kOpenssl,
                  0.9),
      RatioTarget(results, "HMAC-SHA-256 1 KiB ≥ 0.8× OpenSSL", "mac/hmac-sha256-1k", kOpenssl,
                  0.8),
      RatioTarget(results, "EC P-256 session keygen ≥ 0.7× OpenSSL", "keygen/ec-p256", kOpenssl,
                  0.7),
      RatioTarget(results, "AES-256 session keygen ≥ 0.5× OpenSSL", "keygen/aes-256", kOpenssl,
                  0.5),
      CreateTarget(results, machine.flush),
  };
  LookupTargets(results, lines);
  lines.push_back(ThreadTarget(results, machine.speed));
  std::fprintf(out, "| issue 5 target | measured | status |\n|---|---|---|\n");
  for (const TargetLine& line : lines) {
    std::fprintf(out, "| %s | %s | %s |\n", line.target.c_str(), line.measured.c_str(),
                 line.status.c_str());
  }
}

int CountFailures(const std::vector<CaseResult>& results, FILE* out) {
  int failures = 0;
  for (const CaseResult& r : results) {
    bool any_value = false;
    for (const Cell& cell : r.cells) {
      any_value |= cell.kind == Cell::Kind::kValue;
      if (cell.kind == Cell::Kind::kError) {
        std::fprintf(out, "FAIL %s: %s\n", r.id.c_str(), cell.note.c_str());
        ++failures;
      }
    }
    // A case Arca cannot run (n/a, reason listed) is not rot: the fw/ cases without an
    // emulator binary, for one. A broken emulator makes them `err` instead.
    if (!any_value && r.cells[kArca].kind != Cell::Kind::kNotApplicable) {
      std::fprintf(out, "FAIL %s: no subject produced a figure\n", r.id.c_str());
      ++failures;
    }
  }
  return failures;
}

}  // namespace bench
