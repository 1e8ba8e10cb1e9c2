// The torture gauntlet's own checkers must catch what they claim to catch:
// a torn or misplaced event body, a repeated or skipped sequence number, an
// acknowledged count that survives its writer.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "core/event.h"
#include "tests/fault/ack_table.h"
#include "tests/fault/event_payload.h"
#include "tests/fault/secret_events.h"

namespace evbus::torture {
namespace {

TEST(TortureChecksTest, EventBodyIsOpenHandsJsonAndChecksOut) {
  std::string body;
  for (std::uint64_t seq : {0ull, 1ull, 77ull, 123456789ull}) {
    MakeEventBody(3, seq, &body);
    ASSERT_TRUE(ParseEvent(body).ok()) << body;
    std::uint32_t p = 0;
    std::uint64_t s = 0;
    ASSERT_TRUE(CheckEventBody(body, &p, &s));
    EXPECT_EQ(p, 3u);
    EXPECT_EQ(s, seq);
  }
}

TEST(TortureChecksTest, CatchesEveryByteFlipInTheContent) {
  std::string body;
  MakeEventBody(2, 41, &body);
  const std::size_t begin = body.find("torture p=");
  const std::size_t end = body.find('"', begin);
  for (std::size_t at = begin; at < end; ++at) {
    std::string damaged = body;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x01);
    std::uint32_t p = 0;
    std::uint64_t s = 0;
    const bool ok = CheckEventBody(damaged, &p, &s);
    EXPECT_FALSE(ok && p == 2 && s == 41) << "flip at " << at << " not caught";
  }
}

TEST(TortureChecksTest, ChecksTheStoredFormWithTheIdFirst) {
  std::string body;
  MakeEventBody(1, 9, &body);
  const std::string stored = "{\"id\":9," + body.substr(1);
  std::uint32_t p = 0;
  std::uint64_t s = 0;
  EXPECT_TRUE(CheckEventBody(stored, &p, &s));
  EXPECT_FALSE(CheckEventBody(stored.substr(0, stored.size() - 40), &p, &s));
}

TEST(TortureChecksTest, SeqCheckerCountsDuplicatesHolesAndTornBodies) {
  SeqChecker checker;
  std::string body;
  for (std::uint64_t seq : {0ull, 1ull, 1ull, 4ull}) {
    MakeEventBody(0, seq, &body);
    checker.Feed(body);
  }
  EXPECT_FALSE(checker.Feed("{\"content\":\"torture p=0 s=5 h=0 x\"}"));
  EXPECT_EQ(checker.checked(), 4u);
  EXPECT_EQ(checker.duplicated(), 1u);
  EXPECT_EQ(checker.holes(), 2u);
  EXPECT_EQ(checker.torn(), 1u);
  EXPECT_EQ(checker.next(0), 5u);
}

TEST(TortureChecksTest, AckTableSurvivesItsWriter) {
  const std::string path = "/dev/shm/evbus-torture-acks-test-" + std::to_string(::getpid());
  AckTable owner;
  ASSERT_TRUE(owner.Open(path, 4, /*create=*/true));
  {
    AckTable writer;
    ASSERT_TRUE(writer.Open(path, 4, /*create=*/false));
    writer.Ack(2, 17);
    writer.CountBackPressure(2);
  }
  EXPECT_EQ(owner.acked(2), 17u);
  EXPECT_EQ(owner.backpressured(2), 1u);
  EXPECT_EQ(owner.acked(1), 0u);
}

TEST(TortureChecksTest, SecretEventsParseAndCarryEverySecretPlace) {
  for (std::uint64_t seq = 0; seq < 4; ++seq) {
    const std::string json = SecretEventJson(1, seq);
    auto event = ParseEvent(json);
    ASSERT_TRUE(event.ok()) << event.status().ToString();
    std::size_t places = 0;
    for (const auto& [name, value] : TortureSecrets()) {
      for (std::size_t at = json.find(value); at != std::string::npos;
           at = json.find(value, at + 1)) {
        ++places;
      }
    }
    EXPECT_GE(places, static_cast<std::size_t>(kSecretPlaces)) << json.substr(0, 200);
    std::size_t token_places = 0;
    for (const std::string& needle : PatternTokenNeedles()) {
      for (std::size_t at = json.find(needle); at != std::string::npos;
           at = json.find(needle, at + 1)) {
        ++token_places;
      }
    }
    EXPECT_GE(token_places, static_cast<std::size_t>(kPatternPlaces)) << json.substr(0, 200);
  }
}

}  // namespace
}  // namespace evbus::torture
