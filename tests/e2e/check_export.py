#!/usr/bin/env python3
"""check_export.py - checks a billing export directory: CSV shape, keys, references, grouping, sums.

    python3 tests/e2e/check_export.py [--brief] DIR

DIR holds the seven datasets as NAME.csv or NAME.csv.gz.  Prints one JSON
object: row counts, duplicate keys, the deliberately bad rows it recognised,
and the first problems found; with --brief, the same as lines of words for
shell scripts ("rows customers 12", "bad email 1", "problems 0", ...).
Exits 1 when there is any problem.  Column
lists come from samples/sample_base.py, the seeded Accounts from
tests/salesforce/schema.json.
"""
import csv
import gzip
import json
import os
import sys
from collections import Counter, defaultdict
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "samples"))
from sample_base import COLUMNS, SCALE  # noqa: E402

DATASETS = ["customers", "plans", "subscriptions", "invoices", "invoice_line_item_billing",
            "daily_line_item_revenue", "credit_ledger_entries"]
TIMESTAMPS = {"created_at", "updated_at", "deleted_at", "start_date", "end_date",
              "current_billing_period_start_date", "current_billing_period_end_date",
              "invoice_date", "due_date", "issued_at", "paid_at", "voided_at",
              "timeframe_start", "timeframe_end", "timestamp", "lock_adjusted_timestamp",
              "reverted_at", "credit_block_expiry_date", "new_block_expiry_date"}
MONEY = {"invoices": ["subtotal", "total", "amount_due"],
         "invoice_line_item_billing": ["subtotal", "adjusted_subtotal", "credits_applied",
                                       "partially_invoiced_amount", "amount", "tax_amount"]}
JSON_COLS = {"billing_address", "metadata", "discount", "minimum", "maximum", "product",
             "trial_config", "price_intervals"}
MAX_PROBLEMS = 25


class Report:
    def __init__(self):
        self.problems, self.count = [], 0

    def add(self, msg):
        self.count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(msg)


def open_dataset(d, name):
    for fn, opener in ((name + ".csv", open), (name + ".csv.gz", gzip.open)):
        path = os.path.join(d, fn)
        if os.path.exists(path):
            return fn, opener(path, "rt", encoding="utf-8-sig", newline="")
    return None, None


def read(d, name, rep):
    fn, f = open_dataset(d, name)
    if f is None:
        rep.add("%s: missing" % name)
        return []
    rows = []
    with f:
        reader = csv.reader(f, strict=True)
        header = next(reader, None)
        if header != COLUMNS[name]:
            rep.add("%s: header is %r" % (fn, header))
            return []
        for row in reader:
            if len(row) != len(header):
                rep.add("%s: record %d has %d fields, not %d"
                        % (fn, reader.line_num, len(row), len(header)))
                continue
            rows.append(dict(zip(header, row)))
    return rows


def is_ts(s):
    try:
        return datetime.fromisoformat(s).tzinfo is not None
    except ValueError:
        return False


def dec(s):
    try:
        return Decimal(s)
    except InvalidOperation:
        return None


