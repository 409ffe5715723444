"""Per-record rules: types, lengths, picklists, required, unique, lookups, upsert (ref. 4, 5, 7)."""

from emutest import INGEST, Client, Emulator, Tap, csv_rows

t = Tap()
ACME = "001Hs00002abcdeIAA"


def by_key(text, key_col):
    rows = csv_rows(text)
    head = rows[0]
    i = head.index(key_col)
    return {r[i]: dict(zip(head, r)) for r in rows[1:]}


def records(emu, obj, key="OrbId__c"):
    return {r[key]: r for r in emu.records(obj)}


def customers(c, emu):
    data = ("OrbId__c,Name,Email__c,Balance__c,AutoCollection__c,PaymentProvider__c,"
            "CreatedAt__c,BillingCountry__c,Account__c\n"
            "c1,Alpha,a@example.com,12.345,true,stripe_charge,2024-03-01T10:00:00Z,DE," + ACME +
            "\n"
            "c2,Beta,,912260031,FALSE,,2024-03-01T10:00:00.5+02:00,,001Hs00002FgHiJ\n"
            "c3,Gamma,not-an-email,1,1,,,,\n"
            "c4,Delta,,1e3,0,paypal,,,\n"
            "c5,Epsilon,,12345678901234.99,,,,,\n"
            "c6,Zeta,,123456789012345,,,,,\n"
            "c7,Eta,,abc,,,,,\n"
            "c8,Theta,,,yes,,,,\n"
            "c9,Iota,,,,,2024-02-30T00:00:00Z,,\n"
            "c10,Kappa,,,,,,DEU,\n"
            "c11,,,,,,,,\n"
            "c12,Lambda,,,,,,,001Hs00002zzzzzIAA\n"
            "c13,Mu,,,,,,,a01Hs00002FIn0AIAT\n"
            "c14,Nu,,,,,,,00XYZ\n"
            "c15,Xi,,-0.005,,,2024-03-01T10:00:00,,\n"
            "c16,Omicron,,,,Stripe_Charge,,,\n"
            "c17,Pi,,99999999999999.995,,,,,\n")
    info, ok, bad = c.run_job("OrbCustomer__c", data)
    t.eq((info["state"], info["numberRecordsProcessed"], info["numberRecordsFailed"]),
         ("JobComplete", 17, 12), "customer job: 17 processed, 12 failed")
    good, fail = by_key(ok, "OrbId__c"), by_key(bad, "OrbId__c")
    t.eq(set(good), {"c1", "c2", "c5", "c11", "c15"}, "rows that pass: c1 c2 c5 c11 c15")
    errs = {k: v["sf__Error"] for k, v in fail.items()}
    want = {
        "c3": "INVALID_EMAIL_ADDRESS:Email: invalid email address: not-an-email:Email__c --",
        "c4": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:Payment Provider: bad value for "
              "restricted picklist field: paypal:PaymentProvider__c --",
        "c6": "NUMBER_OUTSIDE_VALID_RANGE:Balance: value outside of valid range on numeric "
              "field: 1.23456789012345E14:Balance__c --",
        "c7": "INVALID_FIELD:Failed to deserialize field at col 3. Due to, 'abc' is not a valid "
              "value for the type xsd:double:Balance__c --",
        "c8": "INVALID_FIELD:Failed to deserialize field at col 4. Due to, 'yes' is not a valid "
              "value for the type xsd:boolean:AutoCollection__c --",
        "c9": "INVALID_FIELD:Failed to deserialize field at col 6. Due to, '2024-02-30T00:00:00Z'"
              " is not a valid value for the type xsd:dateTime:CreatedAt__c --",
        "c10": "STRING_TOO_LONG:Billing Country: data value too large: DEU (max length=2)"
               ":BillingCountry__c --",
        "c12": "INVALID_CROSS_REFERENCE_KEY:invalid cross reference id:--",
        "c13": "INVALID_CROSS_REFERENCE_KEY:invalid cross reference id:--",
        "c14": "MALFORMED_ID:Account: id value of incorrect type: 00XYZ:Account__c --",
        "c16": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:Payment Provider: bad value for "
               "restricted picklist field: Stripe_Charge:PaymentProvider__c --",
        "c17": "NUMBER_OUTSIDE_VALID_RANGE:Balance: value outside of valid range on numeric "
               "field: 1.0E14:Balance__c --",
    }
    for k, v in want.items():
        t.eq(errs.get(k), v, "sf__Error for %s" % k)
    t.eq(fail["c7"]["sf__Id"], "", "failed insert has sf__Id \"\"")
    t.eq(fail["c7"]["Balance__c"], "abc", "failed rows echo the raw value")
    t.eq(good["c2"]["Balance__c"], "9.12260031E8", "success echo: 912260031 -> 9.12260031E8")
    t.eq(good["c1"]["Balance__c"], "12.345", "success echo: parsed value, not rounded")
    t.eq(good["c5"]["Balance__c"], "1.234567890123499E13", "success echo: Java E notation")
    t.eq(good["c2"]["AutoCollection__c"], "FALSE", "non-number columns echoed as uploaded")
    t.eq(good["c1"]["sf__Created"], "true", "insert via upsert: sf__Created true")
    stored = records(emu, "OrbCustomer__c")
    t.eq(set(stored), {"c1", "c2", "c5", "c11", "c15"}, "only passing rows are stored")
    t.eq(stored["c11"]["Name"], stored["c11"]["Id"],
         "a custom object's Name left out on insert defaults to the record's Id")
    s1, s2 = stored["c1"], stored["c2"]
    t.eq(s1["Balance__c"], 12.35, "12.345 stored rounded half-up to scale 2")
    t.eq(stored["c15"]["Balance__c"], -0.01, "-0.005 rounds half away from zero to -0.01")
    t.eq(s1["AutoCollection__c"], True, "true stored as a boolean")
    t.eq(s2["AutoCollection__c"], False, "FALSE accepted (booleans are case-insensitive)")
    t.eq(s1["CreatedAt__c"], "2024-03-01T10:00:00.000+0000", "Z datetime stored in UTC")
    t.eq(s2["CreatedAt__c"], "2024-03-01T08:00:00.500+0000", "+02:00 converted to UTC")
    t.eq(stored["c15"]["CreatedAt__c"], "2024-03-01T10:00:00.000+0000",
         "datetime without an offset is UTC")
    t.eq(s1["Account__c"], ACME, "18-char Account id stored")
    t.eq(s2["Account__c"], "001Hs00002FgHiJIAV", "15-char Account id stored as 18 chars")
    t.eq(s1["Email__c"], "a@example.com", "email stored")
    t.eq(s2["Email__c"], None, "empty cell on insert leaves the field null")
    t.ok(stored["c5"]["Balance__c"] == 12345678901234.99, "14 integer digits fit currency(16,2)",
         stored["c5"]["Balance__c"])
    return stored


