#include "python/src/py_stream.h"

#include <stdexcept>
#include <utility>
#include <vector>

#include "core/json_append.h"
#include "python/src/py_event.h"
#include "python/src/py_gil.h"
#include "python/src/py_json.h"
#include "python/src/py_loads.h"
#include "python/src/py_options.h"
#include "python/src/py_status.h"
#include "stream/stream_metrics.h"
#include "stream/subscriber_id.h"

namespace evbus::python {
namespace py = pybind11;

std::string_view TextOf(const py::handle& text) {
  if (PyBytes_Check(text.ptr())) {
    char* data = nullptr;
    Py_ssize_t size = 0;
    if (PyBytes_AsStringAndSize(text.ptr(), &data, &size) != 0) throw py::error_already_set();
    return {data, static_cast<std::size_t>(size)};
  }
  if (PyUnicode_Check(text.ptr())) {
    Py_ssize_t size = 0;
    const char* data = PyUnicode_AsUTF8AndSize(text.ptr(), &size);
    if (data == nullptr) throw py::error_already_set();
    return {data, static_cast<std::size_t>(size)};
  }
  PyErr_Format(PyExc_TypeError, "expected JSON text as str or bytes, got %s",
               Py_TYPE(text.ptr())->tp_name);
  throw py::error_already_set();
}

StreamHandle::StreamHandle(const std::string& session_id, const std::string& root,
                           const std::string& user_id, const py::dict& options)
    : session_id_(session_id), user_id_(user_id) {
  EventStreamOptions parsed = OptionsFromKwargs(root, user_id, options);
  parsed.log = PythonLogSink();
  Result<std::unique_ptr<EventStream>> opened = Status::Unavailable("not opened");
  {
    ReleasedGil release;
    opened = EventStream::Open(session_id, parsed);
  }
  stream_ = ValueOrThrow(std::move(opened));
  metrics_path_ = stream_->metrics_path();
}

StreamHandle::~StreamHandle() {
  if (!stream_) return;
  if (PyGILState_Check() == 0) {
    stream_.reset();
    return;
  }
  py::gil_scoped_release release;  // a destructor: see ReleasedGil
  stream_.reset();
}

EventStream& StreamHandle::stream() {
  if (forgotten_after_fork_) {
    ThrowStatus(Status::Unavailable("stream '" + session_id_ +
                                    "' was opened before this process forked and belongs to "
                                    "the parent: open it again in this process"));
  }
  if (!stream_) ThrowStatus(Status::Unavailable("stream '" + session_id_ + "' is closed"));
  return *stream_;
}

void StreamHandle::ForgetAfterFork() {
  (void)stream_.release();  // leaked on purpose: closing would undo the parent's state
  forgotten_after_fork_ = true;
}

namespace {

// The keys add_event sets in an event dict, made once (never freed: the
// module is never unloaded).
struct SetKeys {
  PyObject* id;
  PyObject* timestamp;
  PyObject* source;
};

const SetKeys& Keys() {
  static const SetKeys keys = {PyUnicode_InternFromString("id"),
                               PyUnicode_InternFromString("timestamp"),
                               PyUnicode_InternFromString("source")};
  return keys;
}

}  // namespace

py::object StreamHandle::AddDictInPlace(const py::dict& event, const py::str& source) {
  if (Keys().id == nullptr || Keys().timestamp == nullptr || Keys().source == nullptr) {
    throw py::error_already_set();  // MemoryError at the first call
  }
  Event filled;
  if (!EventFromPyDict(event.ptr(), &filled)) return py::none();
  Py_ssize_t size = 0;
  const char* text = PyUnicode_AsUTF8AndSize(source.ptr(), &size);
  if (text == nullptr) throw py::error_already_set();
  const Source parsed_source =
      ValueOrThrow(ParseSource(std::string_view(text, static_cast<std::size_t>(size))));
  std::string timestamp;
  const py::int_ id(Publish(&filled, parsed_source, &timestamp));
  const auto stamp = py::reinterpret_steal<py::str>(NewAsciiStr(timestamp));
  if (!stamp) throw py::error_already_set();
  PyObject* dict = event.ptr();
  if (PyDict_SetItem(dict, Keys().id, id.ptr()) != 0 ||
      PyDict_SetItem(dict, Keys().timestamp, stamp.ptr()) != 0 ||
      PyDict_SetItem(dict, Keys().source, source.ptr()) != 0) {
    throw py::error_already_set();
  }
  return id;
}

py::object StreamHandle::AddDict(const py::dict& event, const std::string& source) {
  Event filled;
  if (EventFromPyDict(event.ptr(), &filled)) return AddEvent(&filled, source);
  std::string text;  // the slow path: the dict's JSON, then ParseEvent
  if (!AppendPyJson(event.ptr(), &text)) return py::none();
  return AddText(text, source);
}

py::tuple StreamHandle::AddJson(const py::handle& json, const std::string& source) {
  return AddText(TextOf(json), source);
}

py::tuple StreamHandle::AddText(std::string_view text, const std::string& source) {
  const Source parsed_source = ValueOrThrow(ParseSource(source));
  EventStream& target = stream();
  Result<std::int64_t> id = Status::Unavailable("not added");
  std::string timestamp;
  {
    ReleasedGil release;
    Result<Event> event = ParseEvent(text);
    if (!event.ok()) {
      id = event.status();
    } else {
      id = target.AddEvent(&event.value(), parsed_source);
      if (id.ok() && event->timestamp_ns) AppendTimestampText(*event->timestamp_ns, &timestamp);
    }
  }
  return py::make_tuple(ValueOrThrow(std::move(id)), timestamp);
}

std::int64_t StreamHandle::Publish(Event* event, Source source, std::string* timestamp) {
  EventStream& target = stream();
  Result<std::int64_t> id = Status::Unavailable("not added");
  {
    ReleasedGil release;  // AddEvent may wait (back-pressure)
    id = target.AddEvent(event, source);
    // FormatTimestamp's text, with the second's local time cached per thread.
    if (id.ok() && event->timestamp_ns) AppendTimestampText(*event->timestamp_ns, timestamp);
  }
  return ValueOrThrow(std::move(id));
}

py::tuple StreamHandle::AddEvent(Event* event, const std::string& source) {
  const Source parsed_source = ValueOrThrow(ParseSource(source));
  std::string timestamp;
  const std::int64_t id = Publish(event, parsed_source, &timestamp);
  return py::make_tuple(id, timestamp);
}

void StreamHandle::SetSecrets(const py::dict& secrets, bool replace) {
  Redactor::SecretMap map;
  for (const auto& [key, value] : secrets) {
    if (!PyUnicode_Check(key.ptr()) || !PyUnicode_Check(value.ptr())) {
      throw py::type_error("secrets must map str to str (name -> secret value)");
    }
    map.emplace(key.cast<std::string>(), value.cast<std::string>());
  }
  EventStream& target = stream();
  Status status;
  {
    ReleasedGil release;
    status = replace ? target.SetSecrets(map) : target.UpdateSecrets(map);
  }
  ThrowIfError(status);
}

void StreamHandle::SetSecretPatterns(const std::map<std::string, bool>& builtins,
                                     const std::map<std::string, std::string>& custom,
                                     const std::string& placeholder, bool replace) {
  SecretPatterns patterns;
  patterns.builtins = builtins;
  patterns.custom = custom;
  patterns.placeholder = placeholder;
  EventStream& target = stream();
  Status status;
  {
    ReleasedGil release;
    status = replace ? target.SetSecretPatterns(patterns) : target.UpdateSecretPatterns(patterns);
  }
  ThrowIfError(status);
}

namespace {

// What json.loads gives for the text, built by LoadsJson where it can.
py::object LoadsEvent(std::string_view json, const py::object& loads) {
  if (PyObject* value = LoadsJson(json)) return py::reinterpret_steal<py::object>(value);
  return loads(py::str(json.data(), json.size()));
}

}  // namespace

void StreamHandle::Subscribe(const std::string& subscriber_id, py::object deliver,
                             const std::string& callback_id, std::optional<std::int64_t> start_id) {
  const SubscriberId id = ValueOrThrow(ParseSubscriberId(subscriber_id));
  if (start_id && *start_id < 0) throw py::value_error("start_id must be 0 or more");
  std::shared_ptr<py::object> held = ShareAcrossThreads(std::move(deliver));
  std::shared_ptr<py::object> loads = ShareAcrossThreads(py::module_::import("json").attr("loads"));
  // The JSON as the worker read it from the ring or the store: no parse
  // into an Event and no rewrite; its dict is built straight from the bytes.
  EventJsonCallback callback = [held, loads](std::string_view json) {
    if (!InterpreterAlive()) return;  // only after evbus's atexit hook: nobody listens
    ScopedGil gil;
    try {
      (*held)(LoadsEvent(json, *loads));
    } catch (py::error_already_set& e) {
      throw std::runtime_error(e.what());  // logged and counted by the worker
    }
  };
  EventStream& target = stream();
  Status status;
  {
    ReleasedGil release;
    status = target.SubscribeJson(id, std::move(callback), callback_id, start_id);
  }
  ThrowIfError(status);
}

void StreamHandle::Unsubscribe(const std::string& subscriber_id, const std::string& callback_id) {
  const SubscriberId id = ValueOrThrow(ParseSubscriberId(subscriber_id));
  EventStream& target = stream();
  ReleasedGil release;
  target.Unsubscribe(id, callback_id);
}

py::object StreamHandle::Search(std::int64_t start_id, std::optional<std::int64_t> end_id,
                                bool reverse, const EventFilter* filter,
                                std::optional<std::int64_t> limit, bool as_array) {
  persist::SearchQuery query;
  query.start_id = start_id;
  query.end_id = end_id;
  query.reverse = reverse;
  query.filter = filter;
  query.limit = limit;
  EventStream& target = stream();
  Result<std::vector<persist::StoredEvent>> found = Status::Unavailable("not searched");
  std::string array;
  {
    ReleasedGil release;
    found = target.SearchEventsJson(query);
    if (found.ok() && as_array) {
      std::size_t bytes = 2;
      for (const auto& e : *found) bytes += e.json.size() + 1;
      array.reserve(bytes);
      array += '[';
      for (const auto& e : *found) {
        if (array.size() > 1) array += ',';
        array += e.json;
      }
      array += ']';
    }
  }
  std::vector<persist::StoredEvent> events = ValueOrThrow(std::move(found));
  if (as_array) return py::str(array);
  py::list list(events.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    list[i] = py::make_tuple(events[i].meta.id, py::str(events[i].json));
  }
  return list;
}

py::str StreamHandle::GetEventJson(std::int64_t id) {
  EventStream& target = stream();
  Result<Event> event = Status::Unavailable("not read");
  {
    ReleasedGil release;
    event = target.GetEvent(id);
  }
  return py::str(EventToJson(ValueOrThrow(std::move(event))));
}

py::str StreamHandle::GetLatestEventJson() {
  EventStream& target = stream();
  Result<Event> event = Status::Unavailable("not read");
  {
    ReleasedGil release;
    event = target.GetLatestEvent();
  }
  return py::str(EventToJson(ValueOrThrow(std::move(event))));
}

std::int64_t StreamHandle::GetLatestEventId() {
  EventStream& target = stream();
  ReleasedGil release;
  return target.GetLatestEventId();
}

std::string StreamHandle::SnapshotJson() {
  EventStream& target = stream();
  ReleasedGil release;
  return SnapshotToJson(target.Snapshot());
}

void StreamHandle::Close() {
  if (forgotten_after_fork_) return;  // the parent's to close
  EventStream& target = stream();
  Status status;
  {
    ReleasedGil release;
    status = target.Close();
  }
  ThrowIfError(status);
}

}  // namespace evbus::python
