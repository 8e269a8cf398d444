#!/bin/bash
# bench_fuzz.sh - does the model fuzzer find the known bugs by itself?
#
#   tools/bench/bench_fuzz.sh [BUILD_DIR] [SECONDS] [SEEDS]
#     BUILD_DIR  a clang build with the fuzz targets (default build/fuzz:
#                cmake --preset fuzz && cmake --build --preset fuzz)
#     SECONDS    time limit of one run (default 60)
#     SEEDS      libFuzzer -seed values (default "1 2 3 4 5")
#
# From an EMPTY corpus against 6.15, time to the first crash on B1 and on B3
# (MSILAB_FUZZ_STOP=Bn: only that bug stops the run), median over the seeds,
# with the structure-aware mutator (fuzz_model_615) and with plain byte
# mutation (fuzz_model_615_bytes); then exec/s of fuzz_model_615 (nothing
# stops it) against an empty libFuzzer target at the same -max_len.
set -u

src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build/fuzz}
limit=${2:-60}
seeds=${3:-1 2 3 4 5}
maxlen=1024
fz=$build/fuzz
work=$(mktemp -d /tmp/fz-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

for b in fuzz_model_615 fuzz_model_615_bytes fuzz_empty; do
	[ -x "$fz/$b" ] || { echo "bench_fuzz: no $fz/$b (clang fuzz build needed)" >&2; exit 2; }
done

now() { date +%s.%N; }

# run_one BIN BUG SEED: prints "SECONDS EXECS" (SECONDS = "-" when not found)
run_one() {
	local bin=$1 bug=$2 seed=$3 t0 t1 execs
	rm -rf "$work/corpus" "$work/art" && mkdir -p "$work/corpus" "$work/art"
	t0=$(now)
	MSILAB_FUZZ_STOP=$bug "$fz/$bin" -seed="$seed" -max_len=$maxlen -max_total_time="$limit" \
		-print_final_stats=1 -artifact_prefix="$work/art/" "$work/corpus" >"$work/log" 2>&1
	t1=$(now)
	execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$' | tail -1)
	if grep -q "violated \[known bug $bug\]" "$work/log"; then
		echo "$(echo "$t1 - $t0" | bc) ${execs:-?}"
	else
		echo "- ${execs:-?}"
	fi
}

# median of a list where "-" (not found) sorts last
median() {
	printf '%s\n' "$@" | sed 's/^-$/999999/' | sort -g | awk '{ a[NR] = $1 } END {
		m = a[int((NR + 1) / 2)]; if (m == 999999) print "not found"; else printf "%.2f s\n", m }'
}

printf '%-22s %-4s %-34s %s\n' "mutator" "bug" "time to first crash per seed (s)" "median"
for bin in fuzz_model_615 fuzz_model_615_bytes; do
	for bug in B1 B3; do
		times=() cells=""
		for s in $seeds; do
			read -r t e <<<"$(run_one $bin $bug "$s")"
			times+=("$t")
			if [ "$t" = "-" ]; then cells="$cells >$limit"; else cells="$cells $(printf '%.2f' "$t")"; fi
		done
		name=$([ $bin = fuzz_model_615 ] && echo "structure-aware" || echo "bytes only")
		printf '%-22s %-4s %-34s %s\n' "$name" "$bug" "${cells# }" "$(median "${times[@]}")"
	done
done

# exec/s: "Done N runs in S second(s)"
speed() {
	local bin=$1
	rm -rf "$work/corpus" && mkdir -p "$work/corpus"
	MSILAB_FUZZ_STOP= "$fz/$bin" -seed=1 -max_len=$maxlen -max_total_time=10 "$work/corpus" >"$work/log" 2>&1
	sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 \2/p' "$work/log" | awk '{ printf "%d", $1 / $2 }'
}
echo
printf '%-22s %s\n' "target (-max_len=$maxlen)" "exec/s (10 s, -seed=1)"
for bin in fuzz_model_615 fuzz_model_615_bytes fuzz_empty; do
	printf '%-22s %s\n' "$bin" "$(speed $bin)"
done
