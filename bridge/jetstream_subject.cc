#include "bridge/jetstream_subject.h"

#include <charconv>
#include <memory>
#include <vector>

namespace evbus::bridge {
namespace {

struct InfoDeleter {
  void operator()(jsStreamInfo* si) const { jsStreamInfo_Destroy(si); }
};
struct SubDeleter {
  void operator()(natsSubscription* s) const {
    natsSubscription_Unsubscribe(s);
    natsSubscription_Destroy(s);
  }
};
struct MsgDeleter {
  void operator()(natsMsg* m) const { natsMsg_Destroy(m); }
};
using MsgPtr = std::unique_ptr<natsMsg, MsgDeleter>;

// True when NATS subject pattern `pattern` matches `subject` ("*", ">").
bool SubjectMatches(const std::string& pattern, const std::string& subject) {
  std::size_t p = 0, s = 0;
  while (p < pattern.size() && s <= subject.size()) {
    std::size_t pe = pattern.find('.', p), se = subject.find('.', s);
    if (pe == std::string::npos) pe = pattern.size();
    if (se == std::string::npos) se = subject.size();
    const std::string_view tok(pattern.data() + p, pe - p);
    if (tok == ">") return s < subject.size();
    if (s >= subject.size()) return false;
    if (tok != "*" && tok != std::string_view(subject.data() + s, se - s)) return false;
    p = pe + 1;
    s = se + 1;
  }
  return p >= pattern.size() && s > subject.size();
}

Status CheckCovers(const jsStreamInfo& si, const StreamSpec& spec, const std::string& subject) {
  std::string list;
  for (int i = 0; i < si.Config->SubjectsLen; ++i) {
    if (SubjectMatches(si.Config->Subjects[i], subject)) return Status::OK();
    list += (list.empty() ? "" : ", ") + std::string(si.Config->Subjects[i]);
  }
  return Status::InvalidArgument("JetStream stream " + spec.name + " does not store subject " +
                                 subject + " (its subjects: " + list +
                                 "): pass --stream with the stream that does, or --subject "
                                 "with a prefix it stores");
}

Status CreateStream(NatsLink* link, const StreamSpec& spec, const std::string& subject) {
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  const std::string pattern = spec.subject_prefix + ".>";
  const char* subjects[] = {pattern.c_str()};
  cfg.Name = spec.name.c_str();
  cfg.Subjects = subjects;
  cfg.SubjectsLen = 1;
  cfg.Storage = js_FileStorage;
  cfg.Replicas = spec.replicas;
  cfg.Duplicates = spec.duplicate_window_ms * 1'000'000;
  jsStreamInfo* si = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_AddStream(&si, link->js(), &cfg, nullptr, &jerr);
  if (si != nullptr) jsStreamInfo_Destroy(si);
  if (s == NATS_OK) return Status::OK();
  if (jerr == JSStreamSubjectOverlapErr) {
    return Status::AlreadyExists("subject " + subject + " (" + pattern +
                                 ") belongs to another JetStream stream, not " + spec.name +
                                 ": pass --stream with that stream's name or another --subject");
  }
  return NatsError(s, "creating JetStream stream " + spec.name, link->config());
}

Result<std::uint64_t> ParseId(const char* text) {
  std::uint64_t id = 0;
  const std::string_view v(text);
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), id);
  if (ec != std::errc() || end != v.data() + v.size() || v.empty()) {
    return Status::InvalidArgument("Evbus-Id header \"" + std::string(v) + "\" is not an id");
  }
  return id;
}

}  // namespace

Result<std::uint64_t> LastSequenceOf(NatsLink* link, const std::string& stream,
                                     const std::string& subject) {
  natsMsg* raw = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetLastMsg(&raw, link->js(), stream.c_str(), subject.c_str(), nullptr, &jerr);
  MsgPtr last(raw);
  if (s == NATS_OK) return natsMsg_GetSequence(last.get());
  if (s == NATS_NOT_FOUND || jerr == JSNoMessageFoundErr) return std::uint64_t{0};
  return NatsError(s, "reading the last message of " + subject, link->config());
}

