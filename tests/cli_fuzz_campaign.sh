#!/bin/bash
# cli_fuzz_campaign.sh - msilab fuzz, the campaign driver.
#   $1 msilab binary, $2 source dir, $3 binary dir
# Help and usage errors (exit 2); with the libFuzzer targets of this build
# tree (clang): a 20-second 6.15 campaign from an empty WORKDIR finds a
# catalogued bug (B1 or B3) and writes findings/index.txt; a second run
# resumes with the counters carried over; SIGINT to a running campaign
# leaves state.txt consistent with findings/; SIGKILL loses no finding
# already listed; with the AFL++ harnesses built and afl-fuzz installed, an
# AFL++ campaign (-M + -S) finds B1/B3 too.  Without the targets (gcc
# build): skipped.
set -u

msilab=$1
src=$2
bin=$3
work=$bin/cli_fuzz_campaign.work
pass=0
fail=0

target=$bin/fuzz/fuzz_model_615
if [ ! -x "$target" ]; then
	echo "cli_fuzz_campaign: $target not built (clang fuzz targets); skipped"
	echo "cli_fuzz_campaign: 0 passed, 0 failed, 1 skipped"
	exit 0
fi

rm -rf "$work"
mkdir -p "$work"

ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

# expect_rc RC CMD... : run CMD, stdout/stderr into $work/out, $work/err
expect_rc() {
	local want=$1 rc=0
	shift
	"$@" >"$work/out" 2>"$work/err" || rc=$?
	if [ "$rc" -eq "$want" ]; then ok; else ko "$* exited $rc, expected $want ($(head -c 300 "$work/err"))"; fi
}

# state KEY FILE: a value of state.txt
state() { sed -n "s/^$1=//p" "$2"; }

# consistent WORKDIR: state.txt agrees with findings/index.txt and the files exist
consistent() {
	local w=$1 idx=$1/findings/index.txt n kept sigs f
	[ -f "$w/state.txt" ] || { ko "$w: no state.txt"; return; }
	[ -f "$idx" ] || { ko "$w: no findings/index.txt"; return; }
	n=$(grep -vc '^#' "$idx")
	kept=$(grep -v '^#' "$idx" | awk -F'\t' '$3 != "-"' | wc -l)
	sigs=$(grep -v '^#' "$idx" | cut -f2 | sort -u | wc -l)
	if [ "$(state crashes "$w/state.txt")" = "$n" ] &&
	   [ "$(state findings "$w/state.txt")" = "$kept" ] &&
	   [ "$(state signatures "$w/state.txt")" = "$sigs" ]; then ok; else
		ko "$w: state.txt ($(tr '\n' ' ' <"$w/state.txt")) disagrees with index.txt ($n, $kept, $sigs)"
	fi
	for f in $(grep -v '^#' "$idx" | cut -f3 | grep -v '^-$'); do
		[ -s "$w/findings/$f" ] || { ko "$w: findings/$f listed but missing"; return; }
	done
	ok
	# no temporary file left behind
	if ls -a "$w/findings" | grep -q '^\.tmp\.'; then ko "$w: temporary files left in findings/"; else ok; fi
}

# --- help and usage errors ---
expect_rc 0 "$msilab" fuzz --help
grep -q '^usage: msilab fuzz' "$work/out" && ok || ko "fuzz --help: no usage line"
"$msilab" --help | grep -q ' fuzz ' && ok || ko "msilab --help does not list fuzz"
expect_rc 2 "$msilab" fuzz
expect_rc 2 "$msilab" fuzz "$work/a" "$work/b"
expect_rc 2 "$msilab" fuzz --jobs 0 "$work/u"
expect_rc 2 "$msilab" fuzz --jobs x "$work/u"
expect_rc 2 "$msilab" fuzz --time soon "$work/u"
expect_rc 2 "$msilab" fuzz --engine honggfuzz "$work/u"
expect_rc 2 "$msilab" fuzz --kernel 9.9 "$work/u"
expect_rc 2 "$msilab" fuzz --set NO_SUCH_SWITCH=on "$work/u"
expect_rc 2 "$msilab" fuzz --set ITS_EXACT_EVENTID_COUNT=maybe "$work/u"
expect_rc 2 "$msilab" fuzz --set PER_DEVICE_DOMAINS=off "$work/u"
grep -q 'cannot be set on a fuzz target' "$work/err" && ok || ko "--set of a non-toggle switch: $(cat "$work/err")"
expect_rc 2 "$msilab" fuzz --no-such-option "$work/u"
expect_rc 2 "$msilab" fuzz --target "$work/no-such-binary" "$work/u"
grep -q 'not an executable' "$work/err" && ok || ko "--target missing: $(cat "$work/err")"
[ ! -e "$work/u" ] && ok || ko "a usage error created the WORKDIR"

