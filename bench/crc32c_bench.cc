// CRC32C throughput (bytes/s) by buffer size, each beside its same-run
// baselines:
//   Crc32cExtend          shm::crc32c::Extend: what this CPU runs (carry-less
//                         folding from 256 B where it has AVX-512 VPCLMULQDQ)
//   Crc32cThreeStreams    the crc32-instruction path on its own (three crc32
//                         streams + shift tables): Extend before folding
//   Crc32cOneStream       the previous hardware loop, kept here as the baseline:
//                         one crc32 instruction per 8-byte word, one dependency chain
//   Crc32cPortable        shm::crc32c::ExtendPortable (slicing-by-4 tables)
// Sizes: a ring record header, a typical 512 B event record, a 4 KiB block,
// a 4 MiB page.
// RecordCheck (ns per record, 64 B and 1 KiB bodies): shm::RecordChecksum
// (one Extend over the 44 bytes after the body) beside the same CRC taken
// with three Extend calls (id, place, metadata), as it was.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "shm/crc32c.h"
#include "shm/layout.h"

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace evbus::shm {
namespace {

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) std::uint32_t OneStream(std::uint32_t init_crc, const void* data,
                                                          std::size_t n) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint64_t c = ~init_crc;
  while (n > 0 && (reinterpret_cast<std::uintptr_t>(p) & 7) != 0) {
    c = _mm_crc32_u8(static_cast<std::uint32_t>(c), *p++);
    --n;
  }
  while (n >= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    c = _mm_crc32_u64(c, word);
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    c = _mm_crc32_u8(static_cast<std::uint32_t>(c), *p++);
    --n;
  }
  return ~static_cast<std::uint32_t>(c);
}
#endif

std::vector<unsigned char> Buffer(std::size_t n) {
  std::mt19937 rng(1);
  std::vector<unsigned char> data(n);
  for (auto& c : data) c = static_cast<unsigned char>(rng());
  return data;
}

template <std::uint32_t (*kCrc)(std::uint32_t, const void*, std::size_t) noexcept>
void Run(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::vector<unsigned char> data = Buffer(n);
  std::uint32_t crc = 0;
  for (auto _ : state) {
    crc = kCrc(crc, data.data(), n);
    benchmark::DoNotOptimize(crc);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

std::uint32_t ThreeStreams(std::uint32_t init_crc, const void* data, std::size_t n) noexcept {
  return crc32c::ExtendWith(crc32c::Path::kCrc32Instruction, init_crc, data, n);
}

void Crc32cExtend(benchmark::State& state) { Run<crc32c::Extend>(state); }
void Crc32cThreeStreams(benchmark::State& state) { Run<ThreeStreams>(state); }
void Crc32cPortable(benchmark::State& state) { Run<crc32c::ExtendPortable>(state); }
BENCHMARK(Crc32cExtend)->Arg(40)->Arg(256)->Arg(552)->Arg(1064)->Arg(4096)->Arg(4 << 20);
BENCHMARK(Crc32cThreeStreams)->Arg(40)->Arg(256)->Arg(552)->Arg(1064)->Arg(4096)->Arg(4 << 20);
#if defined(__x86_64__)
void Crc32cOneStream(benchmark::State& state) { Run<OneStream>(state); }
BENCHMARK(Crc32cOneStream)->Arg(40)->Arg(552)->Arg(4096)->Arg(4 << 20);
#endif
BENCHMARK(Crc32cPortable)->Arg(40)->Arg(552)->Arg(4096)->Arg(4 << 20);

std::uint32_t ThreeExtends(std::uint64_t id, const void* body, std::size_t length,
                           const char* entry) noexcept {
  std::uint32_t crc = crc32c::Value(body, length);
  crc = crc32c::Extend(crc, &id, sizeof(id));
  crc = crc32c::Extend(crc, entry + kChecksummedPlaceOffset, kChecksummedPlaceBytes);
  return crc32c::Extend(crc, entry + kChecksummedMetaOffset, kChecksummedMetaBytes);
}

template <bool kFolded>
void RecordCheck(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::vector<unsigned char> body = Buffer(n);
  char entry[sizeof(IndexEntry)] = {};
  std::uint64_t id = 0;
  for (auto _ : state) {
    std::uint32_t crc = kFolded ? RecordChecksum(id, body.data(), n, entry)
                                : ThreeExtends(id, body.data(), n, entry);
    benchmark::DoNotOptimize(crc);
    ++id;
  }
}
void RecordCheckFolded(benchmark::State& state) { RecordCheck<true>(state); }
void RecordCheckThreeExtends(benchmark::State& state) { RecordCheck<false>(state); }
BENCHMARK(RecordCheckFolded)->Arg(64)->Arg(1024);
BENCHMARK(RecordCheckThreeExtends)->Arg(64)->Arg(1024);

}  // namespace
}  // namespace evbus::shm

BENCHMARK_MAIN();
