// The secrets of scenario 6 and the events that carry them: a registered
// secret in every place a string can be (the top-level message, content,
// action arguments, nested objects, arrays of arrays, and outputs longer
// than 64 KiB), with a marker "marker p=<producer> s=<seq>" in the message
// so that every stored event can be found and checked. Each event also holds
// kPatternPlaces tokens that nobody registered, of the built-in secret pattern
// formats (tests/testutil/secret_tokens.h), which the stream's default
// patterns must redact.
#ifndef EVBUS_TESTS_FAULT_SECRET_EVENTS_H_
#define EVBUS_TESTS_FAULT_SECRET_EVENTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tests/testutil/secret_tokens.h"

namespace evbus::torture {

// The unregistered tokens: one of every built-in format, the same in every
// process (fixed seed).
inline const std::vector<testutil::SecretToken>& TorturePatternTokens() {
  static const std::vector<testutil::SecretToken> tokens = testutil::TokenMaker(2026).All();
  return tokens;
}

// What the byte scan looks for: a token as it would be stored unredacted (a
// PEM key: its first base64 line, which JSON writes as it is).
inline std::vector<std::string> PatternTokenNeedles() {
  std::vector<std::string> needles;
  for (const testutil::SecretToken& t : TorturePatternTokens()) {
    const std::size_t line = t.value.find('\n');
    needles.push_back(line == std::string::npos ? t.value : t.value.substr(line + 1, 64));
  }
  return needles;
}

// Token k as a JSON string body (a PEM key's newlines escaped).
inline std::string PatternTokenJson(std::uint64_t k) {
  const auto& tokens = TorturePatternTokens();
  std::string out;
  for (char c : tokens[k % tokens.size()].value) {
    if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// Places per event that hold an unregistered token.
inline constexpr int kPatternPlaces = 2;

// name -> value; values chosen so that no JSON escape can spell them.
inline std::vector<std::pair<std::string, std::string>> TortureSecrets() {
  return {{"openai", "sk-torture-9f8e7d6c5b4a"},
          {"github", "ghp_tortureTok3141592653"},
          {"db", "pass word with spaces 2718"},
          {"unicode",
           "s\xc3\xa9"
           "cr\xc3\xa8t-\xe2\x82\xac-1618"},
          {"short", "Zq7#Zq7"}};
}

// Places per event that hold a secret (each must read back redacted).
inline constexpr int kSecretPlaces = 6;

// The JSON of event `seq` of `producer`; every `kLongEvery`-th is long,
// every `kBigSecretEvery`-th big (above the scenario's max_event_size: its body
// goes to a body file, which the byte scan covers too).
inline constexpr std::uint64_t kLongEvery = 16;
inline constexpr std::uint64_t kBigSecretEvery = 64;
inline std::string SecretEventJson(std::uint32_t producer, std::uint64_t seq) {
  const auto secrets = TortureSecrets();
  auto s = [&](std::size_t k) { return secrets[(seq + k) % secrets.size()].second; };
  const std::string marker = "marker p=" + std::to_string(producer) + " s=" + std::to_string(seq);
  if (seq % 2 == 0) {
    return R"({"action":"run","args":{"command":"export KEY=)" + s(0) + R"(","thought":"use )" +
           s(1) + " " + PatternTokenJson(seq) +
           R"(","blocking":false,"nested":{"deeper":{"list":["x",")" + s(2) + R"(",[")" + s(3) +
           R"("]]}}},"message":")" + marker + " " + s(4) + R"(","timeout":null,"content_tail":")" +
           s(0) + R"(",")" + "env" + R"(":[")" + PatternTokenJson(seq + 1) + R"("]})";
  }
  std::string output = "out " + s(0) + " ";
  if (seq % kBigSecretEvery == 3) {  // 2 MiB: a body file beside the ring, secrets inside
    output.append(1024 * 1024, 'o');
    output += s(1);
    output.append(1024 * 1024, 'p');
  } else if (seq % kLongEvery == 1) {  // > 64 KiB with secrets at the start, middle and end
    output.append(40 * 1024, 'o');
    output += s(1);
    output.append(40 * 1024, 'p');
  } else {
    output += s(1);
  }
  output += " end " + s(2) + "\\n" + PatternTokenJson(seq);
  return R"({"observation":"run","content":")" + output + R"(","extras":{"command":"cat )" + s(3) +
         R"(","metadata":{"exit_code":0,"lines":[")" + s(4) + R"(",")" + PatternTokenJson(seq + 1) +
         R"(",["deep"]]}},"message":")" + marker + " " + s(0) + R"("})";
}

}  // namespace evbus::torture

#endif  // EVBUS_TESTS_FAULT_SECRET_EVENTS_H_
