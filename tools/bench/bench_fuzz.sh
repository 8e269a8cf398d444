#!/bin/bash
# bench_fuzz.sh - does the model fuzzer find the known bugs by itself, and how
# fast does it run?  One run measures, on 6.15 (fuzz_model_615: every fault
# point allowed), from an EMPTY corpus:
#
#   1. time to the first crash on B1, B3, B7 and B13 (MSILAB_FUZZ_STOP=Bn: only
#      that bug stops a run), for each libFuzzer -seed, median over the seeds,
#      with the structure-aware mutator (fuzz_model_615) and with plain byte
#      mutation (fuzz_model_615_bytes, libFuzzer's default instrumentation);
#   2. exec/s of fuzz_model_615 (nothing stops it) against an empty libFuzzer
#      target (fuzz_empty) at the same -max_len, both from the same build
#      (same sanitizers); per wall second and per CPU second of the process,
#      since the machine may be shared;
#   3. AFL++ exec/s: afl-fuzz, the persistent-mode harness and the custom
#      mutator library, a fixed-duration run; execs_per_sec of fuzzer_stats.
#
#   tools/bench/bench_fuzz.sh [FUZZ_BUILD] [SECONDS] [SEEDS]
#     FUZZ_BUILD  a clang build with the fuzz targets (default build/fuzz:
#                 cmake --preset fuzz && cmake --build --preset fuzz)
#     SECONDS     time limit of one time-to-crash run (default 30)
#     SEEDS       libFuzzer -seed values (default "1 2 3 4 5")
#   AFL_BUILD=DIR  afl_fuzz_model_615 and libmsilab_afl_mutator.so (default
#                 build/release/fuzz/afl; skipped when missing or no afl-fuzz)
#   SPEED_SECONDS=N  duration of each exec/s run (default 10; AFL++: 2N)
#
# Corpora and artifacts go to a temporary directory on tmpfs (/dev/shm) when
# there is one: writing each new corpus file to disk is not the target's cost.
# Exit: 0 measured, 2 usage or a missing binary.
set -u

src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build/fuzz}
limit=${2:-30}
seeds=${3:-1 2 3 4 5}
afl_build=${AFL_BUILD:-$src/build/release/fuzz/afl}
speed_s=${SPEED_SECONDS:-10}
maxlen=1024
fz=$build/fuzz
case "$limit$speed_s" in
*[!0-9]*) echo "bench_fuzz: SECONDS and SPEED_SECONDS must be numbers" >&2; exit 2 ;;
esac
tmp=/tmp
[ -d /dev/shm ] && [ -w /dev/shm ] && tmp=/dev/shm
work=$(mktemp -d "$tmp/fz-bench.XXXXXX")
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
		echo "$(echo "$t1 - $t0" | bc) ${execs:-0}"
	else
		echo "- ${execs:-0}"
	fi
}

# median of a list where "-" (not found) sorts last; prints the number or "-"
median() {
	printf '%s\n' "$@" | sed 's/^-$/999999/' | sort -g | awk '{ a[NR] = $1 } END {
		m = a[int((NR + 1) / 2)]; if (m == 999999) print "-"; else printf "%.2f", m }'
}

declare -A med medx
echo "== time to first crash, 6.15, empty corpus, -max_len=$maxlen, limit ${limit}s, seeds: $seeds"
printf '%-16s %-4s %-40s %-9s %s\n' "mutator" "bug" "seconds per seed" "median" "median execs"
for bin in fuzz_model_615 fuzz_model_615_bytes; do
	name=$([ $bin = fuzz_model_615 ] && echo "structure-aware" || echo "bytes only")
	for bug in B1 B3 B7 B13; do
		times=() execs=() cells=""
		for s in $seeds; do
			read -r t e <<<"$(run_one $bin $bug "$s")"
			times+=("$t")
			execs+=("$([ "$t" = - ] && echo - || echo "$e")")
			if [ "$t" = "-" ]; then cells="$cells >$limit"; else cells="$cells $(printf '%.2f' "$t")"; fi
		done
		med[$bin.$bug]=$(median "${times[@]}")
		medx[$bin.$bug]=$(median "${execs[@]}")
		m=${med[$bin.$bug]}
		printf '%-16s %-4s %-40s %-9s %s\n' "$name" "$bug" "${cells# }" \
			"$([ "$m" = - ] && echo ">$limit" || echo "$m s")" "${medx[$bin.$bug]%.00}"
	done
