#!/bin/bash
# build_afl.sh - the AFL++ side of the model fuzzer.
#
#   tools/fuzz/build_afl.sh SRC_DIR OUT_DIR [AFL_CC] [CC]
#
# OUT_DIR/afl_fuzz_model, afl_fuzz_model_615, afl_fuzz_model_616: fuzz_model.c
# in AFL++ persistent mode (fuzz/afl_harness.c), compiled with afl-clang-fast
# (model, decoder and harness instrumented, no sanitizers: run a crash again
# under the libFuzzer/standalone builds for ASan);
# OUT_DIR/libmsilab_afl_mutator.so: the structure-aware mutator for
# AFL_CUSTOM_MUTATOR_LIBRARY, compiled with CC (default cc).
set -eu

src=$1
out=$2
afl_cc=${3:-afl-clang-fast}
cc=${4:-cc}
mkdir -p "$out"
model=$(ls "$src"/model/*.c)
flags="-std=gnu11 -O2 -g -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter -Werror -I$src/model -I$src/fuzz"
core="$src/fuzz/decoder.c $src/fuzz/mutator.c $src/fuzz/lifecycle.c"

build() {	# NAME DEFINES...
	local name=$1
	shift
	AFL_QUIET=1 "$afl_cc" $flags -DFZ_TARGET="\"$name\"" "$@" -o "$out/afl_$name" \
		"$src/fuzz/afl_harness.c" "$src/fuzz/fuzz_model.c" $core $model
}
build fuzz_model
build fuzz_model_615
build fuzz_model_616 -DFZ_NEW_BUGS_ONLY=1
"$cc" $flags -fPIC -shared -o "$out/libmsilab_afl_mutator.so" "$src/fuzz/afl_mutator.c" $core $model
