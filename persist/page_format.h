// The on-disk layout of evbus page files and of the CHECKPOINT file: the one
// header that the page writer, the page reader and the store all use. The
// prose spec, with grammar, edge rules and a worked example, is
// docs/page_format.md; change both together.
//
// All integers are little-endian and unaligned reads go through memcpy.
//
// Page file  (pages/<first_id as 20 digits>.evp)
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +---------------------------------------------------------------+
//   |                    magic "EVBUSPG1" (8 bytes)                 |
//   +-------------------------------+-------------------------------+
//   |          version u32          |        header_size u32        |
//   +-------------------------------+-------------------------------+
//   |                          first_id u64                         |
//   +-------------------------------+-------------------------------+
//   |         reserved u32 (0)      |   masked crc32c of [0, 28)    |
//   +-------------------------------+-------------------------------+
//   |  record  |  record  | ... (each 8-byte aligned)               |
//   +---------------------------------------------------------------+
//   |  footer, only on a sealed page                                |
//   +---------------------------------------------------------------+
//
// Record (kRecordHeaderSize bytes of header, then body, then zero padding to 8)
//
//   +-------------------------------+-------------------------------+
//   | masked crc32c of [4, end) u32 |        body length u32        |
//   +-------------------------------+-------------------------------+
//   |                             id u64                            |
//   +---------------------------------------------------------------+
//   |                       timestamp_ns i64                        |
//   +---------------------------------------------------------------+
//   |                cause i64 (kNoCause = no cause)                |
//   +---------------+-------+-------+-------------------------------+
//   |   type u16    |src u8 |flag u8|  missing u32 (0 on an event)  |
//   +---------------+-------+-------+-------------------------------+
//   |  body: the event's JSON text (empty when abandoned) ...       |
//   |  ... zero padding to the next multiple of 8                   |
//   +---------------------------------------------------------------+
//   The crc covers everything after itself up to the padded end.
//   missing, on an abandoned record: why its id has no event (bits 24..31,
//   MissingReason) and the pid of the producer that abandoned it (bits
//   0..23; 0 = not known). Pages written before it was recorded hold 0.
//
// Footer of a sealed page (ids in a page are dense: one offset per id)
//
//   +---------------------------------------------------------------+
//   |  record_count x u32: file offset of the record for first_id+i |
//   +---------------------------------------------------------------+
//   |                          last_id u64                          |
//   +-------------------------------+-------------------------------+
//   |        record_count u32       |        index_offset u32       |
//   +-------------------------------+-------------------------------+
//   |  masked crc32c of index+16 B  |         reserved u32 (0)      |
//   +-------------------------------+-------------------------------+
//   |                     seal magic "EVBUSEND"                     |
//   +---------------------------------------------------------------+
#ifndef EVBUS_PERSIST_PAGE_FORMAT_H_
#define EVBUS_PERSIST_PAGE_FORMAT_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace evbus::persist {

// ---- page file header ----
inline constexpr std::string_view kPageMagic = "EVBUSPG1";
inline constexpr std::uint32_t kPageVersion = 1;
inline constexpr std::size_t kFileHeaderSize = 32;
inline constexpr std::size_t kFileHeaderVersionOffset = 8;
inline constexpr std::size_t kFileHeaderSizeOffset = 12;
inline constexpr std::size_t kFileHeaderFirstIdOffset = 16;
inline constexpr std::size_t kFileHeaderCrcOffset = 28;

// ---- record ----
inline constexpr std::size_t kRecordHeaderSize = 40;
inline constexpr std::size_t kRecordLengthOffset = 4;
inline constexpr std::size_t kRecordIdOffset = 8;
inline constexpr std::size_t kRecordTimestampOffset = 16;
inline constexpr std::size_t kRecordCauseOffset = 24;
inline constexpr std::size_t kRecordTypeOffset = 32;
inline constexpr std::size_t kRecordSourceOffset = 34;
inline constexpr std::size_t kRecordFlagsOffset = 35;
inline constexpr std::size_t kRecordMissingOffset = 36;
inline constexpr std::size_t kRecordAlignment = 8;
inline constexpr std::int64_t kNoCause = -1;

inline constexpr std::uint8_t kFlagHidden = 1u << 0;        // args.hidden / extras.hidden
inline constexpr std::uint8_t kFlagAbandoned = 1u << 1;     // id recorded as missing, body empty
inline constexpr std::uint8_t kFlagHasTimestamp = 1u << 2;  // timestamp_ns is meaningful
inline constexpr std::uint8_t kKnownFlags = kFlagHidden | kFlagAbandoned | kFlagHasTimestamp;

// ---- footer trailer (fixed size, at the very end of a sealed page) ----
inline constexpr std::size_t kTrailerSize = 32;
inline constexpr std::size_t kTrailerLastIdOffset = 0;
inline constexpr std::size_t kTrailerCountOffset = 8;
inline constexpr std::size_t kTrailerIndexOffsetOffset = 12;
inline constexpr std::size_t kTrailerCrcOffset = 16;
inline constexpr std::size_t kTrailerMagicOffset = 24;
inline constexpr std::string_view kSealMagic = "EVBUSEND";

