// SecretMatcher's scan loop: where the time goes when no secret is present.
//
// One DFA step is a load whose address depends on the previous load, so a
// single stream runs at the latency of the L1 cache, not its throughput. A
// long text is therefore cut into four spans scanned in lockstep (four
// independent dependency chains):
//
//   text:     [0 ........ q ........ 2q ........ 3q ........ n)
//   stream 0: [0 ........ q+L)                                   from the caller's state
//   stream 1:         [q-L ........ 2q)                          from the start state
//   stream 2:                    [2q-L ........ 3q)              from the start state
//   stream 3:                               [3q-L ............ n) from the start state
//
// with q = n/4 and L = max_length_ (the longest secret). A match that begins
// before a stream's span ends at most L bytes later, inside the span before it,
// so every match is seen whole by some stream; fresh streams only ever see real
// matches; and stream 3 has read at least L bytes, so its final state is the
// exact one.
// The earliest match end is the least first hit over the streams: after the
// first hit, streams below the hitter continue until they pass it.
//
// With a prefilter (secret_matcher.h) the scan instead jumps over text that
// cannot begin a secret, 16 bytes per SIMD step (SSE2 pair compares for a few
// prefixes, SSSE3 Teddy buckets for many), and steps the DFA only from
// candidate positions on.
#include <algorithm>
#include <cassert>

#include "core/secret_matcher.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace evbus {

SecretMatcher::State SecretMatcher::Feed(State state, std::string_view piece) const noexcept {
  if (IsMatch(state)) return state;
  const ScanResult r =
      Scan(state, reinterpret_cast<const unsigned char*>(piece.data()), piece.size());
  return r.match_end == kNoMatch ? r.state : first_match_offset_;
}

SecretMatcher::ScanResult SecretMatcher::ScanOne(State state, const unsigned char* text,
                                                 std::size_t n) const noexcept {
  const State* trans = trans_.data();
  const unsigned char* classes = classes_.data();
  const State first_match = first_match_offset_;
  for (std::size_t i = 0; i < n; ++i) {
    state = trans[state + classes[text[i]]];
    if (state >= first_match) return {i + 1, state};
  }
  return {kNoMatch, state};
}

std::size_t SecretMatcher::SkipToCandidate(const unsigned char* text, std::size_t i,
                                           std::size_t n) const noexcept {
  assert(i < n && "SkipToCandidate past the end of the text");
  const std::size_t pairs = prefix_pair_count_;
#if defined(__SSE2__)
  __m128i first[kMaxPrefixPairs];
  __m128i second[kMaxPrefixPairs];
  for (std::size_t k = 0; k < pairs; ++k) {
    first[k] = _mm_set1_epi8(static_cast<char>(pair_first_[k]));
    second[k] = _mm_set1_epi8(static_cast<char>(pair_second_[k]));
  }
  for (; i + 17 <= n; i += 16) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text + i));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text + i + 1));
    __m128i hits = _mm_setzero_si128();
    for (std::size_t k = 0; k < pairs; ++k) {
      hits = _mm_or_si128(hits,
                          _mm_and_si128(_mm_cmpeq_epi8(a, first[k]), _mm_cmpeq_epi8(b, second[k])));
    }
    const int mask = _mm_movemask_epi8(hits);
    if (mask != 0) return i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
#endif
  for (; i + 1 < n; ++i) {
    for (std::size_t k = 0; k < pairs; ++k) {
      if (text[i] == pair_first_[k] && text[i + 1] == pair_second_[k]) return i;
    }
  }
  return n - 1;
}

SecretMatcher::ScanResult SecretMatcher::ScanSkipping(State state, const unsigned char* text,
                                                      std::size_t n) const noexcept {
  const State* trans = trans_.data();
  const unsigned char* classes = classes_.data();
  const State first_match = first_match_offset_;
  std::size_t i = 0;
  while (i < n) {
    if (state == start_state()) i = SkipToCandidate(text, i, n);
    state = trans[state + classes[text[i]]];
    ++i;
    if (state >= first_match) return {i, state};
  }
  return {kNoMatch, state};
}

