#!/usr/bin/env python3
"""billsync check --org: the shipped mappings against the emulator's describe
results pass; each kind of mistake the org can reveal fails with exit 3 and the
mapping's file and line."""

import os
import json
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from loadtest import BILLSYNC, ROOT, SECRET, Tap, emuctl   # noqa: E402


def main():
    t = Tap()
    tmp = tempfile.mkdtemp(prefix="billsync-orgcheck.")
    # an org that requires OrbInvoice__c.Memo__c on create
    with open(emuctl.SCHEMA, encoding="utf-8") as f:
        doc = json.load(f)
    doc["objects"]["OrbInvoice__c"]["fields"]["Memo__c"]["required"] = True
    schema = os.path.join(tmp, "schema.json")
    with open(schema, "w", encoding="utf-8") as f:
        json.dump(doc, f)
    emu = emuctl.Emulator(schema=schema)
    try:
        secret = os.path.join(tmp, "secret")
        with open(secret, "w", encoding="ascii") as f:
            f.write(SECRET + "\n")
        os.chmod(secret, 0o600)
        conf = os.path.join(tmp, "billsync.conf")
        with open(conf, "w", encoding="utf-8") as f:
            f.write("[source]\npath = %s\n[state]\ndir = %s\n[salesforce]\n"
                    "instance_url = %s\nclient_id = billsync-demo\n"
                    "client_secret_file = %s\n" % (os.path.join(ROOT, "samples"),
                                                  os.path.join(tmp, "state"),
                                                  emu.base_url, secret))

        def check(mappings):
            return subprocess.run([BILLSYNC, "check", "--org", "-c", conf, "--mappings",
                                   mappings], capture_output=True, text=True, check=False)

        p = check(os.path.join(ROOT, "mappings"))
        t.ok(p.returncode == 0 and "8 mappings OK, and against the org" in p.stdout,
             "the shipped mappings pass against the org", p.stdout + p.stderr)
        writes = [r for r in emu.requests() if r["method"] != "GET" and r["kind"] != "token"]
        t.ok(not writes and any(r["kind"] == "describe" for r in emu.requests()),
             "check --org only reads (describe)", writes)

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
                .replace("Name                        = invoice_number | truncate(80)\n", ""))
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        lines = text.splitlines()

        def line_of(prefix):
            return next(i + 1 for i, ln in enumerate(lines) if ln.startswith(prefix))

        p = check(broken)
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
    finally:
        emu.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
