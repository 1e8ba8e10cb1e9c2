// AckTable: a small shared file (under /dev/shm) in which each torture
// producer process records how many of its events Publish acknowledged and
// how often it was back-pressured. It survives the producer's kill -9, so the
// driver knows exactly which sequence numbers were acknowledged before the
// kill and can count any of them that never arrive as lost. A torture
// subscriber uses its slot the same way: the next id it will consume, and
// the bad records it saw (tests/procs/torture_subscriber_proc.cc).
//
// Thread safety: each slot has one writer (the producer with that index);
// any process may read.
// Invariants:
//   1. slot(p).acked only grows, and is stored after Publish returned OK for
//      sequence number acked-1 (so every seq < acked was committed).
#ifndef EVBUS_TESTS_FAULT_ACK_TABLE_H_
#define EVBUS_TESTS_FAULT_ACK_TABLE_H_

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <string>

namespace evbus::torture {

struct AckSlot {
  std::atomic<std::uint64_t> acked;          // events Publish acknowledged
  std::atomic<std::uint64_t> backpressured;  // BackPressured results seen
};
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);

class AckTable {
 public:
  AckTable() = default;
  AckTable(const AckTable&) = delete;
  AckTable& operator=(const AckTable&) = delete;
  ~AckTable() {
    if (slots_ != nullptr) ::munmap(slots_, bytes_);
    if (owner_) ::unlink(path_.c_str());
  }

  // Creates (owner: removed on destruction) or opens the table at `path`.
  bool Open(const std::string& path, std::uint32_t slots, bool create) {
    path_ = path;
    owner_ = create;
    bytes_ = sizeof(AckSlot) * slots;
    const int fd = ::open(path.c_str(), O_RDWR | (create ? O_CREAT | O_TRUNC : 0), 0600);
    if (fd < 0) return false;
    bool ok = !create || ::ftruncate(fd, static_cast<off_t>(bytes_)) == 0;
    void* p = ok ? ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
    ::close(fd);
    if (p == MAP_FAILED) return false;
    slots_ = static_cast<AckSlot*>(p);
    count_ = slots;
    return true;
  }

  // Producer `index` only.
  void Ack(std::uint32_t index, std::uint64_t acked) {
    // SYNC POINT WRITE: ack.acked
    // Everything this producer published before is committed in the ring.
    slots_[index].acked.store(acked, std::memory_order_release);
  }
  void CountBackPressure(std::uint32_t index) {
    slots_[index].backpressured.fetch_add(1, std::memory_order_relaxed);
  }

  std::uint64_t acked(std::uint32_t index) const {
    // SYNC POINT READ: ack.acked
    return slots_[index].acked.load(std::memory_order_acquire);
  }
  std::uint64_t backpressured(std::uint32_t index) const {
    return slots_[index].backpressured.load(std::memory_order_relaxed);
  }
  std::uint32_t size() const { return count_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  AckSlot* slots_ = nullptr;
  std::size_t bytes_ = 0;
  std::uint32_t count_ = 0;
  bool owner_ = false;
};

}  // namespace evbus::torture

#endif  // EVBUS_TESTS_FAULT_ACK_TABLE_H_
