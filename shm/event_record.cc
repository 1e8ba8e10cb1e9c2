#include "shm/event_record.h"

#include <string>

namespace evbus {
namespace {

// What is wrong with a header PublishEvent could not have written; "" when
// nothing is (the common case allocates nothing).
std::string InvalidField(const shm::RecordMeta& meta) {
  if (!IsValidEventType(meta.type)) {
    return "event type " + std::to_string(meta.type) + ", which no registered class has";
  }
  if (!IsValidSource(static_cast<Source>(meta.source))) {
    return "source " + std::to_string(meta.source) + ", which is not a Source";
  }
  const auto unknown = static_cast<unsigned>(meta.flags & ~kKnownRecordFlags);
  if (unknown != 0) return "unknown flag bits " + std::to_string(unknown) + " (only 1, hidden)";
  return {};
}

}  // namespace

shm::RecordMeta RecordMetaFor(const Event& event) noexcept {
  shm::RecordMeta meta;
  meta.timestamp_ns = event.timestamp_ns.value_or(kNoTimestamp);
  meta.cause = event.cause.value_or(-1);
  meta.type = event.type;
  meta.source = static_cast<std::uint8_t>(event.source);
  meta.flags = event.hidden ? kRecordFlagHidden : std::uint8_t{0};
  return meta;
}

Result<EventMeta> EventMetaFromRecord(std::uint64_t id, const shm::RecordMeta& meta) {
  if (std::string why = InvalidField(meta); !why.empty()) {
    return Status::Corruption("ring record " + std::to_string(id) + " has " + why +
                              ": a broken or newer producer wrote it, or it was damaged under "
                              "a valid checksum; it is skipped");
  }
  EventMeta out;
  out.id = static_cast<std::int64_t>(id);
  if (meta.timestamp_ns != kNoTimestamp) out.timestamp_ns = meta.timestamp_ns;
  out.source = static_cast<Source>(meta.source);
  out.type = meta.type;
  out.hidden = (meta.flags & kRecordFlagHidden) != 0;
  return out;
}

void AppendEventJsonWithId(std::uint64_t id, std::string_view body, std::string* out) {
  out->append("{\"id\":");
  out->append(std::to_string(id));
  // body is "{}" or "{...}": keep everything after its opening brace.
  std::string_view rest = body.empty() ? std::string_view("}") : body.substr(1);
  if (rest != "}") out->push_back(',');
  out->append(rest);
}

std::string EventJsonWithId(std::uint64_t id, std::string_view body) {
  std::string out;
  out.reserve(body.size() + 24);
  AppendEventJsonWithId(id, body, &out);
  return out;
}

}  // namespace evbus
