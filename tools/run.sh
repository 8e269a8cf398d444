#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/run.sh - set up, build the release preset and replay the bundled
# corpus (corpus/known-bugs/*.mlog, corpus/scenarios/*.mlog) on every
# behaviour profile, checking each verdict against the "# expect:" lines in
# the file's header (msilab replay --expect; format in corpus/README.md).
#
# Exit status: that of msilab replay --expect (0 every verdict as expected,
# 1 a verdict differs, 2 bad input), or 1/2 when setup or the build fails.
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
"") ;;
-h | --help) echo "usage: tools/run.sh"; exit 0 ;;
*) echo "usage: tools/run.sh" >&2; exit 2 ;;
esac

jobs=$(nproc 2>/dev/null || echo 2)
log=build/logs/run-build.log

tools/setup.sh

mkdir -p build/logs
if [ ! -f build/release/CMakeCache.txt ] && command -v ninja >/dev/null 2>&1; then
	export CMAKE_GENERATOR=Ninja
fi
echo "run.sh: building the release preset (log: $log)"
if ! { cmake --preset release && cmake --build --preset release -j "$jobs"; } >"$log" 2>&1; then
	tail -n 40 "$log" >&2
	echo "run.sh: build failed (full log: $log)" >&2
	exit 1
fi

shopt -s nullglob
files=(corpus/known-bugs/*.mlog corpus/scenarios/*.mlog)
shopt -u nullglob
if [ "${#files[@]}" -eq 0 ]; then
	echo "run.sh: no .mlog files under corpus/known-bugs or corpus/scenarios" >&2
	exit 2
fi

echo "run.sh: replaying ${#files[@]} traces"
rc=0
build/release/msilab replay --expect "${files[@]}" || rc=$?
case "$rc" in
0) echo "run.sh: every verdict matches its expectation" ;;
1) echo "run.sh: some verdicts differ from their expectation (see above)" ;;
*) echo "run.sh: msilab replay exited $rc (bad input or usage)" ;;
esac

# The real recordings: each on its own kernel's profile.  They must show no
# divergence; the violations they report are the real kernels' known bugs.
shopt -s nullglob
real=(corpus/real/*/*.mlog)
shopt -u nullglob
# A recording whose start state the converter could not prove says so in a
# "# conformance: incomplete start state" line: skipped, with that reason.
all=()
for f in ${real[@]+"${real[@]}"}; do
	if grep -q '^# conformance: incomplete start state' "$f"; then
		echo "run.sh: SKIPPED $f: $(sed -n 's/^# conformance: //p' "$f" | head -1)"
	else
		all+=("$f")
	fi
done
real=(${all[@]+"${all[@]}"})
if [ "${#real[@]}" -gt 0 ]; then
	echo "run.sh: replaying ${#real[@]} real recordings (corpus/real)"
	rrc=0
	out=$(build/release/msilab replay -q "${real[@]}" 2>&1) || rrc=$?
	printf '%s\n' "$out"
	if [ "$rrc" -ge 2 ] || grep -q ' [1-9][0-9]* divergence' <<<"$out"; then
		echo "run.sh: a real recording diverges from the model or was refused"
		rc=1
	else
		echo "run.sh: every real recording replays with 0 divergences"
	fi
fi
exit "$rc"
