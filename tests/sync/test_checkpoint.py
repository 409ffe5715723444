#!/usr/bin/env python3
"""Backfills (issue 7): a `--full` backfill larger than the org's daily
allocation goes as far as it allows, stops at a checkpoint (exit 8), and the
next `billsync run` continues the paused run where it stopped, over as many
"days" as it takes, with no file sent twice and no job created twice, ending
where a clean run ends.  `--since/--until` sends only the rows whose mapping
`since` column lies in the range."""

import csv
import os
import sys
from datetime import datetime

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from synctest import (OBJECTS, SAMPLE_FAILED, SAMPLE_REJECTED, Tap, World, month_key,  # noqa: E402
                      check_like_clean, check_run, clean_result, diff_snapshots,
                      is_upload, job_of, request_mark, requests_after)

DLIR_ROWS = 2000
FILE_ROWS = 300          # [output] max_file_rows: several files per object
SINCE_COLUMNS = {"customers": ("OrbCustomer__c", "created_at"),
                 "plans": ("OrbPlan__c", "created_at"),
                 "subscriptions": ("OrbSubscription__c", "created_at"),
                 "invoices": ("OrbInvoice__c", "invoice_date"),
                 "invoice_line_item_billing": ("OrbInvoiceLineItemBilling__c", "start_date"),
                 "daily_line_item_revenue": ("OrbDailyLineItemRevenue__c", "timeframe_start"),
                 "credit_ledger_entries": ("OrbCommittedLedgerEntry__c", "created_at")}


def uploads(emu):
    """The uploads Salesforce stored."""
    return [r for r in emu.requests() if is_upload(r) and r["status"] == 201]


def one_job_per_file(t, w, run, label):
    files = w.files(run)
    t.ok(files and all(f["status"] == "done" for f in files),
         "%s: every file of the backfill is done" % label)
    per_file = {}
    for j in w.jobs(run):
        per_file.setdefault(j["path"], []).append(j["id"])
    t.eq({p: len(j) for p, j in per_file.items()}, {f["path"]: 1 for f in files},
         "%s: one job per file" % label)
    t.eq(len(uploads(w.emu)), len(files), "%s: no file was uploaded twice" % label)
    t.eq(sorted(j["id"] for j in w.emu.jobs()), sorted(j["id"] for j in w.jobs()),
         "%s: Salesforce has exactly the jobs of the ledger" % label)


def checkpoint(t, data, clean, limit, low, step):
    """A --full backfill paused by `limit`, continued over two more days."""
    label = "%s=%d" % (limit, low)
    with World(src=data, limits={limit: low}, load={"limit_margin": "10"},
               output={"max_file_rows": FILE_ROWS}) as w:
        r1 = w.run("--full")
        check_run(t, r1, 8, "%s: the backfill pauses" % label)
        t.eq(r1.report and (r1.report["exit_code"], r1.report["load"]["status"]),
             (8, "paused"), "%s: the --json report says paused" % label, r1.stdout[-2000:])
        runs = w.runs()
        t.eq([r["phase"] for r in runs], ["paused"], "%s: the state has the run paused"
             % label)
        files = w.files(runs[0]["id"])
        done1 = [f["path"] for f in files if f["status"] == "done"]
        t.ok(done1 and len(done1) < len(files), "%s: part of the files are loaded, the "
             "rest left for later" % label, "%d of %d done" % (len(done1), len(files)))
        refused = [q for q in w.emu.requests() if q["status"] == 403]
        t.eq(refused, [], "%s: the org's allocation was never overrun" % label)

        # the next day: a little more allocation; the paused run goes on and
        # pauses again
        used = w.emu.stats()
        w.emu.set_limits(**{limit: low + step})
        r2 = w.run()
        check_run(t, r2, 8, "%s: the next day the backfill goes on and pauses again" % label)
        t.has(r2.stderr, "continuing run %d" % runs[0]["id"], "%s: the next run continues "
              "the paused run" % label)
        rep = r2.report or {}
        t.eq((rep.get("run"), rep.get("exit_code"), (rep.get("resumed") or {}).get("status")),
             (runs[0]["id"], 8, "paused"), "%s: its --json report has the continued run, "
             "paused again" % label, r2.stdout[-2000:])
        done2 = [f["path"] for f in w.files(runs[0]["id"]) if f["status"] == "done"]
        t.ok(len(done1) < len(done2) < len(files), "%s: it loaded more files, not all"
             % label, "%d, then %d of %d" % (len(done1), len(done2), len(files)))
        t.eq(len(w.runs()), 1, "%s: no new run was started while the backfill is paused"
             % label)

        # then enough allocation: it finishes
        w.emu.set_limits(**{limit: 100000})
        r3 = w.run()
        check_run(t, r3, 0, "%s: with room again the backfill finishes" % label)
        one_job_per_file(t, w, runs[0]["id"], label + " over three days")
        check_like_clean(t, w, clean, label)
        spent = used["api_requests"]["total"] if limit == "DailyApiRequests" else \
            used["batches_used"]
        t.ok(spent <= low, "%s: the first day stayed within its allocation" % label, used)
        r4 = w.run()
        check_run(t, r4, 0, "%s: the next run" % label)
        t.eq(sum(w.written().values()), 0, "%s: the next run has nothing to send" % label)


