// A read-only snapshot of a segment's tables for the inspector: works on a
// segment opened with Segment::OpenReadOnly and changes nothing.
//
// Thread safety: any thread; values are loaded one by one (relaxed), so a
// snapshot is a consistent picture of each counter, not of all of them.
#ifndef EVBUS_SHM_STATS_H_
#define EVBUS_SHM_STATS_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "shm/segment.h"

namespace evbus::shm {

struct ProducerStats {
  std::uint32_t slot = 0;
  std::string name;
  pid_t pid = 0;
  std::uint64_t start_ticks = 0;
  bool alive = false;
  std::uint64_t published = 0, bytes = 0, backpressure_waits = 0, abandoned = 0;
  bool in_flight = false;          // CLAIMING or CLAIMED
  std::uint64_t in_flight_id = 0;  // when CLAIMED
};

struct SubscriberStats {
  std::uint32_t slot = 0;
  std::string name;
  pid_t pid = 0;
  bool alive = false;
  bool durable = false;
  std::uint64_t next_id = 0;  // cursor (published at low rate if not durable)
  std::uint64_t byte_pos = 0;
  std::uint64_t delivered = 0, gaps = 0, abandoned_seen = 0, corrupt_seen = 0;
};

struct SegmentStats {
  std::string shm_name;
  std::uint64_t data_capacity = 0;
  std::uint32_t index_slots = 0;
  std::uint32_t max_record_size = 0;
  pid_t creator_pid = 0;
  std::uint64_t next_id = 0;                 // ids handed out so far
  std::uint64_t tail = 0;                    // unwrapped bytes claimed so far
  std::uint32_t waiters = 0;                 // subscribers asleep on the futex (registered)
  std::uint32_t producer_waiters = 0;        // producers asleep (back-pressured or on a record)
  std::uint64_t wake_calls = 0;              // futex wake calls made so far (all wakers)
  std::uint64_t dead_waiters_cleared = 0;    // registrations of killed sleepers removed
  std::vector<ProducerStats> producers;      // used slots only
  std::vector<SubscriberStats> subscribers;  // used slots only
};

SegmentStats Snapshot(const Segment& segment);

}  // namespace evbus::shm

#endif  // EVBUS_SHM_STATS_H_
