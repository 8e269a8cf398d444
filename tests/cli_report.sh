#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# cli_report.sh - msilab report from the command line.
#   bash tests/cli_report.sh MSILAB_BINARY SOURCE_DIR BINARY_DIR
#
# The expected values come from "msilab replay" (the verdict line, the first
# violation's line, step and invariant, the -v timeline's ITS devices), not
# from the report code:
# - B1, B3 and B6 of corpus/known-bugs (B3 also under 6.16 and with its PoC
#   switch), in every format: exit 1 (0 when clean), the same bytes when run
#   again and with -o;
# - text: trace, profile, catalogue entry, violating step (line, stimulus,
#   invariant, detail);
# - JSON: parses, the documented key order (replay/REPORT.md), the verdict,
#   the violation, one entry per step with the ITS state;
# - HTML: well-formed (XML parser and html.parser), self-contained (no
#   script, no external reference), the SVG has one column per step and one
#   lane per ITS device, the violating step marked;
# - KUnit: gcc -fsyntax-only against tests/data/kunit-stub for every file of
#   corpus/known-bugs and corpus/scenarios, one commented step per stimulus;
# - escaping: a marker with markup, quotes and "*/", a file name with <&>'
#   and an invalid UTF-8 byte: the HTML stays well-formed, the JSON parses
#   and gives the text back, the KUnit skeleton still compiles;
# - bad input: every tests/mlog_malformed file exits 2 with the message
#   "msilab check" gives; a missing file, a stimulus the profile cannot run,
#   an unknown format, switch or kernel: exit 2 and FILE[:LINE]: error:; -o
#   leaves no partial file and keeps an existing one; -o to a FIFO writes to
#   it without replacing it (so -o /dev/null is safe), -o - is stdout.
# Last line: "cli_report: N passed, M failed"; exit 1 on any failure.
set -euo pipefail

