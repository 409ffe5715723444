#!/bin/sh
# t23_messages.sh - configuration messages say what happened (issue 13,
# point 8): every mistake in billsync.conf at once, each with its line, and
# without a billsync.conf the messages say none was found, and where.
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1
mkdir -p "$T/c" "$T/none"
cat > "$T/c/billsync.conf" <<'CONF'
[output]
max_file_byts = 1
[salesfroce]
instance_url = https://example.my.salesforce.com
[load]
max_jbos = 3
CONF
run_bs export --config "$T/c/billsync.conf" --out "$T/o"
check_eq "config typos: exit 3" 3 "$rc"
check_eq "config typos: all three reported" 3 "$(grep -c 'billsync.conf:[0-9]' "$T/stderr")"
check_contains "config typos: the key" "$(cat "$T/stderr")" \
	"billsync.conf:2: unknown key 'max_file_byts' in [output]; did you mean 'max_file_bytes'?"
check_contains "config typos: the section" "$(cat "$T/stderr")" \
	"billsync.conf:3: unknown section '[salesfroce]'; did you mean '[salesforce]'?"
check_contains "config typos: the one after them" "$(cat "$T/stderr")" \
	"billsync.conf:6: unknown key 'max_jbos' in [load]; did you mean 'max_jobs'?"

ln -s "$ROOT/mappings" "$T/none/mappings"
(cd "$T/none" && "$BILLSYNC" export --out o > ../stdout 2> ../stderr); rc=$?
check_eq "no billsync.conf: exit 3" 3 "$rc"
check_contains "no billsync.conf: said, with where it looked" "$(cat "$T/stderr")" \
	"billsync: (no billsync.conf in $(cd "$T/none" && pwd -P)): no source data: set [source] path or pass --source"

# no billsync.conf and no mappings folder: the default folder looked in,
# and why it was the default
mkdir -p "$T/empty"
(cd "$T/empty" && "$BILLSYNC" export --out o > ../stdout 2> ../stderr); rc=$?
check_eq "no billsync.conf, no mappings folder: exit 3" 3 "$rc"
check_contains "no billsync.conf, no mappings folder: said, with where it looked" \
	"$(cat "$T/stderr")" \
	"billsync: mappings: cannot open the mappings folder (no billsync.conf in $(cd "$T/empty" && pwd -P), so the default)"
(cd "$T/empty" && "$BILLSYNC" export --mappings maps --out o > ../stdout 2> ../stderr); rc=$?
check_eq "no mappings folder given with --mappings: exit 3" 3 "$rc"
check_contains "no mappings folder given with --mappings: no word of a default" \
	"$(cat "$T/stderr")" "billsync: maps: cannot open the mappings folder"
check "no mappings folder given with --mappings: not called the default" \
	sh -c "! grep -q 'so the default' '$T/stderr'"

done_testing
