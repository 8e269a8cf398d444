#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/capture/fetch.sh - download and unpack the GUEST packages for one capture
# through a private apt state (the host's apt configuration is never touched).
#
#   tools/capture/fetch.sh --arch arm64|x86_64 --kernel SPEC --work DIR
#
# SPEC: a series ("6.1", "6.12", "6.18": the newest linux-image-<series>.* of
# that series), a Debian package version ("6.1.192-2"), or a package name
# ("linux-image-6.1.0-56-arm64").
#
# The mirror URIs come from the host's /etc/apt/sources.list.d/*.sources
# (deb822) or /etc/apt/sources.list: the archive that carries a "-security"
# suite is the security mirror, any other Debian archive the main mirror.
# Suites searched: bookworm, bookworm-security, bookworm-backports, trixie,
# trixie-security, trixie-backports, sid.
#
# Output: DIR/apt-<arch>/ (the private apt state), DIR/debs-<arch>/ (the .debs,
# kept: a second run downloads nothing), and DIR/<arch>-<release>/ with kernel/
# (the unpacked linux-image), busybox/ (busybox-static), tcroot/ (trace-cmd and
# its shared libraries) and kernel.env (KPKG KVERSION KSUITE KREL KIMAGE
# KMODROOT BBVERSION TCVERSION).  The last line on stdout is that directory.
set -euo pipefail

arch= spec= work=
while [ $# -gt 0 ]; do
	case "$1" in
	--arch) arch=$2; shift 2 ;;
	--kernel) spec=$2; shift 2 ;;
	--work) work=$2; shift 2 ;;
	*) echo "fetch.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ -n "$arch" ] && [ -n "$spec" ] && [ -n "$work" ] || { echo "usage: fetch.sh --arch A --kernel SPEC --work DIR" >&2; exit 2; }
case "$arch" in
arm64 | aarch64) darch=arm64 ;;
x86_64 | amd64) darch=amd64 ;;
*) echo "fetch.sh: unknown arch $arch" >&2; exit 2 ;;
esac

mkdir -p "$work"
work=$(cd "$work" && pwd)

# ---------- mirrors from the host's configuration ----------
mirror= secmirror= keyring=
parse_sources() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -e "$f" ] || continue
		# deb822: one stanza per blank-line-separated block
		awk 'BEGIN{RS="";FS="\n"}{u="";s="";k="";t="";
			for(i=1;i<=NF;i++){ if($i ~ /^URIs:/){sub(/^URIs:[ \t]*/,"",$i);u=$i}
				if($i ~ /^Suites:/){sub(/^Suites:[ \t]*/,"",$i);s=$i}
				if($i ~ /^Signed-By:/){sub(/^Signed-By:[ \t]*/,"",$i);k=$i}
				if($i ~ /^Types:/){sub(/^Types:[ \t]*/,"",$i);t=$i} }
			if(t ~ /(^| )deb( |$)/ && u!="") print u "\t" s "\t" k }' "$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -e "$f" ] || continue
		sed -e 's/#.*//' "$f" | awk '$1=="deb"{i=2; k="";
			if($2 ~ /^\[/){ while($i !~ /\]$/){ if($i ~ /signed-by=/){k=$i}; i++ }; if($i ~ /signed-by=/){k=$i}; i++ }
			sub(/.*signed-by=/,"",k); sub(/\].*/,"",k); print $i "\t" $(i+1) "\t" k}'
	done
}
while IFS=$'\t' read -r uris suites kr; do
	for u in $uris; do
		case " $suites " in
		*-security*) [ -n "$secmirror" ] || secmirror=$u ;;
		*) [ -n "$mirror" ] || mirror=$u ;;
		esac
		[ -n "$keyring" ] || keyring=$kr
	done
done < <(parse_sources)
[ -n "$mirror" ] || { echo "fetch.sh: no Debian mirror found in the host's apt sources" >&2; exit 2; }
[ -n "$secmirror" ] || secmirror=${mirror%/debian}/debian-security
[ -n "$keyring" ] && [ -f "$keyring" ] || keyring=/usr/share/keyrings/debian-archive-keyring.gpg

# ---------- private apt state (one per guest architecture) ----------
A=$work/apt-$darch
D=$work/debs-$darch
mkdir -p "$A/lists/partial" "$A/cache/archives/partial" "$A/etc/preferences.d" "$A/etc/apt.conf.d" "$D"
touch "$A/status" "$A/etc/preferences"
cat > "$A/sources.list.new" <<EOF
deb [signed-by=$keyring] $mirror bookworm main
deb [signed-by=$keyring] $secmirror bookworm-security main
deb [signed-by=$keyring] $mirror bookworm-backports main
deb [signed-by=$keyring] $mirror trixie main
deb [signed-by=$keyring] $secmirror trixie-security main
deb [signed-by=$keyring] $mirror trixie-backports main
deb [signed-by=$keyring] $mirror sid main
EOF
APTX=(-o "Dir::State=$A" -o "Dir::State::Lists=$A/lists" -o "Dir::State::status=$A/status"
	-o "Dir::Etc::SourceList=$A/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
	-o "Dir::Etc::Preferences=$A/etc/preferences" -o "Dir::Etc::PreferencesParts=$A/etc/preferences.d"
	-o "Dir::Etc::Parts=$A/etc/apt.conf.d" -o "Dir::Cache=$A/cache"
	-o "APT::Architecture=$darch" -o "APT::Architectures=$darch"
	-o "APT::Get::AllowUnauthenticated=false" -o "APT::Sandbox::User=root" -o "Debug::NoLocking=1")
