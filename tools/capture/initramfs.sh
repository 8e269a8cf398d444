#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/capture/initramfs.sh - build the guest initramfs of one capture.
#
#   initramfs.sh KDIR PROBES CONF OUT.cpio.gz
#
# KDIR   a directory made by fetch.sh (kernel.env, kernel/, busybox/, tcroot/)
# PROBES kprobe definitions (group msilc) copied to /probes.txt
# CONF   shell assignments copied to /capture.conf (SCENARIO, NROUNDS, ...)
# env MSILAB_BIN: an msilab binary to install under /msilab (with its libraries
#   and tools/probes) for the guest's "record" phase.
# env MODS: the modules wanted (default below); their dependencies are
#   resolved with the host's depmod and modprobe --show-depends on the
#   unpacked module tree, compressed .ko are decompressed here (busybox
#   insmod reads plain ELF only), and the load order goes to /modlist.txt.
set -euo pipefail
KDIR=$1 PROBES=$2 CONF=$3 OUT=$4
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck disable=SC1091
. "$KDIR/kernel.env"
MODS=${MODS:-"virtio_pci virtio_net virtio_blk virtio-rng nvme e1000e ahci"}

W=$(mktemp -d /tmp/cap-initramfs.XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W"/{bin,dev,proc,sys,tmp,etc,usr/bin,lib/modules/$KREL}
install -m 755 "$(ls "$KDIR"/busybox/usr/bin/busybox "$KDIR"/busybox/bin/busybox 2>/dev/null | head -1)" "$W/bin/busybox"

M=$KMODROOT/lib/modules/$KREL
[ -f "$M/modules.dep" ] && [ "$M/modules.dep" -nt "$M/modules.order" ] || depmod -b "$KMODROOT" "$KREL"
: > "$W/modlist.txt"
for m in $MODS; do
	if ! modprobe -d "$KMODROOT" -S "$KREL" --show-depends "$m" > "$W/deps" 2>&1; then
		# built into this kernel (modprobe says "builtin") or missing
		grep -q builtin "$W/deps" && { echo "initramfs.sh: $m is built in"; continue; }
		echo "initramfs.sh: module $m not found for $KREL" >&2; exit 1
	fi
	awk '$1=="insmod"{print $2}' "$W/deps"
done | awk '!seen[$0]++' | while read -r p; do
	rel=${p#"$M"/}
	dst=$W/lib/modules/$KREL/$rel
	mkdir -p "$(dirname "$dst")"
	case $p in
	*.ko.xz) xz -dc "$p" > "${dst%.xz}"; rel=${rel%.xz} ;;
	*.ko.zst) zstd -qdc "$p" > "${dst%.zst}"; rel=${rel%.zst} ;;
	*.ko.gz) gzip -dc "$p" > "${dst%.gz}"; rel=${rel%.gz} ;;
	*) cp "$p" "$dst" ;;
	esac
	echo "$rel" >> "$W/modlist.txt"
done
rm -f "$W/deps"

install -m 755 "$HERE/guest-init.sh" "$W/init"
install -m 644 "$HERE/guest-scenario.sh" "$W/scenario.sh"
install -m 644 "$PROBES" "$W/probes.txt"
install -m 644 "$CONF" "$W/capture.conf"

# trace-cmd and the shared libraries it needs (no gconv modules)
if [ -x "$KDIR/tcroot/usr/bin/trace-cmd" ]; then
	install -m 755 "$KDIR/tcroot/usr/bin/trace-cmd" "$W/usr/bin/trace-cmd"
	(cd "$KDIR/tcroot" && for d in lib lib64 usr/lib; do [ -d "$d" ] && echo "$d"; done |
		xargs -r -I{} find {} \( -name '*.so' -o -name '*.so.*' \) ! -path '*gconv*' |
		cpio -pdm --quiet "$W")
fi

# msilab itself (env MSILAB_BIN, for the "record" phase): the binary, the shared libraries
# ldd names (host and guest are the same architecture and Debian release) and the probe
# profiles of tools/probes, under /msilab
if [ -n "${MSILAB_BIN:-}" ]; then
	mkdir -p "$W/msilab/probes"
	install -m 755 "$MSILAB_BIN" "$W/msilab/msilab"
	install -m 644 "$HERE"/../probes/probes-*.txt "$W/msilab/probes/"
	ldd "$MSILAB_BIN" | awk '/=> \// { print $3 } /^\t\/lib/ { print $1 }' | while read -r lib; do
		mkdir -p "$W$(dirname "$lib")"
		# never write through a link the trace-cmd libraries left (it may point at the host)
		rm -f "$W$lib"
		cp -L "$lib" "$W$lib"
	done
fi

(cd "$W" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -6 > "$OUT.tmp")
mv "$OUT.tmp" "$OUT"
echo "initramfs.sh: $OUT $(du -h "$OUT" | cut -f1), $(wc -l < "$W/modlist.txt") modules: $(tr '\n' ' ' < "$W/modlist.txt")"
