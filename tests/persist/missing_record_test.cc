// An abandoned record says why its id has no event and, when a producer
// abandoned it, that producer's pid; `get_event` of such an id says so.
// Pages written before the field existed (zero there) stay readable.
#include "persist/missing_record.h"

#include <gtest/gtest.h>

#include <string>

#include "persist/page_codec.h"
#include "persist/store.h"
#include "persist/store_writer.h"
#include "tests/persist/persist_test_util.h"

namespace evbus::persist {
namespace {

using testing::TempDir;

DecodedRecord RoundTrip(const RecordMeta& meta, std::string* bytes) {
  bytes->clear();
  AppendRecord(meta, {}, bytes);
  DecodedRecord out;
  EXPECT_EQ(RecordCheck::kOk, DecodeRecord(*bytes, &out));
  return out;
}

TEST(MissingRecordTest, ReasonAndPidRoundTripThroughTheRecordHeader) {
  RecordMeta meta;
  meta.id = 9;
  meta.flags = kFlagAbandoned;
  meta.missing = EncodeMissing(MissingReason::kAbandoned, 4194303);  // PID_MAX_LIMIT - 1
  std::string bytes;
  const DecodedRecord rec = RoundTrip(meta, &bytes);
  EXPECT_EQ(MissingReason::kAbandoned, rec.meta.missing_reason());
  EXPECT_EQ(4194303, rec.meta.producer_pid());
  EXPECT_EQ(std::string("\xff\xff\x3f\x01", 4), bytes.substr(kRecordMissingOffset, 4));
}

TEST(MissingRecordTest, AnOldAbandonedRecordWithZeroThereReadsAsReasonUnknown) {
  RecordMeta meta;
  meta.id = 9;
  meta.flags = kFlagAbandoned;  // missing = 0: what version 1 pages always held
  std::string bytes;
  const DecodedRecord rec = RoundTrip(meta, &bytes);
  EXPECT_EQ(MissingReason::kUnknown, rec.meta.missing_reason());
  EXPECT_EQ(0, rec.meta.producer_pid());
  EXPECT_NE(std::string::npos,
            DescribeMissingEvent(9, rec.meta).find("abandoned by its producer or lost"));
}

TEST(MissingRecordTest, UnknownReasonsAndOutOfRangePidsAreNotMisread) {
  RecordMeta meta;
  meta.missing = 0xEE000000u | 77u;  // a reason a later version may add
  EXPECT_EQ(MissingReason::kUnknown, meta.missing_reason());
  EXPECT_EQ(77, meta.producer_pid());
  EXPECT_EQ(0u, EncodeMissing(MissingReason::kUnknown, 1 << 24) & kMissingPidMask);
  EXPECT_EQ(0u, EncodeMissing(MissingReason::kUnknown, -5) & kMissingPidMask);
}

TEST(MissingRecordTest, GetEventSaysWhyEachMissingIdIsMissing) {
  TempDir tmp;
  auto dir = EvbusDir(tmp.path(), "abc", "");
  ASSERT_TRUE(dir.ok());
  {
    auto writer = StoreWriter::Open(*dir, {});
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    ASSERT_TRUE((*writer)->AppendAbandoned(0, MissingReason::kAbandoned, 4242).ok());
    ASSERT_TRUE((*writer)->AppendAbandoned(1, MissingReason::kAbandoned, 0).ok());
    ASSERT_TRUE((*writer)->AppendAbandoned(2, MissingReason::kOverwritten).ok());
    ASSERT_TRUE((*writer)->AppendAbandoned(3, MissingReason::kCorrupt).ok());
    ASSERT_TRUE((*writer)->AppendAbandoned(4, MissingReason::kNotImported).ok());
    ASSERT_TRUE((*writer)->AppendAbandoned(5).ok());
    ASSERT_TRUE((*writer)->Close().ok());
  }
  auto store = Store::Open(tmp.path(), "abc", "");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  const char* expected[] = {
      "event 0 is missing: it was abandoned by producer pid 4242 (it died, or stalled",
      "event 1 is missing: it was abandoned by producer (pid not known)",
      "event 2 is missing: it was overwritten in the ring before the persister stored it",
      "event 3 is missing: it was found damaged in the ring",
      "event 4 is missing: it was absent from the OpenHands files",
      "event 5 is missing: it was abandoned by its producer or lost before it was stored",
  };
  for (int id = 0; id < 6; ++id) {
    auto event = (*store)->GetEventJson(id);
    ASSERT_TRUE(event.status().IsNotFound()) << id;
    EXPECT_EQ(0u, event.status().message().rfind(expected[id], 0)) << event.status().message();
  }
}

}  // namespace
}  // namespace evbus::persist
