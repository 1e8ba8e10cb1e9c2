// What the benchmarks share: the scratch directory of a benchmark process.
#ifndef EVBUS_BENCH_BENCH_UTIL_H_
#define EVBUS_BENCH_BENCH_UTIL_H_

#include "tests/testutil/temp_dir.h"

namespace evbus::bench {

// A fresh directory <$TMPDIR or /tmp>/<prefix>_XXXXXX, removed with all in it
// when the object goes away (held at namespace scope: when the process
// exits). The test suites' TempDir under the name the benchmarks use.
using BenchDir = testutil::TempDir;

}  // namespace evbus::bench

#endif  // EVBUS_BENCH_BENCH_UTIL_H_
