#include "bridge/bridge_out.h"

#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "bridge/event_message.h"
#include "shm/atomic128.h"
#include "shm/wait.h"

namespace evbus::bridge {
namespace {

constexpr std::int64_t kReadWaitNs = 50'000'000;
constexpr std::int64_t kStatusEveryNs = 200'000'000;
constexpr std::int64_t kDrainMs = 5000;
constexpr std::int64_t kStartRetryMs = 30000;

// A new message with `msg`'s subject, headers and data, to publish again
// (a fresh reply inbox for its acknowledgement).
natsMsg* CopyMessage(natsMsg* msg) {
  natsMsg* copy = nullptr;
  if (natsMsg_Create(&copy, natsMsg_GetSubject(msg), nullptr, natsMsg_GetData(msg),
                     natsMsg_GetDataLength(msg)) != NATS_OK) {
    return nullptr;
  }
  const char** keys = nullptr;
  int count = 0;
  if (natsMsgHeader_Keys(msg, &keys, &count) == NATS_OK) {
    for (int i = 0; i < count; ++i) {
      const char* value = nullptr;
      if (natsMsgHeader_Get(msg, keys[i], &value) == NATS_OK) {
        natsMsgHeader_Set(copy, keys[i], value);
      }
    }
    std::free(static_cast<void*>(keys));
  }
  return copy;
}

}  // namespace

BridgeOut::~BridgeOut() {
  if (prefaulter_) prefaulter_->Stop();  // before the segment is unmapped (member order too)
}

void BridgeOut::Log(const std::string& line) const {
  if (options_.log) options_.log(line);
}

Result<std::unique_ptr<BridgeOut>> BridgeOut::Start(const BridgeOutOptions& options) {
  std::unique_ptr<BridgeOut> b(new BridgeOut());
  b->options_ = options;
  if (options.window == 0) return Status::InvalidArgument("--window must be at least 1");
  b->subject_ = SubjectFor(options.stream.subject_prefix, options.user, options.session_id);
  b->msg_id_prefix_ = MessageIdPrefix(options.user, options.session_id);
  EVBUS_ASSIGN_OR_RETURN(b->segment_, shm::Segment::Open(options.session_id, options.user));
  BridgeOut* raw = b.get();
  b->prefaulter_ = std::make_unique<RingPrefaulter>(b->segment_.get(), ThreadFactory{},
                                                    [raw](const std::string& l) { raw->Log(l); });
  b->prefaulter_->Note();  // starts it: the ring's pages are mapped here while NATS connects
  b->window_ = std::make_unique<PublishWindow>(options.window);
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.PublishAsync.AckHandler = &PublishWindow::OnAck;
  jo.PublishAsync.AckHandlerClosure = b->window_.get();
  EVBUS_ASSIGN_OR_RETURN(b->link_, NatsLink::Connect(options.nats, &jo));
  EVBUS_RETURN_IF_ERROR(EnsureStream(b->link_.get(), options.stream, b->subject_));
  EVBUS_ASSIGN_OR_RETURN(
      b->server_, ScanSubject(b->link_.get(), options.stream.name, b->subject_, options.window));
  b->status_ = BridgeStatus{"out",       options.session_id, options.user, b->link_->server(),
                            b->subject_, "starting"};
  b->status_.pid = ::getpid();
  b->status_.window = options.window;
  EVBUS_RETURN_IF_ERROR(b->Resume());
  return b;
}

// Attaches the durable slot and republishes what the server lacks between
// its resume point and the slot's cursor (docs/multi-host.md, point 2).
Status BridgeOut::Resume() {
  const std::uint64_t head = shm::LoadHalfAcquire(&segment_->claim()->next_id);
  const std::uint64_t first = segment_->header().first_id.load(std::memory_order_acquire);
  first_id_ = first;
  if (!server_.empty && server_.max_id >= head) {
    return Status::InvalidArgument("JetStream subject " + subject_ + " already holds ids up to " +
                                   std::to_string(server_.max_id) +
                                   " but this stream's ring ends at " + std::to_string(head) +
                                   ": it is another stream of the same name; use another --subject "
                                   "prefix or delete the subject's messages");
  }
  shm::SubscriberOptions so;
  so.name = kBridgeOutName;
  so.durable = true;
  so.start = server_.empty ? shm::StartAt::kOldest : shm::StartAt::kAtId;
  so.start_id = server_.empty ? 0 : server_.max_id + 1;
  EVBUS_ASSIGN_OR_RETURN(sub_, shm::Subscriber::Attach(segment_.get(), so));
  const std::uint64_t cursor = sub_->next_id();
  std::set<std::uint64_t> holes;
  std::uint64_t from = server_.empty ? first : server_.max_id + 1;
  if (!server_.empty) {
    const std::uint64_t lo =
        server_.max_id + 1 > options_.window ? server_.max_id + 1 - options_.window : 0;
    for (std::uint64_t id = std::max(lo, first); id <= server_.max_id; ++id) {
      if (server_.recent.count(id) == 0) holes.insert(id);
    }
    if (!holes.empty()) from = *holes.begin();
    skip_through_ = static_cast<std::int64_t>(server_.max_id);
    window_->SetAckedThrough(skip_through_);
  }
  if (!holes.empty()) {
    Log("bridge out: JetStream lacks " + std::to_string(holes.size()) + " of ids " +
        std::to_string(*holes.begin()) + ".." + std::to_string(server_.max_id) +
        " (a previous run stopped before their acknowledgement): publishing them again");
  }
  if (from < cursor) {
    EVBUS_RETURN_IF_ERROR(CatchUp(from, cursor, server_.empty ? 0 : server_.max_id, holes));
  }
  Log("bridge out: " + subject_ + " on " + link_->server() + " resumes after id " +
      (server_.empty ? std::string("none (empty subject)") : std::to_string(server_.max_id)));
  return Status::OK();
}

// Reads ids [from, end) with a non-durable reader and publishes those the
// server lacks (holes, and everything above server_max).
Status BridgeOut::CatchUp(std::uint64_t from, std::uint64_t end, std::uint64_t server_max,
                          const std::set<std::uint64_t>& holes) {
  shm::SubscriberOptions so;
  so.name = "bridge-out-catchup";
  so.start = shm::StartAt::kAtId;
  so.start_id = from;
  EVBUS_ASSIGN_OR_RETURN(auto reader, shm::Subscriber::Attach(segment_.get(), so));
  const bool server_empty = server_.empty;
  auto wanted = [&](std::uint64_t id) {
    return server_empty || id > server_max || holes.count(id) > 0;
  };
  shm::Record rec;
  while (reader->next_id() < end) {
    const shm::ReadStatus r = reader->Read(&rec, kReadWaitNs);
    prefaulter_->Note();
    if (r == shm::ReadStatus::kEmpty) continue;
    if (r == shm::ReadStatus::kGap) {
      const std::uint64_t last = std::min(rec.gap_last, end - 1);
      Log("bridge out: ids " + std::to_string(rec.gap_first) + ".." + std::to_string(last) +
          " are no longer in the ring and never reached JetStream: reported lost");
      for (std::uint64_t id = rec.gap_first; id <= last; ++id) {
        if (wanted(id)) PublishMarkers(id, id, "lost");
      }
      continue;
    }
    if (rec.id >= end || !wanted(rec.id)) continue;
    if (r == shm::ReadStatus::kRecord) {
      EVBUS_RETURN_IF_ERROR(Publish(rec.id, &rec));
    } else {
      PublishMarkers(rec.id, rec.id, "abandoned");
    }
  }
  return Status::OK();
}

Status BridgeOut::Publish(std::uint64_t id, const shm::Record* record) {
  while (!window_->WaitForRoom(kReadWaitNs / 1'000'000)) {
    ResendFailed();
    ReportStatus(false);
    if (options_.stop && options_.stop()) return Status::OK();
  }
  // "<user|_>:<sid>:<id>", built in a buffer kept across calls (no allocation).
  char digits[24];
  char* digits_end = std::to_chars(digits, digits + sizeof(digits), id).ptr;
  msg_id_.assign(msg_id_prefix_).append(digits, static_cast<std::size_t>(digits_end - digits));
  EVBUS_ASSIGN_OR_RETURN(natsMsg * msg, MakeEventMessage(subject_, id, record, first_id_, msg_id_));
  window_->Add(id, msg, shm::MonotonicNanos());  // before publishing: the ack may come first
  // No jsPubOptions.MaxWait: nats.c 3.4 would keep a timer entry per message
  // and deliver a timeout message for each one, acknowledged or not, once its
  // wait is over; ExpireAcks looks for overdue acknowledgements instead.
  while (js_PublishMsgAsync(link_->js(), &msg, nullptr) != NATS_OK) {
    ReportStatus(true);
    if (options_.stop && options_.stop()) {
      window_->Rebind(msg, nullptr, 0);  // never sent: its address may be reused
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(options_.nats.reconnect_wait_ms));
  }
  natsMsg_Destroy(msg);  // no-op once the library took it
  ++status_.forwarded;
  return Status::OK();
}

void BridgeOut::PublishMarkers(std::uint64_t first, std::uint64_t last, const char* why) {
  for (std::uint64_t id = first; id <= last; ++id) {
    if (std::string(why) == "lost") ++status_.lost;
    (void)Publish(id, nullptr);
  }
}

void BridgeOut::ResendFailed() {
  std::vector<natsMsg*> failed = window_->TakeFailed();
  if (failed.empty()) return;
  const std::int64_t now = shm::MonotonicNanos();
  if (now - last_warning_ns_ > 1'000'000'000) {
    last_warning_ns_ = now;
    Log("bridge out: " + std::to_string(failed.size()) + " publishes not acknowledged (" +
        window_->last_error() + "): waiting for NATS at " + link_->server() + " and resending");
  }
  for (natsMsg* old : failed) {
    natsMsg* m = CopyMessage(old);
    window_->Rebind(old, m, shm::MonotonicNanos());  // before publishing: the ack may come first
    natsMsg_Destroy(old);
    if (m == nullptr) continue;  // out of memory: its id stays unacknowledged
    while (js_PublishMsgAsync(link_->js(), &m, nullptr) != NATS_OK) {
      std::this_thread::sleep_for(std::chrono::milliseconds(options_.nats.reconnect_wait_ms));
    }
    natsMsg_Destroy(m);
  }
}

Status BridgeOut::Forward(shm::ReadStatus status, const shm::Record& record) {
  switch (status) {
    case shm::ReadStatus::kEmpty:
      return Status::OK();
    case shm::ReadStatus::kRecord:
      if (static_cast<std::int64_t>(record.id) <= skip_through_) return Status::OK();
      return Publish(record.id, &record);
    case shm::ReadStatus::kGap:
      Log("bridge out: ids " + std::to_string(record.gap_first) + ".." +
          std::to_string(record.gap_last) + " were overwritten before bridge-out read them: lost");
      PublishMarkers(record.gap_first, record.gap_last, "lost");
      return Status::OK();
    case shm::ReadStatus::kAbandoned:
    case shm::ReadStatus::kCorrupt:
      if (static_cast<std::int64_t>(record.id) <= skip_through_) return Status::OK();
      PublishMarkers(record.id, record.id, "abandoned");
      return Status::OK();
  }
  return Status::OK();
}

// Every message published before `now - api_wait_ms` and still without its
// acknowledgement, and with it every other one nats.c still waits for, is
// taken back from nats.c (whose late acknowledgements are then ignored) and
// handed to ResendFailed; the server drops the duplicates by Nats-Msg-Id.
void BridgeOut::ExpireAcks(std::int64_t now) {
  if (!window_->OverdueBefore(now - options_.nats.api_wait_ms * 1'000'000)) return;
  natsMsgList pending{};
  if (js_PublishAsyncGetPendingList(&pending, link_->js()) != NATS_OK) return;
  const std::string why =
      "no acknowledgement within " + std::to_string(options_.nats.api_wait_ms) + " ms";
  for (int i = 0; i < pending.Count; ++i) {
    window_->Failed(pending.Msgs[i], why);  // the window owns it now
    pending.Msgs[i] = nullptr;
  }
  natsMsgList_Destroy(&pending);
}

void BridgeOut::ReportStatus(bool force) {
  const std::int64_t now = shm::MonotonicNanos();
  if (!force && now - last_status_ns_ < kStatusEveryNs) return;
  last_status_ns_ = now;
  ExpireAcks(now);
  status_.state = link_->connected() ? "running" : "waiting for NATS at " + link_->server();
  status_.acknowledged_id = window_->AckedThrough();
  status_.head = shm::LoadHalfAcquire(&segment_->claim()->next_id);
  status_.in_flight = window_->in_flight();
  status_.reconnects = link_->reconnects();
  (void)WriteBridgeStatus(status_);
}

Status BridgeOut::Run() {
  shm::Record rec;
  while (!(options_.stop && options_.stop())) {
    ResendFailed();
    if (!window_->WaitForRoom(kReadWaitNs / 1'000'000)) {
      ReportStatus(false);
      continue;
    }
    const shm::ReadStatus r = sub_->Read(&rec, kReadWaitNs);
    prefaulter_->Note();  // lock-free and cheap unless the tail nears the populated bytes
    EVBUS_RETURN_IF_ERROR(Forward(r, rec));
    ReportStatus(false);
  }
  const std::int64_t deadline = shm::MonotonicNanos() + kDrainMs * 1'000'000;
  while (window_->in_flight() > 0 && shm::MonotonicNanos() < deadline) {
    ResendFailed();
    ReportStatus(false);
    window_->WaitDrained(50);
  }
  ReportStatus(true);
  status_.state = "stopped";
  (void)WriteBridgeStatus(status_);
  return Status::OK();
}

}  // namespace evbus::bridge
