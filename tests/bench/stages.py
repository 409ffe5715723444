#!/usr/bin/env python3
"""Where an export's CPU time goes, by stage, from a perf profile.

    perf record -e cpu-clock -F 1000 --call-graph fp -o perf.data \\
        billsync export ... (a build with -fno-omit-frame-pointer)
    python3 tests/bench/stages.py perf.data [HZ]

Each sample is put in the stage of the innermost frame of its call chain that names one
(kernel frames count for the user frame that made the system call; ISA-L's assembly has
no frame pointers, so its samples are told by symbol or, failing that, by thread: a
sample on a compressor thread is compression).  Prints a Markdown table: stage, share of
all samples, and which functions it covers."""

import collections
import re
import subprocess
import sys

# (stage, what it covers, pattern of function names), innermost match wins.
COMPRESS = r"^(gen_icf|set_long_icf|encode_deflate|isal_|crc32_gzip|zsink_worker|" \
    r"zsink_block|deflate|compress_)"
STAGES = [
    ("compression, bulk files", "gzip, CRC and SHA-256 of the bulk files, on their "
     "compressor thread (OpenSSL and ISA-L have no frame pointers: told by thread)",
     COMPRESS),
    ("compression, origin files", "gzip of the origin files, on the main thread",
     r"^$never"),
    ("key fingerprints", "128-bit fingerprints of record keys (duplicate check)",
     r"^(hash64|hash128|fp_|spill_fps)"),
    ("converters", "datetime, decimal, truncate, upper ... (dt_*, dec_*, apply_*)",
     r"^(apply_|conv_|dt_|dec_|tz_|cur_|digits$|read_when)"),
    ("filters", "[filter] conditions", r"^(cond_eval|ceval)$"),
    ("mapping", "expressions and field assembly", r"^(mapping_apply|expr_eval|eval)$"),
    ("read and split fields", "input read, CSV parse, column selection",
     r"^(csvr_|rowsrc_|dataset_|parse_record|take_field|read_record|linerd_|input_|"
     r"gunzip_|jsonlr_|read$|__libc_read)"),
    ("sort for parent grouping", "staging, sort runs, spill files, merge",
     r"^(stage_|spill_rows|msort|idx_cmp|rec_cmp|qsort|reader_|heap_|__libc_pwrite|"
     r"__libc_pread|pread|pwrite)"),
    ("origin files", "key, source and line per row; the origin spool",
     r"^(origin_|write_row$)"),
    ("CSV encoding", "csvw: quoting and joining the record", r"^(csvw_)"),
    ("bulk file writing", "splitting into files, the hand-off to the compressor",
     r"^(csvsplit_|zsink_write|zsink_submit|write_rows|__GI___libc_write|write$)"),
]


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else "perf.data"
    hz = float(sys.argv[2]) if len(sys.argv) > 2 else 1000.0
    out = subprocess.run(["perf", "script", "-i", data, "-F", "tid,ip,sym"],
                         capture_output=True, text=True, check=True).stdout
    pats = [(n, w, re.compile(p)) for n, w, p in STAGES]
    counts = collections.Counter()
    main_tid = None
    total = 0
    for block in out.split("\n\n"):
        lines = [l.strip() for l in block.strip().split("\n") if l.strip()]
        if not lines:
            continue
        tid = lines[0].split()[0]
        if main_tid is None:
            main_tid = tid
        frames = [l.split(None, 1)[1] if " " in l else l for l in lines[1:]]
        frames = [re.sub(r"\+0x[0-9a-f]+$", "", f) for f in frames]
        stage = None
        for f in frames:
            for n, _, p in pats:
                if p.search(f):
                    stage = n
                    break
            if stage:
                break
        if not stage and tid != main_tid:
            stage = STAGES[0][0]
        # the main thread compresses the origin files; the origin line of a row is
        # encoded by csvw under write_row
        if stage == STAGES[0][0] and tid == main_tid:
            stage = STAGES[1][0]
        if stage == "CSV encoding" and "write_row" in frames:
            stage = "origin files"
        counts[stage or "other (libc, kernel, start-up)"] += 1
        total += 1
    print("| stage | CPU s | share | covers |")
    print("|---|---:|---:|---|")
    for n, w, _ in STAGES + [("other (libc, kernel, start-up)", "the rest", "")]:
        print("| %s | %.2f | %.1f%% | %s |" % (n, counts[n] / hz, 100.0 * counts[n] /
                                              max(total, 1), w))
    print("| **all** | **%.2f** | 100%% | %d samples at %g Hz |" % (total / hz, total, hz))


if __name__ == "__main__":
    main()
