#include "stream/stream_segment.h"

#include <cstdlib>

#include "base/file_env.h"
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

// Moves a segment made before this stream's store had events (e.g. by
// `evbus create`) to start after them; a no-op when it already does.
Status RebaseAfterStore(shm::Segment* segment, const StreamPaths& paths,
                        std::string_view session_id, std::string_view user_id) {
  const std::uint64_t store_next = StoreNextId(paths, session_id, user_id);
  const std::uint64_t head = shm::LoadHalfAcquire(&segment->claim()->next_id);
  return store_next > head ? Rebase(segment, store_next) : Status::OK();
}

Result<std::unique_ptr<shm::Segment>> CreateStreamSegment(std::string_view session_id,
                                                          const EventStreamOptions& options,
                                                          const StreamPaths& paths) {
  shm::SegmentOptions so;
  so.data_capacity = options.capacity;
  so.max_record_size = options.max_event_size;
  so.index_slots = options.index_slots;
  so.env = options.env;  // the segment's file goes through the stream's Env too
  auto created = shm::Segment::Create(session_id, options.user_id, so);
  if (created.status().code() == Status::Code::kAlreadyExists) {
    return shm::Segment::Open(session_id, options.user_id);
  }
  if (!created.ok()) return created.status();
  const std::uint64_t first = StoreNextId(paths, session_id, options.user_id);
  if (first > 0) EVBUS_RETURN_IF_ERROR(Rebase(created->get(), first));
  return created;
}

}  // namespace

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

Result<std::unique_ptr<shm::Segment>> OpenStreamSegment(std::string_view session_id,
                                                        const EventStreamOptions& options,
                                                        const StreamPaths& paths) {
  Env* env = options.env != nullptr ? options.env : Env::Default();
  if (options.create_if_missing) EVBUS_RETURN_IF_ERROR(env->CreateDirs(paths.evbus_dir, 0700));
  std::unique_ptr<LockedFile> lock;  // held until return
  if (env->FileExists(paths.evbus_dir)) {
    EVBUS_ASSIGN_OR_RETURN(lock,
                           env->LockFile(paths.evbus_dir + "/SEGMENT.lock", LockWait::kWait, 0600));
  }
  auto attached = shm::Segment::Open(session_id, options.user_id);
  if (attached.ok()) {
    EVBUS_RETURN_IF_ERROR(RebaseAfterStore(attached->get(), paths, session_id, options.user_id));
    return attached;
  }
  if (!attached.status().IsNotFound()) return attached.status();
  if (!options.create_if_missing) {
    return Status::NotFound("stream '" + std::string(session_id) +
                            "' has no segment; open it with create_if_missing, or check the "
                            "session id and user id");
  }
  return CreateStreamSegment(session_id, options, paths);
}

}  // namespace evbus
