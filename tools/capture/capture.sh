#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/capture/capture.sh - record a real Debian kernel's MSI lifecycle under
# QEMU (software emulation) and convert it to .mlog files.
#
#   tools/capture/capture.sh --arch arm64|x86_64 --kernel SPEC
#        [--scenario boot,unbind-bind,remove-rescan,rmmod-insmod[,cpu-hotplug]]
#        -o OUTDIR [options]
#
#   --kernel SPEC     6.1 | 6.12 | 6.18 (newest Debian package of that series),
#                     a Debian package version (6.1.192-2) or a package name
#   --scenario LIST   phases, in this order whatever the order given; boot is
#                     always recorded (default: boot,unbind-bind,remove-rescan,
#                     rmmod-insmod, plus cpu-hotplug on x86_64)
#   -o OUTDIR         results (see below)
#   --rounds N        rounds of unbind/bind, remove/rescan, CPU hotplug (2)
#   --probes FILE     kprobe definitions (default: probes/probes-<series>-<arch>.txt)
#   --no-xhci         leave out the Multi-MSI nec-usb-xhci controller
#   --work DIR        downloads, initramfs, disk images (/tmp/cap-work)
#   --timeout S       guest wall-time limit in seconds (1800)
#   --from-log LOG    do not boot: re-extract and re-convert an existing
#                     console log (OUTDIR/guest/console.log of an earlier run)
#   --msilab BIN      msilab binary (build/release/msilab of this tree)
#   --note TEXT       one more comment line in every .mlog
#   --compact         drop guest/console.log once it is cut into files (for
#                     corpus/real: --from-log is then no longer possible)
#   --record          also run `msilab record` (this tree's binary, its shared
#                     libraries and tools/probes copied into the initramfs) in
#                     the guest after the raw recording, around an nvme
#                     unbind/bind and a CPU offline/online: guest/record.mlog,
#                     record-log.txt, record-status.txt, record-after.txt
#
# Steps: setup.sh (host packages), fetch.sh (guest kernel, busybox-static,
# trace-cmd through a private apt state), initramfs.sh, QEMU under TCG with
# virtio-rng, virtio-net, virtio-blk, nvme, e1000e, ich9-ahci, a pcie-root-port
# with a virtio-rng behind it and nec-usb-xhci (msi=on,msix=off,intrs=16);
# guest-scenario.sh records into tracefs instances/msilab and prints every
# result on the serial console; this script cuts the console log into files
# and runs `msilab convert`.
#
# OUTDIR gets: <phase>.mlog (the recording from the start up to the end of
# that phase: boot.mlog, unbind-bind.mlog, ...; the converter reads the
# consecutive phase slices in order), trace.dat (trace-cmd extract of the
# instance, made in the guest), devices.txt (msilab convert --devices, from the
# guest's config-space dump), interrupts-before-drivers.txt, kprobe-events.txt,
# capture.txt (kernel package, QEMU version, command lines, wall time), and
# guest/ (every console section: per-phase ftrace text, /proc/interrupts and
# lspci-like snapshots, probe status, dmesg, console.log).
#
# Exit: 0 done, 1 a step failed, 2 usage.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
ORIG_ARGS=("$@")

arch= spec= scenario= out= rounds=2 probes= xhci=1 work=/tmp/cap-work timeout=1800
from_log= msilab= notes=() compact=0 record=0
usage() { awk 'NR >= 4 && /^# Steps:/ { exit } NR >= 4' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
	case "$1" in
	--arch) arch=$2; shift 2 ;;
	--kernel) spec=$2; shift 2 ;;
	--scenario) scenario=$2; shift 2 ;;
	-o | --output) out=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--probes) probes=$2; shift 2 ;;
	--no-xhci) xhci=0; shift ;;
	--work) work=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--from-log) from_log=$2; shift 2 ;;
	--msilab) msilab=$2; shift 2 ;;
	--note) notes+=("$2"); shift 2 ;;
	--compact) compact=1; shift ;;
	--record) record=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "capture.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
	esac
