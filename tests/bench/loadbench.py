#!/usr/bin/env python3
"""The loader benchmark of `make bench` (issue 8): what loading costs in API calls.

    python3 tests/bench/loadbench.py --billsync ./billsync --gen build/billsync-gen \
        [--rows 1M] [--rate 5000] [--rate-total 5000] [--readings job,org] \
        [--set SECTION.KEY=VALUE ...] [--bench-dir /tmp/billsync-bench] [--doc docs/performance.md]

Loads a billsync-gen export (ROWS daily revenue rows and their customers, plans,
subscriptions, invoices, lines and ledger entries) into the local Salesforce emulator, once
per reading of the target's "emulator processing 5,000 records a second":

- job: the emulator started with `--rate RATE`, records processed per second per job (four
  jobs at once: up to four times RATE for the org);
- org: started with `--rate 0 --rate-total RATE_TOTAL`, records processed per second by
  the whole org, shared equally by the jobs in progress.

Each run starts a fresh emulator on a free loopback port and a fresh state folder, and uses
billsync's default settings unless --set changes one (written into the run's
billsync.conf); the settings in force are printed with the results.  It uses `billsync run`
when that command is built, else `billsync export` then `billsync upload`, and says "loader
not available" (exit 0, nothing appended) when neither is.  From the emulator's
/__emulator__/requests log and its jobs it counts API calls, jobs and polls, in all and per
object, per million records, and how many records a second the emulator actually processed
while jobs were in progress; it judges the target under each reading and appends the
tables, dated, to --doc."""

import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

from benchlib import (ROOT, append_doc, arg_parser, billsync_commit, generate, grouped, machine,
                      run_measured, stamp_utc, table)

sys.path.insert(0, os.path.join(ROOT, "tests", "salesforce"))
import emuctl  # noqa: E402

TARGET_CALLS_PER_MILLION = 50
TARGET19_NO_CHANGE = 1.3        # issue 19: a no-change run / a plain export
TARGET19_STATE_BYTES = 100      # issue 19: state bytes per record
SECRET = "demo-secret"          # the emulator's default client secret
KINDS = {"job_create": "create", "job_upload": "upload", "job_patch": "close",
         "job_info": "poll", "results": "results"}


def available(billsync, command):
    """True when `billsync COMMAND` is built (not the "not built yet" placeholder)."""
    p = subprocess.run([billsync, command, "-c", "/nonexistent/billsync.conf"],
                       capture_output=True, text=True, check=False)
    return not (p.returncode == 6 and "not built yet" in p.stderr)


def write_conf(work, url, data, extra):
    """The run's billsync.conf: where things are, the emulator, and the --set settings."""
    secret = os.path.join(work, "client-secret")
    with open(secret, "w", encoding="ascii") as f:
        f.write(SECRET + "\n")
    os.chmod(secret, 0o600)
    sections = {
        "source": {"path": data},
        "mappings": {"dir": os.path.join(ROOT, "mappings")},
        "output": {"dir": os.path.join(work, "out"), "temp_dir": os.path.join(work, "tmp")},
        "state": {"dir": os.path.join(work, "state")},
        "salesforce": {"instance_url": url, "auth": "client_credentials",
                       "client_id": "billsync-demo", "client_secret_file": secret},
    }
    for (section, key), value in extra.items():
        sections.setdefault(section, {})[key] = value
    conf = os.path.join(work, "billsync.conf")
    with open(conf, "w", encoding="utf-8") as f:
        for section, keys in sections.items():
            f.write("[%s]\n" % section)
            for key, value in keys.items():
                f.write("%s = %s\n" % (key, value))
    os.makedirs(os.path.join(work, "tmp"), exist_ok=True)
    return conf


