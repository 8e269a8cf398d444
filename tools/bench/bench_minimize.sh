#!/bin/bash
# bench_minimize.sh - msilab minimize against afl-tmin and libFuzzer
# -minimize_crash on the same crash files.
#
#   tools/bench/bench_minimize.sh [MSILAB] [FUZZ_BUILD] [AFL_DIR] [DIR:TARGET]...
#     MSILAB      msilab binary (default build/release/msilab)
#     FUZZ_BUILD  build tree with the libFuzzer targets (default build/fuzz,
#                 cmake --preset fuzz)
#     AFL_DIR     the AFL++ harnesses afl_fuzz_model* (default: built now with
#                 tools/fuzz/build_afl.sh into a temporary directory)
#     DIR:TARGET  crash files and the fuzz target whose decoder they were made
#                 for (default: tests/data/triage/libfuzzer:fuzz_model and
#                 tests/data/triage/afl/default/crashes:fuzz_model_615)
#
# For every crash file, each tool minimizes it once:
#   msilab     msilab minimize --target TARGET (oracle calls: its own count)
#   afl-tmin   afl-tmin -i FILE -o OUT -- afl_TARGET (execs: "Number of
#              execs done")
#   libFuzzer  TARGET -minimize_crash=1 -runs=10000 -exact_artifact_path=OUT
#              (execs: the units of every internal step, from
#              -print_final_stats, + 10000 for the last step, which finds no
#              smaller crash, + one run per crash check)
# and the result is decoded with msilab (minimize --signature): reproducer
# length in operations, and whether it still has the original signature
# (invariant/function/object@profile) and known-bug tag.  Times are wall
# clock, whole process (startup included).  Per-file rows go to
# $BENCH_OUT (default /tmp/bench_minimize.tsv).
set -u

