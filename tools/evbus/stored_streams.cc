#include "tools/evbus/stored_streams.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "persist/dir_lock.h"
#include "persist/page_format.h"
#include "persist/store.h"
#include "persist/store_paths.h"

namespace evbus::cli {
namespace {

namespace fs = std::filesystem;

// Sub-directory names of `dir` that are valid stream/user names; none if missing.
std::vector<std::string> NamesIn(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (it->is_directory(ec) && persist::ValidateStreamName("name", name).ok()) {
      names.push_back(name);
    }
  }
  return names;
}

// Appends the streams of one conversations directory that have an evbus/ store.
void AddStreams(const fs::path& conversations, const std::string& user,
                std::vector<StoredStream>* out) {
  for (const std::string& sid : NamesIn(conversations)) {
    const fs::path evbus_dir = conversations / sid / persist::kEvbusDirName;
    std::error_code ec;
    if (fs::is_directory(evbus_dir, ec)) out->push_back({sid, user, evbus_dir.string()});
  }
}

std::uint64_t BytesUnder(const fs::path& dir) {
  std::uint64_t bytes = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) {
      const auto size = it->file_size(size_ec);
      if (!size_ec) bytes += size;
    }
  }
  return bytes;
}

Status PersisterRunning(const StreamTarget& target, pid_t pid) {
  const std::string who = pid > 0 ? "pid " + std::to_string(pid) : "a process";
  const std::string stop = pid > 0 ? " (kill -TERM " + std::to_string(pid) + ")" : "";
  return Status::Busy("stream \"" + target.stream + "\"" + target.user_note() +
                      " is being persisted by " + who + "; stop that persister first" + stop +
                      ", then run evbus delete again");
}

}  // namespace

Result<std::vector<StoredStream>> ListStoredStreams(const std::string& root,
                                                    const std::optional<std::string>& user) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    return Status::NotFound("the store root '" + root +
                            "' is not a directory: give the --root that `evbus persist` used");
  }
  std::vector<StoredStream> streams;
  if (!user) AddStreams(fs::path(root) / "sessions", "", &streams);
  const std::vector<std::string> users =
      user ? std::vector<std::string>{*user} : NamesIn(fs::path(root) / "users");
  for (const std::string& uid : users) {
    AddStreams(fs::path(root) / "users" / uid / "conversations", uid, &streams);
  }
  std::sort(streams.begin(), streams.end(), [](const StoredStream& a, const StoredStream& b) {
    return a.user != b.user ? a.user < b.user : a.stream < b.stream;
  });
  return streams;
}

Result<StoredStreamSummary> SummariseStoredStream(const StoredStream& stored) {
  persist::StoreOptions options;
  options.page_cache_pages = 2;
  StoredStreamSummary summary;
  summary.bytes_on_disk = BytesUnder(stored.evbus_dir);
  summary.persister_pid = PersisterPid(stored.evbus_dir);
  auto store = persist::Store::OpenDir(stored.evbus_dir, options);
  // A store directory without pages yet (a persister that has just started,
  // nothing published) holds no events: listed as empty, not as an error.
  if (store.status().IsNotFound()) return summary;
  if (!store.ok()) return store.status();
  summary.latest_id = (*store)->GetLatestEventId();
  persist::SearchQuery first;
  first.limit = 1;
  persist::EventIterator it = (*store)->Search(first);
  if (it.Next()) summary.first_timestamp_ns = it.meta().timestamp_ns;
  if (!it.status().ok()) return it.status();
  persist::SearchQuery last = first;
  last.reverse = true;
  persist::EventIterator back = (*store)->Search(last);
  if (back.Next()) summary.last_timestamp_ns = back.meta().timestamp_ns;
  if (!back.status().ok()) return back.status();
  return summary;
}

pid_t PersisterPid(const std::string& evbus_dir) {
  const std::string path = persist::LockPath(evbus_dir);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;  // no LOCK file: never persisted, nobody holds it
  struct flock probe = {};
  probe.l_type = F_WRLCK;
  probe.l_whence = SEEK_SET;
  pid_t holder = 0;
  // F_OFD_GETLK only asks whether our lock could be placed; it takes nothing.
  if (::fcntl(fd, F_OFD_GETLK, &probe) == 0 && probe.l_type != F_UNLCK) {
    char buf[32] = {};
    const ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
    // OFD locks report l_pid -1: the holder wrote its pid into the file.
    holder = n > 0 ? static_cast<pid_t>(std::atoi(buf)) : -1;
    if (holder == 0) holder = -1;  // held, pid unknown
  }
  ::close(fd);
  return holder;
}

Status DeleteStoredStream(const StreamTarget& target, const std::string& root) {
  auto evbus_dir = persist::EvbusDir(root, target.stream, target.user);
  if (!evbus_dir.ok()) return evbus_dir.status();
  std::error_code ec;
  if (!fs::is_directory(*evbus_dir, ec)) {
    return Status::NotFound("no stored stream \"" + target.stream + "\"" + target.user_note() +
                            " under " + root + "; list the stored streams with: evbus sessions " +
                            "--root " + root +
                            (target.user.empty() ? "" : " --user " + target.user));
  }
  if (pid_t pid = PersisterPid(*evbus_dir); pid != 0) return PersisterRunning(target, pid);
  // Hold the LOCK while removing: a persister starting now is refused
  // instead of writing into files that are going away.
  auto lock = persist::DirLock::Acquire(persist::LockPath(*evbus_dir));
  if (lock.status().code() == Status::Code::kBusy) {
    return PersisterRunning(target, PersisterPid(*evbus_dir));
  }
  if (!lock.ok()) return lock.status();
  fs::remove_all(*evbus_dir, ec);
  if (ec) {
    return Status::IOError("cannot remove '" + *evbus_dir + "': " + ec.message() +
                           "; check its permissions and remove it by hand");
  }
  lock->reset();
  const fs::path conversation = fs::path(*evbus_dir).parent_path();
  if (fs::is_empty(conversation, ec) && !ec) fs::remove(conversation, ec);
  return Status::OK();
}

}  // namespace evbus::cli