std::string SubjectFor(const std::string& prefix, const std::string& user,
                       const std::string& session_id) {
  return prefix + "." + (user.empty() ? "_" : user) + "." + session_id;
}

std::string MessageIdPrefix(const std::string& user, const std::string& session_id) {
  return (user.empty() ? "_" : user) + ":" + session_id + ":";
}

Status EnsureStream(NatsLink* link, const StreamSpec& spec, const std::string& subject) {
  jsStreamInfo* raw = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&raw, link->js(), spec.name.c_str(), nullptr, &jerr);
  std::unique_ptr<jsStreamInfo, InfoDeleter> si(raw);
  if (s == NATS_OK) return CheckCovers(*si, spec, subject);
  if (s != NATS_NOT_FOUND && jerr != JSStreamNotFoundErr) {
    return NatsError(s, "reading JetStream stream " + spec.name, link->config());
  }
  if (!spec.create) {
    return Status::NotFound("JetStream stream " + spec.name + " does not exist on " +
                            link->server() + ": create it (subjects " + spec.subject_prefix +
                            ".>) or pass --create-stream");
  }
  return CreateStream(link, spec, subject);
}

Result<std::uint64_t> EvbusIdOf(natsMsg* msg) {
  const char* value = nullptr;
  if (natsMsgHeader_Get(msg, "Evbus-Id", &value) != NATS_OK || value == nullptr) {
    return Status::InvalidArgument(std::string("message on ") + natsMsg_GetSubject(msg) +
                                   " has no Evbus-Id header: only evbus bridge out may publish "
                                   "to an evbus subject");
  }
  return ParseId(value);
}

Result<SubjectIds> ScanSubject(NatsLink* link, const std::string& stream,
                               const std::string& subject, std::uint64_t window) {
  SubjectIds out;
  // The end is the subject's last stream sequence, asked of the stream's
  // leader first: a consumer's NumPending can read 0 too early while the
  // cluster recovers from a node going away, and a scan cut short there
  // would resume from a stale point.
  EVBUS_ASSIGN_OR_RETURN(const std::uint64_t last, LastSequenceOf(link, stream, subject));
  if (last == 0) return out;
  natsSubscription* raw = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = stream.c_str();
  so.Ordered = true;
  so.Config.HeadersOnly = true;
  so.Config.DeliverPolicy = js_DeliverAll;
  natsStatus s = js_SubscribeSync(&raw, link->js(), subject.c_str(), nullptr, &so, &jerr);
  if (s != NATS_OK) return NatsError(s, "subscribing to " + subject, link->config());
  std::unique_ptr<natsSubscription, SubDeleter> sub(raw);
  std::vector<std::uint64_t> ids;
  for (;;) {
    natsMsg* m = nullptr;
    s = natsSubscription_NextMsg(&m, sub.get(), link->config().api_wait_ms);
    if (s != NATS_OK) return NatsError(s, "reading back " + subject, link->config());
    MsgPtr msg(m);
    EVBUS_ASSIGN_OR_RETURN(std::uint64_t id, EvbusIdOf(msg.get()));
    ids.push_back(id);
    ++out.messages;
    jsMsgMetaData* meta = nullptr;
    if (natsMsg_GetMetaData(&meta, msg.get()) != NATS_OK) {
      return Status::IOError("a message of " + subject + " carries no JetStream metadata");
    }
    const std::uint64_t seq = meta->Sequence.Stream;
    jsMsgMetaData_Destroy(meta);
    if (seq >= last) break;
  }
  for (std::uint64_t id : ids) {
    out.empty = false;
    if (id > out.max_id) out.max_id = id;
  }
  for (std::uint64_t id : ids) {
    if (id + window > out.max_id) out.recent.insert(id);
  }
  return out;
}

}  // namespace evbus::bridge
