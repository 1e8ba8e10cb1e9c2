#include "persist/missing_record.h"

namespace evbus::persist {

std::string MissingCause(MissingReason reason, std::int32_t producer_pid) {
  switch (reason) {
    case MissingReason::kAbandoned:
      return "abandoned by producer " +
             (producer_pid > 0 ? "pid " + std::to_string(producer_pid) : "(pid not known)") +
             " (it died, or stalled past the abandon timeout, between claiming the id and "
             "committing it)";
    case MissingReason::kOverwritten:
      return "overwritten in the ring before the persister stored it (the persister was not "
             "running or fell a whole ring behind)";
    case MissingReason::kCorrupt:
      return "found damaged in the ring (it failed its record check) and not stored";
    case MissingReason::kNotImported:
      return "absent from the OpenHands files it was imported from";
    case MissingReason::kUnknown:
      break;
  }
  return "abandoned by its producer or lost before it was stored (this store was written "
         "before evbus recorded which, or by whom)";
}

std::string DescribeMissingEvent(std::uint64_t id, const RecordMeta& meta) {
  return "event " + std::to_string(id) + " is missing: it was " +
         MissingCause(meta.missing_reason(), meta.producer_pid());
}

}  // namespace evbus::persist
