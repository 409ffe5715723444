#!/bin/sh
# t11_samples.sh - every sample dataset reads through the reader and its
# mapping the same way plain, gzipped, in the .tar.gz and in a .zip; bad
# rows show their file and line.
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1

datasets="customers plans subscriptions invoices invoice_line_item_billing daily_line_item_revenue credit_ledger_entries"
mkdir -p "$T/gz" "$T/zip"
for d in $datasets; do gzip -c "samples/$d.csv" > "$T/gz/$d.csv.gz"; done
(cd samples && zip -q "$T/zip/export.zip" ./*.csv)

counts() { # source dataset -> "read N, mapped N, filtered N, rejected N"
	"$BILLSYNC" preview "$2" --source "$1" --limit 1 2>&1 | sed -n 's/.*<- [a-z_]*: //p'
}
for d in $datasets; do
	plain=$(counts samples "$d")
	case $plain in read\ [1-9]*) ok "$d reads plain ($plain)" ;; *) not_ok "$d reads plain" "$plain" ;; esac
	check_eq "$d reads the same gzipped" "$plain" "$(counts "$T/gz" "$d")"
	check_eq "$d reads the same from the .tar.gz" "$plain" "$(counts samples/billing-export.tar.gz "$d")"
	check_eq "$d reads the same from a .zip" "$plain" "$(counts "$T/zip/export.zip" "$d")"
done
check_eq "the draft invoice is filtered, the two bad ones rejected, the duplicate counted" \
	"read 60, mapped 56, filtered 1, rejected 2, duplicates 1" "$(counts samples invoices)"

run_bs preview OrbInvoice__c --source samples --limit 0 --json
check_eq "preview exits 1 when rows are rejected" 1 "$rc"
check_contains "preview --json has the rows" "$(cat "$T/stdout")" '"OrbId__c": "inv_'

# a dataset of daily drops: invoices split over two files (one gzipped, in
# a folder named after the dataset), the second one changing an invoice
mkdir -p "$T/drops/invoices"
second=$("$PYTHON" - "$T/drops" <<'PY'
import csv, gzip, sys
rows = list(csv.reader(open("samples/invoices.csv", newline="", encoding="utf-8")))
def write(f, part):
    csv.writer(f, lineterminator="\n").writerows([rows[0]] + part)
write(open(sys.argv[1] + "/invoices/2024-07-01.csv", "w", newline="", encoding="utf-8"), rows[1:30])
write(gzip.open(sys.argv[1] + "/invoices/2024-07-02.csv.gz", "wt", newline="", encoding="utf-8"), rows[30:])
changed = list(rows[1])
changed[rows[0].index("status")] = "void"
write(open(sys.argv[1] + "/invoices/2024-07-03.csv", "w", newline="", encoding="utf-8"), [changed])
print(rows[1][0])
PY
)
run_bs export --source "$T/drops" --objects invoices --out "$T/drops-out"
check_contains "drops: every file of the dataset is read" "$(cat "$T/stdout")" "61 read = 56 written + 1 filtered + 2 rejected + 2 duplicates"
check_contains "drops: the later drop's version wins" \
	"$(zcat "$T"/drops-out/OrbInvoice__c/OrbInvoice__c-0001.csv.gz | grep "^$second,")" ",void,"
check_contains "drops: the earlier version is listed as dropped" "$(cat "$T/drops-out/manifest.json")" \
	"\"dropped\": \"$T/drops/invoices/2024-07-01.csv:2\""
check_contains "drops: files read in name order (dated drops oldest first)" \
	"$(zcat "$T"/drops-out/OrbInvoice__c/OrbInvoice__c-0001.origin.csv.gz | grep "^$second,")" \
	"invoices/2024-07-03.csv"

# JSON lines with nested values through dotted paths
cat > "$T/customer.map" <<'MAP'
[object]
name        = OrbCustomer__c
source      = customers
external_id = OrbId__c
[fields]
OrbId__c          = id
BillingCountry__c = billing_address.country
Balance__c        = balance | money(currency)
Metadata__c       = metadata | json
MAP
mkdir -p "$T/maps" && cp "$T/customer.map" "$T/maps/"
run_bs preview customers --source samples/jsonl --mappings "$T/maps" --limit 0 --json
check_eq "JSON lines sample maps" 0 "$rc"
check_contains "dotted path into JSON" "$(cat "$T/stdout")" '"BillingCountry__c": "FR"'
check_contains "JSON number keeps its scale" "$(cat "$T/stdout")" '"Balance__c": "-125.50"'

# malformed input: a row with the wrong number of fields, bad UTF-8
mkdir -p "$T/bad"
printf 'id,invoice_number,customer_id,total,currency,status\ninv_1,N-1,c1,10.00,USD,paid\ninv_2,N-2,c1\ninv_3,N-3,c1,\377,USD,paid\ninv_4,N-4,c1,5.00,USD,paid\n' > "$T/bad/invoices.csv"
cat > "$T/maps/invoice.map" <<'MAP'
[object]
name        = OrbInvoice__c
source      = invoices
external_id = OrbId__c
[fields]
OrbId__c = id
Total__c = total | money(currency)
MAP
rm "$T/maps/customer.map"
run_bs preview invoices --source "$T/bad" --mappings "$T/maps"
out=$(cat "$T/stdout")
check_eq "malformed rows: exit 1" 1 "$rc"
check_contains "malformed rows are counted" "$out" "read 4, mapped 2, filtered 0, rejected 2"
check_contains "wrong field count names file:line" "$out" "first at $T/bad/invoices.csv:3: "
check_contains "invalid UTF-8 names file:line" "$out" "first at $T/bad/invoices.csv:4: "
done_testing
