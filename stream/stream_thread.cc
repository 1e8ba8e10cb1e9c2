#include "stream/stream_thread.h"

#include <exception>
#include <string>
#include <utility>

namespace evbus {
namespace {

Status CannotStart(std::string_view what, const char* why) {
  return Status::Busy("cannot start the thread of " + std::string(what) + ": " + why +
                      "; the process, its user or its cgroup is at its thread limit (ulimit -u, "
                      "/proc/sys/kernel/threads-max, pids.max): end unused callbacks or streams, "
                      "or raise the limit, then subscribe again");
}

}  // namespace

Status StartStreamThread(const ThreadFactory& factory, std::string_view what,
                         std::function<void()> body, std::thread* thread) noexcept {
  try {
    *thread = factory ? factory(std::move(body)) : std::thread(std::move(body));
  } catch (const std::exception& e) {  // std::system_error from pthread_create
    return CannotStart(what, e.what());
  } catch (...) {
    return CannotStart(what, "the thread factory threw a non-standard exception");
  }
  if (!thread->joinable()) {
    return Status::InvalidArgument("the thread factory returned no thread for " +
                                   std::string(what) +
                                   "; return the std::thread that runs the body it is given");
  }
  return Status::OK();
}

}  // namespace evbus
