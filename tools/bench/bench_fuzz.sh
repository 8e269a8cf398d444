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
#      target (fuzz_empty) at the same -max_len (64: the header alone, no
#      operation; 128: up to 8; 1024), both from the same build
#      (same sanitizers); per wall second and per CPU second of the process,
#      since the machine may be shared; and against the floor
#      (fuzz_model_615_noop: fuzz_model_615's binary, instrumentation and
#      custom mutator with an empty LLVMFuzzerTestOneInput), which no harness
#      of this binary can exceed: what libFuzzer spends per execution on a
#      binary this size (its coverage map) and on the custom mutator;
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
#   SPEED_LENS="64 128 1024"  the -max_len values of the exec/s runs
#   BUGS="B1 B3"  the bugs of part 1 (default B1 B3 B7 B13)
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
bugs=${BUGS:-B1 B3 B7 B13}
maxlen=1024
fz=$build/fuzz
case "$limit$speed_s" in
*[!0-9]*) echo "bench_fuzz: SECONDS and SPEED_SECONDS must be numbers" >&2; exit 2 ;;
esac
# The engines run as "msilab fuzz" runs them (replay/cmd_fuzz.c): no stack
# symbolization.  With it, libFuzzer symbolizes every NEW_FUNC line through
# llvm-symbolizer, about a millisecond each: most of the first second of a
# run from an empty corpus, and none of it search.
export ASAN_OPTIONS=${ASAN_OPTIONS:-symbolize=0} UBSAN_OPTIONS=${UBSAN_OPTIONS:-symbolize=0}
tmp=/tmp
[ -d /dev/shm ] && [ -w /dev/shm ] && tmp=/dev/shm
work=$(mktemp -d "$tmp/fz-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

for b in fuzz_model_615 fuzz_model_615_bytes fuzz_model_615_noop fuzz_empty; do
	[ -x "$fz/$b" ] || { echo "bench_fuzz: no $fz/$b (clang fuzz build needed)" >&2; exit 2; }
done

now() { date +%s.%N; }

# stamp PATTERN: copy stdin to stdout, then print "msilab-bench: inited at T0
# found at T1": the $EPOCHREALTIME at which libFuzzer's INITED line (the
# empty corpus run, the search starts) and the first line containing PATTERN
# arrived ("-" if none).  The engine's crash report after the violation line
# (ASan symbolizes the stack, about 0.1 s) is the same for both mutators and
# is not search time.
stamp() {
	local l inited=- found=-
	while IFS= read -r l; do
		printf '%s\n' "$l"
		if [ "$inited" = - ] && [[ $l == *"INITED cov"* ]]; then inited=$EPOCHREALTIME; fi
		if [ "$found" = - ] && [[ $l == *"$1"* ]]; then found=$EPOCHREALTIME; fi
	done
	echo "msilab-bench: inited at $inited found at $found"
}

# run_one BIN BUG SEED: prints "SEARCH EXECS START TOTAL": SEARCH from the
# INITED line to the violation line, START from process start to INITED,
# TOTAL the whole run, crash report included; "-" when not found
run_one() {
	local bin=$1 bug=$2 seed=$3 t0 t1 ti tf execs
	rm -rf "$work/corpus" "$work/art" && mkdir -p "$work/corpus" "$work/art"
	t0=$EPOCHREALTIME
	MSILAB_FUZZ_STOP=$bug "$fz/$bin" -seed="$seed" -max_len=$maxlen -max_total_time="$limit" \
		-print_final_stats=1 -artifact_prefix="$work/art/" "$work/corpus" 2>&1 |
		stamp "violated [known bug $bug]" >"$work/log"
	t1=$EPOCHREALTIME
	execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$' | tail -1)
	read -r ti tf <<<"$(sed -n 's/^msilab-bench: inited at \(.*\) found at \(.*\)$/\1 \2/p' "$work/log")"
	if [ "$tf" != - ] && [ "$ti" != - ]; then
		echo "$(echo "$tf - $ti" | bc) ${execs:-0} $(echo "$ti - $t0" | bc) $(echo "$t1 - $t0" | bc)"
	else
		echo "- ${execs:-0} - -"
	fi
}

# median of a list where "-" (not found) sorts last; prints the number or "-"
median() {
	printf '%s\n' "$@" | sed 's/^-$/999999/' | sort -g | awk '{ a[NR] = $1 } END {
		m = a[int((NR + 1) / 2)]; if (m == 999999) print "-"; else printf "%.3f", m }'
}

declare -A med medx medt meds
echo "== time to first crash, 6.15, empty corpus, -max_len=$maxlen, limit ${limit}s, seeds: $seeds"
echo "   search: seconds from libFuzzer's INITED line to the violation line; start: process start"
echo "   to INITED; whole run: process start to exit, the crash report included (medians)"
printf '%-16s %-4s %-40s %-9s %-8s %-8s %-9s\n' "mutator" "bug" "search, seconds per seed" "search" "execs" "start" "whole run"
for bin in fuzz_model_615 fuzz_model_615_bytes; do
	name=$([ $bin = fuzz_model_615 ] && echo "structure-aware" || echo "bytes only")
	for bug in $bugs; do
		times=() execs=() starts=() totals=() cells=""
		for s in $seeds; do
			read -r t e ts tt <<<"$(run_one $bin $bug "$s")"
			times+=("$t")
			starts+=("$ts")
			totals+=("$tt")
			execs+=("$([ "$t" = - ] && echo - || echo "$e")")
			if [ "$t" = "-" ]; then cells="$cells >$limit"; else cells="$cells $(printf '%.3f' "$t")"; fi
		done
		med[$bin.$bug]=$(median "${times[@]}")
		medx[$bin.$bug]=$(median "${execs[@]}")
		medt[$bin.$bug]=$(median "${totals[@]}")
		meds[$bin.$bug]=$(median "${starts[@]}")
		m=${med[$bin.$bug]}
		printf '%-16s %-4s %-40s %-9s %-8s %-8s %-9s\n' "$name" "$bug" "${cells# }" \
			"$([ "$m" = - ] && echo ">$limit" || echo "$m s")" "${medx[$bin.$bug]%.000}" \
			"$([ "${meds[$bin.$bug]}" = - ] && echo - || echo "${meds[$bin.$bug]} s")" \
			"$([ "${medt[$bin.$bug]}" = - ] && echo - || echo "${medt[$bin.$bug]} s")"
	done
