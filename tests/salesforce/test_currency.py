"""Multi-currency orgs (--multi-currency, reference 10.4) and single-currency ones."""

from decimal import Decimal

from emutest import BASE, Client, Emulator, Tap, csv_rows

t = Tap()
BAD_CODE = ("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:Currency ISO Code: bad value for "
            "restricted picklist field: %s:CurrencyIsoCode --")


def describe(c):
    for obj in ("OrbInvoice__c", "Account"):
        d = c.get(BASE + "/sobjects/%s/describe" % obj).json()
        f = {x["name"]: x for x in d["fields"]}.get("CurrencyIsoCode")
        t.ok(f is not None, "%s has CurrencyIsoCode in a multi-currency org" % obj)
        if f is None:
            continue
        t.eq((f["type"], f["restrictedPicklist"], f["length"], f["defaultedOnCreate"],
              f["createable"], f["label"]),
             ("picklist", True, 3, True, True, "Currency ISO Code"),
             "%s.CurrencyIsoCode: restricted picklist, defaulted on create" % obj)
        t.eq([p["value"] for p in f["picklistValues"]], ["USD", "EUR", "GBP", "JPY", "BHD"],
             "%s.CurrencyIsoCode: the active currencies, corporate first" % obj)


def uploads(c, emu):
    data = ("OrbId__c,Name,CurrencyIsoCode,Balance__c\n"
            "m1,One,EUR,12.345\n"
            "m2,Two,BHD,37.125\n"
            "m3,Three,,5\n"
            "m4,Four,CHF,1\n"
            "m5,Five,eur,1\n"
            "m6,Six,JPY,1000\n")
    info, ok, bad = c.run_job("OrbCustomer__c", data)
    t.eq((info["state"], info["numberRecordsFailed"]), ("JobComplete", 2),
         "CurrencyIsoCode accepted in uploads; two bad codes fail")
    errs = {r[2]: r[1] for r in csv_rows(bad)[1:]}
    t.eq(errs, {"m4": BAD_CODE % "CHF", "m5": BAD_CODE % "eur"},
         "an unknown or inactive code (and a lower-case one) -> restricted picklist error")
    recs = {r["OrbId__c"]: r for r in emu.records("OrbCustomer__c", exact=True)}
    t.eq({k: r["CurrencyIsoCode"] for k, r in recs.items()},
         {"m1": "EUR", "m2": "BHD", "m3": "USD", "m6": "JPY"},
         "stored currencies; left out -> the corporate currency")
    t.eq((recs["m1"]["Balance__c"], recs["m2"]["Balance__c"]),
         (Decimal("12.35"), Decimal("37.13")),
         "Currency fields are rounded to their scale (2), whatever the currency")
    info, ok, bad = c.run_job("OrbCustomer__c", "OrbId__c,CurrencyIsoCode\nm1,#N/A\n")
    t.eq([r[1] for r in csv_rows(bad)[1:]],
         ["REQUIRED_FIELD_MISSING:Required fields are missing: [CurrencyIsoCode]:"
          "CurrencyIsoCode --"], "#N/A on CurrencyIsoCode -> required field missing")


def single(c):
    d = c.get(BASE + "/sobjects/OrbInvoice__c/describe").json()
    t.ok("CurrencyIsoCode" not in {x["name"] for x in d["fields"]},
         "single-currency org: no CurrencyIsoCode in describe")
    info, ok, bad = c.run_job("OrbCustomer__c", "OrbId__c,Name,CurrencyIsoCode\ns1,S,USD\n")
    t.eq((info["state"], info.get("errorMessage")),
         ("Failed", "InvalidBatch : Field name not found : CurrencyIsoCode"),
         "single-currency org: a CurrencyIsoCode column fails the job")


def bad_args():
    for arg in ("usd", "USD,USD", ","):
        try:
            Emulator(args=["--multi-currency", arg], timeout=5).stop()
            t.ok(False, "--multi-currency %s is refused" % arg)
        except RuntimeError:
            t.ok(True, "--multi-currency %s is refused" % arg)


with Emulator(args=["--multi-currency", "USD,EUR,GBP,JPY,BHD"]) as emu:
    c = Client(emu)
    t.run(describe, c)
    t.run(uploads, c, emu)
with Emulator() as emu:
    t.run(single, Client(emu))
t.run(bad_args)
t.done()
