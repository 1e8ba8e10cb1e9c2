// Populating a segment's data ring in this process's page tables ahead of
// its producers (madvise MADV_POPULATE_WRITE, Linux 5.14 and later), and
// touching each populated page once.
//
// A publish that writes to a page this process has not touched yet takes a
// page fault, and the first lap of a fresh ring touches every page for the
// first time: on a virtual machine a fault costs several microseconds, more
// than the rest of a small publish. Populating ahead of the tail, on a
// thread that is not publishing (stream/ring_prefaulter.h), moves that cost
// off the publish path and makes it smaller (one system call for many
// pages). Populating writes no byte: it is safe while producers write the
// same pages, and it changes nothing any reader can see.
//
// Why touch: where the hypervisor keeps shadow copies of the guest's page
// tables (paravirtualised guests without nested paging, as on the
// development machines), populating fills only the guest's tables, and the
// first access from user space still traps into the hypervisor: measured
// there, a first write costs 14 us a page unpopulated, 5.6 us populated,
// and 0.05 us populated and then read once (docs/benchmarks.md, "Python").
// So each populated page is read once (one byte, discarded; the tables are
// the process's, so any thread's read will do). With nested paging the read is a TLB miss and
// nothing more.
//
// Thread safety: any thread; the segment must stay mapped for the call.
#ifndef EVBUS_SHM_RING_PREFAULT_H_
#define EVBUS_SHM_RING_PREFAULT_H_

#include <cstdint>

#include "base/status.h"
#include "shm/segment.h"

namespace evbus::shm {

// The producers' tail: the unwrapped end of the last claimed data. A word
// that every claim changes: a hint, already old when it returns.
std::uint64_t DataTailHint(const Segment& segment);

// Populates the data ring's bytes [from, to), unwrapped positions (taken
// modulo data_capacity; to - from <= data_capacity), widened to whole
// pages, then reads one byte of each. A read-only segment is populated for
// reading (MADV_POPULATE_READ): a subscriber's pages. Unavailable when the
// kernel does not know the advice; IOError otherwise (e.g. no memory left
// for the pages).
Status PopulateDataRing(const Segment& segment, std::uint64_t from, std::uint64_t to);

}  // namespace evbus::shm

#endif  // EVBUS_SHM_RING_PREFAULT_H_
