#!/usr/bin/env python3
"""Deletes (issue 16): a mapping's [delete] section deletes in Salesforce the
records its source marks deleted (`when`) or no longer has (`missing =
delete`, only after a read of the whole dataset), after the upserts,
children before parents, in delete jobs of their own, never more than the
object's max_deletes unless --allow-deletes says so once; hardDelete needs
the org permission; a delete job killed mid-way is resumed without deleting
twice or failing; deleted records are `deleted` in the state and in
`billsync records`, and come back as new records when their row does."""

import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from synctest import (BILLSYNC, ROOT, Tap, World, check_run, plan_adds_up,  # noqa: E402
                      plan_writes_nothing, read_csv, wait_for, write_csv)

t = Tap()

PLAN = "plan_rwPpe8U3qxy3p6b3"          # scale-eur: one subscription's plan
PLAN_FREE = "plan_9OdgfadPnhommUAk"     # starter-usd
DELETED_CUSTOMER = "Zt5rHn1cLq9PdF3J"   # deleted_at set in the samples


def mappings(w, **sections):
    """A copy of the shipped mappings with a [delete] section added to
    some: file name -> section text."""
    maps = os.path.join(w.tmp, "maps")
    shutil.rmtree(maps, ignore_errors=True)
    shutil.copytree(os.path.join(ROOT, "mappings"), maps)
    for name, text in sections.items():
        with open(os.path.join(maps, name + ".map"), "a", encoding="utf-8") as f:
            f.write("\n[delete]\n" + text)
    return maps


def set_column(w, dataset, key, column, value):
    rows = read_csv(w.path(dataset))
    col = rows[0].index(column)
    for r in rows[1:]:
        if r[0].lstrip("\ufeff") == key:
            r[col] = value
    write_csv(w.path(dataset), rows)


def drop_rows(w, dataset, keys):
    """Removes the rows of these keys; returns them."""
    rows = read_csv(w.path(dataset))
    gone = [r for r in rows[1:] if r[0] in keys]
    write_csv(w.path(dataset), [rows[0]] + [r for r in rows[1:] if r[0] not in keys])
    return gone


def add_rows(w, dataset, rows):
    write_csv(w.path(dataset), read_csv(w.path(dataset)) + rows)


def keys(w, obj):
    return sorted(r["OrbId__c"] for r in w.emu.records(obj))


def ids(w, obj):
    return {r["OrbId__c"]: r["Id"] for r in w.emu.records(obj)}


def records(w, *args):
    p = subprocess.run([BILLSYNC, "records", "-c", w.conf, "--json", "--limit", "0"] +
                       list(args), cwd=ROOT, capture_output=True, text=True, check=False)
    doc = json.loads(p.stdout) if p.returncode == 0 else {"records": []}
    return {(r["object"], r["key"]): r for r in doc["records"]}


def plan_report(r, obj):
    for p in (r.report or {}).get("deletes") or []:
        if p["object"] == obj:
            return p
    return None


DELETE_COUNTS = ("marked", "missing", "missing_checked", "missing_not_checked_because",
                 "never_synced", "already_deleted", "held_as_synced", "max_deletes",
                 "allowed_by_option", "over_cap")


def planned(w, label, *args):
    """`billsync plan ARGS` (which changes nothing), then `billsync run ARGS`:
    the run deletes what the plan said, object by object.  Returns the run
    and the plan's objects."""
    rep = plan_writes_nothing(t, w, label, *args, "--show", "50")
    plan_adds_up(t, rep, label)
    r = w.run(*args)
    planned_dels = {o["object"]: {k: o["deletes"][k] for k in DELETE_COUNTS}
                    for o in rep["objects"] if o["deletes"]}
    run_dels = {p["object"]: {k: p.get(k) for k in DELETE_COUNTS}
                for p in (r.report or {}).get("deletes") or []}
    t.eq(planned_dels, run_dels, "%s: the plan's deletes are the run's, per object" % label)
    load = ((r.report or {}).get("load") or {}).get("deletes") or {}
    deleted = {o["object"]: o["deleted"] for o in load.get("objects", [])}
    t.eq({o["object"]: o["to_delete"] for o in rep["objects"] if o["to_delete"]}, deleted,
         "%s: the run deleted the records the plan said it would" % label)
    return r, {o["object"]: o for o in rep["objects"]}


