// SPDX-License-Identifier: GPL-2.0
/*
 * test_its_lpi.c - the ITS LPI range allocator (spec §3.1, §3.2) against the
 * worked examples of §3.10, the real-trace numbers of §11.11, the fault
 * points, and a bit-level reference.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bitmap.h"
#include "faults.h"
#include "its_lpi.h"

#define POOL16	57344u	/* (1 << 16) - 8192 */

static struct its_lpi_state *S;	/* 32 KiB: heap, not stack */

static int setup(void **state)
{
	(void)state;
	S = calloc(1, sizeof(*S));
	return S ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(S);
	return 0;
}

static void assert_valid(const struct its_lpi_state *s)
{
	char why[160] = "";
	int err = its_lpi_check(s, why, sizeof(why));

	if (err)
		fail_msg("its_lpi_check: %s", why);
}

static void assert_ranges(const struct its_lpi_state *s,
			  const struct lpi_range *want, uint32_t nr)
{
	uint32_t i;

	assert_int_equal(s->nr, nr);
	for (i = 0; i < nr; i++) {
		assert_int_equal(s->r[i].base, want[i].base);
		assert_int_equal(s->r[i].span, want[i].span);
	}
	assert_valid(s);
}

/* allocate like its_create_device() and check the base it got */
static void expect_alloc(struct its_lpi_state *s, uint32_t nr, uint32_t want_base,
			 uint32_t want_nr)
{
	uint32_t base = 1, nr_ids = 1;

	assert_int_equal(its_lpi_alloc(s, NULL, nr, &base, &nr_ids), 0);
	assert_int_equal(base, want_base);
	assert_int_equal(nr_ids, want_nr);
	assert_valid(s);
}

/* ---- init ---- */

static void test_init_pool(void **state)
{
	const struct lpi_range full[] = { { 8192, POOL16 } };

	(void)state;
	assert_int_equal(its_lpi_init(S, 16, 0), 0);
	assert_int_equal(S->pool_base, 8192);
	assert_int_equal(S->pool_size, POOL16);
	assert_ranges(S, full, 1);
	assert_int_equal(its_lpi_free_total(S), POOL16);

	/* 14 ID bits: 8192 LPIs, INTIDs 8192..16383 */
	assert_int_equal(its_lpi_init(S, 14, 0), 0);
	assert_int_equal(S->pool_size, 8192);
	/* 32 ID bits fit the u32 fields */
	assert_int_equal(its_lpi_init(S, 32, 0), 0);
	assert_int_equal(S->pool_size, 0xffffffffu - 8191);
	assert_valid(S);

	assert_int_equal(its_lpi_init(S, 13, 0), -22);
	assert_int_equal(its_lpi_init(S, 33, 0), -22);
}

/* §3.1: numlpis = 1 << (GICD_TYPER.num_LPIs + 1), honoured when > 2 and <= default */
static void test_init_hypervisor_restriction(void **state)
{
	(void)state;
	/* field 0 → numlpis 2: not a restriction */
	assert_int_equal(its_lpi_init(S, 16, 2), 0);
	assert_int_equal(S->pool_size, POOL16);
	/* field 11 → 4096 LPIs from 8192 */
	assert_int_equal(its_lpi_init(S, 16, 4096), 0);
	assert_int_equal(S->pool_base, 8192);
	assert_int_equal(S->pool_size, 4096);
	assert_int_equal(S->r[0].span, 4096);
	/* exactly the default is accepted */
	assert_int_equal(its_lpi_init(S, 16, POOL16), 0);
	assert_int_equal(S->pool_size, POOL16);
	/* larger than the default: WARN, default used */
	assert_int_equal(its_lpi_init(S, 16, 65536), ITS_LPI_INIT_WARN);
	assert_int_equal(S->pool_size, POOL16);
	assert_int_equal(S->r[0].span, POOL16);
}

/* ---- §3.10 worked examples ---- */

/* fresh pool, DevID 0x100, table 6 → nvec 8 → LPIs 8192..8199 */
static void test_example_fresh_pool(void **state)
{
	const struct lpi_range after[] = { { 8200, 57336 } };

	(void)state;
	its_lpi_init(S, 16, 0);
	expect_alloc(S, 8, 8192, 8);
	assert_ranges(S, after, 1);
	assert_int_equal(its_lpi_free_total(S) + 8, POOL16);
}

