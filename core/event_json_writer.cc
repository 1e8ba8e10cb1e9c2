// The event writer: AppendEventJson (core/event.h) and, for the publish
// path, AppendRedactedEventJson (core/redactor.h), which redacts while
// it writes instead of redacting a copy of the event first.
//
// The object is OpenHands' event_to_dict, keys in its order (docs/compat.md
// section 1), compact separators, UTF-8 text:
//   id, timestamp, source, message, cause, action|observation,
//   tool_call_metadata, llm_metrics, args, timeout   (actions)
//                                    content, extras, success (observations)
// then the unknown top-level keys read by ParseEvent, in their order. An
// event whose type or source is not registered is refused (ValidateEvent)
// before a byte is written: the type table is never indexed with it. Nested
// parts (args, extras, ...) are copied as the JSON text they hold. Text goes
// out in runs (core/json_append.h), never a character at a time.
//
// Redacting, the output is byte for byte what Redactor::RedactEvent followed
// by AppendEventJson gives: plain text fields through the matcher's
// replacement; a JSON field is copied as it is when no secret occurs in its
// raw text and every secret in a decoded string value would show in the raw
// text too, else through RedactJsonStrings (and through plain replacement
// when it is malformed: fail closed). The raw text shows every secret when
// it has no backslash (string values are substrings of it), or when all its
// escapes are short ones (no \u, none malformed: ScanJsonEscapes, 64 bytes
// at a time) and no secret holds a byte that a short escape (\n, \t, \",
// ...) stands for: decoded, a secret then lies within one run of unescaped
// bytes, which the raw text holds as it is. Secret patterns
// (core/secret_scanner.h) are checked on the raw text too, in one scan
// (SecretScanner::ScreenJson), which also tells whether the text has a \u
// escape or a backslash at all, so RawShowsSecrets need not search again.
#include <string>
#include <string_view>

#include "core/event.h"
#include "core/json_append.h"
#include "core/json_redact.h"
#include "core/json_redact_gate.h"
#include "core/json_text_writer.h"
#include "core/redactor.h"

namespace evbus {
namespace {

class Writer {
 public:
  Writer(const SecretScanner* scanner, std::string* out)
      : scanner_(scanner), out_(out), short_escapes_safe_(ShortEscapesSafe(scanner)) {}

  // `quoted_key_colon` is the key in quotes followed by ':'.
  void LiteralKey(std::string_view quoted_key_colon) {
    out_->push_back(first_ ? '{' : ',');
    first_ = false;
    out_->append(quoted_key_colon);
  }
  void Key(std::string_view key) {
    out_->push_back(first_ ? '{' : ',');
    first_ = false;
    AppendJsonQuoted(key, out_);
    out_->push_back(':');
  }
  void End() { out_->append(first_ ? "{}" : "}"); }

  void Text(std::string_view text) {
    if (scanner_ != nullptr) {
      thread_local std::string redacted;
      redacted.clear();
      if (scanner_->Redact(text, &redacted) > 0) {
        AppendJsonQuoted(redacted, out_);
        return;
      }
    }
    AppendJsonQuoted(text, out_);
  }

  void Json(std::string_view json) {
    if (scanner_ == nullptr || CopiesAsIs(json)) {
      out_->append(json);
      return;
    }
    auto count = RedactJsonStrings(*scanner_, json, /*protect_top_level_metadata=*/false, out_);
    if (!count.ok()) {
      if (scanner_->Redact(json, out_) == 0) out_->append(json);  // malformed: fail closed
    } else if (*count == 0) {
      out_->append(json);
    }
  }

  // A nested value held as JSON text; empty text means the key is absent.
  void JsonMember(std::string_view quoted_key_colon, std::string_view json) {
    if (json.empty()) return;
    LiteralKey(quoted_key_colon);
    Json(json);
  }

  void Int(std::int64_t v) { AppendJsonInt(v, out_); }
  void Bool(bool v) { out_->append(v ? "true" : "false"); }
  void Float(double v) { AppendPythonFloat(v, out_); }
  std::string* out() { return out_; }

