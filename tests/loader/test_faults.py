#!/usr/bin/env python3
"""billsync upload under each fault switch of the emulator: the load ends with
every record accounted for and no duplicate records.

Usage: test_faults.py [NAME...] runs only the named scenarios (the e2e wrappers
split them in two so that they run in parallel)."""

import calendar
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from loadtest import (BASIC_FAILED, BILLSYNC, CASES, Case, Tap,    # noqa: E402
                      check_basic_failures, check_basic_landed, obj_report, totals)

ROWS = 18     # rows in the basic case


def accounted(t, rep, label, rows=ROWS):
    """Each object's sent rows have exactly one outcome."""
    ok = rep is not None and all(
        o["sent"] == o["created"] + o["updated"] + o["failed"] + o["unprocessed"]
        for o in rep["objects"])
    t.ok(ok, "%s: every record sent has one outcome" % label, rep and rep["objects"])
    t.eq(sum(o["sent"] for o in rep["objects"]) if rep else None, rows,
         "%s: every row was sent" % label)


def no_lock_failures(t, case, label):
    locked = [r for r in case.failures() if r["error_code"] == "UNABLE_TO_LOCK_ROW"]
    t.eq(locked, [], "%s: no record is left failed with UNABLE_TO_LOCK_ROW" % label)


def token_expiry(t):
    with Case(faults={"token_expire_calls": 4}) as case:
        r = case.upload()
        t.eq(r.rc, 1, "token expiry: the load goes on (exit 1 for rejected rows)") or \
            print("# %r" % r)
        accounted(t, r.report, "token expiry")
        check_basic_landed(t, case, "token expiry")
        check_basic_failures(t, case, "token expiry")
        st = case.emu.stats()
        t.ok(st["unauthorized"] > 0 and st["token_grants"].get("client_credentials", 0) > 1,
             "token expiry: 401s were answered by logging in again", st)
        t.ok(r.report and r.report["logins"] > 1, "token expiry: the report counts the "
             "logins", r.report and r.report["logins"])


def dropped_upload(t):
    for mode in ("before", "after"):
        label = "upload dropped %s storing" % mode
        with Case(faults={"drop_upload_once": mode}) as case:
            r = case.upload()
            t.eq(r.rc, 1, "%s: the load goes on" % label) or print("# %r" % r)
            accounted(t, r.report, label)
            check_basic_landed(t, case, label)
            check_basic_failures(t, case, label)
            reqs = case.emu.requests()
            dropped = [q for q in reqs if q.get("dropped")]
            t.eq(len(dropped), 1, "%s: one upload was dropped" % label)
            if not dropped:
                continue
            job = dropped[0]["path"].split("/")[-2]
            after = [q for q in reqs if q["seq"] > dropped[0]["seq"] and job in q["path"]]
            seq = [(q["method"], q["path"].split(job)[-1], q["status"]) for q in after][:3]
            second = (400 if mode == "after" else 201)
            t.eq(seq, [("GET", "", 200), ("PUT", "/batches", second), ("PATCH", "", 200)],
                 "%s: the job's state is checked before the upload is sent again" % label)
            t.eq(r.report and len(r.report["jobs"]), 6, "%s: no extra job" % label)


