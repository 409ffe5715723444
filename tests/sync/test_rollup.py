#!/usr/bin/env python3
"""Roll-ups on incremental runs (issue 18), against the emulator: a group is
sent again when any of its rows changed, was added or was reverted, always
with its complete new totals, and only then; a watermark reads whole months,
so a new day re-sends its whole month and never a partial sum; a group
whose every row is later filtered out (all days reverted) is sent again
with emptied totals (0 days, amount 0) instead of keeping its old ones,
and a day reverted in a later copy of its row leaves its month; likewise a
group whose every row moved to another group in a later copy (re-dated,
currency corrected) is sent with emptied totals."""

import csv
import decimal
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from synctest import ROOT, Tap, World, check_run    # noqa: E402

OBJ = "OrbMonthlyLineItemRevenue__c"
CASES = os.path.join(ROOT, "tests", "cases", "rollup", "sync")
HEAD = ["id", "line_item_id", "timeframe_start", "amount", "currency", "reverted_at"]


def day_rows(line, cur, month, days, amount):
    """One row per day of month (YYYY-MM) for line: ids LINE-MM-DD."""
    return [["%s-%s-%02d" % (line, month, d), line, "%s-%02dT00:00:00Z" % (month, d),
             amount, cur, ""] for d in days]


def write(src, rows):
    with open(os.path.join(src, "daily_line_item_revenue.csv"), "w", newline="",
              encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HEAD)
        w.writerows(rows)


def totals(rows):
    """{external id: sum} of the rows that are not reverted (last copy of an
    id wins), as the mapping rolls them up."""
    last = {r[0]: r for r in rows}
    out = {}
    for r in last.values():
        if r[5]:
            continue
        k = "%s-%s-%s" % (r[1], r[2][:7], r[4])
        out[k] = out.get(k, decimal.Decimal(0)) + decimal.Decimal(r[3])
    return out


def stored(w):
    """{external id: Amount__c} in the emulator."""
    return {r["OrbId__c"]: r["Amount__c"] for r in w.emu.records(OBJ, exact=True)}


def sent(w):
    return sorted(w.sent_keys().get(OBJ, []))


def run(t, w, maps, label, *args):
    r = w.run("--mappings", maps, *args)
    check_run(t, r, 0, label)
    return r


def resend_changed_groups(t, src):
    maps = os.path.join(CASES, "plain")
    rows = (day_rows("ili_a", "USD", "2024-01", range(1, 32), "0.10") +
            day_rows("ili_a", "USD", "2024-02", range(1, 30), "0.20") +
            day_rows("ili_b", "JPY", "2024-01", range(1, 32), "100") +
            day_rows("ili_b", "JPY", "2024-02", range(1, 30), "200"))
    write(src, rows)
    with World(src=src) as w:
        run(t, w, maps, "run 1")
        want = totals(rows)
        t.eq(sent(w), sorted(want), "run 1: one record per line item and month")
        t.eq(stored(w), want, "run 1: the totals, exactly (31 x 0.10 is 3.10)")
        t.eq(w.written("rolled_up"), {OBJ: len(rows) - 4}, "run 1: the other rows rolled up")

        run(t, w, maps, "run 2")
        t.eq(sent(w), [], "run 2, nothing changed: nothing sent")
        t.eq(w.written("unchanged"), {OBJ: 4}, "run 2: the four groups unchanged")

        # a late row for a closed month, a reverted day, a changed day
        rows.append(["ili_a-late", "ili_a", "2024-01-15T12:00:00Z", "5.55", "USD", ""])
        for r in rows:
            if r[0] == "ili_b-2024-02-10":
                r[5] = "2024-03-01T00:00:00Z"
        rows.append(["ili_b-2024-01-03", "ili_b", "2024-01-03T00:00:00Z", "150", "JPY", ""])
        write(src, rows)
        run(t, w, maps, "run 3")
        want = totals(rows)
        t.eq(sent(w), ["ili_a-2024-01-USD", "ili_b-2024-01-JPY", "ili_b-2024-02-JPY"],
             "run 3: exactly the three changed groups were sent again")
        got = stored(w)
        t.eq(got, want, "run 3: with their complete new totals")
        t.eq((got["ili_a-2024-01-USD"], got["ili_b-2024-02-JPY"], got["ili_b-2024-01-JPY"]),
             (decimal.Decimal("8.65"), decimal.Decimal("5600"), decimal.Decimal("3150")),
             "run 3: 3.10 + 5.55 with the late row, 29 x 200 - 200 reverted, "
             "31 x 100 + 50 for the later copy of a day")
        t.eq(w.written("duplicates"), {OBJ: 1}, "run 3: the earlier copy of a day is a "
             "duplicate")


