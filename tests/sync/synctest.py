"""Shared set-up for the sync-state tests (tests/sync/test_*.py): a World is a
copy of a billing export in a temporary directory, a Salesforce emulator, a
billsync.conf with its own [state] dir, and helpers to run `billsync run`,
read the sync state (STATE/billsync.db, read-only) and compare what landed in
the emulator.

The tests run from the repository root; $BILLSYNC is the binary under test
(the sanitizer build in `make check`), $BILLSYNC_GEN the generator."""

import csv
import gzip
import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "salesforce"))
sys.path.insert(0, os.path.join(ROOT, "tests", "loader"))

import emuctl                                      # noqa: E402
from emutest import Tap                            # noqa: E402,F401 (re-exported)
from loadtest import BILLSYNC, FAST_LOAD, SECRET   # noqa: E402

BILLSYNC_GEN = os.environ.get("BILLSYNC_GEN", os.path.join(ROOT, "build", "billsync-gen"))
SAMPLES = os.path.join(ROOT, "samples")
DATASETS = ("customers", "plans", "subscriptions", "invoices", "invoice_line_item_billing",
            "daily_line_item_revenue", "credit_ledger_entries")
OBJECTS = ("OrbCustomer__c", "OrbPlan__c", "OrbSubscription__c", "OrbInvoice__c",
           "OrbInvoiceLineItemBilling__c", "OrbDailyLineItemRevenue__c",
           "OrbCommittedLedgerEntry__c", "OrbMonthlyLineItemRevenue__c")
SYSTEM_FIELDS = ("Id", "IsDeleted", "CreatedDate", "LastModifiedDate", "SystemModstamp")

# What samples/README.md says a run on the samples ends with.
SAMPLE_REJECTED = {"inv_EF8nBHoXKkTi5QPa", "inv_HjhtCWBZIrj6Jo0k"}
# ... and the rows the shipped mappings' filters skip (a draft invoice, a
# pending ledger entry): never sent, recorded as skipped.
SAMPLE_SKIPPED = {("OrbInvoice__c", "inv_8MKL9u1tJCz51ews"),
                  ("OrbCommittedLedgerEntry__c", "le_jWiMDOTzCZmpIIao")}
SAMPLE_FAILED = {("OrbCustomer__c", "fHim2JUPczfvLZhm"): "INVALID_EMAIL_ADDRESS",
                 ("OrbCustomer__c", "XlP0XWqUaA5xL9yZ"): "INVALID_CROSS_REFERENCE_KEY"}
SEEDED_ACCOUNT = "001Hs00002abcdeIAA"      # tests/salesforce/schema.json


class Result:
    def __init__(self, rc, stdout, stderr, json_out):
        self.rc, self.stdout, self.stderr = rc, stdout, stderr
        self.report = None
        if json_out:
            try:
                self.report = json.loads(stdout)
            except ValueError:
                pass

    def sanitizer_clean(self):
        return "Sanitizer" not in self.stderr and "runtime error:" not in self.stderr

    def sanitizer_report(self):
        """The start of a sanitizer report in stderr, or ""."""
        at = [i for i in (self.stderr.find("ERROR: "), self.stderr.find("runtime error:"))
              if i >= 0]
        return self.stderr[min(at):min(at) + 3000] if at else ""

    def __repr__(self):
        return "exit %d\nstdout: %s\nstderr: %s" % (self.rc, self.stdout[-2500:],
                                                    self.stderr[-2500:])


def copy_samples(dest):
    os.makedirs(dest)
    for name in DATASETS:
        shutil.copy(os.path.join(SAMPLES, name + ".csv"), dest)


def generate(dest, dlir_rows, seed=1):
    """A billsync-gen export."""
    subprocess.run([BILLSYNC_GEN, "--out", dest, "--dlir-rows", str(dlir_rows), "--seed",
                    str(seed)], check=True, capture_output=True)


