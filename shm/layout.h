// The byte layout of an evbus shared-memory segment: the one header that
// writers (producers, the segment creator) and readers (subscribers, the
// persister, the inspector) share. docs/shm_layout.md is the prose spec.
//
//   offset 0                                        (every region 64-aligned)
//   +------------------------------------------+
//   | SegmentHeader        (320 B)             |  magic, version, sizes, offsets
//   +------------------------------------------+
//   | ClaimWord            (64 B)              |  {next_id, tail}: 16-byte CAS
//   +------------------------------------------+
//   | WaitWord             (128 B)             |  futex words, sleeper sets
//   +------------------------------------------+
//   | ProducerSlot x 64    (128 B each)        |  state line + stats line
//   +------------------------------------------+
//   | SubscriberSlot x 64  (128 B each)        |  cursor line + stats line
//   +------------------------------------------+
//   | IndexEntry x index_slots (64 B each)     |  entry of id X at X & (N-1)
//   +------------------------------------------+
//   | data ring            (data_capacity B)   |  bodies, 64-aligned, no wrap
//   +------------------------------------------+
//
// All integers are native-endian (the segment never leaves the host).
#ifndef EVBUS_SHM_LAYOUT_H_
#define EVBUS_SHM_LAYOUT_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "shm/crc32c.h"