if [ $# -ne 3 ]; then
	echo "usage: bash cli_report.sh MSILAB_BINARY SOURCE_DIR BINARY_DIR" >&2
	exit 2
fi
msilab=$1
src=$2
bin=$3
pass=0
fail=0

command -v python3 >/dev/null || { echo "cli_report: python3 not found (run tools/setup.sh)" >&2; exit 1; }
command -v gcc >/dev/null || { echo "cli_report: gcc not found (run tools/setup.sh)" >&2; exit 1; }
[ -x "$msilab" ] || { echo "cli_report: $msilab is not executable" >&2; exit 1; }

mkdir -p "$bin"
work=$(mktemp -d "$bin/cli_report.XXXXXX")
cleanup() {
	if [ "$fail" -eq 0 ]; then rm -rf "$work"; else echo "cli_report: outputs kept in $work" >&2; fi
}
trap cleanup EXIT

ok() { pass=$((pass + 1)); }
ko() {
	fail=$((fail + 1))
	echo "FAIL: $*" >&2
}
show() {
	sed 's/^/    stdout: /' "$work/out" | head -n 20 >&2
	sed 's/^/    stderr: /' "$work/err" | head -n 20 >&2
}
run() {
	rc=0
	"$@" >"$work/out" 2>"$work/err" || rc=$?
}
expect_rc() {
	local want=$1
	shift
	run "$@"
	if [ "$rc" -eq "$want" ]; then
		ok
		return 0
	fi
	ko "$* exited $rc, expected $want"
	show
	return 1
}
check() {
	local what=$1
	shift
	if "$@"; then ok; else ko "$what"; show; fi
}

kb=$src/corpus/known-bugs
stub=$src/tests/data/kunit-stub

# checkers, in python3 (no packages beyond the standard library)
cat >"$work/check_json.py" <<'EOF'
import json, sys
path, steps, line, step, inv, bug, ndev = sys.argv[1:8]
with open(path, encoding="utf-8") as f:
    text = f.read()
pairs = []
r = json.loads(text, object_pairs_hook=lambda kv: (pairs.append([k for k, _ in kv]), dict(kv))[1])
top = ["msilab", "report_format", "version", "trace", "profile", "signature", "catalogue",
       "verdict", "violation", "findings", "steps_listed", "timeline", "its", "steps"]
assert list(r) == top, list(r)
assert list(r["trace"]) == ["file", "release", "arch", "source"]
assert list(r["profile"]) == ["name", "described", "from", "switches_on", "set"]
assert list(r["catalogue"]) == ["match", "id", "title", "invariants", "versions", "absent",
                                "upstream", "reproducer"]
assert list(r["verdict"]) == ["result", "steps", "violations", "divergences", "warnings"]
assert r["msilab"] == "report" and r["report_format"] == 1
assert r["verdict"]["steps"] == int(steps), r["verdict"]
assert len(r["steps"]) == int(steps)
assert [s["step"] for s in r["steps"]] == list(range(1, int(steps) + 1))
lines = [s["line"] for s in r["steps"]]
assert lines == sorted(set(lines)), lines
for s in r["steps"]:
    assert list(s) == ["step", "line", "markers", "stimulus", "ret", "model", "violations", "state"]
    assert s["state"] is not None and s["state"][0]["its"] == "its0"
    for d in s["state"][0]["devices"]:
        assert list(d) == ["devid", "creator", "nvecs", "nr_ites", "lpi_base", "nr_lpis", "shared",
                           "eventids"]
        assert len(d["eventids"]) == d["nr_lpis"] and set(d["eventids"]) <= set(".MhPFO")
# ITS device lifetimes: a device not there at the step before
prev, lives = set(), 0
for s in r["steps"]:
    cur = {(d["devid"], d["lpi_base"], d["nr_lpis"]) for d in s["state"][0]["devices"]}
    lives += len(cur - prev)
    prev = cur
assert lives == int(ndev), (lives, ndev)
if inv == "clean":
    assert r["violation"] is None and r["verdict"]["result"] == "clean"
    assert r["catalogue"]["match"] == "none"
else:
    v = r["violation"]
    assert list(v) == ["step", "line", "stimulus", "invariant", "invariant_text", "bug", "detail"]
    assert (v["step"], v["line"], v["invariant"]) == (int(step), int(line), inv), v
    assert r["steps"][v["step"] - 1]["stimulus"] == v["stimulus"]
    assert any(x["invariant"] == inv for x in r["steps"][v["step"] - 1]["violations"])
    assert r["catalogue"]["id"] == bug and r["catalogue"]["match"] == "known", r["catalogue"]
    assert r["catalogue"]["upstream"] and r["catalogue"]["versions"]
EOF
cat >"$work/check_html.py" <<'EOF'
import re, sys, xml.etree.ElementTree as ET
from html.parser import HTMLParser
path, steps, ndev, focus = sys.argv[1:5]
text = open(path, encoding="utf-8").read()
# well-formed as XML (the page is polyglot XHTML) and balanced as HTML
root = ET.fromstring(text.split("\n", 1)[1])
VOID = {"meta", "br", "rect", "line", "path", "stop"}
class P(HTMLParser):
    stack = []
    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append(tag)
    def handle_endtag(self, tag):
        if tag in VOID:
            return
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-5:])
        self.stack.pop()
p = P(convert_charrefs=True)
p.feed(text)
assert not p.stack, p.stack
# self-contained
assert not re.search(r"<script|<link|<img|<iframe|\bsrc=|\bhref=|@import|url\((?!#)", text, re.I)
ns = {"h": "http://www.w3.org/1999/xhtml", "s": "http://www.w3.org/2000/svg"}
svg = root.find(".//s:svg[@id='timeline']", ns)
assert svg is not None
assert svg.get("data-steps") == steps and svg.get("data-devices") == ndev, svg.attrib
assert svg.get("data-focus") == focus
cols = svg.findall("s:g[@class='step-col']", ns)
assert [c.get("data-step") for c in cols] == [str(i) for i in range(1, int(steps) + 1)]
assert len(svg.findall("s:g[@class='lane']", ns)) == int(ndev)
assert len(svg.findall("s:g[@class='lpi-lane']", ns)) == 1
marked = [c.get("data-step") for c in cols if c.find("s:rect[@class='focus']", ns) is not None]
assert marked == ([] if focus == "0" else [focus]), marked
EOF

