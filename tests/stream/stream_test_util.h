// Utilities shared by the EventStream tests: a temporary store root, unique
// session ids, OpenHands event builders, waiting with a deadline, and a
// persister running on its own thread.
#ifndef EVBUS_TESTS_CORE_STREAM_STREAM_TEST_UTIL_H_
#define EVBUS_TESTS_CORE_STREAM_STREAM_TEST_UTIL_H_

#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "base/temp_dir.h"
#include "core/event.h"
#include "persist/persister.h"
#include "shm/segment.h"
#include "stream/event_stream.h"
#include "stream/shared_secrets.h"

namespace evbus::testing {

// A fresh directory, removed with everything in it (base/temp_dir.h).
class TempDir : public evbus::TempDir {
 public:
  TempDir() : evbus::TempDir("evbus_stream") {}
};

// "st-<pid>-<n>-<tag>": unique per process and call.
inline std::string UniqueSession(const std::string& tag) {
  static std::atomic<int> counter{0};
  return "st-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1)) + "-" +
         tag;
}

// Removes the segment and the secrets file of a stream.
inline void DestroyStream(const std::string& sid, const std::string& uid = "") {
  (void)shm::Segment::Remove(sid, uid);
  (void)SharedSecrets::Remove(sid, uid);
}

inline Event MustParse(const std::string& json) {
  auto e = ParseEvent(json);
  if (!e.ok()) std::abort();
  return std::move(*e);
}
inline Event NullAction() {
  Event e = MustParse(R"({"action":"null","args":{}})");
  e.message = "No action";
  return e;
}
inline Event NullObservation(const std::string& content) {
  Event e = MustParse(R"({"observation":"null","content":"","extras":{}})");
  e.content = content;
  e.message = "No observation";
  return e;
}
inline Event MessageAction(const std::string& content) {
  Event e = MustParse(R"({"action":"message","args":{}})");
  e.args_json = "{\"content\":\"" + content +
                "\",\"file_urls\":null,\"image_urls\":null,\"wait_for_response\":false}";
  e.message = content;
  return e;
}
inline Event CmdRunAction(const std::string& command) {
  Event e = MustParse(R"({"action":"run","args":{}})");
  e.args_json = "{\"command\":\"" + command + "\",\"is_input\":false,\"blocking\":false}";
  e.message = "Running command: " + command;
  return e;
}

// Polls `done` until it holds or `timeout` passes; returns done().
inline bool WaitFor(const std::function<bool()>& done,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return done();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// `evbus persist` for one stream, on a thread of this process.
class PersisterThread {
 public:
  static std::unique_ptr<PersisterThread> Start(const std::string& root, const std::string& sid,
                                                std::uint32_t page_events = 0) {
    persist::PersisterOptions po;
    po.root = root;
    po.session_id = sid;
    po.writer.sync_policy = persist::SyncPolicy::kEveryEvent;
    if (page_events != 0) po.writer.max_page_records = page_events;
    po.log = [](const std::string&) {};
    auto opened = persist::Persister::Open(po);
    if (!opened.ok()) {
      std::fprintf(stderr, "persister: %s\n", opened.status().ToString().c_str());
      return nullptr;
    }
    auto t = std::unique_ptr<PersisterThread>(new PersisterThread());
    t->persister_ = std::move(*opened);
    t->thread_ = std::thread([p = t->persister_.get()] { (void)p->Run(); });
    return t;
  }
  ~PersisterThread() {
    persister_->RequestStop();
    thread_.join();
  }

 private:
  PersisterThread() = default;
  std::unique_ptr<persist::Persister> persister_;
  std::thread thread_;
};

// Entries of a /proc/self directory (threads, descriptors).
inline int CountEntries(const char* dir) {
  int n = 0;
  if (DIR* d = ::opendir(dir)) {
    while (dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
    ::closedir(d);
  }
  return n - 1;  // the descriptor opendir itself holds (for /proc/self/fd); harmless for tasks
}

}  // namespace evbus::testing

#endif  // EVBUS_TESTS_CORE_STREAM_STREAM_TEST_UTIL_H_
