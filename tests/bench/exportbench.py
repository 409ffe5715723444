#!/usr/bin/env python3
"""The export benchmark of `make bench` (issue 8): billsync export against its peers.

    python3 tests/bench/exportbench.py --billsync ./billsync --gen build/billsync-gen \
        [--rows 3M] [--reps 3] [--bench-dir /tmp/billsync-bench] [--rss-sizes "300k 10M"] \
        [--tools billsync,python,python-6,miller,gzip-1,gzip-6] [--doc docs/performance.md]

On the daily revenue file of a billsync-gen export (generated once under --bench-dir,
never in the repository), each repetition runs, one after the other: billsync export with
the shipped mapping, the Python reference (ref_daily_revenue.py) at gzip level 9 (Python's
default) and at level 6, Miller (daily_revenue.mlr) piped into gzip, then gzip -1 and
gzip -6 of the input alone.  Wall time is time.perf_counter around each run; CPU time and
peak RSS come from GNU time.  It prints a table of medians (with the spread over the
repetitions), checks that billsync's records are the Python reference's (and counts how
Miller's differ), measures billsync's peak RSS at the other --rss-sizes for the daily
revenue object alone, and at every size (--rows too) for the whole export (all objects),
judges the targets of issue 8 and appends all of it, dated, to --doc.  Exit status 1 when
a run fails or billsync's records differ from the reference's."""

import glob
import gzip
import json
import os
import shutil
import statistics
import sys

from benchlib import (HERE, ROOT, append_doc, arg_parser, billsync_commit, count_lines,
                      generate, grouped, machine, run_measured, stamp_utc, table, tool_version)
import samerecords

DATASET = "daily_line_item_revenue"
OBJECT = "OrbDailyLineItemRevenue__c"

# The targets of issue 8, as numbers.
TARGET_PEER_SPEEDUP = 10.0
TARGET_GZIP1_RATIO = 2.0
TARGET_SIZE_OVER_GZIP6 = 0.10
TARGET_RSS_MIB = 64
# Issue 19 ("Export at the compressor's speed"): ratios within one run.
TARGET19_GZIP1_RATIO = 1.0          # CPU and wall, billsync / gzip -1
TARGET19_PYTHON6_SPEEDUP = 12.0     # the Python reference at gzip 6 / billsync
TARGET19_PYTHON9_SPEEDUP = 20.0     # at gzip 9


class Tool:
    """One contender: how to run it and which files it writes."""

    def __init__(self, name, label, cmds, produces, stdout=None, out_dir=None):
        self.name = name
        self.label = label
        self.cmds = cmds
        self.produces = produces      # a path or glob: the output files (origin files aside)
        self.stdout = stdout          # file the last command writes to, or None
        self.out_dir = out_dir        # folder the tool creates, or None
        self.runs = []

    def clean(self):
        if self.out_dir:
            shutil.rmtree(self.out_dir, ignore_errors=True)
        for p in glob.glob(self.produces):
            os.unlink(p)

    def outputs(self):
        return sorted(p for p in glob.glob(self.produces) if ".origin." not in p)

    def output_bytes(self):
        return sum(os.path.getsize(p) for p in self.outputs())


def billsync_cmd(a, data, out, whole=False):
    """billsync export of the daily revenue object, or of every object (whole=True)."""
    return [a.billsync, "export", "--source", data, "--out", out] + \
        ([] if whole else ["--objects", "OrbDailyLineItemRevenue__c"]) + \
        ["--mappings", os.path.join(ROOT, "mappings"), "--quiet"]


def make_tools(a, data, work):
    src = os.path.join(data, DATASET + ".csv")
    bs_out = os.path.join(work, "billsync")
    py_out = os.path.join(work, "python.csv.gz")
    py6_out = os.path.join(work, "python6.csv.gz")

    def to_file(name):
        path = os.path.join(work, name)
        return {"produces": path, "stdout": path}

    tools = [
        Tool("billsync", "billsync export", [billsync_cmd(a, data, bs_out)],
             produces=os.path.join(bs_out, OBJECT, "*.csv.gz"), out_dir=bs_out),
        Tool("python", "Python reference (csv, decimal, gzip 9)",
             [[a.python, os.path.join(HERE, "ref_daily_revenue.py"), src, py_out]],
             produces=py_out),
        Tool("python-6", "Python reference (csv, decimal, gzip 6)",
             [[a.python, os.path.join(HERE, "ref_daily_revenue.py"), "--level", "6", src,
               py6_out]], produces=py6_out),
        Tool("miller", "Miller + gzip -6",
             [["mlr", "--icsv", "--ocsv", "put", "-f", os.path.join(HERE, "daily_revenue.mlr"),
               src], ["gzip", "-6"]], **to_file("miller.csv.gz")),
        Tool("gzip-1", "gzip -1 of the input", [["gzip", "-1", "-c", src]],
             **to_file("gzip1.gz")),
        Tool("gzip-6", "gzip -6 of the input", [["gzip", "-6", "-c", src]],
             **to_file("gzip6.gz")),
    ]
    chosen = [t.strip() for t in a.tools.split(",") if t.strip()]
    known = [t.name for t in tools]
    for t in chosen:
        if t not in known:
            sys.exit("bench: unknown tool '%s' (known: %s)" % (t, ", ".join(known)))
    if "billsync" not in chosen:
        sys.exit("bench: --tools must include billsync, the ratios are to it")
    return [t for t in tools if t.name in chosen]