def kept_and_synced(w, obj):
    """(records with values kept, records synced) of obj."""
    kept = w.query("SELECT count(*) n FROM record_values v JOIN value_heads h ON "
                   "h.id = v.head WHERE h.object = ?", obj)
    synced = w.query("SELECT count(*) n FROM records WHERE object = ? AND status IN "
                     "('synced', 'resynced')", obj)
    return (kept[0]["n"] if kept else 0, synced[0]["n"] if synced else 0)


def delete_jobs(w):
    return [j for j in w.emu.jobs() if j["operation"] in ("delete", "hardDelete")]


def markers():
    """`when`: plans and customers deleted by their deleted_at marker; a row
    marked deleted that was never synced is only counted; the row coming
    back creates the record again."""
    with World() as w:
        maps = mappings(w, plan="when = deleted_at is not empty\nhow = delete\n",
                        customer="when = deleted_at is not empty\nhow = delete\n")
        r1 = w.run("--mappings", maps)
        check_run(t, r1, 1, "markers run 1 (the samples' failed customers)")
        t.ok(DELETED_CUSTOMER not in keys(w, "OrbCustomer__c"),
             "a customer marked deleted in the export is not loaded")
        t.has(r1.stderr, "OrbCustomer__c: 1 rows marked deleted are of records billsync "
              "never synced: nothing to delete", "a marker row of a record never synced "
              "is reported")
        t.eq(delete_jobs(w), [], "nothing to delete: no delete job")
        t.eq((plan_report(r1, "OrbCustomer__c") or {}).get("never_synced"), 1,
             "--json: never_synced per object")
        before = ids(w, "OrbPlan__c")

        set_column(w, "plans", PLAN_FREE, "deleted_at", "2024-09-01T00:00:00Z")
        r2, pl = planned(w, "markers run 2", "--mappings", maps)
        check_run(t, r2, 1, "markers run 2")
        t.eq([(k["key"], os.path.basename(k["source"]), k["sf_id"])
              for k in pl["OrbPlan__c"]["show"].get("delete", [])],
             [(PLAN_FREE, "plans.csv", before[PLAN_FREE])],
             "plan --show: the record to delete, its marker row and Salesforce Id")
        t.eq(pl["OrbPlan__c"]["marked_deleted"], 1, "plan: one row marked deleted")
        t.ok(PLAN_FREE not in keys(w, "OrbPlan__c"), "a synced plan marked deleted is "
             "deleted in Salesforce")
        t.eq(w.emu.deleted("OrbPlan__c"), [before[PLAN_FREE]],
             "by a delete job on its Salesforce Id (it is in the recycle bin)")
        t.eq([(j["object"], j["operation"]) for j in delete_jobs(w)],
             [("OrbPlan__c", "delete")], "one delete job")
        t.eq(w.status_of("OrbPlan__c", PLAN_FREE), "deleted", "the state says deleted")
        t.eq(kept_and_synced(w, "OrbPlan__c"), (3, 3), "its kept values are forgotten")
        rep = plan_report(r2, "OrbPlan__c") or {}
        t.eq((rep.get("marked"), rep.get("missing"), rep.get("over_cap")), (1, 0, False),
             "--json: deletes per object")
        load = (r2.report or {}).get("load") or {}
        t.eq([(o["object"], o["deleted"]) for o in (load.get("deletes") or {}).get(
            "objects", [])], [("OrbPlan__c", 1)], "--json: the delete jobs' load report")
        rec = records(w, "--status", "deleted")
        t.eq(sorted(rec), [("OrbPlan__c", PLAN_FREE)], "records --status deleted")

        r3, _ = planned(w, "markers run 3", "--mappings", maps)
        check_run(t, r3, 1, "markers run 3 (nothing new)")
        t.eq(len(delete_jobs(w)), 1, "a record deleted is not deleted again")

        set_column(w, "plans", PLAN_FREE, "deleted_at", "")
        r4 = w.run("--mappings", maps)
        check_run(t, r4, 1, "markers run 4 (the plan is back)")
        t.ok(PLAN_FREE in keys(w, "OrbPlan__c") and
             ids(w, "OrbPlan__c")[PLAN_FREE] != before[PLAN_FREE],
             "a record that reappears is created again")
        t.eq(w.status_of("OrbPlan__c", PLAN_FREE), "synced", "and is synced again")


