#!/usr/bin/env python3
"""Incremental runs on the sync state (issue 7): `billsync run` sends only
records that are new or changed since they last synced (a hash of the mapped
record, with no help from updated_at), plus those that failed; `--full` sends
everything again without creating anything twice; failed records are retried
and become synced once their cause is gone."""

import csv
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from synctest import (OBJECTS, SAMPLE_FAILED, SAMPLE_REJECTED, SAMPLE_SKIPPED, SEEDED_ACCOUNT,  # noqa: E402
                      Tap, World, check_run, diff_snapshots, duplicates, edit_csv,
                      month_key, read_csv, write_csv)

SOURCES = {"OrbCustomer__c": "customers", "OrbPlan__c": "plans",
           "OrbSubscription__c": "subscriptions", "OrbInvoice__c": "invoices",
           "OrbInvoiceLineItemBilling__c": "invoice_line_item_billing",
           "OrbDailyLineItemRevenue__c": "daily_line_item_revenue",
           "OrbCommittedLedgerEntry__c": "credit_ledger_entries"}
FAILED_CUSTOMERS = sorted(k for _, k in SAMPLE_FAILED)


def sample_keys(w):
    """{object: set of ids} the sample should leave in Salesforce."""
    out = {}
    for obj, ds in SOURCES.items():
        rows = read_csv(w.path(ds))
        out[obj] = ({r[0] for r in rows[1:]} - SAMPLE_REJECTED - set(FAILED_CUSTOMERS) -
                    {k for o, k in SAMPLE_SKIPPED if o == obj})
    with open(w.path("daily_line_item_revenue"), encoding="utf-8", newline="") as f:
        out["OrbMonthlyLineItemRevenue__c"] = {month_key(r) for r in csv.DictReader(f)
                                               if not r["reverted_at"]}
    return out


def expected_not_synced():
    """The sample's records that a run leaves other than synced."""
    out = {k: ("failed", c) for k, c in SAMPLE_FAILED.items()}
    out.update({k: ("skipped", "") for k in SAMPLE_SKIPPED})
    return out


def counts(snap):
    return {o: sum(len(v) for v in snap[o].values()) for o in OBJECTS}


def only_sent(t, w, want, label):
    """The run's bulk files hold exactly these keys per object (others none)."""
    got = {o: sorted(k) for o, k in w.sent_keys().items() if k}
    t.eq(got, {o: sorted(k) for o, k in want.items()}, "%s: exactly these records were "
         "sent" % label)
    t.eq({o: n for o, n in w.written().items() if n},
         {o: len(k) for o, k in want.items()}, "%s: the manifest counts agree" % label)


def changed_records(before, after):
    """{(object, key)} whose stored values differ between two snapshots."""
    return {(o, k) for o in OBJECTS for k in set(before[o]) | set(after[o])
            if before[o].get(k) != after[o].get(k)}


