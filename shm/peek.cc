// PeekRecord: acquire the commit word, copy entry and body, re-check the
// claim word, verify the CRC. Writes nothing.
#include "shm/peek.h"

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "shm/atomic128.h"
#include "shm/body_file.h"
#include "shm/fence.h"
#include "shm/recovery.h"

namespace evbus::shm {
namespace {

// The record's metadata from a copy of its index entry's bytes.
void CopyEntryMeta(const char* entry_bytes, Record* record) {
  std::memcpy(&record->meta.timestamp_ns, entry_bytes + offsetof(IndexEntry, timestamp_ns), 8);
  std::memcpy(&record->meta.cause, entry_bytes + offsetof(IndexEntry, cause), 8);
  std::memcpy(&record->meta.type, entry_bytes + offsetof(IndexEntry, type), 2);
  std::memcpy(&record->meta.source, entry_bytes + offsetof(IndexEntry, source), 1);
  std::memcpy(&record->meta.flags, entry_bytes + offsetof(IndexEntry, flags), 1);
  std::memcpy(&record->producer_slot, entry_bytes + offsetof(IndexEntry, producer_slot), 2);
}

// A record whose ring bytes reference a body file: reads the body into
// *buffer (docs/shm_layout.md, "Bodies outside the ring"). A reclaimed file
// reads as overwritten.
PeekStatus ReadReferenced(const Segment& segment, std::uint64_t id, const char* entry_bytes,
                          std::vector<char>* buffer) {
  std::uint16_t kind = 0;
  std::memcpy(&kind, entry_bytes + offsetof(IndexEntry, reserved), sizeof kind);
  if (kind == kEntryKindInline) return PeekStatus::kRecord;
  BodyRef ref{};
  if (kind != kEntryKindBodyFile ||
      !ParseBodyRef(std::string_view(buffer->data(), buffer->size()), &ref)) {
    return PeekStatus::kCorrupt;
  }
  std::vector<char> body;
  switch (ReadBodyFile(segment, id, ref, &body)) {
    case BodyRead::kOk:
      buffer->swap(body);
      return PeekStatus::kRecord;
    case BodyRead::kMissing:
      return PeekStatus::kOverwritten;
    case BodyRead::kCorrupt:
      break;
  }
  return PeekStatus::kCorrupt;
}

}  // namespace

PeekStatus PeekRecord(const Segment& segment, std::uint64_t id, Record* record,
                      std::vector<char>* buffer) {
  const SegmentHeader& h = segment.header();
  const IndexEntry* e = segment.index_entry(id);
  // SYNC POINT READ: entry.commit -- when it says CommittedValue(id), the
  // producer's body bytes and entry fields are visible to this thread.
  const std::uint64_t c = e->commit.load(std::memory_order_acquire);
  if (c == AbandonedValue(id)) {
    record->id = id;
    record->body = {};
    record->abandoned_by_pid = AbandonedBy(segment, id);
    return PeekStatus::kAbandoned;
  }
  if (c != CommittedValue(id)) {
    return (c & ~kAbandonedBit) > id + 1 ? PeekStatus::kOverwritten : PeekStatus::kUncommitted;
  }
  // The fields after `commit` (data_pos .. reserved), copied as raw bytes:
  // a racing overwrite is caught by the re-check below.
  char entry_bytes[sizeof(IndexEntry)];
  constexpr std::size_t kFieldsBegin = offsetof(IndexEntry, data_pos);
  constexpr std::size_t kFieldsEnd = offsetof(IndexEntry, claimant);
  std::memcpy(entry_bytes + kFieldsBegin, reinterpret_cast<const char*>(e) + kFieldsBegin,
              kFieldsEnd - kFieldsBegin);
  std::uint64_t data_pos = 0;
  std::uint32_t length = 0, crc = 0;
  std::memcpy(&data_pos, entry_bytes + offsetof(IndexEntry, data_pos), sizeof data_pos);
  std::memcpy(&length, entry_bytes + offsetof(IndexEntry, length), sizeof length);
  std::memcpy(&crc, entry_bytes + offsetof(IndexEntry, crc32c), sizeof crc);
  const std::uint64_t capacity = h.data_capacity;
  const std::uint64_t offset = data_pos & (capacity - 1);
  const bool in_bounds = length <= h.max_record_size && offset + length <= capacity;
  buffer->resize(in_bounds ? length : 0);
  if (in_bounds && length > 0) std::memcpy(buffer->data(), segment.data() + offset, length);
  // Seqlock re-check: pairs with the release fence after the claim CAS. If the
  // copy saw any byte of a later claim, these loads see that claim.
  ThreadFence(std::memory_order_acquire);
  const std::uint64_t head = LoadHalfAcquire(&segment.claim()->next_id);
  const std::uint64_t tail = LoadHalfAcquire(&segment.claim()->tail);
  if (head > id + h.index_slots || tail > data_pos + capacity) return PeekStatus::kOverwritten;
  if (!in_bounds || RecordChecksum(id, buffer->data(), length, entry_bytes) != crc) {
    return PeekStatus::kCorrupt;
  }
  const PeekStatus body = ReadReferenced(segment, id, entry_bytes, buffer);
  if (body != PeekStatus::kRecord) return body;
  record->id = id;
  CopyEntryMeta(entry_bytes, record);
  record->body = std::string_view(buffer->data(), buffer->size());
  return PeekStatus::kRecord;
}

std::vector<AbandonedRange> RecentAbandoned(const Segment& segment, std::size_t max_ranges) {
  const SegmentHeader& h = segment.header();
  const std::uint64_t head = LoadHalfAcquire(&segment.claim()->next_id);
  std::uint64_t oldest = head > h.index_slots ? head - h.index_slots : 0;
  oldest = std::max(oldest, h.first_id.load(std::memory_order_relaxed));
  std::vector<AbandonedRange> out;
  for (std::uint64_t id = head; id > oldest;) {
    --id;
    // SYNC POINT READ: entry.commit -- the abandon CAS published the claimant.
    if (segment.index_entry(id)->commit.load(std::memory_order_acquire) != AbandonedValue(id)) {
      continue;
    }
    const std::int32_t pid = AbandonedBy(segment, id);
    if (!out.empty() && out.back().first == id + 1 && out.back().producer_pid == pid) {
      out.back().first = id;
      continue;
    }
    if (out.size() == max_ranges) break;
    out.push_back(AbandonedRange{id, id, pid});
  }
  return out;
}

}  // namespace evbus::shm
