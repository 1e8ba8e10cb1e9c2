// `evbus tail` over a ring record whose header no publisher writes (type
// 977, source 9): it reports the record on stderr with its id and why and
// prints the events around it. Before, it printed the record as an event.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/event.h"
#include "shm/event_record.h"
#include "shm/producer.h"
#include "shm/segment.h"
#include "tests/testutil/assign_to.h"
#include "tests/tools/cli_test_util.h"

namespace evbus::testutil {
namespace {

class CliTailBadHeaderTest : public CliFixture {
 protected:
  CliTailBadHeaderTest() : CliFixture("tail-bad-header") {}
};

TEST_F(CliTailBadHeaderTest, ReportsAndSkipsARecordWhoseHeaderNoEventHas) {
  ASSERT_EQ(Run({"create", stream_}).exit_code, 0);
  std::unique_ptr<shm::Segment> segment;
  ASSERT_TRUE(::evbus::testutil::AssignTo(&segment, shm::Segment::Open(stream_, "")).ok());
  std::unique_ptr<shm::Producer> producer;
  ASSERT_TRUE(
      ::evbus::testutil::AssignTo(&producer, shm::Producer::Attach(segment.get(), "test")).ok());
  Event event = ParseEvent(R"({"source":"agent","action":"run","args":{"command":"ls"}})").value();
  const std::string body = EventToJson(event);
  for (int i = 0; i < 4; ++i) {
    shm::RecordMeta meta = RecordMetaFor(event);
    if (i == 1) meta.type = 977;
    if (i == 2) meta.source = 9;
    std::uint64_t id = 0;
    ASSERT_TRUE(producer->Publish(meta, body, 1'000'000'000, &id).ok());
  }
  producer.reset();
  segment.reset();
  const CliResult tail = Run({"tail", stream_});
  EXPECT_EQ(tail.exit_code, 0) << tail.err;
  const std::vector<std::string> lines = Lines(tail.out);
  ASSERT_EQ(lines.size(), 2u) << tail.out;
  EXPECT_EQ(lines[0].rfind("{\"id\":0,", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1].rfind("{\"id\":3,", 0), 0u) << lines[1];
  EXPECT_NE(tail.err.find("ring record 1 has event type 977"), std::string::npos) << tail.err;
  EXPECT_NE(tail.err.find("ring record 2 has source 9"), std::string::npos) << tail.err;
}

}  // namespace
}  // namespace evbus::testutil
