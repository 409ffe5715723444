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

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "sync"))

from loadtest import BILLSYNC, Case, ROOT, Tap   # noqa: E402
from synctest import World                       # noqa: E402

DRAWN = re.compile(r"\r\x1b\[Kfiles (\d+)/(\d+)  rows (\d+)/(\d+)  created (\d+)  "
                   r"updated (\d+)  failed (\d+)  unprocessed (\d+)  api calls (\d+)  jobs:"
                   r"([^\r\n]*)")


def run_on_terminal(case, argv=None):
    """Runs the upload (or argv) with standard error on a pseudo-terminal;
    (exit code, what the terminal received)."""
    master, slave = pty.openpty()
    p = subprocess.Popen(argv or [BILLSYNC, "upload", case.dir, "-c", case.conf],
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


TIMING = re.compile(r"  \|  (\d+)s elapsed  ([\d.]+k?) rows/s  ETA (\S+)(?:  \|  ([^\r\n]*))?")


def long_jobs(t):
    """A run whose jobs take seconds (1000 daily revenue rows; the emulator
    processes 150 records a second, 200 at a time): the line still moves
    every second, with the time, the rate, an ETA, and each running job's
    state and the records its last poll reported (the poll plan waits
    for what the job's pace predicts, so a poll lands mid-way)."""
    w = World(dlir_rows=1000, faults={"rate": 150},
              load={"poll_min": "0.3", "poll_max": "5", "max_jobs": "2"})
    try:
        start = time.monotonic()
        rc, text = run_on_terminal(None, [BILLSYNC, "run", "-c", w.conf, "--mappings",
                                          os.path.join(ROOT, "mappings")])
        took = time.monotonic() - start
        t.ok(rc in (0, 1), "slow jobs on a terminal: the run ends as usual (exit %d)" % rc,
             text[-1500:])
        drawn = [m for m in (TIMING.search(x) for x in text.split("\r")) if m]
        t.ok(len(drawn) >= 2, "the line shows elapsed time, rows/s and an ETA", text[-1500:])
        if not drawn:
            return
        secs = sorted({int(m.group(1)) for m in drawn})
        t.ok(took >= 3 and len(secs) >= 3, "the load took seconds (%.1f s)" % took, secs)
        gaps = [b - a for a, b in zip(secs, secs[1:])]
        t.ok(gaps and max(gaps) == 1, "redrawn at least once a second: every second of "
             "elapsed time is shown", secs)
        t.ok(any(m.group(3) not in ("?", "0s") for m in drawn), "an ETA is given while jobs run",
             [m.group(0) for m in drawn][:10])
        jobs = [m.group(4) for m in drawn if m.group(4)]
        seen = {int(x) for j in jobs for x in re.findall(r"-\d{4} InProgress (\d+)/1000", j)}
        t.ok(any(0 < x < 1000 for x in seen), "each running job with its state and the "
             "records its last poll reported (part of the 1000)", sorted(seen), jobs[-10:])
    finally:
        w.emu.stop()
        subprocess.run(["rm", "-rf", w.tmp], check=False)


EXPORT_LINE = re.compile(r"(\w+): (reading|writing) (\d+)(?:/(\d+))? rows  (\d+)s elapsed  "
                         r"([\d.]+k?M?) rows/s(?:  (\d+)%)?(?:  ETA (\S+))?")


def seconds(eta):
    """"42s", "3m05s", "2h07m" in seconds."""
    n = 0
    for value, unit in re.findall(r"(\d+)([hms])", eta):
        n += int(value) * {"h": 3600, "m": 60, "s": 1}[unit]
    return n


def export_lines(text):
    """The export's progress drawings: (reading, writing) lists of the
    EXPORT_LINE groups."""
    seen = [m.groups() for m in (EXPORT_LINE.search(x) for x in text.split("\r")) if m]
    return [g for g in seen if g[1] == "reading"], [g for g in seen if g[1] == "writing"]


def export_on_a_terminal(t):
    """billsync export of 600,000 daily revenue rows (168 MB: seconds of
    reading, so that an ETA in whole seconds moves) on a terminal: while
    reading, the rows read, the time, the rate, the percent of the file's
    bytes read and an ETA, redrawn while the one long file is read; while
    writing, the rows written of those to write, and an ETA; redrawn
    several times a second.  With standard error not a terminal, none of
    it."""
    from synctest import generate
    import tempfile
    d = tempfile.mkdtemp(prefix="billsync-progress.")
    try:
        generate(os.path.join(d, "src"), 600000)
        argv = [BILLSYNC, "export", "--source", os.path.join(d, "src"), "--out",
                os.path.join(d, "out"), "--objects", "OrbDailyLineItemRevenue__c",
                "--mappings", os.path.join(ROOT, "mappings")]
        rc, text = run_on_terminal(None, argv)
        t.eq(rc, 0, "export on a terminal: exit 0", text[-500:])
        reading, writing = export_lines(text)
        seen = reading + writing
        t.ok(len(reading) >= 2 and [int(g[2]) for g in reading] ==
             sorted(int(g[2]) for g in reading), "reading: rows read, growing", reading[:5])
        pct = [int(g[6]) for g in reading if g[6]]
        t.ok(len(pct) == len(reading) and pct == sorted(pct) and len(set(pct)) >= 2 and
             0 <= pct[0] and pct[-1] <= 100, "reading: the percent of the file read, "
             "moving forward while the one file is read", reading)
        etas = [seconds(g[7]) for g in reading if g[7] and g[7] != "?"]
        t.ok(len(etas) == len(reading) and len(set(etas)) >= 2 and etas[-1] <= etas[0],
             "reading: an ETA on every drawing, that moves and comes down", reading)
        t.ok(writing and all(g[3] and int(g[2]) <= int(g[3]) for g in writing) and
             all(g[7] for g in writing), "writing: rows written of those to write, and an "
             "ETA", writing[:5])
        t.ok(all(float(g[5].rstrip("kM")) > 0 for g in seen[1:]), "a rate in rows per second",
             seen[:5])
        fifo_has_no_eta(t, d, argv)
        grouped_rows_tick(t, d, argv)
        p = subprocess.run(argv[:5] + [os.path.join(d, "out2")] + argv[6:], capture_output=True,
                           text=True, check=False)
        t.ok(p.returncode == 0 and "reading" not in p.stderr and "\r" not in p.stderr,
             "not on a terminal: no progress line", p.stderr[-500:])
    finally:
        subprocess.run(["rm", "-rf", d], check=False)


def grouped_rows_tick(t, d, argv):
    """A group mapping whose every row goes into a group (the monthly
    roll-up without its filter): the line moves while the rows are read,
    though no row comes out of the reading until the last one is in."""
    maps = os.path.join(d, "maps")
    os.mkdir(maps)
    with open(os.path.join(ROOT, "mappings", "monthly_line_item_revenue.map"),
              encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"\n\[filter\]\n[^\[]*", "\n", text)
    with open(os.path.join(maps, "monthly.map"), "w", encoding="utf-8") as f:
        f.write(text)
    rc, text = run_on_terminal(None, argv[:5] + [os.path.join(d, "out4"), "--objects",
                                                 "OrbMonthlyLineItemRevenue__c",
                                                 "--mappings", maps])
    reading, _ = export_lines(text)
    t.eq(rc, 0, "export of a roll-up on a terminal: exit 0", text[-500:])
    t.ok(len(reading) >= 2 and len({g[6] for g in reading}) >= 2,
         "a roll-up: the line moves while its rows go into their groups", reading)


def fifo_has_no_eta(t, d, argv):
    """The same export from a FIFO (a pipe has no size): the rows, the
    time and the rate while reading, but no percent and no ETA."""
    import threading
    os.mkdir(os.path.join(d, "fifo"))
    fifo = os.path.join(d, "fifo", "daily_line_item_revenue.csv")
    os.mkfifo(fifo)

    def feed():
        try:
            with open(os.path.join(d, "src", "daily_line_item_revenue.csv"), "rb") as src, \
                    open(fifo, "wb") as dst:
                for i, line in enumerate(src):
                    if i == 120000:
                        break
                    if i == 60000:
                        dst.flush()
                        time.sleep(0.6)    # a pause: the line is drawn meanwhile
                    dst.write(line)
        except BrokenPipeError:
            pass
    feeder = threading.Thread(target=feed)
    feeder.start()
    rc, text = run_on_terminal(None, argv[:3] + [os.path.join(d, "fifo"), argv[4],
                                                 os.path.join(d, "out3")] + argv[6:])
    if feeder.is_alive():      # billsync never opened it: let the feeder go
        os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
    feeder.join()
    reading, _ = export_lines(text)
    t.eq(rc, 0, "export from a FIFO on a terminal: exit 0", text[-500:])
    t.ok(reading and all(not g[6] and not g[7] for g in reading),
         "from a FIFO: rows, time and rate while reading, no percent and no ETA", reading)


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
    t.run(long_jobs, t)
    t.run(export_on_a_terminal, t)
    t.run(in_a_log, t)
    t.done()


if __name__ == "__main__":
    main()
