#!/usr/bin/env python3
"""billsync upload under each fault switch of the emulator: the load ends with
every record accounted for and no duplicate records.

Usage: test_faults.py [NAME...] runs only the named scenarios (the e2e wrappers
split them in two so that they run in parallel)."""

import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from loadtest import (BILLSYNC, Case, Tap, check_basic_failures, check_basic_landed,    # noqa: E402
                      obj_report, totals)

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
    t.eq(case.emu.stats()["jobs_created"], 6, "%s: no job was created twice" % label)
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


SCENARIOS = {
    "token_expiry": token_expiry, "dropped_upload": dropped_upload,
    "lock_errors": lock_errors, "failed_job": failed_job, "daily_limit": daily_limit,
    "exceeded_quota": exceeded_quota, "limit_margin": limit_margin, "gzip_refused": gzip_refused,
    "server_errors": server_errors, "interrupted": interrupted, "deadline": deadline,
}


def main(names):
    t = Tap()
    for name in names or SCENARIOS:
        t.run(SCENARIOS[name], t)
    t.done()


if __name__ == "__main__":
    main(sys.argv[1:])
