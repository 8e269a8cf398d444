#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# cli_replay.sh - msilab replay / diff / bugs from the command line.
#   bash tests/cli_replay.sh MSILAB_BINARY SOURCE_DIR BINARY_DIR
#
# - "replay --expect" passes on every file of corpus/known-bugs and
#   corpus/scenarios, and fails (exit 1, MISMATCH) on a copy with a wrong
#   expectation;
# - every "# expect:" item (with the switches of its "# expect-set:" line) is
#   replayed on its own with --kernel V [--set ...]: exit 1 and the expected
#   invariant as the first violation where one is expected, 0 where clean,
#   2 with FILE:LINE:COL: error: where n/a; the same with --json (valid JSON,
#   checked with python3 -m json.tool, and the same verdict);
# - usage errors: unknown --set switch or value, unknown --kernel: exit 2 and
#   a message; malformed files: exit 2 and FILE:LINE:COL: error:;
# - -v prints a per-step timeline with ITS device and free LPI lines;
# - diff 6.15/6.16 names the first step that differs, and exits 0 where the
#   two profiles behave the same;
# - bugs and bugs --json list the catalogue, consistent with the corpus.
# Last line: "cli_replay: N passed, M failed"; exit 1 on any failure.
set -euo pipefail

if [ $# -ne 3 ]; then
	echo "usage: bash cli_replay.sh MSILAB_BINARY SOURCE_DIR BINARY_DIR" >&2
	exit 2
fi
msilab=$1
src=$2
bin=$3
pass=0
fail=0

command -v python3 >/dev/null || { echo "cli_replay: python3 not found (run tools/setup.sh)" >&2; exit 1; }
[ -x "$msilab" ] || { echo "cli_replay: $msilab is not executable" >&2; exit 1; }

# a private work directory: ctest of several presets, or a run by hand, may
# run this script at the same time; kept when a check fails
mkdir -p "$bin"
work=$(mktemp -d "$bin/cli_replay.XXXXXX")
cleanup() {
	if [ "$fail" -eq 0 ]; then rm -rf "$work"; else echo "cli_replay: outputs kept in $work" >&2; fi
}
trap cleanup EXIT

ok() { pass=$((pass + 1)); }
ko() {
	fail=$((fail + 1))
	echo "FAIL: $*" >&2
}
# show the captured output of the last command (after a failure)
show() {
	sed 's/^/    stdout: /' "$work/out" | head -n 20 >&2
	sed 's/^/    stderr: /' "$work/err" | head -n 20 >&2
}

# run CMD...: run CMD, stdout/stderr into $work/out, $work/err, exit code in $rc
run() {
	rc=0
	"$@" >"$work/out" 2>"$work/err" || rc=$?
}
# expect_rc WANT CMD...: run CMD and check its exit code
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
# check DESCRIPTION CMD...: one check that passes when CMD succeeds
check() {
	local what=$1
	shift
	if "$@"; then ok; else ko "$what"; show; fi
}

# json_verdict FILE: print "bad-input", "clean" or the first violation's
# invariant of the single result in FILE; fails on invalid JSON.
json_verdict() {
	python3 - "$1" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d.get("msilab") == "replay", "no \"msilab\":\"replay\""
(r,) = d["results"]
if r["verdict"] == "bad-input":
    assert isinstance(r["error"]["line"], int) and r["error"]["reason"], r
    print("bad-input")
elif r["verdict"] == "clean":
    assert r["violations"] == 0 and r["divergences"] == 0, r
    print("clean")
else:
    assert r["verdict"] == "found", r
    v = [f for f in r["findings"] if f["kind"] == "violation"]
    assert v and r["violations"] >= 1, r
    print(v[0]["invariant"])
EOF
}

corpus=()
for f in "$src"/corpus/known-bugs/*.mlog "$src"/corpus/scenarios/*.mlog; do
	[ -e "$f" ] && corpus+=("$f")
done
check "corpus/known-bugs and corpus/scenarios have .mlog files" [ "${#corpus[@]}" -gt 0 ]

# ---- --expect on every file, one at a time and all together ----
for f in "${corpus[@]}"; do
	if expect_rc 0 "$msilab" replay --expect "$f"; then
		check "--expect $f: \"as expected\"" grep -q ': as expected$' "$work/out"
	fi
done
expect_rc 0 "$msilab" replay --expect "${corpus[@]}" || true
check "--expect on all files: one line per file" \
	[ "$(grep -c ': as expected$' "$work/out")" -eq "${#corpus[@]}" ]

# --expect can fail: a wrong expectation is a mismatch (exit 1)
b3=$src/corpus/known-bugs/B3-orphan-eventids.mlog
sed 's/^# expect: 6.1=INV-I1 /# expect: 6.1=clean /' "$b3" >"$work/wrong-expect.mlog"
if ! cmp -s "$b3" "$work/wrong-expect.mlog"; then
	expect_rc 1 "$msilab" replay --expect "$work/wrong-expect.mlog" || true
	check "--expect mismatch names MISMATCH and the expectation" \
		grep -q 'MISMATCH' "$work/out"
else
	ko "could not make a wrong expectation from $b3 (its '# expect:' line changed?)"
fi
printf 'mlog 1\nkernel release=6.1.0 arch=arm64\n' >"$work/no-expect.mlog"
expect_rc 2 "$msilab" replay --expect "$work/no-expect.mlog" || true

# ---- every "# expect:" item on its own: --kernel V [--set ...], text and JSON ----
nitems=0
for f in "${corpus[@]}"; do
	sets=()
	while IFS= read -r line; do
		case "$line" in
		"# expect-set:"*)
			sets=()
			for s in ${line#\# expect-set:}; do sets+=(--set "$s"); done
			continue
			;;
		"# expect:"*) ;;
		*) continue ;;
		esac
		for item in ${line#\# expect:}; do
			k=${item%%=*}
			want=${item#*=}
			nitems=$((nitems + 1))
			what="replay --kernel $k ${sets[*]:+${sets[*]} }$f"
			case "$want" in
			clean)
				expect_rc 0 "$msilab" replay --kernel "$k" "${sets[@]}" "$f" || true
				check "$what: verdict line says clean" grep -q ": profile $k[^:]*: .*: clean$" "$work/out"
				;;
			n/a)
				expect_rc 2 "$msilab" replay --kernel "$k" "${sets[@]}" "$f" || true
				check "$what: n/a names FILE:LINE:COL: error:" \
					grep -Eq "^$f:[0-9]+:[0-9]+: error: ." "$work/err"
				;;
			INV-*)
				expect_rc 1 "$msilab" replay --kernel "$k" "${sets[@]}" "$f" || true
				check "$what: first violation $want on stdout" \
					grep -q ": profile $k[^:]*: .*(first $want[,)].*: FOUND$" "$work/out"
				check "$what: a violation line names $want" \
					grep -Eq "^$f:[0-9]+: step [0-9]+: $want violated" "$work/out"
				# a known-bug tag, when there is one, is a catalogue id
				tag=$(sed -nE "s/.*\(first $want, known bug ([A-Z][0-9]+)\).*/\1/p" "$work/out")
				if [ -n "$tag" ]; then
					check "$what: known bug $tag is in the catalogue" \
						"$msilab" bugs "$tag" >/dev/null
				fi
				;;
			*)
				ko "$f: unknown expectation \"$item\""
				continue
				;;
			esac
			run "$msilab" replay --json --kernel "$k" "${sets[@]}" "$f"
			cp "$work/out" "$work/last.json"
			if python3 -m json.tool "$work/last.json" >/dev/null 2>"$work/err"; then
				ok
				got=$(json_verdict "$work/last.json" 2>>"$work/err" || echo "error")
				[ "$want" = n/a ] && want=bad-input
				check "$what --json: verdict \"$got\", expected \"$want\" (exit $rc)" \
					[ "$got" = "$want" ]
				if [ "${want#INV-}" != "$want" ]; then
					check "$what --json: the text contains \"invariant\":\"$want\"" \
						grep -q "\"invariant\":\"$want\"" "$work/last.json"
				fi
			else
				ko "$what --json: not valid JSON"
				show
			fi
		done
	done <"$f"
