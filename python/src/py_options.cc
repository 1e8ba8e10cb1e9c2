#include "python/src/py_options.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <utility>

namespace evbus::python {
namespace {

namespace py = pybind11;

constexpr const char* kOptionNames =
    "capacity, max_event_size, index_slots, wait_strategy, callback_queue_size, "
    "full_queue_policy, callback_dispatch, backpressure_timeout, close_timeout, "
    "history_wait, page_cache_pages, create_if_missing, prefault_ring";

[[noreturn]] void Raise(PyObject* type, const std::string& text) {
  PyErr_SetString(type, text.c_str());
  throw py::error_already_set();
}

std::uint64_t ReadCount(const std::string& name, const py::handle& value, std::uint64_t max) {
  if (!PyLong_Check(value.ptr()) || PyBool_Check(value.ptr())) {
    Raise(PyExc_TypeError, "EventStream option " + name + " expects an int, got " +
                               std::string(py::str(py::type::of(value).attr("__name__"))));
  }
  const auto number = value.cast<long long>();
  if (number <= 0 || static_cast<std::uint64_t>(number) > max) {
    Raise(PyExc_ValueError, "EventStream option " + name + " expects a count from 1 to " +
                                std::to_string(max) + ", got " + std::to_string(number));
  }
  return static_cast<std::uint64_t>(number);
}

std::int64_t ReadSeconds(const std::string& name, const py::handle& value) {
  if (!PyLong_Check(value.ptr()) && !PyFloat_Check(value.ptr())) {
    Raise(PyExc_TypeError, "EventStream option " + name + " expects seconds (int or float), got " +
                               std::string(py::str(py::type::of(value).attr("__name__"))));
  }
  const double seconds = value.cast<double>();
  if (!std::isfinite(seconds) || seconds < 0 || seconds > 1e9) {
    Raise(PyExc_ValueError, "EventStream option " + name + " expects 0 to 1e9 seconds, got " +
                                std::to_string(seconds));
  }
  return static_cast<std::int64_t>(seconds * 1e9);
}

bool ReadBool(const std::string& name, const py::handle& value) {
  if (!PyBool_Check(value.ptr())) {
    Raise(PyExc_TypeError, "EventStream option " + name + " expects True or False");
  }
  return value.cast<bool>();
}

template <typename E>
E ReadChoice(const std::string& name, const py::handle& value,
             const std::vector<std::pair<const char*, E>>& choices) {
  std::string accepted;
  for (const auto& [text, unused] : choices)
    accepted += (accepted.empty() ? "'" : ", '") + std::string(text) + "'";
  if (!PyUnicode_Check(value.ptr())) {
    Raise(PyExc_TypeError, "EventStream option " + name + " expects one of " + accepted);
  }
  const auto text = value.cast<std::string>();
  for (const auto& [candidate, choice] : choices) {
    if (text == candidate) return choice;
  }
  Raise(PyExc_ValueError,
        "EventStream option " + name + " expects one of " + accepted + ", got '" + text + "'");
}

void ReadOption(const std::string& name, const py::handle& value, EventStreamOptions* o) {
  constexpr std::uint64_t kU32 = std::numeric_limits<std::uint32_t>::max();
  constexpr std::uint64_t kI64 = std::numeric_limits<std::int64_t>::max();
  if (name == "capacity") {
    o->capacity = ReadCount(name, value, kI64);
  } else if (name == "max_event_size") {
    o->max_event_size = static_cast<std::uint32_t>(ReadCount(name, value, kU32));
  } else if (name == "index_slots") {
    o->index_slots = static_cast<std::uint32_t>(ReadCount(name, value, kU32));
  } else if (name == "callback_queue_size") {
    o->callback_queue_size = ReadCount(name, value, kU32);
  } else if (name == "page_cache_pages") {
    o->page_cache_pages = ReadCount(name, value, kU32);
  } else if (name == "wait_strategy") {
    o->wait_strategy = ReadChoice<shm::WaitStrategy>(name, value,
                                                     {{"blocking", shm::WaitStrategy::kBlocking},
                                                      {"spin_yield", shm::WaitStrategy::kSpinYield},
                                                      {"busy_spin", shm::WaitStrategy::kBusySpin}});
  } else if (name == "full_queue_policy") {
    o->full_queue_policy = ReadChoice<FullQueuePolicy>(
        name, value, {{"catch_up", FullQueuePolicy::kCatchUp}, {"drop", FullQueuePolicy::kDrop}});
  } else if (name == "callback_dispatch") {
    o->callback_dispatch = ReadChoice<CallbackDispatch>(name, value,
                                                        {{"auto", CallbackDispatch::kAuto},
                                                         {"shared", CallbackDispatch::kShared},
                                                         {"direct", CallbackDispatch::kDirect}});
  } else if (name == "backpressure_timeout") {
    o->backpressure_timeout_ns = ReadSeconds(name, value);
  } else if (name == "close_timeout") {
    o->close_timeout_ns = ReadSeconds(name, value);
  } else if (name == "history_wait") {
    o->history_wait_ns = ReadSeconds(name, value);
  } else if (name == "create_if_missing") {
    o->create_if_missing = ReadBool(name, value);
  } else if (name == "prefault_ring") {
    o->prefault_ring = ReadBool(name, value);
  } else {
    Raise(PyExc_TypeError, "EventStream() got an unexpected keyword argument '" + name +
                               "'; the options are: " + kOptionNames);
  }
}

}  // namespace

EventStreamOptions OptionsFromKwargs(const std::string& root, const std::string& user_id,
                                     const py::dict& options) {
  EventStreamOptions result;
  result.store_root = root;
  result.user_id = user_id;
  for (const auto& [key, value] : options) {
    ReadOption(py::str(key).cast<std::string>(), value, &result);
  }
  return result;
}

}  // namespace evbus::python
