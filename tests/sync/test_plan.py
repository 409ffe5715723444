#!/usr/bin/env python3
"""`billsync plan` and `run --dry-run` (issue 15): what the next run would
do, read through the same mappings, filters and change store as the run,
writing nothing; its counts per object match what the run then does; a
changed field plans one changed record, failed records plan as retries,
an unchanged export plans no send; the org's allocations and data storage
are weighed (days needed, storage shortfall); --offline asks the org
nothing."""

import fcntl
import os
import re
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from synctest import (OBJECTS, PLAN_SENDS, SAMPLE_FAILED, SAMPLE_REJECTED, Tap,  # noqa: E402
                      World, check_run, edit_csv, plan_adds_up, plan_writes_nothing,
                      read_csv)

def by_object(report):
    return {o["object"]: o for o in report["objects"]}


def sends(o):
    return sum(o[k] for k in PLAN_SENDS)


def matches_run(t, w, report, label):
    """The run that follows does what the plan said, object by object."""
    r = w.run()
    planned = {o: (sends(v), v["unchanged"], v["filtered"], v["rejected"])
               for o, v in by_object(report).items()}
    got = {o["object"]: (o["counts"]["written"], o["counts"]["unchanged"],
                         o["counts"]["filtered"], o["counts"]["rejected"])
           for o in r.report["export"]["objects"]}
    t.eq(got, planned, "%s: the run sent, left unchanged, filtered and rejected what "
         "the plan said (per object)" % label)
    return r


def first_plan_and_run(t):
    with World() as w:
        rep = plan_writes_nothing(t, w, "no state yet")
        t.eq(rep["state"], False, "no state yet: the plan says so")
        objs = by_object(rep)
        t.eq(sorted(objs), sorted(OBJECTS), "no state yet: every object is planned")
        t.eq({o: v["changed"] + v["retry"] for o, v in objs.items()},
             {o: 0 for o in OBJECTS}, "no state yet: every record to send is new")
        plan_adds_up(t, rep, "no state yet")
        t.eq(rep["total"]["cost"]["jobs"], len(OBJECTS), "no state yet: one job per object")
        t.ok(rep["total"]["cost"]["api_calls"] >= 4 * len(OBJECTS) + 1,
             "no state yet: at least create, upload, close and results per job, and "
             "/limits", rep["total"]["cost"])
        matches_run(t, w, rep, "first run")

        # failed records plan as retries; nothing else is sent
        rep = plan_writes_nothing(t, w, "after the first run", "--show", "5")
        _, work, _ = w.last_run()
        want = [(os.path.basename(r[0]), int(r[1]), r[3]) for r in
                read_csv(os.path.join(work, "OrbInvoice__c", "rejects.csv"))[1:]]
        got = [(os.path.basename(k["source"]), k["line"], k["reason"])
               for k in by_object(rep)["OrbInvoice__c"]["show"].get("rejected", [])]
        t.eq(sorted(got), sorted(want), "--show: the rejected rows, with file:line and "
             "reason, as the run's rejects.csv has them")
        t.eq(len(got), len(SAMPLE_REJECTED), "... both of them")
        text = w.run("--show", "1", "--objects", "invoices", cmd="plan", json_out=False)
        t.ok(len(re.findall(r"(?m)^  OrbInvoice__c rejected \(\S*invoices\.csv:\d+\): \S",
                            text.stdout)) == 1,
             "the table lists up to --show N rejected rows, with file:line", text.stdout)
        objs = by_object(rep)
        t.eq({o: (sends(v), v["retry"]) for o, v in objs.items() if sends(v)},
             {"OrbCustomer__c": (len(SAMPLE_FAILED), len(SAMPLE_FAILED))},
             "after the first run: only the failed customers are planned, as retries")
        rep = plan_writes_nothing(t, w, "unchanged plans", "--objects", "plans")
        t.eq(sends(by_object(rep)["OrbPlan__c"]), 0,
             "an unchanged export plans no send")
        t.eq(rep["total"]["cost"]["jobs"], 0, "... and no job")

        # one changed field: one changed record, with its source line and
        # its field diff against the values kept from its last sync
        plans = read_csv(w.path("plans"))
        key, name = plans[1][0], plans[1][plans[0].index("name")]
        edit_csv(w.path("plans"), key, name="Starter, renamed")
        rep = plan_writes_nothing(t, w, "one change", "--show", "5")
        obj = by_object(rep)["OrbPlan__c"]
        t.eq((obj["changed"], obj["new"], obj["retry"]), (1, 0, 0),
             "one changed field: exactly one changed record")
        t.eq([(k["key"], os.path.basename(k["source"]), k["line"])
              for k in obj["show"].get("changed", [])], [(key, "plans.csv", 2)],
             "--show: its key and source line")
        t.eq([(k["values"], k["changes"]) for k in obj["show"].get("changed", [])],
             [("kept", [{"field": "Name", "was": name, "now": "Starter, renamed"}])],
             "--show: its field diff, exactly the field that changed")
        t.eq(obj["values_kept"], True, "the plans' mapping keeps values")
        dry = w.run("--dry-run", "--show", "5")
        check_run(t, dry, 0, "run --dry-run")
        t.eq(by_object(dry.report), by_object(rep), "run --dry-run is the same plan")
        text = w.run("--show", "5", cmd="plan", json_out=False)
        check_run(t, text, 0, "plan as a table")
        t.has(text.stdout, "OrbPlan__c changed %s (%s:2): Name %s → Starter, renamed\n" %
              (key, w.path("plans"), name), "the table shows the changed record's field diff")
        matches_run(t, w, rep, "after one change")
        rep = plan_writes_nothing(t, w, "after the change was synced", "--objects", "plans")
        t.eq(sends(by_object(rep)["OrbPlan__c"]), 0, "... which plans no send after it")


