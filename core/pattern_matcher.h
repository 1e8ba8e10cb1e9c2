// PatternMatcher: a set of regular expressions and literals compiled into one
// Hyperscan database, scanned in one pass per text (docs/redaction.md,
// "Patterns").
//
// Every rule is compiled twice: with HS_FLAG_SINGLEMATCH, to learn fast
// whether a text holds any match (most hold none), and with
// HS_FLAG_SOM_LEFTMOST, which for each offset where a rule matches reports the
// leftmost start of a match ending there; a text is scanned by the second only
// when the first found something.
// Literals are compiled as escaped expressions (each byte as \xHH), so one
// database holds both kinds. Hyperscan runs in time linear in the text for any
// database it accepts; rules it cannot compile, rules that can match the empty
// string and oversized rules are refused by Compile, naming the rule.
//
// Thread safety: immutable after Compile; any number of threads may scan at
// once. Each thread keeps one Hyperscan scratch space, grown when it meets a
// database that needs more.
//
// Invariants:
//   1. detect_ and locate_ are valid block-mode databases of the same
//      rules_.size() expressions, rule i having Hyperscan id i. A text has a
//      match in one iff it has one in the other.
//   2. gate_ is null when no rule has a gate; else a database like detect_
//      with each rule's gate in place of its expression.
//   3. serial_ is unique among all PatternMatchers of the process, so a
//      thread's scratch space is checked once per database, not once per scan.
#ifndef EVBUS_CORE_PATTERN_MATCHER_H_
#define EVBUS_CORE_PATTERN_MATCHER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

struct hs_database;

namespace evbus {

// One rule of a PatternMatcher. `literal`: `expression` is matched byte for
// byte; otherwise it is a Hyperscan (PCRE-subset) regular expression. `gate`,
// when not empty: an expression that matches within every match of the rule
// (a necessary part of it), scanned by GateContains in its place.
struct PatternRule {
  std::string name;
  std::string expression;
  bool literal = false;
  std::string gate;
};

// A match of rule `rule`: text[begin, end).
struct PatternHit {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::uint32_t rule = 0;
};

class PatternMatcher {
 public:
  // The longest regular expression accepted, in bytes.
  static constexpr std::size_t kMaxExpressionBytes = 1024;
  // The most rules one database may hold.
  static constexpr std::size_t kMaxRules = 4096;

  // InvalidArgument naming the rule (and Hyperscan's reason) when a rule is
  // refused; Unavailable when the CPU cannot run Hyperscan.
  static Result<std::shared_ptr<const PatternMatcher>> Compile(std::vector<PatternRule> rules);
  ~PatternMatcher();
  PatternMatcher(const PatternMatcher&) = delete;
  PatternMatcher& operator=(const PatternMatcher&) = delete;

  const std::vector<PatternRule>& rules() const { return rules_; }

  // Appends every match of every rule in `text` to *hits, sorted by begin,
  // then by end descending (longest first), then by rule. Returns false only
  // when Hyperscan fails (out of memory): the caller must then fail closed.
  bool Scan(std::string_view text, std::vector<PatternHit>* hits) const;
  // True when some rule matches in `text` (stops at the first match). A
  // Hyperscan failure also answers true (fail closed).
  bool Contains(std::string_view text) const;
  // Contains, with each rule's gate (when it has one) in place of the rule:
  // true whenever Contains is, and maybe more often.
  bool GateContains(std::string_view text) const;

 private:
  using MatchCallback = int (*)(unsigned id, unsigned long long from, unsigned long long to,
                                unsigned flags, void* context);
  PatternMatcher(std::vector<PatternRule> rules, hs_database* detect, hs_database* locate,
                 hs_database* gate, std::uint64_t serial);
  bool RunScan(const hs_database* db, std::string_view text, void* context,
               MatchCallback on_match) const;
  static int StopAtFirst(unsigned id, unsigned long long from, unsigned long long to,
                         unsigned flags, void* found);

  std::vector<PatternRule> rules_;
  hs_database* detect_;  // HS_FLAG_SINGLEMATCH: does any rule match?
  hs_database* locate_;  // HS_FLAG_SOM_LEFTMOST: where each match begins
  hs_database* gate_;    // HS_FLAG_SINGLEMATCH over the gates, or null
  std::uint64_t serial_;
};

}  // namespace evbus

#endif  // EVBUS_CORE_PATTERN_MATCHER_H_
