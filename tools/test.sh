#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/test.sh - set up, build and run the whole test suite.
#
# Stages, in order: tools/setup.sh; the "release" preset (configure, build,
# ctest); the "debug" preset (ASan + UBSan; configure, build, ctest); the
# "clang" preset (configure and build with -Werror: warning-free with clang;
# then the bounded libFuzzer sessions, the tests named *_short, and the
# msilab fuzz campaigns of cli_fuzz_campaign: libFuzzer and AFL++, resume,
# SIGINT, SIGKILL; they need the clang targets).  Every
# stage runs even when an earlier one failed, so one run shows everything
# that is broken; a build failure only skips the ctest of that preset.
# Exit status: 0 when every stage passed, 1 otherwise (2 on usage errors).
set -uo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
"") ;;
-h | --help) echo "usage: tools/test.sh"; exit 0 ;;
*) echo "usage: tools/test.sh" >&2; exit 2 ;;
esac

jobs=$(nproc 2>/dev/null || echo 2)
logdir=build/logs
mkdir -p "$logdir"

stages=()	# "name: PASS|FAIL|SKIP (seconds)"
failed=0
tests_passed=0
tests_failed=0

banner() {
	printf '\n==== %s ====\n' "$*"
}

# run NAME CMD...: run one stage, record its result and duration.
run() {
	local name=$1 start rc
	shift
	banner "$name: $*"
	start=$(date +%s)
	"$@"
	rc=$?
	if [ "$rc" -eq 0 ]; then
		stages+=("$(printf '%-24s PASS  (%ss)' "$name" $(($(date +%s) - start)))")
	else
		stages+=("$(printf '%-24s FAIL  (exit %d, %ss)' "$name" "$rc" $(($(date +%s) - start)))")
		failed=1
	fi
	return "$rc"
}

skip() {
	stages+=("$(printf '%-24s SKIP  (%s)' "$1" "$2")")
	failed=1
}

# ctest_preset PRESET: run the preset's tests, keep the log, add up counts.
ctest_preset() {
	local preset=$1 log="$logdir/ctest-$1.log" rc line
	ctest --preset "$preset" -j "$jobs" --no-tests=error --timeout 900 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	# "100% tests passed, 0 tests failed out of 12"
	line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1)
	if [ -n "$line" ]; then
		local nfail ntotal
		nfail=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
		ntotal=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$line")
		tests_failed=$((tests_failed + nfail))
		tests_passed=$((tests_passed + ntotal - nfail))
	fi
	return "$rc"
}

preset() {
	local p=$1
	# A fresh build tree uses Ninja; an existing one keeps its generator.
	if [ ! -f "build/$p/CMakeCache.txt" ] && command -v ninja >/dev/null 2>&1; then
		export CMAKE_GENERATOR=Ninja
	else
		unset CMAKE_GENERATOR
	fi
	if run "$p: configure" cmake --preset "$p" &&
	   run "$p: build" cmake --build --preset "$p" -j "$jobs"; then
		run "$p: ctest" ctest_preset "$p"
	else
		skip "$p: ctest" "build failed"
	fi
}

t0=$(date +%s)
if run "setup" tools/setup.sh; then
	preset release
	preset debug
	# clang with -Werror: the tree must build warning-free with both compilers
	if [ ! -f build/clang/CMakeCache.txt ] && command -v ninja >/dev/null 2>&1; then
		export CMAKE_GENERATOR=Ninja
	fi
	# ... and with clang present, the libFuzzer targets run a bounded session
	if run "clang: configure" cmake --preset clang &&
	   run "clang: build (-Werror)" cmake --build --preset clang -j "$jobs"; then
		run "clang: fuzz runs" ctest --preset clang -j "$jobs" -R '_short$|^cli_fuzz_campaign$' \
			--no-tests=error --timeout 900
	fi
else
	skip "release" "setup failed"
	skip "debug" "setup failed"
fi

banner "summary ($(($(date +%s) - t0))s, $jobs jobs)"
printf '  %s\n' "${stages[@]}"
echo "  ctest logs: $logdir/ctest-{release,debug}.log"
echo "tests: $tests_passed passed, $tests_failed failed"
if [ "$failed" -ne 0 ]; then
	echo "tools/test.sh: FAILED"
	exit 1
fi
echo "tools/test.sh: all stages passed"
exit 0
