#!/bin/bash
# cli_fuzz.sh - msilab decode / encode from the command line (and replay
# --full-check, the reference of the scoped invariant checks).
#   $1 msilab binary, $2 source dir, $3 binary dir
# Every seed of fuzz/seeds/model{,-bugs} decodes to a valid .mlog that encodes back to
# the same bytes; every .mlog of the corpus inside the fuzz vocabulary
# encodes, and its decoded form encodes to the same bytes again; exit codes
# and messages for what is outside the vocabulary, malformed or unknown.
set -u

msilab=$1
src=$2
bin=$3
work=$bin/cli_fuzz.work
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

# without the comment that names the input file
strip_origin() { grep -v '^# decoded from' "$1"; }

# --- every seed: decode -> check -> encode gives the seed back ---
nseeds=0
for seed in "$src"/fuzz/seeds/model/* "$src"/fuzz/seeds/model-bugs/* "$src"/fuzz/seeds/model-x86/*; do
	[ -f "$seed" ] || continue
	nseeds=$((nseeds + 1))
	name=$(basename "$seed")
	expect_rc 0 "$msilab" decode -o "$work/$name.mlog" "$seed"
	expect_rc 0 "$msilab" check "$work/$name.mlog"
	expect_rc 0 "$msilab" encode -o "$work/$name.bin" "$work/$name.mlog"
	if cmp -s "$seed" "$work/$name.bin"; then ok; else ko "encode(decode($name)) differs from the seed"; fi
	# decode(encode(decode(x))) == decode(x), through stdout this time
	"$msilab" decode "$work/$name.bin" >"$work/$name.2.mlog" 2>/dev/null
	if diff <(strip_origin "$work/$name.mlog") <(strip_origin "$work/$name.2.mlog") >/dev/null; then
		ok; else ko "decode(encode(decode($name))) differs"; fi
	# a seed replays as a scenario: 0 clean, 1 findings, never 2
	rc=0
	"$msilab" replay "$work/$name.mlog" >/dev/null 2>&1 || rc=$?
	if [ "$rc" -le 1 ]; then ok; else ko "replay of decoded $name exited $rc"; fi
	for t in fuzz_model_615 fuzz_model_616 fuzz_model_x86; do
		expect_rc 0 "$msilab" decode -t $t -o "$work/$name.$t.mlog" "$seed"
		expect_rc 0 "$msilab" check "$work/$name.$t.mlog"
	done
done
if [ "$nseeds" -ge 10 ]; then ok; else ko "only $nseeds seeds under fuzz/seeds"; fi

# --- the corpus: encode(decode(encode(m))) == encode(m) ---
for f in "$src"/corpus/known-bugs/*.mlog "$src"/corpus/scenarios/*.mlog; do
	name=$(basename "$f" .mlog)
	expect_rc 0 "$msilab" encode -o "$work/c-$name.bin" "$f"
	"$msilab" decode -o "$work/c-$name.mlog" "$work/c-$name.bin" 2>/dev/null
	"$msilab" encode "$work/c-$name.mlog" >"$work/c-$name.2.bin" 2>/dev/null
	if cmp -s "$work/c-$name.bin" "$work/c-$name.2.bin"; then ok; else ko "encode(decode(encode($name))) differs"; fi
done

# --- stdin and stdout ---
seed=$(ls "$src"/fuzz/seeds/model/* | head -1)
"$msilab" decode - <"$seed" >"$work/stdin.mlog" 2>"$work/err" && ok || ko "decode - failed"
"$msilab" encode "$work/stdin.mlog" | cmp -s - "$seed" && ok || ko "encode to stdout differs"

# --- arbitrary bytes decode; the result is valid .mlog ---
head -c 3000 "$src/replay/FORMAT.md" >"$work/text.bin"
: >"$work/empty.bin"
for b in text empty; do
	expect_rc 0 "$msilab" decode -o "$work/$b.mlog" "$work/$b.bin"
	expect_rc 0 "$msilab" check "$work/$b.mlog"
	rc=0
	"$msilab" replay "$work/$b.mlog" >/dev/null 2>&1 || rc=$?
	if [ "$rc" -le 1 ]; then ok; else ko "replay of decoded $b exited $rc"; fi
done

# --- outside the vocabulary: exit 2 and a message saying so ---
for f in arm64-6.1-boot x86-6.8-legacy; do
	expect_rc 2 "$msilab" encode -o "$work/no.bin" "$src/tests/mlog_valid/$f.mlog"
	grep -q "outside the fuzz vocabulary" "$work/err" && ok || ko "encode $f: no vocabulary message: $(cat "$work/err")"
done
cat >"$work/removed.mlog" <<'EOF'
mlog 1
kernel release=6.15.0 arch=arm64
device name=nic0 bus=pci bdf=0000:00:03.0 devid=0x18 msix=4
device_remove dev=nic0
pci_enable_device dev=nic0
EOF
expect_rc 2 "$msilab" encode "$work/removed.mlog"
grep -q "line 5: pci_enable_device cannot happen here" "$work/err" && ok ||
	ko "encode of an op on a removed device: $(cat "$work/err")"
cat >"$work/platform61.mlog" <<'EOF'
mlog 1
kernel release=6.1.0 arch=arm64
device name=plat0 bus=platform devid=0x1000
platform_device_msi_init_and_alloc_irqs dev=plat0 nvec=4
EOF
expect_rc 2 "$msilab" encode "$work/platform61.mlog"
grep -q "outside the fuzz vocabulary" "$work/err" && ok || ko "platform op on 6.1: $(cat "$work/err")"
cat >"$work/toggle.mlog" <<'EOF'
mlog 1
# profile: 6.16+PCIM_ALLOC_IRQ_VECTORS
kernel release=6.16.0 arch=arm64
device name=nic0 bus=pci bdf=0000:00:03.0 devid=0x18 msix=4
pcim_enable_device dev=nic0
pcim_alloc_irq_vectors dev=nic0 min=1 max=4 flags=MSIX
EOF
expect_rc 0 "$msilab" encode -o "$work/toggle.bin" "$work/toggle.mlog"
expect_rc 0 "$msilab" decode "$work/toggle.bin"
grep -q '^# profile: 6.16+PCIM_ALLOC_IRQ_VECTORS$' "$work/out" && grep -q '^pcim_alloc_irq_vectors ' "$work/out" &&
	ok || ko "switch toggle does not survive the round trip"
sed 's/PCIM_ALLOC_IRQ_VECTORS$/PREPARE_AT_CREATE/' "$work/toggle.mlog" | sed 's/6.16+/6.15+/' >"$work/toggle2.mlog"
expect_rc 2 "$msilab" encode "$work/toggle2.mlog"

# --- --lossy: a real recording (irqs in use at boot, 8 devices) encodes, with notes ---
real=$src/corpus/real/arm64-6.18.15/unbind-bind.mlog
expect_rc 2 "$msilab" encode -o "$work/real.bin" "$real"
expect_rc 0 "$msilab" encode --lossy -o "$work/real.bin" "$real"
grep -q ": note: machine irqs_used=.* dropped" "$work/err" && grep -q ": note: 6 of 8 devices kept" "$work/err" &&
	ok || ko "encode --lossy: no note on what was dropped: $(cat "$work/err")"
expect_rc 0 "$msilab" decode -o "$work/real.mlog" "$work/real.bin"
expect_rc 0 "$msilab" check "$work/real.mlog"
[ "$(grep -c '^device ' "$work/real.mlog")" -eq 6 ] && ok || ko "encode --lossy kept $(grep -c '^device ' "$work/real.mlog") devices"
# the 6 kept devices are the ones with the most stimuli; nvme's 65 MSI-X vectors among them
grep -q '^device name=pci[0-9] bus=pci bdf=0000:00:04.0 devid=0x20 msix=65$' "$work/real.mlog" && ok ||
	ko "encode --lossy dropped nvme0"
rc=0
"$msilab" replay "$work/real.mlog" >/dev/null 2>&1 || rc=$?
if [ "$rc" -le 1 ]; then ok; else ko "replay of the lossy real seed exited $rc"; fi
# what fits needs no note, and --lossy gives the same bytes as without
expect_rc 0 "$msilab" encode --lossy -o "$work/lossless.bin" "$src/corpus/known-bugs/B3-orphan-eventids.mlog"
[ ! -s "$work/err" ] && ok || ko "encode --lossy of a file that fits printed: $(cat "$work/err")"
"$msilab" encode "$src/corpus/known-bugs/B3-orphan-eventids.mlog" | cmp -s - "$work/lossless.bin" && ok ||
	ko "encode --lossy differs from encode on a file that fits"
# an x86_64 recording has nothing the arm64 fuzz machine can keep
expect_rc 2 "$msilab" encode --lossy -o "$work/x86.bin" "$src/corpus/real/x86_64-6.1.0-56/boot.mlog"
grep -q "arch x86_64: outside the fuzz vocabulary" "$work/err" && ! grep -q "note:" "$work/err" && ok ||
	ko "encode --lossy of an x86_64 recording: $(cat "$work/err")"

# --- replay --full-check (every invariant on every object) gives the same verdicts as the
# default scoped checks, on the whole corpus, text and JSON ---
for f in "$src"/corpus/known-bugs/*.mlog "$src"/corpus/scenarios/*.mlog; do
	for fmt in "" --json; do
		"$msilab" replay $fmt "$f" >"$work/scoped.out" 2>&1
		a=$?
		"$msilab" replay --full-check $fmt "$f" >"$work/full.out" 2>&1
		b=$?
		if [ "$a" = "$b" ] && cmp -s "$work/scoped.out" "$work/full.out"; then ok; else
			ko "replay --full-check $fmt $(basename "$f") differs from the scoped checks"; fi
	done
done

# --- malformed input, missing files, usage ---
expect_rc 2 "$msilab" encode "$src/tests/mlog_malformed/$(ls "$src/tests/mlog_malformed" | grep '\.mlog$' | head -1)"
expect_rc 2 "$msilab" encode "$work/does-not-exist.mlog"
expect_rc 2 "$msilab" decode "$work/does-not-exist.bin"
expect_rc 2 "$msilab" decode -t no_such_target "$seed"
expect_rc 2 "$msilab" decode -p 5.4 "$seed"
expect_rc 2 "$msilab" decode
expect_rc 2 "$msilab" encode --bogus
expect_rc 0 "$msilab" decode --help
expect_rc 0 "$msilab" encode --help

echo "cli_fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
