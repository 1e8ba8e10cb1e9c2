// Connecting to NATS for a bridge: the server URL, credentials (never
// printed: DisplayUrl strips them), a bounded connect timeout, unlimited
// reconnects, and a JetStream context. See docs/multi-host.md.
//
// Thread safety: a NatsLink is thread-compatible; the nats.c connection it
// owns runs its own threads (reconnects, ack handlers) and the counters they
// update are atomics (relaxed: statistics only).
#ifndef EVBUS_BRIDGE_NATS_CONNECT_H_
#define EVBUS_BRIDGE_NATS_CONNECT_H_

#include <nats/nats.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/status.h"

namespace evbus::bridge {

struct NatsConfig {
  std::string url = "nats://127.0.0.1:4222";  // comma-separated list allowed
  std::string user, password;                 // user/password authentication
  std::string token;                          // token authentication
  std::string creds_file;                     // a .creds file (JWT + nkey seed)
  std::int64_t connect_timeout_ms = 2000;     // each server, at start
  std::int64_t reconnect_wait_ms = 250;
  std::int64_t api_wait_ms = 5000;  // JetStream API requests and publish acks
  std::string client_name = "evbus-bridge";
};

// The URL as it may be printed: any "user:password@" or "token@" removed.
std::string DisplayUrl(const std::string& url);

// One line for a nats.c status, naming the server and what to do.
Status NatsError(natsStatus s, const std::string& doing, const NatsConfig& config);

class NatsLink {
 public:
  ~NatsLink();
  NatsLink(const NatsLink&) = delete;
  NatsLink& operator=(const NatsLink&) = delete;

  // Connects (bounded by connect_timeout_ms per server) and makes a
  // JetStream context; `js_options` may set async publish options.
  static Result<std::unique_ptr<NatsLink>> Connect(const NatsConfig& config,
                                                   const jsOptions* js_options);

  natsConnection* connection() const { return nc_; }
  jsCtx* js() const { return js_; }
  const NatsConfig& config() const { return config_; }
  std::string server() const { return DisplayUrl(config_.url); }
  std::uint64_t reconnects() const { return reconnects_.load(std::memory_order_relaxed); }
  bool connected() const { return natsConnection_Status(nc_) == NATS_CONN_STATUS_CONNECTED; }

 private:
  NatsLink() = default;
  static void OnReconnected(natsConnection* nc, void* closure);
  Status SetAuth(natsOptions* opts) const;

  NatsConfig config_;
  natsConnection* nc_ = nullptr;
  jsCtx* js_ = nullptr;
  std::atomic<std::uint64_t> reconnects_{0};
};

// Runs `step` until it returns anything but TimedOut (a JetStream request
// that got no answer, e.g. while a leader is elected), at most limit_ms.
Status RetryWhileTimedOut(const std::function<Status()>& step, std::int64_t limit_ms,
                          const std::function<void(const std::string&)>& log);

// Reads credentials the command line left out from EVBUS_NATS_USER,
// EVBUS_NATS_PASSWORD and EVBUS_NATS_TOKEN.
void FillCredentialsFromEnv(NatsConfig* config);

}  // namespace evbus::bridge

#endif  // EVBUS_BRIDGE_NATS_CONNECT_H_
