// A process with live EventStream callbacks, for the shared-memory metrics
// tests (tests/stream/stream_metrics_shm_test.cc).
//
//   stream_metrics_proc ROOT SID CALLBACK_ID ADD TOTAL READY_FILE
//       Opens the stream, subscribes two callbacks from id 0 (SERVER
//       CALLBACK_ID, and MEMORY CALLBACK_ID-throws, which throws on every
//       event), adds ADD events, waits until both saw TOTAL events, creates
//       READY_FILE, then keeps the stream open until stdin closes (or it is
//       killed). Exit 0 after a clean close.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>

#include "stream/event_stream.h"

namespace {

bool WaitUntil(const std::atomic<int>& seen, int total, int seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (seen.load() < total) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: see the comment at the top of stream_metrics_proc.cc\n");
    return 64;
  }
  const std::string callback_id = argv[3];
  const int add = std::atoi(argv[4]);
  const int total = std::atoi(argv[5]);
  evbus::EventStreamOptions options;
  options.store_root = argv[1];
  options.log = [](const std::string&) {};  // the throwing callback logs every event
  auto stream = evbus::EventStream::Open(argv[2], options);
  if (!stream.ok()) {
    std::fprintf(stderr, "open: %s\n", stream.status().ToString().c_str());
    return 2;
  }
  std::atomic<int> seen{0}, thrown{0};
  auto counting = [&](const evbus::Event&) { seen.fetch_add(1); };
  auto throwing = [&](const evbus::Event&) {
    thrown.fetch_add(1);
    throw std::runtime_error("always");
  };
  if (!(*stream)->SubscribeFrom(evbus::SubscriberId::kServer, counting, callback_id, 0).ok() ||
      !(*stream)
           ->SubscribeFrom(evbus::SubscriberId::kMemory, throwing, callback_id + "-throws", 0)
           .ok()) {
    return 3;
  }
  for (int i = 0; i < add; ++i) {
    auto e = evbus::ParseEvent(R"({"observation":"null","content":"","extras":{}})");
    if (!e.ok() || !(*stream)->AddEvent(&*e, evbus::Source::kAgent).ok()) return 4;
  }
  if (!WaitUntil(seen, total, 60) || !WaitUntil(thrown, total, 60)) return 5;
  const int fd = ::open(argv[6], O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return 6;
  ::close(fd);
  char c = 0;
  while (::read(STDIN_FILENO, &c, 1) > 0) {
  }
  return (*stream)->Close().ok() ? 0 : 7;
}
