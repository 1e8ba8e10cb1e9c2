#include "persist/store.h"

#include <algorithm>
#include <utility>

#include "persist/page_codec.h"
#include "persist/record_convert.h"
#include "persist/store_recovery.h"

namespace evbus::persist {
namespace {

// Passes reports on, except a tail cut at the end of the newest page: that is
// a record the persister is writing right now, not damage.
class ReaderReporter : public Reporter {
 public:
  ReaderReporter(Reporter* next, bool newest, std::uint64_t size)
      : next_(next), newest_(newest), size_(size) {}
  void Corruption(const std::string& file, std::uint64_t offset, std::uint64_t bytes,
                  const Status& reason) override {
    if (newest_ && offset + bytes == size_) return;
    if (next_ != nullptr) next_->Corruption(file, offset, bytes, reason);
  }

 private:
  Reporter* next_;
  bool newest_;
  std::uint64_t size_;
};

}  // namespace

Store::Store(std::string dir, const StoreOptions& options)
    : dir_(std::move(dir)),
      options_(options),
      env_(options.env != nullptr ? options.env : Env::Default()),
      cache_(options.page_cache_pages) {}

Result<std::unique_ptr<Store>> Store::Open(std::string_view root, std::string_view session_id,
                                           std::string_view user_id, const StoreOptions& options) {
  auto dir = EvbusDir(root, session_id, user_id);
  if (!dir.ok()) return dir.status();
  return OpenDir(*dir, options);
}

Result<std::unique_ptr<Store>> Store::OpenDir(const std::string& evbus_dir,
                                              const StoreOptions& options) {
  std::unique_ptr<Store> store(new Store(evbus_dir, options));
  if (!store->env_->FileExists(PagesDir(evbus_dir))) {
    return Status::NotFound("no evbus store in '" + evbus_dir +
                            "': run the persister for this stream first, or check root, "
                            "session id and user id");
  }
  EVBUS_RETURN_IF_ERROR(store->Refresh());
  return store;
}

Result<std::int64_t> Store::LatestIdOfNewestPage(const PageFile& file, std::uint64_t size) const {
  const auto before_first = static_cast<std::int64_t>(file.first_id) - 1;
  // A page being created holds nothing yet; ids are dense, so the previous
  // page ends at first_id - 1.
  if (size <= kFileHeaderSize) return before_first;
  std::string tail;
  // A sealed page: its footer says.
  if (size >= kFileHeaderSize + kTrailerSize) {
    EVBUS_RETURN_IF_ERROR(env_->ReadFileRange(file.path, size - kTrailerSize, kTrailerSize, &tail));
    const std::size_t footer_size = FooterSizeFromTrailer(tail);
    if (footer_size != 0 && footer_size <= size - kFileHeaderSize) {
      const Status s = env_->ReadFileRange(file.path, size - footer_size, footer_size, &tail);
      PageFooter footer;
      if (s.ok() && DecodeFooter(tail, size, file.first_id, &footer)) {
        return static_cast<std::int64_t>(footer.last_id);
      }
    }
  }
  // Unsealed: scan only what follows the checkpoint's durable end.
  std::uint64_t from = kFileHeaderSize;
  std::int64_t latest = before_first;
  const auto checkpoint = ReadCheckpoint(env_, dir_, nullptr);
  if (checkpoint && checkpoint->page_first_id == file.first_id && checkpoint->page_end <= size &&
      checkpoint->durable_next_id > file.first_id) {
    from = checkpoint->page_end;
    latest = static_cast<std::int64_t>(checkpoint->durable_next_id) - 1;
  }
  EVBUS_RETURN_IF_ERROR(
      env_->ReadFileRange(file.path, from, static_cast<std::size_t>(size - from), &tail));
  std::string_view rest = tail;
  DecodedRecord rec;
  while (DecodeRecord(rest, &rec) == RecordCheck::kOk) {
    latest = static_cast<std::int64_t>(rec.meta.id);
    rest.remove_prefix(rec.size);
  }
  return latest;
}

Status Store::Refresh() {
  auto pages = ListPages(env_, PagesDir(dir_));
  if (!pages.ok()) return pages.status();
  std::int64_t latest = -1;
  std::uint64_t size = 0;
  if (!pages->empty()) {
    auto file_size = env_->FileSize(pages->back().path);
    if (!file_size.ok()) return file_size.status();
    size = *file_size;
    auto id = LatestIdOfNewestPage(pages->back(), size);
    if (!id.ok()) return id.status();
    latest = *id;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (!pages_.empty() && (pages_.size() != pages->size() || size != newest_size_)) {
    cache_.Erase(pages_.back().first_id);  // it grew or was sealed
  }
  pages_ = std::move(*pages);
  newest_size_ = size;
  latest_id_ = latest;
  return Status::OK();
}

std::int64_t Store::latest_id() const {
  std::lock_guard<std::mutex> lock(mu_);
  return latest_id_;
}

std::shared_ptr<const LoadedPage> Store::LoadPage(const PageFile& file, bool newest,
                                                  Status* status) const {
  if (auto page = cache_.Lookup(file.first_id)) return page;
  auto page = std::make_shared<LoadedPage>();
  page->path = file.path;
  *status = env_->ReadFile(file.path, &page->bytes);
  if (!status->ok()) return nullptr;
  ReaderReporter reporter(options_.reporter, newest, page->bytes.size());
  PageReadOptions read_options;
  read_options.continue_past_corruption = options_.continue_past_corruption;
  read_options.expected_first_id = file.first_id;
  auto parsed = ParsePage(file.path, page->bytes, read_options, &reporter);
  if (!parsed.ok()) {
    *status = parsed.status();
    return nullptr;
  }
  DropInvalidEventRecords(file.path, page->bytes, &*parsed, &reporter);
  page->parsed = std::move(*parsed);
  page->summary = PageSummary::Build(page->bytes, page->parsed);
  std::shared_ptr<const LoadedPage> shared = std::move(page);
  cache_.Insert(file.first_id, shared);
  return shared;
}

std::shared_ptr<const LoadedPage> Store::PageFor(std::int64_t id, Status* status) const {
  if (id < 0) return nullptr;
  PageFile file;
  bool newest = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = std::upper_bound(
        pages_.begin(), pages_.end(), static_cast<std::uint64_t>(id),
        [](std::uint64_t value, const PageFile& page) { return value < page.first_id; });
    if (it == pages_.begin()) return nullptr;
    --it;
    file = *it;
    newest = (it + 1 == pages_.end());
  }
  return LoadPage(file, newest, status);
}

}  // namespace evbus::persist
