// An evbus::Event filled straight from an event dict, without JSON text in
// between: add_event(dict)'s fast path (docs/python.md, "add_event with a
// dict").
//
// The slow path writes the dict's JSON (python/src/py_json.h, as json.dumps
// would) and reads every byte of it again with ParseEvent. This one gives the
// Event that path gives, field for field: top-level members are converted as
// ParseEvent's rules convert them (core/event_parse_members.cc), and the
// nested objects that Event keeps as JSON text (args, extras,
// tool_call_metadata, llm_metrics, unknown keys) are written in the bytes of
// JsonTextWriter (appended straight to the field, with AppendJsonQuoted and
// FormatPythonFloat as that writer does), which are those ParseEvent's own
// capture writes (core/event_parse_capture.h; a test holds them equal), from
// what its reader would have decoded from json.dumps's text: the UTF-8 of each str,
// int64 ints, floats as Python writes them. So the published JSON, redaction included,
// is byte for byte the slow path's.
//
// The "action"/"observation" tag may be a str subclass (OpenHands'
// event_to_dict gives its str enums there), read as json.dumps writes it: its
// str. Whatever else this path is not sure to convert exactly as the slow
// path would (types other than exact dict/list/tuple/str/int/float/bool/None, ints
// beyond 64 bits, NaN, str with surrogates, members of the other kind, both
// "action" and "observation", an "id", every case ParseEvent refuses, more
// than kMaxPyJsonDepth levels), it declines, and the caller takes the slow
// path: what is accepted, how it is written and every error stay as before.
//
// Thread safety: the GIL must be held.
#ifndef EVBUS_PYTHON_SRC_PY_EVENT_H_
#define EVBUS_PYTHON_SRC_PY_EVENT_H_

#include <Python.h>

#include "core/event.h"

namespace evbus::python {

// Fills *event (a default-constructed Event) from `dict`; false (no Python
// error set, *event unspecified) when the slow path must convert it.
bool EventFromPyDict(PyObject* dict, Event* event);

}  // namespace evbus::python

#endif  // EVBUS_PYTHON_SRC_PY_EVENT_H_
