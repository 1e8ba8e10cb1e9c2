// Counting the page faults the calling thread takes, for tests of what is
// mapped (getrusage(RUSAGE_THREAD): minor and major faults).
#ifndef EVBUS_TESTS_TESTUTIL_PAGE_FAULTS_H_
#define EVBUS_TESTS_TESTUTIL_PAGE_FAULTS_H_

#include <sys/resource.h>

#include <cstdint>

#include "tests/testutil/sanitizers.h"

namespace evbus::testutil {

// Faults allowed while touching `pages` populated pages: none of the
// mapping's own, but AddressSanitizer's shadow memory (one byte per eight)
// faults in one page per eight touched, populated or not.
inline long AllowedFaults(std::uint64_t pages) {
#if defined(EVBUS_UNDER_ASAN)
  return static_cast<long>(pages / 8) + 4;
#else
  (void)pages;
  return 4;
#endif
}

// The faults this thread took while running `touch`.
template <typename Touch>
long ThreadFaultsDuring(Touch&& touch) {
  rusage before{}, after{};
  ::getrusage(RUSAGE_THREAD, &before);
  touch();
  ::getrusage(RUSAGE_THREAD, &after);
  return (after.ru_minflt - before.ru_minflt) + (after.ru_majflt - before.ru_majflt);
}

// The sum of one byte of each `page`-sized step of [data + from, data + to),
// positions taken modulo `capacity` (a ring's bytes); read as volatile, so
// each read happens.
inline unsigned SumOfOneBytePerPage(const char* data, std::uint64_t capacity, std::uint64_t from,
                                    std::uint64_t to, std::uint64_t page = 4096) {
  unsigned sum = 0;
  for (std::uint64_t pos = from; pos < to; pos += page) {
    sum += static_cast<unsigned char>(reinterpret_cast<const volatile char*>(data)[pos % capacity]);
  }
  return sum;
}

// What reading one byte of each page of a ring's bytes [from, to) cost this
// thread (see SumOfOneBytePerPage), and what it read.
struct PageReads {
  long faults = 0;
  unsigned sum = 0;
};

inline PageReads ReadOneBytePerPage(const char* data, std::uint64_t capacity, std::uint64_t from,
                                    std::uint64_t to) {
  PageReads r;
  r.faults = ThreadFaultsDuring([&] { r.sum = SumOfOneBytePerPage(data, capacity, from, to); });
  return r;
}

}  // namespace evbus::testutil

#endif  // EVBUS_TESTS_TESTUTIL_PAGE_FAULTS_H_
