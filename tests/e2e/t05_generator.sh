#!/bin/sh
# t05_generator.sh - billsync-gen (determinism, sizes, consistency, --gzip,
# --bad-rows) and the shipped sample export (regenerates identically, is
# consistent, holds its edge cases and bad rows).
. "$(dirname "$0")/lib.sh"
: "${BILLSYNC_GEN:=$BUILD/billsync-gen}"
CHECK="$ROOT/tests/e2e/check_export.py"
SAMPLES="$ROOT/samples"
DATASETS="customers plans subscriptions invoices invoice_line_item_billing daily_line_item_revenue credit_ledger_entries"

# sums DIR: one checksum line per file, names relative to DIR
sums() { (cd "$1" && for f in *; do cksum "$f"; done); }

# report DIR NAME: runs the checker on DIR, leaving its brief report in $T/NAME.txt
report() { "$PYTHON" "$CHECK" --brief "$1" > "$T/$2.txt" 2>&1; }

# val NAME WORDS...: the value after WORDS in report NAME ("rows customers" -> 12)
val() {
	f=$T/$1.txt; shift
	awk -v k="$*" 'index($0, k " ") == 1 { print substr($0, length(k) + 2); found = 1 }
		END { if (!found) print "-" }' "$f"
}

# between LO HI VALUE: "yes" when LO <= VALUE <= HI
between() { if [ "$3" -ge "$1" ] 2>/dev/null && [ "$3" -le "$2" ]; then echo yes; else echo "no: $3"; fi; }

# problems NAME: the problem count and the first problems of report NAME
problems() { echo "$(val "$1" problems)$(grep '^problem ' "$T/$1.txt" | head -n 3)"; }

gen() { "$BILLSYNC_GEN" "$@" > "$T/gen.out" 2> "$T/gen.err"; rc=$?; }

# --- command line ---------------------------------------------------------
gen --help
check_eq "--help exits 0" 0 "$rc"
check_contains "--help shows usage" "$(cat "$T/gen.out")" "usage: billsync-gen --out DIR"
gen --out "$T/x" --dlir-rows lots
check_eq "a bad --dlir-rows is a usage error" 2 "$rc"
check_contains "the bad value is named" "$(cat "$T/gen.err")" "'lots'"
gen --dlir-rows 1000
check_eq "--out is required" 2 "$rc"
gen --out "$T/x" --frobnicate
check_eq "an unknown option is a usage error" 2 "$rc"

# --- determinism --------------------------------------------------------------
gen --out "$T/a" --dlir-rows 20k --seed 7
check_eq "20k rows, seed 7: exit 0" 0 "$rc"
check_contains "prints the rows per dataset" "$(cat "$T/gen.out")" "daily_line_item_revenue"
cp "$T/gen.out" "$T/a.out"
gen --out "$T/b" --dlir-rows 20000 --seed 7
check_eq "same seed and size: identical files" "$(sums "$T/a")" "$(sums "$T/b")"
gen --out "$T/c" --dlir-rows 20k --seed 8
if cmp -s "$T/a/daily_line_item_revenue.csv" "$T/c/daily_line_item_revenue.csv" ||
   cmp -s "$T/a/customers.csv" "$T/c/customers.csv"; then
	not_ok "a different seed gives different files"
else
	ok "a different seed gives different files"
fi
check_eq "writes exactly the seven datasets" \
	"$(for d in $DATASETS; do echo "$d.csv"; done | sort | tr '\n' ' ')" \
	"$(ls "$T/a" | sort | tr '\n' ' ')"

# --- consistency and sizes ----------------------------------------------------
report "$T/a" a
check_eq "20k export: every CSV parses, ids unique, references resolve, sums add up" \
	0 "$(problems a)"
check_eq "20k export: daily revenue rows as requested" 20000 "$(val a rows daily_line_item_revenue)"
check_eq "20k export: no repeated keys, no bad rows" "0 0 0 0 0 0 0 -" \
	"$(for d in $DATASETS; do printf '%s ' "$(val a duplicates "$d")"; done; grep -c '^bad ' "$T/a.txt" | sed 's/^0$/-/')"
# size M has per 3M daily rows 2k customers, 50k invoices, 200k lines, 100k entries
check_eq "20k export: customers in proportion" yes "$(between 12 16 "$(val a rows customers)")"
check_eq "20k export: plans" yes "$(between 4 8 "$(val a rows plans)")"
check_eq "20k export: subscriptions" yes "$(between 12 40 "$(val a rows subscriptions)")"
check_eq "20k export: invoices in proportion" yes "$(between 200 600 "$(val a rows invoices)")"
check_eq "20k export: lines in proportion" yes \
	"$(between 900 2000 "$(val a rows invoice_line_item_billing)")"
check_eq "20k export: ledger entries in proportion" yes \
	"$(between 350 1300 "$(val a rows credit_ledger_entries)")"
check_eq "the printed counts match the files" \
	"$(for d in $DATASETS; do printf '%s ' "$(val a rows "$d")"; done)" \
	"$(awk '{printf "%s ", $2}' "$T/a.out")"

gen --out "$T/small" --dlir-rows 100 --seed 3
report "$T/small" small
check_eq "smallest export (100 rows) is consistent and exact" "0 100" \
	"$(problems small) $(val small rows daily_line_item_revenue)"
check_eq "smallest export still has a handful of invoices" yes "$(between 4 100 "$(val small rows invoices)")"
gen --out "$T/k" --dlir-rows 2k --seed 3
check_eq "k suffix" "2000" "$(awk '/daily_line_item_revenue/ {print $2}' "$T/gen.out")"

