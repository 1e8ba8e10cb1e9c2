// Pieces shared by the torture scenarios (see fault_util.h).
#include "tests/fault/fault_util.h"

#include <time.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace evbus::torture {

std::string UniqueStream(std::string_view prefix) {
  return std::string(prefix) + "-" + std::to_string(::getpid());
}

std::string Helper(const TortureConfig& config, std::string_view name) {
  return config.binary_dir + "/" + std::string(name);
}

std::string AckTablePath(std::string_view stream) {
  return "/dev/shm/evbus-torture-acks-" + std::string(stream);
}

void FaultDelay(std::uint32_t micros) {
  timespec ts{static_cast<time_t>(micros / 1'000'000),
              static_cast<long>(micros % 1'000'000) * 1000};
  ::nanosleep(&ts, nullptr);
}

std::uint64_t RssKib(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));
  }
  return 0;
}

std::uint64_t CountInFile(const std::string& path, const std::vector<std::string>& needles) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string bytes = ss.str();
  std::uint64_t n = 0;
  for (const std::string& needle : needles) {
    for (std::size_t at = bytes.find(needle); at != std::string::npos;
         at = bytes.find(needle, at + 1)) {
      ++n;
    }
  }
  return n;
}

std::vector<std::string> FilesUnder(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) files.push_back(it->path().string());
  }
  return files;
}

void ExpectAtMost(ScenarioResult* r, std::string_view what, double value, double limit) {
  if (value > limit) {
    std::ostringstream os;
    os << what << " was " << value << ", target at most " << limit;
    r->Fail(os.str());
  }
}

}  // namespace evbus::torture