def check(d):
    rep = Report()
    with open(os.path.join(ROOT, "tests", "salesforce", "schema.json"), encoding="utf-8") as f:
        accounts = {a["Id"] for a in json.load(f)["seed"]["Account"]}
    data = {n: read(d, n, rep) for n in DATASETS}
    out = {"rows": {n: len(r) for n, r in data.items()}, "duplicates": {}, "bad": Counter()}
    by_id = {}
    for n, rows in data.items():
        ids = Counter(r["id"] for r in rows)
        out["duplicates"][n] = sorted(k for k, v in ids.items() if v > 1)
        by_id[n] = {r["id"]: r for r in rows}   # the later row of a duplicate wins
    cust, subs, invs, lines = (by_id[n] for n in ("customers", "subscriptions", "invoices",
                                                   "invoice_line_item_billing"))
    bad_customers, bad_invoices = set(), set()

    for n, rows in data.items():
        for r in rows:
            for col, v in r.items():
                if not v:
                    continue
                if col in TIMESTAMPS and not is_ts(v):
                    if n == "invoices" and col == "invoice_date":
                        out["bad"]["invoice_date"] += 1
                        bad_invoices.add(r["id"])
                    else:
                        rep.add("%s %s: %s %r is not a timestamp" % (n, r["id"], col, v))
                elif col in JSON_COLS:
                    try:
                        json.loads(v)
                    except ValueError:
                        rep.add("%s %s: %s is not JSON" % (n, r["id"], col))
    for c in data["customers"]:
        if "@" not in c["email"]:
            out["bad"]["email"] += 1
            bad_customers.add(c["id"])
        acc = c["salesforce_account_id"]
        if acc and acc not in accounts:
            out["bad"]["account"] += 1
            bad_customers.add(c["id"])
    for s in data["subscriptions"]:
        c = cust.get(s["customer_id"])
        if c is None:
            rep.add("subscription %s: no customer %s" % (s["id"], s["customer_id"]))
        elif s["external_customer_id"] != c["external_customer_id"]:
            rep.add("subscription %s: external_customer_id differs from its customer" % s["id"])
        if s["plan_id"] not in by_id["plans"]:
            rep.add("subscription %s: no plan %s" % (s["id"], s["plan_id"]))
    for i in data["invoices"]:
        c = cust.get(i["customer_id"])
        if c is None:
            rep.add("invoice %s: no customer %s" % (i["id"], i["customer_id"]))
            continue
        if i["salesforce_account_id"] != c["salesforce_account_id"]:
            rep.add("invoice %s: salesforce_account_id differs from its customer" % i["id"])
        s = subs.get(i["subscription_id"]) if i["subscription_id"] else None
        if i["subscription_id"] and (s is None or s["customer_id"] != i["customer_id"]):
            rep.add("invoice %s: subscription %s missing or not its customer's"
                    % (i["id"], i["subscription_id"]))
        if i["currency"] not in SCALE:
            out["bad"]["currency"] += 1
            bad_invoices.add(i["id"])
    check_lines(data, invs, rep)
    check_dlir(data, lines, rep)
    check_ledger(data, cust, invs, rep)
    for name, col, bad in (("subscriptions", "customer_id", bad_customers),
                           ("invoices", "customer_id", bad_customers),
                           ("credit_ledger_entries", "customer_id", bad_customers),
                           ("invoice_line_item_billing", "invoice_id", bad_invoices)):
        for r in data[name]:
            if r[col] in bad:
                rep.add("%s %s: child of the bad row %s" % (name, r["id"], r[col]))
    out["bad"] = dict(out["bad"])
    out["problem_count"], out["problems"] = rep.count, rep.problems
    return out


def contiguous(rows, key, what, rep):
    """Rows with the same key must be adjacent."""
    seen, prev = set(), object()
    for r in rows:
        k = key(r)
        if k != prev:
            if k in seen:
                rep.add("%s %s: not grouped with the other rows of %s" % (what, r["id"], k))
            seen.add(k)
            prev = k


def check_lines(data, invs, rep):
    sums = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for ln in data["invoice_line_item_billing"]:
        inv = invs.get(ln["invoice_id"])
        if inv is None:
            rep.add("line %s: no invoice %s" % (ln["id"], ln["invoice_id"]))
            continue
        for col in ("customer_id", "subscription_id", "currency"):
            if ln[col] != inv[col]:
                rep.add("line %s: %s differs from its invoice's" % (ln["id"], col))
        if bool(ln["voided_at"]) != bool(inv["voided_at"]):
            rep.add("line %s: voided_at disagrees with its invoice" % ln["id"])
        scale = SCALE.get(ln["currency"])
        vals = {}
        for col in MONEY["invoice_line_item_billing"]:
            v = dec(ln[col])
            if v is None or (scale is not None and v.as_tuple().exponent != -scale):
                rep.add("line %s: %s %r is not money in %s" % (ln["id"], col, ln[col], ln["currency"]))
                v = Decimal(0)
            vals[col] = v
        if vals["amount"] != (vals["adjusted_subtotal"] - vals["credits_applied"]
                              - vals["partially_invoiced_amount"]):
            rep.add("line %s: amount is not adjusted - credits - partial" % ln["id"])
        sums[ln["invoice_id"]][0] += vals["subtotal"]
        sums[ln["invoice_id"]][1] += vals["amount"] + vals["tax_amount"]
    contiguous(data["invoice_line_item_billing"], lambda r: r["invoice_id"], "line", rep)
    for inv_id, (sub, tot) in sums.items():
        inv = invs.get(inv_id)
        if inv and (dec(inv["subtotal"]) != sub or dec(inv["total"]) != tot):
            rep.add("invoice %s: subtotal/total are not the sums of its lines" % inv_id)


