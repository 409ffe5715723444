#!/usr/bin/env python3
"""checksrc.py - the style check of the C sources (like curl's checksrc.pl).

Run from the repository root; prints one TAP line per rule and lists each
violation as "# FILE:LINE: message" under the rule it breaks.  Checked:
etl/, formats/, tests/unit/, tests/fuzz/, tests/bench/*.c, tests/alloc/*.c
and samples/**/*.[ch]; the length rule also reads the Python and shell
scripts of samples/ and tests/.

The rules:
  line-length   at most 100 columns, a tab counting to the next multiple of
                8.  The code is written to about 80; 100 leaves room for a
                long message or test-table string on one line (which grep
                can then find) while keeping two files side by side readable
                on a laptop screen.
  banned        none of strcpy, strcat, sprintf, vsprintf, gets, atoi,
                atol, atoll, atof, strtok, sscanf: they write without a
                bound or read a number without saying it failed; use
                snprintf, sbuf.h, strtoll/strtoull with an end pointer,
                strtok_r-free splitting.
  whitespace    no trailing blanks, no CR, a final newline.
  indent        code indents with tabs: leading white space is tabs, then
                at most 7 spaces of alignment (never a space before a tab).
  guard         every header has an include guard named after its file,
                around all its code (csvr.h: #ifndef CSVR_H / #define CSVR_H;
                a prefix such as the layer's is allowed: LOAD_PROGRESS_H).
  length        at most 900 lines a file (the developers' guide): past that
                a file holds several jobs, and splits along its seams.
"""
import glob
import os
import re
import sys

MAX_COLUMNS = 100
MAX_LINES = 900
BANNED = ("strcpy", "strcat", "sprintf", "vsprintf", "gets", "atoi", "atol",
          "atoll", "atof", "strtok", "sscanf")
BANNED_RE = re.compile(r"(?<![\w.>])(%s)\s*\(" % "|".join(BANNED))
PATTERNS = ("etl/**/*.[ch]", "formats/**/*.[ch]", "tests/unit/**/*.[ch]",
            "tests/fuzz/**/*.[ch]", "tests/bench/*.c", "tests/alloc/*.c",
            "samples/**/*.[ch]")
SCRIPT_PATTERNS = ("samples/**/*.py", "tests/**/*.py", "tests/**/*.sh")


def files(patterns=PATTERNS):
    seen = set()
    for p in patterns:
        for f in sorted(glob.glob(p, recursive=True)):
            if f not in seen:
                seen.add(f)
                yield f


def strip_code(line, state):
    """The line without comments and string/char literals (so a banned name
    in a comment or a message is not flagged); state carries an open
    block comment to the next line."""
    out, i, n = [], 0, len(line)
    while i < n:
        if state["comment"]:
            j = line.find("*/", i)
            if j < 0:
                return "".join(out)
            state["comment"], i = False, j + 2
            continue
        c = line[i]
        if line.startswith("/*", i):
            state["comment"], i = True, i + 2
        elif line.startswith("//", i):
            break
        elif c in "\"'":
            j = i + 1
            while j < n and line[j] != c:
                j += 2 if line[j] == "\\" else 1
            out.append(c + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def columns(line):
    return len(line.expandtabs(8))


def check_file(path, found):
    with open(path, "rb") as f:
        data = f.read()
    text = data.decode("utf-8", "replace")
    lines = text.split("\n")
    if data and not data.endswith(b"\n"):
        found["whitespace"].append((path, len(lines), "no newline at the end"))
    if lines and lines[-1] == "":
        lines.pop()
    state = {"comment": False}
    for no, line in enumerate(lines, 1):
        if "\r" in line:
            found["whitespace"].append((path, no, "carriage return"))
        elif line != line.rstrip(" \t"):
            found["whitespace"].append((path, no, "trailing white space"))
        if columns(line) > MAX_COLUMNS:
            found["line-length"].append(
                (path, no, "%d columns (at most %d)" % (columns(line), MAX_COLUMNS)))
        lead = re.match(r"[ \t]*", line).group(0)
        if line.strip() and not re.fullmatch(r"\t* {0,7}", lead):
            found["indent"].append((path, no, "indent with tabs, then at most 7 spaces"))
        code = strip_code(line, state)
        for m in BANNED_RE.finditer(code):
            found["banned"].append((path, no, "%s() is banned" % m.group(1)))
    if path.endswith(".h"):
        check_guard(path, lines, found)
    check_length(path, lines, found)


def check_length(path, lines, found):
    if len(lines) > MAX_LINES:
        found["length"].append((path, MAX_LINES + 1, "%d lines (at most %d)"
                                % (len(lines), MAX_LINES)))


def check_script(path, found):
    """A script is held to the length rule only."""
    with open(path, "rb") as f:
        check_length(path, f.read().decode("utf-8", "replace").splitlines(), found)


def check_guard(path, lines, found):
    want = re.sub(r"[^A-Z0-9]", "_", os.path.basename(path).upper())
    state = {"comment": False}
    code = [(no, strip_code(l, state).strip()) for no, l in enumerate(lines, 1)]
    code = [(no, c) for no, c in code if c]
    guard = code[0][1][len("#ifndef "):] if code else ""
    named = guard == want or guard.endswith("_" + want)
    if len(code) < 3 or not code[0][1].startswith("#ifndef ") or not named or \
            code[1][1] != "#define " + guard or not code[-1][1].startswith("#endif"):
        found["guard"].append((path, code[0][0] if code else 1,
                               "needs an include guard #ifndef [PREFIX_]%s / #define"
                               " ... #endif around all of it" % want))


def main(argv):
    """Checks the files named, or without arguments every source."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    rules = ("line-length", "banned", "whitespace", "indent", "guard", "length")
    found = {r: [] for r in rules}
    n = scripts = 0
    for path in argv or files():
        if path.endswith((".py", ".sh")):
            check_script(path, found)
            scripts += 1
        else:
            check_file(path, found)
            n += 1
    if not argv:
        for path in files(SCRIPT_PATTERNS):
            check_script(path, found)
            scripts += 1
    failed = 0
    if n + scripts == 0:
        print("not ok 1 - no sources found")
        print("1..1")
        return 1
    for i, rule in enumerate(rules, 1):
        bad = found[rule]
        count = n + scripts if rule == "length" else n
        print("%sok %d - checksrc %s (%d files)" % ("not " if bad else "", i, rule, count))
        for path, no, msg in bad:
            print("#   %s:%d: %s" % (path, no, msg))
        failed += bool(bad)
    print("1..%d" % len(rules))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
