#!/bin/sh
# t90_alloc.sh - allocation-failure injection (curl's torture tests):
# `billsync export` of the samples, built as $BUILD/san/billsync-failmalloc
# (tests/alloc/failmalloc.c), is run once per allocation call site with that
# site's first allocation failing, and must end cleanly each time: no crash,
# no leak, no sanitizer report, and either exit 6 with an "out of memory"
# message, or, where the code falls back by design (the grouped sort without
# its stretch index), the very outcome of the export without a failure:
# same exit code, same files (manifest.json too, all but its timestamp).
#
# Which allocations: failing every allocation index in turn would take one
# run per allocation (over two thousand here), so the sweep fails each
# distinct call site once instead, a site being the three innermost frames
# above the allocator (so sbuf_grow or arena_alloc count once per caller):
# a first recording run lists each site with the index of its first
# allocation, then one run fails that index.  An error path is the same code
# whichever allocation of its site fails; the first is the one reached with
# the least state, and a later one of the same site only differs in what has
# to be freed, which the leak check of the runs before it already covers
# for the common paths.  Billsync allocates per file and per mapping, not per
# row (rows live in arenas), so the export of all the samples makes about
# two thousand allocations (jansson's included) from about two hundred
# sites, and the sweep takes about two hundred runs of a fraction of a
# second each.
#
# ALLOC_SWEEP=every (make torture) fails every allocation index in turn
# instead, one run each: about a thousand runs, several minutes, so it is
# not part of make check.
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1
FAILBS=${FAILBS:-$BUILD/san/billsync-failmalloc}
[ -x "$FAILBS" ] || { not_ok "$FAILBS is built (make check builds it)"; done_testing; exit 1; }

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=99"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=99"

"$FAILBS" export --source samples --out "$T/ref" > "$T/ref.out" 2>&1
ref=$?
# the files, and the manifest but for its timestamp (a key it lacks, left out
# where memory ran out, is a difference)
sum_of() { (cd "$1" && find . -type f ! -name manifest.json | sort | xargs cat &&
	sed '/^  "created_at": /d' manifest.json) | cksum; }
refsum=$(sum_of "$T/ref")
check_eq "without a failure the export of the samples exits 1 (rows rejected)" 1 "$ref"

BILLSYNC_FAILMALLOC_SITES="$T/sites" BILLSYNC_FAILMALLOC_COUNT="$T/count" \
	"$FAILBS" export --source samples --out "$T/rec" > /dev/null 2>&1
n=$(wc -l < "$T/sites" 2>/dev/null || echo 0)
if [ "$n" -gt 50 ]; then ok "the recording run found $n allocation sites"
else not_ok "the recording run found allocation sites" "found $n"; fi

bad=0 clean=0 i=0
if [ "${ALLOC_SWEEP:-sites}" = every ]; then
	total=$(cat "$T/count" 2>/dev/null || echo 0)
	what="allocations (every index)"
	seq 1 "$total" | sed 's/$/ -/' > "$T/sites.sorted"
else
	what="allocation sites"
	sort -n "$T/sites" > "$T/sites.sorted"
fi
while read -r idx site; do
	i=$((i + 1))
	rm -rf "$T/out"
	BILLSYNC_FAILMALLOC=$idx "$FAILBS" export --source samples --out "$T/out" \
		> "$T/run.out" 2>&1 < /dev/null
	rc=$?
	if ! grep -q "Sanitizer\|runtime error" "$T/run.out" &&
	   { { [ "$rc" -eq 6 ] && grep -q "out of memory" "$T/run.out"; } ||
	     { [ "$rc" -eq "$ref" ] && [ "$(sum_of "$T/out")" = "$refsum" ]; }; }; then
		clean=$((clean + 1))
		continue
	fi
	bad=$((bad + 1))
	[ "$bad" -le 20 ] || continue
	echo "# allocation $idx (site $site) failed: exit $rc"
	grep -v '^ *$' "$T/run.out" | head -n 12 | sed 's/^/#     /'
done < "$T/sites.sorted"
if [ "$bad" -eq 0 ]; then
	ok "each of the $i $what, failed, ends cleanly (exit 6, or the same export)"
else
	not_ok "each of the $i $what, failed, ends cleanly (exit 6, or the same export)" \
		"$bad of $i did not (the first 20 above)"
fi
done_testing
