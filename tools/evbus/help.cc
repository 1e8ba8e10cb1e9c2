#include <string_view>

#include "tools/evbus/cli.h"

namespace evbus::cli {
namespace {

struct HelpEntry {
  std::string_view name;
  const char* text;
};

constexpr const char* kFilterHelp =
    "FILTER: [--type CLASS]... [--exclude-type CLASS]... [--source agent|user|environment]\n"
    "        [--query TEXT] [--start-date ISO] [--end-date ISO] [--exclude-hidden]\n"
    "CLASS is an OpenHands class name such as CmdRunAction, or Action / Observation / Event.\n"
    "Dates are ISO 8601 (2025-07-18, 2025-07-18T17:01:36.799608, ...Z, ...+02:00), compared\n"
    "as instants and inclusive.\n";

constexpr HelpEntry kEntries[] = {
    {"create",
     "evbus create STREAM [--user U] [--capacity SIZE] [--max-event SIZE] [--mode OCTAL]\n"
     "                    [--index-slots N]\n"
     "  Creates the stream's shared-memory segment. Defaults: --capacity 64MiB (a power of\n"
     "  two), --max-event 1MiB, --index-slots 65536, --mode 0600 (owner only).\n"
     "  --max-event is the largest body kept in the ring itself; a larger event (up to\n"
     "  256 MiB less 64 KiB) goes to a body file beside it (docs/shm_layout.md).\n"},
    {"destroy", "evbus destroy STREAM [--user U]\n  Removes the stream's segment.\n"},
    {"list",
     "evbus list\n  Streams on this host, one JSON line each: stream, user, size, live\n"
     "  producers and subscribers, whether anything still uses it (alive).\n"},
    {"publish",
     "evbus publish STREAM [--user U] [--source agent|user|environment] [--timeout-ms N]\n"
     "  stdin: OpenHands event JSON, one per line (without \"id\"); stdout: the assigned id,\n"
     "  one per line. --source applies to lines without one. A malformed line stops the run\n"
     "  and is reported with its line number; the events before it stay published.\n"},
    {"tail",
     "evbus tail STREAM [--user U] [--from ID | --latest] [--follow] [FILTER]\n"
     "  stdout: events as JSON lines, in id order, from the ring (oldest retained by default).\n"
     "  Without --follow it stops once caught up. Gaps and abandoned ids go to stderr.\n"},
    {"search",
     "evbus search STREAM --root DIR [--user U] [--start ID] [--end ID] [--reverse]\n"
     "                    [--limit N] [--live] [FILTER]\n"
     "  stdout: persisted events as JSON lines, from the store under DIR (see evbus persist).\n"
     "  --start/--end bound the ids (inclusive); --reverse prints newest first.\n"
     "  --limit N: at most N events; --limit 0 (the default) means no limit.\n"
     "  --live: the store and the stream's ring as one stream, so events the persister has\n"
     "  not written yet are included (no hole, no duplicate).\n"},
    {"get",
     "evbus get STREAM --root DIR [--user U] [--live] (ID | --latest | --latest-id)\n"
     "  stdout: one persisted event as a JSON line, or with --latest-id the latest\n"
     "  persisted id (-1 when none). A missing id exits 1; an id with no event says\n"
     "  why (abandoned by which producer pid, overwritten, damaged). --live: also\n"
     "  events still only in the ring (see evbus help search).\n"},
    {"persist",
     "evbus persist STREAM --root DIR [--user U] [--fsync every|group:MS|page|never]\n"
     "                     [--openhands-layout] [--exit-when-idle SECONDS]\n"
     "  Drains the stream's ring into its store under DIR until SIGTERM/SIGINT; everything\n"
     "  read is synced before it exits. Exit 3: another persister holds the store.\n"
     "  --openhands-layout: also write OpenHands' files (DIR/sessions/<sid>/events/<id>.json\n"
     "  and event_cache pages of 25). --exit-when-idle SECONDS: exit once everything is\n"
     "  stored and no other process has used the stream for SECONDS.\n"},
    {"bridge",
     "evbus bridge out STREAM --nats URL [--user U] [--stream NAME] [--subject PREFIX]\n"
     "                 [--create-stream] [--replicas N] [--window N] [credentials]\n"
     "evbus bridge in STREAM --nats URL [--from ORIGIN] [--from-user U] [--capacity SIZE]\n"
     "evbus bridge status STREAM [--user U]\n"
     "  out: a durable subscriber (bridge-out) that publishes every event, exactly once, to\n"
     "  JetStream subject PREFIX.<user|_>.STREAM (default stream EVBUS, prefix evbus).\n"
     "  in: mirrors ORIGIN's subject into the local segment STREAM at the origin's ids.\n"
     "  Credentials: --nats-user/--nats-password, --nats-token, --nats-creds FILE (or\n"
     "  EVBUS_NATS_USER, EVBUS_NATS_PASSWORD, EVBUS_NATS_TOKEN); never printed.\n"
     "  Runs until SIGTERM/SIGINT. status: each bridge's last status line (JSON).\n"},
    {"serve",
     "evbus serve [--listen HOST:PORT] [--root DIR] [--token-file F] [--read-only]\n"
     "  Serves every stream of this host over HTTP until SIGTERM/SIGINT (docs/serve.md):\n"
     "  REST (/streams, /streams/<sid>/events, .../events/<id>, .../snapshot), live events\n"
     "  (/streams/<sid>/live: SSE, or WebSocket on upgrade), /metrics (Prometheus) and a\n"
     "  page at /. --listen: default 127.0.0.1:8787 (port 0: any free port); an address\n"
     "  other than loopback needs --token-file (a bearer token every request must send).\n"
     "  --root: the store root, for events the ring no longer holds. --read-only: no POST.\n"},
    {"secrets",
     "evbus secrets STREAM [--user U] (set | update)\n"
     "evbus secrets STREAM [--user U] patterns (list | enable NAME | disable NAME |\n"
     "                                          add NAME REGEX | remove NAME |\n"
     "                                          placeholder TEXT)\n"
     "  stdin: a JSON object {\"NAME\": \"value\"}. set replaces the stream's secrets,\n"
     "  update merges into them. Every publisher redacts them from then on.\n"
     "  patterns: token formats redacted although nobody registered them. list shows\n"
     "  the built-ins (all on for a new stream) and the user patterns; enable and\n"
     "  disable switch a built-in; add and remove a user regular expression (a bad\n"
     "  one is refused, naming it, and the patterns in force stay); placeholder sets\n"
     "  what replaces a match ({rule}: the pattern's name). docs/redaction.md.\n"},
    {"sessions",
     "evbus sessions --root DIR [--user U]\n"
     "  The streams stored under DIR, one JSON line each: stream, user, events (ids\n"
     "  0..latest_id, abandoned ones included), latest_id, first_timestamp and\n"
     "  last_timestamp (null when empty), bytes on disk, persister_alive and\n"
     "  persister_pid (0 when none). Without --user: every user's streams and those\n"
     "  without one; with --user U: only U's.\n"},
    {"delete",
     "evbus delete STREAM --root DIR [--user U]\n"
     "  Deletes the stream's store under DIR (its evbus/ directory; OpenHands' own\n"
     "  files beside it stay). Refused (exit 1) while a persister holds the store:\n"
     "  stop it first. The segment is untouched (see evbus destroy).\n"},
    {"import-openhands",
     "evbus import-openhands SESSION_DIR STREAM --root DIR [--user U] [--replace]\n"
     "  Reads an OpenHands conversation directory (SESSION_DIR/events/<id>.json and\n"
     "  SESSION_DIR/event_cache/<a>-<b>.json; a cache page's copy wins) into the\n"
     "  stream's store under DIR. Missing ids are stored as abandoned. A stream that\n"
     "  already has stored events is refused unless --replace, which deletes its\n"
     "  store first. stdout: one JSON line of counts. Progress on stderr when it is\n"
     "  a terminal.\n"},
    {"export-openhands",
     "evbus export-openhands STREAM OUT_DIR --root DIR [--user U]\n"
     "  Writes the stream's stored events in OpenHands' layout: OUT_DIR/events/<id>.json\n"
     "  and OUT_DIR/event_cache/<a>-<b>.json (complete pages of 25 ids). OUT_DIR must\n"
     "  not hold events already. stdout: one JSON line of counts. Progress on stderr\n"
     "  when it is a terminal.\n"},
    {"inspect",
     "evbus inspect STREAM [--user U] [--watch SECONDS] [--json | --prometheus]\n"
     "  A read-only view of a live stream (the segment is mapped read-only; nothing\n"
     "  is changed): layout and sizes; producers (pid, alive, events, bytes,\n"
     "  back-pressure waits, in-flight claim); subscribers (name, pid, cursor, lag in\n"
     "  events and bytes, delivered, events/s, gaps, durable); the persister's durable\n"
     "  id and lag; the last 5 events (id, source, type, message excerpt as stored,\n"
     "  i.e. redacted); the abandoned ids still in the ring, with the pid of the\n"
     "  producer that abandoned them.\n"
     "  Rates are the difference of two snapshots: without --watch over a 0.2 s\n"
     "  sample; with --watch over the refresh interval (the first frame over 0.2 s).\n"
     "  --watch SECONDS  refresh every SECONDS (fractions allowed) until SIGINT/SIGTERM\n"
     "                   or the stream is destroyed (exit 1); on a terminal the screen\n"
     "                   is redrawn in place, otherwise frames follow each other,\n"
     "                   separated by a blank line.\n"
     "  --json           one JSON object per frame, one line each.\n"
     "  --prometheus     text exposition format 0.0.4, metrics named evbus_*, labels\n"
     "                   stream, user, producer_*/subscriber_* (slot, name, pid);\n"
     "                   rates are left to Prometheus' rate() over the _total counters.\n"},
    {"bench",
     "evbus bench [WORKLOAD ...] [--csv] [--cpus A,B] [--time-ms N]\n"
     "  Runs named workloads, each measured beside a baseline in the same run, and\n"
     "  prints workload, metric, evbus, baseline, ratio (how many times better evbus\n"
     "  is) as a table, or CSV with --csv. Default: every workload, a few seconds.\n"
     "    publish    ring publish of 512 B events/s vs a mutex + std::deque\n"
     "    add_event  EventStream add_event (~1 KiB events, 20 secrets) vs the same\n"
     "               redaction + serialize + mutex + std::deque\n"
     "    persist    store append with group commit vs write(2) + fdatasync every 5 ms\n"
     "    latency    publish -> read p50/p99 across two processes vs a pipe ping-pong\n"
     "  --cpus A,B: the CPUs of the sender and the receiver (default 0,1);\n"
     "  --time-ms N: time per measurement (default 300). Progress on stderr when it\n"
     "  is a terminal.\n"
     "evbus bench ipc [--csv] [--cpus A,B] [--time-ms N] [--repeat N] [--cdf DIR]\n"
     "  The ring between two processes pinned to A and B, beside the floor (one\n"
     "  cache line bounced through shared memory), a raw SPSC ring, a pipe and a Unix\n"
     "  socket, all in one run: one-way latency p50/p99/p99.9/max at 64 B and 1 KiB\n"
     "  (busy-poll and blocking) and throughput 1->1, 1->4, 2->1; then the ratio\n"
     "  targets, each met or MISSED. --csv: peer,metric,payload,value,unit.\n"
     "  --cdf DIR: latency CDF files for bench/ipc_cdf.gp. --time-ms: per\n"
     "  measurement (default 200). --repeat N: rounds (default 3); latency of\n"
     "  the rounds' samples pooled, rates their median.\n"},
    {"demo",
     "evbus demo\n"
     "  Plays a short scene on one host: a stream is created, a persister (evbus persist\n"
     "  into a temporary root), an agent process (messages and run actions), a runtime\n"
     "  process (answers each run action with an observation caused by it; some outputs\n"
     "  hold a registered secret) and a server subscriber start; the inspector shows\n"
     "  them live for about 3 s; then the store is searched and a summary printed\n"
     "  (events, per-source counts, delivery latency percentiles, and a scan of the\n"
     "  segment and every store file for the secret). Cleans up after itself, also on\n"
     "  failure and Ctrl-C. Exit 0 when every event was delivered and stored and no\n"
     "  secret was found.\n"},
};

}  // namespace

const char* GeneralHelp() {
  return "evbus: a shared-memory event bus for OpenHands events.\n\n"
         "usage: evbus SUBCOMMAND [ARGS]\n\n"
         "  create    create a stream's shared-memory segment\n"
         "  destroy   remove a stream's segment\n"
         "  list      streams on this host\n"
         "  publish   publish events from stdin (JSON lines)\n"
         "  tail      print events from the ring (JSON lines)\n"
         "  search    print persisted events (JSON lines)\n"
         "  get       print one persisted event, or the latest id\n"
         "  persist   write a stream's events to disk until stopped\n"
         "  secrets   set or update the secrets publishers redact\n"
         "  sessions  the streams stored under a root (JSON lines)\n"
         "  delete    delete a stream's store\n"
         "  import-openhands  read an OpenHands conversation directory into a store\n"
         "  export-openhands  write a store in OpenHands' layout\n"
         "  bench     throughput and latency beside same-run baselines\n"
         "  inspect   a live, read-only view of a stream (text, JSON, Prometheus)\n"
         "  bridge    forward a stream to NATS JetStream, or mirror one from it\n"
         "  serve     the streams over HTTP: REST, SSE, WebSocket, Prometheus, a page\n"
         "  demo      a short multi-process demo\n"
         "  help      this text, or `evbus help SUBCOMMAND`\n\n"
         "stdout carries data (JSON lines), stderr human messages.\n"
         "Exit status: 0 ok, 1 error, 2 usage.\n";
}

const char* SubcommandHelp(std::string_view subcommand) {
  if (subcommand == "filter") return kFilterHelp;
  for (const HelpEntry& entry : kEntries) {
    if (entry.name == subcommand) return entry.text;
  }
  return nullptr;
}

}  // namespace evbus::cli