# the values msilab replay gives for FILE [replay options...]:
# steps, first violation line/step/invariant/bug ("clean" when none), ITS devices
expected() {
	local file=$1
	shift
	"$msilab" replay "$@" "$file" >"$work/replay.out" 2>&1 || true
	steps=$(sed -n 's/.*: profile .*: \([0-9]*\) steps\?, .*/\1/p' "$work/replay.out")
	local first
	first=$(grep -m1 ' violated' "$work/replay.out" || true)
	if [ -n "$first" ]; then
		vline=$(sed 's/^[^:]*:\([0-9]*\): .*/\1/' <<<"$first")
		vstep=$(sed 's/^[^:]*:[0-9]*: step \([0-9]*\): .*/\1/' <<<"$first")
		vinv=$(sed 's/.*: \(INV-[A-Z0-9]*\) violated.*/\1/' <<<"$first")
		vbug=$(sed -n 's/.*\[known bug \([A-Z0-9]*\)\].*/\1/p' <<<"$first")
		focus=$vstep
	else
		vline=0 vstep=0 vinv=clean vbug= focus=0
	fi
	# ITS device lifetimes in the -v timeline: a device line not in the step before
	"$msilab" replay -v "$@" "$file" >"$work/replayv.out" 2>&1 || true
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
}

# ---- each format on B1, B3, B6 ----
cases=(
	"B1-prepare-per-allocation.mlog|"
	"B3-orphan-eventids.mlog|"
	"B3-orphan-eventids.mlog|--kernel 6.16"
	"B3-orphan-eventids.mlog|--kernel 6.16 --set ITS_EXACT_EVENTID_COUNT=on"
	"B6-eventid-width.mlog|"
)
n=0
for c in "${cases[@]}"; do
	name=${c%%|*}
	read -r -a opts <<<"${c#*|}"
	f=$kb/$name
	n=$((n + 1))
	expected "$f" "${opts[@]}"
	[ -n "$steps" ] || { ko "$name ${opts[*]}: no verdict from msilab replay"; continue; }
	want=1
	[ "$vinv" = clean ] && want=0
	for fmt in text json html kunit; do
		out=$work/$n.$fmt
		if expect_rc "$want" "$msilab" report "${opts[@]}" --format "$fmt" "$f"; then
			cp "$work/out" "$out"
			check "$name ${opts[*]} --format $fmt: output" test -s "$out"
			check "$name ${opts[*]} --format $fmt: nothing on stderr" test ! -s "$work/err"
			run "$msilab" report "${opts[@]}" --format "$fmt" "$f"
			check "$name ${opts[*]} --format $fmt: the same bytes again" cmp -s "$work/out" "$out"
			run "$msilab" report "${opts[@]}" --format "$fmt" -o "$work/o.$fmt" "$f"
			check "$name ${opts[*]} --format $fmt -o: the same bytes" cmp -s "$work/o.$fmt" "$out"
			check "$name ${opts[*]} --format $fmt: no time, no address" \
				bash -c "! grep -E -q '0x[0-9a-f]{8,}|(^|[^:0-9a-f])[0-9]{2}:[0-9]{2}:[0-9]{2}([^.0-9]|$)' '$out'"
		fi
	done
	# text
	t=$work/$n.text
	check "$name: text names the trace" grep -q "^  trace       $f (kernel release=" "$t"
	check "$name: text names the profile" grep -q "^  profile     $(sed -n 's/.*: profile \([^:]*\): .*/\1/p' "$work/replay.out") (" "$t"
	if [ "$vinv" != clean ]; then
		stim=$(sed -n "${vline}p" "$f")
		check "$name: text gives the violating step" grep -qF "  violation   step $vstep, line $vline: $stim" "$t"
		check "$name: text gives the invariant" grep -qF "              $vinv (" "$t"
		check "$name: text gives the catalogue entry" grep -q "^  catalogue   $vbug: " "$t"
		check "$name: text marks the step" grep -q "^>> step $vstep  line $vline  " "$t"
	else
		check "$name ${opts[*]}: text says clean" grep -q '^  verdict     clean: 0 violations' "$t"
	fi
	# JSON
	check "$name ${opts[*]}: JSON fields" python3 "$work/check_json.py" "$work/$n.json" "$steps" \
		"$vline" "$vstep" "$vinv" "$vbug" "$ndev"
	# HTML
	check "$name ${opts[*]}: HTML well-formed, self-contained, timeline of $steps steps and $ndev devices" \
		python3 "$work/check_html.py" "$work/$n.html" "$steps" "$ndev" "$focus"
	if command -v xmllint >/dev/null; then
		check "$name ${opts[*]}: xmllint" xmllint --noout "$work/$n.html"
	fi
	# KUnit
	check "$name ${opts[*]}: KUnit compiles against the stub" gcc -std=gnu11 -fsyntax-only -Wall \
		-Wextra -Wno-unused-parameter -Werror -I "$stub" -x c "$work/$n.kunit"
	check "$name ${opts[*]}: KUnit has one commented step per stimulus" \
		test "$(grep -c '^	 \* step [0-9]*, line [0-9]*: ' "$work/$n.kunit")" -eq "$steps"
	check "$name ${opts[*]}: KUnit case and suite" grep -q '^kunit_test_suite(msilab_[a-z0-9_]*_suite);$' \
		"$work/$n.kunit"
