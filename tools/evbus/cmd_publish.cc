// evbus publish STREAM: OpenHands event JSON on stdin, one per line; the
// assigned ids on stdout, one per line. A malformed line stops the run with
// its line number; every event before it stays published.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "core/event.h"
#include "core/redactor.h"
#include "shm/event_publish.h"
#include "shm/producer.h"
#include "stream/shared_secrets.h"
#include "tools/evbus/cli.h"
#include "tools/evbus/stream_args.h"

namespace evbus::cli {

namespace {

// Publishes input lines one by one: parse, check, redact with the stream's
// current secrets (reloaded whenever another process changes them), publish.
class LinePublisher {
 public:
  LinePublisher(shm::Producer* producer, SharedSecrets* secrets, Source default_source,
                std::int64_t timeout_ms)
      : producer_(producer), secrets_(secrets), default_source_(default_source) {
    options_.timeout_ns = timeout_ms * 1'000'000;
  }

  Result<std::uint64_t> Publish(const std::string& line) {
    auto event = ParseEvent(line);
    if (!event.ok()) return event.status();
    if (event->id != Event::kInvalidId) {
      return Status::InvalidArgument("event already has an id (" + std::to_string(event->id) +
                                     "); remove \"id\" to publish it as a new event");
    }
    if (event->source == Source::kNone && default_source_ == Source::kNone) {
      return Status::InvalidArgument("event has no \"source\"; add one or pass --source");
    }
    options_.source = event->source == Source::kNone ? default_source_ : Source::kNone;
    if (redactor_ == nullptr || secrets_->generation() != generation_) {
      EVBUS_ASSIGN_OR_RETURN(redactor_, secrets_->Current(&generation_));
    }
    return PublishEvent(*producer_, *redactor_, options_, &event.value(), &scratch_);
  }

 private:
  shm::Producer* producer_;
  SharedSecrets* secrets_;
  const Source default_source_;
  PublishOptions options_;
  std::shared_ptr<const Redactor> redactor_;
  std::uint64_t generation_ = 0;
  std::string scratch_;
};

// Publishes stdin's lines; stops at the first bad one, saying what was published.
int PublishLines(LinePublisher* publisher) {
  std::string line;
  std::size_t line_no = 0, published = 0;
  while (std::getline(std::cin, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto id = publisher->Publish(line);
    if (id.ok()) {
      std::printf("%llu\n", static_cast<unsigned long long>(*id));
      ++published;
      continue;
    }
    std::fflush(stdout);
    std::fprintf(stderr,
                 "evbus publish: line %zu: %s\n%zu event(s) before it were published; "
                 "nothing from line %zu on was. Fix the line and publish the rest again.\n",
                 line_no, id.status().message().c_str(), published, line_no);
    return kExitError;
  }
  return kExitOk;
}

}  // namespace

int CmdPublish(const std::vector<std::string>& argv) {
  auto args = Args::Parse(argv, FlagSpec{{"--user", "--source", "--timeout-ms"}, {}, {}}, 1, 1);
  if (!args.ok()) return UsageError("publish", args.status().message());
  auto target = StreamFromArgs(*args);
  if (!target.ok()) return UsageError("publish", target.status().message());
  Source default_source = Source::kNone;
  if (auto v = args->Get("--source")) {
    auto source = ParseSource(*v);
    if (!source.ok()) return UsageError("publish", "--source must be agent, user or environment");
    default_source = *source;
  }
  std::int64_t timeout_ms = 1000;
  if (auto v = args->Get("--timeout-ms")) {
    auto n = ParseInt(*v, "--timeout-ms");
    if (!n.ok()) return UsageError("publish", n.status().message());
    timeout_ms = *n;
  }
  auto opened = OpenSegment(*target);
  if (!opened.ok()) return Fail("publish", opened.status());
  std::unique_ptr<shm::Segment> segment = std::move(*opened);
  auto attached = shm::Producer::Attach(segment.get(), "cli-publish-" + std::to_string(getpid()));
  if (!attached.ok()) return Fail("publish", attached.status());
  std::unique_ptr<shm::Producer> producer = std::move(*attached);
  // The stream's shared secrets (evbus secrets / EventStream::SetSecrets).
  SharedSecrets secrets(segment.get(), SharedSecrets::PathFor(target->stream, target->user));
  std::uint64_t generation = 0;
  if (auto current = secrets.Current(&generation); !current.ok()) {
    return Fail("publish", current.status());
  }
  LinePublisher publisher(producer.get(), &secrets, default_source, timeout_ms);
  return PublishLines(&publisher);
}

}  // namespace evbus::cli