def kept_values(t):
    """The values kept for field diffs: on confirmation only, never for a
    mapping that keeps none (the append-only daily revenue), and a state
    written before values were kept still opens (no values kept yet)."""
    with World() as w:
        check_run(t, w.run(), 1, "kept values: first run")
        kept = {r["object"]: r["n"] for r in w.query(
            "SELECT h.object, count(*) n FROM record_values v JOIN value_heads h "
            "ON h.id = v.head GROUP BY h.object")}
        synced = {r["object"]: r["n"] for r in w.query(
            "SELECT object, count(*) n FROM records WHERE status = 'synced' GROUP BY object")}
        t.eq(kept.get("OrbDailyLineItemRevenue__c"), None,
             "daily revenue (keep_values = no) keeps only hashes")
        del synced["OrbDailyLineItemRevenue__c"]
        t.eq(kept, synced, "every other record synced has its values kept, and only those "
             "(not the customers that failed)")
        plans = read_csv(w.path("plans"))
        dlir = read_csv(w.path("daily_line_item_revenue"))
        edit_csv(w.path("daily_line_item_revenue"), dlir[1][0], amount="1.5")
        rep = plan_writes_nothing(t, w, "kept values", "--show", "5", "--objects",
                                  "plans,daily_line_item_revenue")
        objs = by_object(rep)
        t.eq((objs["OrbDailyLineItemRevenue__c"]["values_kept"],
              [(k["values"], k["changes"]) for k in
               objs["OrbDailyLineItemRevenue__c"]["show"].get("changed", [])]),
             (False, [("hashes only", None)]), "a mapping that keeps only hashes: no diff, "
             "and the plan says why")
        text = w.run("--show", "5", "--objects", "daily_line_item_revenue", cmd="plan",
                     json_out=False)
        t.has(text.stdout, "keeps only a hash of what was last synced (keep_values = no)",
              "the table says so")

        # a value over lines stays on the changed record's one line
        edit_csv(w.path("plans"), plans[3][0], description="line one\nline two")
        text = w.run("--show", "5", "--objects", "plans", cmd="plan", json_out=False)
        line = [ln for ln in text.stdout.splitlines() if " changed %s " % plans[3][0] in ln]
        t.ok(len(line) == 1 and line[0].endswith("→ line one\\nline two"),
             "the table shows a line end in a value as \\n", text.stdout)
        edit_csv(w.path("plans"), plans[3][0], description=plans[3][3])

        # a state from before values were kept: the plan says none are
        con = sqlite3.connect(os.path.join(w.state, "billsync.db"))
        con.executescript("DROP TABLE record_values; DROP TABLE value_heads;")
        con.close()
        edit_csv(w.path("plans"), plans[2][0], name="Renamed again")
        rep = plan_writes_nothing(t, w, "an older state", "--show", "5", "--objects", "plans")
        t.eq([(k["key"], k["values"], k["changes"])
              for k in by_object(rep)["OrbPlan__c"]["show"].get("changed", [])],
             [(plans[2][0], "none yet", None)], "an older state opens: no values kept yet")
        check_run(t, w.run("--objects", "plans"), 0, "a run on the older state")
        edit_csv(w.path("plans"), plans[2][0], name="Renamed a third time")
        rep = plan_writes_nothing(t, w, "after the run", "--show", "5", "--objects", "plans")
        t.eq([k["changes"] for k in by_object(rep)["OrbPlan__c"]["show"].get("changed", [])],
             [[{"field": "Name", "was": "Renamed again", "now": "Renamed a third time"}]],
             "the run that sent it kept its values again")


def while_locked(t):
    with World() as w:
        check_run(t, w.run(), 1, "set-up run")
        fd = os.open(os.path.join(w.state, "lock"), os.O_RDWR)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            rep = plan_writes_nothing(t, w, "while a run holds the lock")
            t.ok(rep is not None, "a plan works while a run holds the lock")
            r = w.run()
            t.eq(r.rc, 7, "(a run is refused meanwhile)")
        finally:
            os.close(fd)


def allocations(t):
    # 7 jobs reserve 10 calls each; 40 a day less 10% leaves 3 jobs a day
    with World(limits={"DailyApiRequests": 40, "DataStorageMB": 0}) as w:
        rep = plan_writes_nothing(t, w, "low limits")
        org = rep["org"]
        t.eq(org["days_needed"], 3, "low limits: the plan needs 3 days of API requests",
             org)
        t.eq(org["days_set_by"], "API requests", "... and says which allocation")
        t.eq(org["api_requests"]["fits_today"], False, "... which does not fit today")
        t.eq(org["data_storage"]["short"], True, "no storage left: the shortfall is said")
        t.eq(org["data_storage"]["needed_kb"], 2 * rep["total"]["new"],
             "... 2 KB per new record")
        text = w.run(cmd="plan", json_out=False)
        check_run(t, text, 0, "low limits as a table")
        t.ok("BACKFILL OVER 3 DAYS" in text.stdout and "NOT ENOUGH DATA STORAGE" in
             text.stdout, "the table says both loudly", text.stdout)
        rep = plan_writes_nothing(t, w, "offline", "--offline", offline=True)
        t.eq((rep["offline"], rep["org"]), (True, None), "--offline: no allocations shown")


def main():
    t = Tap()
    t.run(first_plan_and_run, t)
    t.run(kept_values, t)
    t.run(while_locked, t)
    t.run(allocations, t)
    t.done()


if __name__ == "__main__":
    main()