def lock_errors(t):
    with Case(faults={"lock_rows_every": 2}) as case:
        r = case.upload()
        t.eq(r.rc, 1, "lock errors: the load goes on") or print("# %r" % r)
        accounted(t, r.report, "lock errors")
        check_basic_landed(t, case, "lock errors")
        check_basic_failures(t, case, "lock errors")
        no_lock_failures(t, case, "lock errors")
        retries = [j for j in (r.report or {"jobs": []})["jobs"] if j["attempt"] > 0]
        t.ok(retries, "lock errors: locked rows went again in new jobs",
             r.report and r.report["jobs"])
        t.ok("UNABLE_TO_LOCK_ROW" in r.stderr, "lock errors: the log says so", r)
        # the retry file is made of the original rows, byte for byte
        puts = [q for q in case.emu.requests() if q["method"] == "PUT"]
        t.ok(all(q["status"] == 201 for q in puts), "lock errors: every upload accepted")
        # re-sends are gzipped like first attempts
        retry_ids = {j["job_id"] for j in retries}
        retry_puts = [q for q in puts if q["path"].split("/")[6] in retry_ids]
        t.ok(retry_puts and len(retry_puts) == len(retry_ids) and
             all(q["headers"].get("Content-Encoding") == "gzip" for q in retry_puts),
             "lock errors: the re-sending jobs' uploads are gzipped too",
             [(q["path"], q["headers"].get("Content-Encoding")) for q in retry_puts])
    with Case(faults={"lock_rows_every": 2}, load={"lock_retries": "0"}) as case:
        r = case.upload()
        locked = [x for x in case.failures() if x["error_code"] == "UNABLE_TO_LOCK_ROW"]
        t.ok(locked and all(x["source"] and x["line"] for x in locked),
             "lock_retries = 0: locked rows are reported failed, with their source lines",
             locked)
        accounted(t, r.report, "lock_retries = 0")


def failed_job(t):
    with Case(faults={"fail_object": "OrbInvoice__c"}) as case:
        r = case.upload()
        t.eq(r.rc, 1, "failed job: exit 1") or print("# %r" % r)
        rep = r.report or {"objects": [], "jobs": []}
        accounted(t, rep, "failed job")
        inv = obj_report(rep, "OrbInvoice__c") or {}
        t.eq((inv.get("created"), inv.get("unprocessed")), (0, 5),
             "failed job: the invoices are reported unprocessed")
        failed_jobs = [j for j in rep["jobs"] if j["state"] == "Failed"]
        t.ok(len(failed_jobs) == 2 and all("retried more than 20 times" in j["error_message"]
                                           for j in failed_jobs),
             "failed job: the jobs' errorMessage is reported", rep["jobs"])
        rows = [x for x in case.failures() if x["object"] == "OrbInvoice__c"]
        t.ok(len(rows) == 5 and all(x["status"] == "unprocessed" and
                                    "retried more than 20 times" in x["error_message"] and
                                    x["line"] for x in rows),
             "failed job: each invoice is in the failures CSV with the job's message", rows)
        t.ok("Failed" in r.stderr and "retried more than 20 times" in r.stderr,
             "failed job: the log shows Salesforce's errorMessage", r)
        t.eq(sorted(x["OrbId__c"] for x in case.records("OrbCustomer__c")),
             ["cus_001", "cus_002", "cus_003", "cus_006"],
             "failed job: other objects still load")


def daily_limit(t):
    with Case(faults={"limit_after_calls": 20}) as case:
        r1 = case.upload()
        t.eq(r1.rc, 8, "daily limit: the load stops with exit 8") or print("# %r" % r1)
        t.ok(r1.report and r1.report["status"] == "paused" and
             "REQUEST_LIMIT_EXCEEDED" in (r1.report["error"] or ""),
             "daily limit: the report says paused, and why", r1.report)
        t.ok(case.work_pending(), "daily limit: the state keeps what is left")
        case.emu.set_faults(limit_after_calls=0)
        r2 = case.upload()
        t.eq(r2.rc, 1, "daily limit: the next run finishes (exit 1 for rejected rows)") or \
            print("# %r" % r2)
        t.ok("continuing the upload" in r2.stderr, "daily limit: the next run says it "
             "continues", r2.stderr)
        sent = sum(o["sent"] for o in r1.report["objects"] + r2.report["objects"])
        t.eq(sent, ROWS, "daily limit: the two runs together loaded every file once")
        accounted(t, r2.report, "daily limit, second run", rows=ROWS - sum(
            o["sent"] for o in r1.report["objects"]))
        check_basic_landed(t, case, "daily limit")
        check_basic_failures(t, case, "daily limit")
        t.ok(not case.work_pending(), "daily limit: the finished run leaves nothing to do")
        created = case.emu.stats()["jobs_created"]
        t.ok(created == 6, "daily limit: jobs left by the first run were resumed, not "
             "created again (%d jobs)" % created)