def request_limit(t, data, clean):
    """REQUEST_LIMIT_EXCEEDED stops the backfill at once, with jobs in flight;
    the next run polls those jobs instead of creating them again."""
    label = "REQUEST_LIMIT_EXCEEDED"
    # Which call the org refuses decides whether jobs are in flight when the
    # run stops, and the order of the calls of parallel jobs varies with the
    # machine's load: the first stop that leaves jobs in flight, from the 13th
    # call on, is the case under test (one try per count, at most twelve).
    for calls in range(13, 25):
        w = World(src=data, faults={"limit_after_calls": calls},
                  output={"max_file_rows": FILE_ROWS})
        r1 = w.run("--full")
        run = w.runs()[0]["id"]
        left = [f for f in w.files(run) if f["status"] != "done"]
        ledger = {j["path"]: j["id"] for j in w.jobs(run)}
        inflight = [f["path"] for f in left if f["path"] in ledger]
        if inflight or calls == 24:
            break
        w.close()
    with w:
        check_run(t, r1, 8, "%s: the backfill stops" % label)
        t.ok(left, "%s: files are left for the next run" % label)
        t.ok(inflight, "%s: files were stopped with their jobs in flight (refused from "
             "call %d)" % (label, calls), left, ledger)
        w.emu.set_faults(limit_after_calls=0)
        mark = request_mark(w.emu)
        r2 = w.run()
        check_run(t, r2, 0, "%s: the next run finishes" % label)
        polled = {job_of(q["path"]) for q in requests_after(w.emu, mark)
                  if q["kind"] == "job_info"}
        t.eq(sorted(ledger[p] for p in inflight if ledger[p] not in polled), [],
             "%s: the next run polled the jobs in flight" % label)
        one_job_per_file(t, w, run, label)
        check_like_clean(t, w, clean, label)


def instant(v):
    try:
        return datetime.fromisoformat(v.replace("Z", "+00:00")) if v else None
    except ValueError:
        return None


def since_until(t):
    """After a first sync, a backfill of March and April 2024 sends exactly the
    rows whose `since` column is in range, again (resynced), and the daily run
    after it is not disturbed."""
    since, until = "2024-03-01", "2024-05-01T00:00:00Z"
    lo, hi = instant(since + "T00:00:00Z"), instant(until)
    with World() as w:
        want = {}
        for ds, (obj, col) in SINCE_COLUMNS.items():
            with open(w.path(ds), encoding="utf-8-sig", newline="") as f:
                keys = {r["id"] for r in csv.DictReader(f)
                        if instant(r[col]) and lo <= instant(r[col]) < hi}
            want[obj] = sorted(keys - SAMPLE_REJECTED)
        # the monthly roll-up: the months in range (the range is whole months)
        with open(w.path("daily_line_item_revenue"), encoding="utf-8", newline="") as f:
            want["OrbMonthlyLineItemRevenue__c"] = sorted(
                {month_key(r) for r in csv.DictReader(f) if not r["reverted_at"] and
                 lo <= instant(r["timeframe_start"]) < hi})
        t.ok(sum(1 for o in OBJECTS if want[o]) >= 5, "--since/--until: the range holds "
             "rows of most objects", {o: len(k) for o, k in want.items()})
        check_run(t, w.run(), 1, "--since/--until: the first sync")
        before = w.landed()
        r = w.run("--since", since, "--until", until)
        check_run(t, r, 1, "--since/--until")
        t.eq(r.report and r.report["mode"], "backfill", "--since/--until: a backfill run")
        got = w.sent_keys()
        t.eq({o: sorted(got.get(o, [])) for o in OBJECTS}, want,
             "--since/--until: exactly the rows in [since, until) were sent")
        t.ok(w.landed() == before, "--since/--until: Salesforce updated them in place",
             *diff_snapshots(w.landed(), before))
        failed = set(SAMPLE_FAILED)
        t.eq(sorted(k for k, v in w.records().items() if v[0] == "resynced"),
             sorted((o, k) for o in OBJECTS for k in want[o] if (o, k) not in failed),
             "--since/--until: the records in range are resynced, the others untouched")
        r2 = w.run()
        check_run(t, r2, 1, "the daily run after the backfill")
        t.eq({o: n for o, n in w.written().items() if n}, {"OrbCustomer__c": 2},
             "the daily run after the backfill: only the failed customers go again")


def main():
    t = Tap()
    with World(dlir_rows=DLIR_ROWS, output={"max_file_rows": FILE_ROWS}) as clean_w:
        r = clean_w.run("--full")
        check_run(t, r, 0, "clean backfill")
        clean = clean_result(clean_w)
        nfiles = len(clean_w.files(clean_w.runs()[-1]["id"]))
        t.ok(nfiles >= 10, "clean backfill: the data makes several files", nfiles)
        t.run(checkpoint, t, clean_w.src, clean, "DailyApiRequests", 60, 40)
        t.run(checkpoint, t, clean_w.src, clean, "DailyBulkApiBatches", 6, 3)
        t.run(request_limit, t, clean_w.src, clean)
    t.run(since_until, t)
    t.done()


if __name__ == "__main__":
    main()
