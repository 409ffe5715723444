"""sample_cast.py - the cast of the sample export: items, the product, four
plans, twelve customers (each an edge case) and fourteen subscriptions, with
their usage and tax rates."""
from decimal import Decimal

from sample_base import ACCOUNTS, MISSING_ACCOUNT, new_id
from sample_text import d

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
