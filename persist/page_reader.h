// Reading page files: verify every record, build the id -> offset index, and
// report whatever does not check out (file, offset, bytes dropped, why), the
// way leveldb's log::Reader::Reporter does. Nothing is skipped silently.
//
// A sealed page is read through its footer; an unsealed (active) page, or a
// sealed one whose footer fails its CRC, is scanned record by record. At the
// first bad record a scan either stops (the default) or, with
// continue_past_corruption, resynchronises on the next 8-byte boundary where
// a record with a valid CRC and a higher id begins.
//
// Thread safety: ParsePage is a pure function; a Reporter is called on the
// caller's thread.
#ifndef EVBUS_PERSIST_PAGE_READER_H_
#define EVBUS_PERSIST_PAGE_READER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "persist/page_codec.h"
#include "persist/page_format.h"

namespace evbus::persist {

// Told about every byte range a reader could not use.
class Reporter {
 public:
  virtual ~Reporter() = default;
  // `bytes` bytes from `offset` in `file` were dropped because of `reason`.
  virtual void Corruption(const std::string& file, std::uint64_t offset, std::uint64_t bytes,
                          const Status& reason) = 0;
};

struct PageReadOptions {
  bool continue_past_corruption = false;
  // Id the first record must have (the page file's name says it); with the
  // header unreadable, continue_past_corruption reads on from this id.
  std::uint64_t expected_first_id = 0;
};

// A verified page: which records are good and where they are.
struct ParsedPage {
  std::uint64_t first_id = 0;
  bool sealed = false;          // a valid footer closes the file
  bool clean = true;            // nothing was reported
  std::uint64_t valid_end = 0;  // end of the last good record (records area only)
  // offsets[i] is the record of id first_id + i, or 0 when that id was lost
  // to corruption (only with continue_past_corruption). ParsePage never
  // leaves the last entry 0; the store may zero any entry afterwards, for a
  // record whose event fields it refuses (persist/record_convert.h).
  std::vector<std::uint32_t> offsets;

  std::uint64_t next_id() const { return first_id + offsets.size(); }
  std::size_t record_count() const { return offsets.size(); }
};

// Verifies `bytes`, the whole content of page file `file`. Problems go to
// `reporter` (may be null). Returns Corruption only when nothing at all can
// be read (bad header and not continuing).
Result<ParsedPage> ParsePage(const std::string& file, std::string_view bytes,
                             const PageReadOptions& options, Reporter* reporter);

// The record at `offset` of a page image that ParsePage accepted.
DecodedRecord RecordAt(std::string_view bytes, std::uint32_t offset) noexcept;

}  // namespace evbus::persist

#endif  // EVBUS_PERSIST_PAGE_READER_H_
