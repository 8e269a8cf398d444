#!/bin/bash
# cli_record.sh - msilab record on this machine.
#   $1 msilab binary, $2 source dir, $3 binary dir
# What can be tested depends on the machine, and the script says which
# parts it ran:
#  - always: --help, usage errors, refusal as non-root (exit 2, nothing
#    created);
#  - root without kprobe_events: refusal (exit 2, nothing created);
#  - root with kprobe_events: a real recording of "sleep 1" that
#    "msilab check" accepts, nothing left behind;
#  - root with tracefs: a --no-kprobes recording (markers through
#    $MSILAB_TRACE_MARKER, the real tracepoints), SIGINT / SIGTERM ending
#    a recording cleanly, a SIGKILLed recording's instance swept by
#    --cleanup, --cleanup removing a planted group / instance of a dead
#    PID and keeping the ones named differently or owned by a live PID;
#  - with uprobe_events, python3 and readelf: a uprobe on libc strtoul
#    decoded by the live reader (the kprobe decoding path: hex, signed,
#    unsigned and string fetch args, a return probe).
set -u

msilab=$1
src=$2
bin=$3
work=$bin/cli_record.work
pass=0
fail=0
T=/sys/kernel/tracing
[ -d $T/instances ] || T=/sys/kernel/debug/tracing

rm -rf "$work"
mkdir -p "$work"
chmod 755 "$work"
case $msilab in /*) ;; *) msilab=$PWD/$msilab ;; esac

ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
note() { echo "cli_record: $*"; }
expect() {	# WANT-RC WHAT CMD...
	local want=$1 what=$2 rc=0
	shift 2
	"$@" >"$work/out" 2>"$work/err" || rc=$?
	if [ "$rc" -eq "$want" ]; then ok; else ko "$what: exit $rc, expected $want ($(head -c 300 "$work/err"))"; fi
}
has() {		# FILE TEXT WHAT
	if grep -qF -- "$2" "$1"; then ok; else ko "$3: \"$2\" not in $1: $(head -c 300 "$1")"; fi
}
# Everything msilab-owned in tracefs (instances and dynamic event groups).
state() {
	{ ls "$T/instances" 2>/dev/null; cat "$T/dynamic_events" "$T/kprobe_events" "$T/uprobe_events" 2>/dev/null; } |
		grep -E 'msilab' | sort
}
dead_pid() {	# a PID that existed and is gone
	sleep 0 &
	local p=$!
	wait $p
	while [ -e /proc/$p ]; do sleep 0 & p=$!; wait $p; done
	echo $p
}

# --- always ---
expect 0 "record --help" "$msilab" record --help
has "$work/out" "usage: msilab record -o OUT.mlog" "record --help"
has "$work/out" "--cleanup" "record --help"
expect 2 "record without -o" "$msilab" record -- true
has "$work/err" "msilab record: -o OUT.mlog is required" "record without -o"
expect 2 "record --duration x" "$msilab" record -o "$work/x.mlog" --duration x
has "$work/err" "msilab record: --duration x: a positive number of seconds" "--duration x"
expect 2 "record stray argument" "$msilab" record -o "$work/x.mlog" true
has "$work/err" "CMD goes after \"--\"" "stray argument"
expect 2 "record --kernel-release bad" "$msilab" record -o "$work/x.mlog" --kernel-release banana
expect 2 "record --event bad" "$msilab" record -o "$work/x.mlog" --event 'a/b/c'

is_root=0
[ "$(id -u)" = 0 ] && is_root=1
before=$(state)

# --- as non-root ---
asuser=
if [ $is_root = 1 ]; then
	if command -v setpriv >/dev/null; then
		asuser="setpriv --reuid=65534 --regid=65534 --clear-groups"
	elif command -v su >/dev/null; then
		asuser="su_nobody"
	fi
else
	asuser="env"	# we are not root already
fi
su_nobody() { su nobody -s /bin/sh -c "$(printf '%q ' "$@")"; }
if [ -n "$asuser" ]; then
	expect 2 "record as non-root" $asuser "$msilab" record -o "$work/nonroot.mlog" -- sleep 1
	has "$work/err" "msilab record: must run as root" "record as non-root"
	if [ -e "$work/nonroot.mlog" ]; then ko "non-root record wrote its output"; else ok; fi
	expect 2 "record --cleanup as non-root" $asuser "$msilab" record --cleanup
	has "$work/err" "msilab record: must run as root" "--cleanup as non-root"
	if [ $is_root = 1 ]; then
		if [ "$(state)" = "$before" ]; then ok; else ko "non-root record changed tracefs: $(state)"; fi
	fi
	note "non-root refusal tested ($asuser)"
else
	note "SKIPPED non-root refusal: no setpriv or su"
fi

# A real msilab record run: the x86 capture ran it in its guest (tools/capture
# --record) with --raw, which also keeps its snapshots.  The .mlog it wrote from
# the live buffer and msilab convert of its raw text and snapshots must say the
# same (comments and the source line aside): live and text ingest agree.
cap=$src/corpus/real/x86_64-6.1.0-56-capture/guest
if [ -f "$cap/record.mlog" ] && [ -f "$cap/record-raw.txt" ] && [ -f "$cap/record-raw.devices.txt" ]; then
	rel=$(sed -n 's/^kernel release=\([^ ]*\) .*/\1/p' "$cap/record.mlog")
	if "$msilab" convert "$cap/record-raw.txt" --kernel "$rel" --arch x86_64 \
		--devices "$cap/record-raw.devices.txt" --interrupts "$cap/record-raw.interrupts.txt" \
		--probes "$cap/record-raw.probes.txt" -o "$work/guest-record.mlog" 2>"$work/err"; then
		# the body, from the first marker: the start-state declarations before it
		# depend on the converter version, the body on the ingest path only
		if diff <(sed -n '/^marker /,$p' "$cap/record.mlog" | grep -v '^#') \
			<(sed -n '/^marker /,$p' "$work/guest-record.mlog" | grep -v '^#') >"$work/guest-record.diff"; then
			ok
			note "the guest's msilab record .mlog equals msilab convert of its --raw text ($(grep -c . "$cap/record.mlog") lines)"
		else
			ko "guest record.mlog and the conversion of its --raw text differ (see $work/guest-record.diff)"
		fi
	else
		ko "convert of the guest's record-raw.txt failed: $(head -1 "$work/err")"
	fi
	# what the guest saw around it: its own instance and group gone, the raw recording's group kept
	if grep -q '^after: instances: kprobe groups: msilc $' "$cap/record-after.txt" &&
		grep -q '^msilab record rc=0$' "$cap/record-log.txt"; then ok; else
		ko "guest record: exit status or tracefs state after it not as expected ($cap/record-*.txt)"; fi
