// ProducerPool: the shm::Producers of one EventStream, lent one per
// concurrent add_event (a Producer is single-threaded), with the scratch
// space and the Redactor each publish needs, so the publish path allocates
// nothing once warm.
//
// A lease is taken and returned under a mutex (held for a few pointer
// moves); the pool grows to the number of threads that add at once and
// shrinks only at Close. Close waits for every lease to come back.
//
// Thread safety: every method may be called from any thread.
// Invariants:
//   1. A lease (and its Producer) is used by one thread at a time.
//   2. After Close returns, no Producer of this pool exists and Acquire fails.
#ifndef EVBUS_STREAM_PRODUCER_POOL_H_
#define EVBUS_STREAM_PRODUCER_POOL_H_

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "core/event.h"
#include "core/redactor.h"
#include "shm/producer.h"
#include "shm/segment.h"

namespace evbus {

struct ProducerLease {
  std::unique_ptr<shm::Producer> producer;
  std::shared_ptr<const Redactor> redactor;  // null until first use
  std::uint64_t secrets_generation = 0;      // the generation `redactor` was built for
  std::string scratch;                       // serialized body
  std::uint64_t added = 0;                   // events published through this lease
};

class ProducerPool {
 public:
  explicit ProducerPool(shm::Segment* segment) : segment_(segment) {}

  // A free lease, or a new one with a newly attached Producer. Unavailable
  // after Close; Busy when the segment has no free producer slot.
  Result<std::unique_ptr<ProducerLease>> Acquire();
  void Release(std::unique_ptr<ProducerLease> lease);

  // Refuses new leases, waits for lent ones, destroys every Producer.
  void Close();

  // Events published through every lease so far (current and closed).
  std::uint64_t added() const;

 private:
  shm::Segment* segment_;
  mutable std::mutex mu_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<ProducerLease>> free_;
  int lent_ = 0;
  bool closed_ = false;
  std::uint64_t added_by_closed_ = 0;
  std::uint64_t created_ = 0;
};

}  // namespace evbus

#endif  // EVBUS_STREAM_PRODUCER_POOL_H_
