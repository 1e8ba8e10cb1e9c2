// A bridge's status, as `evbus bridge status` and `evbus inspect` show it:
// a small JSON file per bridge, <TMPDIR or /tmp>/evbus-bridge/<segment
// name>.<role>.json (0600), replaced atomically (write beside, rename).
// Never holds credentials: the server is a DisplayUrl.
#ifndef EVBUS_BRIDGE_BRIDGE_STATUS_H_
#define EVBUS_BRIDGE_BRIDGE_STATUS_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace evbus::bridge {

struct BridgeStatus {
  std::string role;     // "out" or "in"
  std::string stream;   // local session id
  std::string user;     // local user id ("" = none)
  std::string server;   // NATS URL without credentials
  std::string subject;  // JetStream subject
  std::string state;    // "running", "waiting for NATS at ...", "stopped"
  pid_t pid = 0;
  std::int64_t acknowledged_id = -1;  // out: acked by JetStream; in: written locally
  std::uint64_t head = 0;             // out: ring head (next id); in: origin's last seen id + 1
  std::uint64_t in_flight = 0;        // out: unacked messages; in: held out of order
  std::uint64_t window = 0;
  std::uint64_t reconnects = 0;
  std::uint64_t forwarded = 0;  // messages published / events written
  std::uint64_t lost = 0;       // ids reported missing
  std::uint64_t lag() const {
    const auto acked_next = static_cast<std::uint64_t>(acknowledged_id + 1);
    return head > acked_next ? head - acked_next : 0;
  }
};

// The status file's path for a stream's bridge of `role`.
std::string BridgeStatusPath(const std::string& stream, const std::string& user,
                             const std::string& role);

Status WriteBridgeStatus(const BridgeStatus& status);
Result<BridgeStatus> ReadBridgeStatus(const std::string& path);
// Every bridge status file of the stream (both roles, any present).
std::vector<BridgeStatus> ReadBridgeStatuses(const std::string& stream, const std::string& user);

std::string BridgeStatusJson(const BridgeStatus& status);

}  // namespace evbus::bridge

#endif  // EVBUS_BRIDGE_BRIDGE_STATUS_H_