def vanished_and_partial():
    """`missing = delete`: a row gone from a full read deletes its record; a
    backfill, --objects, a rejected row or a watermark never do."""
    with World() as w:
        maps = mappings(w, plan="missing = delete\nhow = delete\nmax_deletes = 100%\n")
        check_run(t, w.run("--mappings", maps), 1, "vanished run 1")
        gone = drop_rows(w, "plans", {PLAN_FREE})

        r, pl = planned(w, "vanished: a backfill", "--mappings", maps, "--since",
                        "2020-01-01", "--until", "2030-01-01")
        check_run(t, r, 1, "vanished: a backfill")
        t.has(pl["OrbPlan__c"]["deletes"]["missing_not_checked_because"] or "",
              "a backfill", "plan: missing records not looked for, and why")
        t.ok(PLAN_FREE in keys(w, "OrbPlan__c"), "a backfill deletes nothing")
        t.has(r.stderr, "OrbPlan__c: records missing from the source were not looked for: "
              "a backfill", "and says it did not look")
        t.eq((plan_report(r, "OrbPlan__c") or {}).get("missing_checked"), False,
             "--json: missing_checked false")

        r, _ = planned(w, "vanished: --objects customers", "--mappings", maps, "--objects",
                       "customers")
        check_run(t, r, 1, "vanished: --objects customers")
        t.ok(PLAN_FREE in keys(w, "OrbPlan__c"), "an object not chosen deletes nothing")

        bad = list(gone[0])
        bad[0] = "plan_bad"
        bad[read_csv(w.path("plans"))[0].index("net_terms")] = "many"
        add_rows(w, "plans", [bad])
        r, _ = planned(w, "vanished: a rejected row", "--mappings", maps)
        check_run(t, r, 1, "vanished: a rejected row")
        t.ok(PLAN_FREE in keys(w, "OrbPlan__c"), "a run with a rejected row of the object "
             "deletes nothing missing")
        t.has(r.stderr, "rows were rejected, so their keys are not known",
              "and says why")
        drop_rows(w, "plans", {"plan_bad"})

        sf_id = ids(w, "OrbPlan__c")[PLAN_FREE]
        r, pl = planned(w, "vanished: a full read", "--mappings", maps)
        check_run(t, r, 1, "vanished: a full read")
        t.eq([(k["key"], k["sf_id"], k.get("source"))
              for k in pl["OrbPlan__c"]["show"].get("vanished", [])],
             [(PLAN_FREE, sf_id, None)],
             "plan --show: the vanished record's key and Salesforce Id")
        t.eq((pl["OrbPlan__c"]["vanished"], pl["OrbPlan__c"]["marked_deleted"]), (1, 0),
             "plan: one vanished record, no row read for it")
        t.eq(keys(w, "OrbPlan__c").count(PLAN_FREE), 0, "a plan gone from a full read is "
             "deleted")
        t.eq((plan_report(r, "OrbPlan__c") or {}).get("missing"), 1, "--json: missing 1")
        t.eq(w.status_of("OrbPlan__c", PLAN_FREE), "deleted", "its record is deleted")

        add_rows(w, "plans", gone)
        check_run(t, w.run("--mappings", maps), 1, "vanished: the row is back")
        t.ok(PLAN_FREE in keys(w, "OrbPlan__c"), "and so is the record")


