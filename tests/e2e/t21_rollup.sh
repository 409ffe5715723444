#!/bin/sh
# t21_rollup.sh - group mappings (docs/mappings.md, "Roll-ups"): daily rows
# rolled up per line item, month in a non-UTC zone and currency, with exact
# sums in JPY, USD and BHD (0.10 + 0.20 is 0.30, 1.105 + 2.115 + 0.001 is
# 3.221), a reverted row filtered out before grouping, a row read twice
# counted once (the later copy), a row no sum can take rejecting its whole
# group at its file:line (also a row whose aggregate input a converter
# refuses), mixed currencies rejected (by same(), and by
# the run when the mapping names the currency column but no key of it);
# the shipped mappings/monthly_line_item_revenue.map on the samples.  The
# golden files were checked against Python's decimal module.
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1
C=tests/cases/rollup
OBJ=OrbMonthlyLineItemRevenue__c

run_bs export --source "$C/data" --mappings "$C" --out "$T/out"
check_eq "a rejected group: exit 1" 1 "$rc"
zcat "$T/out/$OBJ/$OBJ-0001.csv.gz" > "$T/monthly.csv"
# New York: 2024-02-01T04:59:59Z is still January 31, 05:00:00Z is February
check_files_eq "golden groups: exact sums, months of New York, reverted row out, later copy of d08 in" \
	"$C/expected/monthly.csv" "$T/monthly.csv"
check_files_eq "the group with '12,50' is rejected whole, at the row's file:line" \
	"$C/expected/rejects.csv" "$T/out/$OBJ/rejects.csv"
check_contains "the summary adds up with the rows rolled up" "$(cat "$T/stdout")" \
	"16 read = 7 written + 1 filtered + 1 rejected + 1 duplicates + 0 unchanged + 6 rolled up"
check_contains "the manifest counts the rolled-up rows" "$(cat "$T/out/manifest.json")" '"rolled_up": 6'

# same(currency): a group mixing USD and EUR is rejected, never summed
run_bs export --source "$C/data" --mappings "$C/mixed" --out "$T/mixed"
check_contains "mixed currencies reject their group" "$(cat "$T/mixed/$OBJ/rejects.csv")" \
	"daily_line_item_revenue.csv,17,currency,same: mixed values 'USD' and 'EUR' in one group; its whole group is left out (2 rows)"
zcat "$T/mixed/$OBJ/$OBJ-0001.csv.gz" > "$T/mixed.csv"
check_eq "... and nothing of it is written" "" "$(grep ili_mix "$T/mixed.csv")"
check_contains "... while a group of one currency is" "$(cat "$T/mixed.csv")" "ili_bhd-2024-03,3.221,BHD"

# [object] currency names the column, no key keeps the currencies apart:
# the run checks each group, and the one mixing USD and EUR is rejected
run_bs export --source "$C/data" --mappings "$C/named" --out "$T/named"
check_contains "a group of two currencies is rejected, at the row's file:line" \
	"$(cat "$T/named/$OBJ/rejects.csv")" \
	"daily_line_item_revenue.csv,17,currency,mixed currencies 'USD' and 'EUR' in one group: amounts in different currencies are never summed; its whole group is left out (2 rows)"
zcat "$T/named/$OBJ/$OBJ-0001.csv.gz" > "$T/named.csv"
check_eq "... never summed (no 30.00)" "" "$(grep ili_mix "$T/named.csv")"
check_contains "... while groups of one currency load" "$(cat "$T/named.csv")" \
	"ili_bhd-2024-03,3.221,3
ili_jpy-2024-01,1000,1
ili_jpy-2024-02,5000,2
ili_usd-2024-01,1234567890123.75,3"
check_contains "... and the counts say so" "$(cat "$T/stdout")" \
	"16 read = 5 written + 1 filtered + 2 rejected + 1 duplicates"
check_contains "... and the summary's reason reads right without the values" \
	"$(cat "$T/stdout")" "1 rejected (currency: mixed currencies in one group: amounts"

# an aggregate's input a converter refuses ('x' under decimal(2),
# 'not-a-date' under datetime) rejects its whole group, at that row
CV=$C/converted
run_bs export --source "$CV/data" --mappings "$CV" --out "$T/converted"
check_eq "converted: exit 1" 1 "$rc"
check_contains "a refused aggregate input rejects its group, at the row's file:line" \
	"$(cat "$T/converted/$OBJ/rejects.csv")" \
	"$CV/data/daily_line_item_revenue.csv,3,quantity,cannot read 'x' as a number (unexpected 'x' at position 1); its whole group is left out (2 rows),
$CV/data/daily_line_item_revenue.csv,5,last_update,cannot read 'not-a-date' as a date and time"
zcat "$T/converted/$OBJ/$OBJ-0001.csv.gz" > "$T/converted.csv"
check_eq "... never a partial sum; the other groups load" \
	"OrbId__c,Quantity__c,LastUpdate__c
ili_a-2024-02,2.25,2024-02-02T00:00:00.000Z
ili_c-2024-01,11.13,2024-01-03T00:00:00.000Z" "$(cat "$T/converted.csv")"
check_contains "... and the counts say so" "$(cat "$T/stdout")" \
	"7 read = 2 written + 0 filtered + 2 rejected + 0 duplicates + 0 unchanged + 3 rolled up"

# preview shows the groups, not the rows
run_bs preview --source "$C/data" --mappings "$C" "$OBJ"
check_contains "preview shows a group" "$(cat "$T/stdout")" "ili_usd-2024-01-USD"

# the shipped roll-up on the samples: per line item and month, the totals
# of the daily rows that are not reverted, recomputed here with Python's
# decimal module
run_bs export --source samples --out "$T/samples" --objects "$OBJ"
check_eq "samples: exit 0" 0 "$rc"
"$PYTHON" - "$T/samples/$OBJ/$OBJ-0001.csv.gz" > "$T/sums.check" 2>&1 <<'PY'
import csv, decimal, gzip, sys
D = decimal.Decimal
want = {}
for r in csv.DictReader(open("samples/daily_line_item_revenue.csv")):
    if r["reverted_at"]:
        continue
    k = "%s-%s-%s" % (r["line_item_id"], r["timeframe_start"][:7], r["currency"].upper())
    s = want.setdefault(k, [D(0), D(0), 0, r["timeframe_start"][:10], r["timeframe_start"][:10]])
    s[0] += D(r["amount"])
    s[1] += D(r["quantity"])
    s[2] += 1
    s[3] = min(s[3], r["timeframe_start"][:10])
    s[4] = max(s[4], r["timeframe_start"][:10])
got = {r["OrbId__c"]: r for r in csv.DictReader(gzip.open(sys.argv[1], "rt"))}
def r6(x):   # decimal(6): half away from zero
    return x.quantize(D("0.000001"), rounding=decimal.ROUND_HALF_UP)
bad = [k for k, s in want.items() if k not in got or
       D(got[k]["Amount__c"]) != r6(s[0]) or D(got[k]["Quantity__c"]) != r6(s[1]) or
       int(got[k]["Days__c"]) != s[2] or got[k]["FirstDay__c"] != s[3] or got[k]["LastDay__c"] != s[4]]
print("same" if not bad and len(got) == len(want) else
      "differ: %d of %d, %s; %d records" % (len(bad), len(want), bad[:3], len(got)))
PY
check_eq "samples: every month's totals are its days'" "same" "$(cat "$T/sums.check")"
done_testing
