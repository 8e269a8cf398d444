// SPDX-License-Identifier: GPL-2.0
/*
 * test_its_hw.c - the ITS command checker: accepted sequences from the
 * spec (§3.8, §11.11), one test per rejected command kind, capacity, O(1)
 * reset, and a random command stream against a plain-array reference.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "its_hw.h"

static struct its_hw *hw;	/* ~2 MiB: heap */
static char why[256];

static int setup(void **state)
{
	(void)state;
	hw = malloc(sizeof(*hw));
	return hw ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(hw);
	return 0;
}

/* fresh checker: 16 EventID bits, 16 DeviceID bits */
static int fresh(void **state)
{
	(void)state;
	its_hw_init(hw, 16, 16);
	why[0] = '\0';
	return 0;
}

#define OK(call)	assert_int_equal((call), ITS_HW_OK)
#define W		why, sizeof(why)

static void assert_why_has(const char *needle)
{
	if (!strstr(why, needle))
		fail_msg("reason \"%s\" lacks \"%s\"", why, needle);
}

/* ---- accepted sequences ---- */

/* §3.8, 6.12: MAPD size 3, MAPTI ev0..3 (+SYNC), DISCARD ev0..3, MAPD V=0 */
static void test_accept_lifecycle(void **state)
{
	uint32_t ev, lpi, nr_ites, cpu;

	(void)state;
	OK(its_hw_mapd(hw, 0x10, 16, true, W));
	assert_true(its_hw_is_mapped(hw, 0x10, &nr_ites));
	assert_int_equal(nr_ites, 16);
	for (ev = 0; ev < 4; ev++) {
		OK(its_hw_mapti(hw, 0x10, ev, 8192 + ev, ev & 1, W));
		OK(its_hw_sync(hw, ev & 1));
	}
	assert_int_equal(its_hw_live_count(hw, 0x10), 4);
	assert_int_equal(its_hw_live_total(hw), 4);
	assert_true(its_hw_live(hw, 0x10, 2, &lpi));
	assert_int_equal(lpi, 8194);
	assert_true(its_hw_live_cpu(hw, 0x10, 3, &cpu));
	assert_int_equal(cpu, 1);
	assert_false(its_hw_live(hw, 0x10, 4, &lpi));
	assert_int_equal(hw->nr_syncs, 4);

	/* affinity change */
	OK(its_hw_movi(hw, 0x10, 3, 0, W));
	assert_true(its_hw_live_cpu(hw, 0x10, 3, &cpu));
	assert_int_equal(cpu, 0);

	/* free_irq order of virtio: ev1, ev2, ev0, then ev3 */
	OK(its_hw_discard(hw, 0x10, 1, W));
	OK(its_hw_discard(hw, 0x10, 2, W));
	OK(its_hw_discard(hw, 0x10, 0, W));
	OK(its_hw_discard(hw, 0x10, 3, W));
	assert_int_equal(its_hw_live_count(hw, 0x10), 0);
	OK(its_hw_mapd(hw, 0x10, 16, false, W));
	assert_false(its_hw_is_mapped(hw, 0x10, NULL));
	assert_int_equal(its_hw_remap_count(hw, 0x10), 0);
	assert_int_equal(its_hw_live_total(hw), 0);
}

/* §11.1: a reactivated irq gets a new MAPTI after its DISCARD */
static void test_accept_reactivation(void **state)
{
	uint32_t lpi;

	(void)state;
	OK(its_hw_mapd(hw, 0x20, 4, true, W));
	OK(its_hw_mapti(hw, 0x20, 0, 8205, 0, W));
	OK(its_hw_discard(hw, 0x20, 0, W));
	OK(its_hw_mapti(hw, 0x20, 0, 8205, 1, W));
	assert_true(its_hw_live(hw, 0x20, 0, &lpi));
	assert_int_equal(lpi, 8205);
}

