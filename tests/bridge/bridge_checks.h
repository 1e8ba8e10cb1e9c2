// For the bridge tests: what a stream's ring holds (read with a non-durable
// subscriber, as `evbus tail` does), what JetStream holds of a subject (read
// back with an ordered consumer), events published by `evbus publish`
// processes, and the bridges run as `evbus bridge` processes.
#ifndef EVBUS_TESTS_BRIDGE_BRIDGE_CHECKS_H_
#define EVBUS_TESTS_BRIDGE_BRIDGE_CHECKS_H_

#include <chrono>
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bridge/bridge_status.h"
#include "bridge/jetstream_subject.h"
#include "bridge/local_segment.h"
#include "bridge/nats_connect.h"
#include "shm/segment.h"
#include "shm/subscriber.h"
#include "tests/bridge/nats_cluster.h"

namespace evbus::bridge::testing {

struct RingEntry {
  std::uint64_t id = 0;
  shm::ReadStatus status = shm::ReadStatus::kRecord;
  std::int64_t timestamp_ns = 0, cause = 0;
  std::uint16_t type = 0;
  std::uint8_t source = 0, flags = 0;
  std::string body;
  bool operator==(const RingEntry&) const = default;
};

// Every id of the stream's ring from its first id up to its head.
inline std::vector<RingEntry> ReadRing(const std::string& stream) {
  std::vector<RingEntry> out;
  auto segment = shm::Segment::Open(stream, "");
  if (!segment.ok()) return out;
  const std::uint64_t head = SegmentHead(**segment);
  shm::SubscriberOptions so;
  so.name = "bridge-test-tail";
  so.start = shm::StartAt::kOldest;
  auto sub = shm::Subscriber::Attach(segment->get(), so);
  if (!sub.ok()) return out;
  shm::Record r;
  while ((*sub)->next_id() < head) {
    const shm::ReadStatus s = (*sub)->Read(&r, 1'000'000'000);
    if (s == shm::ReadStatus::kEmpty) break;
    out.push_back(RingEntry{r.id, s, r.meta.timestamp_ns, r.meta.cause, r.meta.type, r.meta.source,
                            r.meta.flags, std::string(r.body)});
  }
  return out;
}

// One read of every message of `subject` up to its last stream sequence
// (asked first); false if the read was cut short (no server answered, or a
// message did not come within 5 s). NumPending is not the end: while a node
// recovers it can read 0 early (a read-back once stopped at 285 of 300).
inline bool ReadSubjectOnce(const std::string& urls, const std::string& subject,
                            std::vector<std::uint64_t>* ids, std::vector<std::string>* bodies) {
  NatsConfig config;
  config.url = urls;
  auto link = NatsLink::Connect(config, nullptr);
  if (!link.ok()) return false;
  auto last = LastSequenceOf(link->get(), "EVBUS", subject);
  if (!last.ok()) return false;
  if (*last == 0) return true;
  natsSubscription* sub = nullptr;
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = "EVBUS";
  so.Ordered = true;
  if (js_SubscribeSync(&sub, (*link)->js(), subject.c_str(), nullptr, &so, nullptr) != NATS_OK) {
    return false;
  }
  bool complete = false;
  for (natsMsg* m = nullptr; natsSubscription_NextMsg(&m, sub, 5000) == NATS_OK; m = nullptr) {
    auto id = EvbusIdOf(m);
    if (id.ok()) ids->push_back(*id);
    if (bodies != nullptr) bodies->emplace_back(natsMsg_GetData(m), natsMsg_GetDataLength(m));
    jsMsgMetaData* meta = nullptr;  // complete at the last sequence, not at NumPending 0
    complete = natsMsg_GetMetaData(&meta, m) == NATS_OK && meta->Sequence.Stream >= *last;
    if (meta != nullptr) jsMsgMetaData_Destroy(meta);
    natsMsg_Destroy(m);
    if (complete) break;
  }
  natsSubscription_Unsubscribe(sub);
  natsSubscription_Destroy(sub);
  return complete;
}

// The Evbus-Id of every message of `subject`, in stream order (reads again,
// within 30 s, when a read is cut short by a node going away).
inline std::vector<std::uint64_t> JetStreamIds(const std::string& urls, const std::string& subject,
                                               std::vector<std::string>* bodies = nullptr) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::vector<std::uint64_t> ids;
  do {
    ids.clear();
    if (bodies != nullptr) bodies->clear();
    if (ReadSubjectOnce(urls, subject, &ids, bodies)) break;
  } while (std::chrono::steady_clock::now() < deadline);
  return ids;
}

// `count` events of about `body_bytes` each, as JSON lines, tagged `tag`.
inline std::string EventLines(const std::string& tag, int count, int body_bytes,
                              const std::string& extra = "") {
  std::string out;
  for (int i = 0; i < count; ++i) {
    std::string cmd = "echo " + tag + "-" + std::to_string(i) + " " + extra + " ";
    if (static_cast<int>(cmd.size()) < body_bytes) cmd.append(body_bytes - cmd.size(), 'x');
    out += "{\"action\":\"run\",\"args\":{\"command\":\"" + cmd + "\"},\"source\":\"agent\"}\n";
  }
  return out;
}

// Starts `evbus publish stream < file-with-lines` (stdout discarded).
inline std::unique_ptr<testutil::ChildProcess> StartPublisher(const std::string& dir,
                                                              const std::string& stream,
                                                              const std::string& lines,
                                                              const std::string& name) {
  const std::string file = dir + "/" + name + ".jsonl";
  std::ofstream(file) << lines;
  auto p = std::make_unique<testutil::ChildProcess>();
  p->Start({"/bin/sh", "-c", EvbusPath() + " publish " + stream + " < " + file + " > /dev/null"},
           (dir + "/" + name + ".err").c_str());
  return p;
}

// Starts `evbus bridge <role> stream args...` with stderr to dir/<log>.
inline std::unique_ptr<testutil::ChildProcess> StartBridge(const std::string& dir,
                                                           const std::string& role,
                                                           const std::string& stream,
                                                           std::vector<std::string> args,
                                                           const std::string& log) {
  std::vector<std::string> argv = {EvbusPath(), "bridge", role, stream};
  argv.insert(argv.end(), args.begin(), args.end());
  auto p = std::make_unique<testutil::ChildProcess>();
  p->Start(argv, (dir + "/" + log).c_str());
  return p;
}

// Waits until stream `b`'s head reaches `head`; false after `limit`.
inline bool WaitHead(const std::string& stream, std::uint64_t head, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    auto segment = shm::Segment::Open(stream, "");
    if (segment.ok() && SegmentHead(**segment) >= head) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Waits (at most 20 s) until the file at `path` contains `text`.
inline bool WaitForLine(const std::string& path, const std::string& text) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (ReadFile(path).find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

}  // namespace evbus::bridge::testing

#endif  // EVBUS_TESTS_BRIDGE_BRIDGE_CHECKS_H_
