#!/usr/bin/env python3
"""The optional watermark of an append-only dataset (issue 7): with
`watermark = timeframe_start` and `lookback = 3d` on the daily revenue
mapping, an incremental run does not read further the rows older than the
newest timeframe_start of the last successful run less three days: they are
counted `below_watermark`, neither hashed nor recorded.  Rows inside the
window are still compared by hash; a row changed below it is, by design, not
sent (until `--full`).  The watermark advances only when the object's load
succeeded, and a changed mapping voids it."""

import csv
import json
import os
import shutil
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from synctest import ROOT, SAMPLES, Tap, World, check_run, read_csv, write_csv  # noqa: E402

OBJ = "OrbDailyLineItemRevenue__c"
DS = "daily_line_item_revenue"


def day(row, head):
    return row[head.index("timeframe_start")][:10]


def counts(w):
    _, _, m = w.last_run()
    return next((o["counts"], o.get("watermark")) for o in m["objects"] if o["object"] == OBJ)


def adds_up(c):
    return c["read"] == (c["written"] + c["filtered"] + c["rejected"] + c["duplicates"] +
                         c["unchanged"] + c["below_watermark"])


def stored(w):
    r = w.query("SELECT value FROM watermarks WHERE object = ?", OBJ)
    return r[0]["value"] if r else None


def amounts(w):
    return {r["OrbId__c"]: r["Amount__c"] for r in w.emu.records(OBJ)}


def record(w, key):
    r = w.query("SELECT status, run, hash FROM records WHERE object = ? AND key = ?", OBJ, key)
    return r[0] if r else None


