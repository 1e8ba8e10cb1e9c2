// StartStreamThread: starts one of an EventStream's threads (the dispatcher,
// a callback's worker) through EventStreamOptions::thread_factory, or
// std::thread when it is unset, and turns whatever that throws into a Status,
// so that thread creation never throws through the EventStream API.
//
// Thread safety: any thread; the factory is called on the calling thread.
#ifndef EVBUS_STREAM_STREAM_THREAD_H_
#define EVBUS_STREAM_STREAM_THREAD_H_

#include <functional>
#include <string_view>
#include <thread>

#include "base/status.h"
#include "stream/stream_options.h"

namespace evbus {

// On OK, *thread runs `body`. Busy when no thread could be made (what the
// factory threw, and what to do: the process, user or cgroup is at its
// thread limit); InvalidArgument when the factory returned no thread.
// `what` names the thread for the message ("the dispatcher", ...).
Status StartStreamThread(const ThreadFactory& factory, std::string_view what,
                         std::function<void()> body, std::thread* thread) noexcept;

}  // namespace evbus

#endif  // EVBUS_STREAM_STREAM_THREAD_H_
