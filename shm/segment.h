// Segment: one POSIX shared-memory object per stream (a file in /dev/shm),
// mapped whole, laid out as shm/layout.h describes (docs/shm_layout.md is the
// prose spec). Created, sized and mapped through an Env (base/file_env.h), so
// fault-injection tests cover it.
//
// Names: "evbus.<stream>" or "evbus.<user>:<stream>", stream and user each
// [A-Za-z0-9._-]{1,64}. Objects are created 0600 unless SegmentOptions::mode
// says otherwise.
//
// Thread safety: a Segment is immutable after Create/Open and may be shared
// by the producers and subscribers of one process (it must outlive them).
// Invariants:
//   1. A Segment handed out by Create/Open/OpenReadOnly has a header whose
//      magic, version, sizes and offsets were validated against the mapped
//      size; nothing reads past the mapping.
//   2. OpenReadOnly maps PROT_READ: a write through it faults.
//   3. Every failure is a Status; no exception escapes.
//   4. Create holds the object's creation lock (an OFD lock on byte
//      kCreationLockByte) from just after the exclusive create until the
//      header is ready, and removes the object before releasing it if any
//      step fails: no half-made segment stays behind a failed Create.
//   5. Attach reads no header field before `ready` (acquire) while the
//      creation lock is held: it waits for the creator (at most
//      kAttachWaitNs) or fails with Unavailable; a header the creator left
//      unfinished (lock free, not ready) is refused with a clear error.
#ifndef EVBUS_SHM_SEGMENT_H_
#define EVBUS_SHM_SEGMENT_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/file_env.h"
#include "base/status.h"
#include "shm/layout.h"

namespace evbus::shm {

struct SegmentOptions {
  std::uint64_t data_capacity = 64 << 20;   // power of two, >= 4096
  std::uint32_t max_record_size = 1 << 20;  // <= data_capacity / 4
  std::uint32_t index_slots = 1 << 16;      // power of two, >= 2
  std::uint32_t mode = 0600;
  std::int64_t abandon_timeout_ns = 2'000'000'000;
  Env* env = nullptr;  // creates, sizes and maps the object; null: Env::Default()
};

// How long an attach waits for a creator that is still initialising.
inline constexpr std::int64_t kAttachWaitNs = 1'000'000'000;

// The shared-memory object's file: "/dev/shm/<shm_name>".
std::string SegmentPath(std::string_view shm_name);

// Checks one name part ([A-Za-z0-9._-]{1,64}); `what` names it in the error.
Status ValidateNamePart(std::string_view part, std::string_view what);

// "evbus.<stream>" or "evbus.<user>:<stream>" (no validation here).
std::string SegmentName(std::string_view stream, std::string_view user);

// What List() shows about one segment object.
struct SegmentInfo {
  std::string shm_name;  // as in /dev/shm
  std::string stream;
  std::string user;
  std::uint64_t size_bytes = 0;
  pid_t creator_pid = 0;
  bool creator_alive = false;
  int live_producers = 0;
  int live_subscribers = 0;
  int durable_subscribers = 0;
  bool valid = false;  // false: could not be validated; `error` says why
  std::string error;
  // No live creator, producer or subscriber: safe to Remove().
  bool stale() const { return !creator_alive && live_producers == 0 && live_subscribers == 0; }
};

class Segment {
 public:
  ~Segment();
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  // Creates and initialises a new segment. AlreadyExists if the name is taken.
  static Result<std::unique_ptr<Segment>> Create(std::string_view stream, std::string_view user,
                                                 const SegmentOptions& options);
  // Attaches read-write (producers, subscribers, the persister).
  static Result<std::unique_ptr<Segment>> Open(std::string_view stream, std::string_view user);
  // Attaches read-only (the inspector): PROT_READ mapping.
  static Result<std::unique_ptr<Segment>> OpenReadOnly(std::string_view stream,
                                                       std::string_view user);
  // Unlinks the object; mappings that exist stay valid until unmapped.
  static Status Remove(std::string_view stream, std::string_view user);
  // Every "evbus.*" object, valid or not (invalid ones carry `error`).
  static std::vector<SegmentInfo> List();

  const SegmentHeader& header() const { return *header_; }
  bool read_only() const { return read_only_; }
  const std::string& shm_name() const { return shm_name_; }
  // A read-only descriptor of the object for liveness probes (OFD locks)
  // and fstat; it holds no lock of its own.
  int fd() const { return fd_; }
  std::uint64_t size_bytes() const { return size_; }

  // Region accessors (mutable ones only on a read-write segment).
  ClaimWord* claim() const { return At<ClaimWord>(header_->claim_offset); }
  WaitWord* wait_word() const { return At<WaitWord>(header_->wait_offset); }
  ProducerSlot* producer_slot(std::uint32_t i) const {
    return At<ProducerSlot>(header_->producers_offset) + i;
  }
  SubscriberSlot* subscriber_slot(std::uint32_t i) const {
    return At<SubscriberSlot>(header_->subscribers_offset) + i;
  }
  // Subscriber slots with no owner right now (a snapshot; attach may race).
  std::uint32_t FreeSubscriberSlots() const;
  IndexEntry* index_entry(std::uint64_t id) const {
    return At<IndexEntry>(header_->index_offset) + (id & (header_->index_slots - 1));
  }
  char* data() const { return At<char>(header_->data_offset); }

 private:
  Segment() = default;
  static Result<std::unique_ptr<Segment>> AttachByName(const std::string& name, bool read_only);
  Status SizeAndMap(MappableFile* file, const SegmentOptions& options, std::uint64_t total);
  void WriteHeader(std::string_view stream, std::string_view user, const SegmentOptions& options);
  Status MapExisting(MappableFile* file, std::int64_t deadline_ns);
  Status WaitUntilReady(std::int64_t deadline_ns) const;
  Status OpenProbe();
  // An Env error about this segment in the words of the segment API.
  static Status EnvError(const Status& s, const std::string& name);
  template <typename T>
  T* At(std::uint64_t offset) const {
    return reinterpret_cast<T*>(base_ + offset);
  }

  MappedRegion region_;
  char* base_ = nullptr;
  SegmentHeader* header_ = nullptr;
  std::uint64_t size_ = 0;
  int fd_ = -1;
  bool read_only_ = false;
  std::string shm_name_;
};

// Validates a mapped header against the mapped size; the error says what is
// wrong and what to do. Exposed for tests and the inspector.
Status ValidateHeader(const SegmentHeader& header, std::uint64_t mapped_size,
                      std::string_view shm_name);

namespace testing {
// Where Segment::Create calls the creation hook, in this order.
enum class CreationStage {
  kCreated,              // the object exists (size 0), the creation lock is held
  kSized,                // sized and mapped: the header is all zero
  kHeaderPartlyWritten,  // magic and version written; sizes, offsets, ready not yet
};
using CreationHook = void (*)(CreationStage stage);
// For tests of attaching during creation (a creator paused or killed at a
// stage). Null (the default): none; one relaxed load per stage.
void SetCreationHook(CreationHook hook);
}  // namespace testing

}  // namespace evbus::shm

#endif  // EVBUS_SHM_SEGMENT_H_