/* §11.11 arm64 6.1: a device re-created after MAPD V=0 is mapped afresh */
static void test_accept_6_1_rebind(void **state)
{
	int round;

	(void)state;
	for (round = 0; round < 3; round++) {
		OK(its_hw_mapd(hw, 0x10, 4, true, W));	/* virtio-net, nvec 3 → 4 */
		OK(its_hw_mapti(hw, 0x10, 0, 8193, 0, W));
		OK(its_hw_mapti(hw, 0x10, 1, 8194, 1, W));
		OK(its_hw_mapti(hw, 0x10, 2, 8195, 0, W));
		OK(its_hw_mapd(hw, 0x100, 2, true, W));	/* rng behind the root port */
		OK(its_hw_mapti(hw, 0x100, 0, 8203, 0, W));
		OK(its_hw_mapti(hw, 0x100, 1, 8204, 1, W));
		OK(its_hw_discard(hw, 0x10, 1, W));
		OK(its_hw_discard(hw, 0x10, 2, W));
		OK(its_hw_discard(hw, 0x10, 0, W));
		OK(its_hw_discard(hw, 0x100, 1, W));
		OK(its_hw_discard(hw, 0x100, 0, W));
		OK(its_hw_mapd(hw, 0x10, 4, false, W));
		OK(its_hw_mapd(hw, 0x100, 2, false, W));
	}
	assert_int_equal(its_hw_remap_count(hw, 0x10), 0);
	assert_int_equal(hw->nr_devs, 2);
}

/* MAPD V=0 of an unmapped DevID only rewrites an invalid DTE */
static void test_accept_unmap_unmapped(void **state)
{
	(void)state;
	OK(its_hw_mapd(hw, 0x30, 2, false, W));
	assert_false(its_hw_is_mapped(hw, 0x30, NULL));
}

/* ---- one test per rejected command kind ---- */

static void test_reject_mapti_unmapped(void **state)
{
	(void)state;
	assert_int_equal(its_hw_mapti(hw, 0x18, 0, 8197, 0, W), ITS_HW_E_UNMAPPED);
	assert_string_equal(why, "MAPTI DevID 0x18 EventID 0: DevID not mapped (no MAPD V=1)");
	assert_false(its_hw_live(hw, 0x18, 0, NULL));
	/* after MAPD V=0 too */
	OK(its_hw_mapd(hw, 0x18, 4, true, W));
	OK(its_hw_mapd(hw, 0x18, 4, false, W));
	assert_int_equal(its_hw_mapti(hw, 0x18, 0, 8197, 0, W), ITS_HW_E_UNMAPPED);
	assert_why_has("since its MAPD V=0");
	assert_int_equal(its_hw_live_total(hw), 0);
}

static void test_reject_mapti_outside_itt(void **state)
{
	uint32_t lpi;

	(void)state;
	OK(its_hw_mapd(hw, 0x10, 4, true, W));	/* Size 1: EventIDs 0..3 */
	OK(its_hw_mapti(hw, 0x10, 3, 8195, 0, W));
	assert_int_equal(its_hw_mapti(hw, 0x10, 4, 8196, 0, W), ITS_HW_E_ITT_RANGE);
	assert_string_equal(why,
		"MAPTI DevID 0x10 EventID 4: outside the ITT (MAPD Size 1 maps EventIDs 0..3)");
	/* applied as the kernel meant it, so the DISCARD is not flagged again */
	assert_true(its_hw_live(hw, 0x10, 4, &lpi));
	OK(its_hw_discard(hw, 0x10, 4, W));
	/* a non-power-of-two nr_ites maps ilog2 bits: 6 ITEs → Size 1 */
	OK(its_hw_mapd(hw, 0x11, 6, true, W));
	assert_int_equal(its_hw_mapti(hw, 0x11, 4, 8300, 0, W), ITS_HW_E_ITT_RANGE);
}

