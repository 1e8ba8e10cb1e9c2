// The JetStream side of a bridge: the stream that stores a subject (checked
// or created), and what the server already holds of the subject (its
// Evbus-Id headers), read with an ordered, headers-only consumer.
// See docs/multi-host.md ("Exactly once, out").
#ifndef EVBUS_BRIDGE_JETSTREAM_SUBJECT_H_
#define EVBUS_BRIDGE_JETSTREAM_SUBJECT_H_

#include <cstdint>
#include <set>
#include <string>

#include "base/status.h"
#include "bridge/nats_connect.h"

namespace evbus::bridge {

struct StreamSpec {
  std::string name = "EVBUS";
  std::string subject_prefix = "evbus";
  bool create = false;                        // create the stream when missing
  std::int64_t replicas = 1;                  // when created
  std::int64_t duplicate_window_ms = 120000;  // when created
};

// "<prefix>.<user or _>.<sid>".
std::string SubjectFor(const std::string& prefix, const std::string& user,
                       const std::string& session_id);
// "<user or _>:<sid>:": event <id>'s JetStream message id (Nats-Msg-Id) is
// this prefix followed by the id in decimal.
std::string MessageIdPrefix(const std::string& user, const std::string& session_id);

// Checks that stream `spec.name` exists and stores `subject`; creates it
// (subjects "<prefix>.>") when missing and spec.create. One-line errors:
// missing without create, subject taken by another stream, subject not
// covered by the named stream.
Status EnsureStream(NatsLink* link, const StreamSpec& spec, const std::string& subject);

// What the server holds of a subject.
struct SubjectIds {
  bool empty = true;
  std::uint64_t max_id = 0;        // the highest Evbus-Id (when !empty)
  std::set<std::uint64_t> recent;  // ids in (max_id - window, max_id]
  std::uint64_t messages = 0;
};
Result<SubjectIds> ScanSubject(NatsLink* link, const std::string& stream,
                               const std::string& subject, std::uint64_t window);

// The stream sequence of the last message `stream` holds on `subject`; 0
// when it holds none (stream sequences start at 1).
Result<std::uint64_t> LastSequenceOf(NatsLink* link, const std::string& stream,
                                     const std::string& subject);

// The Evbus-Id header of `msg`; InvalidArgument if missing or malformed.
Result<std::uint64_t> EvbusIdOf(natsMsg* msg);

}  // namespace evbus::bridge

#endif  // EVBUS_BRIDGE_JETSTREAM_SUBJECT_H_