def measure(tool, cwd):
    tool.clean()
    os.sync()
    u = run_measured(tool.cmds, stdout_path=tool.stdout, cwd=cwd)
    os.sync()
    tool.runs.append(u)
    return u


def gzip6_of_output(tool, work):
    """Bytes of gzip -6 applied to billsync's own (decompressed) bulk CSV, file by file."""
    total = 0
    tmp = os.path.join(work, "regzip.gz")
    for p in tool.outputs():
        run_measured([["gzip", "-dc", p], ["gzip", "-6"]], stdout_path=tmp)
        total += os.path.getsize(tmp)
    os.unlink(tmp)
    return total


def raw_bytes_of(tool):
    total = 0
    for p in tool.outputs():
        with gzip.open(p, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                total += len(block)
    return total


def fmt_s(x):
    return "%.2f" % x if x < 10 else "%.1f" % x


def results_table(tools, rows, in_bytes, base):
    out = []
    for t in tools:
        walls = [u.wall for u in t.runs]
        med = statistics.median(walls)
        out.append([
            t.label, fmt_s(med), "%s–%s" % (fmt_s(min(walls)), fmt_s(max(walls))),
            fmt_s(statistics.median(u.cpu for u in t.runs)),
            grouped(rows / med), "%.1f" % (in_bytes / 1e6 / med),
            "%.1f" % (max(u.rss_kib for u in t.runs) / 1024),
            "%.1f" % (t.output_bytes() / 1e6),
            "1" if t is base else "%.2f" % (med / statistics.median(u.wall for u in base.runs)),
        ])
    return table(["tool", "median s", "spread s", "CPU s", "rows/s", "MB/s in",
                  "peak RSS MiB", "output MB", "time / billsync"], out, "lrrrrrrrr")


def judge(ok, text):
    return "- **%s**: %s" % ("met" if ok else "not met", text)


def main():
    ap = arg_parser(__doc__, "3M")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--tools", default="billsync,python,python-6,miller,gzip-1,gzip-6")
    ap.add_argument("--rss-sizes", default="300k 10M",
                    help="other sizes at which billsync's peak RSS is measured once (the "
                    "whole export's at these and --rows)")
    a = ap.parse_args()
    a.billsync = os.path.abspath(a.billsync)
    a.gen = os.path.abspath(a.gen)
    if a.reps < 1:
        sys.exit("bench: --reps must be at least 1")

    data = generate(a.gen, a.bench_dir, a.rows)
    src = os.path.join(data, DATASET + ".csv")
    in_bytes = os.path.getsize(src)
    rows = count_lines(src)
    work = os.path.join(a.bench_dir, "out-%s" % a.rows)
    os.makedirs(work, exist_ok=True)
    tools = make_tools(a, data, work)
    base = tools[0]
    print("export benchmark: %s rows, %.1f MB of %s.csv, %d repetitions: %s"
          % (grouped(rows), in_bytes / 1e6, DATASET, a.reps, ", ".join(t.name for t in tools)))
    for rep in range(a.reps):
        for t in tools:
            u = measure(t, work)
            print("  rep %d/%d  %-8s %7.2f s wall %7.2f s CPU %7.1f MiB"
                  % (rep + 1, a.reps, t.name, u.wall, u.cpu, u.rss_kib / 1024), flush=True)

    # Sizes.
    bs_out = base.output_bytes()
    bs_raw = raw_bytes_of(base)
    bs_regzip = gzip6_of_output(base, work)
    by = {t.name: t for t in tools}
    origin = sum(os.path.getsize(p) for p in glob.glob(
        os.path.join(work, "billsync", OBJECT, "*.origin.csv.gz")))

    # Same records?
    print("checking records ...", flush=True)
    checks = []
    failed = False
    ref = by.get("python") or by.get("python-6")
    if ref:
        same, text = samerecords.compare(base.outputs(), ref.outputs())
        checks.append("billsync vs the Python reference (%s): %s%s"
                      % ("gzip 9" if ref.name == "python" else "gzip 6", text,
                         "" if same else " — THE COMPARISON IS NOT VALID"))
        failed = not same
    if "miller" in by:
        same, text = samerecords.compare(base.outputs(), by["miller"].outputs())
        checks.append("billsync vs Miller: %s" % text)

    # Peak RSS by size: the daily revenue object alone at the other sizes (at --rows the
    # repetitions give it), and the whole export (every object) at every size.
    rss = [(rows, max(u.rss_kib for u in base.runs) / 1024, statistics.median(
        u.wall for u in base.runs))]
    whole = []
    out = os.path.join(a.bench_dir, "out-rss")
    for size in [a.rows] + [s for s in a.rss_sizes.split() if s != a.rows]:
        d = data if size == a.rows else generate(a.gen, a.bench_dir, size)
        n = rows if size == a.rows else count_lines(os.path.join(d, DATASET + ".csv"))
        if size != a.rows:
            shutil.rmtree(out, ignore_errors=True)
            u = run_measured([billsync_cmd(a, d, out)], cwd=a.bench_dir)
            print("  rss %-6s billsync, daily revenue %7.2f s wall %7.1f MiB"
                  % (size, u.wall, u.rss_kib / 1024), flush=True)
            rss.append((n, u.rss_kib / 1024, u.wall))
        shutil.rmtree(out, ignore_errors=True)
        u = run_measured([billsync_cmd(a, d, out, whole=True)], cwd=a.bench_dir)
        with open(os.path.join(out, "manifest.json"), encoding="utf-8") as f:
            objs = json.load(f)["objects"]
        print("  rss %-6s billsync, whole export %7.2f s wall %7.1f MiB"
              % (size, u.wall, u.rss_kib / 1024), flush=True)
        whole.append((n, sum(o["counts"]["read"] for o in objs), len(objs),
                      u.rss_kib / 1024, u.wall))
        shutil.rmtree(out, ignore_errors=True)
    rss.sort()
    whole.sort()

    # Report.
    med = {t.name: statistics.median(u.wall for u in t.runs) for t in tools}
    cpu = {t.name: statistics.median(u.cpu for u in t.runs) for t in tools}
    lines = ["### Export benchmark, %s: %s rows" % (stamp_utc(), grouped(rows)), ""]
    lines.append("Machine: %s. billsync %s; Python %s, Miller %s, gzip %s. Input: %s.csv "
                 "from `billsync-gen --dlir-rows %s --seed 1`, %s rows, %.1f MB. %d "
                 "repetition%s, interleaved; outputs on %s."
                 % (machine(), billsync_commit(), tool_version([a.python, "--version"]),
                    tool_version(["mlr", "--version"]), tool_version(["gzip", "--version"]),
                    DATASET, a.rows, grouped(rows), in_bytes / 1e6, a.reps,
                    "" if a.reps == 1 else "s", a.bench_dir))
    lines += ["", results_table(tools, rows, in_bytes, base), ""]
    lines.append("billsync wrote %.1f MB of CSV (%.2f× the input) in its bulk files, "
                 "%.1f MB gzipped, plus %.1f MB of origin files (not counted above). "
                 "gzip -6 of that same CSV: %.1f MB."
                 % (bs_raw / 1e6, bs_raw / in_bytes, bs_out / 1e6, origin / 1e6,
                    bs_regzip / 1e6))
    lines += [""] + ["- " + c for c in checks]
    lines += ["", "Peak RSS of billsync export by size, the daily revenue object alone "
              "(`--objects OrbDailyLineItemRevenue__c`, as in the table above; one run at "
              "each other size, the %s-row line from the repetitions):" % grouped(rows), ""]
    lines.append(table(["rows", "peak RSS MiB", "wall s"],
                       [[grouped(n), "%.1f" % r, fmt_s(w)] for n, r, w in rss], "rrr"))
    lines += ["", "Peak RSS of the whole export by size: `billsync export` without "
              "`--objects`, every object of the generated export one after the other "
              "(one run each):", ""]
    lines.append(table(["daily rows", "records, all objects", "objects", "peak RSS MiB",
                        "wall s"],
                       [[grouped(n), grouped(r), str(k), "%.1f" % m, fmt_s(w)]
                        for n, r, k, m, w in whole], "rrrrr"))
    lines += ["", "Targets:", ""]
    for peer, what in (("python", "the Python reference at gzip level 9 (Python's default, "
                        "what a user writes)"),
                       ("python-6", "the Python reference at gzip level 6 (the level of the "
                        "Miller and gzip -6 contenders)"),
                       ("miller", "Miller + gzip")):
        if peer in med:
            x = med[peer] / med["billsync"]
            lines.append(judge(x >= TARGET_PEER_SPEEDUP, "billsync %.2f× faster than %s "
                               "(target ≥ %g×; %.2f× in CPU time)"
                               % (x, what, TARGET_PEER_SPEEDUP, cpu[peer] / cpu["billsync"])))
    if "gzip-1" in med:
        x = med["billsync"] / med["gzip-1"]
        lines.append(judge(x <= TARGET_GZIP1_RATIO, "billsync takes %.2f× the time of gzip -1 "
                           "(target ≤ %g×; %.2f× in CPU time)"
                           % (x, TARGET_GZIP1_RATIO, cpu["billsync"] / cpu["gzip-1"])))
    if "gzip-6" in med:
        g6 = by["gzip-6"].output_bytes()
        x = bs_out / g6 - 1
        lines.append(judge(x <= TARGET_SIZE_OVER_GZIP6, "output %+.1f%% against gzip -6 of the "
                           "input file (%.1f MB; target ≤ +%d%%)"
                           % (100 * x, g6 / 1e6, 100 * TARGET_SIZE_OVER_GZIP6)))
    x = bs_out / bs_regzip - 1
    lines.append(judge(x <= TARGET_SIZE_OVER_GZIP6, "output %+.1f%% against gzip -6 of "
                       "billsync's own CSV (target ≤ +%d%%)"
                       % (100 * x, 100 * TARGET_SIZE_OVER_GZIP6)))
    worst = max(r for _, r, _ in rss)
    lines.append(judge(worst < TARGET_RSS_MIB, "peak RSS of the daily revenue export at most "
                       "%.1f MiB over %s rows (target < %d MiB)"
                       % (worst, ", ".join(grouped(n) for n, _, _ in rss), TARGET_RSS_MIB)))
    worst = max(m for _, _, _, m, _ in whole)
    lines.append(judge(worst < TARGET_RSS_MIB, "peak RSS of the whole export (all %s objects) "
                       "at most %.1f MiB over %s daily rows (target < %d MiB)"
                       % (", ".join(sorted({str(k) for _, _, k, _, _ in whole})), worst,
                          ", ".join(grouped(n) for n, _, _, _, _ in whole), TARGET_RSS_MIB)))
    lines += ["", "Targets of issue 19 (ratios of medians in this run; CPU time is the steadier "
              "on a shared machine):", ""]
    if "gzip-1" in med:
        x, y = med["billsync"] / med["gzip-1"], cpu["billsync"] / cpu["gzip-1"]
        lines.append(judge(x <= TARGET19_GZIP1_RATIO and y <= TARGET19_GZIP1_RATIO,
                           "billsync takes %.2f× the CPU and %.2f× the wall time of gzip -1 "
                           "(target ≤ %g× both)" % (y, x, TARGET19_GZIP1_RATIO)))
    for peer, target, what in (("python-6", TARGET19_PYTHON6_SPEEDUP, "gzip 6"),
                               ("python", TARGET19_PYTHON9_SPEEDUP, "gzip 9")):
        if peer in med:
            x = med[peer] / med["billsync"]
            lines.append(judge(x >= target, "billsync %.2f× faster than the Python reference "
                               "at %s (target ≥ %g×; %.2f× in CPU time)"
                               % (x, what, target, cpu[peer] / cpu["billsync"])))
    worst = max([r for _, r, _ in rss] + [m for _, _, _, m, _ in whole])
    lines.append(judge(worst < TARGET_RSS_MIB, "peak RSS at most %.1f MiB, daily revenue and "
                       "whole export, up to %s daily rows (target < %d MiB, flat up to 10M)"
                       % (worst, grouped(max(n for n, _, _ in rss)), TARGET_RSS_MIB)))
    x = bs_out / bs_regzip - 1
    lines.append(judge(x <= TARGET_SIZE_OVER_GZIP6, "output %+.1f%% against gzip -6 of "
                       "billsync's own CSV (target ≤ +%d%%)"
                       % (100 * x, 100 * TARGET_SIZE_OVER_GZIP6)))
    text = "\n".join(lines) + "\n"
    print()
    print(text)
    append_doc(a.doc, text)
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RuntimeError as e:
        sys.exit("bench: %s" % e)
