#include "core/json_redact.h"

#include <array>
#include <cstring>

#include "core/json_string_codec.h"

namespace evbus {
namespace {

// The per-thread scratch buffers keep up to this much capacity between calls.
constexpr std::size_t kKeepScratchBytes = 1 << 20;

// Top-level keys whose values OpenHands never redacts (its
// TOP_LEVEL_PROTECTED_FIELDS less "message", which evbus redacts).
constexpr std::array<std::string_view, 6> kProtectedKeys = {"id",    "timestamp", "source",
                                                            "cause", "action",    "observation"};

// One string's redaction: a scanner's (literals and patterns), or a bare
// matcher's with one replacement.
struct StringRedaction {
  const SecretScanner* scanner;
  const SecretMatcher* matcher;
  std::string_view replacement;

  // Appends the redacted text to *out when something matches; else 0.
  std::size_t Redact(std::string_view text, std::string* out) const {
    if (scanner != nullptr) return scanner->Redact(text, out);
    const SecretMatch first = matcher->Find(text);
    return first.found() ? matcher->ReplaceFrom(text, first, replacement, out) : 0;
  }
};

// A recursive-descent pass that validates the structure and copies the input
// lazily: out_ receives json_[copied_, x) only when a string at x changes.
class Walker {
 public:
  Walker(StringRedaction redaction, std::string_view json, std::string* out)
      : redaction_(redaction), json_(json), out_(out) {}

  Status Run(bool protect_top_level) {
    SkipSpace();
    if (pos_ >= json_.size()) return Error("expected a JSON value, found the end of the text");
    EVBUS_RETURN_IF_ERROR((json_[pos_] == '{') ? Object(1, /*redact=*/true, protect_top_level)
                                               : Value(1, /*redact=*/true));
    SkipSpace();
    if (pos_ != json_.size()) return Error("unexpected text after the JSON value");
    if (count_ > 0) Flush(json_.size());
    return Status::OK();
  }
  std::size_t count() const { return count_; }

 private:
  // `depth` counts the objects and arrays around the value, itself included.
  Status Value(int depth, bool redact) {
    switch (json_[pos_]) {
      case '{':
        return Object(depth, redact, /*protect_keys=*/false);
      case '[':
        return Array(depth, redact);
      case '"':
        return String(redact, nullptr);
      default:
        return Scalar();
    }
  }

  Status Object(int depth, bool redact, bool protect_keys) {
    if (depth > kMaxRedactJsonDepth) return Error("objects and arrays nest too deeply");
    ++pos_;  // '{'
    SkipSpace();
    if (Peek() == '}') return ++pos_, Status::OK();
    for (;;) {
      if (Peek() != '"') return Error("expected a string key in an object");
      bool is_protected = false;
      EVBUS_RETURN_IF_ERROR(String(/*redact=*/false, protect_keys ? &is_protected : nullptr));
      SkipSpace();
      if (Peek() != ':') return Error("expected ':' after an object key");
      ++pos_;
      SkipSpace();
      if (pos_ >= json_.size()) return Error("expected a value after ':'");
      EVBUS_RETURN_IF_ERROR(Value(depth + 1, redact && !is_protected));
      SkipSpace();
      const char c = Peek();
      ++pos_;
      if (c == '}') return Status::OK();
      if (c != ',') return Error("expected ',' or '}' after an object member");
      SkipSpace();
    }
  }

  Status Array(int depth, bool redact) {
    if (depth > kMaxRedactJsonDepth) return Error("objects and arrays nest too deeply");
    ++pos_;  // '['
    SkipSpace();
    if (Peek() == ']') return ++pos_, Status::OK();
    for (;;) {
      if (pos_ >= json_.size()) return Error("expected an array element");
      EVBUS_RETURN_IF_ERROR(Value(depth + 1, redact));
      SkipSpace();
      const char c = Peek();
      ++pos_;
      if (c == ']') return Status::OK();
      if (c != ',') return Error("expected ',' or ']' after an array element");
      SkipSpace();
    }
  }

