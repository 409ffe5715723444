#!/bin/sh
# t20_export.sh - `billsync export` over the samples: expected CSV per
# object, rejects, counts that add up, file splitting, archives, gzip
# validity, determinism.
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1
EXP=tests/cases/export/expected

run_bs export --source samples --out "$T/out"
check_eq "export of the samples exits 1 (two rows rejected)" 1 "$rc"
M="$T/out/manifest.json"

# every bulk file is valid gzip and decompresses to the expected CSV
for f in "$T"/out/*/*.csv.gz; do
	gzip -t "$f" 2>/dev/null || not_ok "gzip -t $f"
done
ok "every .csv.gz passes gzip -t"
for want in "$EXP"/*__c.csv; do
	o=$(basename "$want" .csv)
	zcat "$T/out/$o/$o-0001.csv.gz" > "$T/$o.csv"
	check_files_eq "$o: expected CSV" "$want" "$T/$o.csv"
done
o=OrbDailyLineItemRevenue__c
zcat "$T/out/$o/$o-0001.csv.gz" > "$T/$o.csv"
check_files_eq "$o: expected first rows" "$EXP/$o.head.csv" "$(head -25 "$T/$o.csv" > "$T/head.csv"; echo "$T/head.csv")"
check_eq "$o: expected checksum" "$(cat "$EXP/$o.sha256")" "$(sha256sum < "$T/$o.csv" | cut -d' ' -f1)"
check_files_eq "rejects.csv" "$EXP/OrbInvoice__c.rejects.csv" "$T/out/OrbInvoice__c/rejects.csv"

# the manifest: counts add up per object, files are described truthfully
"$PYTHON" - "$T/out" > "$T/manifest.check" 2>&1 <<'PY'
import gzip, hashlib, json, os, sys
out = sys.argv[1]
m = json.load(open(os.path.join(out, "manifest.json")))
problems = []
for o in m["objects"]:
    c = o["counts"]
    if c["read"] != c["written"] + c["filtered"] + c["rejected"] + c["duplicates"] + c["unchanged"] + c.get("rolled_up", 0):
        problems.append(o["object"] + ": counts do not add up")
    if sum(c["filtered_by"].values()) != c["filtered"] or sum(c["rejected_by"].values()) != c["rejected"]:
        problems.append(o["object"] + ": breakdowns do not add up")
    rows = 0
    for f in o["files"]:
        data = open(os.path.join(out, f["path"]), "rb").read()
        raw = gzip.decompress(data)
        lines = raw.decode().count("\n")
        if hashlib.sha256(data).hexdigest() != f["sha256"]: problems.append(f["path"] + ": sha256")
        if len(raw) != f["raw_bytes"] or len(data) != f["compressed_bytes"]: problems.append(f["path"] + ": sizes")
        origin = gzip.decompress(open(os.path.join(out, f["origin"]), "rb").read()).decode().splitlines()
        if len(origin) != f["rows"] + 1: problems.append(f["path"] + ": origin rows")
        if sum(s["rows"] for s in f["sources"]) != f["rows"]: problems.append(f["path"] + ": sources")
        rows += f["rows"]
    if rows != c["written"]: problems.append(o["object"] + ": file rows != written")
print("\n".join(problems) if problems else "fine")
PY
check_eq "manifest counts add up and describe the files" "fine" "$(cat "$T/manifest.check")"
# rows of one customer, one invoice, one line are next to each other
"$PYTHON" - "$T/out" > "$T/groups.check" 2>&1 <<'PY'
import csv, glob, gzip, sys
bad = []
for obj, cols in (("OrbDailyLineItemRevenue__c", ("OrbCustomer__r.OrbId__c", "OrbInvoice__r.OrbId__c",
                                                  "OrbInvoiceLineItemBilling__r.OrbId__c")),
                  ("OrbInvoiceLineItemBilling__c", ("OrbCustomer__r.OrbId__c", "OrbInvoice__r.OrbId__c"))):
    rows = []
    for f in sorted(glob.glob("%s/%s/%s-0*.csv.gz" % (sys.argv[1], obj, obj))):
        if not f.endswith(".origin.csv.gz"):
            rows += list(csv.DictReader(gzip.open(f, "rt", newline="")))
    for c in cols:
        done, last = set(), None
        for r in rows:
            if r[c] != last:
                if r[c] in done:
                    bad.append("%s: %s %s comes back" % (obj, c, r[c]))
                done.add(last)
                last = r[c]
print("\n".join(bad[:5]) if bad else "together")
PY
check_eq "group_by keeps customers, invoices and lines together" "together" "$(cat "$T/groups.check")"
check_contains "manifest lists the duplicate key" "$(cat "$M")" '"dropped": "samples/invoices.csv:43"'
check_contains "manifest records the load order" "$(cat "$M")" '"depends_on": [
        "OrbCustomer__c",
        "OrbSubscription__c"
      ]'
check_contains "summary adds up" "$(cat "$T/stdout")" "6289 read = 3467 written + 3 filtered + 2 rejected + 1 duplicates + 0 unchanged + 2816 rolled up"

# the same input gives byte-identical files
run_bs export --source samples --out "$T/again"
same=yes
for f in "$T"/out/*/*.csv.gz; do
	cmp -s "$f" "$T/again/${f#"$T"/out/}" || same="no: $f"
