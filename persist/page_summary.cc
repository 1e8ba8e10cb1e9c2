#include "persist/page_summary.h"

#include <algorithm>

#include "persist/page_format.h"

namespace evbus::persist {
namespace {

IndexedRecord RecordAtOffset(std::string_view bytes, std::uint64_t id,
                             std::uint32_t offset) noexcept {
  const char* header = bytes.data() + offset;
  IndexedRecord record;
  const auto flags = static_cast<std::uint8_t>(header[kRecordFlagsOffset]);
  if ((flags & kFlagAbandoned) != 0) return record;  // id stays kInvalidId: no event
  record.cause = DecodeFixed<std::int64_t>(header + kRecordCauseOffset);
  record.body_offset = offset + static_cast<std::uint32_t>(kRecordHeaderSize);
  record.body_length = DecodeFixed<std::uint32_t>(header + kRecordLengthOffset);
  EventMeta& meta = record.meta;
  meta.id = static_cast<std::int64_t>(id);
  if ((flags & kFlagHasTimestamp) != 0) {
    meta.timestamp_ns = DecodeFixed<std::int64_t>(header + kRecordTimestampOffset);
  }
  meta.source = static_cast<Source>(header[kRecordSourceOffset]);
  meta.type = DecodeFixed<std::uint16_t>(header + kRecordTypeOffset);
  meta.hidden = (flags & kFlagHidden) != 0;
  return record;
}

}  // namespace

PageSummary PageSummary::Build(std::string_view bytes, const ParsedPage& page) {
  PageSummary summary;
  summary.records.resize(page.offsets.size());
  for (std::size_t i = 0; i < page.offsets.size(); ++i) {
    const std::uint32_t offset = page.offsets[i];
    if (offset == 0) continue;  // lost to corruption
    summary.records[i] = RecordAtOffset(bytes, page.first_id + i, offset);
    const EventMeta& meta = summary.records[i].meta;
    if (meta.id == Event::kInvalidId) continue;
    if (meta.timestamp_ns) {
      summary.min_timestamp_ns = std::min(summary.min_timestamp_ns, *meta.timestamp_ns);
      summary.max_timestamp_ns = std::max(summary.max_timestamp_ns, *meta.timestamp_ns);
    } else {
      summary.any_without_timestamp = true;
    }
    if (meta.type < 64) {
      summary.types |= std::uint64_t{1} << meta.type;
    } else {
      summary.other_types = true;
    }
    summary.sources = static_cast<std::uint8_t>(summary.sources |
                                                (1u << (static_cast<unsigned>(meta.source) & 7u)));
    summary.any_visible = summary.any_visible || !meta.hidden;
  }
  return summary;
}

bool PageSummary::MayMatch(const EventFilter& filter) const noexcept {
  static_assert(kMaxEventTypes <= 64, "the type mask is one 64-bit word");
  if (!other_types) {
    std::uint64_t wanted = ~std::uint64_t{0};
    if (filter.include_types()) wanted = filter.include_types()->to_ullong();
    wanted &= ~filter.exclude_types().to_ullong();
    if ((types & wanted) == 0) return false;
  }
  if (filter.source() != Source::kNone &&
      (sources & (1u << (static_cast<unsigned>(filter.source()) & 7u))) == 0) {
    return false;
  }
  if (filter.exclude_hidden() && !any_visible) return false;
  // Events without a timestamp pass date conditions (OpenHands skips them).
  if (!any_without_timestamp) {
    if (filter.start_ns() && max_timestamp_ns < *filter.start_ns()) return false;
    if (filter.end_ns() && min_timestamp_ns > *filter.end_ns()) return false;
  }
  return true;
}

}  // namespace evbus::persist