done
[ -n "$arch" ] && [ -n "$spec" ] && [ -n "$out" ] || { usage >&2; exit 2; }
case "$arch" in
arm64 | aarch64) arch=arm64 darch=arm64 ;;
x86_64 | amd64) arch=x86_64 darch=amd64 ;;
*) echo "capture.sh: --arch arm64 or x86_64" >&2; exit 2 ;;
esac
ALL_PHASES="boot unbind-bind remove-rescan rmmod-insmod cpu-hotplug"
if [ -z "$scenario" ]; then
	scenario=boot,unbind-bind,remove-rescan,rmmod-insmod
	[ $arch = x86_64 ] && scenario=$scenario,cpu-hotplug
fi
for p in ${scenario//,/ }; do
	case " $ALL_PHASES " in *" $p "*) ;; *) echo "capture.sh: unknown phase $p ($ALL_PHASES)" >&2; exit 2 ;; esac
done
phases=boot
for p in $ALL_PHASES; do
	[ $p = boot ] && continue
	case ",$scenario," in *",$p,"*) phases="$phases $p" ;; esac
done
[ -n "$msilab" ] || msilab=$SRC/build/release/msilab
log() { echo "capture.sh: $*" >&2; }
shq() { case "$1" in *[[:space:]\'\"\$]*) printf "'%s'\n" "$1" ;; *) printf '%s\n' "$1" ;; esac; }
cmdline=$(for a in tools/capture/capture.sh "${ORIG_ARGS[@]}"; do shq "$a"; done | paste -sd' ')
die() { log "$*"; exit 1; }

mkdir -p "$out/guest"
G=$out/guest
start_all=$(date +%s)

# ---------- host packages, guest packages ----------
"$HERE/setup.sh" --arch $arch || die "setup.sh failed (exit $?)"
KDIR=$("$HERE/fetch.sh" --arch $arch --kernel "$spec" --work "$work" | tail -1) || die "fetch.sh failed (exit $?)"
[ -f "$KDIR/kernel.env" ] || die "fetch.sh failed"
# shellcheck disable=SC1091
. "$KDIR/kernel.env"
series=$(echo "$KREL" | sed -E 's/^([0-9]+)\.([0-9]+).*/\1.\2/')
if [ -z "$probes" ]; then
	case "$series" in
	6.1 | 6.12) probes=$HERE/probes/probes-$series-$darch.txt ;;
	6.1[6-9] | 6.[2-9][0-9] | [7-9].*) probes=$HERE/probes/probes-6.18-$darch.txt
		[ "$series" = 6.18 ] || log "warning: no probe file for $series; using the 6.18 one (struct offsets read from 6.18.15's BTF)" ;;
	*) probes=$HERE/probes/probes-$series-$darch.txt ;;
	esac
fi
[ -f "$probes" ] || die "no kprobe definitions for $KREL ($probes); write them (offsets from the kernel's BTF) and pass --probes"
qemu_bin=qemu-system-aarch64
[ $arch = x86_64 ] && qemu_bin=qemu-system-x86_64
qemu_version=$($qemu_bin --version | head -1)