 private:
  static bool ShortEscapesSafe(const SecretScanner* s) {
    if (s == nullptr) return false;
    for (char c : {'"', '\\', '/', '\b', '\f', '\n', '\r', '\t'}) {
      if (s->literals().UsesByte(static_cast<unsigned char>(c))) return false;
    }
    return true;
  }
  // True when neither a secret nor a pattern can match in a string of `json`.
  bool CopiesAsIs(std::string_view json) const {
    if (!scanner_->has_patterns()) {
      return RawShowsSecrets(json) && !scanner_->literals().Contains(json);
    }
    // One scan for the secrets and the patterns' anchors together, where the
    // raw text shows both (SecretScanner::AnchorScreenFrom). The screen
    // goes first: when it finds something, ScreenJson below scans the
    // escapes itself, and the secrets are looked for only from its hit on.
    std::size_t from = 0;
    if (scanner_->has_anchor_screen()) {
      from = scanner_->AnchorScreenFrom(json);
      if (from == std::string_view::npos) {
        if (RawShowsSecrets(json)) return true;
        from = json.size();  // no secret in the raw text; a \u escape may hide one
      }
    }
    using Screen = SecretScanner::JsonScreen;
    const Screen screen = scanner_->ScreenJson(json);  // also learns of \u escapes
    if (screen == Screen::kMayMatch) return false;
    const bool raw_shows =
        screen == Screen::kNoMatchNoBackslash ||
        (screen == Screen::kNoMatchShortEscapes ? short_escapes_safe_ : RawShowsSecrets(json));
    return raw_shows && !scanner_->literals().Contains(json.substr(from));
  }
  // No backslash, or only short escapes that no secret can hold a byte of.
  bool RawShowsSecrets(std::string_view json) const {
    const std::size_t slash = json.find('\\');
    if (slash == std::string_view::npos) return true;
    return short_escapes_safe_ && ScanJsonEscapes(json.substr(slash)) == JsonEscapes::kShortOnly;
  }

  const SecretScanner* const scanner_;
  std::string* const out_;
  const bool short_escapes_safe_;  // no secret holds a byte a short escape stands for
  bool first_ = true;
};

void WriteKindSpecificMembers(Writer& w, const Event& event) {
  if (event.is_action()) {
    w.JsonMember("\"args\":", event.args_json);
    if (event.timeout) {
      w.LiteralKey("\"timeout\":");
      w.Float(*event.timeout);
    }
    return;
  }
  w.LiteralKey("\"content\":");
  w.Text(event.content);
  w.JsonMember("\"extras\":", event.extras_json);
  if (event.success) {
    w.LiteralKey("\"success\":");
    w.Bool(*event.success);
  }
}

// `event` passed ValidateEvent: its type and source are registered.
void WriteEvent(const Event& event, const SecretScanner* scanner, std::string* out) {
  Writer w(scanner, out);
  if (event.id >= 0) {
    w.LiteralKey("\"id\":");
    w.Int(event.id);
  }
  if (event.timestamp_ns) {
    w.LiteralKey("\"timestamp\":\"");
    AppendTimestampText(*event.timestamp_ns, out);  // digits, '-', ':', 'T', '.': no escapes
    out->push_back('"');
  }
  if (event.source != Source::kNone) {
    w.LiteralKey("\"source\":");
    AppendJsonQuoted(SourceName(event.source), out);
  }
  w.LiteralKey("\"message\":");
  w.Text(event.message);
  if (event.cause) {
    w.LiteralKey("\"cause\":");
    w.Int(*event.cause);
  }
  w.Key(EventKindName(event.kind()));
  AppendJsonQuoted(event.tag(), out);
  w.JsonMember("\"tool_call_metadata\":", event.tool_call_metadata_json);
  w.JsonMember("\"llm_metrics\":", event.llm_metrics_json);
  WriteKindSpecificMembers(w, event);
  for (const auto& [key, json] : event.unknown_fields) {
    w.Key(key);
    if (json.empty()) {
      out->append("null");  // a caller-built field without text; keep the object valid
    } else {
      w.Json(json);
    }
  }
  w.End();
}

}  // namespace

Status AppendEventJson(const Event& event, std::string* out) {
  EVBUS_RETURN_IF_ERROR(ValidateEvent(event));
  WriteEvent(event, nullptr, out);
  return Status::OK();
}

Status AppendRedactedEventJson(const Event& event, const Redactor& redactor, std::string* out) {
  EVBUS_RETURN_IF_ERROR(ValidateEvent(event));
  WriteEvent(event, redactor.empty() ? nullptr : &redactor.scanner(), out);
  return Status::OK();
}

}  // namespace evbus
