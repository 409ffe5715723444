"""sample_ledger.py - the credit ledger: one block of prepaid credits at a
time per customer, topped up when empty, and its edge cases."""
from datetime import timedelta
from decimal import Decimal

from sample_base import edge, new_id
from sample_text import add_months, any_ts, d, money, num, ts

ledger = []


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
