#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# cli_determinism.sh - msilab's output does not depend on the compiler or the
# optimisation level.
#   bash tests/cli_determinism.sh MSILAB_BINARY SOURCE_DIR BINARY_DIR
#
# Builds the msilab target four times under BINARY_DIR/cli_determinism/:
# gcc -O0, gcc -O2, clang -O0, clang -O2 (gcc only, with a message, when
# clang is missing).  The build trees are kept and reused, so a repeated run
# only rebuilds what changed.  Each binary then runs, from SOURCE_DIR and with
# the same relative paths:
#   msilab replay -v            on every file, default profile and each of
#                               6.1 6.12 6.15 6.16
#   msilab replay --json        on every file, and on all files at once
#   msilab fmt                  on every file
#   msilab report --format F    on every file, F = text json html kunit (html
#                               only on the generated traces)
# over corpus/known-bugs, corpus/scenarios, corpus/real (recursively, when it
# exists) and tests/mlog_valid, plus two 5000-stimulus traces from
# tools/bench/gen_scenario.c when it exists; stdout, stderr and exit codes
# must be byte-identical across the builds.  MSILAB_BINARY is not used: the
# test compares the builds it makes.
# Last line: "cli_determinism: N passed, M failed"; exit 1 on any failure.
set -euo pipefail

