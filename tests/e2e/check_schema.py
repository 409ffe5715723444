#!/usr/bin/env python3
"""Structural checks of a project `billsync schema` wrote (used by
t13_schema.sh): well-formed XML in the Metadata API namespace, only element
names the Metadata API defines, the elements each field type requires, and
what the shipped mappings must give.  Prints TAP lines from `ok START`;
exit 1 when one failed.

    check_schema.py PROJECT_DIR START API_VERSION"""

import json
import os
import sys
import xml.etree.ElementTree as ET

NS = "{http://soap.sforce.com/2006/04/metadata}"
# Metadata API element names (CustomObject, CustomField, PermissionSet and
# the parts billsync writes), from the Metadata API Developer Guide.
ALLOWED = {
    "CustomObject": {"deploymentStatus", "description", "label", "nameField", "pluralLabel",
                     "sharingModel"},
    "nameField": {"label", "type"},
    "CustomField": {"fullName", "caseSensitive", "defaultValue", "deleteConstraint",
                    "description", "externalId", "label", "length", "precision",
                    "referenceTo", "relationshipLabel", "relationshipName", "required",
                    "scale", "type", "unique", "valueSet", "visibleLines"},
    "valueSet": {"restricted", "valueSetDefinition"},
    "valueSetDefinition": {"sorted", "value"},
    "value": {"fullName", "default", "label"},
    "PermissionSet": {"description", "fieldPermissions", "hasActivationRequired", "label",
                      "objectPermissions", "userPermissions"},
    "userPermissions": {"enabled", "name"},
    "fieldPermissions": {"editable", "field", "readable"},
    "objectPermissions": {"allowCreate", "allowDelete", "allowEdit", "allowRead",
                          "modifyAllRecords", "object", "viewAllRecords"},
}
# what each field type must carry
REQUIRED = {
    "Text": {"length"}, "LongTextArea": {"length", "visibleLines"},
    "Number": {"precision", "scale"}, "Currency": {"precision", "scale"},
    "Lookup": {"referenceTo", "relationshipName", "deleteConstraint"},
    "Picklist": {"valueSet"}, "Checkbox": {"defaultValue"},
    "Date": set(), "DateTime": set(), "Email": set(), "Url": set(),
}


class Tap:
    def __init__(self, n):
        self.n, self.failed = n, 0

    def ok(self, cond, name, *details):
        self.n += 1
        print("%s %d - %s" % ("ok" if cond else "not ok", self.n, name))
        if not cond:
            self.failed += 1
            for d in details:
                print("#   %s" % str(d)[:2000])
        return cond

    def eq(self, a, b, name):
        return self.ok(a == b, name, "expected: %r" % (b,), "actual:   %r" % (a,))


def tag(el):
    return el.tag[len(NS):] if el.tag.startswith(NS) else el.tag


def walk(el, bad):
    """Element names not allowed under el's own name, as (parent, child)."""
    allowed = ALLOWED.get(tag(el))
    for child in el:
        if not child.tag.startswith(NS):
            bad.append((tag(el), child.tag))
        elif allowed is not None and tag(child) not in allowed:
            bad.append((tag(el), tag(child)))
        walk(child, bad)


def text(el, name):
    c = el.find(NS + name)
    return None if c is None else c.text


def load_all(root):
    docs, errors = {}, []
    for d, _, files in os.walk(root):
        for f in files:
            if f.endswith("-meta.xml"):
                path = os.path.join(d, f)
                try:
                    docs[os.path.relpath(path, root)] = ET.parse(path).getroot()
                except ET.ParseError as e:
                    errors.append("%s: %s" % (path, e))
    return docs, errors


