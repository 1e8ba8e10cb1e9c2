// Scenario 6: secrets. The stream's secrets are set once (shared secrets
// file); several producer processes add events that carry them in every
// place a string can be (tests/fault/secret_events.h) while a persister
// stores them. Then the raw segment bytes (/dev/shm) and every file of the
// store are scanned for each secret, and every stored event is read back.
// The events also carry tokens nobody registered, of every built-in secret
// pattern format, which the stream's default patterns must redact: the scan
// looks for those as well.
//
// Targets: 0 occurrences of any secret or token; every event stored once,
// with all of its secret and token places redacted.
#include <signal.h>
#include <sys/wait.h>

#include <cinttypes>
#include <cstdio>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/temp_dir.h"
#include "persist/store.h"
#include "stream/event_stream.h"
#include "stream/shared_secrets.h"
#include "tests/fault/fault_child.h"
#include "tests/fault/fault_util.h"
#include "tests/fault/persist_check.h"
#include "tests/fault/secret_events.h"
#include "tests/fault/torture.h"

namespace evbus::torture {
namespace {

using namespace std::chrono_literals;

constexpr int kProducers = 3;

std::size_t Occurrences(std::string_view text, std::string_view needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string_view::npos;
       at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

// Reads the store back: events found (by marker), fully redacted or not.
void CheckStoredEvents(const std::string& root, const std::string& sid, std::uint64_t per_producer,
                       ScenarioResult* r) {
  auto store = persist::Store::Open(root, sid, "");
  if (!store.ok()) return r->Fail("store: " + store.status().ToString());
  std::set<std::pair<unsigned, std::uint64_t>> seen;
  std::uint64_t under_redacted = 0;
  persist::EventIterator it = (*store)->Search(persist::SearchQuery());
  while (it.Next()) {
    const std::string_view json = it.json();
    const std::size_t at = json.find("marker p=");
    unsigned p = 0;
    std::uint64_t s = 0;
    if (at == std::string_view::npos || std::sscanf(std::string(json.substr(at, 40)).c_str(),
                                                    "marker p=%u s=%" SCNu64, &p, &s) != 2) {
      ++r->torn;
      continue;
    }
    if (!seen.insert({p, s}).second) ++r->duplicated;
    // Every place holds a placeholder: "<secret_hidden>" for a registered
    // secret, "<secret_hidden:RULE>" for a token (or for a secret that is the
    // start of a longer token: "ghp_tortureTok..." followed by letters).
    if (Occurrences(json, "<secret_hidden") <
            static_cast<std::size_t>(kSecretPlaces + kPatternPlaces) ||
        Occurrences(json, "<secret_hidden:") < static_cast<std::size_t>(kPatternPlaces)) {
      ++under_redacted;
    }
    ++r->events_checked;
  }
  const std::uint64_t expected = kProducers * per_producer;
  if (seen.size() < expected) r->lost += expected - seen.size();
  ExpectAtMost(r, "events with a secret place not redacted", static_cast<double>(under_redacted),
               0);
}

EventStreamOptions SecretsStreamOptions(const std::string& store_root) {
  EventStreamOptions options;
  options.store_root = store_root;
  options.capacity = 8 << 20;
  options.max_event_size = 256 << 10;
  return options;
}

// Sets the torture secrets on the stream; `needles` gets their values.
Status SetTortureSecrets(EventStream* stream, std::vector<std::string>* needles) {
  Redactor::SecretMap secrets;
  for (const auto& [name, value] : TortureSecrets()) {
    secrets[name] = value;
    needles->push_back(value);
  }
  return stream->SetSecrets(secrets);
}

// Runs the producers, each adding `per_producer` events with secrets, and
// waits for them to exit.
void RunSecretProducers(const TortureConfig& config, const std::string& root,
                        const std::string& sid, std::uint64_t per_producer, const std::string& log,
                        ScenarioResult* r) {
  FaultChild producers[kProducers];
  for (int p = 0; p < kProducers && r->ok(); ++p) {
    if (!producers[p].Start({Helper(config, "torture_secret_proc"), root, sid, std::to_string(p),
                             std::to_string(per_producer)},
                            log)) {
      r->Fail("cannot start a producer");
    }
  }
  for (FaultChild& p : producers) {
    int status = 0;
    if (p.running() && (!p.Wait(&status, 300s) || !WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
      r->Fail("a producer failed (status " + std::to_string(status) + "); see " + log);
    }
  }
}

// How far the scan went: files scanned, and the secrets found in the
// secrets file (the control).
struct SecretScan {
  std::uint64_t files = 1;
  std::uint64_t body_files = 0;
  std::uint64_t control = 0;
};

// A file of the unregistered tokens in the form the scan looks for.
std::string TokenControlFile(const std::string& root) {
  const std::string path = root + "/tokens.control";
  if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
    for (const std::string& t : PatternTokenNeedles()) std::fprintf(f, "%s\n", t.c_str());
    std::fclose(f);
  }
  return path;
}

// Counts the secrets in the segment's bytes and in every store file into
// r->secrets_found; fails `r` when the control scan finds too few.
SecretScan ScanForSecrets(const std::string& shm_path, const std::string& root,
                          const std::string& sid, const std::string& log,
                          const std::vector<std::string>& needles, ScenarioResult* r) {
  SecretScan scan;
  r->secrets_found = static_cast<std::int64_t>(CountInFile(shm_path, needles));
  // The big events' body files beside the segment (docs/shm_layout.md, 13).
  const std::string body_prefix = "evbus-body." + sid + "+";
  for (const std::string& file : FilesUnder("/dev/shm")) {
    if (file.rfind("/dev/shm/" + body_prefix, 0) != 0) continue;
    r->secrets_found += static_cast<std::int64_t>(CountInFile(file, needles));
    ++scan.body_files;
    ++scan.files;
  }
  if (scan.body_files == 0) r->Fail("no body file of a big event was scanned");
  const std::string secrets_file = SharedSecrets::PathFor(sid, "");
  for (const std::string& file : FilesUnder(root)) {
    if (file == secrets_file || file == log) continue;
    r->secrets_found += static_cast<std::int64_t>(CountInFile(file, needles));
    ++scan.files;
  }
  // The unregistered tokens (the stream's default patterns) everywhere too.
  const std::vector<std::string> tokens = PatternTokenNeedles();
  r->secrets_found += static_cast<std::int64_t>(CountInFile(shm_path, tokens));
  for (const std::string& file : FilesUnder("/dev/shm")) {
    if (file.rfind("/dev/shm/" + body_prefix, 0) == 0) {
      r->secrets_found += static_cast<std::int64_t>(CountInFile(file, tokens));
    }
  }
  for (const std::string& file : FilesUnder(root)) {
    if (file != secrets_file && file != log && file != TokenControlFile(root)) {
      r->secrets_found += static_cast<std::int64_t>(CountInFile(file, tokens));
    }
  }
  // Control: the scan does find them where they belong (the secrets file,
  // and a file holding the tokens as they would be stored).
  scan.control = CountInFile(secrets_file, needles) + CountInFile(TokenControlFile(root), tokens);
  if (scan.control < needles.size() + tokens.size())
    r->Fail("the scan did not find the secrets in the secrets file or the token control file");
  return scan;
}

void RemoveSecretsFiles(const std::string& sid) {
  const std::string secrets_file = SharedSecrets::PathFor(sid, "");
  ::unlink(secrets_file.c_str());
  ::unlink((secrets_file + ".lock").c_str());
}

}  // namespace

ScenarioResult RunSecrets(const TortureConfig& config) {
  ScenarioResult r;
  r.name = "6 secrets";
  const std::uint64_t per_producer = static_cast<std::uint64_t>(config.Count(1000, 200));
  evbus::TempDir tmp("evbus_torture");
  const std::string sid = UniqueStream("torture-secrets");
  const std::string log = tmp.path() + "/persister.log";
  (void)shm::Segment::Remove(sid, "");
  auto stream = EventStream::Open(sid, SecretsStreamOptions(tmp.path()));
  std::vector<std::string> needles;
  Status s = stream.ok() ? SetTortureSecrets((*stream).get(), &needles) : stream.status();
  if (!s.ok()) {
    r.Fail("set-up: " + s.ToString());
    return r;
  }
  const std::string shm_path = "/dev/shm/" + (*stream)->segment().shm_name();
  FaultChild persister;
  if (!persister.Start({Helper(config, "evbus_persister"), "--root", tmp.path(), "--session", sid},
                       log) ||
      !WaitForDurableSubscriber(sid, 60s)) {
    r.Fail("the persister did not start; see " + log);
  }
  RunSecretProducers(config, tmp.path(), sid, per_producer, log, &r);
  const auto total = static_cast<std::int64_t>(kProducers * per_producer);
  if (r.ok() && !WaitForStoreLatest(tmp.path(), sid, total - 1, 120s)) {
    r.Fail("the persister did not store every event");
  }
  persister.Signal(SIGTERM);
  int status = 0;
  persister.Wait(&status, 60s);
  r.faults = total;  // events published with secrets in them
  const SecretScan scan = ScanForSecrets(shm_path, tmp.path(), sid, log, needles, &r);
  CheckStoredEvents(tmp.path(), sid, per_producer, &r);
  ExpectAtMost(&r, "secrets found", static_cast<double>(r.secrets_found), 0);
  ExpectAtMost(&r, "lost", static_cast<double>(r.lost), 0);
  ExpectAtMost(&r, "duplicated", static_cast<double>(r.duplicated), 0);
  ExpectAtMost(&r, "unreadable events", static_cast<double>(r.torn), 0);
  r.detail =
      std::to_string(scan.files) + " files scanned (the segment, " +
      std::to_string(scan.body_files) + " big-event body files and every store file) for " +
      std::to_string(needles.size()) + " secrets and " +
      std::to_string(PatternTokenNeedles().size()) +
      " unregistered tokens of every built-in pattern (control: " + std::to_string(scan.control) +
      " found in the secrets file and a token file)";
  (void)(*stream)->Close();
  (void)shm::Segment::Remove(sid, "");
  RemoveSecretsFiles(sid);
  return r;
}

}  // namespace evbus::torture
