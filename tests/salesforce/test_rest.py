"""REST basics: versions, resources, limits, describe, Sforce-Limit-Info, methods (ref. 2, 6)."""

import re

from emutest import BASE, Client, Emulator, Tap

t = Tap()
NOT_FOUND = '[{"message":"The requested resource does not exist","errorCode":"NOT_FOUND"}]'


def versions(c):
    r = c.get("/services/data/", auth=False)
    t.eq(r.status, 200, "GET /services/data/ -> 200")
    v = r.json()
    t.eq(v[-1], {"label": "Summer '26", "url": "/services/data/v67.0", "version": "67.0"},
         "latest version is v67.0, Summer '26")
    t.ok({"label": "Winter '25", "url": "/services/data/v62.0", "version": "62.0"} in v,
         "v62.0 is Winter '25")
    t.eq(v[0]["version"], "31.0", "oldest listed version is 31.0")
    t.ok("sforce-limit-info" not in r.headers, "no Sforce-Limit-Info on the versions list")
    t.eq(c.get("/services/data", auth=False).status, 200, "without the trailing slash too")
    before = c.emu.stats()["api_requests"]["total"]
    c.get("/services/data/", auth=False)
    t.eq(c.emu.stats()["api_requests"]["total"], before, "versions list is not an API request")


def resources_and_versions(c):
    r = c.get(BASE)
    t.eq(r.json()["limits"], BASE + "/limits", "resources list names limits")
    t.eq(c.get("/services/data/v41.0/jobs/ingest").status, 200, "v41.0 serves ingest")
    t.eq(c.get("/services/data/v68.0/jobs/ingest").status, 200, "v68.0 (preview) accepted")
    r = c.get("/services/data/v69.0/limits")
    t.eq((r.status, r.text), (404, NOT_FOUND), "unknown version -> 404 NOT_FOUND")
    t.eq(c.get("/services/data/v62.5/limits").status, 404, "v62.5 -> 404")
    t.eq(c.get("/services/data/latest/limits").status, 404, "non-version segment -> 404")
    r = c.get("/services/data/v30.0/limits")
    t.eq(r.status, 410, "retired version v30.0 -> 410 GONE")
    t.eq(c.get("/services/data/v40.0/jobs/ingest").status, 404, "no ingest before v41.0")
    t.eq(c.get("/services/data/v40.0/limits").status, 200, "REST basics from v31.0")
    r = c.get(BASE + "/nosuch/thing")
    t.eq((r.status, r.text), (404, NOT_FOUND), "unknown resource -> 404 NOT_FOUND")
    r = c.request("DELETE", BASE + "/limits")
    t.eq(r.status, 405, "DELETE on limits -> 405")
    t.eq(r.json()[0]["errorCode"], "METHOD_NOT_ALLOWED", "405 body METHOD_NOT_ALLOWED")
    t.has(r.json()[0]["message"], "HTTP Method 'DELETE' not allowed. Allowed are GET",
          "405 message names the allowed methods")
    t.eq(c.get("/nowhere", auth=False).status, 404, "paths outside /services -> 404")


def limits(c):
    r = c.get(BASE + "/limits")
    t.eq(r.status, 200, "GET limits -> 200")
    body = r.json()
    for key in ("DailyApiRequests", "DailyBulkApiBatches", "DailyBulkV2QueryJobs",
                "DailyBulkV2QueryFileStorageMB"):
        t.ok(set(body.get(key, {})) == {"Max", "Remaining"}, "limits has %s {Max, Remaining}"
             % key, body.get(key))
    t.eq(body["DailyApiRequests"]["Max"], 100000, "default DailyApiRequests Max 100000")
    t.eq(body["DailyBulkApiBatches"]["Max"], 15000, "default DailyBulkApiBatches Max 15000")
    m = re.fullmatch(r"api-usage=(\d+)/100000", r.headers.get("sforce-limit-info", ""))
    t.ok(m, "Sforce-Limit-Info: api-usage=n/100000", r.headers)
    used = int(m.group(1))
    t.eq(body["DailyApiRequests"]["Remaining"], 100000 - used,
         "Remaining agrees with the header")
    r2 = c.get(BASE + "/limits/")
    t.eq(r2.json()["DailyApiRequests"]["Remaining"], 100000 - used - 1,
         "each call uses one request (trailing slash accepted)")
    t.eq(r2.headers["sforce-limit-info"], "api-usage=%d/100000" % (used + 1),
         "header counts this call")
    r3 = c.get(BASE + "/jobs/ingest/750Hs00002FIn0AIAT")
    t.ok("sforce-limit-info" in r3.headers, "Sforce-Limit-Info on an error answer too")
    r4 = c.get(BASE + "/limits", headers={"X-PrettyPrint": "1"})
    t.has(r4.text, '"DailyApiRequests" : {', "X-PrettyPrint: 1 pretty-prints")
    t.ok(r.text.startswith('{"DailyApiRequests":{'), "compact JSON without X-PrettyPrint")