def main():
    root, start, version = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    t = Tap(start)
    with open(os.path.join(root, "sfdx-project.json"), encoding="utf-8") as f:
        proj = json.load(f)
    t.eq((proj["sourceApiVersion"], proj["packageDirectories"][0]["path"]),
         (version, "force-app"), "sfdx-project.json: API version from the configuration")
    meta = os.path.join(root, "force-app", "main", "default")
    docs, errors = load_all(meta)
    t.eq(errors, [], "every file is well-formed XML")
    bad = []
    for path, el in docs.items():
        walk(el, bad)
    t.eq(sorted(set(bad)), [], "only Metadata API element names, in its namespace")
    fields = {p: el for p, el in docs.items() if tag(el) == "CustomField"}
    missing = []
    for path, el in fields.items():
        ftype = text(el, "type")
        need = REQUIRED.get(ftype)
        if need is None:
            missing.append((path, "type %s" % ftype))
            continue
        for name in need | {"fullName", "label", "description"}:
            if el.find(NS + name) is None:
                missing.append((path, name))
        if os.path.basename(path) != text(el, "fullName") + ".field-meta.xml":
            missing.append((path, "fullName"))
    t.eq(missing, [], "each field has the elements its type requires")
    objs = sorted(p.split(os.sep)[1] for p, el in docs.items() if tag(el) == "CustomObject")
    t.eq(len(objs), 8, "eight custom objects")
    t.ok("Account" not in objs and not os.path.exists(os.path.join(meta, "objects",
                                                                   "Account")),
         "a standard object (Account) is only referenced")
    o = docs[os.path.join("objects", "OrbInvoice__c", "OrbInvoice__c.object-meta.xml")]
    t.eq((text(o, "label"), text(o, "pluralLabel"), text(o, "deploymentStatus"),
          text(o, "sharingModel"), text(o.find(NS + "nameField"), "type")),
         ("Orb Invoice", "Orb Invoices", "Deployed", "Read", "Text"),
         "object: labels, deployed, sharing model, a Text name field")

    def field(obj, name):
        return fields.get(os.path.join("objects", obj, "fields", name + ".field-meta.xml"))

    def shape(obj, name, *keys):
        el = field(obj, name)
        return None if el is None else tuple(text(el, k) for k in keys)

    t.eq(shape("OrbInvoice__c", "OrbId__c", "type", "externalId", "unique", "caseSensitive"),
         ("Text", "true", "true", "true"), "the key: Text External ID, unique, case-sensitive")
    t.eq(shape("OrbInvoice__c", "OrbCustomer__c", "type", "referenceTo", "relationshipName",
               "deleteConstraint"), ("Lookup", "OrbCustomer__c", "OrbInvoices", "SetNull"),
         "OrbCustomer__r.OrbId__c: a Lookup (never master-detail)")
    t.eq(shape("OrbInvoice__c", "Account__c", "type", "referenceTo"), ("Lookup", "Account"),
         "Account__c = ... | sfid: a Lookup to Account")
    t.eq(shape("OrbInvoice__c", "Total__c", "type", "precision", "scale"),
         ("Currency", "18", "3"), "money: Currency(18, 3), BHD fits")
    t.eq(shape("OrbInvoiceLineItemBilling__c", "Quantity__c", "type", "precision", "scale"),
         ("Number", "18", "6"), "decimal(6): Number(18, 6)")
    t.eq(shape("OrbPlan__c", "NetTerms__c", "type", "scale"), ("Number", "0"),
         "integer: Number(18, 0)")
    t.eq(shape("OrbInvoice__c", "InvoiceDate__c", "type"), ("Date",), "date: Date")
    t.eq(shape("OrbInvoice__c", "IssuedAt__c", "type"), ("DateTime",), "datetime: DateTime")
    t.eq(shape("OrbCustomer__c", "AutoCollection__c", "type", "defaultValue"),
         ("Checkbox", "false"), "boolean: Checkbox")
    t.eq(shape("OrbCustomer__c", "FullName__c", "type", "length"), ("Text", "255"),
         "truncate(255): Text(255)")
    t.eq(shape("OrbCustomer__c", "Metadata__c", "type", "length"), ("LongTextArea", "131072"),
         "json: Long Text Area")
    t.eq(shape("OrbInvoice__c", "Memo__c", "type", "length"), ("LongTextArea", "32768"),
         "[schema] Memo__c.type = LongTextArea(32768)")
    t.eq(shape("OrbCustomer__c", "Email__c", "type"), ("Email",), "[schema] Email__c: Email")
    st = field("OrbInvoice__c", "Status__c")
    vs = st.find(NS + "valueSet") if st is not None else None
    t.eq((text(vs, "restricted"),
          [text(v, "fullName") for v in vs.iter(NS + "value")]) if vs is not None else None,
         ("true", ["draft", "issued", "paid", "synced", "void"]),
         "map(...): a restricted Picklist of exactly the values it makes")
    t.ok(field("OrbInvoice__c", "Name") is None, "Name is the object's name field, no file")
    t.eq(text(field("OrbInvoice__c", "Total__c"), "label"), "Total", "readable labels")
    ps = [el for el in docs.values() if tag(el) == "PermissionSet"]
    t.eq(len(ps), 1, "one permission set")
    ps = ps[0]
    perms = {text(p, "object"): tuple(text(p, k) for k in ("allowRead", "allowCreate",
                                                            "allowEdit", "allowDelete",
                                                            "viewAllRecords",
                                                            "modifyAllRecords"))
             for p in ps.iter(NS + "objectPermissions")}
    t.eq(perms.get("OrbInvoice__c"), ("true", "true", "true", "false", "false", "false"),
         "upserted objects: read, create, edit; no delete, no view/modify all")
    t.eq(perms.get("Account"), ("true", "false", "false", "false", "false", "false"),
         "a lookup's parent outside the mappings: read only")
    t.eq(len(perms), 9, "object permissions: the 8 objects and Account")
    fp = sorted(text(p, "field") for p in ps.iter(NS + "fieldPermissions"))
    want = sorted("%s.%s" % (p.split(os.sep)[1], text(el, "fullName"))
                  for p, el in fields.items())
    t.eq(fp, want, "field access: exactly the generated fields, editable")
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
