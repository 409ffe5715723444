#!/usr/bin/env python3
"""make_samples.py - writes billsync's small sample billing export, deterministically.

    python3 samples/make_samples.py [--out DIR]

Writes the seven CSV datasets, billing-export.tar.gz (the same files at the
archive root) and jsonl/customers.jsonl into DIR (default: this script's
directory).  When DIR holds a README.md with the counts and edge-case markers,
what stands between them is rewritten from the rows and ids written here.  Standard library
only; the pseudo-random numbers come from a splitmix64 of our own, so the
output does not depend on the Python version.

This file builds the export and writes it; its parts are sample_base.py
(fixed points, columns, random numbers, ids, the edge-case list),
sample_text.py (how values are written), sample_cast.py (plans, customers,
subscriptions), sample_invoices.py (invoices, lines, daily revenue),
sample_ledger.py (credits), sample_rows.py (the customer, plan and
subscription rows) and sample_readme.py (the README's generated blocks).
"""
import argparse
import gzip
import io
import os
import tarfile
from datetime import timedelta
from decimal import Decimal

from sample_base import SEED, R, edge, new_id
from sample_cast import CUST, CUSTOMERS, LONG_NAME, PLAN, PLANS, SUB, SUBS, TAX_RATE
from sample_invoices import (add_line, dlir, finish_invoice, invoices, lines, make_invoice,
                             one_off, subscription_invoices)
from sample_ledger import apply_credits, ledger, ledger_extras
from sample_readme import update_readme
from sample_rows import customer_json, customer_row, plan_row, subscription_row
from sample_text import csv_bytes, d, num, ts


def build():
    blocks = {"acme": 1500, "sg": 700, "sample_kk": 180000, "gulf": 800, "long": 150,
              "initech": 60, "stark": 12000, "hooli": 120, "globex": 1000, "umbrella": 90000}
    for c in CUSTOMERS:
        c_invoices = []
        for s in SUBS:
            if s["cust"] is c and s["status"] != "upcoming":
                c_invoices += subscription_invoices(s)
        if c["key"] == "acme":
            v = one_off(c, "Onboarding workshop, 2 sessions", "services", "1500.00",
                        d(2024, 2, 10), d(2024, 2, 9, 17), d(2024, 2, 10, 9, 30),
                        status="void", voided=d(2024, 2, 12, 11, 5), memo='PO 7781, "net 30"')
            add_line(v, {"id": new_id("price_"), "item": "services",
                         "name": "Travel & expenses"}, d(2024, 2, 10), d(2024, 2, 10), "1",
                     Decimal("312.40"))
            c_invoices.append(v)
            edge("voided invoice (status void, voided_at)", "invoices.csv", v["id"])
            edge("lines of the voided invoice, with voided_at", "invoice_line_item_billing.csv",
                 *[ln["id"] for ln in v["_lines"]])
        if c["key"] == "gulf":
            for name, amt, when, st in (("Annual support retainer", "1200.000", d(2024, 1, 15), "synced"),
                                        ("Training workshop (2 days)", "450.500", d(2024, 4, 2), "synced"),
                                        ("Hardware pass-through", "37.125", d(2024, 6, 20), "issued")):
                c_invoices.append(one_off(c, name, "services", amt, when, when - timedelta(hours=3),
                                          when + timedelta(hours=1), status=st))
            edge("BHD customer (3 decimals) with invoices", "customers.csv / invoices.csv", c["id"],
                 c_invoices[0]["id"])
        if c["key"] == "stark":
            impl = one_off(c, "Implementation services", "services", "8500.00", d(2024, 2, 20),
                           d(2024, 2, 19, 10), d(2024, 2, 20, 10), memo='PO 7781, "net 30"')
            api = next(p for p in SUB["stark_scale"]["plan"]["prices"] if p["item"] == "api")
            part = make_invoice(c, SUB["stark_scale"], "partial", d(2024, 3, 16), d(2024, 3, 16),
                                d(2024, 3, 16, 0, 5), memo="Usage threshold reached (1,000.00 USD)")
            add_line(part, api, d(2024, 3, 1), d(2024, 3, 16), "666666", Decimal("1000.00"))
            march = next(i for i in c_invoices if i["_date"] == d(2024, 4, 1))
            next(ln for ln in march["_lines"] if ln["_price"] is api)["_partial"] = Decimal("1000.00")
            edge("partial (threshold) invoice; the March line carries partially_invoiced_amount",
                 "invoices.csv", part["id"], march["id"])
            c_invoices += [impl, part]
        if c["key"] == "hooli":
            trap = one_off(c, "Custom integration work", "services", "2400.00", d(2024, 1, 31),
                           d(2024, 1, 12, 10, 20), d(2024, 6, 20, 15, 0),
                           memo="Held for approval; issued in June")
            edge("invoice issued long after it was created (watermark trap)", "invoices.csv",
                 trap["id"])
            c_invoices.append(trap)
        c_invoices.sort(key=lambda i: (i["_date"], i["invoice_number"]))
        if c.get("credits"):
            state = {"seq": 0, "balance": Decimal(0), "block": None, "expiry": None, "basis": None}
            for inv in c_invoices:
                if inv["status"] != "void" and inv["subscription_id"]:
                    apply_credits(c, state, inv, blocks[c["key"]])
            ledger_extras(c, state)
        for inv in c_invoices:
            finish_invoice(inv, TAX_RATE.get(c["key"], Decimal(0)))
    bad_rows()


