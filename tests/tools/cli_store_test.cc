// End-to-end tests of the store subcommands of the `evbus` executable
// (sessions, delete, import-openhands, export-openhands, bench): each test
// runs the real binary (fork/exec) and checks exit codes, stdout and stderr.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/testutil/trajectories.h"
#include "tests/tools/cli_test_util.h"

namespace evbus {
namespace {

namespace fs = std::filesystem;

using testutil::Lines;
using testutil::ReadAll;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class CliStoreTest : public testutil::CliFixture {
 protected:
  CliStoreTest() : CliFixture("cli-store") {}

  // Creates the stream, publishes `count` events and starts `evbus persist`,
  // returning once the store holds them all (or failing at a deadline).
  void PublishAndStartPersister(int count) {
    ASSERT_EQ(Run({"create", stream_}).exit_code, 0);
    std::string text;
    for (int i = 0; i < count; ++i) {
      text += R"({"action":"run","source":"agent","args":{"command":"echo )" + std::to_string(i) +
              "\"}}\n";
    }
    Result published = Run({"publish", stream_}, text);
    ASSERT_EQ(published.exit_code, 0) << published.err;
    ASSERT_NO_FATAL_FAILURE(StartPersisterUpTo(count - 1));
  }
};

rapidjson::Document Parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  EXPECT_FALSE(doc.HasParseError()) << text;
  return doc;
}

// Writes `events` (id -> JSON) as OpenHands does: <dir>/events/<id>.json.
void WriteSessionDir(const std::string& dir, const std::map<std::int64_t, std::string>& events) {
  fs::create_directories(dir + "/events");
  for (const auto& [id, json] : events) {
    std::ofstream(dir + "/events/" + std::to_string(id) + ".json", std::ios::binary) << json;
  }
}

// id -> event JSON of one trajectory file (a JSON array of events).
std::map<std::int64_t, std::string> TrajectoryEvents(const std::string& name) {
  std::map<std::int64_t, std::string> events;
  rapidjson::Document doc = Parse(ReadAll(testutil::kTrajectoryDir + "/" + name));
  EXPECT_TRUE(doc.IsArray()) << name;
  if (!doc.IsArray()) return events;
  for (const auto& event : doc.GetArray()) {
    rapidjson::StringBuffer text;
    rapidjson::Writer<rapidjson::StringBuffer> writer(text);
    event.Accept(writer);
    events[event["id"].GetInt64()] = std::string(text.GetString(), text.GetSize());
  }
  return events;
}

TEST_F(CliStoreTest, SessionsListsAPersistedStreamAndItsLivePersister) {
  ASSERT_NO_FATAL_FAILURE(PublishAndStartPersister(5));
  Result live = Run({"sessions", "--root", root_});
  ASSERT_EQ(live.exit_code, 0) << live.err;
  std::vector<std::string> lines = Lines(live.out);
  ASSERT_EQ(lines.size(), 1u) << live.out;
  rapidjson::Document row = Parse(lines[0]);
  EXPECT_EQ(std::string(row["stream"].GetString()), stream_);
  EXPECT_EQ(std::string(row["user"].GetString()), "");
  EXPECT_EQ(row["events"].GetInt64(), 5);
  EXPECT_EQ(row["latest_id"].GetInt64(), 4);
  EXPECT_TRUE(row["first_timestamp"].IsString()) << lines[0];
  EXPECT_TRUE(row["last_timestamp"].IsString()) << lines[0];
  EXPECT_LE(std::string(row["first_timestamp"].GetString()),
            std::string(row["last_timestamp"].GetString()));
  EXPECT_GT(row["bytes"].GetUint64(), 0u);
  EXPECT_TRUE(row["persister_alive"].GetBool());
  EXPECT_EQ(row["persister_pid"].GetInt(), persist_pid_);

  StopPersister();
  Result stopped = Run({"sessions", "--root", root_});
  ASSERT_EQ(stopped.exit_code, 0) << stopped.err;
  ASSERT_EQ(Lines(stopped.out).size(), 1u) << stopped.out;
  row = Parse(Lines(stopped.out)[0]);
  EXPECT_FALSE(row["persister_alive"].GetBool());
  EXPECT_EQ(row["persister_pid"].GetInt(), 0);

  Result other_user = Run({"sessions", "--root", root_, "--user", "somebody"});
  EXPECT_EQ(other_user.exit_code, 0) << other_user.err;
  EXPECT_EQ(other_user.out, "");
}

