// Where a stream's store lives: OpenHands' conversation directory for
// (user_id, session_id), and evbus' own files inside it.
//
//   <root>/sessions/<sid>/                   no user id
//   <root>/users/<uid>/conversations/<sid>/  with a user id
//       evbus/{LOCK, CHECKPOINT, pages/<first id>.evp, pages/SPARE}
//
// Thread safety: pure functions.
#ifndef EVBUS_PERSIST_STORE_PATHS_H_
#define EVBUS_PERSIST_STORE_PATHS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/file_env.h"
#include "base/status.h"

namespace evbus::persist {

// InvalidArgument unless `name` matches [A-Za-z0-9._-]{1,64} and is not "." or "..".
Status ValidateStreamName(std::string_view what, std::string_view name);

// OpenHands' get_conversation_dir, under `root`, without a trailing slash.
// An empty user_id means none.
Result<std::string> ConversationDir(std::string_view root, std::string_view session_id,
                                    std::string_view user_id);

// "<conversation dir>/evbus" and its parts.
Result<std::string> EvbusDir(std::string_view root, std::string_view session_id,
                             std::string_view user_id);
std::string PagesDir(std::string_view evbus_dir);
std::string CheckpointPath(std::string_view evbus_dir);
std::string LockPath(std::string_view evbus_dir);
std::string SparePagePath(std::string_view evbus_dir);  // pages/SPARE

struct PageFile {
  std::uint64_t first_id;
  std::string path;
};
// The page files in `pages_dir`, by first id; other names are ignored. A
// missing directory is an empty list.
Result<std::vector<PageFile>> ListPages(Env* env, const std::string& pages_dir);

}  // namespace evbus::persist

#endif  // EVBUS_PERSIST_STORE_PATHS_H_
