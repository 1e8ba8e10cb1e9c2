#include "persist/page_reader.h"

#include <algorithm>

namespace evbus::persist {
namespace {

class PageParser {
 public:
  PageParser(const std::string& file, std::string_view bytes, const PageReadOptions& options,
             Reporter* reporter)
      : file_(file), bytes_(bytes), options_(options), reporter_(reporter) {}

  void Report(std::uint64_t offset, std::uint64_t n, Status reason) {
    page_.clean = false;
    if (reporter_ != nullptr) reporter_->Corruption(file_, offset, n, reason);
  }

  // Trusts a footer whose CRC holds, then verifies every record it indexes.
  void ReadSealed(const PageFooter& footer) {
    page_.sealed = true;
    const std::size_t count = footer.offsets.size();
    for (std::size_t i = 0; i < count; ++i) {
      const std::uint32_t offset = footer.offsets[i];
      const std::uint64_t limit = i + 1 < count ? footer.offsets[i + 1] : footer.index_offset;
      DecodedRecord rec;
      RecordCheck check = limit > offset ? DecodeRecord(bytes_.substr(offset, limit - offset), &rec)
                                         : RecordCheck::kBadLength;
      const bool id_ok = check == RecordCheck::kOk && rec.meta.id == page_.first_id + i;
      if (!id_ok) {
        const std::uint64_t dropped = limit > offset ? limit - offset : 0;
        const std::string why = check == RecordCheck::kOk
                                    ? "record has id " + std::to_string(rec.meta.id)
                                    : std::string(RecordCheckName(check));
        Report(offset, dropped,
               Status::Corruption("id " + std::to_string(page_.first_id + i) + ": " + why));
        if (!options_.continue_past_corruption) break;
        page_.offsets.push_back(0);
        continue;
      }
      page_.offsets.push_back(offset);
      page_.valid_end = offset + rec.size;
    }
  }

  // Where the next plausible record after a bad one begins, or the end.
  std::uint64_t Resync(std::uint64_t from, std::uint64_t expected) const {
    for (std::uint64_t p = from + kRecordAlignment; p + kRecordHeaderSize <= bytes_.size();
         p += kRecordAlignment) {
      const auto id = DecodeFixed<std::uint64_t>(bytes_.data() + p + kRecordIdOffset);
      if (id < expected || id - expected > kMaxIdJump) continue;
      DecodedRecord rec;
      if (DecodeRecord(bytes_.substr(p), &rec) == RecordCheck::kOk) return p;
    }
    return bytes_.size();
  }

  // The largest id skip accepted past corruption (records are at least
  // kRecordAlignment bytes, so a page never holds this many).
  static constexpr std::uint64_t kMaxIdJump = std::uint64_t{1} << 24;

  void Scan() {
    std::uint64_t pos = kFileHeaderSize;
    std::uint64_t expected = page_.first_id;
    while (pos < bytes_.size()) {
      DecodedRecord rec;
      RecordCheck check = DecodeRecord(bytes_.substr(pos), &rec);
      // Past corruption a record may skip the ids of dropped ones, but never
      // by more than kMaxIdJump: a record with a forged CRC and a huge id
      // would otherwise size the offset table to it.
      const bool id_ok = options_.continue_past_corruption
                             ? rec.meta.id >= expected && rec.meta.id - expected <= kMaxIdJump
                             : rec.meta.id == expected;
      if (check == RecordCheck::kOk && id_ok) {
        page_.offsets.resize(rec.meta.id - page_.first_id, 0);
        page_.offsets.push_back(static_cast<std::uint32_t>(pos));
        pos += rec.size;
        page_.valid_end = pos;
        expected = rec.meta.id + 1;
        continue;
      }
      std::string why = check == RecordCheck::kOk ? "record has id " + std::to_string(rec.meta.id) +
                                                        ", expected " + std::to_string(expected)
                                                  : std::string(RecordCheckName(check));
      const std::uint64_t next =
          options_.continue_past_corruption ? Resync(pos, expected) : bytes_.size();
      if (next == bytes_.size() && check == RecordCheck::kTruncated) {
        why = "torn record at the end of the page (an unfinished write)";
      }
      Report(pos, next - pos, Status::Corruption(why));
      pos = next;
    }
  }

  Result<ParsedPage> Parse() {
    page_.valid_end = kFileHeaderSize;
    auto first_id = DecodeFileHeader(bytes_);
    if (!first_id.ok()) {
      Report(0, std::min<std::uint64_t>(bytes_.size(), kFileHeaderSize), first_id.status());
      if (!options_.continue_past_corruption) {
        return Status::Corruption("page '" + file_ + "': " + first_id.status().message());
      }
      page_.first_id = options_.expected_first_id;
      if (bytes_.size() < kFileHeaderSize) return page_;
    } else {
      page_.first_id = *first_id;
    }
    PageFooter footer;
    if (DecodeFooter(bytes_, bytes_.size(), page_.first_id, &footer)) {
      ReadSealed(footer);
    } else {
      Scan();
    }
    while (!page_.offsets.empty() && page_.offsets.back() == 0) page_.offsets.pop_back();
    return page_;
  }

 private:
  const std::string& file_;
  std::string_view bytes_;
  const PageReadOptions& options_;
  Reporter* reporter_;
  ParsedPage page_;
};

}  // namespace

Result<ParsedPage> ParsePage(const std::string& file, std::string_view bytes,
                             const PageReadOptions& options, Reporter* reporter) {
  return PageParser(file, bytes, options, reporter).Parse();
}

DecodedRecord RecordAt(std::string_view bytes, std::uint32_t offset) noexcept {
  return DecodeVerifiedRecord(bytes.substr(offset));
}

}  // namespace evbus::persist
