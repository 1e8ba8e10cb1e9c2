// PageWriter: appends records to one page file and seals it.
//
// Records are encoded into an in-memory buffer by Append(); Flush() hands the
// buffer to the kernel in one write(2); Sync() makes everything flushed
// durable; Seal() writes the footer (id index) and syncs. A detached writer
// (no file yet) only buffers; Flush() waits for AttachFile(). A failed Flush()
// cuts the file back to its last good size, so a full disk never leaves a
// partial record behind: the caller may retry once space is free.
//
// Thread safety: not thread-safe; one writer thread (the persister's).
// Invariants:
//   1. Record ids in a page are dense: the i-th record has id first_id + i.
//   2. flushed_size() is always at a record boundary (or the header end).
//   3. Once sealed, nothing more is appended.
#ifndef EVBUS_PERSIST_PAGE_WRITER_H_
#define EVBUS_PERSIST_PAGE_WRITER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/file_env.h"
#include "base/status.h"
#include "persist/page_format.h"

namespace evbus::persist {

// Records are encoded into a buffer of this capacity, reserved once per page
// writer (no allocation per record unless one record is larger); a writer
// hands it to the kernel in one write(2) when it fills, or at a sync.
inline constexpr std::size_t kPageWriteBufferBytes = 256u << 10;

class PageWriter {
 public:
  // A new page file at `path` (created 0600) whose first record is `first_id`.
  // The header is buffered like a record; it reaches the disk on Flush().
  static Result<std::unique_ptr<PageWriter>> Create(Env* env, std::string path,
                                                    std::uint64_t first_id);
  // Continues an unsealed page that recovery verified: `offsets` are its
  // records (ids first_id + i) and `size` the file's length, at a record end.
  static Result<std::unique_ptr<PageWriter>> Reopen(Env* env, std::string path,
                                                    std::uint64_t first_id,
                                                    std::vector<std::uint32_t> offsets,
                                                    std::uint64_t size);
  // A page whose file does not exist yet: records are buffered into `buffer`
  // (a recycled one; cleared here) until AttachFile() hands it the file. The
  // store writer creates that file in the background while the previous
  // page's seal is being synced (persist/store_writer.h).
  static std::unique_ptr<PageWriter> CreateDetached(Env* env, std::string path,
                                                    std::uint64_t first_id, std::string buffer);
  ~PageWriter();
  PageWriter(const PageWriter&) = delete;
  PageWriter& operator=(const PageWriter&) = delete;

  // Buffers one record. meta.id must be next_id() (InvalidArgument otherwise);
  // after a failed fsync, the error that stopped the writer.
  Status Append(const RecordMeta& meta, std::string_view body);
  // write(2)s what is buffered. On error the file is cut back to flushed_size().
  Status Flush();
  // Flush() then fdatasync. Afterwards synced_size() == flushed_size(). A
  // failed fsync stops the writer for good (the disk state is unknown).
  Status Sync();
  // Appends the footer and flushes it, without fsync. The page must hold at
  // least one record; nothing may be appended afterwards.
  Status WriteFooter();
  // WriteFooter(), then Sync().
  Status Seal();
  // What a sync started now would cover: everything flushed so far.
  struct SyncPoint {
    std::uint64_t size = 0;
    std::size_t records = 0;
  };
  SyncPoint flushed_point() const { return {flushed_size_, flushed_records_}; }
  // The file, for an fdatasync on another thread (WritableFile::Sync may run
  // while this writer flushes more). Afterwards, FinishSync() with the point
  // taken before it began and its status: success makes that much synced, a
  // failure stops the writer as a failed Sync() does.
  WritableFile* file() const { return file_.get(); }
  Status FinishSync(SyncPoint point, const Status& synced);
  // For a writer made by CreateDetached(): its file, opened for appending.
  void AttachFile(std::unique_ptr<WritableFile> file);
  // The write buffer, emptied, for the next page writer (keeps its capacity).
  std::string TakeBuffer();
  Status Close();

  // Whether one more record of `body_size` bytes would overflow the bounds
  // (a page always accepts its first record, however large).
  bool WouldOverflow(std::size_t body_size, std::uint64_t max_bytes,
                     std::uint32_t max_records) const;

  std::uint64_t first_id() const { return first_id_; }
  std::uint64_t next_id() const { return first_id_ + offsets_.size(); }
  std::uint32_t record_count() const { return static_cast<std::uint32_t>(offsets_.size()); }
  std::uint64_t size() const { return flushed_size_ + buffer_.size(); }
  std::uint64_t flushed_size() const { return flushed_size_; }
  std::uint64_t synced_size() const { return synced_size_; }
  // The id after the last record that Sync() made durable.
  std::uint64_t synced_next_id() const { return first_id_ + synced_records_; }
  bool sealed() const { return sealed_; }
  const std::string& path() const { return path_; }

 private:
  PageWriter(Env* env, std::string path, std::unique_ptr<WritableFile> file,
             std::uint64_t first_id);

  Env* env_;
  std::string path_;
  std::unique_ptr<WritableFile> file_;
  std::uint64_t first_id_;
  std::vector<std::uint32_t> offsets_;  // file offset of id first_id_ + i
  std::string buffer_;                  // encoded, not yet written
  std::uint64_t flushed_size_ = 0;
  std::uint64_t synced_size_ = 0;
  std::size_t flushed_records_ = 0;
  std::size_t synced_records_ = 0;
  bool sealed_ = false;
  Status broken_;  // set by a failed fsync; every later call returns it
};

}  // namespace evbus::persist

#endif  // EVBUS_PERSIST_PAGE_WRITER_H_