// In the start state at i, with j the next Teddy candidate (every secret is
// at least K long): no secret prefix of K bytes or more begins in [i, j), so
// the DFA state at j is that of the last K - 1 bytes read from the start
// state, and no match ends before j + 1. Stepping those bytes and then j
// itself keeps the state exact; with no candidate left, the same holds for
// the last K - 1 bytes of the text.
SecretMatcher::ScanResult SecretMatcher::ScanTeddy(State state, const unsigned char* text,
                                                   std::size_t n) const noexcept {
  const State* trans = trans_.data();
  const unsigned char* classes = classes_.data();
  const State first_match = first_match_offset_;
  const std::size_t lookback = teddy_.prefix_length() - 1;
  TeddyFilter::Cursor cursor;
  std::size_t i = 0;
  while (i < n) {
    std::size_t stop = i + 1;
    if (state == start_state()) {
      const std::size_t j = teddy_.Next(text, n, i, &cursor);
      stop = j < n ? j + 1 : n;
      const std::size_t resume = j - std::min(j, lookback);
      i = std::max(i, resume);
    }
    for (; i < stop; ++i) {
      state = trans[state + classes[text[i]]];
      if (state >= first_match) return {i + 1, state};
    }
  }
  return {kNoMatch, state};
}

SecretMatcher::ScanResult SecretMatcher::Scan(State state, const unsigned char* text,
                                              std::size_t n) const noexcept {
  if (prefilter_ == Prefilter::kPrefixPairs) return ScanSkipping(state, text, n);
  if (prefilter_ == Prefilter::kTeddy) return ScanTeddy(state, text, n);
  if (n < kMultiStreamMinBytes || n < 8 * max_length_) return ScanOne(state, text, n);
  return ScanFourStreams(state, text, n);
}

SecretMatcher::ScanResult SecretMatcher::ScanFourStreams(State state, const unsigned char* text,
                                                         std::size_t n) const noexcept {
  const std::size_t overlap = max_length_;
  const std::size_t quarter = n / 4;
  const StreamSpans spans{
      .start = {0, quarter - overlap, 2 * quarter - overlap, 3 * quarter - overlap},
      .steps = quarter + overlap,  // streams 0-2 end after this many
  };
  const State* trans = trans_.data();
  const unsigned char* classes = classes_.data();
  const State first_match = first_match_offset_;
  const unsigned char* p0 = text;
  const unsigned char* p1 = text + spans.start[1];
  const unsigned char* p2 = text + spans.start[2];
  const unsigned char* p3 = text + spans.start[3];
  State s0 = state;
  State s1 = start_state();
  State s2 = start_state();
  State s3 = start_state();
  std::size_t t = 0;
  for (; t < spans.steps; ++t) {
    s0 = trans[s0 + classes[p0[t]]];
    s1 = trans[s1 + classes[p1[t]]];
    s2 = trans[s2 + classes[p2[t]]];
    s3 = trans[s3 + classes[p3[t]]];
    if (std::max(std::max(s0, s1), std::max(s2, s3)) >= first_match) break;
  }
  if (t == spans.steps) {  // no hit: stream 3 finishes alone
    const std::size_t done = spans.start[3] + spans.steps;
    ScanResult tail = ScanOne(s3, text + done, n - done);
    if (tail.match_end != kNoMatch) tail.match_end += done;
    return tail;
  }
  State states[4] = {s0, s1, s2, s3};
  return {EarliestMatchEnd(text, spans, t + 1, states), first_match};
}

// After `consumed` lockstep steps some stream is in a match state. Streams
// below the first hitter (k <= 2, span ending at start[k] + steps) go on in
// lockstep until they pass the earliest end seen; a hit only lowers it.
std::size_t SecretMatcher::EarliestMatchEnd(const unsigned char* text, const StreamSpans& spans,
                                            std::size_t consumed,
                                            State (&states)[4]) const noexcept {
  const State first_match = first_match_offset_;
  std::size_t best = kNoMatch;
  int first_hitter = 4;
  for (int k = 3; k >= 0; --k) {
    if (states[k] >= first_match) {
      best = std::min(best, spans.start[k] + consumed);
      first_hitter = k;
    }
  }
  for (std::size_t c = consumed;; ++c) {
    bool any = false;
    for (int k = 0; k < first_hitter; ++k) {
      const std::size_t pos = spans.start[k] + c;
      if (pos >= spans.start[k] + spans.steps || pos >= best) continue;
      any = true;
      states[k] = Step(states[k], text[pos]);
      if (states[k] >= first_match) best = pos + 1;
    }
    if (!any) break;
  }
  return best;
}

}  // namespace evbus
