#!/bin/sh
# t12_preview.sh - `billsync preview` output: the aligned table (wide
# characters included), --csv, and the rejected/filtered block with each
# reason's first full message, against golden files in tests/cases/preview/;
# filters comparing two converted values; the rejects of each filter
# counted apart; duplicate keys counted as export drops them; JSON numbers
# in plain notation; every shipped mapping previews on the samples.
#
# To refresh a golden file after a deliberate change of the output:
#   ./billsync preview customers --source samples --limit 0 > tests/cases/preview/customers.txt
# (and the same for the other commands below), then review the diff.
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1
G=tests/cases/preview

# the table, on the customers (a Japanese name, accents, a cut value)
run_bs preview customers --source samples --limit 0
check_eq "customers table: exit 0" 0 "$rc"
check_files_eq "customers table matches $G/customers.txt" "$G/customers.txt" "$T/stdout"

# every row's columns start where the header's dashes say, counting
# terminal columns (CJK characters take two), not characters or bytes
aligned=$("$PYTHON" - "$T/stdout" <<'PY'
import sys, unicodedata
def width(s):
    w = 0
    for ch in s:
        if unicodedata.category(ch) in ("Mn", "Me", "Cf") and ch != "\u00ad":
            continue
        w += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return w
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
dashes = lines[1]
starts = [i for i, c in enumerate(dashes) if c == "-" and (i == 0 or dashes[i - 1] == " ")]
bad = []
for n, line in enumerate(lines[2:], 3):
    if not line:
        break
    cells, col, cur, start = {}, 0, [], 0
    chars = []                      # (display column, character)
    for ch in line:
        chars.append((col, ch))
        col += width(ch)
    at = {c: i for i, (c, _) in reversed(list(enumerate(chars)))}
    for k, s in enumerate(starts[1:], 1):
        i = at.get(s)
        end = starts[k + 1] - 2 if k + 1 < len(starts) else col
        cell = "".join(ch for c, ch in chars if s <= c < end)
        # a column starts after two spaces, with its text or, if the
        # cell is empty, only spaces
        if i is None or line[max(i - 2, 0):i] != "  " or (line[i] == " " and cell.strip()):
            bad.append("line %d: no column starts at %d: %r" % (n, s, line))
            break
print("\n".join(bad) if bad else "ok")
PY
)
check_eq "customers table: every column starts at the same terminal column" ok "$aligned"
check_contains "customers table: the Japanese name is whole" "$(cat "$T/stdout")" "Zt5rHn1cLq9PdF3J  株式会社サンプル  "

# --csv: the rows in the bulk files' format, counts on stderr
run_bs preview customers --source samples --limit 0 --csv
check_eq "customers --csv: exit 0" 0 "$rc"
check_files_eq "customers --csv matches $G/customers.csv" "$G/customers.csv" "$T/stdout"
check_contains "customers --csv: counts on stderr" "$(cat "$T/stderr")" \
	"OrbCustomer__c <- customers: read 12, mapped 12, filtered 0, rejected 0"
# they are messages (base/msg.h): --quiet leaves them out, --log-format json
# makes each a JSON line
run_bs preview customers --source samples --limit 0 --csv --quiet
check_eq "customers --csv --quiet: exit 0" 0 "$rc"
check_files_eq "customers --csv --quiet: the same rows" "$G/customers.csv" "$T/stdout"
check_eq "customers --csv --quiet: nothing on stderr" "" "$(cat "$T/stderr")"
run_bs preview customers --source samples --limit 0 --csv --log-format json
check_contains "customers --csv --log-format json: the counts as a JSON line" \
	"$(cat "$T/stderr")" '"level":"info","message":"OrbCustomer__c <- customers: read 12'

# the reasons block: counts grouped by reason, each with its first full
# message (file:line, field, the value and the real reason)
run_bs preview invoices --source samples --limit 2
check_eq "invoices: exit 1 (rows rejected)" 1 "$rc"
check_files_eq "invoices table and reasons match $G/invoices.txt" "$G/invoices.txt" "$T/stdout"
check_contains "invoices: the rejected date's whole reason" "$(cat "$T/stdout")" \
	"    first at samples/invoices.csv:63: field 'InvoiceDate__c': cannot read '2024-02-30T00:00:00Z' as a date (day 30 is past the end of February 2024)"
run_bs preview invoices --source samples --limit 2 --csv
check_contains "invoices --csv: the reasons with their messages on stderr" "$(cat "$T/stderr")" \
	"first at samples/invoices.csv:64: field 'Subtotal__c': unknown currency 'ZZZ' in column 'currency'"
