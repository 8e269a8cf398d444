// SPDX-License-Identifier: GPL-2.0
/*
 * bitmap.c - word-at-a-time bitmap operations with the kernel's semantics.
 */
#include "bitmap.h"

#include <errno.h>
#include <string.h>

#include "bitops.h"

/* The model reports Linux errno values; the host's must agree. */
_Static_assert(ENOMEM == 12 && EBUSY == 16, "host errno values differ from Linux");

#define WORD_OF(n)	((n) / BITMAP_WORD_BITS)
#define OFF_OF(n)	((n) % BITMAP_WORD_BITS)

/* mask of bits [start % 64, 64) of a word */
static inline uint64_t first_word_mask(unsigned int start)
{
	return ~0ULL << OFF_OF(start);
}

/* mask of the bits of the last word that lie below @nbits */
static inline uint64_t last_word_mask(unsigned int nbits)
{
	return ~0ULL >> ((0u - nbits) % BITMAP_WORD_BITS);
}

/* v6.12 include/linux/bitmap.h: bitmap_zero() */
void bitmap_zero(uint64_t *map, unsigned int bits)
{
	memset(map, 0, BITS_TO_U64((uint64_t)bits) * sizeof(*map));
}

/* v6.12 lib/bitmap.c: __bitmap_set() */
void bitmap_set(uint64_t *map, unsigned int start, unsigned int nr)
{
	uint64_t end = (uint64_t)start + nr;
	uint64_t w = WORD_OF(start);
	uint64_t last = WORD_OF(end);
	uint64_t mask;

	if (nr == 0)
		return;
	mask = first_word_mask(start);
	if (w == last) {
		map[w] |= mask & ~(~0ULL << OFF_OF(end));
		return;
	}
	map[w++] |= mask;
	while (w < last)
		map[w++] = ~0ULL;
	if (OFF_OF(end))
		map[w] |= ~(~0ULL << OFF_OF(end));
}

/* v6.12 lib/bitmap.c: __bitmap_clear() */
void bitmap_clear(uint64_t *map, unsigned int start, unsigned int nr)
{
	uint64_t end = (uint64_t)start + nr;
	uint64_t w = WORD_OF(start);
	uint64_t last = WORD_OF(end);
	uint64_t mask;

	if (nr == 0)
		return;
	mask = first_word_mask(start);
	if (w == last) {
		map[w] &= ~(mask & ~(~0ULL << OFF_OF(end)));
		return;
	}
	map[w++] &= ~mask;
	while (w < last)
		map[w++] = 0;
	if (OFF_OF(end))
		map[w] &= ~0ULL << OFF_OF(end);
}

/* v6.12 lib/bitmap.c: __bitmap_empty() */
bool bitmap_empty(const uint64_t *map, unsigned int bits)
{
	unsigned int w, full = WORD_OF(bits);

	for (w = 0; w < full; w++)
		if (map[w])
			return false;
	if (OFF_OF(bits) && (map[w] & last_word_mask(bits)))
		return false;
	return true;
}

/* v6.12 lib/bitmap.c: __bitmap_weight() */
unsigned int bitmap_weight(const uint64_t *map, unsigned int bits)
{
	unsigned int w, full = WORD_OF(bits), n = 0;

	for (w = 0; w < full; w++)
		n += (unsigned int)__builtin_popcountll(map[w]);
	if (OFF_OF(bits))
		n += (unsigned int)__builtin_popcountll(map[w] & last_word_mask(bits));
	return n;
}

/* shared body of find_next_bit() / find_next_zero_bit(): @invert flips the words */
static unsigned int find_next(const uint64_t *map, unsigned int size,
			      unsigned int offset, uint64_t invert)
{
	unsigned int w, nwords;
	uint64_t word;

	if (offset >= size)
		return size;
	w = WORD_OF(offset);
	nwords = (unsigned int)BITS_TO_U64((uint64_t)size);
	word = (map[w] ^ invert) & first_word_mask(offset);
	for (;;) {
		if (word) {
			uint64_t pos = (uint64_t)w * BITMAP_WORD_BITS +
				       (unsigned int)__builtin_ctzll(word);

			return pos < size ? (unsigned int)pos : size;
		}
		if (++w >= nwords)
			return size;
		word = map[w] ^ invert;
	}
}

