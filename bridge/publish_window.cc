#include "bridge/publish_window.h"

#include <chrono>
#include <cstdlib>

namespace evbus::bridge {

PublishWindow::~PublishWindow() {
  for (natsMsg* m : failed_) natsMsg_Destroy(m);
}

void PublishWindow::Add(std::uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  unacked_.insert(id);
  last_added_ = static_cast<std::int64_t>(id);
}

void PublishWindow::SetAckedThrough(std::int64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (id > last_added_) last_added_ = id;
}

void PublishWindow::OnAck(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* closure) {
  auto* self = static_cast<PublishWindow*>(closure);
  const char* value = nullptr;
  const bool has_id = natsMsgHeader_Get(msg, "Evbus-Id", &value) == NATS_OK && value != nullptr;
  if (pa != nullptr && has_id) {
    self->Acked(std::strtoull(value, nullptr, 10));
    natsMsg_Destroy(msg);
    return;
  }
  std::string why = pae != nullptr && pae->ErrText != nullptr ? pae->ErrText : "";
  if (why.empty() && pae != nullptr) why = natsStatus_GetText(pae->Err);
  self->Failed(msg, why);  // kept for a resend; destroyed by the resend or the destructor
}

void PublishWindow::Acked(std::uint64_t id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (unacked_.erase(id) > 0) ++acked_;
  }
  cv_.notify_all();
}

void PublishWindow::Failed(natsMsg* msg, const std::string& why) {
  std::lock_guard<std::mutex> lock(mu_);
  failed_.push_back(msg);
  ++failures_;
  last_error_ = why;
  cv_.notify_all();
}

bool PublishWindow::WaitForRoom(std::int64_t timeout_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] {
    return unacked_.size() < capacity_ || !failed_.empty();
  }) && unacked_.size() < capacity_;
}

bool PublishWindow::WaitDrained(std::int64_t timeout_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] {
    return unacked_.empty() || !failed_.empty();
  }) && unacked_.empty();
}

std::vector<natsMsg*> PublishWindow::TakeFailed() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<natsMsg*> out;
  out.swap(failed_);
  return out;
}

std::int64_t PublishWindow::AckedThrough() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (unacked_.empty()) return last_added_;
  return static_cast<std::int64_t>(*unacked_.begin()) - 1;
}

std::uint64_t PublishWindow::in_flight() const {
  std::lock_guard<std::mutex> lock(mu_);
  return unacked_.size();
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
