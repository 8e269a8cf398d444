// SPDX-License-Identifier: GPL-2.0
/*
 * test_bitmap.c - model/bitmap.c and model/bitops.h against the kernel's
 * semantics, with a bit-at-a-time reference for the word-at-a-time code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bitmap.h"
#include "bitops.h"

#define MAXBITS 1100
#define GUARD	0xa5a5a5a5a5a5a5a5ULL

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* ---- reference: one bit at a time ---- */

static int ref_find_free_region(uint64_t *map, unsigned int bits, int order)
{
	unsigned int len = 1u << order, pos, i;

	for (pos = 0; pos + len <= bits; pos += len) {
		for (i = 0; i < len; i++)
			if (test_bit(pos + i, map))
				break;
		if (i < len)
			continue;
		for (i = 0; i < len; i++)
			set_bit(pos + i, map);
		return (int)pos;
	}
	return -12;
}

static unsigned long ref_zero_area(const uint64_t *map, unsigned int size,
				   unsigned int start, unsigned int nr,
				   unsigned int align_mask)
{
	unsigned long idx, i;

	for (idx = start; ; idx++) {
		if (idx & align_mask)
			continue;
		if (idx + nr > size)
			break;
		for (i = 0; i < nr; i++)
			if (test_bit((unsigned int)(idx + i), map))
				break;
		if (i == nr)
			return idx;
	}
	return idx + nr;	/* only "> size - nr" matters */
}

static void random_fill(uint64_t *map, unsigned int words, unsigned int density)
{
	unsigned int w;

	for (w = 0; w < words; w++) {
		uint64_t v = 0;
		unsigned int k;

		/* density in 1/8: AND-ing random words thins the set bits */
		v = rnd();
		for (k = 0; k < density; k++)
			v &= rnd();
		map[w] = v;
	}
}

/* ---- bitops.h ---- */

