#!/usr/bin/env python3
"""funclen.py - no C function over 80 lines without a reason.

Run from anywhere; prints TAP lines.  Checks every .c and .h file under
etl/, formats/, tests/ and samples/.  A function's length counts its lines
from the line of its opening brace to the line of its closing brace.  A function longer than MAX_LINES needs a comment right above it (the
last thing before its definition, blank lines allowed) that says why, in
the words "80 lines", for example:

    /* Longer than 80 lines on purpose: one loop decides, answer by answer,
     * between renewing the session, retrying and stopping, ... */

so `grep -rn "80 lines" etl formats tests samples` lists every exception.
Splitting the function along its seams is the first choice; the comment is
for a function that reads better whole (a switch with a short case per key,
a retry loop).

Functions are found by matching braces in the code with comments, string
and character literals and preprocessor lines taken out: a "{" at the top
level after a ")" opens a function body.
"""
import glob
import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
MAX_LINES = 80
REASON = "80 lines"
PATTERNS = ("etl/**/*.[ch]", "formats/**/*.[ch]", "tests/**/*.[ch]", "samples/**/*.[ch]")
NAME_RE = re.compile(r"(\w+)\s*\($")


def files():
    seen = set()
    for p in PATTERNS:
        for f in sorted(glob.glob(os.path.join(ROOT, p), recursive=True)):
            if f not in seen:
                seen.add(f)
                yield f


def blank_out(text):
    """text with comments, literals and preprocessor lines (with their
    continuations) replaced by spaces, line ends kept, so that offsets
    and line numbers stay those of text; and the comments as a list of
    (first line, last line, text)."""
    out, comments = list(text), []
    i, n, line, at_bol = 0, len(text), 1, True

    def blank(a, b):
        for k in range(a, b):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        c = text[i]
        if c == "\n":
            line, at_bol, i = line + 1, True, i + 1
            continue
        if at_bol and c == "#":
            j = i
            while j < n and not (text[j] == "\n" and text[j - 1] != "\\"):
                j += 1
            blank(i, j)
            line += text.count("\n", i, j)
            i = j
            continue
        if not c.isspace():
            at_bol = False
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            end = line + text.count("\n", i, j)
            comments.append((line, end, text[i:j]))
            blank(i, j)
            line, i = end, j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            comments.append((line, line, text[i:j]))
            blank(i, j)
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            blank(i + 1, j)
            i = j + 1
        else:
            i += 1
    return "".join(out), comments


def functions(text):
    """[(name, first line, line of the opening brace, last line)] of the
    function definitions in text (C source)."""
    code, _ = blank_out(text)
    found, depth, start, i = [], 0, 0, 0
    open_at = None
    for i, c in enumerate(code):
        if c == "{":
            if depth == 0:
                head = code[start:i].rstrip()
                if head.endswith(")"):
                    open_at = (head, start, i)
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                if open_at:
                    head, hstart, body = open_at
                    hstart += len(head) - len(head.lstrip())
                    name = head_name(head)
                    found.append((name, code.count("\n", 0, hstart) + 1,
                                  code.count("\n", 0, body) + 1,
                                  code.count("\n", 0, i) + 1))
                open_at = None
                start = i + 1
        elif c == ";" and depth == 0:
            start = i + 1
    return found


def head_name(head):
    """The name in a definition's head: the identifier before its first
    top-level parenthesis."""
    for k, c in enumerate(head):
        if c == "(":
            m = NAME_RE.search(head[:k + 1])
            return m.group(1) if m else "?"
    return "?"


def reason_above(comments, lines, first):
    """The text of the comment that ends right above line first (blank
    lines between allowed), or ""."""
    k = first - 1
    while k >= 1 and not lines[k - 1].strip():
        k -= 1
    for c_first, c_last, body in comments:
        if c_last == k:
            # a run of // lines counts as one comment
            texts = [body]
            for p_first, p_last, p_body in reversed(comments):
                if p_last == c_first - 1 and p_body.startswith("//"):
                    texts.insert(0, p_body)
                    c_first = p_first
            return " ".join(texts)
    return ""


def words(comment):
    """comment's words, one space between them (no comment marks)."""
    return " ".join(re.sub(r"(^|\n)\s*(\*(?!/)|//)", " ", comment).split())


def check_file(path):
    """[(name, line, length)] of the functions of path over MAX_LINES
    lines without a reason."""
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    _, comments = blank_out(text)
    lines = text.split("\n")
    bad = []
    for name, first, body, last in functions(text):
        length = last - body + 1
        if length > MAX_LINES and REASON not in words(reason_above(comments, lines, first)):
            bad.append((name, first, length))
    return bad


def main(argv):
    """Checks the files named, or without arguments every source."""
    paths = argv or list(files())
    if not paths:
        print("not ok 1 - no sources found")
        print("1..1")
        return 1
    bad = []
    for path in paths:
        bad += [(path, no, name, n) for name, no, n in check_file(path)]
    print("%sok 1 - funclen: no function over %d lines without a comment above it saying"
          " why (\"%s\") (%d files)" % ("not " if bad else "", MAX_LINES, REASON, len(paths)))
    for path, no, name, n in bad:
        print("#   %s:%d: %s() is %d lines" % (os.path.relpath(path, ROOT), no, name, n))
    print("1..1")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