# --- a 20-second campaign against 6.15 from an empty WORKDIR ---
w=$work/c615
expect_rc 1 "$msilab" fuzz --jobs 1 --time 20 --kernel 6.15 --stop B1,B3 --seed 1 \
	--target "$target" --interval 5 "$w"
if grep -v '^#' "$w/findings/index.txt" 2>/dev/null | cut -f2 | grep -Eq '^INV-[A-Z0-9]+ (B1|B3) 6\.15$'; then
	ok
else
	ko "20 s campaign: no B1/B3 signature in findings/index.txt"
fi
grep -q 'execs .* corpus .* crashes .* signatures' "$work/err" && ok || ko "no status line"
[ "$(state sessions "$w/state.txt")" = 1 ] && ok || ko "sessions after one run: $(state sessions "$w/state.txt")"
consistent "$w"
f=$(grep -v '^#' "$w/findings/index.txt" | awk -F'\t' '$3 != "-" { print $3; exit }')
mlog=${f%.input}.mlog
expect_rc 1 "$msilab" replay "$w/findings/$mlog"
execs1=$(state total_execs "$w/state.txt")
secs1=$(state total_seconds "$w/state.txt")
crashes1=$(state crashes "$w/state.txt")
[ "${execs1:-0}" -gt 0 ] && ok || ko "no execs counted"
ls "$w/artifacts" | grep -q . && ko "artifacts/ not collected" || ok

# --- resume: the counters are carried over ---
# (with a crash file a killed engine left empty: not a finding, and removed)
: >"$w/artifacts/crash-0123456789abcdef0123456789abcdef01234567"
expect_rc 1 "$msilab" fuzz --jobs 1 --time 5 --kernel 6.15 --stop B1,B3 --seed 2 \
	--target "$target" "$w"
[ ! -e "$w/artifacts/crash-0123456789abcdef0123456789abcdef01234567" ] && ok ||
	ko "an empty crash file left by a killed engine was not removed"
grep -q 'cbf29ce484222325' "$w/findings/index.txt" && ko "an empty crash file became a finding" || ok
grep -q '(resumed)' "$work/err" && ok || ko "second run did not say it resumed"
[ "$(state sessions "$w/state.txt")" = 2 ] && ok || ko "sessions after two runs: $(state sessions "$w/state.txt")"
[ "$(state total_execs "$w/state.txt")" -gt "$execs1" ] && ok || ko "total_execs not carried over"
[ "$(state total_seconds "$w/state.txt")" -ge $((secs1 + 4)) ] && ok || ko "total_seconds not carried over"
[ "$(state crashes "$w/state.txt")" -ge "$crashes1" ] && ok || ko "crashes went down"
consistent "$w"

# --- SIGINT: the engine stops, the findings are collected, the state is written ---
w=$work/sigint
"$msilab" fuzz --jobs 1 --time 120 --kernel 6.15 --seed 3 --target "$target" "$w" \
	>"$work/out" 2>"$work/err" &
pid=$!
sleep 8
kill -INT $pid
t0=$(date +%s)
rc=0
wait $pid || rc=$?
t1=$(date +%s)
[ $((t1 - t0)) -le 25 ] && ok || ko "SIGINT: msilab took $((t1 - t0)) s to stop"
[ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] && ok || ko "SIGINT: exit $rc"
[ "$(state sessions "$w/state.txt")" = 1 ] && ok || ko "SIGINT: state.txt not final"
consistent "$w"
if ps -eo args | grep -F -- "$w/" | grep -vq grep; then ko "SIGINT: engine processes left running"; else ok; fi

