/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bitmap.h - word-array bitmaps with the kernel's semantics
 * (lib/bitmap.c, include/linux/bitmap.h, include/linux/find.h).
 *
 * A bitmap of @bits bits is an array of BITS_TO_U64(@bits) uint64_t words;
 * bit n lives in word n / 64 at position n % 64.  Bits past @bits in the
 * last word are never read by the search functions and never written by
 * the region functions.  Nothing here allocates: the caller owns the words.
 *
 * Errors are negative Linux errno values (-ENOMEM = -12, -EBUSY = -16).
 */
#ifndef MSILAB_MODEL_BITMAP_H
#define MSILAB_MODEL_BITMAP_H

#include <stdbool.h>
#include <stdint.h>

#define BITMAP_WORD_BITS	64
#define BITS_TO_U64(nbits)	(((nbits) + BITMAP_WORD_BITS - 1) / BITMAP_WORD_BITS)

/* v6.12 include/asm-generic/bitops/generic-non-atomic.h: generic_test_bit() */
static inline bool test_bit(unsigned int nr, const uint64_t *map)
{
	return (map[nr / BITMAP_WORD_BITS] >> (nr % BITMAP_WORD_BITS)) & 1;
}

/* v6.12 include/asm-generic/bitops/generic-non-atomic.h: generic___set_bit() */
static inline void set_bit(unsigned int nr, uint64_t *map)
{
	map[nr / BITMAP_WORD_BITS] |= 1ULL << (nr % BITMAP_WORD_BITS);
}

/* v6.12 include/asm-generic/bitops/generic-non-atomic.h: generic___clear_bit() */
static inline void clear_bit(unsigned int nr, uint64_t *map)
{
	map[nr / BITMAP_WORD_BITS] &= ~(1ULL << (nr % BITMAP_WORD_BITS));
}

/* v6.12 include/linux/bitmap.h: bitmap_zero() - clear all @bits bits (whole words) */
void bitmap_zero(uint64_t *map, unsigned int bits);

/* v6.12 lib/bitmap.c: __bitmap_set() - set bits [start, start + nr) */
void bitmap_set(uint64_t *map, unsigned int start, unsigned int nr);

/* v6.12 lib/bitmap.c: __bitmap_clear() - clear bits [start, start + nr) */
void bitmap_clear(uint64_t *map, unsigned int start, unsigned int nr);

/* v6.12 lib/bitmap.c: __bitmap_empty() - true when none of bits [0, bits) is set */
bool bitmap_empty(const uint64_t *map, unsigned int bits);

/* v6.12 lib/bitmap.c: __bitmap_weight() - number of set bits in [0, bits) */
unsigned int bitmap_weight(const uint64_t *map, unsigned int bits);

/*
 * v6.12 include/linux/find.h: find_next_bit() - the first set bit at or
 * after @offset and below @size; @size when there is none.
 */
unsigned int find_next_bit(const uint64_t *map, unsigned int size,
			   unsigned int offset);

/* v6.12 include/linux/find.h: find_next_zero_bit() - same for a clear bit */
unsigned int find_next_zero_bit(const uint64_t *map, unsigned int size,
				unsigned int offset);

/* v6.12 include/linux/find.h: find_first_bit() */
static inline unsigned int find_first_bit(const uint64_t *map, unsigned int size)
{
	return find_next_bit(map, size, 0);
}

/*
 * v6.12 include/linux/bitmap.h: bitmap_find_next_zero_area() - the first
 * index >= @start, aligned to @align_mask + 1 (a power of two, mask = that
 * minus 1), such that bits [index, index + nr) are all clear and below
 * @size.  When there is none it returns, as the kernel does, the end of
 * the last candidate tried (index + nr), which is > @size.
 */
unsigned long bitmap_find_next_zero_area(const uint64_t *map, unsigned int size,
					 unsigned int start, unsigned int nr,
					 unsigned int align_mask);

/*
 * v6.12 lib/bitmap.c: bitmap_find_free_region() - find the first naturally
 * aligned region of 2^@order clear bits lying entirely below @bits (tried
 * at 0, 2^order, 2*2^order, ...), set it, return its position; -ENOMEM
 * (-12) when none fits.
 */
int bitmap_find_free_region(uint64_t *map, unsigned int bits, int order);

/*
 * v6.12 lib/bitmap.c: bitmap_allocate_region() - set bits [pos, pos +
 * 2^order) if all are clear (0); -EBUSY (-16) and no change otherwise.
 */
int bitmap_allocate_region(uint64_t *map, unsigned int pos, int order);

/* v6.12 lib/bitmap.c: bitmap_release_region() - clear bits [pos, pos + 2^order) */
void bitmap_release_region(uint64_t *map, unsigned int pos, int order);

#endif /* MSILAB_MODEL_BITMAP_H */
