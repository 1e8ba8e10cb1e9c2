// The Python value of JSON text, built straight from its bytes: what
// json.loads(text.decode()) gives, without the str of the whole text and
// with the keys of earlier events reused. A Python callback gets each
// event's dict from it (docs/python.md, "Threads and the GIL").
//
// It builds only what it is sure json.loads would build the same: objects
// (duplicate keys: the last value, at the first key's place, as json.loads),
// arrays, strings (UTF-8 checked as bytes.decode() checks it; escapes as
// json.loads reads them, surrogate pairs joined, a lone \uD800 kept),
// integers (any size), floats (float()'s reading of the text), true, false
// and null, with whitespace between. For anything else (NaN, Infinity, a
// control character in a string, bad UTF-8, more than kMaxLoadsDepth levels,
// any syntax error) it answers null and the caller runs json.loads, so its
// result and every error stay json.loads's own.
//
// Thread safety: the GIL must be held. The key cache is per thread.
#ifndef EVBUS_PYTHON_SRC_PY_LOADS_H_
#define EVBUS_PYTHON_SRC_PY_LOADS_H_

#include <Python.h>

#include <string_view>

namespace evbus::python {

// Deeper than this, json.loads decides (its own limit is the recursion limit).
inline constexpr int kMaxLoadsDepth = 200;

// A new reference to the value of `text`, or nullptr (no Python error set)
// where json.loads must read it.
PyObject* LoadsJson(std::string_view text);

// A new str of ASCII `text`, copied without a UTF-8 decode; nullptr with
// MemoryError set.
PyObject* NewAsciiStr(std::string_view text);

}  // namespace evbus::python

#endif  // EVBUS_PYTHON_SRC_PY_LOADS_H_
