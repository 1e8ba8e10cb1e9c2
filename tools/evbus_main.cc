// evbus: one executable, one subcommand per task (see `evbus help`).
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "tools/evbus/cli.h"

namespace {

using Command = int (*)(const std::vector<std::string>&);

struct Subcommand {
  std::string_view name;
  Command run;
};

constexpr Subcommand kSubcommands[] = {
    {"create", evbus::cli::CmdCreate},
    {"destroy", evbus::cli::CmdDestroy},
    {"list", evbus::cli::CmdList},
    {"publish", evbus::cli::CmdPublish},
    {"tail", evbus::cli::CmdTail},
    {"demo", evbus::cli::CmdDemo},
    {"search", evbus::cli::CmdSearch},
    {"get", evbus::cli::CmdGet},
    {"persist", evbus::cli::CmdPersist},
    {"secrets", evbus::cli::CmdSecrets},
    {"inspect", evbus::cli::CmdInspect},
    {"sessions", evbus::cli::CmdSessions},
    {"delete", evbus::cli::CmdDelete},
    {"import-openhands", evbus::cli::CmdImportOpenHands},
    {"export-openhands", evbus::cli::CmdExportOpenHands},
    {"bench", evbus::cli::CmdBench},
    {"bridge", evbus::cli::CmdBridge},
    {"serve", evbus::cli::CmdServe},
};

int Help(const std::vector<std::string>& args) {
  if (args.empty()) {
    std::fputs(evbus::cli::GeneralHelp(), stdout);
    return evbus::cli::kExitOk;
  }
  const char* text = evbus::cli::SubcommandHelp(args[0]);
  if (text == nullptr) {
    std::fprintf(stderr, "evbus help: no subcommand \"%s\"; see: evbus help\n", args[0].c_str());
    return evbus::cli::kExitUsage;
  }
  std::fputs(text, stdout);
  if (args[0] == "tail" || args[0] == "search")
    std::fputs(evbus::cli::SubcommandHelp("filter"), stdout);
  return evbus::cli::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::fputs(evbus::cli::GeneralHelp(), stderr);
    return evbus::cli::kExitUsage;
  }
  std::string name = args.front();
  args.erase(args.begin());
  if (name == "help" || name == "--help" || name == "-h") return Help(args);
  for (const Subcommand& sub : kSubcommands) {
    if (sub.name == name) return sub.run(args);
  }
  std::fprintf(stderr, "evbus: unknown subcommand \"%s\"; see: evbus help\n", name.c_str());
  return evbus::cli::kExitUsage;
}