done
# the floor of a time to crash: starting the process and running nothing
rm -rf "$work/corpus" && mkdir -p "$work/corpus"
t0=$(now)
"$fz/fuzz_model_615" -runs=0 "$work/corpus" >/dev/null 2>&1
start=$(echo "$(now) - $t0" | bc)
echo
printf '%-4s %-36s %s\n' "bug" "byte mutation / structure-aware: time" "executions"
for bug in B1 B3 B7 B13; do
	s=${med[fuzz_model_615.$bug]} b=${med[fuzz_model_615_bytes.$bug]}
	xs=${medx[fuzz_model_615.$bug]} xb=${medx[fuzz_model_615_bytes.$bug]}
	if [ "$s" = - ]; then
		r="structure-aware did not find it in ${limit}s" x=-
	elif [ "$b" = - ]; then
		r=">$(echo "$limit / $s" | bc -l | xargs printf '%.0f')x (bytes: not found in ${limit}s)" x=-
	else
		r="$(echo "$b / $s" | bc -l | xargs printf '%.1f')x"
		x="$(echo "$xb / $xs" | bc -l | xargs printf '%.0f')x"
	fi
	printf '%-4s %-36s %s\n' "$bug" "$r" "$x"
done
printf 'process start (fuzz_model_615 -runs=0): %.2f s of every time above\n' "$start"

# speed BIN: "EXECS WALL CPU" of a run of SPEED_SECONDS that nothing stops
speed() {
	local bin=$1 execs wall cpu
	rm -rf "$work/corpus" && mkdir -p "$work/corpus"
	MSILAB_FUZZ_STOP= /usr/bin/time -f "%e %U %S" -o "$work/time" "$fz/$bin" -seed=1 \
		-max_len=$maxlen -max_total_time="$speed_s" -print_final_stats=1 "$work/corpus" \
		>"$work/log" 2>&1
	execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$' | tail -1)
	read -r wall u s <"$work/time"
	cpu=$(echo "$u + $s" | bc)
	echo "${execs:-0} $wall $cpu"
}
echo
echo "== exec/s, -max_len=$maxlen, ${speed_s}s, -seed=1, empty corpus, nothing stops (same build: $build)"
printf '%-22s %10s %12s %12s %s\n' "target" "execs" "exec/s wall" "exec/s CPU" "of the empty target (CPU)"
declare -A cps
for bin in fuzz_empty fuzz_model_615 fuzz_model_615_bytes; do
	read -r e w c <<<"$(speed $bin)"
	ew=$(echo "$e / $w" | bc)
	ec=$(echo "$e / $c" | bc)
	cps[$bin]=$ec
	pct=$(echo "100 * $ec / ${cps[fuzz_empty]}" | bc -l | xargs printf '%.2f%%')
	printf '%-22s %10s %12s %12s %s\n' "$bin" "$e" "$ew" "$ec" "$pct"
done

echo
if command -v afl-fuzz >/dev/null && [ -x "$afl_build/afl_fuzz_model_615" ] &&
   [ -f "$afl_build/libmsilab_afl_mutator.so" ]; then
	afl_s=$((2 * speed_s))
	rm -rf "$work/afl" && mkdir -p "$work/afl"
	AFL_CUSTOM_MUTATOR_LIBRARY="$afl_build/libmsilab_afl_mutator.so" MSILAB_FUZZ_TARGET=fuzz_model_615 \
	MSILAB_FUZZ_STOP= AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_IGNORE_SEED_PROBLEMS=1 \
	AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
		/usr/bin/time -f "%e %U %S" -o "$work/time" \
		afl-fuzz -i "$src/fuzz/seeds/model" -o "$work/afl" -x "$src/fuzz/msilab.dict" -V "$afl_s" \
		-- "$afl_build/afl_fuzz_model_615" >"$work/afl.log" 2>&1
	st=$work/afl/default/fuzzer_stats
	if [ -f "$st" ]; then
		eps=$(awk -F': *' '$1 ~ /^execs_per_sec/ { print $2 }' "$st")
		done=$(awk -F': *' '$1 ~ /^execs_done/ { print $2 }' "$st")
		read -r w u s <"$work/time"
		echo "== AFL++ (afl_fuzz_model_615, persistent mode, custom mutator, seeds fuzz/seeds/model, ${afl_s}s)"
		echo "execs $done, execs_per_sec $eps (fuzzer_stats), $(echo "$done / ($u + $s)" | bc) per CPU second of afl-fuzz and its target"
	else
		echo "== AFL++: no fuzzer_stats (see below)"
		tail -5 "$work/afl.log"
	fi
else
	echo "== AFL++: skipped (no afl-fuzz, or no $afl_build/afl_fuzz_model_615: tools/fuzz/build_afl.sh)"
fi
