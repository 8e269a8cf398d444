#!/bin/bash
# cli_convert.sh - msilab convert on the shared real traces.
#   $1 msilab binary, $2 source dir, $3 binary dir
# Every corpus/real/<kernel>/*.mlog names, in its "# made by:" line, the
# exact msilab convert command that made it (paths relative to the source
# dir).  That command is run again and must give the same bytes; then
# msilab replay must find no divergence after "recording_starts" and no
# violation other than the known bugs listed below.  Bad inputs must fail
# with exit 2 and their exact message.  The shared traces live in
# $2/../shared/traces; without them the trace checks are skipped.
# MSILAB_REGEN=1 rewrites the corpus files instead of comparing them.
set -u

msilab=$1
src=$2
bin=$3
work=$bin/cli_convert.work
traces=$src/../shared/traces
pass=0
fail=0

rm -rf "$work"
mkdir -p "$work"
case $msilab in /*) ;; *) msilab=$PWD/$msilab ;; esac

ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

# Violations a real trace may show: the known bugs the recorded kernels
# have, any of the catalogue (`msilab bugs --json`): B1 (INV-P1) on 6.1 and
# 6.12, B3 (INV-I1/INV-I3) on 6.18, where Debian's kernel WARNs in
# its_msi_teardown() during the xhci unbind (guest/dmesg.txt of the capture).
known_ids=$("$msilab" bugs --json | sed -n 's/^ *"id": "\([A-Z][0-9]*\)",*$/\1/p')
if [ -z "$known_ids" ]; then ko "msilab bugs --json lists no bug id"; fi
known_violation() {
	local id
	for id in $known_ids; do
		case $1 in
		*" violated [known bug $id]"*) return 0 ;;
		esac
	done
	return 1
}

# --- bad inputs: exit 2, exact message ---
expect_error() {	# WANT-STDERR CONVERT-ARGS...
	local want=$1 rc=0
	shift
	"$msilab" convert "$@" >"$work/out" 2>"$work/err" || rc=$?
	if [ "$rc" -ne 2 ]; then ko "convert $* exited $rc, expected 2"; return; fi
	if [ "$(head -1 "$work/err")" = "$want" ]; then ok; else
		ko "convert $*: stderr \"$(head -1 "$work/err")\", expected \"$want\""; fi
	if [ -s "$work/out" ]; then ko "convert $* wrote output"; else ok; fi
}

printf '  sh-1 [000] ...2. 1.000000: tracing_mark_write: PHASE boot\nnonsense here\n' >"$work/bad.txt"
expect_error "$work/bad.txt:2:1: error: not an ftrace event line: no \"[CPU]\" column in \"nonsense here\"" \
	"$work/bad.txt" --kernel 6.1.0-56-arm64
printf '  a-1 [000] 1.5: ev: (f) name="0000:00\n' >"$work/bad2.txt"
expect_error "$work/bad2.txt:1:31: error: unterminated string value of field \"name\"" \
	"$work/bad2.txt" --kernel 6.1.0-56-arm64
printf '  a-1 [000] 1.5: ev: (f) a=1\n' >"$work/nokernel.txt"
expect_error "$work/nokernel.txt: error: the input does not say which kernel recorded it: pass --kernel RELEASE" \
	"$work/nokernel.txt"
expect_error "$work/missing.txt: error: cannot open: No such file or directory" \
	"$work/missing.txt" --kernel 6.1.0-56-arm64
expect_error "msilab convert: no INPUT" --kernel 6.1.0-56-arm64
printf '\027\010\104tracing6\0\0\0\0' >"$work/fake.dat"
# a damaged trace.dat: refused by the libtracecmd ingest, exit 2
rc=0
"$msilab" convert "$work/fake.dat" --kernel 6.1.0-56-arm64 >"$work/out" 2>"$work/err" || rc=$?
if [ "$rc" -eq 2 ] && grep -q "^$work/fake.dat" "$work/err"; then ok; else
	ko "convert of a damaged trace.dat exited $rc: $(head -1 "$work/err")"; fi
# a failed conversion leaves no output file behind
"$msilab" convert "$work/bad.txt" --kernel 6.1.0-56-arm64 -o "$work/none.mlog" 2>/dev/null
if [ -e "$work/none.mlog" ] || [ -e "$work/none.mlog.tmp" ]; then ko "output left behind"; else ok; fi

# --- the real traces ---
if [ ! -d "$traces" ]; then
	echo "cli_convert: $traces not found: real-trace checks skipped"
	echo "cli_convert: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
fi

nfiles=0
for f in "$src"/corpus/real/*/*.mlog; do
	[ -e "$f" ] || continue
	nfiles=$((nfiles + 1))
	name=${f#"$src"/}
	cmd=$(sed -n 's/^# made by: msilab convert //p' "$f" | head -1)
	if [ -z "$cmd" ]; then ko "$name: no \"# made by:\" line"; continue; fi
	out=$work/$(echo "$name" | tr / _)
	if ! (cd "$src" && eval "\"\$msilab\" convert $cmd -o \"\$out\"") 2>"$work/err"; then
		ko "$name: convert failed: $(head -3 "$work/err")"
		continue
	fi
	if [ "${MSILAB_REGEN:-0}" = 1 ]; then
		cp "$out" "$f"
		echo "cli_convert: regenerated $name"
	fi
	if cmp -s "$out" "$f"; then ok; else
		ko "$name: convert output differs from the checked-in file"
		diff "$f" "$out" | head -10 >&2
	fi
	# size: a few hundred KB at most
	if [ "$(wc -c <"$f")" -lt 400000 ]; then ok; else ko "$name: larger than 400 KB"; fi

	# replay: no divergence after recording_starts, only known-bug violations
	"$msilab" replay "$f" >"$work/replay" 2>&1
	rc=$?
	# a recording whose start state the converter could not prove (it says
	# so in a "# conformance: incomplete start state" line) is not compared
	if grep -q '^# conformance: incomplete start state' "$f"; then
		echo "cli_convert: $name: replay SKIPPED: $(sed -n 's/^# conformance: //p' "$f" | head -1)"
		continue
	fi
	start=$(grep -n '^recording_starts' "$f" | head -1 | cut -d: -f1)
	start=${start:-0}
	bad=0
	while IFS= read -r line; do
		case $line in
		*": step "*"divergence after"*)
			# the step's own line: "... (line N)"
			l=${line##*"(line "}
			l=${l%%")"*}
			if [ "$l" -gt "$start" ]; then bad=1; ko "$name: $line"; fi
			;;
		*": step "*" violated"*)
			if ! known_violation "$line"; then bad=1; ko "$name: $line"; fi
			;;
		esac
	done <"$work/replay"
	if [ "$rc" -gt 1 ]; then bad=1; ko "$name: replay exited $rc: $(tail -1 "$work/replay")"; fi
	if [ "$bad" -eq 0 ]; then ok; fi
	echo "cli_convert: $name: $(tail -1 "$work/replay" | sed "s|^$f: ||")"
