// Import of OpenHands' file layout into the store and export back: the real
// trajectories OpenHands recorded come back as the same events.
#include "persist/openhands_layout.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <map>
#include <string>

#include "persist/store.h"
#include "tests/persist/persist_test_util.h"

namespace evbus::persist {
namespace {

using testing::TempDir;

const std::string kTrajectories = EVBUS_SOURCE_DIR "/tests/data/openhands-trajectories";

std::string ReadText(const std::string& path) {
  std::string text;
  EXPECT_TRUE(Env::Default()->ReadFile(path, &text).ok()) << path;
  return text;
}

// id -> event JSON of a trajectory file (a JSON array).
std::map<std::int64_t, std::string> LoadTrajectory(const std::string& name) {
  std::map<std::int64_t, std::string> events;
  rapidjson::Document doc;
  const std::string text = ReadText(kTrajectories + "/" + name);
  doc.Parse(text.data(), text.size());
  EXPECT_TRUE(doc.IsArray()) << name;
  for (const auto& entry : doc.GetArray()) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    entry.Accept(writer);
    events[entry["id"].GetInt64()] = std::string(buffer.GetString(), buffer.GetSize());
  }
  return events;
}

// Writes events as OpenHands does: sessions/<sid>/events/<id>.json.
void WriteOpenHandsSession(const std::string& root, const std::string& sid,
                           const std::map<std::int64_t, std::string>& events) {
  const std::string dir = root + "/sessions/" + sid + "/events";
  ASSERT_TRUE(Env::Default()->CreateDirs(dir, 0700).ok());
  for (const auto& [id, json] : events) {
    ASSERT_TRUE(
        Env::Default()->WriteFileAtomic(dir + "/" + std::to_string(id) + ".json", json, 0600).ok());
  }
}

// The canonical form of an event: parsed and written back by evbus.
std::string Canonical(std::string_view json) {
  auto event = ParseEvent(json);
  EXPECT_TRUE(event.ok()) << event.status().ToString();
  return event.ok() ? EventToJson(*event) : std::string();
}

class OpenHandsLayoutTest : public ::testing::TestWithParam<const char*> {};

TEST_P(OpenHandsLayoutTest, ImportThenExportReproducesTheSameEvents) {
  const auto original = LoadTrajectory(GetParam());
  ASSERT_FALSE(original.empty());
  TempDir source, store_root, target;
  WriteOpenHandsSession(source.path(), "traj", original);

  auto imported = ImportOpenHandsEvents(source.path(), store_root.path(), "traj", "");
  ASSERT_TRUE(imported.ok()) << imported.status().ToString();
  EXPECT_EQ(imported->imported, original.size());
  EXPECT_EQ(imported->missing,
            static_cast<std::uint64_t>(original.rbegin()->first + 1) - original.size());

  auto store = Store::Open(store_root.path(), "traj", "");
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->GetLatestEventId(), original.rbegin()->first);
  for (std::int64_t id = 0; id <= original.rbegin()->first; ++id) {
    auto event = (*store)->GetEvent(id);
    EXPECT_EQ(event.ok(), original.count(id) == 1) << id;  // holes read as missing
  }

  auto exported = ExportOpenHandsEvents(**store, target.path(), "traj", "");
  ASSERT_TRUE(exported.ok()) << exported.status().ToString();
  EXPECT_EQ(exported->events, original.size());
  for (const auto& [id, json] : original) {
    const std::string path =
        target.path() + "/sessions/traj/events/" + std::to_string(id) + ".json";
    EXPECT_EQ(Canonical(ReadText(path)), Canonical(json)) << GetParam() << " id " << id;
  }
}

INSTANTIATE_TEST_SUITE_P(RealTrajectories, OpenHandsLayoutTest,
                         ::testing::Values("basic.json", "basic_gui_mode.json",
                                           "basic_interactions.json", "wrong_initial_state.json"));

