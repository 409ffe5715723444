#!/usr/bin/env python3
"""The round trip: `billsync schema` writes the DX project of the shipped
mappings and of a mapping to Account (a standard object: custom fields of its
own, no object file), the emulator takes its org from that project
(--schema-sfdx), and `billsync run` on the samples lands every record it
sends exactly as sent: in a single-currency org, and in a multi-currency one
where each record's CurrencyIsoCode is its row's currency ([salesforce]
multi_currency)."""

import csv
import gzip
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from synctest import BILLSYNC, ROOT, SAMPLE_FAILED, Tap, World, emuctl  # noqa: E402
from emutest import BASE, Client                                       # noqa: E402

CURRENCIES = "USD,EUR,GBP,JPY,BHD"
MD = "{http://soap.sforce.com/2006/04/metadata}"

# customers -> Account: a standard object with custom fields
ACCOUNT_MAP = """[object]
name        = Account
source      = customers
operation   = upsert
external_id = OrbId__c

[fields]
OrbId__c = id
Name     = name | truncate(255)
Foo__c   = email | lower | truncate(80)
Since__c = created_at | datetime
"""
NUMERIC = ("currency", "double", "percent")


def bulk_rows(w):
    """{object: (header, [rows])} of the bulk files of the newest run."""
    out = {}
    _, work, manifest = w.last_run()
    for o in manifest["objects"]:
        for f in o["files"]:
            with gzip.open(os.path.join(work, f["path"]), "rt", encoding="utf-8",
                           newline="") as z:
                rows = list(csv.reader(z))
            head, body = out.setdefault(o["object"], (rows[0], []))
            body.extend(rows[1:])
    return out


def same(ftype, sent, stored):
    """Whether a stored value is exactly what the cell sent."""
    if sent in ("", "#N/A"):
        return stored in (None, False) if ftype == "boolean" else stored is None
    if ftype in NUMERIC:
        return stored is not None and Decimal(sent) == Decimal(str(stored))
    if ftype == "boolean":
        return stored == (sent.lower() in ("true", "1"))
    if ftype == "datetime":
        return stored == sent[:-1] + "+0000" if sent.endswith("Z") else stored == sent
    return stored == sent


def compare(t, emu, sent, label, multi):
    """Every sent row is stored once with exactly its values (the sample rows
    that must fail aside); returns the number of values compared."""
    c = Client(emu)
    ids = {}                # (object, key) -> record id
    recs = {}
    for obj in sent:
        recs[obj] = {r["OrbId__c"]: r for r in emu.records(obj, exact=True)
                     if obj != "Account" or r.get("OrbId__c")}   # not the seeded one
        ids.update({(obj, k): r["Id"] for k, r in recs[obj].items()})
    compared, wrong = 0, []
    for obj, (head, rows) in sorted(sent.items()):
        types = {f["name"]: f["type"] for f in
                 c.get(BASE + "/sobjects/%s/describe" % obj).json()["fields"]}
        key = head.index("OrbId__c")
        keys = {r[key] for r in rows if (obj, r[key]) not in SAMPLE_FAILED}
        t.eq(set(recs[obj]), keys, "%s: %s holds exactly the records sent (%d)"
             % (label, obj, len(keys)))
        for row in rows:
            rec = recs[obj].get(row[key])
            if rec is None:
                continue
            for col, v in zip(head, row):
                if "." in col:
                    rel, _ = col.split(".", 1)
                    field = rel[:-3] + "__c"
                    want = ids.get((_parent(c, obj, field), v))
                    ok = rec.get(field) == want
                else:
                    ok = same(types.get(col), v, rec.get(col))
                compared += 1
                if not ok:
                    wrong.append((obj, row[key], col, v, rec.get(col if "." not in col
                                                                 else field)))
        if multi and "Currency__c" in head and "CurrencyIsoCode" in head:
            t.ok(all(r["CurrencyIsoCode"] == r["Currency__c"] for r in recs[obj].values()),
                 "%s: %s: each record's CurrencyIsoCode is its currency" % (label, obj))
    t.eq(wrong[:10], [], "%s: every value landed exactly (%d compared)" % (label, compared))
    return compared


_PARENTS = {}


def _parent(c, obj, field):
    if (obj, field) not in _PARENTS:
        for f in c.get(BASE + "/sobjects/%s/describe" % obj).json()["fields"]:
            if f["referenceTo"]:
                _PARENTS[(obj, f["name"])] = f["referenceTo"][0]
    return _PARENTS.get((obj, field))