done
if [ "$nfiles" -ge 5 ]; then ok; else ko "expected 5 corpus/real files, found $nfiles"; fi

# The same recording as a trace.dat, and as `trace-cmd report` text, gives
# the same .mlog body as the ftrace text (boot + unbind/bind slices).
same_body() {	# KERNEL RELEASE INPUT LABEL
	local k=$1 rel=$2 in=$3 label=$4
	local ref=$src/corpus/real/$k/unbind-bind.mlog
	if ! (cd "$src" && "$msilab" convert "$in" --kernel "$rel" \
		--devices corpus/real/$k/devices.txt \
		--interrupts ../shared/traces/$k/interrupts-before-drivers.txt \
		--probes ../shared/traces/$k/kprobe-events.txt -o "$work/same.mlog") 2>"$work/err"; then
		ko "$k $label: convert failed: $(head -1 "$work/err")"
		return
	fi
	if diff <(grep -v -e '^#' -e '^source ' "$work/same.mlog") \
		<(grep -v -e '^#' -e '^source ' "$ref") >/dev/null; then ok; else
		ko "$k: $label and the ftrace text convert differently"; fi
}
for kr in arm64-6.1.0-56:6.1.0-56-arm64 arm64-6.18.15:6.18.15+deb13-arm64 x86_64-6.1.0-56:6.1.0-56-amd64; do
	k=${kr%%:*}
	rel=${kr#*:}
	dat=$traces/$k/trace-boot-unbind-bind.dat.gz
	[ -f "$dat" ] && [ -f "$src/corpus/real/$k/unbind-bind.mlog" ] || continue
	zcat "$dat" >"$work/t.dat"
	same_body "$k" "$rel" "$work/t.dat" "trace.dat"
	if command -v trace-cmd >/dev/null; then
		trace-cmd report -i "$work/t.dat" >"$work/report.txt" 2>/dev/null
		same_body "$k" "$rel" "$work/report.txt" "trace-cmd report text"
	else
		echo "cli_convert: no trace-cmd: report-text check skipped"
	fi
done

# x86 (the shared amd64 6.1 recording): what the converter must have proven
x86=$src/corpus/real/x86_64-6.1.0-56
if [ -f "$x86/unbind-bind.mlog" ]; then
	want_line() {	# FILE LINE WHY
		if grep -qxF "$2" "$1"; then ok; else ko "${1#"$src"/}: no line \"$2\" ($3)"; fi
	}
	# first-fit: cpu1's first irq_matrix_alloc took bit 36 with alloc=4, so 33-35 were taken
	want_line "$x86/boot.mlog" "x86_cpu cpu=1 online=1 alloc_map=33-35" "x86_cpu from first-fit"
	# global_rsvd=11 after the first irq_matrix_reserve: 10 held at the start (9 legacy + GSI 20)
	if [ "$(grep -c '^x86_irq virq=[0-9]* has_reserved=1$' "$x86/boot.mlog")" = 10 ]; then ok; else
		ko "x86 boot.mlog: expected 10 reservation holders"; fi
	want_line "$x86/boot.mlog" "x86_irq virq=24 dev=pcieport0 vec=0" "pre-existing MSI irq"
	# causes: an IO-APIC GSI mapping, request_irq from vector_activate reserve=0, CPU hotplug
	want_line "$x86/boot.mlog" "mp_map_pin_to_irq virq=22 pid=432 t=8.298485" "IO-APIC GSI mapping"
	want_line "$x86/unbind-bind.mlog" "mp_unmap_irq virq=21 dev=nvme0 pid=96 t=20.149056" "IO-APIC GSI unmapping"
	want_line "$x86/boot.mlog" "request_irq dev=virtio_net0 vec=0 pid=442 t=8.442202" "request_irq"
	want_line "$x86/cpu-hotplug.mlog" "cpu_offline cpu=1 pid=96 t=93.337516" "cpu_offline"
	want_line "$x86/cpu-hotplug.mlog" "x86_irq virq=29 dev=virtio_blk0 vec=2 is_managed=1" "pre-existing managed irq"
	# msi_set_affinity is an effect: never a stimulus
	if grep -q '^irq_set_affinity' "$x86"/*.mlog; then ko "x86: msi_set_affinity became a stimulus"; else ok; fi
fi

echo "cli_convert: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
