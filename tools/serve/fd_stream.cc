#include "tools/serve/fd_stream.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace evbus::serve {

FdStream::FdStream(int fd) : fd_(fd) {}

FdStream::~FdStream() {
  if (fd_ >= 0) ::close(fd_);
}

bool FdStream::WaitFor(short events, boost::system::error_code& ec) {
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now()).count();
    if (left <= 0) {
      ec = boost::asio::error::timed_out;
      return false;
    }
    pollfd p{fd_, events, 0};
    const int timeout = left > 1'000'000 ? 1'000'000 : static_cast<int>(left);
    const int r = ::poll(&p, 1, timeout);
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) {
      ec = boost::system::error_code(errno, boost::system::system_category());
      return false;
    }
  }
}

std::size_t FdStream::ReadSome(void* data, std::size_t size, boost::system::error_code& ec) {
  ec = {};
  for (;;) {
    if (!WaitFor(POLLIN, ec)) return 0;
    const ssize_t n = ::recv(fd_, data, size, MSG_DONTWAIT);
    if (n > 0) return static_cast<std::size_t>(n);
    if (n == 0) {
      ec = boost::asio::error::eof;
      return 0;
    }
    if (errno == EAGAIN || errno == EINTR) continue;
    ec = boost::system::error_code(errno, boost::system::system_category());
    return 0;
  }
}

std::size_t FdStream::WriteSome(const void* data, std::size_t size, boost::system::error_code& ec) {
  ec = {};
  for (;;) {
    if (!WaitFor(POLLOUT, ec)) return 0;
    const ssize_t n = ::send(fd_, data, size, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == EAGAIN || errno == EINTR) continue;
    ec = boost::system::error_code(errno, boost::system::system_category());
    return 0;
  }
}

bool FdStream::WriteAll(std::string_view bytes) {
  while (!bytes.empty()) {
    boost::system::error_code ec;
    const std::size_t n = WriteSome(bytes.data(), bytes.size(), ec);
    if (ec) return false;
    bytes.remove_prefix(n);
  }
  return true;
}

}  // namespace evbus::serve
