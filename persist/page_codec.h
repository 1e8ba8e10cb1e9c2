// Encoding and decoding of the pieces of a page file and of the CHECKPOINT
// file, exactly as persist/page_format.h lays them out. Pure functions over
// bytes: no I/O, so the writer, the reader, the store and the tests share one
// definition of every check.
//
// Thread safety: stateless; any thread.
#ifndef EVBUS_PERSIST_PAGE_CODEC_H_
#define EVBUS_PERSIST_PAGE_CODEC_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "persist/page_format.h"

namespace evbus::persist {

// The masked CRC32C the format stores for `data`.
std::uint32_t MaskedCrc(std::string_view data) noexcept;

void AppendFileHeader(std::uint64_t first_id, std::string* out);
// `bytes` starts at file offset 0. Corruption says which check failed.
Result<std::uint64_t> DecodeFileHeader(std::string_view bytes);

// Appends header + body + zero padding, with the CRC filled in.
void AppendRecord(const RecordMeta& meta, std::string_view body, std::string* out);

enum class RecordCheck : std::uint8_t {
  kOk,
  kTruncated,  // fewer bytes left than the header or the length needs
  kBadLength,  // length beyond kMaxBodyBytes
  kBadCrc,     // checksum mismatch
  kBadFlags,   // unknown flag bits or non-zero reserved bytes under a valid CRC
};
std::string_view RecordCheckName(RecordCheck check);

struct DecodedRecord {
  RecordMeta meta;
  std::string_view body;  // points into the decoded bytes
  std::size_t size = 0;   // padded size: the next record starts this far on
};
// `bytes` starts at a record boundary and runs to the end of the data.
RecordCheck DecodeRecord(std::string_view bytes, DecodedRecord* out) noexcept;

// The fields of a record that DecodeRecord already accepted (no checks).
DecodedRecord DecodeVerifiedRecord(std::string_view bytes) noexcept;

// Appends the id index and the trailer that seal a page. `offsets[i]` is the
// file offset of id first_id + i; `index_offset` is where the footer begins.
void AppendFooter(std::uint64_t last_id, std::span<const std::uint32_t> offsets,
                  std::uint32_t index_offset, std::string* out);

struct PageFooter {
  std::uint64_t last_id = 0;
  std::uint32_t index_offset = 0;  // end of the records, start of the footer
  std::vector<std::uint32_t> offsets;
};
// `tail` is the last bytes of a file of `file_size` bytes, at least the whole
// footer when there is one. True when a valid footer closes the file.
bool DecodeFooter(std::string_view tail, std::uint64_t file_size, std::uint64_t first_id,
                  PageFooter* out);
// Bytes of the footer (index + trailer) a trailer announces, or 0 when the
// last kTrailerSize bytes of a file are not a trailer.
std::size_t FooterSizeFromTrailer(std::string_view trailer);

// What the CHECKPOINT file says: ids [0, durable_next_id) are durable, and
// the last durable byte of the newest page ends at page_end.
struct Checkpoint {
  std::uint64_t durable_next_id = 0;
  std::uint64_t page_first_id = 0;
  std::uint32_t page_end = 0;
  friend bool operator==(const Checkpoint&, const Checkpoint&) = default;
};
std::string EncodeCheckpoint(const Checkpoint& checkpoint);
Result<Checkpoint> DecodeCheckpoint(std::string_view bytes);

// "00000000000000000042.evp" for first id 42; and back (false if not a page name).
std::string PageFileName(std::uint64_t first_id);
bool ParsePageFileName(std::string_view name, std::uint64_t* first_id);

}  // namespace evbus::persist

#endif  // EVBUS_PERSIST_PAGE_CODEC_H_
