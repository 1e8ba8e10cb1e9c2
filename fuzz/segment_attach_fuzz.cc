// libFuzzer target: shm::ValidateHeader on arbitrary bytes laid into an
// aligned SegmentHeader-sized buffer, with a fuzzed mapped size. Must never
// crash, whatever the header claims.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "shm/layout.h"
#include "shm/segment.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::uint64_t mapped_size = 0;
  if (size >= sizeof(mapped_size)) {
    std::memcpy(&mapped_size, data, sizeof(mapped_size));
    data += sizeof(mapped_size);
    size -= sizeof(mapped_size);
  }
  alignas(evbus::shm::SegmentHeader) unsigned char buffer[sizeof(evbus::shm::SegmentHeader)] = {};
  std::memcpy(buffer, data, size < sizeof(buffer) ? size : sizeof(buffer));
  // The header lives in mapped memory in production: read it in place the same way.
  const auto* header = reinterpret_cast<const evbus::shm::SegmentHeader*>(buffer);
  (void)evbus::shm::ValidateHeader(*header, mapped_size, "fuzz");
  return 0;
}