def exceeded_quota(t):
    # 7 records a day: the parents' jobs (10 rows) use it up part way; the
    # jobs that run out end Failed with "ExceededQuota : DailyBulkRecords ..."
    with Case(limits={"DailyBulkRecords": 7}) as case:
        r1 = case.upload()
        t.eq(r1.rc, 8, "exceeded quota: the load pauses (exit 8)") or print("# %r" % r1)
        rep1 = r1.report or {"objects": [], "jobs": [], "files": {}, "error": ""}
        err = rep1["error"] or ""
        t.ok(rep1.get("status") == "paused" and "ExceededQuota" in err and
             "daily Bulk API records are used up" in err and "API requests" not in err,
             "exceeded quota: the report says paused, and which allocation ran out", err)
        stopped = [j for j in rep1["jobs"] if j["state"] == "Failed"]
        t.ok(stopped and all(j["error_message"].startswith("ExceededQuota")
                             for j in stopped),
             "exceeded quota: the jobs that ran out are Failed with ExceededQuota",
             rep1["jobs"])
        t.eq(rep1["files"].get("failed"), 0, "exceeded quota: no file counts as failed")
        t.ok(rep1["files"].get("unfinished", 0) >= 1,
             "exceeded quota: the stopped files are left unfinished", rep1["files"])
        t.eq([j["file"] for j in rep1["jobs"] if "Sub" in j["file"] or "Inv" in j["file"]],
             [], "exceeded quota: no new job starts (the children wait)")
        t.eq([x for x in case.failures() if "ExceededQuota" in x["error_message"]], [],
             "exceeded quota: no record is reported unprocessed for it")
        t.ok(all(o["sent"] == o["created"] + o["updated"] + o["failed"] + o["unprocessed"]
                 for o in rep1["objects"]),
             "exceeded quota, first run: outcomes only for the files it finished",
             rep1["objects"])
        t.ok(case.work_pending(), "exceeded quota: the state keeps what is left")
        t.eq(case.emu.stats()["records_processed"], 7,
             "exceeded quota: Salesforce processed its 7 records")

        # again before the allocation is renewed: Salesforce refuses the job
        # that would send the rest, and nothing is reported twice
        jobs_before = case.emu.stats()["jobs_created"]
        rr = case.upload()
        t.eq(rr.rc, 8, "exceeded quota, run again too soon: paused again") or \
            print("# %r" % rr)
        t.ok(rr.report and "daily Bulk API records are used up" in (rr.report["error"] or ""),
             "exceeded quota, run again too soon: the report says why",
             rr.report and rr.report["error"])
        t.eq(totals(rr.report) if rr.report else None, (0, 0, 0, 0),
             "exceeded quota, run again too soon: no record is reported")
        t.eq(case.emu.stats()["jobs_created"], jobs_before,
             "exceeded quota, run again too soon: no job was created")
        t.ok(case.work_pending(), "exceeded quota, run again too soon: the work is still "
             "left")

        case.emu.set_limits(DailyBulkRecords=150000000)
        r2 = case.upload()
        t.eq(r2.rc, 1, "exceeded quota: with the allocation renewed the next run "
             "finishes (exit 1 for rejected rows)") or print("# %r" % r2)
        rep2 = r2.report or {"objects": [], "jobs": []}
        for j in stopped:
            t.ok("%s: resuming job %s" % (j["file"], j["job_id"]) in r2.stderr and
                 "%s: loaded by an earlier run; skipped" % j["file"] not in r2.stderr,
                 "exceeded quota: %s is continued, not skipped" % j["file"], r2.stderr)
        resent = [j for j in rep2["jobs"] if j["attempt"] > 0]
        t.ok(resent and all(j["state"] == "JobComplete" for j in resent),
             "exceeded quota: the rows the stopped jobs did not process go in new jobs",
             rep2["jobs"])
        sent = sum(o["sent"] for o in rep1["objects"] + rep2["objects"])
        t.eq(sent, ROWS, "exceeded quota: the two runs together loaded every file once")
        outcomes = [0, 0, 0, 0]
        for o in rep1["objects"] + rep2["objects"]:
            for i, k in enumerate(("created", "updated", "failed", "unprocessed")):
                outcomes[i] += o[k]
        t.eq(outcomes, [11, 1, 6, 0], "exceeded quota: every record has exactly one outcome "
             "over the two runs, none unprocessed")
        check_basic_landed(t, case, "exceeded quota")
        check_basic_failures(t, case, "exceeded quota")
        t.eq(len(case.failures()), 6, "exceeded quota: the failures CSV lists each rejected "
             "record once")
        t.eq(case.emu.stats()["records_processed"], ROWS,
             "exceeded quota: Salesforce processed every record exactly once")
        t.ok(not case.work_pending(), "exceeded quota: the finished run leaves nothing to do")