def standard_object(t, project):
    """Account: its custom fields' files, no object file, and the permission set
    grants what loading them needs (the object's read, create and edit, the
    fields' edit) and no more."""
    objects = os.path.join(project, "force-app", "main", "default", "objects")
    t.eq(sorted(os.listdir(os.path.join(objects, "Account"))), ["fields"],
         "Account: no Account.object-meta.xml (a standard object is not created)")
    t.eq(sorted(os.listdir(os.path.join(objects, "Account", "fields"))),
         ["Foo__c.field-meta.xml", "OrbId__c.field-meta.xml", "Since__c.field-meta.xml"],
         "Account: a file per custom field, none for Name")
    key = ET.parse(os.path.join(objects, "Account", "fields", "OrbId__c.field-meta.xml"))
    t.eq([key.getroot().findtext(MD + k) for k in ("externalId", "unique", "caseSensitive")],
         ["true", "true", "true"], "Account.OrbId__c: a unique, case-sensitive External ID")
    ps_dir = os.path.join(project, "force-app", "main", "default", "permissionsets")
    ps = ET.parse(os.path.join(ps_dir, os.listdir(ps_dir)[0])).getroot()
    fields = {f.findtext(MD + "field"): (f.findtext(MD + "readable"),
                                         f.findtext(MD + "editable"))
              for f in ps.iter(MD + "fieldPermissions")}
    t.eq({k: v for k, v in fields.items() if k.startswith("Account.")},
         {"Account.Foo__c": ("true", "true"), "Account.OrbId__c": ("true", "true"),
          "Account.Since__c": ("true", "true")},
         "the permission set: Account's custom fields readable and editable, not Name")
    perms = {o.findtext(MD + "object"): {c.tag[len(MD):]: c.text for c in o
                                        if c.tag != MD + "object"}
             for o in ps.iter(MD + "objectPermissions")}
    t.eq(perms.get("Account"), {"allowCreate": "true", "allowDelete": "false",
                                "allowEdit": "true", "allowRead": "true",
                                "modifyAllRecords": "false", "viewAllRecords": "false"},
         "the permission set: Account read, create and edit (an upsert), no delete, "
         "no view or modify all")


def round_trip(t, project, maps, multi):
    label = "multi-currency org" if multi else "single-currency org"
    args = ["--schema-sfdx", project] + (["--multi-currency", CURRENCIES] if multi else [])
    emu = emuctl.Emulator(args=args)
    w = World(emu=emu)
    try:
        if multi:
            w.salesforce["multi_currency"] = "true"
            w.write_conf()
        r = w.run("--mappings", maps)
        t.ok(r.sanitizer_clean(), "%s: no sanitizer report" % label, r.sanitizer_report())
        t.ok(r.report is not None and r.rc in (0, 1), "%s: billsync run finished" % label, r)
        failed = {(k[0], k[1]): v[1] for k, v in w.records().items() if v[0] == "failed"}
        t.eq(failed, SAMPLE_FAILED, "%s: only the samples' bad customers fail" % label)
        sent = bulk_rows(w)
        t.eq(sorted(sent), sorted(emuctl_objects(emu)), "%s: every object was sent" % label)
        head = sent.get("OrbInvoice__c", ([], []))[0]
        t.eq("CurrencyIsoCode" in head, multi,
             "%s: CurrencyIsoCode sent %s" % (label, "from the row's currency" if multi
                                              else "never"))
        compare(t, emu, sent, label, multi)
    finally:
        w.close()
        emu.stop()


def emuctl_objects(emu):
    return [o["name"] for o in Client(emu).get(BASE + "/sobjects").json()["sobjects"]]


def main():
    t = Tap()
    tmp = tempfile.mkdtemp(prefix="billsync-roundtrip.")
    try:
        project, maps = os.path.join(tmp, "sfdx"), os.path.join(tmp, "mappings")
        shutil.copytree(os.path.join(ROOT, "mappings"), maps)
        with open(os.path.join(maps, "account.map"), "w", encoding="utf-8") as f:
            f.write(ACCOUNT_MAP)
        p = subprocess.run([BILLSYNC, "schema", "--out", project, "--mappings", maps],
                           cwd=tmp, capture_output=True, text=True, check=False)
        t.eq(p.returncode, 0, "billsync schema writes the project", p.stderr)
        t.run(standard_object, t, project)
        for multi in (False, True):
            t.run(round_trip, t, project, maps, multi)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
