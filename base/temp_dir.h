// TempDir: a fresh directory under $TMPDIR (or /tmp), removed with everything
// in it when the object goes away. Used by the test suites and benchmarks.
#ifndef EVBUS_BASE_TEMP_DIR_H_
#define EVBUS_BASE_TEMP_DIR_H_

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace evbus {

class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "evbus_test") {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl =
        std::string(base != nullptr ? base : "/tmp") + "/" + std::string(prefix) + "_XXXXXX";
    path_ = ::mkdtemp(tmpl.data()) != nullptr ? tmpl : std::string();
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace evbus

#endif  // EVBUS_BASE_TEMP_DIR_H_
