#!/usr/bin/env python3
"""Builds an export directory (docs/bulk-files.md) from a hand-written test case.

A case folder tests/cases/upload/NAME/ holds case.json (the manifest's objects,
with file names instead of file entries) and one CSV per bulk file whose first
two columns, _source and _line, say where each row "came from"; they go into
the origin file, the other columns into the gzipped bulk file.

    python3 tests/loader/mkcase.py tests/cases/upload/basic OUTDIR
"""

import csv
import gzip
import hashlib
import io
import json
import os
import sys


def _gz(path, text):
    data = text.encode("utf-8")
    with open(path, "wb") as f:
        f.write(gzip.compress(data, 6, mtime=0))
    return len(data)


def _csv_text(rows):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerows(rows)
    return out.getvalue()


def build(case_dir, out_dir):
    with open(os.path.join(case_dir, "case.json"), encoding="utf-8") as f:
        case = json.load(f)
    manifest = {"format": "billsync-export/1", "billsync_version": "0.1.0",
                "created_at": "2026-11-21T10:00:00.000Z", "max_file_bytes": 100000000,
                "objects": []}
    for spec in case["objects"]:
        obj = spec["object"]
        os.makedirs(os.path.join(out_dir, obj), exist_ok=True)
        key_field = spec.get("external_id") if spec["operation"] == "upsert" else \
            (None if spec["operation"] == "insert" else "Id")
        files = []
        for name in spec["files"]:
            with open(os.path.join(case_dir, name), encoding="utf-8", newline="") as f:
                rows = list(csv.reader(f))
            header, body = rows[0][2:], rows[1:]
            key = header.index(key_field) if key_field else None
            base = name[:-len(".csv")]
            rel = "%s/%s.csv.gz" % (obj, base)
            origin = "%s/%s.origin.csv.gz" % (obj, base)
            raw = _gz(os.path.join(out_dir, rel), _csv_text([header] + [r[2:] for r in body]))
            _gz(os.path.join(out_dir, origin), _csv_text(
                [["key", "source", "line"]] +
                [[r[2 + key] if key is not None else "", r[0], r[1]] for r in body]))
            with open(os.path.join(out_dir, rel), "rb") as f:
                data = f.read()
            files.append({"path": rel, "origin": origin, "rows": len(body), "raw_bytes": raw,
                          "compressed_bytes": len(data),
                          "sha256": hashlib.sha256(data).hexdigest(),
                          "sources": []})
        entry = {"object": obj, "mapping": "mappings/test.map", "dataset": "test",
                 "operation": spec["operation"], "level": spec.get("level", 0),
                 "depends_on": spec.get("depends_on", []), "files": files}
        if spec.get("external_id"):
            entry["external_id"] = spec["external_id"]
        manifest["objects"].append(entry)
    with open(os.path.join(out_dir, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
    return manifest


if __name__ == "__main__":
    build(sys.argv[1], sys.argv[2])
