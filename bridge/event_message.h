// One evbus record as a JetStream message and back: the body is the event's
// JSON as it is in the ring (already redacted), the headers carry what a
// consumer filters on without parsing it. See docs/multi-host.md.
//
//   Evbus-Id        decimal event id
//   Evbus-Type      the event's tag ("run", "read", ...); absent if not registered
//   Evbus-Source    agent | user | environment; absent when none
//   Evbus-Cause     decimal, -1 = none
//   Evbus-Timestamp decimal ns since the epoch
//   Evbus-Meta      "<timestamp_ns> <cause> <type> <source> <flags> <first>":
//                   the record header's numbers, so bridge in restores it
//                   exactly, and the origin segment's first id, where bridge
//                   in starts a new segment (JetStream may store a later id
//                   first: resends after a node fault). Markers carry it too.
//                   Older bridges sent the first five only.
//   Evbus-Missing   "abandoned": the origin has no event at this id (no body)
//   Nats-Msg-Id     the JetStream message id, when given
#ifndef EVBUS_BRIDGE_EVENT_MESSAGE_H_
#define EVBUS_BRIDGE_EVENT_MESSAGE_H_

#include <nats/nats.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "shm/record.h"

namespace evbus::bridge {

// A message built for publishing; the caller owns it (natsMsg_Destroy, or
// hands it to js_PublishMsgAsync). `record == nullptr`: a missing-id marker.
// `first_id`: the origin segment's first id. `msg_id`: its Nats-Msg-Id
// (empty: none). The headers are encoded here, once, where nats.c allows it
// (docs/multi-host.md, "The message"): add none afterwards, which would make
// nats.c parse them back into its header map.
Result<natsMsg*> MakeEventMessage(const std::string& subject, std::uint64_t id,
                                  const shm::Record* record, std::uint64_t first_id,
                                  std::string_view msg_id = {});

struct ReceivedEvent {
  std::uint64_t id = 0;
  bool missing = false;        // an Evbus-Missing marker
  std::int64_t first_id = -1;  // the origin's first id; -1: not sent (older bridge)
  shm::RecordMeta meta;
  std::string_view body;  // valid while the message lives
};

// Parses a received message's headers; InvalidArgument names what is wrong.
Result<ReceivedEvent> ParseEventMessage(natsMsg* msg);

}  // namespace evbus::bridge

#endif  // EVBUS_BRIDGE_EVENT_MESSAGE_H_