/* B6: GITS_TYPER.IDbits 0 (1 EventID bit), MSI-X table 4 → MAPD Size 1 */
static void test_reject_b6_eventid_width(void **state)
{
	(void)state;
	its_hw_init(hw, 1, 16);
	assert_int_equal(its_hw_mapd(hw, 0x10, 4, true, W), ITS_HW_E_MAPD_IDBITS);
	assert_string_equal(why,
		"MAPD DevID 0x10 Size 1 (nr_ites 4): 2 EventID bits, the ITS supports 1 (GITS_TYPER.IDbits 0)");
	/* the kernel's mapping is recorded: ev0, ev1 are fine ... */
	assert_true(its_hw_is_mapped(hw, 0x10, NULL));
	OK(its_hw_mapti(hw, 0x10, 0, 8192, 0, W));
	OK(its_hw_mapti(hw, 0x10, 1, 8193, 0, W));
	/* ... ev2, ev3 are inside the ITT but beyond the ITS's EventID width */
	assert_int_equal(its_hw_mapti(hw, 0x10, 2, 8194, 0, W), ITS_HW_E_EVENT_IDBITS);
	assert_string_equal(why,
		"MAPTI DevID 0x10 EventID 2: beyond the ITS's 1 EventID bits (GITS_TYPER.IDbits 0)");
	assert_int_equal(its_hw_mapti(hw, 0x10, 3, 8195, 0, W), ITS_HW_E_EVENT_IDBITS);
	/* the widest Size that fits is accepted */
	its_hw_init(hw, 16, 16);
	OK(its_hw_mapd(hw, 0x20, 65536, true, W));	/* Size 15 */
	assert_int_equal(its_hw_mapd(hw, 0x21, 131072, true, W), ITS_HW_E_MAPD_IDBITS);
	/* nr_ites 1 would encode Size -1 = 31 in the 5-bit field */
	assert_int_equal(its_hw_mapd(hw, 0x22, 1, true, W), ITS_HW_E_MAPD_IDBITS);
	assert_why_has("Size 31");
	/* with 32 EventID bits nothing is too wide */
	its_hw_init(hw, 32, 32);
	OK(its_hw_mapd(hw, 0x22, 1, true, W));
	OK(its_hw_mapti(hw, 0x22, 0xffffffffu, 8192, 0, W));
}

static void test_reject_devid_out_of_range(void **state)
{
	(void)state;
	its_hw_init(hw, 16, 8);		/* DevIDs 0..0xff */
	OK(its_hw_mapd(hw, 0xff, 2, true, W));
	assert_int_equal(its_hw_mapd(hw, 0x100, 2, true, W), ITS_HW_E_DEVID);
	assert_string_equal(why, "MAPD DevID 0x100: beyond the ITS's 8 DeviceID bits (GITS_TYPER.Devbits 7)");
	assert_false(its_hw_is_mapped(hw, 0x100, NULL));
	assert_int_equal(its_hw_mapti(hw, 0x100, 0, 8192, 0, W), ITS_HW_E_DEVID);
	assert_int_equal(its_hw_discard(hw, 0x100, 0, W), ITS_HW_E_DEVID);
	assert_int_equal(its_hw_movi(hw, 0x100, 0, 0, W), ITS_HW_E_DEVID);
	assert_int_equal(its_hw_mapd(hw, 0x100, 2, false, W), ITS_HW_E_DEVID);
	assert_int_equal(hw->nr_devs, 1);
}

static void test_reject_mapti_over_live(void **state)
{
	uint32_t lpi;

	(void)state;
	OK(its_hw_mapd(hw, 0x28, 4, true, W));
	OK(its_hw_mapti(hw, 0x28, 1, 8210, 0, W));
	assert_int_equal(its_hw_mapti(hw, 0x28, 1, 8300, 1, W), ITS_HW_E_MAPTI_LIVE);
	assert_string_equal(why,
		"MAPTI DevID 0x28 EventID 1 pINTID 8300: EventID already translated to pINTID 8210");
	assert_true(its_hw_live(hw, 0x28, 1, &lpi));
	assert_int_equal(lpi, 8300);		/* the new translation replaced it */
	assert_int_equal(its_hw_live_count(hw, 0x28), 1);
}

