#include "bridge/event_message.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <memory>

#include "bridge/jetstream_subject.h"
#include "core/event.h"
#include "core/event_types.h"

#if EVBUS_NATS_RAW_HEADERS
// nats.c makes every message it receives with this function: the first
// `hdrLen` bytes of `buf` are the encoded headers, kept as bytes until a
// header is read, and sent as they are when the message is published (the
// path nats.c keeps for a received message published again). libnats exports
// it but nats.h does not declare it; the signature is the same from nats.c 2.2
// to 3.9, and CMakeLists.txt defines EVBUS_NATS_RAW_HEADERS only where this
// declaration compiles and links.
extern "C" natsStatus natsMsg_create(natsMsg** newMsg, const char* subject, int subjLen,
                                     const char* reply, int replyLen, const char* buf, int bufLen,
                                     int hdrLen);
#endif

namespace evbus::bridge {
namespace {

// A header value built in place: the decimal numbers and tags of one message
// without a heap allocation (the message takes a copy).
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

// One header of a message being built: an empty value is left out (it
// does not survive the wire).
struct Header {
  const char* key;
  std::string_view value;
};

#if EVBUS_NATS_RAW_HEADERS
// Writes the headers as NATS encodes them ("NATS/1.0\r\n", "Key: value\r\n"
// each, "\r\n"), with CR and LF in a value made spaces as nats.c does.
void EncodeHeaders(const Header* headers, int count, std::string* out) {
  out->append("NATS/1.0\r\n");
  for (int i = 0; i < count; ++i) {
    if (headers[i].value.empty()) continue;
    out->append(headers[i].key).append(": ");
    const std::size_t at = out->size();
    out->append(headers[i].value);
    std::replace_if(
        out->begin() + static_cast<std::ptrdiff_t>(at), out->end(),
        [](char c) { return c == '\r' || c == '\n'; }, ' ');
    out->append("\r\n");
  }
  out->append("\r\n");
}
#endif

// A message on `subject` with `headers` and `body`. With the encoded-bytes
// constructor (see natsMsg_create above) one allocation and no header map;
// otherwise nats.c's header API.
Status BuildMessage(const std::string& subject, const Header* headers, int count,
                    std::string_view body, natsMsg** out) {
  if (subject.empty()) return Status::InvalidArgument("a NATS message needs a subject");
#if EVBUS_NATS_RAW_HEADERS
  thread_local std::string wire;  // kept across calls: no allocation once grown
  wire.clear();
  EncodeHeaders(headers, count, &wire);
  const int header_len = static_cast<int>(wire.size());
  wire.append(body);
  if (natsMsg_create(out, subject.data(), static_cast<int>(subject.size()), nullptr, 0, wire.data(),
                     static_cast<int>(wire.size()), header_len) != NATS_OK) {
    return Status::IOError("cannot allocate a NATS message on " + subject);
  }
#else
  if (natsMsg_Create(out, subject.c_str(), nullptr, body.data(), static_cast<int>(body.size())) !=
      NATS_OK) {
    return Status::IOError("cannot allocate a NATS message on " + subject);
  }
  for (int i = 0; i < count; ++i) {
    if (headers[i].value.empty()) continue;
    if (natsMsgHeader_Set(*out, headers[i].key, std::string(headers[i].value).c_str()) != NATS_OK) {
      natsMsg_Destroy(*out);
      *out = nullptr;
      return Status::IOError(std::string("cannot set message header ") + headers[i].key);
    }
  }
#endif
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
                                  const shm::Record* record, std::uint64_t first_id,
                                  std::string_view msg_id) {
  const auto num = [](auto v) { return static_cast<std::int64_t>(v); };
  HeaderText id_text, meta, cause, timestamp;
  id_text << id;
  Header headers[7];
  int count = 0;
  headers[count++] = {"Evbus-Id", std::string_view(id_text.c_str())};
  if (record != nullptr) {
    const shm::RecordMeta& m = record->meta;
    cause << num(m.cause);
    timestamp << num(m.timestamp_ns);
    meta << num(m.timestamp_ns) << " " << num(m.cause) << " " << num(m.type) << " " << num(m.source)
         << " " << num(m.flags) << " " << first_id;
    headers[count++] = {"Evbus-Type", TypeTag(m.type)};
    headers[count++] = {"Evbus-Source", SourceText(m.source)};
    headers[count++] = {"Evbus-Cause", std::string_view(cause.c_str())};
    headers[count++] = {"Evbus-Timestamp", std::string_view(timestamp.c_str())};
  } else {
    meta << "0 -1 0 0 0 " << first_id;
    headers[count++] = {"Evbus-Missing", "abandoned"};
  }
  headers[count++] = {"Evbus-Meta", std::string_view(meta.c_str())};
  headers[count++] = {"Nats-Msg-Id", msg_id};
  natsMsg* msg = nullptr;
  const std::string_view body = record != nullptr ? record->body : std::string_view();
  const Status built = BuildMessage(subject, headers, count, body, &msg);
  if (!built.ok()) {
    return Status::IOError("cannot build the NATS message of event " + std::to_string(id) + ": " +
                           built.message());
  }
  return msg;
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
