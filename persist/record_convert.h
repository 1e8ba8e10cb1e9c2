// Conversions into a page record's metadata: from an Event (imports, tests)
// and from a ring record (the persister). Both keep "no timestamp" and "no
// cause" distinct from any real value. And the check a stored record's event
// fields get before a reader trusts them.
//
// Thread safety: pure functions.
#ifndef EVBUS_PERSIST_RECORD_CONVERT_H_
#define EVBUS_PERSIST_RECORD_CONVERT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "core/event.h"
#include "persist/page_format.h"
#include "persist/page_reader.h"
#include "shm/record.h"

namespace evbus::persist {

// The record metadata of `event` stored under `id` (event.id is not read).
// StoreWriter::Append refuses it when ValidateEvent(event) fails.
RecordMeta RecordMetaFromEvent(std::uint64_t id, const Event& event) noexcept;

// The record metadata of ring record `id`, whose header passed
// EventMetaFromRecord (shm/event_record.h): the persister stores a record
// that fails it as missing, with why, and never converts it.
RecordMeta RecordMetaFromRing(std::uint64_t id, const shm::RecordMeta& ring) noexcept;

// OK for an abandoned record and for an event whose type is registered,
// whose source is a Source and whose flags are known; otherwise
// InvalidArgument naming the id, the field and its value. StoreWriter::Append
// refuses such a record, so on the read path a failure means a foreign or
// damaged page under a valid CRC.
Status CheckStoredEventFields(const RecordMeta& meta);

// Drops every record of `page`, a ParsePage result over `bytes`, that fails
// CheckStoredEventFields: its offset becomes 0, as for a record lost to
// corruption, so searches skip it and a get says it is damaged. Each is
// reported to `reporter` (may be null) with its id and why.
void DropInvalidEventRecords(const std::string& file, std::string_view bytes, ParsedPage* page,
                             Reporter* reporter);

}  // namespace evbus::persist

#endif  // EVBUS_PERSIST_RECORD_CONVERT_H_
