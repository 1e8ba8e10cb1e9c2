// Segment: one POSIX shared-memory object per stream, mapped whole, laid out
// as shm/layout.h describes (docs/shm_layout.md is the prose spec).
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
//   3. No Boost exception escapes: every failure is a Status.
#ifndef EVBUS_SHM_SEGMENT_H_
#define EVBUS_SHM_SEGMENT_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "shm/layout.h"

namespace evbus::shm {

struct SegmentOptions {
  std::uint64_t data_capacity = 64 << 20;   // power of two, >= 4096
  std::uint32_t max_record_size = 1 << 20;  // <= data_capacity / 4
  std::uint32_t index_slots = 1 << 16;      // power of two, >= 2
  std::uint32_t mode = 0600;
  std::int64_t abandon_timeout_ns = 2'000'000'000;
};

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
  static Status Create(std::string_view stream, std::string_view user,
                       const SegmentOptions& options, std::unique_ptr<Segment>* out);
  // Attaches read-write (producers, subscribers, the persister).
  static Status Open(std::string_view stream, std::string_view user, std::unique_ptr<Segment>* out);
  // Attaches read-only (the inspector): PROT_READ mapping.
  static Status OpenReadOnly(std::string_view stream, std::string_view user,
                             std::unique_ptr<Segment>* out);
  // Unlinks the object; mappings that exist stay valid until unmapped.
  static Status Remove(std::string_view stream, std::string_view user);
  // Every "evbus.*" object, valid or not (invalid ones carry `error`).
  static std::vector<SegmentInfo> List();

  const SegmentHeader& header() const { return *header_; }
  bool read_only() const { return read_only_; }
  const std::string& shm_name() const { return shm_name_; }
  int fd() const { return fd_; }  // for liveness probes (OFD locks)
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
  IndexEntry* index_entry(std::uint64_t id) const {
    return At<IndexEntry>(header_->index_offset) + (id & (header_->index_slots - 1));
  }
  char* data() const { return At<char>(header_->data_offset); }

 private:
  struct Mapping;
  Segment() = default;
  static Status AttachByName(const std::string& name, bool read_only,
                             std::unique_ptr<Segment>* out);
  template <typename T>
  T* At(std::uint64_t offset) const {
    return reinterpret_cast<T*>(base_ + offset);
  }

  std::unique_ptr<Mapping> mapping_;
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

}  // namespace evbus::shm

#endif  // EVBUS_SHM_SEGMENT_H_
