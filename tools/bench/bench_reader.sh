#!/bin/bash
# bench_reader.sh - .mlog reader throughput against "wc -l" on the same file.
#
#   tools/bench/bench_reader.sh [BUILD_DIR] [LINES]
#
# BUILD_DIR defaults to build/release (msilab is built there if missing),
# LINES to 10000000.  The generated trace stays in BUILD_DIR/bench/, never
# in the source tree.  Each timing is the best wall time of RUNS (default 5)
# runs on a warm cache, the commands taking turns so that a change in the
# machine's load hits all of them alike; the CPU time (user + system) of
# the best run and the average CPU time are printed too (on a loaded
# machine the wall time depends on the other jobs, the CPU time less so).
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

runs=${RUNS:-5}
TIMEFORMAT='%R %U %S'
# "wall user sys" of one run of "$@" (its output thrown away)
time_one() {
	{ time "$@" >/dev/null 2>&1; } 2>&1
}
bytes=$(stat -L -c %s "$trace")
nl=$(wc -l <"$trace")
"$msilab" check -q "$trace"	# must be valid before it is timed
if [ -n "${BASELINE:-}" ]; then
	"$BASELINE" check -q "$trace"
fi
: >"$out/times"
for ((i = 0; i < runs; i++)); do
	echo "wc $(time_one wc -l "$trace")" >>"$out/times"
	echo "rd $(time_one "$msilab" check -q "$trace")" >>"$out/times"
	[ -z "${BASELINE:-}" ] ||
		echo "base $(time_one "$BASELINE" check -q "$trace")" >>"$out/times"
done
# "best-wall cpu-of-best avg-cpu" of the runs of @1
best() {
	awk -v k="$1" '$1 == k { c = $3 + $4; n++; sum += c
		if (best == "" || $2 < best) { best = $2; bc = c } }
		END { printf "%.6f %.6f %.6f", best, bc, sum / n }' "$out/times"
}
read -r t_wc c_wc a_wc <<<"$(best wc)"
read -r t_rd c_rd a_rd <<<"$(best rd)"
[ -z "${BASELINE:-}" ] || read -r t_base c_base a_base <<<"$(best base)"

report() {	# name seconds cpu-of-best avg-cpu
	awk -v n="$1" -v t="$2" -v c="$3" -v a="$4" -v b="$bytes" -v l="$nl" \
		'BEGIN { printf "%-22s %8.3f s %9.1f MB/s %12.0f lines/s   cpu %.3f s (avg %.3f s)\n",
			 n, t, b / t / 1e6, l / t, c, a }'
}
echo "file: $trace ($nl lines, $(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }') MB)"
echo "best wall time of $runs runs; cpu: user + system of that run (average of all runs)"
report "wc -l" "$t_wc" "$c_wc" "$a_wc"
report "msilab check -q" "$t_rd" "$c_rd" "$a_rd"
[ -z "${BASELINE:-}" ] || report "baseline check -q" "$t_base" "$c_base" "$a_base"
awk -v a="$t_rd" -v b="$t_wc" 'BEGIN { printf "ratio reader / wc -l: %.2f (target <= 4)\n", a / b }'
[ -z "${BASELINE:-}" ] ||
	awk -v a="$t_base" -v b="$t_wc" 'BEGIN { printf "ratio baseline / wc -l: %.2f\n", a / b }'
