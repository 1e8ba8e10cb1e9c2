// Shared pieces of the `evbus` command line: argument parsing, exit codes,
// the stream/user/filter flags every subcommand understands, and errors
// written for a person (stderr) while data goes to stdout as JSON lines.
#ifndef EVBUS_TOOLS_EVBUS_CLI_H_
#define EVBUS_TOOLS_EVBUS_CLI_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "core/event_filter.h"

namespace evbus::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;

// What a subcommand accepts: flags that take a value, boolean flags, and
// flags that may repeat. Anything else is a usage error.
struct FlagSpec {
  std::vector<std::string> valued;    // "--user"
  std::vector<std::string> booleans;  // "--follow"
  std::vector<std::string> repeated;  // "--type" (valued, may repeat)
};

class Args {
 public:
  // Parses argv (after the subcommand name). Usage error on an unknown flag,
  // a missing value, or too few / too many positionals.
  static Result<Args> Parse(const std::vector<std::string>& argv, const FlagSpec& spec,
                            std::size_t min_positional, std::size_t max_positional);

  const std::vector<std::string>& positional() const { return positional_; }
  bool Has(std::string_view flag) const;
  std::optional<std::string> Get(std::string_view flag) const;
  std::string GetOr(std::string_view flag, std::string fallback) const;
  std::vector<std::string> GetAll(std::string_view flag) const;

 private:
  std::vector<std::string> positional_;
  std::multimap<std::string, std::string, std::less<>> values_;
};

// The filter flags: --type, --exclude-type, --source, --query, --start-date,
// --end-date, --exclude-hidden.
void AddFilterFlags(FlagSpec* spec);
Result<EventFilter> FilterFromArgs(const Args& args);

// "64MiB", "1m", "4096", "512k" -> bytes. Errors say the accepted forms.
Result<std::uint64_t> ParseSize(std::string_view text, std::string_view flag);
Result<std::int64_t> ParseInt(std::string_view text, std::string_view flag);

// Prints "evbus SUBCOMMAND: message" to stderr and returns the exit code for
// the status (usage errors: kExitUsage).
int Fail(std::string_view subcommand, const Status& status);
int UsageError(std::string_view subcommand, std::string_view message);

// Help text for `evbus help` and `evbus help SUBCOMMAND` (nullptr: unknown).
const char* GeneralHelp();
const char* SubcommandHelp(std::string_view subcommand);

// Subcommands. argv excludes the program and subcommand names.
int CmdCreate(const std::vector<std::string>& argv);
int CmdDestroy(const std::vector<std::string>& argv);
int CmdList(const std::vector<std::string>& argv);
int CmdPublish(const std::vector<std::string>& argv);
int CmdTail(const std::vector<std::string>& argv);
int CmdDemo(const std::vector<std::string>& argv);
int CmdSearch(const std::vector<std::string>& argv);
int CmdGet(const std::vector<std::string>& argv);
int CmdPersist(const std::vector<std::string>& argv);
int CmdSecrets(const std::vector<std::string>& argv);
int CmdInspect(const std::vector<std::string>& argv);
int CmdSessions(const std::vector<std::string>& argv);
int CmdDelete(const std::vector<std::string>& argv);
int CmdImportOpenHands(const std::vector<std::string>& argv);
int CmdExportOpenHands(const std::vector<std::string>& argv);
int CmdBench(const std::vector<std::string>& argv);
int CmdBridge(const std::vector<std::string>& argv);
int CmdServe(const std::vector<std::string>& argv);

}  // namespace evbus::cli

#endif  // EVBUS_TOOLS_EVBUS_CLI_H_