def upsert_semantics(c, emu, before):
    data = ("OrbId__c,Name,Email__c,Balance__c,Account__c,BillingCountry__c\n"
            "c1,Alpha 2,,#N/A,#N/A,\n"
            "c2,,b@example.org,,,#N/A\n"
            "c20,New,,5,,\n"
            "c21,Dup,,,,\n"
            "c21,Dup again,,,,\n"
            ",No key,,,,\n"
            "C1,Case,,,,\n"
            "c5,#N/A,,,,\n")
    info, ok, bad = c.run_job("OrbCustomer__c", data)
    good, fail = by_key(ok, "Name"), by_key(bad, "Name")
    t.eq(good["Alpha 2"]["sf__Created"], "false", "upsert of an existing key: sf__Created false")
    t.eq(good["Alpha 2"]["sf__Id"], before["c1"]["Id"], "update keeps the record id")
    t.eq(good["New"]["sf__Created"], "true", "upsert of a new key: sf__Created true")
    t.eq(good["Case"]["sf__Created"], "true", "case-sensitive unique ext id: C1 is a new record")
    t.eq(good[""]["sf__Created"], "false", "empty Name on update is allowed (no change)")
    t.eq({k: v["sf__Error"] for k, v in fail.items()}, {
        "Dup": "DUPLICATE_EXTERNAL_ID:Duplicate external id specified: c21:OrbId__c --",
        "Dup again": "DUPLICATE_EXTERNAL_ID:Duplicate external id specified: c21:OrbId__c --",
        "No key": "MISSING_ARGUMENT:OrbId__c not specified:--",
        "#N/A": "REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --"},
        "upsert errors: duplicates in the job, missing key, #N/A on a required field")
    t.eq(fail["#N/A"]["sf__Id"], before["c5"]["Id"], "failed update reports the record's sf__Id")
    after = records(emu, "OrbCustomer__c")
    a1, a2 = after["c1"], after["c2"]
    t.eq((a1["Name"], a1["Balance__c"], a1["Account__c"]), ("Alpha 2", None, None),
         "#N/A clears currency and lookup fields")
    t.eq((a1["Email__c"], a1["BillingCountry__c"]), ("a@example.com", "DE"),
         "empty cells leave fields unchanged on update")
    t.eq((a2["Name"], a2["Email__c"], a2["BillingCountry__c"], a2["Balance__c"]),
         ("Beta", "b@example.org", None, 912260031.0), "second update: set, clear, keep")
    t.ok(a1["LastModifiedDate"] >= before["c1"]["LastModifiedDate"] and
         a1["CreatedDate"] == before["c1"]["CreatedDate"], "update moves LastModifiedDate only")
    t.ok("c21" not in after, "no record for duplicated keys")
    info, ok, bad = c.run_job("OrbCustomer__c", "OrbId__c,AutoCollection__c\nc1,#N/A\n")
    t.eq(records(emu, "OrbCustomer__c")["c1"]["AutoCollection__c"], False,
         "#N/A on a checkbox sets false")


