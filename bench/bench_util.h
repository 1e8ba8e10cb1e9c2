// What the benchmarks share: the scratch directory of a benchmark process.
#ifndef EVBUS_BENCH_BENCH_UTIL_H_
#define EVBUS_BENCH_BENCH_UTIL_H_

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "base/status.h"
#include "base/temp_dir.h"

namespace evbus::bench {

// A fresh directory <$TMPDIR or /tmp>/<prefix>_XXXXXX, removed with all in it
// when the object goes away (held at namespace scope: when the process
// exits). The test suites' TempDir under the name the benchmarks use.
using BenchDir = evbus::TempDir;

// The value of a set-up step; a benchmark cannot go on without it, so a
// failure prints why and aborts.
template <typename T>
T OrAbort(Result<T> result) {
  if (!result.ok()) {
    std::fprintf(stderr, "benchmark set-up failed: %s\n", result.status().ToString().c_str());
    std::abort();
  }
  return std::move(*result);
}

}  // namespace evbus::bench

#endif  // EVBUS_BENCH_BENCH_UTIL_H_
