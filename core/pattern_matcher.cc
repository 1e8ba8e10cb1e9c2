#include "core/pattern_matcher.h"

#include <hs/hs.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <utility>

namespace evbus {
namespace {

// The locating database reports the leftmost start of each match; the
// detecting one only whether a rule matches, which Hyperscan does about ten
// times faster (docs/redaction.md, "Patterns").
constexpr unsigned kLocateFlags = HS_FLAG_SOM_LEFTMOST;
constexpr unsigned kDetectFlags = HS_FLAG_SINGLEMATCH;

std::atomic<std::uint64_t> next_serial{1};

// The calling thread's scratch space, grown for each new database it scans.
struct ThreadScratch {
  hs_scratch_t* scratch = nullptr;
  std::uint64_t fits_serial = 0;  // the database it was last checked against
  ~ThreadScratch() {
    if (scratch != nullptr) hs_free_scratch(scratch);
  }
};

hs_scratch_t* ScratchFor(const hs_database_t* detect, const hs_database_t* locate,
                         const hs_database_t* gate, std::uint64_t serial) {
  thread_local ThreadScratch mine;
  if (mine.fits_serial != serial) {
    if (hs_alloc_scratch(detect, &mine.scratch) != HS_SUCCESS) return nullptr;
    if (hs_alloc_scratch(locate, &mine.scratch) != HS_SUCCESS) return nullptr;
    if (gate != nullptr && hs_alloc_scratch(gate, &mine.scratch) != HS_SUCCESS) return nullptr;
    mine.fits_serial = serial;
  }
  return mine.scratch;
}

// A literal as an expression: every byte as \xHH.
std::string EscapeLiteral(std::string_view literal) {
  std::string out;
  out.reserve(literal.size() * 4);
  char buf[5];
  for (unsigned char c : literal) {
    std::snprintf(buf, sizeof buf, "\\x%02x", c);
    out.append(buf, 4);
  }
  return out;
}

std::string Describe(const PatternRule& rule) {
  if (rule.literal) return "literal '" + rule.name + "'";
  return "pattern '" + rule.name + "' (" + rule.expression + ")";
}

Status CheckRule(const PatternRule& rule, const std::string& expression) {
  if (rule.expression.empty()) {
    return Status::InvalidArgument(Describe(rule) + " is empty; give a non-empty expression");
  }
  if (!rule.literal && rule.expression.size() > PatternMatcher::kMaxExpressionBytes) {
    return Status::InvalidArgument(
        Describe(rule).substr(0, 200) + "... is " + std::to_string(rule.expression.size()) +
        " bytes, over the limit of " + std::to_string(PatternMatcher::kMaxExpressionBytes) +
        "; match the token's shape, not a list of values (register those as secrets)");
  }
  if (rule.literal) return Status::OK();
  hs_expr_info_t* info = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_expression_info(expression.c_str(), kLocateFlags, &info, &error) != HS_SUCCESS) {
    std::string why = error != nullptr ? error->message : "unknown error";
    hs_free_compile_error(error);
    return Status::InvalidArgument(Describe(rule) + " is refused: " + why +
                                   "; fix the expression (Hyperscan supports a PCRE subset "
                                   "without backreferences and lookarounds)");
  }
  const bool empty_match = info->min_width == 0;
  std::free(info);
  if (empty_match) {
    return Status::InvalidArgument(Describe(rule) +
                                   " can match the empty string; require at least one "
                                   "character (e.g. + instead of *)");
  }
  return Status::OK();
}

Status CompileDatabase(const std::vector<PatternRule>& rules,
                       const std::vector<std::string>& expressions, unsigned rule_flags,
                       hs_database_t** db) {
  std::vector<const char*> exprs;
  std::vector<unsigned> flags(rules.size(), rule_flags);
  std::vector<unsigned> ids;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    exprs.push_back(expressions[i].c_str());
    ids.push_back(static_cast<unsigned>(i));
  }
  hs_compile_error_t* error = nullptr;
  if (hs_compile_multi(exprs.data(), flags.data(), ids.data(), static_cast<unsigned>(rules.size()),
                       HS_MODE_BLOCK, nullptr, db, &error) == HS_SUCCESS) {
    return Status::OK();
  }
  std::string why = error != nullptr ? error->message : "unknown error";
  const int at = error != nullptr ? error->expression : -1;
  hs_free_compile_error(error);
  if (at >= 0 && static_cast<std::size_t>(at) < rules.size()) {
    return Status::InvalidArgument(Describe(rules[static_cast<std::size_t>(at)]) +
                                   " is refused: " + why + "; fix or remove it");
  }
  return Status::InvalidArgument("the pattern set is refused as a whole: " + why +
                                 "; use fewer or simpler patterns");
}