static void test_reject_mapti_not_lpi(void **state)
{
	(void)state;
	OK(its_hw_mapd(hw, 0x28, 4, true, W));
	assert_int_equal(its_hw_mapti(hw, 0x28, 0, 8191, 0, W), ITS_HW_E_INTID);
	assert_why_has("not an LPI");
	OK(its_hw_mapti(hw, 0x28, 1, 8192, 0, W));
}

static void test_reject_discard_without_translation(void **state)
{
	(void)state;
	OK(its_hw_mapd(hw, 0x30, 2, true, W));
	assert_int_equal(its_hw_discard(hw, 0x30, 0, W), ITS_HW_E_DISCARD_NONE);
	assert_string_equal(why, "DISCARD DevID 0x30 EventID 0: no live translation");
	OK(its_hw_mapti(hw, 0x30, 0, 8213, 0, W));
	OK(its_hw_discard(hw, 0x30, 0, W));
	/* the same DISCARD twice */
	assert_int_equal(its_hw_discard(hw, 0x30, 0, W), ITS_HW_E_DISCARD_NONE);
	/* on an unmapped DevID the missing DTE is the problem */
	assert_int_equal(its_hw_discard(hw, 0x31, 0, W), ITS_HW_E_UNMAPPED);
}

static void test_reject_movi_without_translation(void **state)
{
	(void)state;
	OK(its_hw_mapd(hw, 0x30, 2, true, W));
	assert_int_equal(its_hw_movi(hw, 0x30, 1, 1, W), ITS_HW_E_MOVI_NONE);
	assert_string_equal(why, "MOVI DevID 0x30 EventID 1: no live translation to move");
	assert_false(its_hw_live(hw, 0x30, 1, NULL));
	assert_int_equal(its_hw_movi(hw, 0x99, 1, 1, W), ITS_HW_E_UNMAPPED);
}

static void test_reject_unmap_with_live(void **state)
{
	(void)state;
	OK(its_hw_mapd(hw, 0x38, 2, true, W));
	OK(its_hw_mapti(hw, 0x38, 0, 8192, 0, W));
	OK(its_hw_mapti(hw, 0x38, 1, 8193, 0, W));
	OK(its_hw_discard(hw, 0x38, 0, W));
	assert_int_equal(its_hw_mapd(hw, 0x38, 2, false, W), ITS_HW_E_UNMAP_LIVE);
	assert_string_equal(why,
		"MAPD DevID 0x38 V=0: 1 translation still live (no DISCARD before unmapping the ITT)");
	assert_false(its_hw_is_mapped(hw, 0x38, NULL));
	/* the abandoned ITT's translations are gone with it */
	assert_int_equal(its_hw_live_count(hw, 0x38), 0);
	assert_int_equal(its_hw_live_total(hw), 0);
	/* a new mapping starts from an empty ITT */
	OK(its_hw_mapd(hw, 0x38, 2, true, W));
	OK(its_hw_mapti(hw, 0x38, 1, 8193, 0, W));
	assert_int_equal(its_hw_remap_count(hw, 0x38), 0);
}

static void test_reject_remap_with_live(void **state)
{
	uint32_t nr_ites;

	(void)state;
	/* a remap with an empty ITT is recorded but accepted */
	OK(its_hw_mapd(hw, 0x20, 2, true, W));
	OK(its_hw_mapd(hw, 0x20, 4, true, W));
	assert_int_equal(its_hw_remap_count(hw, 0x20), 1);
	assert_true(its_hw_is_mapped(hw, 0x20, &nr_ites));
	assert_int_equal(nr_ites, 4);
	/* with a live translation it is flagged */
	OK(its_hw_mapti(hw, 0x20, 3, 8208, 0, W));
	assert_int_equal(its_hw_mapd(hw, 0x20, 128, true, W), ITS_HW_E_REMAP_LIVE);
	assert_string_equal(why,
		"MAPD DevID 0x20 V=1: already mapped (Size 1) with 1 live translation");
	assert_int_equal(its_hw_remap_count(hw, 0x20), 2);
	assert_true(its_hw_is_mapped(hw, 0x20, &nr_ites));
	assert_int_equal(nr_ites, 128);
	assert_int_equal(its_hw_live_count(hw, 0x20), 0);	/* new, empty ITT */
	OK(its_hw_mapti(hw, 0x20, 3, 8208, 0, W));
}

