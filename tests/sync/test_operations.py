#!/usr/bin/env python3
"""[notify], [metrics] and --log-format json.  After run, upload, retry and resync the alert
command gets the JSON report on its standard input and the exit code and
run id in its environment, when `on` says so (failure, always, change); a
command that fails or hangs is logged and never changes the exit code.  The
Prometheus textfile is written after every run, atomically, and parses
strictly (and with promtool when it is installed).  --log-format json writes
one JSON object per log line, errors and warnings included."""

import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import promtext                                          # noqa: E402
from synctest import ROOT, Tap, World                    # noqa: E402

MAPPINGS = os.path.join(ROOT, "mappings")


def notify_conf(w, command, on="always", timeout=None, textfile=None):
    """Adds [notify] (and [metrics]) to w's configuration."""
    w.write_conf()
    with open(w.conf, "a", encoding="utf-8") as f:
        f.write("[notify]\ncommand = %s\non = %s\n" % (command, on))
        if timeout:
            f.write("timeout = %s\n" % timeout)
        if textfile:
            f.write("[metrics]\ntextfile = %s\n" % textfile)


def recorder(w):
    """A notify command that appends one JSON line per call to a file:
    the environment it got and the report it read."""
    log = os.path.join(w.tmp, "notified.jsonl")
    script = os.path.join(w.tmp, "notify.py")
    with open(script, "w", encoding="utf-8") as f:
        f.write("import json, os, sys\n"
                "report = sys.stdin.read()\n"
                "env = {k: v for k, v in os.environ.items() if k.startswith('BILLSYNC_')}\n"
                "with open(%r, 'a') as f:\n"
                "    f.write(json.dumps({'env': env, 'report': report}) + '\\n')\n"
                "print('notified')\n" % log)
    return "%s %s" % (sys.executable, script), log