def watermark(t):
    with World() as w:
        maps = os.path.join(w.tmp, "maps")
        shutil.copytree(os.path.join(ROOT, "mappings"), maps)
        mpath = os.path.join(maps, "daily_line_item_revenue.map")
        with open(mpath, encoding="utf-8") as f:
            text = f.read()
        text = text.replace("since       = timeframe_start\n",
                            "since       = timeframe_start\nwatermark   = timeframe_start\n"
                            "lookback    = 3d\n")
        with open(mpath, "w", encoding="utf-8") as f:
            f.write(text)
        rows = read_csv(os.path.join(SAMPLES, DS + ".csv"))
        head, body = rows[0], rows[1:]
        ids = [r[0] for r in body]
        col = {c: head.index(c) for c in ("amount", "timeframe_start", "invoice_id")}

        # day 1: the export holds the rows up to 2024-06-19
        write_csv(w.path(DS), [head] + [r for r in body if day(r, head) < "2024-06-20"])
        r1 = w.run("--mappings", maps)
        check_run(t, r1, 1, "run 1 (the sample's rejected rows and refused customers)")
        c, wm = counts(w)
        t.eq((c["below_watermark"], wm["floor"], wm["max"]),
             (0, None, "2024-06-19T00:00:00.000Z"),
             "run 1: no watermark yet: every row read; the newest timeframe_start is kept")
        t.ok(adds_up(c), "run 1: read = written + ... + below_watermark", c)
        t.eq(stored(w), "2024-06-19T00:00:00.000Z", "run 1: the watermark is stored")
        t.eq(r1.report["watermarks"], [{"object": OBJ, "watermark": "2024-06-19T00:00:00.000Z",
                                        "advanced": True}], "run 1: --json reports it")

        # day 2: the rest of June arrives; one row inside the window (06-17)
        # and one below it (06-10) changed in place
        inside = next(r[0] for r in body if day(r, head) == "2024-06-17")
        below = next(r[0] for r in body if day(r, head) == "2024-06-10")
        full = [list(r) for r in body]
        for r in full:
            if r[0] in (inside, below):
                r[col["amount"]] = "12345.670000"
        write_csv(w.path(DS), [head] + full)
        amounts1 = amounts(w)
        below_rec1 = record(w, below)
        r2 = w.run("--mappings", maps)
        check_run(t, r2, 1, "run 2")
        c, wm = counts(w)
        n_below = sum(1 for r in body if day(r, head) < "2024-06-16")
        n_window = sum(1 for r in body if "2024-06-16" <= day(r, head) < "2024-06-20")
        n_new = sum(1 for r in body if day(r, head) >= "2024-06-20")
        t.eq(wm["floor"], "2024-06-16T00:00:00.000Z", "run 2: floor = watermark less 3 days")
        t.eq(c["below_watermark"], n_below, "run 2: the rows before the floor are counted "
             "below_watermark, not read further")
        t.eq((c["unchanged"], c["written"]), (n_window - 1, n_new + 1),
             "run 2: rows in the window were compared by hash (unchanged), the changed one "
             "and the new ones written")
        t.ok(adds_up(c), "run 2: the counts add up with below_watermark", c)
        sent = set(w.sent_keys()[OBJ])
        t.ok(inside in sent, "run 2: the row changed inside the lookback window was sent")
        t.ok(below not in sent, "run 2: the row changed below the window was not sent (by "
             "design)")
        now = amounts(w)
        t.eq((now[inside], now[below]), (12345.67, amounts1[below]),
             "run 2: Salesforce has the new amount inside the window, the old one below")
        t.eq(record(w, below), below_rec1, "run 2: the row below the window was not "
             "touched in the state (not hashed, not recorded)")
        t.eq(stored(w), "2024-06-30T00:00:00.000Z", "run 2: the watermark advanced")
        t.has(r2.stderr, "rows whose timeframe_start is before 2024-06-16T00:00:00.000Z "
              "are not read", "run 2: the log says what the watermark skips")

        # day 3: a new row Salesforce refuses (its invoice does not exist):
        # the watermark stays, and the next run reads the row again
        late = list(body[-1])
        late[0] = "dlir_lateArrival000001"
        late[col["timeframe_start"]] = "2024-07-01T00:00:00Z"
        late[col["invoice_id"]] = "inv_doesNotExist0000"
        write_csv(w.path(DS), [head] + full + [late])
        r3 = w.run("--mappings", maps)
        check_run(t, r3, 1, "run 3 (a row refused)")
        t.eq(w.status_of(OBJ, late[0]), "failed", "run 3: the new row failed in Salesforce")
        t.eq(stored(w), "2024-06-30T00:00:00.000Z",
             "run 3: the watermark did not advance past a failed load")
        t.eq(r3.report["watermarks"], [{"object": OBJ, "watermark": "2024-06-30T00:00:00.000Z",
                                        "advanced": False}], "run 3: --json says so")
        late[col["invoice_id"]] = body[-1][col["invoice_id"]]
        write_csv(w.path(DS), [head] + full + [late])
        r4 = w.run("--mappings", maps)
        check_run(t, r4, 1, "run 4 (the row fixed)")
        t.eq(w.sent_keys().get(OBJ), [late[0]], "run 4: the failed row was read and sent "
             "again")
        t.eq((w.status_of(OBJ, late[0]), stored(w)), ("synced", "2024-07-01T00:00:00.000Z"),
             "run 4: synced, and the watermark advanced")

        # a date far in the future (a typo) never becomes the watermark
        typo = list(late)
        typo[0] = "dlir_typoInTheFuture01"
        typo[col["timeframe_start"]] = "2204-07-02T00:00:00Z"
        write_csv(w.path(DS), [head] + full + [late, typo])
        check_run(t, w.run("--mappings", maps), 1, "run 5 (a row dated 2204)")
        t.eq(stored(w), "2024-07-01T00:00:00.000Z",
             "run 5: a date after the run's start is not taken as the watermark")

        # --full ignores the watermark: the row below the window goes now
        r6 = w.run("--mappings", maps, "--full")
        check_run(t, r6, 1, "run --full")
        c, wm = counts(w)
        t.eq((c["below_watermark"], wm["floor"]), (0, None), "run --full: every row read")
        t.ok(below in set(w.sent_keys()[OBJ]), "run --full: the row below the window is sent")
        t.eq(amounts(w)[below], 12345.67, "run --full: Salesforce has its new amount")
        t.eq(stored(w), "2024-07-01T00:00:00.000Z", "run --full: the watermark is stored again")

        # a backfill ignores it too, and forgets it when it sends records
        r7 = w.run("--mappings", maps, "--since", "2024-01-01", "--until", "2024-01-02")
        check_run(t, r7, 1, "run --since/--until")
        c, wm = counts(w)
        t.eq((c["below_watermark"], wm["floor"]), (0, None), "backfill: no floor")
        t.eq(stored(w), None, "backfill: it sent records, so the watermark is forgotten "
             "(the next run reads every row once)")
        r8 = w.run("--mappings", maps)
        check_run(t, r8, 1, "run after the backfill")
        c, wm = counts(w)
        t.eq((c["below_watermark"], c["written"]), (0, 0),
             "run after the backfill: every row read, nothing changed")
        t.eq(stored(w), "2024-07-01T00:00:00.000Z", "run after the backfill: stored again")

        # a changed mapping voids it: every row is read under the new mapping
        with open(mpath, "w", encoding="utf-8") as f:
            f.write(text.replace("lookback    = 3d", "lookback    = 2d"))
        r9 = w.run("--mappings", maps)
        check_run(t, r9, 1, "run with the mapping changed")
        c, wm = counts(w)
        t.eq((c["below_watermark"], wm["floor"]), (0, None),
             "mapping changed: the stored watermark is not used")
        t.has(r9.stderr, "changed since the watermark was stored: every row is read",
              "mapping changed: the log says so")
        r10 = w.run("--mappings", maps, json_out=False)
        check_run(t, r10, 1, "the run after (plain output)")
        t.has(r10.stdout, "below watermark", "plain output: the summary counts rows below "
              "the watermark")
        c, wm = counts(w)
        t.eq(wm["floor"], "2024-06-29T00:00:00.000Z", "the run after: floor less 2 days")

        # a row billsync rejects holds the watermark too: once fixed in the
        # source it must still be read, even though a newer row came since
        bad = list(body[-1])
        bad[0] = "dlir_rejectedAmount001"
        bad[col["timeframe_start"]] = "2024-06-30T00:00:00Z"
        bad[col["amount"]] = "not-a-number"
        newer = list(body[-1])
        newer[0] = "dlir_newerThanAll0001"
        newer[col["timeframe_start"]] = "2024-07-04T00:00:00Z"
        write_csv(w.path(DS), [head] + full + [late, typo, bad, newer])
        r11 = w.run("--mappings", maps)
        check_run(t, r11, 1, "run 11 (a row rejected)")
        c, wm = counts(w)
        t.eq((c["rejected"], stored(w)), (1, "2024-07-01T00:00:00.000Z"),
             "run 11: a rejected row keeps the watermark where it was")
        t.has(r11.stderr, "were rejected", "run 11: the log says why")
        bad[col["amount"]] = "1.000000"
        write_csv(w.path(DS), [head] + full + [late, typo, bad, newer])
        r12 = w.run("--mappings", maps)
        check_run(t, r12, 1, "run 12 (the row fixed)")
        t.eq(w.sent_keys().get(OBJ), [bad[0]], "run 12: the fixed row is read and sent")
        t.eq(stored(w), "2024-07-04T00:00:00.000Z", "run 12: the watermark advances")


