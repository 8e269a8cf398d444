#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# cli_x86.sh - the x86 vector domain replayed from the command line.
#   bash tests/cli_x86.sh MSILAB_BINARY SOURCE_DIR BINARY_DIR
#
# - tests/data/x86-6.1-boot-excerpt.mlog (the real 6.1 boot recording's
#   irq_vectors/irq_matrix events, virtio/nvme/e1000e/ahci, plus CPU hotplug)
#   replays with 0 divergences and only the known B1 violation;
# - the same file with one recorded vector changed diverges (exit 1) and names
#   the recorded and the modelled event;
# - every corpus/real/x86_64-*/ recording whose header does not declare an
#   incomplete start state replays with 0 divergences on its own profile;
# - tests/data/x86-6.1-guest-record.mlog (the guest's msilab record: managed
#   irqs before the recording, cpu1 offline/online) replays with 0
#   divergences, and not without irq 29's cpu=1; msilab convert of its raw
#   text gives the same declarations;
# - the 6.1 capture's cpu-hotplug phase, compared without `concurrent`, has
#   no divergence (irqs declared cpu=1 with no vector move at cpu_offline);
# - the B12 scenario passes --expect and shows INV-M3 [known bug B12] only
#   with X86_DMAR_HWIRQ_ZERO=on;
# - x86 declarations in an arm64 trace are bad input (exit 2).
# Last line: "cli_x86: N passed, M failed"; exit 1 on any failure.
set -euo pipefail

