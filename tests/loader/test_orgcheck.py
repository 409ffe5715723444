#!/usr/bin/env python3
"""billsync check --org: the shipped mappings pass against the org
`billsync schema` makes of them (with a warning about several currencies in
a single-currency org); against the hand-made demo org and broken mappings,
each kind of mistake the org can reveal fails with exit 3 and the mapping's
file and line, and findings where the data may still fit are warnings (exit
0); a multi-currency org needs [salesforce] multi_currency and every
currency of the data active."""

import csv
import os
import json
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from loadtest import BILLSYNC, ROOT, SECRET, Tap, emuctl   # noqa: E402


class Org:
    """An emulator and a billsync.conf pointing at it."""

    def __init__(self, tmp, name, multi=False, src=None, **emu_args):
        self.emu = emuctl.Emulator(**emu_args)
        self.conf = os.path.join(tmp, name + ".conf")
        secret = os.path.join(tmp, "secret")
        with open(secret, "w", encoding="ascii") as f:
            f.write(SECRET + "\n")
        os.chmod(secret, 0o600)
        with open(self.conf, "w", encoding="utf-8") as f:
            f.write("[source]\npath = %s\n[state]\ndir = %s\n[salesforce]\n"
                    "instance_url = %s\nclient_id = billsync-demo\n"
                    "client_secret_file = %s\nmulti_currency = %s\n"
                    % (src or os.path.join(ROOT, "samples"), os.path.join(tmp, "state"),
                       self.emu.base_url, secret, "true" if multi else "false"))

    def check(self, mappings):
        return subprocess.run([BILLSYNC, "check", "--org", "-c", self.conf, "--mappings",
                               mappings], capture_output=True, text=True, check=False)


def generated(t, tmp, project):
    org = Org(tmp, "gen", args=["--schema-sfdx", project])
    try:
        p = org.check(os.path.join(ROOT, "mappings"))
        t.ok(p.returncode == 0 and "8 mappings OK, and against the org" in p.stdout,
             "the shipped mappings pass against the org billsync schema makes",
             p.stdout + p.stderr)
        t.has(p.stderr, "customer.map:8: warning: amounts in 4 currencies ('BHD', 'EUR', "
              "'JPY', 'USD') go into Currency fields of a single-currency org "
              "('Balance__c')", "several currencies into Currency fields of a "
              "single-currency org: a warning")
        writes = [r for r in org.emu.requests() if r["method"] != "GET" and
                  r["kind"] != "token"]
        t.ok(not writes and any(r["kind"] == "describe" for r in org.emu.requests()),
             "check --org only reads (describe)", writes)
    finally:
        org.emu.stop()
    org = Org(tmp, "gen-multi", multi=True,
              args=["--schema-sfdx", project, "--multi-currency", "USD,EUR,GBP,JPY,BHD"])
    try:
        p = org.check(os.path.join(ROOT, "mappings"))
        t.ok(p.returncode == 0 and "warning" not in p.stderr,
             "a multi-currency org with every currency of the data active: no finding",
             p.stderr)
    finally:
        org.emu.stop()
    return project


def multi_currency(t, tmp, project):
    org = Org(tmp, "multi", multi=True,
              args=["--schema-sfdx", project, "--multi-currency", "USD,EUR"])
    org2 = Org(tmp, "multi-off", args=["--schema-sfdx", project, "--multi-currency",
                                       "USD,EUR,GBP,JPY,BHD"])
    org3 = Org(tmp, "single-on", multi=True, args=["--schema-sfdx", project])
    try:
        path = os.path.join(ROOT, "mappings", "invoice.map")
        p = org.check(os.path.join(ROOT, "mappings"))
        t.eq(p.returncode, 3, "currencies of the data not active in the org: exit 3", p.stderr)
        t.has(p.stderr, "%s:7: column 'currency' holds currencies the org does not have "
              "active: 'BHD', 'JPY'; activate them" % path,
              "it names the currencies, at the mapping's [object] name line")
        p = org2.check(os.path.join(ROOT, "mappings"))
        t.eq(p.returncode, 3, "a multi-currency org without multi_currency: exit 3")
        t.has(p.stderr, "%s:7: the org has several currencies (OrbInvoice__c.CurrencyIsoCode), "
              "and [salesforce] multi_currency is off" % path, "it says what to set")
        p = org3.check(os.path.join(ROOT, "mappings"))
        t.eq(p.returncode, 3, "multi_currency in a single-currency org: exit 3")
        t.has(p.stderr, "%s:7: the org has a single currency (OrbInvoice__c has no "
              "CurrencyIsoCode): set [salesforce] multi_currency = false" % path,
              "it says what to set")
    finally:
        for o in (org, org2, org3):
            o.emu.stop()


