// Subscriber: reading a big event's body file (docs/shm_layout.md, "Bodies
// outside the ring"). The reference record has passed its record check.
#include "shm/body_file.h"
#include "shm/subscriber.h"

namespace evbus::shm {

ReadStatus Subscriber::ReadReferencedBody(std::uint16_t kind, std::uint64_t end_pos,
                                          std::string_view* body, Record* record) noexcept {
  BodyRef ref{};
  if (kind != kEntryKindBodyFile || !ParseBodyRef(*body, &ref)) return ReportCorrupt(record);
  switch (ReadBodyFile(*segment_, next_id_, ref, &body_buffer_)) {
    case BodyRead::kOk:
      *body = std::string_view(body_buffer_.data(), ref.length);
      return ReadStatus::kRecord;
    case BodyRead::kCorrupt:
      return ReportCorrupt(record);
    case BodyRead::kMissing:
      break;
  }
  // Reclaimed: every durable subscriber had read it and this one was too
  // far behind. Like a lap, it is a gap of this one id, never a torn body.
  record->id = next_id_;
  record->body = {};
  record->gap_first = next_id_;
  record->gap_last = next_id_;
  ++gaps_;
  ++next_id_;
  if (end_pos > byte_pos_) byte_pos_ = end_pos;
  PublishProgress(true);
  return ReadStatus::kGap;
}

}  // namespace evbus::shm
