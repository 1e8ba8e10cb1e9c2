// BlankJsonEscapes works on 64-byte blocks with a bit per byte, without a
// branch per escape (tool-call arguments hold one every ~10 bytes):
//
//   B        backslashes in the block, less byte 0 when the previous block's
//            last backslash escapes it (carry)
//   starts   first backslash of each run:  B & ~(B << 1)
//   B + (starts at even bits)   a carry runs through each run that starts at
//            an even bit and lands on the byte after it; that byte is escaped
//            when the run is odd, i.e. when it lands on an odd bit. Runs that
//            start at odd bits likewise land on an even bit when odd.
//   escaped  those landing bits, plus bit 0 when carried in; an odd run
//            that overflows the block escapes the next block's byte 0
//            (carry out). Within a run, backslashes escape each other.
//
// Example, bits 0..7 of `a\\\"b\n` (a \ \ \ " b \ n): B = 0b01001110, starts
// = 0b01000010 (bits 1 and 6, odd and even); bit 1's run (3 long) lands on
// bit 4 (even: escaped, the quote); bit 6's run (1 long) lands on bit 7
// (odd: escaped, the n). An escaped byte must be one of " \ / b f n r t
// (a nibble table lookup, as Teddy does); `u` or any other byte makes the
// text kUnblankable. The blanked copy replaces every backslash and every
// escaped byte with a space.
#include "core/json_redact_gate.h"

#include <cstdint>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define EVBUS_GATE_SIMD 1
#endif

namespace evbus {
namespace {

constexpr std::uint64_t kOddBits = 0xAAAAAAAAAAAAAAAAull;
constexpr std::uint64_t kEvenBits = 0x5555555555555555ull;
constexpr std::size_t kBlock = 64;

bool IsEscapeByte(unsigned char c) {
  return c == '"' || c == '\\' || c == '/' || c == 0x08 || c == 0x09 || c == 0x0A || c == 0x0C ||
         c == 0x0D;
}

bool IsShortEscapeCode(unsigned char c) {
  return c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' || c == 'r' ||
         c == 't';
}

// The escape bits of one block (see the file comment). `carry` in and out.
struct BlockEscapes {
  std::uint64_t escaped;
  std::uint64_t blank;
};
__attribute__((always_inline)) inline BlockEscapes Escapes(std::uint64_t backslashes,
                                                           std::uint64_t* carry) {
  const std::uint64_t b = backslashes & ~*carry;
  const std::uint64_t starts = b & ~(b << 1);
  const std::uint64_t even_ends = (b + (starts & kEvenBits)) & ~b;
  std::uint64_t odd_sum = 0;
  const bool overflow = __builtin_add_overflow(b, starts & kOddBits, &odd_sum);
  const std::uint64_t escaped = (even_ends & kOddBits) | (odd_sum & ~b & kEvenBits) | *carry;
  *carry = overflow ? 1 : 0;
  return {escaped, backslashes | escaped};
}

// Bit i set when byte i of a block is a backslash / a short escape code.
struct BlockBits {
  std::uint64_t backslash = 0;
  std::uint64_t code = 0;
};

// The portable blocks: the same bits, a byte at a time.
bool PlainBlocks(const unsigned char* in, std::size_t blocks, unsigned char* out,
                 std::uint64_t* carry, bool* any) {
  for (std::size_t b = 0; b < blocks; ++b, in += kBlock, out += out != nullptr ? kBlock : 0) {
    BlockBits bits;
    for (std::size_t i = 0; i < kBlock; ++i) {
      if (in[i] == '\\') bits.backslash |= 1ull << i;
      if (IsShortEscapeCode(in[i])) bits.code |= 1ull << i;
    }
    *any |= bits.backslash != 0;
    const BlockEscapes e = Escapes(bits.backslash, carry);
    if ((e.escaped & ~bits.code) != 0) return false;
    if (out == nullptr) continue;
    for (std::size_t i = 0; i < kBlock; ++i) out[i] = (e.blank >> i) & 1 ? ' ' : in[i];
  }
  return true;
}

#ifdef EVBUS_GATE_SIMD
// Short escape codes by nibble: bit k of kLo[c & 15] & kHi[c >> 4] (bucket k
// is one high nibble: 2 for " /, 5 for \, 6 for b f n, 7 for r t).
#define EVBUS_GATE_LO 0, 0, 0x0D, 0, 0x08, 0, 0x04, 0, 0, 0, 0, 0, 0x02, 0, 0x04, 0x01
#define EVBUS_GATE_HI 0, 0, 0x01, 0, 0, 0x02, 0x04, 0x08, 0, 0, 0, 0, 0, 0, 0, 0

__attribute__((target("avx2"), always_inline)) inline std::uint32_t Codes32(__m256i v) {
  const __m256i lo = _mm256_setr_epi8(EVBUS_GATE_LO, EVBUS_GATE_LO);
  const __m256i hi = _mm256_setr_epi8(EVBUS_GATE_HI, EVBUS_GATE_HI);
  const __m256i nibble = _mm256_set1_epi8(0x0F);
  const __m256i cls =
      _mm256_and_si256(_mm256_shuffle_epi8(lo, _mm256_and_si256(v, nibble)),
                       _mm256_shuffle_epi8(hi, _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble)));
  return ~static_cast<std::uint32_t>(
      _mm256_movemask_epi8(_mm256_cmpeq_epi8(cls, _mm256_setzero_si256())));
}

// 32 bytes of `v` with the bytes whose bit is set in `mask` made spaces.
__attribute__((target("avx2"), always_inline)) inline __m256i Blank32(__m256i v,
                                                                      std::uint32_t mask) {
  const __m256i spread = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2,
                                          2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
  const __m256i select = _mm256_set1_epi64x(static_cast<long long>(0x8040201008040201ull));
  const __m256i bytes = _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(mask)), spread);
  const __m256i hit = _mm256_cmpeq_epi8(_mm256_and_si256(bytes, select), select);
  return _mm256_blendv_epi8(v, _mm256_set1_epi8(' '), hit);
}

