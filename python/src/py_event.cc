#include "python/src/py_event.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

#include "core/event_member.h"
#include "core/json_append.h"
#include "core/json_text_writer.h"
#include "core/timestamp.h"
#include "python/src/py_json.h"

namespace evbus::python {
namespace {

using Member = EventMember;

// The UTF-8 of a str (what ParseEvent decodes from json.dumps's text of it);
// false for a str with surrogates, which has none.
bool Utf8OfAnyStr(PyObject* value, std::string_view* out) {
  if (PyUnicode_IS_COMPACT_ASCII(value)) {  // most keys and values: no call
    *out = std::string_view(static_cast<const char*>(PyUnicode_DATA(value)),
                            static_cast<std::size_t>(PyUnicode_GET_LENGTH(value)));
    return true;
  }
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(value, &size);
  if (data == nullptr) {
    PyErr_Clear();
    return false;
  }
  *out = std::string_view(data, static_cast<std::size_t>(size));
  return true;
}

// The same for an exact str only.
bool Utf8Of(PyObject* value, std::string_view* out) {
  return PyUnicode_CheckExact(value) && Utf8OfAnyStr(value, out);
}

// An exact int (never a bool) within int64: ParseEvent reads json.dumps's
// text of it as that integer.
bool Int64Of(PyObject* value, std::int64_t* out) {
  if (!PyLong_CheckExact(value)) return false;
  int overflow = 0;
  const long long v = PyLong_AsLongLongAndOverflow(value, &overflow);
  if (overflow != 0) return false;
  if (v == -1 && PyErr_Occurred()) {
    PyErr_Clear();
    return false;
  }
  *out = v;
  return true;
}

// Writes nested values as ParseEvent's capture writes them (the compact JSON
// of JsonTextWriter, core/json_text_writer.h: strings by AppendJsonQuoted,
// integers in decimal, floats by FormatPythonFloat, no whitespace), appending
// straight to the target string.
class NestedWriter {
 public:
  // *out = the JSON of `value`, a member of the event (depth 1). With
  // `hidden`, `value` must be a dict and its own "hidden" key (a bool or
  // None) is stored there, as ParseEvent reads args.hidden/extras.hidden.
  bool Capture(PyObject* value, std::string* out, bool* hidden) {
    // Written into this thread's buffer, whose capacity stays from event to
    // event, then copied once: no regrowth of *out on the way.
    thread_local std::string buffer;
    buffer.clear();
    out_ = &buffer;
    bool ok = false;
    if (hidden != nullptr) {
      *hidden = false;
      ok = PyDict_CheckExact(value) && WriteDict(value, 1, hidden);
    } else {
      ok = Write(value, 1);
    }
    if (ok) out->assign(buffer);
    return ok;
  }

 private:
  bool Write(PyObject* value, int depth) {
    if (depth > kMaxPyJsonDepth) return false;  // where py_json.h gives up too
    std::string_view text;
    if (PyUnicode_CheckExact(value)) {
      if (!Utf8OfAnyStr(value, &text)) return false;
      AppendJsonQuoted(text, out_);
      return true;
    }
    if (value == Py_None) {
      out_->append("null", 4);
      return true;
    }
    if (value == Py_True || value == Py_False) {
      if (value == Py_True) {
        out_->append("true", 4);
      } else {
        out_->append("false", 5);
      }
      return true;
    }
    if (PyLong_CheckExact(value)) {
      std::int64_t integer = 0;
      if (!Int64Of(value, &integer)) return false;
      AppendJsonInt(integer, out_);
      return true;
    }
    if (PyFloat_CheckExact(value)) return WriteFloat(PyFloat_AS_DOUBLE(value));
    if (PyDict_CheckExact(value)) return WriteDict(value, depth, nullptr);
    if (PyList_CheckExact(value) || PyTuple_CheckExact(value)) return WriteSequence(value, depth);
    return false;
  }

  bool WriteFloat(double d) {
    if (!std::isfinite(d)) return false;
    char buf[kPythonFloatMaxChars];
    out_->append(buf, FormatPythonFloat(d, buf));
    return true;
  }

  bool WriteDict(PyObject* dict, int depth, bool* hidden) {
    out_->push_back('{');
    Py_ssize_t pos = 0;
    PyObject* key = nullptr;
    PyObject* item = nullptr;
    std::string_view name;
    bool first = true;
    while (PyDict_Next(dict, &pos, &key, &item)) {
      if (!Utf8Of(key, &name)) return false;
      if (!first) out_->push_back(',');
      first = false;
      AppendJsonQuoted(name, out_);
      out_->push_back(':');
      if (hidden != nullptr && name == "hidden") {
        if (item != Py_True && item != Py_False && item != Py_None) return false;  // an error there
        *hidden = item == Py_True;
      }
      if (!Write(item, depth + 1)) return false;
    }
    out_->push_back('}');
    return true;
  }

  bool WriteSequence(PyObject* seq, int depth) {
    const Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject** items = PySequence_Fast_ITEMS(seq);
    out_->push_back('[');
    for (Py_ssize_t i = 0; i < n; ++i) {
      if (i > 0) out_->push_back(',');
      if (!Write(items[i], depth + 1)) return false;
    }
    out_->push_back(']');
    return true;
  }

