#!/bin/bash
# make_seeds.sh - encode the .mlog corpus into fuzz inputs for the model
# fuzzers (fuzz/decoder.h layout), with "msilab encode".
#
#   tools/fuzz/make_seeds.sh [MSILAB]      (default build/release/msilab)
#
# Inputs: corpus/known-bugs, corpus/scenarios (files whose content is outside
# the fuzz vocabulary are skipped, with the reason) and corpus/real, encoded
# with "msilab encode --lossy": a recording holds more than the vocabulary
# (irqs in use at boot, more than six devices...): what is dropped is
# printed.  x86_64 scenarios (header byte 10, fuzz/decoder.h) are checked
# against fuzz_model and the x86 targets; --lossy keeps arm64 recordings only.
# Outputs, replacing what was there:
#   fuzz/seeds/model/       seeds clean for every target (fuzz_model decodes
#                           them with their own profile, fuzz_model_615 with
#                           6.15, fuzz_model_616 with 6.16)
#   fuzz/seeds/model-bugs/  seeds on which a target finds a catalogued bug:
#                           seeds of fuzz_model_616 (which does not stop on
#                           those), and the regression tests "fuzz_model finds"
#   fuzz/seeds/model-x86/   x86_64 seeds clean for fuzz_model_x86 and
#                           fuzz_model_x86_b12 (B12 stays off unless toggled)
# A seed on which fuzz_model_616 sees an untagged violation is a new finding:
# the script says so and exits 1.
set -u

src=$(cd "$(dirname "$0")/../.." && pwd)
msilab=${1:-$src/build/release/msilab}
clean=$src/fuzz/seeds/model
bugs=$src/fuzz/seeds/model-bugs
x86=$src/fuzz/seeds/model-x86
work=$(mktemp -d /tmp/fz-seeds.XXXXXX)
trap 'rm -rf "$work"' EXIT
status=0

[ -x "$msilab" ] || { echo "make_seeds: no msilab at $msilab (build first)" >&2; exit 2; }
rm -rf "$clean" "$bugs" "$x86"
mkdir -p "$clean" "$bugs" "$x86"

# replay_as TARGET SEED: 0 clean, 1 known bug(s) only, 2 untagged violation
replay_as() {
	"$msilab" decode -t "$1" -o "$work/dec.mlog" "$2" || return 3
	"$msilab" replay "$work/dec.mlog" >"$work/replay.out" 2>&1
	case $? in
	0) return 0 ;;
	1) if grep -v 'known bug' "$work/replay.out" | grep -q ' violated '; then return 2; fi
	   return 1 ;;
	*) return 3 ;;
	esac
}

n_clean=0 n_bugs=0 n_skip=0
real=$(find "$src/corpus/real" -name '*.mlog' 2>/dev/null | sort)
for f in "$src"/corpus/known-bugs/*.mlog "$src"/corpus/scenarios/*.mlog $real; do
	[ -f "$f" ] || continue
	name=$(basename "$f" .mlog)
	case $f in
	"$src"/corpus/real/*/*) name=real-$(basename "$(dirname "$f")")-$name ;;
	esac
	lossy=
	case $f in "$src"/corpus/real/*) lossy=--lossy ;; esac
	if ! "$msilab" encode $lossy -o "$work/seed" "$f" 2>"$work/err"; then
		echo "skip  $name: $(grep ': error: ' "$work/err" | sed 's/^[^ ]*: error: //')"
		n_skip=$((n_skip + 1))
		continue
	fi
	sed 's/^[^ ]*: note: /      lossy: /' "$work/err"
	dest=$clean targets="fuzz_model fuzz_model_615 fuzz_model_616"
	if grep -q '^kernel .*arch=x86_64' "$f"; then
		dest=$x86 targets="fuzz_model fuzz_model_x86 fuzz_model_x86_b12"
	fi
	clean_dest=$dest
	for t in $targets; do
		replay_as $t "$work/seed"
		case $? in
		0) ;;
		1) dest=$bugs ;;
		2) echo "NEW   $name: $t sees a violation with no catalogued bug:" >&2
		   grep ' violated ' "$work/replay.out" | grep -v 'known bug' | head -3 >&2
		   dest=$bugs status=1 ;;
		*) echo "ERROR $name: $t: decode or replay failed" >&2; status=1 ;;
		esac
	done
	cp "$work/seed" "$dest/$name"
	if [ "$dest" = "$clean_dest" ]; then n_clean=$((n_clean + 1)); echo "clean $name";
	else n_bugs=$((n_bugs + 1)); echo "bugs  $name"; fi
done
echo "make_seeds: $n_clean clean seeds in fuzz/seeds/model and model-x86, $n_bugs in fuzz/seeds/model-bugs, $n_skip skipped"
exit $status