/* 20 free LPIs in one range, request 32 → 16 granted */
static void test_example_exhausted_pool_halves(void **state)
{
	const struct lpi_range left[] = { { 65516, 20 } };
	const struct lpi_range after[] = { { 65532, 4 } };

	(void)state;
	its_lpi_init(S, 16, 0);
	expect_alloc(S, POOL16 - 20, 8192, POOL16 - 20);
	assert_ranges(S, left, 1);
	expect_alloc(S, 32, 65516, 16);
	assert_ranges(S, after, 1);
	/* and 4 more fit exactly, emptying the list */
	expect_alloc(S, 4, 65532, 4);
	assert_int_equal(S->nr, 0);
	assert_int_equal(its_lpi_free_total(S), 0);
	{
		uint32_t base = 7, nr_ids = 7;

		assert_int_equal(its_lpi_alloc(S, NULL, 1, &base, &nr_ids), -28);
		assert_int_equal(base, 0);
		assert_int_equal(nr_ids, 0);
	}
}

/* {8200,8}, {8216,8} + free {8208,8} → {8200,24} */
static void test_example_merge_both_sides(void **state)
{
	const struct lpi_range two[] = { { 8200, 8 }, { 8216, 8 } };
	const struct lpi_range one[] = { { 8200, 24 } };
	uint32_t base;

	(void)state;
	its_lpi_init(S, 16, 0);
	assert_int_equal(alloc_lpi_range(S, POOL16, &base), 0);
	assert_int_equal(S->nr, 0);
	assert_int_equal(free_lpi_range(S, 8216, 8), 0);
	assert_int_equal(free_lpi_range(S, 8200, 8), 0);
	assert_ranges(S, two, 2);
	assert_int_equal(free_lpi_range(S, 8208, 8), 0);
	assert_ranges(S, one, 1);
}

static void test_merge_one_side(void **state)
{
	const struct lpi_range a[] = { { 8192, 16 }, { 9000, 10 } };
	const struct lpi_range b[] = { { 8192, 16 }, { 8990, 20 } };
	const struct lpi_range c[] = { { 8192, 16 }, { 8990, 20 }, { 9100, 1 } };
	uint32_t base;

	(void)state;
	its_lpi_init(S, 16, 0);
	alloc_lpi_range(S, POOL16, &base);
	free_lpi_range(S, 8192, 8);
	free_lpi_range(S, 9000, 10);
	free_lpi_range(S, 8200, 8);		/* merges with prev only */
	assert_ranges(S, a, 2);
	free_lpi_range(S, 8990, 10);		/* merges with next only */
	assert_ranges(S, b, 2);
	free_lpi_range(S, 9100, 1);		/* at the tail, no merge */
	assert_ranges(S, c, 3);
}

/* ---- §11.11 real-trace numbers ---- */

/* arm64 6.1 boot: pcieport holds 8192 when tracing starts */
static void test_trace_arm64_6_1_boot(void **state)
{
	const struct lpi_range end[] = { { 8214, 65536 - 8214 } };
	const struct lpi_range rebound[] = { { 8193, 65536 - 8193 } };
	static const struct { uint32_t nr, base; } dev[] = {
		{ 4, 8193 },	/* virtio-net, nvec 3 → 4 */
		{ 4, 8197 },	/* virtio-blk */
		{ 2, 8201 },	/* virtio-rng */
		{ 2, 8203 },	/* virtio-rng behind 00:07.0 */
		{ 4, 8205 },	/* nvme, 2nd call (after the 1st was freed) */
		{ 4, 8209 },	/* e1000e */
		{ 1, 8213 },	/* ahci */
	};
	int round;
	size_t i;

	(void)state;
	its_lpi_init(S, 16, 0);
	expect_alloc(S, 1, 8192, 1);		/* pcieport, before tracing */
	expect_alloc(S, 4, 8193, 4);
	expect_alloc(S, 4, 8197, 4);
	expect_alloc(S, 2, 8201, 2);
	expect_alloc(S, 2, 8203, 2);
	expect_alloc(S, 1, 8205, 1);		/* nvme 1st call */
	assert_int_equal(its_lpi_free(S, NULL, 8205, 1), 0);	/* freed on empty */
	expect_alloc(S, 4, 8205, 4);		/* nvme 2nd call reuses 8205 */
	expect_alloc(S, 4, 8209, 4);
	expect_alloc(S, 1, 8213, 1);
	assert_ranges(S, end, 1);

	/* unbind/bind rounds re-create every device with the boot numbers */
	for (round = 0; round < 2; round++) {
		for (i = 0; i < sizeof(dev) / sizeof(dev[0]); i++)
			assert_int_equal(its_lpi_free(S, NULL, dev[i].base, dev[i].nr), 0);
		assert_ranges(S, rebound, 1);
		for (i = 0; i < sizeof(dev) / sizeof(dev[0]); i++)
			expect_alloc(S, dev[i].nr, dev[i].base, dev[i].nr);
		assert_ranges(S, end, 1);
	}
}