run_bs preview invoices --source samples --limit 1 --json
check_contains "invoices --json: the reason's message" "$(cat "$T/stdout")" \
	"\"message\": \"samples/invoices.csv:63: field 'InvoiceDate__c': cannot read '2024-02-30T00:00:00Z' as a date (day 30 is past the end of February 2024)\""

# filters comparing two values
mkdir -p "$T/cmp/src" "$T/cmp/maps"
cat > "$T/cmp/src/invoices.csv" <<'CSV'
id,total,amount_due,issued_at,paid_at
inv_1,10.00,9.00,2024-02-29T23:45:00Z,2024-03-01T00:30:00+01:00
inv_2,9.999,10,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z
inv_3,100.00,100,2024-01-01T00:00:00Z,2024-01-01T00:00:00Z
inv_4,5,4.5,2024-01-01,2024-01-01T12:00:00Z
CSV
map() { # NAME FILTER-LINES: a mapping of the crafted invoices
	{ printf '[object]\nname = OrbInvoice__c\nsource = invoices\nexternal_id = OrbId__c\n[filter]\n%s\n' "$2"
	  printf '[fields]\nOrbId__c = id\nTotal__c = total | decimal(2)\n'; } > "$T/cmp/maps/invoice.map"
}
counts() { "$BILLSYNC" preview invoices --source "$T/cmp/src" --mappings "$T/cmp/maps" --limit 0 2>&1 | sed -n 's/.*<- [a-z_]*: //p'; }
map typed 'paid_down = keep if total | decimal(2) > amount_due | decimal(2)'
check_eq "filter: two decimals compare as numbers (10.00 > 9.00, 5 > 4.5)" \
	"read 4, mapped 2, filtered 2, rejected 0" "$(counts)"
check_contains "filter: the kept rows are the right ones" \
	"$("$BILLSYNC" preview invoices --source "$T/cmp/src" --mappings "$T/cmp/maps" --csv 2>/dev/null | tr '\n' ' ')" \
	"OrbId__c,Total__c inv_1,10.00 inv_4,5.00 "
map plain 'paid_down = keep if total > amount_due'
check_eq "filter: two plain numeric columns compare as numbers (9.999 < 10)" \
	"read 4, mapped 2, filtered 2, rejected 0" "$(counts)"
map same 'same = skip if total == amount_due'
check_eq "filter: 100.00 == 100 as numbers" "read 4, mapped 3, filtered 1, rejected 0" "$(counts)"
map dates 'late = skip if paid_at | datetime < issued_at | datetime'
check_eq "filter: two datetimes compare as instants" "read 4, mapped 3, filtered 1, rejected 0" "$(counts)"
map plain_dates 'late = skip if paid_at < issued_at'
check_eq "filter: two plain date columns compare as instants" "read 4, mapped 3, filtered 1, rejected 0" "$(counts)"
map mixed 'x = skip if total | decimal(2) > issued_at | date'
run_bs preview invoices --source "$T/cmp/src" --mappings "$T/cmp/maps"
check_eq "filter: a number against a date is a mapping error (exit 3)" 3 "$rc"
check_contains "filter: ... with file, line and column" "$(cat "$T/stderr")" \
	"invoice.map:6: filter 'x': cannot compare a number with a date (column 20 of 'total | decimal(2) > issued_at | date')"

# an empty function argument is a mapping error with its column
cat > "$T/cmp/maps/invoice.map" <<'MAP'
[object]
name = OrbInvoice__c
source = invoices
external_id = OrbId__c
[fields]
OrbId__c = id
Name = concat(id,)
MAP
run_bs preview invoices --source "$T/cmp/src" --mappings "$T/cmp/maps"
check_eq "concat(id,): a mapping error (exit 3)" 3 "$rc"
check_contains "concat(id,): file, line and column" "$(cat "$T/stderr")" \
	"invoice.map:7: field 'Name': empty argument in concat(...) after ',' (column 11 of 'concat(id,)')"

# rejects of two filters are counted apart, each under its filter's name
# (the name is quoted in the message, and quoted parts are left out of a
# reason), in preview and in the export manifest alike
mkdir -p "$T/two/src" "$T/two/maps"
printf 'id,x,y\ninv_1,abc,5\ninv_2,5,zz\ninv_3,7,8\n' > "$T/two/src/invoices.csv"
cat > "$T/two/maps/invoice.map" <<'MAP'
[object]
name = OrbInvoice__c
source = invoices
external_id = OrbId__c
[filter]
min_x = keep if x | decimal > 1
min_y = keep if y | decimal > 1
[fields]
OrbId__c = id
MAP
run_bs preview invoices --source "$T/two/src" --mappings "$T/two/maps"
check_eq "two filters' rejects: exit 1" 1 "$rc"
check_contains "two filters' rejects: counted apart, each named" "$(cat "$T/stdout")" \
"  rejected: filter min_x: cannot read as a number  1
    first at $T/two/src/invoices.csv:2: filter 'min_x': cannot read 'abc' as a number (unexpected 'a' at position 1)
  rejected: filter min_y: cannot read as a number  1
    first at $T/two/src/invoices.csv:3: filter 'min_y': cannot read 'zz' as a number (unexpected 'z' at position 1)"
