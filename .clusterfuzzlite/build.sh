#!/bin/bash -eu
# SPDX-License-Identifier: GPL-2.0
# ClusterFuzzLite build: the OSS-Fuzz build of the model fuzzers
# (fuzz/oss-fuzz/build.sh) with the environment ClusterFuzzLite sets
# ($SRC, $OUT, $CC, $CXX, $CFLAGS, $LIB_FUZZING_ENGINE), fuzz_model_616
# only: the target that stops on violations with no catalogued bug (the
# others report the known-bug catalogue as crashes by design).
export MSILAB_FUZZ_TARGETS=${MSILAB_FUZZ_TARGETS:-fuzz_model_616}
# in the builder image this script is $SRC/build.sh and the checkout
# $SRC/msilab; run by hand, it sits in the checkout's .clusterfuzzlite/
proj=$(cd "$(dirname "$0")/.." && pwd)
[ -f "$proj/fuzz/oss-fuzz/build.sh" ] || proj=$SRC/msilab
exec bash "$proj/fuzz/oss-fuzz/build.sh"