/* arm64 6.18 boot: prepare at domain creation with nvec from hwsize */
static void test_trace_arm64_6_18_boot(void **state)
{
	const struct lpi_range end[] = { { 8342, 65536 - 8342 } };

	(void)state;
	its_lpi_init(S, 16, 0);
	expect_alloc(S, 1, 8192, 1);		/* pcieport, before tracing */
	expect_alloc(S, 4, 8193, 4);		/* net, hwsize 4 */
	expect_alloc(S, 4, 8197, 4);		/* blk, hwsize 3 → 4 */
	expect_alloc(S, 2, 8201, 2);		/* rng */
	expect_alloc(S, 2, 8203, 2);		/* rng1 */
	expect_alloc(S, 128, 8205, 128);	/* nvme, hwsize 65 → 128 */
	expect_alloc(S, 8, 8333, 8);		/* e1000e, hwsize 5 → 8 */
	expect_alloc(S, 1, 8341, 1);		/* ahci */
	assert_ranges(S, end, 1);
	assert_int_equal(its_lpi_free_total(S) + 1 + 4 + 4 + 2 + 2 + 128 + 8 + 1, POOL16);
}

/* ---- alloc details ---- */

/* first fit by list order, no alignment */
static void test_first_fit_no_alignment(void **state)
{
	const struct lpi_range after[] = { { 8196, 1 }, { 8209, 65536 - 8209 } };

	(void)state;
	its_lpi_init(S, 16, 0);
	expect_alloc(S, 3, 8192, 3);		/* 8192..8194 */
	expect_alloc(S, 2, 8195, 2);		/* base need not be a multiple of 2 */
	expect_alloc(S, 8, 8197, 8);
	its_lpi_free(S, NULL, 8195, 2);		/* hole of 2 at 8195 */
	expect_alloc(S, 4, 8205, 4);		/* the hole is too small */
	expect_alloc(S, 1, 8195, 1);		/* the hole comes first for 1 */
	assert_ranges(S, after, 2);
	expect_alloc(S, 2, 8209, 2);		/* {8196,1} too small again */
	expect_alloc(S, 1, 8196, 1);		/* the hole is used up: node removed */
	assert_int_equal(S->nr, 1);
	assert_int_equal(S->r[0].base, 8211);
}

static void test_alloc_zero(void **state)
{
	uint32_t base = 5, nr_ids = 5;

	(void)state;
	its_lpi_init(S, 16, 0);
	/* alloc_lpi_range(0) "succeeds" and takes nothing ... */
	assert_int_equal(alloc_lpi_range(S, 0, &base), 0);
	assert_int_equal(base, 8192);
	/* ... its_lpi_alloc(0) refuses it */
	assert_int_equal(its_lpi_alloc(S, NULL, 0, &base, &nr_ids), -28);
	assert_int_equal(base, 0);
	assert_int_equal(nr_ids, 0);
	assert_int_equal(S->nr, 1);
	assert_int_equal(its_lpi_free_total(S), POOL16);
}

/* a non-power-of-two request halves to non-powers of two too */
static void test_halving_odd_request(void **state)
{
	uint32_t base;

	(void)state;
	its_lpi_init(S, 16, 0);
	alloc_lpi_range(S, POOL16 - 5, &base);
	expect_alloc(S, 12, 65531, 3);		/* 12 → 6 → 3 */
}

/* ---- fault points ---- */

