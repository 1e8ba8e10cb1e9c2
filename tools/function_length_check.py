#!/usr/bin/env python3
"""Lists the C++ functions longer than a limit (STYLE: about 50 lines).

A function's length is the number of lines from the line of its opening brace
to the line of its closing brace, both included (what clang-tidy's
readability-function-size counts). Lambdas and local classes count towards the
function around them. The scan matches braces after removing comments, string
and character literals (raw strings included) and preprocessor lines; a brace
opens a function body when the text before it, outside any function, ends like
a parameter list (`) const noexcept {`, `) -> T {`, a constructor's member
initializer list) or a lambda assigned at namespace scope.

Usage (from the repository root):
  tools/function_length_check.py [--max N] [--fail] [PATH ...]
      PATH: files or folders (default: every source folder); --max: the limit
      (default 50); --fail: exit 1 when some function is over it.
  tools/function_length_check.py --self-test
Prints one line per function over the limit, longest first, then a summary per
folder. Without --fail it always exits 0 (a report, not yet a gate).
"""

import os
import re
import sys

SOURCE_FOLDERS = ("base", "core", "shm", "persist", "stream", "tools", "bench", "tests", "fuzz", "python")
SOURCE_SUFFIXES = (".h", ".cc")
DEFAULT_MAX = 50

RAW_STRING = re.compile(r'R"([^()\\\s]{0,16})\(')
CLASS_HEAD = re.compile(r"^(?:template\s*<.*>\s*)?(?:class|struct|union)\b", re.S)
NAMESPACE_HEAD = re.compile(r'^(?:inline\s+)?namespace\b|^extern\s*"[^"]*"$')
ENUM_HEAD = re.compile(r"^(?:typedef\s+)?enum\b")
# What may follow a parameter list before the body.
QUALIFIER = re.compile(r"\s*(?<!\w)(?:const|noexcept\s*\([^()]*\)|noexcept|override|final|mutable|"
                       r"volatile|&&|&)$")
CTOR_INIT = re.compile(r"\)\s*(?:noexcept\s*)?:(?!:)")
LAMBDA = re.compile(r"=\s*\[[^\]]*\]")
MACRO = re.compile(r"^(?:TEST\w*|BENCHMARK\w*|[A-Z][A-Z0-9]*_[A-Z0-9_]+)$")
NOT_NAMES = {"if", "for", "while", "switch", "catch", "return", "sizeof", "decltype", "alignas",
             "__attribute__", "noexcept"}


def blank_code(text):
    """The text with comments, literals and preprocessor lines blanked, newlines kept."""
    out = []
    i, n = 0, len(text)
    line_start = True
    while i < n:
        c = text[i]
        if line_start and c in " \t":
            out.append(c)
            i += 1
            continue
        if line_start and c == "#":  # a directive, with its continuation lines
            j = i
            while j < n and text[j] != "\n":
                j = j + 2 if text.startswith("\\\n", j) else j + 1
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
            continue
        line_start = False
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "R" and RAW_STRING.match(text, i) and (i == 0 or not text[i - 1].isalnum()):
            m = RAW_STRING.match(text, i)
            end = text.find(")" + m.group(1) + '"', m.end())
            end = n if end < 0 else end + len(m.group(1)) + 2
            out.append('""' + re.sub(r"[^\n]", " ", text[i + 2:end]))
            i = end
        elif c in "\"'" and not (c == "'" and i > 0 and text[i - 1].isalnum()):  # 1'000 is a number
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (min(j, n) - i - 1) + (c if j < n else ""))
            i = j + 1
        else:
            if c == "\n":
                line_start = True
            out.append(c)
            i += 1
    return "".join(out)


def cut_trailing_return(head):
    """`f(x) -> T` without ` -> T` (the arrow outside any parentheses)."""
    depth = 0
    for k, c in enumerate(head):
        depth += {"(": 1, ")": -1}.get(c, 0)
        if depth == 0 and head.startswith("->", k):
            return head[:k].rstrip()
    return head


