// Body files of big events: create, read and check, reclaim.
#include "shm/body_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <utility>

#include "shm/atomic128.h"
#include "shm/crc32c.h"

namespace evbus::shm {
namespace {

constexpr char kShmDir[] = "/dev/shm/";
constexpr char kBodyPrefix[] = "evbus-body.";
constexpr std::string_view kSegmentPrefix = "evbus.";

std::atomic<testing::BodyWriteHook> g_mid_body_hook{nullptr};
std::atomic<std::uint64_t> g_budget_override{0};

// "evbus-body.<stream part>+": '+' is in no name part, so the prefix of one
// stream never matches another's files.
std::string StreamPrefix(std::string_view shm_name) {
  std::string_view part = shm_name;
  if (part.substr(0, kSegmentPrefix.size()) == kSegmentPrefix) part.remove_prefix(6);
  return std::string(kBodyPrefix) + std::string(part) + "+";
}

std::string GenerationPrefix(const Segment& segment) {
  return StreamPrefix(segment.shm_name()) + std::to_string(segment.header().created_ns) + "+";
}

bool ParseId(std::string_view digits, std::uint64_t* id) {
  if (digits.empty() || digits.size() > 20) return false;
  std::uint64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  *id = v;
  return true;
}

// (id, bytes) of this generation's body files, ascending by id.
std::vector<std::pair<std::uint64_t, std::uint64_t>> Scan(const Segment& segment) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
  const std::string prefix = GenerationPrefix(segment);
  DIR* dir = ::opendir(kShmDir);
  if (dir == nullptr) return out;
  while (const dirent* d = ::readdir(dir)) {
    std::string_view name(d->d_name);
    std::uint64_t id = 0;
    if (name.substr(0, prefix.size()) != prefix || !ParseId(name.substr(prefix.size()), &id)) {
      continue;
    }
    struct stat st {};
    if (::fstatat(::dirfd(dir), d->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    out.emplace_back(id, static_cast<std::uint64_t>(st.st_size));
  }
  ::closedir(dir);
  std::sort(out.begin(), out.end());
  return out;
}

bool WriteAll(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

}  // namespace

namespace testing {
void SetMidBodyHook(BodyWriteHook hook) { g_mid_body_hook.store(hook, std::memory_order_relaxed); }
void SetBodyBudget(std::uint64_t bytes) {
  g_budget_override.store(bytes, std::memory_order_relaxed);
}
}  // namespace testing

std::uint64_t BodyBudgetBytes() noexcept {
  const std::uint64_t override_bytes = g_budget_override.load(std::memory_order_relaxed);
  return override_bytes != 0 ? override_bytes : kBodyBudgetBytes;
}

BodyRef MakeBodyRef(std::uint64_t length, std::uint32_t crc) noexcept {
  BodyRef ref{};
  std::memcpy(ref.magic, kBodyRefMagic, sizeof(ref.magic));
  ref.length = length;
  ref.crc32c = crc;
  return ref;
}

bool ParseBodyRef(std::string_view bytes, BodyRef* ref) noexcept {
  if (bytes.size() != sizeof(BodyRef)) return false;
  std::memcpy(ref, bytes.data(), sizeof(BodyRef));
  return std::memcmp(ref->magic, kBodyRefMagic, sizeof(ref->magic)) == 0 && ref->zero == 0 &&
         ref->length <= kMaxEventBytes;
}

std::string BodyFilePath(const Segment& segment, std::uint64_t id) {
  return kShmDir + GenerationPrefix(segment) + std::to_string(id);
}

Status WriteBodyFile(const Segment& segment, std::uint64_t id, std::string_view body) {
  const std::string path = BodyFilePath(segment, id);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status::IOError("cannot create the body file '" + path + "' of event " +
                           std::to_string(id) + ": " + std::strerror(errno) +
                           "; check that /dev/shm is writable and has room");
  }
  const std::size_t half = body.size() / 2;
  bool ok = ::fchmod(fd, 0600) == 0 && WriteAll(fd, body.data(), half);
  if (ok) {
    if (testing::BodyWriteHook hook = g_mid_body_hook.load(std::memory_order_relaxed)) hook(id);
    ok = WriteAll(fd, body.data() + half, body.size() - half);
  }
  const int err = errno;
  ::close(fd);
  if (ok) return Status::OK();
  ::unlink(path.c_str());
  return Status::IOError("cannot write the " + std::to_string(body.size()) +
                         "-byte body file of event " + std::to_string(id) + " ('" + path +
                         "'): " + std::strerror(err) +
                         "; /dev/shm is probably full: free room there or raise its size");
}

void RemoveBodyFile(const Segment& segment, std::uint64_t id) noexcept {
  try {
    ::unlink(BodyFilePath(segment, id).c_str());
  } catch (...) {  // std::bad_alloc: the file is reclaimed later
  }
}

BodyRead ReadBodyFile(const Segment& segment, std::uint64_t id, const BodyRef& ref,
                      std::vector<char>* out) noexcept {
  try {
    const int fd = ::open(BodyFilePath(segment, id).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? BodyRead::kMissing : BodyRead::kCorrupt;
    struct stat st {};
    bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == ::geteuid() &&
              static_cast<std::uint64_t>(st.st_size) == ref.length;
    if (ok) out->resize(ref.length);
    std::size_t done = 0;
    while (ok && done < ref.length) {
      const ssize_t r = ::read(fd, out->data() + done, ref.length - done);
      if (r < 0 && errno == EINTR) continue;
      ok = r > 0;
      if (ok) done += static_cast<std::size_t>(r);
    }
    ::close(fd);
    if (!ok || crc32c::Value(out->data(), ref.length) != ref.crc32c) return BodyRead::kCorrupt;
    return BodyRead::kOk;
  } catch (...) {  // std::bad_alloc: no room for the body in this process
    return BodyRead::kCorrupt;
  }
}

std::uint64_t DurableFloor(const Segment& segment) noexcept {
  std::uint64_t floor = LoadHalfAcquire(&segment.claim()->next_id);
  for (std::uint32_t i = 0; i < kSubscriberSlots; ++i) {
    const SubscriberSlot* s = segment.subscriber_slot(i);
    if (s->durable.load(std::memory_order_acquire) == 0) continue;
    // SYNC POINT READ: subscriber.cursor -- the durable reader has read (and
    // copied out) every body below next_id; those files may go.
    floor = std::min(floor, s->next_id.load(std::memory_order_acquire));
  }
  return floor;
}

BodyUsage ListBodies(const Segment& segment) {
  BodyUsage usage;
  for (const auto& [id, bytes] : Scan(segment)) {
    ++usage.files;
    usage.bytes += bytes;
  }
  return usage;
}

BodyUsage ReclaimBodies(const Segment& segment, std::uint64_t need, std::uint64_t budget) {
  const auto files = Scan(segment);
  BodyUsage usage;
  for (const auto& f : files) usage.bytes += f.second;
  usage.files = files.size();
  const std::uint64_t head = LoadHalfAcquire(&segment.claim()->next_id);
  const std::uint64_t floor = DurableFloor(segment);
  const std::uint64_t slots = segment.header().index_slots;
  for (const auto& [id, bytes] : files) {
    if (id >= floor) break;
    const bool unreachable = id + slots <= head;  // its reference left the index
    if (!unreachable && usage.bytes + need <= budget) break;
    // SYNC POINT READ: entry.commit -- a body still being written (its id
    // neither committed nor abandoned) is left to its producer.
    const std::uint64_t c = segment.index_entry(id)->commit.load(std::memory_order_acquire);
    if (!unreachable && c != CommittedValue(id) && c != AbandonedValue(id)) continue;
    RemoveBodyFile(segment, id);
    usage.bytes -= bytes;
    --usage.files;
  }
  return usage;
}

int RemoveAllBodies(std::string_view shm_name) noexcept {
  try {
    const std::string prefix = StreamPrefix(shm_name);
    int removed = 0;
    DIR* dir = ::opendir(kShmDir);
    if (dir == nullptr) return 0;
    while (const dirent* d = ::readdir(dir)) {
      if (std::string_view(d->d_name).substr(0, prefix.size()) != prefix) continue;
      if (::unlinkat(::dirfd(dir), d->d_name, 0) == 0) ++removed;
    }
    ::closedir(dir);
    return removed;
  } catch (...) {
    return 0;
  }
}

}  // namespace evbus::shm
