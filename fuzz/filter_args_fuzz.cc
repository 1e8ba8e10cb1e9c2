// libFuzzer target: the command line's filter and flag parsing. The input,
// split at NUL bytes, is an argv: Args::Parse with the filter flags, then
// FilterFromArgs (EventFilter::Make with types, source, query and ISO dates)
// and, when a filter results, it is run over a fixed event; every token also
// goes through ParseSize and ParseInt. Must never crash; a size accepted by
// ParseSize must stay within its documented bound (1 TiB).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/event_filter.h"
#include "tools/evbus/cli.h"

namespace {

const evbus::Event& SampleEvent() {
  static const evbus::Event* event = [] {
    auto e = evbus::ParseEvent(
        R"({"id":3,"timestamp":"2024-05-01T10:00:00","source":"agent","action":"run",)"
        R"("args":{"command":"ls","hidden":false},"message":"Running ls"})");
    if (!e.ok()) std::abort();
    return new evbus::Event(std::move(*e));
  }();
  return *event;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> argv(1);
  for (std::size_t i = 0; i < size && argv.size() < 64; ++i) {
    if (data[i] == 0) {
      argv.emplace_back();
    } else {
      argv.back().push_back(static_cast<char>(data[i]));
    }
  }
  for (const std::string& token : argv) {
    auto bytes = evbus::cli::ParseSize(token, "--capacity");
    if (bytes.ok() && *bytes > (std::uint64_t{1} << 40)) std::abort();
    (void)evbus::cli::ParseInt(token, "--limit");
  }
  evbus::cli::FlagSpec spec;
  evbus::cli::AddFilterFlags(&spec);
  auto args = evbus::cli::Args::Parse(argv, spec, 0, 8);
  if (!args.ok()) return 0;
  auto filter = evbus::cli::FilterFromArgs(*args);
  if (filter.ok()) (void)filter->MatchesEvent(SampleEvent());
  return 0;
}
