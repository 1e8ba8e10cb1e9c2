// StreamHandle: the extension's view of one evbus::EventStream, in the shape
// the pure-Python package (python/evbus/_stream.py) builds OpenHands' API on.
// Events cross as JSON text in OpenHands' shape; the package turns it into
// dicts with json.loads (callbacks get the dict, built in C++: py_loads.h).
//
// Thread safety: every method is called with the GIL held and releases it
// for the whole of the C++ call (reading strings the caller keeps alive), so
// a call that waits (add_event under back-pressure, close, unsubscribe, a
// search waiting for the persister) never keeps a callback thread from the
// GIL. Callbacks run on evbus's threads and hold the GIL only while the
// Python callable runs (py_gil.h).
#ifndef EVBUS_PYTHON_SRC_PY_STREAM_H_
#define EVBUS_PYTHON_SRC_PY_STREAM_H_

#include <pybind11/pybind11.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/event_filter.h"
#include "stream/event_stream.h"

namespace evbus::python {

// Text of a str (its UTF-8) or bytes, valid while `text` lives. TypeError
// for anything else; a str that is not valid Unicode raises
// UnicodeEncodeError (a ValueError).
std::string_view TextOf(const pybind11::handle& text);

class StreamHandle {
 public:
  StreamHandle(const std::string& session_id, const std::string& root, const std::string& user_id,
               const pybind11::dict& options);
  ~StreamHandle();  // closes (GIL released)
  StreamHandle(const StreamHandle&) = delete;
  StreamHandle& operator=(const StreamHandle&) = delete;

  // Adds one event given as JSON text (str or bytes); (id, timestamp text).
  pybind11::tuple AddJson(const pybind11::handle& json, const std::string& source);
  // add_event(dict): the Event filled straight from the dict (py_event.h);
  // where that path declines, the dict's JSON written in C++ (py_json.h),
  // then as AddJson. None when the dict needs json.dumps (the caller falls
  // back).
  pybind11::object AddDict(const pybind11::dict& event, const std::string& source);
  // add_event(dict) whole, for `source` a str: AddDict's fast path, then the
  // id, timestamp text and source set in `event` (in that order, as the
  // package sets them), all in one call. Returns the id, or None, with
  // nothing added and `event` unchanged, where the fast path declines (the
  // caller takes AddDict's way).
  pybind11::object AddDictInPlace(const pybind11::dict& event, const pybind11::str& source);
  void SetSecrets(const pybind11::dict& secrets, bool replace);
  // The stream's secret patterns (core/secret_patterns.h): built-in name ->
  // on, user pattern name -> regex (empty removes, when merging), the
  // placeholder ("" keeps it). replace: SetSecretPatterns, else Update.
  void SetSecretPatterns(const std::map<std::string, bool>& builtins,
                         const std::map<std::string, std::string>& custom,
                         const std::string& placeholder, bool replace);
  // `deliver(event)` is called on an evbus thread for every event from
  // `start_id` (unset: from now on), with what json.loads gives for the
  // event's JSON (py_loads.h). Its exceptions are logged and counted.
  void Subscribe(const std::string& subscriber_id, pybind11::object deliver,
                 const std::string& callback_id, std::optional<std::int64_t> start_id);
  void Unsubscribe(const std::string& subscriber_id, const std::string& callback_id);
  // Matching events' JSON: one str holding a JSON array (as_array) or a
  // list of (id, str), one per event.
  pybind11::object Search(std::int64_t start_id, std::optional<std::int64_t> end_id, bool reverse,
                          const EventFilter* filter, std::optional<std::int64_t> limit,
                          bool as_array);
  pybind11::str GetEventJson(std::int64_t id);
  pybind11::str GetLatestEventJson();
  std::int64_t GetLatestEventId();
  std::string SnapshotJson();
  void Close();
  // In a child made by fork(): the stream's threads did not come along, and
  // its producer slots, subscriber slots and metrics file are the parent's.
  // Forgets the stream without closing it (its memory is left to the child's
  // exit); every later call raises RuntimeError saying to open it again.
  void ForgetAfterFork();

  const std::string& session_id() const { return session_id_; }
  const std::string& user_id() const { return user_id_; }
  // This process's metrics file of the stream (removed by close).
  const std::string& metrics_path() const { return metrics_path_; }

 private:
  pybind11::tuple AddText(std::string_view text, const std::string& source);
  pybind11::tuple AddEvent(Event* event, const std::string& source);
  // The C++ add of a filled Event (GIL released); *timestamp its text.
  std::int64_t Publish(Event* event, Source source, std::string* timestamp);
  EventStream& stream();  // RuntimeError after the handle was released

  std::string session_id_;
  std::string user_id_;
  std::string metrics_path_;
  bool forgotten_after_fork_ = false;
  std::unique_ptr<EventStream> stream_;
};

}  // namespace evbus::python

#endif  // EVBUS_PYTHON_SRC_PY_STREAM_H_