else
	note "no guest record run in corpus/real/x86_64-6.1.0-56-capture: live-vs-text check skipped"
fi

if [ $is_root = 0 ]; then
	note "SKIPPED everything that needs root"
	echo "cli_record: $pass passed, $fail failed"
	[ $fail = 0 ]
	exit
fi

have_kprobes=0
[ -e /sys/kernel/tracing/kprobe_events ] || [ -e /sys/kernel/debug/tracing/kprobe_events ] && have_kprobes=1
have_tracefs=0
[ -d $T/instances ] && have_tracefs=1

# --- no kprobe_events: refusal, nothing created ---
if [ $have_kprobes = 0 ]; then
	expect 2 "record without kprobe_events" "$msilab" record -o "$work/nokp.mlog" -- sleep 1
	has "$work/err" "msilab record: this kernel has no kprobe events: neither /sys/kernel/tracing/kprobe_events nor /sys/kernel/debug/tracing/kprobe_events exists" \
		"record without kprobe_events"
	if [ -e "$work/nokp.mlog" ] || [ -e "$work/nokp.mlog.tmp" ]; then ko "refused record wrote output"; else ok; fi
	if [ "$(state)" = "$before" ]; then ok; else ko "refused record changed tracefs: $(state)"; fi
	note "this kernel has no kprobe_events: refusal tested, NO real kprobe recording possible here"
