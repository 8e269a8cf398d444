#!/bin/bash
# bench_reader.sh - .mlog reader throughput against "wc -l" on the same file.
#
#   tools/bench/bench_reader.sh [BUILD_DIR] [LINES]
#
# BUILD_DIR defaults to build/release (msilab is built there if missing),
# LINES to 10000000.  The generated trace stays in BUILD_DIR/bench/, never
# in the source tree.  Each timing is the best of 3 runs on a warm cache.
# BASELINE=/path/to/an/older/msilab adds its figures, timed in the same run
# (before/after comparisons on one machine).
set -eu

src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build/release}
lines=${2:-10000000}
out=$build/bench
mkdir -p "$out"

msilab=$build/msilab
[ -x "$msilab" ] || cmake --build "$build" --target msilab
gen=$build/tools/bench/mlog_gen
if [ ! -x "$gen" ]; then
	# the top level may not add tools/bench yet: build the generator here
	gen=$out/mlog_gen
	${CC:-cc} -O2 -o "$gen" "$src/tools/bench/mlog_gen.c"
fi

trace=$out/bench-$lines.mlog
if [ ! -s "$trace" ]; then
	echo "generating $trace ..."
	"$gen" -n "$lines" -o "$trace"
fi
cat "$trace" >/dev/null	# warm the page cache

# best wall time of 3 runs of "$@", in seconds
best_of_3() {
	local best= t0 t1
	for _ in 1 2 3; do
		t0=$(date +%s.%N)
		"$@" >/dev/null
		t1=$(date +%s.%N)
		best=$(awk -v a="$t0" -v b="$t1" -v best="$best" \
			'BEGIN { t = b - a; if (best == "" || t < best) best = t; printf "%.6f", best }')
	done
	echo "$best"
}

bytes=$(stat -c %s "$trace")
nl=$(wc -l <"$trace")
"$msilab" check -q "$trace"	# must be valid before it is timed
t_wc=$(best_of_3 wc -l "$trace")
t_rd=$(best_of_3 "$msilab" check -q "$trace")
if [ -n "${BASELINE:-}" ]; then
	"$BASELINE" check -q "$trace"
	t_base=$(best_of_3 "$BASELINE" check -q "$trace")
fi

report() {	# name seconds
	awk -v n="$1" -v t="$2" -v b="$bytes" -v l="$nl" \
		'BEGIN { printf "%-22s %8.3f s %9.1f MB/s %12.0f lines/s\n", n, t, b / t / 1e6, l / t }'
}
echo "file: $trace ($nl lines, $(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }') MB)"
report "wc -l" "$t_wc"
report "msilab check -q" "$t_rd"
[ -z "${BASELINE:-}" ] || report "baseline check -q" "$t_base"
awk -v a="$t_rd" -v b="$t_wc" 'BEGIN { printf "ratio reader / wc -l: %.2f (target <= 4)\n", a / b }'
[ -z "${BASELINE:-}" ] ||
	awk -v a="$t_base" -v b="$t_wc" 'BEGIN { printf "ratio baseline / wc -l: %.2f\n", a / b }'
