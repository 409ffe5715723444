#!/usr/bin/env python3
"""The roll-up benchmark's Python reference: mappings/monthly_line_item_revenue.map by hand.

    python3 tests/bench/ref_monthly_revenue.py daily_line_item_revenue.csv OUT.csv

Standard library only, written the way a competent Python user would: csv.reader with the
columns looked up once, one pass over the rows, a dict of groups (one entry per line item,
invoice, month and currency) holding running totals with exact decimals, reverted rows left
out.  Memory grows with the groups, not with the rows.  Months are those of timeframe_start
in UTC (its first seven characters, as the export writes it with Z).  Writes the same
columns as the mapping, one row per group, sorted by external id.

Unlike the mapping's row_key, it does not let a later copy of a row id replace an earlier
one (that needs every row id in memory): billsync-gen gives each row an id of its own (a
revised day is a new row, the old one reverted), so there is none to replace, and the
benchmark checks that billsync's records are this script's.
"""

import csv
import sys
from decimal import ROUND_HALF_UP, Decimal

MICRO = Decimal("0.000001")


def main():
    src, out = sys.argv[1], sys.argv[2]
    groups = {}
    with open(src, newline="", encoding="utf-8") as f:
        r = csv.reader(f)
        head = next(r)
        col = {n: i for i, n in enumerate(head)}
        ili, inv, ts, qty, amt, cur, rev = (col[n] for n in (
            "line_item_id", "invoice_id", "timeframe_start", "quantity", "amount",
            "currency", "reverted_at"))
        for row in r:
            if row[rev]:
                continue
            day = row[ts][:10]
            key = (row[ili], row[inv], day[:7], row[cur].upper())
            g = groups.get(key)
            if g is None:
                groups[key] = [Decimal(row[amt]), Decimal(row[qty]), day, day, 1]
            else:
                g[0] += Decimal(row[amt])
                g[1] += Decimal(row[qty])
                g[2] = min(g[2], day)
                g[3] = max(g[3], day)
                g[4] += 1
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["OrbId__c", "Name", "OrbInvoice__r.OrbId__c",
                    "OrbInvoiceLineItemBilling__r.OrbId__c", "Month__c", "FirstDay__c",
                    "LastDay__c", "Amount__c", "Quantity__c", "Currency__c", "Days__c"])
        for (line, inv, month, cur), g in sorted(
                groups.items(), key=lambda kv: "-".join((kv[0][0], kv[0][2], kv[0][3]))):
            w.writerow(["%s-%s-%s" % (line, month, cur), ("%s %s" % (line, month))[:80], inv,
                        line, month, g[2], g[3], g[0].quantize(MICRO, ROUND_HALF_UP),
                        g[1].quantize(MICRO, ROUND_HALF_UP), cur, g[4]])
    print(len(groups))


if __name__ == "__main__":
    main()
