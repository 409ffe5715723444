#!/usr/bin/env python3
"""What billsync records is what happened (issue 13): the state keeps the
exit code the process exits with, for every exit code of README's table
(exit_codes_test says how each is provoked; 2 and 7 end before a run
begins, so the state must show no run for them), "running" while a run
goes on and "killed" for one that never finished; `upload DIR` of a folder already
loaded says so and sends nothing (only --restart sends it again);
`records --history KEY` shows a record's timeline across runs;
`run --quiet` prints nothing when there is nothing to report, warnings
(stderr) for what the exit code stands for, no tables; and a host that
answers nothing (its packets dropped) is not silence until the connect
timeout: billsync says what it is trying and when it gives up."""

import fcntl
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from synctest import (BILLSYNC, ROOT, Result, Tap, World, read_csv,    # noqa: E402
                      wait_for, write_csv)

FAILBS = os.path.join(ROOT, os.environ.get("BUILD", "build"), "san", "billsync-failmalloc")


def status_runs(w):
    p = subprocess.run([BILLSYNC, "status", "-c", w.conf, "--json", "--limit", "0"],
                       cwd=ROOT, capture_output=True, text=True, check=False)
    try:
        return json.loads(p.stdout)["runs"]
    except (ValueError, KeyError):
        return []


def newest(w):
    runs = status_runs(w)
    return runs[0] if runs else {}


def exit_codes_test(t):
    """After each process, the run it last wrote (the newest) holds its exit
    code, how it ended (phase), when it finished and, unless it is done,
    why; a run continued by a later process holds the later outcome; a
    process that ends before a run begins (2: a bad command line, 7: the
    state is locked) leaves the runs as they were.  Each code of README's
    table is provoked: 3 a column typo, 4 missing source data, a bulk
    file changed before an upload and a report that cannot be written,
    5 Salesforce failing, 6 an allocation failing (the
    billsync-failmalloc build), 8 the org's allocation, 9 the delete
    cap."""
    with World() as w:
        def step(label, want, *args, cmd="run", phase=None):
            r = w.run(*args, cmd=cmd, json_out=False)
            compare(label, want, r, phase)

        def compare(label, want, r, phase=None):
            t.eq(r.rc, want, "%s: exit code %d" % (label, want), r)
            run = newest(w)
            t.eq(run.get("exit_code"), r.rc, "%s: the state records exit %d"
                 % (label, r.rc), run)
            recorded(label, run, phase or {0: "done", 1: "done", 8: "paused"}.get(want, "failed"))

        def recorded(label, run, phase):
            """The run ended as it did: its phase, when, and (a run that
            did not finish its work) why."""
            t.eq(run.get("phase"), phase, "%s: the state records phase %s" % (label, phase), run)
            t.ok(run.get("finished_at"), "%s: the state records when it finished" % label, run)
            if phase != "done":
                t.ok(run.get("message"), "%s: the state records why" % label, run)

        def no_run(label, want, r, before):
            t.eq(r.rc, want, "%s: exit code %d" % (label, want), r)
            t.eq(status_runs(w)[:1], before, "%s: no run began, none recorded" % label)

        step("a clean run", 0, "--objects", "plans")
        before = status_runs(w)[:1]
        no_run("a bad command line", 2, w.run("--no-such-option", json_out=False), before)
        no_run("the state is locked", 7, locked_run(w), before)
        step("rows rejected by billsync", 1, "--full", "--objects", "invoices")
        step("a column typo in a mapping", 3, "--mappings", typo_mappings(w))
        w.emu.set_faults(http_500_every=1)
        step("Salesforce answers 500 to everything", 5, "--full", "--objects", "plans")
        w.emu.set_faults(http_500_every=0, limit_after_calls=2)
        step("the org's API allocation runs out", 8, "--full", "--objects", "plans")
        w.emu.set_faults(limit_after_calls=0)
        step("the paused run finished", 0, "--objects", "plans")
        compare("the report cannot be written to standard output", 4,
                run_to(w, "/dev/full", "--full", "--objects", "plans"), "done")
        compare("the report cannot be written, after an upload", 4,
                upload_to_full(w), "done")
        compare("an upload of a bulk file changed since its export", 4,
                tampered_upload(w))
        if os.path.exists(FAILBS):
            compare("an allocation fails during the run", 6, failing_allocation(w))
        else:
            t.ok(False, "%s is built (make check builds it)" % FAILBS)
        step("an object's deletes over its cap", 9, *deletes_over_cap(w), phase="done")
        os.rename(w.path("plans"), w.path("plans") + ".gone")
        step("the source data is gone", 4, "--full", "--objects", "plans")


