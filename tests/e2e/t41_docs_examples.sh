#!/bin/sh
# t41_docs_examples.sh - the examples of docs/records.md are what billsync
# prints (issue 13, point 9): the samples run twice against the emulator,
# then `status`, `records --status failed` and `records --history`; what
# the docs' tables show must be the real output (times and ids aside).
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1
emu_start "$T" || { not_ok "the emulator starts"; done_testing; exit 0; }
trap 'emu_stop "$T"; rm -rf "$T"' EXIT INT TERM
run_bs run -c "$T/billsync.conf"
run_bs run -c "$T/billsync.conf"
check_eq "the second run exits 1 (two records refused again)" 1 "$rc"

# the run rows, from "run" to "failed", without the times
runs() { grep -E '^ +[0-9]+ +run ' | awk '{ print $1, $2, $3, $8, $9, $10, $11, $12, $13, $14, $15, $16 }'; }
"$BILLSYNC" status -c "$T/billsync.conf" > "$T/status" 2>&1
doc=$(sed -n '/^\$ billsync status$/,/^```$/p' docs/records.md)
check_eq "status: the runs as docs/records.md shows them" \
	"$(runs < "$T/status")" "$(printf '%s\n' "$doc" | runs)"
check_eq "status: the records line as docs/records.md shows it" \
	"$(grep '^records (all objects)' "$T/status")" \
	"$(printf '%s\n' "$doc" | grep '^records (all objects)')"

cut_rec() { grep -E '^Orb' | awk '{ print $1, $2, $3, $4 }'; }
"$BILLSYNC" records -c "$T/billsync.conf" --status failed > "$T/records" 2>&1
doc=$(sed -n '/^\$ billsync records --status failed$/,/^```$/p' docs/records.md)
check_eq "records --status failed: as docs/records.md shows it" \
	"$(cut_rec < "$T/records")" "$(printf '%s\n' "$doc" | cut_rec)"

# records --history (issue 13): the events, without their times
ev() { grep -E '^Orb' | awk '{ print $1, $4, $5, $6 }'; }
"$BILLSYNC" records -c "$T/billsync.conf" --history fHim2JUPczfvLZhm > "$T/history" 2>&1
doc=$(sed -n '/^\$ billsync records --history fHim2JUPczfvLZhm$/,/^```$/p' docs/records.md)
check_eq "records --history: as docs/records.md shows it" \
	"$(printf '%s\n' "$doc" | ev)" "$(ev < "$T/history")"

done_testing