def incremental(t):
    with World() as w:
        # run 1: everything
        r1 = w.run()
        check_run(t, r1, 1, "run 1")
        want = sample_keys(w)
        snap1 = w.landed()
        t.eq({o: set(snap1[o]) for o in OBJECTS}, want, "run 1: every sample record landed "
             "but the rejected invoices and the two customers Salesforce refuses")
        t.eq(duplicates(snap1), [], "run 1: no external id stored twice")
        recs = w.records()
        t.eq({k: v for k, v in recs.items() if v[0] != "synced"},
             expected_not_synced(),
             "run 1: the state has every record synced but the two refused customers, "
             "failed with Salesforce's code, and the two the filters skip")
        t.eq(len(recs), sum(len(k) for k in want.values()) + len(SAMPLE_FAILED) +
             len(SAMPLE_SKIPPED), "run 1: the state knows every record sent or skipped")
        jobs1 = w.emu.stats()["jobs_created"]
        t.eq(jobs1, len(OBJECTS), "run 1: one job per object")

        # run 2: nothing changed: only the failed customers go again
        r2 = w.run()
        check_run(t, r2, 1, "run 2 (unchanged)")
        only_sent(t, w, {"OrbCustomer__c": FAILED_CUSTOMERS}, "run 2 (unchanged)")
        t.eq(sum(w.written("unchanged").values()),
             len(recs) - len(SAMPLE_FAILED) - len(SAMPLE_SKIPPED),
             "run 2: the manifest counts every synced record as unchanged",
             w.written("unchanged"))
        t.eq(w.emu.stats()["jobs_created"] - jobs1, 1, "run 2: the emulator saw one new "
             "job only (the failed customers)")
        t.eq(changed_records(snap1, w.landed()), set(), "run 2: nothing changed in Salesforce")
        t.eq({k: v for k, v in w.records().items() if v[0] != "synced"},
             expected_not_synced(),
             "run 2: the refused customers are failed again, the rest still synced")

        # run 3: one invoice issued -> paid, one customer renamed, one revenue
        # row reverted; no updated_at touched
        inv = [r for r in csv.DictReader(open(w.path("invoices"), encoding="utf-8",
                                              newline=""))]
        ids = [r["id"] for r in inv]
        issued = next(r["id"] for r in inv if r["status"] == "issued" and
                      ids.count(r["id"]) == 1 and r["id"] not in SAMPLE_REJECTED)
        edit_csv(w.path("invoices"), issued, status="paid")
        cust = "Gq7cVz4TbR2wXk9L"
        edit_csv(w.path("customers"), cust, name="Renamed Customer Ltd")
        day = next(r for r in csv.DictReader(open(w.path("daily_line_item_revenue"),
                                                  encoding="utf-8", newline=""))
                   if not r["reverted_at"])
        dlir, month = day["id"], month_key(day)
        edit_csv(w.path("daily_line_item_revenue"), dlir,
                 reverted_at="2024-07-15T00:00:00Z")
        before = w.landed()
        r3 = w.run()
        check_run(t, r3, 1, "run 3 (three edits)")
        # the reverted day's month is sent again, with its new total
        only_sent(t, w, {"OrbCustomer__c": sorted([cust] + FAILED_CUSTOMERS),
                         "OrbInvoice__c": [issued],
                         "OrbDailyLineItemRevenue__c": [dlir],
                         "OrbMonthlyLineItemRevenue__c": [month]}, "run 3 (three edits)")
        snap3 = w.landed()
        t.eq(changed_records(before, snap3),
             {("OrbCustomer__c", cust), ("OrbInvoice__c", issued),
              ("OrbDailyLineItemRevenue__c", dlir), ("OrbMonthlyLineItemRevenue__c", month)},
             "run 3: exactly the three edited records and the reverted day's month "
             "changed in Salesforce")
        t.eq(snap3["OrbMonthlyLineItemRevenue__c"][month][0]["Days__c"],
             before["OrbMonthlyLineItemRevenue__c"][month][0]["Days__c"] - 1,
             "run 3: the month counts one day less")
        t.eq(snap3["OrbInvoice__c"][issued][0]["Status__c"], "paid",
             "run 3: the invoice is paid in Salesforce")
        t.eq(snap3["OrbCustomer__c"][cust][0]["Name"], "Renamed Customer Ltd",
             "run 3: the customer has its new name")
        t.ok(snap3["OrbDailyLineItemRevenue__c"][dlir][0]["RevertedAt__c"],
             "run 3: the revenue row is reverted",
             snap3["OrbDailyLineItemRevenue__c"][dlir])
        t.eq([w.status_of(o, k) for o, k in (("OrbCustomer__c", cust),
                                             ("OrbInvoice__c", issued),
                                             ("OrbDailyLineItemRevenue__c", dlir))],
             ["synced"] * 3, "run 3: the three are synced in the state")

        # run 4: paid -> void
        edit_csv(w.path("invoices"), issued, status="void",
                 voided_at="2024-07-20T00:00:00Z")
        r4 = w.run()
        check_run(t, r4, 1, "run 4 (paid -> void)")
        only_sent(t, w, {"OrbCustomer__c": FAILED_CUSTOMERS, "OrbInvoice__c": [issued]},
                  "run 4 (paid -> void)")
        snap4 = w.landed()
        t.eq(snap4["OrbInvoice__c"][issued][0]["Status__c"], "void",
             "run 4: the invoice is void in Salesforce")

        # --full: everything again, updated in place
        jobs4 = w.emu.stats()["jobs_created"]
        r5 = w.run("--full")
        check_run(t, r5, 1, "run --full")
        t.eq(w.written(), {o: len(want[o]) + (2 if o == "OrbCustomer__c" else 0)
                            for o in OBJECTS}, "run --full: every record was sent")
        snap5 = w.landed()
        t.eq(counts(snap5), counts(snap4), "run --full: no record count grew (upserts)")
        t.eq(changed_records(snap4, snap5), set(), "run --full: stored values unchanged")
        t.eq(duplicates(snap5), [], "run --full: no external id stored twice")
        t.eq(w.emu.stats()["jobs_created"] - jobs4, len(OBJECTS),
             "run --full: one job per object")
        st = {v[0] for k, v in w.records().items()
              if k not in SAMPLE_FAILED and k not in SAMPLE_SKIPPED}
        t.eq(st, {"resynced"}, "run --full: unchanged records are recorded as resynced")
        r6 = w.run(json_out=False)
        check_run(t, r6, 1, "run after --full (plain output)")
        only_sent(t, w, {"OrbCustomer__c": FAILED_CUSTOMERS}, "run after --full")

        # the refused customers are fixed at the source: retry sends them
        bad_email = next(k for k in FAILED_CUSTOMERS if SAMPLE_FAILED[
            ("OrbCustomer__c", k)] == "INVALID_EMAIL_ADDRESS")
        bad_account = next(k for k in FAILED_CUSTOMERS if k != bad_email)
        edit_csv(w.path("customers"), bad_email, email="paper@dunder-mifflin.example")
        edit_csv(w.path("customers"), bad_account, salesforce_account_id=SEEDED_ACCOUNT)
        r7 = w.run(cmd="retry")
        check_run(t, r7, 1, "retry (exit 1: the two rejected invoices)")
        only_sent(t, w, {"OrbCustomer__c": FAILED_CUSTOMERS}, "retry")
        t.eq([w.status_of("OrbCustomer__c", k) for k in FAILED_CUSTOMERS],
             ["synced", "synced"], "retry: both customers are synced in the state")
        got = w.landed()["OrbCustomer__c"]
        t.ok(all(k in got for k in FAILED_CUSTOMERS), "retry: both exist in Salesforce",
             sorted(got))
        t.eq(got[bad_account][0]["Account__c"], SEEDED_ACCOUNT,
             "retry: the customer points at the seeded Account")
        r8 = w.run()
        check_run(t, r8, 1, "run after retry (exit 1: the two rejected invoices)")
        only_sent(t, w, {}, "run after retry")
        t.eq({k: v for k, v in w.records().items()
              if v[0] not in ("synced", "resynced", "skipped")},
             {}, "run after retry: no record is left failed")
        t.eq(duplicates(w.landed()), [], "the end: no external id stored twice")
        diff = diff_snapshots(snap5, w.landed())
        t.eq(len(diff), 2, "the end: only the two fixed customers differ from --full's "
             "state", *diff)

        # a key twice: the last row wins, also when it is unchanged (the
        # export leaves unchanged rows out before sorting, and such a row
        # must still supersede an earlier, changed one)
        path = w.path("daily_line_item_revenue")
        rows = read_csv(path)
        head = rows[0]
        amount = head.index("amount")
        x, y = rows[5], rows[9]
        x2, y2 = list(x), list(y)
        x2[amount] = "123.5"
        y2[amount] = "456.25"
        write_csv(path, [head, x2] + rows[1:] + [y2])
        before = w.landed()
        x_status = w.status_of("OrbDailyLineItemRevenue__c", x[0])
        r9 = w.run()
        check_run(t, r9, 1, "run with a key twice")
        only_sent(t, w, {"OrbDailyLineItemRevenue__c": [y[0]],
                         "OrbMonthlyLineItemRevenue__c": [month_key(dict(zip(head, y)))]},
                  "run with a key twice")
        t.eq(w.written("duplicates")["OrbDailyLineItemRevenue__c"], 2,
             "run with a key twice: both earlier rows are duplicates")
        after = w.landed()["OrbDailyLineItemRevenue__c"]
        t.eq(after[x[0]], before["OrbDailyLineItemRevenue__c"][x[0]],
             "run with a key twice: the key whose last row is unchanged stays as it was")
        t.eq(float(after[y[0]][0]["Amount__c"]), 456.25,
             "run with a key twice: the key whose last row changed has its new amount")
        t.eq([w.status_of("OrbDailyLineItemRevenue__c", k) for k in (x[0], y[0])],
             [x_status, "synced"], "run with a key twice: the state has the one sent "
             "synced, the other as it was")