def check_dlir(data, lines, rep):
    per_day = {}
    prev = {}
    for r in data["daily_line_item_revenue"]:
        ln = lines.get(r["line_item_id"])
        if ln is None:
            rep.add("dlir %s: no line %s" % (r["id"], r["line_item_id"]))
            continue
        for col in ("invoice_id", "customer_id", "subscription_id", "price_id", "item_id",
                    "currency"):
            if r[col] != ln[col]:
                rep.add("dlir %s: %s differs from its line's" % (r["id"], col))
        if dec(r["quantity"]) is None or dec(r["amount"]) is None:
            rep.add("dlir %s: quantity or amount is not a number" % r["id"])
            continue
        start = r["timeframe_start"]
        if start < prev.get(r["line_item_id"], ""):
            rep.add("dlir %s: days out of order within its line" % r["id"])
        prev[r["line_item_id"]] = start
        key = (r["line_item_id"], start)
        old = per_day.get(key)
        if old is None or old["reverted_at"] or not r["reverted_at"]:
            per_day[key] = r
    contiguous(data["daily_line_item_revenue"], lambda r: r["invoice_id"], "dlir", rep)
    contiguous(data["daily_line_item_revenue"], lambda r: r["line_item_id"], "dlir", rep)
    qty = defaultdict(Decimal)
    amount = defaultdict(Decimal)
    for (line_id, _), r in per_day.items():
        qty[line_id] += Decimal(r["quantity"])
        amount[line_id] += Decimal(r["amount"])
    for line_id, q in qty.items():
        ln = lines[line_id]
        scale = SCALE.get(ln["currency"], 2)
        sub = amount[line_id].quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)
        if dec(ln["quantity"]) != q or dec(ln["subtotal"]) != sub:
            rep.add("line %s: quantity/subtotal are not the sums of its daily rows (%s %s)"
                    % (line_id, q, sub))


def check_ledger(data, cust, invs, rep):
    seq = {}
    for e in data["credit_ledger_entries"]:
        if e["customer_id"] not in cust:
            rep.add("ledger %s: no customer %s" % (e["id"], e["customer_id"]))
        if e["invoice_id"]:
            inv = invs.get(e["invoice_id"])
            if inv is None or inv["customer_id"] != e["customer_id"]:
                rep.add("ledger %s: invoice %s missing or not its customer's"
                        % (e["id"], e["invoice_id"]))
        nums = [dec(e[c]) for c in ("amount", "starting_balance", "ending_balance")]
        if None in nums or nums[1] + nums[0] != nums[2]:
            rep.add("ledger %s: ending_balance is not starting_balance + amount" % e["id"])
        n = int(e["ledger_sequence_number"])
        if n != seq.get(e["customer_id"], 0) + 1:
            rep.add("ledger %s: sequence %d does not follow %d"
                    % (e["id"], n, seq.get(e["customer_id"], 0)))
        seq[e["customer_id"]] = n


def brief(result):
    for n, count in result["rows"].items():
        print("rows", n, count)
    for n, ids in result["duplicates"].items():
        print("duplicates", n, len(ids), *ids[:3])
    for kind, count in sorted(result["bad"].items()):
        print("bad", kind, count)
    for p in result["problems"]:
        print("problem", p.replace("\n", " "))
    print("problems", result["problem_count"])


if __name__ == "__main__":
    args = sys.argv[1:]
    short = args[:1] == ["--brief"]
    if short:
        args = args[1:]
    if len(args) != 1:
        sys.exit("usage: check_export.py [--brief] DIR")
    result = check(args[0])
    if short:
        brief(result)
    else:
        print(json.dumps(result, indent=1, ensure_ascii=False))
    sys.exit(1 if result["problem_count"] else 0)
