// Store: search_events, get_event and the iterator behind them.
#include <algorithm>
#include <utility>

#include "persist/missing_record.h"
#include "persist/page_codec.h"
#include "persist/store.h"

namespace evbus::persist {
namespace {

EventMeta MetaOf(const RecordMeta& record) {
  EventMeta meta;
  meta.id = static_cast<std::int64_t>(record.id);
  if (record.has_timestamp()) meta.timestamp_ns = record.timestamp_ns;
  meta.source = static_cast<Source>(record.source);
  meta.type = record.type;
  meta.hidden = record.hidden();
  return meta;
}

std::optional<std::int64_t> CauseOf(const RecordMeta& record) {
  if (record.cause == kNoCause) return std::nullopt;
  return record.cause;
}

}  // namespace

EventIterator::EventIterator(const Store* store, const SearchQuery& query, std::int64_t latest_id)
    : store_(store), filter_(query.filter), reverse_(query.reverse) {
  // OpenHands: end_id inclusive (default: the latest); start_id is the lower
  // bound in both directions; limit None/0 = unlimited, < 0 = first match only.
  lo_ = std::max<std::int64_t>(query.start_id, 0);
  hi_ = query.end_id ? std::min(*query.end_id, latest_id) : latest_id;
  cursor_ = reverse_ ? hi_ : lo_;
  const std::int64_t limit = query.limit.value_or(0);
  remaining_ = limit == 0 ? -1 : (limit < 0 ? 1 : limit);
}

bool EventIterator::Next() {
  while (remaining_ != 0 && cursor_ >= lo_ && cursor_ <= hi_) {
    const auto uid = static_cast<std::uint64_t>(cursor_);
    if (!page_ || uid < page_->parsed.first_id || uid >= page_->parsed.next_id()) {
      page_ = store_->PageFor(cursor_, &status_);
      if (!status_.ok()) return false;
      if (!page_ || uid >= page_->parsed.next_id()) {  // no page holds it
        cursor_ += reverse_ ? -1 : 1;
        continue;
      }
    }
    const auto first = static_cast<std::int64_t>(page_->parsed.first_id);
    const auto end = static_cast<std::int64_t>(page_->parsed.next_id());  // exclusive
    // The part of this page inside [lo_, hi_], walked in the search's direction.
    const std::int64_t stop = reverse_ ? std::max(first, lo_) - 1 : std::min(end - 1, hi_) + 1;
    if (filter_ != nullptr && !page_->summary.MayMatch(*filter_)) {
      cursor_ = stop;  // no event of the page can pass: skip it whole
      continue;
    }
    if (ScanPage(stop)) return true;
  }
  return false;
}

bool EventIterator::ScanPage(std::int64_t stop) {
  const LoadedPage& page = *page_;
  const IndexedRecord* records = page.summary.records.data();
  const auto first = static_cast<std::int64_t>(page.parsed.first_id);
  const std::int64_t step = reverse_ ? -1 : 1;
  for (std::int64_t id = cursor_; id != stop; id += step) {
    const IndexedRecord& record = records[id - first];
    if (record.meta.id == Event::kInvalidId) continue;  // abandoned or lost (reported at load)
    if (filter_ != nullptr && !filter_->MatchesMeta(record.meta)) continue;
    const std::string_view body(page.bytes.data() + record.body_offset, record.body_length);
    if (filter_ != nullptr && filter_->needs_json() && !filter_->MatchesJson(body)) continue;
    cursor_ = id + step;
    meta_ = record.meta;
    cause_ = record.cause == kNoCause ? std::nullopt : std::optional<std::int64_t>(record.cause);
    json_ = body;
    if (remaining_ > 0) --remaining_;
    return true;
  }
  cursor_ = stop;
  return false;
}

EventIterator Store::Search(const SearchQuery& query) const {
  return EventIterator(this, query, latest_id());
}

Result<std::vector<StoredEvent>> Store::SearchEventsJson(const SearchQuery& query) const {
  std::vector<StoredEvent> out;
  EventIterator it = Search(query);
  while (it.Next()) out.push_back({it.meta(), it.cause(), std::string(it.json())});
  if (!it.status().ok()) return it.status();
  return out;
}

Result<std::vector<Event>> Store::SearchEvents(const SearchQuery& query) const {
  std::vector<Event> out;
  EventIterator it = Search(query);
  while (it.Next()) {
    auto event = ParseEvent(it.json());
    if (!event.ok()) {
      return Status::Corruption("stored event " + std::to_string(it.meta().id) +
                                " does not parse: " + event.status().message());
    }
    out.push_back(std::move(*event));
  }
  if (!it.status().ok()) return it.status();
  return out;
}

Result<StoredEvent> Store::GetEventJson(std::int64_t id) const {
  Status status;
  auto page = PageFor(id, &status);
  if (!status.ok()) return status;
  const auto uid = static_cast<std::uint64_t>(id);
  if (!page || uid >= page->parsed.next_id()) {
    return Status::NotFound("event " + std::to_string(id) + " is not in the store of '" + dir_ +
                            "'");
  }
  const std::uint32_t offset = page->parsed.offsets[uid - page->parsed.first_id];
  if (offset == 0) {
    return Status::NotFound("event " + std::to_string(id) + " is unreadable: its record in '" +
                            page->path + "' is damaged (see the corruption report)");
  }
  const DecodedRecord rec = RecordAt(page->bytes, offset);
  if (rec.meta.abandoned()) return Status::NotFound(DescribeMissingEvent(uid, rec.meta));
  return StoredEvent{MetaOf(rec.meta), CauseOf(rec.meta), std::string(rec.body)};
}

Result<Event> Store::GetEvent(std::int64_t id) const {
  auto stored = GetEventJson(id);
  if (!stored.ok()) return stored.status();
  return ParseEvent(stored->json);
}

std::int64_t Store::GetLatestEventId() {
  (void)Refresh();  // on an I/O error the last known id stands
  return latest_id();
}

Result<Event> Store::GetLatestEvent() {
  const std::int64_t latest = GetLatestEventId();
  if (latest < 0) return Status::NotFound("the store of '" + dir_ + "' holds no events yet");
  return GetEvent(latest);
}

}  // namespace evbus::persist
