#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In-guest part of tools/capture/capture.sh (busybox sh).  Records the MSI
# lifecycle with the raw tracefs interface into its own instance
# (instances/msilab): the kprobe group msilc (/probes.txt) plus EXTRA_EVENTS
# (x86: irq_vectors/*, irq_matrix/*), with trace_marker "PHASE ..." and
# "ACTION ..." lines.  Every result goes to the serial console between
# "=====BEGIN name=====" and "=====END name=====" lines; binary files are
# base64 of gzip, in sections named "b64-FILE.gz".
#
# /capture.conf sets: SCENARIO (comma list: boot unbind-bind remove-rescan
# rmmod-insmod cpu-hotplug record), NROUNDS, EXTRA_EVENTS, RMMOD_LIST, WAIT_DEV.

. /capture.conf
T=/sys/kernel/tracing
[ -d $T/events ] || T=/sys/kernel/debug/tracing
I=$T/instances/msilab
KREL=$(uname -r)
NROUNDS=${NROUNDS:-2}
WAIT_DEV=${WAIT_DEV:-/sys/block/nvme0n1}

begin() { echo "=====BEGIN $1====="; }
end() { echo "=====END $1====="; }
section() { _s=$1; shift; begin "$_s"; "$@"; end "$_s"; }
mark() { echo "$*" > $I/trace_marker; }
want() { case ",$SCENARIO," in *",$1,"*) return 0;; esac; return 1; }
settle() {   # wait for the asynchronous part of nvme's probe, then a little more
	i=0
	while [ $i -lt ${1:-30} ] && [ ! -e $WAIT_DEV ]; do sleep 1; i=$((i+1)); done
	sleep 2
}

# ---------- snapshots ----------
lspci_ids() {     # BDF vendor:device class irq
	for d in /sys/bus/pci/devices/*; do
		echo "${d##*/} $(cat $d/vendor):$(cat $d/device) class=$(cat $d/class) irq=$(cat $d/irq)"
	done
}
lspci_drivers() { # BDF ids class driver module (- = built in) msi_irqs
	for d in /sys/bus/pci/devices/*; do
		drv=-; [ -L $d/driver ] && drv=$(basename $(readlink $d/driver))
		mod=-; [ -L $d/driver/module ] && mod=$(basename $(readlink $d/driver/module))
		echo "${d##*/} $(cat $d/vendor):$(cat $d/device) class=$(cat $d/class) driver=$drv module=$mod msi_irqs=$(ls $d/msi_irqs 2>/dev/null | sort -n | tr '\n' ' ')"
	done
}
config_hex() {    # lspci -x like: the first 256 bytes of config space
	for d in /sys/bus/pci/devices/*; do
		echo "${d##*/}:"; od -v -tx1 -Ax -N256 $d/config
	done
}
msi_caps() {      # decode the MSI and MSI-X capabilities from config space
	for d in /sys/bus/pci/devices/*; do
		printf '%s %s:%s class=%s ' "${d##*/}" "$(cat $d/vendor)" "$(cat $d/device)" "$(cat $d/class)"
		od -An -v -tx1 -N256 $d/config | awk '
		function pow2(k,   v) { v = 1; while (k-- > 0) v *= 2; return v }   # busybox awk may lack math
		function hex(s,   i, v) { v = 0; for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return v }
		{ for (i = 1; i <= NF; i++) b[n++] = hex($i) }
		END {
			out = ""; msi = ""; msix = ""
			if (n >= 64 && int(b[6] / 16) % 2 == 1) {
				p = b[52] - b[52] % 4; guard = 0
				while (p >= 64 && p < 256 && guard++ < 48) {
					id = b[p]; ctrl = b[p + 2] + 256 * b[p + 3]
					if (id == 5 && msi == "") {
						mmc = int(ctrl / 2) % 8; mme = int(ctrl / 16) % 8
						msi = sprintf("MSI@0x%02x ctrl=0x%04x enable=%d MMC=%d(=%d vectors) MME=%d(=%d enabled) 64bit=%d pvm=%d",
							p, ctrl, ctrl % 2, mmc, pow2(mmc), mme, pow2(mme), int(ctrl / 128) % 2, int(ctrl / 256) % 2)
					}
					if (id == 17 && msix == "")
						msix = sprintf("MSI-X@0x%02x ctrl=0x%04x enable=%d table_size=%d", p, ctrl, int(ctrl / 32768), ctrl % 2048 + 1)
					p = b[p + 1] - b[p + 1] % 4
				}
			}
			if (msi != "") out = msi
			if (msix != "") out = out (out == "" ? "" : " ") msix
			print (out == "" ? "no-MSI/MSI-X" : out)
		}'
	done
}