# --- SIGKILL: no finding already reported is lost ---
# msilab is killed once findings/index.txt lists a kept finding; every entry
# listed then is still there, whole (its .input and a replayable .mlog), the
# engine dies with msilab (PR_SET_PDEATHSIG), and the next run over the same
# WORKDIR collects what the engine left and ends consistent.
w=$work/sigkill
"$msilab" fuzz --jobs 1 --time 120 --kernel 6.15 --seed 4 --target "$target" --interval 1 "$w" \
	>"$work/out" 2>"$work/err" &
pid=$!
for i in $(seq 1 240); do
	if [ -f "$w/findings/index.txt" ] &&
	   grep -v '^#' "$w/findings/index.txt" | awk -F'\t' '$3 != "-"' | grep -q .; then
		break
	fi
	sleep 0.25
done
sleep 1
cp "$w/findings/index.txt" "$work/index.before" 2>/dev/null || : >"$work/index.before"
kill -KILL $pid
wait $pid 2>/dev/null
kept=$(grep -v '^#' "$work/index.before" | awk -F'\t' '$3 != "-" { print $3 }')
[ -n "$kept" ] && ok || ko "SIGKILL: no finding reported within 60 s"
for f in $kept; do
	if [ -s "$w/findings/$f" ] && [ -s "$w/findings/${f%.input}.mlog" ]; then ok; else
		ko "SIGKILL: findings/$f listed before the kill but not whole after it"
	fi
done
f=$(echo "$kept" | head -n 1)
[ -n "$f" ] && expect_rc 1 "$msilab" replay "$w/findings/${f%.input}.mlog"
sleep 1
if ps -eo args | grep -F -- "$w/" | grep -vq grep; then ko "SIGKILL: engine processes outlived msilab"; else ok; fi
expect_rc 1 "$msilab" fuzz --jobs 1 --time 5 --kernel 6.15 --seed 5 --target "$target" "$w"
consistent "$w"
lost=0
while IFS= read -r l; do
	grep -qxF -- "$l" "$w/findings/index.txt" || lost=$((lost + 1))
done < <(grep -v '^#' "$work/index.before")
[ "$lost" -eq 0 ] && ok || ko "SIGKILL: $lost index entries lost after the resumed run"

# --- AFL++: one -M and N-1 -S over the custom mutator (when built) ---
afl_target=$bin/fuzz/afl/afl_fuzz_model_615
if [ -x "$afl_target" ] && [ -f "$bin/fuzz/afl/libmsilab_afl_mutator.so" ] && command -v afl-fuzz >/dev/null; then
	w=$work/afl
	# a user's ASAN_OPTIONS without abort_on_error=1 would make afl-fuzz refuse
	# to start: msilab adds what afl-fuzz needs
	ASAN_OPTIONS=symbolize=0 expect_rc 1 "$msilab" fuzz --engine afl --jobs 2 --time 20 --kernel 6.15 \
		--stop B1,B3 --seed 1 --target "$afl_target" --interval 5 "$w"
	if grep -v '^#' "$w/findings/index.txt" 2>/dev/null | cut -f2 | grep -Eq '^INV-[A-Z0-9]+ (B1|B3) 6\.15$'; then
		ok
	else
		ko "AFL++ campaign: no B1/B3 signature in findings/index.txt ($(tail -n 3 "$work/err"))"
	fi
	[ -d "$w/afl/main" ] && [ -d "$w/afl/s1" ] && ok || ko "AFL++ campaign: no main and s1 instances in afl/"
	[ "$(state engine "$w/state.txt")" = afl ] && ok || ko "AFL++ campaign: state.txt engine"
	[ "$(state total_execs "$w/state.txt")" -gt 0 ] && ok || ko "AFL++ campaign: no execs counted"
	consistent "$w"
	# an engine that cannot start is exit 2 with its reason, not "0 findings"
	ASAN_OPTIONS=abort_on_error=0 expect_rc 2 "$msilab" fuzz --engine afl --jobs 1 --time 10 --kernel 6.15 \
		--target "$afl_target" "$work/afl-bad"
	grep -q 'the engine could not run' "$work/err" && grep -q 'engine: .*PROGRAM ABORT' "$work/err" && ok ||
		ko "AFL++ refusing to start: $(tail -n 4 "$work/err")"
else
	echo "cli_fuzz_campaign: AFL++ part skipped (no afl-fuzz or no $afl_target)"
fi

echo "cli_fuzz_campaign: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
