#!/bin/sh
# t10_check.sh - `billsync check`: the shipped mappings pass; each kind of
# mistake fails with its exit code (3 for a mapping mistake, 4 for source
# data that cannot be read) and the exact FILE:LINE: messages (expected
# output next to each case in tests/cases/check/).
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1

run_bs check --source samples
check_eq "shipped mappings pass check against the samples" "0" "$rc"
check_contains "check prints the load order" "$(cat "$T/stdout")" "8 mappings OK"
run_bs check --source samples/billing-export.tar.gz
check_eq "shipped mappings pass check against the archive" "0" "$rc"
run_bs check --json --source samples
check_contains "check --json" "$(cat "$T/stdout")" '"ok": true'

# one file per case: tests/cases/check/NAME.map, its stderr in NAME.expected
for m in tests/cases/check/*.map; do
	name=$(basename "$m" .map)
	run_bs check --no-data "$m"
	check_eq "$name: exit code 3" 3 "$rc"
	check_files_eq "$name: message" "${m%.map}.expected" "$T/stderr"
done

# cases over several files, or over data: tests/cases/check/NAME/ holds the
# *.map files checked together, `expected` (the stderr), and optionally
# `args` (check's options instead of --no-data, e.g. --source samples) and
# `exit` (the exit code instead of 3)
for d in tests/cases/check/*/; do
	d=${d%/}
	name=$(basename "$d")
	args=--no-data
	[ -f "$d/args" ] && args=$(cat "$d/args")
	want=3
	[ -f "$d/exit" ] && want=$(cat "$d/exit")
	# shellcheck disable=SC2086
	run_bs check $args "$d"/*.map
	check_eq "$name: exit code $want" "$want" "$rc"
	check_files_eq "$name: message" "$d/expected" "$T/stderr"
done

# JSON lines: a column's first key must be in one of the first 1000 records
mkdir -p "$T/late"
seq 0 999 | sed 's/.*/{"id":"c&","total":1}/' > "$T/late/invoices.jsonl"
echo '{"id":"c1000","total":2,"late_key":"x"}' >> "$T/late/invoices.jsonl"
printf '[object]\nname = OrbInvoice__c\nsource = invoices\nexternal_id = OrbId__c\n[fields]\nOrbId__c = id\nLate__c = late_key\nTotal__c = totl\n' > "$T/late.map"
run_bs check --source "$T/late" "$T/late.map"
check_eq "JSON lines sample: exit code 3" 3 "$rc"
check_eq "JSON lines sample: only the first 1000 records" \
	"billsync: $T/late.map:7: column 'late_key' is in none of the first 1000 records of $T/late/invoices.jsonl
billsync: $T/late.map:8: column 'totl' is in none of the first 1000 records of $T/late/invoices.jsonl; did you mean 'total'?" \
	"$(cat "$T/stderr")"

run_bs check --json --no-data tests/cases/check/many_mistakes.map
check_contains "check --json lists every error" "$(cat "$T/stdout")" '"line": 14'
done_testing
