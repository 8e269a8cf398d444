#!/bin/bash
# cli_check_fmt.sh - msilab check / fmt from the command line.
#   $1 msilab binary, $2 source dir, $3 binary dir
# Every malformed input fails with exit 2 and exactly its expected message;
# every .mlog under corpus/ and tests/mlog_valid/ survives fmt unchanged
# the second time (and valid test files are canonical already).
set -eu

msilab=$1
src=$2
bin=$3
work=$bin/cli_check_fmt.work
pass=0
fail=0

rm -rf "$work"
mkdir -p "$work"

ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

# expect_rc RC CMD... : run CMD, stdout/stderr into $work/out, $work/err
expect_rc() {
	local want=$1 rc=0
	shift
	"$@" >"$work/out" 2>"$work/err" || rc=$?
	if [ "$rc" -eq "$want" ]; then ok; else ko "$* exited $rc, expected $want"; fi
}

# --- malformed inputs: exit 2 and the exact message ---
for f in "$src"/tests/mlog_malformed/*.mlog; do
	want="$f:$(cat "${f%.mlog}.expect")"
	expect_rc 2 "$msilab" check "$f"
	if [ "$(cat "$work/err")" = "$want" ]; then ok; else
		ko "check $f: stderr \"$(cat "$work/err")\", expected \"$want\""; fi
	# fmt -o leaves nothing behind, not even over an existing file
	echo keep >"$work/fmt-out"
	expect_rc 2 "$msilab" fmt -o "$work/fmt-out" "$f"
	if [ "$(cat "$work/fmt-out")" = keep ] && [ -z "$(ls "$work" | grep 'fmt-out\.tmp' || true)" ]; then
		ok; else ko "fmt -o $f left partial output"; fi
done

# several files: go on after a bad one, exit 2, report both
expect_rc 2 "$msilab" check "$src/tests/mlog_malformed/02-unknown-verb.mlog" \
	"$src/tests/mlog_valid/arm64-6.1-boot.mlog"
grep -q 'arm64-6.1-boot.mlog: ok (' "$work/out" && ok || ko "check went not on after a bad file"

# --- valid files ---
for f in "$src"/tests/mlog_valid/*.mlog; do
	expect_rc 0 "$msilab" check "$f"
	grep -Eq "^$f: ok \([0-9]+ lines, [0-9]+ events\)$" "$work/out" && ok || ko "check $f output: $(cat "$work/out")"
	expect_rc 0 "$msilab" check -q "$f"
	[ ! -s "$work/out" ] && ok || ko "check -q printed something"
done

# --- options and commands ---
expect_rc 0 "$msilab" --help
grep -q '^usage: msilab' "$work/out" && grep -q '^  check ' "$work/out" && grep -q '^  fmt ' "$work/out" \
	&& ok || ko "--help text"
expect_rc 0 "$msilab" --version
[ "$(cat "$work/out")" = "msilab 0.1.0 (mlog format 2)" ] && ok || ko "--version: $(cat "$work/out")"
for cmd in check fmt; do
	expect_rc 0 "$msilab" "$cmd" --help
	grep -q "^usage: msilab $cmd" "$work/out" && ok || ko "$cmd --help"
	expect_rc 2 "$msilab" "$cmd" --no-such-option
	expect_rc 2 "$msilab" "$cmd"
done
expect_rc 2 "$msilab"
expect_rc 2 "$msilab" no-such-command
grep -q 'unknown command "no-such-command"' "$work/err" && ok || ko "unknown command message"
expect_rc 2 "$msilab" --bogus
expect_rc 2 "$msilab" check "$work/does-not-exist.mlog"
[ "$(cat "$work/err")" = "$work/does-not-exist.mlog: error: cannot open: No such file or directory" ] \
	&& ok || ko "missing file message: $(cat "$work/err")"
expect_rc 0 "$msilab" check - <"$src/tests/mlog_valid/x86-6.8-legacy.mlog"

# --- fmt: canonical, idempotent, -o atomic ---
roundtrip() {
	local f=$1 canonical=$2
	expect_rc 0 "$msilab" fmt "$f"
	cp "$work/out" "$work/a.mlog"
	expect_rc 0 "$msilab" fmt -o "$work/b.mlog" "$work/a.mlog"
	cmp -s "$work/a.mlog" "$work/b.mlog" && ok || ko "fmt of $f is not stable"
	if [ "$canonical" = yes ]; then
		cmp -s "$f" "$work/a.mlog" && ok || ko "$f is not in canonical form"
	fi
}

nvalid=0
for f in "$src"/tests/mlog_valid/*.mlog; do
	roundtrip "$f" yes
	nvalid=$((nvalid + 1))
done
ncorpus=0
while IFS= read -r -d '' f; do
	roundtrip "$f" no
	ncorpus=$((ncorpus + 1))
done < <(find "$src/corpus" -name '*.mlog' -type f -print0 2>/dev/null | sort -z)
echo "fmt round trip: $nvalid files of tests/mlog_valid, $ncorpus files of corpus/"

# untidy input is tidied
printf 'mlog 01\nkernel  arch=arm64   release=6.1\n  # note\n\t\nmachine cpus=02\n' >"$work/untidy.mlog"
expect_rc 0 "$msilab" fmt "$work/untidy.mlog"
[ "$(cat "$work/out")" = "$(printf 'mlog 1\nkernel release=6.1 arch=arm64\n# note\n\nmachine cpus=2')" ] \
	&& ok || ko "fmt of untidy input: $(cat "$work/out")"

rm -rf "$work"
echo "cli_check_fmt: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