def watermark():
    """A run that skipped rows below a watermark does not look for missing
    records; --full reads every row and does."""
    with World() as w:
        maps = mappings(w, daily_line_item_revenue="missing = delete\nhow = delete\n"
                        "max_deletes = 100%\n")
        mpath = os.path.join(maps, "daily_line_item_revenue.map")
        with open(mpath, encoding="utf-8") as f:
            text = f.read()
        with open(mpath, "w", encoding="utf-8") as f:
            f.write(text.replace("since       = timeframe_start\n",
                                 "since       = timeframe_start\nwatermark   = "
                                 "timeframe_start\nlookback    = 3d\n"))
        check_run(t, w.run("--mappings", maps), 1, "watermark run 1")
        old = read_csv(w.path("daily_line_item_revenue"))[1][0]
        drop_rows(w, "daily_line_item_revenue", {old})
        r, _ = planned(w, "watermark: an incremental run", "--mappings", maps)
        check_run(t, r, 1, "watermark: an incremental run")
        t.ok(old in keys(w, "OrbDailyLineItemRevenue__c"), "rows below the watermark: "
             "nothing missing is deleted")
        t.has(r.stderr, "rows below the watermark were not read", "and it says why")
        r, _ = planned(w, "watermark: --full", "--mappings", maps, "--full")
        check_run(t, r, 1, "watermark: --full")
        t.ok(old not in keys(w, "OrbDailyLineItemRevenue__c"), "--full reads every row: "
             "the vanished one is deleted")
        r = w.run("--mappings", maps, "--allow-deletes", "OrbPlan__c=3")
        check_run(t, r, 2, "--allow-deletes for an object that deletes nothing")
        t.has(r.stderr, "--allow-deletes OrbPlan__c: no chosen mapping deletes",
              "is a usage error")


