#!/bin/sh
# t39_install.sh - make install into a temporary DESTDIR: the binary, the
# man pages (mandoc -T lint clean, and true to the program: every command,
# option, configuration key and converter is in them), the bash completion
# (commands, options, object names from the mappings), the example
# configuration and systemd units; make uninstall removes it all.
. "$(dirname "$0")/lib.sh"

D=$T/root
P=/usr/local
if make -s -C "$ROOT" install DESTDIR="$D" PREFIX=$P > "$T/install.log" 2>&1; then
	ok "make install DESTDIR=... PREFIX=$P"
else
	not_ok "make install DESTDIR=... PREFIX=$P" "$(tail -n 20 "$T/install.log")"
fi
for f in bin/billsync share/man/man1/billsync.1 share/man/man5/billsync.conf.5 \
	share/man/man5/billsync-mapping.5 share/bash-completion/completions/billsync \
	share/doc/billsync/billsync.conf.example share/doc/billsync/billsync.service \
	share/doc/billsync/billsync.timer share/doc/billsync/operations.md \
	share/doc/billsync/mappings/invoice.map; do
	if [ -f "$D$P/$f" ]; then ok "installed $f"; else not_ok "installed $f"; fi
done
check_eq "the installed binary runs" "billsync 0.1.0" "$("$D$P/bin/billsync" --version)"
check_contains "the service runs the installed binary" \
	"$(cat "$D$P/share/doc/billsync/billsync.service")" "ExecStart=$P/bin/billsync run"

# man pages: lint clean, and what they must cover
for m in man1/billsync.1 man5/billsync.conf.5 man5/billsync-mapping.5; do
	out=$(mandoc -T lint "$D$P/share/man/$m" 2>&1); st=$?
	if [ $st -eq 0 ] && [ -z "$out" ]; then ok "mandoc -T lint $m: clean"
	else not_ok "mandoc -T lint $m: clean" "$out"; fi
done
page1=$(mandoc -T ascii "$D$P/share/man/man1/billsync.1" | col -b)
missing=""
for c in $("$BILLSYNC" --help | sed -n 's/^  \([a-z][a-z]*\)  .*/\1/p'); do
	case $page1 in *"$c"*) ;; *) missing="$missing $c" ;; esac
	for o in $("$BILLSYNC" "$c" --help | grep -oE -- '(^| |,)--?[a-z][a-z-]*' | tr -d ' ,' | sort -u); do
		case $page1 in *"$o"*) ;; *) missing="$missing $c:$o" ;; esac
	done
done
check_eq "billsync(1) has every command and option of --help" "" "$missing"
missing=""
for code in 0 1 2 3 4 5 6 7 8 9; do
	printf '%s\n' "$page1" | sed -n '/^EXIT STATUS/,/^ENVIRONMENT/p' | grep -qE "^ +$code( |$)" ||
		missing="$missing $code"
done
check_eq "billsync(1) explains every exit code" "" "$missing"
page=$(mandoc -T ascii "$D$P/share/man/man5/billsync.conf.5" | col -b)
missing=""
for k in $(sed -n 's/^	{ "\([a-z_]*\)", "\([a-z_]*\)".*/\1.\2/p' "$ROOT/etl/base/config.c"); do
	sec=${k%%.*} key=${k#*.}
	case $page in *"[$sec"*) ;; *) missing="$missing [$sec]" ;; esac
	printf '%s\n' "$page" | grep -qw -- "$key" || missing="$missing $k"
done
check_eq "billsync.conf(5) has every section and key of config.c" "" "$missing"
page=$(mandoc -T ascii "$D$P/share/man/man5/billsync-mapping.5" | col -b)
missing=""
for c in $(sed -n 's/^	{ "\([a-z]*\)", ".*/\1/p' "$ROOT/etl/map/convert.c"); do
	printf '%s\n' "$page" | grep -qE "^       ([a-z]+, )?$c([ (,]|$)" || missing="$missing $c"
done
check_eq "billsync-mapping(5) describes every converter of convert.c" "" "$missing"
n=$(sed -n 's/^	{ "\([a-z]*\)", ".*/\1/p' "$ROOT/etl/map/convert.c" | wc -l)
[ "$n" -ge 16 ] && ok "the converter table was found ($n converters)" ||
	not_ok "the converter table was found" "only $n"

# the example configuration is valid
mkdir -p "$T/etc"
cp "$D$P/share/doc/billsync/billsync.conf.example" "$T/etc/billsync.conf"
run_bs check -c "$T/etc/billsync.conf" --no-data --mappings "$D$P/share/doc/billsync/mappings"
check_eq "the example configuration and mappings pass billsync check" 0 "$rc"

# completion: COMPREPLY for a few command lines
cat > "$T/billsync.conf" <<CONF
[mappings]
dir = $D$P/share/doc/billsync/mappings
CONF
comp() {
	# comp WORD...: the completions of the last word, one per line, sorted
	PATH="$D$P/bin:$PATH" bash -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_billsync
		printf "%s\n" "${COMPREPLY[@]}" | sort' sh "$D$P/share/bash-completion/completions/billsync" "$@"
}
check_eq "complete -p names the function" "complete -F _billsync billsync" \
	"$(bash -c '. "$1"; complete -p billsync' sh "$D$P/share/bash-completion/completions/billsync")"
check_eq "commands" "records
resync
retry
run" "$(comp billsync r)"
check_eq "options of run, from its --help" "--full" "$(comp billsync run --fu)"
check_eq "--trace on upload" "--trace" "$(comp billsync upload --tr)"
check_eq "no --trace on export" "" "$(comp billsync export --tr)"
check_eq "statuses" "failed" "$(comp billsync records --status fa)"
check_eq "log formats" "json" "$(comp billsync status --log-format j)"
check_eq "objects of the configured mappings for preview" "OrbInvoiceLineItemBilling__c
OrbInvoice__c" "$(comp billsync preview -c "$T/billsync.conf" OrbInv)"
check_eq "datasets too" "invoice_line_item_billing
invoices" "$(comp billsync preview -c "$T/billsync.conf" inv)"
check_eq "the last name of an --objects list" "OrbCustomer__c,OrbPlan__c" \
	"$(comp billsync run -c "$T/billsync.conf" --objects OrbCustomer__c,OrbP)"
check_eq "--mappings on the line wins" "OrbPlan__c" \
	"$(comp billsync retry --mappings "$ROOT/mappings" --object OrbP)"
(cd "$T" && [ "$(comp billsync records --object OrbC | head -n 1)" = OrbCommittedLedgerEntry__c ]) &&
	ok "./billsync.conf is read when -c is not given" ||
	not_ok "./billsync.conf is read when -c is not given"

if make -s -C "$ROOT" uninstall DESTDIR="$D" PREFIX=$P > "$T/uninstall.log" 2>&1 &&
	[ -z "$(find "$D" -type f)" ]; then
	ok "make uninstall removes every file"
else
	not_ok "make uninstall removes every file" "$(find "$D" -type f | head)"
fi
done_testing
