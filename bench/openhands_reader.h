// The baseline for bench/store_bench.cc: reads a session in OpenHands' own
// file layout the way OpenHands' EventStore does (docs/compat.md section 8):
//   search_events  for each id, the cache page event_cache/<a>-<b>.json that
//                  holds it when there is one (json.loads of the page), else
//                  events/<id>.json; every event parsed (event_from_dict)
//                  before the filter sees it.
//   get_event      events/<id>.json, parsed.
//   cur_id         list events/, the highest id + 1.
// C++ with rapidjson, so it is a generous baseline: OpenHands does the same
// in Python.
#ifndef EVBUS_BENCH_OPENHANDS_READER_H_
#define EVBUS_BENCH_OPENHANDS_READER_H_

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>

#include "base/file_env.h"
#include "base/status.h"
#include "core/event.h"
#include "persist/openhands_layout.h"

namespace evbus::persist {

class OpenHandsReader {
 public:
  explicit OpenHandsReader(std::string session_dir) : dir_(std::move(session_dir)) {}

  // Ids [lo, hi] in order; `visit(const Event&)` for each. pages=false
  // ignores the cache pages (event files only).
  template <typename Visit>
  Status Search(std::int64_t lo, std::int64_t hi, bool pages, Visit visit) const {
    const auto size = static_cast<std::int64_t>(kOpenHandsCachePageSize);
    std::string text;
    for (std::int64_t id = lo; id <= hi;) {
      const std::int64_t start = id / size * size;
      if (pages && start == id && id + size - 1 <= hi && ReadPage(start, size, visit)) {
        id += size;
        continue;
      }
      auto event = GetEvent(id);
      if (!event.ok()) return event.status();
      visit(*event);
      ++id;
    }
    return Status::OK();
  }

  Result<Event> GetEvent(std::int64_t id) const {
    std::string text;
    EVBUS_RETURN_IF_ERROR(
        Env::Default()->ReadFile(dir_ + "/events/" + std::to_string(id) + ".json", &text));
    return ParseEvent(text);
  }

  std::int64_t LatestId() const {
    std::int64_t latest = -1;
    auto names = Env::Default()->ListDir(dir_ + "/events");
    if (!names.ok()) return latest;
    for (const std::string& name : *names) {
      latest = std::max<std::int64_t>(latest, std::atoll(name.c_str()));
    }
    return latest;
  }

 private:
  // The cache page [start, start + size): parsed whole, each entry made an
  // Event. False when the page does not exist or does not parse.
  template <typename Visit>
  bool ReadPage(std::int64_t start, std::int64_t size, Visit& visit) const {
    std::string text;
    const std::string path = dir_ + "/event_cache/" + std::to_string(start) + "-" +
                             std::to_string(start + size) + ".json";
    if (!Env::Default()->ReadFile(path, &text).ok()) return false;
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError() || !doc.IsArray()) return false;
    for (const auto& entry : doc.GetArray()) {
      // event_from_dict: the dict becomes an Event (here through its text).
      rapidjson::StringBuffer buffer;
      rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
      entry.Accept(writer);
      auto event = ParseEvent(std::string_view(buffer.GetString(), buffer.GetSize()));
      if (event.ok()) visit(*event);
    }
    return true;
  }

  std::string dir_;
};

}  // namespace evbus::persist

#endif  // EVBUS_BENCH_OPENHANDS_READER_H_