namespace evbus::shm {

inline constexpr char kSegmentMagic[8] = {'E', 'V', 'B', 'U', 'S', 'S', 'E', 'G'};
// 2: RecordChecksum covers the id; 3: WaitWord holds sleeper sets (bits);
// 4: IndexEntry::reserved is the record's kind (a body file reference,
// shm/body_file.h), which a version-3 reader would deliver as the body.
inline constexpr std::uint32_t kLayoutVersion = 4;
inline constexpr std::uint32_t kReadyValue = 0x59444552;  // "REDY"
inline constexpr std::uint32_t kCacheLine = 64;
inline constexpr std::uint32_t kRecordAlignment = 64;
inline constexpr std::uint32_t kProducerSlots = 64;
inline constexpr std::uint32_t kSubscriberSlots = 64;
inline constexpr std::size_t kNameCapacity = 72;      // 64 chars + NUL, padded
inline constexpr std::size_t kSlotNameCapacity = 40;  // 39 chars + NUL

// IndexEntry::commit: X + 1 = record X committed; kAbandonedBit | (X + 1) =
// record X abandoned; any other value is stale (an earlier lap, 0 = never).
inline constexpr std::uint64_t kAbandonedBit = std::uint64_t{1} << 63;
inline constexpr std::uint64_t CommittedValue(std::uint64_t id) { return id + 1; }
inline constexpr std::uint64_t AbandonedValue(std::uint64_t id) { return kAbandonedBit | (id + 1); }

// IndexEntry::claimant: who claimed the entry's id, so that a reader that
// finds the id abandoned can say by whom. The low 32 bits of id + 1 tag the
// pid, so a value left by another lap of the entry (or a stale producer's
// late store) is not taken for this id's (ids 2^32 apart share a tag).
inline constexpr std::uint64_t ClaimantValue(std::uint64_t id, std::int32_t pid) {
  return ((id + 1) << 32) | static_cast<std::uint32_t>(pid);
}
// Bit 31 of the pid half: the claim's producer is restartable (its restarted
// process may finish the claim; readers wait for the abandon timeout).
// Pids are below 2^22 (Linux's PID_MAX_LIMIT). docs/shm_layout.md section 7.
inline constexpr std::uint64_t kClaimantRestartable = std::uint64_t{1} << 31;
// Bit 30: the restartable claim is held: no abandon timeout applies to it
// (docs/shm_layout.md section 7, "Held claims").
inline constexpr std::uint64_t kClaimantHold = std::uint64_t{1} << 30;
// The pid in `value` if it was stored for `id`, else 0 (not known).
inline constexpr std::int32_t ClaimantPid(std::uint64_t value, std::uint64_t id) {
  return (value >> 32) == ((id + 1) & 0xFFFFFFFFu) ? static_cast<std::int32_t>(value & 0x3FFFFFFFu)
                                                   : 0;
}
// True if `value` was stored for `id` by a restartable producer.
inline constexpr bool ClaimantRestartable(std::uint64_t value, std::uint64_t id) {
  return ClaimantPid(value, id) != 0 && (value & kClaimantRestartable) != 0;
}
// True if `value` was stored for `id` by a restartable producer that holds
// its claims.
inline constexpr bool ClaimantHeld(std::uint64_t value, std::uint64_t id) {
  return ClaimantRestartable(value, id) && (value & kClaimantHold) != 0;
}

// ProducerSlot::state: IDLE | CLAIMING | CLAIMED with the claimed id |
// INTENT with the id a restartable producer's next claim CAS is for (stored
// with ProducerSlot::intent_pos before that CAS; it stays until the claimant
// is stored, so a claim with neither claimant nor intent is never a
// restartable one; docs/shm_layout.md section 7).
inline constexpr std::uint64_t kStateIdle = 0;
inline constexpr std::uint64_t kStateClaiming = std::uint64_t{1} << 62;
inline constexpr std::uint64_t kStateClaimed = std::uint64_t{2} << 62;
inline constexpr std::uint64_t kStateIntent = std::uint64_t{3} << 62;
inline constexpr std::uint64_t kStateIdMask = (std::uint64_t{1} << 62) - 1;

// IndexEntry::flags bits.
inline constexpr std::uint8_t kFlagHidden = 1;

// Liveness lock bytes (fcntl OFD locks on the shm object's descriptor).
inline constexpr std::uint32_t ProducerLockByte(std::uint32_t slot) { return slot; }
inline constexpr std::uint32_t SubscriberLockByte(std::uint32_t slot) {
  return kProducerSlots + slot;
}
// Held by the creator from just after creating the object until the header
// is ready (shm/segment.h invariant 4).
inline constexpr std::uint32_t kCreationLockByte = kProducerSlots + kSubscriberSlots;

constexpr std::uint64_t AlignUp(std::uint64_t v, std::uint64_t a) { return (v + a - 1) & ~(a - 1); }
constexpr bool IsPowerOfTwo(std::uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

// Written once by the creator; `ready` is stored last (release).
struct alignas(64) SegmentHeader {
  char magic[8];                      //   0
  std::uint32_t layout_version;       //   8
  std::uint32_t header_size;          //  12 sizeof(SegmentHeader)
  std::uint64_t total_size;           //  16 bytes of the whole object
  std::uint64_t data_capacity;        //  24 power of two
  std::uint32_t index_slots;          //  32 power of two
  std::uint32_t max_record_size;      //  36 body bytes
  std::uint32_t producer_slots;       //  40 kProducerSlots
  std::uint32_t subscriber_slots;     //  44 kSubscriberSlots
  std::uint64_t claim_offset;         //  48
  std::uint64_t wait_offset;          //  56
  std::uint64_t producers_offset;     //  64
  std::uint64_t subscribers_offset;   //  72
  std::uint64_t index_offset;         //  80
  std::uint64_t data_offset;          //  88
  std::int32_t creator_pid;           //  96
  std::atomic<std::uint32_t> ready;   // 100 kReadyValue once initialised
  std::int64_t created_ns;            // 104 wall clock
  std::int64_t abandon_timeout_ns;    // 112
  std::uint64_t creator_start_ticks;  // 120 /proc/<pid>/stat starttime
  char stream[kNameCapacity];         // 128 NUL-terminated
  char user[kNameCapacity];           // 200 NUL-terminated, "" = none
  // Bumped (release) by whoever replaces the stream's secret set, after the
  // new set is in the secrets file; producers compare it (acquire) on every
  // publish and reload the file when it moved. The secrets themselves never
  // enter the segment. 0 = no set was ever written.
  std::atomic<std::uint64_t> secrets_generation;  // 272
  // The first id this ring handed out: 0, or the store's next id when an
  // EventStream created the segment for a stream that already has a store
  // (it moves ClaimWord::next_id there before any producer attaches). Ids
  // below it were never in this ring; readers take them from the store.
  std::atomic<std::uint64_t> first_id;  // 280
  char reserved[32];                    // 288
};

// The claim word: 16 bytes changed together by one 16-byte CAS. Readers may
// load the halves separately (each half only grows).
struct alignas(64) ClaimWord {
  alignas(16) std::uint64_t next_id;  // next id to hand out
  std::uint64_t tail;                 // unwrapped end of the last claimed data
  char pad[48];
};

// Futex words and who sleeps on them. Each sleeper set is a pair {bits,
// version}, 16-byte aligned and changed only by one 16-byte CAS that adds 1
// to version (shm/wait.h, shm/sleepers.h): bit i = slot i sleeps on the set's
// futex word. Producers load `waiters` and `inflight_waiters` after each
// commit and make a system call only when one is non-zero; durable
// subscribers do the same with `producer_waiters` after moving their cursor.
// A sleeper killed in its sleep leaves its bit; a waker that wakes fewer
// sleepers than the bits say clears the bits of slots whose owner is gone.
struct alignas(64) WaitWord {
  std::atomic<std::uint32_t> published_seq;  //  0 futex: bumped when waking readers
  std::atomic<std::uint32_t> consumed_seq;   //  4 futex: bumped when waking producers
  std::uint64_t reserved;                    //  8
  // Subscriber slots asleep on published_seq (waiting for a record).
  alignas(16) std::atomic<std::uint64_t> waiters;  // 16
  std::atomic<std::uint64_t> waiters_version;      // 24
  // Producer slots asleep on consumed_seq (back-pressured by a durable cursor).
  std::atomic<std::uint64_t> producer_waiters;          // 32
  std::atomic<std::uint64_t> producer_waiters_version;  // 40
  // Producer slots asleep on published_seq (waiting for an unfinished record).
  std::atomic<std::uint64_t> inflight_waiters;          // 48
  std::atomic<std::uint64_t> inflight_waiters_version;  // 56
  alignas(64) std::atomic<std::uint64_t> wake_calls;    // 64 futex wakes issued
  std::atomic<std::uint64_t> dead_waiters_cleared;      // 72 dead sleepers' bits cleared
  char pad[48];
};

// One per attached producer. Line 1 is read by readers deciding whether an
// unfinished claim can still be committed; line 2 is statistics.
struct alignas(64) ProducerSlot {
  std::atomic<std::uint64_t> state;                  //   0 kStateIdle/Claiming/Claimed|id
  std::atomic<std::int32_t> owner_pid;               //   8 0 = never used
  std::atomic<std::uint32_t> generation;             //  12 +1 per attach
  std::atomic<std::uint64_t> start_ticks;            //  16 owner's process start time
  char name[kSlotNameCapacity];                      //  24 NUL-terminated
  alignas(64) std::atomic<std::uint64_t> published;  //  64
  std::atomic<std::uint64_t> bytes;                  //  72
  std::atomic<std::uint64_t> backpressure_waits;     //  80
  std::atomic<std::uint64_t> abandoned;              //  88 own records lost
  std::atomic<std::int64_t> attached_ns;             //  96
  std::atomic<std::uint64_t> intent_pos;             // 104 start of the INTENT claim
  std::atomic<std::uint32_t> hold_claims;            // 112 1 = its claims are held
  char pad[12];
};

// One per attached subscriber. Line 1 is read by producers (durable gating)
// only when their cached minimum fails.
struct alignas(64) SubscriberSlot {
  std::atomic<std::uint64_t> next_id;                //   0 next id to read
  std::atomic<std::uint64_t> byte_pos;               //   8 all data before it is consumed
  std::atomic<std::uint32_t> durable;                //  16 1 = gates producers
  std::atomic<std::int32_t> owner_pid;               //  20 0 = free
  std::atomic<std::uint64_t> start_ticks;            //  24
  char name[kSlotNameCapacity - 8];                  //  32 NUL-terminated
  alignas(64) std::atomic<std::uint64_t> delivered;  //  64
  std::atomic<std::uint64_t> gaps;                   //  72 ids lost to laps
  std::atomic<std::uint64_t> abandoned_seen;         //  80
  std::atomic<std::uint64_t> corrupt_seen;           //  88
  std::atomic<std::int64_t> attached_ns;             //  96
  char pad[24];
};

// One per record id. Everything but `commit` and `claimant` is written by the
// claiming producer before it commits, and read by subscribers seqlock-style.
// `claimant` is stored by the claiming producer right after its claim, and
// by a reader that abandons the id when that store is missing.
struct alignas(64) IndexEntry {
  std::atomic<std::uint64_t> commit;    //  0 see CommittedValue/AbandonedValue
  std::uint64_t data_pos;               //  8 unwrapped byte position of the body
  std::uint32_t length;                 // 16 body bytes
  std::uint32_t crc32c;                 // 20 see RecordChecksum
  std::int64_t timestamp_ns;            // 24
  std::int64_t cause;                   // 32 -1 = none
  std::uint16_t type;                   // 40
  std::uint8_t source;                  // 42
  std::uint8_t flags;                   // 43 bit 0 hidden
  std::uint16_t producer_slot;          // 44
  std::uint16_t reserved;               // 46 kind: 0 inline body, 1 body file (body_file.h)
  std::atomic<std::uint64_t> claimant;  // 48 ClaimantValue(id, pid)
  char pad[8];                          // 56
};

// IndexEntry::crc32c covers everything a reader takes from the ring for a
// record: the body, then the record's id (8 bytes, the id the reader is at;
// not stored), the entry's data_pos and length (12 bytes at offset 8) and
// its 24 metadata bytes at offset 24 (timestamp .. reserved). A late write
// by a producer whose record was abandoned lands, if the ring moved on, in
// the entry of a newer id with its own id, position and length, so it fails
// the check (kCorrupt) instead of passing as the newer record.
inline constexpr std::size_t kChecksummedPlaceOffset = 8;
inline constexpr std::size_t kChecksummedPlaceBytes = 12;
inline constexpr std::size_t kChecksummedMetaOffset = 24;
inline constexpr std::size_t kChecksummedMetaBytes = 24;
inline std::uint32_t RecordChecksum(std::uint64_t id, const void* body, std::size_t length,
                                    const void* entry_bytes) noexcept {
  // One Extend over the 44 bytes after the body: the same CRC as three
  // (CRC32C of a concatenation), without paying the set-up three times.
  const auto* entry = static_cast<const char*>(entry_bytes);
  char tail[sizeof(id) + kChecksummedPlaceBytes + kChecksummedMetaBytes];
  std::memcpy(tail, &id, sizeof(id));
  std::memcpy(tail + sizeof(id), entry + kChecksummedPlaceOffset, kChecksummedPlaceBytes);
  std::memcpy(tail + sizeof(id) + kChecksummedPlaceBytes, entry + kChecksummedMetaOffset,
              kChecksummedMetaBytes);
  return crc32c::Extend(crc32c::Value(body, length), tail, sizeof(tail));
}

// Region offsets for given sizes; creator and attach compute the same.
struct RegionOffsets {
  std::uint64_t claim, wait, producers, subscribers, index, data, total;
};
constexpr RegionOffsets ComputeOffsets(std::uint64_t data_capacity, std::uint32_t index_slots) {
  RegionOffsets o{};
  o.claim = AlignUp(sizeof(SegmentHeader), kCacheLine);
  o.wait = o.claim + sizeof(ClaimWord);
  o.producers = o.wait + sizeof(WaitWord);
  o.subscribers = o.producers + sizeof(ProducerSlot) * kProducerSlots;
  o.index = o.subscribers + sizeof(SubscriberSlot) * kSubscriberSlots;
  o.data = AlignUp(o.index + sizeof(IndexEntry) * index_slots, 4096);
  o.total = o.data + data_capacity;
  return o;
}

#define EVBUS_SHM_STD_LAYOUT(T) \
  static_assert(std::is_standard_layout_v<T>, #T " must be standard-layout")
EVBUS_SHM_STD_LAYOUT(SegmentHeader);
EVBUS_SHM_STD_LAYOUT(ClaimWord);
EVBUS_SHM_STD_LAYOUT(WaitWord);
EVBUS_SHM_STD_LAYOUT(ProducerSlot);
EVBUS_SHM_STD_LAYOUT(SubscriberSlot);
EVBUS_SHM_STD_LAYOUT(IndexEntry);
#undef EVBUS_SHM_STD_LAYOUT

static_assert(std::atomic<std::uint64_t>::is_always_lock_free);
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);
static_assert(std::atomic<std::int64_t>::is_always_lock_free);
static_assert(std::atomic<std::int32_t>::is_always_lock_free);
static_assert(sizeof(std::atomic<std::uint64_t>) == 8 && sizeof(std::atomic<std::uint32_t>) == 4);

static_assert(sizeof(SegmentHeader) == 320 && alignof(SegmentHeader) == 64);
static_assert(offsetof(SegmentHeader, ready) == 100);
static_assert(offsetof(SegmentHeader, stream) == 128 && offsetof(SegmentHeader, user) == 200);
static_assert(offsetof(SegmentHeader, secrets_generation) == 272 &&
              offsetof(SegmentHeader, first_id) == 280 && offsetof(SegmentHeader, reserved) == 288);
static_assert(sizeof(ClaimWord) == 64 && offsetof(ClaimWord, tail) == 8);
static_assert(sizeof(WaitWord) == 128 && offsetof(WaitWord, waiters) == 16 &&
              offsetof(WaitWord, producer_waiters) == 32 &&
              offsetof(WaitWord, inflight_waiters) == 48 && offsetof(WaitWord, wake_calls) == 64);
static_assert(sizeof(ProducerSlot) == 128 && offsetof(ProducerSlot, published) == 64);
static_assert(sizeof(SubscriberSlot) == 128 && offsetof(SubscriberSlot, delivered) == 64);
static_assert(sizeof(IndexEntry) == 64 && offsetof(IndexEntry, timestamp_ns) == 24);
static_assert(offsetof(IndexEntry, producer_slot) == 44 && offsetof(IndexEntry, claimant) == 48);
static_assert(offsetof(IndexEntry, length) + sizeof(std::uint32_t) ==
              kChecksummedPlaceOffset + kChecksummedPlaceBytes);

}  // namespace evbus::shm

#endif  // EVBUS_SHM_LAYOUT_H_