run_bs export --source "$T/two/src" --mappings "$T/two/maps" --out "$T/two/out"
check_eq "two filters' rejects: the export manifest counts them apart" \
	'{"filter min_x: cannot read as a number": 1, "filter min_y: cannot read as a number": 1}' \
	"$("$PYTHON" -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1]))["objects"][0]["counts"]["rejected_by"], sort_keys=True))' "$T/two/out/manifest.json")"

# a key seen twice: export writes the last row only, and preview counts
# and says so (its table still shows the rows in source order)
mkdir -p "$T/dup/src" "$T/dup/maps"
printf 'id,val\n1,5\n1,6\n2,7\n' > "$T/dup/src/invoices.csv"
printf '[object]\nname = OrbInvoice__c\nsource = invoices\nexternal_id = OrbId__c\n[fields]\nOrbId__c = id\nVal__c = val\n' \
	> "$T/dup/maps/invoice.map"
run_bs preview invoices --source "$T/dup/src" --mappings "$T/dup/maps"
check_eq "duplicate key: exit 0" 0 "$rc"
check_eq "duplicate key: counted as export counts it, the row shown named" \
"OrbId__c  Val__c
--------  ------
1         5
1         6
2         7

OrbInvoice__c <- invoices: read 3, mapped 2, filtered 0, rejected 0, duplicates 1
  duplicate keys                       1  (export writes only the last row of each key)
    shown above, not written: $T/dup/src/invoices.csv:2" "$(cat "$T/stdout")"
run_bs preview invoices --source "$T/dup/src" --mappings "$T/dup/maps" --csv
check_contains "duplicate key --csv: said on stderr" "$(cat "$T/stderr")" \
	"    shown in the CSV, not written: $T/dup/src/invoices.csv:2"
run_bs preview invoices --source "$T/dup/src" --mappings "$T/dup/maps" --json
check_eq "duplicate key --json: counts" '2 1 1' \
	"$("$PYTHON" -c 'import json, sys; c = json.load(open(sys.argv[1]))["counts"]; print(c["mapped"], c["duplicates"], len(c["duplicates_shown"]))' "$T/stdout")"
run_bs preview invoices --source "$T/dup/src" --mappings "$T/dup/maps" --limit 1
check_contains "duplicate key: counted beyond the rows shown" "$(cat "$T/stdout")" \
	"read 3, mapped 2, filtered 0, rejected 0, duplicates 1"
run_bs export --source "$T/dup/src" --mappings "$T/dup/maps" --out "$T/dup/out"
check_contains "duplicate key: export agrees" "$(cat "$T/stdout")" \
	"3 read = 2 written + 0 filtered + 0 rejected + 1 duplicates"

# a JSON number without a converter goes out in plain notation
mkdir -p "$T/json/src" "$T/json/maps"
printf '%s\n' '{"id": "le_1", "amount": 9.1E8, "rate": 1.50, "tiny": 1.5e-7}' \
	'{"id": "le_2", "amount": -2.5e+1, "rate": 0, "tiny": null}' > "$T/json/src/credit_ledger_entries.jsonl"
cat > "$T/json/maps/ledger.map" <<'MAP'
[object]
name = OrbCommittedLedgerEntry__c
source = credit_ledger_entries
external_id = OrbId__c
[fields]
OrbId__c = id
Amount__c = amount
Rate__c = rate
Tiny__c = tiny
Note__c = concat(amount, " credits")
MAP
run_bs preview credit_ledger_entries --source "$T/json/src" --mappings "$T/json/maps" --csv
check_eq "JSON numbers: exit 0" 0 "$rc"
check_eq "JSON numbers: plain notation, exact, written digits kept" \
	"OrbId__c,Amount__c,Rate__c,Tiny__c,Note__c
le_1,910000000,1.50,0.00000015,910000000 credits
le_2,-25,0,,-25 credits" "$(cat "$T/stdout")"

# every shipped mapping previews on the samples
for obj in $(sed -n 's/^name *= *//p' mappings/*.map); do
	run_bs preview "$obj" --source samples --limit 3
	case $rc in
	0|1) check_contains "preview $obj works on the samples" "$(cat "$T/stdout")" ": read " ;;
	*) not_ok "preview $obj works on the samples" "exit $rc" "$(head -c 1000 "$T/stderr")" ;;
	esac
done
done_testing
