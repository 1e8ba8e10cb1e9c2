// Building, damaging and reading back small stores for the corruption and
// full-disk parts of scenario 4: records carry tests/fault/event_payload.h
// bodies (producer 0, seq = id) so that every event read back is verified.
#ifndef EVBUS_TESTS_FAULT_STORE_DAMAGE_H_
#define EVBUS_TESTS_FAULT_STORE_DAMAGE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "persist/page_reader.h"
#include "persist/store_writer.h"
#include "tests/fault/torture.h"

namespace evbus::torture {

// Records every report a reader or recovery makes.
class DamageReporter : public persist::Reporter {
 public:
  struct Report {
    std::string file;
    std::uint64_t offset;
    std::uint64_t bytes;
    std::string reason;
  };
  void Corruption(const std::string& file, std::uint64_t offset, std::uint64_t bytes,
                  const Status& reason) override {
    reports.push_back({file, offset, bytes, reason.ToString()});
  }
  std::vector<Report> reports;
};

// The page record metadata of event `id`.
persist::RecordMeta DamageMeta(std::uint64_t id);

// Writer options: `policy`, pages sealed at `max_page_bytes`.
persist::StoreWriterOptions WriterOptions(persist::SyncPolicy policy, std::uint64_t max_page_bytes);

// Appends events [first, last) through `writer`.
Status AppendEvents(persist::StoreWriter* writer, std::uint64_t first, std::uint64_t last);

// Writes events [0, count) into a new store at `evbus_dir` and closes it.
Status BuildStore(const std::string& evbus_dir, std::uint64_t count,
                  const persist::StoreWriterOptions& options);

// What a full read of a store gave back.
struct ReadBack {
  std::uint64_t intact = 0;      // events whose id and body check out
  std::uint64_t torn = 0;        // events delivered with a bad body or wrong id
  std::uint64_t duplicated = 0;  // ids delivered twice
  std::vector<bool> present;     // by id
  Status status;
};

// Reads every event of the store at `evbus_dir` (continuing past damage).
ReadBack ReadStore(const std::string& evbus_dir, std::uint64_t expected,
                   persist::Reporter* reporter);

// The full-disk part of scenario 4: a store on a small tmpfs (as root) or
// under RLIMIT_FSIZE fills up in a child process; the error must be a clear
// IOError, and once space returns a new writer must find every acknowledged
// event and carry on. Adds to *r; returns a line for the table's notes.
std::string CheckFullDisk(const std::string& work_dir, ScenarioResult* r);

// Whole files.
std::string ReadWhole(const std::string& path);
bool WriteWhole(const std::string& path, const std::string& bytes);

}  // namespace evbus::torture

#endif  // EVBUS_TESTS_FAULT_STORE_DAMAGE_H_
