// libFuzzer target: raw index-entry metadata and record bytes through
// everything a reader does with them, the way the readers do it:
//
//   decode    the entry's event fields laid into a shm::IndexEntry and read
//             back as the subscriber reads them, then EventMetaFromRecord;
//   filter    EventFilter::MatchesMeta / Matches (a fixed set of filters) on
//             the decoded metadata and the record's JSON with its id;
//   dispatch  what a callback worker does: the JSON parsed into an Event,
//             its class looked up, written again, matched by each filter;
//   store     the same fields as a page record under a valid CRC: ParsePage,
//             DropInvalidEventRecords, PageSummary and its MayMatch.
//
// Input: 24 bytes of entry metadata (IndexEntry offsets 24-47: timestamp,
// cause, type, source, flags, producer slot, reserved), 8 bytes of id, then
// the body. Shorter inputs are zero-padded.
//
// Failures: any crash or sanitizer report (an out-of-range type, source or
// flag must never index anything); a header EventMetaFromRecord accepts
// with an unregistered type, a source that is not a Source or an unknown
// flag, or refuses while all three are valid; a refusal that is not
// Corruption naming the id; a decoded record whose page record the store
// drops, or an undecodable one it keeps; a parsed event EventToJson cannot
// write.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/event_filter.h"
#include "persist/page_codec.h"
#include "persist/page_reader.h"
#include "persist/page_summary.h"
#include "persist/record_convert.h"
#include "shm/event_record.h"
#include "shm/layout.h"

namespace {

using evbus::EventFilter;
using evbus::EventFilterSpec;

constexpr std::size_t kMetaOffset = offsetof(evbus::shm::IndexEntry, timestamp_ns);
constexpr std::size_t kMetaBytes = 24;
static_assert(offsetof(evbus::shm::IndexEntry, reserved) + 2 == kMetaOffset + kMetaBytes);

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "record_decode_fuzz: %s\n", what.c_str());
  std::abort();
}

const std::vector<EventFilter>& Filters() {
  static const std::vector<EventFilter>* filters = [] {
    auto* out = new std::vector<EventFilter>{EventFilter()};
    const EventFilterSpec specs[] = {
        EventFilterSpec().WithIncludeTypes({"Action"}),
        EventFilterSpec().WithExcludeTypes({"CmdRunAction", "Observation"}),
        EventFilterSpec().WithSource("agent").WithExcludeHidden(),
        EventFilterSpec().WithStartDate("2025-01-01T00:00:00").WithEndDate("2025-12-31"),
        EventFilterSpec().WithQuery("RUN"),
    };
    for (const EventFilterSpec& spec : specs) {
      auto filter = EventFilter::Make(spec);
      if (!filter.ok()) Fail(filter.status().ToString());
      out->push_back(std::move(*filter));
    }
    return out;
  }();
  return *filters;
}

// The entry's fields as the subscriber copies them out of shared memory.
evbus::shm::RecordMeta DecodeEntry(const std::uint8_t* meta_bytes) {
  alignas(64) evbus::shm::IndexEntry entry;
  std::memset(static_cast<void*>(&entry), 0, sizeof entry);
  std::memcpy(reinterpret_cast<char*>(&entry) + kMetaOffset, meta_bytes, kMetaBytes);
  return evbus::shm::RecordMeta{entry.timestamp_ns, entry.cause, entry.type, entry.source,
                                entry.flags};
}

bool HeaderIsValid(const evbus::shm::RecordMeta& meta) {
  return evbus::IsValidEventType(meta.type) &&
         evbus::IsValidSource(static_cast<evbus::Source>(meta.source)) &&
         (meta.flags & ~evbus::kKnownRecordFlags) == 0;
}

// What a callback worker does with the record.
void Dispatch(std::uint64_t id, const evbus::EventMeta& meta, std::string_view json) {
  for (const EventFilter& filter : Filters()) {
    (void)filter.MatchesMeta(meta);
    (void)filter.Matches(meta, json);
  }
  auto event = evbus::ParseEvent(json);
  if (!event.ok()) return;
  (void)event->class_name();
  (void)event->kind();
  const std::string again = evbus::EventToJson(*event);
  if (again.empty()) Fail("a parsed event of record " + std::to_string(id) + " cannot be written");
  for (const EventFilter& filter : Filters()) (void)filter.MatchesEvent(*event);
}

// The same fields as a page record: the store must keep it exactly when its
// event fields are ones a writer produces.
void StoreAsPage(const evbus::shm::RecordMeta& ring, std::uint64_t id, std::string_view body,
                 bool decoded) {
  using namespace evbus::persist;
  RecordMeta meta = RecordMetaFromRing(id, ring);
  meta.flags = static_cast<std::uint8_t>(ring.flags & kKnownFlags);
  std::string bytes;
  AppendFileHeader(id, &bytes);
  AppendRecord(meta, body, &bytes);
  auto page = ParsePage("p.evp", bytes, {}, nullptr);
  if (!page.ok() || page->offsets.size() != 1) Fail("a well-formed page record was refused");
  DropInvalidEventRecords("p.evp", bytes, &*page, nullptr);
  const bool kept = page->offsets[0] != 0;
  if (kept != CheckStoredEventFields(meta).ok()) Fail("the store kept the wrong records");
  if (decoded && !meta.abandoned() && !kept) Fail("the store dropped a valid record");
  const PageSummary summary = PageSummary::Build(bytes, *page);
  for (const evbus::EventFilter& filter : Filters()) (void)summary.MayMatch(filter);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::uint8_t head[kMetaBytes + 8] = {};
  std::memcpy(head, data, size < sizeof head ? size : sizeof head);
  const std::string_view body =
      size > sizeof head
          ? std::string_view(reinterpret_cast<const char*>(data) + sizeof head, size - sizeof head)
          : std::string_view();
  std::uint64_t id = 0;
  std::memcpy(&id, head + kMetaBytes, sizeof id);
  id &= (std::uint64_t{1} << 62) - 1;  // ids stay below the commit word's flag bits
  const evbus::shm::RecordMeta ring = DecodeEntry(head);

  // Lookups with the raw values must be safe whatever they hold.
  (void)evbus::GetEventType(ring.type).class_name;
  (void)evbus::SourceName(static_cast<evbus::Source>(ring.source));

  auto meta = evbus::EventMetaFromRecord(id, ring);
  if (meta.ok() != HeaderIsValid(ring)) Fail("EventMetaFromRecord misjudged a header");
  if (!meta.ok()) {
    const std::string& msg = meta.status().message();
    if (!meta.status().IsCorruption() ||
        msg.find("ring record " + std::to_string(id) + " ") == std::string::npos) {
      Fail("the refusal does not name the record: " + meta.status().ToString());
    }
  } else {
    std::string json;
    evbus::AppendEventJsonWithId(id, body, &json);
    Dispatch(id, *meta, json);
  }
  StoreAsPage(ring, id, body, meta.ok());
  return 0;
}
