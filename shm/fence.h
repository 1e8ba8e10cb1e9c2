// ThreadFence: std::atomic_thread_fence that also builds under
// ThreadSanitizer with -Werror.
//
// GCC 12+ warns (-Wtsan) that TSan does not model standalone fences. The
// ring's fences are still needed for correctness in every build; under TSan
// the synchronisation they provide is invisible to the tool, which is why the
// seqlock reads that rely on them are annotated as ignored (subscriber.cc).
//
// Thread safety: any thread.
#ifndef EVBUS_SHM_FENCE_H_
#define EVBUS_SHM_FENCE_H_

#include <atomic>

namespace evbus::shm {

#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wtsan"
#endif
inline void ThreadFence(std::memory_order order) noexcept { std::atomic_thread_fence(order); }
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic pop
#endif

}  // namespace evbus::shm

#endif  // EVBUS_SHM_FENCE_H_
