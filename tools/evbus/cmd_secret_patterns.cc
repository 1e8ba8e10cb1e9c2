// evbus secrets STREAM patterns (list | enable NAME | disable NAME |
// add NAME REGEX | remove NAME | placeholder TEXT): the stream's secret
// patterns (docs/redaction.md), shared by every publisher of the stream.
#include "tools/evbus/cmd_secret_patterns.h"

#include <cstdio>
#include <string>
#include <vector>

#include "core/secret_patterns.h"
#include "stream/secrets_file.h"
#include "stream/shared_secrets.h"
#include "tools/evbus/cli.h"

namespace evbus::cli {
namespace {

void PrintPatterns(const SecretPatterns& p) {
  for (const BuiltinSecretPattern& b : BuiltinSecretPatterns()) {
    std::printf("%-26s %-3s built-in  %s\n", std::string(b.name).c_str(),
                p.BuiltinEnabled(b.name) ? "on" : "off", std::string(b.description).c_str());
  }
  for (const auto& [name, expression] : p.custom) {
    std::printf("%-26s on  user      %s\n", name.c_str(), expression.c_str());
  }
  std::printf("placeholder: %s\n", p.PlaceholderFor("{rule}").c_str());
}

// The update an action asks for; InvalidArgument for a wrong operand count.
Result<SecretPatterns> UpdateFor(const std::vector<std::string>& words) {
  const std::string& action = words[0];
  const std::size_t operands = words.size() - 1;
  const bool two = action == "add";
  if (operands != (two ? 2u : 1u)) {
    return Status::InvalidArgument("patterns " + action + " takes " +
                                   (two ? "NAME and REGEX" : std::string("one operand")));
  }
  SecretPatterns update;
  if (action == "enable" || action == "disable") {
    update.builtins[words[1]] = action == "enable";
  } else if (action == "add") {
    if (words[2].empty()) return Status::InvalidArgument("patterns add: REGEX is empty");
    update.custom[words[1]] = words[2];
  } else if (action == "remove") {
    update.custom[words[1]] = "";
  } else if (action == "placeholder") {
    if (words[1].empty()) return Status::InvalidArgument("patterns placeholder: TEXT is empty");
    update.placeholder = words[1];
  } else {
    return Status::InvalidArgument(
        "expected list, enable, disable, add, remove or placeholder after patterns, got \"" +
        action + "\"");
  }
  return update;
}

}  // namespace

int CmdSecretPatterns(const StreamTarget& target, const std::vector<std::string>& words) {
  const std::string path = SharedSecrets::PathFor(target.stream, target.user);
  if (words.empty() || words[0] == "list") {
    auto on_file = ReadStreamSecretsFile(path);
    if (!on_file.ok()) return Fail("secrets", on_file.status());
    PrintPatterns(on_file->patterns);
    return kExitOk;
  }
  auto update = UpdateFor(words);
  if (!update.ok()) return UsageError("secrets", update.status().message());
  if (words[0] == "remove") {
    auto on_file = ReadStreamSecretsFile(path);
    if (!on_file.ok()) return Fail("secrets", on_file.status());
    if (on_file->patterns.custom.count(words[1]) == 0) {
      return Fail("secrets", Status::NotFound("the stream has no user pattern named '" + words[1] +
                                              "' (see: evbus secrets STREAM patterns list)"));
    }
  }
  auto segment = OpenSegment(target);
  if (!segment.ok()) return Fail("secrets", segment.status());
  SharedSecrets shared(segment->get(), path);
  if (Status st = shared.UpdatePatterns(*update); !st.ok()) return Fail("secrets", st);
  std::fprintf(stderr, "patterns %s %s of stream \"%s\"%s\n", words[0].c_str(), words[1].c_str(),
               target.stream.c_str(), target.user_note().c_str());
  return kExitOk;
}

}  // namespace evbus::cli
