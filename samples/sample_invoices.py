"""sample_invoices.py - invoices, their lines and daily revenue rows,
built per customer in time order (make_samples.build calls them)."""
from datetime import timedelta
from decimal import Decimal

from sample_base import EXPORT_CUTOFF, SCALE, R, edge, new_id
from sample_cast import ITEMS, USAGE
from sample_text import add_months, any_ts, d, dlir_amount, money, num, rnd, ts

invoices, lines, dlir = [], [], []
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