def cap_and_order():
    """The cap holds back every delete of an object (exit 9, the message names
    --allow-deletes) while the rest loads; --allow-deletes lets it once;
    children are deleted before their parents."""
    with World() as w:
        maps = mappings(
            w, customer="missing = delete\nhow = delete\nmax_deletes = 1\n",
            subscription="missing = delete\nhow = delete\nmax_deletes = 1\n",
            plan="missing = delete\nhow = delete\n")
        check_run(t, w.run("--mappings", maps), 1, "cap run 1")
        subs = [r[0].lstrip("\ufeff") for r in read_csv(w.path("subscriptions"))[1:]
                if r[3] == PLAN]
        t.ok(len(subs) >= 2, "the plan has two subscriptions or more", subs)
        drop_rows(w, "subscriptions", set(subs))
        drop_rows(w, "plans", {PLAN})
        set_column(w, "customers", "Gq7cVz4TbR2wXk9L", "name", "Acme, Inc. (renamed)")
        r, pl = planned(w, "cap", "--mappings", maps)
        check_run(t, r, 9, "cap: more deletes than max_deletes")
        sub = pl["OrbSubscription__c"]
        t.eq((sub["deletes"]["over_cap"], sub["to_delete"], sub["deletes"]["allow_with"]),
             (True, 0, "--allow-deletes OrbSubscription__c=%d" % len(subs)),
             "plan: the cap holds, and the option that allows it once")
        text = w.run("--mappings", maps, cmd="plan", json_out=False)
        t.has(text.stdout, "MORE THAN ITS CAP ALLOWS", "plan as a table: the cap, loudly")
        t.has(text.stdout, "billsync run --allow-deletes OrbSubscription__c=%d" % len(subs),
              "... and how to allow it")
        t.eq(sorted(set(subs) & set(keys(w, "OrbSubscription__c"))), sorted(subs),
             "nothing of the object over its cap is deleted")
        t.has(r.stderr, "OrbSubscription__c: %d records would be deleted" % len(subs),
              "the warning says how many")
        t.has(r.stderr, "--allow-deletes OrbSubscription__c=%d" % len(subs),
              "and how to allow it once")
        t.ok(PLAN not in keys(w, "OrbPlan__c"), "another object within its cap deletes")
        names = {x["OrbId__c"]: x["Name"] for x in w.emu.records("OrbCustomer__c")}
        t.eq(names.get("Gq7cVz4TbR2wXk9L"), "Acme, Inc. (renamed)",
             "the rest is loaded")
        t.eq((plan_report(r, "OrbSubscription__c") or {}).get("over_cap"), True,
             "--json: over_cap")

        r = w.run("--mappings", maps, "--allow-deletes",
                  "OrbSubscription__c=%d" % (len(subs) - 1))
        check_run(t, r, 9, "cap: --allow-deletes below the count")
        r, _ = planned(w, "cap: --allow-deletes", "--mappings", maps, "--allow-deletes",
                       "OrbSubscription__c=%d" % len(subs))
        check_run(t, r, 1, "cap: --allow-deletes the count")
        t.eq(sorted(set(subs) & set(keys(w, "OrbSubscription__c"))), [],
             "allowed once: deleted")
        r = w.run("--mappings", maps)
        check_run(t, r, 1, "cap: the next run has nothing left to delete")

    with World() as w:
        maps = mappings(
            w, customer="missing = delete\nhow = delete\nmax_deletes = 100%\n",
            subscription="missing = delete\nhow = delete\nmax_deletes = 100%\n",
            plan="missing = delete\nhow = delete\nmax_deletes = 100%\n")
        check_run(t, w.run("--mappings", maps), 1, "order run 1")
        cust = "Kp2mWq8sYx4NvB7D"
        subs = {r[0].lstrip("\ufeff") for r in read_csv(w.path("subscriptions"))[1:]
                if r[1] == cust or r[3] == PLAN}
        drop_rows(w, "subscriptions", subs)
        drop_rows(w, "customers", {cust})
        drop_rows(w, "plans", {PLAN})
        mark = w.emu.requests()[-1]["seq"]
        r = w.run("--mappings", maps)
        check_run(t, r, 1, "order: children and parents gone")
        log = [q for q in w.emu.requests() if q["seq"] > mark]
        jobs = {j["id"]: j["object"] for j in delete_jobs(w)}
        created, ended = {}, {}
        for q in log:
            segs = q["path"].rstrip("/").split("/")
            if q["method"] == "PATCH" and segs[-1] in jobs:
                created.setdefault(jobs[segs[-1]], q["seq"])
            if q["method"] == "GET" and segs[-1] == "successfulResults" and \
                    segs[-2] in jobs:
                ended[jobs[segs[-2]]] = q["seq"]
        t.eq(sorted(created), ["OrbCustomer__c", "OrbPlan__c", "OrbSubscription__c"],
             "a delete job per object", jobs)
        t.ok(ended.get("OrbSubscription__c", 1 << 60) < min(
            created.get("OrbCustomer__c", 0), created.get("OrbPlan__c", 0)),
             "the children's delete job ended before the parents' were closed",
             created, ended)
        upserts = [q["seq"] for q in log if q["method"] == "PUT" and
                   q["path"].rstrip("/").split("/")[-2] not in jobs]
        t.ok(upserts == [] or max(upserts) < min(created.values()),
             "deletes go after the upserts")
        t.eq([k for k in subs | {cust} if k in keys(w, "OrbSubscription__c") +
              keys(w, "OrbCustomer__c")], [], "all of them are deleted")


