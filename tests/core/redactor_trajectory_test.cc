// Redaction of real OpenHands events, checked against a DOM-based reference:
// rapidjson parses the original, every string value (not key, not protected
// top-level metadata) goes through the naive replacement, and the result must
// equal what the one-pass redactor produced, parsed back.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/redactor.h"
#include "tests/core/naive_secret_replace.h"
#include "tests/testutil/trajectories.h"

namespace evbus {
namespace {

const std::string kDataDir = EVBUS_SOURCE_DIR "/tests/data/openhands-trajectories";

// Every event twice: as OpenHands wrote it in the trajectory files (with id,
// timestamp, source; re-serialized one by one) and from canonical.jsonl.
std::vector<std::string> LoadEvents() {
  std::vector<std::string> events = testutil::TrajectoryEventTexts();
  std::ifstream lines(kDataDir + "/canonical.jsonl");
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) events.push_back(line);
  }
  return events;
}

void ReferenceRedact(rapidjson::Value* v, const std::vector<std::string>& secrets, bool top,
                     rapidjson::Document::AllocatorType& alloc) {
  static const std::vector<std::string> kProtected = {"id",    "timestamp", "source",
                                                      "cause", "action",    "observation"};
  if (v->IsString()) {
    const std::string s = testing::NaiveReplace(
        std::string_view(v->GetString(), v->GetStringLength()), secrets, Redactor::kPlaceholder);
    v->SetString(s.data(), static_cast<rapidjson::SizeType>(s.size()), alloc);
  } else if (v->IsArray()) {
    for (auto& e : v->GetArray()) ReferenceRedact(&e, secrets, false, alloc);
  } else if (v->IsObject()) {
    for (auto& m : v->GetObject()) {
      const std::string key(m.name.GetString(), m.name.GetStringLength());
      if (top && std::find(kProtected.begin(), kProtected.end(), key) != kProtected.end()) continue;
      ReferenceRedact(&m.value, secrets, false, alloc);
    }
  }
}

TEST(RedactorTrajectoryTest, MatchesDomReferenceAndStaysValidJsonOnRealEvents) {
  const std::vector<std::string> events = LoadEvents();
  ASSERT_EQ(events.size(), 72u) << "expected 2 x 36 events from " << kDataDir;
  // Real substrings, ones that need escaping ('"', '\n', '\\'), overlapping
  // ones, and ones that occur in protected values ("agent", "run", "edit").
  const std::vector<std::string> secrets = {
      "2048",     "game", "game_2048", "toolu_", "self.board", "\n",
      "\"",       "\\",   "agent",     "run",    "edit",       "claude-3-5-sonnet-20241022",
      "chatcmpl-"};
  Redactor r;
  Redactor::SecretMap map;
  for (std::size_t i = 0; i < secrets.size(); ++i)
    map[std::string(1, 's').append(std::to_string(i))] = secrets[i];
  ASSERT_TRUE(r.SetSecrets(map).ok());

  std::size_t total = 0;
  for (const std::string& json : events) {
    for (bool protect : {true, false}) {
      std::string out;
      Result<std::size_t> count = r.RedactJson(json, &out, protect);
      ASSERT_TRUE(count.ok()) << count.status().ToString();
      total += *count;
      rapidjson::Document got;
      got.Parse(out.data(), out.size());
      ASSERT_FALSE(got.HasParseError()) << "redacted event is not valid JSON: " << out;
      rapidjson::Document want;
      want.Parse(json.data(), json.size());
      ASSERT_FALSE(want.HasParseError());
      ReferenceRedact(&want, secrets, protect, want.GetAllocator());
      ASSERT_TRUE(got == want) << "differs from the reference for: " << json;
      if (protect && got.HasMember("action")) {
        EXPECT_STREQ(got["action"].GetString(), want["action"].GetString());
      }
    }
  }
  EXPECT_GT(total, 100u);  // the secrets really occur
}

}  // namespace
}  // namespace evbus