done
check_eq "a second export is byte-identical" yes "$same"

# split sizes: small files, header in each, rows never split, groups kept
run_bs export --source samples --out "$T/split" --objects OrbInvoiceLineItemBilling__c,invoices --max-file-bytes 4000
check_eq "split export exits 1 (rejects)" 1 "$rc"
n=$(ls "$T"/split/OrbInvoiceLineItemBilling__c/*-0*.csv.gz | grep -vc origin)
case $n in [0-9]|[0-9][0-9]) [ "$n" -gt 5 ] && ok "lines split into $n files" || not_ok "lines split into $n files" ;; *) not_ok "lines split" "$n" ;; esac
big=0; nohead=0
for f in "$T"/split/*/*-0*.csv.gz; do
	case $f in *.origin.csv.gz) continue ;; esac
	[ "$(zcat "$f" | wc -c)" -le 4000 ] || big=$((big + 1))
	zcat "$f" | head -1 | grep -q '^OrbId__c,' || nohead=$((nohead + 1))
done
check_eq "no file over 4000 raw bytes" 0 "$big"
check_eq "every file starts with the header" 0 "$nohead"
o=OrbInvoiceLineItemBilling__c
for f in "$T"/split/$o/$o-0*.csv.gz; do
	case $f in *.origin.csv.gz) ;; *) zcat "$f" | tail -n +2 ;; esac
done > "$T/split-rows.csv"
tail -n +2 "$EXP/$o.csv" > "$T/whole-rows.csv"
check_files_eq "split files hold exactly the rows of one file, in order" "$T/whole-rows.csv" "$T/split-rows.csv"
"$PYTHON" - "$T/split/$o" > "$T/groups" <<'PY'
import csv, glob, gzip, io, sys
seen = {}
for path in sorted(glob.glob(sys.argv[1] + "/*-0*.csv.gz")):
    if path.endswith(".origin.csv.gz"): continue
    for row in csv.DictReader(io.StringIO(gzip.decompress(open(path, "rb").read()).decode())):
        seen.setdefault(row["OrbInvoice__r.OrbId__c"], set()).add(path)
print(sum(1 for v in seen.values() if len(v) > 1))
PY
check_eq "no invoice's lines straddle two files" 0 "$(cat "$T/groups")"
check_eq "--objects exported only what was asked" "OrbInvoiceLineItemBilling__c OrbInvoice__c manifest.json" "$(ls "$T/split" | tr '\n' ' ' | sed 's/ $//')"

run_bs export --source samples --out "$T/rows" --objects OrbPlan__c --max-file-rows 1
check_eq "--max-file-rows 1 gives one file per row" 4 "$(ls "$T"/rows/OrbPlan__c/*-0*.csv.gz | grep -vc origin)"

# archives
for a in bundle.tar bundle.tar.gz bundle.zip; do
	run_bs export --source samples --out "$T/arch" --objects plans,customers --archive "$T/$a"
	check_eq "--archive $a exits 0" 0 "$rc"
	case $a in
	*.zip) list=$(unzip -Z1 "$T/$a") ;;
	*.gz) list=$(tar -tzf "$T/$a") ;;
	*) list=$(tar -tf "$T/$a") ;;
	esac
	check_contains "$a holds the manifest" "$list" "manifest.json"
	check_contains "$a holds the bulk files" "$list" "OrbPlan__c/OrbPlan__c-0001.csv.gz"
	check_contains "$a holds the origin files" "$list" "OrbCustomer__c/OrbCustomer__c-0001.origin.csv.gz"
done
mkdir -p "$T/unzipped" && (cd "$T/unzipped" && unzip -q "$T/bundle.zip")
check "unzipped bulk file is intact" cmp "$T/unzipped/OrbPlan__c/OrbPlan__c-0001.csv.gz" "$T/arch/OrbPlan__c/OrbPlan__c-0001.csv.gz"

run_bs export --source samples --out "$T/j" --objects plans --json
check_contains "--json prints the manifest" "$(cat "$T/stdout")" '"format": "billsync-export/1"'
run_bs export --source samples --out "$T/x" --objects invoics
check_eq "unknown object is a usage error" 2 "$rc"
check_contains "unknown object gets a hint" "$(cat "$T/stderr")" "did you mean 'invoices'?"