def lookups(c, emu):
    data = ("OrbId__c,Name,OrbCustomer__r.OrbId__c,Status__c,InvoiceDate__c,Total__c,"
            "Account__r.Id\n"
            "i1,INV-1,c1,issued,2024-03-31,100,\n"
            "i2,INV-2,nope,paid,2024-03-31,100,\n"
            "i3,INV-3,c2,Issued,2024-03-31,100,\n"
            "i4,INV-4,,paid,2024-13-01,100,\n"
            "i5,INV-5,#N/A,void,2024-03-31Z,100," + ACME + "\n"
            "i6,INV-6,c1,draft,03/31/2024,100,\n"
            "i7,INV-7,c1,draft,2024-03-31,1.5E2,001Hs00002zzzzzIAA\n")
    info, ok, bad = c.run_job("OrbInvoice__c", data)
    good, fail = by_key(ok, "OrbId__c"), by_key(bad, "OrbId__c")
    errs = {k: v["sf__Error"] for k, v in fail.items()}
    t.eq(errs, {
        "i2": "INVALID_FIELD:Foreign key external ID: nope not found for field OrbId__c in "
              "entity OrbCustomer__c:--",
        "i3": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:Status: bad value for restricted "
              "picklist field: Issued:Status__c --",
        "i4": "INVALID_FIELD:Failed to deserialize field at col 4. Due to, '2024-13-01' is not a "
              "valid value for the type xsd:date:InvoiceDate__c --",
        "i6": "INVALID_FIELD:Failed to deserialize field at col 4. Due to, '03/31/2024' is not a "
              "valid value for the type xsd:date:InvoiceDate__c --",
        "i7": "INVALID_FIELD:Foreign key external ID: 001Hs00002zzzzzIAA not found for field Id "
              "in entity Account:--"}, "invoice errors: missing parent, picklist case, dates")
    inv = records(emu, "OrbInvoice__c")
    cust = records(emu, "OrbCustomer__c")
    t.eq(inv["i1"]["OrbCustomer__c"], cust["c1"]["Id"], "Parent__r.ExtId__c resolves to the id")
    t.eq(inv["i5"]["OrbCustomer__c"], None, "#N/A in a relationship column leaves it null")
    t.eq(inv["i5"]["Account__c"], ACME, "Account__r.Id resolves by id")
    t.eq(inv["i5"]["InvoiceDate__c"], "2024-03-31", "date with Z accepted")
    t.eq(good["i1"]["Total__c"], "100.0", "success echo: 100 -> 100.0")
    t.eq(good["i1"]["OrbCustomer__r.OrbId__c"], "c1", "relationship column echoed as sent")


