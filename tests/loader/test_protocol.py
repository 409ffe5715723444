#!/usr/bin/env python3
"""The exact request sequence of one small job, as curl's tests do: the
emulator's request log, normalised (job id -> JOB, repeated polls folded into
one line), is compared with tests/cases/upload/protocol/expected-requests.txt.

    test_protocol.py --regen    rewrites the expected file (review the diff)"""

import difflib
import json
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


CREATE_BODIES = {
    "OrbCustomer__c": {"object": "OrbCustomer__c", "operation": "upsert",
                       "externalIdFieldName": "OrbId__c", "contentType": "CSV",
                       "lineEnding": "LF", "columnDelimiter": "COMMA"},
    "Account": {"object": "Account", "operation": "update", "contentType": "CSV",
                "lineEnding": "LF", "columnDelimiter": "COMMA"},
}


def through_proxy(t):
    """Through a proxy: the job-create bodies exactly, and the Retry-After of a
    429 and of a 503 honoured (retry_wait alone would retry within 40 ms)."""
    def inject(method, path, n):
        body = b'[{"errorCode":"TOO_MANY_REQUESTS","message":"slow down"}]'
        if method == "GET" and path.endswith("/limits/") and n == 0:
            return 429, [("Retry-After", "1"), ("Content-Type", "application/json")], body
        if method == "GET" and "/jobs/ingest/" in path and path.count("/") == 6 and n == 0:
            return 503, [("Retry-After", "1"), ("Content-Type", "application/json")], \
                b'[{"errorCode":"SERVER_UNAVAILABLE","message":"busy"}]'
        return None

    with Case() as case:
        r, log = case.upload_via(inject)
        t.eq(r.rc, 1, "through a proxy: the load runs (exit 1 for rejected rows)") or \
            print("# %r" % r)
        creates = [json.loads(b) for (_, m, p, _, b) in log
                   if m == "POST" and p.endswith("/jobs/ingest")]
        t.eq(len(creates), 6, "one create request per file")
        by_obj = {c.get("object"): c for c in creates}
        for obj, want in sorted(CREATE_BODIES.items()):
            t.eq(by_obj.get(obj), want, "the create body of %s, exactly" % obj)
        for status in (429, 503):
            i = next((k for k, e in enumerate(log) if e[3] == status), None)
            if i is None:
                t.ok(False, "a %d was answered" % status)
                continue
            again = next((e for e in log[i + 1:] if e[1:3] == log[i][1:3]), None)
            gap = again[0] - log[i][0] if again else None
            t.ok(gap is not None and gap >= 0.95,
                 "%d with Retry-After: 1: the request is sent again after at least 1 s "
                 "(%s s)" % (status, "%.2f" % gap if gap is not None else "never"))


def upload_retry_after(t):
    """An upload answered 503 with Retry-After: 2 may or may not have arrived:
    billsync waits at least the 2 s before it looks at the job and sends
    again (retry_wait alone would be 20 ms)."""
    first = []

    def inject(method, path, n):
        if method == "PUT" and path.endswith("/batches") and not first:
            first.append(path)
            return 503, [("Retry-After", "2"), ("Content-Type", "application/json")], \
                b'[{"errorCode":"SERVER_UNAVAILABLE","message":"busy"}]'
        return None

    with Case("protocol") as case:
        r, log = case.upload_via(inject)
        t.eq(r.rc, 0, "upload 503 with Retry-After: the load completes") or print("# %r" % r)
        puts = [e for e in log if e[1] == "PUT"]
        t.eq([e[3] for e in puts], [503, 201], "upload 503 with Retry-After: sent again once")
        job = first[0].rsplit("/", 1)[0] if first else ""
        look = next((e for e in log if puts and e[0] > puts[0][0] and e[1] == "GET" and
                     e[2].rstrip("/") == job), None)
        gap = look[0] - puts[0][0] if look else None
        t.ok(gap is not None and gap >= 1.95, "upload 503 with Retry-After: 2: the job is "
             "checked after at least 2 s (%s s)" % ("%.2f" % gap if gap is not None else "never"))
        gap = puts[1][0] - puts[0][0] if len(puts) > 1 else None
        t.ok(gap is not None and gap >= 1.95, "... and the upload sent again after that (%s s)"
             % ("%.2f" % gap if gap is not None else "never"))
        t.ok("checking the job in 2.0 s" in r.stderr, "... and the log says how long it waits",
             r.stderr[-2000:])


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
    t.run(through_proxy, t)
    t.run(upload_retry_after, t)
    t.done()


if __name__ == "__main__":
    main(sys.argv[1:])