def demo(t, tmp):
    # an org that requires OrbInvoice__c.Memo__c on create
    with open(emuctl.SCHEMA, encoding="utf-8") as f:
        doc = json.load(f)
    doc["objects"]["OrbInvoice__c"]["fields"]["Memo__c"]["required"] = True
    schema = os.path.join(tmp, "schema.json")
    with open(schema, "w", encoding="utf-8") as f:
        json.dump(doc, f)
    # a customer whose payment provider the org's restricted picklist lacks
    src = os.path.join(tmp, "src")
    shutil.copytree(os.path.join(ROOT, "samples"), src)
    with open(os.path.join(src, "customers.csv"), encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    rows[1][rows[0].index("payment_provider")] = "paypal"
    with open(os.path.join(src, "customers.csv"), "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    org = Org(tmp, "demo", src=src, schema=schema)
    try:
        broken = os.path.join(tmp, "broken")
        shutil.copytree(os.path.join(ROOT, "mappings"), broken)
        path = os.path.join(broken, "invoice.map")
        with open(path, encoding="utf-8") as f:
            text = f.read()
        text = (text.replace("Total__c                    = total",
                             "Totl__c                     = total")
                .replace("OrbCustomer__r.OrbId__c     = customer_id",
                         "OrbCustomr__r.OrbId__c      = customer_id")
                .replace("external_id = OrbId__c", "external_id = InvoiceNumber__c")
                .replace("Memo__c                     = memo\n", "")
                .replace("Memo__c.type             = LongTextArea(32768)\n", "")
                .replace("Name                        = invoice_number | truncate(80)\n", "")
                .replace("status | map(issued=issued, paid=paid,", "status | map(issued=issued, "
                         "paid=Paid,")
                .replace("InvoiceDate__c              = invoice_date | date(tz=UTC)",
                         "InvoiceDate__c              = invoice_date | datetime")
                .replace("InvoiceDateTime__c          = invoice_date | datetime",
                         "InvoiceDateTime__c          = invoice_date | date(tz=UTC)")
                .replace("InvoiceNumber__c            = invoice_number",
                         "InvoiceNumber__c            = invoice_number | truncate(100)"))
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        lines = text.splitlines()

        def line_of(prefix):
            return next(i + 1 for i, ln in enumerate(lines) if ln.startswith(prefix))

        p = org.check(broken)
        err = p.stderr
        t.eq(p.returncode, 3, "a broken mapping: exit 3", err)
        t.has(err, "%s:%d: field 'Totl__c': OrbInvoice__c has no field 'Totl__c'; did you "
              "mean 'Total__c'?" % (path, line_of("Totl__c")), "an unknown field, with a hint")
        t.has(err, "%s:%d: field 'OrbCustomr__r.OrbId__c': OrbInvoice__c has no "
              "relationship 'OrbCustomr__r'; did you mean 'OrbCustomer__r'?"
              % (path, line_of("OrbCustomr__r")), "an unknown relationship, with a hint")
        t.has(err, "%s:%d: field 'InvoiceNumber__c': OrbInvoice__c.InvoiceNumber__c is not "
              "an External ID field" % (path, line_of("InvoiceNumber__c")),
              "an upsert key that is not an External ID")
        t.has(err, "%s: field 'Memo__c': OrbInvoice__c requires 'Memo__c' on create" % path,
              "a required field left out")
        t.ok("'Name' on create" not in err, "a custom object's Name may be left out "
             "(Salesforce names the record by its Id)", err)
        t.has(err, "%s:%d: field 'Status__c': OrbInvoice__c.Status__c is a restricted "
              "picklist without 'Paid', which the map(...) makes" % (path, line_of("Status__c")),
              "map(paid=Paid) into a restricted picklist without 'Paid'")
        t.has(err, "%s:%d: field 'InvoiceDate__c': a datetime into Date field "
              "OrbInvoice__c.InvoiceDate__c" % (path, line_of("InvoiceDate__c")),
              "a datetime into a Date field")
        t.has(err, "%s:%d: field 'InvoiceDateTime__c': a date into DateTime field "
              "OrbInvoice__c.InvoiceDateTime__c" % (path, line_of("InvoiceDateTime__c")),
              "a date into a DateTime field")
        t.has(err, "%s:%d: field 'Subtotal__c': OrbInvoice__c.Subtotal__c has 2 decimals, "
              "and BHD amounts have 3: they would be rounded (37.125 lands as 37.13); make "
              "its scale 3" % (path, line_of("Subtotal__c")),
              "a Currency field with fewer decimals than the data's currencies")
        t.has(err, "%s:%d: field 'InvoiceNumber__c': warning: OrbInvoice__c.InvoiceNumber__c "
              "holds 80 characters, and the mapping makes up to 100"
              % (path, line_of("InvoiceNumber__c")), "a shorter Text field: a warning")
        cpath = os.path.join(broken, "customer.map")
        with open(cpath, encoding="utf-8") as f:
            cl = f.read().splitlines()
        t.has(err, "%s:%d: field 'PaymentProvider__c': OrbCustomer__c.PaymentProvider__c is a "
              "restricted picklist without 'paypal', which column 'payment_provider' holds"
              % (cpath, next(i + 1 for i, ln in enumerate(cl)
                             if ln.startswith("PaymentProvider__c"))),
              "an unmapped restricted picklist: the values the data has")
    finally:
        org.emu.stop()


def numbers(t, tmp):
    """Digits before the point and text into numbers, read from the data."""
    with open(emuctl.SCHEMA, encoding="utf-8") as f:
        doc = json.load(f)
    doc["objects"]["OrbInvoice__c"]["fields"]["Total__c"].update(precision=5, scale=3)
    schema = os.path.join(tmp, "schema-digits.json")
    with open(schema, "w", encoding="utf-8") as f:
        json.dump(doc, f)
    mdir = os.path.join(tmp, "numbers")
    shutil.copytree(os.path.join(ROOT, "mappings"), mdir)
    path = os.path.join(mdir, "invoice.map")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    text = (text.replace("AmountDue__c                = amount_due | money(currency)",
                         "AmountDue__c                = currency")
            .replace("Subtotal__c                 = subtotal | money(currency)",
                     "Subtotal__c                 = subtotal"))
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    lines = text.splitlines()

    def line_of(prefix):
        return next(i + 1 for i, ln in enumerate(lines) if ln.startswith(prefix))

    org = Org(tmp, "digits", schema=schema)
    try:
        p = org.check(os.path.join(ROOT, "mappings"))
        t.eq(p.returncode, 3, "Total__c as Currency(5, 3) and invoices of 4 digits: exit 3",
             p.stdout + p.stderr)
        t.has(p.stderr, "invoice.map:%d: field 'Total__c': OrbInvoice__c.Total__c has room "
              "for 2 digits before the point (precision 5, scale 3), and column 'total' has "
              "values with 6 ('306033')" % line_of("Total__c"), "digits before the point the data "
              "has and the field lacks")
        t.has(p.stderr, "make its precision at least 9", "the hint says the precision")
        t.ok(not [r for r in org.emu.requests() if r["method"] != "GET" and
                  r["kind"] != "token"], "nothing sent")
        q = subprocess.run([BILLSYNC, "check", "--org", "--no-data", "-c", org.conf,
                            "--mappings", os.path.join(ROOT, "mappings")],
                           capture_output=True, text=True, check=False)
        t.eq(q.returncode, 0, "without the data: a warning", q.stderr)
        t.has(q.stderr, "field 'Total__c': warning: OrbInvoice__c.Total__c has room for only "
              "2 digits before the point (precision 5, scale 3), and the data was not read",
              "fewer than 13 digits for money: a warning without the data")
        p = org.check(mdir)
        t.eq(p.returncode, 3, "a currency column into a Currency field: exit 3", p.stderr)
        t.has(p.stderr, "%s:%d: field 'AmountDue__c': text into currency field "
              "OrbInvoice__c.AmountDue__c, and '" % (path, line_of("AmountDue__c")),
              "text the data proves is not numbers: an error")
        t.has(p.stderr, "%s:%d: field 'Subtotal__c': warning: text into currency field"
              % (path, line_of("Subtotal__c")), "text that holds numbers: a warning")
    finally:
        org.emu.stop()


def main():
    t = Tap()
    tmp = tempfile.mkdtemp(prefix="billsync-orgcheck.")
    try:
        project = os.path.join(tmp, "sfdx")
        p = subprocess.run([BILLSYNC, "schema", "--out", project, "--mappings",
                            os.path.join(ROOT, "mappings")], cwd=tmp, capture_output=True,
                           text=True, check=False)
        t.eq(p.returncode, 0, "billsync schema", p.stderr)
        for fn in (generated, multi_currency):
            try:
                fn(t, tmp, project)
            except Exception as e:      # noqa: BLE001 - one failure, go on
                t.ok(False, "%s raised %r" % (fn.__name__, e))
        demo(t, tmp)
        numbers(t, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
