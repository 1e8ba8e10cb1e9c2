// Self-checking payloads for the multi-process ring tests.
//
// A payload is a 32-byte header {magic, producer, seq, size, hash} followed by
// filler bytes derived from (producer, seq). Its size varies with seq, so
// records of many sizes (and lap skips) occur. The hash (FNV-1a over the
// filler) and the size rule catch a torn, overwritten or misplaced record.
// Header-only: used by the helper processes and by the tests themselves.
#ifndef EVBUS_TESTS_PROCS_RING_PAYLOAD_H_
#define EVBUS_TESTS_PROCS_RING_PAYLOAD_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace evbus::shm::testproc {

inline constexpr std::uint32_t kPayloadMagic = 0x52494e47;  // "RING"

struct PayloadHeader {
  std::uint32_t magic;
  std::uint32_t producer;
  std::uint64_t seq;
  std::uint32_t size;  // whole payload, header included
  std::uint32_t reserved;
  std::uint64_t hash;  // FNV-1a 64 of the filler
};
static_assert(sizeof(PayloadHeader) == 32);

// Payload size for (producer, seq): 32..255 bytes.
inline std::size_t PayloadSize(std::uint32_t producer, std::uint64_t seq) {
  return sizeof(PayloadHeader) + static_cast<std::size_t>((seq * 37 + producer * 11) % 224);
}

inline std::uint8_t FillerByte(std::uint32_t producer, std::uint64_t seq, std::size_t k) {
  return static_cast<std::uint8_t>(seq * 131 + producer * 17 + k * 7);
}

inline std::uint64_t Fnv1a(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (char c : bytes) {
    h ^= static_cast<std::uint8_t>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

// Writes the payload of (producer, seq) into *out (reusing its capacity).
inline void MakePayload(std::uint32_t producer, std::uint64_t seq, std::string* out) {
  const std::size_t size = PayloadSize(producer, seq);
  out->resize(size);
  for (std::size_t k = sizeof(PayloadHeader); k < size; ++k) {
    (*out)[k] = static_cast<char>(FillerByte(producer, seq, k));
  }
  PayloadHeader h{kPayloadMagic, producer, seq, static_cast<std::uint32_t>(size), 0, 0};
  h.hash = Fnv1a(std::string_view(*out).substr(sizeof(PayloadHeader)));
  std::memcpy(out->data(), &h, sizeof(h));
}

// Checks a payload; on success fills *producer and *seq. On failure returns
// false and says why in *why.
inline bool CheckPayload(std::string_view body, std::uint32_t* producer, std::uint64_t* seq,
                         std::string* why) {
  PayloadHeader h;
  if (body.size() < sizeof(h)) {
    *why = "payload of " + std::to_string(body.size()) + " bytes is shorter than its header";
    return false;
  }
  std::memcpy(&h, body.data(), sizeof(h));
  if (h.magic != kPayloadMagic) {
    *why = "bad magic";
    return false;
  }
  if (h.size != body.size() || body.size() != PayloadSize(h.producer, h.seq)) {
    *why = "size " + std::to_string(body.size()) + " does not match producer " +
           std::to_string(h.producer) + " seq " + std::to_string(h.seq);
    return false;
  }
  if (Fnv1a(body.substr(sizeof(h))) != h.hash) {
    *why = "hash mismatch (torn or overwritten body) for producer " + std::to_string(h.producer) +
           " seq " + std::to_string(h.seq);
    return false;
  }
  *producer = h.producer;
  *seq = h.seq;
  return true;
}

}  // namespace evbus::shm::testproc

#endif  // EVBUS_TESTS_PROCS_RING_PAYLOAD_H_
