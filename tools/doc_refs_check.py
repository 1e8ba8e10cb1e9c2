#!/usr/bin/env python3
"""Lists references to documents that are not in the repository.

Scans the docs, the README, the build files and every source file's text
(comments included) for:
  - a repository path (`docs/x.md`, `shm/ring.h`, a markdown link) that does not exist;
  - a bare `NAME.md` that no file in the repository is called;
  - `docs/x.md section N` where x.md has no heading numbered N;
  - the names of documents kept elsewhere: a design document (`DESIGN`), a style
    guide (`STYLE.md`), "reference section N", "issue N", "the ring issue";
  - absolute paths of a particular machine (/work/..., /home/...).
A reader of the repository cannot open any of these: state the fact where it is
used, or point to a document in the repository. OpenHands' own files are cited
by their path in OpenHands (EXTERNAL_PREFIXES) and are not checked.

Usage (from the repository root):
  tools/doc_refs_check.py [ROOT]      exits 1 when it finds any
  tools/doc_refs_check.py --self-test
"""

import os
import re
import sys

SKIP_DIRS = {".git", "tests/data", "fuzz/corpus"}
TEXT_SUFFIXES = (".md", ".h", ".cc", ".py", ".sh", ".txt", ".pml", ".supp")
TEXT_NAMES = ("Makefile", "CMakeLists.txt", "run")
SELF = "tools/doc_refs_check.py"
# Paths inside OpenHands' repository, cited as such.
EXTERNAL_PREFIXES = ("tests/unit/",)

PATH = re.compile(r"(?<![\w/.$-])((?:[\w.-]+/)+[\w.-]+\.(?:h|cc|md|py|sh|pml|txt|json|jsonl|supp))\b")
BARE_MD = re.compile(r"(?<![\w/.-])(?<!\]\()([\w-]+\.md)\b")
# One-line string literals of a Python file: test fixtures, not references.
PY_STRING = re.compile(r"""(["'])(?:\\.|(?!\1).)+\1""")
LINK = re.compile(r"\]\(([^)\s]+)\)")
SECTION = re.compile(r"([\w./-]+\.md),? section (\d+)")
OUTSIDE = [
    (re.compile(r"\bDESIGN\b(?:\.md)?"), "a design document outside the repository"),
    (re.compile(r"\bSTYLE\.md\b"), "a style guide outside the repository"),
    (re.compile(r"\breference(?:'s)? section\b", re.I), "a reference document outside the repository"),
    (re.compile(r"(?<!upstream )\bissue\s*#?\d+", re.I), "an issue, not a document in the repository"),
    (re.compile(r"\bring issue\b", re.I), "an issue, not a document in the repository"),
    (re.compile(r"(?<![\w.])/(?:work|home)/[\w./-]+"), "a path on one machine"),
]


def text_files(root):
    for dirpath, dirnames, names in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("build")
                             and os.path.normpath(os.path.join(rel_dir, d)) not in SKIP_DIRS)
        for name in sorted(names):
            rel = os.path.normpath(os.path.join(rel_dir, name))
            if rel != SELF and (name.endswith(TEXT_SUFFIXES) or name in TEXT_NAMES):
                yield rel


def numbered_sections(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return {m.group(1) for m in (re.match(r"#+\s*(\d+)\.", line) for line in f) if m}


def line_errors(root, rel, number, line, md_names, tops):
    here = os.path.dirname(rel)
    exists = lambda p: (os.path.exists(os.path.join(root, p))
                        or os.path.exists(os.path.join(root, here, p)))
    errors = []
    for m in PATH.finditer(line):
        ref = m.group(1)
        if (ref.split("/")[0] in tops and not ref.startswith(EXTERNAL_PREFIXES)
                and "NAME" not in ref and not exists(ref)):
            errors.append(f"{ref} does not exist")
    for m in BARE_MD.finditer(line):
        if m.group(1) not in md_names:
            errors.append(f"{m.group(1)} is not in the repository")
    if rel.endswith(".md"):
        for m in LINK.finditer(line):
            target = m.group(1).split("#")[0]
            if target and not target.startswith(("http://", "https://", "mailto:")) \
                    and not os.path.exists(os.path.join(root, here, target)):
                errors.append(f"link {m.group(1)} does not resolve")
    for m in SECTION.finditer(line):
        doc = m.group(1) if exists(m.group(1)) else os.path.join("docs", m.group(1))
        full = os.path.join(root, doc)
        if not os.path.exists(full):
            full = os.path.join(root, here, m.group(1))
        if os.path.exists(full) and m.group(2) not in numbered_sections(full):
            errors.append(f"{m.group(1)} has no section {m.group(2)}")
    for pattern, what in OUTSIDE:
        for m in pattern.finditer(line):
            errors.append(f"'{m.group(0)}' names {what}")
    return [f"{rel}:{number}: {e}; state the fact here or point to a document in the repository"
            for e in errors]


def check(root):
    files = list(text_files(root))
    md_names = {os.path.basename(f) for f in files if f.endswith(".md")}
    tops = set(os.listdir(root))
    errors = []
    for rel in files:
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                if rel.endswith(".py"):
                    line = PY_STRING.sub('""', line)
                errors += line_errors(root, rel, number, line, md_names, tops)
    return files, errors


def self_test():
    import tempfile
    files = {
        "docs/a.md": "# A\n## 1. One\nSee docs/b.md and [b](b.md), docs/a.md section 1.\n",
        "docs/b.md": "# B\nSee docs/c.md, DESIGN.md section 6 and [c](c.md).\n",
        "core/x.h": "// As the ring issue asked (reference section 3), docs/a.md section 2.\n"
                    "// OpenHands' tests/unit/events/test_event_stream.py; core/x.h.\n",
        "tools/y.py": "# kept in /work/shared/notes.txt (issue 7)\nFIXTURE = {'core/z.h': ''}\n",
    }
    with tempfile.TemporaryDirectory() as root:
        for path, text in files.items():
            os.makedirs(os.path.join(root, os.path.dirname(path)), exist_ok=True)
            with open(os.path.join(root, path), "w") as f:
                f.write(text)
        _, errors = check(root)
    found = sorted(e.split(";")[0] for e in errors)
    want = sorted([
        "docs/b.md:2: docs/c.md does not exist",
        "docs/b.md:2: DESIGN.md is not in the repository",
        "docs/b.md:2: 'DESIGN.md' names a design document outside the repository",
        "docs/b.md:2: link c.md does not resolve",
        "core/x.h:1: 'ring issue' names an issue, not a document in the repository",
        "core/x.h:1: 'reference section' names a reference document outside the repository",
        "core/x.h:1: docs/a.md has no section 2",
        "tools/y.py:1: '/work/shared/notes.txt' names a path on one machine",
        "tools/y.py:1: 'issue 7' names an issue, not a document in the repository",
    ])
    ok = found == want
    print("doc_refs_check self-test:", "passed" if ok else f"FAILED:\n got {found}\n want {want}")
    return 0 if ok else 1


def main(argv):
    if argv == ["--self-test"]:
        return self_test()
    root = argv[0] if argv else "."
    files, errors = check(root)
    if not files:
        print(f"doc_refs_check: no files under {os.path.abspath(root)}; run it from the repository root")
        return 1
    for e in errors:
        print(e)
    print(f"doc_refs_check: {len(files)} files, {len(errors)} references to documents not in the repository")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
