#!/bin/bash
# cli_tracedat.sh - msilab convert on trace-cmd trace.dat files
# (replay/ingest_tracedat.c): the real recordings in ../shared/traces give
# the same .mlog as the ftrace text of the same span, the small files in
# tests/data (v7, v7+zstd, v6 of the same pages) give the same .mlog as
# each other, and damaged files exit 2 with a message and no output.
#
# usage: cli_tracedat.sh MSILAB SOURCE_DIR BINARY_DIR
set -u
msilab=$1
src=$2
bin=$3
work=$bin/cli_tracedat.work
traces=$src/../shared/traces
pass=0
fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "cli_tracedat: FAIL: $*"; }

rm -rf "$work"
mkdir -p "$work"

# The .mlog without comments and the "source" line (which names the file).
body() { grep -v -e '^#' -e '^source ' "$1"; }

if ! "$msilab" convert 2>&1 | grep -q "usage: msilab convert"; then
	echo "cli_tracedat: msilab has no convert command: nothing to test"
	echo "cli_tracedat: $pass passed, $fail failed"
	exit 0
fi

# convert OUT INPUT... [options]: 0 ok; the first stderr line in $work/err
convert() {
	local out=$1
	shift
	(cd "$src" && "$msilab" convert "$@" -o "$out") 2>"$work/err"
}

check() {
	if "$msilab" check "$1" >/dev/null 2>"$work/cerr"; then ok; else
		ko "msilab check $1: $(head -1 "$work/cerr")"; fi
}

# ---- the real recordings: trace.dat against the ftrace text of its span
real() {	# KERNEL RELEASE DAT.GZ TEXT...
	local k=$1 rel=$2 gz=$3
	shift 3
	local opts=(--kernel "$rel")
	[ -f "$traces/$k/interrupts-before-drivers.txt" ] &&
		opts+=(--interrupts "$traces/$k/interrupts-before-drivers.txt")
	[ -f "$src/corpus/real/$k/devices.txt" ] && opts+=(--devices "$src/corpus/real/$k/devices.txt")
	[ -f "$traces/$k/kprobe-events.txt" ] && opts+=(--probes "$traces/$k/kprobe-events.txt")

	zcat "$gz" >"$work/$k.dat" || { ko "$k: cannot decompress $gz"; return; }
	local drc=0 trc=0
	convert "$work/$k.dat.mlog" "$work/$k.dat" "${opts[@]}" || drc=$?
	local derr
	derr=$(head -1 "$work/err" | sed 's/^[^ ]*: error: //; s/^record [0-9]* ([^)]*): //')
	convert "$work/$k.txt.mlog" "$@" "${opts[@]}" || trc=$?
	local terr
	terr=$(head -1 "$work/err" | sed 's/^[^ ]*: error: //')
	if [ "$drc" -eq 0 ] && [ "$trc" -eq 0 ]; then
		check "$work/$k.dat.mlog"
		if diff <(body "$work/$k.dat.mlog") <(body "$work/$k.txt.mlog") >"$work/$k.diff"; then
			ok
			echo "cli_tracedat: $k: trace.dat and ftrace text give the same .mlog ($(body "$work/$k.dat.mlog" | wc -l) lines)"
		else
			ko "$k: trace.dat and ftrace text convert differently (see $work/$k.diff)"
		fi
	elif [ "$drc" -eq 0 ]; then
		# the text path cannot do this one: trace.dat must still convert and check
		check "$work/$k.dat.mlog"
		echo "cli_tracedat: $k: the ftrace text does not convert ($terr): identity not checked"
	elif [ "$trc" -ne 0 ] && [ "$derr" = "$terr" ]; then
		# the normalizer refuses this recording: both paths must say the same
		ok
		echo "cli_tracedat: $k: both paths refuse the recording alike: $derr"
	else
		ko "$k: trace.dat convert exited $drc ($derr), text convert $trc ($terr)"
	fi
}

