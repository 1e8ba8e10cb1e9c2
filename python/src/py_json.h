// The JSON text of an event dict, written straight from the Python objects:
// byte for byte what json.dumps(value, separators=(',', ':')) gives (ASCII
// only: other characters as \uXXXX escapes, lowercase hex, surrogate pairs),
// without building Python strings on the way. add_event(dict) uses it
// instead of json.dumps (docs/python.md, "add_event with a dict").
//
// It writes only what it can write exactly as json.dumps does: dict with str
// keys, list, tuple, str, int, float (finite), bool and None, of those exact
// types, nested at most kMaxPyJsonDepth deep. For anything else it answers
// false and the caller falls back to json.dumps, so subclasses, other key
// types, NaN and the errors json.dumps raises behave exactly as before.
//
// Thread safety: the GIL must be held.
#ifndef EVBUS_PYTHON_SRC_PY_JSON_H_
#define EVBUS_PYTHON_SRC_PY_JSON_H_

#include <Python.h>

#include <string>

namespace evbus::python {

inline constexpr int kMaxPyJsonDepth = 64;

// Appends the JSON of `value` to *out; false (with *out in an unspecified
// state and no Python error set) when json.dumps must do it.
bool AppendPyJson(PyObject* value, std::string* out);

}  // namespace evbus::python

#endif  // EVBUS_PYTHON_SRC_PY_JSON_H_
