#include "bridge/publish_window.h"

#include <algorithm>
#include <chrono>

namespace evbus::bridge {

PublishWindow::PublishWindow(std::uint64_t capacity)
    : capacity_(capacity), low_water_(capacity - std::max<std::uint64_t>(1, capacity / 4)) {}

PublishWindow::~PublishWindow() {
  for (natsMsg* m : failed_) natsMsg_Destroy(m);
}

void PublishWindow::Add(std::uint64_t id, natsMsg* msg, std::int64_t sent_ns) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.push_back(Entry{id, msg, sent_ns, State::kInFlight});
  ++in_flight_;
  last_added_ = static_cast<std::int64_t>(id);
}

PublishWindow::Entry* PublishWindow::Find(natsMsg* msg) {
  // Acknowledgements come almost always in publish order: the front matches.
  for (Entry& e : entries_) {
    if (e.state != State::kAcked && e.msg == msg) return &e;
  }
  return nullptr;
}

void PublishWindow::Rebind(natsMsg* old, natsMsg* copy, std::int64_t sent_ns) {
  std::lock_guard<std::mutex> lock(mu_);
  if (Entry* e = Find(old)) {
    e->msg = copy;
    e->sent_ns = sent_ns;
    e->state = State::kInFlight;
  }
}

bool PublishWindow::OverdueBefore(std::int64_t ns) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const Entry& e : entries_) {
    if (e.state == State::kInFlight && e.msg != nullptr && e.sent_ns < ns) return true;
  }
  return false;
}

void PublishWindow::SetAckedThrough(std::int64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (id > last_added_) last_added_ = id;
}

void PublishWindow::OnAck(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* closure) {
  auto* self = static_cast<PublishWindow*>(closure);
  if (pa != nullptr) {
    // A message the window does not hold (none is expected) is dropped too.
    (void)self->Acked(msg);
    natsMsg_Destroy(msg);
    return;
  }
  std::string why = pae != nullptr && pae->ErrText != nullptr ? pae->ErrText : "";
  if (why.empty() && pae != nullptr) why = natsStatus_GetText(pae->Err);
  self->Failed(msg, why);  // kept for a resend; destroyed by the resend or the destructor
}

std::uint64_t PublishWindow::Span() const {
  if (entries_.empty()) return 0;
  return static_cast<std::uint64_t>(last_added_) - entries_.front().id + 1;
}

void PublishWindow::WakeIfDue() {
  const bool room = room_waiter_ && (Span() <= low_water_ || !failed_.empty());
  const bool drained = drain_waiter_ && (in_flight_ == 0 || !failed_.empty());
  if (room || drained) cv_.notify_all();
}

bool PublishWindow::Acked(natsMsg* msg) {
  std::lock_guard<std::mutex> lock(mu_);
  Entry* e = Find(msg);
  if (e == nullptr) return false;
  e->state = State::kAcked;
  --in_flight_;
  ++acked_;
  while (!entries_.empty() && entries_.front().state == State::kAcked) entries_.pop_front();
  WakeIfDue();
  return true;
}

void PublishWindow::Failed(natsMsg* msg, const std::string& why) {
  std::lock_guard<std::mutex> lock(mu_);
  if (Entry* e = Find(msg)) e->state = State::kFailed;
  failed_.push_back(msg);
  ++failures_;
  last_error_ = why;
  WakeIfDue();
}

bool PublishWindow::WaitForRoom(std::int64_t timeout_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  if (Span() < capacity_) return true;
  room_waiter_ = true;
  cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
               [&] { return Span() <= low_water_ || !failed_.empty(); });
  room_waiter_ = false;
  return Span() < capacity_;
}

bool PublishWindow::WaitDrained(std::int64_t timeout_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  drain_waiter_ = true;
  cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
               [&] { return in_flight_ == 0 || !failed_.empty(); });
  drain_waiter_ = false;
  return in_flight_ == 0;
}

std::vector<natsMsg*> PublishWindow::TakeFailed() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<natsMsg*> out;
  out.swap(failed_);
  return out;
}

std::int64_t PublishWindow::AckedThrough() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (entries_.empty()) return last_added_;
  return static_cast<std::int64_t>(entries_.front().id) - 1;
}

std::uint64_t PublishWindow::in_flight() const {
  std::lock_guard<std::mutex> lock(mu_);
  return in_flight_;
}

std::uint64_t PublishWindow::acked() const {
  std::lock_guard<std::mutex> lock(mu_);
  return acked_;
}

std::uint64_t PublishWindow::failures() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failures_;
}

std::string PublishWindow::last_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_error_;
}

}  // namespace evbus::bridge
