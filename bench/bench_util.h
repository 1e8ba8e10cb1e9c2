// What the benchmarks share: the scratch directory of a benchmark process.
#ifndef EVBUS_BENCH_BENCH_UTIL_H_
#define EVBUS_BENCH_BENCH_UTIL_H_

#include "base/temp_dir.h"

namespace evbus::bench {

// A fresh directory <$TMPDIR or /tmp>/<prefix>_XXXXXX, removed with all in it
// when the object goes away (held at namespace scope: when the process
// exits). The test suites' TempDir under the name the benchmarks use.
using BenchDir = evbus::TempDir;

}  // namespace evbus::bench

#endif  // EVBUS_BENCH_BENCH_UTIL_H_
