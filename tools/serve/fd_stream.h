// FdStream: a connected TCP socket as Beast's SyncReadStream and
// SyncWriteStream, with every read and write bounded by a deadline (poll
// before each system call), so a client that sends nothing or reads nothing
// cannot hold a connection thread forever.
//
// Thread safety: one thread at a time (the connection's own).
#ifndef EVBUS_TOOLS_SERVE_FD_STREAM_H_
#define EVBUS_TOOLS_SERVE_FD_STREAM_H_

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>
#include <chrono>
#include <cstddef>
#include <string_view>

namespace evbus::serve {

class FdStream {
 public:
  using Clock = std::chrono::steady_clock;

  // Takes ownership of `fd` (closed by the destructor).
  explicit FdStream(int fd);
  ~FdStream();
  FdStream(const FdStream&) = delete;
  FdStream& operator=(const FdStream&) = delete;

  int fd() const { return fd_; }
  // Reads and writes after `deadline` fail with timed_out.
  void set_deadline(Clock::time_point deadline) { deadline_ = deadline; }

  // At most one buffer's worth per call; 0 and eof when the peer closed.
  std::size_t ReadSome(void* data, std::size_t size, boost::system::error_code& ec);
  std::size_t WriteSome(const void* data, std::size_t size, boost::system::error_code& ec);
  // All of `bytes` or an error (timed_out at the deadline).
  bool WriteAll(std::string_view bytes);

  // Beast's stream concepts.
  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers, boost::system::error_code& ec) {
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      boost::asio::mutable_buffer b(*it);
      if (b.size() > 0) return ReadSome(b.data(), b.size(), ec);
    }
    ec = {};
    return 0;
  }
  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers) {
    boost::system::error_code ec;
    const std::size_t n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }
  template <class ConstBuffers>
  std::size_t write_some(const ConstBuffers& buffers, boost::system::error_code& ec) {
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      boost::asio::const_buffer b(*it);
      if (b.size() > 0) return WriteSome(b.data(), b.size(), ec);
    }
    ec = {};
    return 0;
  }
  template <class ConstBuffers>
  std::size_t write_some(const ConstBuffers& buffers) {
    boost::system::error_code ec;
    const std::size_t n = write_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

 private:
  // Waits for `events` until the deadline; false (ec set) on timeout/error.
  bool WaitFor(short events, boost::system::error_code& ec);

  int fd_;
  Clock::time_point deadline_ = Clock::time_point::max();
};

}  // namespace evbus::serve

#endif  // EVBUS_TOOLS_SERVE_FD_STREAM_H_