def bad_rows():
    acme, stark = CUST["acme"], CUST["stark"]
    bad_date = make_invoice(acme, None, "one_off", d(2024, 2, 28), d(2024, 2, 27), d(2024, 2, 28, 9),
                            status="issued", date_text="2024-02-30T00:00:00Z",
                            memo="Bad row: impossible invoice_date")
    bad_cur = make_invoice(stark, None, "one_off", d(2024, 5, 5), d(2024, 5, 4), d(2024, 5, 5, 9),
                           status="issued", currency="ZZZ", memo="Bad row: unknown currency")
    for inv in (bad_date, bad_cur):
        inv.update(subtotal="100.00", total="100.00", amount_due="100.00")
    # The later copy of an invoice, paid since the first row was written.
    first = next(i for i in invoices if i["customer_id"] == stark["id"]
                 and i["_date"] == d(2024, 6, 1) and i["invoice_source"] == "subscription")
    first.update(status="issued", paid_at=None, updated_at=ts(first["_issued"], "+00:00"))
    again = dict(first, status="paid", paid_at=ts(d(2024, 6, 20, 14, 31)),
                 updated_at=ts(d(2024, 6, 20, 14, 31), "+00:00"))
    invoices.append(again)
    edge("duplicate row for one key: issued, then a later row paid", "invoices.csv", first["id"])
    # Rows the shipped mappings' filters leave out.  Their ids come from a
    # side stream, so every other row stays as it was before they existed.
    saved = R.s
    R.s = SEED ^ 0x5EED0F11
    draft = make_invoice(acme, None, "one_off", d(2024, 7, 20), d(2024, 7, 20),
                         d(2024, 7, 20, 9), status="draft", memo="Draft: still being edited")
    draft.update(subtotal="250.00", total="250.00", amount_due="250.00", issued_at=None)
    edge("draft invoice (the invoice mapping's `drafts` filter skips it)", "invoices.csv",
         draft["id"])
    last = max((e for e in ledger if e["customer_id"] == acme["id"]),
               key=lambda e: e["ledger_sequence_number"])
    pending = dict(last, id=new_id("le_"), ledger_sequence_number=last["ledger_sequence_number"] + 1,
                   entry_type="increment", entry_status="pending", amount=num(Decimal(500)),
                   starting_balance=last["ending_balance"],
                   ending_balance=num(Decimal(last["ending_balance"]) + 500),
                   invoice_id=None, price_id=None, new_block_expiry_date=None,
                   void_amount=None, void_reason=None,
                   description="Top-up awaiting payment", created_at=ts(d(2024, 7, 30, 9)))
    ledger.append(pending)
    edge("pending ledger entry (the ledger mapping's `pending` filter skips it)",
         "credit_ledger_entries.csv", pending["id"])
    R.s = saved
    return bad_date, bad_cur