done
check "the corpus has '# expect:' items ($nitems)" [ "$nitems" -gt 0 ]

# several files in one --json document
run "$msilab" replay --json --kernel 6.16 "${corpus[@]}"
cp "$work/out" "$work/all.json"
check "replay --json on ${#corpus[@]} files: valid JSON" python3 -m json.tool "$work/all.json" >/dev/null
check "replay --json on ${#corpus[@]} files: one result per file" \
	python3 -c 'import json,sys; assert len(json.load(open(sys.argv[1]))["results"]) == int(sys.argv[2])' \
	"$work/all.json" "${#corpus[@]}"

# ---- usage errors and bad input ----
expect_rc 2 "$msilab" replay --set NO_SUCH_SWITCH=on "$b3" || true
check "--set unknown switch: message names it" grep -q 'NO_SUCH_SWITCH' "$work/err"
expect_rc 2 "$msilab" replay --set ITS_EXACT_EVENTID_COUNT=maybe "$b3" || true
check "--set bad value: a message" [ -s "$work/err" ]
expect_rc 2 "$msilab" replay --set ITS_EXACT_EVENTID_COUNT "$b3" || true
check "--set without a value: a message" [ -s "$work/err" ]
expect_rc 0 "$msilab" replay --set ITS_EXACT_EVENTID_COUNT=on --kernel 6.1 "$b3" || true
expect_rc 2 "$msilab" replay --kernel 5.4 "$b3" || true
check "unknown --kernel: message names it" grep -q '5\.4' "$work/err"
expect_rc 2 "$msilab" replay --kernel "" "$b3" || true
expect_rc 2 "$msilab" replay --kernel not-a-kernel "$b3" || true
expect_rc 2 "$msilab" replay --no-such-option "$b3" || true
expect_rc 2 "$msilab" replay || true
expect_rc 0 "$msilab" replay --help || true
check "replay --help: usage" grep -q '^usage: msilab replay' "$work/out"
expect_rc 2 "$msilab" replay "$work/does-not-exist.mlog" || true
check "missing file: FILE: error: on stderr" grep -q "^$work/does-not-exist.mlog: error: " "$work/err"

