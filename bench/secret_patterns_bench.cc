// Registered secrets on today's matcher beside Hyperscan, and the cost of the
// built-in secret patterns (docs/redaction.md, "Patterns").
//
//   taskset -c 1 secret_patterns_bench --benchmark_min_time=0.3
//
// The text is the 36 real OpenHands events of
// tests/data/openhands-trajectories/canonical.jsonl, none holding a secret
// (the common case). Args: number of registered secrets (provider-style
// tokens, 16-40 characters, as bench/redact_bench.cc makes them).
//
// BM_Literals: the matcher alone over every decoded string value of the
// events, as the JSON walk calls it:
//   impl 0  SecretMatcher::Find (hand-written DFA + Teddy prefilter)
//   impl 1  Hyperscan, literal API, no start of match (hs_compile_lit_multi:
//           its fastest mode; the start follows from the literal's length)
//   impl 2  Hyperscan through PatternMatcher (HS_FLAG_SOM_LEFTMOST)
// BM_RedactEvents: Redactor::RedactJson of every event (protected metadata):
//   patterns 0  the registered secrets only
//   patterns 1  the same plus every built-in pattern
// BM_PublishPath: AppendRedactedEventJson of every event, parsed beforehand
// (the producer's path), with the same two settings.
// BM_JsonGate: the patterns' gate alone on every JSON field of the events
// (args, extras, tool_call_metadata, llm_metrics), built-in patterns:
//   impl 0  every escape decoded, then one scan (the gate before blanking)
//   impl 1  SecretScanner::ScreenJson: short escapes blanked, one scan
#include <benchmark/benchmark.h>
#include <hs/hs.h>
#include <rapidjson/document.h>

#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/pattern_matcher.h"
#include "core/redactor.h"
#include "core/secret_matcher.h"

namespace evbus {
namespace {

std::vector<std::string> LoadEvents() {
  std::ifstream in(EVBUS_SOURCE_DIR "/tests/data/openhands-trajectories/canonical.jsonl");
  std::vector<std::string> events;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) events.push_back(line);
  }
  return events;
}

void CollectStrings(const rapidjson::Value& v, std::vector<std::string>* out) {
  if (v.IsString()) {
    out->emplace_back(v.GetString(), v.GetStringLength());
  } else if (v.IsArray()) {
    for (const auto& e : v.GetArray()) CollectStrings(e, out);
  } else if (v.IsObject()) {
    for (const auto& m : v.GetObject()) CollectStrings(m.value, out);
  }
}

// Every decoded string value of the events (what the matcher sees).
const std::vector<std::string>& Strings() {
  static const std::vector<std::string> strings = [] {
    std::vector<std::string> out;
    for (const std::string& e : LoadEvents()) {
      rapidjson::Document doc;
      doc.Parse(e.data(), e.size());
      CollectStrings(doc, &out);
    }
    return out;
  }();
  return strings;
}

std::vector<std::string> MakeSecrets(std::size_t count) {
  static constexpr std::string_view kAlnum =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  static constexpr std::string_view kPrefixes[] = {"ghp_",   "sk-proj-", "xoxb-",
                                                   "glpat-", "AKIA",     ""};
  std::mt19937 rng(42);
  std::vector<std::string> secrets;
  for (std::size_t i = 0; i < count; ++i) {
    std::string s;
    std::size_t body = std::uniform_int_distribution<std::size_t>(16, 40)(rng);
    if (i % 10 == 9) {
      body = std::uniform_int_distribution<std::size_t>(6, 9)(rng);
    } else {
      s = kPrefixes[i % std::size(kPrefixes)];
    }
    for (std::size_t k = 0; k < body; ++k) s.push_back(kAlnum[rng() % kAlnum.size()]);
    secrets.push_back(std::move(s));
  }
  return secrets;
}

std::int64_t TotalBytes(const std::vector<std::string>& texts) {
  std::int64_t n = 0;
  for (const std::string& t : texts) n += static_cast<std::int64_t>(t.size());
  return n;
}

// Hyperscan's literal API without start of match: the library's best case.
class HsLiterals {
 public:
  explicit HsLiterals(const std::vector<std::string>& secrets) {
    std::vector<const char*> exprs;
    std::vector<std::size_t> lens;
    std::vector<unsigned> flags(secrets.size(), 0), ids;
    for (std::size_t i = 0; i < secrets.size(); ++i) {
      exprs.push_back(secrets[i].data());
      lens.push_back(secrets[i].size());
      ids.push_back(static_cast<unsigned>(i));
    }
    hs_compile_error_t* err = nullptr;
    if (hs_compile_lit_multi(exprs.data(), flags.data(), ids.data(), lens.data(),
                             static_cast<unsigned>(secrets.size()), HS_MODE_BLOCK, nullptr, &db_,
                             &err) != HS_SUCCESS) {
      hs_free_compile_error(err);
      db_ = nullptr;
      return;
    }
    hs_alloc_scratch(db_, &scratch_);
  }
  ~HsLiterals() {
    hs_free_scratch(scratch_);
    hs_free_database(db_);
  }
  bool ok() const { return db_ != nullptr && scratch_ != nullptr; }
  // True when some literal occurs (stops at the first, as Find would).
  bool Find(const std::string& text) const {
    bool found = false;
    hs_scan(
        db_, text.data(), static_cast<unsigned>(text.size()), 0, scratch_,
        [](unsigned, unsigned long long, unsigned long long, unsigned, void* ctx) -> int {
          *static_cast<bool*>(ctx) = true;
          return 1;
        },
        &found);
    return found;
  }

