#!/usr/bin/env python3
"""make_samples.py - writes billsync's small sample billing export, deterministically.

    python3 samples/make_samples.py [--out DIR]

Writes the seven CSV datasets, billing-export.tar.gz (the same files at the
archive root) and jsonl/customers.jsonl into DIR (default: this script's
directory).  When DIR holds a README.md with the counts and edge-case markers,
what stands between them is rewritten from the rows and ids written here.  Standard library
only; the pseudo-random numbers come from a splitmix64 of our own, so the
output does not depend on the Python version.
"""
import argparse
import gzip
import io
import json
import os
import tarfile
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

UTC = timezone.utc
SEED = 20240701
SCALE = {"USD": 2, "EUR": 2, "JPY": 0, "BHD": 3}
EXPORT_CUTOFF = datetime(2024, 7, 1, tzinfo=UTC)   # last invoiced period end
EXPORTED_AT = datetime(2024, 7, 2, 0, 3, 11, tzinfo=UTC)
ACCOUNTS = ["001Hs00002abcdeIAA", "001Hs00002FgHiJIAV", "001Hs00002kLmNoIAK",
            "001Hs00002pQrStIAK", "001Hs00002uVwXyIAK"]
MISSING_ACCOUNT = "001Hs00002zZzZzIAK"   # well-formed, but no such Account
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

COLUMNS = {
    "customers": "id external_customer_id name email currency balance billing_address "
    "billing_country tax_id_type tax_id_value payment_provider payment_provider_id "
    "auto_collection timezone portal_url metadata salesforce_account_id created_at "
    "updated_at deleted_at",
    "plans": "id external_plan_id name description status invoicing_currency net_terms "
    "version default_invoice_memo discount minimum maximum product trial_config metadata "
    "created_at updated_at deleted_at",
    "subscriptions": "id customer_id external_customer_id plan_id status start_date end_date "
    "current_billing_period_start_date current_billing_period_end_date net_terms "
    "auto_collection default_invoice_memo metadata price_intervals created_at updated_at "
    "deleted_at",
    "invoices": "id invoice_number customer_id salesforce_account_id subscription_id status "
    "invoice_source currency subtotal total amount_due invoice_date due_date issued_at "
    "paid_at voided_at created_at updated_at memo hosted_invoice_url",
    "invoice_line_item_billing": "id invoice_id customer_id subscription_id price_id item_id "
    "name start_date end_date quantity subtotal adjusted_subtotal credits_applied "
    "partially_invoiced_amount amount tax_amount currency issued_at voided_at updated_at",
    "daily_line_item_revenue": "id invoice_id line_item_id customer_id subscription_id "
    "price_id item_id timeframe_start timeframe_end quantity amount currency timestamp "
    "lock_adjusted_timestamp reverted_at updated_at",
    "credit_ledger_entries": "id customer_id ledger_sequence_number entry_type entry_status "
    "amount starting_balance ending_balance currency credit_block_id "
    "credit_block_expiry_date credit_block_per_unit_cost_basis new_block_expiry_date "
    "void_amount void_reason invoice_id price_id description created_at",
}
COLUMNS = {k: v.split() for k, v in COLUMNS.items()}


