#!/usr/bin/env python3
"""Keeps the installed headers to the public API (docs/install.md).

  public_headers_check.py [REPO_ROOT]
  public_headers_check.py --self-test

cmake/public_headers.txt lists the installed headers; its first entry is the
API's entry point (stream/event_stream.h). Fails (exit 1, saying what to do)
when:
  - the include closure of the entry point is not exactly the list (a public
    header now includes an internal one, or the list names a header nothing
    public includes);
  - a listed header includes a third-party header (<rapidjson/...>,
    <concurrentqueue/...>, <boost/...>, ...): only the C++ standard library
    is allowed, so a user needs nothing but evbus;
  - docs/install.md's list (between <!-- public-headers --> and
    <!-- /public-headers -->) is not the same list.
"""
import os
import re
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
DOC_BLOCK = re.compile(r"<!-- public-headers -->(.*?)<!-- /public-headers -->", re.S)
DOC_PATH = re.compile(r"`((?:[a-z_]+/)+[a-z_]+\.h)`")


def read_list(root):
    with open(os.path.join(root, "cmake", "public_headers.txt")) as f:
        return [l.strip() for l in f if l.strip() and not l.startswith("#")]


def closure(root, entry, problems):
    """Repository headers reachable from `entry` by quoted includes."""
    seen, todo = set(), [entry]
    while todo:
        header = todo.pop()
        if header in seen:
            continue
        seen.add(header)
        path = os.path.join(root, header)
        if not os.path.isfile(path):
            problems.append("%s is included but is not in the repository" % header)
            continue
        with open(path) as f:
            text = f.read()
        for kind, name in INCLUDE.findall(text):
            if kind == '"':
                todo.append(name)
            elif "/" in name or "." in name:
                problems.append("%s includes <%s>: a public header may include only the C++ "
                                "standard library; move that use into a .cc file" % (header, name))
    return seen


def check(root):
    problems = []
    listed = read_list(root)
    if not listed:
        return ["cmake/public_headers.txt lists no header"]
    reached = closure(root, listed[0], problems)
    for header in sorted(reached - set(listed)):
        problems.append("%s is included by the public headers but is not public: keep it out of "
                        "them (forward-declare, or move the use behind EventStream::Impl), or "
                        "add it to cmake/public_headers.txt and docs/install.md" % header)
    for header in sorted(set(listed) - reached):
        problems.append("%s is listed in cmake/public_headers.txt but no public header includes "
                        "it: remove it from the list and from docs/install.md" % header)
    doc = os.path.join(root, "docs", "install.md")
    block = None
    if os.path.isfile(doc):
        with open(doc) as f:
            block = DOC_BLOCK.search(f.read())
    documented = set(DOC_PATH.findall(block.group(1))) if block else set()
    if documented != set(listed):
        problems.append("docs/install.md's public header list differs from cmake/public_headers."
                        "txt: only in the doc %s, only in the list %s" %
                        (sorted(documented - set(listed)), sorted(set(listed) - documented)))
    return problems


def write(root, path, text):
    os.makedirs(os.path.dirname(os.path.join(root, path)), exist_ok=True)
    with open(os.path.join(root, path), "w") as f:
        f.write(text)


def self_test():
    """A tree that passes, then each kind of leak, which must be caught."""
    with tempfile.TemporaryDirectory() as root:
        write(root, "cmake/public_headers.txt", "# c\nstream/api.h\nbase/status.h\n")
        write(root, "docs/install.md",
              "<!-- public-headers -->\n`stream/api.h`, `base/status.h`\n<!-- /public-headers -->\n")
        write(root, "stream/api.h", '#include <string>\n#include "base/status.h"\n')
        write(root, "base/status.h", "#include <optional>\n")
        write(root, "stream/internal.h", "")
        failures = []
        if check(root):
            failures.append("a clean tree failed: %s" % check(root))
        write(root, "stream/api.h", '#include "base/status.h"\n#include "stream/internal.h"\n')
        if not any("stream/internal.h is included" in p for p in check(root)):
            failures.append("an internal header in the closure was not caught")
        write(root, "stream/api.h", '#include "base/status.h"\n#include <rapidjson/document.h>\n')
        if not any("<rapidjson/document.h>" in p for p in check(root)):
            failures.append("a third-party include was not caught")
        write(root, "stream/api.h", '#include "base/status.h"\n')
        write(root, "docs/install.md", "<!-- public-headers -->\n`stream/api.h`\n"
              "<!-- /public-headers -->\n")
        if not any("docs/install.md" in p for p in check(root)):
            failures.append("a doc list that differs was not caught")
    for f in failures:
        print("self-test: " + f, file=sys.stderr)
    return 1 if failures else 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    root = sys.argv[1] if len(sys.argv) > 1 else os.getcwd()
    problems = check(root)
    for p in problems:
        print("public headers: " + p, file=sys.stderr)
    if not problems:
        print("public headers: %d, the closure of %s" % (len(read_list(root)), read_list(root)[0]))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
