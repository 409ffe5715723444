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

# values that are not what their keys take: every one reported in the same
# run, with the unknown key among them, by `export` and by `check` alike
mkdir -p "$T/v"
cat > "$T/v/billsync.conf" <<CONF
[source]
path = $ROOT/samples
[mappings]
dir = $ROOT/mappings
[output]
sort_memory = abc
compression = zlib:99
max_file_rows = -5
colour = blue
[load]
poll_min = x
CONF
for cmd in export check; do
	run_bs $cmd --config "$T/v/billsync.conf" --out "$T/v/o"
	[ $cmd = check ] && run_bs check --config "$T/v/billsync.conf"
	check_eq "config values ($cmd): exit 3" 3 "$rc"
	check_eq "config values ($cmd): all five reported" 5 \
		"$(grep -c 'billsync.conf:[0-9]' "$T/stderr")"
	for want in "billsync.conf:6: [output] sort_memory: 'abc' is not a whole number" \
		"billsync.conf:7: bad compression level in 'zlib:99'" \
		"billsync.conf:8: [output] max_file_rows: '-5' is not a whole number" \
		"billsync.conf:9: unknown key 'colour' in [output]" \
		"billsync.conf:11: [load] poll_min: 'x' is not a duration"; do
		check_contains "config values ($cmd): $want" "$(cat "$T/stderr")" "$want"
	done
done
sed -i '/colour/d' "$T/v/billsync.conf"
run_bs check --config "$T/v/billsync.conf"
check_eq "config values, no unknown key (check): exit 3" 3 "$rc"
check_eq "config values, no unknown key (check): all four reported" 4 \
	"$(grep -c 'billsync.conf:[0-9]' "$T/stderr")"

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