static void test_get_count_order(void **state)
{
	static const struct { unsigned int n; int order; } t[] = {
		{ 0, -1 }, { 1, 0 }, { 2, 1 }, { 3, 2 }, { 4, 2 }, { 5, 3 },
		{ 6, 3 }, { 7, 3 }, { 8, 3 }, { 9, 4 }, { 32, 5 }, { 33, 6 },
		{ 0x80000000u, 31 }, { 0x80000001u, 32 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(get_count_order(t[i].n), t[i].order);
}

static void test_pow2_helpers(void **state)
{
	(void)state;
	assert_false(is_power_of_2(0));
	assert_true(is_power_of_2(1));
	assert_true(is_power_of_2(2));
	assert_false(is_power_of_2(3));
	assert_true(is_power_of_2(1ULL << 63));
	assert_false(is_power_of_2((1ULL << 63) + 1));

	assert_int_equal(roundup_pow_of_two(0), 1);
	assert_int_equal(roundup_pow_of_two(1), 1);
	assert_int_equal(roundup_pow_of_two(2), 2);
	assert_int_equal(roundup_pow_of_two(3), 4);
	assert_int_equal(roundup_pow_of_two(5), 8);
	assert_int_equal(roundup_pow_of_two(6), 8);	/* §3.10: table 6 → 8 */
	assert_int_equal(roundup_pow_of_two(65), 128);	/* §11.11: nvme hwsize 65 */
	assert_true(roundup_pow_of_two(1ULL << 63) == 1ULL << 63);
	assert_int_equal(roundup_pow_of_two((1ULL << 63) + 1), 0);

	assert_int_equal(ilog2(0), -1);
	assert_int_equal(ilog2(1), 0);
	assert_int_equal(ilog2(2), 1);
	assert_int_equal(ilog2(3), 1);
	assert_int_equal(ilog2(16), 4);		/* MAPD Size = ilog2(16) - 1 = 3 */
	assert_int_equal(ilog2(UINT64_MAX), 63);
	assert_int_equal(fls(0), 0);
	assert_int_equal(fls(1), 1);
	assert_int_equal(fls(0x80000000u), 32);
	assert_int_equal(fls64(1ULL << 40), 41);
}

/* ---- bitmap.c ---- */

static void test_set_clear_weight_empty(void **state)
{
	uint64_t map[4], ref[4];
	unsigned int iter;

	(void)state;
	for (iter = 0; iter < 20000; iter++) {
		unsigned int start = (unsigned int)(rnd() % 256);
		unsigned int nr = (unsigned int)(rnd() % (257 - start));
		unsigned int bits = (unsigned int)(rnd() % 257), i, w = 0;
		bool set = rnd() & 1;

		random_fill(map, 4, (unsigned int)(rnd() % 3));
		memcpy(ref, map, sizeof(map));
		if (set)
			bitmap_set(map, start, nr);
		else
			bitmap_clear(map, start, nr);
		for (i = start; i < start + nr; i++) {
			if (set)
				set_bit(i, ref);
			else
				clear_bit(i, ref);
		}
		assert_memory_equal(map, ref, sizeof(map));
		for (i = 0; i < bits; i++)
			w += test_bit(i, ref);
		assert_int_equal(bitmap_weight(map, bits), w);
		assert_int_equal(bitmap_empty(map, bits), w == 0);
	}
}

static void test_empty_ignores_tail(void **state)
{
	uint64_t map[2] = { 0, ~0ULL << 6 };

	(void)state;
	assert_true(bitmap_empty(map, 70));	/* bits 64..69 clear */
	assert_false(bitmap_empty(map, 71));
	assert_int_equal(bitmap_weight(map, 71), 1);
	assert_true(bitmap_empty(map, 0));
	bitmap_zero(map, 128);
	assert_true(bitmap_empty(map, 128));
}

static void test_find_next_bit(void **state)
{
	uint64_t map[3] = { 0 };
	unsigned int iter;

	(void)state;
	set_bit(5, map);
	set_bit(64, map);
	set_bit(130, map);
	assert_int_equal(find_first_bit(map, 192), 5);
	assert_int_equal(find_next_bit(map, 192, 6), 64);
	assert_int_equal(find_next_bit(map, 192, 65), 130);
	assert_int_equal(find_next_bit(map, 130, 65), 130);	/* none below size */
	assert_int_equal(find_next_bit(map, 192, 131), 192);
	assert_int_equal(find_next_bit(map, 100, 200), 100);
	assert_int_equal(find_next_zero_bit(map, 192, 5), 6);
	assert_int_equal(find_next_zero_bit(map, 192, 64), 65);

	for (iter = 0; iter < 20000; iter++) {
		unsigned int size = (unsigned int)(rnd() % 193);
		unsigned int off = (unsigned int)(rnd() % 200), i;

		random_fill(map, 3, (unsigned int)(rnd() % 6));
		for (i = off; i < size && !test_bit(i, map); i++)
			;
		assert_int_equal(find_next_bit(map, size, off), off < size ? i : size);
		for (i = off; i < size && test_bit(i, map); i++)
			;
		assert_int_equal(find_next_zero_bit(map, size, off), off < size ? i : size);
	}
}

/* §3.10: Multi-MSI 3 on nr_lpis 4 leaves bit 3 set forever */
static void test_multi_msi_orphan(void **state)
{
	uint64_t map[1] = { 0 };
	int order = get_count_order(3), pos;

	(void)state;
	assert_int_equal(order, 2);
	pos = bitmap_find_free_region(map, 4, order);
	assert_int_equal(pos, 0);
	assert_int_equal(map[0], 0xf);
	/* its_irq_domain_free(): one order-0 release per irq */
	bitmap_release_region(map, 0, 0);
	bitmap_release_region(map, 1, 0);
	bitmap_release_region(map, 2, 0);
	assert_false(bitmap_empty(map, 4));
	assert_int_equal(bitmap_weight(map, 4), 1);
	assert_true(test_bit(3, map));
	assert_int_equal(map[0], 0x8);
	/* the 4-region cannot be had again; single bits can */
	assert_int_equal(bitmap_find_free_region(map, 4, 2), -12);
	assert_int_equal(bitmap_find_free_region(map, 4, 1), 0);
	assert_int_equal(bitmap_find_free_region(map, 4, 0), 2);
	assert_int_equal(bitmap_find_free_region(map, 4, 0), -12);
}

static void test_find_free_region_fit_and_align(void **state)
{
	uint64_t map[4] = { 0 };

	(void)state;
	/* regions must lie entirely below bits: 6 bits hold one 4-region */
	assert_int_equal(bitmap_find_free_region(map, 6, 2), 0);
	assert_int_equal(bitmap_find_free_region(map, 6, 2), -12);
	assert_int_equal(bitmap_find_free_region(map, 6, 1), 4);
	assert_int_equal(bitmap_find_free_region(map, 6, 0), -12);
	assert_int_equal(map[0], 0x3f);

	/* natural alignment: bit 1 busy → the 2-region goes to 2, not 1 */
	memset(map, 0, sizeof(map));
	set_bit(0, map);
	assert_int_equal(bitmap_find_free_region(map, 64, 1), 2);
	/* bit 5 busy → order 2 skips 4..7 */
	memset(map, 0, sizeof(map));
	set_bit(5, map);
	assert_int_equal(bitmap_find_free_region(map, 64, 2), 0);
	assert_int_equal(bitmap_find_free_region(map, 64, 2), 8);

	/* order >= bits, or absurd orders */
	memset(map, 0, sizeof(map));
	assert_int_equal(bitmap_find_free_region(map, 4, 3), -12);
	assert_int_equal(bitmap_find_free_region(map, 256, 32), -12);
	assert_int_equal(bitmap_find_free_region(map, 256, -1), -12);
	assert_int_equal(bitmap_find_free_region(map, 0, 0), -12);

	/* whole-word orders: 128-region at 128 when bit 64 is taken */
	set_bit(64, map);
	assert_int_equal(bitmap_find_free_region(map, 256, 7), 128);
	assert_int_equal(map[2], ~0ULL);
	assert_int_equal(map[3], ~0ULL);
	assert_int_equal(bitmap_find_free_region(map, 256, 6), 0);
	assert_int_equal(bitmap_find_free_region(map, 256, 6), -12);
	/* a 64-region needs a whole word below bits */
	memset(map, 0, sizeof(map));
	assert_int_equal(bitmap_find_free_region(map, 127, 6), 0);
	assert_int_equal(bitmap_find_free_region(map, 127, 6), -12);
}

/* word-at-a-time search == bit-at-a-time search, never touching past the map */
static void test_find_free_region_random(void **state)
{
	uint64_t map[BITS_TO_U64(MAXBITS) + 1], ref[BITS_TO_U64(MAXBITS) + 1];
	unsigned int iter;

	(void)state;
	for (iter = 0; iter < 30000; iter++) {
		unsigned int bits = 1 + (unsigned int)(rnd() % MAXBITS);
		unsigned int words = (unsigned int)BITS_TO_U64(bits);
		int order = (int)(rnd() % 10), k;

		random_fill(map, words, (unsigned int)(rnd() % 8));
		/* tail bits past @bits are noise the search must ignore */
		map[words] = GUARD;
		memcpy(ref, map, sizeof(map));
		for (k = 0; k < 4; k++) {
			int a = bitmap_find_free_region(map, bits, order);
			int b = ref_find_free_region(ref, bits, order);

			assert_int_equal(a, b);
			assert_memory_equal(map, ref, (words + 1) * sizeof(uint64_t));
		}
		assert_true(map[words] == GUARD);
	}
}

static void test_allocate_release_region(void **state)
{
	uint64_t map[2] = { 0 };

	(void)state;
	assert_int_equal(bitmap_allocate_region(map, 4, 2), 0);
	assert_int_equal(map[0], 0xf0);
	assert_int_equal(bitmap_allocate_region(map, 4, 1), -16);
	assert_int_equal(bitmap_allocate_region(map, 0, 3), -16);
	assert_int_equal(map[0], 0xf0);	/* -EBUSY changes nothing */
	assert_int_equal(bitmap_allocate_region(map, 64, 6), 0);
	assert_true(map[1] == ~0ULL);
	bitmap_release_region(map, 64, 6);
	assert_int_equal(map[1], 0);
	bitmap_release_region(map, 4, 2);
	assert_true(bitmap_empty(map, 128));
}

static void test_find_next_zero_area(void **state)
{
	uint64_t map[3] = { 0 };
	unsigned int iter;

	(void)state;
	bitmap_set(map, 0, 3);
	assert_int_equal(bitmap_find_next_zero_area(map, 64, 0, 4, 0), 3);
	assert_int_equal(bitmap_find_next_zero_area(map, 64, 0, 4, 3), 4);
	set_bit(6, map);
	assert_int_equal(bitmap_find_next_zero_area(map, 64, 0, 4, 0), 7);
	assert_int_equal(bitmap_find_next_zero_area(map, 64, 0, 4, 3), 8);
	/* not found: the result is past size */
	assert_true(bitmap_find_next_zero_area(map, 10, 0, 4, 3) > 10 - 4);
	assert_true(bitmap_find_next_zero_area(map, 64, 62, 4, 0) > 64 - 4);

	for (iter = 0; iter < 20000; iter++) {
		unsigned int size = (unsigned int)(rnd() % 193);
		unsigned int start = (unsigned int)(rnd() % 193);
		unsigned int nr = 1 + (unsigned int)(rnd() % 11);
		unsigned int align = (1u << (rnd() % 4)) - 1;
		unsigned long a, b;

		random_fill(map, 3, 2 + (unsigned int)(rnd() % 5));
		a = bitmap_find_next_zero_area(map, size, start, nr, align);
		b = ref_zero_area(map, size, start, nr, align);
		if (b + nr <= size)
			assert_int_equal(a, b);
		else
			assert_true(a + nr > size);	/* not found */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_count_order),
		cmocka_unit_test(test_pow2_helpers),
		cmocka_unit_test(test_set_clear_weight_empty),
		cmocka_unit_test(test_empty_ignores_tail),
		cmocka_unit_test(test_find_next_bit),
		cmocka_unit_test(test_multi_msi_orphan),
		cmocka_unit_test(test_find_free_region_fit_and_align),
		cmocka_unit_test(test_find_free_region_random),
		cmocka_unit_test(test_allocate_release_region),
		cmocka_unit_test(test_find_next_zero_area),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
