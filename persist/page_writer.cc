#include "persist/page_writer.h"

#include <utility>

#include "persist/page_codec.h"

namespace evbus::persist {
namespace {
// The buffer's capacity: a full flush threshold plus room for the record that
// crosses it (larger records grow it once).
constexpr std::size_t kWriteBufferReserve = kPageWriteBufferBytes + (64u << 10);
}  // namespace

PageWriter::PageWriter(Env* env, std::string path, std::unique_ptr<WritableFile> file,
                       std::uint64_t first_id)
    : env_(env), path_(std::move(path)), file_(std::move(file)), first_id_(first_id) {
  offsets_.reserve(4096);
}

PageWriter::~PageWriter() { (void)Close(); }

Result<std::unique_ptr<PageWriter>> PageWriter::Create(Env* env, std::string path,
                                                       std::uint64_t first_id) {
  if (env->FileExists(path)) {
    return Status::AlreadyExists("page file '" + path +
                                 "' already exists: recovery should have reopened it");
  }
  auto file = env->NewAppendableFile(path, kOwnerOnlyFileMode);
  if (!file.ok()) return file.status();
  std::unique_ptr<PageWriter> writer(
      new PageWriter(env, std::move(path), std::move(*file), first_id));
  writer->buffer_.reserve(kWriteBufferReserve);
  AppendFileHeader(first_id, &writer->buffer_);
  return writer;
}

std::unique_ptr<PageWriter> PageWriter::CreateDetached(Env* env, std::string path,
                                                       std::uint64_t first_id, std::string buffer) {
  std::unique_ptr<PageWriter> writer(new PageWriter(env, std::move(path), nullptr, first_id));
  writer->buffer_ = std::move(buffer);
  writer->buffer_.clear();
  writer->buffer_.reserve(kWriteBufferReserve);
  AppendFileHeader(first_id, &writer->buffer_);
  return writer;
}

void PageWriter::AttachFile(std::unique_ptr<WritableFile> file) { file_ = std::move(file); }

std::string PageWriter::TakeBuffer() {
  std::string buffer = std::move(buffer_);
  buffer.clear();
  buffer_ = std::string();
  return buffer;
}

Result<std::unique_ptr<PageWriter>> PageWriter::Reopen(Env* env, std::string path,
                                                       std::uint64_t first_id,
                                                       std::vector<std::uint32_t> offsets,
                                                       std::uint64_t size) {
  auto file = env->NewAppendableFile(path, kOwnerOnlyFileMode);
  if (!file.ok()) return file.status();
  std::unique_ptr<PageWriter> writer(
      new PageWriter(env, std::move(path), std::move(*file), first_id));
  writer->buffer_.reserve(kWriteBufferReserve);
  writer->offsets_ = std::move(offsets);
  writer->flushed_size_ = writer->synced_size_ = size;
  writer->flushed_records_ = writer->synced_records_ = writer->offsets_.size();
  return writer;
}

bool PageWriter::WouldOverflow(std::size_t body_size, std::uint64_t max_bytes,
                               std::uint32_t max_records) const {
  if (offsets_.empty()) return false;
  if (offsets_.size() >= max_records) return true;
  const std::uint64_t footer = (offsets_.size() + 1) * 4 + kTrailerSize;
  return size() + PaddedRecordSize(body_size) + footer > max_bytes;
}

Status PageWriter::Append(const RecordMeta& meta, std::string_view body) {
  if (!broken_.ok()) return broken_;  // stopped by a failed fsync: accept nothing more
  if (sealed_) return Status::InvalidArgument("page '" + path_ + "' is sealed");
  if (meta.id != next_id()) {
    return Status::InvalidArgument("record id " + std::to_string(meta.id) + " appended to page '" +
                                   path_ + "' whose next id is " + std::to_string(next_id()) +
                                   ": ids in a page must be dense");
  }
  if (body.size() > kMaxBodyBytes) {
    return Status::TooLarge("event of " + std::to_string(body.size()) +
                            " bytes exceeds the store's limit of " + std::to_string(kMaxBodyBytes) +
                            " bytes");
  }
  offsets_.push_back(static_cast<std::uint32_t>(size()));
  AppendRecord(meta, body, &buffer_);
  return Status::OK();
}

Status PageWriter::Flush() {
  if (!broken_.ok()) return broken_;
  if (buffer_.empty()) return Status::OK();
  if (!file_) {
    return Status::Unavailable("page '" + path_ + "' has no file yet: attach it before flushing");
  }
  Status s = file_->Append(buffer_);
  if (!s.ok()) {
    // Cut off whatever part of the buffer reached the file, so that the page
    // still ends at a record boundary; the buffered records stay pending.
    const Status cut = file_->Truncate(flushed_size_);
    if (!cut.ok()) return Status::IOError(s.message() + "; then " + cut.message());
    return s;
  }
  flushed_size_ += buffer_.size();
  flushed_records_ = offsets_.size();
  buffer_.clear();
  return Status::OK();
}

Status PageWriter::Sync() {
  if (!broken_.ok()) return broken_;
  EVBUS_RETURN_IF_ERROR(Flush());
  if (synced_size_ == flushed_size_) return Status::OK();
  const Status s = file_->Sync();
  if (!s.ok()) {
    // After a failed fsync the kernel may have dropped the dirty pages; what
    // is on disk is unknown, so this writer stops and recovery decides.
    broken_ = Status::IOError(s.message() +
                              " (the page writer stopped: restart the persister to recover)");
    return broken_;
  }
  synced_size_ = flushed_size_;
  synced_records_ = flushed_records_;
  return Status::OK();
}

Status PageWriter::FinishSync(SyncPoint point, const Status& synced) {
  if (!broken_.ok()) return broken_;
  if (!synced.ok()) {
    broken_ = Status::IOError(synced.message() +
                              " (the page writer stopped: restart the persister to recover)");
    return broken_;
  }
  if (point.size > synced_size_) {
    synced_size_ = point.size;
    synced_records_ = point.records;
  }
  return Status::OK();
}

Status PageWriter::WriteFooter() {
  if (sealed_) return Status::OK();
  if (offsets_.empty())
    return Status::InvalidArgument("cannot seal the empty page '" + path_ + "'");
  const std::uint64_t index_offset = size();
  const std::size_t footer_size = offsets_.size() * 4 + kTrailerSize;
  AppendFooter(next_id() - 1, offsets_, static_cast<std::uint32_t>(index_offset), &buffer_);
  Status s = Flush();
  if (!s.ok()) {
    buffer_.resize(buffer_.size() - footer_size);  // the footer never reached the file
    return s;
  }
  sealed_ = true;  // the footer is in the file: nothing may follow it
  return Status::OK();
}

Status PageWriter::Seal() {
  Status s = WriteFooter();
  return s.ok() ? Sync() : s;
}

Status PageWriter::Close() {
  if (!file_) return Status::OK();
  Status s = Flush();
  const Status closed = file_->Close();
  file_.reset();
  return s.ok() ? closed : s;
}

}  // namespace evbus::persist
