#include "core/case_fold_search.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace evbus {

CaseFoldSearcher::CaseFoldSearcher(std::string_view needle) : needle_(needle) {
  for (char& c : needle_) c = FoldAscii(c);
  if (!needle_.empty()) {
    first_ = MakeProbe(needle_.front());
    last_ = MakeProbe(needle_.back());
  }
}

CaseFoldSearcher::Probe CaseFoldSearcher::MakeProbe(char folded) noexcept {
  Probe probe;
  probe.value = static_cast<std::uint8_t>(folded);
  if (folded >= 'a' && folded <= 'z') probe.or_mask = 0x20;
  return probe;
}

bool CaseFoldSearcher::MatchesAt(const char* p) const noexcept {
  for (std::size_t j = 0; j < needle_.size(); ++j) {
    if (FoldAscii(p[j]) != needle_[j]) return false;
  }
  return true;
}

std::size_t CaseFoldSearcher::FindScalar(std::string_view text, std::size_t from) const noexcept {
  const std::size_t last_start = text.size() - needle_.size();
  for (std::size_t i = from; i <= last_start; ++i) {
    const auto b = static_cast<std::uint8_t>(text[i]);
    if ((b | first_.or_mask) == first_.value && MatchesAt(text.data() + i)) return i;
  }
  return npos;
}

std::size_t CaseFoldSearcher::Find(std::string_view text) const noexcept {
  const std::size_t n = needle_.size();
  if (n == 0) return 0;
  if (n > text.size()) return npos;
  std::size_t i = 0;
#if defined(__SSE2__)
  // Block at i tests starts i..i+15; its last-byte load reads up to
  // i + n - 1 + 15, which stays inside the text while i + 15 <= last_start.
  const std::size_t last_start = text.size() - n;
  const char* data = text.data();
  const __m128i first_or = _mm_set1_epi8(static_cast<char>(first_.or_mask));
  const __m128i first_value = _mm_set1_epi8(static_cast<char>(first_.value));
  const __m128i last_or = _mm_set1_epi8(static_cast<char>(last_.or_mask));
  const __m128i last_value = _mm_set1_epi8(static_cast<char>(last_.value));
  for (; i + 15 <= last_start; i += 16) {
    const __m128i head = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
    const __m128i tail = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i + n - 1));
    const __m128i both = _mm_and_si128(_mm_cmpeq_epi8(_mm_or_si128(head, first_or), first_value),
                                       _mm_cmpeq_epi8(_mm_or_si128(tail, last_or), last_value));
    auto mask = static_cast<unsigned>(_mm_movemask_epi8(both));
    while (mask != 0) {
      const auto bit = static_cast<std::size_t>(__builtin_ctz(mask));
      if (MatchesAt(data + i + bit)) return i + bit;
      mask &= mask - 1;
    }
  }
#endif
  return FindScalar(text, i);
}

}  // namespace evbus