if [ $# -ne 3 ]; then
	echo "usage: bash cli_determinism.sh MSILAB_BINARY SOURCE_DIR BINARY_DIR" >&2
	exit 2
fi
src=$(cd "$2" && pwd)
bin=$(mkdir -p "$3" && cd "$3" && pwd)
root=$bin/cli_determinism
work=$root/out
pass=0
fail=0
profiles=(6.1 6.12 6.15 6.16)
jobs=$(nproc 2>/dev/null || echo 2)

ok() { pass=$((pass + 1)); }
ko() {
	fail=$((fail + 1))
	echo "FAIL: $*" >&2
}
finish() {
	echo "cli_determinism: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit $?
}

command -v cmake >/dev/null || { ko "cmake not found (run tools/setup.sh)"; finish; }
mkdir -p "$root"
# one run at a time per build tree (ctest -j, or a run by hand next to ctest)
if command -v flock >/dev/null; then
	exec 9>"$root/.lock"
	flock 9
fi
rm -rf "$work"
mkdir -p "$work"

# ---- the builds: NAME COMPILER BUILD_TYPE FLAGS ----
builds=()
if command -v gcc >/dev/null; then
	builds+=("gcc-O0 gcc Debug -O0" "gcc-O2 gcc Release -O2")
else
	ko "gcc not found (run tools/setup.sh)"
fi
if command -v clang >/dev/null; then
	builds+=("clang-O0 clang Debug -O0" "clang-O2 clang Release -O2")
else
	echo "cli_determinism: clang not found: comparing the gcc builds only" >&2
fi

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

built=()
for b in "${builds[@]}"; do
	read -r name cc type opt <<<"$b"
	dir=$root/$name
	log=$root/$name.log
	if [ ! -f "$dir/CMakeCache.txt" ]; then
		echo "cli_determinism: configuring $name in $dir" >&2
		# CFLAGS/LDFLAGS from the environment would leak into the cache
		if ! env -u CFLAGS -u LDFLAGS -u CC cmake -S "$src" -B "$dir" "${generator[@]}" \
			-DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE="$type" \
			-DCMAKE_C_FLAGS_DEBUG="$opt -g" -DCMAKE_C_FLAGS_RELEASE="$opt -DNDEBUG" \
			-DMSILAB_SANITIZE=OFF -DMSILAB_FUZZ=OFF >"$log" 2>&1; then
			ko "configure $name failed (log $log):"
			tail -n 20 "$log" >&2
			rm -f "$dir/CMakeCache.txt"	# try again from scratch next time
			continue
		fi
	fi
	echo "cli_determinism: building msilab ($name)" >&2
	if ! cmake --build "$dir" --target msilab -j "$jobs" >"$log" 2>&1; then
		ko "build $name failed (log $log):"
		tail -n 20 "$log" >&2
		continue
	fi
	if [ ! -x "$dir/msilab" ]; then
		ko "build $name: no $dir/msilab"
		continue
	fi
	ok
	built+=("$name")
done
if [ "${#built[@]}" -lt 2 ]; then
	ko "fewer than two builds to compare (${built[*]:-none})"
	finish
fi

# ---- the inputs, as paths relative to SOURCE_DIR ----
cd "$src"
files=()
for d in corpus/known-bugs corpus/scenarios tests/mlog_valid; do
	for f in "$d"/*.mlog; do
		[ -e "$f" ] && files+=("$f")
	done
done
if [ -d corpus/real ]; then
	while IFS= read -r f; do files+=("$f"); done < <(find corpus/real -name '*.mlog' -type f | LC_ALL=C sort)
fi
[ "${#files[@]}" -gt 0 ] && ok || ko "no .mlog files found under $src/corpus"

# a large generated trace exercises far more of the model than the corpus
gen_files=()
if [ -f tools/bench/gen_scenario.c ]; then
	gen=$root/gen_scenario
	if [ ! -x "$gen" ] || [ tools/bench/gen_scenario.c -nt "$gen" ]; then
		"${CC:-cc}" -std=gnu11 -O2 -o "$gen" tools/bench/gen_scenario.c 2>"$root/gen.log" ||
			{ ko "cannot compile tools/bench/gen_scenario.c:"; cat "$root/gen.log" >&2; }
	fi
	if [ -x "$gen" ]; then
		"$gen" -n 5000 -s 7 -o "$work/gen.mlog" && gen_files+=("$work/gen.mlog")
		"$gen" -n 5000 -s 8 -P -k 6.1.0 -o "$work/gen-pci.mlog" && gen_files+=("$work/gen-pci.mlog")
	fi
fi

# run_one DIR TAG CMD...: stdout, stderr and exit code of CMD into DIR/TAG.*
run_one() {
	local dir=$1 tag=$2 rc=0
	shift 2
	"$@" >"$dir/$tag.out" 2>"$dir/$tag.err" || rc=$?
	echo "$rc" >"$dir/$tag.rc"
}

for name in "${built[@]}"; do
	m=$root/$name/msilab
	o=$work/$name
	mkdir -p "$o"
	for f in "${files[@]}"; do
		t=${f//\//__}
		run_one "$o" "$t.replay-v" "$m" replay -v "$f"
		for k in "${profiles[@]}"; do
			run_one "$o" "$t.replay-v-$k" "$m" replay -v --kernel "$k" "$f"
		done
		run_one "$o" "$t.replay-json" "$m" replay --json "$f"
		run_one "$o" "$t.fmt" "$m" fmt "$f"
		for r in text json html kunit; do
			run_one "$o" "$t.report-$r" "$m" report --format "$r" "$f"
		done
	done
	# generated traces: the -v timeline (a few MB) on the header's profile,
	# the verdict and the first findings on every profile
	for f in "${gen_files[@]}"; do
		t=$(basename "$f")
		run_one "$o" "$t.replay-v" "$m" replay -v "$f"
		for k in "${profiles[@]}"; do
			run_one "$o" "$t.replay-json-$k" "$m" replay --json --kernel "$k" "$f"
		done
		run_one "$o" "$t.fmt" "$m" fmt "$f"
		run_one "$o" "$t.report-html" "$m" report --format html "$f"
	done
	run_one "$o" "all.replay-json" "$m" replay --json "${files[@]}"
	run_one "$o" "all.replay-expect" "$m" replay --expect corpus/known-bugs/*.mlog corpus/scenarios/*.mlog
	# triage (signatures, minimized reproducers, index, reports): every file of OUT
	if [ -d tests/data/triage ]; then
		run_one "$o" "triage" "$m" triage -q -o "$work/triage-$name" tests/data/triage
		(cd "$work/triage-$name" && find . -type f | LC_ALL=C sort | xargs cat) >"$o/triage.files"
	fi
done

# ---- the outputs must exist and say something ----
ref=${built[0]}
if grep -q '^step 1 line ' "$work/$ref/corpus__known-bugs__B3-orphan-eventids.mlog.replay-v-6.1.out" 2>/dev/null; then
	ok
else
	ko "$ref: replay -v printed no timeline for B3 on 6.1"
fi
if [ -s "$work/$ref/all.replay-json.out" ]; then ok; else ko "$ref: replay --json printed nothing"; fi

# ---- byte-identical across the builds ----
for name in "${built[@]:1}"; do
	nd=0
	for a in "$work/$ref"/*; do
		b=$work/$name/$(basename "$a")
		if [ ! -e "$b" ]; then
			ko "$name: no $(basename "$a")"
			nd=$((nd + 1))
		elif cmp -s "$a" "$b"; then
			ok
		else
			nd=$((nd + 1))
			ko "$ref and $name differ: $(basename "$a")"
			if [ "$nd" -eq 1 ]; then
				echo "first difference ($ref vs $name):" >&2
				diff -u --label "$ref/$(basename "$a")" --label "$name/$(basename "$b")" \
					"$a" "$b" | head -n 40 >&2 || true
			fi
		fi
	done
	[ "$nd" -eq 0 ] && echo "cli_determinism: $name = $ref ($(ls "$work/$ref" | wc -l) outputs)" >&2
done

echo "cli_determinism: builds ${built[*]}; ${#files[@]} corpus files + ${#gen_files[@]} generated" >&2
if [ "$fail" -eq 0 ]; then
	rm -rf "$work"		# tens of MB; kept when something differs
else
	echo "cli_determinism: outputs kept in $work" >&2
fi
finish
