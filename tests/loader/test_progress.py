#!/usr/bin/env python3
"""The progress display of `billsync upload`: on a terminal, one line redrawn
in place (files, rows, outcomes, API calls, jobs by state) that ends with the
final counts; when standard error is not a terminal (a scheduler's log), plain
log lines and no control characters."""

import os
import pty
import re
import select
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from loadtest import BILLSYNC, Case, Tap   # noqa: E402

DRAWN = re.compile(r"\r\x1b\[Kfiles (\d+)/(\d+)  rows (\d+)/(\d+)  created (\d+)  "
                   r"updated (\d+)  failed (\d+)  unprocessed (\d+)  api calls (\d+)  jobs:"
                   r"([^\r\n]*)")


def run_on_terminal(case):
    """Runs the upload with standard error on a pseudo-terminal; (exit code,
    what the terminal received)."""
    master, slave = pty.openpty()
    p = subprocess.Popen([BILLSYNC, "upload", case.dir, "-c", case.conf],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=slave, close_fds=True)
    os.close(slave)
    out, deadline = b"", time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:        # the other side closed: the run is over
                break
            if not chunk:
                break
            out += chunk
        elif p.poll() is not None:
            break
    rc = p.wait(timeout=30)
    os.close(master)
    return rc, out.decode("utf-8", "replace")


def on_a_terminal(t):
    with Case("basic", load={"poll_min": "0.2", "poll_max": "0.5"}) as case:
        rc, text = run_on_terminal(case)
        t.eq(rc, 1, "on a terminal: the upload ends as usual (exit 1: records failed)")
        lines = DRAWN.findall(text)
        t.ok(len(lines) >= 2, "the progress line is drawn more than once", text[-2000:])
        if not lines:
            return
        last = [int(x) for x in lines[-1][:9]]
        files_done, files_total, rows_done, rows_total = last[:4]
        created, updated, failed, unprocessed, calls = last[4:]
        t.eq(files_done, files_total, "the last drawing shows every file done", lines[-1])
        t.eq(rows_done, rows_total, "... and every row processed", lines[-1])
        t.eq(created + updated + failed + unprocessed, rows_total,
             "... and outcomes that add up to the rows", lines[-1])
        t.eq(failed, 6, "... with the six records Salesforce refuses", lines[-1])
        t.ok(calls > 0, "... and the API calls counted", lines[-1])
        seen = [int(x[0]) for x in lines]
        t.eq(seen, sorted(seen), "files done never go backwards between drawings")
        t.ok(any("JobComplete" in x[9] or "InProgress" in x[9] or "UploadComplete" in x[9]
                 or "Open" in x[9] for x in lines), "jobs are shown by state",
             [x[9] for x in lines])


def in_a_log(t):
    with Case("basic") as case:
        r = case.upload(json_report=False)
        t.eq(r.rc, 1, "in a log: the upload ends as usual")
        t.ok("\r" not in r.stderr and "\x1b" not in r.stderr,
             "no carriage returns or escape sequences in a log", r.stderr[:500])
        t.ok(re.search(r"job 750\w+ created", r.stderr) is not None,
             "plain log lines say what happens instead", r.stderr[:1000])


def main():
    t = Tap()
    t.run(on_a_terminal, t)
    t.run(in_a_log, t)
    t.done()


if __name__ == "__main__":
    main()
