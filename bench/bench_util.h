// What the benchmarks share: the scratch directory of a benchmark process.
#ifndef EVBUS_BENCH_BENCH_UTIL_H_
#define EVBUS_BENCH_BENCH_UTIL_H_

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace evbus::bench {

// <$TMPDIR or /tmp>/<prefix>_<pid>, not created here; removed with all in it
// when the object goes away (held at namespace scope: when the process exits).
class BenchDir {
 public:
  explicit BenchDir(std::string_view prefix) {
    const char* base = std::getenv("TMPDIR");
    path_ = std::string(base != nullptr ? base : "/tmp") + "/" + std::string(prefix) + "_" +
            std::to_string(::getpid());
  }
  ~BenchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  BenchDir(const BenchDir&) = delete;
  BenchDir& operator=(const BenchDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace evbus::bench

#endif  // EVBUS_BENCH_BENCH_UTIL_H_