/* v6.12 include/linux/find.h: find_next_bit() */
unsigned int find_next_bit(const uint64_t *map, unsigned int size,
			   unsigned int offset)
{
	return find_next(map, size, offset, 0);
}

/* v6.12 include/linux/find.h: find_next_zero_bit() */
unsigned int find_next_zero_bit(const uint64_t *map, unsigned int size,
				unsigned int offset)
{
	return find_next(map, size, offset, ~0ULL);
}

/* v6.12 lib/bitmap.c: bitmap_find_next_zero_area_off() with align_offset 0 */
unsigned long bitmap_find_next_zero_area(const uint64_t *map, unsigned int size,
					 unsigned int start, unsigned int nr,
					 unsigned int align_mask)
{
	unsigned long index, end, i;

	for (;;) {
		index = find_next_zero_bit(map, size, start);
		/* __ALIGN_MASK(): round up to the alignment */
		index = (index + align_mask) & ~(unsigned long)align_mask;
		end = index + nr;
		if (end > size)
			return end;
		i = find_next_bit(map, (unsigned int)end, (unsigned int)index);
		if (i < end) {
			start = (unsigned int)i + 1;
			continue;
		}
		return index;
	}
}

/*
 * Per order < 6, the bits at naturally aligned region starts within a word
 * (order 0: every bit; order 1: every other bit; ...).
 */
static const uint64_t aligned_starts[6] = {
	0xffffffffffffffffULL, 0x5555555555555555ULL, 0x1111111111111111ULL,
	0x0101010101010101ULL, 0x0001000100010001ULL, 0x0000000100000001ULL,
};

/*
 * Sub-word regions: in one pass over a word, fold the clear bits so that bit
 * p survives only when bits p .. p + 2^order - 1 are all clear; keep aligned
 * starts; keep starts whose region ends at or below @bits.
 */
static int find_free_region_small(uint64_t *map, unsigned int bits, int order)
{
	unsigned int len = 1u << order, w, nwords = (unsigned int)BITS_TO_U64((uint64_t)bits);

	for (w = 0; w < nwords; w++) {
		uint64_t z = ~map[w];
		unsigned int s, limit, p;

		for (s = 1; s < len; s <<= 1)
			z &= z >> s;
		z &= aligned_starts[order];
		limit = bits - w * BITMAP_WORD_BITS;	/* valid bits in this word */
		if (limit < BITMAP_WORD_BITS) {
			if (limit < len)
				break;
			z &= (1ULL << (limit - len + 1)) - 1;
		}
		if (!z)
			continue;
		p = (unsigned int)__builtin_ctzll(z);
		map[w] |= (~0ULL >> (BITMAP_WORD_BITS - len)) << p;
		return (int)(w * BITMAP_WORD_BITS + p);
	}
	return -ENOMEM;
}

/* Whole-word regions: 2^(order-6) aligned words, all zero. */
static int find_free_region_words(uint64_t *map, unsigned int bits, int order)
{
	uint64_t wl = 1ULL << (order - 6), w, i;
	uint64_t nfull = bits / BITMAP_WORD_BITS;

	for (w = 0; w + wl <= nfull; w += wl) {
		for (i = 0; i < wl; i++)
			if (map[w + i])
				break;
		if (i < wl)
			continue;
		for (i = 0; i < wl; i++)
			map[w + i] = ~0ULL;
		return (int)(w * BITMAP_WORD_BITS);
	}
	return -ENOMEM;
}

/* v6.12 lib/bitmap.c: bitmap_find_free_region() */
int bitmap_find_free_region(uint64_t *map, unsigned int bits, int order)
{
	/* BIT(order) must fit the unsigned int the kernel computes it in */
	if (order < 0 || order >= 32 || (1u << order) > bits)
		return -ENOMEM;
	if (order < 6)
		return find_free_region_small(map, bits, order);
	return find_free_region_words(map, bits, order);
}

/* v6.12 lib/bitmap.c: bitmap_allocate_region() */
int bitmap_allocate_region(uint64_t *map, unsigned int pos, int order)
{
	unsigned int len = 1u << order;

	if (find_next_bit(map, pos + len, pos) < pos + len)
		return -EBUSY;
	bitmap_set(map, pos, len);
	return 0;
}

/* v6.12 lib/bitmap.c: bitmap_release_region() */
void bitmap_release_region(uint64_t *map, unsigned int pos, int order)
{
	bitmap_clear(map, pos, 1u << order);
}
