// Building and reading stores for scenario 4 (see store_damage.h).
#include "tests/fault/store_damage.h"

#include <fstream>
#include <sstream>

#include "core/event_types.h"
#include "persist/store.h"
#include "tests/fault/event_payload.h"

namespace evbus::torture {

persist::RecordMeta DamageMeta(std::uint64_t id) {
  persist::RecordMeta meta;
  meta.id = id;
  meta.timestamp_ns = 1'700'000'000'000'000'000 + static_cast<std::int64_t>(id) * 1000;
  meta.type = EventTypeFromTag(EventKind::kObservation, "null").value();
  meta.source = static_cast<std::uint8_t>(Source::kEnvironment);
  meta.flags = persist::kFlagHasTimestamp;
  return meta;
}

Status AppendEvents(persist::StoreWriter* writer, std::uint64_t first, std::uint64_t last) {
  std::string body;
  for (std::uint64_t id = first; id < last; ++id) {
    MakeEventBody(0, id, &body);
    EVBUS_RETURN_IF_ERROR(writer->Append(DamageMeta(id), body));
  }
  return Status::OK();
}

persist::StoreWriterOptions WriterOptions(persist::SyncPolicy policy,
                                          std::uint64_t max_page_bytes) {
  persist::StoreWriterOptions o;
  o.sync_policy = policy;
  o.max_page_bytes = max_page_bytes;
  return o;
}

Status BuildStore(const std::string& evbus_dir, std::uint64_t count,
                  const persist::StoreWriterOptions& options) {
  auto writer = persist::StoreWriter::Open(evbus_dir, options);
  if (!writer.ok()) return writer.status();
  EVBUS_RETURN_IF_ERROR(AppendEvents(writer->get(), 0, count));
  return (*writer)->Close();
}

ReadBack ReadStore(const std::string& evbus_dir, std::uint64_t expected,
                   persist::Reporter* reporter) {
  ReadBack out;
  out.present.assign(expected, false);
  persist::StoreOptions options;
  options.reporter = reporter;
  options.continue_past_corruption = true;
  auto store = persist::Store::OpenDir(evbus_dir, options);
  if (!store.ok()) {
    out.status = store.status();
    return out;
  }
  persist::EventIterator it = (*store)->Search(persist::SearchQuery());
  while (it.Next()) {
    std::uint32_t producer = 0;
    std::uint64_t seq = 0;
    const std::int64_t id = it.meta().id;
    if (!CheckEventBody(it.json(), &producer, &seq) || seq != static_cast<std::uint64_t>(id) ||
        id < 0 || static_cast<std::uint64_t>(id) >= expected) {
      ++out.torn;
      continue;
    }
    if (out.present[seq]) ++out.duplicated;
    out.present[seq] = true;
    ++out.intact;
  }
  out.status = it.status();
  return out;
}

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool WriteWhole(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(out);
}

}  // namespace evbus::torture