def plain_operations(c, emu):
    info, ok, bad = c.run_job("OrbPlan__c", "Name,OrbId__c,NetTerms__c,Description__c\n"
                              "Plan A,p1,30.5,\nPlan B,p2,,\nPlan C,p1,,\n"
                              "Plan D,p4,,\U0001F600\n", "insert")
    good, fail = by_key(ok, "Name"), by_key(bad, "Name")
    t.eq(fail["Plan C"]["sf__Error"], "DUPLICATE_VALUE:duplicate value found: OrbId__c "
         "duplicates value on record with id: %s:--" % good["Plan A"]["sf__Id"],
         "insert of a taken unique value -> DUPLICATE_VALUE with the other id")
    plans = records(emu, "OrbPlan__c")
    t.eq(plans["p1"]["NetTerms__c"], 31.0, "double(18,0): 30.5 rounds half-up to 31")
    t.eq(good["Plan A"]["NetTerms__c"], "30.5", "echo keeps the parsed 30.5")
    pid = plans["p1"]["Id"]
    long_text = "x" * 32767 + "\U0001F600"
    data = ("Id,Name,Description__c\n%s,Plan A2,\n%s,Plan Z,\n,Plan Y,\n%s,Plan X,\n"
            "%s,Plan W,%s\n%s,Plan V,\n"
            % (pid.lower(), "a02Hs00002zzzzzIAA", ACME, pid[:15], long_text, pid[:17]))
    info, ok, bad = c.run_job("OrbPlan__c", data, "update", None)
    good, fail = by_key(ok, "Name"), by_key(bad, "Name")
    t.eq(set(good), {"Plan A2"}, "update by a lower-case 18-char id works")
    t.eq({k: v["sf__Error"] for k, v in fail.items()}, {
        "Plan Z": "INVALID_CROSS_REFERENCE_KEY:invalid cross reference id:--",
        "Plan Y": "MISSING_ARGUMENT:Id not specified in an update call:--",
        "Plan X": "MALFORMED_ID:Orb Plan ID: id value of incorrect type: %s:Id --" % ACME,
        "Plan W": "STRING_TOO_LONG:Description: data value too large: %s (max length=32768)"
                  ":Description__c --" % long_text,
        "Plan V": "MALFORMED_ID:Orb Plan ID: id value of incorrect type: %s:Id --" % pid[:17]},
        "update errors (length counted in UTF-16 units)")
    t.eq(records(emu, "OrbPlan__c")["p1"]["Name"], "Plan A2", "update stored")
    info, ok, bad = c.run_job("OrbPlan__c", "Id\n%s\n%s\n" % (pid, pid), "delete", None)
    rows = csv_rows(ok)[1:] + csv_rows(bad)[1:]
    t.eq(sorted(r[1] for r in rows), ["ENTITY_IS_DELETED:entity is deleted:--", "false"],
         "delete: sf__Created false, then entity is deleted")
    t.ok("p1" not in records(emu, "OrbPlan__c"), "deleted record is gone")
    info, ok, bad = c.run_job("OrbPlan__c", "Id,Name\n%s,Back\n" % pid, "update", None)
    t.eq(csv_rows(bad)[1][1], "ENTITY_IS_DELETED:entity is deleted:--", "update a deleted record")
    info, ok, bad = c.run_job("OrbPlan__c", "Id,Name\n%s,Clash\n" % pid, "insert")
    t.eq(csv_rows(bad)[1][1], "INVALID_FIELD_FOR_INSERT_UPDATE:cannot specify Id in an insert "
         "call:Id --", "insert with an Id value")
    info, ok, bad = c.run_job("OrbPlan__c", "Name,CreatedDate\nT,2024-01-01T00:00:00Z\n",
                              "insert")
    t.eq(csv_rows(bad)[1][1], "INVALID_FIELD_FOR_INSERT_UPDATE:Unable to create/update fields: "
         "CreatedDate. Please check the security settings of this field and verify that it is "
         "read/write for your profile or permission set.:CreatedDate --",
         "a read-only field cannot be written")
    info, ok, bad = c.run_job("OrbPlan__c", "Name,OrbId__c\nP9,p9\nP10,p10\n", "upsert", "Id")
    t.eq([r[1] for r in csv_rows(ok)[1:]], ["true", "true"], "upsert on Id with empty Id inserts")
    ids = sorted(r[0] for r in csv_rows(ok)[1:])
    info, ok, bad = c.run_job("OrbPlan__c", "Id,Name\n%s,P9b\n" % ids[0], "upsert", "Id")
    t.eq(csv_rows(ok)[1][:2], [ids[0], "false"], "upsert on Id with an Id updates")