fi

# --- a real kprobe recording ---
if [ $have_kprobes = 1 ] && [ $have_tracefs = 1 ]; then
	expect 0 "real recording" "$msilab" record -o "$work/real.mlog" -s "$work/real-status.txt" -- sleep 1
	cp "$work/err" "$work/real.err"
	expect 0 "check real.mlog" "$msilab" check "$work/real.mlog"
	has "$work/real-status.txt" "OK   p:msilc/" "probe status"
	if [ "$(state)" = "$before" ]; then ok; else ko "real recording left: $(state)"; fi
	note "real kprobe recording made ($(grep -c '^OK' "$work/real-status.txt") probes/events accepted)"
fi

if [ $have_tracefs = 0 ]; then
	note "SKIPPED live tracefs tests: no tracefs"
	echo "cli_record: $pass passed, $fail failed"
	[ $fail = 0 ]
	exit
fi

# --- tracepoints and markers only (works without kprobe events) ---
expect 0 "--no-kprobes recording" "$msilab" record --no-kprobes -o "$work/tp.mlog" -s "$work/tp-status.txt" \
	-r "$work/tp-raw.txt" -- sh -c 'echo "ACTION insmod msilab_test.ko" > "$MSILAB_TRACE_MARKER"; echo "PHASE done" > "$MSILAB_TRACE_MARKER"'
expect 0 "check tp.mlog" "$msilab" check "$work/tp.mlog"
has "$work/tp.mlog" 'marker text="ACTION insmod msilab_test.ko"' "marker in the .mlog"
has "$work/tp.mlog" 'marker text="PHASE done"' "second marker in the .mlog"
has "$work/tp.mlog" "source kind=live" "source kind"
has "$work/tp.mlog" "kernel release=$(uname -r)" "kernel release"
has "$work/tp-raw.txt" "tracing_mark_write: ACTION insmod msilab_test.ko" "raw text"
if [ "$(state)" = "$before" ]; then ok; else ko "--no-kprobes recording left: $(state)"; fi
# the raw text converts back into the same events
expect 0 "convert the raw text" "$msilab" convert "$work/tp-raw.txt" --kernel "$(uname -r)" -o "$work/tp-conv.mlog"
if diff <(grep '^marker' "$work/tp.mlog") <(grep '^marker' "$work/tp-conv.mlog") >/dev/null; then ok; else
	ko "raw text does not convert to the same markers"; fi
# --kernel-release picks the profile and names the kernel
expect 0 "--kernel-release" "$msilab" record --no-kprobes --kernel-release 6.1.0-56-amd64 -o "$work/kr.mlog" --duration 0.2
has "$work/kr.mlog" "kernel release=6.1.0-56-amd64" "--kernel-release"
expect 2 "--kernel-release without a profile" "$msilab" record --no-kprobes --kernel-release 5.4.0 -o "$work/kr2.mlog" --duration 0.2
has "$work/err" "no probe profile in" "--kernel-release 5.4.0"
expect 2 "--profile missing" "$msilab" record --no-kprobes --profile "$work/none.txt" -o "$work/kr2.mlog" --duration 0.2
if [ "$(state)" = "$before" ]; then ok; else ko "left: $(state)"; fi

# a failure after the instance exists (the output cannot be written) still removes it
expect 2 "unwritable output" "$msilab" record --no-kprobes -o "$work/no/such/dir/x.mlog" --duration 0.2
has "$work/err" "cannot create" "unwritable output"
if [ "$(state)" = "$before" ]; then ok; else ko "failed recording left: $(state)"; fi

# --- signals end a recording cleanly ---
for sig in INT TERM HUP; do
	rc=0
	"$msilab" record --no-kprobes -o "$work/sig$sig.mlog" --duration 60 2>"$work/sig.err" &
	p=$!
	for i in $(seq 1 50); do [ -d "$T/instances/msilab-$p" ] && break; sleep 0.1; done
	sleep 0.3
	kill -$sig $p
	wait $p || rc=$?
	if [ $rc = 0 ]; then ok; else ko "SIG$sig: exit $rc ($(cat "$work/sig.err"))"; fi
	if [ -d "$T/instances/msilab-$p" ]; then ko "SIG$sig left instance msilab-$p"; else ok; fi
	expect 0 "check sig$sig.mlog" "$msilab" check "$work/sig$sig.mlog"
