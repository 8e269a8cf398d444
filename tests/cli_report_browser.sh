#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# cli_report_browser.sh - the HTML report in a real browser (headless
# Chromium, installed by tools/setup.sh).
#   bash tests/cli_report_browser.sh MSILAB_BINARY SOURCE_DIR BINARY_DIR
#
# corpus/known-bugs/B3-orphan-eventids.mlog on 6.16 is rendered with
# "msilab report --format html", loaded from a file:// URL with the network
# off, and:
# - the DOM Chromium built (--dump-dom) has the report's title, the
#   violation box and the SVG timeline with one column per step and one lane
#   per ITS device (the counts msilab replay -v gives), the violating step
#   marked;
# - a screenshot (--screenshot) is a PNG of the window's size, not blank:
#   many colours, and the pixels of the drawing itself: the red band of the
#   violating step, the blue EventID cells of the device, the green free LPI
#   bar (decoded with python3's zlib, no package needed).
# Exit 77 (ctest: skipped) with "SKIP: ..." when chromium is not installed.
# Last line: "cli_report_browser: N passed, M failed"; exit 1 on any failure.
set -euo pipefail

if [ $# -ne 3 ]; then
	echo "usage: bash cli_report_browser.sh MSILAB_BINARY SOURCE_DIR BINARY_DIR" >&2
	exit 2
fi
msilab=$1
src=$2
bin=$3
pass=0
fail=0

browser=
for b in chromium chromium-browser; do
	if command -v "$b" >/dev/null; then
		browser=$b
		break
	fi
done
if [ -z "$browser" ]; then
	echo "SKIP: chromium is not installed (tools/setup.sh installs it): the HTML report was not checked in a browser"
	exit 77
fi
command -v python3 >/dev/null || { echo "cli_report_browser: python3 not found (run tools/setup.sh)" >&2; exit 1; }

mkdir -p "$bin"
work=$(mktemp -d "$bin/cli_report_browser.XXXXXX")
cleanup() {
	if [ "$fail" -eq 0 ]; then rm -rf "$work"; else echo "cli_report_browser: outputs kept in $work" >&2; fi
}
trap cleanup EXIT
ok() { pass=$((pass + 1)); }
ko() {
	fail=$((fail + 1))
	echo "FAIL: $*" >&2
}
check() {
	local what=$1
	shift
	if "$@"; then ok; else ko "$what"; fi
}

f=$src/corpus/known-bugs/B3-orphan-eventids.mlog
# what msilab replay says: steps, the first violating step, ITS device lifetimes
"$msilab" replay --kernel 6.16 "$f" >"$work/replay.out" 2>&1 || true
steps=$(sed -n 's/.*: profile .*: \([0-9]*\) steps\?, .*/\1/p' "$work/replay.out")
focus=$(grep -m1 ' violated' "$work/replay.out" | sed 's/^[^:]*:[0-9]*: step \([0-9]*\): .*/\1/')
"$msilab" replay -v --kernel 6.16 "$f" >"$work/replayv.out" 2>&1 || true
ndev=$(python3 -c '
import re, sys
prev, cur, n = set(), set(), 0
for l in open(sys.argv[1]):
    if l.startswith("step "):
        n += len(cur - prev)
        prev, cur = cur, set()
    m = re.search(r"DevID 0x[0-9a-f]+ nr_ites [0-9]+ LPIs [0-9]+\+[0-9]+", l)
    if m:
        cur.add(m.group(0))
print(n + len(cur - prev))' "$work/replayv.out")
check "msilab replay gives the expected verdict" test -n "$steps" -a -n "$focus" -a "$ndev" -ge 1

rc=0
"$msilab" report --kernel 6.16 --format html -o "$work/b3.html" "$f" || rc=$?
check "report --format html exits 1 (a violation)" test "$rc" -eq 1

# one browser profile per run: several ctest runs may overlap
chrome() {
	timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--no-first-run --disable-extensions --disable-background-networking \
		--user-data-dir="$work/profile" --proxy-server=127.0.0.1:9 "$@" 2>>"$work/chrome.err"
}

# 1. the page loads and Chromium's DOM has the timeline
if chrome --dump-dom "file://$work/b3.html" >"$work/dom.html"; then ok; else ko "chromium --dump-dom failed"; fi
check "the DOM has the page" grep -q '<h1>msilab report: B3-orphan-eventids.mlog: INV-I1 B3 on 6.16</h1>' "$work/dom.html"
check "the DOM has the violation box" grep -q '<div class="violation" id="violation">' "$work/dom.html"
check "the DOM has the SVG timeline of $steps steps and $ndev devices" \
	grep -q "<svg [^>]*id=\"timeline\"[^>]*data-steps=\"$steps\" data-devices=\"$ndev\"" "$work/dom.html"
check "one column per step" test "$(grep -o '<g class="step-col" data-step="[0-9]*"' "$work/dom.html" | wc -l)" -eq "$steps"
check "one lane per ITS device" test "$(grep -o '<g class="lane" ' "$work/dom.html" | wc -l)" -eq "$ndev"
check "the violating step ($focus) is marked" python3 -c '
import re, sys
marked = re.findall(r"<g class=\"step-col\" data-step=\"(\d+)\">\s*<rect [^>]*class=\"focus\"",
                    open(sys.argv[1]).read())
assert marked == [sys.argv[2]], marked' "$work/dom.html" "$focus"

# 2. a screenshot that shows the drawing
chrome --window-size=1280,900 --screenshot="$work/b3.png" "file://$work/b3.html" >/dev/null || true
check "a screenshot was written" test -s "$work/b3.png"
cat >"$work/pixels.py" <<'EOF'
import struct, sys, zlib
d = open(sys.argv[1], "rb").read()
assert d[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat = 8, b""
while pos < len(d):
    n, = struct.unpack(">I", d[pos:pos + 4])
    t, c = d[pos + 4:pos + 8], d[pos + 8:pos + 8 + n]
    pos += 12 + n
    if t == b"IHDR":
        w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", c)
    elif t == b"IDAT":
        idat += c
assert (w, h) == (1280, 900), (w, h)
assert depth == 8 and interlace == 0 and ctype in (2, 6), (depth, ctype, interlace)
bpp = 3 if ctype == 2 else 4
raw, stride = zlib.decompress(idat), w * bpp
prev, i, colours = bytearray(stride), 0, {}
for y in range(h):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
    i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]
        c = prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp):
        k = bytes(line[x:x + 3])
        colours[k] = colours.get(k, 0) + 1
    prev = line
def near(rgb, tol=6):
    return sum(n for k, n in colours.items() if all(abs(k[j] - rgb[j]) <= tol for j in range(3)))
white = near((255, 255, 255), 0)
assert white < w * h * 0.97, "the page is (almost) blank: %d white pixels" % white
assert len(colours) > 50, "only %d colours" % len(colours)
# the drawing: violation band #e53e3e, mapped EventIDs #2b6cb0, free LPIs #c6f6d5
for name, rgb, least in (("red band of the violating step", (0xe5, 0x3e, 0x3e), 1200),
                         ("blue EventID cells", (0x2b, 0x6c, 0xb0), 1000),
                         ("green free LPI bar", (0xc6, 0xf6, 0xd5), 2000)):
    assert near(rgb) >= least, "%s: %d pixels" % (name, near(rgb))
print("%dx%d, %d colours, %d%% white, red %d, blue %d, green %d pixels" % (w, h, len(colours), 100 * white // (w * h), near((0xe5, 0x3e, 0x3e)), near((0x2b, 0x6c, 0xb0)), near((0xc6, 0xf6, 0xd5))))
EOF
check "the screenshot is the page, not blank" python3 "$work/pixels.py" "$work/b3.png"

echo "cli_report_browser: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