def mapping_mistakes(t):
    """watermark and lookback go together, and lookback is a duration."""
    with World() as w:
        maps = os.path.join(w.tmp, "maps")
        shutil.copytree(os.path.join(ROOT, "mappings"), maps)
        mpath = os.path.join(maps, "daily_line_item_revenue.map")
        with open(mpath, encoding="utf-8") as f:
            text = f.read()
        line = text.splitlines().index("since       = timeframe_start") + 2
        for extra, msg in (("watermark = timeframe_start\n", "watermark needs a lookback"),
                           ("lookback = 3d\n", "lookback is for a watermark"),
                           ("watermark = timeframe_start\nlookback = 3 days\n",
                            "lookback must be a duration such as 3d")):
            with open(mpath, "w", encoding="utf-8") as f:
                f.write(text.replace("since       = timeframe_start\n",
                                     "since       = timeframe_start\n" + extra))
            r = w.run("--mappings", maps, json_out=False)
            at = line + (1 if "3 days" in extra else 0)
            check_run(t, r, 3, "mapping mistake: %s" % msg)
            t.has(r.stderr, "daily_line_item_revenue.map:%d: %s" % (at, msg),
                  "mapping mistake: %s (with its line)" % msg)


def main():
    t = Tap()
    t.run(watermark, t)
    t.run(mapping_mistakes, t)
    t.done()


if __name__ == "__main__":
    main()
