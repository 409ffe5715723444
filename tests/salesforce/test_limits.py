"""Daily allocations: API requests, Bulk batches per started 10,000 records, records per day."""

from emutest import BASE, Client, Emulator, Tap

t = Tap()
LIMIT_BODY = '[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]'


def api_requests():
    with Emulator(limits={"DailyApiRequests": 5}) as emu:
        c = Client(emu)
        codes = [c.get(BASE + "/limits").status for _ in range(5)]
        emu.stats()
        emu.records("Account")
        t.eq(codes, [200] * 5, "five requests within DailyApiRequests=5 (inspection not counted)")
        r = c.get(BASE + "/limits")
        t.eq((r.status, r.text), (403, LIMIT_BODY), "sixth request -> 403 REQUEST_LIMIT_EXCEEDED")
        t.eq(r.headers.get("sforce-limit-info"), "api-usage=5/5", "limit header shows 5/5")
        t.eq(c.create("OrbPlan__c", "insert").status, 403, "every API call is refused")
        r = c.request("POST", "/services/oauth2/token", "grant_type=client_credentials&"
                      "client_id=billsync-demo&client_secret=demo-secret",
                      {"Content-Type": "application/x-www-form-urlencoded"}, auth=False)
        t.eq(r.status, 200, "the token endpoint is not an API request")
        t.eq(c.get("/services/data/", auth=False).status, 200, "versions list still answers")
        emu.set_limits(DailyApiRequests=10)
        r = c.get(BASE + "/limits")
        t.eq((r.status, r.json()["DailyApiRequests"]), (200, {"Max": 10, "Remaining": 4}),
             "raising the allocation at runtime lets calls through")
        t.eq(emu.stats()["api_requests"]["total"], 6, "refused calls were not counted")


def batches():
    with Emulator(faults={"rate": 0}) as emu:
        c = Client(emu)
        rows = "".join("B%d\n" % i for i in range(10001))
        c.run_job("OrbPlan__c", "Name\n" + rows, "insert")
        t.eq(emu.stats()["batches_used"], 2, "10,001 records use two batches")
        c.run_job("OrbPlan__c", "Name\nOne\n", "insert")
        t.eq(emu.stats()["batches_used"], 3, "a one-record job uses a whole batch")
        c.run_job("OrbPlan__c", "Name\n", "insert")
        t.eq(emu.stats()["batches_used"], 3, "an empty job uses none")
        t.eq(c.get(BASE + "/limits").json()["DailyBulkApiBatches"], {"Max": 15000,
                                                                     "Remaining": 14997},
             "limits shows the batches used")
        emu.set_limits(DailyBulkApiBatches=4)
        info, ok, bad = c.run_job("OrbPlan__c", "Name\n" + rows, "insert")
        t.eq((info["state"], info["numberRecordsProcessed"], info.get("errorMessage")),
             ("Failed", 10000, "ExceededQuota : DailyBulkApiBatches Limit exceeded."),
             "a job running out of batches fails after the batches it got")
        un = c.results(info["id"], "unprocessedrecords").text.splitlines()
        t.eq((un[0], un[1:]), ("Name", ['"B10000"']), "the rest is unprocessed")
        t.eq(len(ok.splitlines()) - 1, 10000, "processed records keep their results")
        r = c.create("OrbPlan__c", "insert")
        t.eq((r.status, r.json()), (403, [{"message": "DailyBulkApiBatches Limit exceeded.",
                                           "errorCode": "REQUEST_LIMIT_EXCEEDED"}]),
             "creating a job with no batches left -> 403 REQUEST_LIMIT_EXCEEDED")
        emu.reset()
        t.eq(c.get(BASE + "/limits").json()["DailyBulkApiBatches"]["Remaining"], 15000,
             "reset restores allocations and usage")


def records_per_day():
    with Emulator(limits={"DailyBulkRecords": 5}) as emu:
        c = Client(emu)
        info, ok, bad = c.run_job("OrbPlan__c", "Name\n" + "".join("R%d\n" % i for i in range(8)),
                                  "insert")
        t.eq((info["state"], info["numberRecordsProcessed"], info.get("errorMessage")),
             ("Failed", 5, "ExceededQuota : DailyBulkRecords Limit exceeded."),
             "records per day: job fails after 5 records")
        t.eq(len(c.results(info["id"], "unprocessedrecords").text.splitlines()), 4,
             "three records unprocessed (plus header)")
        t.eq(c.create("OrbPlan__c", "insert").status, 403, "no new jobs once the records are used")
        t.eq(emu.stats()["records_processed"], 5, "stats count processed records")


for fn in (api_requests, batches, records_per_day):
    t.run(fn)
t.done()