static void test_reject_mapd_zero_ites(void **state)
{
	(void)state;
	assert_int_equal(its_hw_mapd(hw, 0x40, 0, true, W), ITS_HW_E_PARAM);
	assert_false(its_hw_is_mapped(hw, 0x40, NULL));
}

/* ---- capacity, reset ---- */

static void test_capacity_devices(void **state)
{
	uint32_t d;

	(void)state;
	for (d = 0; d < ITS_HW_MAX_DEVS; d++)
		OK(its_hw_mapd(hw, d * 8, 2, true, W));
	assert_int_equal(its_hw_mapd(hw, 0xfff8, 2, true, W), ITS_HW_E_CAPACITY);
	assert_why_has("checker full");
	assert_false(its_hw_is_mapped(hw, 0xfff8, NULL));
	/* known DevIDs keep working, unmapped or not */
	OK(its_hw_mapd(hw, 8, 2, false, W));
	OK(its_hw_mapd(hw, 8, 2, true, W));
	for (d = 0; d < ITS_HW_MAX_DEVS; d++)
		assert_true(its_hw_is_mapped(hw, d * 8, NULL));
	/* reset frees every slot */
	its_hw_reset(hw);
	OK(its_hw_mapd(hw, 0xfff8, 2, true, W));
	assert_false(its_hw_is_mapped(hw, 0, NULL));
}

static void test_capacity_translations(void **state)
{
	uint32_t d, ev, lpi;

	(void)state;
	for (d = 0; d < ITS_HW_MAX_ITES / 1024; d++) {
		OK(its_hw_mapd(hw, d, 1024, true, W));
		for (ev = 0; ev < 1024; ev++)
			OK(its_hw_mapti(hw, d, ev, 8192 + d * 1024 + ev, ev % 4, W));
	}
	assert_int_equal(its_hw_live_total(hw), ITS_HW_MAX_ITES);
	OK(its_hw_mapd(hw, 0x1000, 2, true, W));
	assert_int_equal(its_hw_mapti(hw, 0x1000, 0, 8192, 0, W), ITS_HW_E_CAPACITY);
	assert_false(its_hw_live(hw, 0x1000, 0, NULL));
	/* every translation is still findable */
	for (d = 0; d < ITS_HW_MAX_ITES / 1024; d++)
		for (ev = 0; ev < 1024; ev++) {
			assert_true(its_hw_live(hw, d, ev, &lpi));
			assert_int_equal(lpi, 8192 + d * 1024 + ev);
		}
	/* one DISCARD makes room again */
	OK(its_hw_discard(hw, 5, 77, W));
	OK(its_hw_mapti(hw, 0x1000, 0, 8192, 0, W));
	assert_int_equal(its_hw_live_total(hw), ITS_HW_MAX_ITES);
	/* unmapping 1024 at once (flagged) returns them all */
	assert_int_equal(its_hw_mapd(hw, 7, 1024, false, W), ITS_HW_E_UNMAP_LIVE);
	assert_int_equal(its_hw_live_total(hw), ITS_HW_MAX_ITES - 1024);
}

static void test_reset(void **state)
{
	(void)state;
	OK(its_hw_mapd(hw, 0x10, 4, true, W));
	OK(its_hw_mapti(hw, 0x10, 0, 8193, 0, W));
	its_hw_reset(hw);
	assert_false(its_hw_is_mapped(hw, 0x10, NULL));
	assert_false(its_hw_live(hw, 0x10, 0, NULL));
	assert_int_equal(its_hw_live_count(hw, 0x10), 0);
	assert_int_equal(its_hw_live_total(hw), 0);
	assert_int_equal(hw->nr_devs, 0);
	/* the stale entries of the old generation do not interfere */
	assert_int_equal(its_hw_mapti(hw, 0x10, 0, 8193, 0, W), ITS_HW_E_UNMAPPED);
	OK(its_hw_mapd(hw, 0x10, 4, true, W));
	OK(its_hw_mapti(hw, 0x10, 0, 8193, 0, W));
	assert_int_equal(its_hw_live_total(hw), 1);
}