# Re-read the indexes when the source list changed or is older than a day.
if ! cmp -s "$A/sources.list.new" "$A/sources.list" 2>/dev/null ||
	[ -z "$(find "$A/lists" -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
	mv "$A/sources.list.new" "$A/sources.list"
	echo "fetch.sh: apt update ($darch, private state $A)"
	apt-get "${APTX[@]}" -qq update >"$A/update.log" 2>&1 || { cat "$A/update.log" >&2; exit 1; }
else
	rm -f "$A/sources.list.new"
fi

# ---------- pick the kernel package ----------
# Every "linux-image-<release>-<arch>" package with its version and suite.
candidates() {
	apt-cache "${APTX[@]}" dumpavail | awk -v a="$darch" '
		/^Package: /{p=$2} /^Version: /{v=$2}
		/^$/{ if(p ~ ("^linux-image-[0-9][^ ]*-" a "$") && p !~ /-(rt|cloud|unsigned|dbg)-/) print p, v; p=""; v="" }' | sort -u
}
case "$spec" in
linux-image-*) pick=$(candidates | awk -v s="$spec" '$1==s' | sort -k2,2V | tail -1) ;;
[0-9]*.[0-9]*-*) pick=$(candidates | awk -v s="$spec" '$2==s' | sort -k2,2V | tail -1) ;;
[0-9]*.[0-9]*)
	re="^linux-image-${spec//./\\.}[.+-]"
	pick=$(candidates | awk -v r="$re" '$1 ~ r' | sort -k2,2V | tail -1) ;;
*) echo "fetch.sh: cannot read kernel spec '$spec'" >&2; exit 2 ;;
esac
[ -n "$pick" ] || { echo "fetch.sh: no linux-image-*-$darch package matches '$spec'" >&2; exit 1; }
kpkg=${pick%% *}; kver=${pick#* }
krel=${kpkg#linux-image-}
# Which suite holds it (first one listed by apt-cache policy for that version).
ksuite=$(apt-cache "${APTX[@]}" policy "$kpkg" 2>/dev/null | awk -v v="$kver" '
	$1=="***"{$1=""} $1==v{f=1; next} f && /http|file:/{n=split($3,a,"/"); print a[1]; exit}')
echo "fetch.sh: kernel $kpkg $kver (${ksuite:-?})" >&2
out=$work/$krel
if [ -f "$out/kernel.env" ] && grep -qxF "KVERSION='$kver'" "$out/kernel.env" &&
	[ -x "$out/tcroot/usr/bin/trace-cmd" ]; then
	echo "$out"
	exit 0
fi

# ---------- download ----------
cd "$D"
dl() { apt-get "${APTX[@]}" -qq download "$@" >/dev/null 2>>"$A/download.log"; }
kdeb=${kpkg}_${kver//:/%3a}_$darch.deb
[ -f "$kdeb" ] || dl "$kpkg=$kver"
# busybox and trace-cmd from bookworm: they run on any of these kernels and
# bookworm's libc is the oldest, so no library is newer than the guest needs.
ls busybox-static_*.deb >/dev/null 2>&1 || dl busybox-static/bookworm
ls trace-cmd_*.deb >/dev/null 2>&1 ||
	dl trace-cmd/bookworm libtracecmd1/bookworm libtraceevent1/bookworm libtracefs1/bookworm \
		libzstd1/bookworm zlib1g/bookworm libc6/bookworm

# ---------- unpack ----------
rm -rf "$out"
mkdir -p "$out/kernel" "$out/busybox" "$out/tcroot"
dpkg-deb -x "$kdeb" "$out/kernel"
dpkg-deb -x "$(ls busybox-static_*.deb | head -1)" "$out/busybox"
for d in trace-cmd_*.deb libtracecmd1_*.deb libtraceevent1_*.deb libtracefs1_*.deb libzstd1_*.deb zlib1g_*.deb libc6_*.deb; do
	dpkg-deb -x "$d" "$out/tcroot"
done
kimage=$(ls "$out/kernel/boot/vmlinuz-$krel")
kmodroot=$out/kernel
[ -d "$kmodroot/lib/modules/$krel" ] || kmodroot=$out/kernel/usr
[ -d "$kmodroot/lib/modules/$krel" ] || { echo "fetch.sh: no modules for $krel in $kpkg" >&2; exit 1; }
bbver=$(dpkg-deb -f "$(ls busybox-static_*.deb | head -1)" Version)
tcver=$(dpkg-deb -f "$(ls trace-cmd_*.deb | head -1)" Version)
cat > "$out/kernel.env" <<EOF
KSPEC='$spec'
KPKG='$kpkg'
KVERSION='$kver'
KSUITE='$ksuite'
KREL='$krel'
KIMAGE='$kimage'
KMODROOT='$kmodroot'
BBVERSION='$bbver'
TCVERSION='$tcver'
EOF
echo "$out"
