// SPDX-License-Identifier: GPL-2.0
/*
 * afl_harness.c - fuzz_model.c for AFL++: persistent mode with the test
 * case in shared memory.  Built with afl-clang-fast by
 * tools/fuzz/build_afl.sh (CMake target afl_targets when afl-clang-fast
 * exists), together with fuzz_model.c, the decoder and the model:
 *
 *   AFL_CUSTOM_MUTATOR_LIBRARY=build/.../libmsilab_afl_mutator.so \
 *   MSILAB_FUZZ_TARGET=fuzz_model_615 \
 *     afl-fuzz -i fuzz/seeds/model -o OUT -- build/.../afl_fuzz_model_615
 *
 * Without afl-clang-fast it still builds and runs one input from stdin.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "decoder.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifdef __AFL_FUZZ_TESTCASE_LEN
__AFL_FUZZ_INIT();
#endif

int main(int argc, char **argv)
{
#ifdef __AFL_FUZZ_TESTCASE_LEN
	unsigned char *buf;

	LLVMFuzzerInitialize(&argc, &argv);
#ifdef __AFL_HAVE_MANUAL_CONTROL
	__AFL_INIT();
#endif
	buf = __AFL_FUZZ_TESTCASE_BUF;	/* after __AFL_INIT() */
	while (__AFL_LOOP(100000))
		LLVMFuzzerTestOneInput(buf, (size_t)__AFL_FUZZ_TESTCASE_LEN);
	return 0;
#else
	static uint8_t buf[FZ_MAX_INPUT];
	size_t len;

	LLVMFuzzerInitialize(&argc, &argv);
	len = fread(buf, 1, sizeof(buf), stdin);
	LLVMFuzzerTestOneInput(buf, len);
	return 0;
#endif
}