/* when the generation wraps, stamps of long ago must not come back to life */
static void test_reset_generation_wrap(void **state)
{
	(void)state;
	OK(its_hw_mapd(hw, 0x10, 4, true, W));	/* stamped with generation 1 */
	OK(its_hw_mapti(hw, 0x10, 0, 8193, 0, W));
	hw->gen = UINT32_MAX;			/* 2^32 - 2 resets later */
	hw->nr_devs = 0;
	hw->nr_live = 0;
	assert_false(its_hw_is_mapped(hw, 0x10, NULL));
	its_hw_reset(hw);			/* wraps to 0 → back to 1 */
	assert_int_equal(hw->gen, 1);
	assert_false(its_hw_is_mapped(hw, 0x10, NULL));
	assert_false(its_hw_live(hw, 0x10, 0, NULL));
	OK(its_hw_mapd(hw, 0x10, 4, true, W));
	OK(its_hw_mapti(hw, 0x10, 0, 8193, 0, W));
}

static void test_problem_names(void **state)
{
	int p;

	(void)state;
	for (p = 0; p < ITS_HW_E__COUNT; p++) {
		const char *name = its_hw_problem_name(p);
		int q;

		assert_non_null(name);
		assert_true(strlen(name) > 1);
		for (q = 0; q < p; q++)
			assert_string_not_equal(name, its_hw_problem_name(q));
	}
	assert_string_equal(its_hw_problem_name(-1), "unknown");
	assert_string_equal(its_hw_problem_bug(ITS_HW_E_MAPD_IDBITS), "B6");
	assert_string_equal(its_hw_problem_bug(ITS_HW_E_EVENT_IDBITS), "B6");
	assert_null(its_hw_problem_bug(ITS_HW_E_ITT_RANGE));
	assert_null(its_hw_problem_bug(ITS_HW_E_CAPACITY));
	assert_string_equal(its_hw_problem_name(ITS_HW_E__COUNT), "unknown");
	/* no reason is written when the buffer has no room */
	memcpy(why, "untouched", 10);
	assert_int_equal(its_hw_discard(hw, 1, 0, why, 0), ITS_HW_E_UNMAPPED);
	assert_string_equal(why, "untouched");
}

/* ---- random stream vs a plain-array reference ---- */

#define RDEV	24
#define REV	40

static uint64_t rng = 0x13198a2e03707344ULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

struct ref {
	bool mapped[RDEV];
	uint32_t size[RDEV];
	bool live[RDEV][REV];
	uint32_t lpi[RDEV][REV], cpu[RDEV][REV];
};

static void ref_drop(struct ref *r, uint32_t d)
{
	memset(r->live[d], 0, sizeof(r->live[d]));
}

static uint32_t ref_count(const struct ref *r, uint32_t d)
{
	uint32_t e, n = 0;

	for (e = 0; e < REV; e++)
		n += r->live[d][e];
	return n;
}

