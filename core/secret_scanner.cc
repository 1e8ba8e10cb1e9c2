#include "core/secret_scanner.h"

#include <algorithm>
#include <utility>

#include "core/json_redact_gate.h"
#include "core/json_string_codec.h"

namespace evbus {
namespace {

// True when `expression` may hold an anchor: an unescaped '$', a '^' that
// does not open a negated class, or \A, \z, \Z. Errs on the side of true.
bool MayAnchor(std::string_view expression) {
  for (std::size_t i = 0; i < expression.size(); ++i) {
    const char c = expression[i];
    if (c == '\\') {
      if (i + 1 < expression.size() &&
          std::string_view("AzZ").find(expression[i + 1]) != std::string_view::npos) {
        return true;
      }
      ++i;  // the escaped character
    } else if (c == '$' || (c == '^' && (i == 0 || expression[i - 1] != '['))) {
      return true;
    }
  }
  return false;
}

// A byte a JSON short escape stands for: " \\ / and \b \f \n \r \t.
bool IsShortEscapeByte(unsigned char c) {
  return c == '"' || c == '\\' || c == '/' || c == '\b' || c == '\f' || c == '\n' || c == '\r' ||
         c == '\t';
}

}  // namespace

SecretScanner::SecretScanner(SecretMatcher literals, std::string literal_placeholder,
                             std::shared_ptr<const PatternMatcher> patterns,
                             std::vector<std::string> placeholders)
    : literals_(std::move(literals)),
      literal_placeholder_(std::move(literal_placeholder)),
      patterns_(std::move(patterns)),
      placeholders_(std::move(placeholders)) {
  if (patterns_ == nullptr) return;
  json_gate_ = JsonGate::kBlanked;
  for (const PatternRule& rule : patterns_->rules()) {
    if (!rule.literal && MayAnchor(rule.expression)) {
      json_gate_ = JsonGate::kAlwaysWalk;
      return;
    }
    const bool gate_free = rule.gate.empty() ? EscapeFree(rule.expression, rule.literal)
                                             : EscapeFree(rule.gate, false);
    if (!gate_free) json_gate_ = JsonGate::kDecoded;
  }
}

void SecretScanner::SetAnchorScreen(SecretMatcher screen) {
  screen_ = SecretMatcher();
  if (patterns_ == nullptr || screen.prefilter() == SecretMatcher::Prefilter::kNone) return;
  // The raw JSON text shows an anchor of a decoded string only when no
  // escape falls inside it: refuse anchors holding a byte that a short
  // escape stands for (the screen holds it and the secrets do not).
  for (char c : {'"', '\\', '/', '\b', '\f', '\n', '\r', '\t'}) {
    const auto byte = static_cast<unsigned char>(c);
    if (screen.UsesByte(byte) && !literals_.UsesByte(byte)) return;
  }
  screen_ = std::move(screen);
}

bool SecretScanner::AnchorScreenMayKeep(const std::vector<std::string>& values) const {
  if (patterns_ == nullptr) return false;
  for (const std::string& value : values) {
    if (value.empty()) continue;         // SecretMatcher ignores it
    if (value.size() < 2) return false;  // neither Teddy nor the prefix pairs
    for (char c : value) {
      const auto byte = static_cast<unsigned char>(c);
      if (IsShortEscapeByte(byte) && !literals_.UsesByte(byte)) return false;
    }
  }
  return true;
}

SecretScanner::JsonScreen SecretScanner::ScreenJson(std::string_view json) const {
  if (patterns_ == nullptr) return JsonScreen::kNoMatch;
  if (json_gate_ == JsonGate::kAlwaysWalk) return JsonScreen::kMayMatch;
  if (json_gate_ == JsonGate::kDecoded) {
    return PatternsMayMatchInDecodedJson(json) ? JsonScreen::kMayMatch : JsonScreen::kNoMatch;
  }
  thread_local std::string scratch;
  std::string_view blanked;
  const JsonEscapes escapes = BlankJsonEscapes(json, &scratch, &blanked);
  JsonScreen screen = JsonScreen::kMayMatch;
  if (escapes == JsonEscapes::kUnblankable) {  // a \u escape (rare): decode
    if (!PatternsMayMatchInDecodedJson(json)) screen = JsonScreen::kNoMatch;
  } else if (!patterns_->GateContains(blanked)) {
    screen = escapes == JsonEscapes::kNone ? JsonScreen::kNoMatchNoBackslash
                                           : JsonScreen::kNoMatchShortEscapes;
  }
  if (scratch.size() > (1u << 20)) std::string().swap(scratch);
  return screen;
}

bool SecretScanner::PatternsMayMatchInDecodedJson(std::string_view json) const {
  if (patterns_ == nullptr) return false;
  if (json_gate_ == JsonGate::kAlwaysWalk) return true;
  if (json.find('\\') == std::string_view::npos) return patterns_->Contains(json);
  thread_local std::string decoded;
  decoded.clear();
  std::size_t bad = 0;
  if (!DecodeJsonStringBody(
          json, [](std::string_view p) { decoded.append(p); }, &bad)) {
    return true;  // malformed: let the walk report it
  }
  const bool may = patterns_->Contains(decoded);
  if (decoded.capacity() > (1u << 20)) std::string().swap(decoded);
  return may;
}

bool SecretScanner::Contains(std::string_view text) const {
  return literals_.Contains(text) || (patterns_ != nullptr && patterns_->Contains(text));
}

std::size_t SecretScanner::Redact(std::string_view text, std::string* out) const {
  // Neither a secret nor an anchor: nothing can match. Else no secret
  // begins before the screen's first hit.
  const std::size_t from = AnchorScreenFrom(text);
  if (from == std::string_view::npos) return 0;
  const SecretMatch first = literals_.Find(text, from);
  if (patterns_ == nullptr) {
    if (!first.found()) return 0;
    return literals_.ReplaceFrom(text, first, literal_placeholder_, out);
  }
  thread_local std::vector<PatternHit> hits;
  hits.clear();
  if (!patterns_->Scan(text, &hits)) {
    out->append(literal_placeholder_);  // Hyperscan failed (no memory): fail closed
    return 1;
  }
  if (!first.found() && hits.empty()) return 0;
  const std::size_t count = Merge(text, first, hits, out);
  if (hits.capacity() > 4096) std::vector<PatternHit>().swap(hits);
  return count;
}

// `hits` sorted by begin, longest first (PatternMatcher::Scan).
std::size_t SecretScanner::Merge(std::string_view text, SecretMatch literal,
                                 const std::vector<PatternHit>& hits, std::string* out) const {
  std::size_t pos = 0;  // text[0, pos) is written
  std::size_t next_hit = 0;
  std::size_t count = 0;
  for (;;) {
    if (literal.found() && literal.begin < pos) literal = literals_.Find(text, pos);
    while (next_hit < hits.size() && hits[next_hit].begin < pos) ++next_hit;
    const PatternHit* hit = next_hit < hits.size() ? &hits[next_hit] : nullptr;
    if (hit == nullptr && !literal.found()) break;
    const bool take_hit =
        hit != nullptr && (!literal.found() || hit->begin < literal.begin ||
                           (hit->begin == literal.begin && hit->end - hit->begin > literal.length));
    const std::size_t begin = take_hit ? hit->begin : literal.begin;
    std::size_t end = take_hit ? hit->end : literal.begin + literal.length;
    const std::string& placeholder = take_hit ? placeholders_[hit->rule] : literal_placeholder_;
    // A pattern match that begins inside the span and ends after it extends it.
    while (next_hit < hits.size() && hits[next_hit].begin < end) {
      end = std::max(end, hits[next_hit].end);
      ++next_hit;
    }
    out->append(text.substr(pos, begin - pos));
    out->append(placeholder);
    pos = end;
    ++count;
  }
  out->append(text.substr(pos));
  return count;
}

}  // namespace evbus