// ---- page bounds ----
inline constexpr std::uint64_t kDefaultMaxPageBytes = 4u << 20;
inline constexpr std::uint32_t kDefaultMaxPageRecords = 1u << 20;
inline constexpr std::uint64_t kMaxPageBytesLimit = 1u << 30;  // offsets are u32
inline constexpr std::uint32_t kMaxBodyBytes = 256u << 20;     // sanity bound on "length"

// ---- CHECKPOINT file ----
//   magic "EVBUSCP1" | durable_next_id u64 | page_first_id u64 | page_end u32 | masked crc u32
inline constexpr std::string_view kCheckpointMagic = "EVBUSCP1";
inline constexpr std::size_t kCheckpointSize = 32;

// ---- directory layout inside a stream's store directory ----
inline constexpr std::string_view kEvbusDirName = "evbus";
inline constexpr std::string_view kPagesDirName = "pages";
inline constexpr std::string_view kCheckpointFileName = "CHECKPOINT";
inline constexpr std::string_view kLockFileName = "LOCK";
inline constexpr std::string_view kPageFileSuffix = ".evp";
// pages/SPARE: an empty file made ahead of time by the store writer and
// renamed to the next page's name at a seal, so that no file is created on
// the append path. Not a page: readers ignore it, recovery removes it.
inline constexpr std::string_view kSpareFileName = "SPARE";
inline constexpr std::size_t kPageFileIdDigits = 20;

// Why an abandoned record's id has no event (the top byte of `missing`).
enum class MissingReason : std::uint8_t {
  kUnknown = 0,      // not recorded (a page written before the reason was)
  kAbandoned = 1,    // its producer died, or stalled past the abandon timeout,
                     // between claiming the id and committing it
  kOverwritten = 2,  // the ring overwrote it before the persister stored it
  kCorrupt = 3,      // it failed its check in the ring
  kNotImported = 4,  // an import found no event with that id
};
inline constexpr std::uint8_t kMaxMissingReason = 4;
// Linux pids are below 2^22 (PID_MAX_LIMIT), so 24 bits hold any of them.
inline constexpr std::uint32_t kMissingPidMask = 0x00FFFFFFu;
constexpr std::uint32_t EncodeMissing(MissingReason reason, std::int32_t producer_pid) {
  const auto pid = producer_pid > 0 ? static_cast<std::uint32_t>(producer_pid) : 0u;
  return (std::uint32_t{static_cast<std::uint8_t>(reason)} << 24) |
         (pid <= kMissingPidMask ? pid : 0u);
}

// The fixed fields of one record, decoded (see the record diagram above).
struct RecordMeta {
  std::uint64_t id = 0;
  std::int64_t timestamp_ns = 0;  // meaningful only with kFlagHasTimestamp
  std::int64_t cause = kNoCause;
  std::uint16_t type = 0xFFFF;  // EventTypeId; 0xFFFF for an abandoned id
  std::uint8_t source = 0;      // evbus::Source
  std::uint8_t flags = 0;
  std::uint32_t missing = 0;  // abandoned records: EncodeMissing(reason, pid); else 0

  bool hidden() const { return (flags & kFlagHidden) != 0; }
  bool abandoned() const { return (flags & kFlagAbandoned) != 0; }
  // Of an abandoned record; kUnknown for a value this build does not know.
  MissingReason missing_reason() const {
    const auto reason = static_cast<std::uint8_t>(missing >> 24);
    return reason <= kMaxMissingReason ? static_cast<MissingReason>(reason)
                                       : MissingReason::kUnknown;
  }
  std::int32_t producer_pid() const { return static_cast<std::int32_t>(missing & kMissingPidMask); }
  bool has_timestamp() const { return (flags & kFlagHasTimestamp) != 0; }
};

// Bytes a record with a body of `body_length` occupies, padding included.
constexpr std::size_t PaddedRecordSize(std::size_t body_length) {
  return (kRecordHeaderSize + body_length + kRecordAlignment - 1) & ~(kRecordAlignment - 1);
}

// leveldb's CRC masking: a CRC stored next to data that is itself CRC'd
// (a page copied into another record) must not look like a valid CRC.
inline constexpr std::uint32_t kCrcMaskDelta = 0xa282ead8u;
constexpr std::uint32_t MaskCrc(std::uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + kCrcMaskDelta;
}
constexpr std::uint32_t UnmaskCrc(std::uint32_t masked) {
  const std::uint32_t rot = masked - kCrcMaskDelta;
  return (rot >> 17) | (rot << 15);
}

// Little-endian fixed-width codecs (the project targets little-endian hosts;
// the static_assert keeps a big-endian port from silently writing other bytes).
static_assert(std::endian::native == std::endian::little,
              "page format codecs assume little-endian");
template <typename T>
inline void EncodeFixed(char* dst, T value) {
  std::memcpy(dst, &value, sizeof(T));
}
template <typename T>
inline T DecodeFixed(const char* src) {
  T value;
  std::memcpy(&value, src, sizeof(T));
  return value;
}

}  // namespace evbus::persist

#endif  // EVBUS_PERSIST_PAGE_FORMAT_H_
