#!/usr/bin/env python3
"""`billsync retry` and `billsync resync` with --id and --object (issue 7),
what an --id that matches nothing says and exits with, and why `run`,
`retry` and `resync` refuse a mapping with `operation = insert`.

What was sent is read from the run's bulk files and the emulator (its jobs
and each stored record's SystemModstamp, which moves whenever a record is
written); what the state says from `billsync records --json`."""

import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from synctest import (BILLSYNC, ROOT, SAMPLE_FAILED, Tap, World, check_run,  # noqa: E402
                      duplicates, edit_csv)

BAD_EMAIL = next(k for (_, k), c in SAMPLE_FAILED.items() if c == "INVALID_EMAIL_ADDRESS")
BAD_ACCOUNT = next(k for (_, k), c in SAMPLE_FAILED.items()
                   if c == "INVALID_CROSS_REFERENCE_KEY")
SYNCED_CUSTOMER = "Gq7cVz4TbR2wXk9L"


def records(w, *args):
    """{key: record} of `billsync records --json --limit 0` (plus args)."""
    p = subprocess.run([BILLSYNC, "records", "-c", w.conf, "--json", "--limit", "0"] +
                       list(args), cwd=ROOT, capture_output=True, text=True, check=False)
    doc = json.loads(p.stdout) if p.returncode == 0 else {"records": []}
    return {r["key"]: r for r in doc["records"]}


def stamps(w, obj):
    """{external id: SystemModstamp} of what the emulator stores."""
    return {r["OrbId__c"]: r["SystemModstamp"] for r in w.emu.records(obj)}


def written_now(w, obj, before):
    """The keys of obj the emulator wrote since the stamps before."""
    return sorted(k for k, s in stamps(w, obj).items() if before.get(k) != s)


def new_jobs(w, seen):
    """[(object, records processed)] of the emulator's jobs not in seen."""
    return sorted((j["object"], j["numberRecordsProcessed"]) for j in w.emu.jobs()
                  if j["id"] not in seen)


def job_ids(w):
    return {j["id"] for j in w.emu.jobs()}


def retry_by_id(t):
    """Two failed customers; retry --id sends only the one named."""
    with World() as w:
        check_run(t, w.run(), 1, "run 1")
        recs = records(w, "--status", "failed")
        t.eq(sorted(recs), sorted([BAD_EMAIL, BAD_ACCOUNT]),
             "run 1: two customers failed (records --json)")
        edit_csv(w.path("customers"), BAD_EMAIL, email="paper@dunder-mifflin.example")
        edit_csv(w.path("customers"), BAD_ACCOUNT, salesforce_account_id="001Hs00002abcdeIAA")
        seen, before = job_ids(w), stamps(w, "OrbCustomer__c")

        r = w.run("--object", "OrbCustomer__c", "--id", BAD_EMAIL, cmd="retry")
        check_run(t, r, 0, "retry --id K (both fixed at the source, two failed)")
        t.eq(w.sent_keys(), {"OrbCustomer__c": [BAD_EMAIL]},
             "retry --id K: the bulk file holds K only")
        t.eq(new_jobs(w, seen), [("OrbCustomer__c", 1)],
             "retry --id K: the emulator got one job of one record")
        t.eq(written_now(w, "OrbCustomer__c", before), [BAD_EMAIL],
             "retry --id K: Salesforce stored K and no other customer")
        recs = records(w, "--object", "OrbCustomer__c")
        t.eq((recs[BAD_EMAIL]["status"], recs[BAD_EMAIL]["attempts"]), ("synced", 2),
             "retry --id K: K is synced after its second attempt")
        t.eq((recs[BAD_ACCOUNT]["status"], recs[BAD_ACCOUNT]["attempts"],
              recs[BAD_ACCOUNT]["run"]), ("failed", 1, 1),
             "retry --id K: the other failed record was not touched")
        t.ok(r.report and r.report.get("ids_not_sent") is None,
             "retry --id K: no --id reported as not sent", r)

        # --id given as `--id A B`: one key per --id
        r = w.run("--id", BAD_ACCOUNT, "nope", cmd="retry", json_out=False)
        t.eq(r.rc, 2, "retry --id A B: a usage error", r)
        t.has(r.stderr, "one key per --id: --id %s --id nope" % BAD_ACCOUNT,
              "retry --id A B: says to repeat --id")
        h = subprocess.run([BILLSYNC, "retry", "--help"], capture_output=True, text=True,
                           check=False)
        t.has(h.stdout, "[--id ID]...", "retry --help: the usage line shows --id repeated")

        # an --id that is no record, and one that is not failed
        seen, before = job_ids(w), stamps(w, "OrbCustomer__c")
        r = w.run("--object", "OrbCustomer__c", "--id", "nope", cmd="retry")
        check_run(t, r, 1, "retry --id unknown: exit 1, nothing was sent for it")
        t.has(r.stderr, "warning: --id nope: no record of the chosen objects has this key: "
              "nothing sent", "retry --id unknown: a warning names the key")
        t.eq(r.report and r.report.get("ids_not_sent"),
             [{"id": "nope", "object": None, "status": None}],
             "retry --id unknown: --json lists it in ids_not_sent")
        t.eq(new_jobs(w, seen), [], "retry --id unknown: no job was created")
        r = w.run("--object", "OrbCustomer__c", "--id", BAD_EMAIL, "--id", BAD_ACCOUNT,
                  cmd="retry", json_out=False)
        check_run(t, r, 1, "retry --id synced --id failed: exit 1 (one was not sent)")
        t.has(r.stderr, "warning: --id %s: OrbCustomer__c %s is synced, not failed: nothing "
              "sent (billsync resync sends it again)" % (BAD_EMAIL, BAD_EMAIL),
              "retry --id synced: the warning says what it is")
        t.ok(BAD_ACCOUNT not in r.stderr, "retry: no warning for the key that was sent",
             r.stderr)
        t.eq(w.sent_keys(), {"OrbCustomer__c": [BAD_ACCOUNT]},
             "retry --id synced --id failed: only the failed one was sent")
        t.eq(w.status_of("OrbCustomer__c", BAD_ACCOUNT), "synced",
             "retry: the second customer is synced too")
        t.eq(new_jobs(w, seen), [("OrbCustomer__c", 1)], "retry: one job of one record")


