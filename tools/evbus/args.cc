#include <algorithm>
#include <charconv>
#include <cstdio>

#include "tools/evbus/cli.h"

namespace evbus::cli {
namespace {

bool Contains(const std::vector<std::string>& list, std::string_view flag) {
  return std::find(list.begin(), list.end(), flag) != list.end();
}

}  // namespace

Result<Args> Args::Parse(const std::vector<std::string>& argv, const FlagSpec& spec,
                         std::size_t min_positional, std::size_t max_positional) {
  Args args;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (arg.size() < 2 || arg.compare(0, 2, "--") != 0 || arg == "--") {
      args.positional_.push_back(arg);
      continue;
    }
    std::string flag = arg;
    std::optional<std::string> inline_value;
    if (auto eq = arg.find('='); eq != std::string::npos) {
      flag = arg.substr(0, eq);
      inline_value = arg.substr(eq + 1);
    }
    bool valued = Contains(spec.valued, flag) || Contains(spec.repeated, flag);
    if (Contains(spec.booleans, flag) && !inline_value) {
      args.values_.emplace(flag, "");
      continue;
    }
    if (!valued) {
      return Status::InvalidArgument("unknown flag " + flag + "; see: evbus help");
    }
    if (!inline_value) {
      if (i + 1 >= argv.size()) return Status::InvalidArgument(flag + " needs a value");
      inline_value = argv[++i];
    }
    if (!Contains(spec.repeated, flag) && args.values_.count(flag) != 0) {
      return Status::InvalidArgument(flag + " given twice");
    }
    args.values_.emplace(flag, *inline_value);
  }
  if (args.positional_.size() < min_positional) {
    return Status::InvalidArgument("missing argument; see: evbus help");
  }
  if (args.positional_.size() > max_positional) {
    return Status::InvalidArgument("unexpected argument \"" + args.positional_[max_positional] +
                                   "\"; see: evbus help");
  }
  return args;
}

bool Args::Has(std::string_view flag) const { return values_.find(flag) != values_.end(); }

std::optional<std::string> Args::Get(std::string_view flag) const {
  auto it = values_.find(flag);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string Args::GetOr(std::string_view flag, std::string fallback) const {
  auto value = Get(flag);
  return value ? *value : std::move(fallback);
}

std::vector<std::string> Args::GetAll(std::string_view flag) const {
  std::vector<std::string> out;
  auto [lo, hi] = values_.equal_range(flag);
  for (auto it = lo; it != hi; ++it) out.push_back(it->second);
  return out;
}

void AddFilterFlags(FlagSpec* spec) {
  for (const char* f : {"--source", "--query", "--start-date", "--end-date"}) {
    spec->valued.emplace_back(f);
  }
  spec->repeated.emplace_back("--type");
  spec->repeated.emplace_back("--exclude-type");
  spec->booleans.emplace_back("--exclude-hidden");
}

Result<EventFilter> FilterFromArgs(const Args& args) {
  EventFilterSpec spec;
  spec.WithIncludeTypes(args.GetAll("--type")).WithExcludeTypes(args.GetAll("--exclude-type"));
  if (auto v = args.Get("--source")) spec.WithSource(*v);
  if (auto v = args.Get("--query")) spec.WithQuery(*v);
  if (auto v = args.Get("--start-date")) spec.WithStartDate(*v);
  if (auto v = args.Get("--end-date")) spec.WithEndDate(*v);
  spec.WithExcludeHidden(args.Has("--exclude-hidden"));
  return EventFilter::Make(spec);
}

Result<std::int64_t> ParseInt(std::string_view text, std::string_view flag) {
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return Status::InvalidArgument(std::string(flag) + " expects a whole number, got \"" +
                                   std::string(text) + "\"");
  }
  return value;
}

Result<std::uint64_t> ParseSize(std::string_view text, std::string_view flag) {
  std::uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  std::string_view unit = text.substr(static_cast<std::size_t>(ptr - text.data()));
  std::uint64_t scale = 0;
  std::string lower;
  for (char c : unit) lower.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
  if (lower.empty() || lower == "b")
    scale = 1;
  else if (lower == "k" || lower == "kb" || lower == "kib")
    scale = 1ull << 10;
  else if (lower == "m" || lower == "mb" || lower == "mib")
    scale = 1ull << 20;
  else if (lower == "g" || lower == "gb" || lower == "gib")
    scale = 1ull << 30;
  if (ec != std::errc() || ptr == text.data() || scale == 0 || value > (1ull << 40) / scale) {
    return Status::InvalidArgument(std::string(flag) + " expects a size such as 4096, 512KiB, " +
                                   "64MiB or 1GiB, got \"" + std::string(text) + "\"");
  }
  return value * scale;
}

int Fail(std::string_view subcommand, const Status& status) {
  std::fprintf(stderr, "evbus %.*s: %s\n", static_cast<int>(subcommand.size()), subcommand.data(),
               status.message().c_str());
  return kExitError;
}

int UsageError(std::string_view subcommand, std::string_view message) {
  std::fprintf(stderr, "evbus %.*s: %.*s\n", static_cast<int>(subcommand.size()), subcommand.data(),
               static_cast<int>(message.size()), message.data());
  return kExitUsage;
}

}  // namespace evbus::cli
