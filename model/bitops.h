/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bitops.h - the kernel's integer bit helpers the model needs
 * (include/linux/bitops.h, include/linux/log2.h; same in v6.1 .. v6.18).
 *
 * Types are fixed-width so the model computes the same on every host
 * (the kernel's unsigned long is 64 bits on arm64 and x86_64).
 */
#ifndef MSILAB_MODEL_BITOPS_H
#define MSILAB_MODEL_BITOPS_H

#include <stdbool.h>
#include <stdint.h>

/* v6.12 include/asm-generic/bitops/fls.h: fls(): 1-based index of the top set bit, 0 for 0 */
static inline int fls(uint32_t x)
{
	return x ? 32 - __builtin_clz(x) : 0;
}

/* v6.12 include/asm-generic/bitops/fls64.h: fls64() */
static inline int fls64(uint64_t x)
{
	return x ? 64 - __builtin_clzll(x) : 0;
}

/*
 * v6.12 include/linux/bitops.h: get_count_order(): the order of the smallest
 * power of two >= @count (1→0, 2→1, 3→2, 4→2, 5..8→3); -1 for 0.
 */
static inline int get_count_order(unsigned int count)
{
	if (count == 0)
		return -1;
	return fls(count - 1);
}

/* v6.12 include/linux/log2.h: is_power_of_2() (false for 0) */
static inline bool is_power_of_2(uint64_t n)
{
	return n != 0 && (n & (n - 1)) == 0;
}

/*
 * v6.12 include/linux/log2.h: ilog2(): floor(log2(n)).  The kernel leaves
 * ilog2(0) undefined for run-time values; here it is -1.
 */
static inline int ilog2(uint64_t n)
{
	return fls64(n) - 1;
}

/*
 * v6.12 include/linux/log2.h: roundup_pow_of_two().  The kernel leaves 0
 * undefined; here 0 → 1.  Values above 2^63 do not fit: 0.
 */
static inline uint64_t roundup_pow_of_two(uint64_t n)
{
	if (n <= 1)
		return 1;
	if (n > (1ULL << 63))
		return 0;
	return 1ULL << fls64(n - 1);
}

#endif /* MSILAB_MODEL_BITOPS_H */