def calls(log):
    if not os.path.exists(log):
        return []
    with open(log, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def run(w, *args, cmd="run", json_out=True):
    return w.run("--mappings", MAPPINGS, *args, cmd=cmd, json_out=json_out)


def always(t):
    w = World()
    try:
        command, log = recorder(w)
        notify_conf(w, command, "always")
        r = run(w)
        t.eq(r.rc, 1, "run with [notify]: the samples load (two records fail)") or print("# %r" % r)
        t.ok(r.report is not None, "the notify command's output stays out of --json", r.stdout[:300])
        c = calls(log)
        t.eq(len(c), 1, "on = always: the command ran once")
        if not c:
            return
        env, report = c[0]["env"], json.loads(c[0]["report"])
        t.eq(env.get("BILLSYNC_EXIT_CODE"), "1", "BILLSYNC_EXIT_CODE is the exit code")
        t.eq(env.get("BILLSYNC_RUN_ID"), str(r.report["run"]), "BILLSYNC_RUN_ID is the run")
        t.eq(env.get("BILLSYNC_COMMAND"), "run", "BILLSYNC_COMMAND")
        t.eq(env.get("BILLSYNC_STATUS"), "records_failed", "BILLSYNC_STATUS")
        t.eq(report, r.report, "the report on its standard input is the --json report")
        t.ok("notified" in r.stderr, "its standard output goes to billsync's standard error")
        r = run(w, "--object", "OrbCustomer__c", cmd="retry")
        c = calls(log)
        t.ok(len(c) == 2 and c[1]["env"].get("BILLSYNC_COMMAND") == "retry",
             "retry notifies too", c[1:])
        r = run(w, "--object", "OrbPlan__c", cmd="resync")
        c = calls(log)
        t.ok(len(c) == 3 and c[2]["env"].get("BILLSYNC_COMMAND") == "resync",
             "resync notifies too", c[2:])
        out = os.path.join(w.tmp, "bulk")
        run(w, "--objects", "OrbPlan__c", "--out", out, cmd="export", json_out=False)
        r = w.run(out, cmd="upload")
        c = calls(log)
        t.ok(len(c) == 4 and c[3]["env"].get("BILLSYNC_COMMAND") == "upload" and
             c[3]["env"].get("BILLSYNC_EXIT_CODE") == str(r.rc) and
             json.loads(c[3]["report"]) == r.report,
             "upload notifies too, with its exit code and its --json report", r, c[3:])
    finally:
        w.emu.stop()
        shutil.rmtree(w.tmp, ignore_errors=True)


def on_failure_and_change(t):
    w = World()
    try:
        command, log = recorder(w)
        notify_conf(w, command, "failure")
        r = run(w, "--objects", "OrbPlan__c")
        t.eq(r.rc, 0, "plans alone sync cleanly (exit 0)") or print("# %r" % r)
        t.eq(len(calls(log)), 0, "on = failure: no call after exit 0")
        r = run(w)
        t.eq(r.rc, 1, "then every object: exit 1")
        t.eq(len(calls(log)), 1, "on = failure: a call after exit 1")
        notify_conf(w, command, "change")
        run(w, "--objects", "OrbPlan__c", "--full")
        c = calls(log)
        t.eq(len(c), 2, "on = change: the first success after a failure is notified")
        t.eq(c[-1]["env"].get("BILLSYNC_EXIT_CODE"), "0", "... with exit code 0")
        run(w, "--objects", "OrbPlan__c", "--full")
        t.eq(len(calls(log)), 2, "on = change: a second success is not")
        r = run(w)
        t.eq((r.rc, len(calls(log))), (1, 3), "on = change: a failure is")
    finally:
        w.emu.stop()
        shutil.rmtree(w.tmp, ignore_errors=True)


def broken_commands(t):
    w = World()
    try:
        notify_conf(w, "exit 3", "always")
        r = run(w)
        t.eq(r.rc, 1, "a notify command that fails does not change the exit code")
        t.ok("warning" in r.stderr and "[notify]" in r.stderr and "status 3" in r.stderr,
             "... and is logged", r.stderr[-800:])
        notify_conf(w, "sleep 60", "always", timeout="1")
        start = time.monotonic()
        r = run(w)
        took = time.monotonic() - start
        t.eq(r.rc, 1, "a notify command that hangs does not change the exit code")
        t.ok(took < 40, "... and is killed at its time limit (%.1f s)" % took)
        t.ok("did not finish" in r.stderr, "... which is logged", r.stderr[-800:])
        command, log = recorder(w)
        notify_conf(w, command, "failure")
        bad = os.path.join(w.tmp, "badmaps")
        shutil.copytree(MAPPINGS, bad)
        with open(os.path.join(bad, "plan.map"), "a", encoding="utf-8") as f:
            f.write("Oops__c = id | decmal\n")
        r = w.run("--mappings", bad)
        c = calls(log)
        t.ok(r.rc == 3 and len(c) == 1 and c[0]["env"].get("BILLSYNC_EXIT_CODE") == "3" and
             json.loads(c[0]["report"]).get("exit_code") == 3,
             "a mapping mistake (exit 3, nothing sent) is notified too", r.stderr[-300:], c)
        w.write_conf()
        with open(w.conf, "a", encoding="utf-8") as f:
            f.write("[notify]\ncommand = true\non = sometimes\n")
        r = run(w)
        t.eq(r.rc, 3, "on = sometimes is a configuration error")
        t.ok("failure, always, change" in r.stderr, "... naming the choices", r.stderr[-500:])
    finally:
        w.emu.stop()
        shutil.rmtree(w.tmp, ignore_errors=True)


def check_promtool(t, path):
    if not shutil.which("promtool"):
        print("# promtool is not installed: the strict parser alone checks the file")
        return
    with open(path, "rb") as f:
        p = subprocess.run(["promtool", "check", "metrics"], stdin=f, capture_output=True,
                           check=False)
    t.eq(p.returncode, 0, "promtool check metrics accepts the file",
         p.stdout.decode()[-1000:], p.stderr.decode()[-1000:])


def metrics(t):
    w = World()
    try:
        prom = os.path.join(w.tmp, "textfile", "billsync.prom")
        os.makedirs(os.path.dirname(prom))
        notify_conf(w, "true", "failure", textfile=prom)
        before = time.time()
        r = run(w)
        t.eq(r.rc, 1, "run with [metrics]: exit 1 as usual") or print("# %r" % r)
        with open(prom, encoding="utf-8") as f:
            text = f.read()
        try:
            s = promtext.parse(text)
        except ValueError as e:
            t.ok(False, "the textfile parses strictly", str(e), text[:2000])
            return
        t.ok(True, "the textfile parses strictly")
        check_promtool(t, prom)
        g = lambda name, **kw: promtext.get(s, name, **kw)   # noqa: E731
        t.eq(g("billsync_last_run_exit_code", command="run"), 1.0, "exit code")
        t.eq(g("billsync_last_run_id", command="run"), float(r.report["run"]), "run id")
        start = g("billsync_last_run_start_timestamp_seconds", command="run")
        end = g("billsync_last_run_end_timestamp_seconds", command="run")
        t.ok(start and end and before - 1 <= start <= end <= time.time() + 1,
             "start and end times", start, end)
        t.ok(abs(g("billsync_last_run_duration_seconds", command="run") - (end - start)) < 0.01,
             "duration")
        t.eq(g("billsync_last_run_records", command="run", object="OrbCustomer__c",
               status="failed"), 2.0, "records by object and status: the two failed customers")
        load = r.report["load"]
        created = sum(o["created"] for o in load["objects"])
        t.eq(sum(v for (n, lab), v in s.items() if n == "billsync_last_run_records" and
                 dict(lab)["status"] == "created"), float(created),
             "created records add up to the report's")
        t.eq(g("billsync_last_run_api_calls", command="run"), float(load["api_calls"]), "API calls")
        t.eq(g("billsync_last_run_jobs", command="run"), float(load["jobs_created"]), "jobs")
        t.eq(g("billsync_last_run_rejected_rows", command="run"), 2.0,
             "the two rows the export rejects")
        t.ok((g("billsync_salesforce_daily_allocation_remaining",
                allocation="DailyApiRequests") or 0) > 0, "the API allocation left")
        done = g("billsync_last_completed_run_timestamp_seconds")
        t.eq(done, end, "a completed run's end time")
        t.eq([n for n in os.listdir(os.path.dirname(prom))], ["billsync.prom"],
             "written atomically: no temporary file left")
        w.salesforce["client_secret_file"] = os.path.join(w.tmp, "missing-secret")
        notify_conf(w, "true", "failure", textfile=prom)
        r = run(w)
        s = promtext.parse(open(prom, encoding="utf-8").read())
        t.eq(promtext.get(s, "billsync_last_run_exit_code", command="run"), float(r.rc),
             "a run that fails (exit %d) is in the file too" % r.rc)
        t.eq(promtext.get(s, "billsync_last_completed_run_timestamp_seconds"), done,
             "... which keeps the last completed run's time")
    finally:
        w.emu.stop()
        shutil.rmtree(w.tmp, ignore_errors=True)


def json_logs(t):
    w = World()
    try:
        notify_conf(w, "exit 4", "always")
        r = run(w, "--log-format", "json", "--verbose", json_out=False)
        t.eq(r.rc, 1, "run --log-format json: the samples load as usual")
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        parsed = []
        for ln in lines:
            try:
                parsed.append(json.loads(ln))
            except ValueError:
                parsed.append(None)
        t.ok(lines and all(isinstance(p, dict) for p in parsed),
             "every log line is one JSON object", [ln for ln, p in zip(lines, parsed)
                                                   if not isinstance(p, dict)][:5])
        objs = [p for p in parsed if isinstance(p, dict)]
        t.ok(all(set(p) == {"time", "level", "message"} for p in objs),
             "each with time, level and message", objs[:3])
        t.ok(all(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", p["time"])
                 for p in objs), "times are UTC with milliseconds", objs[:2])
        t.ok(any(p["level"] == "warning" and "[notify]" in p["message"] for p in objs),
             "a warning (the failing notify command) has level warning",
             [p for p in objs if p["level"] != "info"])
        t.ok(not any(p["message"].startswith("billsync:") for p in objs),
             "messages carry no 'billsync:' prefix")
        t.ok("\r" not in r.stderr and "\x1b" not in r.stderr, "no progress drawing")
        w.salesforce["client_secret_file"] = os.path.join(w.tmp, "missing")
        w.write_conf()
        r = run(w, "--log-format", "json", json_out=False)
        errs = [json.loads(ln) for ln in r.stderr.splitlines() if ln.strip()]
        t.ok(r.rc == 3 and errs and errs[-1]["level"] == "error" and
             "missing" in errs[-1]["message"], "an error is a JSON line with level error",
             r.stderr[-500:])
        r = run(w, "--log-format", "yaml", json_out=False)
        t.ok(r.rc == 2 and "plain or json" in r.stderr, "--log-format yaml: a usage error",
             r.stderr)
    finally:
        w.emu.stop()
        shutil.rmtree(w.tmp, ignore_errors=True)


def main():
    t = Tap()
    for fn in (always, on_failure_and_change, broken_commands, metrics, json_logs):
        t.run(fn, t)
    t.done()


if __name__ == "__main__":
    main()