def hard_delete():
    """hardDelete without the org permission is refused, clearly, and the
    records stay; with it they are deleted for good."""
    with World() as w:
        maps = mappings(w, plan="when = deleted_at is not empty\nhow = hardDelete\n")
        check_run(t, w.run("--mappings", maps), 1, "hardDelete run 1")
        set_column(w, "plans", PLAN_FREE, "deleted_at", "2024-09-01T00:00:00Z")
        r = w.run("--mappings", maps)
        check_run(t, r, 1, "hardDelete refused")
        t.ok(PLAN_FREE in keys(w, "OrbPlan__c"), "the refused record stays")
        t.has(r.stdout + r.stderr, "Bulk API Hard Delete permission", "the refusal is said")
        rec = records(w, "--status", "failed").get(("OrbPlan__c", PLAN_FREE)) or {}
        t.has(rec.get("error_message") or "", "Hard Delete", "the record failed with it")
        w.emu.set_faults(hard_delete=1)
        r = w.run("--mappings", maps)
        check_run(t, r, 1, "hardDelete with the permission")
        t.ok(PLAN_FREE not in keys(w, "OrbPlan__c"), "deleted")
        t.eq(w.emu.deleted("OrbPlan__c"), [], "for good: nothing in the recycle bin")
        t.eq(w.status_of("OrbPlan__c", PLAN_FREE), "deleted", "the state says deleted")


def killed():
    """SIGKILL while a delete job runs; the next run polls that job (no new
    one), nothing is deleted twice and nothing fails."""
    with World() as w:
        maps = mappings(w, **{"credit_ledger_entry":
                              "missing = delete\nhow = delete\nmax_deletes = 100%\n"})
        check_run(t, w.run("--mappings", maps), 1, "kill run 1")
        rows = read_csv(w.path("credit_ledger_entries"))
        drop = {r[0] for r in rows[1:41]}
        drop_rows(w, "credit_ledger_entries", drop)
        w.emu.set_faults(rate=8)
        p = w.spawn("--mappings", maps)
        job = wait_for(lambda: [j for j in w.jobs() if "-delete-" in j["path"]], p,
                       timeout=60)
        t.ok(job, "a delete job was created and recorded")
        t.ok(p.kill(), "killed while it ran")
        first = delete_jobs(w)
        w.emu.set_faults(rate=None)
        r = w.run("--mappings", maps)
        check_run(t, r, 1, "kill: the next run")
        t.has(r.stderr, "continuing run", "it continues the killed run")
        t.eq(len(delete_jobs(w)), len(first), "no new delete job: the killed one was polled")
        recs = w.records()
        t.eq(sorted(k for (o, k), v in recs.items() if v[0] == "deleted"), sorted(drop),
             "every vanished entry is deleted, none failed")
        t.eq(len(w.emu.deleted("OrbCommittedLedgerEntry__c")), len(drop),
             "each deleted once in Salesforce")


def mapping_mistakes():
    """A [delete] section that cannot work is a mapping mistake (exit 3)."""
    with World() as w:
        for text, want in (
                ("missing = delete\n", "missing = delete needs 'how = delete'"),
                ("how = delete\n", "nothing says when a record is deleted"),
                ("how = hardDelet\nmissing = delete\n", "did you mean 'hardDelete'?"),
                ("when = deleted_at is not empty\nhow = delete\nmax_deletes = 5 %\n",
                 "max_deletes must be a count"),
                ("wen = deleted_at is not empty\n", "did you mean 'when'?")):
            maps = mappings(w, plan=text)
            r = w.run("--mappings", maps)
            check_run(t, r, 3, "mistake %r" % text)
            t.has(r.stderr, want, "it says so")


t.run(markers)
t.run(vanished_and_partial)
t.run(watermark)
t.run(cap_and_order)
t.run(hard_delete)
t.run(killed)
t.run(mapping_mistakes)
t.done()
