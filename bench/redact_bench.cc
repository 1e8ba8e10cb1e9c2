// Secret redaction throughput on a 2 KiB OpenHands-shaped event.
//
//   redact_bench --benchmark_filter=Redact
//   redact_bench --benchmark_filter=MatcherScan
//
// Args: {number of secrets, whether the event contains secrets (0/1)}.
// BM_MatcherScan: SecretMatcher::Contains over the event without secrets,
// with each prefilter forced, for 20 token secrets (2 prefixes) and for 20
// secrets with random prefixes, so the prefilters compare in one run.
// Baselines in the same run: OpenHands' algorithm (one find/replace loop per
// secret over the text) and a plain rapidjson parse of the same event, so the
// figures can be quoted as ratios.
#include <benchmark/benchmark.h>
#include <rapidjson/document.h>

#include <random>
#include <string>
#include <vector>

#include "core/redactor.h"
#include "core/secret_matcher.h"

namespace evbus {
namespace {

// Realistic tokens: provider prefixes plus base62 bodies of 16-40 chars, and
// every tenth one a short password-like value.
std::vector<std::string> MakeSecrets(int count) {
  static constexpr std::string_view kAlnum =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  static constexpr std::string_view kPrefixes[] = {"ghp_",   "sk-proj-", "xoxb-",
                                                   "glpat-", "AKIA",     ""};
  std::mt19937 rng(42);
  std::vector<std::string> secrets;
  for (int i = 0; i < count; ++i) {
    std::string s;
    std::size_t body = std::uniform_int_distribution<std::size_t>(16, 40)(rng);
    if (i % 10 == 9) {
      body = std::uniform_int_distribution<std::size_t>(6, 9)(rng);  // short one
    } else {
      s = kPrefixes[static_cast<std::size_t>(i) % std::size(kPrefixes)];
    }
    for (std::size_t k = 0; k < body; ++k) {
      s.push_back(kAlnum[std::uniform_int_distribution<std::size_t>(0, kAlnum.size() - 1)(rng)]);
    }
    secrets.push_back(std::move(s));
  }
  return secrets;
}

// A CmdOutputObservation of `ls -la` in a repository, about 2 KiB. With
// secrets, three of them occur (in the command, the output and the message).
std::string MakeEvent(const std::vector<std::string>& secrets, bool with_secrets) {
  const std::string token = with_secrets ? secrets[0] : std::string("none");
  const std::string other = with_secrets ? secrets[secrets.size() / 2] : std::string("none");
  std::string command = "git clone https://x-access-token:" + token + "@github.com/acme/app.git";
  std::string content = "Cloning into 'app'...\\nremote: Enumerating objects: 1532, done.\\n";
  for (int i = 0; content.size() < 1400; ++i) {
    content += "-rw-r--r-- 1 openhands openhands  " + std::to_string(1000 + i * 37) +
               " Jul 18 17:01 src/module_" + std::to_string(i) + ".py\\n";
  }
  content += "export API_KEY=" + other + "\\n";
  std::string json = R"({"id": 42, "timestamp": "2025-07-18T17:01:36.799608", "source": "agent", )";
  json += R"("message": "Command `)" + command + R"(` executed with exit code 0.", )";
  json += R"("cause": 41, "observation": "run", "content": ")" + content + R"(", )";
  json += R"("extras": {"command": ")" + command + R"(", "metadata": {"exit_code": 0, "pid": -1, )";
  json += R"("username": "openhands", "hostname": "runtime-7f9c", "working_dir": "/workspace", )";
  json += R"("py_interpreter_path": "/usr/bin/python", "prefix": "", "suffix": ""}, )";
  json += R"("hidden": false}, "success": true})";
  while (json.size() < 2048) json.insert(json.size() - 1, " ");
  return json;
}

struct Fixture {
  std::vector<std::string> secrets;
  std::string json;
  Redactor redactor;
};

bool Setup(benchmark::State& state, Fixture* f) {
  f->secrets = MakeSecrets(static_cast<int>(state.range(0)));
  const bool with_secrets = state.range(1) != 0;
  f->json = MakeEvent(f->secrets, with_secrets);
  Redactor::SecretMap map;
  for (std::size_t i = 0; i < f->secrets.size(); ++i)
    map[std::string(1, 's').append(std::to_string(i))] = f->secrets[i];
  if (!f->redactor.SetSecrets(map).ok()) {
    state.SkipWithError("SetSecrets failed");
    return false;
  }
  if (f->redactor.Contains(f->json) != with_secrets) {
    state.SkipWithError("event does not contain the secrets as intended");
    return false;
  }
  return true;
}

void BM_RedactJson(benchmark::State& state) {
  Fixture f;
  if (!Setup(state, &f)) return;
  std::string out;
  std::size_t replaced = 0;
  for (auto _ : state) {
    Result<std::size_t> count = f.redactor.RedactJson(f.json, &out, true);
    replaced = *count;
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["replaced"] = static_cast<double>(replaced);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(f.json.size()));
}

// The event as a producer holds it: fields of an Event. Without secrets
// nothing is copied, so the same event is redacted again each iteration.
void BM_RedactEventNoSecret(benchmark::State& state) {
  Fixture f;
  if (!Setup(state, &f)) return;
  Event e;
  e.message = "Command `git clone https://github.com/acme/app.git` executed with exit code 0.";
  const std::size_t content_at = f.json.find(R"("content": ")") + 12;
  const std::size_t extras_at = f.json.find(R"("extras": )") + 10;
  e.content = f.json.substr(content_at, f.json.find('"', content_at) - content_at);
  e.extras_json = f.json.substr(extras_at, f.json.find(R"(, "success")") - extras_at);
  const std::size_t bytes = e.message.size() + e.content.size() + e.extras_json.size();
  for (auto _ : state) benchmark::DoNotOptimize(f.redactor.RedactEvent(&e));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes));
}

