// libFuzzer target: persist::ParsePage on arbitrary bytes as a whole page
// file, stopping at and continuing past corruption. Must never crash; every
// offset it accepts must decode within the bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "persist/page_reader.h"

namespace {

class CountingReporter : public evbus::persist::Reporter {
 public:
  void Corruption(const std::string& /*file*/, std::uint64_t /*offset*/, std::uint64_t bytes,
                  const evbus::Status& /*reason*/) override {
    dropped_ += bytes;
  }
  std::uint64_t dropped_ = 0;
};

void ParseOnce(std::string_view bytes, bool continue_past_corruption, std::uint64_t first_id) {
  evbus::persist::PageReadOptions options;
  options.continue_past_corruption = continue_past_corruption;
  options.expected_first_id = first_id;
  CountingReporter reporter;
  evbus::Result<evbus::persist::ParsedPage> page =
      evbus::persist::ParsePage("00000000000000000000.evp", bytes, options, &reporter);
  if (!page.ok()) return;
  for (std::uint32_t offset : page.value().offsets) {
    if (offset == 0) continue;
    if (offset >= bytes.size()) std::abort();  // an accepted record outside the file
    (void)evbus::persist::RecordAt(bytes, offset);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  ParseOnce(bytes, false, 0);
  ParseOnce(bytes, true, 0);
  ParseOnce(bytes, true, 1);
  return 0;
}
