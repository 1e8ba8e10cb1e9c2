#include "bridge/event_message.h"

#include <algorithm>
#include <charconv>
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

// A header value built in place: the decimal numbers and tags of one message
// without a heap allocation (natsMsgHeader_Set copies it).
class HeaderText {
 public:
  const char* c_str() {
    *end_ = '\0';
    return buf_;
  }
  bool empty() const { return end_ == buf_; }
  HeaderText& operator<<(std::int64_t v) { return Number(v); }
  HeaderText& operator<<(std::uint64_t v) { return Number(v); }
  HeaderText& operator<<(std::string_view text) {
    const std::size_t n = std::min<std::size_t>(text.size(), Room());
    end_ = std::copy_n(text.data(), n, end_);
    return *this;
  }

 private:
  template <typename T>
  HeaderText& Number(T v) {
    end_ = std::to_chars(end_, buf_ + sizeof(buf_) - 1, v).ptr;
    return *this;
  }
  std::size_t Room() const { return static_cast<std::size_t>(buf_ + sizeof(buf_) - 1 - end_); }

  char buf_[192];  // six numbers of Evbus-Meta: at most 6 * 21 characters
  char* end_ = buf_;
};

// The event's tag ("run", ...), or empty when the type is not registered.
std::string_view TypeTag(std::uint16_t type) {
  if (!IsValidEventType(type)) return {};
  return GetEventType(type).tag;
}

std::string_view SourceText(std::uint8_t source) {
  const auto s = static_cast<Source>(source);
  if (!IsValidSource(s) || s == Source::kNone) return {};
  return SourceName(s);
}

Status SetHeaders(natsMsg* msg, std::uint64_t id, const shm::RecordMeta& m,
                  std::uint64_t first_id) {
  const auto num = [](auto v) { return static_cast<std::int64_t>(v); };
  HeaderText values[6];
  values[0] << id;
  values[1] << TypeTag(m.type);
  values[2] << SourceText(m.source);
  values[3] << num(m.cause);
  values[4] << num(m.timestamp_ns);
  values[5] << num(m.timestamp_ns) << " " << num(m.cause) << " " << num(m.type) << " "
            << num(m.source) << " " << num(m.flags) << " " << first_id;
  static constexpr const char* kKeys[6] = {"Evbus-Id",    "Evbus-Type",      "Evbus-Source",
                                           "Evbus-Cause", "Evbus-Timestamp", "Evbus-Meta"};
  for (int i = 0; i < 6; ++i) {
    // An empty header value does not survive the wire: such a header is left out.
    if (values[i].empty()) continue;
    if (natsMsgHeader_Set(msg, kKeys[i], values[i].c_str()) != NATS_OK) {
      return Status::IOError(std::string("cannot set message header ") + kKeys[i]);
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
