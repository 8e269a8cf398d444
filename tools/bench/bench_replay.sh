#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench_replay.sh - replay throughput: "msilab replay" against "msilab check"
# (reading only) on the same large generated scenario.
#
#   tools/bench/bench_replay.sh [BUILD_DIR [STIMULI]]
#
# BUILD_DIR defaults to build/release (configured with the release preset and
# built when missing; msilab is always brought up to date, unless MSILAB names
# the binary to measure), STIMULI to 10000000.  gen_scenario writes two traces into BUILD_DIR/bench/, never into
# the source tree:
#   scenario-N.mlog      twelve PCI and two platform devices (replayed on 6.16)
#   scenario-N-pci.mlog  the same without platform device MSI domains, which
#                        6.1 cannot run (replayed on 6.16 and 6.1)
# Each "msilab check -q" is the best of 3 runs on a warm page cache, each
# replay the best of BENCH_RUNS runs (default 1).  Prints a table with the
# operations (stimuli) per second of each replay and its time over the time
# to read the same file, then the commands used.
# Exit: 0 measured, 1 a command failed, 2 usage.
set -euo pipefail

usage() {
	echo "usage: tools/bench/bench_replay.sh [BUILD_DIR [STIMULI]]"
}
case "${1:-}" in
-h | --help) usage; exit 0 ;;
-*) usage >&2; exit 2 ;;
esac
[ $# -le 2 ] || { usage >&2; exit 2; }

src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build/release}
stimuli=${2:-10000000}
runs=${BENCH_RUNS:-1}
seed=1
case "$stimuli$runs" in
*[!0-9]*) echo "bench_replay: STIMULI and BENCH_RUNS must be numbers" >&2; exit 2 ;;
esac
for tool in cmake python3; do
	command -v "$tool" >/dev/null || { echo "bench_replay: $tool not found (run tools/setup.sh)" >&2; exit 1; }
done

say() { printf 'bench_replay: %s\n' "$*" >&2; }

# --- msilab, up to date (or the one MSILAB names, as it is) ---
if [ -n "${MSILAB:-}" ]; then
	msilab=$MSILAB
	[ -x "$msilab" ] || { echo "bench_replay: MSILAB=$msilab is not executable" >&2; exit 1; }
	[ -f "$build/CMakeCache.txt" ] || mkdir -p "$build"
elif [ ! -f "$build/CMakeCache.txt" ]; then
	if [ "$build" != "$src/build/release" ]; then
		echo "bench_replay: $build is not a configured build tree" >&2
		exit 1
	fi
	say "configuring the release preset"
	(cd "$src" && cmake --preset release >/dev/null)
fi
if [ -z "${MSILAB:-}" ]; then
	say "building msilab in $build"
	cmake --build "$build" --target msilab >/dev/null
	msilab=$build/msilab
	[ -x "$msilab" ] || { echo "bench_replay: no $msilab after the build" >&2; exit 1; }
fi

# --- the generator: the CMake target when tools/bench is in the build,
# otherwise compiled here (the top level may not add tools/bench yet) ---
out=$build/bench
mkdir -p "$out"
gen=$build/tools/bench/gen_scenario
if ! cmake --build "$build" --target gen_scenario >/dev/null 2>&1 || [ ! -x "$gen" ]; then
	gen=$out/gen_scenario
	if [ ! -x "$gen" ] || [ "$src/tools/bench/gen_scenario.c" -nt "$gen" ]; then
		say "compiling $gen (no gen_scenario target in $build)"
		"${CC:-cc}" -std=gnu11 -O2 -Wall -Wextra -o "$gen" "$src/tools/bench/gen_scenario.c"
	fi
fi

# gen FILE ARGS...: (re)generate FILE when missing or older than the generator
gen_file() {
	local f=$1
	shift
	if [ ! -s "$f" ] || [ "$gen" -nt "$f" ]; then
		say "generating $f"
		"$gen" -n "$stimuli" -s "$seed" "$@" -o "$f.tmp"
		mv "$f.tmp" "$f"
	fi
}
full=$out/scenario-$stimuli.mlog
pci=$out/scenario-$stimuli-pci.mlog
gen_file "$full"
gen_file "$pci" -P