  std::string* out_ = nullptr;
};

// Members whose meaning depends on the kind, set aside until it is known.
struct KindMembers {
  PyObject* action = nullptr;
  PyObject* observation = nullptr;
  PyObject* args = nullptr;
  PyObject* timeout = nullptr;  // None counts as absent, as in ParseEvent
  PyObject* content = nullptr;
  PyObject* extras = nullptr;
  PyObject* success = nullptr;  // None counts as absent
};

// The members that need no kind. False: the slow path decides.
bool FillMember(Member member, PyObject* value, NestedWriter& nested, Event* event) {
  std::string_view text;
  std::int64_t integer = 0;
  switch (member) {
    case Member::kId:
      return value == Py_None;  // an id is AddEvent's error: the slow path raises it
    case Member::kTimestamp: {
      if (value == Py_None) return true;
      if (!Utf8Of(value, &text)) return false;
      Result<std::int64_t> ns = ParseTimestamp(text);
      if (!ns.ok()) return false;
      event->timestamp_ns = *ns;
      return true;
    }
    case Member::kSource: {
      if (value == Py_None) return true;
      if (!Utf8Of(value, &text)) return false;
      Result<Source> source = ParseSource(text);
      if (!source.ok()) return false;
      event->source = *source;
      return true;
    }
    case Member::kMessage:
      if (!Utf8Of(value, &text)) return false;
      event->message.assign(text);
      return true;
    case Member::kCause:
      if (value == Py_None) return true;
      if (!Int64Of(value, &integer)) return false;
      event->cause = integer;
      return true;
    case Member::kToolCallMetadata:
    case Member::kLlmMetrics: {
      std::string& json =
          member == Member::kLlmMetrics ? event->llm_metrics_json : event->tool_call_metadata_json;
      if (value == Py_None) return true;
      return PyDict_CheckExact(value) && nested.Capture(value, &json, nullptr);
    }
    default:
      return false;  // the kind's members and unknown keys are the caller's
  }
}

// args/timeout for an action, content/extras/success for an observation;
// a member of the other kind (kept as an unknown field by ParseEvent) declines.
bool FillKindMembers(const KindMembers& m, NestedWriter& nested, Event* event) {
  bool hidden = false;
  if (event->is_action()) {
    if (m.content != nullptr || m.extras != nullptr || m.success != nullptr) return false;
    if (m.args != nullptr && !nested.Capture(m.args, &event->args_json, &hidden)) return false;
    if (m.timeout != nullptr) {
      std::int64_t integer = 0;
      if (PyFloat_CheckExact(m.timeout) && std::isfinite(PyFloat_AS_DOUBLE(m.timeout))) {
        event->timeout = PyFloat_AS_DOUBLE(m.timeout);
      } else if (Int64Of(m.timeout, &integer)) {
        event->timeout = static_cast<double>(integer);
      } else {
        return false;
      }
    }
  } else {
    if (m.args != nullptr || m.timeout != nullptr) return false;
    std::string_view text;
    if (m.content != nullptr) {
      if (!Utf8Of(m.content, &text)) return false;
      event->content.assign(text);
    }
    if (m.extras != nullptr && !nested.Capture(m.extras, &event->extras_json, &hidden)) {
      return false;
    }
    if (m.success != nullptr) {
      if (m.success != Py_True && m.success != Py_False) return false;
      event->success = m.success == Py_True;
    }
  }
  event->hidden = hidden;
  return true;
}

// Sets the type from the one tag present; false for none, both or an unknown one.
bool FillType(const KindMembers& m, Event* event) {
  if ((m.action == nullptr) == (m.observation == nullptr)) return false;
  const bool is_action = m.action != nullptr;
  // A str subclass too: OpenHands' event_to_dict gives its str enums
  // (ActionType.RUN), which json.dumps writes as their str ("run").
  PyObject* value = is_action ? m.action : m.observation;
  std::string_view tag;
  if (!PyUnicode_Check(value) || !Utf8OfAnyStr(value, &tag)) return false;
  Result<EventTypeId> type =
      EventTypeFromTag(is_action ? EventKind::kAction : EventKind::kObservation, tag);
  if (!type.ok()) return false;
  event->type = *type;
  return true;
}

PyObject** KindSlot(Member member, KindMembers& m) {
  switch (member) {
    case Member::kAction:
      return &m.action;
    case Member::kObservation:
      return &m.observation;
    case Member::kArgs:
      return &m.args;
    case Member::kTimeout:
      return &m.timeout;
    case Member::kContent:
      return &m.content;
    case Member::kExtras:
      return &m.extras;
    case Member::kSuccess:
      return &m.success;
    default:
      return nullptr;
  }
}

}  // namespace

bool EventFromPyDict(PyObject* dict, Event* event) {
  if (!PyDict_CheckExact(dict)) return false;
  NestedWriter nested;
  KindMembers kind;
  Py_ssize_t pos = 0;
  PyObject* key = nullptr;
  PyObject* value = nullptr;
  std::string_view name;
  while (PyDict_Next(dict, &pos, &key, &value)) {
    if (!Utf8Of(key, &name)) return false;
    const Member member = EventMemberFromKey(name);
    if (member == Member::kUnknown) {
      auto& [unknown_key, json] = event->unknown_fields.emplace_back(std::string(name), "");
      (void)unknown_key;
      if (!nested.Capture(value, &json, nullptr)) return false;
    } else if (PyObject** slot = KindSlot(member, kind)) {
      const bool none_is_absent = member == Member::kTimeout || member == Member::kSuccess;
      if (!(none_is_absent && value == Py_None)) *slot = value;
    } else if (!FillMember(member, value, nested, event)) {
      return false;
    }
  }
  return FillType(kind, event) && FillKindMembers(kind, nested, event);
}

}  // namespace evbus::python
