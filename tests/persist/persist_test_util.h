// Helpers shared by the persist tests: a temporary directory, a Reporter
// that records what it is told, and record builders.
#ifndef EVBUS_TESTS_PERSIST_PERSIST_TEST_UTIL_H_
#define EVBUS_TESTS_PERSIST_PERSIST_TEST_UTIL_H_

#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "base/file_env.h"
#include "base/temp_dir.h"
#include "persist/page_format.h"
#include "persist/page_reader.h"
#include "persist/store_paths.h"

namespace evbus::persist::testing {

// A fresh directory, removed with everything in it (base/temp_dir.h).
class TempDir : public evbus::TempDir {
 public:
  TempDir() : evbus::TempDir("evbus_persist") {}
};

struct Report {
  std::string file;
  std::uint64_t offset;
  std::uint64_t bytes;
  std::string reason;
};

class CollectingReporter : public Reporter {
 public:
  void Corruption(const std::string& file, std::uint64_t offset, std::uint64_t bytes,
                  const Status& reason) override {
    reports.push_back({file, offset, bytes, reason.ToString()});
  }
  std::vector<Report> reports;
};

// Metadata of a plain agent event with a timestamp derived from the id.
inline RecordMeta SampleMeta(std::uint64_t id) {
  RecordMeta meta;
  meta.id = id;
  meta.timestamp_ns = 1'700'000'000'000'000'000 + static_cast<std::int64_t>(id) * 1000;
  meta.cause = id > 0 ? static_cast<std::int64_t>(id) - 1 : kNoCause;
  meta.type = static_cast<std::uint16_t>(id % 5);
  meta.source = 1;
  meta.flags = kFlagHasTimestamp | (id % 7 == 3 ? kFlagHidden : 0);
  return meta;
}

// A JSON-looking body whose length varies with the id (so padding varies).
inline std::string SampleBody(std::uint64_t id) {
  std::string body = "{\"id\":" + std::to_string(id) + ",\"content\":\"";
  body.append(id % 23, static_cast<char>('a' + id % 26));
  body += "\"}";
  return body;
}

struct StoredRecord {
  RecordMeta meta;
  std::string body;
};

// Every record of every page in `evbus_dir`, in file order, read strictly.
inline std::vector<StoredRecord> ReadStoreRecords(const std::string& evbus_dir,
                                                  Reporter* reporter = nullptr) {
  std::vector<StoredRecord> out;
  auto pages = ListPages(Env::Default(), PagesDir(evbus_dir));
  if (!pages.ok()) return out;
  for (const PageFile& file : *pages) {
    std::string bytes;
    if (!Env::Default()->ReadFile(file.path, &bytes).ok()) continue;
    auto page = ParsePage(file.path, bytes, {}, reporter);
    if (!page.ok()) continue;
    for (std::uint32_t offset : page->offsets) {
      const DecodedRecord rec = RecordAt(bytes, offset);
      out.push_back({rec.meta, std::string(rec.body)});
    }
  }
  return out;
}

}  // namespace evbus::persist::testing

#endif  // EVBUS_TESTS_PERSIST_PERSIST_TEST_UTIL_H_
