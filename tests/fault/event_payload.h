// Self-checking OpenHands-shaped events for the torture scenarios, and a
// checker that accounts for every producer sequence number.
//
// An event's content is "torture p=<producer> s=<seq> h=<hash> " followed by
// filler whose length and bytes derive from (producer, seq); the hash covers
// the filler. The body is real event JSON (the persister stores it), and the
// content survives the store's "id first" rewrite, so the same check runs on
// ring records and stored events. A torn, overwritten or misplaced body fails.
#ifndef EVBUS_TESTS_FAULT_EVENT_PAYLOAD_H_
#define EVBUS_TESTS_FAULT_EVENT_PAYLOAD_H_

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <unordered_map>

namespace evbus::torture {

// Every kBigEvery-th event of a producer is big: above the 64 KiB
// max_record_size of the scenarios' rings, so its body goes to a body file
// beside the ring (docs/shm_layout.md, section 13) and the loss, duplicate and
// torn checks cover that path too, kills included.
inline constexpr std::uint64_t kBigEvery = 50;
inline constexpr std::size_t kBigFiller = 70 * 1024;

inline std::size_t FillerLength(std::uint32_t producer, std::uint64_t seq) {
  const auto small = static_cast<std::size_t>((seq * 37 + producer * 11) % 400);
  return seq % kBigEvery == 7 ? kBigFiller + small : small;
}

inline char FillerChar(std::uint32_t producer, std::uint64_t seq, std::size_t k) {
  return static_cast<char>('a' + (seq * 7 + producer * 3 + k) % 26);
}

inline std::uint64_t FillerHash(std::string_view filler) {
  std::uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a 64
  for (char c : filler) {
    h ^= static_cast<std::uint8_t>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

// The event JSON of (producer, seq) into *out.
inline void MakeEventBody(std::uint32_t producer, std::uint64_t seq, std::string* out) {
  std::string filler(FillerLength(producer, seq), ' ');
  for (std::size_t k = 0; k < filler.size(); ++k) filler[k] = FillerChar(producer, seq, k);
  char head[96];
  std::snprintf(head, sizeof(head), "torture p=%u s=%" PRIu64 " h=%016" PRIx64 " ", producer, seq,
                FillerHash(filler));
  out->assign(R"({"source":"environment","observation":"null","content":")");
  out->append(head);
  out->append(filler);
  out->append(R"(","extras":{},"message":"torture"})");
}

// Checks a body (ring record or stored event); fills *producer and *seq.
inline bool CheckEventBody(std::string_view body, std::uint32_t* producer, std::uint64_t* seq) {
  const std::size_t at = body.find("torture p=");
  if (at == std::string_view::npos) return false;
  const std::string head(body.substr(at, 80));
  unsigned p = 0;
  std::uint64_t s = 0, h = 0;
  int used = 0;
  if (std::sscanf(head.c_str(), "torture p=%u s=%" SCNu64 " h=%" SCNx64 " %n", &p, &s, &h, &used) !=
          3 ||
      used == 0) {
    return false;
  }
  const std::size_t begin = at + static_cast<std::size_t>(used);
  const std::size_t len = FillerLength(p, s);
  if (begin + len + 1 > body.size() || body[begin + len] != '"') return false;
  const std::string_view filler = body.substr(begin, len);
  for (std::size_t k = 0; k < len; ++k) {
    if (filler[k] != FillerChar(p, s, k)) return false;
  }
  if (FillerHash(filler) != h) return false;
  *producer = p;
  *seq = s;
  return true;
}

// Counts, per producer, sequence numbers seen in order, repeated (duplicated)
// or skipped (holes; lost unless the caller knows why).
class SeqChecker {
 public:
  // Feeds one body; returns false if it is torn.
  bool Feed(std::string_view body) {
    std::uint32_t p = 0;
    std::uint64_t s = 0;
    if (!CheckEventBody(body, &p, &s)) {
      ++torn_;
      return false;
    }
    ++checked_;
    std::uint64_t& next = next_[p];
    if (s < next) {
      ++duplicated_;
    } else {
      holes_ += s - next;
      next = s + 1;
    }
    return true;
  }
  // Next sequence number expected from `producer` (= seen when no hole).
  std::uint64_t next(std::uint32_t producer) const {
    auto it = next_.find(producer);
    return it == next_.end() ? 0 : it->second;
  }
  std::uint64_t checked() const { return checked_; }
  std::uint64_t duplicated() const { return duplicated_; }
  std::uint64_t holes() const { return holes_; }
  std::uint64_t torn() const { return torn_; }

 private:
  std::unordered_map<std::uint32_t, std::uint64_t> next_;
  std::uint64_t checked_ = 0, duplicated_ = 0, holes_ = 0, torn_ = 0;
};

}  // namespace evbus::torture

#endif  // EVBUS_TESTS_FAULT_EVENT_PAYLOAD_H_
