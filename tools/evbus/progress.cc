#include "tools/evbus/progress.h"

#include <unistd.h>

#include <cstdio>
#include <utility>

namespace evbus::cli {
namespace {

constexpr auto kRefreshInterval = std::chrono::milliseconds(100);  // ten lines a second

}  // namespace

Progress::Progress(std::string verb, std::string unit)
    : verb_(std::move(verb)), unit_(std::move(unit)), enabled_(::isatty(STDERR_FILENO) == 1) {}

Progress::~Progress() { Finish(); }

void Progress::Update(std::uint64_t done, std::uint64_t total) {
  done_ = done;
  total_ = total;
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (shown_ && now - last_ < kRefreshInterval) return;
  last_ = now;
  const std::uint64_t percent = total == 0 ? 100 : done * 100 / total;
  Show(verb_ + " " + std::to_string(done) + "/" + std::to_string(total) + " " + unit_ + " (" +
       std::to_string(percent) + "%)");
}

void Progress::Note(const std::string& text) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (shown_ && now - last_ < kRefreshInterval) return;
  last_ = now;
  Show(text);
}

void Progress::Finish() {
  if (!enabled_ || !shown_) return;
  if (total_ != 0 || done_ != 0) {
    last_ = {};
    const std::uint64_t percent = total_ == 0 ? 100 : done_ * 100 / total_;
    Show(verb_ + " " + std::to_string(done_) + "/" + std::to_string(total_) + " " + unit_ + " (" +
         std::to_string(percent) + "%)");
  }
  std::fputc('\n', stderr);
  std::fflush(stderr);
  shown_ = false;
  done_ = total_ = 0;
}

void Progress::Show(const std::string& line) {
  // Pad with spaces so that a shorter line hides the end of a longer one.
  std::string padded = line;
  if (padded.size() < last_width_) padded.append(last_width_ - padded.size(), ' ');
  last_width_ = line.size();
  std::fprintf(stderr, "\r%s", padded.c_str());
  std::fflush(stderr);
  shown_ = true;
}

}  // namespace evbus::cli
