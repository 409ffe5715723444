#!/usr/bin/env python3
"""Allocation failures during `billsync upload` against the emulator (the
load half of tests/e2e/t90_alloc.sh, which says how the sites are chosen).

$BUILD/san/billsync-failmalloc loads the basic case once listing its
allocation sites, then once per site with that site's first allocation
failing, each time with a fresh state folder.  Every run must end without a
crash, a leak or a sanitizer report, and either cleanly with exit 6 and
"out of memory", or as the load without a failure did (same exit code):
the loader's threads make the order of allocations vary a little from run
to run, so an index may land on an allocation whose failure is absorbed by
design (a retried request, an incomplete list of known jobs)."""

import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import loadtest                  # noqa: E402
from loadtest import Case, Tap   # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("BUILD", "build")
FAILBS = os.path.join(ROOT, BUILD, "san", "billsync-failmalloc")
SANITIZED = ("Sanitizer", "runtime error", "LeakSanitizer")


def main():
    t = Tap()
    if not os.access(FAILBS, os.X_OK):
        t.ok(False, "%s is built (make check builds it)" % FAILBS)
        t.done()
    loadtest.BILLSYNC = FAILBS
    env = {"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:exitcode=99",
           "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1:exitcode=99"}
    with Case() as case:
        sites = os.path.join(case.tmp, "sites")
        ref = case.upload(env=dict(env, BILLSYNC_FAILMALLOC_SITES=sites), json_report=False)
        t.eq(ref.rc, 1, "without a failure the load exits 1 (records rejected)") or \
            print("# %r" % ref)
        with open(sites, encoding="ascii") as f:
            lines = sorted((l.split() for l in f if l.strip()), key=lambda x: int(x[0]))
        t.ok(len(lines) > 30, "the recording run found %d allocation sites" % len(lines))
        bad = []
        for idx, site in lines:
            shutil.rmtree(os.path.join(case.tmp, "state"), ignore_errors=True)
            r = case.upload(env=dict(env, BILLSYNC_FAILMALLOC=idx), json_report=False)
            out = r.stdout + r.stderr
            clean = not any(s in out for s in SANITIZED) and (
                (r.rc == 6 and "out of memory" in out) or r.rc == ref.rc)
            if not clean:
                bad.append((idx, site, r))
        for idx, site, r in bad[:10]:
            print("# allocation %s (site %s): exit %d" % (idx, site, r.rc))
            for line in [x for x in r.stderr.split("\n") if x.strip()][-8:]:
                print("#     " + line)
        t.ok(not bad, "each of the %d allocation sites, failed, ends cleanly "
             "(%d did not)" % (len(lines), len(bad)))
    t.done()


if __name__ == "__main__":
    main()
