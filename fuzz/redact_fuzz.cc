// libFuzzer target: Redactor::RedactJson with fixed secrets over arbitrary
// bytes. Must not crash; an ok result must hold none of the secrets. The
// secrets avoid hex-digit-only runs so that a \uXXXX escape left in the
// output is not mistaken for one.
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  const evbus::Redactor& redactor = FuzzRedactor();
  for (bool protect : {false, true}) {
    std::string out;
    evbus::Result<std::size_t> redacted = redactor.RedactJson(json, &out, protect);
    if (!redacted.ok()) continue;
    if (protect) continue;  // protected metadata values may keep a secret by design
    for (const auto& [name, value] : redactor.secrets()) {
      if (out.find(value) != std::string::npos) {
        std::fprintf(stderr, "secret '%s' survived RedactJson:\n%s\n", name.c_str(), out.c_str());
        std::abort();
      }
    }
  }
  return 0;
}