def describe(c):
    r = c.get(BASE + "/sobjects/OrbInvoice__c/describe")
    t.eq(r.status, 200, "describe OrbInvoice__c -> 200")
    d = r.json()
    t.eq((d["name"], d["label"], d["keyPrefix"], d["custom"]),
         ("OrbInvoice__c", "Orb Invoice", "a04", True), "describe object attributes")
    fields = {f["name"]: f for f in d["fields"]}
    t.eq(d["fields"][0]["name"], "Id", "first field is Id")
    idf = fields["Id"]
    t.eq((idf["type"], idf["length"], idf["idLookup"], idf["createable"], idf["nillable"]),
         ("id", 18, True, False, False), "standard Id field")
    need = {"name", "label", "type", "length", "precision", "scale", "nillable", "externalId",
            "unique", "caseSensitive", "idLookup", "referenceTo", "relationshipName",
            "picklistValues", "restrictedPicklist", "createable", "updateable"}
    t.ok(all(need <= set(f) for f in d["fields"]), "every field has the describe keys",
         [sorted(need - set(f)) for f in d["fields"]][:1])
    name = fields["Name"]
    t.eq((name["type"], name["length"], name["nillable"], name["label"], name["nameField"]),
         ("string", 80, False, "Orb Invoice Name", True), "Name: required string(80)")
    ext = fields["OrbId__c"]
    t.eq((ext["externalId"], ext["unique"], ext["caseSensitive"], ext["idLookup"],
          ext["length"]), (True, True, True, True, 64), "OrbId__c: unique case-sensitive ext id")
    tot = fields["Total__c"]
    t.eq((tot["type"], tot["precision"], tot["scale"], tot["soapType"], tot["label"]),
         ("currency", 16, 2, "xsd:double", "Total"), "Total__c: currency(16,2)")
    st = fields["Status__c"]
    t.eq((st["type"], st["restrictedPicklist"], [p["value"] for p in st["picklistValues"]]),
         ("picklist", True, ["issued", "paid", "synced", "void", "draft"]),
         "Status__c: restricted picklist values")
    t.eq(st["picklistValues"][0], {"active": True, "defaultValue": False, "label": "issued",
                                   "validFor": None, "value": "issued"}, "picklist value shape")
    ref = fields["OrbCustomer__c"]
    t.eq((ref["type"], ref["referenceTo"], ref["relationshipName"], ref["length"]),
         ("reference", ["OrbCustomer__c"], "OrbCustomer__r", 18), "lookup to OrbCustomer__c")
    t.eq((fields["InvoiceDate__c"]["type"], fields["IssuedAt__c"]["type"]),
         ("date", "datetime"), "date and datetime types")
    t.eq(fields["CreatedDate"]["createable"], False, "system fields are not createable")
    acc = c.get(BASE + "/sobjects/account/describe/").json()
    t.eq((acc["name"], acc["keyPrefix"], acc["custom"]), ("Account", "001", False),
         "describe is case-insensitive and takes a trailing slash")
    t.eq({f["name"] for f in acc["fields"]} >= {"Id", "Name"}, True, "Account has Id and Name")
    t.eq([x["childSObject"] for x in acc["childRelationships"]],
         ["OrbCustomer__c", "OrbInvoice__c"], "Account's child relationships")
    r = c.get(BASE + "/sobjects/Nope__c/describe")
    t.eq((r.status, r.text), (404, NOT_FOUND), "describe unknown object -> 404 NOT_FOUND")
    r = c.get(BASE + "/sobjects")
    names = [o["name"] for o in r.json()["sobjects"]]
    t.eq(len(names), 9, "sobjects lists the 9 schema objects")
    t.ok("OrbDailyLineItemRevenue__c" in names and "Account" in names, "sobjects names")


with Emulator() as emu:
    c = Client(emu)
    for fn in (versions, resources_and_versions, limits, describe):
        t.run(fn, c)
t.done()
