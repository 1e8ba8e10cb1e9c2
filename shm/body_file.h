// Big events: a record body larger than the segment's max_record_size is
// kept outside the ring, in an owner-only shared-memory file of its own, and
// the ring carries a small reference to it (docs/shm_layout.md, "Bodies
// outside the ring").
//
//   ring record (kind kEntryKindBodyFile in IndexEntry::reserved):
//   +---------------------------+---------------+-------------+-----------+
//   | magic "EVBUSBIG" (8 B)    | length u64    | crc32c u32  | zero u32  |
//   +---------------------------+---------------+-------------+-----------+
//   body file: /dev/shm/evbus-body.<stream part>+<created_ns>+<id>, 0600,
//   `length` bytes whose CRC32C is `crc32c`, written whole before the
//   reference is committed and never changed after.
//
// Thread safety: every function may be called from any thread of any
// process; the files are immutable once their reference is committed.
// Invariants:
//   1. A body file is created (O_EXCL, O_NOFOLLOW) only by the producer that
//      claimed its id, between its claim and its commit.
//   2. A body file is removed only when its id is below every durable
//      subscriber's cursor and below the head, and is committed or abandoned
//      (or its reference left the index); so a durable reader always finds
//      the body of a committed reference, and no body is removed while its
//      producer still writes it.
//   3. A reader returns a body only if the file has the reference's length
//      and CRC; a missing file is a gap, never a torn body.
#ifndef EVBUS_SHM_BODY_FILE_H_
#define EVBUS_SHM_BODY_FILE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "shm/segment.h"

namespace evbus::shm {

// IndexEntry::reserved says what the record's ring bytes are.
inline constexpr std::uint16_t kEntryKindInline = 0;    // the body itself
inline constexpr std::uint16_t kEntryKindBodyFile = 1;  // a BodyRef

// The largest event body a segment takes, whatever its max_record_size:
// the store's record bound (256 MiB, persist/page_format.h) less room for
// the id the persister adds.
inline constexpr std::uint64_t kMaxEventBytes = (std::uint64_t{256} << 20) - (64u << 10);
// Bytes of live body files per segment before producers reclaim the oldest
// (those every durable subscriber has read) or, if none may go, wait.
inline constexpr std::uint64_t kBodyBudgetBytes = std::uint64_t{512} << 20;

inline constexpr char kBodyRefMagic[8] = {'E', 'V', 'B', 'U', 'S', 'B', 'I', 'G'};
struct BodyRef {
  char magic[8];
  std::uint64_t length;
  std::uint32_t crc32c;
  std::uint32_t zero;
};
static_assert(sizeof(BodyRef) == 24);

// The reference to a body of `length` bytes with CRC32C `crc`.
BodyRef MakeBodyRef(std::uint64_t length, std::uint32_t crc) noexcept;
// Parses ring bytes as a reference; false if they are not one.
bool ParseBodyRef(std::string_view bytes, BodyRef* ref) noexcept;

// "/dev/shm/evbus-body.<stream part>+<created_ns>+<id>".
std::string BodyFilePath(const Segment& segment, std::uint64_t id);

// Creates the body file of `id` (O_EXCL|O_NOFOLLOW, mode 0600) and writes
// `body` whole. On failure nothing is left behind. Producer only.
Status WriteBodyFile(const Segment& segment, std::uint64_t id, std::string_view body);
void RemoveBodyFile(const Segment& segment, std::uint64_t id) noexcept;

enum class BodyRead { kOk, kMissing, kCorrupt };
// Reads the body of `id` into *out (resized to ref.length) and checks it.
BodyRead ReadBodyFile(const Segment& segment, std::uint64_t id, const BodyRef& ref,
                      std::vector<char>* out) noexcept;

// kBodyBudgetBytes, unless a test replaced it.
std::uint64_t BodyBudgetBytes() noexcept;

// The lowest id a durable subscriber still needs (the head if none).
std::uint64_t DurableFloor(const Segment& segment) noexcept;

struct BodyUsage {
  std::uint64_t files = 0;
  std::uint64_t bytes = 0;
};
// The live body files of this segment's generation.
BodyUsage ListBodies(const Segment& segment);
// Removes body files below the durable floor, oldest first: those whose
// reference left the index (id + index_slots <= head) always, others while
// usage + `need` exceeds `budget`. Returns the usage left.
BodyUsage ReclaimBodies(const Segment& segment, std::uint64_t need, std::uint64_t budget);
// Removes every body file of the segment `shm_name`, of any generation
// (Segment::Remove). Returns how many it removed.
int RemoveAllBodies(std::string_view shm_name) noexcept;

namespace testing {
// Called while a body file is half written (for kill -9 tests); null by default.
using BodyWriteHook = void (*)(std::uint64_t id);
void SetMidBodyHook(BodyWriteHook hook);
// Replaces kBodyBudgetBytes in this process (0: back to the default), so a
// test reaches the budget with a few events.
void SetBodyBudget(std::uint64_t bytes);
}  // namespace testing

}  // namespace evbus::shm

#endif  // EVBUS_SHM_BODY_FILE_H_
