// Scenario 4: damage to the store's files. Torn page tails of every length
// (a crash in the middle of writing the last record), a flipped byte in
// every region of a sealed and of an unsealed page, and a full disk
// (store_full_disk.cc).
//
// Targets: every torn tail is cut by recovery and reported with its file and
// offset, and appending resumes with no hole and no duplicate; every flip is
// reported with its file and a byte offset, no damaged event is ever
// delivered, and the rest of the store still reads; nothing acknowledged is
// lost on a full disk.
#include <unistd.h>

#include <string>
#include <vector>

#include "base/temp_dir.h"
#include "persist/page_codec.h"
#include "persist/page_format.h"
#include "persist/store_paths.h"
#include "tests/fault/fault_util.h"
#include "tests/fault/store_damage.h"
#include "tests/fault/torture.h"

namespace evbus::torture {
namespace {

constexpr std::uint64_t kEvents = 120;

// Several sealed pages and an unsealed newest one.
persist::StoreWriterOptions SmallPages() {
  return WriterOptions(persist::SyncPolicy::kPerPage, 8192);
}

// Tears the last record of the newest page at every cut point.
void TearTails(const std::string& dir, ScenarioResult* r) {
  auto pages = persist::ListPages(Env::Default(), persist::PagesDir(dir));
  if (!pages.ok() || pages->empty()) return r->Fail("torn tails: no pages");
  const persist::PageFile newest = pages->back();
  const std::string original = ReadWhole(newest.path);
  const std::string checkpoint_path = persist::CheckpointPath(dir);
  const std::string checkpoint = ReadWhole(checkpoint_path);
  auto page = persist::ParsePage(newest.path, original, {}, nullptr);
  if (!page.ok() || page->sealed) return r->Fail("torn tails: the newest page is not unsealed");
  const std::uint64_t last_start = page->offsets.back();
  std::uint64_t misreported = 0;
  for (std::uint64_t cut = 1; last_start + cut < original.size(); ++cut) {
    ++r->faults;
    // The state after a crash mid-write: the record's first `cut` bytes, and
    // a checkpoint from before it.
    WriteWhole(newest.path, original.substr(0, last_start + cut));
    WriteWhole(checkpoint_path,
               persist::EncodeCheckpoint(
                   {kEvents - 1, page->first_id, static_cast<std::uint32_t>(last_start)}));
    DamageReporter reporter;
    persist::StoreWriterOptions options = SmallPages();
    options.reporter = &reporter;
    auto writer = persist::StoreWriter::Open(dir, options);
    if (!writer.ok()) {
      r->Fail("torn tail of " + std::to_string(cut) + " bytes: " + writer.status().ToString());
      break;
    }
    if (reporter.reports.size() != 1 || reporter.reports[0].file != newest.path ||
        reporter.reports[0].offset != last_start || reporter.reports[0].bytes != cut) {
      ++misreported;
    }
    if ((*writer)->next_id() != kEvents - 1) ++r->lost;
    Status s = AppendEvents(writer->get(), (*writer)->next_id(), kEvents);
    if (s.ok()) s = (*writer)->Close();
    const ReadBack back = ReadStore(dir, kEvents, nullptr);
    r->events_checked += back.intact;
    r->lost += kEvents - back.intact;
    r->torn += back.torn;
    r->duplicated += back.duplicated;
    if (!s.ok()) r->Fail("append after recovery: " + s.ToString());
  }
  WriteWhole(newest.path, original);
  WriteWhole(checkpoint_path, checkpoint);
  ExpectAtMost(r, "torn tails not reported with their file, offset and size",
               static_cast<double>(misreported), 0);
}

// Byte offsets worth flipping in `bytes`: the file header, one record's
// header and the start of its body, and on a sealed page the index and the
// trailer.
std::vector<std::size_t> FlipPoints(const std::string& bytes, const persist::ParsedPage& page) {
  std::vector<std::size_t> at;
  for (std::size_t i = 0; i < persist::kFileHeaderSize; ++i) at.push_back(i);
  const std::size_t rec = page.offsets[page.offsets.size() / 2];
  for (std::size_t i = 0; i < persist::kRecordHeaderSize + 8; ++i) at.push_back(rec + i);
  if (page.sealed) {
    const std::size_t footer = bytes.size() - persist::kTrailerSize - page.offsets.size() * 4;
    for (std::size_t i = 0; i < 16; ++i) at.push_back(footer + i);
    for (std::size_t i = 0; i < persist::kTrailerSize; ++i) {
      at.push_back(bytes.size() - persist::kTrailerSize + i);
    }
  }
  return at;
}

void FlipBytes(const std::string& dir, const persist::PageFile& file, ScenarioResult* r,
               std::uint64_t* dropped) {
  const std::string original = ReadWhole(file.path);
  auto page = persist::ParsePage(file.path, original, {}, nullptr);
  if (!page.ok()) return r->Fail("flips: cannot parse " + file.path);
  std::uint64_t undetected = 0;
  for (std::size_t at : FlipPoints(original, *page)) {
    ++r->faults;
    std::string damaged = original;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x10);
    WriteWhole(file.path, damaged);
    DamageReporter reporter;
    const ReadBack back = ReadStore(dir, kEvents, &reporter);
    bool located = false;
    for (const DamageReporter::Report& rep : reporter.reports) {
      located = located || (rep.file == file.path && rep.offset <= damaged.size());
    }
    if (!located) ++undetected;
    r->events_checked += back.intact;
    r->torn += back.torn;
    r->duplicated += back.duplicated;
    *dropped += kEvents - back.intact;
  }
  WriteWhole(file.path, original);
  ExpectAtMost(r, "byte flips not reported with their file and offset",
               static_cast<double>(undetected), 0);
}

}  // namespace

ScenarioResult RunStoreCorruption(const TortureConfig& config) {
  (void)config;
  ScenarioResult r;
  r.name = "4 torn/flipped/full store";
  evbus::TempDir tmp("evbus_torture");
  const std::string dir = tmp.path() + "/evbus";
  Status s = BuildStore(dir, kEvents, SmallPages());
  if (!s.ok()) {
    r.Fail("set-up: " + s.ToString());
    return r;
  }
  TearTails(dir, &r);
  auto pages = persist::ListPages(Env::Default(), persist::PagesDir(dir));
  std::uint64_t dropped = 0;
  if (pages.ok() && pages->size() >= 2) {
    FlipBytes(dir, pages->front(), &r, &dropped);
    FlipBytes(dir, pages->back(), &r, &dropped);
  } else {
    r.Fail("flips: expected several pages");
  }
  // Recovered: with the damage gone the store reads whole and clean again.
  DamageReporter reporter;
  const ReadBack clean = ReadStore(dir, kEvents, &reporter);
  if (clean.intact != kEvents || !reporter.reports.empty()) {
    r.Fail("the repaired store does not read back whole and clean");
  }
  const std::string full = CheckFullDisk(tmp.path(), &r);
  ExpectAtMost(&r, "lost", static_cast<double>(r.lost), 0);
  ExpectAtMost(&r, "torn", static_cast<double>(r.torn), 0);
  ExpectAtMost(&r, "duplicated", static_cast<double>(r.duplicated), 0);
  r.detail = std::to_string(dropped) + " damaged events withheld (each reported); " + full;
  return r;
}

}  // namespace evbus::torture
