#!/bin/sh
# t10_check.sh - `billsync check`: the shipped mappings pass; each kind of
# mistake fails with exit 3 and the exact FILE:LINE: message (expected
# output next to each case in tests/cases/check/).
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1

run_bs check --source samples
check_eq "shipped mappings pass check against the samples" "0" "$rc"
check_contains "check prints the load order" "$(cat "$T/stdout")" "7 mappings OK"
run_bs check --source samples/billing-export.tar.gz
check_eq "shipped mappings pass check against the archive" "0" "$rc"
run_bs check --json --source samples
check_contains "check --json" "$(cat "$T/stdout")" '"ok": true'

for m in tests/cases/check/*.map; do
	name=$(basename "$m" .map)
	run_bs check --no-data "$m"
	check_eq "$name: exit code 3" 3 "$rc"
	check_files_eq "$name: message" "${m%.map}.expected" "$T/stderr"
done

run_bs check --no-data tests/cases/check/cycle/a.map tests/cases/check/cycle/b.map
check_eq "lookup cycle: exit code 3" 3 "$rc"
check_files_eq "lookup cycle: message" tests/cases/check/cycle/expected "$T/stderr"

run_bs check --source samples tests/cases/check/column/invoice.map
check_eq "unknown source column: exit code 3" 3 "$rc"
check_files_eq "unknown source column: message" tests/cases/check/column/expected "$T/stderr"

run_bs check --json --no-data tests/cases/check/many_mistakes.map
check_contains "check --json lists every error" "$(cat "$T/stdout")" '"line": 14'
done_testing