  // pos_ at the opening quote. A key (redact false) may be checked against
  // kProtectedKeys when `is_protected_key` is given.
  Status String(bool redact, bool* is_protected_key) {
    const std::size_t begin = pos_ + 1;
    bool has_escapes = false;
    const std::size_t end = FindJsonStringEnd(json_, begin, &has_escapes);
    if (end == std::string_view::npos) return Error("unterminated string");
    const std::string_view body = json_.substr(begin, end - begin);
    pos_ = end + 1;
    if (!has_escapes) {
      if (is_protected_key != nullptr) *is_protected_key = IsProtectedKey(body);
      if (!redact) return Status::OK();
      // Placeholders hold no byte that needs an escape (SecretPatterns::
      // Validate), so a body without escapes stays one without them.
      thread_local std::string replaced;
      replaced.clear();
      if (const std::size_t n = redaction_.Redact(body, &replaced); n > 0) {
        Flush(begin);
        out_->append(replaced);
        copied_ = end;
        count_ += n;
      }
      ReleaseIfHuge(&replaced);
      return Status::OK();
    }
    // Escaped: decode (validating) into a reused per-thread buffer, so that
    // the matcher scans one contiguous text at full speed.
    thread_local std::string decoded;
    decoded.clear();
    std::size_t bad = 0;
    if (!DecodeJsonStringBody(
            body, [](std::string_view p) { decoded.append(p); }, &bad)) {
      return Error("malformed escape in a string", begin + bad);
    }
    if (is_protected_key != nullptr) *is_protected_key = IsProtectedKey(decoded);
    thread_local std::string replaced;
    replaced.clear();
    if (const std::size_t n = redact ? redaction_.Redact(decoded, &replaced) : 0; n > 0) {
      count_ += n;
      Flush(begin);
      AppendJsonStringBody(replaced, out_);
      copied_ = end;
      ReleaseIfHuge(&replaced);
    }
    ReleaseIfHuge(&decoded);
    return Status::OK();
  }

  // The per-thread buffers keep their capacity between calls, up to a bound.
  static void ReleaseIfHuge(std::string* buffer) {
    if (buffer->capacity() > kKeepScratchBytes) std::string().swap(*buffer);
  }

  Status Scalar() {
    static constexpr std::array<std::string_view, 6> kLiterals = {
        "true", "false", "null", "NaN", "Infinity", "-Infinity"};  // the last three: Python's
    for (std::string_view literal : kLiterals) {
      if (json_.substr(pos_, literal.size()) == literal) {
        pos_ += literal.size();
        return Status::OK();
      }
    }
    // -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
    const std::size_t start = pos_;
    if (Peek() == '-') ++pos_;
    if (Peek() == '0') {
      ++pos_;
    } else if (!SkipDigits()) {
      return Error("expected a JSON value", start);
    }
    if (Peek() == '.') {
      ++pos_;
      if (!SkipDigits()) return Error("expected digits after '.' in a number");
    }
    if (Peek() == 'e' || Peek() == 'E') {
      ++pos_;
      if (Peek() == '+' || Peek() == '-') ++pos_;
      if (!SkipDigits()) return Error("expected digits in a number's exponent");
    }
    return Status::OK();
  }

  bool SkipDigits() {
    const std::size_t start = pos_;
    while (pos_ < json_.size() && json_[pos_] >= '0' && json_[pos_] <= '9') ++pos_;
    return pos_ > start;
  }
  void SkipSpace() {
    while (pos_ < json_.size() && (json_[pos_] == ' ' || json_[pos_] == '\n' ||
                                   json_[pos_] == '\r' || json_[pos_] == '\t')) {
      ++pos_;
    }
  }
  char Peek() const { return pos_ < json_.size() ? json_[pos_] : '\0'; }
  static bool IsProtectedKey(std::string_view key) {
    for (std::string_view k : kProtectedKeys) {
      if (k == key) return true;
    }
    return false;
  }
  void Flush(std::size_t upto) {
    out_->append(json_.substr(copied_, upto - copied_));
    copied_ = upto;
  }
  Status Error(std::string_view what) const { return Error(what, pos_); }
  Status Error(std::string_view what, std::size_t at) const {
    std::string msg = "JSON text at byte offset " + std::to_string(at) + ": ";
    msg += what;
    msg += "; redaction needs well-formed JSON (pass the serializer's exact output)";
    return Status::InvalidArgument(std::move(msg));
  }

  const StringRedaction redaction_;
  const std::string_view json_;
  std::string* const out_;
  std::size_t pos_ = 0;
  std::size_t copied_ = 0;
  std::size_t count_ = 0;
};

Result<std::size_t> RunWalker(StringRedaction redaction, std::string_view json,
                              bool protect_top_level_metadata, std::string* out) {
  const std::size_t out_size_on_entry = out->size();
  Walker walker(redaction, json, out);
  Status s = walker.Run(protect_top_level_metadata);
  if (!s.ok()) {
    out->resize(out_size_on_entry);
    return s;
  }
  return walker.count();
}

}  // namespace

Result<std::size_t> RedactJsonStrings(const SecretMatcher& matcher, std::string_view json,
                                      std::string_view replacement, bool protect_top_level_metadata,
                                      std::string* out) {
  return RunWalker(StringRedaction{nullptr, &matcher, replacement}, json,
                   protect_top_level_metadata, out);
}

Result<std::size_t> RedactJsonStrings(const SecretScanner& scanner, std::string_view json,
                                      bool protect_top_level_metadata, std::string* out) {
  return RunWalker(StringRedaction{&scanner, nullptr, {}}, json, protect_top_level_metadata, out);
}

}  // namespace evbus