done
# ... and stop CMD
rc=0
"$msilab" record --no-kprobes -o "$work/sigcmd.mlog" -- sleep 60 2>"$work/sig.err" &
p=$!
for i in $(seq 1 50); do [ -d "$T/instances/msilab-$p" ] && break; sleep 0.1; done
sleep 0.3
kill -TERM $p
wait $p || rc=$?
if [ $rc = 0 ]; then ok; else ko "SIGTERM with CMD: exit $rc"; fi
if pgrep -P $p >/dev/null 2>&1; then ko "CMD still running"; else ok; fi
if [ "$(state)" = "$before" ]; then ok; else ko "signals left: $(state)"; fi

# --- SIGKILL leaves the instance; --cleanup sweeps it (its PID is gone) ---
"$msilab" record --no-kprobes -o "$work/killed.mlog" --duration 60 2>/dev/null &
p=$!
for i in $(seq 1 50); do [ -d "$T/instances/msilab-$p" ] && break; sleep 0.1; done
sleep 0.3
kill -KILL $p
wait $p 2>/dev/null
if [ -d "$T/instances/msilab-$p" ]; then ok; else ko "SIGKILL: no instance msilab-$p to sweep"; fi
expect 0 "--cleanup after SIGKILL" "$msilab" record --cleanup
has "$work/err" "removed instance msilab-$p (pid $p is gone)" "--cleanup after SIGKILL"
if [ -d "$T/instances/msilab-$p" ]; then ko "--cleanup kept msilab-$p"; else ok; fi

# --- --cleanup removes dead owners only, and only msilab names ---
d=$(dead_pid)
mkdir "$T/instances/msilab-$d" "$T/instances/msilabx-$d" "$T/instances/msilab-$$"
planted_dyn=
libc=
if command -v python3 >/dev/null && command -v readelf >/dev/null; then
	libc=$(ldconfig -p 2>/dev/null | grep -m1 'libc.so.6 (.*x86-64\|libc.so.6 (.*AArch64\|libc.so.6 ' | sed 's/.*=> //')
fi
strtoul_off() {	# file offset of libc's strtoul
	python3 - "$1" <<'EOF'
import subprocess, sys
f = sys.argv[1]
addr = None
for l in subprocess.run(['readelf', '-Ws', '--dyn-syms', f], capture_output=True, text=True).stdout.splitlines():
	p = l.split()
	if len(p) >= 8 and p[3] == 'FUNC' and p[7].split('@')[0] == 'strtoul' and int(p[1], 16):
		addr = int(p[1], 16)
		break
for l in subprocess.run(['readelf', '-lW', f], capture_output=True, text=True).stdout.splitlines():
	p = l.split()
	if addr is not None and p and p[0] == 'LOAD':
		off, va, sz = int(p[1], 16), int(p[2], 16), int(p[4], 16)
		if va <= addr < va + sz:
			print(hex(addr - va + off))
EOF
}
off=
[ -n "$libc" ] && [ -e "$T/uprobe_events" ] && off=$(strtoul_off "$libc")
if [ $have_kprobes = 1 ]; then
	echo "p:msilab_$d/planted vfs_read" >>"$T/kprobe_events" &&
	echo "p:msilabx_$d/planted vfs_read" >>"$T/kprobe_events" &&
	echo "p:msilab_$$/planted vfs_read" >>"$T/kprobe_events" && planted_dyn=kprobe_events
elif [ -n "$off" ]; then
	echo "p:msilab_$d/planted $libc:$off" >>"$T/uprobe_events" &&
	echo "p:msilabx_$d/planted $libc:$off" >>"$T/uprobe_events" &&
	echo "p:msilab_$$/planted $libc:$off" >>"$T/uprobe_events" && planted_dyn=uprobe_events