def limit_margin(t):
    # 40 calls a day and a 10% margin: /limits, then files while the estimate fits
    with Case(limits={"DailyApiRequests": 40}, load={"limit_margin": "10"}) as case:
        r1 = case.upload()
        t.eq(r1.rc, 8, "limit margin: the load pauses before the allocation runs out")
        t.ok(r1.report and "in reserve" in (r1.report["error"] or ""),
             "limit margin: the report explains the margin", r1.report)
        used = case.emu.stats()["api_requests"]["total"]
        t.ok(used < 40, "limit margin: the org was never driven to its limit (%d)" % used)
        case.emu.set_limits(DailyApiRequests=100000)
        r2 = case.upload()
        t.eq(r2.rc, 1, "limit margin: with room again the next run finishes")
        check_basic_landed(t, case, "limit margin")


def gzip_refused(t):
    with Case(faults={"reject_gzip": 1}, load={"max_jobs": "1"}) as case:
        r = case.upload()
        t.eq(r.rc, 1, "gzip refused: the load goes on") or print("# %r" % r)
        accounted(t, r.report, "gzip refused")
        check_basic_landed(t, case, "gzip refused")
        puts = [q for q in case.emu.requests() if q["method"] == "PUT"]
        t.ok(puts and puts[0]["status"] == 415 and
             all("Content-Encoding" not in q["headers"] for q in puts[1:]),
             "gzip refused: after one 415 every upload goes uncompressed",
             [(q["status"], q["headers"].get("Content-Encoding")) for q in puts])
        aborted = [j for j in r.report["jobs"] if j["state"] == "Aborted"]
        t.eq(len(aborted), 1, "gzip refused: the refused job was aborted")
        t.ok("refuses gzipped uploads" in r.stderr, "gzip refused: the log says so", r)
    with Case(salesforce={"gzip_upload": "false"}) as case:
        r = case.upload()
        puts = [q for q in case.emu.requests() if q["method"] == "PUT"]
        t.ok(puts and all("Content-Encoding" not in q["headers"] for q in puts),
             "gzip_upload = false: uploads go uncompressed")
        check_basic_landed(t, case, "gzip_upload = false")


def server_errors(t):
    # about a quarter of the calls fail; 8 retries make a request that fails
    # 9 times in a row (the calls of 3 workers interleave) vanishingly rare
    with Case(faults={"http_500_every": 5, "http_503_every": 11},
              load={"retries": "8"}) as case:
        r = case.upload()
        t.eq(r.rc, 1, "5xx answers: the load goes on") or print("# %r" % r)
        accounted(t, r.report, "5xx answers")
        check_basic_landed(t, case, "5xx answers")
        check_basic_failures(t, case, "5xx answers")
        t.ok("retrying" in r.stderr, "5xx answers: retries are logged", r.stderr[-2000:])
    with Case(faults={"http_500_every": 1}, load={"retries": "2"}) as case:
        r = case.upload()
        t.eq(r.rc, 5, "5xx on every call: the run ends with exit 5 after bounded retries")
        t.ok(r.report and "500" in (r.report["error"] or ""), "5xx on every call: the "
             "error names the status", r.report)