# --- --gzip ---------------------------------------------------------------------
gen --out "$T/z" --dlir-rows 20k --seed 7 --gzip
check_eq "--gzip: exit 0" 0 "$rc"
same=yes
for d in $DATASETS; do
	gzip -dc "$T/z/$d.csv.gz" | cmp -s - "$T/a/$d.csv" || same="no: $d"
done
check_eq "--gzip: each .csv.gz holds the plain file's bytes" yes "$same"

# --- --bad-rows -------------------------------------------------------------------
gen --out "$T/bad" --dlir-rows 20k --seed 7 --bad-rows
report "$T/bad" bad
check_eq "--bad-rows: no bad row has children (nothing cascades)" 0 "$(problems bad)"
for k in invoice_date currency email account; do
	check_eq "--bad-rows: bad $k rows" yes "$(between 1 100 "$(val bad bad "$k")")"
done
dup=$(val bad duplicates invoices | awk '{print $2}')
check_eq "--bad-rows: a repeated invoice id, issued then paid" "issued paid" \
	"$(grep "^$dup," "$T/bad/invoices.csv" | cut -d, -f6 | tr '\n' ' ' | sed 's/ $//')"
check_eq "--bad-rows: the good rows are unchanged in number" 20000 \
	"$(val bad rows daily_line_item_revenue)"

# --- the shipped sample -------------------------------------------------------------
"$PYTHON" "$SAMPLES/make_samples.py" --out "$T/s" > /dev/null
same=yes
for f in $(cd "$SAMPLES" && ls *.csv) jsonl/customers.jsonl; do
	cmp -s "$SAMPLES/$f" "$T/s/$f" || same="no: $f"
done
check_eq "samples: make_samples.py regenerates the committed files" yes "$same"
report "$SAMPLES" s
check_eq "samples: consistent (parse, references, grouping, sums)" 0 "$(problems s)"
check_eq "samples: sizes" "12 4 14 60 219 2913 154" \
	"$(for d in $DATASETS; do printf '%s ' "$(val s rows "$d")"; done | sed 's/ $//')"
check_eq "samples: one bad row of each kind" "1 1 1 1" \
	"$(val s bad invoice_date) $(val s bad currency) $(val s bad email) $(val s bad account)"
check_eq "samples: one repeated invoice id" 1 "$(val s duplicates invoices | cut -d' ' -f1)"
check_eq "samples: plans.csv has CRLF line ends" "yes" \
	"$(head -n 1 "$SAMPLES/plans.csv" | od -c | grep -q '\\r  \\n' && echo yes)"
check_eq "samples: subscriptions.csv starts with a UTF-8 BOM" "357 273 277" \
	"$(head -c 3 "$SAMPLES/subscriptions.csv" | od -An -b | tr -s ' ' | sed 's/^ //; s/ $//')"
mkdir "$T/tar"
tar -xzf "$SAMPLES/billing-export.tar.gz" -C "$T/tar"
same=yes
for d in $DATASETS; do cmp -s "$SAMPLES/$d.csv" "$T/tar/$d.csv" || same="no: $d"; done
check_eq "samples: the archive holds the seven files at its root" "yes 7" \
	"$same $(tar -tzf "$SAMPLES/billing-export.tar.gz" | grep -c '^[a-z_]*\.csv$')"
check_eq "samples: customers.jsonl has the customers.csv records, nested" "True" \
	"$("$PYTHON" -c 'import csv,json,sys
rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
js = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
print(len(rows) == len(js) and all(j["id"] == r["id"] and j["name"] == r["name"]
      and j["billing_address"] == json.loads(r["billing_address"])
      and j["auto_collection"] == (r["auto_collection"] == "true")
      and (j["tax_id"] or {}).get("value", "") == r["tax_id_value"]
      for r, j in zip(rows, js)))' "$SAMPLES/customers.csv" "$SAMPLES/jsonl/customers.jsonl")"
for needle in 2024-02-30T00:00:00Z ,ZZZ, not-an-email 001Hs00002zZzZzIAK 1.5e-7 1234.5678912 \
	+09:00 "Société Générale" "株式会社サンプル" ',BHD,' ',JPY,' ',EUR,' ',void,' ',partial,'; do
	if grep -rqF -- "$needle" "$SAMPLES"/*.csv; then ok "samples contain $needle"; else not_ok "samples contain $needle"; fi
done
missing=""
for id in $(sed -n '/edge-cases:begin/,/edge-cases:end/p' "$SAMPLES/README.md" |
	grep -o '`[A-Za-z0-9_]*`' | tr -d '`' | grep -v '^[a-z_]*$' | grep -v '^[A-Z_]*$'); do
	grep -qF -- "$id" "$SAMPLES"/*.csv || missing="$missing $id"
done
check_eq "samples: every id the README lists is in the files" "" "$missing"

# generated data reads through billsync's own (strict) reader and mappings
# with nothing rejected, where Python's lenient csv module would forgive
"$BILLSYNC_GEN" --out "$T/strict" --dlir-rows 5k > /dev/null
"$BILLSYNC" export --source "$T/strict" --out "$T/strict-out" --mappings "$ROOT/mappings" > "$T/strict.txt" 2>&1
check_eq "generated export: billsync exports it with nothing rejected" "0" "$?"
check_contains "generated export: the counts" "$(cat "$T/strict.txt")" "+ 0 rejected +"
done_testing