fi
expect 0 "--cleanup" "$msilab" record --cleanup
if [ -d "$T/instances/msilab-$d" ]; then ko "--cleanup kept dead instance msilab-$d"; else ok; fi
if [ -d "$T/instances/msilabx-$d" ]; then ok; else ko "--cleanup removed msilabx-$d (not its name)"; fi
if [ -d "$T/instances/msilab-$$" ]; then ok; else ko "--cleanup removed msilab-$$ (live owner)"; fi
if [ -n "$planted_dyn" ]; then
	if grep -q "msilab_$d/planted" "$T/$planted_dyn"; then ko "--cleanup kept group msilab_$d"; else ok; fi
	if grep -q "msilabx_$d/planted" "$T/$planted_dyn"; then ok; else ko "--cleanup removed group msilabx_$d"; fi
	if grep -q "msilab_$$/planted" "$T/$planted_dyn"; then ok; else ko "--cleanup removed group msilab_$$ (live owner)"; fi
	has "$work/err" "removed probe msilab_$d/planted (pid $d is gone)" "--cleanup message"
	note "--cleanup tested on planted instances and $planted_dyn groups"
else
	note "--cleanup tested on planted instances only (no kprobe_events, no usable uprobe_events)"
fi
# a recording sweeps too, before it starts
mkdir "$T/instances/msilab-$d"
expect 0 "recording sweeps" "$msilab" record --no-kprobes -o "$work/sweep.mlog" --duration 0.2
has "$work/err" "removed instance msilab-$d" "recording sweeps"
# remove what this script planted
rmdir "$T/instances/msilabx-$d" "$T/instances/msilab-$$" 2>/dev/null
rmdir "$T/instances/msilab-$d" 2>/dev/null
if [ -n "$planted_dyn" ]; then
	echo "-:msilabx_$d/planted" >>"$T/$planted_dyn"
	echo "-:msilab_$$/planted" >>"$T/$planted_dyn"
	echo "-:msilab_$d/planted" >>"$T/$planted_dyn" 2>/dev/null
fi
if [ "$(state)" = "$before" ]; then ok; else ko "cleanup tests left: $(state)"; fi

# --- the kprobe decoding path, for real, through a uprobe ---
if [ -n "$off" ]; then
	g=msilabtest_$$
	echo "p:$g/strtoul $libc:$off str=+0(%di):string base=%dx:s32 endp=%si:x64 b8=%dx:u8" >>"$T/uprobe_events"
	echo "r:$g/strtoul_ret $libc:$off ret=\$retval:s64" >>"$T/uprobe_events"
	expect 0 "uprobe recording" "$msilab" record --no-kprobes -e $g -o "$work/up.mlog" -r "$work/up-raw.txt" -- \
		python3 -c "import ctypes; ctypes.CDLL('libc.so.6').strtoul(b'-42 msilab-uprobe', None, 10)"
	grep -a 'msilab-uprobe' "$work/up-raw.txt" >"$work/up-line.txt"
	has "$work/up-line.txt" ': strtoul: (' "uprobe event"
	has "$work/up-line.txt" 'str="-42 msilab-uprobe" base=10 endp=0x0 b8=10' "uprobe fields"
	pid=$(sed -n 's/.*-\([0-9]*\) *\[.*/\1/p' "$work/up-line.txt" | head -1)
	grep -a "strtoul_ret: (" "$work/up-raw.txt" | grep -a -- "-$pid " | grep -q 'ret=-42$' && ok ||
		ko "uretprobe: no \"ret=-42\" for pid $pid in $work/up-raw.txt"
	expect 0 "check up.mlog" "$msilab" check "$work/up.mlog"
	echo "-:$g/strtoul" >>"$T/uprobe_events"
	echo "-:$g/strtoul_ret" >>"$T/uprobe_events"
	note "kprobe-format decoding tested through a uprobe on $libc:$off"
else
	note "SKIPPED the uprobe decoding test (needs uprobe_events, python3, readelf)"
fi
if [ "$(state)" = "$before" ]; then ok; else ko "left: $(state)"; fi

echo "cli_record: $pass passed, $fail failed"
[ $fail = 0 ]
