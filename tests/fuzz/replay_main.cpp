// Replay driver for fuzz targets when libFuzzer is not available (gcc builds): runs every
// file under the given directories, then a fixed number of deterministic pseudo-random
// inputs, through LLVMFuzzerTestOneInput. A crash or sanitizer report fails the test.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

constexpr int kRandomInputs = 20000;
constexpr size_t kMaxRandomSize = 512;

std::vector<uint8_t> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// xorshift64*: deterministic, so a failure reproduces.
uint64_t Next(uint64_t& state) {
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 2685821657736338717ULL;
}

}  // namespace

int main(int argc, char** argv) {
  size_t replayed = 0;
  std::vector<std::vector<uint8_t>> seeds;
  for (int i = 1; i < argc; ++i) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(argv[i], ec)) {
      if (!entry.is_regular_file()) continue;
      seeds.push_back(ReadFile(entry.path()));
      LLVMFuzzerTestOneInput(seeds.back().data(), seeds.back().size());
      ++replayed;
    }
  }
  uint64_t state = 0x9E3779B97F4A7C15ULL;
  std::vector<uint8_t> input;
  for (int n = 0; n < kRandomInputs; ++n) {
    // Half the inputs mutate a seed (keeps structure), half are fresh random bytes.
    if (!seeds.empty() && (n & 1)) {
      input = seeds[Next(state) % seeds.size()];
      for (int flips = 1 + Next(state) % 4; flips > 0 && !input.empty(); --flips) {
        input[Next(state) % input.size()] ^= static_cast<uint8_t>(1u << (Next(state) % 8));
      }
    } else {
      input.resize(Next(state) % kMaxRandomSize);
      for (auto& b : input) b = static_cast<uint8_t>(Next(state));
    }
    LLVMFuzzerTestOneInput(input.data(), input.size());
  }
  std::printf("replayed %zu seeds and %d generated inputs\n", replayed, kRandomInputs);
  return 0;
}