# ---------- guest run ----------
if [ -z "$from_log" ]; then
	run=$work/run-$KREL-$$
	mkdir -p "$run"
	EXTRA_EVENTS=
	# x86: the vector-domain tracepoints only (the rest of irq_vectors is
	# per-interrupt entry/exit noise: local timer, IPIs)
	[ $arch = x86_64 ] && EXTRA_EVENTS="irq_vectors/vector_config irq_vectors/vector_update
		irq_vectors/vector_clear irq_vectors/vector_reserve_managed irq_vectors/vector_reserve
		irq_vectors/vector_alloc irq_vectors/vector_alloc_managed irq_vectors/vector_activate
		irq_vectors/vector_deactivate irq_vectors/vector_teardown irq_vectors/vector_setup
		irq_vectors/vector_free_moved irq_matrix"
	EXTRA_EVENTS=$(echo $EXTRA_EVENTS)
	RMMOD_LIST="nvme virtio_net e1000e virtio_rng virtio_blk ahci"
	MODS="virtio_pci virtio_net virtio_blk virtio-rng nvme e1000e ahci"
	if [ $xhci = 1 ]; then RMMOD_LIST="$RMMOD_LIST xhci_pci"; MODS="$MODS xhci_pci"; fi
	rphases=$phases
	[ $record = 0 ] || rphases="$phases record"
	cat > "$run/capture.conf" <<-EOF
		SCENARIO='${rphases// /,}'
		NROUNDS=$rounds
		EXTRA_EVENTS='$EXTRA_EVENTS'
		RMMOD_LIST='$RMMOD_LIST'
		WAIT_DEV=/sys/block/nvme0n1
	EOF
	mbin=
	if [ $record = 1 ]; then
		[ -x "$msilab" ] || die "--record: no msilab binary at $msilab"
		mbin=$msilab
	fi
	MSILAB_BIN=$mbin MODS=$MODS "$HERE/initramfs.sh" "$KDIR" "$probes" "$run/capture.conf" "$run/initrd.cpio.gz" >&2
	truncate -s 64M "$run/nvme.img"
	truncate -s 16M "$run/vblk.img"
	DEVS=(
		-device virtio-rng-pci,id=rng0
		-device virtio-net-pci,netdev=n0,id=vnet0 -netdev user,id=n0,restrict=on
		-drive file="$run/vblk.img",if=none,id=vd0,format=raw -device virtio-blk-pci,drive=vd0,id=vblk0
		-drive file="$run/nvme.img",if=none,id=nv0,format=raw -device nvme,drive=nv0,serial=msilab0,id=nvme0
		-device e1000e,netdev=n1,id=e1k0 -netdev user,id=n1,restrict=on
		-device ich9-ahci,id=ahci0
		-device pcie-root-port,id=rp1,chassis=1,slot=1 -device virtio-rng-pci,bus=rp1,id=rng1
	)
	[ $xhci = 1 ] && DEVS+=(-device nec-usb-xhci,id=xhci0,msi=on,msix=off,intrs=16)
	case $arch in
	arm64) QEMU=($qemu_bin -M virt,gic-version=3,its=on -cpu cortex-a57 -smp 2 -m 1G
		-append "console=ttyAMA0 loglevel=1 rdinit=/init panic=-1") ;;
	x86_64) QEMU=($qemu_bin -M q35 -accel tcg -cpu qemu64 -smp 2 -m 1G
		-append "console=ttyS0 loglevel=1 rdinit=/init panic=-1") ;;
	esac
	QEMU+=(-nographic -no-reboot -kernel "$KIMAGE" -initrd "$run/initrd.cpio.gz")
	for a in "${QEMU[@]}" "${DEVS[@]}"; do shq "$a"; done | paste -sd' ' > "$G/qemu-cmd.txt"
	echo "$cmdline" > "$G/capture-cmd.txt"
	log "booting $KREL ($KPKG $KVERSION) under $qemu_bin, phases: $phases; console: $G/console.log"
	t0=$(date +%s.%N)
	rc=0
	timeout "$timeout" "${QEMU[@]}" "${DEVS[@]}" < /dev/null > "$G/console.log" 2>&1 || rc=$?
	t1=$(date +%s.%N)
	wall=$(echo "$t1 - $t0" | bc)
	echo "qemu rc=$rc wall=${wall}s" >> "$G/qemu-cmd.txt"
	log "guest finished: rc=$rc, ${wall}s"
	rm -rf "$run"
	[ $rc = 0 ] || die "QEMU exited with $rc (124: --timeout reached); see $G/console.log"
else
	[ -f "$from_log" ] || die "no console log $from_log"
	[ "$(cd "$(dirname "$from_log")" && pwd)/$(basename "$from_log")" = "$(cd "$G" && pwd)/console.log" ] ||
		cp "$from_log" "$G/console.log"
	wall=$(sed -n 's/.*wall=\([0-9.]*\)s.*/\1/p' "$G/qemu-cmd.txt" 2>/dev/null | tail -1)
fi
grep -q '=====MSILAB-DONE' "$G/console.log" || die "the guest did not finish its scenario; see $G/console.log"

# ---------- cut the console log into files ----------
rm -f "$G"/trace-*.txt "$G"/interrupts-*.txt "$G"/lspci-*.txt
tr -d '\r' < "$G/console.log" | awk -v dir="$G" '
	/^=====BEGIN [^ ]+=====$/ { n = $2; sub(/=====$/, "", n); f = dir "/" n ".txt"; printf "" > f; on = 1; next }
	/^=====END [^ ]+=====$/ { on = 0; close(f); next }
	on { print >> f }'
