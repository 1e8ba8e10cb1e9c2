// CRC32C (Castagnoli, reflected polynomial 0x82F63B78), as used by iSCSI,
// ext4 and leveldb. Uses carry-less folding (AVX-512 VPCLMULQDQ) for long
// buffers, the SSE4.2 crc32 instruction, or a slicing table, by what the CPU
// has; all give identical results.
//
// Thread safety: all functions are pure and may be called from any thread.
#ifndef EVBUS_SHM_CRC32C_H_
#define EVBUS_SHM_CRC32C_H_

#include <cstddef>
#include <cstdint>

namespace evbus::shm::crc32c {

// Returns the CRC32C of concat(A, data[0, n)) where init_crc is the CRC32C of
// some string A. Extend(0, data, n) is the CRC32C of data.
std::uint32_t Extend(std::uint32_t init_crc, const void* data, std::size_t n) noexcept;

inline std::uint32_t Value(const void* data, std::size_t n) noexcept { return Extend(0, data, n); }

// The portable table implementation (exposed so tests compare both paths).
std::uint32_t ExtendPortable(std::uint32_t init_crc, const void* data, std::size_t n) noexcept;

// The implementations Extend picks from, by CPU and length: the table, the
// SSE4.2 crc32 instruction, and (from 256 bytes on CPUs with AVX-512
// VPCLMULQDQ) carry-less folding. Tests and benchmarks run each one.
enum class Path { kPortable, kCrc32Instruction, kCarrylessFold };

// Whether this CPU runs `path`.
bool Supports(Path path) noexcept;

// Extend through `path` where this CPU supports it; the next path down where
// it does not, or where the buffer is too short for folding.
std::uint32_t ExtendWith(Path path, std::uint32_t init_crc, const void* data,
                         std::size_t n) noexcept;

}  // namespace evbus::shm::crc32c

#endif  // EVBUS_SHM_CRC32C_H_
