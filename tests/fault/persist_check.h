// Checks of a torture stream's store: every acknowledged event stored once,
// in id order, intact; every other id below the head reported missing as
// abandoned; nothing reported corrupt on a clean read. Plus the waits the
// persister scenarios need (all with deadlines).
#ifndef EVBUS_TESTS_FAULT_PERSIST_CHECK_H_
#define EVBUS_TESTS_FAULT_PERSIST_CHECK_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "tests/fault/ack_table.h"
#include "tests/fault/torture.h"

namespace evbus::torture {

struct StoreCheck {
  std::uint64_t stored = 0;              // events read back and verified
  std::uint64_t lost = 0;                // acknowledged but not stored, or holes
  std::uint64_t duplicated = 0;          // ids or sequence numbers stored twice
  std::uint64_t torn = 0;                // stored events whose body did not check out
  std::uint64_t order_errors = 0;        // ids not strictly increasing
  std::uint64_t unaccounted = 0;         // ids below the head neither stored nor abandoned
  std::vector<std::uint64_t> abandoned;  // ids the store reports as abandoned
  std::vector<std::string> reports;      // corruption reports (file, offset, why)
  std::string error;                     // the store could not be read

  void ApplyTo(ScenarioResult* r) const;
  std::string Describe() const;
};

// Reads the whole store of `stream` under `root`; ids [0, head) are expected.
// Producers 0..producers-1 acknowledged what `acks` says.
StoreCheck CheckStore(const std::string& root, const std::string& stream, std::uint64_t head,
                      const AckTable& acks, std::uint32_t producers);

// True once a durable subscriber is registered on `stream`.
bool WaitForDurableSubscriber(const std::string& stream, std::chrono::milliseconds timeout);

// True once the store's latest id is at least `id`.
bool WaitForStoreLatest(const std::string& root, const std::string& stream, std::int64_t id,
                        std::chrono::milliseconds timeout);

}  // namespace evbus::torture

#endif  // EVBUS_TESTS_FAULT_PERSIST_CHECK_H_