for f in "$G"/b64-*.txt; do
	[ -e "$f" ] || continue
	n=$(basename "$f" .txt); n=${n#b64-}
	base64 -d < "$f" > "$G/$n" && rm -f "$f"
done
if [ -f "$G/trace.dat.gz" ]; then
	gzip -dc "$G/trace.dat.gz" > "$out/trace.dat" && rm -f "$G/trace.dat.gz"
fi
for p in $phases; do
	[ -s "$G/trace-$p.txt" ] || die "phase $p has no trace in the console log"
done
if [ -f "$G/record-mlog.txt" ]; then
	mv "$G/record-mlog.txt" "$G/record.mlog"
	log "msilab record in the guest: $(grep 'msilab record rc=' "$G/record-log.txt" 2>/dev/null) ($G/record.mlog, $(grep -c . "$G/record.mlog") lines); after it: $(tr '\n' ' ' < "$G/record-after.txt")"
fi
# ring-buffer health, and trace.dat against the text slices
lost=$(awk '/^(overrun|dropped events):/ { s += $NF } END { print s + 0 }' "$G/buffer-stats.txt")
[ "$lost" = 0 ] || die "the guest's ring buffer lost $lost events (guest/buffer-stats.txt)"
ntext=$(for p in $phases; do cat "$G/trace-$p.txt"; done | grep -vc '^#' || true)
if [ -f "$out/trace.dat" ]; then
	ndat=$(trace-cmd report -i "$out/trace.dat" 2>/dev/null | grep -c '^msilab:' || true)
	if [ "$ndat" = "$ntext" ]; then log "trace.dat: $ndat events, as many as the text slices"
	else log "warning: trace.dat has $ndat events in instance msilab, the text slices $ntext lines"; fi
else
	log "warning: no trace.dat (trace-cmd extract failed in the guest; see guest/console.log)"
fi
cp "$G/interrupts-before-drivers.txt" "$out/interrupts-before-drivers.txt"
cp "$G/kprobe-events.txt" "$out/kprobe-events.txt"
ok=$(grep -c '^OK ' "$G/probe-status.txt" || true)
bad=$(grep -c '^FAIL ' "$G/probe-status.txt" || true)
log "probes: $ok accepted, $bad rejected ($G/probe-status.txt, $G/error-log.txt)"

# ---------- device table for msilab convert ----------
# The config-space decode of every function, plus what the trace cannot tell:
# name=pcieportN for functions bound to the built-in port driver (no ACTION
# line names them) and enable=pcim for drivers that call pcim_enable_device()
# (not probed): ahci.
awk -v lsd="$G/lspci-drivers-boot.txt" -v lsb="$G/lspci-before.txt" -v tb="$G/trace-boot.txt" \
	-v x86=$([ $arch = x86_64 ] && echo 1 || echo 0) '
	BEGIN { while ((getline l < lsd) > 0) { k = split(l, a, " "); for (i = 1; i <= k; i++) {
		if (a[i] ~ /^driver=/) drv[a[1]] = substr(a[i], 8)
		if (a[i] ~ /^module=/ && a[i] != "module=-") mod[a[1]] = substr(a[i], 8) } }
		while ((getline l < lsb) > 0) { k = split(l, a, " "); for (i = 1; i <= k; i++) if (a[i] ~ /^irq=/) irq[a[1]] = substr(a[i], 5) }
		# the modules the boot phase insmod-ed: any other bound driver is built in
		while ((getline l < tb) > 0) if (match(l, /ACTION insmod [^ ]+/)) {
			m = substr(l, RSTART + 14, RLENGTH - 14); sub(/\.ko$/, "", m); gsub(/-/, "_", m); ins[m] = 1 } }
	/no-MSI\/MSI-X/ { next }
	{ line = $0; d = drv[$1]; note = "driver " (d == "" ? "-" : d) " after boot"
	  if (mod[$1] != "") line = line " module=" mod[$1]
	  if (d == "pcieport") line = line " name=pcieport" np++
	  # x86: a built-in driver (bound, its module not insmod-ed by the boot phase) enabled the
	  # function before the recording: its INTx GSI (sysfs irq then) is mapped to the IO-APIC
	  if (x86 && d != "" && d != "-" && !(mod[$1] in ins) && irq[$1] + 0 >= 16) {
		line = line " gsi=" irq[$1]
		note = note "; built in: enabled at boot, INTx GSI " irq[$1] " mapped then (lspci-before irq=)" }
	  if (d == "ahci") { line = line " enable=pcim"; note = note "; ahci_init_one calls pcim_enable_device()" }
	  print line "   # " note }' "$G/msi-caps-before.txt" > "$G/devices.body"
{
	echo "# Device table of this capture for msilab convert --devices: the MSI and MSI-X"
	echo "# capabilities decoded from config space before any driver loaded"
	echo "# (guest/msi-caps-before.txt), plus name= for functions bound to pcieport"
	echo "# and enable=pcim for drivers that use pcim_enable_device(), module= (the module"
	echo "# of the bound PCI driver), from guest/lspci-drivers-boot.txt, and on x86 gsi= (the"
	echo "# INTx GSI of a function enabled at boot, guest/lspci-before.txt).  Written by"
	echo "# tools/capture/capture.sh."
	cat "$G/devices.body"
} > "$out/devices.txt"
rm -f "$G/devices.body"

# ---------- capture.txt: provenance ----------
# the command that ran the guest; with --from-log also the one that re-converted
recmd=
if [ -n "$from_log" ] && [ -s "$G/capture-cmd.txt" ]; then
	recmd=$cmdline
	cmdline=$(head -1 "$G/capture-cmd.txt")
fi
guest_uname=$(cat "$G/uname.txt" 2>/dev/null || true)
{
	echo "kernel package: $KPKG $KVERSION ($KSUITE), $darch"
	echo "guest uname: $guest_uname"
	echo "qemu: $qemu_version"
	echo "guest userland: busybox-static $BBVERSION, trace-cmd $TCVERSION (bookworm, $darch)"
	echo "probes: $(basename "$probes") ($ok accepted, $bad rejected)"
	echo "scenario: $phases (rounds=$rounds, xhci=$xhci)"
	echo "capture command: $cmdline"
	[ -z "$recmd" ] || echo "re-converted by: $recmd"
	echo "qemu command: $(head -1 "$G/qemu-cmd.txt")"
	echo "guest wall time: ${wall:-?}s"
} > "$out/capture.txt"

# ---------- msilab convert, one .mlog per phase (cumulative slices) ----------
[ -x "$msilab" ] || die "no msilab binary at $msilab (cmake --preset release && cmake --build --preset release)"
case $arch in
arm64) machine_note="virt gic-version=3 its=on, cortex-a57" ;;
x86_64) machine_note="q35, qemu64" ;;
esac
[ $xhci = 1 ] && machine_note="$machine_note, plus nec-usb-xhci msi=on msix=off intrs=16"
slices=()
done_phases=
for p in $phases; do
	slices+=("$G/trace-$p.txt")
	done_phases="${done_phases:+$done_phases, }$p"
	desc="Debian $KPKG $KVERSION ($KSUITE), ${qemu_version%% (*} $machine_note, 2 vCPUs; scenario: $done_phases (rounds=$rounds; ${#slices[@]} consecutive slice(s) of one recording)"
	args=("${slices[@]}" --kernel "$KREL" --arch $arch --devices "$out/devices.txt"
		--interrupts "$out/interrupts-before-drivers.txt" --probes "$out/kprobe-events.txt"
		--note "$desc" --note "captured by: $cmdline")
	for n in ${notes[@]+"${notes[@]}"}; do args+=(--note "$n"); done
	"$msilab" convert "${args[@]}" -o "$out/$p.mlog" || die "msilab convert failed for $p"
	sz=$(wc -c < "$out/$p.mlog")
	log "$out/$p.mlog: $sz bytes"
	[ "$sz" -le 307200 ] || log "warning: $out/$p.mlog is over 300 KB"
done
[ $compact = 0 ] || rm -f "$G/console.log"
log "done in $(( $(date +%s) - start_all ))s: $out"