src=$(cd "$(dirname "$0")/../.." && pwd)
msilab=${1:-$src/build/release/msilab}
fuzz=${2:-$src/build/fuzz}/fuzz
afl=${3:-}
shift $(($# < 3 ? $# : 3))
sets=("$@")
[ ${#sets[@]} -gt 0 ] || sets=("$src/tests/data/triage/libfuzzer:fuzz_model"
			       "$src/tests/data/triage/afl/default/crashes:fuzz_model_615")
rows=${BENCH_OUT:-/tmp/bench_minimize.tsv}
work=$(mktemp -d /tmp/bench-min.XXXXXX)
trap 'rm -rf "$work"' EXIT

[ -x "$msilab" ] || { echo "bench_minimize: no $msilab" >&2; exit 2; }
command -v afl-tmin >/dev/null || { echo "bench_minimize: afl-tmin not installed (tools/setup.sh)" >&2; exit 2; }
if [ -z "$afl" ]; then
	afl=$work/afl
	bash "$src/tools/fuzz/build_afl.sh" "$src" "$afl" >/dev/null 2>&1 ||
		{ echo "bench_minimize: building the AFL++ harnesses failed" >&2; exit 2; }
fi

now() { date +%s.%N; }
# sig FILE TARGET: "SIGNATURE [TAG]<TAB>OPERATIONS" of a fuzz input or .mlog
sig() {
	local line rest n
	line=$("$msilab" minimize --signature --target "$2" "$1" 2>/dev/null | head -1)
	rest=${line#"$1: "}
	case "$rest" in
	*"operations, violation"*)
		n=${rest##*]: }
		echo "${rest%%]: *}]	${n%% *}" ;;
	*) n=$(echo "$rest" | sed -n 's/.* in \([0-9]*\) step.*/\1/p')
	   echo "none	${n:-0}" ;;
	esac
}

printf 'file\ttarget\tinput_ops\tsignature\ttool\tops\tseconds\tcalls\tsame\n' >"$rows"
for set in "${sets[@]}"; do
	dir=${set%:*}
	target=${set##*:}
	for f in "$dir"/*; do
		[ -f "$f" ] || continue
		IFS=$'\t' read -r want inops <<<"$(sig "$f" "$target")"
		[ "$want" = none ] && continue
		name=$(basename "$f")

		# msilab
		t0=$(now)
		"$msilab" minimize --target "$target" -o "$work/m.mlog" "$f" 2>"$work/m.err" >/dev/null
		t1=$(now)
		calls=$(sed -n 's/.*; \([0-9]*\) oracle calls.*/\1/p' "$work/m.err")
		IFS=$'\t' read -r got ops <<<"$(sig "$work/m.mlog" "$target")"
		printf '%s\t%s\t%s\t%s\tmsilab\t%s\t%.3f\t%s\t%s\n' "$name" "$target" "$inops" "$want" "$ops" \
			"$(echo "$t1 - $t0" | bc)" "$calls" "$([ "$got" = "$want" ] && echo yes || echo no)" >>"$rows"

		# afl-tmin (its harness aborts on the first violation, as the libFuzzer target does)
		rm -f "$work/a.out"
		t0=$(now)
		AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_NO_UI=1 afl-tmin -i "$f" -o "$work/a.out" -- \
			"$afl/afl_$target" >"$work/a.log" 2>&1
		t1=$(now)
		calls=$(sed 's/\x1b\[[0-9;]*m//g' "$work/a.log" | sed -n 's/.*Number of execs done : *\([0-9]*\).*/\1/p')
		IFS=$'\t' read -r got ops <<<"$(sig "$work/a.out" "$target")"
		printf '%s\t%s\t%s\t%s\tafl-tmin\t%s\t%.3f\t%s\t%s\n' "$name" "$target" "$inops" "$want" "$ops" \
			"$(echo "$t1 - $t0" | bc)" "${calls:-?}" "$([ "$got" = "$want" ] && echo yes || echo no)" >>"$rows"

		# libFuzzer
		rm -f "$work/l.out"
		t0=$(now)
		"$fuzz/$target" -minimize_crash=1 -runs=10000 -print_final_stats=1 \
			-exact_artifact_path="$work/l.out" "$f" >"$work/l.log" 2>&1
		t1=$(now)
		[ -s "$work/l.out" ] || cp "$f" "$work/l.out"
		calls=$(awk '/stat::number_of_executed_units/ { s += $2 }
			     /CRASH_MIN: executing/ && !/internal_step/ { s += 1 }
			     /no crashes found/ { s += 10000 } END { print s + 0 }' "$work/l.log")
		IFS=$'\t' read -r got ops <<<"$(sig "$work/l.out" "$target")"
		printf '%s\t%s\t%s\t%s\tlibFuzzer\t%s\t%.3f\t%s\t%s\n' "$name" "$target" "$inops" "$want" "$ops" \
			"$(echo "$t1 - $t0" | bc)" "$calls" "$([ "$got" = "$want" ] && echo yes || echo no)" >>"$rows"
	done
done

# the table: per tool, medians and totals over the files
python3 - "$rows" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter='\t'))
files = sorted({r['file'] for r in rows})
ins = [int(r['input_ops']) for r in rows if r['tool'] == 'msilab']
print(f"{len(files)} crash files, {statistics.median(ins):g} operations each (median; {min(ins)}-{max(ins)})\n")
print("| tool | reproducer ops (median / mean / max) | time per file (median / total) "
      "| oracle calls or execs (median / total) | different signature |")
print("|---|---|---|---|---|")
for tool in ("msilab", "afl-tmin", "libFuzzer"):
    r = [x for x in rows if x['tool'] == tool]
    ops = [int(x['ops']) for x in r if x['ops']]
    sec = [float(x['seconds']) for x in r]
    calls = [int(x['calls']) for x in r if x['calls'].isdigit()]
    diff = sum(x['same'] != 'yes' for x in r)
    print(f"| {tool} | {statistics.median(ops):g} / {statistics.mean(ops):.1f} / {max(ops)} "
          f"| {statistics.median(sec):.2f} s / {sum(sec):.1f} s "
          f"| {statistics.median(calls):g} / {sum(calls)} | {diff} of {len(r)} |")
EOF
echo
echo "per file: $rows"
