#include "core/secret_matcher.h"

#include <algorithm>
#include <cassert>
#include <limits>
#include <utility>

namespace evbus {
namespace {

constexpr std::int32_t kNoEdge = -1;

// The trie of the distinct non-empty values, before it becomes a DFA.
struct Trie {
  std::uint32_t stride = 1;
  std::vector<std::int32_t> go;  // [id * stride + class] -> id, or kNoEdge
  std::vector<std::uint32_t> depth;
  std::vector<bool> terminal;

  std::uint32_t AddState(std::uint32_t d) {
    go.resize(go.size() + stride, kNoEdge);
    depth.push_back(d);
    terminal.push_back(false);
    return static_cast<std::uint32_t>(depth.size() - 1);
  }
  std::size_t state_count() const { return depth.size(); }
};

// The DFA's tables, states renumbered (secret_matcher.h, Invariants 1-3).
struct Dfa {
  std::vector<SecretMatcher::State> trans;
  std::vector<std::uint32_t> depth;
  std::vector<std::uint32_t> match_len;
  SecretMatcher::State first_match_offset = 0;
};

// The distinct non-empty values, sorted.
std::vector<std::string_view> DistinctPatterns(const std::vector<std::string>& values) {
  std::vector<std::string_view> patterns;
  for (const std::string& v : values) {
    if (!v.empty()) patterns.emplace_back(v);
  }
  std::sort(patterns.begin(), patterns.end());
  patterns.erase(std::unique(patterns.begin(), patterns.end()), patterns.end());
  return patterns;
}

// Byte classes: every byte that occurs in a value gets its own class; all
// other bytes share class 0 (from any state they lead back to the start).
// Returns the number of classes, 1..256.
std::uint32_t AssignByteClasses(const std::vector<std::string_view>& patterns,
                                std::array<unsigned char, 256>* classes) {
  std::array<bool, 256> used{};
  for (std::string_view p : patterns) {
    for (char c : p) used[static_cast<unsigned char>(c)] = true;
  }
  const bool all_used = std::all_of(used.begin(), used.end(), [](bool u) { return u; });
  std::uint32_t next_class = all_used ? 0 : 1;
  for (std::size_t b = 0; b < 256; ++b) {
    (*classes)[b] = used[b] ? static_cast<unsigned char>(next_class++) : 0;
  }
  return next_class;
}

Trie BuildTrie(const std::vector<std::string_view>& patterns,
               const std::array<unsigned char, 256>& classes, std::uint32_t stride) {
  Trie trie;
  trie.stride = stride;
  trie.AddState(0);
  for (std::string_view p : patterns) {
    std::uint32_t s = 0;
    for (char c : p) {
      const std::size_t slot = std::size_t{s} * stride + classes[static_cast<unsigned char>(c)];
      if (trie.go[slot] == kNoEdge) {
        const std::uint32_t t = trie.AddState(trie.depth[s] + 1);
        trie.go[slot] = static_cast<std::int32_t>(t);
      }
      s = static_cast<std::uint32_t>(trie.go[slot]);
    }
    trie.terminal[s] = true;
  }
  return trie;
}

// Breadth-first: failure links, the longest value ending in each state, and
// the missing edges filled in from the failure state (a complete DFA).
// Returns the longest value ending in each state (0: none).
std::vector<std::uint32_t> CompleteWithFailureEdges(Trie* trie) {
  const std::uint32_t stride = trie->stride;
  std::vector<std::uint32_t> fail(trie->state_count(), 0);
  std::vector<std::uint32_t> match_len(trie->state_count(), 0);
  std::vector<std::uint32_t> order;
  order.reserve(trie->state_count());
  for (std::uint32_t c = 0; c < stride; ++c) {
    if (trie->go[c] == kNoEdge) {
      trie->go[c] = 0;
    } else {
      order.push_back(static_cast<std::uint32_t>(trie->go[c]));
    }
  }
  for (std::size_t i = 0; i < order.size(); ++i) {
    const std::uint32_t s = order[i];
    match_len[s] = trie->terminal[s] ? trie->depth[s] : match_len[fail[s]];
    for (std::uint32_t c = 0; c < stride; ++c) {
      const std::size_t slot = std::size_t{s} * stride + c;
      const std::int32_t via_fail = trie->go[std::size_t{fail[s]} * stride + c];
      if (trie->go[slot] == kNoEdge) {
        trie->go[slot] = via_fail;
      } else {
        const auto t = static_cast<std::uint32_t>(trie->go[slot]);
        fail[t] = static_cast<std::uint32_t>(via_fail);
        order.push_back(t);
      }
    }
  }
  return match_len;
}

// Renumber: non-match states first (the start state stays 0), then match
// states, so that "is a match" is one compare (Invariant 2).
Dfa RenumberMatchStatesLast(const Trie& trie, const std::vector<std::uint32_t>& match_len) {
  const std::size_t n = trie.state_count();
  const std::uint32_t stride = trie.stride;
  std::vector<std::uint32_t> new_id(n);
  std::uint32_t next_id = 0;
  for (std::size_t s = 0; s < n; ++s) {
    if (match_len[s] == 0) new_id[s] = next_id++;
  }
  Dfa dfa;
  dfa.first_match_offset = next_id * stride;
  for (std::size_t s = 0; s < n; ++s) {
    if (match_len[s] != 0) new_id[s] = next_id++;
  }
  dfa.trans.resize(n * stride);
  dfa.depth.resize(n);
  dfa.match_len.resize(n);
  for (std::size_t s = 0; s < n; ++s) {
    const std::uint32_t id = new_id[s];
    dfa.depth[id] = trie.depth[s];
    dfa.match_len[id] = match_len[s];
    for (std::uint32_t c = 0; c < stride; ++c) {
      const auto target = static_cast<std::uint32_t>(trie.go[s * stride + c]);
      dfa.trans[std::size_t{id} * stride + c] = new_id[target] * stride;
    }
  }
  return dfa;
}

}  // namespace

SecretMatcher::SecretMatcher(const std::vector<std::string>& values, Prefilter want) {
  const std::vector<std::string_view> patterns = DistinctPatterns(values);
  pattern_count_ = patterns.size();
  for (std::string_view p : patterns) max_length_ = std::max(max_length_, p.size());
  ChoosePrefilter(patterns, want);

  stride_ = AssignByteClasses(patterns, &classes_);
  Trie trie = BuildTrie(patterns, classes_, stride_);
  assert(trie.state_count() * stride_ < std::numeric_limits<State>::max() &&
         "secret set too large for the DFA");
  const std::vector<std::uint32_t> match_len = CompleteWithFailureEdges(&trie);
  Dfa dfa = RenumberMatchStatesLast(trie, match_len);
  trans_ = std::move(dfa.trans);
  depth_ = std::move(dfa.depth);
  match_len_ = std::move(dfa.match_len);
  first_match_offset_ = dfa.first_match_offset;
}

// kAuto: Teddy when it has 32-byte AVX2 blocks (faster than the pair
// compares even for 1-4 prefixes, measured with BM_AddEvent/0), else the
// pairs when they apply, else Teddy's 16-byte SSSE3 blocks, else none.
void SecretMatcher::ChoosePrefilter(const std::vector<std::string_view>& patterns, Prefilter want) {
  std::vector<std::pair<unsigned char, unsigned char>> pairs;
  bool all_long = !patterns.empty();
  for (std::string_view p : patterns) {
    if (p.size() < 2) {
      all_long = false;
      break;
    }
    const std::pair<unsigned char, unsigned char> pair{static_cast<unsigned char>(p[0]),
                                                       static_cast<unsigned char>(p[1])};
    if (std::find(pairs.begin(), pairs.end(), pair) == pairs.end()) pairs.push_back(pair);
  }
  const bool pairs_ok = all_long && pairs.size() <= kMaxPrefixPairs;
  const bool teddy_ok = (want == Prefilter::kAuto || want == Prefilter::kTeddy) &&
                        TeddyFilter::Supported() && teddy_.Build(patterns);
  if (teddy_ok && (want == Prefilter::kTeddy || teddy_.wide() || !pairs_ok)) {
    prefilter_ = Prefilter::kTeddy;
  } else if (pairs_ok && (want == Prefilter::kAuto || want == Prefilter::kPrefixPairs)) {
    prefilter_ = Prefilter::kPrefixPairs;
    prefix_pair_count_ = pairs.size();
    for (std::size_t k = 0; k < pairs.size(); ++k) {
      pair_first_[k] = pairs[k].first;
      pair_second_[k] = pairs[k].second;
    }
  }
}

// The earliest match end E (found by the fast scan) bounds the leftmost
// match: it begins at or after E - max_length_. From there, scans to the
// first match state: the match ending there begins earliest among those
// ending so far. It is final once every secret prefix still in progress
// begins after it (position - depth > begin); until then a longer match at the
// same begin, or one beginning earlier, may still complete. That tail is at
// most max_length_ bytes.
SecretMatch SecretMatcher::Find(std::string_view text, std::size_t from) const noexcept {
  if (empty() || from >= text.size()) return {};
  const auto* data = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  const ScanResult scan = Scan(start_state(), data + from, n - from);
  if (scan.match_end == kNoMatch) return {};
  std::size_t i = from + (scan.match_end > max_length_ ? scan.match_end - max_length_ : 0);
  State s = start_state();
  while (i < n && !IsMatch(s)) s = Step(s, data[i++]);
  if (!IsMatch(s)) return {};

  std::uint32_t id = IdOf(s);
  SecretMatch best{i - match_len_[id], match_len_[id]};
  while (i < n && i - depth_[id] <= best.begin) {
    s = Step(s, data[i++]);
    id = IdOf(s);
    if (match_len_[id] == 0) continue;
    const std::size_t begin = i - match_len_[id];
    if (begin < best.begin || (begin == best.begin && match_len_[id] > best.length)) {
      best = {begin, match_len_[id]};
    }
  }
  return best;
}

std::size_t SecretMatcher::Replace(std::string_view in, std::string_view replacement,
                                   std::string* out) const {
  const SecretMatch first = Find(in);
  if (!first.found()) {
    out->append(in);
    return 0;
  }
  return ReplaceFrom(in, first, replacement, out);
}

std::size_t SecretMatcher::ReplaceFrom(std::string_view in, SecretMatch first,
                                       std::string_view replacement, std::string* out) const {
  std::size_t count = 0;
  std::size_t pos = 0;
  for (SecretMatch m = first; m.found(); m = Find(in, pos)) {
    out->append(in.substr(pos, m.begin - pos));
    out->append(replacement);
    pos = m.begin + m.length;
    ++count;
  }
  out->append(in.substr(pos));
  return count;
}

}  // namespace evbus
