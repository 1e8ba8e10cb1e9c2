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
};

}  // namespace

SecretMatcher::SecretMatcher(const std::vector<std::string>& values, Prefilter want) {
  std::vector<std::string_view> patterns;
  for (const std::string& v : values) {
    if (!v.empty()) patterns.emplace_back(v);
  }
  std::sort(patterns.begin(), patterns.end());
  patterns.erase(std::unique(patterns.begin(), patterns.end()), patterns.end());
  pattern_count_ = patterns.size();

  ChoosePrefilter(patterns, want);

  // Byte classes: every byte that occurs in a value gets its own class; all
  // other bytes share class 0 (from any state they lead back to the start).
  std::array<bool, 256> used{};
  for (std::string_view p : patterns) {
    max_length_ = std::max(max_length_, p.size());
    for (char c : p) used[static_cast<unsigned char>(c)] = true;
  }
  const bool all_used = std::all_of(used.begin(), used.end(), [](bool u) { return u; });
  std::uint32_t next_class = all_used ? 0 : 1;
  for (std::size_t b = 0; b < 256; ++b) {
    classes_[b] = used[b] ? static_cast<unsigned char>(next_class++) : 0;
  }
  stride_ = next_class;  // 1..256

  Trie trie;
  trie.stride = stride_;
  trie.AddState(0);
  for (std::string_view p : patterns) {
    std::uint32_t s = 0;
    for (char c : p) {
      const std::size_t slot = std::size_t{s} * stride_ + classes_[static_cast<unsigned char>(c)];
      if (trie.go[slot] == kNoEdge) {
        const std::uint32_t t = trie.AddState(trie.depth[s] + 1);
        trie.go[slot] = static_cast<std::int32_t>(t);
      }
      s = static_cast<std::uint32_t>(trie.go[slot]);
    }
    trie.terminal[s] = true;
  }
  const std::size_t n = trie.depth.size();
  assert(n * stride_ < std::numeric_limits<State>::max() && "secret set too large for the DFA");

  // Breadth-first: failure links, the longest value ending in each state, and
  // the missing edges filled in from the failure state (a complete DFA).
  std::vector<std::uint32_t> fail(n, 0);
  std::vector<std::uint32_t> match_len(n, 0);
  std::vector<std::uint32_t> order;
  order.reserve(n);
  for (std::uint32_t c = 0; c < stride_; ++c) {
    if (trie.go[c] == kNoEdge) {
      trie.go[c] = 0;
    } else {
      order.push_back(static_cast<std::uint32_t>(trie.go[c]));
    }
  }
  for (std::size_t i = 0; i < order.size(); ++i) {
    const std::uint32_t s = order[i];
    match_len[s] = trie.terminal[s] ? trie.depth[s] : match_len[fail[s]];
    for (std::uint32_t c = 0; c < stride_; ++c) {
      const std::size_t slot = std::size_t{s} * stride_ + c;
      const std::int32_t via_fail = trie.go[std::size_t{fail[s]} * stride_ + c];
      if (trie.go[slot] == kNoEdge) {
        trie.go[slot] = via_fail;
      } else {
        const auto t = static_cast<std::uint32_t>(trie.go[slot]);
        fail[t] = static_cast<std::uint32_t>(via_fail);
        order.push_back(t);
      }
    }
  }

  // Renumber: non-match states first (the start state stays 0), then match
  // states, so that "is a match" is one compare (Invariant 2).
  std::vector<std::uint32_t> new_id(n);
  std::uint32_t next_id = 0;
  for (std::size_t s = 0; s < n; ++s) {
    if (match_len[s] == 0) new_id[s] = next_id++;
  }
  first_match_offset_ = next_id * stride_;
  for (std::size_t s = 0; s < n; ++s) {
    if (match_len[s] != 0) new_id[s] = next_id++;
  }
  trans_.resize(n * stride_);
  depth_.resize(n);
  match_len_.resize(n);
  for (std::size_t s = 0; s < n; ++s) {
    const std::uint32_t id = new_id[s];
    depth_[id] = trie.depth[s];
    match_len_[id] = match_len[s];
    for (std::uint32_t c = 0; c < stride_; ++c) {
      const auto target = static_cast<std::uint32_t>(trie.go[s * stride_ + c]);
      trans_[std::size_t{id} * stride_ + c] = new_id[target] * stride_;
    }
  }
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
// match: it begins at or after E - max_length(). From there, scans to the
// first match state: the match ending there begins earliest among those
// ending so far. It is final once every secret prefix still in progress
// begins after it (position - depth > begin); until then a longer match at the
// same begin, or one beginning earlier, may still complete. That tail is at
// most max_length() bytes.
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