TEST_F(CliStoreTest, SessionsListsAStoreWithoutPagesAsEmptyAndImportFillsIt) {
  // What a persister that has just started leaves: the store directory, no pages yet.
  fs::create_directories(root_ + "/sessions/" + stream_ + "/evbus");
  Result empty = Run({"sessions", "--root", root_});
  ASSERT_EQ(empty.exit_code, 0) << empty.err;
  ASSERT_EQ(Lines(empty.out).size(), 1u) << empty.out;
  rapidjson::Document row = Parse(Lines(empty.out)[0]);
  EXPECT_EQ(row["events"].GetInt64(), 0);
  EXPECT_EQ(row["latest_id"].GetInt64(), -1);
  EXPECT_TRUE(row["first_timestamp"].IsNull());
  EXPECT_FALSE(row["persister_alive"].GetBool());

  const std::string session = dir_.path() + "/oh";
  WriteSessionDir(session, TrajectoryEvents("basic.json"));
  Result imported = Run({"import-openhands", session, stream_, "--root", root_});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  row = Parse(Lines(Run({"sessions", "--root", root_}).out).at(0));
  EXPECT_EQ(row["latest_id"].GetInt64(), 5);
  EXPECT_TRUE(row["first_timestamp"].IsString());
}

TEST_F(CliStoreTest, DeleteIsRefusedWhileThePersisterRunsAndWorksAfterItStops) {
  ASSERT_NO_FATAL_FAILURE(PublishAndStartPersister(3));
  Result refused = Run({"delete", stream_, "--root", root_});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_TRUE(Contains(refused.err, "is being persisted by pid " + std::to_string(persist_pid_)))
      << refused.err;
  EXPECT_TRUE(Contains(refused.err, "stop that persister first")) << refused.err;
  EXPECT_EQ(Lines(Run({"search", stream_, "--root", root_}).out).size(), 3u)
      << "a refused delete removed events";

  StopPersister();
  Result deleted = Run({"delete", stream_, "--root", root_});
  EXPECT_EQ(deleted.exit_code, 0) << deleted.err;
  EXPECT_EQ(Run({"sessions", "--root", root_}).out, "");
  Result search = Run({"search", stream_, "--root", root_});
  EXPECT_EQ(search.exit_code, 1);
  EXPECT_TRUE(Contains(search.err, "has no persisted store")) << search.err;

  Result again = Run({"delete", stream_, "--root", root_});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_TRUE(Contains(again.err, "no stored stream \"" + stream_ + "\"")) << again.err;
  EXPECT_TRUE(Contains(again.err, "evbus sessions --root " + root_)) << again.err;
}