def nonunique_external_id(c, emu):
    emu.add_records("OrbCustomer__c", [
        {"Name": "X1", "OrbId__c": "x1", "ExternalCustomerId__c": "ext-dup"},
        {"Name": "X2", "OrbId__c": "x2", "ExternalCustomerId__c": "ext-dup"}])
    info, ok, bad = c.run_job("OrbCustomer__c", "ExternalCustomerId__c,Name\next-dup,X\n"
                              "ext-new,Y\n", "upsert", "ExternalCustomerId__c")
    err = csv_rows(bad)[1][1]
    t.ok(err.startswith("DUPLICATE_EXTERNAL_ID:External Customer Id: more than one record found "
                        "for external id field: [a01") and err.endswith("]:--"),
         "upsert key matching two records -> DUPLICATE_EXTERNAL_ID", err)
    t.eq(csv_rows(ok)[1][1], "true", "non-matching key inserts")


def delimiters(c, emu):
    info, ok, bad = c.run_job("OrbPlan__c", 'Name`Description__c\nTick`"a `quoted` b"\n',
                              "insert", columnDelimiter="BACKQUOTE")
    t.eq(info["numberRecordsFailed"], 0, "BACKQUOTE delimiter job")
    got = {r["Name"]: r["Description__c"] for r in emu.records("OrbPlan__c")}
    t.eq(got.get("Tick"), "a `quoted` b", "delimiter inside quotes kept")
    info, ok, bad = c.run_job("OrbPlan__c", 'Name\tDescription__c\nTab\t"say ""hi""\nthere"\n',
                              "insert", columnDelimiter="TAB")
    got = {r["Name"]: r["Description__c"] for r in emu.records("OrbPlan__c")}
    t.eq(got.get("Tab"), 'say "hi"\nthere', "doubled quotes and a newline inside quotes")
    info, ok, bad = c.run_job("OrbPlan__c", "Name;Description__c\n Spaced ; x \n", "insert",
                              columnDelimiter="SEMICOLON")
    got = {r["Name"]: r["Description__c"] for r in emu.records("OrbPlan__c")}
    t.eq(got.get(" Spaced "), " x ", "values are not trimmed")


