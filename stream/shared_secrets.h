// SharedSecrets: one stream's secret set, shared by every producer of the
// stream in every process, without a byte of it entering the segment.
//
// The set lives in an owner-only (0600) file on tmpfs, outside the segment:
//   /dev/shm/evbus-secrets.<sid>  or  /dev/shm/evbus-secrets.<uid>:<sid>
// holding the secrets and the stream's secret patterns (format:
// stream/secrets_file.h). Set (replace) and Update (merge), of the secrets or
// of the patterns, lock "<file>.lock" (Env::LockFile), write the whole file with
// Env::WriteFileAtomic (a temporary file, fsynced, renamed over the set),
// then bump SegmentHeader::secrets_generation. A step that fails is
// reported, naming it, and the set in force stays. A producer
// compares that counter with the generation its Redactor was built from
// (one acquire load per publish) and reloads the file when it moved.
//
// Thread safety: every method may be called from any thread.
// Invariants:
//   1. The generation is bumped only after the renamed file holds the new
//      set, so whoever sees the new generation reads that set (or a newer).
//   2. A Redactor handed out is never modified (readers share it freely).
#ifndef EVBUS_STREAM_SHARED_SECRETS_H_
#define EVBUS_STREAM_SHARED_SECRETS_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "base/file_env.h"
#include "base/status.h"
#include "core/redactor.h"
#include "shm/segment.h"
#include "stream/secrets_file.h"

namespace evbus {

class SharedSecrets {
 public:
  // The secrets file of a stream (no validation here).
  static std::string PathFor(std::string_view session_id, std::string_view user_id);
  // Deletes a stream's secrets file, its lock file and a temporary file a
  // dead writer left; NotFound if the secrets file is absent.
  static Status Remove(std::string_view session_id, std::string_view user_id);

  // `segment` must be read-write and outlive this object; `env` (nullptr:
  // the real file system) too.
  SharedSecrets(shm::Segment* segment, std::string path, Env* env = nullptr);

  // OpenHands' set_secrets and update_secrets. IOError (naming the file and
  // the failed step, and whether the new set is in force) when the file
  // cannot be written; the set in force then stays.
  Status Set(const Redactor::SecretMap& secrets);
  Status Update(const Redactor::SecretMap& secrets);
  // The same for the stream's secret patterns (SecretPatterns::Merge for the
  // update). InvalidArgument naming the pattern when one is refused; the
  // patterns in force then stay.
  Status SetPatterns(const SecretPatterns& patterns);
  Status UpdatePatterns(const SecretPatterns& patterns);

  // The segment's generation now (one acquire load; hot path).
  std::uint64_t generation() const noexcept;
  // A Redactor for the current set and the generation it was built for;
  // rereads the file only when the generation moved since the last load.
  Result<std::shared_ptr<const Redactor>> Current(std::uint64_t* generation);

  const std::string& path() const { return path_; }

 private:
  // Reads the file, applies `change`, checks the result compiles, writes it.
  // `replaces`: a file that cannot be parsed is replaced instead of refused.
  template <typename Change>
  Status Write(bool replaces, Change change);
  Status WriteFailed(const Status& cause, bool in_force) const;

  std::atomic<std::uint64_t>* generation_word_;
  std::string path_;
  Env* env_;
  std::mutex mu_;  // guards the two below
  std::shared_ptr<const Redactor> current_;
  std::uint64_t loaded_generation_ = ~std::uint64_t{0};
};

// Reads a secrets file (through `env`; nullptr: the real file system): an
// absent file is an empty set.
Result<Redactor::SecretMap> ReadSecretsFile(const std::string& path, Env* env = nullptr);

}  // namespace evbus

#endif  // EVBUS_STREAM_SHARED_SECRETS_H_