static void test_fault_alloc_halves(void **state)
{
	struct ml_faults f = { 0 };
	uint32_t base, nr_ids;

	(void)state;
	its_lpi_init(S, 16, 0);
	/* the first two attempts (32, 16) fail: 8 granted */
	ml_fault_arm(&f, ML_F_ALLOC_LPI_RANGE, 0, 2);
	assert_int_equal(its_lpi_alloc(S, &f, 32, &base, &nr_ids), 0);
	assert_int_equal(base, 8192);
	assert_int_equal(nr_ids, 8);
	assert_int_equal(f.armed, 0);	/* both failures consumed */
	assert_int_equal(S->r[0].base, 8200);

	/* skip one hit: the first attempt of the next call succeeds */
	ml_fault_arm(&f, ML_F_ALLOC_LPI_RANGE, 1, 1);
	assert_int_equal(its_lpi_alloc(S, &f, 4, &base, &nr_ids), 0);
	assert_int_equal(nr_ids, 4);
	assert_int_equal(base, 8200);
	assert_int_equal(its_lpi_alloc(S, &f, 4, &base, &nr_ids), 0);
	assert_int_equal(nr_ids, 2);	/* 4 failed, 2 granted */
	assert_int_equal(base, 8204);

	/* every attempt of 32, 16, 8, 4, 2, 1 fails: -ENOSPC, nothing taken */
	ml_fault_arm(&f, ML_F_ALLOC_LPI_RANGE, 0, 6);
	assert_int_equal(its_lpi_alloc(S, &f, 32, &base, &nr_ids), -28);
	assert_int_equal(base, 0);
	assert_int_equal(nr_ids, 0);
	assert_int_equal(f.armed, 0);
	assert_int_equal(its_lpi_free_total(S), POOL16 - 14);
	assert_valid(S);

	/* count larger than the attempts: what is left stays armed */
	ml_fault_arm(&f, ML_F_ALLOC_LPI_RANGE, 0, 3);
	assert_int_equal(its_lpi_alloc(S, &f, 2, &base, &nr_ids), -28);
	assert_int_equal(f.count[ML_F_ALLOC_LPI_RANGE], 1);
	assert_int_equal(its_lpi_alloc(S, &f, 2, &base, &nr_ids), 0);
	assert_int_equal(nr_ids, 1);
}

/* a real shortage and injected failures combine */
static void test_fault_alloc_with_shortage(void **state)
{
	struct ml_faults f = { 0 };
	uint32_t base, nr_ids;

	(void)state;
	its_lpi_init(S, 16, 0);
	alloc_lpi_range(S, POOL16 - 20, &base);
	/* 32: the skipped hit, fails for lack of space; 16: injected; 8 fits */
	ml_fault_arm(&f, ML_F_ALLOC_LPI_RANGE, 1, 1);
	assert_int_equal(its_lpi_alloc(S, &f, 32, &base, &nr_ids), 0);
	assert_int_equal(nr_ids, 8);
	assert_int_equal(base, 65516);
}

static void test_fault_free_loses_range(void **state)
{
	const struct lpi_range after[] = { { 8192, 4 }, { 8200, POOL16 - 8 } };
	struct ml_faults f = { 0 };

	(void)state;
	its_lpi_init(S, 16, 0);
	expect_alloc(S, 4, 8192, 4);
	expect_alloc(S, 4, 8196, 4);
	ml_fault_arm(&f, ML_F_FREE_LPI_RANGE, 1, 1);
	assert_int_equal(its_lpi_free(S, &f, 8192, 4), 0);	/* skipped hit */
	assert_int_equal(its_lpi_free(S, &f, 8196, 4), -12);	/* kmalloc fails */
	assert_ranges(S, after, 2);
	/* conservation is broken by exactly the lost LPIs; the list stays valid */
	assert_int_equal(its_lpi_free_total(S), POOL16 - 4);
	assert_int_equal(f.armed, 0);
	assert_int_equal(its_lpi_free(S, &f, 8196, 4), 0);	/* disarmed */
	assert_int_equal(S->nr, 1);
}

/* ---- no double-free detection, and the checker that notices ---- */

