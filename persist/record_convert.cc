#include "persist/record_convert.h"

#include "shm/event_record.h"

namespace evbus::persist {

RecordMeta RecordMetaFromEvent(std::uint64_t id, const Event& event) noexcept {
  RecordMeta meta;
  meta.id = id;
  if (event.timestamp_ns) {
    meta.timestamp_ns = *event.timestamp_ns;
    meta.flags |= kFlagHasTimestamp;
  }
  meta.cause = event.cause.value_or(kNoCause);
  meta.type = event.type;
  meta.source = static_cast<std::uint8_t>(event.source);
  if (event.hidden) meta.flags |= kFlagHidden;
  return meta;
}

RecordMeta RecordMetaFromRing(std::uint64_t id, const shm::RecordMeta& ring) noexcept {
  RecordMeta meta;
  meta.id = id;
  if (ring.timestamp_ns != kNoTimestamp) {
    meta.timestamp_ns = ring.timestamp_ns;
    meta.flags |= kFlagHasTimestamp;
  }
  meta.cause = ring.cause;
  meta.type = ring.type;
  meta.source = ring.source;
  if ((ring.flags & kRecordFlagHidden) != 0) meta.flags |= kFlagHidden;
  return meta;
}

Status CheckStoredEventFields(const RecordMeta& meta) {
  if (meta.abandoned()) return Status::OK();
  if (!IsValidEventType(meta.type)) {
    return Status::InvalidArgument("id " + std::to_string(meta.id) + " has event type " +
                                   std::to_string(meta.type) +
                                   ", which no registered class has (see evbus help types)");
  }
  if (!IsValidSource(static_cast<Source>(meta.source))) {
    return Status::InvalidArgument("id " + std::to_string(meta.id) + " has source " +
                                   std::to_string(meta.source) +
                                   ", which is not a Source (0 none, 1 agent, 2 user, "
                                   "3 environment)");
  }
  if ((meta.flags & ~kKnownFlags) != 0) {
    return Status::InvalidArgument("id " + std::to_string(meta.id) + " has unknown flag bits " +
                                   std::to_string(meta.flags & ~kKnownFlags) +
                                   " (see persist/page_format.h)");
  }
  return Status::OK();
}

void DropInvalidEventRecords(const std::string& file, std::string_view bytes, ParsedPage* page,
                             Reporter* reporter) {
  for (std::uint32_t& offset : page->offsets) {
    if (offset == 0) continue;  // already lost, and reported by ParsePage
    const DecodedRecord rec = RecordAt(bytes, offset);
    const Status bad = CheckStoredEventFields(rec.meta);
    if (bad.ok()) continue;
    page->clean = false;
    if (reporter != nullptr) {
      reporter->Corruption(
          file, offset, rec.size,
          Status::Corruption(bad.message() + ": a foreign or damaged page; the record is "
                                             "skipped"));
    }
    offset = 0;
  }
}

}  // namespace evbus::persist
