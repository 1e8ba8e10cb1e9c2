#!/usr/bin/env python3
"""Checks that the layers run one way (docs/architecture.md, "Layers").

Every folder is a layer. A file may include headers of its own folder and of
the layers below it, never of a layer above it or beside it; and no chain of
includes between our files may come back to where it started. Run from the
repository root (or give it as the only argument); exits 1 and prints one line
per violation, naming the file, the line and what to do.
"""

import os
import re
import sys

# Bottom up. Folders of the same rank may not include each other. fuzz/ sits
# above tests/ so that a fuzz target can use a test's reference implementation.
LAYERS = {
    "base": 0,
    "core": 1,
    "shm": 2,
    "persist": 3,
    "stream": 4,
    "bridge": 5,
    "tools": 6,
    "bench": 6,
    "python": 6,
    "tests": 7,
    "fuzz": 8,
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
SOURCE_SUFFIXES = (".h", ".cc")


def sources(root):
    for top in LAYERS:
        for dirpath, _, names in os.walk(os.path.join(root, top)):
            for name in sorted(names):
                if name.endswith(SOURCE_SUFFIXES):
                    yield os.path.relpath(os.path.join(dirpath, name), root)


def includes(root, path):
    with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if m:
                yield number, m.group(1)


def layer_errors(root, graph):
    errors = []
    for path, edges in sorted(graph.items()):
        own = path.split("/")[0]
        for number, target in edges:
            top = target.split("/")[0]
            if top not in LAYERS or top == own:
                continue
            if LAYERS[top] >= LAYERS[own]:
                errors.append(
                    f"{path}:{number}: includes {target}, but {top}/ is not below {own}/ "
                    f"(layers bottom up: base, core, shm, persist, stream, bridge, then tools/bench/python, "
                    f"then tests, then fuzz); move the shared code down a layer")
    return errors


def cycle_errors(graph):
    edges = {p: [t for _, t in e if t in graph] for p, e in graph.items()}
    state, stack, errors = {}, [], []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in edges[node]:
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                errors.append("include cycle: " + " -> ".join(cycle) +
                              "; break it by moving the shared declarations into their own header")
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    return errors


def self_test():
    """Builds a small tree with one upward include and one cycle; both must be found."""
    import tempfile
    with tempfile.TemporaryDirectory() as root:
        files = {
            "core/event.h": '#include "stream/event_stream.h"\n',
            "stream/event_stream.h": '#include "core/filter.h"\n',
            "core/filter.h": '#include "core/match.h"\n',
            "core/match.h": '#include "core/filter.h"\n',
            "shm/ring.h": '#include "core/event.h"\n#include "base/status.h"\n',
            "base/status.h": "",
        }
        for path, text in files.items():
            os.makedirs(os.path.join(root, os.path.dirname(path)), exist_ok=True)
            with open(os.path.join(root, path), "w") as f:
                f.write(text)
        graph = {path: list(includes(root, path)) for path in sources(root)}
        layers, cycles = layer_errors(root, graph), cycle_errors(graph)
    ok = (len(layers) == 1 and layers[0].startswith("core/event.h:1: includes stream/")
          and len(cycles) == 1 and "core/filter.h -> core/match.h -> core/filter.h" in cycles[0])
    print("layer_check self-test:", "passed" if ok else f"FAILED: {layers} {cycles}")
    return 0 if ok else 1


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    graph = {path: list(includes(root, path)) for path in sources(root)}
    if not graph:
        print(f"layer_check: no sources under {os.path.abspath(root)}; run it from the repository root")
        return 1
    errors = layer_errors(root, graph) + cycle_errors(graph)
    for e in errors:
        print(e)
    print(f"layer_check: {len(graph)} files, {len(errors)} violations")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
