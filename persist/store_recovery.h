// Recovery of a store directory before a persister appends to it: find the
// newest page, verify its tail, cut off a torn or unsynced tail (reporting
// it), and say where appending resumes: the id after the last good record,
// so that nothing is duplicated and nothing is skipped.
//
// Rules (docs/page_format.md, "Edge rules"):
//   1. Truncation never removes an id below the checkpoint's durable_next_id;
//      damage there is a Corruption error naming file and offset.
//   2. The pages must reach the checkpoint's durable_next_id; if they do not,
//      acknowledged events are gone and recovery refuses to continue.
//   3. A newest page shorter than its header (a crash while creating it) is
//      removed and reported.
//   4. The page before the newest may lack its footer (the store writer
//      syncs a seal with the next page). Records complete up to the newest
//      page's first id: the footer is written again. Fewer (a torn tail): the
//      newest page holds no acknowledged id and is removed (reported), unless
//      the checkpoint says otherwise (Corruption); then rules 1-3 apply.
//   5. The spare page file (pages/SPARE) is removed; bytes in it (none are
//      ever acknowledged) are reported.
//
// Thread safety: call with the store's LOCK held; single-threaded.
#ifndef EVBUS_PERSIST_STORE_RECOVERY_H_
#define EVBUS_PERSIST_STORE_RECOVERY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/file_env.h"
#include "base/status.h"
#include "persist/page_codec.h"
#include "persist/page_reader.h"

namespace evbus::persist {

struct RecoveredStore {
  std::uint64_t next_id = 0;             // the id the next append must have
  std::uint64_t bytes_dropped = 0;       // torn or unsynced bytes cut off
  std::optional<Checkpoint> checkpoint;  // as found (absent or unreadable: none)
  // The newest page when it is unsealed and can be appended to.
  struct ActivePage {
    std::string path;
    std::uint64_t first_id = 0;
    std::vector<std::uint32_t> offsets;
    std::uint64_t size = 0;
  };
  std::optional<ActivePage> active;
};

// Recovers the store in `evbus_dir` (whose pages/ must exist).
Result<RecoveredStore> RecoverStore(Env* env, const std::string& evbus_dir, Reporter* reporter);

// The checkpoint in `evbus_dir`: nullopt when missing; a damaged one is
// reported and also gives nullopt (it is only a hint and a promise).
std::optional<Checkpoint> ReadCheckpoint(Env* env, const std::string& evbus_dir,
                                         Reporter* reporter);

}  // namespace evbus::persist

#endif  // EVBUS_PERSIST_STORE_RECOVERY_H_
