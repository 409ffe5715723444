#!/usr/bin/env python3
"""The benchmark's Python reference: mappings/daily_line_item_revenue.map done by hand.

    python3 tests/bench/ref_daily_revenue.py [--level N] daily_line_item_revenue.csv OUT.csv.gz

Written the way a competent Python user would write it with the standard library only:
csv.reader (columns looked up by header name once, not csv.DictReader), exact decimals
with the decimal module, datetime.fromisoformat, and gzip.open(OUT, "wt") at its default
level (9).  --level N (or REF_GZIP_LEVEL=N in the environment; the option wins) passes
compresslevel=N instead: the benchmark also runs it at 6, gzip's own default and the level
of its Miller and gzip -6 contenders.  Same columns in the same order and the same values
as billsync's converters give on this data:

- datetime: UTC, `YYYY-MM-DDTHH:MM:SS.sssZ`, fraction truncated to milliseconds; a value
  without an offset is UTC (the mapping's default tz);
- decimal(6): rounded half away from zero (decimal's ROUND_HALF_UP), plain notation,
  zero without a sign;
- upper on currency, truncate(80) on Name (the ids are ASCII, so a slice is exact);
- nulls = clear: an empty value becomes `#N/A`, except lookups (left empty) and the
  external id (an empty key rejects the row).

The mapping has no [filter] section, so nothing is filtered.  Unlike billsync it writes one
file, does not group rows by line item, does not drop duplicate ids and writes no origin
files or manifest.  Rows that cannot be converted are counted and skipped.
"""

import argparse
import csv
import gzip
import os
import sys
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

NA = "#N/A"
MICRO = Decimal("0.000001")


def text(v):
    return v if v else NA


def lookup(v):
    return v


def name(v):
    return v[:80] if v else NA


def upper(v):
    return v.upper() if v else NA


def decimal6(v):
    if not v:
        return NA
    d = Decimal(v)
    if not d.is_finite():
        raise ValueError("cannot read %r as a number" % v)
    q = d.quantize(MICRO, rounding=ROUND_HALF_UP)
    if q.is_zero():
        q = abs(q)
    return format(q, "f")


def utc_datetime(v):
    if not v:
        return NA
    t = datetime.fromisoformat(v)
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    return t.astimezone(timezone.utc).isoformat(timespec="milliseconds")[:-6] + "Z"


# Target field, source column, converter: the [fields] of the mapping, in order.
FIELDS = [
    ("OrbId__c", "id", None),
    ("Name", "id", name),
    ("OrbInvoice__r.OrbId__c", "invoice_id", lookup),
    ("OrbInvoiceLineItemBilling__r.OrbId__c", "line_item_id", lookup),
    ("OrbCustomer__r.OrbId__c", "customer_id", lookup),
    ("SubscriptionId__c", "subscription_id", text),
    ("PriceId__c", "price_id", text),
    ("ItemId__c", "item_id", text),
    ("TimeframeStart__c", "timeframe_start", utc_datetime),
    ("TimeframeEnd__c", "timeframe_end", utc_datetime),
    ("Quantity__c", "quantity", decimal6),
    ("Amount__c", "amount", decimal6),
    ("Currency__c", "currency", upper),
    ("RecognizedAt__c", "timestamp", utc_datetime),
    ("LockAdjustedAt__c", "lock_adjusted_timestamp", utc_datetime),
    ("RevertedAt__c", "reverted_at", utc_datetime),
    ("UpdatedAt__c", "updated_at", utc_datetime),
]


def main(argv):
    ap = argparse.ArgumentParser(description="the daily revenue mapping in plain Python")
    ap.add_argument("--level", type=int, choices=range(10),
                    default=os.environ.get("REF_GZIP_LEVEL") or "9",
                    help="gzip compresslevel (default 9, Python's; or REF_GZIP_LEVEL)")
    ap.add_argument("input")
    ap.add_argument("output")
    a = ap.parse_args(argv[1:])
    read = written = rejected = 0
    with open(a.input, newline="", encoding="utf-8-sig") as src, \
            gzip.open(a.output, "wt", compresslevel=a.level, newline="",
                      encoding="utf-8") as dst:
        rows = csv.reader(src)
        header = next(rows)
        plan = [(header.index(col), conv) for _, col, conv in FIELDS]
        key_at = plan[0][0]
        plan = plan[1:]
        out = csv.writer(dst, lineterminator="\n")
        out.writerow([field for field, _, _ in FIELDS])
        for row in rows:
            read += 1
            key = row[key_at]
            try:
                if not key:
                    raise ValueError("empty key")
                out.writerow([key] + [conv(row[i]) for i, conv in plan])
                written += 1
            except (ValueError, InvalidOperation, IndexError) as e:
                rejected += 1
                if rejected <= 10:
                    sys.stderr.write("line %d: %s\n" % (rows.line_num, e))
    sys.stderr.write("read %d, written %d, rejected %d\n" % (read, written, rejected))
    return 0 if not rejected else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
