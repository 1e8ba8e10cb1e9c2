// Event JSON throughput on a real ~2 KiB OpenHands event (a
// CmdOutputObservation with tool_call_metadata from a recorded trajectory).
//
//   BM_ParseEvent        ParseEvent: one SAX pass, nested parts copied as text
//   BM_EventToJson       EventToJson: a fresh string per event
//   BM_AppendEventJson   AppendEventJson into a reused string (no allocation)
//   BM_RapidjsonDomParse baseline, same run: rapidjson DOM parse of the same text
//   BM_RapidjsonDomWrite baseline, same run: rapidjson Writer over that DOM
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

namespace evbus {
namespace {

// The first CmdOutputObservation of 1.5-3 KiB (compact) in the trajectory.
std::string LoadSampleEvent() {
  const std::string path =
      EVBUS_SOURCE_DIR "/../shared/data/openhands-trajectories/basic_gui_mode.json";
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
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * json.size()));
  state.SetLabel(std::to_string(json.size()) + " B event");
}
BENCHMARK(BM_ParseEvent);

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
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * json.size()));
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

}  // namespace
}  // namespace evbus

BENCHMARK_MAIN();