def resumed_cleanly(t, case, r1, r2, label):
    """The second run finished what the first left: every file loaded once,
    every expected record there once, no job created twice."""
    t.eq(r2.rc, 1, "%s: the next run finishes (exit 1 for rejected rows)" % label) or \
        print("# %r" % r2)
    sent = sum(o["sent"] for o in (r1.report or {"objects": []})["objects"] +
               (r2.report or {"objects": []})["objects"])
    t.eq(sent, ROWS, "%s: the two runs together loaded every file once" % label)
    for n, r in (("first", r1), ("second", r2)):
        objs = (r.report or {"objects": []})["objects"]
        t.ok(all(o["sent"] == o["created"] + o["updated"] + o["failed"] + o["unprocessed"]
                 for o in objs), "%s, %s run: a file counts as loaded only with every "
             "record's outcome" % (label, n), objs)
    check_basic_landed(t, case, label)
    check_basic_failures(t, case, label)
    jobs = case.emu.jobs()
    t.eq(case.emu.stats()["jobs_created"], 6, "%s: no job was created twice" % label,
         [(j["object"], j["state"], j["numberRecordsProcessed"]) for j in jobs])
    t.ok(not case.work_pending(), "%s: the finished run leaves nothing to do" % label)


def interrupted(t):
    with Case(faults={"slow_ms": 150}) as case:
        cmd = [BILLSYNC, "upload", case.dir, "-c", case.conf, "--json"]
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.2)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
        t.eq(p.returncode, 8, "SIGINT: the load stops with exit 8") or print("# " + err)

        class R:
            report = json.loads(out) if out.strip() else None
        t.ok(R.report and "interrupted" in (R.report["error"] or ""),
             "SIGINT: the report says it was interrupted", out)
        t.ok(case.work_pending(), "SIGINT: the state keeps what is left")
        case.emu.set_faults(slow_ms=0)
        resumed_cleanly(t, case, R, case.upload(), "after SIGINT")


def interrupted_create(t):
    # the stop comes while a job create waits for its answer (the org made
    # the job): the answer is still taken, so the job is recorded and the
    # resume sends into it, instead of leaving it Open and unknown
    with Case(faults={"slow_ms": 200}) as case:
        cmd = [BILLSYNC, "upload", case.dir, "-c", case.conf, "--json"]
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while not case.emu.jobs() and time.monotonic() < deadline and p.poll() is None:
            time.sleep(0.02)
        t0 = time.monotonic()
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
        took = time.monotonic() - t0
        t.eq(p.returncode, 8, "SIGINT during a job create: exit 8") or print("# " + err)
        t.ok(took < 1.5, "SIGINT during a job create: exit within a second or so "
             "(%.2f s; the create's answer is given 0.4 s)" % took)
        made = case.emu.jobs()
        t.ok(made, "SIGINT during a job create: the org had made a job")

        class R:
            report = json.loads(out) if out.strip() else None
        t.eq(sorted(j["job_id"] for j in (R.report or {"jobs": []})["jobs"]),
             sorted(j["id"] for j in made),
             "SIGINT during a job create: every job the org made is in the report", err)
        case.emu.set_faults(slow_ms=0)
        resumed_cleanly(t, case, R, case.upload(), "after SIGINT during a job create")