def default_settings():
    """billsync's defaults of the [load] keys and [output] max_file_bytes, read from the key
    table of etl/base/config.c (the sources `make bench` just built); {} when not found."""
    try:
        with open(os.path.join(ROOT, "etl", "base", "config.c"), encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return {}
    found = re.findall(r'\{ "(load|output)", "(\w+)", [^,{}]+, "([^"]*)" \}', text)
    return {(sec, key): val for sec, key, val in found
            if sec == "load" or key == "max_file_bytes"}


def settings_text(extra):
    """The [load] settings in force and the file size, marking those --set changed."""
    defaults = default_settings()
    keys = list(defaults) + [k for k in extra if k not in defaults]
    groups = {}
    for sec, key in keys:
        value = extra.get((sec, key), defaults.get((sec, key)))
        groups.setdefault(sec, []).append("%s = %s%s" % (key, value, " (set)" if (sec, key)
                                                         in extra else ""))
    order = ["load", "output"] + sorted(g for g in groups if g not in ("load", "output"))
    text = "; ".join("[%s] %s" % (g, ", ".join(groups[g])) for g in order if g in groups)
    if not defaults:
        return "billsync's default settings (not read: etl/base/config.c not found)" + \
            ("; " + text if text else "")
    return text + (" (billsync's defaults, read from etl/base/config.c)" if not extra else
                   "; the ones not marked (set) are billsync's defaults, read from "
                   "etl/base/config.c")


def parse_time(stamp):
    """'2026-11-21T18:41:40.163+0000' -> seconds since the epoch."""
    return datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()


def processing(jobs):
    """(most jobs in progress at once, seconds in which at least one job was in progress)
    from the jobs' end times (systemModstamp) and totalProcessingTime."""
    spans = []
    for j in jobs:
        if j.get("state") in ("JobComplete", "Failed", "Aborted") and \
                j.get("totalProcessingTime") is not None:
            end = parse_time(j["systemModstamp"])
            spans.append((end - j["totalProcessingTime"] / 1000.0, end))
    events = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans],
                    key=lambda x: (x[0], x[1]))
    most = now = 0
    busy = 0.0
    since = None
    for t, d in events:
        if now == 0 and d > 0:
            since = t
        now += d
        most = max(most, now)
        if now == 0 and since is not None:
            busy += t - since
            since = None
    return most, busy


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


def per_m(x, n):
    return x * 1e6 / n if n else 0.0


class Reading:
    """One reading of "the emulator processing RATE records a second"."""

    def __init__(self, name, title, emu_args, what):
        self.name = name            # "job" or "org": the folder under load-ROWS
        self.title = title          # "5,000 records/s per job"
        self.emu_args = emu_args
        self.what = what            # one sentence on what the emulator does


def readings(a, jobs):
    """The readings --readings chose; jobs: billsync's [load] max_jobs in force."""
    out = {
        "job": Reading("per-job", "%s records/s per job" % grouped(a.rate),
                       ["--rate", str(a.rate)],
                       "Emulator started with `--rate %d`: each job in progress processes up "
                       "to %s records a second, so %d jobs at once (`max_jobs`) process up to "
                       "%s records a second between them."
                       % (a.rate, grouped(a.rate), jobs, grouped(jobs * a.rate))),
        "org": Reading("org-wide", "%s records/s for the whole org" % grouped(a.rate_total),
                       ["--rate", "0", "--rate-total", str(a.rate_total)],
                       "Emulator started with `--rate 0 --rate-total %d`: the org processes "
                       "up to %s records a second in all, shared equally by the jobs in "
                       "progress (%s each when %d run, all of it for a job alone)."
                       % (a.rate_total, grouped(a.rate_total), grouped(a.rate_total / jobs),
                          jobs)),
    }
    chosen = [r.strip() for r in a.readings.split(",") if r.strip()]
    for r in chosen:
        if r not in out:
            sys.exit("bench: unknown reading '%s' (known: job, org)" % r)
    return [out[r] for r in chosen]


def db_bytes(state):
    """The state database on disk (billsync.db and its journal files; the bulk files of
    the last runs that the state folder also keeps are not counted)."""
    return sum(os.path.getsize(os.path.join(state, f)) for f in os.listdir(state)
               if f.startswith("billsync.db"))


