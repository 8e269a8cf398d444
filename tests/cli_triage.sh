#!/bin/bash
# cli_triage.sh - msilab triage and msilab minimize on real fuzz findings.
#   $1 msilab binary, $2 source dir, $3 binary dir
#
# tests/data/triage/ holds crash files of real short runs of both engines
# (see tests/data/triage/README.md): libFuzzer artifacts of fuzz_model, an
# AFL++ output directory of afl_fuzz_model_615 (its fuzzer_stats names the
# target), and a msilab fuzz WORKDIR of the ITS_EXACT_EVENTID_COUNT proof of
# concept (its state.txt names the forced target).  Checked here:
#   - they triage into exactly the buckets of expected-buckets.txt (bug id or
#     NEW, signature, number of inputs); every reproducer replays with its
#     own "# expect:" line and has the bucket's signature;
#   - a second run writes the same bytes; a run on one directory, then on
#     all, gives the same OUT as one run on all, minimizing only the new
#     buckets;
#   - hangs/: inputs that end are "not reproduced", a .mlog still running
#     at --max-steps is a HANG bucket;
#   - .mlog inputs (the known-bug corpus) land in their catalogued bugs;
#   - an x86_64 fuzz input (fuzz_model_x86_b12) lands in B12;
#   - msilab minimize: exit codes, oracle calls, --expect, determinism,
#     fuzz bytes and --signature;
#   - with a libFuzzer fuzz_model_615 (this build tree's, or build/clang's or
#     build/fuzz's): a bounded run's crash directory triages into known 6.15
#     bugs.
set -u

msilab=$1
src=$2
bin=$3
data=$src/tests/data/triage
work=$bin/cli_triage.work
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
	if [ "$rc" -eq "$want" ]; then ok; else ko "$* exited $rc, expected $want ($(head -c 300 "$work/err"))"; fi
}

# buckets OUT: "LABEL SIGNATURE INPUTS" per bucket, in index order
buckets() { grep -v '^#' "$1/index.txt" | sed '/^$/,$d' | awk -F'\t' '{ print $1, $6, $2 }'; }

# ---- usage ----
expect_rc 0 "$msilab" triage --help
grep -q -- '--max-steps' "$work/out" && ok || ko "triage --help lacks --max-steps"
expect_rc 0 "$msilab" minimize --help
grep -q 'oracle calls' "$work/out" && ok || ko "minimize --help does not mention oracle calls"
expect_rc 2 "$msilab" triage "$data"
expect_rc 2 "$msilab" triage -o "$work/x" "$work/no-such-dir"
grep -q 'no-such-dir: error:' "$work/err" && ok || ko "missing DIR: no FILE: error: message"
expect_rc 2 "$msilab" triage -o "$work/x" "$src/corpus/known-bugs/B3-orphan-eventids.mlog"
expect_rc 2 "$msilab" triage -o "$work/x" --stop B99 "$data"
expect_rc 2 "$msilab" triage -o "$work/x" --target fuzz_nothing "$data"
expect_rc 2 "$msilab" triage -o "$work/x" --kernel 5.4 "$data"
expect_rc 2 "$msilab" minimize
expect_rc 2 "$msilab" minimize "$work/no-such-file"
grep -q 'no-such-file: error:' "$work/err" && ok || ko "missing FILE: no FILE: error: message"

# ---- the checked-in crash directories ----
out=$work/all
expect_rc 1 "$msilab" triage -o "$out" "$data"
if diff <(buckets "$out") "$data/expected-buckets.txt" >"$work/diff"; then ok; else
	ko "buckets differ from expected-buckets.txt:"; cat "$work/diff" >&2
fi
grep -q '^NEW' "$out/index.txt" && ok || ko "no NEW bucket (the PoC's INV-M1)"
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["buckets"] and all(b["reproducer"] for b in j["buckets"])' \
	"$out/index.json" && ok || ko "index.json is not valid JSON or a bucket has no reproducer"
