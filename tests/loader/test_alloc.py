#!/usr/bin/env python3
"""Allocation failures during `billsync upload --trace FILE` against the
emulator, with a [metrics] textfile (the load half of
tests/e2e/t90_alloc.sh, which says how the sites are chosen).

$BUILD/san/billsync-failmalloc loads the basic case once listing its
allocation sites, then once per site with that site's first allocation
failing, each time with a fresh state folder.  Every run must end without a
crash, a leak or a sanitizer report, and either cleanly with exit 6 and
"out of memory", or as the load without a failure did (same exit code and
the same failures.csv): the loader's threads make the order of allocations
vary a little from run to run, so an index may land on an allocation whose
failure is absorbed by design (a retried request, an incomplete list of
known jobs).  What it wrote must be whole, never cut short where memory ran
out: the metrics file, when there is one, ends with its last gauge and
gives the exit code the process exited with, and every trace entry is
whole lines of its own request or response (an entry that ran out of
memory is left out).

ALLOC_SWEEP=every (make torture) fails every allocation index in turn
instead, one run each against one emulator, from 1 until 20 runs in a row
made fewer allocations than their index: the threads and the polls vary a
run's count by about 10% (920 to 1070 here), so an index is not the same
allocation in every run, and the sweep goes on past the longest run seen.
ALLOC_STRIDE=K fails every Kth index only.  FAILBS names another binary (a copy, so that a rebuild
does not change it under a long sweep)."""

import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import loadtest                  # noqa: E402
from loadtest import Case, Tap   # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("BUILD", "build")
FAILBS = os.environ.get("FAILBS") or os.path.join(ROOT, BUILD, "san", "billsync-failmalloc")
SANITIZED = ("Sanitizer", "runtime error", "LeakSanitizer")
MARGIN = 20     # indexes in a row past their runs' counts end the every-index sweep

STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z #(\d+) "
TRACE_START = re.compile(STAMP + r"(> [A-Z]+ http\S+|< \d+ \(\d+\.\d{3} s\)"
                         r"|< no response \(\d+\.\d{3} s\): .+)$")
TRACE_LINE = re.compile(r"#(\d+) (> [\w-]+: .*|< [\w-]+: .*|  body: \d+ bytes.*|\| .*)$")
METRIC = re.compile(r"(# (HELP|TYPE) \w+ .+|\w+(\{[^}]*\})? -?[0-9.e+]+)$")
COMPLETED = "billsync_last_completed_run_timestamp_seconds "


def trace_mistake(path):
    """What makes the trace file not whole lines of whole entries, or None."""
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    if text and not text.endswith("\n"):
        return "it ends inside a line"
    entry, want_body = None, False
    for n, line in enumerate(text.split("\n")[:-1], 1):
        m = TRACE_START.match(line)
        if m:
            entry = m.group(1)
        else:
            m = TRACE_LINE.match(line)
            if not m or m.group(1) != entry:
                return "line %d: %r" % (n, line)
        if want_body and not m.group(0).startswith("#%s | " % entry):
            return "line %d: a body with no lines: %r" % (n, line)
        want_body = "  body: " in line and "streamed" not in line
        if re.search(STAMP, line[1:]):
            return "line %d: an entry inside a line: %r" % (n, line)
    return "the last body has no lines" if want_body else None


def metrics_mistake(path, rc):
    """What makes the metrics file short or untrue, or None."""
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().split("\n")
    if lines[-1] or not lines[-2].startswith(COMPLETED):
        return "it does not end with the last gauge: %r" % lines[-2:]
    bad = [l for l in lines[:-1] if not METRIC.match(l)]
    if bad:
        return "a line cut short: %r" % bad[0]
    code = 'billsync_last_run_exit_code{command="upload"} %d' % rc
    return None if code in lines else "no %r" % code