# a file is one ingest job: no cap above what Salesforce takes in one
run_bs export --source samples --out "$T/big" --max-file-bytes 112500001
check_eq "--max-file-bytes above 112,500,000 is a usage error" 2 "$rc"
check_contains "... and says why" "$(cat "$T/stderr")" "150 MB after base64"
# a row no file can hold is rejected with its line; the others are written
run_bs export --source samples --out "$T/tight" --objects plans --max-file-bytes 800
check_eq "a row larger than a file: exit 1 (rejected), not an error" 1 "$rc"
check_contains "... rejected with its source line" \
	"$(cat "$T/tight/OrbPlan__c/rejects.csv")" "samples/plans.csv,3,,\"record larger than a bulk file: 604 bytes"
check_contains "... counted as rejected in the manifest" "$(cat "$T/tight/manifest.json")" \
	'"record larger than a bulk file": 1'
check_contains "... the other three rows are written" "$(cat "$T/tight/manifest.json")" \
	'"written": 3'
# SIGTERM stops an export: exit 8, and no manifest (not even an earlier
# one) describes a half-written directory
"${BILLSYNC_GEN:-$BUILD/billsync-gen}" --out "$T/gen" --dlir-rows 200k --seed 3 > /dev/null 2>&1
run_bs export --source samples --out "$T/stop" --objects plans
check "a first export writes its manifest" test -f "$T/stop/manifest.json"
"$BILLSYNC" export --source "$T/gen" --out "$T/stop" --objects daily_line_item_revenue \
	> "$T/stdout" 2> "$T/stderr" &
pid=$!
# signal once the export has begun (it removes the old manifest first, after
# the handler is set): a fixed sleep lost the race on a loaded machine
i=0
while [ -e "$T/stop/manifest.json" ] && [ "$i" -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill -TERM "$pid"
wait "$pid"
rc=$?
check_eq "SIGTERM during an export: exit 8" 8 "$rc"
check_contains "... saying it was interrupted" "$(cat "$T/stderr")" "interrupted"
check "... and no manifest is left" test ! -e "$T/stop/manifest.json"
# the last row of a key wins even when it is filtered out: an invoice
# paid and then a draft again is not sent as paid
mkdir -p "$T/tomb"
{
	sed -n 1,2p samples/invoices.csv
	sed -n 2p samples/invoices.csv | sed 's/,paid,/,draft,/'
	sed -n 3p samples/invoices.csv
	sed -n 3p samples/invoices.csv | sed 's/,[a-z]*,subscription,/,draft,subscription,/'
	sed -n 3p samples/invoices.csv
} > "$T/tomb/invoices.csv"
run_bs export --source "$T/tomb" --out "$T/tomb/out" --objects invoices
check_eq "a later filtered row: exit 0" 0 "$rc"
check_eq "... only the key whose last row passes is written" "inv_1bKCTvwB4FdhaPoX" \
	"$(zcat "$T"/tomb/out/OrbInvoice__c/OrbInvoice__c-0001.csv.gz | tail -n +2 | cut -d, -f1)"
check_contains "... the earlier rows count as duplicates, the counts add up" \
	"$(cat "$T/stdout")" "5 read = 1 written + 2 filtered + 0 rejected + 2 duplicates"

# Salesforce takes at most 400,000 characters in a record: characters, not
# bytes (each "é" is two bytes of UTF-8); the longer row is rejected with
# its source line, the other is written
mkdir -p "$T/longsrc"
"$PYTHON" - "$T/longsrc/plans.csv" <<'PY'
import sys
head = open("samples/plans.csv", encoding="utf-8").readline()
rows = [("plan_long", 200000, 200001), ("plan_near", 199000, 199000)]
with open(sys.argv[1], "w", encoding="utf-8") as f:
    f.write(head)
    for pid, d, m in rows:
        f.write("%s,%s,Long,%s,active,USD,30,1,%s,,,,,,,2024-01-01T00:00:00Z,,\n"
                % (pid, pid, "\u00e9" * d, "\u00e9" * m))
PY
run_bs export --source "$T/longsrc" --out "$T/long" --objects plans
check_eq "a record over 400,000 characters: exit 1 (rejected)" 1 "$rc"
check_contains "... rejected with its source line and its length" \
	"$(cut -c1-250 "$T/long/OrbPlan__c/rejects.csv")" \
	"plans.csv,2,,\"record over 400,000 characters: 400091 characters; Salesforce takes at most 400000 in one record\""
check_contains "... counted in the manifest's rejected_by" "$(cat "$T/long/manifest.json")" \
	'"record over 400,000 characters": 1'
check_contains "... the row of 398,000 characters (796,000 bytes) is written" \
	"$(cat "$T/long/manifest.json")" '"written": 1'
check_eq "... and it is the one in the bulk file" "plan_near" \
	"$(zcat "$T"/long/OrbPlan__c/OrbPlan__c-0001.csv.gz | tail -n +2 | cut -d, -f1)"
done_testing