class Rng:
    """splitmix64: tiny, fast enough, and identical on every Python."""

    def __init__(self, seed):
        self.s = seed & 0xFFFFFFFFFFFFFFFF

    def next(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
        return z ^ (z >> 31)

    def below(self, n):
        return self.next() % n

    def between(self, lo, hi):
        return lo + self.below(hi - lo + 1)

    def pick(self, seq):
        return seq[self.below(len(seq))]

    def chance(self, percent):
        return self.below(100) < percent


R = Rng(SEED)
_ids = set()


def new_id(prefix="", n=16):
    while True:
        s = prefix + "".join(B62[R.below(62)] for _ in range(n))
        if s not in _ids:
            _ids.add(s)
            return s


def ts(dt, style="Z"):
    """ISO 8601 in UTC ('Z' or '+00:00') or in Tokyo time ('+09:00')."""
    if dt is None:
        return None
    dt = dt.astimezone(UTC)
    if style == "+09:00":
        return (dt + timedelta(hours=9)).strftime("%Y-%m-%dT%H:%M:%S") + "+09:00"
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + ("Z" if style == "Z" else "+00:00")


def any_ts(dt):
    return ts(dt, "Z" if R.chance(70) else "+00:00")


def d(y, m, day, hh=0, mm=0, ss=0):
    return datetime(y, m, day, hh, mm, ss, tzinfo=UTC)


def add_months(dt, n):
    m = dt.month - 1 + n
    return dt.replace(year=dt.year + m // 12, month=m % 12 + 1)


def money(x, cur):
    q = Decimal(1).scaleb(-SCALE[cur])
    return str(Decimal(x).quantize(q, rounding=ROUND_HALF_UP))


def rnd(x, places):
    return Decimal(x).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def num(x):
    """A decimal as a JSON number would print it: no exponent, no trailing zeros."""
    s = format(Decimal(x), "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def dlir_amount(x, cur):
    """An exact daily amount: up to 6 decimals, at least the currency's scale."""
    s = format(rnd(x, 6), "f").rstrip("0")
    whole, frac = s.split(".")
    frac = frac.ljust(SCALE[cur], "0")
    return whole + ("." + frac if frac else "")


def cjson(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def csv_field(v):
    if v is None:
        return ""
    s = str(v)
    if any(c in s for c in ',"\r\n') or s != s.strip():
        return '"' + s.replace('"', '""') + '"'
    return s


def csv_bytes(name, rows, eol="\n", bom=False):
    cols = COLUMNS[name]
    out = [",".join(cols)]
    for r in rows:
        assert set(r) == set(cols), (name, set(r) ^ set(cols))
        out.append(",".join(csv_field(r[c]) for c in cols))
    data = (eol.join(out) + eol).encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if bom else data


# ---------------------------------------------------------------------------
# The cast: customers, plans, subscriptions.  Edge cases are named in EDGES.

EDGES = []   # (edge case, file, ids)


def edge(case, file, *ids):
    EDGES.append((case, file, ", ".join("`%s`" % i for i in ids)))


ITEMS = {k: new_id("item_") for k in ("platform", "seats", "support", "api", "storage",
                                      "services")}
PRODUCT = {"id": "prod_" + new_id(n=14), "name": "Billsync Cloud",
           "created_at": "2022-11-01T00:00:00Z"}


def plan(key, name, cur, ext, status, version, desc, memo, prices, **extra):
    p = {"key": key, "id": new_id("plan_"), "name": name, "cur": cur, "ext": ext,
         "status": status, "version": version, "desc": desc, "memo": memo}
    # price: (kind, item, display name, unit price)
    p["prices"] = [dict(kind=k, item=i, name=n, unit=Decimal(u), id=new_id("price_"))
                   for k, i, n, u in prices]
    p.update(extra)
    return p


PLANS = [
    plan("starter", "Starter", "USD", "starter-usd", "active", 3,
         "Self-serve tier: platform fee plus metered API calls and storage.",
         "Thank you for your business.",
         [("fixed", "platform", "Starter platform fee", "49.00"),
          ("usage", "api", "API calls", "0.0020"),
          ("usage", "storage", "Storage (GB-hours)", "0.000140")],
         trial=14, minimum="20.00"),
    plan("scale", 'Scale, annual "commit"', "USD", "scale-usd", "active", 7,
         "Scale tier for teams.\nIncludes premium support and 10 seats; usage billed in arrears.",
         "Net 30. Questions: billing@billsync.example",
         [("fixed", "platform", "Scale platform fee", "499.00"),
          ("fixed", "seats", "Seats", "20.00"),
          ("fixed", "support", "Premium support (included)", "0.00"),
          ("usage", "api", "API calls", "0.0015"),
          ("usage", "storage", "Storage (GB-hours)", "0.000120")],
         discount=Decimal("0.10")),
    plan("scale_eur", "Scale (EUR)", "EUR", "scale-eur", "active", 2,
         "Scale tier invoiced in euros; prix HT, TVA en sus.",
         "Merci pour votre confiance.",
         [("fixed", "platform", "Scale platform fee", "459.00"),
          ("fixed", "seats", "Seats", "18.00"),
          ("fixed", "support", "Premium support (included)", "0.00"),
          ("usage", "api", "API calls", "0.0014"),
          ("usage", "storage", "Storage (GB-hours)", "0.000110")]),
    plan("scale_jpy", "スケール (JPY)", "JPY", "scale-jpy", "active", 1,
         "円建てのスケールプラン", "ご利用ありがとうございます。",
         [("fixed", "platform", "プラットフォーム料金", "75000"),
          ("fixed", "seats", "Seats", "2800"),
          ("fixed", "support", "Premium support (included)", "0"),
          ("usage", "api", "API calls", "0.22"),
          ("usage", "storage", "Storage (GB-hours)", "0.018")],
         maximum="500000"),
]
PLAN = {p["key"]: p for p in PLANS}


def address(line1, city, state, postal, country, line2=None):
    return {"line1": line1, "line2": line2, "city": city, "state": state,
            "postal_code": postal, "country": country}


def customer(key, cid, name, email, cur, **kw):
    c = {"key": key, "id": cid or new_id(), "name": name, "email": email, "cur": cur}
    c.update(kw)
    return c


LONG_NAME = ("Consolidated Intergalactic Widgets & Sprockets Manufacturing Company "
             "of North America, Holdings LLC")
assert len(LONG_NAME) > 80
CUSTOMERS = [
    customer("acme", "Gq7cVz4TbR2wXk9L", "Acme, Inc.", "billing@acme.example", "USD",
             ext="acme-001", balance="-125.50", account=ACCOUNTS[0],
             addr=address("1 Main St", "Springfield", "IL", "62701", "US", "Suite 400"),
             tax=("us_ein", "12-3456789"), provider="stripe_invoice", auto=True,
             tz="America/Chicago", meta={"segment": "enterprise", "crm_owner": "jane.doe"},
             created=d(2023, 4, 1, 9, 15), updated=d(2024, 6, 1, 0, 3, 11), credits=True),
    customer("sg", "Kp2mWq8sYx4NvB7D", "Société Générale Test", "ap@sg.example", "EUR",
             ext=None, balance="0.00", account=None,
             addr=address("29 Boulevard Haussmann", "Paris", None, "75009", "FR"),
             tax=("eu_vat", "FR12345678901"), provider="stripe_charge", auto=True,
             tz="Europe/Paris", meta={"segment": "mid-market"},
             created=d(2023, 9, 12, 17, 2, 44), credits=True),
    customer("sample_kk", "Zt5rHn1cLq9PdF3J", "株式会社サンプル", "keiri@sample.example", "JPY",
             ext="jp-77", balance="0", account=ACCOUNTS[3],
             addr=address("千代田区丸の内1-1-1", "東京都", None, "100-0005", "JP"),
             tax=("jp_cn", "1234567890123"), provider=None, auto=False, tz="Asia/Tokyo",
             meta={"segment": "apac", "担当": "山田"}, created=d(2024, 1, 5, 0, 0),
             created_style="+09:00", deleted=d(2024, 7, 1, 12, 0), credits=True),
    customer("gulf", None, "Gulf Trading Co. W.L.L.", "finance@gulftrading.example", "BHD",
             ext="gulf-bh-01", balance="12.345", account=ACCOUNTS[1],
             addr=address("Building 1565, Road 1722", "Manama", None, "317", "BH"),
             tax=("bh_vat", "200000898300002"), provider="netsuite", auto=False,
             tz="Asia/Bahrain", meta={}, created=d(2023, 12, 3, 8, 30), credits=True),
    customer("long", None, LONG_NAME, "ap@ciwsm.example", "USD", ext="ciwsm-na-holdings",
             balance="0.00", account=ACCOUNTS[2],
             addr=address("4000 Industrial Pkwy", "Cleveland", "OH", "44135", "US"),
             tax=None, provider="quickbooks", auto=False, tz="America/New_York",
             meta={"segment": "enterprise", "parent": "CIWS Global"},
             created=d(2023, 10, 2, 14, 0), credits=True),
    customer("initech", None, 'Initech "Payments" Dept., Attn:\nBill Lumbergh',
             "ap@initech.example", "USD", ext="initech-ap", balance="0.00",
             account=ACCOUNTS[2],
             addr=address("4120 Freidrich Ln", "Austin", "TX", "78744", "US"),
             tax=("us_ein", "98-7654321"), provider="bill.com", auto=False,
             tz="America/Chicago", meta={"po_required": "true"},
             created=d(2024, 1, 20, 11, 45), credits=True),
    customer("stark", None, "Stark Industries", "ar@stark.example", "USD", ext="stark-001",
             balance="0.00", account=ACCOUNTS[4],
             addr=address("10880 Malibu Point", "Malibu", "CA", "90265", "US"),
             tax=("us_ein", "55-0000001"), provider="stripe_invoice", auto=True,
             tz="America/Los_Angeles", meta={"segment": "enterprise", "tier": "platinum"},
             created=d(2023, 11, 15, 16, 20), credits=True),
    customer("hooli", None, "Hooli, Inc.", "billing@hooli.example", "USD", ext="hooli-001",
             balance="0.00", account=None,
             addr=address("1401 N Shoreline Blvd", "Mountain View", "CA", "94043", "US"),
             tax=None, provider="stripe_invoice", auto=True, tz="America/Los_Angeles",
             meta={}, created=d(2023, 11, 20, 10, 0), credits=True),
    customer("globex", None, "Globex GmbH – Zweigniederlassung Zürich", "buchhaltung@globex.example",
             "EUR", ext="globex-de", balance="0.00", account=ACCOUNTS[1],
             addr=address("Bahnhofstraße 12", "Zürich", None, "8001", "CH"),
             tax=("ch_vat", "CHE-123.456.788 MWST"), provider="stripe_charge", auto=True,
             tz="Europe/Zurich", meta={"segment": "mid-market", "region": "DACH"},
             created=d(2023, 12, 1, 7, 30), updated=d(2024, 4, 18, 9, 12, 5), credits=True),
    customer("bad_email", None, "Dunder Mifflin Paper Co.", "not-an-email", "USD",
             ext="dunder-mifflin", balance="0.00", account=ACCOUNTS[2],
             addr=address("1725 Slough Ave", "Scranton", "PA", "18505", "US"),
             tax=None, provider=None, auto=False, tz="America/New_York", meta={},
             created=d(2024, 5, 2, 13, 0)),
    customer("bad_account", None, "Vandelay Industries", "kel@vandelay.example", "USD",
             ext="vandelay-imp-exp", balance="0.00", account=MISSING_ACCOUNT,
             addr=address("129 W 81st St", "New York", "NY", "10024", "US"),
             tax=None, provider="stripe_invoice", auto=True, tz="America/New_York",
             meta={}, created=d(2024, 5, 9, 15, 30)),
    customer("umbrella", None, "Umbrella KK", "seikyu@umbrella.example", "JPY",
             ext="umbrella-jp", balance="0", account=ACCOUNTS[3],
             addr=address("港区六本木6-10-1", "東京都", None, "106-6108", "JP"),
             tax=("jp_cn", "9876543210987"), provider="stripe_invoice", auto=True,
             tz="Asia/Tokyo", meta={"segment": "apac"}, created=d(2023, 12, 20, 3, 0),
             credits=True),
]
CUST = {c["key"]: c for c in CUSTOMERS}
assert len({c["id"] for c in CUSTOMERS}) == len(CUSTOMERS)

# Usage per day: base API calls and base storage GB-hours.
USAGE = {"acme": (42000, "1850.25"), "sg": (18000, "920.5"), "sample_kk": (65000, "3400.75"),
         "long": (9000, "410.125"), "initech": (4000, "88.5"), "stark": (250000, "12500.5"),
         "hooli": (15000, "640.0625"), "globex": (30000, "1500.5"), "umbrella": (52000, "2100.25")}


def sub(key, cust, plan_key, start, end=None, status="active", trial=False, memo=None):
    return {"key": key, "id": new_id("sub_"), "cust": CUST[cust], "plan": PLAN[plan_key],
            "start": start, "end": end, "status": status, "trial": trial, "memo": memo}


SUBS = [
    sub("acme_starter", "acme", "starter", d(2024, 1, 1), d(2024, 3, 1), "ended"),
    sub("acme_scale", "acme", "scale", d(2024, 3, 1)),
    sub("sg_scale", "sg", "scale_eur", d(2024, 1, 1), memo="Paiement à 30 jours, TVA incluse"),
    sub("sg_next", "sg", "scale_eur", d(2024, 9, 1), status="upcoming"),
    sub("kk_scale", "sample_kk", "scale_jpy", d(2024, 2, 1), d(2024, 7, 1), "ended",
        memo="お支払いは月末までにお願いします。"),
    sub("long_starter", "long", "starter", d(2024, 1, 1)),
    sub("initech_starter", "initech", "starter", d(2024, 2, 1), trial=True,
        memo="Please remit to:\nInitech AP, 4120 Freidrich Ln, Austin TX"),
    sub("stark_scale", "stark", "scale", d(2024, 1, 1), memo='PO 7781, "net 30"'),
    sub("stark_lab", "stark", "scale", d(2024, 8, 1), status="upcoming"),
    sub("hooli_starter", "hooli", "starter", d(2024, 4, 1)),
    sub("hooli_scale", "hooli", "scale", d(2024, 9, 1), status="upcoming"),
    sub("globex_scale", "globex", "scale_eur", d(2024, 1, 1)),
    sub("umbrella_old", "umbrella", "scale_jpy", d(2024, 1, 1), d(2024, 3, 1), "ended"),
    sub("umbrella_scale", "umbrella", "scale_jpy", d(2024, 3, 1)),
]
SUB = {s["key"]: s for s in SUBS}
TAX_RATE = {"sg": Decimal("0.20"), "globex": Decimal("0.081"), "gulf": Decimal("0.10"),
            "sample_kk": Decimal("0.10"), "umbrella": Decimal("0.10")}

# ---------------------------------------------------------------------------
# Invoices, lines and daily revenue, built per customer in time order.

invoices, lines, dlir, ledger = [], [], [], []
inv_seq = [41]


def next_number():
    inv_seq[0] += 1
    return "RFOBWG-%05d" % inv_seq[0]


def status_for(c, inv_date, issued):
    """Paid some days after issue for auto-collected customers; synced for the
    accounting-provider ones; issued when recent."""
    if inv_date >= d(2024, 7, 1):
        return "issued", None
    if c["provider"] in ("quickbooks", "netsuite") and inv_date < d(2024, 6, 1):
        return "synced", None
    if c["auto"] or inv_date < d(2024, 6, 1):
        return "paid", issued + timedelta(days=R.between(0, 12), minutes=R.between(5, 600))
    return "issued", None


def make_invoice(c, s, source, inv_date, created, issued, memo=None, status=None,
                 paid=None, voided=None, currency=None, date_text=None):
    cur = currency or c["cur"]
    if status is None:
        status, paid = status_for(c, inv_date, issued)
    style = "+09:00" if c["cur"] == "JPY" else None
    inv = {
        "id": new_id("inv_"), "invoice_number": next_number(), "customer_id": c["id"],
        "salesforce_account_id": c["account"], "subscription_id": s["id"] if s else None,
        "status": status, "invoice_source": source, "currency": cur,
        "invoice_date": date_text or ts(inv_date),
        "due_date": ts(inv_date + timedelta(days=30)),   # net 30 everywhere
        "issued_at": ts(issued, style) if style else any_ts(issued),
        "paid_at": any_ts(paid) if paid else None,
        "voided_at": ts(voided) if voided else None,
        "created_at": any_ts(created),
        "updated_at": ts(voided or paid or issued, "+00:00"),
        "memo": memo, "_lines": [], "_cust": c, "_issued": issued, "_voided": voided,
        "_date": inv_date,
    }
    inv["hosted_invoice_url"] = "https://portal.billing.example/invoices/" + inv["id"]
    invoices.append(inv)
    return inv


def add_line(inv, price, start, end, quantity, subtotal, adjusted=None, partial="0"):
    c, cur = inv["_cust"], inv["currency"]
    adjusted = subtotal if adjusted is None else adjusted
    line = {
        "id": new_id("ili_"), "invoice_id": inv["id"], "customer_id": c["id"],
        "subscription_id": inv["subscription_id"], "price_id": price["id"],
        "item_id": ITEMS[price["item"]], "name": price["name"],
        "start_date": ts(start), "end_date": ts(end), "quantity": quantity,
        "_subtotal": Decimal(subtotal), "_adjusted": Decimal(adjusted),
        "_credits": Decimal(0), "_partial": Decimal(partial), "_price": price,
        "currency": cur, "issued_at": ts(inv["_issued"]),
        "voided_at": ts(inv["_voided"]) if inv["_voided"] else None,
        "updated_at": ts(inv["_voided"] or inv["_issued"], "+00:00"),
    }
    inv["_lines"].append(line)
    return line


def finish_invoice(inv, tax_rate):
    cur = inv["currency"]
    subtotal = total = Decimal(0)
    for ln in inv["_lines"]:
        amount = ln["_adjusted"] - ln["_credits"] - ln["_partial"]
        tax = rnd(amount * tax_rate, SCALE[cur])
        ln.update(subtotal=money(ln["_subtotal"], cur), adjusted_subtotal=money(ln["_adjusted"], cur),
                  credits_applied=money(ln["_credits"], cur),
                  partially_invoiced_amount=money(ln["_partial"], cur),
                  amount=money(amount, cur), tax_amount=money(tax, cur))
        subtotal += ln["_subtotal"]
        total += amount + tax
        lines.append({k: v for k, v in ln.items() if not k.startswith("_")})
    inv.update(subtotal=money(subtotal, cur), total=money(total, cur), amount_due=money(total, cur))


def daily_usage(c, item, day_index, day):
    api, storage = USAGE[c["key"]]
    if item == "api":
        weekend = day.weekday() >= 5
        factor = Decimal(R.between(60, 140)) / 100 * (Decimal("0.4") if weekend else 1)
        return Decimal(int(api * factor))
    growth = Decimal(1) + Decimal(day_index) / 400
    noise = Decimal(R.between(0, 9999999)) / Decimal(10 ** 7)
    return rnd(Decimal(storage) * growth + noise, 7)


def usage_line(inv, s, price, start, end, special):
    """A metered line and its daily revenue rows; returns the line."""
    c, cur = inv["_cust"], inv["currency"]
    line = add_line(inv, price, start, end, None, 0)
    qty_total, amount_total = Decimal(0), Decimal(0)
    day = start
    while day < end:
        nxt = day + timedelta(days=1)
        q = daily_usage(c, price["item"], (day - s["start"]).days, day)
        qtext, stamp, old = num(q), None, None
        actions = special.get((price["item"], day.date().isoformat()), [])
        for kind, payload in actions:
            if kind == "quantity":
                q, qtext = Decimal(payload), payload
            else:   # "revert": this row is reverted, a replacement follows
                old = dlir_row(inv, line, s, price, day, nxt, q, qtext, reverted=payload)
                q, stamp = rnd(q * Decimal("0.8"), 7), payload
                qtext = num(q)
        row = dlir_row(inv, line, s, price, day, nxt, q, qtext, stamp=stamp)
        if old:
            edge("reverted daily revenue row, then its replacement",
                 "daily_line_item_revenue.csv", old["id"], row["id"])
        elif actions:
            edge("quantity written with an exponent (%s)" % qtext if "e" in qtext
                 else "usage quantity with 7 decimals (%s)" % qtext,
                 "daily_line_item_revenue.csv", row["id"])
        qty_total += q
        amount_total += q * price["unit"]
        day = nxt
    line["quantity"] = num(qty_total)
    line["_subtotal"] = line["_adjusted"] = rnd(amount_total, SCALE[cur])
    return line


def dlir_row(inv, line, s, price, start, end, q, qtext, reverted=None, stamp=None):
    cur = inv["currency"]
    recognized = stamp or (end + timedelta(minutes=R.between(3, 59)))
    locked = recognized
    if recognized < d(2024, 2, 1):   # January is a locked accounting period
        locked = d(2024, 2, 5, 12)
    row = {"id": new_id("dlir_"), "invoice_id": inv["id"], "line_item_id": line["id"],
           "customer_id": inv["customer_id"], "subscription_id": s["id"],
           "price_id": price["id"], "item_id": ITEMS[price["item"]],
           "timeframe_start": ts(start), "timeframe_end": ts(end), "quantity": qtext,
           "amount": dlir_amount(q * price["unit"], cur), "currency": cur,
           "timestamp": any_ts(recognized), "lock_adjusted_timestamp": ts(locked),
           "reverted_at": ts(reverted) if reverted else None,
           "updated_at": ts(reverted or recognized, "+00:00")}
    dlir.append(row)
    return row


SPECIAL = {   # (subscription, item, day) -> [(kind, payload)]
    ("stark_scale", "storage", "2024-02-14"): [("quantity", "1234.5678912")],
    ("initech_starter", "storage", "2024-03-03"): [("quantity", "1.5e-7")],
    ("acme_scale", "api", "2024-04-10"): [("revert", d(2024, 4, 22, 16, 40, 2))],
}


def subscription_invoices(s):
    c, p = s["cust"], s["plan"]
    start, stop = s["start"], min(s["end"] or EXPORT_CUTOFF, EXPORT_CUTOFF)
    special = {k[1:]: v for k, v in SPECIAL.items() if k[0] == s["key"]}
    out = []
    n = 0
    while start < stop:
        end = add_months(start, 1)
        issued = end + timedelta(hours=6, seconds=R.between(0, 59))
        memo = s["memo"] or p["memo"]
        inv = make_invoice(c, s, "subscription", end, start, issued, memo=memo)
        trial = s["trial"] and n == 0
        for price in p["prices"]:
            if trial:
                if price["item"] == "platform":
                    add_line(inv, price, start, end, "1", 0)
                continue
            if price["kind"] == "fixed":
                qty = 10 if price["item"] == "seats" else 1
                sub_total = price["unit"] * qty
                adjusted = sub_total
                if p.get("discount") and price["item"] == "platform":
                    adjusted = sub_total * (1 - p["discount"])
                add_line(inv, price, start, end, str(qty), sub_total, adjusted)
            else:
                usage_line(inv, s, price, start, end, special)
        if trial:
            edge("$0 invoice (trial month) and its $0 line", "invoices.csv", inv["id"])
        out.append(inv)
        start, n = end, n + 1
    return out


def one_off(c, name, item, amount, inv_date, created, issued, **kw):
    inv = make_invoice(c, None, "one_off", inv_date, created, issued, **kw)
    price = {"id": new_id("price_"), "item": item, "name": name}
    add_line(inv, price, inv_date, inv_date, "1", Decimal(amount))
    return inv


# ---------------------------------------------------------------------------
# Credit ledger: one block at a time per customer, topped up when empty.

def ledger_entry(c, state, etype, amount, when, **kw):
    start = state["balance"]
    state["seq"] += 1
    e = {"id": new_id("le_"), "customer_id": c["id"], "ledger_sequence_number": state["seq"],
         "entry_type": etype, "entry_status": "committed", "amount": num(amount),
         "starting_balance": num(start), "ending_balance": num(start + amount),
         "currency": "credits", "credit_block_id": state["block"],
         "credit_block_expiry_date": ts(state["expiry"]),
         "credit_block_per_unit_cost_basis": state["basis"], "new_block_expiry_date": None,
         "void_amount": None, "void_reason": None, "invoice_id": None, "price_id": None,
         "description": None, "created_at": any_ts(when)}
    e.update(kw)
    state["balance"] = start + amount
    ledger.append(e)
    return e


def top_up(c, state, when, amount):
    state["block"] = new_id("blk_")
    state["expiry"] = add_months(when.replace(hour=0, minute=0, second=0), 12)
    state["basis"] = money(Decimal("0.9") if amount >= 10000 else 1, c["cur"])
    return ledger_entry(c, state, "increment", Decimal(amount), when,
                        description="Prepaid credits purchase")


def apply_credits(c, state, inv, block_size):
    """Draws the invoice's metered lines from the customer's credits."""
    when = inv["_issued"] - timedelta(hours=5)
    for ln in inv["_lines"]:
        due = ln["_adjusted"] - ln["_partial"]
        if ln["_price"]["kind"] != "usage" or due <= 0:
            continue
        if state["balance"] <= 0:
            top_up(c, state, when - timedelta(minutes=30), block_size)
        used = min(state["balance"], due)
        ln["_credits"] = used
        ledger_entry(c, state, "decrement", -used, when, invoice_id=inv["id"],
                     price_id=ln["price_id"], description="Usage: " + ln["name"])
        when += timedelta(seconds=7)


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


def ledger_extras(c, state):
    """The ledger edge cases: expiration_change with amount 0, voids, expiry, amendment."""
    k = c["key"]
    if state["block"] is None:
        top_up(c, state, c["created"] + timedelta(days=30), 500)
    if k == "acme":
        e = ledger_entry(c, state, "expiration_change", Decimal(0), d(2024, 6, 15, 10),
                         new_block_expiry_date=ts(d(2025, 12, 31)),
                         description="Expiry extended by account manager")
        edge("expiration_change with amount 0", "credit_ledger_entries.csv", e["id"])
        neg = next(x for x in ledger if x["customer_id"] == c["id"] and x["entry_type"] == "decrement")
        edge("negative decrement", "credit_ledger_entries.csv", neg["id"])
    if k == "stark":
        amt = state["balance"]
        ledger_entry(c, state, "void_initiated", -amt, d(2024, 6, 25, 9),
                     new_block_expiry_date=ts(d(2024, 6, 25, 9)), void_amount=num(amt),
                     void_reason="refund", description="Refund requested")
        e = ledger_entry(c, state, "void", Decimal(0), d(2024, 6, 26, 9), void_amount=num(amt),
                         void_reason="refund", description="Refund completed")
        edge("void_initiated followed by void", "credit_ledger_entries.csv", ledger[-2]["id"], e["id"])
        top_up(c, state, d(2024, 6, 27, 9), 12000)
    if k == "globex":
        e = ledger_entry(c, state, "amendment", Decimal("-12.5"), d(2024, 5, 3, 8),
                         description="Correction: duplicate usage event")
    if k == "sample_kk":
        ledger_entry(c, state, "credit_block_expiry", -state["balance"], d(2024, 7, 1, 12),
                     description="Credits expired on account closure")
    if k == "gulf":
        ledger_entry(c, state, "decrement", Decimal("-250.75"), d(2024, 6, 20, 16),
                     description="Support hours drawn down")


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


def customer_row(c):
    tax = c["tax"] or (None, None)
    return {
        "id": c["id"], "external_customer_id": c["ext"], "name": c["name"], "email": c["email"],
        "currency": c["cur"], "balance": c["balance"], "billing_address": cjson(c["addr"]),
        "billing_country": c["addr"]["country"], "tax_id_type": tax[0], "tax_id_value": tax[1],
        "payment_provider": c["provider"],
        "payment_provider_id": ("cus_" + c["id"][:14]) if c["provider"] else None,
        "auto_collection": "true" if c["auto"] else "false", "timezone": c["tz"],
        "portal_url": "https://portal.billing.example/customers/" + c["id"],
        "metadata": cjson(c["meta"]), "salesforce_account_id": c["account"],
        "created_at": ts(c["created"], c.get("created_style", "Z")),
        "updated_at": ts(c.get("updated") or c["created"], "+00:00"),
        "deleted_at": ts(c["deleted"]) if c.get("deleted") else None,
    }


def customer_json(row, c):
    """The customer as one JSON line, nested the way the billing API returns it."""
    parts = []
    for col in COLUMNS["customers"]:
        if col in ("tax_id_type", "tax_id_value"):
            if col == "tax_id_type":
                tax = {"type": c["tax"][0], "value": c["tax"][1]} if c["tax"] else None
                parts.append('"tax_id":' + cjson(tax))
            continue
        v = row[col]
        if col in ("billing_address", "metadata"):
            text = v
        elif col == "balance":
            text = v   # a JSON number, written with the currency's scale
        elif col == "auto_collection":
            text = v   # true / false
        else:
            text = cjson(v)
        parts.append(cjson(col) + ":" + text)
    return "{" + ",".join(parts) + "}"


def plan_row(p):
    price_ids = lambda item: [x["id"] for x in p["prices"] if x["item"] == item]
    return {
        "id": p["id"], "external_plan_id": p["ext"], "name": p["name"], "description": p["desc"],
        "status": p["status"], "invoicing_currency": p["cur"], "net_terms": 30,
        "version": p["version"], "default_invoice_memo": p["memo"],
        "discount": cjson({"discount_type": "percentage", "percentage_discount": float(p["discount"]),
                           "applies_to_price_ids": price_ids("platform"),
                           "reason": "Launch partner"}) if p.get("discount") else None,
        "minimum": cjson({"minimum_amount": p["minimum"], "applies_to_price_ids": price_ids("api")})
        if p.get("minimum") else None,
        "maximum": cjson({"maximum_amount": p["maximum"], "applies_to_price_ids": price_ids("api")})
        if p.get("maximum") else None,
        "product": cjson(PRODUCT),
        "trial_config": cjson({"trial_period": p.get("trial"), "trial_period_unit": "days"}),
        "metadata": cjson({"tier": p["key"].split("_")[0]}),
        "created_at": ts(d(2022, 11, 1) + timedelta(days=40 * PLANS.index(p))),
        "updated_at": ts(d(2024, 1, 2, 8) + timedelta(days=9 * PLANS.index(p)), "+00:00"),
        "deleted_at": None,
    }


def subscription_row(s):
    c, p = s["cust"], s["plan"]
    stop = min(s["end"] or EXPORT_CUTOFF, EXPORT_CUTOFF)
    if s["status"] == "upcoming":
        cur_start = cur_end = None
    elif s["status"] == "ended":
        cur_start, cur_end = None, None
    else:
        cur_start = stop
        cur_end = add_months(stop, 1)
    intervals = [{"id": "pi_" + x["id"][6:], "price": {"id": x["id"], "name": x["name"]},
                  "start_date": ts(s["start"]), "end_date": ts(s["end"]) if s["end"] else None,
                  "fixed_fee_quantity_transitions": []} for x in p["prices"]]
    created = max(c["created"], s["start"] - timedelta(days=R.between(3, 20)))
    return {
        "id": s["id"], "customer_id": c["id"], "external_customer_id": c["ext"], "plan_id": p["id"],
        "status": s["status"], "start_date": ts(s["start"]), "end_date": ts(s["end"]) if s["end"] else None,
        "current_billing_period_start_date": ts(cur_start) if cur_start else None,
        "current_billing_period_end_date": ts(cur_end) if cur_end else None,
        "net_terms": 30, "auto_collection": "true" if c["auto"] else "false",
        "default_invoice_memo": s["memo"], "metadata": cjson({"source": "sales"} if s["memo"] else {}),
        "price_intervals": cjson(intervals), "created_at": any_ts(created),
        "updated_at": ts(max(created, min(stop, EXPORTED_AT)), "+00:00"),
        "deleted_at": None,
    }


def readme_table():
    order = ["customers", "plans", "subscriptions", "invoices.csv", "invoice_line", "daily",
             "credit"]
    rank = lambda e: next(i for i, o in enumerate(order) if e[1].startswith(o))
    out = ["| edge case | file | ids |", "|---|---|---|"]
    for case, file, ids in sorted(EDGES, key=rank):
        out.append("| %s | %s | %s |" % (case.replace("|", "\\|"), file, ids))
    return "\n".join(out)


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


def replace_block(text, name, body):
    """text with what stands between <!-- name:begin --> and <!-- name:end --> replaced."""
    begin, end = "<!-- %s:begin -->" % name, "<!-- %s:end -->" % name
    if begin not in text or end not in text:
        return text
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return head + begin + "\n" + body + "\n" + end + tail


def update_readme(path, bad, counts, distinct_invoices):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    ncust, nplans, nsubs, ninv, nlines, ndlir, nledger = counts
    words = {4: "four", 12: "Twelve", 14: "fourteen"}
    repeated = ninv - distinct_invoices
    text = replace_block(text, "counts", (
        "%s customers, %s plans, %s subscriptions, %d invoices\n(%d rows: %s), %d invoice "
        "lines, {:,} daily revenue rows and\n%d credit ledger entries, billed monthly from "
        "January to July 2024.").format(ndlir) % (
        words.get(ncust, str(ncust)), words.get(nplans, str(nplans)),
        words.get(nsubs, str(nsubs)), distinct_invoices, ninv,
        "one is repeated" if repeated == 1 else "%d are repeated" % repeated,
        nlines, nledger))
    bad_table = "\n".join([
        "| bad row | file | id | must produce |", "|---|---|---|---|",
        "| impossible invoice_date `2024-02-30T00:00:00Z` | invoices.csv | `%s` | billsync rejects it "
        "(conversion: not a date) |" % bad[0]["id"],
        "| unknown currency `ZZZ` | invoices.csv | `%s` | billsync rejects it (conversion: not an "
        "ISO 4217 code) |" % bad[1]["id"],
        "| email `not-an-email` | customers.csv | `%s` | Salesforce fails it: "
        "`INVALID_EMAIL_ADDRESS` |" % CUST["bad_email"]["id"],
        "| salesforce_account_id `%s` (no such Account) | customers.csv | `%s` | Salesforce fails it: "
        "`INVALID_CROSS_REFERENCE_KEY` |" % (MISSING_ACCOUNT, CUST["bad_account"]["id"]),
    ])
    text = replace_block(text, "edge-cases", readme_table() + "\n\n" + bad_table)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