def resync_by_id_and_object(t):
    with World() as w:
        check_run(t, w.run(), 1, "run 1")
        seen = job_ids(w)
        before = {o: stamps(w, o) for o in ("OrbCustomer__c", "OrbPlan__c")}

        # resync --id K: only K, and it becomes resynced
        r = w.run("--id", SYNCED_CUSTOMER, cmd="resync")
        check_run(t, r, 1, "resync --id K (exit 1: the sample's two rejected invoices)")
        t.eq(w.sent_keys(), {"OrbCustomer__c": [SYNCED_CUSTOMER]},
             "resync --id K: the bulk files hold K only")
        t.eq(new_jobs(w, seen), [("OrbCustomer__c", 1)],
             "resync --id K: the emulator got one job of one record")
        t.eq(written_now(w, "OrbCustomer__c", before["OrbCustomer__c"]), [SYNCED_CUSTOMER],
             "resync --id K: Salesforce wrote K again and no other customer")
        t.eq(written_now(w, "OrbPlan__c", before["OrbPlan__c"]), [],
             "resync --id K: no plan was written")
        recs = records(w, "--object", "OrbCustomer__c")
        t.eq(recs[SYNCED_CUSTOMER]["status"], "resynced",
             "resync --id K: records --json says resynced")
        t.eq(sorted(k for k, v in recs.items() if v["status"] == "resynced"),
             [SYNCED_CUSTOMER], "resync --id K: no other customer is resynced")

        # resync --object O: every synced record of O, nothing else
        plans = records(w, "--object", "OrbPlan__c")
        t.ok(len(plans) >= 2 and {v["status"] for v in plans.values()} == {"synced"},
             "run 1: the plans are synced", plans)
        seen = job_ids(w)
        before = {o: stamps(w, o) for o in ("OrbCustomer__c", "OrbPlan__c",
                                              "OrbSubscription__c")}
        r = w.run("--object", "OrbPlan__c", cmd="resync")
        check_run(t, r, 0, "resync --object OrbPlan__c")
        t.eq({o: sorted(k) for o, k in w.sent_keys().items()},
             {"OrbPlan__c": sorted(plans)}, "resync --object O: every plan was sent, nothing "
             "else")
        t.eq(new_jobs(w, seen), [("OrbPlan__c", len(plans))],
             "resync --object O: one job, of every plan")
        t.eq(written_now(w, "OrbPlan__c", before["OrbPlan__c"]), sorted(plans),
             "resync --object O: Salesforce wrote every plan again")
        t.eq([written_now(w, o, before[o]) for o in ("OrbCustomer__c", "OrbSubscription__c")],
             [[], []], "resync --object O: no record of another object was written")
        t.eq({v["status"] for v in records(w, "--object", "OrbPlan__c").values()},
             {"resynced"}, "resync --object O: every plan is resynced (records --json)")
        t.eq(duplicates(w.landed()), [], "resync: no external id stored twice")

        # resync of a failed record, and of an unknown one
        seen = job_ids(w)
        r = w.run("--object", "OrbCustomer__c", "--id", BAD_EMAIL, "--id", "nope",
                  cmd="resync")
        check_run(t, r, 1, "resync --id failed --id unknown: exit 1")
        t.has(r.stderr, "warning: --id %s: OrbCustomer__c %s is failed, not synced: "
              "nothing sent (billsync retry sends it again)" % (BAD_EMAIL, BAD_EMAIL),
              "resync --id failed: the warning says it failed and what sends it")
        t.has(r.stderr, "warning: --id nope: no record of the chosen objects has this key",
              "resync --id unknown: a warning names it")
        t.eq(r.report and r.report.get("ids_not_sent"),
             [{"id": BAD_EMAIL, "object": "OrbCustomer__c", "status": "failed"},
              {"id": "nope", "object": None, "status": None}],
             "resync: --json lists both in ids_not_sent")
        t.eq(new_jobs(w, seen), [], "resync --id failed: nothing was sent")
        t.eq(w.status_of("OrbCustomer__c", BAD_EMAIL), "failed",
             "resync --id failed: the record stays failed")