def month_key(row):
    """The OrbMonthlyLineItemRevenue__c id of a daily revenue row (a dict):
    mappings/monthly_line_item_revenue.map's line-month-currency."""
    return "%s-%s-%s" % (row["line_item_id"], row["timeframe_start"][:7],
                         row["currency"].upper())


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def write_csv(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def edit_csv(path, key, **changes):
    """Sets columns of the row whose first column is key; returns the old values."""
    rows = read_csv(path)
    head = rows[0]
    old = None
    for row in rows[1:]:
        if row[0] == key:
            old = {c: row[head.index(c)] for c in changes}
            for c, v in changes.items():
                row[head.index(c)] = v
    if old is None:
        raise KeyError("%s: no row %s" % (path, key))
    write_csv(path, rows)
    return old


class World:
    """One test's export copy, emulator, configuration and state directory."""

    def __init__(self, src=None, dlir_rows=None, faults=None, limits=None, load=None,
                 output=None, emu=None):
        """The export is a copy of the samples, a billsync-gen export of
        dlir_rows daily rows, or src (used as it is, not copied); emu is an
        emulator to share (else one is started, with faults and limits)."""
        self.tmp = tempfile.mkdtemp(prefix="billsync-sync.")
        self.src = src or os.path.join(self.tmp, "src")
        if src:
            pass
        elif dlir_rows:
            generate(self.src, dlir_rows)
        else:
            copy_samples(self.src)
        self.own_emu = emu is None
        self.emu = emu or emuctl.Emulator(faults=faults, limits=limits)
        self.state = os.path.join(self.tmp, "state")
        self.load = dict(FAST_LOAD, **(load or {}))
        self.output = dict(output or {})
        self.conf = os.path.join(self.tmp, "billsync.conf")
        secret = os.path.join(self.tmp, "client-secret")
        with open(secret, "w", encoding="ascii") as f:
            f.write(SECRET + "\n")
        os.chmod(secret, 0o600)
        self.salesforce = {"instance_url": self.emu.base_url, "auth": "client_credentials",
                           "client_id": "billsync-demo", "client_secret_file": secret}
        self.write_conf()

    def write_conf(self):
        work = os.path.join(self.tmp, "work")
        os.makedirs(work, exist_ok=True)
        out = dict({"temp_dir": work}, **self.output)
        with open(self.conf, "w", encoding="utf-8") as f:
            f.write("[source]\npath = %s\n" % self.src)
            f.write("[state]\ndir = %s\n" % self.state)
            for name, sect in (("output", out), ("salesforce", self.salesforce),
                               ("load", self.load)):
                f.write("[%s]\n" % name)
                for k, v in sect.items():
                    f.write("%s = %s\n" % (k, v))

    def new_state(self):
        """Forgets the sync state (a fresh state directory)."""
        shutil.rmtree(self.state, ignore_errors=True)

    def path(self, dataset):
        return os.path.join(self.src, dataset + ".csv")

    def command(self, cmd, args, json_out):
        return [BILLSYNC, cmd, "-c", self.conf] + list(args) + (["--json"] if json_out else [])

    def run(self, *args, cmd="run", json_out=True, timeout=180):
        p = subprocess.run(self.command(cmd, args, json_out), cwd=ROOT, capture_output=True,
                           text=True, timeout=timeout, check=False)
        return Result(p.returncode, p.stdout, p.stderr, json_out)

    def spawn(self, *args, cmd="run"):
        """Starts billsync in the background: a Proc to wait for or kill."""
        return Proc(self, self.command(cmd, args, True))

    # ---- the sync state -------------------------------------------------

    def db(self):
        """A read-only connection (never checkpoints the write-ahead log)."""
        return sqlite3.connect("file:%s?mode=ro" % os.path.join(self.state, "billsync.db"),
                               uri=True, timeout=5)

    def query(self, sql, *params):
        if not os.path.exists(os.path.join(self.state, "billsync.db")):
            return []
        con = self.db()
        try:
            con.row_factory = sqlite3.Row
            return [dict(r) for r in con.execute(sql, params)]
        except sqlite3.OperationalError:      # no tables yet
            return []
        finally:
            con.close()

    def records(self):
        """{(object, key): (status, error_code)} of every record."""
        return {(r["object"], r["key"]): (r["status"], r["error_code"] or "")
                for r in self.query("SELECT object, key, status, error_code FROM records")}

    def status_of(self, obj, key):
        r = self.query("SELECT status FROM records WHERE object = ? AND key = ?", obj, key)
        return r[0]["status"] if r else None

    def runs(self):
        return self.query("SELECT * FROM runs ORDER BY id")

    def jobs(self, run=None):
        return self.query("SELECT * FROM jobs WHERE ?1 IS NULL OR run = ?1 ORDER BY created_at",
                          run)

    def files(self, run):
        return self.query("SELECT * FROM files WHERE run = ? ORDER BY path", run)

    def last_run(self):
        """(run id, its work dir, its export manifest) of the newest run."""
        runs = self.runs()
        if not runs or not runs[-1]["work_dir"]:
            return None, None, {"objects": []}
        work = runs[-1]["work_dir"]
        path = os.path.join(work, "manifest.json")
        if not os.path.exists(path):
            return runs[-1]["id"], work, {"objects": []}
        with open(path, encoding="utf-8") as f:
            return runs[-1]["id"], work, json.load(f)

    def written(self, count="written"):
        """{object: rows written to bulk files} by the newest run (or another
        of its manifest counts: unchanged, rejected, ...)."""
        return {o["object"]: o["counts"][count] for o in self.last_run()[2]["objects"]}

    def sent_keys(self):
        """{object: [keys]} in the bulk files of the newest run."""
        out = {}
        _, work, manifest = self.last_run()
        for o in manifest["objects"]:
            for f in o["files"]:
                with gzip.open(os.path.join(work, f["path"]), "rt", encoding="utf-8",
                               newline="") as z:
                    rows = list(csv.reader(z))
                col = rows[0].index(o["external_id"])
                out.setdefault(o["object"], []).extend(r[col] for r in rows[1:])
        return out

    # ---- the emulator -----------------------------------------------------

    def landed(self):
        return landed(self.emu)

    def close(self):
        if self.own_emu:
            self.emu.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Proc:
    """A billsync process in the background, output to files."""

    def __init__(self, world, cmd):
        self.out_path = os.path.join(world.tmp, "proc.out")
        self.err_path = os.path.join(world.tmp, "proc.err")
        with open(self.out_path, "w") as out, open(self.err_path, "w") as err:
            self.p = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=err,
                                      stdin=subprocess.DEVNULL)

    def running(self):
        return self.p.poll() is None

    def kill(self):
        """SIGKILL; returns True if it was still running."""
        alive = self.running()
        if alive:
            os.kill(self.p.pid, signal.SIGKILL)
        self.p.wait()
        return alive

    def wait(self, timeout=180):
        self.p.wait(timeout)
        with open(self.out_path) as o, open(self.err_path) as e:
            return Result(self.p.returncode, o.read(), e.read(), True)

    def stderr(self):
        with open(self.err_path) as e:
            return e.read()