// 60 dense events: the canonical lines, cycled, with ids 0..59.
void MakeDenseEvents(std::map<std::int64_t, std::string>* events) {
  const std::string canonical = ReadText(kTrajectories + "/canonical.jsonl");
  std::vector<std::string> lines;
  for (std::size_t pos = 0; pos < canonical.size();) {
    const std::size_t end = canonical.find('\n', pos);
    lines.push_back(canonical.substr(pos, end - pos));
    pos = end == std::string::npos ? canonical.size() : end + 1;
  }
  for (std::int64_t id = 0; id < 60; ++id) {
    auto event = ParseEvent(lines[static_cast<std::size_t>(id) % lines.size()]);
    ASSERT_TRUE(event.ok()) << event.status().ToString();
    event->id = id;
    (*events)[id] = EventToJson(*event);
  }
}

// A cache page 0-25 that holds id 3 with different content than events/3.json.
std::string CachePageWithChangedId3(const std::map<std::int64_t, std::string>& events) {
  std::string page = "[";
  for (std::int64_t id = 0; id < 25; ++id) {
    std::string json = events.at(id);
    if (id == 3) {
      auto event = ParseEvent(json);
      event->message = "from the page";
      event->content = "from the page";
      json = EventToJson(*event);
    }
    page += (id == 0 ? "" : ", ") + json;
  }
  page += "]";
  return page;
}

// The export's second cache page holds ids 25..49; 50-75 is not written.
void ExpectSecondCachePageOnly(const std::string& root) {
  rapidjson::Document doc;
  const std::string second = ReadText(root + "/sessions/s/event_cache/25-50.json");
  doc.Parse(second.data(), second.size());
  ASSERT_TRUE(doc.IsArray());
  ASSERT_EQ(doc.GetArray().Size(), 25u);
  EXPECT_EQ(doc.GetArray()[0]["id"].GetInt64(), 25);
  EXPECT_FALSE(Env::Default()->FileExists(root + "/sessions/s/event_cache/50-75.json"));
}

TEST(OpenHandsLayoutCacheTest, CachePageCopyWinsAndExportWritesAlignedPagesOf25) {
  std::map<std::int64_t, std::string> events;
  ASSERT_NO_FATAL_FAILURE(MakeDenseEvents(&events));
  TempDir source, target;
  WriteOpenHandsSession(source.path(), "s", events);
  // A cache page 0-25 holds id 3 with different content than events/3.json,
  // and events/4.json is gone: OpenHands reads both from the page.
  const std::string page = CachePageWithChangedId3(events);
  ASSERT_TRUE(Env::Default()->CreateDirs(source.path() + "/sessions/s/event_cache", 0700).ok());
  ASSERT_TRUE(Env::Default()
                  ->WriteFileAtomic(source.path() + "/sessions/s/event_cache/0-25.json", page, 0600)
                  .ok());
  ASSERT_TRUE(Env::Default()->RemoveFile(source.path() + "/sessions/s/events/4.json").ok());

  auto imported = ImportOpenHandsEvents(source.path(), source.path(), "s", "");
  ASSERT_TRUE(imported.ok()) << imported.status().ToString();
  EXPECT_EQ(imported->imported, 60u);
  EXPECT_EQ(imported->missing, 0u);
  EXPECT_EQ(imported->from_cache_pages, 25u);
  auto store = Store::Open(source.path(), "s", "");
  ASSERT_TRUE(store.ok());
  auto three = (*store)->GetEvent(3);
  ASSERT_TRUE(three.ok());
  EXPECT_EQ(Canonical(EventToJson(*three)).find("from the page") != std::string::npos, true);

  auto exported = ExportOpenHandsEvents(**store, target.path(), "s", "");
  ASSERT_TRUE(exported.ok());
  EXPECT_EQ(exported->events, 60u);
  EXPECT_EQ(exported->cache_pages, 2u);  // 0-25 and 25-50; 50-75 is incomplete
  ExpectSecondCachePageOnly(target.path());
}

}  // namespace
}  // namespace evbus::persist
