"""--schema-sfdx DIR: the org model from a Salesforce DX source folder."""

import os
import shutil
import tempfile

from emutest import BASE, Client, Emulator, Tap, csv_rows

t = Tap()
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
NS = ' xmlns="http://soap.sforce.com/2006/04/metadata"'


def write(root, rel, body, tag="CustomField"):
    path = os.path.join(root, "force-app", "main", "default", "objects", rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write("%s<%s%s>\n%s</%s>\n" % (HEAD, tag, NS, body, tag))


def project(root):
    write(root, "Widget__c/Widget__c.object-meta.xml",
          "<label>Widget</label><pluralLabel>Widgets</pluralLabel>"
          "<nameField><label>Widget Name</label><type>Text</type></nameField>"
          "<deploymentStatus>Deployed</deploymentStatus><sharingModel>ReadWrite</sharingModel>",
          tag="CustomObject")
    fields = {
        "Key__c": "<type>Text</type><length>20</length><externalId>true</externalId>"
                  "<unique>true</unique><caseSensitive>true</caseSensitive>",
        "Size__c": "<type>Picklist</type><valueSet><restricted>true</restricted>"
                   "<valueSetDefinition><sorted>false</sorted>"
                   "<value><fullName>S</fullName><default>false</default><label>S</label></value>"
                   "<value><fullName>L</fullName><default>false</default><label>L</label></value>"
                   "</valueSetDefinition></valueSet>",
        "Price__c": "<type>Currency</type><precision>18</precision><scale>3</scale>",
        "Made__c": "<type>Date</type>",
        "Account__c": "<type>Lookup</type><referenceTo>Account</referenceTo>"
                      "<relationshipName>Widgets</relationshipName>"
                      "<deleteConstraint>SetNull</deleteConstraint>",
        "Parent__c": "<type>Lookup</type><referenceTo>Widget__c</referenceTo>"
                     "<relationshipName>Children</relationshipName>"
                     "<deleteConstraint>SetNull</deleteConstraint>",
    }
    for name, body in fields.items():
        write(root, "Widget__c/fields/%s.field-meta.xml" % name,
              "<fullName>%s</fullName><label>%s</label>%s" % (name, name[:-3], body))
    # a custom field on a standard object: its fields/ folder, no object file
    write(root, "Account/fields/Foo__c.field-meta.xml",
          "<fullName>Foo__c</fullName><label>Foo</label><type>Text</type><length>10</length>")


def org(c, emu):
    d = c.get(BASE + "/sobjects/Widget__c/describe").json()
    taken = [o["keyPrefix"] for o in c.get(BASE + "/sobjects").json()["sobjects"]
             if o["name"] != "Widget__c"]
    t.eq((d["label"], d["labelPlural"]), ("Widget", "Widgets"), "the object from the folder")
    t.ok(d["keyPrefix"].startswith("a") and d["keyPrefix"] not in taken,
         "with a key prefix of its own", d["keyPrefix"], taken)
    f = {x["name"]: x for x in d["fields"]}
    t.eq((f["Key__c"]["length"], f["Key__c"]["externalId"], f["Key__c"]["caseSensitive"]),
         (20, True, True), "Text External ID, case-sensitive unique")
    t.eq((f["Size__c"]["restrictedPicklist"], [p["value"] for p in f["Size__c"]["picklistValues"]]),
         (True, ["S", "L"]), "restricted picklist values")
    t.eq((f["Price__c"]["type"], f["Price__c"]["scale"]), ("currency", 3), "currency scale 3")
    t.eq((f["Account__c"]["referenceTo"], f["Account__c"]["relationshipName"]),
         (["Account"], "Account__r"), "a lookup's relationship follows from the field name")
    t.eq(f["Name"]["label"], "Widget Name", "the name field's label")
    names = [o["name"] for o in c.get(BASE + "/sobjects").json()["sobjects"]]
    t.ok("Widget__c" in names and "Account" in names and "OrbInvoice__c" in names,
         "the schema file's objects stay beside the folder's", names)
    data = ("Key__c,Size__c,Price__c,Made__c,Account__c\n"
            "w1,S,37.1255,2024-01-02,001Hs00002abcdeIAA\n"
            "w2,M,1,,\n")
    info, ok, bad = c.run_job("Widget__c", data, ext="Key__c")
    t.eq([r[1] for r in csv_rows(bad)[1:]],
         ["INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:Size: bad value for restricted picklist "
          "field: M:Size__c --"], "records are checked against the folder's fields")
    rec = emu.records("Widget__c", exact=True)[0]
    t.eq((str(rec["Price__c"]), rec["Name"] == rec["Id"]), ("37.126", True),
         "stored: rounded to scale 3; Name left out is the Id")
    info, ok, bad = c.run_job("Widget__c", "Key__c,Parent__r.Key__c\nw3,w1\n", ext="Key__c")
    t.eq(info["numberRecordsFailed"], 0, "a lookup through Parent__r.Key__c", bad)
    a = {x["name"]: x for x in
         c.get(BASE + "/sobjects/Account/describe").json()["fields"]}
    t.eq((a.get("Foo__c", {}).get("length"), "Name" in a), (10, True),
         "a custom field on Account is added to the schema file's Account")
    info, ok, bad = c.run_job("Account", "Name,Foo__c\nAcme,short\nBig,longer than ten\n",
                              operation="insert")
    t.eq([r[1].split(":")[0] for r in csv_rows(bad)[1:]], ["STRING_TOO_LONG"],
         "Account records are checked against it")


def refused(root, what):
    try:
        Emulator(args=["--schema-sfdx", root], timeout=5).stop()
        t.ok(False, what + " stops the emulator")
    except RuntimeError:
        t.ok(True, what + " stops the emulator")


def broken(root):
    write(root, "Gadget__c/fields/Odd__c.field-meta.xml",
          "<fullName>Odd__c</fullName><type>Text</type><length>5</length>")
    refused(root, "fields of a custom object without its object file")
    shutil.rmtree(os.path.join(root, "force-app", "main", "default", "objects", "Gadget__c"))
    write(root, "Widget__c/fields/Odd__c.field-meta.xml",
          "<fullName>Odd__c</fullName><type>Hierarchy</type>")
    refused(root, "an unknown field type")


tmp = tempfile.mkdtemp(prefix="emu-sfdx.")
try:
    project(tmp)
    with Emulator(args=["--schema-sfdx", tmp]) as emu:
        t.run(org, Client(emu), emu)
    t.run(broken, tmp)
finally:
    shutil.rmtree(tmp, ignore_errors=True)
t.done()
