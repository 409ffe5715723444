#!/usr/bin/env python3
"""The loader benchmark of `make bench` (issue 8): what loading costs in API calls.

    python3 tests/bench/loadbench.py --billsync ./billsync --gen build/billsync-gen \
        [--rows 1M] [--rate 5000] [--bench-dir /tmp/billsync-bench] [--doc docs/performance.md]

Loads a billsync-gen export (ROWS daily revenue rows and their customers, plans,
subscriptions, invoices, lines and ledger entries) into the local Salesforce emulator,
started on a free loopback port with `--rate RATE` (records processed per second per job),
with billsync's default [load] settings.  It uses `billsync run` when that command is built,
else `billsync export` then `billsync upload`, and says "loader not available" (exit 0,
nothing appended) when neither is.  From the emulator's /__emulator__/requests log and its
jobs it counts API calls, jobs and polls, in all and per object, per million records, and
appends the table, dated, to --doc."""

import json
import os
import shutil
import subprocess
import sys
import time

from benchlib import (ROOT, append_doc, arg_parser, billsync_commit, generate, grouped, machine,
                      stamp_utc, table)

sys.path.insert(0, os.path.join(ROOT, "tests", "salesforce"))
import emuctl  # noqa: E402

TARGET_CALLS_PER_MILLION = 50
SECRET = "demo-secret"          # the emulator's default client secret
KINDS = {"job_create": "create", "job_upload": "upload", "job_patch": "close",
         "job_info": "poll", "results": "results"}


def available(billsync, command):
    """True when `billsync COMMAND` is built (not the "not built yet" placeholder)."""
    p = subprocess.run([billsync, command, "-c", "/nonexistent/billsync.conf"],
                       capture_output=True, text=True, check=False)
    return not (p.returncode == 6 and "not built yet" in p.stderr)


def write_conf(work, url, data):
    secret = os.path.join(work, "client-secret")
    with open(secret, "w", encoding="ascii") as f:
        f.write(SECRET + "\n")
    os.chmod(secret, 0o600)
    conf = os.path.join(work, "billsync.conf")
    with open(conf, "w", encoding="utf-8") as f:
        f.write("[source]\npath = %s\n" % data)
        f.write("[mappings]\ndir = %s\n" % os.path.join(ROOT, "mappings"))
        f.write("[output]\ndir = %s\ntemp_dir = %s\n"
                % (os.path.join(work, "out"), os.path.join(work, "tmp")))
        f.write("[state]\ndir = %s\n" % os.path.join(work, "state"))
        f.write("[salesforce]\ninstance_url = %s\nauth = client_credentials\n"
                "client_id = billsync-demo\nclient_secret_file = %s\n" % (url, secret))
    os.makedirs(os.path.join(work, "tmp"), exist_ok=True)
    return conf


def run_billsync(argv, log):
    t0 = time.perf_counter()
    p = subprocess.run(argv, capture_output=True, text=True, check=False)
    took = time.perf_counter() - t0
    log("  billsync %s: exit %d in %.1f s" % (argv[1], p.returncode, took))
    if p.returncode not in (0, 1):
        raise RuntimeError("%s exited with %d:\n%s%s" % (" ".join(argv), p.returncode,
                                                         p.stdout[-3000:], p.stderr[-3000:]))
    return took, p


def job_of(path):
    """The job id in an ingest path, or None."""
    parts = path.rstrip("/").split("/")
    if "ingest" in parts:
        i = parts.index("ingest")
        if i + 1 < len(parts):
            return parts[i + 1]
    return None


def tally(requests, jobs):
    """Per object: API calls, jobs, polls, records; plus the calls tied to no job.  A
    create (POST …/jobs/ingest) names no job in its path: each job counts its own."""
    obj_of = {j["id"][:15]: j["object"] for j in jobs}
    per = {}
    unattached = 0

    def entry(obj):
        return per.setdefault(obj, {"calls": 0, "polls": 0, "jobs": 0, "records": 0})

    for r in requests:
        if r.get("kind") in ("versions", "token") or r["path"].startswith("/__emulator__"):
            continue
        if r.get("kind") == "job_create" and r.get("status", 0) < 300:
            continue
        jid = job_of(r["path"])
        obj = obj_of.get(jid[:15]) if jid else None
        if obj is None:
            unattached += 1
            continue
        o = entry(obj)
        o["calls"] += 1
        if r.get("kind") == "job_info":
            o["polls"] += 1
    for j in jobs:
        o = entry(j["object"])
        o["jobs"] += 1
        o["calls"] += 1
        o["records"] += j.get("numberRecordsProcessed", 0)
    return per, unattached


