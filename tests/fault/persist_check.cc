// Store checks shared by the persister scenarios (see persist_check.h).
#include "tests/fault/persist_check.h"

#include <thread>

#include "persist/page_reader.h"
#include "persist/store.h"
#include "shm/segment.h"
#include "tests/fault/event_payload.h"
#include "tests/fault/fault_child.h"
#include "tests/fault/fault_util.h"

namespace evbus::torture {
namespace {

class ListReporter : public persist::Reporter {
 public:
  explicit ListReporter(std::vector<std::string>* out) : out_(out) {}
  void Corruption(const std::string& file, std::uint64_t offset, std::uint64_t bytes,
                  const Status& reason) override {
    out_->push_back(file + " @" + std::to_string(offset) + " (" + std::to_string(bytes) +
                    " bytes): " + reason.ToString());
  }

 private:
  std::vector<std::string>* out_;
};

}  // namespace

void StoreCheck::ApplyTo(ScenarioResult* r) const {
  r->events_checked += stored;
  r->lost += lost;
  r->duplicated += duplicated;
  r->torn += torn;
  if (!error.empty()) r->Fail("store: " + error);
  ExpectAtMost(r, "lost", static_cast<double>(lost), 0);
  ExpectAtMost(r, "duplicated", static_cast<double>(duplicated), 0);
  ExpectAtMost(r, "torn", static_cast<double>(torn), 0);
  ExpectAtMost(r, "ids out of order", static_cast<double>(order_errors), 0);
  ExpectAtMost(r, "ids neither stored nor reported abandoned", static_cast<double>(unaccounted), 0);
  if (!reports.empty()) r->Fail("a clean read reported corruption: " + reports.front());
}

std::string StoreCheck::Describe() const {
  std::string s = std::to_string(abandoned.size()) + " abandoned ids reported missing";
  for (std::size_t i = 0; i < abandoned.size() && i < 5; ++i) {
    s += (i == 0 ? " (" : ", ") + std::to_string(abandoned[i]);
  }
  if (!abandoned.empty()) s += abandoned.size() > 5 ? ", ...)" : ")";
  return s;
}

StoreCheck CheckStore(const std::string& root, const std::string& stream, std::uint64_t head,
                      const AckTable& acks, std::uint32_t producers) {
  StoreCheck c;
  ListReporter reporter(&c.reports);
  persist::StoreOptions options;
  options.reporter = &reporter;
  auto store = persist::Store::Open(root, stream, "", options);
  if (!store.ok()) {
    c.error = store.status().ToString();
    return c;
  }
  SeqChecker seq;
  std::vector<bool> seen(head, false);
  std::int64_t previous = -1;
  persist::EventIterator it = (*store)->Search(persist::SearchQuery());
  while (it.Next()) {
    const std::int64_t id = it.meta().id;
    if (id <= previous) ++c.order_errors;
    previous = id;
    if (id >= 0 && static_cast<std::uint64_t>(id) < head) {
      if (seen[static_cast<std::size_t>(id)]) ++c.duplicated;
      seen[static_cast<std::size_t>(id)] = true;
    }
    seq.Feed(it.json());
  }
  if (!it.status().ok()) c.error = it.status().ToString();
  for (std::uint64_t id = 0; id < head; ++id) {
    if (seen[id]) continue;
    auto missing = (*store)->GetEventJson(static_cast<std::int64_t>(id));
    if (!missing.ok() && missing.status().ToString().find("abandoned") != std::string::npos) {
      c.abandoned.push_back(id);
    } else {
      ++c.unaccounted;
    }
  }
  for (std::uint32_t p = 0; p < producers; ++p) {
    if (acks.acked(p) > seq.next(p)) c.lost += acks.acked(p) - seq.next(p);
  }
  c.stored = seq.checked();
  c.lost += seq.holes();
  c.duplicated += seq.duplicated();
  c.torn = seq.torn();
  return c;
}

bool WaitForDurableSubscriber(const std::string& stream, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    for (const shm::SegmentInfo& info : shm::Segment::List()) {
      if (info.stream == stream && info.user.empty() && info.durable_subscribers > 0) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // polling with a deadline
  }
  return false;
}

bool WaitForStoreLatest(const std::string& root, const std::string& stream, std::int64_t id,
                        std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    auto store = persist::Store::Open(root, stream, "");
    if (store.ok() && (*store)->GetLatestEventId() >= id) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling with a deadline
  }
  return false;
}

}  // namespace evbus::torture
