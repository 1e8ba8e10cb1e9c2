// The rig of scenario 3 (subscriber_fault_scenario.cc): one stream with an
// ack table shared by its producer and subscriber processes, and the lapped
// non-durable subscriber part (subscriber_lap.cc).
#ifndef EVBUS_TESTS_FAULT_SUBSCRIBER_FAULTS_H_
#define EVBUS_TESTS_FAULT_SUBSCRIBER_FAULTS_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "shm/segment.h"
#include "tests/fault/ack_table.h"
#include "tests/fault/fault_child.h"
#include "tests/fault/torture.h"

namespace evbus::torture {

// Table slots: producers 0 and 1, the subscriber under test, the refilling one.
inline constexpr std::uint32_t kSubscriberSlot = 2;
inline constexpr std::uint32_t kRefillSlot = 3;

class SubscriberRig {
 public:
  // Creates stream "<prefix>-<pid>" (1 MiB ring, `index_slots` ids).
  SubscriberRig(const TortureConfig& config, const std::string& prefix,
                std::uint32_t index_slots = 1 << 12);
  ~SubscriberRig();

  bool ok() const { return ok_; }
  const std::string& stream() const { return stream_; }
  shm::Segment* segment() const { return segment_.get(); }
  const AckTable& table() const { return table_; }
  std::uint64_t head() const;

  // A torture_producer_proc publishing `count` events (0: until killed),
  // waiting at most `timeout_ms` per back-pressured attempt.
  bool StartProducer(std::uint32_t index, FaultChild* child, std::uint64_t count = 0,
                     int timeout_ms = 50);
  // A torture_subscriber_proc in kSubscriberSlot; *start is its first id.
  bool StartSubscriber(const std::string& name, bool durable, std::uint64_t until,
                       FaultChild* child, std::uint64_t* start);
  // Waits until the subscriber under test has consumed up to `id`.
  bool WaitConsumed(std::uint64_t id, std::chrono::milliseconds timeout) const;

 private:
  const TortureConfig& config_;
  std::string stream_;
  std::unique_ptr<shm::Segment> segment_;
  AckTable table_;
  bool ok_ = false;
};

// (c): a non-durable subscriber frozen while a persister runs is lapped; its
// gaps must start where it stood and be readable from the store. A
// persist::RefillingSubscriber frozen beside it must hand out every id, the
// lapped ones from the store. Adds to *r; returns a line for the notes.
std::string LapFrozenSubscriber(const TortureConfig& config, ScenarioResult* r);

}  // namespace evbus::torture

#endif  // EVBUS_TESTS_FAULT_SUBSCRIBER_FAULTS_H_