def locked_run(w):
    """A run while another process holds the state directory's lock."""
    fd = os.open(os.path.join(w.state, "lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        return w.run("--objects", "plans", json_out=False)
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def typo_mappings(w):
    maps = os.path.join(w.tmp, "typo-mappings")
    shutil.copytree(os.path.join(ROOT, "mappings"), maps)
    path = os.path.join(maps, "plan.map")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace("= name |", "= nmae |", 1))
    return maps


def run_to(w, out_path, *args, cmd="run", env=None):
    """billsync --json with standard output to out_path."""
    with open(out_path, "w", encoding="utf-8") as out:
        p = subprocess.run(w.command(cmd, args, True), cwd=ROOT, stdout=out,
                           stderr=subprocess.PIPE, text=True, check=False, env=env)
    return Result(p.returncode, "", p.stderr, False)


def upload_to_full(w):
    out = os.path.join(w.tmp, "export-full")
    subprocess.run([BILLSYNC, "export", "-c", w.conf, "--out", out, "--objects", "plans"],
                   cwd=ROOT, capture_output=True, check=False)
    return run_to(w, "/dev/full", out, cmd="upload")


def tampered_upload(w):
    """upload of an exported folder whose bulk file changed (same size,
    another sha256): it stops before anything is sent."""
    out = os.path.join(w.tmp, "export-tampered")
    subprocess.run([BILLSYNC, "export", "-c", w.conf, "--out", out, "--objects", "plans"],
                   cwd=ROOT, capture_output=True, check=False)
    with open(os.path.join(out, "manifest.json"), encoding="utf-8") as f:
        path = os.path.join(out, json.load(f)["objects"][0]["files"][0]["path"])
    with open(path, "rb") as f:
        data = bytearray(f.read())
    data[len(data) // 2] ^= 0xff
    with open(path, "wb") as f:
        f.write(data)
    return w.run(out, cmd="upload", json_out=False)


def failing_allocation(w):
    """A run of billsync-failmalloc whose allocation fails after the run
    began: the latest allocation site that makes it exit 6 (the sites are
    tried from the last one backwards)."""
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0")
    args = [FAILBS] + w.command("run", ["--full", "--objects", "plans"], False)[1:]
    sites = os.path.join(w.tmp, "alloc-sites")
    subprocess.run(args, cwd=ROOT, capture_output=True, check=False,
                   env=dict(env, BILLSYNC_FAILMALLOC_SITES=sites))
    with open(sites, encoding="ascii") as f:
        firsts = sorted((int(line.split()[0]) for line in f), reverse=True)
    r = None
    for idx in firsts[:20]:
        p = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False,
                           env=dict(env, BILLSYNC_FAILMALLOC=str(idx)))
        r = Result(p.returncode, p.stdout, p.stderr, False)
        if r.rc == 6:
            break
    return r


def deletes_over_cap(w):
    """Mappings whose plans delete what is missing, at most one, and a
    plans file two plans shorter: the arguments of a run that exits 9."""
    maps = os.path.join(w.tmp, "delete-mappings")
    shutil.copytree(os.path.join(ROOT, "mappings"), maps)
    with open(os.path.join(maps, "plan.map"), "a", encoding="utf-8") as f:
        f.write("\n[delete]\nmissing = delete\nhow = delete\nmax_deletes = 1\n")
    subprocess.run(w.command("run", ["--mappings", maps, "--objects", "plans"], False),
                   cwd=ROOT, capture_output=True, check=False)
    rows = read_csv(w.path("plans"))
    write_csv(w.path("plans"), rows[:-2])
    return ("--mappings", maps, "--objects", "plans")


def running_killed_test(t):
    with World(faults={"slow_ms": 400}) as w:
        p = w.spawn("--objects", "customers")
        run = wait_for(lambda: newest(w).get("outcome") == "running" and newest(w), p)
        t.ok(run, "a run in progress: exit shown as 'running'", status_runs(w))
        t.eq(run and run.get("exit_code"), None, "a run in progress: no exit code yet")
        p.kill()
        t.eq(newest(w).get("outcome"), "killed", "a run that never finished: 'killed'",
             status_runs(w))
        out = subprocess.run([BILLSYNC, "status", "-c", w.conf], cwd=ROOT,
                             capture_output=True, text=True, check=False).stdout
        t.has(out, " killed ", "`status` shows it in the exit column")


def upload_again_test(t):
    with World() as w:
        out = os.path.join(w.tmp, "export")
        subprocess.run([BILLSYNC, "export", "-c", w.conf, "--out", out, "--objects",
                        "plans"], cwd=ROOT, capture_output=True, check=False)
        r = w.run(out, cmd="upload", json_out=False)
        t.eq(r.rc, 0, "upload: the first loads the folder", r)
        first = newest(w).get("id")
        calls = len(w.emu.requests())
        r = w.run(out, cmd="upload", json_out=False)
        t.eq(r.rc, 0, "upload again: exit 0", r)
        t.has(r.stderr, "was already loaded by run %s (finished " % first,
              "upload again: says it was loaded, by which run and when")
        t.has(r.stderr, "exit 0: every record loaded): nothing sent; --restart loads it "
              "again", "upload again: the outcome, and that nothing was sent")
        t.eq(len(w.emu.requests()), calls, "upload again: Salesforce saw no request")
        t.eq(newest(w).get("id"), first, "upload again: no new run")
        r = w.run(out, cmd="upload")
        t.eq(r.rc, 0, "upload --json again: exit 0", r)
        t.eq(r.report, {"status": "already_loaded", "sent": False,
                        "loaded_by": {"run": first,
                                      "finished_at": newest(w).get("finished_at"),
                                      "exit_code": 0},
                        "exit_code": 0},
             "upload --json again: says which run loaded it, when, its exit code, "
             "and that nothing was sent", r.stdout)
        t.eq(len(w.emu.requests()), calls, "upload --json again: Salesforce saw no request")
        r = w.run(out, "--restart", cmd="upload", json_out=False)
        t.eq(r.rc, 0, "upload --restart: loads it again", r)
        t.ok(len(w.emu.requests()) > calls, "upload --restart: sends")


def upload_mistake_test(t):
    """A mistake `upload DIR` finds stops it before anything is sent: a bulk
    file missing, or changed since the export (same size, another
    sha256), even when it is the last object's; Salesforce sees no request
    and every record's status and attempts stay as they were."""
    with World() as w:
        w.run(json_out=False)
        out = os.path.join(w.tmp, "export")
        subprocess.run([BILLSYNC, "export", "-c", w.conf, "--out", out],
                       cwd=ROOT, capture_output=True, check=False)
        with open(os.path.join(out, "manifest.json"), encoding="utf-8") as f:
            last = json.load(f)["objects"][-1]["files"][0]["path"]
        path = os.path.join(out, last)
        with open(path, "rb") as f:
            data = bytearray(f.read())
        before = w.query("SELECT object, key, status, attempts FROM records")
        calls = len(w.emu.requests())
        data[len(data) // 2] ^= 0xff
        with open(path, "wb") as f:
            f.write(data)
        r = w.run(out, cmd="upload", json_out=False)
        t.eq(r.rc, 4, "upload of a folder whose last bulk file changed: exit 4", r)
        t.has(r.stderr, "bulk file '%s' is not the file the export wrote" % last,
              "upload: names the changed file")
        t.eq(len(w.emu.requests()), calls, "upload of a changed folder: nothing sent")
        t.eq(w.query("SELECT object, key, status, attempts FROM records"), before,
             "upload of a changed folder: every record's status and attempts untouched")
        os.remove(path)
        r = w.run(out, cmd="upload", json_out=False)
        t.eq(r.rc, 4, "upload of a folder whose last bulk file is missing: exit 4", r)
        t.has(r.stderr, "bulk file '%s' is missing" % last, "upload: names the missing file")
        t.eq(len(w.emu.requests()), calls, "upload of a folder missing a file: nothing sent")
        t.eq(w.query("SELECT object, key, status, attempts FROM records"), before,
             "upload of a folder missing a file: every record untouched")


def history_test(t):
    with World() as w:
        w.run(json_out=False)
        w.run(json_out=False)
        p = subprocess.run([BILLSYNC, "records", "-c", w.conf, "--history",
                            "fHim2JUPczfvLZhm", "--json"], cwd=ROOT,
                           capture_output=True, text=True, check=False)
        try:
            h = json.loads(p.stdout)["history"]
        except (ValueError, KeyError):
            h = []
        t.eq([(e["run"], e["status"], e["error_code"]) for e in h],
             [(1, "pending", None), (1, "failed", "INVALID_EMAIL_ADDRESS"),
              (2, "retried", "INVALID_EMAIL_ADDRESS"),
              (2, "failed", "INVALID_EMAIL_ADDRESS")],
             "records --history: when it failed, and again", p.stdout + p.stderr)
        p = subprocess.run([BILLSYNC, "records", "-c", w.conf, "--history",
                            "Gq7cVz4TbR2wXk9L", "--json"], cwd=ROOT,
                           capture_output=True, text=True, check=False)
        try:
            h = json.loads(p.stdout)["history"]
        except (ValueError, KeyError):
            h = []
        t.eq([(e["run"], e["status"]) for e in h], [(1, "pending"), (1, "synced")],
             "records --history: a record that went through once, unchanged since",
             p.stdout)


def quiet_test(t):
    with World() as w:
        r = w.run("--quiet", json_out=False)
        t.eq(r.rc, 1, "run --quiet: exit 1 (rows rejected, records failed)", r)
        t.eq(r.stdout, "", "run --quiet: nothing on standard output")
        t.eq(sorted(l.split(":")[2].strip() for l in r.stderr.splitlines()),
             ["2 records failed or were not processed", "OrbInvoice__c"],
             "run --quiet: one warning per thing the exit code stands for", r.stderr)
        t.has(r.stderr, "OrbInvoice__c: 2 rows rejected: see ",
              "run --quiet: the rejected rows, and where they are")
        r = w.run("--quiet", "--objects", "plans", json_out=False)
        t.eq((r.rc, r.stdout, r.stderr), (0, "", ""),
             "run --quiet with nothing to report prints nothing")
        r = w.run("--objects", "plans", json_out=False)
        t.ok(r.stdout.strip() != "", "without --quiet: the summary", r)
        r = w.run("--quiet", "--objects", "plans")
        t.ok(r.report is not None, "--json --quiet: the JSON report", r.stdout[:300])


def mapping_typo_test(t):
    """A column typo in one mapping stops the run (exit 3) before any row is
    read: no file written, every record's status and attempts as before."""
    with World() as w:
        w.run(json_out=False)
        maps = os.path.join(w.tmp, "mappings")
        shutil.copytree(os.path.join(ROOT, "mappings"), maps)
        path = os.path.join(maps, "daily_line_item_revenue.map")
        with open(path, encoding="utf-8") as f:
            text = f.read()
        with open(path, "w", encoding="utf-8") as f:
            f.write(text.replace("= invoice_id", "= invoice_idd", 1))
        before = w.query("SELECT object, key, status, attempts FROM records")
        runs = len(w.runs())
        for cmd in ("run", "retry", "export", "preview"):
            args = ["--mappings", maps]
            if cmd == "export":
                args += ["--out", os.path.join(w.tmp, "out-" + cmd)]
            if cmd == "preview":
                args = ["OrbDailyLineItemRevenue__c"] + args
            r = w.run(*args, cmd=cmd, json_out=False)
            t.eq(r.rc, 3, "%s with a column typo: exit 3" % cmd, r)
            t.has(r.stderr, "daily_line_item_revenue.csv:1: no column 'invoice_idd' in "
                  "the header; did you mean 'invoice_id'?",
                  "%s with a column typo: names file, line and the column" % cmd)
            t.eq(w.query("SELECT object, key, status, attempts FROM records"), before,
                 "%s with a column typo: every record's status and attempts untouched"
                 % cmd)
        t.ok(not os.path.exists(os.path.join(w.tmp, "out-export", "OrbCustomer__c")),
             "export with a column typo: no object was written")
        t.ok(len(w.runs()) <= runs + 2, "the runs it began ended", w.runs())


def jsonl_typo_test(t):
    """A column typo against a JSON-lines dataset is found before any row
    is read, from the keys of its first records (they stand for a header):
    exit 3 naming the mapping's line and the key meant; nothing sent, no
    record changed."""
    with World() as w:
        w.run("--objects", "plans", json_out=False)
        rows = read_csv(w.path("plans"))
        with open(os.path.join(w.src, "plans.jsonl"), "w", encoding="utf-8") as f:
            for r in rows[1:]:
                f.write(json.dumps(dict(zip(rows[0], r))) + "\n")
        os.remove(w.path("plans"))
        maps = typo_mappings(w)
        before = w.query("SELECT object, key, status, attempts FROM records")
        calls = len(w.emu.requests())
        for cmd in ("run", "export", "preview"):
            args = ["--mappings", maps, "--objects", "plans"]
            if cmd == "export":
                args += ["--out", os.path.join(w.tmp, "out-jsonl")]
            if cmd == "preview":
                args = ["OrbPlan__c", "--mappings", maps]
            r = w.run(*args, cmd=cmd, json_out=False)
            t.eq(r.rc, 3, "JSON lines, %s with a column typo: exit 3" % cmd, r)
            t.has(r.stderr, "plan.map:18: column 'nmae' is in no record of %s; did you "
                  "mean 'name'?" % os.path.join(w.src, "plans.jsonl"), "JSON lines, %s: names the mapping's line and "
                  "the key" % cmd)
        t.eq(len(w.emu.requests()), calls, "JSON lines with a typo: nothing sent")
        t.eq(w.query("SELECT object, key, status, attempts FROM records"), before,
             "JSON lines with a typo: every record's status and attempts untouched")
        t.ok(not os.path.exists(os.path.join(w.tmp, "out-jsonl", "OrbPlan__c")),
             "JSON lines with a typo: export wrote nothing")
        r = w.run("--objects", "plans", "--full", json_out=False)
        t.eq(r.rc, 0, "JSON lines without the typo: the run goes ahead", r)


def feed_fifo(path, data, deadline):
    """Writes data into the FIFO at path once a reader opens it (or gives
    up at deadline); in a thread, whose .fed is then the bytes the FIFO
    took before its reader closed it."""
    def run():
        while time.monotonic() < deadline:
            try:
                fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                time.sleep(0.02)
                continue
            os.set_blocking(fd, True)
            try:
                while th.fed < len(data):
                    th.fed += os.write(fd, data[th.fed:th.fed + 65536])
            except OSError:
                pass
            os.close(fd)
            return
    th = threading.Thread(target=run, daemon=True)
    th.fed = 0
    th.start()
    return th


def fifo_typo_test(t):
    """A FIFO can be read only once, yet its header is checked with every
    other before the first row is read (README, exit 3): its head is read
    and kept for the export.  A column typo there stops the run with exit 3
    before the datasets that come earlier (customers) are read: no bulk
    file written, the FIFO read no further than its head, nothing sent,
    and every record's status and attempts as they were."""
    with World() as w:
        w.run(json_out=False)
        with open(w.path("plans"), "rb") as f:
            data = f.read()
        body = data.split(b"\n", 1)[1]
        data += body * (2 * 2**20 // len(body))    # 2 MiB
        os.remove(w.path("plans"))
        os.mkfifo(w.path("plans"))
        maps = typo_mappings(w)
        before = w.query("SELECT object, key, status, attempts FROM records")
        calls = len(w.emu.requests())
        feeder = feed_fifo(w.path("plans"), data, time.monotonic() + 60)
        r = w.run("--mappings", maps, json_out=False, timeout=90)
        feeder.join(5)
        t.eq(r.rc, 3, "a FIFO dataset with a column typo: exit 3", r)
        t.has(r.stderr, "plans.csv:1: no column 'nmae' in the header; did you mean "
              "'name'?", "a FIFO dataset with a typo: names file, line and column")
        _, work, _ = w.last_run()
        written = sorted(os.listdir(work)) if work and os.path.isdir(work) else []
        t.ok(not [d for d in written if d.startswith("Orb")],
             "a FIFO dataset with a typo: no bulk file written, not even the customers' "
             "read before plans", written)
        t.ok(feeder.fed < 2**20, "a FIFO dataset with a typo: read no further than its "
             "head (%d of %d bytes)" % (feeder.fed, len(data)))
        t.eq(len(w.emu.requests()), calls, "a FIFO dataset with a typo: nothing sent")
        t.eq(w.query("SELECT object, key, status, attempts FROM records"), before,
             "a FIFO dataset with a typo: every record's status and attempts untouched")


def silent_host_test(t):
    """A listener whose accept queue is full drops every new connection's
    SYN, as a host behind a firewall that drops packets does: the
    connection attempt answers nothing until [salesforce] timeout (8 s
    here).  Within a few seconds, with --verbose and without, billsync
    says which request waits on which host and when the attempt gives
    up."""
    lsn = socket.socket()
    lsn.bind(("127.0.0.1", 0))
    lsn.listen(0)
    port = lsn.getsockname()[1]
    queued = []
    for _ in range(3):              # fill the accept queue
        c = socket.socket()
        c.setblocking(False)
        c.connect_ex(("127.0.0.1", port))
        queued.append(c)
    time.sleep(0.3)
    try:
        with World() as w:
            w.salesforce["instance_url"] = "http://127.0.0.1:%d" % port
            w.salesforce["timeout"] = "8"
            w.load["retries"] = "0"
            w.write_conf()
            for extra in ([], ["--verbose"]):
                start = time.monotonic()
                p = subprocess.Popen(w.command("run", ["--objects", "plans"] + extra,
                                               False), cwd=ROOT, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
                said = None
                for line in p.stderr:
                    if said is None and "no connection yet" in line:
                        said = (time.monotonic() - start, line.strip())
                p.wait()
                took = time.monotonic() - start
                label = "a host that drops packets%s" % (" (--verbose)" if extra else "")
                t.eq(p.returncode, 5, "%s: exit 5 once the attempt gave up" % label)
                t.ok(said is not None and "127.0.0.1:%d" % port in said[1] and
                     "gives up in" in said[1],
                     "%s: says which host it waits for and when it gives up" % label, said)
                t.ok(said is not None and took - said[0] >= 3,
                     "%s: said well before the connect timeout (%.1f s of %.1f s)"
                     % (label, said[0] if said else -1, took))
    finally:
        for c in queued:
            c.close()
        lsn.close()


def main():
    t = Tap()
    exit_codes_test(t)
    running_killed_test(t)
    upload_again_test(t)
    upload_mistake_test(t)
    history_test(t)
    quiet_test(t)
    mapping_typo_test(t)
    jsonl_typo_test(t)
    fifo_typo_test(t)
    silent_host_test(t)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