def record_length(c, emu):
    """Reference 5: at most 400,000 characters per record (its values, counted as
    characters, not bytes); a longer record fails alone (docs/emulator.md decision)."""
    fields = ("Discount__c", "Minimum__c", "Maximum__c", "Product__c")
    head = "OrbId__c,Name," + ",".join(fields) + "\n"

    def row(key, name, total):
        # values as characters: key + name + four textarea values adding up to total
        left = total - len(key) - len(name)
        sizes = [left // 4] * 3 + [left - 3 * (left // 4)]
        return "%s,%s,%s\n" % (key, name, ",".join("\u00e9" * n for n in sizes))

    data = head + row("len1", "At", 400000) + row("len2", "Over", 400001) + \
        row("len3", "Short", 10)
    info, ok, bad = c.run_job("OrbPlan__c", data)
    failed = {r[2]: r[1] for r in csv_rows(bad)[1:]}
    t.eq(failed, {"len2": "STRING_TOO_LONG:record too long: 400001 characters, the maximum "
                          "is 400000:--"},
         "a record of 400,001 characters fails with STRING_TOO_LONG; 400,000 (800,000 "
         "bytes of UTF-8) is within the limit")
    t.eq((info["numberRecordsProcessed"], info["numberRecordsFailed"]), (3, 1),
         "the other records of the job are processed")
    got = sorted(r["OrbId__c"] for r in emu.records("OrbPlan__c") if
                 r["OrbId__c"].startswith("len"))
    t.eq(got, ["len1", "len3"], "the long record is not stored, the others are")


def hard_delete(c, emu):
    """hardDelete needs the permission switch; it leaves nothing in the recycle bin, so a
    second delete of the id finds nothing (INVALID_CROSS_REFERENCE_KEY); a plain delete
    leaves the id in the recycle bin (ENTITY_IS_DELETED)."""
    head = "OrbId__c,Name\n"
    c.run_job("OrbPlan__c", head + "hd1,H1\nhd2,H2\n")
    ids = {r["OrbId__c"]: r["Id"] for r in emu.records("OrbPlan__c")}
    r = c.post_json(INGEST, {"object": "OrbPlan__c", "operation": "hardDelete"})
    t.eq((r.status, r.json()[0]["errorCode"]), (400, "INVALIDJOB"),
         "hardDelete without the permission: the job create is refused")
    t.has(r.json()[0]["message"], "Bulk API Hard Delete permission", "and the refusal says why")
    emu.set_faults(hard_delete=1)
    try:
        info, ok, bad = c.run_job("OrbPlan__c", "Id\n%s\n" % ids["hd1"], "hardDelete", None)
        t.eq((info["state"], info["numberRecordsFailed"]), ("JobComplete", 0),
             "hardDelete with the permission")
        info, ok, bad = c.run_job("OrbPlan__c", "Id\n%s\n" % ids["hd2"], "delete", None)
        t.eq(emu.deleted("OrbPlan__c").count(ids["hd2"]), 1, "a deleted id is in the recycle bin")
        t.ok(ids["hd1"] not in emu.deleted("OrbPlan__c"), "a hard-deleted one is not")
        info, ok, bad = c.run_job("OrbPlan__c", "Id\n%s\n%s\n" % (ids["hd1"], ids["hd2"]),
                                  "delete", None)
        t.eq(sorted(r[1] for r in csv_rows(bad)[1:]),
             ["ENTITY_IS_DELETED:entity is deleted:--",
              "INVALID_CROSS_REFERENCE_KEY:invalid cross reference id:--"],
             "deleting again: recycle bin -> ENTITY_IS_DELETED, hard-deleted -> not found")
    finally:
        emu.set_faults(hard_delete=None)


with Emulator() as emu:
    c = Client(emu)
    stored = customers(c, emu)
    t.run(record_length, c, emu)
    t.run(upsert_semantics, c, emu, stored)
    t.run(lookups, c, emu)
    t.run(plain_operations, c, emu)
    t.run(nonunique_external_id, c, emu)
    t.run(delimiters, c, emu)
    t.run(hard_delete, c, emu)
t.done()