def no_change(a, billsync, conf, work, records):
    """Issue 19: a second `run` over the same data (nothing changed, nothing sent) against a
    plain export of it, medians of 3 interleaved repetitions; and the state's bytes per
    record after the first sync.  Returns Markdown lines with the targets judged."""
    state = os.path.join(work, "state")
    per_record = db_bytes(state) / records
    plain_out = os.path.join(work, "plain")
    runs, plains = [], []
    for rep in range(3):
        u = run_measured([[billsync, "run", "-c", conf, "--quiet"]])
        runs.append(u)
        shutil.rmtree(plain_out, ignore_errors=True)
        p = run_measured([[billsync, "export", "-c", conf, "--out", plain_out, "--quiet"]])
        plains.append(p)
        print("  no-change run %.2f s wall %.2f s CPU; plain export %.2f s wall %.2f s CPU"
              % (u.wall, u.cpu, p.wall, p.cpu), flush=True)
    shutil.rmtree(plain_out, ignore_errors=True)
    rw = statistics.median(u.wall for u in runs) / statistics.median(u.wall for u in plains)
    rc = statistics.median(u.cpu for u in runs) / statistics.median(u.cpu for u in plains)
    return [
        "- **%s**: a no-change daily run takes %.2f× the wall time and %.2f× the CPU of a "
        "plain export of the same data (target ≤ %g×; medians of 3 interleaved runs)"
        % ("met" if max(rw, rc) <= TARGET19_NO_CHANGE else "not met", rw, rc,
           TARGET19_NO_CHANGE),
        "- **%s**: the state database holds %.0f bytes per record on disk after syncing %s records "
        "(target ≤ %d at 10M; the change store benchmark gives the 10M figure)"
        % ("met" if per_record <= TARGET19_STATE_BYTES else "not met", per_record,
           grouped(records), TARGET19_STATE_BYTES)]


def load_once(a, reading, billsync, use_run, data, extra, with_no_change):
    """One run against a fresh emulator; returns its report (Markdown) and the calls per
    million records."""
    work = os.path.join(a.bench_dir, "load-%s" % a.rows, reading.name)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    print("reading: %s (emulator %s)" % (reading.title, " ".join(reading.emu_args)),
          flush=True)
    with open(os.path.join(work, "emulator.log"), "w", encoding="utf-8") as emu_log:
        emu = emuctl.Emulator(args=reading.emu_args, python=a.python, stderr=emu_log)
    try:
        conf = write_conf(work, emu.base_url, data, extra)
        if use_run:
            took, p = run_billsync([billsync, "run", "-c", conf, "--json"], print)
        else:
            run_billsync([billsync, "export", "-c", conf, "--quiet"], print)
            took, p = run_billsync([billsync, "upload", os.path.join(work, "out"), "-c", conf,
                                    "--json"], print)
        stats = emu.stats()
        requests = emu.inspect("GET", "requests")
        jobs = emu.inspect("GET", "jobs")
        per, unattached = tally(requests, jobs)
        records = sum(o["records"] for o in per.values())
        nochange = no_change(a, billsync, conf, work, records) \
            if use_run and with_no_change and records else []
    finally:
        emu.stop()
    for name, body in (("report.json", p.stdout), ("requests.json", json.dumps(requests)),
                       ("jobs.json", json.dumps(jobs)), ("stats.json", json.dumps(stats))):
        with open(os.path.join(work, name), "w", encoding="utf-8") as f:
            f.write(body)
    api_total = stats["api_requests"]["total"]
    failed = stats.get("records_failed", 0)
    njobs = sum(o["jobs"] for o in per.values())
    polls = sum(o["polls"] for o in per.values())
    if not records:
        raise RuntimeError("no record was processed; see %s" % work)
    most, busy = processing(jobs)

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
    calls = per_m(api_total, records)
    lines = ["**Reading: %s.** %s Loaded in %.0f s; %s records processed, %s failed in the "
             "emulator. At most %d job%s in progress at once; while at least one was "
             "(%.0f s), the emulator processed %s records a second on average."
             % (reading.title, reading.what, took, grouped(records), grouped(failed), most,
                "" if most == 1 else "s", busy, grouped(records / busy) if busy else "?"), "",
             table(["object", "records", "jobs", "API calls", "polls", "polls/job",
                    "calls per M records"], rows, "lrrrrrr"), "",
             "API calls count every authenticated data call (token requests aside), by "
             "kind: %s. Jobs per million records: %.1f."
             % (", ".join("%s %d" % (KINDS.get(k, k), n) for k, n in
                          sorted(stats["api_requests"].items()) if k != "total"),
                per_m(njobs, records))]
    return "\n".join(lines), calls, nochange