def customer_edges():
    cid = lambda k: CUST[k]["id"]
    edge("USD customer with invoices", "customers.csv", cid("acme"))
    edge("EUR customer with invoices", "customers.csv", cid("sg"), cid("globex"))
    edge("JPY customer with invoices (issued_at in +09:00)", "customers.csv", cid("umbrella"),
         cid("sample_kk"))
    edge("no external_customer_id", "customers.csv", cid("sg"))
    edge("no salesforce_account_id", "customers.csv", cid("sg"), cid("hooli"))
    edge("soft-deleted customer (deleted_at); created_at in +09:00", "customers.csv", cid("sample_kk"))
    edge("names with non-ASCII (Société Générale, 株式会社サンプル, Zürich)", "customers.csv", cid("sg"), cid("sample_kk"),
         cid("globex"))
    edge("name with comma, double quotes and an embedded newline", "customers.csv", cid("initech"))
    edge("name longer than 80 characters (%d)" % len(LONG_NAME), "customers.csv", cid("long"))
    edge("customer edited after creation (updated_at months later)", "customers.csv", cid("acme"),
         cid("globex"))
    edge("$0 line (premium support included) on every Scale invoice", "invoice_line_item_billing.csv",
         next(ln["id"] for ln in lines if ln["amount"] in ("0.00", "0") and ln["name"].startswith("Premium")))
    edge("memo with comma and quotes; memo with a newline; memo in Japanese", "invoices.csv",
         next(i["id"] for i in invoices if i["memo"] == 'PO 7781, "net 30"'),
         next(i["id"] for i in invoices if i["memo"] and "\n" in i["memo"]),
         next(i["id"] for i in invoices if i["memo"] and i["memo"].startswith("お支払い")))
    edge("CRLF line ends (an embedded LF inside a quoted description)", "plans.csv",
         PLAN["scale"]["id"])
    edge("file starts with a UTF-8 byte order mark", "subscriptions.csv", SUBS[0]["id"])
    edge("upcoming subscriptions (no invoices yet)", "subscriptions.csv",
         *[s["id"] for s in SUBS if s["status"] == "upcoming"])
    edge("January rows recognised in a locked period: lock_adjusted_timestamp after timestamp",
         "daily_line_item_revenue.csv", dlir[0]["id"])


def main():
    ap = argparse.ArgumentParser(description="write billsync's sample billing export")
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    args = ap.parse_args()
    build()
    customer_edges()
    bad = [i for i in invoices if i["memo"] and i["memo"].startswith("Bad row")]

    cust_rows = [customer_row(c) for c in CUSTOMERS]
    inv_rows = [{k: v for k, v in i.items() if not k.startswith("_")} for i in invoices]
    files = {
        "customers.csv": csv_bytes("customers", cust_rows),
        "plans.csv": csv_bytes("plans", [plan_row(p) for p in PLANS], eol="\r\n"),
        "subscriptions.csv": csv_bytes("subscriptions", [subscription_row(s) for s in SUBS], bom=True),
        "invoices.csv": csv_bytes("invoices", inv_rows),
        "invoice_line_item_billing.csv": csv_bytes("invoice_line_item_billing", lines),
        "daily_line_item_revenue.csv": csv_bytes("daily_line_item_revenue", dlir),
        "credit_ledger_entries.csv": csv_bytes("credit_ledger_entries", ledger),
    }
    os.makedirs(os.path.join(args.out, "jsonl"), exist_ok=True)
    for name, data in files.items():
        with open(os.path.join(args.out, name), "wb") as f:
            f.write(data)
    with open(os.path.join(args.out, "jsonl", "customers.jsonl"), "wb") as f:
        for row, c in zip(cust_rows, CUSTOMERS):
            f.write((customer_json(row, c) + "\n").encode("utf-8"))
    write_archive(os.path.join(args.out, "billing-export.tar.gz"), files)

    counts = [len(cust_rows), len(PLANS), len(SUBS), len(inv_rows), len(lines), len(dlir),
              len(ledger)]
    readme = os.path.join(args.out, "README.md")
    if os.path.exists(readme):
        update_readme(readme, bad, counts, len({i["id"] for i in inv_rows}))
    for name, n in zip(files, counts):
        print("%-32s %6d rows" % (name, n))


def write_archive(path, files):
    """A reproducible .tar.gz: fixed mtimes and owners, no name in the gzip header."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 1719792000, 0o644
            info.uname = info.gname = "billing"
            tar.addfile(info, io.BytesIO(data))
    with open(path, "wb") as f:
        with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=1719792000) as gz:
            gz.write(raw.getvalue())


if __name__ == "__main__":
    main()