def revert_whole_groups(t, src):
    maps = os.path.join(CASES, "plain")
    rows = (day_rows("ili_a", "USD", "2024-01", range(1, 32), "0.10") +
            day_rows("ili_a", "USD", "2024-02", range(1, 30), "0.20") +
            day_rows("ili_c", "USD", "2024-01", range(1, 3), "9.00"))
    for r in rows[-2:]:
        r[5] = "2024-02-01T00:00:00Z"     # ili_c: reverted before it was sent
    write(src, rows)
    with World(src=src) as w:
        run(t, w, maps, "revert run 1")
        t.eq(sorted(stored(w)), ["ili_a-2024-01-USD", "ili_a-2024-02-USD"],
             "revert run 1: a month reverted before it was ever sent makes no record")
        # every day of February reverted; a later copy of January 1 reverted
        for r in rows:
            if r[0].startswith("ili_a-2024-02-"):
                r[5] = "2024-03-01T00:00:00Z"
        rows.append(["ili_a-2024-01-01", "ili_a", "2024-01-01T00:00:00Z", "0.10", "USD",
                     "2024-03-01T00:00:00Z"])
        write(src, rows)
        run(t, w, maps, "revert run 2")
        t.eq(sent(w), ["ili_a-2024-01-USD", "ili_a-2024-02-USD"],
             "revert run 2: the month whose every day was reverted is sent again, and "
             "the month a later copy of a day reverted")
        recs = {r["OrbId__c"]: r for r in w.emu.records(OBJ, exact=True)}
        feb = recs.get("ili_a-2024-02-USD", {})
        t.eq((feb.get("Amount__c"), feb.get("Days__c")), (decimal.Decimal("0"), 0),
             "revert run 2: with emptied totals (amount 0, 0 days), not the old ones",
             feb)
        t.eq(recs.get("ili_a-2024-01-USD", {}).get("Amount__c"), decimal.Decimal("3.00"),
             "revert run 2: January without the day its later copy reverted (30 x 0.10)")
        t.ok("ili_c-2024-01-USD" not in recs, "revert run 2: still no record of the "
             "month never sent")
        c = w.last_run()[2]["objects"][0]["counts"]
        t.eq(c["read"], c["written"] + c["filtered"] + c["rejected"] + c["duplicates"] +
             c["unchanged"] + c["rolled_up"], "revert run 2: the counts add up", c)
        run(t, w, maps, "revert run 3")
        t.eq(sent(w), [], "revert run 3, nothing changed: the emptied month is not sent "
             "again")
        for r in rows:
            if r[0] == "ili_a-2024-02-10":
                r[5] = ""
        write(src, rows)
        run(t, w, maps, "revert run 4")
        t.eq(sent(w), ["ili_a-2024-02-USD"], "revert run 4: a day un-reverted: its month "
             "is sent again")
        t.eq(stored(w)["ili_a-2024-02-USD"], decimal.Decimal("0.20"),
             "revert run 4: with that day's amount")