nmal=0
for f in "$src"/tests/mlog_malformed/*.mlog; do
	[ -e "$f" ] || continue
	nmal=$((nmal + 1))
	expect_rc 2 "$msilab" replay "$f" || true
	check "replay $f: FILE:LINE:COL: error: on stderr" \
		grep -Eq "^$f:[0-9]+:[0-9]+: error: ." "$work/err"
	if [ -f "${f%.mlog}.expect" ]; then
		check "replay $f: the reader's exact message" \
			[ "$(cat "$work/err")" = "$f:$(cat "${f%.mlog}.expect")" ]
	fi
done
# a malformed file written here, in case tests/mlog_malformed moves
printf 'mlog 1\nkernel release=6.16.0 arch=arm64\ndevice name=d0 bus=pci bdf=0000:00:01.0 devid=0x8 msix=4\npci_enable_device dev=d0\npci_alloc_irq_vectors dev=d0 min=one max=2 flags=MSIX\n' \
	>"$work/malformed.mlog"
expect_rc 2 "$msilab" replay "$work/malformed.mlog" || true
check "malformed: $work/malformed.mlog:5:COL: error:" \
	grep -Eq "^$work/malformed.mlog:5:[0-9]+: error: ." "$work/err"
expect_rc 2 "$msilab" replay --json "$work/malformed.mlog" || true
check "malformed --json: valid JSON with verdict bad-input" \
	python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; assert r["verdict"]=="bad-input" and r["error"]["line"]==5' "$work/out"
# one bad file among good ones: the others are still replayed, exit 2
expect_rc 2 "$msilab" replay --kernel 6.16 "$work/malformed.mlog" "$b3" || true
check "bad file first, the next file still replayed" grep -q "^$b3: profile 6.16" "$work/out"

# ---- -v: the timeline ----
expect_rc 1 "$msilab" replay -v --kernel 6.1 "$b3" || true
check "-v: step lines" grep -Eq '^step 1 line [0-9]+: pci_enable_device dev=ep0 +=> 0$' "$work/out"
check "-v: ITS device lines (DevID 0x100)" grep -Eq '^ +its0: DevID 0x100 nr_ites [0-9]+ LPIs ' "$work/out"
check "-v: free LPI lines" grep -Eq '^ +its0: free LPIs [0-9]' "$work/out"
check "-v: the model's events (< ...)" grep -Eq '^ +< mapd devid=0x100 ' "$work/out"
check "-v: the verdict as the last line" grep -q ': FOUND$' <(tail -n 1 "$work/out")
nsteps=$(grep -c '^step ' "$work/out" || true)
check "-v: as many step lines as the verdict's steps ($nsteps)" \
	grep -q ": $nsteps steps, " "$work/out"
expect_rc 1 "$msilab" replay -q --kernel 6.1 "$b3" || true
check "-q: the verdict line only" [ "$(wc -l <"$work/out")" -eq 1 ]

# ---- diff ----
nvme=$src/corpus/scenarios/nvme-alloc1-free-alloc3.mlog
# first_diff_step A B FILE: the first step whose -v block differs (events,
# return value, violations, state), found independently of "msilab diff"
first_diff_step() {
	"$msilab" replay -v --kernel "$1" "$3" >"$work/v-a" 2>&1 || true
	"$msilab" replay -v --kernel "$2" "$3" >"$work/v-b" 2>&1 || true
	python3 - "$work/v-a" "$work/v-b" <<'EOF'
import re, sys
def blocks(p):
    b, cur = {}, None
    for line in open(p):
        m = re.match(r"step (\d+) line", line)
        if m:
            cur = int(m.group(1))
            b[cur] = []
        if cur is not None and not re.match(r"\S+: profile ", line):
            b[cur].append(line)
    return b
a, b = blocks(sys.argv[1]), blocks(sys.argv[2])
for s in sorted(set(a) | set(b)):
    if a.get(s) != b.get(s):
        print(s)
        break
EOF
}
if [ -f "$nvme" ]; then
	expect_rc 1 "$msilab" diff --kernel 6.15 --kernel 6.16 "$nvme" || true
	want=$(first_diff_step 6.15 6.16 "$nvme")
	check "diff 6.15/6.16 nvme: names step $want, the first that -v shows different" \
		grep -Eq "^$nvme:[0-9]+: step $want .*first differ" "$work/out"
	check "diff 6.15/6.16 nvme: shows the 6.15 side" grep -q '^  6.15: ' "$work/out"
	check "diff 6.15/6.16 nvme: shows the 6.16 side" grep -q '^  6.16: ' "$work/out"
	# 6.12 and 6.15 share the device-domain code: same behaviour
	expect_rc 0 "$msilab" diff --kernel 6.12 --kernel 6.15 "$nvme" || true
else
	ko "missing $nvme"
fi
# a file on which 6.15 and 6.16 behave the same: an INTx-only device
cat >"$work/same.mlog" <<'EOF'
mlog 1
kernel release=6.15.0 arch=arm64
source kind=scenario
its name=its0
device name=legacy0 bus=pci bdf=0000:00:07.0 devid=0x38 intx=1
pci_enable_device dev=legacy0
driver_unbind dev=legacy0
EOF
expect_rc 0 "$msilab" diff --kernel 6.15 --kernel 6.16 "$work/same.mlog" || true
expect_rc 0 "$msilab" diff --kernel 6.16 --kernel 6.16 "$nvme" || true
expect_rc 1 "$msilab" diff --kernel 6.16 --set-b ITS_EXACT_EVENTID_COUNT=on "$b3" || true
expect_rc 2 "$msilab" diff --kernel 6.15 "$nvme" || true
expect_rc 2 "$msilab" diff --kernel 6.15 --kernel 5.4 "$nvme" || true
expect_rc 2 "$msilab" diff --kernel 6.15 --kernel 6.16 "$work/malformed.mlog" || true
check "diff malformed: FILE:LINE:COL: error:" grep -Eq "^$work/malformed.mlog:5:[0-9]+: error: " "$work/err"

# ---- bugs ----
expect_rc 0 "$msilab" bugs || true
for id in B1 B2 B3 B4 B5 B6 B7 B8 B9 B10 B11 B12 B13 B14 Q1 Q2; do
	grep -q "^$id " "$work/out" || { ko "bugs: no line for $id"; continue; }
	ok
done
expect_rc 0 "$msilab" bugs --json || true
cp "$work/out" "$work/bugs.json"
check "bugs --json: valid JSON" python3 -m json.tool "$work/bugs.json" >/dev/null
# every id of the text list is in the JSON, every scenario it names exists,
# and every known-bugs file's id prefix is a catalogue id
check "bugs --json: consistent with the corpus and the text list" python3 - "$work/bugs.json" "$src/corpus" <<'EOF'
import json, os, re, sys
d = json.load(open(sys.argv[1]))
ids = [b["id"] for b in d["bugs"]]
want = ["B%d" % i for i in range(1, 15)] + ["Q1", "Q2"]
missing = [i for i in want if i not in ids]
assert not missing, "missing ids %s" % missing
for b in d["bugs"]:
    for k in ("id", "title", "invariants", "profiles"):
        assert k in b, "%s has no %s" % (b.get("id"), k)
    if b.get("scenario"):
        p = os.path.join(sys.argv[2], b["scenario"])
        assert os.path.isfile(p), "%s: scenario %s does not exist" % (b["id"], p)
for f in os.listdir(os.path.join(sys.argv[2], "known-bugs")):
    m = re.match(r"([BQ]\d+)-", f)
    assert m and m.group(1) in ids, "%s: not a catalogue id" % f
EOF
expect_rc 0 "$msilab" bugs B3 || true
check "bugs B3: the entry" grep -q 'orphan EventIDs' "$work/out"
expect_rc 2 "$msilab" bugs B99 || true
check "bugs B99: a message" [ -s "$work/err" ]

echo "cli_replay: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