def fault_retry(t):
    """Rows locked once, with no lock retries, end failed; the next run sends
    exactly the failed records and they become synced."""
    with World(faults={"lock_rows_every": 40}, load={"lock_retries": "0"}) as w:
        r1 = w.run()
        check_run(t, r1, 1, "locked rows")
        failed = {k for k, v in w.records().items() if v[0] == "failed"}
        locked = {k for k, v in w.records().items() if v[1] == "UNABLE_TO_LOCK_ROW"}
        t.ok(len(locked) >= 10, "locked rows: records locked by Salesforce end failed with "
             "UNABLE_TO_LOCK_ROW", len(locked))
        landed1 = w.landed()
        t.ok(all(k not in landed1[o] for o, k in locked),
             "locked rows: the locked records are not in Salesforce")
        w.emu.set_faults(lock_rows_every=0)
        r2 = w.run()
        check_run(t, r2, 1, "after the fault")
        want = {}
        for o, k in failed:
            want.setdefault(o, []).append(k)
        only_sent(t, w, {o: sorted(k) for o, k in want.items()},
                  "after the fault: the failed records (and only they)")
        t.eq({k: v for k, v in w.records().items() if v[0] != "synced"},
             expected_not_synced(),
             "after the fault: every record is synced but the two refused customers "
             "(and the two skipped)")
        landed2 = w.landed()
        t.ok(all(k in landed2[o] for o, k in locked),
             "after the fault: the once-locked records are in Salesforce")
        t.eq(duplicates(landed2), [], "after the fault: no external id stored twice")
        r3 = w.run(json_out=False)
        check_run(t, r3, 1, "the run after (plain output)")
        only_sent(t, w, {"OrbCustomer__c": FAILED_CUSTOMERS}, "the run after")


def main():
    t = Tap()
    t.run(incremental, t)
    t.run(fault_retry, t)
    t.done()


if __name__ == "__main__":
    main()
