// libFuzzer target: the secrets and the patterns together (SecretScanner,
// through Redactor::RedactText), against the naive reference
// (tests/core/naive_pattern_replace.h) on secrets and text taken from the
// input and one user pattern, "TOK" and four digits. Any disagreement aborts.
//
// Input: byte 0 = number of secrets (mod 16); then per secret a length byte
// (1 + b % 12) and that many bytes; the rest is the text. Bytes 'T', 'O', 'K'
// and digits are common in fuzzed input, so pattern matches, secrets that
// overlap them and secrets inside them all occur.
//
// The text is also taken as JSON (valid often enough once the corpus has
// some): when the publish path's gate (SecretScanner::ScreenJson) passes it,
// the walk must replace nothing in it.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/json_redact.h"
#include "core/redactor.h"
#include "tests/core/naive_pattern_replace.h"

namespace {

const evbus::Redactor& PatternsOnly() {
  static const evbus::Redactor* r = [] {
    auto* redactor = new evbus::Redactor();
    evbus::SecretPatterns p = evbus::SecretPatterns::None();
    p.custom["tok"] = std::string(evbus::testing::kNaivePatternRegex);
    if (!redactor->SetPatterns(p).ok()) std::abort();
    return redactor;
  }();
  return *r;
}

// Aborts when the gate passes JSON text whose walk replaces something.
void CheckJsonGate(const evbus::Redactor& redactor, const std::string& json) {
  using Screen = evbus::SecretScanner::JsonScreen;
  if (redactor.scanner().ScreenJson(json) == Screen::kMayMatch) return;
  std::string out;
  auto count = evbus::RedactJsonStrings(redactor.scanner(), json, false, &out);
  if (count.ok() && *count != 0) {
    std::fprintf(stderr, "the JSON gate passed text that the walk redacts\n json: %s\n",
                 json.c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::size_t at = 1;
  std::vector<std::string> secrets;
  evbus::Redactor::SecretMap map;
  for (int i = 0; i < data[0] % 16 && at < size; ++i) {
    const std::size_t len = 1 + data[at++] % 12;
    if (at + len > size) break;
    secrets.emplace_back(reinterpret_cast<const char*>(data + at), len);
    map["s" + std::to_string(i)] = secrets.back();
    at += len;
  }
  const std::string text(reinterpret_cast<const char*>(data + at), size - at);
  evbus::Redactor redactor = PatternsOnly();
  if (!redactor.SetSecrets(map).ok()) return 0;
  std::string got = text;
  redactor.RedactText(&got);
  const std::string want =
      evbus::testing::NaivePatternReplace(text, secrets, "<secret_hidden>", "<secret_hidden:tok>");
  CheckJsonGate(PatternsOnly(), text);  // the gate is about patterns only
  if (got != want) {
    std::fprintf(stderr, "SecretScanner disagrees with the naive reference\n got: %s\nwant: %s\n",
                 got.c_str(), want.c_str());
    std::abort();
  }
  return 0;
}
