// The real OpenHands events the tests use (tests/data/openhands-trajectories).
#ifndef EVBUS_TESTS_TESTUTIL_TRAJECTORIES_H_
#define EVBUS_TESTS_TESTUTIL_TRAJECTORIES_H_

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace evbus::testutil {

inline const std::string kTrajectoryDir = EVBUS_SOURCE_DIR "/tests/data/openhands-trajectories";

// Every event of the four trajectory files, as OpenHands wrote it (id,
// timestamp and source included), re-serialized compactly one by one.
inline std::vector<std::string> TrajectoryEventTexts() {
  std::vector<std::string> events;
  for (const char* name : {"basic.json", "basic_gui_mode.json", "basic_interactions.json",
                           "wrong_initial_state.json"}) {
    std::ifstream in(kTrajectoryDir + "/" + name);
    std::stringstream buf;
    buf << in.rdbuf();
    rapidjson::Document doc;
    doc.Parse(buf.str().c_str());
    if (doc.HasParseError() || !doc.IsArray()) continue;
    for (const auto& event : doc.GetArray()) {
      rapidjson::StringBuffer text;
      rapidjson::Writer<rapidjson::StringBuffer> writer(text);
      event.Accept(writer);
      events.emplace_back(text.GetString(), text.GetSize());
    }
  }
  return events;
}

}  // namespace evbus::testutil

#endif  // EVBUS_TESTS_TESTUTIL_TRAJECTORIES_H_