done
echo
printf '%-4s %-44s %-13s %s\n' "bug" "byte mutation / structure-aware: search time" "executions" "whole run"
for bug in $bugs; do
	s=${med[fuzz_model_615.$bug]} b=${med[fuzz_model_615_bytes.$bug]}
	xs=${medx[fuzz_model_615.$bug]} xb=${medx[fuzz_model_615_bytes.$bug]}
	ts=${medt[fuzz_model_615.$bug]} tb=${medt[fuzz_model_615_bytes.$bug]}
	if [ "$s" = - ]; then
		r="structure-aware did not find it in ${limit}s" x=- w=-
	elif [ "$b" = - ]; then
		r=">$(echo "$limit / $s" | bc -l | xargs printf '%.0f')x (bytes: not found in ${limit}s)" x=-
		w=">$(echo "$limit / $ts" | bc -l | xargs printf '%.0f')x"
	else
		r="$(echo "$b / $s" | bc -l | xargs printf '%.1f')x"
		x="$(echo "$xb / $xs" | bc -l | xargs printf '%.0f')x"
		w="$(echo "$tb / $ts" | bc -l | xargs printf '%.1f')x"
	fi
	printf '%-4s %-44s %-13s %s\n' "$bug" "$r" "$x" "$w"
done

# speed BIN LEN: "EXECS WALL CPU OPS" of a run of SPEED_SECONDS at -max_len=LEN
# that nothing stops; OPS: operations per input of the corpus it grew
# (records after the 64-byte header, 8 bytes each)
speed() {
	local bin=$1 len=$2 execs wall cpu ops
	rm -rf "$work/corpus" && mkdir -p "$work/corpus"
	MSILAB_FUZZ_STOP= /usr/bin/time -f "%e %U %S" -o "$work/time" "$fz/$bin" -seed=1 \
		-max_len="$len" -max_total_time="$speed_s" -print_final_stats=1 "$work/corpus" \
		>"$work/log" 2>&1
	execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$' | tail -1)
	read -r wall u s <"$work/time"
	cpu=$(echo "$u + $s" | bc)
	ops=$(find "$work/corpus" -type f -printf '%s\n' |
		awk '{ n++; if ($1 > 64) o += int(($1 - 64) / 8) } END { printf "%.1f", n ? o / n : 0 }')
	echo "${execs:-0} $wall $cpu $ops"
}
echo
echo "== exec/s, ${speed_s}s, -seed=1, empty corpus, nothing stops (same build: $build)"
echo "   -max_len=64 holds the header alone (no operation: decoder, machine reset, custom"
echo "   mutator, coverage); 128 up to 8 operations; $maxlen the time-to-crash runs' length"
echo "   floor: fuzz_model_615_noop, the same binary and mutator running nothing"
printf '%-22s %-8s %10s %12s %12s %-10s %-14s %s\n' "target" "max_len" "execs" "exec/s wall" "exec/s CPU" \
	"ops/input" "of empty (CPU)" "of the floor (CPU)"
declare -A cps
for len in ${SPEED_LENS:-64 128 $maxlen}; do
	for bin in fuzz_empty fuzz_model_615_noop fuzz_model_615 fuzz_model_615_bytes; do
		read -r e w c o <<<"$(speed $bin "$len")"
		ew=$(echo "$e / $w" | bc)
		ec=$(echo "$e / $c" | bc)
		cps[$bin.$len]=$ec
		pct=$(echo "100 * $ec / ${cps[fuzz_empty.$len]}" | bc -l | xargs printf '%.2f%%')
		pfl=-
		[ $bin = fuzz_empty ] || pfl=$(echo "100 * $ec / ${cps[fuzz_model_615_noop.$len]}" | bc -l | xargs printf '%.2f%%')
		case $bin in fuzz_empty | fuzz_model_615_noop) o=- ;; esac
		printf '%-22s %-8s %10s %12s %12s %-10s %-14s %s\n' "$bin" "$len" "$e" "$ew" "$ec" "$o" "$pct" "$pfl"
	done
done

echo
if command -v afl-fuzz >/dev/null && [ -x "$afl_build/afl_fuzz_model_615" ] &&
   [ -f "$afl_build/libmsilab_afl_mutator.so" ]; then
	afl_s=$((2 * speed_s))
	rm -rf "$work/afl" && mkdir -p "$work/afl"
	ASAN_OPTIONS=symbolize=0:abort_on_error=1 UBSAN_OPTIONS=symbolize=0:halt_on_error=1:abort_on_error=1 \
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