// The gate database (invariant 2): null when no rule has a gate.
Status CompileGate(const std::vector<PatternRule>& rules, std::vector<std::string> expressions,
                   hs_database_t** gate) {
  bool any = false;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    if (rules[i].gate.empty()) continue;
    expressions[i] = rules[i].gate;
    any = true;
  }
  if (!any) return Status::OK();
  return CompileDatabase(rules, expressions, kDetectFlags, gate);
}

}  // namespace

Result<std::shared_ptr<const PatternMatcher>> PatternMatcher::Compile(
    std::vector<PatternRule> rules) {
  if (hs_valid_platform() != HS_SUCCESS) {
    return Status::Unavailable("this CPU lacks SSSE3, which Hyperscan needs for secret patterns");
  }
  if (rules.empty() || rules.size() > kMaxRules) {
    return Status::InvalidArgument(std::to_string(rules.size()) +
                                   " rules; a pattern database holds 1 to " +
                                   std::to_string(kMaxRules));
  }
  std::vector<std::string> expressions;
  expressions.reserve(rules.size());
  for (const PatternRule& rule : rules) {
    expressions.push_back(rule.literal ? EscapeLiteral(rule.expression) : rule.expression);
    EVBUS_RETURN_IF_ERROR(CheckRule(rule, expressions.back()));
  }
  hs_database_t* detect = nullptr;
  EVBUS_RETURN_IF_ERROR(CompileDatabase(rules, expressions, kDetectFlags, &detect));
  hs_database_t* locate = nullptr;
  hs_database_t* gate = nullptr;
  Status st = CompileDatabase(rules, expressions, kLocateFlags, &locate);
  if (st.ok()) st = CompileGate(rules, expressions, &gate);
  if (!st.ok()) {
    hs_free_database(detect);
    hs_free_database(locate);
    return st;
  }
  const std::uint64_t serial = next_serial.fetch_add(1, std::memory_order_relaxed);
  return std::shared_ptr<const PatternMatcher>(
      new PatternMatcher(std::move(rules), detect, locate, gate, serial));
}

PatternMatcher::PatternMatcher(std::vector<PatternRule> rules, hs_database* detect,
                               hs_database* locate, hs_database* gate, std::uint64_t serial)
    : rules_(std::move(rules)), detect_(detect), locate_(locate), gate_(gate), serial_(serial) {}

PatternMatcher::~PatternMatcher() {
  hs_free_database(detect_);
  hs_free_database(locate_);
  hs_free_database(gate_);
}

bool PatternMatcher::RunScan(const hs_database* db, std::string_view text, void* context,
                             MatchCallback on_match) const {
  hs_scratch_t* scratch = ScratchFor(detect_, locate_, gate_, serial_);
  if (scratch == nullptr) return false;
  const hs_error_t rc =
      hs_scan(db, text.data(), static_cast<unsigned>(text.size()), 0, scratch, on_match, context);
  return rc == HS_SUCCESS || rc == HS_SCAN_TERMINATED;
}

bool PatternMatcher::Scan(std::string_view text, std::vector<PatternHit>* hits) const {
  const std::size_t first = hits->size();
  auto on_match = [](unsigned id, unsigned long long from, unsigned long long to, unsigned,
                     void* ctx) -> int {
    static_cast<std::vector<PatternHit>*>(ctx)->push_back(
        PatternHit{static_cast<std::size_t>(from), static_cast<std::size_t>(to), id});
    return 0;
  };
  bool found = false;
  if (!RunScan(detect_, text, &found, StopAtFirst)) return false;
  if (!found) return true;
  if (!RunScan(locate_, text, hits, on_match)) return false;
  std::sort(hits->begin() + static_cast<std::ptrdiff_t>(first), hits->end(),
            [](const PatternHit& a, const PatternHit& b) {
              if (a.begin != b.begin) return a.begin < b.begin;
              if (a.end != b.end) return a.end > b.end;
              return a.rule < b.rule;
            });
  return true;
}

int PatternMatcher::StopAtFirst(unsigned, unsigned long long, unsigned long long, unsigned,
                                void* found) {
  *static_cast<bool*>(found) = true;
  return 1;  // stop
}

bool PatternMatcher::Contains(std::string_view text) const {
  bool found = false;
  if (!RunScan(detect_, text, &found, StopAtFirst)) return true;  // fail closed
  return found;
}

bool PatternMatcher::GateContains(std::string_view text) const {
  if (gate_ == nullptr) return Contains(text);
  bool found = false;
  if (!RunScan(gate_, text, &found, StopAtFirst)) return true;  // fail closed
  return found;
}

}  // namespace evbus