// Baseline: OpenHands' _replace_secrets inner loop (str.replace per secret),
// over the whole text.
void BM_BaselineReplaceLoop(benchmark::State& state) {
  Fixture f;
  if (!Setup(state, &f)) return;
  static constexpr std::string_view kHidden = Redactor::kPlaceholder;
  for (auto _ : state) {
    std::string text = f.json;
    for (const std::string& s : f.secrets) {
      for (std::size_t at = text.find(s); at != std::string::npos; at = text.find(s, at)) {
        text.replace(at, s.size(), kHidden);
        at += kHidden.size();
      }
    }
    benchmark::DoNotOptimize(text.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(f.json.size()));
}

// Baseline: parsing the event into a DOM (what a DOM-walking redactor pays
// before it looks at a single string).
void BM_BaselineRapidjsonParse(benchmark::State& state) {
  Fixture f;
  if (!Setup(state, &f)) return;
  for (auto _ : state) {
    rapidjson::Document doc;
    doc.Parse(f.json.data(), f.json.size());
    benchmark::DoNotOptimize(doc.IsObject());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(f.json.size()));
}

// Twenty 28-byte secrets: "ghp_" / "sk-proj-" tokens, or random prefixes.
std::vector<std::string> TwentySecrets(bool random_prefixes) {
  static constexpr std::string_view kAlnum =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::mt19937 rng(7);
  std::vector<std::string> secrets;
  for (int i = 0; i < 20; ++i) {
    std::string s = i % 2 == 0 ? "ghp_" : "sk-proj-";
    if (random_prefixes) {
      for (char& c : s) c = kAlnum[rng() % kAlnum.size()];
    }
    while (s.size() < 28) s.push_back(kAlnum[rng() % kAlnum.size()]);
    secrets.push_back(std::move(s));
  }
  return secrets;
}

// Args: {random prefixes (0/1), prefilter (SecretMatcher::Prefilter)}.
void BM_MatcherScan(benchmark::State& state) {
  const std::vector<std::string> secrets = TwentySecrets(state.range(0) != 0);
  const auto want = static_cast<SecretMatcher::Prefilter>(state.range(1));
  const SecretMatcher matcher(secrets, want);
  if (matcher.prefilter() != want) {
    state.SkipWithError("this prefilter does not apply here (or to this CPU)");
    return;
  }
  const std::string json = MakeEvent(secrets, false);
  for (auto _ : state) benchmark::DoNotOptimize(matcher.Contains(json));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(json.size()));
}
BENCHMARK(BM_MatcherScan)
    ->ArgNames({"random", "prefilter"})
    ->ArgsProduct({{0, 1},
                   {static_cast<int>(SecretMatcher::Prefilter::kNone),
                    static_cast<int>(SecretMatcher::Prefilter::kPrefixPairs),
                    static_cast<int>(SecretMatcher::Prefilter::kTeddy)}});

void SecretSweep(benchmark::internal::Benchmark* b) {
  b->ArgNames({"secrets", "present"});
  for (int present : {0, 1}) {
    for (int n : {1, 10, 50, 200}) b->Args({n, present});
  }
}

BENCHMARK(BM_RedactJson)->Apply(SecretSweep);
BENCHMARK(BM_RedactEventNoSecret)
    ->ArgNames({"secrets", "present"})
    ->ArgsProduct({{1, 10, 50, 200}, {0}});
BENCHMARK(BM_BaselineReplaceLoop)->Apply(SecretSweep);
BENCHMARK(BM_BaselineRapidjsonParse)->Args({50, 0});

}  // namespace
}  // namespace evbus

BENCHMARK_MAIN();