if [ $# -ne 3 ]; then
	echo "usage: bash cli_x86.sh MSILAB_BINARY SOURCE_DIR BINARY_DIR" >&2
	exit 2
fi
msilab=$1
src=$2
bin=$3
tmp=$(mktemp -d "$bin/cli_x86.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }

excerpt=$src/tests/data/x86-6.1-boot-excerpt.mlog
rc=0; "$msilab" replay "$excerpt" >"$tmp/out" 2>&1 || rc=$?
if [ $rc -eq 1 ] && grep -q ' 0 divergences' "$tmp/out" && ! grep -q 'divergence after' "$tmp/out" &&
   [ "$(grep -c 'violated' "$tmp/out")" -eq "$(grep -c 'violated \[known bug B1\]' "$tmp/out")" ]; then
	ok
else
	ko "excerpt: rc=$rc"; cat "$tmp/out"
fi

sed 's/^< irq_matrix_alloc bit=36 cpu=0 /< irq_matrix_alloc bit=37 cpu=0 /' "$excerpt" >"$tmp/bad.mlog"
rc=0; "$msilab" replay "$tmp/bad.mlog" >"$tmp/out" 2>&1 || rc=$?
if [ $rc -eq 1 ] && grep -q 'kernel: < irq_matrix_alloc bit=37 cpu=0' "$tmp/out" &&
   grep -q 'model:  < irq_matrix_alloc bit=36 cpu=0' "$tmp/out" && grep -q ' 1 divergence' "$tmp/out"; then
	ok
else
	ko "mutated excerpt: rc=$rc"; cat "$tmp/out"
fi

for f in "$src"/corpus/real/x86_64-*/*.mlog; do
	[ -e "$f" ] || continue
	if grep -q '^# conformance: incomplete start state' "$f"; then
		continue
	fi
	rc=0; "$msilab" replay -q "$f" >"$tmp/out" 2>&1 || rc=$?
	if [ $rc -le 1 ] && grep -q ' 0 divergences' "$tmp/out"; then
		ok
	else
		ko "$f: rc=$rc"; tail -3 "$tmp/out"
	fi
done

# The guest's msilab record of nvme unbind/bind and cpu1 offline/online
# (corpus/real/x86_64-6.1.0-56-capture/guest): pre-existing managed irqs
# (can_reserve=0, their mask one CPU), the avl-proven managed allocations of
# the x86_cpu lines, and irq 29 declared cpu=1 with no vector (shut down at
# offline, restarted at online): 0 divergences, only the known B1 violation.
guest=$src/tests/data/x86-6.1-guest-record.mlog
rc=0; "$msilab" replay "$guest" >"$tmp/out" 2>&1 || rc=$?
if [ $rc -eq 1 ] && grep -q ' 15 compared, 0 divergences' "$tmp/out" &&
   [ "$(grep -c 'violated' "$tmp/out")" -eq "$(grep -c 'violated \[known bug B1\]' "$tmp/out")" ]; then
	ok
else
	ko "guest record: rc=$rc"; cat "$tmp/out"
fi
# without cpu=1 the model cannot free irq 29's vector at cpu_offline
sed 's/^x86_irq virq=29 dev=pci_00_04_0 vec=2 cpu=1 is_managed=1$/x86_irq virq=29 dev=pci_00_04_0 vec=2 is_managed=1/' \
	"$guest" >"$tmp/nocpu.mlog"
rc=0; "$msilab" replay "$tmp/nocpu.mlog" >"$tmp/out" 2>&1 || rc=$?
if ! cmp -s "$guest" "$tmp/nocpu.mlog" && [ $rc -eq 1 ] &&
   grep -q 'divergence after "cpu_online cpu=1"' "$tmp/out"; then ok; else ko "guest record without cpu=1: rc=$rc"; cat "$tmp/out"; fi
# the converter proves both declarations from the guest's raw text
cap=$src/corpus/real/x86_64-6.1.0-56-capture/guest
if [ -f "$cap/record-raw.txt" ]; then
	rc=0; "$msilab" convert "$cap/record-raw.txt" --kernel 6.1.0-56-amd64 --devices "$cap/record-raw.devices.txt" \
		--interrupts "$cap/record-raw.interrupts.txt" --probes "$cap/record-raw.probes.txt" \
		-o "$tmp/conv.mlog" 2>"$tmp/err" || rc=$?
	if [ $rc -eq 0 ] && grep -qx 'x86_cpu cpu=1 online=1 alloc_map=38,41 managed_map=38,41' "$tmp/conv.mlog" &&
	   grep -qx 'x86_irq virq=29 dev=pci_00_04_0 vec=2 cpu=1 is_managed=1' "$tmp/conv.mlog" &&
	   diff <(grep -v '^#' "$tmp/conv.mlog" | sed -n '/^mlog /,$p' | grep -v '^source ') \
		<(grep -v '^#' "$guest" | sed -n '/^mlog /,$p' | grep -v '^source ') >/dev/null; then
		ok
	else
		ko "convert of the guest's record-raw.txt: rc=$rc"; head -3 "$tmp/err"
	fi
fi

# irqs declared cpu=1 with no vector (8, 9, 12 of the 6.1 capture) move at
# cpu_offline: in its cpu-hotplug phase, compared with every counter (no
# `concurrent`; ahci1's request_irq, which msi_set_affinity on the dying CPU
# proves, written before the offline), nothing diverges.
hp=$src/corpus/real/x86_64-6.1.0-56-capture/cpu-hotplug.mlog
if [ -f "$hp" ]; then
	n=$(grep -n '^marker text="ACTION cpu1 offline"' "$hp" | head -1 | cut -d: -f1)
	grep -v '^concurrent$' "$hp" | sed "$((n - 2))a request_irq dev=ahci1 vec=0\n< ret fn=request_irq dev=ahci1 ret=0" \
		>"$tmp/hp.mlog"
	p=$(grep -n '^marker text="PHASE cpu-hotplug begin"' "$tmp/hp.mlog" | cut -d: -f1)
	rc=0; "$msilab" replay "$tmp/hp.mlog" >"$tmp/out" 2>&1 || rc=$?
	late=$(sed -n 's/^[^:]*:\([0-9]*\): step [0-9]*: divergence.*/\1/p' "$tmp/out" | awk -v p="$p" '$1 > p' | wc -l)
	if [ -n "$n" ] && [ -n "$p" ] && [ $rc -eq 1 ] && grep -q 'x86_irq virq=8 cpu=1$' "$tmp/hp.mlog" &&
	   grep -q 'divergence' "$tmp/out" && [ "$late" -eq 0 ]; then
		ok
	else
		ko "capture cpu-hotplug phase without concurrent: rc=$rc, $late divergences in the phase"
		grep -A2 'divergence' "$tmp/out" | tail -6
	fi
fi

b12=$src/corpus/known-bugs/B12-dmar-hwirq-0.mlog
if "$msilab" replay --expect "$b12" >"$tmp/out" 2>&1 && grep -q 'as expected' "$tmp/out"; then ok; else ko "B12 --expect"; cat "$tmp/out"; fi
rc=0; "$msilab" replay "$b12" >"$tmp/out" 2>&1 || rc=$?
if [ $rc -eq 0 ] && ! grep -q violated "$tmp/out"; then ok; else ko "B12 clean: rc=$rc"; fi
rc=0; "$msilab" replay --set X86_DMAR_HWIRQ_ZERO=on "$b12" >"$tmp/out" 2>&1 || rc=$?
if [ $rc -eq 1 ] && grep -q 'INV-M3 violated \[known bug B12\]' "$tmp/out"; then ok; else ko "B12 on: rc=$rc"; cat "$tmp/out"; fi

printf 'mlog 2\nkernel release=6.1.0-56-arm64 arch=arm64\nsource kind=scenario\nmachine cpus=2\nx86_cpu cpu=0 online=1\n' >"$tmp/arm.mlog"
rc=0; "$msilab" replay "$tmp/arm.mlog" >"$tmp/out" 2>&1 || rc=$?
if [ $rc -eq 2 ] && grep -q 'error: .*x86_cpu/x86_irq declared in an arm64 trace' "$tmp/out"; then ok; else ko "arm64 x86 decl: rc=$rc"; cat "$tmp/out"; fi

echo "cli_x86: $pass passed, $fail failed"
[ $fail -eq 0 ]