__attribute__((target("avx2"))) bool Avx2Blocks(const unsigned char* in, std::size_t blocks,
                                                unsigned char* out, std::uint64_t* carry,
                                                bool* any) {
  const __m256i slash = _mm256_set1_epi8('\\');
  for (std::size_t b = 0; b < blocks; ++b, in += kBlock, out += out != nullptr ? kBlock : 0) {
    const __m256i v0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in));
    const __m256i v1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + 32));
    BlockBits bits;
    bits.backslash =
        static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v0, slash))) |
        static_cast<std::uint64_t>(
            static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v1, slash))))
            << 32;
    if ((bits.backslash | *carry) == 0) {
      if (out != nullptr) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), v0);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 32), v1);
      }
      continue;
    }
    *any = true;
    bits.code = Codes32(v0) | static_cast<std::uint64_t>(Codes32(v1)) << 32;
    const BlockEscapes e = Escapes(bits.backslash, carry);
    if ((e.escaped & ~bits.code) != 0) return false;
    if (out == nullptr) continue;
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out),
                        Blank32(v0, static_cast<std::uint32_t>(e.blank)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 32),
                        Blank32(v1, static_cast<std::uint32_t>(e.blank >> 32)));
  }
  return true;
}

bool HaveAvx2() {
  static const bool have = __builtin_cpu_supports("avx2") != 0;
  return have;
}
#endif

// Whole blocks of in (blocks * 64 bytes) into out (null: only checked): AVX2
// where the CPU has it, else a byte at a time (the same bits).
bool Blocks(const unsigned char* in, std::size_t blocks, unsigned char* out, std::uint64_t* carry,
            bool* any) {
#ifdef EVBUS_GATE_SIMD
  if (HaveAvx2()) return Avx2Blocks(in, blocks, out, carry, any);
#endif
  return PlainBlocks(in, blocks, out, carry, any);
}

// A byte an expression may name outside a class: printable, no escape byte.
bool PlainByte(unsigned char c) { return c >= 0x20 && c < 0x7F && !IsEscapeByte(c); }

// `\x` in an expression (`in_class`: inside [...]): true when it stands for
// bytes that hold no escape byte. Sets *single to the byte for `\<punct>`.
bool EscapeFreeEscape(unsigned char x, bool in_class, int* single) {
  *single = -1;
  if (x == 'd' || x == 'w') return true;
  if (!in_class && (x == 'b' || x == 'B')) return true;  // word boundaries
  const bool alnum = (x >= '0' && x <= '9') || (x >= 'A' && x <= 'Z') || (x >= 'a' && x <= 'z');
  if (alnum || !PlainByte(x)) return false;  // \s \x41 \n \1 ..., or \" \/ \\ ...
  *single = x;
  return true;
}