 private:
  hs_database_t* db_ = nullptr;
  hs_scratch_t* scratch_ = nullptr;
};

void BM_Literals(benchmark::State& state) {
  const std::vector<std::string> secrets = MakeSecrets(static_cast<std::size_t>(state.range(1)));
  const std::vector<std::string>& texts = Strings();
  const SecretMatcher ours(secrets);
  const HsLiterals lit(secrets);
  std::vector<PatternRule> rules;
  for (std::size_t i = 0; i < secrets.size(); ++i) {
    rules.push_back(PatternRule{"s" + std::to_string(i), secrets[i], true, {}});
  }
  auto som = PatternMatcher::Compile(rules);
  if (!lit.ok() || !som.ok()) {
    state.SkipWithError("Hyperscan refused the secrets");
    return;
  }
  std::vector<PatternHit> hits;
  std::size_t found = 0;
  for (auto _ : state) {
    for (const std::string& t : texts) {
      switch (state.range(0)) {
        case 0:
          found += ours.Find(t).found();
          break;
        case 1:
          found += lit.Find(t);
          break;
        default:
          hits.clear();
          (*som)->Scan(t, &hits);
          found += !hits.empty();
      }
    }
  }
  benchmark::DoNotOptimize(found);
  if (found != 0) state.SkipWithError("a secret was found in text that holds none");
  state.SetBytesProcessed(state.iterations() * TotalBytes(texts));
}
BENCHMARK(BM_Literals)->ArgNames({"impl", "secrets"})->ArgsProduct({{0, 1, 2}, {20, 50, 1000}});

void BM_RedactEvents(benchmark::State& state) {
  const std::vector<std::string> events = LoadEvents();
  const std::vector<std::string> secrets = MakeSecrets(static_cast<std::size_t>(state.range(0)));
  Redactor::SecretMap map;
  for (std::size_t i = 0; i < secrets.size(); ++i) map["s" + std::to_string(i)] = secrets[i];
  Redactor redactor;
  const SecretPatterns patterns = state.range(1) != 0 ? SecretPatterns{} : SecretPatterns::None();
  if (Status st = redactor.Set(map, patterns); !st.ok()) {
    state.SkipWithError(st.message().c_str());
    return;
  }
  std::string out;
  std::size_t replaced = 0;
  for (auto _ : state) {
    for (const std::string& e : events) replaced += *redactor.RedactJson(e, &out, true);
  }
  benchmark::DoNotOptimize(out.data());
  if (replaced != 0) state.SkipWithError("the events hold no secret, yet something was replaced");
  state.SetBytesProcessed(state.iterations() * TotalBytes(events));
}
BENCHMARK(BM_RedactEvents)
    ->ArgNames({"secrets", "patterns"})
    ->Args({20, 0})
    ->Args({20, 1})
    ->Args({50, 0})
    ->Args({50, 1})
    ->Args({1000, 0})
    ->Args({1000, 1});

// The publish path: each event parsed once, then written redacted
// (AppendRedactedEventJson, what EventStream::AddEvent does per event).
void BM_PublishPath(benchmark::State& state) {
  std::vector<Event> events;
  for (const std::string& e : LoadEvents()) {
    auto parsed = ParseEvent(e);
    if (parsed.ok()) events.push_back(std::move(*parsed));
  }
  const std::vector<std::string> secrets = MakeSecrets(static_cast<std::size_t>(state.range(0)));
  Redactor::SecretMap map;
  for (std::size_t i = 0; i < secrets.size(); ++i) map["s" + std::to_string(i)] = secrets[i];
  Redactor redactor;
  const SecretPatterns patterns = state.range(1) != 0 ? SecretPatterns{} : SecretPatterns::None();
  if (Status st = redactor.Set(map, patterns); !st.ok()) {
    state.SkipWithError(st.message().c_str());
    return;
  }
  std::string out;
  std::int64_t bytes = 0;
  for (auto _ : state) {
    for (const Event& e : events) {
      out.clear();
      (void)AppendRedactedEventJson(e, redactor, &out);
      bytes += static_cast<std::int64_t>(out.size());
    }
  }
  benchmark::DoNotOptimize(out.data());
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_PublishPath)->ArgNames({"secrets", "patterns"})->Args({20, 0})->Args({20, 1});

void BM_JsonGate(benchmark::State& state) {
  std::vector<std::string> fields;
  for (const std::string& e : LoadEvents()) {
    auto parsed = ParseEvent(e);
    if (!parsed.ok()) continue;
    for (const std::string* f : {&parsed->args_json, &parsed->extras_json,
                                 &parsed->tool_call_metadata_json, &parsed->llm_metrics_json}) {
      if (!f->empty()) fields.push_back(*f);
    }
  }
  Redactor redactor;
  if (Status st = redactor.SetPatterns(SecretPatterns{}); !st.ok()) {
    state.SkipWithError(st.message().c_str());
    return;
  }
  const SecretScanner& scanner = redactor.scanner();
  std::size_t may = 0;
  for (auto _ : state) {
    for (const std::string& f : fields) {
      may += state.range(0) == 0 ? scanner.PatternsMayMatchInDecodedJson(f)
                                 : scanner.ScreenJson(f) == SecretScanner::JsonScreen::kMayMatch;
    }
  }
  if (may != 0) state.SkipWithError("a field without a token passed as a possible match");
  state.SetBytesProcessed(state.iterations() * TotalBytes(fields));
}
BENCHMARK(BM_JsonGate)->ArgName("impl")->Arg(0)->Arg(1);

}  // namespace
}  // namespace evbus

BENCHMARK_MAIN();
