#include "bridge/bridge_in.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <cstdlib>
#include <thread>

#include "bridge/event_message.h"
#include "bridge/local_segment.h"
#include "shm/layout.h"
#include "shm/recovery.h"
#include "shm/wait.h"

namespace evbus::bridge {
namespace {

constexpr std::int64_t kNextMsgMs = 100;
constexpr std::int64_t kLocalPublishNs = 1'000'000'000;
constexpr std::int64_t kStartRetryMs = 30000;

// Test-only (tests/bridge): EVBUS_TEST_BRIDGE_IN_STOP_AFTER_CLAIM=N makes
// bridge in stop itself (SIGSTOP) right after it claims local id N, before
// it writes the record, so that a test can kill -9 it exactly there;
// EVBUS_TEST_BRIDGE_IN_STOP_BEFORE_CLAIMANT=N stops it earlier, between its
// claim CAS and its claimant store (only its claim intent marks N then).
std::uint64_t g_stop_after_claim = ~std::uint64_t{0};

void StopAfterClaim(std::uint64_t id) {
  if (id == g_stop_after_claim) ::raise(SIGSTOP);
}

void InstallTestStopHook() {
  const char* v = std::getenv("EVBUS_TEST_BRIDGE_IN_STOP_AFTER_CLAIM");
  if (v != nullptr && *v != '\0') {
    g_stop_after_claim = std::strtoull(v, nullptr, 10);
    shm::testing::SetPauseAfterClaimHook(&StopAfterClaim);
  }
  v = std::getenv("EVBUS_TEST_BRIDGE_IN_STOP_BEFORE_CLAIMANT");
  if (v != nullptr && *v != '\0') {
    g_stop_after_claim = std::strtoull(v, nullptr, 10);
    shm::testing::SetPauseBeforeClaimantHook(&StopAfterClaim);
  }
}

}  // namespace

BridgeIn::~BridgeIn() {
  Unsubscribe();
  if (prefaulter_) prefaulter_->Stop();  // before the segment is unmapped (member order too)
}

void BridgeIn::Log(const std::string& line) const {
  if (options_.log) options_.log(line);
}

Result<std::unique_ptr<BridgeIn>> BridgeIn::Start(const BridgeInOptions& options) {
  std::unique_ptr<BridgeIn> b(new BridgeIn());
  b->options_ = options;
  b->options_.stream.create = false;
  b->subject_ =
      SubjectFor(options.stream.subject_prefix, options.origin_user, options.origin_session_id);
  EVBUS_ASSIGN_OR_RETURN(b->link_, NatsLink::Connect(options.nats, nullptr));
  BridgeIn* raw = b.get();
  EVBUS_RETURN_IF_ERROR(RetryWhileTimedOut(
      [raw] { return EnsureStream(raw->link_.get(), raw->options_.stream, raw->subject_); },
      kStartRetryMs, options.log));
  EVBUS_ASSIGN_OR_RETURN(b->segment_,
                         OpenOrCreateSegment(options.session_id, options.user, options.segment));
  b->prefaulter_ = std::make_unique<RingPrefaulter>(b->segment_.get(), ThreadFactory{},
                                                    [raw](const std::string& l) { raw->Log(l); });
  b->prefaulter_->Note();  // starts it: the first writes find their pages mapped
  // Restartable: a claim this process leaves unfinished when killed waits
  // for the next bridge in, which finishes it (FindUnfinishedHead).
  EVBUS_ASSIGN_OR_RETURN(b->producer_, shm::Producer::Attach(b->segment_.get(), "bridge-in",
                                                             /*restartable=*/true,
                                                             /*hold_claims=*/true));
  InstallTestStopHook();
  b->next_id_ = SegmentHead(*b->segment_);
  b->started_ = b->next_id_ > 0;  // events are there: their ids are the origin's
  b->FindUnfinishedHead();
  b->status_ = BridgeStatus{"in",        options.session_id, options.user, b->link_->server(),
                            b->subject_, "starting"};
  b->status_.pid = ::getpid();
  b->status_.window = options.max_held;
  if (Status st = b->Subscribe(); !st.ok()) b->Log(st.message() + ": retrying");
  b->Log("bridge in: " + b->subject_ + " on " + b->link_->server() + " -> local segment '" +
         b->segment_->shm_name() + "' from id " + std::to_string(b->next_id_));
  return b;
}

void BridgeIn::Unsubscribe() {
  if (sub_ == nullptr) return;
  natsSubscription_Unsubscribe(sub_);
  natsSubscription_Destroy(sub_);
  sub_ = nullptr;
  held_.clear();  // delivered again by the next subscription
}

// A bridge in killed between claiming id N and committing it leaves N
// unfinished at the head. Its claim was restartable, so local readers wait
// for us: N is read again from the subject and finished with the same record
// (Write, TakeOverClaim). An id already abandoned is said once, clearly.
void BridgeIn::FindUnfinishedHead() {
  if (next_id_ == 0) return;
  const std::uint64_t last = next_id_ - 1;
  const std::uint64_t commit = segment_->index_entry(last)->commit.load(
      std::memory_order_acquire);  // SYNC POINT READ: record.commit
  if (commit == shm::CommittedValue(last)) return;
  if (commit != shm::AbandonedValue(last)) {
    takeover_ = true;
    next_id_ = last;
    Log("bridge in: id " + std::to_string(last) + " of '" + segment_->shm_name() +
        "' was left unfinished by the previous bridge in: finishing it with the record from "
        "JetStream");
    return;
  }
  ++status_.lost;
  ReportLost(last, "local readers report it abandoned");
}

void BridgeIn::ReportLost(std::uint64_t id, const std::string& why) {
  Log("bridge in: id " + std::to_string(id) + " of '" + segment_->shm_name() +
      "' was being written when the previous bridge in died: " + why +
      " (JetStream still holds it: evbus tail of the origin or a new bridge into another stream "
      "has it)");
}

// Finishes the previous bridge in's unfinished claim of `id` (the head).
Status BridgeIn::TakeOver(std::uint64_t id, const Held& event) {
  takeover_ = false;
  if (event.missing) {  // it died marking `id` abandoned: finish that
    shm::IndexEntry* entry = segment_->index_entry(id);
    const std::uint64_t stale = entry->commit.load(std::memory_order_acquire);
    if (stale != shm::CommittedValue(id)) shm::ForceAbandon(segment_.get(), id, stale);
    ++status_.lost;
    return Status::OK();
  }
  Status st = producer_->TakeOverClaim(id, event.meta, event.body);
  if (st.code() == Status::Code::kBusy) return st;
  if (!st.ok()) {
    ++status_.lost;
    ReportLost(id, st.message());
  }
  return Status::OK();
}

Status BridgeIn::Subscribe() {
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = options_.stream.name.c_str();
  so.Ordered = true;
  so.Config.DeliverPolicy = js_DeliverAll;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_SubscribeSync(&sub_, link_->js(), subject_.c_str(), nullptr, &so, &jerr);
  if (s != NATS_OK) {
    sub_ = nullptr;
    return NatsError(s, "subscribing to " + subject_, link_->config());
  }
  return Status::OK();
}

Status BridgeIn::Write(std::uint64_t id, const Held& event) {
  if (takeover_) {
    EVBUS_RETURN_IF_ERROR(TakeOver(id, event));
  } else {
    std::uint64_t got = 0;
    for (;;) {
      // A marker claims its id with no bytes, gated like any claim.
      Status st = event.missing ? producer_->PublishAbandoned(kLocalPublishNs, &got)
                                : producer_->Publish(event.meta, event.body, kLocalPublishNs, &got);
      if (st.ok()) break;
      if (st.code() != Status::Code::kBackPressured) return st;
      if (options_.stop && options_.stop()) return Status::OK();
      Log("bridge in: waiting for the local ring: " + st.message());
    }
    if (got != id) {
      return Status::Corruption("local segment '" + segment_->shm_name() + "' gave id " +
                                std::to_string(got) + " to origin event " + std::to_string(id) +
                                ": another producer writes to it; only bridge in may");
    }
    if (event.missing) ++status_.lost;
  }
  prefaulter_->Note();  // lock-free and cheap unless the tail nears the populated bytes
  ++status_.forwarded;
  next_id_ = id + 1;
  return Status::OK();
}

Status BridgeIn::Accept(natsMsg* msg) {
  auto parsed = ParseEventMessage(msg);
  if (!parsed.ok()) {
    // Flow-control and heartbeat messages of the ordered consumer carry no
    // data; anything else foreign is skipped, said once a second.
    if (natsMsg_GetDataLength(msg) > 0) LogWaiting("skipped: " + parsed.status().message());
    return Status::OK();
  }
  ReceivedEvent ev = *parsed;
  if (ev.id + 1 > seen_next_) seen_next_ = ev.id + 1;
  if (!started_) {
    // At the origin's first id, not at the first id stored: JetStream may
    // hold a later id first (resends after a node fault). Older bridges out
    // did not send it: then the first id received.
    const std::uint64_t first = ev.first_id >= 0 && static_cast<std::uint64_t>(ev.first_id) <= ev.id
                                    ? static_cast<std::uint64_t>(ev.first_id)
                                    : ev.id;
    EVBUS_RETURN_IF_ERROR(StartSegmentAt(segment_.get(), first));
    next_id_ = first;
    started_ = true;
  }
  if (ev.id < next_id_) return Status::OK();  // already written
  Held held{ev.missing, ev.meta, std::string(ev.body)};
  if (ev.id > next_id_) {
    if (held_.size() >= options_.max_held) {
      return Status::Unavailable("bridge in: id " + std::to_string(next_id_) +
                                 " has not arrived after " + std::to_string(held_.size()) +
                                 " later ones: is bridge out running for the origin?");
    }
    held_.emplace(ev.id, std::move(held));
    return Status::OK();
  }
  EVBUS_RETURN_IF_ERROR(Write(ev.id, held));
  for (auto it = held_.begin(); it != held_.end() && it->first <= next_id_;) {
    if (it->first == next_id_) EVBUS_RETURN_IF_ERROR(Write(it->first, it->second));
    it = held_.erase(it);
  }
  return Status::OK();
}

void BridgeIn::ReportStatus(bool force) {
  const std::int64_t now = shm::MonotonicNanos();
  if (!force && now - last_status_ns_ < 200'000'000) return;
  last_status_ns_ = now;
  status_.state = link_->connected() ? "running" : "waiting for NATS at " + link_->server();
  status_.acknowledged_id = static_cast<std::int64_t>(next_id_) - 1;
  status_.head = std::max(seen_next_, next_id_);
  status_.in_flight = held_.size();
  status_.reconnects = link_->reconnects();
  (void)WriteBridgeStatus(status_);
}

void BridgeIn::LogWaiting(const std::string& why) {
  const std::int64_t now = shm::MonotonicNanos();
  if (now - last_wait_log_ns_ < 1'000'000'000) return;
  last_wait_log_ns_ = now;
  Log("bridge in: waiting for NATS at " + link_->server() + " (" + why + ")");
}

Status BridgeIn::Run() {
  while (!(options_.stop && options_.stop())) {
    ReportStatus(false);
    if (sub_ == nullptr) {
      if (Status st = Subscribe(); !st.ok()) {
        LogWaiting(st.message());
        std::this_thread::sleep_for(std::chrono::milliseconds(options_.nats.reconnect_wait_ms));
      }
      continue;
    }
    natsMsg* msg = nullptr;
    natsStatus s = natsSubscription_NextMsg(&msg, sub_, kNextMsgMs);
    if (s == NATS_OK) {
      Status st = Accept(msg);
      natsMsg_Destroy(msg);
      EVBUS_RETURN_IF_ERROR(st);
    } else if (s != NATS_TIMEOUT) {
      LogWaiting(natsStatus_GetText(s));
      Unsubscribe();  // a new ordered consumer resumes after the head
    }
  }
  ReportStatus(true);
  status_.state = "stopped";
  (void)WriteBridgeStatus(status_);
  return Status::OK();
}

}  // namespace evbus::bridge
