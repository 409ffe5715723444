#!/usr/bin/env python3
"""billsync status and records against a run on the samples: runs, files and jobs,
per-record outcomes with Salesforce's errors and source lines, filters and their
usage errors, a CSV export that is safe in a spreadsheet while Salesforce got the
values unchanged, reading while another process holds the state's lock, and a
state directory where nothing has run yet."""

import csv
import fcntl
import glob
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from loadtest import BILLSYNC, FAST_LOAD, ROOT, SECRET, Tap, emuctl   # noqa: E402

# Customers of the samples whose ids become formula-looking text in the copy
# (every reference to them changes too, so their invoices still find them),
# and a customer name that does.
FORMULA_IDS = {"Gq7cVz4TbR2wXk9L": "=SUM(A1)", "Kp2mWq8sYx4NvB7D": "+1",
               "Zt5rHn1cLq9PdF3J": "@x", "2oQPtYatGIy8ALXF": "-2"}
FORMULA_NAME = ('"Acme, Inc."', "=SUM(A1)")
REFUSED = {"INVALID_EMAIL_ADDRESS", "INVALID_CROSS_REFERENCE_KEY"}


class World:
    """A copy of the samples, the emulator, a billsync.conf and a state dir."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="billsync-records.")
        self.src = os.path.join(self.tmp, "samples")
        os.mkdir(self.src)
        for path in glob.glob(os.path.join(ROOT, "samples", "*.csv")):
            with open(path, encoding="utf-8", newline="") as f:
                text = f.read()
            for old, new in list(FORMULA_IDS.items()) + [FORMULA_NAME]:
                text = text.replace(old, new)
            with open(os.path.join(self.src, os.path.basename(path)), "w",
                      encoding="utf-8", newline="") as f:
                f.write(text)
        self.emu = emuctl.Emulator()
        secret = os.path.join(self.tmp, "client-secret")
        with open(secret, "w", encoding="ascii") as f:
            f.write(SECRET + "\n")
        os.chmod(secret, 0o600)
        self.state = os.path.join(self.tmp, "state")
        self.conf = self.write_conf("billsync.conf", self.state, secret)

    def write_conf(self, name, state, secret=None):
        path = os.path.join(self.tmp, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write("[source]\npath = %s\n" % self.src)
            f.write("[mappings]\ndir = %s\n" % os.path.join(ROOT, "mappings"))
            f.write("[state]\ndir = %s\n" % state)
            f.write("[salesforce]\ninstance_url = %s\nauth = client_credentials\n"
                    "client_id = billsync-demo\nclient_secret_file = %s\n"
                    % (self.emu.base_url, secret or os.path.join(self.tmp, "client-secret")))
            f.write("[load]\n")
            for k, v in FAST_LOAD.items():
                f.write("%s = %s\n" % (k, v))
        return path

    def bs(self, *args, conf=None, timeout=120):
        cmd = [BILLSYNC] + list(args) + ["-c", conf or self.conf]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              check=False)

    def json(self, *args, conf=None):
        p = self.bs(*(list(args) + ["--json"]), conf=conf)
        try:
            return p, json.loads(p.stdout)
        except ValueError:
            return p, None

    def close(self):
        self.emu.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


def show(p):
    return "exit %d\nstdout: %s\nstderr: %s" % (p.returncode, p.stdout[-2000:], p.stderr[-2000:])


def first_run(t, w):
    p = w.bs("run")
    t.eq(p.returncode, 1, "the run on the samples exits 1 (rows rejected, two refused)",
         show(p))


def status_text(t, w):
    p = w.bs("status")
    t.eq(p.returncode, 0, "status exits 0", show(p))
    lines = p.stdout.splitlines()
    runs = [l for l in lines if l.lstrip().startswith("1 ")]
    t.ok(runs and " done " in runs[0] and " run " in runs[0],
         "status lists run 1 as done", p.stdout)
    t.has(p.stdout, "run 1 (run, incremental, done): 8 files", "status names the run's 8 files")
    jobs = [l for l in lines if "JobComplete" in l]
    t.eq(len(jobs), 8, "status shows 8 jobs JobComplete", p.stdout)
    t.ok(any("OrbCustomer__c" in l and l.split()[-2:] == ["12", "2"] for l in jobs),
         "the customers' job: 12 processed, 2 failed", jobs)
    t.ok(any(l.startswith("records (all objects):") and " 2 failed," in l for l in lines),
         "status counts the records by status", p.stdout)


def status_json(t, w):
    p, doc = w.json("status")
    t.ok(p.returncode == 0 and doc is not None, "status --json parses", show(p))
    if not doc:
        return
    t.eq(len(doc["runs"]), 1, "one run")
    run = doc["run"]
    t.eq((run["id"], run["phase"], run["exit_code"]), (1, "done", 1),
         "the latest run: done, exit 1")
    t.eq(len(run["files"]), 8, "8 files")
    jobs = [j for f in run["files"] for j in f["jobs"]]
    t.eq(sorted({j["state"] for j in jobs}), ["JobComplete"], "every job JobComplete")
    t.eq(len(jobs), 8, "8 jobs")
    t.eq(run["load_counts"]["failed"], 2, "load counts: 2 failed")
    t.eq(run["export_counts"]["rejected"], 2, "export counts: 2 rejected")
    t.eq(doc["records"]["failed"], 2, "record counts: 2 failed")
    t.eq(doc["records"]["total"], sum(v for k, v in doc["records"].items() if k != "total"),
         "record counts add up")
    p, one = w.json("status", "--run", "1")
    t.ok(one and one["run"]["id"] == 1, "status --run 1", show(p))
    p = w.bs("status", "--run", "99")
    t.ok(p.returncode == 2 and "no run 99" in p.stderr, "status --run 99: usage error",
         show(p))


def customer_lines(w):
    """id -> physical line of its row in the copy's customers.csv."""
    out = {}
    with open(os.path.join(w.src, "customers.csv"), encoding="utf-8", newline="") as f:
        for n, line in enumerate(f, 1):
            out.setdefault(line.split(",", 1)[0], n)
    return out


