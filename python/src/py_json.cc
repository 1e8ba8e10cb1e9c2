#include "python/src/py_json.h"

#include <charconv>
#include <cmath>
#include <cstdint>

#include "persist/python_json.h"

namespace evbus::python {
namespace {

void AppendString(PyObject* s, std::string* out) {
  const int kind = PyUnicode_KIND(s);
  const void* data = PyUnicode_DATA(s);
  const Py_ssize_t n = PyUnicode_GET_LENGTH(s);
  out->push_back('"');
  if (kind == PyUnicode_1BYTE_KIND) {
    const auto* chars = static_cast<const Py_UCS1*>(data);
    Py_ssize_t run = 0;  // plain ASCII copied in runs
    for (Py_ssize_t i = 0; i < n; ++i) {
      const Py_UCS1 c = chars[i];
      if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') continue;
      out->append(reinterpret_cast<const char*>(chars) + run, static_cast<std::size_t>(i - run));
      persist::AppendPythonJsonCodePoint(c, out);
      run = i + 1;
    }
    out->append(reinterpret_cast<const char*>(chars) + run, static_cast<std::size_t>(n - run));
  } else {
    for (Py_ssize_t i = 0; i < n; ++i)
      persist::AppendPythonJsonCodePoint(PyUnicode_READ(kind, data, i), out);
  }
  out->push_back('"');
}

// An int beyond 64 bits: its decimal digits, as int.__repr__ (json.dumps).
bool AppendBigInt(PyObject* value, std::string* out) {
  PyObject* digits = PyObject_Str(value);
  if (digits == nullptr) {
    PyErr_Clear();
    return false;
  }
  Py_ssize_t size = 0;
  const char* text = PyUnicode_AsUTF8AndSize(digits, &size);
  const bool ok = text != nullptr;
  if (ok) out->append(text, static_cast<std::size_t>(size));
  Py_DECREF(digits);
  if (!ok) PyErr_Clear();
  return ok;
}

bool AppendInt(PyObject* value, std::string* out) {
  int overflow = 0;
  const long long v = PyLong_AsLongLongAndOverflow(value, &overflow);
  if (v == -1 && PyErr_Occurred()) {
    PyErr_Clear();
    return false;
  }
  if (overflow != 0) return AppendBigInt(value, out);
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof(buf), v).ptr;
  out->append(buf, static_cast<std::size_t>(end - buf));
  return true;
}

bool AppendFloat(PyObject* value, std::string* out) {
  const double v = PyFloat_AS_DOUBLE(value);
  if (!std::isfinite(v)) return false;  // NaN/Infinity: json.dumps decides
  // float.__repr__, which json.dumps uses: shortest round-trip text.
  char* text = PyOS_double_to_string(v, 'r', 0, Py_DTSF_ADD_DOT_0, nullptr);
  if (text == nullptr) {
    PyErr_Clear();
    return false;
  }
  out->append(text);
  PyMem_Free(text);
  return true;
}

bool AppendValue(PyObject* value, int depth, std::string* out);

bool AppendDict(PyObject* dict, int depth, std::string* out) {
  out->push_back('{');
  Py_ssize_t pos = 0;
  PyObject* key = nullptr;
  PyObject* item = nullptr;
  bool first = true;
  while (PyDict_Next(dict, &pos, &key, &item)) {
    if (!PyUnicode_CheckExact(key) || PyUnicode_READY(key) != 0) return false;
    if (!first) out->push_back(',');
    first = false;
    AppendString(key, out);
    out->push_back(':');
    if (!AppendValue(item, depth + 1, out)) return false;
  }
  out->push_back('}');
  return true;
}

bool AppendSequence(PyObject* seq, int depth, std::string* out) {
  const Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  PyObject** items = PySequence_Fast_ITEMS(seq);
  out->push_back('[');
  for (Py_ssize_t i = 0; i < n; ++i) {
    if (i > 0) out->push_back(',');
    if (!AppendValue(items[i], depth + 1, out)) return false;
  }
  out->push_back(']');
  return true;
}

bool AppendValue(PyObject* value, int depth, std::string* out) {
  if (depth > kMaxPyJsonDepth) return false;
  if (PyUnicode_CheckExact(value)) {
    if (PyUnicode_READY(value) != 0) {
      PyErr_Clear();
      return false;
    }
    AppendString(value, out);
    return true;
  }
  if (value == Py_None) {
    out->append("null");
    return true;
  }
  if (value == Py_True || value == Py_False) {
    out->append(value == Py_True ? "true" : "false");
    return true;
  }
  if (PyLong_CheckExact(value)) return AppendInt(value, out);
  if (PyFloat_CheckExact(value)) return AppendFloat(value, out);
  if (PyDict_CheckExact(value)) return AppendDict(value, depth, out);
  if (PyList_CheckExact(value) || PyTuple_CheckExact(value)) {
    return AppendSequence(value, depth, out);
  }
  return false;
}

}  // namespace

bool AppendPyJson(PyObject* value, std::string* out) { return AppendValue(value, 0, out); }

}  // namespace evbus::python