PREV=0
dump_phase() {    # the trace lines added since the previous dump, then snapshots
	cat $I/trace > /tmp/all
	grep -v '^#' /tmp/all > /tmp/body
	n=$(wc -l < /tmp/body)
	begin "trace-$1"; grep '^#' /tmp/all; sed -n "$((PREV+1)),${n}p" /tmp/body; end "trace-$1"
	PREV=$n
	section "interrupts-$1" cat /proc/interrupts
	section "lspci-drivers-$1" lspci_drivers
	echo "msilab: phase $1 dumped ($n trace lines, uptime $(cut -d' ' -f1 /proc/uptime))"
}

section uname uname -a
section cmdline cat /proc/cmdline
RE=' (its_|msi_|__msi_|pci_msi|pci_msix|pcim_msi|pci_alloc_irq|pci_free_irq|pci_enable_msi|pci_disable_msi|__pci_enable_msi|__pci_disable_msi|pci_enable_msix|pci_disable_msix|msix_|__pci_msi|irq_domain_alloc_irqs|__irq_domain_alloc_irqs|irq_domain_free_irqs|x86_vector|msi_set_affinity|alloc_lpi_range|free_lpi_range)'
begin kallsyms-candidates; grep -E "$RE" /proc/kallsyms | grep -E ' [tT] '; end kallsyms-candidates

# ---------- kprobes (global definitions, enabled only in our instance) ----------
echo > $T/kprobe_events
begin probe-status
while read -r l; do
	case "$l" in '' | '#'*) continue ;; esac
	name=${l%% *}; rest=${l#* }; sym=${rest%% *}
	case "$sym" in @*)   # @SYM#N: the N-th text symbol SYM (duplicate static names)
		s=${sym#@}; nth=${s#*#}; s=${s%#*}
		addr=$(grep -E " [tT] $s\$" /proc/kallsyms | sed -n "${nth}p" | cut -d' ' -f1)
		l=$(echo "$l" | sed "s|$sym|0x$addr|"); echo "resolved $sym -> 0x$addr" ;;
	esac
	if echo "$l" >> $T/kprobe_events 2>/dev/null; then echo "OK   $name"; else echo "FAIL $name"; fi
done < /probes.txt
end probe-status
section error-log cat $T/error_log
section kprobe-events cat $T/kprobe_events

mkdir -p $I
echo 0 > $I/tracing_on
echo ${BUFFER_KB:-16384} > $I/buffer_size_kb
echo > $I/trace
[ -d $I/events/msilc ] && echo 1 > $I/events/msilc/enable
for ev in $EXTRA_EVENTS; do
	if [ -e $I/events/$ev/enable ]; then echo 1 > $I/events/$ev/enable && echo "msilab: enabled $ev"
	else echo "msilab: no event $ev"; fi
done
section set-event cat $I/set_event
section clock cat $I/trace_clock

# ---------- state before any driver loads ----------
section interrupts-before-drivers cat /proc/interrupts
section lspci-before lspci_ids
section msi-caps-before msi_caps
section config-before config_hex
echo 1 > $I/tracing_on

# ---------- phase: boot-time probing (every module insmod'ed in dependency order) ----------
mark "PHASE boot begin"
while read -r m; do
	mark "ACTION insmod $(basename $m)"
	insmod /lib/modules/$KREL/$m 2>&1 | sed 's/^/insmod: /'
done < /modlist.txt
settle 60
mark "PHASE boot end"
dump_phase boot

# ---------- phase: sysfs unbind / bind of every bound endpoint ----------
if want unbind-bind; then
	r=1
	while [ $r -le $NROUNDS ]; do
		mark "PHASE unbind-bind round $r begin"
		for d in /sys/bus/pci/devices/*; do
			[ -L $d/driver ] || continue
			drv=$(basename $(readlink $d/driver)); bdf=${d##*/}
			[ "$drv" = pcieport ] && continue
			mark "ACTION unbind $bdf $drv"
			echo $bdf > /sys/bus/pci/drivers/$drv/unbind
			sleep 1
			mark "ACTION bind $bdf $drv"
			echo $bdf > /sys/bus/pci/drivers/$drv/bind
			sleep 1
		done
		settle 30
		mark "PHASE unbind-bind round $r end"
		r=$((r+1))
	done
	dump_phase unbind-bind
fi

# ---------- phase: PCI remove / rescan (everything but the host bridge) ----------
if want remove-rescan; then
	r=1
	while [ $r -le $NROUNDS ]; do
		mark "PHASE remove-rescan round $r begin"
		for d in /sys/bus/pci/devices/*; do
			[ -e $d ] || continue      # gone with its parent bridge
			cls=$(cat $d/class); bdf=${d##*/}
			[ $cls = 0x060000 ] && continue
			drv=-; [ -L $d/driver ] && drv=$(basename $(readlink $d/driver))
			mark "ACTION remove $bdf $drv class=$cls"
			echo 1 > $d/remove
			sleep 1
		done
		mark "ACTION rescan"
		echo 1 > /sys/bus/pci/rescan
		sleep 3
		settle 30
		mark "PHASE remove-rescan round $r end"
		r=$((r+1))
	done
	dump_phase remove-rescan