INSERT_MAP = """# a one-off load: plans inserted, no key
[object]
name      = OrbPlan__c
source    = plans
operation = insert

[fields]
Name = name | truncate(80)
"""


def insert_refused(t):
    """An insert mapping has no key to remember records by: run, retry and
    resync refuse it (exit 3, at its `operation` line); the others can still
    run with --objects, and export takes it."""
    with World() as w:
        maps = os.path.join(w.tmp, "maps")
        os.makedirs(maps)
        shutil.copy(os.path.join(ROOT, "mappings", "customer.map"), maps)
        with open(os.path.join(maps, "plan_insert.map"), "w", encoding="utf-8") as f:
            f.write(INSERT_MAP)
        where = "%s:5: OrbPlan__c: operation = insert cannot be synced by `billsync " % \
            os.path.join(maps, "plan_insert.map")
        for cmd in ("run", "retry", "resync"):
            r = w.run("--mappings", maps, cmd=cmd, json_out=False)
            check_run(t, r, 3, "%s with an insert mapping" % cmd)
            t.has(r.stderr, where + cmd + "`", "%s: the error points at operation's line"
                  % cmd)
            t.has(r.stderr, "use 'operation = upsert' with an External ID field",
                  "%s: the error says to upsert on an External ID" % cmd)
            t.has(r.stderr, "`billsync export` then `billsync upload`",
                  "%s: ... or to export and upload a one-off load" % cmd)
        r = w.run("--mappings", maps, "--objects", "plans", json_out=False)
        check_run(t, r, 3, "run --objects plans (the insert mapping)")
        t.eq(w.emu.stats()["jobs_created"], 0, "insert refused: no job was created")
        t.ok(not os.path.exists(os.path.join(w.state, "billsync.db")),
             "insert refused: before any state was written")
        r = w.run("--mappings", maps, "--objects", "OrbCustomer__c")
        check_run(t, r, 1, "run --objects OrbCustomer__c (the two refused customers)")
        t.eq(sorted(w.written()), ["OrbCustomer__c"], "the other mapping runs alone")
        r = subprocess.run([BILLSYNC, "export", "-c", w.conf, "--mappings", maps, "--out",
                            os.path.join(w.tmp, "x")], cwd=ROOT, capture_output=True,
                           text=True, check=False)
        t.eq(r.returncode, 0, "export still takes an insert mapping", r.stderr)


def skipped_kept(t):
    """A record skipped by the same filter run after run keeps its run and
    updated_at, so `records --since` lists it only when it became skipped."""
    with World() as w:
        check_run(t, w.run(), 1, "run 1")
        skipped = {k: v for k, v in records(w, "--status", "skipped").items()}
        t.eq(len(skipped), 2, "run 1: two records skipped", skipped)
        after1 = max(r["updated_at"] for r in records(w).values())
        check_run(t, w.run(), 1, "run 2")
        again = records(w, "--status", "skipped")
        t.eq({k: (v["run"], v["updated_at"]) for k, v in again.items()},
             {k: (v["run"], v["updated_at"]) for k, v in skipped.items()},
             "run 2: the skipped records keep their run and updated_at")
        since = records(w, "--since", after1)
        t.eq(sorted(k for k, v in since.items() if v["status"] == "skipped"), [],
             "run 2: records --since (after run 1) lists no skipped record", since)
        # the draft invoice is issued: no longer skipped, then a draft again
        draft = next(k for k in skipped if k.startswith("inv_"))
        edit_csv(w.path("invoices"), draft, status="issued")
        check_run(t, w.run(), 1, "run 3 (the draft issued)")
        t.eq(w.status_of("OrbInvoice__c", draft), "synced", "run 3: the invoice is synced")
        edit_csv(w.path("invoices"), draft, status="draft")
        check_run(t, w.run(), 1, "run 4 (a draft again)")
        rec = records(w, "--key", draft)[draft]
        t.eq((rec["status"], rec["run"]), ("skipped", 4),
             "run 4: skipped again, by run 4 (its status changed)")


def main():
    t = Tap()
    t.run(retry_by_id, t)
    t.run(resync_by_id_and_object, t)
    t.run(insert_refused, t)
    t.run(skipped_kept, t)
    t.done()


if __name__ == "__main__":
    main()