def failed_records(t, w):
    p, doc = w.json("records", "--status", "failed")
    t.ok(p.returncode == 0 and doc is not None, "records --status failed --json parses",
         show(p))
    if not doc:
        return
    recs = doc["records"]
    t.eq(sorted(r["error_code"] for r in recs), sorted(REFUSED),
         "exactly the two customers Salesforce refused", recs)
    t.ok(all(r["object"] == "OrbCustomer__c" and r["status"] == "failed" for r in recs),
         "both are failed customers", recs)
    lines = customer_lines(w)
    t.ok(all(r["source"].endswith("/customers.csv") and r["line"] == lines.get(r["key"])
             for r in recs), "each names its source file and line", recs, lines)
    p = w.bs("records", "--status", "failed")
    rows = [l for l in p.stdout.splitlines() if l.startswith("OrbCustomer__c")]
    t.eq(len(rows), 2, "the table has two rows", p.stdout)
    t.ok(all(("customers.csv:%d" % lines[r["key"]]) in p.stdout for r in recs),
         "the table shows file:line", p.stdout)
    t.ok(all(r["error_code"] in p.stdout for r in recs), "the table shows the error codes",
         p.stdout)
    t.has(p.stdout, "2 records", "the table counts them")


def by_object(t, w):
    # 56 synced invoices and the draft the `drafts` filter skipped
    p, doc = w.json("records", "--object", "OrbInvoice__c", "--limit", "0")
    t.ok(doc and doc["total"] == 57 and len(doc["records"]) == 57 and
         sum(r["status"] == "skipped" for r in doc["records"]) == 1,
         "records --object OrbInvoice__c: 56 synced, 1 skipped", show(p))
    p, doc = w.json("records", "--object", "orbinvoice__C", "--limit", "0")
    t.ok(doc and doc["total"] == 57, "the object name is case-insensitive", show(p))
    p = w.bs("records", "--object", "OrbInvoice__c")
    rows = [l for l in p.stdout.splitlines() if l.startswith("OrbInvoice__c")]
    t.eq(len(rows), 50, "the table stops at the default limit", p.stdout[-500:])
    t.has(p.stdout, "50 of 57 records shown", "and says so")
    p = w.bs("records", "--object", "OrbInvoce__c")
    t.ok(p.returncode == 2 and "did you mean 'OrbInvoice__c'?" in p.stderr,
         "a misspelt object: usage error with a hint", show(p))


def filters(t, w):
    p, doc = w.json("records", "--key", "=SUM(A1)")
    t.ok(doc and [r["object"] for r in doc["records"]] == ["OrbCustomer__c"],
         "records --key finds one record", show(p))
    _, every = w.json("records", "--limit", "0")
    p, doc = w.json("records", "--since", "2000-01-01", "--limit", "0")
    t.ok(doc and every and doc["total"] == every["total"] > 3000,
         "--since long ago: every record", show(p))
    p, doc = w.json("records", "--since", "2999-12-31T23:00:00+01:00")
    t.ok(doc and doc["total"] == 0, "--since in the future: none", show(p))
    p = w.bs("records", "--since", "2024-02-30")
    t.ok(p.returncode == 2 and "--since takes a date" in p.stderr,
         "a bad --since date: usage error", show(p))
    p = w.bs("records", "--status", "sent")
    t.ok(p.returncode == 2 and "unknown status 'sent'" in p.stderr and
         "synced" in p.stderr and "--help" in p.stderr,
         "records --status sent: usage error naming the statuses", show(p))
    p = w.bs("records", "--status", "synched")
    t.ok(p.returncode == 2 and "did you mean 'synced'?" in p.stderr,
         "a misspelt status: did-you-mean hint", show(p))
    p = w.bs("records", "--csv", "-", "--json")
    t.eq(p.returncode, 2, "--csv - with --json: usage error")