def wait_for(cond, proc=None, timeout=60.0, every=0.003):
    """Polls cond() until it returns a true value (returned); None on timeout
    or when proc ends first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        if proc is not None and not proc.running():
            return cond() or None
        time.sleep(every)
    return None


def landed(emu):
    """{object: {external id: [record, ...]}} of what the emulator stores, system
    fields left out and lookup ids replaced by OBJECT:EXTERNAL_ID, so that two
    emulators that received the same data compare equal."""
    recs = {o: emu.records(o) for o in OBJECTS}
    names = {r["Id"]: "%s:%s" % (o, r["OrbId__c"]) for o in recs for r in recs[o]}
    out = {}
    for o, rows in recs.items():
        by_key = out.setdefault(o, {})
        for r in rows:
            v = {k: names.get(x, x) if isinstance(x, str) else x
                 for k, x in r.items() if k not in SYSTEM_FIELDS}
            by_key.setdefault(r["OrbId__c"], []).append(v)
    return out


def clean_result(w):
    """What a finished run left, to compare other runs with (check_like_clean)."""
    return {"landed": w.landed(), "records": w.records()}


def check_like_clean(t, w, clean, label):
    """Salesforce and the state's record outcomes are as clean_result() saw
    them after a clean run, and no external id is stored twice."""
    snap = w.landed()
    t.eq(duplicates(snap), [], "%s: no external id stored twice" % label)
    t.ok(snap == clean["landed"], "%s: Salesforce holds what a clean run leaves" % label,
         *diff_snapshots(snap, clean["landed"]))
    recs = w.records()
    t.ok(recs == clean["records"], "%s: the state's record outcomes are a clean run's"
         % label, *["%s: %s, clean %s" % (k, recs.get(k), clean["records"].get(k))
                    for k in sorted(set(recs) | set(clean["records"]))
                    if recs.get(k) != clean["records"].get(k)][:10])


def is_upload(r):
    """A logged request is a PUT of job data."""
    return r["method"] == "PUT" and r["path"].rstrip("/").endswith("/batches")


def duplicates(snapshot):
    """[(object, key, copies)] of every external id stored more than once."""
    return [(o, k, len(v)) for o, recs in sorted(snapshot.items())
            for k, v in sorted(recs.items()) if len(v) > 1]


def diff_snapshots(a, b, limit=8):
    """Lines naming the first differences between two landed() snapshots."""
    out = []
    for o in OBJECTS:
        ka, kb = set(a.get(o, {})), set(b.get(o, {}))
        for k in sorted(ka ^ kb)[:limit]:
            out.append("%s %s: only in %s" % (o, k, "the first" if k in ka else "the second"))
        for k in sorted(ka & kb):
            if a[o][k] != b[o][k] and len(out) < limit:
                out.append("%s %s: %r != %r" % (o, k, a[o][k], b[o][k]))
    return out


def request_mark(emu):
    """The sequence number of the emulator's last logged request."""
    log = emu.requests()
    return log[-1]["seq"] if log else 0


