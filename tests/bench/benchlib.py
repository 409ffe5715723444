"""Shared helpers of the benchmarks (tests/bench/): running a command with its resource
usage, generating data with billsync-gen, describing the machine, writing tables and the
results section of docs/performance.md.  Standard library only."""

import argparse
import hashlib
import os
import platform
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


class Usage:
    """What one run of a command (or a pipeline of them) cost."""

    def __init__(self, wall, cpu, rss_kib):
        self.wall = wall          # seconds, time.perf_counter
        self.cpu = cpu            # user + system seconds of every process (and their children)
        self.rss_kib = rss_kib    # the largest peak resident set of the processes


GNU_TIME = "/usr/bin/time"


def run_measured(cmds, stdout_path=None, cwd=None, env=None):
    """Runs a pipeline (a list of argv lists, stdout of each into the next; the last one's
    stdout to stdout_path or /dev/null) and returns its Usage.  Each command runs under GNU
    time, whose rusage counts every thread and every child the command waited for.  (wait4
    from this process would not do: a child forked from a big Python process starts its
    peak RSS at the parent's.)  Raises RuntimeError with the stderr tail when a command
    fails."""
    procs = []
    files = []
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    try:
        t0 = time.perf_counter()
        prev = None
        for i, argv in enumerate(cmds):
            err = tempfile.TemporaryFile()
            usage = tempfile.NamedTemporaryFile(prefix="bench-time.", delete=False)
            usage.close()
            files.append((err, usage.name))
            last = i == len(cmds) - 1
            p = subprocess.Popen([GNU_TIME, "-f", "%e %U %S %M", "-o", usage.name] + argv,
                                 stdin=prev.stdout if prev else subprocess.DEVNULL,
                                 stdout=out if last else subprocess.PIPE, stderr=err,
                                 cwd=cwd, env=env)
            if prev:
                prev.stdout.close()
            procs.append(p)
            prev = p
        for p in procs:
            p.wait()
        wall = time.perf_counter() - t0
        cpu = 0.0
        rss = 0
        failed = []
        for p, argv, (err, usage) in zip(procs, cmds, files):
            with open(usage, encoding="utf-8", errors="replace") as f:
                last_line = (f.read().strip().splitlines() or [""])[-1].split()
            if p.returncode != 0 or len(last_line) != 4:
                err.seek(0)
                tail = err.read()[-2000:].decode("utf-8", "replace")
                failed.append("%s exited with %d: %s" % (" ".join(argv), p.returncode, tail))
                continue
            cpu += float(last_line[1]) + float(last_line[2])
            rss = max(rss, int(last_line[3]))
    finally:
        if stdout_path:
            out.close()
        for err, usage in files:
            err.close()
            os.unlink(usage)
    if failed:
        raise RuntimeError("\n".join(failed))
    return Usage(wall, cpu, rss)


def arg_parser(doc, rows):
    """The options both benchmarks take; rows is the default size."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument("--billsync", required=True)
    ap.add_argument("--gen", required=True)
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--rows", default=rows)
    ap.add_argument("--bench-dir", default="/tmp/billsync-bench")
    ap.add_argument("--doc", default=os.path.join(ROOT, "docs", "performance.md"))
    return ap


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def generate(gen, bench_dir, rows, log=print):
    """The export of `billsync-gen --dlir-rows ROWS` (seed 1) under bench_dir, made once
    and kept while the generator binary stays the same.  Returns its folder."""
    data = os.path.join(bench_dir, "data-%s" % rows)
    stamp = os.path.join(data, ".made-by")
    want = file_sha256(gen)
    if os.path.exists(stamp):
        with open(stamp, encoding="ascii") as f:
            if f.read().strip() == want:
                return data
    os.makedirs(data, exist_ok=True)
    log("generating %s daily revenue rows into %s" % (rows, data))
    t0 = time.perf_counter()
    subprocess.run([gen, "--out", data, "--dlir-rows", rows, "--seed", "1"], check=True,
                   stdout=subprocess.DEVNULL)
    log("  %.1f s" % (time.perf_counter() - t0))
    with open(stamp, "w", encoding="ascii") as f:
        f.write(want + "\n")
    return data


def count_lines(path):
    """Data rows of a CSV file whose values hold no line breaks (billsync-gen's daily
    revenue file): newlines minus the header."""
    n = 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 24), b""):
            n += block.count(b"\n")
    return n - 1


def _cmd_output(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True, check=False).stdout
    except OSError:
        return ""


def machine():
    """One line: CPUs, model, memory, kernel."""
    model = "?"
    mem = 0
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem = int(line.split()[1]) * 1024
    except OSError:
        pass
    return "%d × %s, %.1f GiB RAM, Linux %s" % (os.cpu_count() or 0, model, mem / 2**30,
                                                 platform.release())


def billsync_commit():
    """Short commit of the working tree, saying so when billsync's sources differ from it."""
    head = _cmd_output(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"]).strip() or "?"
    dirty = _cmd_output(["git", "-C", ROOT, "status", "--porcelain", "--", "etl", "formats",
                         "mappings", "Makefile"])
    return head + (" + uncommitted changes to its sources" if dirty.strip() else "")


def tool_version(argv, pattern=r"[0-9]+(\.[0-9]+)+"):
    m = re.search(pattern, _cmd_output(argv))
    return m.group(0) if m else "?"


def table(header, rows, align):
    """A Markdown table; align is a string of 'l'/'r' per column."""
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(r) + " |")
    return "\n".join(lines)


def grouped(n, digits=0):
    return "{:,.{}f}".format(n, digits)


def append_doc(doc, text, log=print):
    """Appends a results section to docs/performance.md (or wherever doc says; empty or
    "-" means nowhere)."""
    if not doc or doc == "-":
        return
    with open(doc, "a", encoding="utf-8") as f:
        f.write("\n" + text.rstrip("\n") + "\n")
    log("results appended to %s" % doc)


def stamp_utc():
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())


def die(msg):
    sys.stderr.write("bench: %s\n" % msg)
    sys.exit(1)
