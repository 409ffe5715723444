#!/usr/bin/env python3
"""The roll-up benchmark (issue 18), run by `make bench` (tests/bench/run.sh).

For each size (--sizes, default "1M 10M" daily revenue rows from billsync-gen):
the shipped mappings/monthly_line_item_revenue.map through `billsync export`, the same
GROUP BY in the sqlite3 command-line tool (imported from the CSV, in memory), and the
Python reference (tests/bench/ref_monthly_revenue.py); wall time and peak RSS of each
(GNU time), the daily records and the monthly ones, and the Salesforce storage saved at
about 2 KB a record.  Results printed and appended to --doc.
"""

import argparse
import glob
import gzip
import os
import shutil
import subprocess
import sys
import time

from benchlib import billsync_commit, machine

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
RECORD_KB = 2
SQL = """.mode csv
.import %s daily
.headers on
.output %s
SELECT line_item_id || '-' || substr(timeframe_start, 1, 7) || '-' || upper(currency)
         AS OrbId__c,
       invoice_id, substr(timeframe_start, 1, 7) AS month,
       min(substr(timeframe_start, 1, 10)), max(substr(timeframe_start, 1, 10)),
       sum(CAST(amount AS REAL)), sum(CAST(quantity AS REAL)), upper(currency), count(*)
FROM (SELECT * FROM daily WHERE rowid IN (SELECT max(rowid) FROM daily GROUP BY id))
WHERE reverted_at = ''
GROUP BY line_item_id, invoice_id, month, upper(currency)
ORDER BY OrbId__c;
"""


def parse_rows(s):
    s = s.strip()
    mult = {"k": 1000, "M": 1000000}.get(s[-1:], 1)
    return int(s[:-1] if s[-1:] in "kM" else s) * mult


def timed(cmd, log, **kw):
    """Runs cmd under GNU time: (seconds, peak RSS in MiB)."""
    tfile = log + ".time"
    t0 = time.monotonic()
    with open(log, "w") as out:
        p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", tfile] + cmd, stdout=out,
                           stderr=subprocess.STDOUT, cwd=ROOT, check=False, **kw)
    secs = time.monotonic() - t0
    with open(tfile) as f:
        rss = int(f.read().split()[-1]) / 1024.0
    print("  %s: %.1f s, %.1f MiB peak RSS" % (os.path.basename(cmd[0]), secs, rss),
          flush=True)
    if p.returncode not in (0, 1):
        sys.exit("rollupbench: %s failed (%d), see %s" % (cmd[0], p.returncode, log))
    return secs, rss


def lines(path):
    with open(path, "rb") as f:
        return sum(1 for _ in f) - 1


def sorted_rows(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return sorted(f)


def bench(size, args):
    n = parse_rows(size)
    data = os.path.join(args.bench_dir, "rollup-%s" % size)
    daily = os.path.join(data, "daily_line_item_revenue.csv")
    if not os.path.exists(daily):
        subprocess.run([args.gen, "--out", data, "--dlir-rows", size], check=True)
    maps = os.path.join(args.bench_dir, "rollup-maps")
    os.makedirs(maps, exist_ok=True)
    shutil.copy(os.path.join(ROOT, "mappings", "monthly_line_item_revenue.map"), maps)
    out = os.path.join(args.bench_dir, "rollup-out-%s" % size)
    shutil.rmtree(out, ignore_errors=True)
    res = {}
    res["billsync"] = timed([args.billsync, "export", "--source", data, "--mappings", maps,
                             "--out", out], out + ".log")
    groups = sum(int(l.split('"written": ')[1].split(",")[0]) for l in open(
        os.path.join(out, "manifest.json")) if '"written": ' in l)
    sql = os.path.join(args.bench_dir, "rollup-sqlite-%s.csv" % size)
    script = os.path.join(args.bench_dir, "rollup-%s.sql" % size)
    with open(script, "w") as f:
        f.write(SQL % (daily, sql))
    res["sqlite3"] = timed(["sh", "-c", "sqlite3 :memory: < '%s'" % script],
                           sql + ".log")
    ref = os.path.join(args.bench_dir, "rollup-python-%s.csv" % size)
    res["python"] = timed([args.python, os.path.join(HERE, "ref_monthly_revenue.py"), daily,
                           ref], ref + ".log")
    # billsync's records are the Python reference's, value for value; sqlite3 (sums in
    # REAL) finds as many groups
    mine = glob.glob(os.path.join(out, "OrbMonthlyLineItemRevenue__c", "*-0*.csv.gz"))
    mine = [r for p in mine if ".origin." not in p for r in sorted_rows(p)
            if not r.startswith("OrbId__c,")]
    same = sorted(mine) == [r for r in sorted_rows(ref) if not r.startswith("OrbId__c,")] \
        and lines(sql) == groups
    return n, groups, res, same


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--billsync", required=True)
    ap.add_argument("--gen", required=True)
    ap.add_argument("--python", default="python3")
    ap.add_argument("--sizes", default="1M 10M")
    ap.add_argument("--bench-dir", required=True)
    ap.add_argument("--doc", default="-")
    args = ap.parse_args()
    report = []
    load0 = os.getloadavg()[0]
    for size in args.sizes.split():
        n, groups, res, same = bench(size, args)
        report.append("%s daily rows -> %d monthly records (%.1fx fewer; storage %.0f MB -> "
                      "%.1f MB at %d KB a record)%s" % (
                          size, groups, n / max(groups, 1), n * RECORD_KB / 1000.0,
                          groups * RECORD_KB / 1000.0, RECORD_KB,
                          "; the same records as the Python reference" if same else
                          "  [RESULTS DIFFER]"))
        for tool in ("billsync", "sqlite3", "python"):
            report.append("  %-9s %8.1f s  %8.1f MiB peak RSS" % ((tool,) + res[tool]))
    text = "\n".join(report)
    print(text)
    if args.doc != "-":
        with open(os.path.join(ROOT, args.doc), "a") as f:
            f.write("\n### Roll-up benchmark, %s\n\nMachine: %s; load average %.1f at "
                    "the start, %.1f at the end. billsync at %s. "
                    "`billsync export` of mappings/monthly_line_item_revenue.map alone "
                    "(billsync-gen data), the same GROUP BY in `sqlite3 :memory:` (import "
                    "and query; sums in REAL) and tests/bench/ref_monthly_revenue.py "
                    "(decimal, a dict of the groups):\n\n```\n%s\n```\n" % (
                        time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), machine(),
                        load0, os.getloadavg()[0], billsync_commit(), text))
    return 0 if all("RESULTS DIFFER" not in l for l in report) else 1


if __name__ == "__main__":
    sys.exit(main())
