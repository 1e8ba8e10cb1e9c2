// EventStreamSubscriber: who subscribes to a stream, with OpenHands' string
// values ("agent_controller", "openhands_resolver", ...).
//
// Thread safety: pure functions over constants.
#ifndef EVBUS_STREAM_SUBSCRIBER_ID_H_
#define EVBUS_STREAM_SUBSCRIBER_ID_H_

#include <array>
#include <cstdint>
#include <string_view>

#include "base/status.h"

namespace evbus {

enum class SubscriberId : std::uint8_t {
  kAgentController,
  kResolver,
  kServer,
  kRuntime,
  kMemory,
  kMain,
  kTest,
};

inline constexpr std::array<SubscriberId, 7> kAllSubscriberIds = {
    SubscriberId::kAgentController,
    SubscriberId::kResolver,
    SubscriberId::kServer,
    SubscriberId::kRuntime,
    SubscriberId::kMemory,
    SubscriberId::kMain,
    SubscriberId::kTest,
};

// OpenHands' EventStreamSubscriber value: kResolver -> "openhands_resolver".
std::string_view SubscriberIdName(SubscriberId id);
// The inverse; InvalidArgument listing the valid names.
Result<SubscriberId> ParseSubscriberId(std::string_view name);

}  // namespace evbus

#endif  // EVBUS_STREAM_SUBSCRIBER_ID_H_