fi

# ---------- phase: rmmod / insmod of the leaf drivers ----------
if want rmmod-insmod; then
	mark "PHASE rmmod-insmod begin"
	for m in $RMMOD_LIST; do
		grep -q "^$m " /proc/modules || continue
		mark "ACTION rmmod $m"
		rmmod $m 2>&1 | sed 's/^/rmmod: /'
		sleep 1
	done
	while read -r m; do
		b=$(basename $m .ko); grep -q "^$(echo $b | tr - _) " /proc/modules && continue
		mark "ACTION insmod $(basename $m)"
		insmod /lib/modules/$KREL/$m 2>&1 | sed 's/^/insmod: /'
	done < /modlist.txt
	settle 60
	mark "PHASE rmmod-insmod end"
	dump_phase rmmod-insmod
fi

# ---------- phase: CPU offline / online (moves vectors on x86) ----------
if want cpu-hotplug && [ -e /sys/devices/system/cpu/cpu1/online ]; then
	mark "PHASE cpu-hotplug begin"
	r=1
	while [ $r -le $NROUNDS ]; do
		mark "ACTION cpu1 offline"; echo 0 > /sys/devices/system/cpu/cpu1/online; sleep 1
		mark "ACTION cpu1 online"; echo 1 > /sys/devices/system/cpu/cpu1/online; sleep 1
		r=$((r+1))
	done
	mark "PHASE cpu-hotplug end"
	dump_phase cpu-hotplug
fi

echo 0 > $I/tracing_on
section dmesg dmesg
section buffer-stats cat $I/per_cpu/cpu*/stats

# ---------- trace-cmd file of the instance ----------
if [ -x /usr/bin/trace-cmd ]; then
	trace-cmd extract -B msilab -o /tmp/trace.dat > /tmp/tc.log 2>&1
	echo "msilab: trace-cmd extract rc=$?"; tail -5 /tmp/tc.log
	if [ -s /tmp/trace.dat ]; then
		begin b64-trace.dat.gz; gzip -c /tmp/trace.dat | base64; end b64-trace.dat.gz
	fi
fi

# ---------- phase: msilab record in the guest (after the raw recording) ----------
# msilab record with its own instance msilab-PID and kprobe group msilab_PID
# (the raw instance "msilab" and group msilc are not its own: it must leave
# them alone), around an unbind/bind of nvme and a CPU offline/online; then
# what is left in tracefs, which must hold nothing of msilab_PID.
if want record && [ -x /msilab/msilab ]; then
	cat > /tmp/rec-cmd.sh <<-'EOF2'
		m() { echo "$*" > "$MSILAB_TRACE_MARKER"; }
		m "PHASE record begin"
		m "ACTION unbind 0000:00:05.0 nvme"; echo 0000:00:05.0 > /sys/bus/pci/drivers/nvme/unbind; sleep 1
		m "ACTION bind 0000:00:05.0 nvme"; echo 0000:00:05.0 > /sys/bus/pci/drivers/nvme/bind; sleep 3
		if [ -e /sys/devices/system/cpu/cpu1/online ]; then
			m "ACTION cpu1 offline"; echo 0 > /sys/devices/system/cpu/cpu1/online; sleep 1
			m "ACTION cpu1 online"; echo 1 > /sys/devices/system/cpu/cpu1/online; sleep 1
		fi
		m "PHASE record end"
	EOF2
	begin record-log
	echo "before: instances: $(ls $T/instances | tr '\n' ' ')kprobe groups: $(cut -d' ' -f1 $T/kprobe_events | cut -d: -f2 | cut -d/ -f1 | sort -u | tr '\n' ' ')"
	MSILAB_PROBES_DIR=/msilab/probes /msilab/msilab record -o /tmp/record.mlog \
		--probe-status /tmp/record-status.txt --raw /tmp/record-raw.txt -- sh /tmp/rec-cmd.sh 2>&1
	echo "msilab record rc=$?"
	end record-log
	section record-status cat /tmp/record-status.txt
	section record-mlog cat /tmp/record.mlog
	section record-raw cat /tmp/record-raw.txt
	section record-raw.devices cat /tmp/record-raw.txt.devices
	section record-raw.interrupts cat /tmp/record-raw.txt.interrupts
	section record-raw.probes cat /tmp/record-raw.txt.probes
	begin record-after
	echo "after: instances: $(ls $T/instances | tr '\n' ' ')kprobe groups: $(cut -d' ' -f1 $T/kprobe_events | cut -d: -f2 | cut -d/ -f1 | sort -u | tr '\n' ' ')"
	/msilab/msilab record --cleanup 2>&1; echo "msilab record --cleanup rc=$?"
	end record-after
fi