// `evbus persist --openhands-layout --exit-when-idle S`: OpenHands' own files
// beside the store, and the persister goes away by itself once the stream has
// been idle (no other process uses it) for S seconds, with everything stored.
TEST_F(CliStoreTest, PersistWritesOpenHandsFilesAndExitsWhenIdle) {
  ASSERT_EQ(Run({"create", stream_}).exit_code, 0);
  std::string text;
  for (int i = 0; i < 30; ++i) {
    text += R"({"action":"run","source":"agent","args":{"command":"echo )" + std::to_string(i) +
            "\"}}\n";
  }
  ASSERT_EQ(Run({"publish", stream_}, text).exit_code, 0);
  const int n = ++runs_;
  const pid_t pid =
      Start({"persist", stream_, "--root", root_, "--openhands-layout", "--exit-when-idle", "0.2"},
            "", n);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  siginfo_t info{};
  while (std::chrono::steady_clock::now() < deadline) {
    info.si_pid = 0;
    ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT), 0);
    if (info.si_pid == pid) break;
    ::usleep(20'000);  // poll interval, bounded by the deadline
  }
  if (info.si_pid != pid) ::kill(pid, SIGKILL);
  Result done = Collect(pid, n);
  ASSERT_EQ(info.si_pid, pid) << "the persister did not exit when idle: " << done.err;
  EXPECT_EQ(done.exit_code, 0) << done.err;
  EXPECT_EQ(Run({"get", stream_, "--root", root_, "--latest-id"}).out, "29\n");
  const std::string session = root_ + "/sessions/" + stream_;
  EXPECT_TRUE(Contains(ReadAll(session + "/events/29.json"), "echo 29")) << session;
  EXPECT_TRUE(Contains(ReadAll(session + "/event_cache/0-25.json"), "echo 24"));

  Result bad = Run({"persist", stream_, "--root", root_, "--exit-when-idle", "soon"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(Contains(bad.err, "--exit-when-idle takes a number of seconds above 0")) << bad.err;
}

TEST_F(CliStoreTest, ImportThenExportOfEveryTrajectoryReproducesTheSameEvents) {
  for (const char* name : {"basic.json", "basic_gui_mode.json", "basic_interactions.json",
                           "wrong_initial_state.json"}) {
    SCOPED_TRACE(name);
    const auto original = TrajectoryEvents(name);
    ASSERT_FALSE(original.empty());
    const std::string session = dir_.path() + "/oh-" + name;
    const std::string out = dir_.path() + "/export-" + name;
    const std::string stream = std::string("traj-") + name;
    WriteSessionDir(session, original);

    Result imported = Run({"import-openhands", session, stream, "--root", root_});
    ASSERT_EQ(imported.exit_code, 0) << imported.err;
    EXPECT_EQ(imported.err, "") << "progress must stay off when stderr is not a terminal";
    rapidjson::Document counts = Parse(imported.out);
    EXPECT_EQ(counts["imported"].GetUint64(), original.size());
    EXPECT_EQ(counts["missing"].GetUint64(),
              static_cast<std::uint64_t>(original.rbegin()->first + 1) - original.size());

    Result exported = Run({"export-openhands", stream, out, "--root", root_});
    ASSERT_EQ(exported.exit_code, 0) << exported.err;
    EXPECT_EQ(Parse(exported.out)["events"].GetUint64(), original.size());
    std::size_t files = 0;
    for (const auto& entry : fs::directory_iterator(out + "/events")) {
      (void)entry;
      ++files;
    }
    EXPECT_EQ(files, original.size());
    for (const auto& [id, json] : original) {
      const std::string path = out + "/events/" + std::to_string(id) + ".json";
      ASSERT_TRUE(fs::exists(path)) << path;
      EXPECT_TRUE(Parse(ReadAll(path)) == Parse(json)) << name << " id " << id << "\n"
                                                       << ReadAll(path) << "\n"
                                                       << json;
    }
  }
}

TEST_F(CliStoreTest, ExportWritesCachePagesOf25AndImportRefusesAStoredStream) {
  // 60 dense events: the trajectories' events, cycled, with ids 0..59.
  const std::vector<std::string> texts = testutil::TrajectoryEventTexts();
  ASSERT_FALSE(texts.empty());
  std::map<std::int64_t, std::string> events;
  for (std::int64_t id = 0; id < 60; ++id) {
    rapidjson::Document doc = Parse(texts[static_cast<std::size_t>(id) % texts.size()]);
    doc["id"].SetInt64(id);
    rapidjson::StringBuffer text;
    rapidjson::Writer<rapidjson::StringBuffer> writer(text);
    doc.Accept(writer);
    events[id] = std::string(text.GetString(), text.GetSize());
  }
  const std::string session = dir_.path() + "/oh";
  WriteSessionDir(session, events);
  ASSERT_EQ(Run({"import-openhands", session, stream_, "--root", root_}).exit_code, 0);

  Result again = Run({"import-openhands", session, stream_, "--root", root_});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_TRUE(Contains(again.err, "already has stored events (ids 0..59)")) << again.err;
  EXPECT_TRUE(Contains(again.err, "--replace")) << again.err;
  Result replaced = Run({"import-openhands", session, stream_, "--root", root_, "--replace"});
  EXPECT_EQ(replaced.exit_code, 0) << replaced.err;
  EXPECT_EQ(Parse(replaced.out)["imported"].GetUint64(), 60u);

  const std::string out = dir_.path() + "/out";
  Result exported = Run({"export-openhands", stream_, out, "--root", root_});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_EQ(Parse(exported.out)["cache_pages"].GetUint64(), 2u);
  for (int start : {0, 25}) {
    const std::string page =
        out + "/event_cache/" + std::to_string(start) + "-" + std::to_string(start + 25) + ".json";
    rapidjson::Document doc = Parse(ReadAll(page));
    ASSERT_TRUE(doc.IsArray()) << page;
    ASSERT_EQ(doc.Size(), 25u) << page;
    for (rapidjson::SizeType i = 0; i < 25; ++i) {
      EXPECT_TRUE(doc[i] == Parse(events[start + static_cast<int>(i)])) << page << " entry " << i;
    }
  }
  EXPECT_FALSE(fs::exists(out + "/event_cache/50-75.json")) << "an incomplete page was written";

  Result into_full = Run({"export-openhands", stream_, out, "--root", root_});
  EXPECT_EQ(into_full.exit_code, 1);
  EXPECT_TRUE(Contains(into_full.err, "is not empty")) << into_full.err;
}

TEST_F(CliStoreTest, ImportShowsProgressOnATerminal) {
  const int master = ::posix_openpt(O_RDWR | O_NOCTTY);
  ASSERT_GE(master, 0);
  ASSERT_EQ(::grantpt(master), 0);
  ASSERT_EQ(::unlockpt(master), 0);
  const int terminal = ::open(::ptsname(master), O_RDWR | O_NOCTTY);
  ASSERT_GE(terminal, 0);
  const std::string session = dir_.path() + "/oh";
  WriteSessionDir(session, TrajectoryEvents("basic.json"));

  const int n = ++runs_;
  Result r =
      Collect(Start({"import-openhands", session, stream_, "--root", root_}, "", n, terminal), n);
  EXPECT_EQ(r.exit_code, 0);
  ::close(terminal);
  std::string shown;
  ::fcntl(master, F_SETFL, O_NONBLOCK);
  char buf[4096];
  for (ssize_t got; (got = ::read(master, buf, sizeof buf)) > 0;) {
    shown.append(buf, static_cast<std::size_t>(got));
  }
  ::close(master);
  EXPECT_TRUE(Contains(shown, "\rimported 4/4 events (100%)")) << shown;
}

TEST_F(CliStoreTest, BadInputExitsWithAClearMessage) {
  const std::string session = dir_.path() + "/oh";
  WriteSessionDir(session, TrajectoryEvents("basic.json"));
  ASSERT_EQ(Run({"import-openhands", session, stream_, "--root", root_}).exit_code, 0);

  Result unknown = Run({"export-openhands", "no-such-stream", dir_.path() + "/x", "--root", root_});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_TRUE(Contains(unknown.err, "stream \"no-such-stream\" has no persisted store under"))
      << unknown.err;
  Result wrong_user =
      Run({"export-openhands", stream_, dir_.path() + "/y", "--root", root_, "--user", "bob"});
  EXPECT_EQ(wrong_user.exit_code, 1);
  EXPECT_TRUE(Contains(wrong_user.err, "(user \"bob\") has no persisted store")) << wrong_user.err;
  Result delete_wrong_user = Run({"delete", stream_, "--root", root_, "--user", "bob"});
  EXPECT_EQ(delete_wrong_user.exit_code, 1);
  EXPECT_TRUE(Contains(delete_wrong_user.err, "no stored stream")) << delete_wrong_user.err;

  Result missing_dir = Run({"import-openhands", dir_.path() + "/nowhere", "s2", "--root", root_});
  EXPECT_EQ(missing_dir.exit_code, 1);
  EXPECT_TRUE(Contains(missing_dir.err, "is not a directory")) << missing_dir.err;
  fs::create_directories(dir_.path() + "/empty");
  Result not_session = Run({"import-openhands", dir_.path() + "/empty", "s2", "--root", root_});
  EXPECT_EQ(not_session.exit_code, 1);
  EXPECT_TRUE(Contains(not_session.err, "has neither events/ nor event_cache/")) << not_session.err;

  EXPECT_EQ(Run({"sessions"}).exit_code, 2);  // no --root
  EXPECT_EQ(Run({"sessions", "--root", root_, "--bogus"}).exit_code, 2);
  EXPECT_EQ(Run({"sessions", "--root", root_, "--user", "a/b"}).exit_code, 2);
  EXPECT_EQ(Run({"delete", "--root", root_}).exit_code, 2);  // no STREAM
  EXPECT_EQ(Run({"delete", "../x", "--root", root_}).exit_code, 2);
  EXPECT_EQ(Run({"import-openhands", session, "--root", root_}).exit_code, 2);  // no STREAM
  EXPECT_EQ(Run({"export-openhands", stream_, "--root", root_}).exit_code, 2);  // no OUT_DIR
  Result no_root = Run({"sessions", "--root", dir_.path() + "/nothing-here"});
  EXPECT_EQ(no_root.exit_code, 1);
  EXPECT_TRUE(Contains(no_root.err, "is not a directory")) << no_root.err;

  Result bad_date = Run({"search", stream_, "--root", root_, "--start-date", "2025-13-45"});
  EXPECT_EQ(bad_date.exit_code, 2);
  EXPECT_TRUE(Contains(bad_date.err, "2025-13-45") || Contains(bad_date.err, "date"))
      << bad_date.err;
  EXPECT_EQ(bad_date.out, "");
  Result bad_size = Run({"create", stream_, "--capacity", "12parsecs"});
  EXPECT_EQ(bad_size.exit_code, 2);
  EXPECT_TRUE(Contains(bad_size.err, "expects a size such as")) << bad_size.err;
}

TEST_F(CliStoreTest, BenchCsvGivesEveryWorkloadWithItsSameRunBaselineAndRatio) {
  Result r =
      Run({"bench", "publish", "add_event", "persist", "latency", "--csv", "--time-ms", "20"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "") << "progress must stay off when stderr is not a terminal";
  std::vector<std::string> lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 6u) << r.out;  // header, 3 rates, latency p50 and p99
  EXPECT_EQ(lines[0], "workload,metric,evbus,baseline,ratio,baseline_name");
  std::vector<std::string> workloads;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    std::vector<std::string> fields;
    std::istringstream in(lines[i]);
    for (std::string field; std::getline(in, field, ',');) fields.push_back(field);
    ASSERT_EQ(fields.size(), 6u) << lines[i];
    workloads.push_back(fields[0]);
    const double evbus = std::stod(fields[2]), baseline = std::stod(fields[3]);
    const double ratio = std::stod(fields[4]);
    EXPECT_GT(evbus, 0) << lines[i];
    EXPECT_GT(baseline, 0) << lines[i];
    const bool rate = fields[1] == "events/s";
    EXPECT_NEAR(ratio, rate ? evbus / baseline : baseline / evbus, 0.01 * ratio + 0.001)
        << lines[i];
    EXPECT_FALSE(fields[5].empty()) << lines[i];
  }
  EXPECT_EQ(workloads,
            (std::vector<std::string>{"publish", "add_event", "persist", "latency", "latency"}));
}

TEST_F(CliStoreTest, BenchRefusesUnknownWorkloadsAndCpus) {
  Result workload = Run({"bench", "warp-speed"});
  EXPECT_EQ(workload.exit_code, 2);
  EXPECT_TRUE(Contains(workload.err, "no workload \"warp-speed\"; the workloads are: publish"))
      << workload.err;
  Result cpus = Run({"bench", "publish", "--cpus", "0,100000"});
  EXPECT_EQ(cpus.exit_code, 2);
  EXPECT_TRUE(Contains(cpus.err, "CPU 100000 does not exist")) << cpus.err;
  EXPECT_TRUE(Contains(cpus.err, "valid CPUs are 0-")) << cpus.err;
  EXPECT_EQ(Run({"bench", "--cpus", "zero"}).exit_code, 2);
  EXPECT_EQ(Run({"bench", "--time-ms", "0"}).exit_code, 2);
  EXPECT_EQ(cpus.out, "");
}

}  // namespace
}  // namespace evbus
