#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/setup.sh - install the Debian (bookworm) packages msilab needs.
#
#   tools/setup.sh           install what is missing (quiet when nothing is)
#   tools/setup.sh --check   list what is missing; exit 1 if anything is
#
# Exit codes: 0 everything installed, 1 (--check) something missing,
# 2 something missing and no way to install it (not root, no usable sudo),
# otherwise apt-get's own exit code.
#
# Works unattended in CI (CI=true, no stdin): apt-get runs with
# DEBIAN_FRONTEND=noninteractive and sudo, when needed, with -n.
set -euo pipefail

# One package per line, with why msilab needs it.
PACKAGES=(
	build-essential		# gcc, make, libc headers
	cmake			# >= 3.25 (bookworm has 3.25.1)
	ninja-build		# preferred CMake generator
	pkg-config		# finds the trace libraries and cmocka
	clang			# the clang and fuzz presets (clang-14 on bookworm)
	libclang-rt-14-dev	# libFuzzer and the clang sanitizer runtimes
	libcmocka-dev		# unit tests
	libtraceevent-dev	# event parsing for ingest
	libtracefs-dev		# live recording
	libtracecmd-dev		# trace.dat input
	trace-cmd		# recording and the reference report
	afl++			# AFL++ campaigns with the custom mutator
	python3			# helper scripts
	chromium		# headless browser: the HTML report test (tests/cli_report_browser.sh)
	fonts-dejavu-core	# the fonts the HTML report asks for first
)

usage() {
	echo "usage: tools/setup.sh [--check]"
}

check_only=0
case "${1:-}" in
"") ;;
--check) check_only=1 ;;
-h | --help) usage; exit 0 ;;
*) usage >&2; exit 2 ;;
esac

installed() {
	# "install ok installed" is the only state in which a package is usable.
	[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "setup.sh: dpkg-query not found: this script supports Debian (bookworm) only." >&2
	echo "setup.sh: install by hand: ${PACKAGES[*]}" >&2
	exit 2
fi

missing=()
for p in "${PACKAGES[@]}"; do
	installed "$p" || missing+=("$p")
done

if [ "$check_only" -eq 1 ]; then
	if [ "${#missing[@]}" -eq 0 ]; then
		echo "setup.sh: all ${#PACKAGES[@]} packages are installed"
		exit 0
	fi
	echo "setup.sh: missing ${#missing[@]} of ${#PACKAGES[@]} packages:"
	printf '  %s\n' "${missing[@]}"
	exit 1
fi

[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	as_root=()
elif command -v sudo >/dev/null 2>&1; then
	# Never wait for a password prompt without a terminal (CI, pipes).
	if [ -t 0 ]; then as_root=(sudo); else as_root=(sudo -n); fi
else
	echo "setup.sh: missing packages and not root (no sudo). Install them with:" >&2
	echo "  apt-get install --no-install-recommends ${missing[*]}" >&2
	exit 2
fi

echo "setup.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y -qq --no-install-recommends "${missing[@]}"

# Confirm: a package that apt could not configure must not pass silently.
still=()
for p in "${missing[@]}"; do
	installed "$p" || still+=("$p")
done
if [ "${#still[@]}" -ne 0 ]; then
	echo "setup.sh: still missing after apt-get: ${still[*]}" >&2
	exit 2
fi