def deadline(t):
    with Case(faults={"rate": 2}, load={"job_deadline": "0.4"}) as case:
        r1 = case.upload()
        t.eq(r1.rc, 8, "job_deadline: jobs still running at the deadline stop the load "
             "with exit 8") or print("# %r" % r1)
        t.ok(r1.report and "job_deadline" in (r1.report["error"] or ""),
             "job_deadline: the report says why", r1.report)
        t.ok("still InProgress after job_deadline" in r1.stderr or
             "still UploadComplete after job_deadline" in r1.stderr,
             "job_deadline: the log names the job left running", r1.stderr)
        t.eq([j["file"] for j in r1.report["jobs"] if "Sub" in j["file"] or
              "Inv" in j["file"]], [], "job_deadline: children wait for their parents")
        case.emu.set_faults(rate=0)
        resumed_cleanly(t, case, r1, case.upload(), "after job_deadline")


def lock_kept(t):
    # the chosen rows stay locked in 3 jobs; lock_retries = 2 allows 3 jobs in all
    with Case("protocol", faults={"lock_rows_every": 2, "lock_rows_times": 3},
              load={"lock_retries": "2"}) as case:
        r = case.upload()
        t.eq(r.rc, 1, "rows that stay locked: exit 1 (records failed)") or print("# %r" % r)
        jobs = (r.report or {"jobs": []})["jobs"]
        t.eq([(j["attempt"], j["rows"], j["state"]) for j in jobs],
             [(0, 3, "JobComplete"), (1, 1, "JobComplete"), (2, 1, "JobComplete")],
             "rows that stay locked: exactly three jobs for the file (lock_retries = 2)")
        t.eq(case.emu.stats()["jobs_created"], 3, "rows that stay locked: no fourth job")
        fails = [(x["key"], x["status"], x["error_code"], x["source"], x["line"])
                 for x in case.failures()]
        t.eq(fails, [("plan_pro", "failed", "UNABLE_TO_LOCK_ROW", "samples/plans.jsonl", "2")],
             "rows that stay locked: they end failed with UNABLE_TO_LOCK_ROW, with their "
             "source line")
        t.eq(sorted(x["OrbId__c"] for x in case.records("OrbPlan__c")),
             ["plan_basic", "plan_ent"], "rows that stay locked: the others succeed")
        t.ok("retry 2 of 2" in r.stderr, "rows that stay locked: the log counts the re-sends",
             r.stderr[-2000:])


def case_origins(name="basic"):
    """(object, key) -> (source, line) from the case's CSV files."""
    import csv
    d = os.path.join(CASES, name)
    with open(os.path.join(d, "case.json"), encoding="utf-8") as f:
        objs = json.load(f)["objects"]
    out = {}
    for o in objs:
        key = o.get("external_id") or "Id"
        for name_ in o["files"]:
            with open(os.path.join(d, name_), encoding="utf-8", newline="") as f:
                for row in csv.DictReader(f):
                    out[(o["object"], row[key])] = (row["_source"], int(row["_line"]))
    return out


def shuffled_results(t):
    from emutest import Client
    with Case(faults={"shuffle_results": 7}) as case:
        r = case.upload()
        t.eq(r.rc, 1, "shuffled results: the load runs (exit 1 for rejected rows)") or \
            print("# %r" % r)
        accounted(t, r.report, "shuffled results")
        check_basic_landed(t, case, "shuffled results")
        check_basic_failures(t, case, "shuffled results")
        # the emulator did shuffle: some job's results differ from upload order
        c = Client(case.emu)
        shuffled = [c.results(j["id"], "successfulResults").text for j in case.emu.jobs()]
        case.emu.set_faults(shuffle_results=0)
        plain = [c.results(j["id"], "successfulResults").text for j in case.emu.jobs()]
        t.ok(shuffled != plain, "shuffled results: the result rows came in another order "
             "than the upload's")
        origins = case_origins()
        bad = []
        for x in case.failures():
            k = (x["object"], x["key"])
            rec = json.loads(x["record"] or "{}")
            echoed = rec.get("OrbId__c", rec.get("Id"))
            if (x["source"], int(x["line"] or 0)) != origins.get(k) or \
                    x["error_code"] != BASIC_FAILED.get(k) or echoed != x["key"]:
                bad.append((k, x["source"], x["line"], x["error_code"], echoed))
        t.eq(bad, [], "shuffled results: each failed record has its own key's source line, "
             "error and echoed values")
        t.eq(totals(r.report) if r.report else None, (11, 1, 6, 0),
             "shuffled results: created, updated, failed as without shuffling")


