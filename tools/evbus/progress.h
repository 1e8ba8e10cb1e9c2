// Progress of long work (import, export, bench) on stderr, for a person
// watching a terminal: "imported 12000/20000 events (60%)", rewritten in
// place with '\r' at most ten times a second. When stderr is not a terminal
// (a pipe, a file, a test) nothing is written, so logs stay clean.
//
// Thread safety: one Progress belongs to one thread.
#ifndef EVBUS_TOOLS_EVBUS_PROGRESS_H_
#define EVBUS_TOOLS_EVBUS_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <string>

namespace evbus::cli {

class Progress {
 public:
  // `verb` and `unit` make the line: "<verb> <done>/<total> <unit> (<pct>%)".
  Progress(std::string verb, std::string unit);
  ~Progress();  // Finish()
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Shows done/total if the last line is older than the refresh interval.
  void Update(std::uint64_t done, std::uint64_t total);
  // A free-form status line ("bench: publish (2/4)"), rate-limited the same way.
  void Note(const std::string& text);
  // Shows the last figures and ends the line. Idempotent.
  void Finish();

 private:
  void Show(const std::string& line);

  std::string verb_, unit_;
  bool enabled_;
  bool shown_ = false;
  std::uint64_t done_ = 0, total_ = 0;
  std::chrono::steady_clock::time_point last_{};
  std::size_t last_width_ = 0;
};

}  // namespace evbus::cli

#endif  // EVBUS_TOOLS_EVBUS_PROGRESS_H_
