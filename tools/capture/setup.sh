#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/capture/setup.sh - install the host packages tools/capture/capture.sh needs.
#
#   tools/capture/setup.sh [--arch arm64|x86_64|all] [--check]
#
# Installs (apt-get, Debian 12 host) what is missing: the QEMU system emulator
# for the guest architecture, qemu-utils, cpio, kmod (depmod/modprobe for the
# guest module tree), xz-utils and zstd (compressed .ko), trace-cmd (host-side
# `trace-cmd report` of the guest's trace.dat), busybox-static and bc.
# Quiet when everything is present.  Only the host's own apt configuration is
# used here (installing host tools); guest packages are fetched by
# tools/capture/fetch.sh through a private apt state.
#
# Exit: 0 all present, 1 (--check) something missing, 2 cannot install
# (not root and no sudo), otherwise apt-get's exit status.
set -euo pipefail

arch=all
check_only=0
while [ $# -gt 0 ]; do
	case "$1" in
	--arch) arch=${2:?--arch needs a value}; shift 2 ;;
	--arch=*) arch=${1#--arch=}; shift ;;
	--check) check_only=1; shift ;;
	-h | --help) sed -n '4,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "setup.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done

PACKAGES=(qemu-utils cpio kmod xz-utils zstd trace-cmd busybox-static bc gzip)
case "$arch" in
arm64 | aarch64) PACKAGES+=(qemu-system-arm) ;;
x86_64 | amd64) PACKAGES+=(qemu-system-x86) ;;
all) PACKAGES+=(qemu-system-arm qemu-system-x86) ;;
*) echo "setup.sh: unknown --arch $arch (arm64, x86_64, all)" >&2; exit 2 ;;
esac

installed() {
	[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "setup.sh: not a Debian host; install by hand: ${PACKAGES[*]}" >&2
	exit 2
fi

missing=()
for p in "${PACKAGES[@]}"; do
	installed "$p" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ $check_only -eq 1 ]; then
	echo "setup.sh: missing: ${missing[*]}"
	exit 1
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		SUDO=(sudo -n)
	else
		echo "setup.sh: not root; run: apt-get install --no-install-recommends ${missing[*]}" >&2
		exit 2
	fi
fi
export DEBIAN_FRONTEND=noninteractive
echo "setup.sh: installing ${missing[*]}"
# Refresh the index only when a package is not known to apt yet.
if ! apt-cache show "${missing[@]}" >/dev/null 2>&1; then
	"${SUDO[@]}" apt-get -qq update
fi
"${SUDO[@]}" apt-get -qq -y install --no-install-recommends "${missing[@]}" >/dev/null