def token_seconds(t):
    # tokens die 0.8 s after issue; answers slowed (150 ms) so that the load takes
    # several lifetimes and the three workers often have calls out when one dies
    life = 0.8
    with Case(faults={"token_expire_seconds": life, "slow_ms": 150}) as case:
        r = case.upload()
        t.eq(r.rc, 1, "token_expire_seconds: the load goes on (exit 1 for rejected rows)") \
            or print("# %r" % r)
        accounted(t, r.report, "token_expire_seconds")
        check_basic_landed(t, case, "token_expire_seconds")
        check_basic_failures(t, case, "token_expire_seconds")
        st = case.emu.stats()
        grants = [q for q in case.emu.requests() if q["kind"] == "token" and q["status"] == 200]
        t.ok(len(grants) >= 3, "token_expire_seconds: tokens expired and were renewed", st)
        t.ok(st["unauthorized"] > len(grants) - 1, "token_expire_seconds: more 401s than "
             "renewals (several calls met the same expired token)", st)
        t.eq(r.report and r.report["logins"], len(grants),
             "token_expire_seconds: the report counts the logins")

        def secs(stamp):
            return calendar.timegm(time.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S")) + \
                int(stamp[20:23]) / 1000.0
        times = [secs(q["time"]) for q in grants]
        gaps = [round(b - a, 3) for a, b in zip(times, times[1:])]
        t.ok(all(g >= life - 0.05 for g in gaps), "token_expire_seconds: one renewal per "
             "expiry (no two logins within a token's life)", gaps)


def org_refused(t):
    # a version the org does not serve: every job create gets 404
    with Case(salesforce={"api_version": "99.0"}) as case:
        r = case.upload()
        t.eq(r.rc, 5, "api_version 99.0: the run stops with exit 5") or print("# %r" % r)
        err = (r.report or {}).get("error") or ""
        t.ok("HTTP 404 NOT_FOUND" in err and "99.0" in err and "api_version" in err,
             "api_version 99.0: the error has Salesforce's answer and names the setting", err)
        t.eq(totals(r.report) if r.report else None, (0, 0, 0, 0),
             "api_version 99.0: no record is reported unprocessed")
        t.eq(case.failures(), [], "api_version 99.0: no failures CSV rows")
        t.eq(case.emu.stats()["jobs_created"], 0, "api_version 99.0: no job was created")
    # refusals of the whole org, through a proxy
    answers = [
        (403, "API_DISABLED_FOR_ORG", "The REST API is not enabled for this Organization."),
        (410, "UNSUPPORTED_API_VERSION", "Invalid Api version specified on URL"),
    ]
    for status, code, msg in answers:
        def inject(method, path, n, status=status, code=code, msg=msg):
            if method == "POST" and path.endswith("/jobs/ingest"):
                return status, [("Content-Type", "application/json")], \
                    json.dumps([{"errorCode": code, "message": msg}]).encode()
            return None
        with Case() as case:
            r, _ = case.upload_via(inject)
            t.eq(r.rc, 5, "%d %s on job create: the run stops with exit 5" % (status, code)) \
                or print("# %r" % r)
            err = (r.report or {}).get("error") or ""
            t.ok(code in err and msg in err, "%d %s: the error has Salesforce's message"
                 % (status, code), err)
            t.eq(totals(r.report) if r.report else None, (0, 0, 0, 0),
                 "%d %s: no record is reported unprocessed" % (status, code))
            t.eq(r.report and r.report["files"]["failed"], 0,
                 "%d %s: no file counts as failed by Salesforce's refusal" % (status, code))


def open_jobs(case):
    return sorted(j["id"] for j in case.emu.jobs() if j["state"] == "Open")


def lost_create(t):
    from emutest import Client
    # one worker: the create goes out after /limits, where libcurl would reuse the
    # connection and, when it dies, send the create again by itself unseen
    with Case(load={"max_jobs": "1"}) as case:
        # an Open job of the same object and user from before the run is not billsync's
        c = Client(case.emu)
        before = c.create("OrbPlan__c", "upsert").json()["id"]
        c.create("OrbCustomer__c", "upsert").json()
        prior = open_jobs(case)
        time.sleep(1.5)
        case.emu.set_faults(drop_create_once=1)
        r = case.upload()
        t.eq(r.rc, 1, "lost create answer: the load goes on (exit 1 for rejected rows)") or \
            print("# %r" % r)
        accounted(t, r.report, "lost create answer")
        check_basic_landed(t, case, "lost create answer")
        check_basic_failures(t, case, "lost create answer")
        reported = {j["job_id"] for j in (r.report or {"jobs": []})["jobs"]}
        jobs = case.emu.jobs()
        stray = [j for j in jobs if j["id"] not in reported and j["id"] not in prior]
        t.eq(len(stray), 1, "lost create answer: the lost answer left one job besides the "
             "run's own", [(j["id"], j["object"], j["state"]) for j in jobs])
        t.eq([j["state"] for j in stray], ["Aborted"], "lost create answer: billsync aborted it")
        t.eq(open_jobs(case), prior, "lost create answer: the Open jobs from before the run "
             "are left alone (%s among them)" % before)
        reqs = case.emu.requests()
        t.ok(any(q["method"] == "GET" and q["kind"] == "job_list" for q in reqs),
             "lost create answer: billsync listed the org's jobs")
        t.ok(stray and ("aborted job %s" % stray[0]["id"]) in r.stderr,
             "lost create answer: the log says which job it aborted", r.stderr[-3000:])
        t.eq(len(reported), 6, "lost create answer: the report has the run's six jobs")

    # the create's one lost attempt, but two jobs made meanwhile: cannot tell
    def inject(method, path, n):
        if method == "POST" and path.endswith("/jobs/ingest") and n == 0:
            return 503, [("Content-Type", "application/json")], \
                b'[{"errorCode":"SERVER_UNAVAILABLE","message":"busy"}]', 2
        return None

    with Case() as case:
        r, _ = case.upload_via(inject)
        t.eq(r.rc, 1, "two jobs for one lost answer: the load goes on") or print("# %r" % r)
        reported = {j["job_id"] for j in (r.report or {"jobs": []})["jobs"]}
        others = [j for j in case.emu.jobs() if j["id"] not in reported]
        t.eq([j["state"] for j in others], ["Open", "Open"],
             "two jobs for one lost answer: billsync cannot tell which is its own and "
             "aborts neither", [(j["id"], j["state"]) for j in others])
        t.ok("cannot tell which" in r.stderr, "two jobs for one lost answer: the log says so",
             r.stderr[-3000:])


SCENARIOS = {
    "token_expiry": token_expiry, "dropped_upload": dropped_upload,
    "lock_errors": lock_errors, "failed_job": failed_job, "daily_limit": daily_limit,
    "exceeded_quota": exceeded_quota, "limit_margin": limit_margin, "gzip_refused": gzip_refused,
    "server_errors": server_errors, "interrupted": interrupted,
    "interrupted_create": interrupted_create, "deadline": deadline,
    "lock_kept": lock_kept, "shuffled_results": shuffled_results,
    "token_seconds": token_seconds, "org_refused": org_refused, "lost_create": lost_create,
}


def main(names):
    t = Tap()
    for name in names or SCENARIOS:
        t.run(SCENARIOS[name], t)
    t.done()


if __name__ == "__main__":
    main(sys.argv[1:])