if [ -d "$traces" ]; then
	for kr in arm64-6.1.0-56:6.1.0-56-arm64 arm64-6.18.15:6.18.15+deb13-arm64 \
		  x86_64-6.1.0-56:6.1.0-56-amd64; do
		k=${kr%%:*}
		rel=${kr#*:}
		gz=$traces/$k/trace-boot-unbind-bind.dat.gz
		[ -f "$gz" ] || continue
		real "$k" "$rel" "$gz" "$traces/$k/trace-boot.txt" "$traces/$k/trace-unbind-bind.txt"
	done
	k=arm64-6.12.117
	[ -f "$traces/$k/trace-boot.dat.gz" ] &&
		real "$k" 6.12.117+deb12-arm64 "$traces/$k/trace-boot.dat.gz" "$traces/$k/trace-boot.txt"
else
	echo "cli_tracedat: $traces not found: real-recording checks skipped"
fi

# ---- a capture's trace.dat (tools/capture): the events are in the tracefs
# instance "msilab", not the top buffer; the .mlog must equal the one made
# from the text slices of the whole recording (its last phase), and the
# empty top buffer is skipped without a word
for capk in arm64-6.18.15-capture:rmmod-insmod:arm64 x86_64-6.1.0-56-capture:cpu-hotplug:x86_64 \
	    x86_64-6.18.15-capture:cpu-hotplug:x86_64; do
cap=corpus/real/${capk%%:*}
last=${capk#*:}
arch=${last#*:}
last=${last%%:*}
if [ -f "$src/$cap/trace.dat" ] && [ -f "$src/$cap/$last.mlog" ]; then
	rel=$(sed -n 's/^kernel release=\([^ ]*\) .*/\1/p' "$src/$cap/$last.mlog")
	if convert "$work/capture.mlog" "$cap/trace.dat" --kernel "$rel" --arch "$arch" \
		--devices "$cap/devices.txt" --interrupts "$cap/interrupts-before-drivers.txt" \
		--probes "$cap/kprobe-events.txt"; then
		if [ -s "$work/err" ]; then ko "$cap/trace.dat: convert wrote to stderr: $(head -1 "$work/err")"; else ok; fi
		check "$work/capture.mlog"
		if diff <(body "$work/capture.mlog") <(body "$src/$cap/$last.mlog") >"$work/capture.diff"; then
			ok
			echo "cli_tracedat: $cap: the instance buffer of trace.dat gives $last.mlog ($(body "$work/capture.mlog" | wc -l) lines)"
		else
			ko "$cap/trace.dat and its text slices convert differently (see $work/capture.diff)"
		fi
	else
		ko "$cap/trace.dat: convert failed: $(head -1 "$work/err")"
	fi
else
	echo "cli_tracedat: $cap/trace.dat not found: instance-buffer check skipped"
fi
done

# ---- the small files: three encodings of the same pages
ref=
for f in tracedat-arm64-6.1-v7 tracedat-arm64-6.1-v7-zstd tracedat-arm64-6.1-v6; do
	if ! convert "$work/$f.mlog" "tests/data/$f.dat" --kernel 6.1.0-56-arm64; then
		ko "$f: convert failed: $(head -1 "$work/err")"
		continue
	fi
	if [ -s "$work/err" ]; then ko "$f: convert wrote to stderr: $(head -1 "$work/err")"; else ok; fi
	check "$work/$f.mlog"
	if [ -z "$ref" ]; then
		ref=$work/$f.mlog
	elif diff <(body "$ref") <(body "$work/$f.mlog") >/dev/null; then
		ok
	else
		ko "$f converts differently from $(basename "$ref" .mlog)"
	fi
done

# the source line says what was read: a trace.dat
if [ -n "$ref" ] && grep -q '^source kind=trace-dat file=tests/data/tracedat-arm64-6.1-v' "$ref"; then ok; else
	ko "a trace.dat conversion does not say \"source kind=trace-dat\": $(grep '^source' "$ref" 2>/dev/null)"; fi

# ---- damaged files: exit 2, a message naming the problem, no output
damaged() {	# NAME EXPECTED-MESSAGE-REGEX
	local rc=0
	convert "$work/$1.mlog" "$work/$1" --kernel 6.1.0-56-arm64 || rc=$?
	if [ "$rc" -ne 2 ]; then ko "$1: convert exited $rc, expected 2"; return; fi
	if ! head -1 "$work/err" | grep -Eq "$2"; then
		ko "$1: stderr \"$(head -1 "$work/err")\", expected /$2/"; return; fi
	if [ -e "$work/$1.mlog" ]; then ko "$1: convert wrote $work/$1.mlog"; else ok; fi
}
small=$src/tests/data/tracedat-arm64-6.1-v7.dat
size=$(stat -c %s "$small")
head -c 30000 "$small" >"$work/cut-header.dat"
damaged cut-header.dat "truncated trace.dat: section 18 at offset 954 promises"
head -c $((size - 200)) "$small" >"$work/cut-data.dat"
damaged cut-data.dat "truncated trace.dat"
v6=$src/tests/data/tracedat-arm64-6.1-v6.dat
head -c $(($(stat -c %s "$v6") - 1)) "$v6" >"$work/cut-v6.dat"
damaged cut-v6.dat "truncated trace.dat: the data of CPU 1"
head -c 9000 "$src/tests/data/tracedat-arm64-6.1-v7-zstd.dat" >"$work/cut-zstd.dat"
damaged cut-zstd.dat "truncated trace.dat"
# no event of the msilc group in any buffer: refused, not an empty .mlog
sed 's/msilc/msilx/g' "$small" >"$work/nomsilc.dat"
damaged nomsilc.dat "no event of the msilc probe group in any buffer of the file \(top buffer: [0-9]+ events, 0 msilc\)"
# ... also when a record fails before the end (the msilc count comes first):
# three bytes of the v6 file changed, one in a format, two in the data
cp "$v6" "$work/nomsilc-bad.dat"
for pv in '27187 \201' '29005 \122' '32290 \266'; do
	set -- $pv
	printf "$2" | dd of="$work/nomsilc-bad.dat" bs=1 seek="$1" conv=notrunc status=none
done
damaged nomsilc-bad.dat "no event of the msilc probe group in any buffer of the file \(top buffer: [0-9]+ events, 0 msilc\)"
printf 'not a trace\n' >"$work/text.dat"
{ printf '\027\010\104tracing9\0'; head -c 100 /dev/zero; } >"$work/v9.dat"
damaged v9.dat "file version 9 is not supported"
# an event format libtraceevent cannot parse: the event is named
sed 's/REC->nvec, REC->dev_id/REC->n(ec, REC->dev_id/' "$small" >"$work/badfmt.dat"
damaged badfmt.dat "event msilc/its_msi_prepare: its format could not be parsed by libtraceevent"

echo "cli_tracedat: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