def main():
    ap = arg_parser(__doc__, "1M")
    ap.add_argument("--rate", type=int, default=5000,
                    help="the per-job reading: records processed per second per job")
    ap.add_argument("--rate-total", type=int, default=5000,
                    help="the org-wide reading: records processed per second by the org")
    ap.add_argument("--readings", default="job,org",
                    help="which readings to run, in order: job, org or both (job,org)")
    ap.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                    help="a billsync.conf setting instead of billsync's default (repeatable)")
    ap.add_argument("--via", choices=("auto", "run", "upload"), default="auto",
                    help="billsync run, or export then upload (auto: run when built)")
    a = ap.parse_args()
    billsync = os.path.abspath(a.billsync)
    extra = {}
    for item in a.set:
        m = re.fullmatch(r"(\w+)\.(\w+)=(.*)", item)
        if not m:
            sys.exit("bench: --set wants SECTION.KEY=VALUE, not '%s'" % item)
        extra[(m.group(1), m.group(2))] = m.group(3)
    jobs = extra.get(("load", "max_jobs"), default_settings().get(("load", "max_jobs"), "4"))
    chosen = readings(a, int(jobs))

    use_run = a.via == "run" or (a.via == "auto" and available(billsync, "run"))
    if not use_run and not available(billsync, "upload"):
        print("loader benchmark: loader not available (this billsync has neither 'run' nor "
              "'upload' built); no numbers")
        return 0
    data = generate(os.path.abspath(a.gen), a.bench_dir, a.rows)
    settings = settings_text(extra)
    print("loader benchmark: %s daily rows and their parents, billsync %s, %d reading%s: %s"
          % (a.rows, "run" if use_run else "export + upload", len(chosen),
             "" if len(chosen) == 1 else "s", "; ".join(r.title for r in chosen)))
    print("settings: " + settings, flush=True)
    reports = []
    nochange = []
    for i, r in enumerate(chosen):
        text, calls, nc = load_once(a, r, billsync, use_run, data, extra, i == 0)
        reports.append((r, text, calls))
        nochange += nc
    lines = ["### Loader benchmark, %s: %s daily rows" % (stamp_utc(), a.rows), "",
             "Machine: %s. billsync %s (`%s`). Settings: %s. The target's \"emulator "
             "processing 5,000 records a second\" is read %s; each reading is one run "
             "against a fresh emulator and state."
             % (machine(), billsync_commit(), "run" if use_run else "export + upload",
                settings, "two ways" if len(chosen) > 1 else "one way only here")]
    for _, text, _ in reports:
        lines += ["", text]
    lines += ["", "Target: at most %d API calls per million records loaded, polls included."
              % TARGET_CALLS_PER_MILLION, ""]
    for r, _, calls in reports:
        lines.append("- **%s**: %.1f API calls per million records at %s (target ≤ %d)"
                     % ("met" if calls <= TARGET_CALLS_PER_MILLION else "not met", calls,
                        r.title, TARGET_CALLS_PER_MILLION))
    if nochange:
        lines += ["", "Targets of issue 19 (after the first reading's sync, same state and "
                  "data):", ""] + nochange
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
