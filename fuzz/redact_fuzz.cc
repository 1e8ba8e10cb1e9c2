// libFuzzer target: Redactor::RedactJson with fixed secrets over arbitrary
// bytes. Must not crash; in an ok result no string value holds a secret
// (object keys are never redacted, by design: docs/compat.md). Checked
// independently of the matcher by decoding the output with rapidjson and
// searching every string value; output rapidjson refuses (the walker is
// more lenient, e.g. about raw control bytes) is checked by redacting it
// again, which must find nothing.
#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/redactor.h"

namespace {

const evbus::Redactor& FuzzRedactor() {
  static const evbus::Redactor* redactor = [] {
    auto* r = new evbus::Redactor();
    evbus::Status s = r->SetSecrets({{"api_key", "sk-abc123"},
                                     {"token", "hunter2"},
                                     {"short", "zq"},
                                     {"overlap", "zqzq"},
                                     {"quote", "a\"b"},
                                     {"utf8", "p\xC3\xA4ss"}});
    if (!s.ok()) std::abort();
    return r;
  }();
  return *redactor;
}

// The first secret found in a string value of `v` (recursively), or null.
const std::string* SecretInValues(const rapidjson::Value& v, const evbus::Redactor& redactor) {
  if (v.IsString()) {
    const std::string_view text(v.GetString(), v.GetStringLength());
    for (const auto& [name, value] : redactor.secrets()) {
      if (text.find(value) != std::string_view::npos) return &name;
    }
  } else if (v.IsArray()) {
    for (const auto& item : v.GetArray()) {
      if (const std::string* found = SecretInValues(item, redactor)) return found;
    }
  } else if (v.IsObject()) {
    for (const auto& member : v.GetObject()) {
      if (const std::string* found = SecretInValues(member.value, redactor)) return found;
    }
  }
  return nullptr;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  const evbus::Redactor& redactor = FuzzRedactor();
  for (bool protect : {false, true}) {
    std::string out;
    evbus::Result<std::size_t> redacted = redactor.RedactJson(json, &out, protect);
    if (!redacted.ok()) continue;
    if (protect) continue;  // protected metadata values may keep a secret by design
    rapidjson::Document doc;
    doc.Parse(out.data(), out.size());
    if (!doc.HasParseError()) {
      if (const std::string* name = SecretInValues(doc, redactor)) {
        std::fprintf(stderr, "secret '%s' survived RedactJson:\n%s\n", name->c_str(), out.c_str());
        std::abort();
      }
      continue;
    }
    std::string again;
    evbus::Result<std::size_t> twice = redactor.RedactJson(out, &again, protect);
    if (!twice.ok() || *twice != 0) {
      std::fprintf(stderr, "RedactJson output is not redacted (%s):\n%s\n",
                   twice.ok() ? "a secret survived" : twice.status().ToString().c_str(),
                   out.c_str());
      std::abort();
    }
  }
  return 0;
}