// The class at e[*i] == '[': true when none of its bytes is an escape byte.
bool EscapeFreeClass(std::string_view e, std::size_t* i) {
  std::size_t at = *i + 1;
  if (at < e.size() && e[at] == '^') return false;  // a negated class holds them
  for (bool first = true; at < e.size(); first = false) {
    auto c = static_cast<unsigned char>(e[at]);
    if (c == ']' && !first) {
      *i = at + 1;
      return true;
    }
    if (c == '[') return false;  // [:alpha:] and the like: not analysed
    int lo = c;
    if (c == '\\') {
      if (at + 1 >= e.size() ||
          !EscapeFreeEscape(static_cast<unsigned char>(e[at + 1]), true, &lo)) {
        return false;
      }
      at += 2;
      if (lo < 0) continue;  // \d \w
    } else {
      if (!PlainByte(c)) return false;
      at += 1;
    }
    if (at + 1 < e.size() && e[at] == '-' && e[at + 1] != ']') {  // a range lo-hi
      int hi = static_cast<unsigned char>(e[at + 1]);
      if (hi == '\\' || !PlainByte(static_cast<unsigned char>(hi))) return false;
      for (int b = lo; b <= hi; ++b) {
        if (IsEscapeByte(static_cast<unsigned char>(b))) return false;
      }
      at += 2;
    }
  }
  return false;  // unterminated
}

}  // namespace

bool EscapeFree(std::string_view e, bool literal) {
  if (literal) {
    for (char c : e) {
      if (IsEscapeByte(static_cast<unsigned char>(c))) return false;
    }
    return true;
  }
  for (std::size_t i = 0; i < e.size();) {
    const auto c = static_cast<unsigned char>(e[i]);
    int single = -1;
    if (c == '\\') {
      if (i + 1 >= e.size() ||
          !EscapeFreeEscape(static_cast<unsigned char>(e[i + 1]), false, &single)) {
        return false;
      }
      i += 2;
    } else if (c == '[') {
      if (!EscapeFreeClass(e, &i)) return false;
    } else if (c == '(' && i + 1 < e.size() && e[i + 1] == '?') {
      if (i + 2 >= e.size() || e[i + 2] != ':') return false;  // flags, comments: not analysed
      i += 3;
    } else if (c == '.' || !PlainByte(c)) {
      return false;
    } else {
      ++i;
    }
  }
  return true;
}

namespace {

// The escapes of `json`, its blanked copy written to `out` unless null
// (json.size() rounded up to 64 bytes of room).
JsonEscapes Run(std::string_view json, unsigned char* out) {
  const std::size_t n = json.size();
  const auto* in = reinterpret_cast<const unsigned char*>(json.data());
  std::uint64_t carry = 0;
  bool any = false;
  const std::size_t whole = n / kBlock;
  if (!Blocks(in, whole, out, &carry, &any)) return JsonEscapes::kUnblankable;
  if (const std::size_t at = whole * kBlock; at < n) {  // the tail, zero-padded:
    unsigned char tail[kBlock] = {};                    // a 0 byte is no escape code
    std::memcpy(tail, in + at, n - at);
    if (!Blocks(tail, 1, out != nullptr ? out + at : nullptr, &carry, &any)) {
      return JsonEscapes::kUnblankable;
    }
  }
  if (carry != 0) return JsonEscapes::kUnblankable;  // a backslash ends the text
  return any ? JsonEscapes::kShortOnly : JsonEscapes::kNone;
}

}  // namespace

JsonEscapes BlankJsonEscapes(std::string_view json, std::string* scratch,
                             std::string_view* blanked) {
  const std::size_t padded = (json.size() + kBlock - 1) / kBlock * kBlock;
  if (scratch->size() < padded) scratch->resize(padded);
  const JsonEscapes found = Run(json, reinterpret_cast<unsigned char*>(scratch->data()));
  if (found != JsonEscapes::kUnblankable) *blanked = std::string_view(scratch->data(), json.size());
  return found;
}

JsonEscapes ScanJsonEscapes(std::string_view json) { return Run(json, nullptr); }

}  // namespace evbus
