// A peer process of one EventStream, for the multi-process EventStream tests.
//
//   stream_peer_proc peer ROOT SID ROLE ADD TOTAL [DISPATCH]
//       ROLE is agent | runtime | server; DISPATCH is shared (default) or
//       direct (CallbackDispatch). Subscribes (from id 0) as
//       AGENT_CONTROLLER / RUNTIME / SERVER, adds ADD events whose content is
//       "ROLE i", waits until its callback saw TOTAL events, and checks that
//       they are ids 0..TOTAL-1, each once, in order, with every role's own
//       events in the order it added them. Exit 0 when all holds.
//   stream_peer_proc publish ROOT SID FLAG TEXT
//       Adds "before", waits until the file FLAG exists, then adds TEXT.
//   stream_peer_proc set-secrets ROOT SID NAME VALUE
//       Replaces the stream's secrets with {NAME: VALUE}.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "stream/event_stream.h"

namespace {

using evbus::Event;
using evbus::EventStream;

bool WaitUntil(const std::function<bool()>& done, int seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

Event Observation(const std::string& content) {
  auto e = evbus::ParseEvent(R"({"observation":"null","content":"","extras":{}})");
  if (!e.ok()) std::abort();
  e->content = content;
  return std::move(*e);
}

std::unique_ptr<EventStream> OpenStream(
    const char* root, const char* sid,
    evbus::CallbackDispatch dispatch = evbus::CallbackDispatch::kShared) {
  evbus::EventStreamOptions options;
  options.store_root = root;
  options.callback_dispatch = dispatch;
  auto s = EventStream::Open(sid, options);
  if (!s.ok()) {
    std::fprintf(stderr, "open: %s\n", s.status().ToString().c_str());
    std::exit(2);
  }
  return std::move(*s);
}

int Peer(char** argv) {
  const std::string role = argv[4];
  const int add = std::atoi(argv[5]);
  const int total = std::atoi(argv[6]);
  const bool direct = argv[7] != nullptr && std::string(argv[7]) == "direct";
  auto stream =
      OpenStream(argv[2], argv[3],
                 direct ? evbus::CallbackDispatch::kDirect : evbus::CallbackDispatch::kShared);
  const evbus::SubscriberId sub = role == "agent"     ? evbus::SubscriberId::kAgentController
                                  : role == "runtime" ? evbus::SubscriberId::kRuntime
                                                      : evbus::SubscriberId::kServer;
  std::mutex mu;
  std::vector<std::int64_t> ids;
  std::map<std::string, int> next_of_role;
  bool order_ok = true;
  auto callback = [&](const Event& e) {
    std::lock_guard<std::mutex> lock(mu);
    ids.push_back(e.id);
    const auto space = e.content.find(' ');
    const std::string who = e.content.substr(0, space);
    const int i = std::atoi(e.content.c_str() + space + 1);
    if (next_of_role[who] != i) order_ok = false;
    next_of_role[who] = i + 1;
  };
  if (auto s = stream->SubscribeFrom(sub, callback, role, 0); !s.ok()) return 3;
  for (int i = 0; i < add; ++i) {
    Event e = Observation(role + " " + std::to_string(i));
    if (!stream->AddEvent(&e, evbus::Source::kAgent).ok()) return 4;
  }
  const bool all = WaitUntil(
      [&] {
        std::lock_guard<std::mutex> lock(mu);
        return static_cast<int>(ids.size()) >= total;
      },
      60);
  (void)stream->Close();
  if (!all) {
    std::fprintf(stderr, "%s saw %zu of %d events\n", role.c_str(), ids.size(), total);
    return 5;
  }
  for (int i = 0; i < total; ++i) {
    if (ids[static_cast<std::size_t>(i)] != i) {
      std::fprintf(stderr, "%s: position %d holds id %lld\n", role.c_str(), i,
                   static_cast<long long>(ids[static_cast<std::size_t>(i)]));
      return 6;
    }
  }
  if (static_cast<int>(ids.size()) != total || !order_ok) return 7;
  return 0;
}

int Publish(char** argv) {
  auto stream = OpenStream(argv[2], argv[3]);
  Event before = Observation("before");
  if (!stream->AddEvent(&before, evbus::Source::kAgent).ok()) return 4;
  const std::string flag = argv[4];
  if (!WaitUntil([&] { return ::access(flag.c_str(), F_OK) == 0; }, 30)) return 5;
  Event after = Observation(argv[5]);
  if (!stream->AddEvent(&after, evbus::Source::kAgent).ok()) return 6;
  return stream->Close().ok() ? 0 : 7;
}

int SetSecrets(char** argv) {
  auto stream = OpenStream(argv[2], argv[3]);
  if (!stream->SetSecrets({{argv[4], argv[5]}}).ok()) return 4;
  return stream->Close().ok() ? 0 : 7;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "peer" && (argc == 7 || argc == 8)) return Peer(argv);
  if (mode == "publish" && argc == 6) return Publish(argv);
  if (mode == "set-secrets" && argc == 6) return SetSecrets(argv);
  std::fprintf(stderr, "usage: see the comment at the top of stream_peer_proc.cc\n");
  return 64;
}
