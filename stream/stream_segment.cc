#include "stream/stream_segment.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "persist/store.h"
#include "persist/store_paths.h"
#include "shm/atomic128.h"

namespace evbus {
namespace {

std::string DefaultStoreRoot() {
  const char* tmp = std::getenv("TMPDIR");
  return std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/evbus-store";
}

// The next id the store expects (0 without a store).
std::uint64_t StoreNextId(const StreamPaths& paths, std::string_view session_id,
                          std::string_view user_id) {
  auto store = persist::Store::Open(paths.store_root, session_id, user_id);
  if (!store.ok()) return 0;
  return static_cast<std::uint64_t>((*store)->GetLatestEventId() + 1);
}

// Moves a segment nobody has published to yet to start at `first`.
Status Rebase(shm::Segment* segment, std::uint64_t first) {
  auto* header = const_cast<shm::SegmentHeader*>(&segment->header());
  header->first_id.store(first, std::memory_order_release);
  auto* word = reinterpret_cast<shm::Pair64*>(segment->claim());
  shm::Pair64 expected{0, 0};
  if (shm::Cas128(word, &expected, shm::Pair64{first, 0})) return Status::OK();
  return Status::Corruption(
      "segment '" + segment->shm_name() + "' hands out ids from " + std::to_string(expected.lo) +
      " but the stream's store already holds ids up to " + std::to_string(first - 1) +
      ": its events would collide. Stop its users, destroy the segment (evbus destroy) and "
      "open the stream again");
}

class FileLock {
 public:
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  Status Lock(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) return Status::IOError("cannot open '" + path + "': " + std::strerror(errno));
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) return Status::IOError("cannot lock '" + path + "'");
    }
    return Status::OK();
  }

 private:
  int fd_ = -1;
};

}  // namespace

Status MakeDirs(const std::string& path, unsigned mode) {
  std::size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    const std::string part = path.substr(0, pos);
    if (part.empty()) continue;
    if (::mkdir(part.c_str(), static_cast<mode_t>(mode)) != 0 && errno != EEXIST) {
      return Status::IOError("cannot create directory '" + part + "': " + std::strerror(errno));
    }
  }
  return Status::OK();
}

Result<StreamPaths> ResolveStreamPaths(std::string_view session_id,
                                       const EventStreamOptions& options) {
  StreamPaths paths;
  paths.store_root = options.store_root.empty() ? DefaultStoreRoot() : options.store_root;
  auto conv = persist::ConversationDir(paths.store_root, session_id, options.user_id);
  if (!conv.ok()) return conv.status();
  paths.conversation_dir = *conv;
  auto evbus = persist::EvbusDir(paths.store_root, session_id, options.user_id);
  if (!evbus.ok()) return evbus.status();
  paths.evbus_dir = *evbus;
  return paths;
}

Status OpenStreamSegment(std::string_view session_id, const EventStreamOptions& options,
                         const StreamPaths& paths, std::unique_ptr<shm::Segment>* out) {
  if (options.create_if_missing) {
    if (Status s = MakeDirs(paths.evbus_dir, 0700); !s.ok()) return s;
  }
  struct stat st {};
  const bool have_dir = ::stat(paths.evbus_dir.c_str(), &st) == 0;
  FileLock lock;
  if (have_dir) {
    if (Status s = lock.Lock(paths.evbus_dir + "/SEGMENT.lock"); !s.ok()) return s;
  }
  Status s = shm::Segment::Open(session_id, options.user_id, out);
  if (s.ok()) {
    const std::uint64_t store_next = StoreNextId(paths, session_id, options.user_id);
    const std::uint64_t head = shm::LoadHalfAcquire(&(*out)->claim()->next_id);
    if (store_next > head) s = Rebase(out->get(), store_next);  // e.g. made by `evbus create`
    if (!s.ok()) out->reset();
    return s;
  }
  if (!s.IsNotFound()) return s;
  if (!options.create_if_missing) {
    return Status::NotFound("stream '" + std::string(session_id) +
                            "' has no segment; open it with create_if_missing, or check the "
                            "session id and user id");
  }
  shm::SegmentOptions so;
  so.data_capacity = options.capacity;
  so.max_record_size = options.max_event_size;
  so.index_slots = options.index_slots;
  so.env = options.env;  // the segment's file goes through the stream's Env too
  s = shm::Segment::Create(session_id, options.user_id, so, out);
  if (s.code() == Status::Code::kAlreadyExists)
    return shm::Segment::Open(session_id, options.user_id, out);
  if (!s.ok()) return s;
  const std::uint64_t first = StoreNextId(paths, session_id, options.user_id);
  if (first > 0) s = Rebase(out->get(), first);
  if (!s.ok()) out->reset();
  return s;
}

}  // namespace evbus