def function_name(head):
    """The name before the parameter list of a function header, or None when it has none."""
    m = CTOR_INIT.search(head)
    if m:
        head = head[:m.start() + 1]
    if LAMBDA.search(head):  # a lambda at namespace scope: named by its variable
        return head[:LAMBDA.search(head).start()].split()[-1] + " (lambda)"
    head = cut_trailing_return(head)
    while QUALIFIER.search(head):
        head = QUALIFIER.sub("", head)
    if not head.endswith(")"):
        return None
    depth = 0
    for k in range(len(head) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(head[k], 0)
        if depth == 0:
            break
    else:
        return None
    m = re.search(r"([\w:~]*\w(?:\s*<[^<>]*>)?|operator\s*\S+)$", head[:k].rstrip())
    if not m or m.group(1) in NOT_NAMES:
        return None
    name = m.group(1)
    if MACRO.match(name):  # TEST(Suite, Name), TEST_F(...)
        name += "(" + " ".join(head[k + 1:-1].split()) + ")"
    return name


def classify(header):
    """What a brace outside any function opens: a function, a scope or data."""
    head = header.strip()
    if head.count("(") > head.count(")"):
        return "initializer"  # `= {}` in a default argument: the header goes on
    if NAMESPACE_HEAD.match(head) or (CLASS_HEAD.match(head) and not head.endswith(")")):
        return "scope"
    if ENUM_HEAD.match(head) or not head or re.search(r"(?:=|return|,|\()$", head):
        return "data"
    name = function_name(head)
    init = CTOR_INIT.search(head)
    if init and not head.endswith((")", "}")):
        return "initializer"  # `a_{x}` inside a member initializer list
    return ("function", name) if name else "data"


def functions(text):
    """(name, first line, last line) of every function body in C++ `text`."""
    code = blank_code(text)
    found = []
    stack = []  # per open brace: "scope", "data", "initializer", "block" or (name, line)
    header_start = 0
    line = 1
    in_function = 0
    for i, c in enumerate(code):
        if c == "\n":
            line += 1
        elif c == "{":
            kind = "block" if in_function else classify(code[header_start:i])
            if isinstance(kind, tuple):
                kind = (kind[1], line)
                in_function += 1
            stack.append(kind)
            if kind != "initializer":
                header_start = i + 1
        elif c == "}":
            kind = stack.pop() if stack else "scope"
            if isinstance(kind, tuple):
                in_function -= 1
                found.append((kind[0], kind[1], line))
            if kind != "initializer":  # after `a_{x}` or `= {}` the header goes on
                header_start = i + 1
        elif in_function == 0 and (c == ";" or (c == ":" and re.search(
                r"\b(?:public|private|protected)\s*$", code[header_start:i]))):
            header_start = i + 1
    return found


def sources(paths):
    for path in paths:
        if os.path.isfile(path):
            yield path
            continue
        for dirpath, dirnames, names in os.walk(path):
            dirnames.sort()
            for name in sorted(names):
                if name.endswith(SOURCE_SUFFIXES):
                    yield os.path.join(dirpath, name)


def long_functions(paths, limit):
    """(length, path, line, name) of every function over `limit` lines."""
    rows = []
    for path in sources(paths):
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        for name, first, last in functions(text):
            length = last - first + 1
            if length > limit:
                rows.append((length, os.path.normpath(path), first, name))
    rows.sort(key=lambda r: (-r[0], r[1], r[2]))
    return rows


def self_test():
    sample = '''
#include <string>
namespace x {
struct S {
  int a_{1};
  S() : a_{2}, b_("{") {
    int k = 0;
  }
  int Get(int d = {}) const noexcept { return a_; }
  int Get() const noexcept { return a_; }
  int b_;
};
constexpr int kTable[] = {1, 2, 3};
enum class E : int { kA, kB };
// void NotCode() {
auto Lambda = [](int v) {
  return v;
};
std::string Raw() {
  const char* r = R"json({"}"  :
  1})json";
  char brace = '{';
  if (r) {
    return "}";
  }
  return {};
}
template <typename T>
auto Trailing(T t) -> decltype(t) {
  return t;
}
TEST(Suite, Name) {
  int n = 1'000;
}
}  // namespace x
'''
    got = [(name, first, last) for name, first, last in functions(sample)]
    want = [("S", 6, 8), ("Get", 9, 9), ("Get", 10, 10), ("Lambda (lambda)", 16, 18),
            ("Raw", 19, 27), ("Trailing", 29, 31), ("TEST(Suite, Name)", 32, 34)]
    ok = got == want
    print("function_length_check self-test:", "passed" if ok else f"FAILED: got {got}, want {want}")
    return 0 if ok else 1


def main(argv):
    if argv == ["--self-test"]:
        return self_test()
    limit, fail, paths = DEFAULT_MAX, False, []
    args = iter(argv)
    for arg in args:
        if arg == "--max":
            limit = int(next(args))
        elif arg == "--fail":
            fail = True
        else:
            paths.append(arg)
    if not paths:
        paths = [p for p in SOURCE_FOLDERS if os.path.isdir(p)]
        if not paths:
            print("function_length_check: no source folders here; run it from the repository root")
            return 1
    rows = long_functions(paths, limit)
    for length, path, line, name in rows:
        print(f"{path}:{line}: {name} is {length} lines (limit {limit}); split it into named steps")
    per_folder = {}
    for length, path, _, _ in rows:
        per_folder.setdefault(path.split(os.sep)[0], []).append(length)
    for folder in sorted(per_folder):
        lengths = per_folder[folder]
        print(f"  {folder}/: {len(lengths)} over {limit} lines (longest {max(lengths)})")
    print(f"function_length_check: {len(rows)} functions over {limit} lines")
    return 1 if fail and rows else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