done

# the known bug's id names the KUnit suite; the stimuli become kernel calls
check "B3 KUnit suite name" grep -q '\.name = "msilab_b3_orphan_eventids",' "$work/2.kunit"
check "B3 KUnit calls pci_alloc_irq_vectors" grep -q 'ret = pci_alloc_irq_vectors(ep0_pdev, 3, 3, PCI_IRQ_MSI);' "$work/2.kunit"
check "B3 KUnit expects the model's return" grep -q 'KUNIT_EXPECT_EQ(test, ret, 3);' "$work/2.kunit"
check "B3 KUnit names the broken invariant" grep -q 'expect INV-I1 (no orphaned EventIDs' "$work/2.kunit"

# ---- every known bug and scenario: the KUnit skeleton compiles ----
for f in "$kb"/*.mlog "$src"/corpus/scenarios/*.mlog; do
	# issue 7: the KUnit skeleton has no x86 (DMAR/HPET) device lookup yet
	grep -q '^kernel .*arch=x86_64' "$f" && continue
	run "$msilab" report --format kunit -o "$work/k.c" "$f"
	if [ "$rc" -ge 2 ]; then
		ko "$f: report --format kunit exited $rc"
		show
		continue
	fi
	check "$(basename "$f"): KUnit compiles against the stub" gcc -std=gnu11 -fsyntax-only -Wall -Wextra \
		-Wno-unused-parameter -Werror -I "$stub" -x c "$work/k.c"
done

# ---- escaping ----
weird=$work/$'we<ird>&\'\xff'.mlog
{
	sed -n '1,/^device /p' "$kb/B3-orphan-eventids.mlog"
	echo 'marker text="</svg><script>alert(1)</script> & \"q\" '"'a'"' */ /* end"'
	sed -n '/^device /,$p' "$kb/B3-orphan-eventids.mlog" | tail -n +2
} >"$weird"
for fmt in text json html kunit; do
	expect_rc 1 "$msilab" report --format "$fmt" -o "$work/w.$fmt" "$weird" || true
done
check "escaping: HTML well-formed" python3 "$work/check_html.py" "$work/w.html" 8 1 3
check "escaping: no markup from the input" bash -c "! grep -q '<script' '$work/w.html'"
check "escaping: invalid UTF-8 of the file name replaced" grep -q '&amp;&#39;&#xfffd;.mlog' "$work/w.html"
check "escaping: JSON gives the marker back" python3 -c '
import json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
m = [x for s in r["steps"] for x in s["markers"]]
assert "</svg><script>alert(1)</script> & \"q\" '"'a'"' */ /* end" in m, m
assert r["trace"]["file"].endswith("we<ird>&'"'"'\ufffd.mlog"), r["trace"]["file"]' "$work/w.json"
check "escaping: KUnit still compiles" gcc -std=gnu11 -fsyntax-only -Wall -Wextra -Wno-unused-parameter \
	-Werror -I "$stub" -x c "$work/w.kunit"

# ---- bad input ----
for m in "$src"/tests/mlog_malformed/*.mlog; do
	e=${m%.mlog}.expect
	[ -f "$e" ] || continue
	run "$msilab" report --format html "$m"
	if [ "$rc" -eq 2 ] && [ "$(cat "$work/err")" = "$m:$(cat "$e")" ] && [ ! -s "$work/out" ]; then
		ok
	else
		ko "$(basename "$m"): exit $rc, expected 2 and \"$m:$(cat "$e")\""
		show
	fi
done
expect_rc 2 "$msilab" report "$work/missing.mlog" &&
	check "missing file: FILE: error:" grep -q "^$work/missing.mlog: error: " "$work/err"
# a device-domain verb on 6.1: the same message as replay, with its line
"$msilab" replay --kernel 6.1 "$kb/B1-platform-shared.mlog" >/dev/null 2>"$work/replay.err" || true
expect_rc 2 "$msilab" report --kernel 6.1 "$kb/B1-platform-shared.mlog" &&
	check "n/a profile: the replay's FILE:LINE:COL: error:" cmp -s "$work/err" "$work/replay.err" &&
	check "n/a profile: FILE:LINE:COL: error:" grep -q "^$kb/B1-platform-shared.mlog:[0-9]*:1: error: " "$work/err"
expect_rc 2 "$msilab" report --format pdf "$kb/B3-orphan-eventids.mlog" &&
	check "unknown format named" grep -q 'unknown format "pdf"' "$work/err"
expect_rc 2 "$msilab" report --set NO_SUCH=on "$kb/B3-orphan-eventids.mlog" &&
	check "unknown switch named" grep -q 'NO_SUCH' "$work/err"
expect_rc 2 "$msilab" report --set ITS_EXACT_EVENTID_COUNT=maybe "$kb/B3-orphan-eventids.mlog"
expect_rc 2 "$msilab" report --kernel 5.4 "$kb/B3-orphan-eventids.mlog" &&
	check "unknown kernel named" grep -q 'unknown kernel "5.4"' "$work/err"
expect_rc 2 "$msilab" report
expect_rc 2 "$msilab" report "$kb/B1-prepare-per-allocation.mlog" "$kb/B3-orphan-eventids.mlog"
expect_rc 0 "$msilab" report --help && check "--help shows usage" grep -q '^usage: msilab report' "$work/out"
check "msilab --help lists report" bash -c "'$msilab' --help | grep -q '^  report '"
# -o: no partial output on bad input; an existing file is kept
expect_rc 2 "$msilab" report -f html -o "$work/none.html" "$src/tests/mlog_malformed/02-unknown-verb.mlog"
check "-o: nothing written on bad input" test ! -e "$work/none.html"
check "-o: no temporary file left" bash -c "! ls '$work' | grep -q '\.tmp'"
echo keep >"$work/keep.html"
expect_rc 2 "$msilab" report -f html -o "$work/keep.html" "$src/tests/mlog_malformed/02-unknown-verb.mlog"
check "-o: an existing file is kept on bad input" grep -qx keep "$work/keep.html"
expect_rc 2 "$msilab" report -o "$work/no/such/dir/r.txt" "$kb/B3-orphan-eventids.mlog" &&
	check "-o: unwritable output named" grep -q "^$work/no/such/dir/r.txt: error: cannot write" "$work/err"

# -o to something that is not a regular file writes to it and leaves it be
mkfifo "$work/fifo"
timeout 20 cat "$work/fifo" >"$work/fromfifo" &
reader=$!
expect_rc 1 timeout 20 "$msilab" report -o "$work/fifo" "$kb/B3-orphan-eventids.mlog" || true
wait "$reader" || true
check "-o FIFO: still a FIFO" test -p "$work/fifo"
check "-o FIFO: the report went through it" grep -q '^msilab report$' "$work/fromfifo"
expect_rc 1 "$msilab" report -o - "$kb/B3-orphan-eventids.mlog" &&
	check "-o -: standard output" grep -q '^msilab report$' "$work/out"

echo "cli_report: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
