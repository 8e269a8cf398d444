#!/bin/bash -eu
# SPDX-License-Identifier: GPL-2.0
# build.sh - OSS-Fuzz / ClusterFuzzLite build of the msilab model fuzzers.
#
# The environment is OSS-Fuzz's: $SRC, $OUT, $CC, $CXX, $CFLAGS, $CXXFLAGS,
# $LIB_FUZZING_ENGINE.  It also runs by hand, e.g. from a checkout in
# /work/main:
#
#   SRC=/work/main/.. CC=clang CXX=clang++ \
#   CFLAGS="-fsanitize=address,fuzzer-no-link" LIB_FUZZING_ENGINE=-fsanitize=fuzzer \
#   OUT=/tmp/out bash fuzz/oss-fuzz/build.sh
#
# Outputs in $OUT, for TARGET in fuzz_model fuzz_model_615 fuzz_model_616:
#   TARGET                  fuzz/fuzz_model.c + fuzz/decoder.c + fuzz/mutator.c + fuzz/lifecycle.c
#                           + model/*.c (no libtraceevent: the replay
#                           library is not needed by the model targets)
#   TARGET_seed_corpus.zip  fuzz/seeds/model (+ fuzz/seeds/model-bugs for 616)
#   TARGET.dict             fuzz/msilab.dict
#   TARGET.options          max_len = 4160 (fuzz/decoder.h FZ_MAX_INPUT), the dict
#
# fuzz_model and fuzz_model_615 stop on every violation, catalogued known
# bugs included (msilab bugs): they are regression targets and report the
# catalogue as crashes.  fuzz_model_616 stops only on violations with no
# catalogued bug: the one to run continuously.  MSILAB_FUZZ_TARGETS (default
# all three) names the targets to build; .clusterfuzzlite/build.sh builds
# fuzz_model_616 only, so that CI reports new findings only.
#
# With libFuzzer ($FUZZING_ENGINE, or -fsanitize=fuzzer-no-link in $CFLAGS)
# the model is built without trace-cmp: the structure-aware mutator does not
# use the comparison tables, and the hooks cost 60% of an execution
# (tools/fuzz/README.md); the mutator is built without coverage.

# the checkout: next to this script (fuzz/oss-fuzz/), else $SRC/msilab
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [ -f "$here/model/model.h" ]; then
	proj=$here
else
	proj=$SRC/msilab
fi
: "${OUT:?OUT must be set}"
: "${LIB_FUZZING_ENGINE:?LIB_FUZZING_ENGINE must be set}"
CC=${CC:-clang}
CXX=${CXX:-clang++}
CFLAGS=${CFLAGS:-}
CXXFLAGS=${CXXFLAGS:-$CFLAGS}

mkdir -p "$OUT"
work=$(mktemp -d "${WORK:-/tmp}/msilab-ossfuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

targets=${MSILAB_FUZZ_TARGETS:-fuzz_model fuzz_model_615 fuzz_model_616}
cflags="$CFLAGS -std=gnu11 -g -I$proj/model -I$proj/fuzz"
# the mutator runs between executions: libFuzzer clears the counters before
# each one, so its edges are only counters to clear and scan
mutator_cflags=
case "${FUZZING_ENGINE:-}:$CFLAGS" in
libfuzzer:* | *fuzzer-no-link*)
	cflags="$cflags -fno-sanitize-coverage=trace-cmp"
	mutator_cflags=-fno-sanitize-coverage=inline-8bit-counters,indirect-calls,trace-cmp,pc-table
	;;
esac

# the model, the decoder and the mutator: compiled once
objs=()
for f in "$proj"/model/*.c "$proj/fuzz/decoder.c" "$proj/fuzz/mutator.c" "$proj/fuzz/lifecycle.c"; do
	o=$work/$(basename "$(dirname "$f")")_$(basename "${f%.c}").o
	case $f in
	*/mutator.c | */lifecycle.c) $CC $cflags $mutator_cflags -c "$f" -o "$o" ;;
	*) $CC $cflags -c "$f" -o "$o" ;;
	esac
	objs+=("$o")
done

# target NAME EXTRA-DEFINES...
target() {
	local name=$1
	shift
	$CC $cflags -DFZ_TARGET="\"$name\"" "$@" -c "$proj/fuzz/fuzz_model.c" -o "$work/$name.o"
	# link with the C++ driver: the fuzzing engine may be a C++ library
	$CXX $CXXFLAGS "$work/$name.o" "${objs[@]}" $LIB_FUZZING_ENGINE -o "$OUT/$name"
}

for name in $targets; do
	case $name in
	fuzz_model | fuzz_model_615) target $name ;;
	fuzz_model_616) target $name -DFZ_NEW_BUGS_ONLY=1 ;;
	*) echo "build.sh: unknown target $name in MSILAB_FUZZ_TARGETS" >&2; exit 2 ;;
	esac
done

# seed corpora, dictionaries, options
for name in $targets; do
	rm -f "$OUT/${name}_seed_corpus.zip"
	dirs=("$proj/fuzz/seeds/model")
	[ "$name" = fuzz_model_616 ] && dirs+=("$proj/fuzz/seeds/model-bugs")
	# -j: flat names, as ClusterFuzz unpacks them; -X: no extra attributes
	zip -q -j -X "$OUT/${name}_seed_corpus.zip" $(find "${dirs[@]}" -type f | sort)
	cp "$proj/fuzz/msilab.dict" "$OUT/$name.dict"
	sed "s/@NAME@/$name/" "$proj/fuzz/oss-fuzz/fuzz_model.options.in" >"$OUT/$name.options"
done
