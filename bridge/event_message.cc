#include "bridge/event_message.h"

#include <cstdint>
#include <cstdio>
#include <memory>

#include "bridge/jetstream_subject.h"
#include "core/event.h"
#include "core/event_types.h"

namespace evbus::bridge {
namespace {

struct MsgDeleter {
  void operator()(natsMsg* m) const { natsMsg_Destroy(m); }
};

std::string TypeTag(std::uint16_t type) {
  if (!IsValidEventType(type)) return "";
  return std::string(GetEventType(type).tag);
}

std::string SourceText(std::uint8_t source) {
  const auto s = static_cast<Source>(source);
  if (!IsValidSource(s) || s == Source::kNone) return "";
  return std::string(SourceName(s));
}

Status SetHeaders(natsMsg* msg, std::uint64_t id, const shm::RecordMeta& m,
                  std::uint64_t first_id) {
  const std::string meta = std::to_string(m.timestamp_ns) + " " + std::to_string(m.cause) + " " +
                           std::to_string(m.type) + " " + std::to_string(m.source) + " " +
                           std::to_string(m.flags) + " " + std::to_string(first_id);
  const std::pair<const char*, std::string> headers[] = {
      {"Evbus-Id", std::to_string(id)},
      {"Evbus-Type", TypeTag(m.type)},
      {"Evbus-Source", SourceText(m.source)},
      {"Evbus-Cause", std::to_string(m.cause)},
      {"Evbus-Timestamp", std::to_string(m.timestamp_ns)},
      {"Evbus-Meta", meta},
  };
  for (const auto& [key, value] : headers) {
    // An empty header value does not survive the wire: such a header is left out.
    if (value.empty()) continue;
    if (natsMsgHeader_Set(msg, key, value.c_str()) != NATS_OK) {
      return Status::IOError(std::string("cannot set message header ") + key);
    }
  }
  return Status::OK();
}

// The sixth number of an Evbus-Meta value, or -1 when absent or malformed.
std::int64_t FirstIdOf(const char* meta) {
  long long fields[6];
  unsigned long long first = 0;
  if (std::sscanf(meta, "%lld %lld %lld %lld %lld %llu", &fields[0], &fields[1], &fields[2],
                  &fields[3], &fields[4], &first) != 6 ||
      first > static_cast<unsigned long long>(INT64_MAX)) {
    return -1;
  }
  return static_cast<std::int64_t>(first);
}

}  // namespace

Result<natsMsg*> MakeEventMessage(const std::string& subject, std::uint64_t id,
                                  const shm::Record* record, std::uint64_t first_id) {
  natsMsg* raw = nullptr;
  const std::string_view body = record != nullptr ? record->body : std::string_view();
  if (natsMsg_Create(&raw, subject.c_str(), nullptr, body.data(), static_cast<int>(body.size())) !=
      NATS_OK) {
    return Status::IOError("cannot allocate a NATS message for event " + std::to_string(id));
  }
  std::unique_ptr<natsMsg, MsgDeleter> msg(raw);
  if (record != nullptr) {
    EVBUS_RETURN_IF_ERROR(SetHeaders(msg.get(), id, record->meta, first_id));
  } else {
    const std::string meta = "0 -1 0 0 0 " + std::to_string(first_id);
    if (natsMsgHeader_Set(msg.get(), "Evbus-Id", std::to_string(id).c_str()) != NATS_OK ||
        natsMsgHeader_Set(msg.get(), "Evbus-Missing", "abandoned") != NATS_OK ||
        natsMsgHeader_Set(msg.get(), "Evbus-Meta", meta.c_str()) != NATS_OK) {
      return Status::IOError("cannot set the headers of marker " + std::to_string(id));
    }
  }
  return msg.release();
}

Result<ReceivedEvent> ParseEventMessage(natsMsg* msg) {
  ReceivedEvent ev;
  EVBUS_ASSIGN_OR_RETURN(ev.id, EvbusIdOf(msg));
  const char* value = nullptr;
  if (natsMsgHeader_Get(msg, "Evbus-Missing", &value) == NATS_OK && value != nullptr) {
    ev.missing = true;
    if (natsMsgHeader_Get(msg, "Evbus-Meta", &value) == NATS_OK && value != nullptr) {
      ev.first_id = FirstIdOf(value);
    }
    return ev;
  }
  if (natsMsgHeader_Get(msg, "Evbus-Meta", &value) != NATS_OK || value == nullptr) {
    return Status::InvalidArgument("event " + std::to_string(ev.id) +
                                   " has no Evbus-Meta header: it was not published by evbus "
                                   "bridge out");
  }
  long long ts = 0, cause = 0;
  unsigned type = 0, source = 0, flags = 0;
  if (std::sscanf(value, "%lld %lld %u %u %u", &ts, &cause, &type, &source, &flags) != 5 ||
      type > 0xFFFF || source > 0xFF || flags > 0xFF) {
    return Status::InvalidArgument("event " + std::to_string(ev.id) +
                                   " has a malformed Evbus-Meta \"" + value + "\"");
  }
  ev.meta.timestamp_ns = ts;
  ev.meta.cause = cause;
  ev.meta.type = static_cast<std::uint16_t>(type);
  ev.meta.source = static_cast<std::uint8_t>(source);
  ev.meta.flags = static_cast<std::uint8_t>(flags);
  ev.first_id = FirstIdOf(value);
  ev.body =
      std::string_view(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
  return ev;
}

}  // namespace evbus::bridge
