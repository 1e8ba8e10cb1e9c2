#include "persist/page_codec.h"

#include <charconv>
#include <cstdio>

#include "shm/crc32c.h"

namespace evbus::persist {

std::uint32_t MaskedCrc(std::string_view data) noexcept {
  return MaskCrc(shm::crc32c::Value(data.data(), data.size()));
}

void AppendFileHeader(std::uint64_t first_id, std::string* out) {
  char buf[kFileHeaderSize] = {};
  std::memcpy(buf, kPageMagic.data(), kPageMagic.size());
  EncodeFixed<std::uint32_t>(buf + kFileHeaderVersionOffset, kPageVersion);
  EncodeFixed<std::uint32_t>(buf + kFileHeaderSizeOffset, kFileHeaderSize);
  EncodeFixed<std::uint64_t>(buf + kFileHeaderFirstIdOffset, first_id);
  EncodeFixed<std::uint32_t>(buf + kFileHeaderCrcOffset,
                             MaskedCrc(std::string_view(buf, kFileHeaderCrcOffset)));
  out->append(buf, kFileHeaderSize);
}

Result<std::uint64_t> DecodeFileHeader(std::string_view bytes) {
  if (bytes.size() < kFileHeaderSize) {
    return Status::Corruption("file header is " + std::to_string(bytes.size()) + " bytes, needs " +
                              std::to_string(kFileHeaderSize));
  }
  if (bytes.substr(0, kPageMagic.size()) != kPageMagic) {
    return Status::Corruption("bad magic: not an evbus page file");
  }
  const auto stored = DecodeFixed<std::uint32_t>(bytes.data() + kFileHeaderCrcOffset);
  if (stored != MaskedCrc(bytes.substr(0, kFileHeaderCrcOffset))) {
    return Status::Corruption("file header checksum mismatch");
  }
  const auto version = DecodeFixed<std::uint32_t>(bytes.data() + kFileHeaderVersionOffset);
  const auto size = DecodeFixed<std::uint32_t>(bytes.data() + kFileHeaderSizeOffset);
  if (version != kPageVersion || size != kFileHeaderSize) {
    return Status::Corruption("page format version " + std::to_string(version) +
                              " is not supported (this build reads version " +
                              std::to_string(kPageVersion) + "): use a matching evbus");
  }
  return DecodeFixed<std::uint64_t>(bytes.data() + kFileHeaderFirstIdOffset);
}

void AppendRecord(const RecordMeta& meta, std::string_view body, std::string* out) {
  // Header, body and padding are appended in place (no zero-fill of the body
  // bytes first); the CRC then runs once over the bytes as they will be written.
  char header[kRecordHeaderSize] = {};
  EncodeFixed<std::uint32_t>(header + kRecordLengthOffset, static_cast<std::uint32_t>(body.size()));
  EncodeFixed<std::uint64_t>(header + kRecordIdOffset, meta.id);
  EncodeFixed<std::int64_t>(header + kRecordTimestampOffset, meta.timestamp_ns);
  EncodeFixed<std::int64_t>(header + kRecordCauseOffset, meta.cause);
  EncodeFixed<std::uint16_t>(header + kRecordTypeOffset, meta.type);
  header[kRecordSourceOffset] = static_cast<char>(meta.source);
  header[kRecordFlagsOffset] = static_cast<char>(meta.flags);
  EncodeFixed<std::uint32_t>(header + kRecordMissingOffset, meta.missing);
  const std::size_t start = out->size();
  const std::size_t padded = PaddedRecordSize(body.size());
  out->append(header, kRecordHeaderSize);
  out->append(body.data(), body.size());
  out->append(padded - kRecordHeaderSize - body.size(), '\0');
  char* rec = out->data() + start;
  EncodeFixed<std::uint32_t>(rec, MaskedCrc(std::string_view(rec + 4, padded - 4)));
}

std::string_view RecordCheckName(RecordCheck check) {
  switch (check) {
    case RecordCheck::kOk:
      return "ok";
    case RecordCheck::kTruncated:
      return "record cut short (torn write)";
    case RecordCheck::kBadLength:
      return "record length out of range";
    case RecordCheck::kBadCrc:
      return "record checksum mismatch";
    case RecordCheck::kBadFlags:
      return "unknown record flags";
  }
  return "unknown";
}

DecodedRecord DecodeVerifiedRecord(std::string_view bytes) noexcept {
  DecodedRecord out;
  const char* rec = bytes.data();
  const auto length = DecodeFixed<std::uint32_t>(rec + kRecordLengthOffset);
  RecordMeta& meta = out.meta;
  meta.id = DecodeFixed<std::uint64_t>(rec + kRecordIdOffset);
  meta.timestamp_ns = DecodeFixed<std::int64_t>(rec + kRecordTimestampOffset);
  meta.cause = DecodeFixed<std::int64_t>(rec + kRecordCauseOffset);
  meta.type = DecodeFixed<std::uint16_t>(rec + kRecordTypeOffset);
  meta.source = static_cast<std::uint8_t>(rec[kRecordSourceOffset]);
  meta.flags = static_cast<std::uint8_t>(rec[kRecordFlagsOffset]);
  meta.missing = DecodeFixed<std::uint32_t>(rec + kRecordMissingOffset);
  out.body = std::string_view(rec + kRecordHeaderSize, length);
  out.size = PaddedRecordSize(length);
  return out;
}

RecordCheck DecodeRecord(std::string_view bytes, DecodedRecord* out) noexcept {
  if (bytes.size() < kRecordHeaderSize) return RecordCheck::kTruncated;
  const char* rec = bytes.data();
  const auto length = DecodeFixed<std::uint32_t>(rec + kRecordLengthOffset);
  if (length > kMaxBodyBytes) return RecordCheck::kBadLength;
  const std::size_t padded = PaddedRecordSize(length);
  if (bytes.size() < padded) return RecordCheck::kTruncated;
  if (DecodeFixed<std::uint32_t>(rec) != MaskedCrc(bytes.substr(4, padded - 4))) {
    return RecordCheck::kBadCrc;
  }
  *out = DecodeVerifiedRecord(bytes);
  if ((out->meta.flags & ~kKnownFlags) != 0) return RecordCheck::kBadFlags;
  return RecordCheck::kOk;
}

void AppendFooter(std::uint64_t last_id, std::span<const std::uint32_t> offsets,
                  std::uint32_t index_offset, std::string* out) {
  const std::size_t start = out->size();
  out->resize(start + offsets.size() * 4 + kTrailerSize, '\0');
  char* p = out->data() + start;
  for (std::size_t i = 0; i < offsets.size(); ++i)
    EncodeFixed<std::uint32_t>(p + 4 * i, offsets[i]);
  char* trailer = p + offsets.size() * 4;
  EncodeFixed<std::uint64_t>(trailer + kTrailerLastIdOffset, last_id);
  EncodeFixed<std::uint32_t>(trailer + kTrailerCountOffset,
                             static_cast<std::uint32_t>(offsets.size()));
  EncodeFixed<std::uint32_t>(trailer + kTrailerIndexOffsetOffset, index_offset);
  const std::size_t covered = offsets.size() * 4 + kTrailerCrcOffset;
  EncodeFixed<std::uint32_t>(trailer + kTrailerCrcOffset, MaskedCrc(std::string_view(p, covered)));
  std::memcpy(trailer + kTrailerMagicOffset, kSealMagic.data(), kSealMagic.size());
}

std::size_t FooterSizeFromTrailer(std::string_view trailer) {
  if (trailer.size() < kTrailerSize) return 0;
  trailer = trailer.substr(trailer.size() - kTrailerSize);
  if (trailer.substr(kTrailerMagicOffset) != kSealMagic) return 0;
  const auto count = DecodeFixed<std::uint32_t>(trailer.data() + kTrailerCountOffset);
  return std::size_t{count} * 4 + kTrailerSize;
}

bool DecodeFooter(std::string_view tail, std::uint64_t file_size, std::uint64_t first_id,
                  PageFooter* out) {
  const std::size_t footer_size = FooterSizeFromTrailer(tail);
  if (footer_size == 0 || footer_size > tail.size() || footer_size > file_size) return false;
  const std::string_view footer = tail.substr(tail.size() - footer_size);
  const char* trailer = footer.data() + footer_size - kTrailerSize;
  const std::size_t covered = footer_size - kTrailerSize + kTrailerCrcOffset;
  if (DecodeFixed<std::uint32_t>(trailer + kTrailerCrcOffset) !=
      MaskedCrc(footer.substr(0, covered))) {
    return false;
  }
  if (DecodeFixed<std::uint32_t>(trailer + kTrailerCrcOffset + 4) != 0) return false;  // reserved
  const auto count = DecodeFixed<std::uint32_t>(trailer + kTrailerCountOffset);
  const auto last_id = DecodeFixed<std::uint64_t>(trailer + kTrailerLastIdOffset);
  const auto index_offset = DecodeFixed<std::uint32_t>(trailer + kTrailerIndexOffsetOffset);
  if (index_offset + footer_size != file_size || index_offset < kFileHeaderSize) return false;
  if (count == 0 || last_id != first_id + count - 1) return false;
  out->last_id = last_id;
  out->index_offset = index_offset;
  out->offsets.resize(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    out->offsets[i] = DecodeFixed<std::uint32_t>(footer.data() + 4 * i);
    if (out->offsets[i] < kFileHeaderSize || out->offsets[i] >= index_offset) return false;
  }
  return true;
}

std::string EncodeCheckpoint(const Checkpoint& checkpoint) {
  std::string buf(kCheckpointSize, '\0');
  std::memcpy(buf.data(), kCheckpointMagic.data(), kCheckpointMagic.size());
  EncodeFixed<std::uint64_t>(buf.data() + 8, checkpoint.durable_next_id);
  EncodeFixed<std::uint64_t>(buf.data() + 16, checkpoint.page_first_id);
  EncodeFixed<std::uint32_t>(buf.data() + 24, checkpoint.page_end);
  EncodeFixed<std::uint32_t>(buf.data() + 28, MaskedCrc(std::string_view(buf).substr(0, 28)));
  return buf;
}

Result<Checkpoint> DecodeCheckpoint(std::string_view bytes) {
  if (bytes.size() != kCheckpointSize || bytes.substr(0, 8) != kCheckpointMagic) {
    return Status::Corruption("CHECKPOINT has the wrong size or magic");
  }
  if (DecodeFixed<std::uint32_t>(bytes.data() + 28) != MaskedCrc(bytes.substr(0, 28))) {
    return Status::Corruption("CHECKPOINT checksum mismatch");
  }
  Checkpoint checkpoint;
  checkpoint.durable_next_id = DecodeFixed<std::uint64_t>(bytes.data() + 8);
  checkpoint.page_first_id = DecodeFixed<std::uint64_t>(bytes.data() + 16);
  checkpoint.page_end = DecodeFixed<std::uint32_t>(bytes.data() + 24);
  return checkpoint;
}

std::string PageFileName(std::uint64_t first_id) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%020llu", static_cast<unsigned long long>(first_id));
  std::string name(buf);
  name += kPageFileSuffix;
  return name;
}

bool ParsePageFileName(std::string_view name, std::uint64_t* first_id) {
  if (name.size() != kPageFileIdDigits + kPageFileSuffix.size()) return false;
  if (name.substr(kPageFileIdDigits) != kPageFileSuffix) return false;
  const char* end = name.data() + kPageFileIdDigits;
  auto [ptr, ec] = std::from_chars(name.data(), end, *first_id);
  return ec == std::errc() && ptr == end;
}

}  // namespace evbus::persist