grep -q 'upstream: ' "$out/index.txt" && ok || ko "index.txt has no upstream references"
grep -q '0x' <(buckets "$out") && ko "a signature holds a hex number" || ok
for d in "$out"/*/; do
	sig=$(sed -n 's/^# signature: //p' "$d/repro.mlog")
	[ -n "$sig" ] || { ko "$d/repro.mlog: no signature line"; continue; }
	grep -q '^source kind=minimized$' "$d/repro.mlog" || ko "$d/repro.mlog: not source kind=minimized"
	expect_rc 0 "$msilab" replay --expect "$d/repro.mlog"
	expect_rc 1 "$msilab" minimize --signature "$d/repro.mlog"
	grep -qF ": $sig [" "$work/out" || ko "$d/repro.mlog replays as $(cat "$work/out"), not $sig"
	[ -s "$d/original.mlog" ] && [ -n "$(ls "$d/inputs")" ] || ko "$d: no original.mlog or inputs/"
done

# same bytes on a second run
cp -R "$out" "$work/all.1"
expect_rc 1 "$msilab" triage -o "$out" "$data"
grep -q 'minimizing' "$work/err" && ko "the second run minimized again" || ok
diff -r "$out" "$work/all.1" >"$work/diff" && ok || { ko "second run changed OUT"; head "$work/diff" >&2; }

# one directory, then all of them: the same OUT, only the new buckets minimized
inc=$work/inc
expect_rc 1 "$msilab" triage -o "$inc" "$data/libfuzzer"
first=$(grep -c 'minimizing' "$work/err")
expect_rc 1 "$msilab" triage -o "$inc" "$data"
second=$(grep -c 'minimizing' "$work/err")
total=$(buckets "$out" | wc -l)
[ $((first + second)) -eq "$total" ] && [ "$second" -gt 0 ] && ok ||
	ko "incremental run minimized $first then $second buckets, $total in all"
diff -r "$out" "$inc" >"$work/diff" && ok || { ko "incremental OUT differs from one run"; head "$work/diff" >&2; }

# ---- hangs ----
hang=$work/hangs/afl/default/hangs
mkdir -p "$hang"
n=0
for f in "$src"/fuzz/seeds/model/*; do
	cp "$f" "$hang/id:00000$n,src:seed" && n=$((n + 1))
	[ $n -eq 3 ] && break
done
{
	echo "mlog 1"
	echo "kernel release=6.16.0 arch=arm64"
	echo "its name=its0"
	echo "device name=net0 bus=pci bdf=0000:00:02.0 devid=0x10 msix=4"
	echo "pci_alloc_irq_vectors dev=net0 min=1 max=4 flags=MSIX"
	for i in $(seq 150); do echo "request_irq dev=net0 vec=1"; echo "free_irq dev=net0 vec=1"; done
} >"$hang/id:000009,long.mlog"
expect_rc 1 "$msilab" triage -o "$work/hout" --max-steps 100 "$work/hangs"
grep -q '^HANG	1	-	-	-	HANG/request_irq/step_bound@6.16	' "$work/hout/index.txt" && ok ||
	ko "no HANG bucket for the .mlog beyond the step bound"
[ "$(grep -c 'no hang:' "$work/hout/index.txt")" -eq 3 ] && ok || ko "finished hang inputs are not 'no hang'"
expect_rc 0 "$msilab" triage -o "$work/hout2" "$work/hangs"
[ "$(grep -c 'no hang:' "$work/hout2/index.txt")" -eq 4 ] && ok || ko "within the step bound, no input hangs"

# ---- .mlog inputs: the known-bug corpus ----
expect_rc 1 "$msilab" triage -o "$work/kout" "$src/corpus/known-bugs"
for b in B1 B3 B6 B7 B8 B10 B13; do
	grep -q "^$b	" "$work/kout/index.txt" && ok || ko "corpus/known-bugs: no $b bucket"
done
grep -q 'B11-pcim-double-free.mlog: no violation' "$work/kout/index.txt" && ok || ko "B11 (clean) not listed as not reproduced"

# ---- msilab minimize ----
m=$work/b3.mlog
expect_rc 1 "$msilab" minimize -o "$m" "$src/corpus/known-bugs/B3-orphan-eventids.mlog"
grep -q 'INV-I1/its_irq_domain_free/its_device@6.1 \[known bug B3\]: 8 operations.* -> 2, .*[0-9]* oracle calls' "$work/err" && ok ||
	ko "minimize summary: $(cat "$work/err")"
expect_rc 0 "$msilab" replay --expect "$m"
expect_rc 1 "$msilab" minimize -q "$src/corpus/known-bugs/B3-orphan-eventids.mlog"
cmp -s "$work/out" "$m" && ok || ko "minimize is not deterministic (or -o and stdout differ)"
[ ! -s "$work/err" ] && ok || ko "minimize -q printed $(cat "$work/err")"
expect_rc 0 "$msilab" minimize "$src/corpus/known-bugs/B11-pcim-double-free.mlog"
grep -q 'nothing to minimize' "$work/err" && ok || ko "clean input: $(cat "$work/err")"
expect_rc 1 "$msilab" minimize --kernel 6.16 --set ITS_EXACT_EVENTID_COUNT=on -o "$work/poc.mlog" \
	"$src/corpus/known-bugs/B3-poc-alias-breaks-alignment.mlog"
grep -q '^# expect-set: ITS_EXACT_EVENTID_COUNT=on$' "$work/poc.mlog" && ok || ko "no expect-set line for a switch"
expect_rc 0 "$msilab" replay --expect "$work/poc.mlog"
# a real recording (comments before "mlog", observations, 8 devices): the nvme B1 pattern
real=$src/corpus/real/arm64-6.1.0-56/unbind-bind.mlog
if [ -f "$real" ]; then
	expect_rc 1 "$msilab" minimize -o "$work/real.mlog" "$real"
	grep -q 'INV-P1/msi_prepare/msi_domain@6.1 \[known bug B1\]:.* -> 3, 8 devices -> 1' "$work/err" && ok ||
		ko "real trace: $(cat "$work/err")"
	expect_rc 0 "$msilab" replay --expect "$work/real.mlog"
fi
# fuzz bytes: the signature triage gave the input
f=$(ls "$data/libfuzzer" | head -1)
sig=$(python3 -c '
import json,sys
j=json.load(open(sys.argv[1]))
for b in j["buckets"]:
    for i in b["inputs"]:
        if i["path"].endswith("/" + sys.argv[2]):
            print(b["signature"])' "$out/index.json" "$f")
expect_rc 1 "$msilab" minimize --signature "$data/libfuzzer/$f"
grep -qF ": $sig [" "$work/out" && ok || ko "minimize --signature on $f: $(cat "$work/out"), triage: $sig"
expect_rc 1 "$msilab" minimize -o "$work/f.mlog" "$data/libfuzzer/$f"
expect_rc 0 "$msilab" replay --expect "$work/f.mlog"

# ---- a bounded libFuzzer run (clang builds) ----
# this build tree's target (clang presets), else a sibling clang/fuzz build's
target=$bin/fuzz/fuzz_model_615
own=1
if [ ! -x "$target" ]; then
	own=0
	for t in "$src/build/clang/fuzz/fuzz_model_615" "$src/build/fuzz/fuzz/fuzz_model_615"; do
		[ -x "$t" ] && { target=$t; break; }
	done
fi
if [ -x "$target" ]; then
	lf=$work/libfuzzer
	mkdir -p "$lf/corpus" "$lf/artifacts"
	cp -R "$src/fuzz/seeds/model/." "$lf/corpus/"
	"$target" -runs=20000 -seed=1 -max_len=1024 -artifact_prefix="$lf/artifacts/" "$lf/corpus" \
		>"$lf/log" 2>&1
	if [ -z "$(ls "$lf/artifacts")" ] && [ "$own" -eq 0 ]; then
		echo "cli_triage: $target (another build tree) found nothing: bounded run skipped"
	else
		[ -n "$(ls "$lf/artifacts")" ] && ok || ko "the bounded libFuzzer run ($target) found nothing"
		expect_rc 1 "$msilab" triage -o "$lf/out" --target fuzz_model_615 "$lf/artifacts"
		# every bucket is a catalogued bug on 6.15
		if buckets "$lf/out" | awk '$1 !~ /^B[0-9]+$/ || $2 !~ /@6\.15$/ { bad = 1 } END { exit bad }'; then
			ok
		else
			ko "bounded run: unexpected buckets: $(buckets "$lf/out" | tr '\n' ';')"
		fi
	fi
else
	echo "cli_triage: no fuzz_model_615 libFuzzer target (clang or fuzz preset): bounded run skipped"
fi

# ---- x86_64 fuzz bytes (header byte 10): a fuzz_model_x86_b12 crash ----
# B12's scenario with its switch toggled, encoded as the x86 target's input
x86=$work/x86
mkdir -p "$x86/artifacts"
{ echo "mlog 2"; echo "# profile: 6.1+X86_DMAR_HWIRQ_ZERO"
  grep -v '^mlog \|^#' "$src/corpus/known-bugs/B12-dmar-hwirq-0.mlog"; } >"$x86/b12.mlog"
expect_rc 0 "$msilab" encode -o "$x86/artifacts/crash-b12" "$x86/b12.mlog"
expect_rc 1 "$msilab" triage -o "$x86/out" --target fuzz_model_x86_b12 "$x86/artifacts"
if [ "$(buckets "$x86/out")" = "B12 INV-M3/dmar_alloc_hwirq/irq_desc@6.1+X86_DMAR_HWIRQ_ZERO 1" ]; then
	ok
else
	ko "x86 crash: buckets $(buckets "$x86/out" | tr '\n' ';'), expected B12 (INV-M3)"
fi
grep -q '^kernel .*arch=x86_64' "$x86/out"/*/repro.mlog && ok || ko "x86 reproducer is not an x86_64 trace"
expect_rc 0 "$msilab" replay --expect "$x86/out"/*/repro.mlog

echo "cli_triage: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