def every_index(stride, made):
    """Indexes 1, 1 + stride, ... until the runs of MARGIN indexes in a row
    made fewer allocations than their index (made[-1] is the last run's), so
    that no failure was left out by a run that allocated more than the
    recording run (the threads and the polls vary the count by about 10%)."""
    idx, misses = 1, 0
    while misses < max(1, MARGIN // stride):
        yield str(idx), "-"
        misses = misses + 1 if made[-1] < idx else 0
        idx += stride


def indexes(t, upload, made):
    """The allocation indexes to fail, and what they are (for the messages):
    (index, site) pairs, site "-" when sweeping every index."""
    sites = os.path.join(os.path.dirname(made.path), "sites")
    ref, failures = upload(BILLSYNC_FAILMALLOC_SITES=sites)
    t.eq(ref.rc, 1, "without a failure the load exits 1 (records rejected)") or \
        print("# %r" % ref)
    with open(sites, encoding="ascii") as f:
        lines = sorted((l.split() for l in f if l.strip()), key=lambda x: int(x[0]))
    t.ok(len(lines) > 30, "the recording run found %d allocation sites in %d allocations"
         % (len(lines), made[-1]))
    if os.environ.get("ALLOC_SWEEP", "sites") != "every":
        return ref, failures, lines
    return ref, failures, every_index(int(os.environ.get("ALLOC_STRIDE", "1")), made)


class Made(list):
    """The allocation counts of the runs so far (BILLSYNC_FAILMALLOC_COUNT)."""
    def __init__(self, path):
        super().__init__()
        self.path = path

    def read(self):
        try:
            with open(self.path, encoding="ascii") as f:
                self.append(int(f.read()))
            os.unlink(self.path)
        except (OSError, ValueError):
            self.append(1 << 62)    # no count (a crash): as if reached


def main():
    t = Tap()
    if not os.access(FAILBS, os.X_OK):
        t.ok(False, "%s is built (make check builds it)" % FAILBS)
        t.done()
    loadtest.BILLSYNC = FAILBS
    # jansson's allocations left out: its parser reports a string it could
    # not allocate as a syntax error ("invalid token near ..."), so an answer
    # of Salesforce's would read as unreadable rather than out of memory
    # (docs/testing.md)
    env = {"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:exitcode=99",
           "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1:exitcode=99",
           "BILLSYNC_FAILMALLOC_JANSSON": "0"}
    with Case() as case:
        trace = os.path.join(case.tmp, "trace.log")
        metrics = os.path.join(case.tmp, "metrics.prom")
        with open(case.conf, "a", encoding="ascii") as f:
            f.write("[metrics]\ntextfile = %s\n" % metrics)

        made = Made(os.path.join(case.tmp, "count"))

        def upload(**more):
            """A load from scratch: the Result and what failures.csv says."""
            shutil.rmtree(os.path.join(case.tmp, "state"), ignore_errors=True)
            for p in (trace, metrics, os.path.join(case.dir, "failures.csv")):
                if os.path.exists(p):
                    os.unlink(p)
            r = case.upload("--trace", trace, env=dict(env, BILLSYNC_FAILMALLOC_COUNT=made.path,
                                                       **more), json_report=False)
            made.read()
            # its rows in any order, whatever the job ids
            return r, sorted(sorted((k, v) for k, v in row.items() if k != "job_id")
                             for row in case.failures())

        ref, ref_failures, lines = indexes(t, upload, made)
        for p, mistake in ((trace, trace_mistake(trace)),
                           (metrics, metrics_mistake(metrics, ref.rc))):
            t.ok(os.path.exists(p) and not mistake, "without a failure %s is whole"
                 % os.path.basename(p), mistake or "")
        bad, runs, reached, last = [], 0, 0, 0
        for idx, site in lines:
            r, failures = upload(BILLSYNC_FAILMALLOC=idx)
            runs, last = runs + 1, int(idx)
            reached += made[-1] >= last
            out = r.stdout + r.stderr
            why = "a sanitizer report" if any(s in out for s in SANITIZED) else \
                None if r.rc == 6 and "out of memory" in out else \
                None if r.rc == ref.rc and failures == ref_failures else \
                "not the load's outcome (another failures.csv)" if r.rc == ref.rc else \
                "exit %d without \"out of memory\"" % r.rc
            why = why or trace_mistake(trace) and "trace: " + trace_mistake(trace) or \
                metrics_mistake(metrics, r.rc) and "metrics: " + metrics_mistake(metrics, r.rc)
            if why:
                bad.append((idx, site, r, why))
        for idx, site, r, why in bad[:20]:
            print("# allocation %s (site %s): exit %d: %s" % (idx, site, r.rc, why))
            for line in [x for x in r.stderr.split("\n") if x.strip()][-8:]:
                print("#     " + line)
        what = "allocation sites" if site != "-" else \
            "allocation indexes 1..%d%s (%d runs reached theirs)" % (
                last, " by %s" % os.environ["ALLOC_STRIDE"]
                if os.environ.get("ALLOC_STRIDE", "1") != "1" else "", reached)
        t.ok(not bad, "each of the %d %s, failed, ends cleanly "
             "(%d did not)" % (runs, what, len(bad)))
    t.done()


if __name__ == "__main__":
    main()
