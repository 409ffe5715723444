#!/usr/bin/env python3
"""The exact request sequence of one small job, as curl's tests do: the
emulator's request log, normalised (job id -> JOB, repeated polls folded into
one line), is compared with tests/cases/upload/protocol/expected-requests.txt.

    test_protocol.py --regen    rewrites the expected file (review the diff)"""

import difflib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from loadtest import CASES, Case, Tap     # noqa: E402

EXPECTED = os.path.join(CASES, "protocol", "expected-requests.txt")
HEADERS = ("Content-Type", "Content-Encoding", "Transfer-Encoding", "Accept",
           "Sforce-Call-Options")


def line(q, job):
    path = q["path"].replace(job, "JOB") if job else q["path"]
    parts = ["%s %s%s -> %d" % (q["method"], path, "?" + q["query"] if q["query"] else "",
                                q["status"])]
    parts.append("auth" if q["authorization"] else "no-auth")
    for h in HEADERS:
        if h in q["headers"]:
            parts.append("%s: %s" % (h, q["headers"][h]))
    if "gzip" in q["headers"].get("Accept-Encoding", ""):
        parts.append("Accept-Encoding: (gzip among others)")
    return " | ".join(parts)


def normalise(reqs):
    """The log as lines; the polls of the job (their number depends on timing)
    fold into one line."""
    job = next((q["path"].split("/")[6] for q in reqs
                if q["method"] == "PUT" and "/jobs/ingest/" in q["path"]), None)
    out = []
    for q in reqs:
        text = line(q, job)
        if q["method"] == "GET" and job and q["path"].rstrip("/").endswith(job):
            text += " (polls: one or more)"
            if out and out[-1] == text:
                continue
        out.append(text)
    return out


def main(argv):
    t = Tap()
    with Case("protocol", load={"poll_min": "0.05"}) as case:
        r = case.upload()
        t.eq(r.rc, 0, "one small job loads cleanly") or print("# %r" % r)
        got = normalise(case.emu.requests())
    if "--regen" in argv:
        with open(EXPECTED, "w", encoding="utf-8") as f:
            f.write("\n".join(got) + "\n")
        print("# wrote %s" % EXPECTED)
    with open(EXPECTED, encoding="utf-8") as f:
        want = f.read().splitlines()
    t.ok(got == want, "the request sequence matches expected-requests.txt",
         *difflib.unified_diff(want, got, "expected", "actual", lineterm=""))
    t.done()


if __name__ == "__main__":
    main(sys.argv[1:])