static void test_random_stream(void **state)
{
	static struct ref r;
	uint32_t iter, d, e, total;

	(void)state;
	its_hw_init(hw, 5, 16);		/* 32 EventIDs: REV exceeds it */
	for (iter = 0; iter < 300000; iter++) {
		uint32_t op = rnd(100), want;
		uint32_t dev = rnd(RDEV) * 0x101;	/* spread the hash */
		uint32_t di = dev / 0x101, ev = rnd(REV), lpi = 8192 + rnd(4096);
		uint32_t cpu = rnd(4);

		if (iter % 50000 == 0) {
			its_hw_reset(hw);
			memset(&r, 0, sizeof(r));
		}
		if (op < 10) {
			uint32_t nr = 1u << (1 + rnd(6));	/* Size 0..5 */
			bool live = ref_count(&r, di) != 0;

			want = ITS_HW_OK;
			if (nr > 32)
				want = ITS_HW_E_MAPD_IDBITS;
			else if (r.mapped[di] && live)
				want = ITS_HW_E_REMAP_LIVE;
			assert_int_equal(its_hw_mapd(hw, dev, nr, true, W), want);
			ref_drop(&r, di);
			r.mapped[di] = true;
			r.size[di] = (uint32_t)__builtin_ctz(nr) - 1;
		} else if (op < 14) {
			want = r.mapped[di] && ref_count(&r, di) ? ITS_HW_E_UNMAP_LIVE : ITS_HW_OK;
			assert_int_equal(its_hw_mapd(hw, dev, 2, false, W), want);
			ref_drop(&r, di);
			r.mapped[di] = false;
		} else if (op < 55) {
			if (!r.mapped[di])
				want = ITS_HW_E_UNMAPPED;
			else if (ev >= 1u << (r.size[di] + 1))
				want = ITS_HW_E_ITT_RANGE;
			else if (ev >= 32)
				want = ITS_HW_E_EVENT_IDBITS;
			else if (r.live[di][ev])
				want = ITS_HW_E_MAPTI_LIVE;
			else
				want = ITS_HW_OK;
			assert_int_equal(its_hw_mapti(hw, dev, ev, lpi, cpu, W), want);
			if (r.mapped[di]) {
				r.live[di][ev] = true;
				r.lpi[di][ev] = lpi;
				r.cpu[di][ev] = cpu;
			}
		} else if (op < 90) {
			want = !r.mapped[di] ? ITS_HW_E_UNMAPPED :
			       !r.live[di][ev] ? ITS_HW_E_DISCARD_NONE : ITS_HW_OK;
			assert_int_equal(its_hw_discard(hw, dev, ev, W), want);
			if (r.mapped[di])
				r.live[di][ev] = false;
		} else {
			want = !r.mapped[di] ? ITS_HW_E_UNMAPPED :
			       !r.live[di][ev] ? ITS_HW_E_MOVI_NONE : ITS_HW_OK;
			assert_int_equal(its_hw_movi(hw, dev, ev, cpu, W), want);
			if (want == ITS_HW_OK)
				r.cpu[di][ev] = cpu;
		}
		if (iter % 997 == 0) {
			total = 0;
			for (d = 0; d < RDEV; d++) {
				assert_int_equal(its_hw_is_mapped(hw, d * 0x101, NULL), r.mapped[d]);
				assert_int_equal(its_hw_live_count(hw, d * 0x101), ref_count(&r, d));
				total += ref_count(&r, d);
				for (e = 0; e < REV; e++) {
					uint32_t got_lpi = 0, got_cpu = 0;

					assert_int_equal(its_hw_live(hw, d * 0x101, e, &got_lpi),
							 r.live[d][e]);
					if (!r.live[d][e])
						continue;
					assert_true(its_hw_live_cpu(hw, d * 0x101, e, &got_cpu));
					assert_int_equal(got_lpi, r.lpi[d][e]);
					assert_int_equal(got_cpu, r.cpu[d][e]);
				}
			}
			assert_int_equal(its_hw_live_total(hw), total);
		}
	}
}

#define T(fn)	cmocka_unit_test_setup(fn, fresh)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_accept_lifecycle),
		T(test_accept_reactivation),
		T(test_accept_6_1_rebind),
		T(test_accept_unmap_unmapped),
		T(test_reject_mapti_unmapped),
		T(test_reject_mapti_outside_itt),
		T(test_reject_b6_eventid_width),
		T(test_reject_devid_out_of_range),
		T(test_reject_mapti_over_live),
		T(test_reject_mapti_not_lpi),
		T(test_reject_discard_without_translation),
		T(test_reject_movi_without_translation),
		T(test_reject_unmap_with_live),
		T(test_reject_remap_with_live),
		T(test_reject_mapd_zero_ites),
		T(test_capacity_devices),
		T(test_capacity_translations),
		T(test_reset),
		T(test_reset_generation_wrap),
		T(test_problem_names),
		T(test_random_stream),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