def move_whole_groups(t, src):
    """A later copy of a group's every row moved to another group (re-dated
    to another month, its currency corrected): the old group is sent again
    with emptied totals, the new one with the full totals."""
    maps = os.path.join(CASES, "plain")
    rows = (day_rows("ili_a", "USD", "2024-01", [1, 2], "2.50") +
            day_rows("ili_b", "USD", "2024-03", [31], "7.00") +
            day_rows("ili_b", "USD", "2024-04", [2], "1.00"))
    write(src, rows)
    with World(src=src) as w:
        run(t, w, maps, "move run 1")
        t.eq(stored(w), {"ili_a-2024-01-USD": decimal.Decimal("5.00"),
                         "ili_b-2024-03-USD": decimal.Decimal("7.00"),
                         "ili_b-2024-04-USD": decimal.Decimal("1.00")}, "move run 1")
        # March 31 re-dated to April 1; both January days corrected to EUR
        rows.append(["ili_b-2024-03-31", "ili_b", "2024-04-01T00:00:00Z", "7.00", "USD", ""])
        rows += [["ili_a-2024-01-%02d" % d, "ili_a", "2024-01-%02dT00:00:00Z" % d, "2.50",
                  "EUR", ""] for d in (1, 2)]
        write(src, rows)
        run(t, w, maps, "move run 2")
        t.eq(sent(w), ["ili_a-2024-01-EUR", "ili_a-2024-01-USD", "ili_b-2024-03-USD",
                       "ili_b-2024-04-USD"],
             "move run 2: the groups the rows left are sent again, and those they joined")
        recs = {r["OrbId__c"]: r for r in w.emu.records(OBJ, exact=True)}
        t.eq({k: (r.get("Amount__c"), r.get("Days__c")) for k, r in recs.items()},
             {"ili_a-2024-01-USD": (decimal.Decimal("0"), 0),
              "ili_a-2024-01-EUR": (decimal.Decimal("5.00"), 2),
              "ili_b-2024-03-USD": (decimal.Decimal("0"), 0),
              "ili_b-2024-04-USD": (decimal.Decimal("8.00"), 2)},
             "move run 2: the groups left emptied (amount 0, 0 days), not counted twice")
        c = w.last_run()[2]["objects"][0]["counts"]
        t.eq(c["read"], c["written"] + c["filtered"] + c["rejected"] + c["duplicates"] +
             c["unchanged"] + c["rolled_up"], "move run 2: the counts add up", c)
        t.eq((c["written"], c["duplicates"]), (4, 1),
             "move run 2: 4 groups written; of the 3 earlier copies, 2 stand for the "
             "emptied groups", c)
        run(t, w, maps, "move run 3")
        t.eq(sent(w), [], "move run 3, nothing changed: the emptied groups are not sent "
             "again")


def watermark_reads_whole_months(t, src):
    maps = os.path.join(CASES, "watermark")
    rows = (day_rows("ili_a", "USD", "2024-02", range(1, 30), "1.00") +
            day_rows("ili_a", "USD", "2024-03", range(1, 11), "1.00"))
    write(src, rows)
    with World(src=src) as w:
        run(t, w, maps, "watermark run 1")
        t.eq(stored(w), {"ili_a-2024-02-USD": decimal.Decimal("29"),
                         "ili_a-2024-03-USD": decimal.Decimal("10")},
             "watermark run 1: February and March so far")
        # March 11 arrives: the floor (March 10 less a day) moves back to
        # March 1, so March is read whole; February is below it
        rows += day_rows("ili_a", "USD", "2024-03", [11], "1.00")
        write(src, rows)
        run(t, w, maps, "watermark run 2")
        t.eq(sent(w), ["ili_a-2024-03-USD"], "watermark run 2: only March is sent")
        t.eq(stored(w)["ili_a-2024-03-USD"], decimal.Decimal("11"),
             "watermark run 2: with all of March (11), not the days since the floor (3)")
        t.eq(w.written("below_watermark"), {OBJ: 29},
             "watermark run 2: February's rows are below the watermark, not read")


def main():
    t = Tap()
    for fn in (resend_changed_groups, revert_whole_groups, move_whole_groups,
               watermark_reads_whole_months):
        with tempfile.TemporaryDirectory(prefix="billsync-rollup.") as src:
            t.run(fn, t, src)
    t.done()


if __name__ == "__main__":
    main()
