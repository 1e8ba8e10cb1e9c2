#include "persist/store_recovery.h"

#include <utility>

#include "persist/page_writer.h"
#include "persist/store_paths.h"

namespace evbus::persist {
namespace {

// Counts what recovery drops while passing every report on.
class CountingReporter : public Reporter {
 public:
  explicit CountingReporter(Reporter* next) : next_(next) {}
  void Corruption(const std::string& file, std::uint64_t offset, std::uint64_t bytes,
                  const Status& reason) override {
    dropped += bytes;
    if (next_ != nullptr) next_->Corruption(file, offset, bytes, reason);
  }
  std::uint64_t dropped = 0;

 private:
  Reporter* next_;
};

// The newest page when it is unsealed: truncate what is past the last good
// record (if it was never acknowledged) and make what remains durable.
Status RecoverUnsealed(Env* env, const PageFile& file, const ParsedPage& page,
                       std::uint64_t file_size, const std::optional<Checkpoint>& checkpoint,
                       RecoveredStore* out) {
  if (page.valid_end < file_size) {
    const std::uint64_t durable_next_id = checkpoint ? checkpoint->durable_next_id : 0;
    if (page.next_id() < durable_next_id) {
      return Status::Corruption(
          "page '" + file.path + "' is damaged at offset " + std::to_string(page.valid_end) +
          " (id " + std::to_string(page.next_id()) + "), inside its acknowledged part (ids below " +
          std::to_string(durable_next_id) +
          " are durable): refusing to cut acknowledged events; copy the "
          "file aside and inspect it");
    }
    EVBUS_RETURN_IF_ERROR(env->Truncate(file.path, page.valid_end));
  } else {
    // Bytes written but maybe never synced (the previous run was killed):
    // make them durable before anyone builds on them.
    auto handle = env->NewAppendableFile(file.path, kOwnerOnlyFileMode);
    if (!handle.ok()) return handle.status();
    EVBUS_RETURN_IF_ERROR((*handle)->Sync());
    EVBUS_RETURN_IF_ERROR((*handle)->Close());
  }
  out->next_id = page.next_id();
  out->active = RecoveredStore::ActivePage{file.path, file.first_id, page.offsets, page.valid_end};
  return Status::OK();
}

// Rule 5: the spare page file (page_format.h) is empty unless something else
// wrote it; it is never a page and nothing in it was acknowledged. Removed;
// bytes in it are reported as dropped.
Status RemoveSpare(Env* env, const std::string& evbus_dir, Reporter* reporter) {
  const std::string path = SparePagePath(evbus_dir);
  if (!env->FileExists(path)) return Status::OK();
  auto size = env->FileSize(path);
  if (!size.ok()) return size.status();
  if (*size > 0) {
    reporter->Corruption(path, 0, *size,
                         Status::Corruption("records of a page that never got its name (crash "
                                            "while the page before it was sealed; never "
                                            "acknowledged)"));
  }
  return env->RemoveFile(path);  // the caller syncs the directory
}

// Whether `file` ends with a valid footer, reading only the footer.
bool HasValidFooter(Env* env, const PageFile& file) {
  auto size = env->FileSize(file.path);
  if (!size.ok() || *size < kFileHeaderSize + kTrailerSize) return false;
  std::string tail;
  if (!env->ReadFileRange(file.path, *size - kTrailerSize, kTrailerSize, &tail).ok()) return false;
  const std::size_t footer_size = FooterSizeFromTrailer(tail);
  if (footer_size == 0 || footer_size > *size - kFileHeaderSize) return false;
  if (!env->ReadFileRange(file.path, *size - footer_size, footer_size, &tail).ok()) return false;
  PageFooter footer;
  return DecodeFooter(tail, *size, file.first_id, &footer);
}

// Rule 4: the page before the newest may lack a durable footer, since the
// store writer syncs a seal together with the next page (store_writer.h,
// invariant 3). If its records reach the newest page's first id, only the
// footer was lost: it is written again. If they end before it (a torn tail),
// no id of the newest page was acknowledged (that needed this page's seal to
// be durable): the newest page is removed, and this one is recovered as the
// newest.
Status RecoverPageBeforeNewest(Env* env, const std::string& pages_dir,
                               const std::optional<Checkpoint>& checkpoint,
                               std::vector<PageFile>* pages, Reporter* reporter) {
  const PageFile& file = (*pages)[pages->size() - 2];
  const PageFile& newest = pages->back();
  if (HasValidFooter(env, file)) return Status::OK();
  std::string bytes;
  EVBUS_RETURN_IF_ERROR(env->ReadFile(file.path, &bytes));
  PageReadOptions options;
  options.expected_first_id = file.first_id;
  auto page = ParsePage(file.path, bytes, options, nullptr);
  if (!page.ok()) return page.status();
  if (page->sealed) return Status::OK();
  if (page->next_id() == newest.first_id && page->record_count() > 0) {
    if (bytes.size() > page->valid_end) {
      reporter->Corruption(file.path, page->valid_end, bytes.size() - page->valid_end,
                           Status::Corruption("footer of a page whose seal was not durable: "
                                              "written again"));
      EVBUS_RETURN_IF_ERROR(env->Truncate(file.path, page->valid_end));
    }
    auto writer = PageWriter::Reopen(env, file.path, file.first_id, std::move(page->offsets),
                                     page->valid_end);
    if (!writer.ok()) return writer.status();
    const Status s = (*writer)->Seal();
    const Status closed = (*writer)->Close();
    return s.ok() ? closed : s;
  }
  const std::uint64_t durable_next_id = checkpoint ? checkpoint->durable_next_id : 0;
  if (page->next_id() > newest.first_id || durable_next_id > page->next_id()) {
    return Status::Corruption(
        "page '" + file.path + "' ends at id " + std::to_string(page->next_id()) +
        " without a footer, but the next page starts at id " + std::to_string(newest.first_id) +
        " and ids below " + std::to_string(durable_next_id) +
        " are acknowledged: refusing to cut acknowledged events; copy the files aside and "
        "inspect them");
  }
  auto size = env->FileSize(newest.path);
  if (!size.ok()) return size.status();
  reporter->Corruption(newest.path, 0, *size,
                       Status::Corruption("page after a page whose seal was not durable (its "
                                          "ids were never acknowledged): removed"));
  EVBUS_RETURN_IF_ERROR(env->RemoveFile(newest.path));
  EVBUS_RETURN_IF_ERROR(env->SyncDir(pages_dir));
  pages->pop_back();
  return Status::OK();
}

}  // namespace

std::optional<Checkpoint> ReadCheckpoint(Env* env, const std::string& evbus_dir,
                                         Reporter* reporter) {
  const std::string path = CheckpointPath(evbus_dir);
  std::string bytes;
  if (!env->ReadFile(path, &bytes).ok()) return std::nullopt;
  auto checkpoint = DecodeCheckpoint(bytes);
  if (!checkpoint.ok()) {
    if (reporter != nullptr) reporter->Corruption(path, 0, bytes.size(), checkpoint.status());
    return std::nullopt;
  }
  return *checkpoint;
}

namespace {

// Removes newest pages cut inside their header (they hold nothing).
Status RemoveHeaderlessPages(Env* env, const std::string& pages_dir, std::vector<PageFile>* pages,
                             Reporter* reporter) {
  while (!pages->empty()) {
    auto size = env->FileSize(pages->back().path);
    if (!size.ok()) return size.status();
    if (*size >= kFileHeaderSize) break;
    reporter->Corruption(pages->back().path, 0, *size,
                         Status::Corruption("page header cut short (crash while creating it)"));
    EVBUS_RETURN_IF_ERROR(env->RemoveFile(pages->back().path));
    EVBUS_RETURN_IF_ERROR(env->SyncDir(pages_dir));
    pages->pop_back();
  }
  return Status::OK();
}

// Where the newest page ends (out->next_id): at its footer when sealed, else
// at its last whole record (RecoverUnsealed).
Status RecoverNewestPage(Env* env, const PageFile& file, Reporter* reporter, RecoveredStore* out) {
  std::string bytes;
  EVBUS_RETURN_IF_ERROR(env->ReadFile(file.path, &bytes));
  PageReadOptions options;
  options.expected_first_id = file.first_id;
  auto page = ParsePage(file.path, bytes, options, reporter);
  if (!page.ok()) return page.status();
  if (page->first_id != file.first_id) {
    return Status::Corruption("page '" + file.path + "' says its first id is " +
                              std::to_string(page->first_id) +
                              ": the file was renamed or mixed "
                              "up with another stream's");
  }
  if (page->sealed) {
    out->next_id = page->next_id();
    return Status::OK();
  }
  return RecoverUnsealed(env, file, *page, bytes.size(), out->checkpoint, out);
}

}  // namespace

Result<RecoveredStore> RecoverStore(Env* env, const std::string& evbus_dir, Reporter* reporter) {
  CountingReporter counting(reporter);
  RecoveredStore out;
  out.checkpoint = ReadCheckpoint(env, evbus_dir, reporter);
  const std::string pages_dir = PagesDir(evbus_dir);
  EVBUS_RETURN_IF_ERROR(RemoveSpare(env, evbus_dir, &counting));
  auto pages = ListPages(env, pages_dir);
  if (!pages.ok()) return pages.status();
  EVBUS_RETURN_IF_ERROR(RemoveHeaderlessPages(env, pages_dir, &*pages, &counting));
  if (pages->size() >= 2) {
    EVBUS_RETURN_IF_ERROR(
        RecoverPageBeforeNewest(env, pages_dir, out.checkpoint, &*pages, &counting));
  }
  if (!pages->empty())
    EVBUS_RETURN_IF_ERROR(RecoverNewestPage(env, pages->back(), &counting, &out));
  if (out.checkpoint && out.checkpoint->durable_next_id > out.next_id) {
    return Status::Corruption(
        "CHECKPOINT in '" + evbus_dir + "' says ids below " +
        std::to_string(out.checkpoint->durable_next_id) + " are durable, but the pages end at " +
        std::to_string(out.next_id) +
        ": acknowledged events were lost (disk failure or removed files); restore a backup or "
        "move evbus/ aside to start a new store");
  }
  out.bytes_dropped = counting.dropped;
  return out;
}

}  // namespace evbus::persist
