// The built-in secret patterns over real OpenHands events
// (tests/data/openhands-trajectories) into which generated tokens of every
// built-in format were put: at string starts and ends, inside command output
// and file contents, next to each other, in list items, JSON-escaped (\/ and
// \u00XX), across all the events; plus look-alikes that must survive.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/redactor.h"
#include "tests/testutil/secret_tokens.h"
#include "tests/testutil/trajectories.h"

namespace evbus {
namespace {

// A token as a JSON string body: standard escapes, or with every '/' as \/
// and every fifth character as \u00XX.
std::string JsonBody(const std::string& text, bool heavy) {
  std::string out;
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (heavy && c == '/') {
      out += "\\/";
    } else if (heavy && i % 5 == 2) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

struct Corpus {
  std::vector<std::string> events;     // JSON texts
  std::vector<std::string> tokens;     // every token put in
  std::set<std::string> rules_placed;  // the built-ins that must fire
};

// Puts markers into the string values (not the protected top-level ones);
// "@@k@@" stands for the k-th token, "@@Lk@@" for look-alike k.
class Placer {
 public:
  explicit Placer(std::size_t event) : event_(event) {}
  void Walk(rapidjson::Value& v, rapidjson::Document::AllocatorType& a, bool top) {
    if (v.IsObject()) {
      for (auto& m : v.GetObject()) {
        static const std::set<std::string> kProtected = {"id",    "timestamp", "source",
                                                         "cause", "action",    "observation"};
        if (!(top && kProtected.count(m.name.GetString()))) Walk(m.value, a, false);
      }
    } else if (v.IsArray()) {
      for (auto& e : v.GetArray()) Walk(e, a, false);
    } else if (v.IsString()) {
      const std::string s(v.GetString(), v.GetStringLength());
      const std::string placed = Place(s);
      v.SetString(placed.data(), static_cast<rapidjson::SizeType>(placed.size()), a);
    }
  }

 private:
  std::string Place(const std::string& s) {
    const std::size_t k = event_ * 7 + count_++;
    const std::string t = "@@" + std::to_string(k) + "@@";
    const std::string u = "@@" + std::to_string(k + 1) + "@@";
    const std::string look = "@@L" + std::to_string(k) + "@@";
    switch (k % 6) {
      case 0:
        return t + " " + s;  // string start
      case 1:
        return s + "\n" + t;  // string end
      case 2:
        return "$ env\nHOME=/root\nTOKEN=" + t + "\n" + s;  // command output
      case 3:
        return t + "," + u + " " + s;  // next to each other
      case 4:
        return s + " " + look + " cat key.pem\n" + t + "\n";  // file contents
      default:
        return s + " " + look;
    }
  }
  std::size_t event_;
  std::size_t count_ = 0;
};

Corpus MakeCorpus() {
  Corpus c;
  testutil::TokenMaker maker(17);
  const std::vector<testutil::SecretToken> tokens = maker.All();
  const std::vector<std::string> looks = testutil::LookAlikes();
  std::size_t e = 0;
  for (const std::string& text : testutil::TrajectoryEventTexts()) {
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    Placer(e).Walk(doc, doc.GetAllocator(), true);
    // A list item of tokens, as a tool's output lines.
    rapidjson::Value lines(rapidjson::kArrayType);
    const std::string marker = "@@" + std::to_string(e) + "@@";
    rapidjson::Value item;
    item.SetString(marker.data(), static_cast<rapidjson::SizeType>(marker.size()),
                   doc.GetAllocator());
    lines.PushBack(item, doc.GetAllocator());
    doc.AddMember("tool_output_lines", lines, doc.GetAllocator());
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    doc.Accept(w);
    std::string json = buf.GetString();
    for (std::size_t at = json.find("@@"); at != std::string::npos; at = json.find("@@")) {
      const std::size_t end = json.find("@@", at + 2);
      const std::string key = json.substr(at + 2, end - at - 2);
      std::string with;
      if (key[0] == 'L') {
        with = JsonBody(looks[std::stoul(key.substr(1)) % looks.size()], false);
      } else {
        const testutil::SecretToken& t = tokens[std::stoul(key) % tokens.size()];
        c.tokens.push_back(t.value);
        c.rules_placed.insert(t.rule);
        with = JsonBody(t.value, std::stoul(key) % 3 == 0);
      }
      json.replace(at, end + 2 - at, with);
    }
    c.events.push_back(std::move(json));
    ++e;
  }
  return c;
}

// Every decoded string value of a JSON text, joined by a separator.
void Strings(const rapidjson::Value& v, std::string* out) {
  if (v.IsString()) {
    out->append(v.GetString(), v.GetStringLength()).push_back('\x01');
  } else if (v.IsArray()) {
    for (const auto& e : v.GetArray()) Strings(e, out);
  } else if (v.IsObject()) {
    for (const auto& m : v.GetObject()) Strings(m.value, out);
  }
}

// Checks one redacted event; counts the placeholders per rule.
void CheckRedacted(const Corpus& c, const std::string& in, const std::string& out,
                   std::map<std::string, int>* fired) {
  rapidjson::Document before, after;
  before.Parse(in.data(), in.size());
  after.Parse(out.data(), out.size());
  ASSERT_FALSE(after.HasParseError()) << out.substr(0, 300);
  std::string text;
  Strings(after, &text);
  for (const std::string& token : c.tokens) {
    ASSERT_EQ(text.find(token), std::string::npos) << "token survived: " << token;
  }
  for (const std::string& look : testutil::LookAlikes()) {
    std::string in_text;
    Strings(before, &in_text);
    if (in_text.find(look) != std::string::npos) {
      EXPECT_NE(text.find(look), std::string::npos) << "look-alike redacted: " << look;
    }
  }
  for (const char* key : {"id", "timestamp", "source", "cause", "action", "observation"}) {
    if (before.HasMember(key)) {
      EXPECT_TRUE(before[key] == after[key]) << key;
    }
  }
  for (std::size_t at = out.find("<secret_hidden:"); at != std::string::npos;
       at = out.find("<secret_hidden:", at + 1)) {
    ++(*fired)[out.substr(at + 15, out.find('>', at) - at - 15)];
  }
}

TEST(SecretPatternsCorpusTest, NoTokenSurvivesInRealOpenHandsEvents) {
  const Corpus c = MakeCorpus();
  ASSERT_GE(c.events.size(), 30u);
  Redactor r;
  ASSERT_TRUE(r.SetPatterns(SecretPatterns{}).ok());
  std::map<std::string, int> fired;
  for (const std::string& json : c.events) {
    std::string out;
    ASSERT_TRUE(r.RedactJson(json, &out, /*protect_top_level_metadata=*/true).ok()) << json;
    CheckRedacted(c, json, out, &fired);
  }
  for (const std::string& rule : c.rules_placed) EXPECT_GT(fired[rule], 0) << rule;
  EXPECT_EQ(c.rules_placed.size(), BuiltinSecretPatterns().size());
}

// The publish path: the event parsed, then written redacted.
TEST(SecretPatternsCorpusTest, NoTokenSurvivesThePublishPath) {
  const Corpus c = MakeCorpus();
  Redactor r;
  ASSERT_TRUE(r.SetPatterns(SecretPatterns{}).ok());
  std::map<std::string, int> fired;
  for (const std::string& json : c.events) {
    auto event = ParseEvent(json);
    ASSERT_TRUE(event.ok()) << event.status().ToString();
    std::string out;
    ASSERT_TRUE(AppendRedactedEventJson(*event, r, &out).ok());
    CheckRedacted(c, json, out, &fired);
  }
  for (const std::string& rule : c.rules_placed) EXPECT_GT(fired[rule], 0) << rule;
}

// The anchor screen (SecretScanner::AnchorScreenFrom) only skips work: the
// publish path writes every corpus event byte for byte as a redactor whose
// screen is off (an extra user pattern, which has no anchors, turns it off;
// it never matches here), with registered secrets beside the patterns, one
// set free of escape bytes and one holding '/' and a newline.
TEST(SecretPatternsCorpusTest, TheAnchorScreenChangesNothingOnThePublishPath) {
  const Corpus c = MakeCorpus();
  SecretPatterns unanchored;
  unanchored.custom["never"] = "QQZZQQ[0-9]{40}";
  for (const Redactor::SecretMap& secrets :
       {Redactor::SecretMap{{"a", "2048"}, {"b", "toolu_"}, {"c", "game"}, {"d", c.tokens[3]}},
        Redactor::SecretMap{{"a", "board/"}, {"b", "x\ny"}, {"c", c.tokens[0]}}}) {
    Redactor screened, plain;
    ASSERT_TRUE(screened.Set(secrets, SecretPatterns{}).ok());
    ASSERT_TRUE(plain.Set(secrets, unanchored).ok());
    ASSERT_TRUE(screened.scanner().has_anchor_screen());
    ASSERT_FALSE(plain.scanner().has_anchor_screen());
    // Parsed events, and each token alone in args held as raw JSON text (as
    // a producer may hand it over), its anchor split by a \u escape.
    std::vector<Event> events;
    for (const std::string& json : c.events) {
      auto event = ParseEvent(json);
      ASSERT_TRUE(event.ok()) << event.status().ToString();
      events.push_back(std::move(*event));
    }
    auto run = ParseEvent(R"({"action":"run","args":{}})");
    ASSERT_TRUE(run.ok());
    for (const std::string& token : c.tokens) {
      events.push_back(*run);
      events.back().args_json = R"({"command":"echo )" + JsonBody(token, true) + R"(\n"})";
    }
    for (const Event& event : events) {
      std::string got, want;
      ASSERT_TRUE(AppendRedactedEventJson(event, screened, &got).ok());
      ASSERT_TRUE(AppendRedactedEventJson(event, plain, &want).ok());
      ASSERT_EQ(got, want);
      std::string text = event.args_json, text_want = event.args_json;
      screened.RedactText(&text);
      plain.RedactText(&text_want);
      ASSERT_EQ(text, text_want);
    }
  }
}

// Without the patterns the same corpus leaks: the checks above can fail.
TEST(SecretPatternsCorpusTest, WithoutPatternsTheTokensWouldLeak) {
  const Corpus c = MakeCorpus();
  Redactor r;
  std::string out;
  ASSERT_TRUE(r.RedactJson(c.events[0], &out, true).ok());
  EXPECT_EQ(out, c.events[0]);
  std::size_t leaked = 0;
  for (const std::string& token : c.tokens) {
    for (const std::string& e : c.events)
      leaked += e.find(token.substr(0, 20)) != std::string::npos;
  }
  EXPECT_GT(leaked, 0u);
}

}  // namespace
}  // namespace evbus
