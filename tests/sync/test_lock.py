#!/usr/bin/env python3
"""One run at a time per state directory (issue 7): while STATE/lock is held,
`billsync run` exits 7 with a clear message and touches nothing, neither the
state nor Salesforce; once it is free, the run goes ahead."""

import fcntl
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from synctest import Tap, World, check_run, wait_for    # noqa: E402


def held_by_test(t):
    with World() as w:
        os.makedirs(w.state, mode=0o700)
        fd = os.open(os.path.join(w.state, "lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, b"4242\n")
            r = w.run(json_out=False)
            check_run(t, r, 7, "lock held")
            t.has(r.stderr, "another billsync run", "lock held: stderr says another run "
                  "holds the state directory")
            t.has(r.stderr, "another billsync run (pid 4242) is using",
                  "lock held: and names the holder's pid")
            t.eq(w.emu.requests(), [], "lock held: Salesforce saw no request")
            t.eq(sorted(os.listdir(w.state)), ["lock"], "lock held: nothing was written to "
                 "the state directory")
            for cmd in ("retry", "resync"):
                r = w.run(cmd=cmd, json_out=False)
                t.eq(r.rc, 7, "lock held: `billsync %s` is refused too" % cmd, r)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
        r = w.run()
        check_run(t, r, 1, "lock released: the run goes ahead")
        t.ok(len(w.emu.requests()) > 0 and w.runs(), "lock released: it ran and recorded "
             "its run")


def two_runs(t):
    """A second billsync while the first is loading (answers slowed down)."""
    with World() as w:
        w.emu.set_faults(slow_ms=100)
        first = w.spawn()
        seen = wait_for(lambda: any(r["kind"] == "job_create" for r in w.emu.requests()),
                        first, timeout=60)
        t.ok(seen, "two runs: the first run is loading")
        before = len(w.emu.requests())
        runs = len(w.runs())
        r = w.run(json_out=False)
        check_run(t, r, 7, "two runs: the second")
        t.has(r.stderr, "another billsync run (pid %d) is using" % first.p.pid,
              "two runs: the second names the first one's pid")
        t.eq(len(w.runs()), runs, "two runs: the second recorded no run")
        w.emu.set_faults(slow_ms=0)
        r1 = first.wait()
        check_run(t, r1, 1, "two runs: the first")
        created = sum(1 for r in w.emu.requests()[before:] if r["kind"] == "job_create")
        t.eq(w.emu.stats()["jobs_created"], 8, "two runs: only the first one's eight jobs "
             "were created", created)


def main():
    t = Tap()
    t.run(held_by_test, t)
    t.run(two_runs, t)
    t.done()


if __name__ == "__main__":
    main()
