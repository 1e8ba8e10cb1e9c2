// EventStream(sid, root, user_id=None, **options): the keyword options, read
// into EventStreamOptions (stream/stream_options.h). docs/python.md lists them.
//
//   capacity, max_event_size, index_slots        int (bytes, bytes, events)
//   wait_strategy        "blocking" | "spin_yield" | "busy_spin"
//   callback_queue_size, page_cache_pages        int
//   full_queue_policy    "catch_up" | "drop"
//   callback_dispatch    "auto" | "shared" | "direct"
//   backpressure_timeout, close_timeout, history_wait   seconds (float)
//   create_if_missing    bool
//
// An unknown name or a value of the wrong type raises TypeError, a value out
// of range ValueError; both say what is accepted.
//
// Thread safety: call with the GIL held.
#ifndef EVBUS_PYTHON_SRC_PY_OPTIONS_H_
#define EVBUS_PYTHON_SRC_PY_OPTIONS_H_

#include <pybind11/pybind11.h>

#include <string>

#include "stream/stream_options.h"

namespace evbus::python {

EventStreamOptions OptionsFromKwargs(const std::string& root, const std::string& user_id,
                                     const pybind11::dict& options);

}  // namespace evbus::python

#endif  // EVBUS_PYTHON_SRC_PY_OPTIONS_H_
