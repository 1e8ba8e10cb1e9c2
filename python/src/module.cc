// _evbus: the compiled half of the Python package `evbus` (docs/python.md).
// The package (python/evbus/) gives OpenHands' names and semantics on top:
// dicts, enums, generators, asyncio. Nothing here is meant to be used alone.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "core/event.h"
#include "core/event_filter.h"
#include "core/event_types.h"
#include "python/src/py_event.h"
#include "python/src/py_gil.h"
#include "python/src/py_json.h"
#include "python/src/py_loads.h"
#include "python/src/py_persister.h"
#include "python/src/py_status.h"
#include "python/src/py_stream.h"
#include "shm/segment.h"
#include "stream/event_stream.h"
#include "stream/shared_secrets.h"

namespace evbus::python {
namespace {

namespace py = pybind11;

EventFilter MakeFilter(bool exclude_hidden, std::string query,
                       std::vector<std::string> include_types,
                       std::vector<std::string> exclude_types, std::string source,
                       std::string start_date, std::string end_date) {
  EventFilterSpec spec;
  spec.exclude_hidden = exclude_hidden;
  spec.query = std::move(query);
  spec.include_types = std::move(include_types);
  spec.exclude_types = std::move(exclude_types);
  spec.source = std::move(source);
  spec.start_date = std::move(start_date);
  spec.end_date = std::move(end_date);
  return ValueOrThrow(EventFilter::Make(spec));
}

bool FilterMatches(const EventFilter& filter, const py::handle& json) {
  const Event event = ValueOrThrow(ParseEvent(TextOf(json)));
  return filter.MatchesEvent(event);
}

// Class names an EventFilter accepts, and each concrete class's tag.
py::list EventClasses() {
  py::list out;
  for (const EventTypeInfo& info : AllEventTypes()) {
    out.append(py::make_tuple(std::string(info.class_name), std::string(EventKindName(info.kind)),
                              std::string(info.tag)));
  }
  return out;
}

// Removes a stream's segment and its secrets file (as `evbus destroy`).
// FileNotFoundError when there is no segment.
void DestroyStream(const std::string& session_id, const std::string& user_id) {
  Status status;
  {
    ReleasedGil release;
    status = shm::Segment::Remove(session_id, user_id);
    (void)SharedSecrets::Remove(session_id, user_id);  // absent is fine
  }
  ThrowIfError(status);
}

std::string NormalizeEventJson(const py::handle& json) {
  return EventToJson(ValueOrThrow(ParseEvent(TextOf(json))));
}

// What add_event(dict) sends instead of json.dumps(value, separators=(',', ':')),
// or None where it leaves the value to json.dumps (tests compare the two).
py::object CompactJson(const py::handle& value) {
  std::string text;
  if (!AppendPyJson(value.ptr(), &text)) return py::none();
  return py::str(text);
}

// The JSON of the Event add_event(dict)'s fast path fills from `value`
// (py_event.h), or None where it leaves the dict to the slow path (tests
// compare it with normalize_event_json of json.dumps's text).
py::object EventJsonFromDict(const py::handle& value) {
  Event event;
  if (!EventFromPyDict(value.ptr(), &event)) return py::none();
  return py::str(EventToJson(event));
}

// (True, value) when LoadsJson builds the value of the JSON text (str or
// bytes), (False, None) where it leaves it to json.loads (tests compare the
// two).
py::tuple LoadsJsonOrNone(const py::handle& json) {
  PyObject* value = LoadsJson(TextOf(json));
  if (value == nullptr) return py::make_tuple(false, py::none());
  return py::make_tuple(true, py::reinterpret_steal<py::object>(value));
}

}  // namespace

PYBIND11_MODULE(_evbus, m) {
  m.doc() = "evbus's compiled core; use the package `evbus` (docs/python.md)";
  RegisterErrors(m);

  py::class_<EventFilter>(m, "CompiledFilter")
      .def(py::init(&MakeFilter), py::arg("exclude_hidden"), py::arg("query"),
           py::arg("include_types"), py::arg("exclude_types"), py::arg("source"),
           py::arg("start_date"), py::arg("end_date"))
      .def("matches", &FilterMatches, py::arg("json"));

  py::class_<StreamHandle>(m, "StreamHandle")
      .def(py::init<const std::string&, const std::string&, const std::string&, const py::dict&>(),
           py::arg("sid"), py::arg("root"), py::arg("user_id"), py::arg("options"))
      .def("add_json", &StreamHandle::AddJson, py::arg("json"), py::arg("source"))
      .def("add_dict", &StreamHandle::AddDict, py::arg("event"), py::arg("source"))
      .def("add_dict_in_place", &StreamHandle::AddDictInPlace, py::arg("event"), py::arg("source"))
      .def("set_secrets", &StreamHandle::SetSecrets, py::arg("secrets"), py::arg("replace"))
      .def("set_secret_patterns", &StreamHandle::SetSecretPatterns, py::arg("builtins"),
           py::arg("custom"), py::arg("placeholder"), py::arg("replace"))
      .def("subscribe", &StreamHandle::Subscribe, py::arg("subscriber_id"), py::arg("deliver"),
           py::arg("callback_id"), py::arg("start_id"))
      .def("unsubscribe", &StreamHandle::Unsubscribe, py::arg("subscriber_id"),
           py::arg("callback_id"))
      .def("search", &StreamHandle::Search, py::arg("start_id"), py::arg("end_id"),
           py::arg("reverse"), py::arg("filter"), py::arg("limit"), py::arg("as_array"))
      .def("get_event_json", &StreamHandle::GetEventJson, py::arg("id"))
      .def("get_latest_event_json", &StreamHandle::GetLatestEventJson)
      .def("get_latest_event_id", &StreamHandle::GetLatestEventId)
      .def("snapshot_json", &StreamHandle::SnapshotJson)
      .def("close", &StreamHandle::Close)
      .def("forget_after_fork", &StreamHandle::ForgetAfterFork)
      .def_property_readonly("sid", &StreamHandle::session_id)
      .def_property_readonly("user_id", &StreamHandle::user_id)
      .def_property_readonly("metrics_path", &StreamHandle::metrics_path);

  m.def(
      "session_exists",
      [](const std::string& sid, const std::string& root, const std::string& user_id) {
        ReleasedGil release;
        return EventStream::SessionExists(sid, root, user_id);
      },
      py::arg("sid"), py::arg("root"), py::arg("user_id"));
  m.def("destroy_stream", &DestroyStream, py::arg("sid"), py::arg("user_id"));
  m.def("event_classes", &EventClasses);
  RegisterPersister(m);
  m.def("normalize_event_json", &NormalizeEventJson, py::arg("json"));
  m.def("compact_json", &CompactJson, py::arg("value"));
  m.def("event_json_from_dict", &EventJsonFromDict, py::arg("value"));
  m.def("loads_json", &LoadsJsonOrNone, py::arg("json"));
}

}  // namespace evbus::python