def requests_after(emu, mark):
    return [r for r in emu.requests() if r["seq"] > mark]


def job_of(path):
    """The job id in an ingest path (…/jobs/ingest/ID[/…]), or None."""
    segs = path.rstrip("/").split("/")
    i = segs.index("ingest") if "ingest" in segs else len(segs)
    return segs[i + 1] if len(segs) > i + 1 else None


def check_run(t, r, rc, label):
    """Exit code as expected, and no sanitizer report."""
    t.eq(r.rc, rc, "%s: exit code %d" % (label, rc), r)
    t.ok(r.sanitizer_clean(), "%s: no sanitizer report" % label, r.sanitizer_report())


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def state_digest(w):
    """The state's database as it is on disk, and its runs."""
    db = os.path.join(w.state, "billsync.db")
    return (digest(db) if os.path.exists(db) else None, len(w.runs()), w.records())


def plan_writes_nothing(t, w, label, *args, offline=False):
    """`billsync plan ARGS --json`, which changes neither the state nor the
    org (only /limits is asked for); returns its report."""
    before = state_digest(w)
    mark = request_mark(w.emu)
    stats = w.emu.stats()
    r = w.run(*args, cmd="plan")
    check_run(t, r, 0, "%s: plan" % label)
    t.eq(state_digest(w), before, "%s: the state is as it was (database, runs, "
         "records)" % label)
    calls = [(q["method"], q["path"].split("?")[0].rstrip("/").rsplit("/", 1)[-1])
             for q in requests_after(w.emu, mark)]
    want = [] if offline else [("GET", "limits")]
    t.eq([c for c in calls if c[1] != "token"], want,
         "%s: the org was asked %s" % (label, "nothing" if offline else
                                       "for its limits only"))
    t.eq(w.emu.stats()["jobs_created"], stats["jobs_created"],
         "%s: no job was created" % label)
    return r.report


PLAN_SENDS = ("new", "changed", "retry", "resend")


def plan_adds_up(t, report, label):
    """Each object's rows read are each counted once: sent, unchanged,
    filtered, marked deleted, rejected, duplicates, below the watermark or
    rolled up (vanished records are no rows read)."""
    bad = [(o["object"], o["read"]) for o in report["objects"]
           if o["read"] != sum(o[k] for k in PLAN_SENDS) + o["unchanged"] + o["filtered"] +
           o["marked_deleted"] + o["rejected"] + o["duplicates"] + o["below_watermark"] +
           o["rolled_up"]]
    t.eq(bad, [], "%s: each object's counts add up to what was read" % label)
