// Status and Result: how setup and I/O report failure (leveldb-style).
//
// A Status is OK or carries a code and a message written for a person: what
// went wrong and what to do about it. Result<T> is a value or a Status.
//
// This is the one leaf header every layer shares (shm/ included): it depends
// on nothing of ours. Hot paths return small [[nodiscard]] enums instead.
#ifndef EVBUS_BASE_STATUS_H_
#define EVBUS_BASE_STATUS_H_

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace evbus {

class [[nodiscard]] Status {
 public:
  enum class Code : unsigned char {
    kOk = 0,
    kNotFound,
    kCorruption,
    kInvalidArgument,
    kIOError,
    kBackPressured,
    kTooLarge,
    kAlreadyExists,
    kBusy,         // held by someone else (a second persister, a live segment)
    kUnavailable,  // closed, shut down
    kPermissionDenied,
    kTimedOut,
  };

  Status() = default;
  static Status OK() { return Status(); }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status Corruption(std::string msg) { return Status(Code::kCorruption, std::move(msg)); }
  static Status InvalidArgument(std::string msg) {
    return Status(Code::kInvalidArgument, std::move(msg));
  }
  static Status IOError(std::string msg) { return Status(Code::kIOError, std::move(msg)); }
  static Status BackPressured(std::string msg) {
    return Status(Code::kBackPressured, std::move(msg));
  }
  static Status TooLarge(std::string msg) { return Status(Code::kTooLarge, std::move(msg)); }
  static Status AlreadyExists(std::string msg) {
    return Status(Code::kAlreadyExists, std::move(msg));
  }
  static Status Busy(std::string msg) { return Status(Code::kBusy, std::move(msg)); }
  static Status Unavailable(std::string msg) { return Status(Code::kUnavailable, std::move(msg)); }
  static Status PermissionDenied(std::string msg) {
    return Status(Code::kPermissionDenied, std::move(msg));
  }
  static Status TimedOut(std::string msg) { return Status(Code::kTimedOut, std::move(msg)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsInvalidArgument() const { return code_ == Code::kInvalidArgument; }
  bool IsBackPressured() const { return code_ == Code::kBackPressured; }
  bool IsTooLarge() const { return code_ == Code::kTooLarge; }

  static std::string_view CodeName(Code code) {
    switch (code) {
      case Code::kOk:
        return "OK";
      case Code::kNotFound:
        return "NotFound";
      case Code::kCorruption:
        return "Corruption";
      case Code::kInvalidArgument:
        return "InvalidArgument";
      case Code::kIOError:
        return "IOError";
      case Code::kBackPressured:
        return "BackPressured";
      case Code::kTooLarge:
        return "TooLarge";
      case Code::kAlreadyExists:
        return "AlreadyExists";
      case Code::kBusy:
        return "Busy";
      case Code::kUnavailable:
        return "Unavailable";
      case Code::kPermissionDenied:
        return "PermissionDenied";
      case Code::kTimedOut:
        return "TimedOut";
    }
    return "Unknown";
  }
  // "InvalidArgument: limit must be ..." (or "OK").
  std::string ToString() const {
    if (ok()) return "OK";
    std::string s(CodeName(code_));
    s += ": ";
    s += message_;
    return s;
  }

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    assert(!status_.ok() && "Result built from an OK status needs a value");
  }
  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & {
    assert(ok() && "Result::value() on an error");
    return *value_;
  }
  const T& value() const& {
    assert(ok() && "Result::value() on an error");
    return *value_;
  }
  T&& value() && {
    assert(ok() && "Result::value() on an error");
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace evbus

// Returns from the enclosing function (which returns a Status or a Result<T>)
// when `expr`, a Status, is not OK. The one early-return helper:
//   EVBUS_RETURN_IF_ERROR(env->SyncDir(dir));
#define EVBUS_RETURN_IF_ERROR(expr)                         \
  do {                                                      \
    ::evbus::Status evbus_return_if_error_status_ = (expr); \
    if (!evbus_return_if_error_status_.ok()) {              \
      return evbus_return_if_error_status_;                 \
    }                                                       \
  } while (0)

// Declares or assigns `lhs` from `expr`, a Result<T>, or returns its Status
// from the enclosing function when it holds none:
//   EVBUS_ASSIGN_OR_RETURN(auto segment, shm::Segment::Open(stream, user));
#define EVBUS_ASSIGN_OR_RETURN(lhs, expr) \
  EVBUS_ASSIGN_OR_RETURN_IMPL_(EVBUS_STATUS_CONCAT_(evbus_assign_or_return_, __LINE__), lhs, expr)
#define EVBUS_ASSIGN_OR_RETURN_IMPL_(result, lhs, expr) \
  auto result = (expr);                                 \
  if (!result.ok()) return result.status();             \
  lhs = std::move(result).value()
#define EVBUS_STATUS_CONCAT_(a, b) EVBUS_STATUS_CONCAT_INNER_(a, b)
#define EVBUS_STATUS_CONCAT_INNER_(a, b) a##b

#endif  // EVBUS_BASE_STATUS_H_
