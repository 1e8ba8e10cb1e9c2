#include "bridge/nats_connect.h"

#include <chrono>
#include <cstdlib>
#include <thread>
#include <vector>

namespace evbus::bridge {
namespace {

struct OptionsDeleter {
  void operator()(natsOptions* o) const { natsOptions_Destroy(o); }
};

// "a" if set, else the environment variable's value, else "".
void FromEnv(std::string* field, const char* name) {
  if (!field->empty()) return;
  const char* v = std::getenv(name);
  if (v != nullptr) *field = v;
}

}  // namespace

std::string DisplayUrl(const std::string& url) {
  std::string out;
  std::size_t start = 0;
  while (start <= url.size()) {
    std::size_t end = url.find(',', start);
    if (end == std::string::npos) end = url.size();
    std::string one = url.substr(start, end - start);
    const std::size_t scheme = one.find("://");
    const std::size_t host_from = scheme == std::string::npos ? 0 : scheme + 3;
    const std::size_t at = one.rfind('@');
    if (at != std::string::npos && at >= host_from) one.erase(host_from, at + 1 - host_from);
    if (!out.empty()) out += ',';
    out += one;
    start = end + 1;
  }
  return out;
}

Status NatsError(natsStatus s, const std::string& doing, const NatsConfig& config) {
  const std::string server = DisplayUrl(config.url);
  if (doing != "connecting" && (s == NATS_TIMEOUT || s == NATS_NO_RESPONDERS)) {
    return Status::TimedOut("JetStream at " + server + " did not answer (" + doing + ", " +
                            natsStatus_GetText(s) + "): is a JetStream leader elected?");
  }
  switch (s) {
    case NATS_NO_SERVER:
    case NATS_TIMEOUT:
      return Status::Unavailable("cannot reach NATS at " + server + " within " +
                                 std::to_string(config.connect_timeout_ms) + " ms (" + doing +
                                 "): start nats-server there or check --nats");
    case NATS_CONNECTION_AUTH_FAILED:
    case NATS_NOT_PERMITTED:
      return Status::PermissionDenied("NATS at " + server + " refused the credentials (" + doing +
                                      "): check --nats-user/--nats-password, --nats-token or "
                                      "--nats-creds");
    default:
      return Status::IOError("NATS at " + server + ": " + doing +
                             " failed: " + natsStatus_GetText(s));
  }
}

void FillCredentialsFromEnv(NatsConfig* config) {
  FromEnv(&config->user, "EVBUS_NATS_USER");
  FromEnv(&config->password, "EVBUS_NATS_PASSWORD");
  FromEnv(&config->token, "EVBUS_NATS_TOKEN");
}

NatsLink::~NatsLink() {
  if (js_ != nullptr) jsCtx_Destroy(js_);
  if (nc_ != nullptr) {
    natsConnection_Close(nc_);
    natsConnection_Destroy(nc_);
  }
}

void NatsLink::OnReconnected(natsConnection*, void* closure) {
  static_cast<NatsLink*>(closure)->reconnects_.fetch_add(1, std::memory_order_relaxed);
}

Status NatsLink::SetAuth(natsOptions* opts) const {
  natsStatus s = NATS_OK;
  if (!config_.user.empty()) {
    s = natsOptions_SetUserInfo(opts, config_.user.c_str(), config_.password.c_str());
  }
  if (s == NATS_OK && !config_.token.empty()) s = natsOptions_SetToken(opts, config_.token.c_str());
  if (s == NATS_OK && !config_.creds_file.empty()) {
    s = natsOptions_SetUserCredentialsFromFiles(opts, config_.creds_file.c_str(), nullptr);
    if (s != NATS_OK) {
      return Status::InvalidArgument("cannot use --nats-creds file " + config_.creds_file +
                                     ": check that it exists and is a NATS .creds file");
    }
  }
  return s == NATS_OK ? Status::OK() : NatsError(s, "setting credentials", config_);
}

Result<std::unique_ptr<NatsLink>> NatsLink::Connect(const NatsConfig& config,
                                                    const jsOptions* js_options) {
  std::unique_ptr<NatsLink> link(new NatsLink());
  link->config_ = config;
  natsOptions* raw = nullptr;
  if (natsOptions_Create(&raw) != NATS_OK) return Status::IOError("cannot allocate NATS options");
  std::unique_ptr<natsOptions, OptionsDeleter> opts(raw);
  std::vector<std::string> urls;
  for (std::size_t start = 0; start <= config.url.size();) {
    std::size_t end = config.url.find(',', start);
    if (end == std::string::npos) end = config.url.size();
    std::string one = config.url.substr(start, end - start);
    one.erase(0, one.find_first_not_of(' '));
    if (!one.empty()) urls.push_back(one);
    start = end + 1;
  }
  std::vector<const char*> servers;
  for (const auto& u : urls) servers.push_back(u.c_str());
  natsStatus s = servers.empty() ? NATS_INVALID_ARG
                                 : natsOptions_SetServers(opts.get(), servers.data(),
                                                          static_cast<int>(servers.size()));
  if (s != NATS_OK) {
    return Status::InvalidArgument("--nats " + DisplayUrl(config.url) +
                                   " is not a NATS URL: use nats://HOST:PORT[,nats://HOST:PORT]");
  }
  natsOptions_SetNoRandomize(opts.get(), false);
  natsOptions_SetTimeout(opts.get(), config.connect_timeout_ms);
  natsOptions_SetName(opts.get(), config.client_name.c_str());
  natsOptions_SetMaxReconnect(opts.get(), -1);
  natsOptions_SetReconnectWait(opts.get(), config.reconnect_wait_ms);
  natsOptions_SetReconnectBufSize(opts.get(), 64 << 20);
  natsOptions_SetReconnectedCB(opts.get(), &NatsLink::OnReconnected, link.get());
  EVBUS_RETURN_IF_ERROR(link->SetAuth(opts.get()));
  s = natsConnection_Connect(&link->nc_, opts.get());
  if (s != NATS_OK) return NatsError(s, "connecting", config);
  jsOptions jo;
  if (js_options != nullptr) {
    jo = *js_options;
  } else {
    jsOptions_Init(&jo);
  }
  jo.Wait = config.api_wait_ms;
  s = natsConnection_JetStream(&link->js_, link->nc_, &jo);
  if (s != NATS_OK) return NatsError(s, "opening JetStream", config);
  return link;
}

Status RetryWhileTimedOut(const std::function<Status()>& step, std::int64_t limit_ms,
                          const std::function<void(const std::string&)>& log) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(limit_ms);
  for (;;) {
    Status st = step();
    if (st.code() != Status::Code::kTimedOut || std::chrono::steady_clock::now() > deadline) {
      return st;
    }
    if (log) log(st.message() + ": retrying");
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

}  // namespace evbus::bridge
