// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_empty.c - a libFuzzer target that does nothing: the engine's own
 * cost per input, the baseline of tools/bench/bench_fuzz.sh.
 */
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	(void)data;
	(void)size;
	return 0;
}
