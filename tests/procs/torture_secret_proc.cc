// Producer process of torture scenario 6: opens the stream through
// EventStream (so it redacts with the stream's shared secrets, set by
// another process) and adds COUNT events carrying secrets everywhere
// (tests/fault/secret_events.h).
//
//   torture_secret_proc ROOT SID PRODUCER COUNT
//
// Stdout: "done <count>". Exit status: 0 done, 2 open error, 3 a bad event
// template, 4 add_event failed.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "stream/event_stream.h"
#include "tests/fault/secret_events.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s ROOT SID PRODUCER COUNT\n", argv[0]);
    return 2;
  }
  evbus::EventStreamOptions options;
  options.store_root = argv[1];
  options.create_if_missing = false;
  options.backpressure_timeout_ns = 30'000'000'000;
  auto stream = evbus::EventStream::Open(argv[2], options);
  if (!stream.ok()) {
    std::fprintf(stderr, "open: %s\n", stream.status().ToString().c_str());
    return 2;
  }
  const auto producer = static_cast<std::uint32_t>(std::strtoul(argv[3], nullptr, 10));
  const std::uint64_t count = std::strtoull(argv[4], nullptr, 10);
  for (std::uint64_t seq = 0; seq < count; ++seq) {
    auto event = evbus::ParseEvent(evbus::torture::SecretEventJson(producer, seq));
    if (!event.ok()) {
      std::fprintf(stderr, "template %llu: %s\n", static_cast<unsigned long long>(seq),
                   event.status().ToString().c_str());
      return 3;
    }
    auto id = (*stream)->AddEvent(&*event, evbus::Source::kAgent);
    if (!id.ok()) {
      std::fprintf(stderr, "add_event: %s\n", id.status().ToString().c_str());
      return 4;
    }
  }
  (void)(*stream)->Close();
  std::printf("done %llu\n", static_cast<unsigned long long>(count));
  return 0;
}
