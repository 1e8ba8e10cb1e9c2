#include "stream/subscriber_id.h"

#include <string>

namespace evbus {

std::string_view SubscriberIdName(SubscriberId id) {
  switch (id) {
    case SubscriberId::kAgentController:
      return "agent_controller";
    case SubscriberId::kResolver:
      return "openhands_resolver";
    case SubscriberId::kServer:
      return "server";
    case SubscriberId::kRuntime:
      return "runtime";
    case SubscriberId::kMemory:
      return "memory";
    case SubscriberId::kMain:
      return "main";
    case SubscriberId::kTest:
      return "test";
  }
  return "unknown";
}

Result<SubscriberId> ParseSubscriberId(std::string_view name) {
  std::string valid;
  for (SubscriberId id : kAllSubscriberIds) {
    if (SubscriberIdName(id) == name) return id;
    if (!valid.empty()) valid += ", ";
    valid += SubscriberIdName(id);
  }
  return Status::InvalidArgument("unknown subscriber id '" + std::string(name) +
                                 "'; use one of: " + valid);
}

}  // namespace evbus