static void test_double_free_is_silent_but_checked(void **state)
{
	char why[160];
	uint32_t base, nr_ids;

	(void)state;
	its_lpi_init(S, 16, 0);
	expect_alloc(S, 4, 8192, 4);
	expect_alloc(S, 4, 8196, 4);
	assert_int_equal(its_lpi_free(S, NULL, 8192, 4), 0);
	assert_int_equal(its_lpi_free(S, NULL, 8192, 4), 0);	/* the kernel accepts it */
	assert_int_equal(S->nr, 3);
	/* an equal base goes before the existing node (the backward walk stops below it) */
	assert_int_equal(its_lpi_free(S, NULL, 8192, 2), 0);
	assert_int_equal(S->nr, 4);
	assert_int_equal(S->r[0].span, 2);
	assert_int_equal(S->r[1].span, 4);
	assert_int_equal(its_lpi_alloc(S, NULL, 2, &base, &nr_ids), 0);
	assert_int_equal(S->nr, 3);
	assert_int_equal(its_lpi_check(S, why, sizeof(why)), ITS_LPI_OVERLAP);
	assert_non_null(strstr(why, "overlap"));
	/* the same LPIs can now be handed out twice */
	assert_int_equal(its_lpi_alloc(S, NULL, 4, &base, &nr_ids), 0);
	assert_int_equal(base, 8192);
	assert_int_equal(its_lpi_alloc(S, NULL, 4, &base, &nr_ids), 0);
	assert_int_equal(base, 8192);
	assert_valid(S);
}

static void test_check_each_property(void **state)
{
	char why[160];

	(void)state;
	its_lpi_init(S, 16, 0);
	assert_int_equal(its_lpi_check(S, NULL, 0), ITS_LPI_OK);

	S->nr = 2;
	S->r[0] = (struct lpi_range){ 8192, 8 };
	S->r[1] = (struct lpi_range){ 8200, 8 };
	assert_int_equal(its_lpi_check(S, why, sizeof(why)), ITS_LPI_ADJACENT);
	assert_non_null(strstr(why, "not merged"));

	S->r[1] = (struct lpi_range){ 8100, 8 };
	assert_int_equal(its_lpi_check(S, why, sizeof(why)), ITS_LPI_OUT_OF_POOL);
	S->r[1] = (struct lpi_range){ 65530, 7 };
	assert_int_equal(its_lpi_check(S, why, sizeof(why)), ITS_LPI_OUT_OF_POOL);
	assert_non_null(strstr(why, "outside the LPI pool"));

	S->r[0] = (struct lpi_range){ 9000, 8 };
	S->r[1] = (struct lpi_range){ 8192, 8 };
	assert_int_equal(its_lpi_check(S, why, sizeof(why)), ITS_LPI_UNSORTED);

	S->r[0] = (struct lpi_range){ 8192, 8 };
	S->r[1] = (struct lpi_range){ 8199, 8 };
	assert_int_equal(its_lpi_check(S, why, sizeof(why)), ITS_LPI_OVERLAP);

	S->r[1] = (struct lpi_range){ 8300, 0 };
	assert_int_equal(its_lpi_check(S, why, sizeof(why)), ITS_LPI_EMPTY_RANGE);

	S->r[1] = (struct lpi_range){ 8300, 1 };
	assert_int_equal(its_lpi_check(S, why, sizeof(why)), ITS_LPI_OK);

	S->nr = ITS_LPI_MAX_RANGES + 1;
	assert_int_equal(its_lpi_check(S, why, sizeof(why)), ITS_LPI_BAD_COUNT);
	/* a tiny buffer is truncated, not overrun */
	S->nr = 2;
	S->r[1] = (struct lpi_range){ 8200, 8 };
	assert_int_equal(its_lpi_check(S, why, 4), ITS_LPI_ADJACENT);
	assert_int_equal(strlen(why), 3);
}

/* ---- capacity ---- */

static void test_capacity_full_is_distinct(void **state)
{
	uint32_t base, i;

	(void)state;
	its_lpi_init(S, 16, 0);
	assert_int_equal(alloc_lpi_range(S, POOL16, &base), 0);
	/* free every other LPI: 4096 separate ranges */
	for (i = 0; i < ITS_LPI_MAX_RANGES; i++)
		assert_int_equal(free_lpi_range(S, 8192 + 2 * i, 1), 0);
	assert_int_equal(S->nr, ITS_LPI_MAX_RANGES);
	assert_valid(S);
	/* a range that needs its own node: refused, nothing changed */
	assert_int_equal(free_lpi_range(S, 60000, 1), ITS_LPI_ERR_FULL);
	assert_int_equal(its_lpi_free(S, NULL, 60000, 1), ITS_LPI_ERR_FULL);
	assert_int_equal(S->nr, ITS_LPI_MAX_RANGES);
	assert_int_equal(its_lpi_free_total(S), ITS_LPI_MAX_RANGES);
	/* ranges that merge need no node: still accepted */
	assert_int_equal(free_lpi_range(S, 8193, 1), 0);	/* bridges two nodes */
	assert_int_equal(S->nr, ITS_LPI_MAX_RANGES - 1);
	assert_int_equal(free_lpi_range(S, 8192 + 2 * ITS_LPI_MAX_RANGES - 1, 1), 0);
	assert_int_equal(S->nr, ITS_LPI_MAX_RANGES - 1);
	assert_valid(S);
	/* and with one slot free the new node fits again */
	assert_int_equal(free_lpi_range(S, 60000, 1), 0);
	assert_int_equal(S->nr, ITS_LPI_MAX_RANGES);
	assert_valid(S);
}