def csv_export(t, w):
    path = os.path.join(w.tmp, "records.csv")
    p = w.bs("records", "--csv", path)
    t.eq(p.returncode, 0, "records --csv FILE exits 0", show(p))
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    _, every = w.json("records", "--limit", "0")
    t.eq(len(rows), every["total"] if every else -1,
         "the CSV has every record, not just --limit")
    t.has(p.stdout, "%d records written to %s" % (len(rows), path), "and says how many")
    keys = {r["key"] for r in rows if r["object"] == "OrbCustomer__c"}
    for value in ("=SUM(A1)", "+1", "@x", "-2"):
        t.ok("'" + value in keys and value not in keys,
             "the CSV shows key %s as '%s" % (value, value), sorted(keys))
    sent = {r["OrbId__c"]: r for r in w.emu.records("OrbCustomer__c")}
    t.ok(all(v in sent for v in ("=SUM(A1)", "+1", "@x", "-2")),
         "Salesforce got those keys unchanged", sorted(sent))
    t.eq(sent.get("=SUM(A1)", {}).get("Name"), "=SUM(A1)",
         "and the name =SUM(A1) unchanged")
    inv = [r for r in w.emu.records("OrbInvoice__c")
           if r.get("OrbCustomer__c") == sent.get("=SUM(A1)", {}).get("Id")]
    t.ok(len(inv) > 0, "and the invoices of customer =SUM(A1) point at it", len(inv))
    p = w.bs("records", "--status", "failed", "--csv", "-")
    out = list(csv.reader(io.StringIO(p.stdout)))
    t.ok(p.returncode == 0 and len(out) == 3 and out[0][:3] == ["object", "key", "status"],
         "--csv - writes the header and the two failed records to stdout", show(p))
    p = w.bs("records", "--csv", os.path.join(w.tmp, "no-such-dir", "x.csv"))
    t.ok(p.returncode == 4 and "cannot write" in p.stderr,
         "an unwritable CSV path: exit 4", show(p))


def while_locked(t, w):
    fd = os.open(os.path.join(w.state, "lock"), os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        p = w.bs("run")
        t.ok(p.returncode == 7, "with the lock held, a run is refused (exit 7)", show(p))
        p, doc = w.json("status")
        t.ok(p.returncode == 0 and doc and doc["run"]["phase"] == "done",
             "status works while the lock is held", show(p))
        p, doc = w.json("records", "--status", "failed")
        t.ok(p.returncode == 0 and doc and doc["total"] == 2,
             "records works while the lock is held", show(p))
    finally:
        os.close(fd)


def during_a_run(t, w):
    """A real run in progress: status sees it loading, records still read."""
    w.emu.set_faults(slow_ms=150)
    proc = subprocess.Popen([BILLSYNC, "run", "--full", "-c", w.conf],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen, ok_records, deadline = None, True, time.time() + 60
    try:
        while proc.poll() is None and time.time() < deadline:
            p, doc = w.json("status")
            if p.returncode != 0 or not doc:
                ok_records = False
                break
            if doc["run"]["id"] == 2 and doc["run"]["phase"] == "loading":
                seen = doc["run"]
                q = w.bs("records", "--object", "OrbCustomer__c")
                ok_records = q.returncode == 0
                break
            time.sleep(0.05)
    finally:
        rc = proc.wait(timeout=120)
        w.emu.set_faults(slow_ms=0)
    t.ok(seen is not None and seen["finished_at"] is None,
         "status during a run shows it loading, not finished", seen)
    t.ok(ok_records, "records works during a run")
    t.eq(rc, 1, "the run itself was not disturbed (exit 1: the same two refused)")
    p, doc = w.json("status")
    t.ok(doc and doc["run"]["id"] == 2 and doc["run"]["phase"] == "done" and
         len(doc["runs"]) == 2, "afterwards status shows run 2 done", show(p))


def no_state(t, w):
    state = os.path.join(w.tmp, "never-run")
    conf = w.write_conf("empty.conf", state)
    p = w.bs("status", conf=conf)
    t.ok(p.returncode == 0 and
         p.stdout.strip() == "no runs yet: %s has no billsync.db" % state,
         "status with no state directory: 'no runs yet', exit 0", show(p))
    p, doc = w.json("status", conf=conf)
    t.ok(doc and doc["runs"] == [] and doc["run"] is None and doc["records"]["total"] == 0,
         "status --json with no state: empty", show(p))
    p = w.bs("records", conf=conf)
    t.ok(p.returncode == 0 and "no runs yet" in p.stdout, "records with no state: exit 0",
         show(p))
    p = w.bs("records", "--csv", "-", conf=conf)
    t.ok(p.returncode == 0 and p.stdout.startswith("object,key,status,"),
         "records --csv with no state: the header only", show(p))
    t.ok(not os.path.exists(state), "reading never creates the state directory")
    os.mkdir(state)
    with open(os.path.join(state, "billsync.db"), "w", encoding="ascii") as f:
        f.write("not a database, not at all; " * 10)
    p = w.bs("status", conf=conf)
    t.ok(p.returncode == 4 and "state database" in p.stderr,
         "a broken billsync.db is an error (exit 4)", show(p))


def main():
    t = Tap()
    w = World()
    try:
        for fn in (first_run, status_text, status_json, failed_records, by_object,
                   filters, csv_export, while_locked, during_a_run, no_state):
            t.run(fn, t, w)
    finally:
        w.close()
    t.done()


if __name__ == "__main__":
    main()
