#!/bin/sh
# run.sh - `make bench`: the export benchmark, then the loader benchmark (issue 8).
#
#   make bench [BENCH_ROWS=3M] [BENCH_REPS=3] [BENCH_DIR=/tmp/billsync-bench]
#              [BENCH_RSS_SIZES="300k 10M"] [BENCH_TOOLS=billsync,python,miller,gzip-1,gzip-6]
#              [BENCH_LOAD_ROWS=1M] [BENCH_STATE_ROWS=10M]
#              [BENCH_ONLY=export|load|state] [BENCH_DOC=docs/performance.md]
#
# Generated data and outputs go under $BENCH_DIR (kept between runs: the data is made again
# only when billsync-gen changes), never into the repository.  Results are printed and
# appended, dated, to $BENCH_DOC ("-" appends nowhere).  Installs Miller if it is missing.
# The default (3M rows, 3 repetitions, RSS at 300k and 10M, then 1M rows loaded) takes about
# 25 minutes on a 2-core machine: Miller and the Python reference take 2.5 minutes each per
# repetition. BENCH_ROWS=300k BENCH_RSS_SIZES= BENCH_LOAD_ROWS=100k takes about 4.
set -eu
: "${BUILD:=build}" "${BILLSYNC:=./billsync}" "${BILLSYNC_GEN:=$BUILD/billsync-gen}"
: "${PYTHON:=python3}"
rows=${BENCH_ROWS:-3M}
reps=${BENCH_REPS:-3}
dir=${BENCH_DIR:-${TMPDIR:-/tmp}/billsync-bench}
rss=${BENCH_RSS_SIZES-300k 10M}
tools=${BENCH_TOOLS:-billsync,python,miller,gzip-1,gzip-6}
load_rows=${BENCH_LOAD_ROWS:-1M}
state_rows=${BENCH_STATE_ROWS:-10M}
only=${BENCH_ONLY:-}
doc=${BENCH_DOC:-docs/performance.md}

# Installs the Debian package of each COMMAND:PACKAGE whose command is missing.
install_missing() {
	missing=""
	for d in "$@"; do
		command -v "${d%%:*}" >/dev/null 2>&1 || missing="$missing ${d#*:}"
	done
	[ -z "$missing" ] && return 0
	echo "installing missing packages:$missing"
	# shellcheck disable=SC2086
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends $missing >/dev/null
}
deps="/usr/bin/time:time gzip:gzip"
case $tools in *miller*) deps="$deps mlr:miller" ;; esac
# shellcheck disable=SC2086
install_missing $deps

case $dir in /*) ;; *) dir=$(pwd)/$dir ;; esac
here=$(cd "$(dirname "$0")/../.." && pwd)
case $dir/ in "$here"/*)
	echo "bench: BENCH_DIR must be outside the repository ($here)" >&2; exit 2 ;;
esac
mkdir -p "$dir"

status=0
if [ -z "$only" ] || [ "$only" = export ]; then
	"$PYTHON" tests/bench/exportbench.py --billsync "$BILLSYNC" --gen "$BILLSYNC_GEN" \
		--python "$PYTHON" --rows "$rows" --reps "$reps" --bench-dir "$dir" \
		--rss-sizes "$rss" --tools "$tools" --doc "$doc" || status=1
fi
if [ -z "$only" ] || [ "$only" = load ]; then
	"$PYTHON" tests/bench/loadbench.py --billsync "$BILLSYNC" --gen "$BILLSYNC_GEN" \
		--python "$PYTHON" --rows "$load_rows" --bench-dir "$dir" --doc "$doc" || status=1
fi
if [ -z "$only" ] || [ "$only" = state ]; then
	# the change store: a first sync, the outcomes, the next day's
	# unchanged check, for state_rows records of one object
	echo "change store benchmark: $state_rows records"
	rm -rf "$dir/state"
	out=$("$BUILD/statebench" "$state_rows" "$dir/state") || status=1
	echo "$out"
	if [ "$doc" != - ]; then
		{
			printf '\n### Change store benchmark, %s: %s records\n\n' \
				"$(date -u '+%Y-%m-%d %H:%M UTC')" "$state_rows"
			printf 'Machine: %s cores, %s. `%s/statebench`: one object, keys in random\n' \
				"$(nproc)" "$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')" "$BUILD"
			printf 'order; database size %s.\n\n```\n%s\n```\n' \
				"$(du -sh "$dir/state" | cut -f1)" "$out"
		} >> "$doc"
	fi
	rm -rf "$dir/state"
fi
exit $status