# --- timing: "measure RUNS CMD...": the best wall time of RUNS runs, the
# CPU time (user + sys) of that run and the peak RSS of the child, as
# "WALL_S CPU_S MAXRSS_KB RC"; stdout of the last run in $out/last.out.
# CPU time is the steadier figure on a loaded machine. ---
measure() {
	python3 - "$out/last.out" "$@" <<'EOF'
import os, subprocess, sys, time
outpath, runs, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
best = None
for _ in range(runs):
    with open(outpath, "wb") as f:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=f)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
    rc = os.waitstatus_to_exitcode(status)
    if best is None or wall < best[0]:
        best = (wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, rc)
print("%.3f %.3f %d %d" % best)
EOF
}

rows=()
cmds=()
check_s=()

# bench_check FILE: time "msilab check -q FILE"; sets $t_check
bench_check() {
	local f=$1 t cpu rss rc
	cat "$f" >/dev/null	# warm the page cache
	read -r t cpu rss rc < <(measure 3 "$msilab" check -q "$f")
	[ "$rc" -eq 0 ] || { echo "bench_replay: msilab check -q $f exited $rc" >&2; exit 1; }
	t_check=$t
	cpu_check=$cpu
	cmds+=("msilab check -q $f")
}

# bench_replay FILE KERNEL: time "msilab replay -q --kernel KERNEL FILE"
bench_replay() {
	local f=$1 k=$2 t cpu rss rc steps verdict
	say "replaying $(basename "$f") on $k"
	read -r t cpu rss rc < <(measure "$runs" "$msilab" replay -q --kernel "$k" "$f")
	# 0 clean, 1 violations found: both are a measurement; 2 is not
	if [ "$rc" -gt 1 ]; then
		echo "bench_replay: msilab replay -q --kernel $k $f exited $rc:" >&2
		cat "$out/last.out" >&2
		exit 1
	fi
	steps=$(sed -nE 's/.*: profile [^:]*: ([0-9]+) steps?,.*/\1/p' "$out/last.out" | tail -n 1)
	[ -n "$steps" ] || { echo "bench_replay: no step count in: $(cat "$out/last.out")" >&2; exit 1; }
	verdict=$(sed -nE 's/.*, ([0-9]+) violations? \(first ([^,)]*).*/\1 (first \2)/p' "$out/last.out" | tail -n 1)
	[ -n "$verdict" ] || verdict=clean
	rows+=("$(awk -v f="$(basename "$f")" -v k="$k" -v s="$steps" -v tc="$t_check" -v tr="$t" \
		-v cc="$cpu_check" -v cr="$cpu" -v rss="$rss" -v v="$verdict" 'BEGIN {
		printf "%-28s %-6s %10d %8.2f %8.2f %8.2f %8.2f %10.0f %10.0f %7.1fx %8.1fx %6.0f  %s",
			f, k, s, tc, cc, tr, cr, s / tr, s / cr, tr / tc, cr / cc, rss / 1024, v }')")
	cmds+=("msilab replay -q --kernel $k $f")
	[ "${t%.*}" -lt 120 ] || say "replay on $k took ${t}s (> 2 min): profile it (perf record -g, or valgrind --tool=callgrind on a 100000-stimulus file)"
}

bench_check "$full"
bench_replay "$full" 6.16
bench_check "$pci"
bench_replay "$pci" 6.16
bench_replay "$pci" 6.1

lines() { wc -l <"$1" | tr -d ' '; }
mb() { awk -v b="$(stat -c %s "$1")" 'BEGIN { printf "%.0f", b / 1e6 }'; }
echo
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
echo "msilab:  $msilab ($(grep -E '^CMAKE_BUILD_TYPE:' "$build/CMakeCache.txt" 2>/dev/null | cut -d= -f2 || true), $("$msilab" --version))"
echo "files:   $full ($(lines "$full") lines, $(mb "$full") MB)"
echo "         $pci ($(lines "$pci") lines, $(mb "$pci") MB)"
echo "timing:  rd = msilab check -q (best of 3), rp = msilab replay -q (best of $runs), seconds;"
echo "         ops = stimuli replayed (steps); ops/s on wall time, ops/cpu-s on user+sys time;"
echo "         rp/rd = replay time / read time; rss_MB = peak RSS of the replay"
echo
printf '%-28s %-6s %10s %8s %8s %8s %8s %10s %10s %8s %9s %6s  %s\n' file kernel ops \
	rd_wall rd_cpu rp_wall rp_cpu ops/s ops/cpu-s rp/rd rp/rd-cpu rss_MB verdict
printf '%s\n' "${rows[@]}"
echo
echo "commands:"
printf '  %s\n' "${cmds[@]}"
