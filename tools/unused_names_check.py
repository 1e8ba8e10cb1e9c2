#!/usr/bin/env python3
"""Lists constants, enum values and functions that nothing uses.

For every kName constant, enumerator and function defined in the folders
given (default: every source folder), counts its uses in the whole tree (every
.h/.cc under the source folders, comments and string literals removed). A use
is any mention that is not the name's own declaration or definition: a call,
`obj.name(`, `&name`, a name passed as a callback, a test's check. A name with
no use is listed, with the file and line that declare it.

It matches names, not scopes: two things of the same name count each other's
uses, so it can miss an unused name (never the reverse, except for functions
that a library calls by convention, listed in CALLED_BY_CONVENTION).

Usage (from the repository root):
  tools/unused_names_check.py [--fail] [PATH ...]
  tools/unused_names_check.py --self-test
Without --fail it always exits 0 (a report, not yet a gate).
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from function_length_check import SOURCE_FOLDERS, blank_code, functions, sources  # noqa: E402

# Called by a library through its interface, never by name in our code:
# GoogleTest fixtures, rapidjson's SAX handler and stream concepts, entry points.
CALLED_BY_CONVENTION = {
    "SetUp", "TearDown", "SetUpTestSuite", "TearDownTestSuite", "PrintTo", "main",
    "LLVMFuzzerTestOneInput",
    "LLVMFuzzerInitialize", "Null", "Bool", "Int", "Uint", "Int64", "Uint64", "Double",
    "RawNumber", "String", "StartObject", "Key", "EndObject", "StartArray", "EndArray", "Put",
    "Flush", "Peek", "Take", "Tell", "PutBegin", "PutEnd",
}
CONSTANT = re.compile(r"\b(?:constexpr|const)\b[^;(){}=]*?\b(k[A-Z]\w*)\s*(?:=|\{|\[)")
ENUM_BODY = re.compile(r"\benum\b[^;{]*\{([^{}]*)\}")
ENUMERATOR = re.compile(r"(?:^|,)\s*(k[A-Z]\w*)\b")
IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
IDENTIFIER_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"
NOT_TYPES = {"return", "co_return", "throw", "case", "else", "do", "new", "delete", "not", "and",
             "or", "sizeof", "typeid"}


def declared_names(code):
    """{name: [(kind, offset)]} of the constants, enumerators and functions in `code`."""
    names = {}
    for m in CONSTANT.finditer(code):
        names.setdefault(m.group(1), []).append(("constant", m.start(1)))
    for body in ENUM_BODY.finditer(code):
        for m in ENUMERATOR.finditer(body.group(1)):
            names.setdefault(m.group(1), []).append(("enum value", body.start(1) + m.start(1)))
    return names


def opens_a_body(code, start):
    """True when the parameter list after the name at `start` is followed by a body."""
    paren = code.find("(", start)
    if paren < 0 or code[start:paren].strip(" \t\n\r" + IDENTIFIER_CHARS):
        return False
    depth = 0
    for k in range(paren, len(code)):
        depth += {"(": 1, ")": -1}.get(code[k], 0)
        if depth == 0:
            return bool(re.match(r"\s*(?:\{|:(?!:)|const\b|noexcept\b|override\b|final\b)",
                                 code[k + 1:k + 200]))
    return False


def is_declaration(code, start):
    """True when the mention of a function name at `start` declares or defines it:
    a return type, `T&`, `T*` or `Class::` before it on its line, or nothing before
    it and a body after its parameter list."""
    line_start = code.rfind("\n", 0, start) + 1
    before = code[line_start:start]
    if before.rstrip().endswith("::"):  # Class::Name: look at what comes before Class::
        before = re.sub(r"(?:\b\w+(?:<[^<>]*>)?::)+\s*$", "", before)
    before = before.rstrip()
    if not before:
        return opens_a_body(code, start)
    if before.endswith(("->", ".")) or before.split()[-1] in NOT_TYPES:
        return False
    last, prev = before[-1], before[-2:-1]
    if last.isalnum() or last == "_":
        return True  # a return type
    if last == ">":
        return prev not in (" ", "-", "")  # std::vector<T> Name(, not `a > Name(`
    if last in "&*":
        return prev.isalnum() or prev in ("_", ">")  # T& Name(, not `a && Name(`
    return False


def mentions(code, name):
    return [m.start() for m in re.finditer(r"(?<!\w)" + re.escape(name) + r"\b", code)]


def unused(paths, tree):
    """(path, line, kind, name) of everything declared under `paths` that nothing uses."""
    codes = {path: blank_code(open(path, encoding="utf-8", errors="replace").read())
             for path in sources(tree)}
    classes = {m.group(1) for code in codes.values()
               for m in re.finditer(r"\b(?:class|struct)\s+(\w+)", code)}
    counts = {}
    for code in codes.values():
        for m in IDENTIFIER.finditer(code):
            counts[m.group()] = counts.get(m.group(), 0) + 1
    found = []
    for path in sources(paths):
        code = codes.get(path) or blank_code(open(path, encoding="utf-8", errors="replace").read())
        for name, sites in declared_names(code).items():
            if counts.get(name, 0) <= len(sites):
                for kind, offset in sites:
                    found.append((path, code.count("\n", 0, offset) + 1, kind, name))
        for qualified, first, _ in functions(open(path, encoding="utf-8", errors="replace").read()):
            name = re.split(r"::|\s", qualified)[-1] if "(" not in qualified else ""
            if not name or name in CALLED_BY_CONVENTION or name.startswith("~") or \
                    name.startswith("operator") or qualified.endswith("(lambda)"):
                continue
            if name in classes:
                continue  # a constructor
            if any(not is_declaration(code_, at) for code_ in codes.values()
                   if name in code_ for at in mentions(code_, name)):
                continue
            found.append((path, first, "function", qualified))
    return sorted(set(found))


def self_test():
    import tempfile
    files = {
        "core/a.h": ("enum class Mode { kUsed, kUnused };\n"
                     "constexpr int kLimit = 3;\nconstexpr int kSpare = 4;\n"
                     "class A {\n public:\n  int Used() const { return kLimit; }\n"
                     "  int Unused() const { return 0; }\n  int Declared() const;\n"
                     "  explicit A(int x) : x_(x) {}\n\n private:\n  int x_;\n};\n"),
        "core/a.cc": ('#include "core/a.h"\nint A::Declared() const {\n  return x_;\n}\n'
                      "// Unused() in a comment is no use\n"),
        "tests/a_test.cc": ("int Check(A a) {\n  return a.Used() + a.Declared() +\n"
                            "         static_cast<int>(Mode::kUsed);\n}\n"
                            "int main() { return Check(A(1)); }\n"),
    }
    with tempfile.TemporaryDirectory() as root:
        for path, text in files.items():
            os.makedirs(os.path.join(root, os.path.dirname(path)), exist_ok=True)
            with open(os.path.join(root, path), "w") as f:
                f.write(text)
        cwd = os.getcwd()
        os.chdir(root)
        try:
            got = [(p, kind, name) for p, _, kind, name in unused(["core"], ["core", "tests"])]
        finally:
            os.chdir(cwd)
    want = [("core/a.h", "constant", "kSpare"), ("core/a.h", "enum value", "kUnused"),
            ("core/a.h", "function", "Unused")]
    ok = sorted(got) == sorted(want)
    print("unused_names_check self-test:", "passed" if ok else f"FAILED: got {got}, want {want}")
    return 0 if ok else 1


def main(argv):
    if argv == ["--self-test"]:
        return self_test()
    fail = "--fail" in argv
    paths = [a for a in argv if a != "--fail"]
    tree = [p for p in SOURCE_FOLDERS if os.path.isdir(p)]
    if not tree:
        print("unused_names_check: no source folders here; run it from the repository root")
        return 1
    rows = unused(paths or tree, tree)
    for path, line, kind, name in rows:
        print(f"{path}:{line}: {kind} {name} is used nowhere; remove it (or use it)")
    print(f"unused_names_check: {len(rows)} unused names")
    return 1 if fail and rows else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