/* ---- bit-level reference: the free list == the set of free LPIs ---- */

#define RPOOL 4096u	/* hypervisor-restricted pool: small enough to fragment */

static uint64_t rng = 0x243f6a8885a308d3ULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* lowest maximal free run of length >= n: where first fit must land */
static int ref_first_fit(const uint64_t *used, uint32_t n, uint32_t *base)
{
	uint32_t i = 0;

	while (i < RPOOL) {
		uint32_t start = find_next_zero_bit(used, RPOOL, i);
		uint32_t end = find_next_bit(used, RPOOL, start);

		if (start >= RPOOL)
			break;
		if (end - start >= n) {
			*base = 8192 + start;
			return 0;
		}
		i = end;
	}
	return -28;
}

static void test_reference_random(void **state)
{
	static uint64_t used[BITS_TO_U64(RPOOL)];
	struct { uint32_t base, nr; } live[512];
	uint32_t nlive = 0, iter;

	(void)state;
	assert_int_equal(its_lpi_init(S, 16, RPOOL), 0);
	bitmap_zero(used, RPOOL);
	for (iter = 0; iter < 40000; iter++) {
		if (nlive < 512 && (nlive == 0 || rnd(100) < 55)) {
			uint32_t want = 1 + rnd(rnd(4) ? 8 : 200), base = 0, nr_ids = 0;
			uint32_t n = want, rbase = 0;
			int rerr;

			/* the reference halving */
			do {
				rerr = ref_first_fit(used, n, &rbase);
				if (!rerr)
					break;
				n /= 2;
			} while (n > 0);
			assert_int_equal(its_lpi_alloc(S, NULL, want, &base, &nr_ids),
					 n ? 0 : -28);
			if (!n)
				continue;
			assert_int_equal(base, rbase);
			assert_int_equal(nr_ids, n);
			bitmap_set(used, base - 8192, n);
			live[nlive].base = base;
			live[nlive++].nr = n;
		} else {
			uint32_t k = rnd(nlive);

			assert_int_equal(its_lpi_free(S, NULL, live[k].base, live[k].nr), 0);
			bitmap_clear(used, live[k].base - 8192, live[k].nr);
			live[k] = live[--nlive];
		}
		assert_valid(S);
		/* INV-I3: free + allocated == pool */
		assert_int_equal(its_lpi_free_total(S) + bitmap_weight(used, RPOOL), RPOOL);
	}
	while (nlive) {
		nlive--;
		its_lpi_free(S, NULL, live[nlive].base, live[nlive].nr);
	}
	assert_int_equal(S->nr, 1);
	assert_int_equal(S->r[0].base, 8192);
	assert_int_equal(S->r[0].span, RPOOL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_pool),
		cmocka_unit_test(test_init_hypervisor_restriction),
		cmocka_unit_test(test_example_fresh_pool),
		cmocka_unit_test(test_example_exhausted_pool_halves),
		cmocka_unit_test(test_example_merge_both_sides),
		cmocka_unit_test(test_merge_one_side),
		cmocka_unit_test(test_trace_arm64_6_1_boot),
		cmocka_unit_test(test_trace_arm64_6_18_boot),
		cmocka_unit_test(test_first_fit_no_alignment),
		cmocka_unit_test(test_alloc_zero),
		cmocka_unit_test(test_halving_odd_request),
		cmocka_unit_test(test_fault_alloc_halves),
		cmocka_unit_test(test_fault_alloc_with_shortage),
		cmocka_unit_test(test_fault_free_loses_range),
		cmocka_unit_test(test_double_free_is_silent_but_checked),
		cmocka_unit_test(test_check_each_property),
		cmocka_unit_test(test_capacity_full_is_distinct),
		cmocka_unit_test(test_reference_random),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
