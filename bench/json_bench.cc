// Event JSON throughput on a real ~2 KiB OpenHands event (a
// CmdOutputObservation with tool_call_metadata from a recorded trajectory).
//
//   BM_ParseEvent        ParseEvent: one SAX pass, nested parts copied as text
//   BM_ParseEventNumberHeavy  ParseEvent of an action whose llm_metrics hold
//                        240 numbers (the number conversion's share)
//   BM_EventToJson       EventToJson: a fresh string per event
//   BM_AppendEventJson   AppendEventJson into a reused string (no allocation)
//   BM_RapidjsonDomParse baseline, same run: rapidjson DOM parse of the same text
//   BM_RapidjsonDomWrite baseline, same run: rapidjson Writer over that DOM
//   BM_AppendRedactedEventJsonScreenHit  the redacting writer, /1 with an
//                        anchor of the secret patterns in two fields
//
// Bytes/s are bytes of event JSON. Quote ParseEvent / EventToJson as ratios to
// the DOM baselines beside them.
#include <benchmark/benchmark.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "core/event.h"
#include "core/redactor.h"

namespace evbus {
namespace {

// The first CmdOutputObservation of 1.5-3 KiB (compact) in the trajectory.
std::string LoadSampleEvent() {
  const std::string path =
      EVBUS_SOURCE_DIR "/tests/data/openhands-trajectories/basic_gui_mode.json";
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(ss.str().c_str());
  if (doc.HasParseError() || !doc.IsArray()) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    std::exit(1);
  }
  for (const auto& event : doc.GetArray()) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buf);
    event.Accept(writer);
    const bool is_run_output = event.HasMember("observation") && event["observation"] == "run";
    if (is_run_output && buf.GetSize() >= 1536 && buf.GetSize() <= 3072) return buf.GetString();
  }
  std::fprintf(stderr, "no 1.5-3 KiB CmdOutputObservation in %s\n", path.c_str());
  std::exit(1);
}

const std::string& SampleJson() {
  static const std::string json = LoadSampleEvent();
  return json;
}

void BM_ParseEvent(benchmark::State& state) {
  const std::string& json = SampleJson();
  for (auto _ : state) {
    auto event = ParseEvent(json);
    benchmark::DoNotOptimize(event);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(json.size()));
  state.SetLabel(std::to_string(json.size()) + " B event");
}
BENCHMARK(BM_ParseEvent);

// An action whose llm_metrics hold 240 numbers (costs with float timestamps,
// latencies, token counts), as OpenHands' metrics grow over a session: the
// number conversion's share of ParseEvent.
const std::string& NumberHeavyJson() {
  static const std::string json = [] {
    std::string costs;
    std::string latencies;
    std::string usages;
    for (int i = 0; i < 40; ++i) {
      const std::string n = std::to_string(i);
      if (i > 0) costs += ",", latencies += ",", usages += ",";
      costs +=
          R"({"model":"m","cost":0.00)" + n + R"(31415,"timestamp":1752858096.)" + n + "799608}";
      latencies += R"({"latency":1.)" + n + R"(234567,"response_id":"r)" + n + R"("})";
      usages += R"({"prompt_tokens":)" + std::to_string(10000 + i) + R"(,"completion_tokens":)" +
                n + R"(,"cache_read_tokens":0})";
    }
    return R"({"id":7,"timestamp":"2025-07-18T17:01:36.799608","source":"agent",)"
           R"("message":"Running command: ls","action":"run","args":{"command":"ls",)"
           R"("is_input":false,"thought":"","blocking":false,"hidden":false},)"
           R"("llm_metrics":{"accumulated_cost":0.1234567891011,"costs":[)" +
           costs + R"(],"response_latencies":[)" + latencies + R"(],"token_usages":[)" + usages +
           "]},\"timeout\":120.0}";
  }();
  return json;
}

void BM_ParseEventNumberHeavy(benchmark::State& state) {
  const std::string& json = NumberHeavyJson();
  for (auto _ : state) {
    auto event = ParseEvent(json);
    if (!event.ok()) state.SkipWithError(event.status().ToString().c_str());
    benchmark::DoNotOptimize(event);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(json.size()));
  state.SetLabel(std::to_string(json.size()) + " B event");
}
BENCHMARK(BM_ParseEventNumberHeavy);

void BM_EventToJson(benchmark::State& state) {
  const Event event = ParseEvent(SampleJson()).value();
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string out = EventToJson(event);
    bytes += out.size();
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_EventToJson);

void BM_AppendEventJson(benchmark::State& state) {
  const Event event = ParseEvent(SampleJson()).value();
  std::string out;
  std::size_t bytes = 0;
  for (auto _ : state) {
    out.clear();
    if (!AppendEventJson(event, &out).ok()) state.SkipWithError("invalid event");
    bytes += out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_AppendEventJson);

void BM_RapidjsonDomParse(benchmark::State& state) {
  const std::string& json = SampleJson();
  for (auto _ : state) {
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseFullPrecisionFlag>(json.data(), json.size());
    benchmark::DoNotOptimize(doc);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(json.size()));
}
BENCHMARK(BM_RapidjsonDomParse);

void BM_RapidjsonDomWrite(benchmark::State& state) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(SampleJson().c_str());
  std::size_t bytes = 0;
  for (auto _ : state) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buf);
    doc.Accept(writer);
    bytes += buf.GetSize();
    benchmark::DoNotOptimize(buf.GetString());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_RapidjsonDomWrite);

// The publish path's redacting writer (20 registered secrets, the built-in
// patterns) on the sample event whose fields hold an anchor of the patterns
// ("sk-" in "task-id"), so the anchor screen finds something in each: the
// cost of a screen hit. Arg 0: the sample as it is (no anchor), for scale.
void BM_AppendRedactedEventJsonScreenHit(benchmark::State& state) {
  Event event = ParseEvent(SampleJson()).value();
  if (state.range(0) == 1) {
    event.content = "started task-id 7 in the sandbox\n" + event.content;
    event.extras_json.insert(1, R"("task-id":"sk-report",)");
  }
  Redactor::SecretMap secrets;
  for (int i = 0; i < 20; ++i) {
    secrets["S" + std::to_string(i)] = "ghp_secretvalue" + std::to_string(1000 + i * 7919);
  }
  Redactor redactor;
  if (!redactor.Set(secrets, SecretPatterns{}).ok()) state.SkipWithError("redactor");
  std::string out;
  for (auto _ : state) {
    out.clear();
    if (!AppendRedactedEventJson(event, redactor, &out).ok()) state.SkipWithError("write");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(out.size()));
}
BENCHMARK(BM_AppendRedactedEventJsonScreenHit)->Arg(0)->Arg(1);

}  // namespace
}  // namespace evbus

BENCHMARK_MAIN();
