// libFuzzer target: evbus::ParseEvent on arbitrary bytes. Whatever parses must
// round-trip: EventToJson, parsed again, gives the same JSON text.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/event.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  evbus::Result<evbus::Event> first = evbus::ParseEvent(input);
  if (!first.ok()) return 0;
  const std::string json = evbus::EventToJson(first.value());
  evbus::Result<evbus::Event> second = evbus::ParseEvent(json);
  if (!second.ok()) {
    std::fprintf(stderr, "EventToJson output does not parse: %s\n%s\n",
                 second.status().ToString().c_str(), json.c_str());
    std::abort();
  }
  const std::string again = evbus::EventToJson(second.value());
  if (again != json) {
    std::fprintf(stderr, "round trip changed the JSON:\n%s\n%s\n", json.c_str(), again.c_str());
    std::abort();
  }
  return 0;
}
