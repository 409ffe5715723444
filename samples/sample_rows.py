"""sample_rows.py - the rows of customers.csv, plans.csv and
subscriptions.csv, and a customer as a JSON line."""
from datetime import timedelta

from sample_base import COLUMNS, EXPORT_CUTOFF, EXPORTED_AT, R
from sample_cast import PLANS, PRODUCT
from sample_text import add_months, any_ts, cjson, d, ts


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
