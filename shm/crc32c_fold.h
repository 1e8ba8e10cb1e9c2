// CRC32C by carry-less multiplication (AVX-512 VPCLMULQDQ): the path
// crc32c::Extend takes for long buffers on CPUs that have it. Internal to
// shm/crc32c.cc; not an installed header.
//
// Thread safety: pure functions, any thread.
#ifndef EVBUS_SHM_CRC32C_FOLD_H_
#define EVBUS_SHM_CRC32C_FOLD_H_

#include <cstddef>
#include <cstdint>

namespace evbus::shm::crc32c::fold {

// The shortest buffer FoldPrefix takes: four 64-byte blocks, one per
// accumulator.
inline constexpr std::size_t kMinBytes = 256;

// Whether this CPU and its OS run FoldPrefix (AVX-512F, VPCLMULQDQ, AVX2,
// SSE4.2, and the OS saves the 512-bit registers). Asks the CPU each call:
// callers keep the answer.
bool Supported() noexcept;

// Consumes the longest prefix of [p, p + n) that is a whole number of 64-byte
// blocks (n >= kMinBytes) and returns the raw CRC register (no inversion)
// after it, starting from `raw`; advances p and n past it. Only when
// Supported().
std::uint32_t FoldPrefix(std::uint32_t raw, const unsigned char*& p, std::size_t& n) noexcept;

}  // namespace evbus::shm::crc32c::fold

#endif  // EVBUS_SHM_CRC32C_FOLD_H_
