// Records whose event fields no evbus writer produces (a type no class has,
// a source that is not a Source, an unknown flag), on the read paths that
// turn them into events: the ring readers that join the store (UnifiedView,
// RefillingSubscriber, the persister) and a page on disk under a valid CRC.
// Each skips such a record and reports it, with its id and why; the records
// around it are read as usual.
#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "persist/page_codec.h"
#include "persist/record_convert.h"
#include "persist/refilling_subscriber.h"
#include "persist/store.h"
#include "persist/store_writer.h"
#include "persist/unified_view.h"
#include "tests/persist/ring_store_fixture.h"

namespace evbus::persist::testing {
namespace {

constexpr std::uint16_t kUnregisteredType = 977;

class BadEventFieldsTest : public RingStoreTest {
 protected:
  // Publishes, as a broken producer would, a record whose body is a valid
  // event but whose header says type `type`, source `source`, flags `flags`.
  void PublishRawRecord(std::uint16_t type, std::uint8_t source, std::uint8_t flags) {
    Event event;
    event.type = EventTypeFromTag(EventKind::kObservation, "null").value();
    event.content = ContentOf(published_.load());
    shm::RecordMeta meta = RecordMetaFor(event);
    meta.type = type;
    meta.source = source;
    meta.flags = flags;
    std::uint64_t id = 0;
    ASSERT_TRUE(producer_->Publish(meta, EventToJson(event), 10'000'000'000, &id).ok());
    ASSERT_EQ(id, static_cast<std::uint64_t>(published_.load()));
    published_.fetch_add(1, std::memory_order_release);
  }

  // Ids 0-1 good, 2 bad type, 3 good, 4 bad source, 5 bad flags, 6 good.
  void PublishMixed() {
    Publish(2);
    PublishRawRecord(kUnregisteredType, 1, 0);
    Publish(1);
    PublishRawRecord(1, 9, 0);
    PublishRawRecord(1, 1, 0x80);
    Publish(1);
  }
};

const std::set<std::int64_t> kGoodIds = {0, 1, 3, 6};

TEST_F(BadEventFieldsTest, UnifiedViewSkipsRingRecordsWhoseHeaderNoEventHas) {
  CreateStream(1 << 20, 1024);
  PublishMixed();
  UnifiedView view(segment_.get(), UnifiedViewOptions{});
  std::set<std::int64_t> seen;
  std::int64_t next = 0;
  Status s = view.ForEach(
      0, 6,
      [&](const StoredEvent& ev) {
        seen.insert(ev.meta.id);
        EXPECT_TRUE(IsValidEventType(ev.meta.type)) << ev.meta.id;
        return true;
      },
      [](std::int64_t, std::int64_t) {}, &next);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(seen, kGoodIds);
  EXPECT_EQ(next, 7);
}

TEST_F(BadEventFieldsTest, RefillingSubscriberCountsThemAsMissing) {
  CreateStream(1 << 20, 1024);
  PublishMixed();
  RefillOptions options;
  options.subscriber.name = "refill-bad-fields";
  options.session_id = stream_;
  options.subscriber.start = shm::StartAt::kAtId;
  auto sub = RefillingSubscriber::Attach(segment_.get(), options);
  ASSERT_TRUE(sub.ok()) << sub.status().ToString();
  std::set<std::int64_t> events;
  std::set<std::int64_t> missing;
  StoredEvent ev;
  std::int64_t first = 0;
  std::int64_t last = 0;
  while ((*sub)->next_id() < 7) {
    const RefillRead r = (*sub)->Read(&ev, 1'000'000'000, &first, &last);
    ASSERT_NE(r, RefillRead::kEmpty);
    if (r == RefillRead::kEvent) events.insert(ev.meta.id);
    if (r == RefillRead::kMissing) {
      for (std::int64_t id = first; id <= last; ++id) missing.insert(id);
    }
  }
  EXPECT_EQ(events, kGoodIds);
  EXPECT_EQ(missing, (std::set<std::int64_t>{2, 4, 5}));
  EXPECT_EQ((*sub)->stats().missing, 3u);
}

TEST_F(BadEventFieldsTest, PersisterStoresThemAsMissingAndSaysWhy) {
  CreateStream(1 << 20, 1024);
  std::vector<std::string> log;
  std::mutex log_mu;
  PersisterOptions options = PersisterOptionsForTest();
  options.log = [&](const std::string& line) {
    std::lock_guard<std::mutex> lock(log_mu);
    log.push_back(line);
  };
  auto persister = Persister::Open(options);
  ASSERT_TRUE(persister.ok()) << persister.status().ToString();
  PublishMixed();
  persister_ = std::move(*persister);
  persister_thread_ = std::thread([this] { persister_status_ = persister_->Run(); });
  auto store = Store::Open(tmp_.path(), stream_);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE(WaitFor([&] { return (*store)->GetLatestEventId() == 6; }));
  StopPersister();
  std::set<std::int64_t> stored;
  EventIterator it = (*store)->Search(SearchQuery{});
  while (it.Next()) stored.insert(it.meta().id);
  ASSERT_TRUE(it.status().ok()) << it.status().ToString();
  EXPECT_EQ(stored, kGoodIds);
  for (std::int64_t id : {2, 4, 5}) {
    EXPECT_TRUE((*store)->GetEventJson(id).status().IsNotFound()) << id;
  }
  std::string all;
  for (const std::string& line : log) all += line + "\n";
  EXPECT_NE(all.find("ring record 2 has event type 977"), std::string::npos) << all;
  EXPECT_NE(all.find("ring record 4 has source 9"), std::string::npos) << all;
  EXPECT_NE(all.find("ring record 5 has unknown flag bits"), std::string::npos) << all;
}

// Writes one page of five "run" actions, ids 0..4.
void WriteFiveActions(const std::string& dir) {
  auto writer = StoreWriter::Open(dir, {});
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  for (std::uint64_t id = 0; id < 5; ++id) {
    Event event;
    event.type = EventTypeFromTag(EventKind::kAction, "run").value();
    event.source = Source::kAgent;
    event.args_json = "{\"command\":\"ls " + std::to_string(id) + "\"}";
    ASSERT_TRUE((*writer)->Append(RecordMetaFromEvent(id, event), EventToJson(event)).ok());
  }
  ASSERT_TRUE((*writer)->Close().ok());
}

// Rewrites record `id` of the page `bytes` (record offsets in `offsets`)
// with another type and source, CRC fixed up.
void RewriteTypeAndSource(const std::vector<std::uint32_t>& offsets, std::uint64_t id,
                          std::uint16_t type, std::uint8_t source, std::string* bytes) {
  const std::uint32_t offset = offsets[id];
  DecodedRecord rec = RecordAt(*bytes, offset);
  rec.meta.type = type;
  rec.meta.source = source;
  std::string record;
  AppendRecord(rec.meta, rec.body, &record);
  ASSERT_EQ(record.size(), rec.size);
  bytes->replace(offset, record.size(), record);
}

// Gives record 1 an unregistered type and record 3 an unregistered source.
void DamageRecordsOneAndThree(const std::string& dir) {
  auto pages = ListPages(Env::Default(), PagesDir(dir));
  ASSERT_TRUE(pages.ok() && pages->size() == 1);
  std::string bytes;
  ASSERT_TRUE(Env::Default()->ReadFile(pages->front().path, &bytes).ok());
  auto parsed = ParsePage("p", bytes, {}, nullptr);
  ASSERT_TRUE(parsed.ok() && parsed->offsets.size() == 5);
  ASSERT_NO_FATAL_FAILURE(RewriteTypeAndSource(parsed->offsets, 1, kUnregisteredType, 1, &bytes));
  ASSERT_NO_FATAL_FAILURE(RewriteTypeAndSource(parsed->offsets, 3, 1, 9, &bytes));
  ASSERT_TRUE(Env::Default()->WriteFileAtomic(pages->front().path, bytes, 0600).ok());
}

// A page whose records check out (CRC, ids) but one of which carries a type
// or source no evbus writer stores: a foreign or damaged page. The store
// reports the record with its id and why, skips it in searches and refuses
// to hand it out by id; every other record reads as before.
TEST_F(BadEventFieldsTest, StoreReportsAndSkipsAPageRecordWithAnUnregisteredTypeOrSource) {
  const std::string dir = EvbusDir(tmp_.path(), "pages", "").value();
  ASSERT_NO_FATAL_FAILURE(WriteFiveActions(dir));
  ASSERT_NO_FATAL_FAILURE(DamageRecordsOneAndThree(dir));

  CollectingReporter reporter;
  StoreOptions options;
  options.reporter = &reporter;
  auto store = Store::OpenDir(dir, options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  std::set<std::int64_t> found;
  EventIterator it = (*store)->Search(SearchQuery{});
  while (it.Next()) found.insert(it.meta().id);
  ASSERT_TRUE(it.status().ok()) << it.status().ToString();
  EXPECT_EQ(found, (std::set<std::int64_t>{0, 2, 4}));
  EXPECT_FALSE((*store)->GetEventJson(1).ok());
  EXPECT_FALSE((*store)->GetEventJson(3).ok());
  EXPECT_TRUE((*store)->GetEventJson(2).ok());
  std::string reports;
  for (const Report& r : reporter.reports) reports += r.reason + "\n";
  EXPECT_NE(reports.find("id 1 has event type 977"), std::string::npos) << reports;
  EXPECT_NE(reports.find("id 3 has source 9"), std::string::npos) << reports;
}

// A caller that builds a record with such fields gets a clear error from the
// store writer, before anything is written: nothing would read it back.
TEST_F(BadEventFieldsTest, StoreWriterRefusesARecordWithAnUnregisteredTypeOrSource) {
  const std::string dir = EvbusDir(tmp_.path(), "writer", "").value();
  auto writer = StoreWriter::Open(dir, {});
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  Event event;
  event.type = EventTypeFromTag(EventKind::kAction, "run").value();
  event.source = Source::kAgent;
  RecordMeta bad_type = RecordMetaFromEvent(0, event);
  bad_type.type = kUnregisteredType;
  RecordMeta bad_source = RecordMetaFromEvent(0, event);
  bad_source.source = 9;
  RecordMeta bad_flags = RecordMetaFromEvent(0, event);
  bad_flags.flags = 0x80;
  for (const RecordMeta& meta : {bad_type, bad_source, bad_flags}) {
    Status s = (*writer)->Append(meta, EventToJson(event));
    EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
    EXPECT_NE(s.message().find("id 0 has"), std::string::npos) << s.message();
    EXPECT_EQ((*writer)->next_id(), 0u);
  }
  ASSERT_TRUE((*writer)->Append(RecordMetaFromEvent(0, event), EventToJson(event)).ok());
  ASSERT_TRUE((*writer)->Close().ok());
  auto store = Store::OpenDir(dir);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_TRUE((*store)->GetEventJson(0).ok());
}

}  // namespace
}  // namespace evbus::persist::testing
