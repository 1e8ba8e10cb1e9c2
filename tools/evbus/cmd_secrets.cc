// evbus secrets STREAM (set | update): stdin a JSON object {name: value};
// replaces (set) or merges into (update) the stream's shared secrets, which
// every publisher of the stream redacts from then on. evbus secrets STREAM
// patterns ...: the stream's secret patterns (cmd_secret_patterns.cc).
#include <rapidjson/document.h>

#include <iostream>
#include <iterator>
#include <memory>
#include <string>

#include "core/redactor.h"
#include "shm/segment.h"
#include "stream/shared_secrets.h"
#include "tools/evbus/cli.h"
#include "tools/evbus/cmd_secret_patterns.h"
#include "tools/evbus/stream_args.h"

namespace evbus::cli {
namespace {

Result<Redactor::SecretMap> ParseSecrets(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return Status::InvalidArgument(
        "stdin must be one JSON object of secrets, e.g. {\"GITHUB_TOKEN\": \"ghp_...\"}");
  }
  Redactor::SecretMap secrets;
  for (const auto& member : doc.GetObject()) {
    if (!member.value.IsString()) {
      return Status::InvalidArgument("secret \"" + std::string(member.name.GetString()) +
                                     "\" must be a JSON string");
    }
    secrets[std::string(member.name.GetString(), member.name.GetStringLength())] =
        std::string(member.value.GetString(), member.value.GetStringLength());
  }
  return secrets;
}

}  // namespace

int CmdSecrets(const std::vector<std::string>& argv) {
  auto args = Args::Parse(argv, FlagSpec{{"--user"}, {}, {}}, 2, 5);
  if (!args.ok()) return UsageError("secrets", args.status().message());
  auto target = StreamFromArgs(*args);
  if (!target.ok()) return UsageError("secrets", target.status().message());
  const std::string& action = args->positional()[1];
  if (action == "patterns") {
    const auto& words = args->positional();
    return CmdSecretPatterns(*target, std::vector<std::string>(words.begin() + 2, words.end()));
  }
  if (action != "set" && action != "update") {
    return UsageError("secrets", "expected set, update or patterns, got \"" + action + "\"");
  }
  if (args->positional().size() != 2) {
    return UsageError("secrets", action + " takes no operand (the secrets come on stdin)");
  }
  std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  auto secrets = ParseSecrets(text);
  if (!secrets.ok()) return Fail("secrets", secrets.status());
  auto segment = OpenSegment(*target);
  if (!segment.ok()) return Fail("secrets", segment.status());
  SharedSecrets shared(segment->get(), SharedSecrets::PathFor(target->stream, target->user));
  Status st = action == "set" ? shared.Set(*secrets) : shared.Update(*secrets);
  if (!st.ok()) return Fail("secrets", st);
  std::fprintf(stderr, "%s %zu secret(s) of stream \"%s\"%s\n", action == "set" ? "set" : "updated",
               secrets->size(), target->stream.c_str(), target->user_note().c_str());
  return kExitOk;
}

}  // namespace evbus::cli