def main():
    ap = arg_parser(__doc__, "1M")
    ap.add_argument("--rate", type=int, default=5000)
    ap.add_argument("--via", choices=("auto", "run", "upload"), default="auto",
                    help="billsync run, or export then upload (auto: run when built)")
    a = ap.parse_args()
    billsync = os.path.abspath(a.billsync)

    use_run = a.via == "run" or (a.via == "auto" and available(billsync, "run"))
    if not use_run and not available(billsync, "upload"):
        print("loader benchmark: loader not available (this billsync has neither 'run' nor "
              "'upload' built); no numbers")
        return 0
    data = generate(os.path.abspath(a.gen), a.bench_dir, a.rows)
    work = os.path.join(a.bench_dir, "load-%s" % a.rows)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    print("loader benchmark: %s daily rows and their parents, emulator at %s records/s "
          "per job, billsync %s" % (a.rows, grouped(a.rate), "run" if use_run
                                    else "export + upload"))
    with open(os.path.join(work, "emulator.log"), "w", encoding="utf-8") as emu_log:
        emu = emuctl.Emulator(args=["--rate", str(a.rate)], python=a.python, stderr=emu_log)
    try:
        conf = write_conf(work, emu.base_url, data)
        if use_run:
            took, p = run_billsync([billsync, "run", "-c", conf, "--json"], print)
        else:
            run_billsync([billsync, "export", "-c", conf, "--quiet"], print)
            took, p = run_billsync([billsync, "upload", os.path.join(work, "out"), "-c", conf,
                                    "--json"], print)
        stats = emu.stats()
        requests = emu.inspect("GET", "requests")
        jobs = emu.inspect("GET", "jobs")
    finally:
        emu.stop()
    for name, body in (("report.json", p.stdout), ("requests.json", json.dumps(requests)),
                       ("jobs.json", json.dumps(jobs)), ("stats.json", json.dumps(stats))):
        with open(os.path.join(work, name), "w", encoding="utf-8") as f:
            f.write(body)
    per, unattached = tally(requests, jobs)
    api_total = stats["api_requests"]["total"]
    records = sum(o["records"] for o in per.values())
    failed = stats.get("records_failed", 0)
    njobs = sum(o["jobs"] for o in per.values())
    polls = sum(o["polls"] for o in per.values())
    if not records:
        raise RuntimeError("no record was processed; see %s" % work)

    def per_m(x, n):
        return x * 1e6 / n if n else 0.0

    rows = []
    for obj in sorted(per, key=lambda k: -per[k]["records"]):
        o = per[obj]
        rows.append([obj, grouped(o["records"]), grouped(o["jobs"]), grouped(o["calls"]),
                     grouped(o["polls"]), "%.1f" % (o["polls"] / o["jobs"] if o["jobs"] else 0),
                     "%.1f" % per_m(o["calls"], o["records"])])
    rows.append(["other calls (limits, describe, ...)", "", "", grouped(unattached), "", "", ""])
    rows.append(["**all**", grouped(records), grouped(njobs), grouped(api_total),
                 grouped(polls), "%.1f" % (polls / njobs if njobs else 0),
                 "**%.1f**" % per_m(api_total, records)])
    ok = per_m(api_total, records) <= TARGET_CALLS_PER_MILLION
    lines = ["### Loader benchmark, %s: %s daily rows" % (stamp_utc(), a.rows), "",
             "Machine: %s. billsync %s (`%s`), default [load] settings (poll 1 s to 60 s, "
             "4 jobs at once). Emulator at %s records/s per job. Loaded in %.0f s; %s "
             "records processed, %s failed in the emulator."
             % (machine(), billsync_commit(), "run" if use_run else "export + upload",
                grouped(a.rate), took, grouped(records), grouped(failed)), "",
             table(["object", "records", "jobs", "API calls", "polls", "polls/job",
                    "calls per M records"], rows, "lrrrrrr"), "",
             "API calls count every authenticated data call (token requests aside), by "
             "kind: %s. Jobs per million records: %.1f."
             % (", ".join("%s %d" % (KINDS.get(k, k), n) for k, n in
                          sorted(stats["api_requests"].items()) if k != "total"),
                per_m(njobs, records)), "",
             "Target: %s" % ("**met**" if ok else "**not met**") +
             ": %.1f API calls per million records, polls included (target ≤ %d)."
             % (per_m(api_total, records), TARGET_CALLS_PER_MILLION)]
    text = "\n".join(lines) + "\n"
    print()
    print(text)
    append_doc(a.doc, text)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RuntimeError as e:
        sys.exit("bench: %s" % e)
