#!/usr/bin/env python3
"""Do two sets of gzipped CSV files hold the same records, order aside?

    python3 tests/bench/samerecords.py A1.csv.gz [A2.csv.gz ...] -- B1.csv.gz [...]

Each side may be split over several files (each with the header row); the headers must be
equal.  Records are compared as a multiset through a 128-bit hash per record, summed, so
memory stays flat whatever the size.  When the sums differ, a second pass keyed on the first
column counts the records that differ, are missing or are extra, per column, with examples.
Exit status 0 when the same, 1 when not, 2 on a usage or read error."""

import csv
import gzip
import hashlib
import sys

MASK = (1 << 128) - 1
MAX_DIFF_KEPT = 100000


def _rows(paths):
    """(header, row) for every record of the files, checking that the headers agree."""
    header = None
    for path in paths:
        with gzip.open(path, "rt", newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            h = next(reader, None)
            if h is None:
                raise ValueError("%s: no header row" % path)
            if header is None:
                header = h
            elif h != header:
                raise ValueError("%s: header differs from %s" % (path, paths[0]))
            for row in reader:
                yield header, row


def _digest(row):
    return int.from_bytes(hashlib.blake2b("\x00".join(row).encode("utf-8"),
                                          digest_size=16).digest(), "little")


def summary(paths):
    """(header, records, sum of the record hashes mod 2^128)."""
    header, n, total = None, 0, 0
    for header, row in _rows(paths):
        n += 1
        total += _digest(row)
    return header, n, total & MASK


def differences(a_paths, b_paths, examples=3):
    """Keyed on the first column: how B differs from A.  Returns a dict with counts
    differing/missing/extra, by_column {name: count} and up to `examples` (key, column,
    a value, b value) tuples."""
    index = {}
    header = None
    for header, row in _rows(a_paths):
        index[row[0]] = _digest(row)
    extra = 0
    differing = {}
    for _, row in _rows(b_paths):
        d = index.pop(row[0], None)
        if d is None:
            extra += 1
        elif d != _digest(row) and len(differing) < MAX_DIFF_KEPT:
            differing[row[0]] = row
    by_column = {}
    shown = []
    for _, row in _rows(a_paths):
        other = differing.get(row[0])
        if other is None:
            continue
        for name, x, y in zip(header, row, other):
            if x != y:
                by_column[name] = by_column.get(name, 0) + 1
                if len(shown) < examples:
                    shown.append((row[0], name, x, y))
    return {"differing": len(differing), "missing": len(index), "extra": extra,
            "by_column": by_column, "examples": shown}


def compare(a_paths, b_paths):
    """(same, text): same is True when both sides hold the same records; text says so in
    one line, or what differs."""
    ha, na, sa = summary(a_paths)
    hb, nb, sb = summary(b_paths)
    if ha != hb:
        return False, "headers differ: %s / %s" % (",".join(ha or []), ",".join(hb or []))
    if na == nb and sa == sb:
        return True, "same %d records" % na
    d = differences(a_paths, b_paths)
    cols = ", ".join("%s %d" % kv for kv in sorted(d["by_column"].items()))
    ex = "; ".join("%s %s: %r vs %r" % e for e in d["examples"])
    return False, ("%d of %d records differ (%s), %d missing, %d extra; e.g. %s"
                   % (d["differing"], na, cols or "-", d["missing"], d["extra"], ex or "-"))


def main(argv):
    if "--" not in argv[1:]:
        sys.stderr.write("usage: samerecords.py A.csv.gz... -- B.csv.gz...\n")
        return 2
    cut = argv.index("--")
    a, b = argv[1:cut], argv[cut + 1:]
    if not a or not b:
        sys.stderr.write("usage: samerecords.py A.csv.gz... -- B.csv.gz...\n")
        return 2
    try:
        same, text = compare(a, b)
    except (OSError, ValueError, EOFError, csv.Error) as e:
        sys.stderr.write("samerecords: %s\n" % e)
        return 2
    print(text)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
