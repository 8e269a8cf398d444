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
