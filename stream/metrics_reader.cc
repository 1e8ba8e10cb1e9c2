#include "stream/metrics_reader.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <string>

#include "base/file_env.h"
#include "core/timestamp.h"
#include "shm/liveness.h"
#include "shm/segment.h"
#include "stream/metrics_layout.h"
#include "stream/metrics_region.h"

namespace evbus {
namespace {

namespace ml = metrics_layout;

struct Candidate {
  std::string path;
  std::int64_t pid = 0;
};

// "<pid>" or "<pid>.<n>" (digits only).
bool ParseSuffix(std::string_view rest, std::int64_t* pid) {
  const std::size_t dot = rest.find('.');
  const std::string_view pid_part = rest.substr(0, dot);
  const std::string_view n_part = dot == std::string_view::npos ? "0" : rest.substr(dot + 1);
  auto digits = [](std::string_view s) {
    return !s.empty() && s.size() <= 10 &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!digits(pid_part) || !digits(n_part)) return false;
  *pid = std::stoll(std::string(pid_part));
  return true;
}

Result<std::vector<Candidate>> ListCandidates(std::string_view session_id,
                                              std::string_view user_id) {
  // The prefix of PathFor's file names; the header's names settle the rest.
  std::string prefix = MetricsRegion::PathFor(session_id, user_id, 0, 0);
  prefix = prefix.substr(ml::kDir.size(), prefix.size() - ml::kDir.size() - 1);
  const std::string dir_path(ml::kDir);
  auto names = Env::Default()->ListDir(dir_path);
  if (!names.ok()) return AddContext(names.status(), "", "; is /dev/shm mounted?");
  std::vector<Candidate> out;
  for (const std::string& name : *names) {
    if (std::string_view(name).substr(0, prefix.size()) != prefix) continue;
    Candidate c;
    if (!ParseSuffix(std::string_view(name).substr(prefix.size()), &c.pid)) continue;
    c.path = dir_path + name;
    out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end(), [](const Candidate& a, const Candidate& b) {
    return a.pid != b.pid ? a.pid < b.pid : a.path < b.path;
  });
  return out;
}

std::string NameField(const char* field) {
  return std::string(field, strnlen(field, ml::kNameBytes));
}

void ReadRecord(const ml::CallbackRecord& r, std::vector<CallbackSnapshot>* out) {
  auto& rec = const_cast<ml::CallbackRecord&>(r);  // loads only: the mapping is read-only
  // SYNC POINT READ: metrics.record -- identity and counters of this generation.
  const std::uint64_t before = r.state_word.load(std::memory_order_acquire);
  if ((before & ml::kStateMask) != ml::kStateLive) return;
  CallbackSnapshot c;
  c.subscriber_id = static_cast<SubscriberId>(
      std::atomic_ref<std::uint32_t>(rec.subscriber_id).load(std::memory_order_relaxed));
  const std::uint32_t length = std::min<std::uint32_t>(
      std::atomic_ref<std::uint32_t>(rec.callback_id_length).load(std::memory_order_relaxed),
      static_cast<std::uint32_t>(ml::kMaxCallbackIdBytes));
  for (std::uint32_t i = 0; i < length; ++i) {
    c.callback_id += std::atomic_ref<char>(rec.callback_id[i]).load(std::memory_order_relaxed);
  }
  LoadCallbackCounters(r.counters, &c);
  std::atomic_thread_fence(std::memory_order_acquire);
  if (r.state_word.load(std::memory_order_relaxed) != before) return;  // reused meanwhile
  out->push_back(std::move(c));
}

constexpr std::int64_t kUnfinishedGraceNs = 60'000'000'000;  // creation takes microseconds

// NotFound: not (yet) a complete metrics file, skip it (*unfinished says
// whether it is one nobody completed for a minute). AlreadyExists: another
// stream's file (its name extends ours), leave it alone.
Status ReadFile(const Candidate& c, std::string_view session_id, std::string_view user_id,
                StreamSnapshot* out, bool* unfinished) {
  *unfinished = false;
  auto file = Env::Default()->OpenMappableFile(c.path, MapOpenMode::kReadOnly, 0);
  if (!file.ok()) return Status::NotFound(c.path);  // gone, or another user's
  const Result<FileInfo> info = (*file)->Stat();
  if (!info.ok()) return Status::NotFound(c.path);
  const std::int64_t age_ns = NowNanos() - info->modified_unix_ns;
  if (info->size < ml::FileSize(0)) {
    *unfinished = age_ns > kUnfinishedGraceNs;
    return Status::NotFound(c.path);  // being created
  }
  const auto size = static_cast<std::size_t>(info->size);
  Result<MappedRegion> mapped = (*file)->Map(size);
  const Status closed = (*file)->Close();  // read-only: only reported
  if (!mapped.ok()) return Status::NotFound(c.path);
  if (!closed.ok()) return closed;
  const void* base = mapped->data();
  const auto& h = *static_cast<const ml::FileHeader*>(base);
  Status result = Status::OK();
  // SYNC POINT READ: metrics.magic -- the header is complete.
  const std::uint64_t magic = h.magic.load(std::memory_order_acquire);
  if (magic == 0) {
    *unfinished = age_ns > kUnfinishedGraceNs;
    result = Status::NotFound(c.path);  // being created (or its creator died first)
  } else if (magic != ml::kMagic || h.layout_version != ml::kLayoutVersion ||
             h.header_size != sizeof(ml::FileHeader) ||
             h.record_size != sizeof(ml::CallbackRecord) ||
             ml::FileSize(h.record_capacity) > size) {
    result = Status::Corruption("'" + c.path + "' is not a metrics file of layout version " +
                                std::to_string(ml::kLayoutVersion) +
                                " (another evbus version?); remove it with: rm " + c.path);
  } else if (NameField(h.session_id) != session_id || NameField(h.user_id) != user_id) {
    result = Status::AlreadyExists(c.path);  // a stream whose name extends ours
  } else {
    out->session_id = std::string(session_id);
    out->user_id = std::string(user_id);
    out->pid = h.pid;
    out->stale = !shm::ProcessAlive(static_cast<pid_t>(h.pid), h.start_ticks);
    out->events_added = h.counters.events_added.load(std::memory_order_relaxed);
    out->events_dispatched = h.counters.events_dispatched.load(std::memory_order_relaxed);
    out->dispatch_gaps = h.counters.dispatch_gaps.load(std::memory_order_relaxed);
    out->unpublished = h.counters.unpublished.load(std::memory_order_relaxed);
    const auto* records = reinterpret_cast<const ml::CallbackRecord*>(
        static_cast<const char*>(base) + sizeof(ml::FileHeader));
    for (std::uint32_t i = 0; i < h.record_capacity; ++i) ReadRecord(records[i], &out->callbacks);
  }
  return result;  // `mapped` unmaps
}

// A dead process's file. Another reader may have removed it first
// (NotFound); any other failure leaves it for the next reader to try.
void RemoveStale(const std::string& path) { (void)Env::Default()->RemoveFile(path); }

}  // namespace

Result<std::vector<StreamSnapshot>> ReadStreamMetrics(std::string_view session_id,
                                                      std::string_view user_id,
                                                      const MetricsReadOptions& options) {
  if (Status s = shm::ValidateNamePart(session_id, "session id"); !s.ok()) return s;
  if (!user_id.empty()) {
    if (Status s = shm::ValidateNamePart(user_id, "user id"); !s.ok()) return s;
  }
  auto candidates = ListCandidates(session_id, user_id);
  if (!candidates.ok()) return candidates.status();
  std::vector<StreamSnapshot> out;
  for (const Candidate& c : *candidates) {
    StreamSnapshot snapshot;
    bool unfinished = false;
    Status s = ReadFile(c, session_id, user_id, &snapshot, &unfinished);
    if (s.code() == Status::Code::kAlreadyExists) continue;
    if (s.code() == Status::Code::kNotFound) {
      // A file nobody finished creating, whose owner is gone, is stale too.
      if (options.remove_stale && unfinished) RemoveStale(c.path);
      continue;
    }
    if (!s.ok()) return s;
    if (snapshot.stale && options.remove_stale) RemoveStale(c.path);
    if (snapshot.stale && !options.include_stale) continue;
    out.push_back(std::move(snapshot));
  }
  return out;
}

std::size_t RemoveStaleStreamMetrics(std::string_view session_id, std::string_view user_id) {
  MetricsReadOptions options;
  options.include_stale = true;
  options.remove_stale = true;
  auto read = ReadStreamMetrics(session_id, user_id, options);
  if (!read.ok()) return 0;
  return static_cast<std::size_t>(
      std::count_if(read->begin(), read->end(), [](const StreamSnapshot& s) { return s.stale; }));
}

}  // namespace evbus
