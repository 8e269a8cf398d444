// SPDX-License-Identifier: GPL-2.0
/*
 * test_invariants.c - every invariant the model checks (spec §6.1-§6.3),
 * made to fire and shown to stay quiet on the matching clean run.
 *
 * A violation is built either by a sequence of operations that really
 * reaches it (a profile, a switch of §8, a fault point) or by corrupting
 * the machine through model/internals.h and then running the checks
 * (ml_check_invariants() or the next operation).  Invariants checked
 * inline in a code path are reached by driving that path over corrupted
 * state.  Each test asserts the invariant name and, where the model tags
 * one, the known-bug id of spec §7.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "model_helpers.h"

#define MSI	ML_PCI_IRQ_MSI
#define MSIX	ML_PCI_IRQ_MSIX

/* One PCI device "dev0" (DevID 0x10) on @profile, enabled (non-pcim). */
static int one_pci(struct mh *h, const char *profile, uint32_t msi, uint32_t msix)
{
	int d;

	mh_config(h, profile);
	d = mh_pci(h, "0000:00:02.0", 0x10, 0x10, msi, msix);
	mh_start(h);
	mh_enable(h, d);
	return d;
}

/* One platform device "plat0" (DevID 0x40) on @profile. */
static int one_platform(struct mh *h, const char *profile)
{
	int d;

	mh_config(h, profile);
	d = mh_platform(h, "plat0", 0x40, false);
	mh_start(h);
	return d;
}

/* ---- INV-P1 ---- */

/* §7 B1 minimal trigger, 6.11-6.15: the second alloc_range re-prepares. */
static void test_p1_fires_b1_platform_612(void **state)
{
	struct mh *h = *state;
	int d = one_platform(h, "6.12");

	assert_int_equal(mh_create_domain(h, d, 8), 1);
	assert_int_equal(mh_alloc_range(h, d, 0, 0), 0);
	mh_assert_no_viol(h, "INV-P1");
	assert_int_equal(mh_alloc_range(h, d, 1, 1), 0);
	mh_assert_viol(h, "INV-P1", "B1");
	assert_int_equal(mh_count(h, ML_EV_MSI_PREPARE), 2);
	/* the second prepare found the device and marked it shared */
	assert_true(mh_itsdev_must(h, 0x40)->shared);
}

/* 6.1: the global domain prepares on every allocation of a binding. */
static void test_p1_fires_b1_pci_61(void **state)
{
	struct mh *h = *state;
	int d = one_pci(h, "6.1", 0, 16);

	assert_int_equal(mh_alloc(h, d, 1, 1, MSIX), 1);
	mh_free_vectors(h, d);
	mh_assert_no_viol(h, "INV-P1");
	assert_int_equal(mh_alloc(h, d, 1, 3, MSIX), 3);
	mh_assert_viol(h, "INV-P1", "B1");
}

static void test_p1_clean_616(void **state)
{
	struct mh *h = *state;
	int d = one_platform(h, "6.16");

	assert_int_equal(mh_create_domain(h, d, 8), 1);
	assert_int_equal(mh_alloc_range(h, d, 0, 0), 0);
	assert_int_equal(mh_alloc_range(h, d, 1, 1), 0);
	assert_int_equal(mh_count(h, ML_EV_MSI_PREPARE), 1);
	mh_assert_no_viol(h, "INV-P1");
	assert_false(mh_itsdev_must(h, 0x40)->shared);
	mh_assert_clean(h);
}

/* ---- INV-P2 ---- */

/* Switch combination: teardown on removal without prepare at creation. */
static void test_p2_fires_teardown_without_prepare(void **state)
{
	struct mh *h = *state;
	int d;

	mh_config(h, "6.12");
	mh_switch(h, ML_SW_TEARDOWN_ON_REMOVE, true);
	d = mh_platform(h, "plat0", 0x40, false);
	mh_start(h);
	assert_int_equal(mh_create_domain(h, d, 8), 1);
	mh_remove_domain(h, d);
	mh_assert_viol(h, "INV-P2", NULL);
	assert_int_equal(mh_count(h, ML_EV_MSI_TEARDOWN), 1);
}

/* Corruption: put a removed (torn down) domain back in the slot, remove again. */
static void test_p2_fires_teardown_twice(void **state)
{
	struct mh *h = *state;
	int d = one_platform(h, "6.16");
	int dom;

	assert_int_equal(mh_create_domain(h, d, 8), 1);
	dom = h->m->dev[d].domain;
	assert_true(dom >= 0);
	mh_remove_domain(h, d);
	mh_assert_no_viol(h, "INV-P2");
	h->m->dev[d].domain = dom;
	h->m->dom[dom].live = true;
	mh_clear(h);
	mh_remove_domain(h, d);
	mh_assert_viol(h, "INV-P2", NULL);
}

static void test_p2_clean(void **state)
{
	struct mh *h = *state;
	int d = one_platform(h, "6.16");

	assert_int_equal(mh_create_domain(h, d, 8), 1);
	assert_int_equal(mh_alloc_range(h, d, 0, 3), 0);
	mh_free_range(h, d, 0, 3);
	mh_remove_domain(h, d);
	assert_int_equal(mh_count(h, ML_EV_MSI_TEARDOWN), 1);
	assert_int_equal(mh_count(h, ML_EV_ITS_MSI_TEARDOWN), 1);
	assert_int_equal(mh_count_mapd(h, false), 1);
	mh_assert_clean(h);
}

/* §2.6 point 2: a prepare that fails at domain creation gets no teardown. */
static void test_p2_clean_failed_prepare(void **state)
{
	struct mh *h = *state;
	int d = one_pci(h, "6.16", 0, 4);

	mh_fault(h, ML_F_ITS_ALLOC_DEVICE_TABLE, 0, 1);
	assert_int_equal(mh_alloc(h, d, 1, 4, MSIX), ML_ENODEV);
	assert_int_equal(mh_must(h, ML_EV_MSI_PREPARE, 0)->ret, ML_ENOMEM);
	assert_int_equal(mh_must(h, ML_EV_MSI_CREATE_DOMAIN, 0)->ret, 0);
	assert_int_equal(h->m->dev[d].domain, -1);
	mh_unbind(h, d);
	assert_int_equal(mh_count(h, ML_EV_MSI_TEARDOWN), 0);
	assert_int_equal(mh_count(h, ML_EV_MSI_REMOVE_DOMAIN), 0);
	mh_assert_clean(h);
}

/* ---- INV-P3 ---- */

static void test_p3_fires_b5(void **state)
{
	struct mh *h = *state;
	int d;

	mh_config(h, "6.16");
	mh_switch(h, ML_SW_ITS_TEARDOWN_BY_DEVID, true);
	d = mh_platform(h, "plat0", 0x40, false);
	mh_start(h);
	assert_int_equal(mh_create_domain(h, d, 8), 1);
	mh_remove_domain(h, d);
	mh_assert_viol(h, "INV-P3", "B5");
	/* the lookup missed: nothing was freed */
	assert_int_equal(mh_count_mapd(h, false), 0);
	assert_true(mh_itsdev(h, 0x40) >= 0);
}

static void test_p3_clean(void **state)
{
	struct mh *h = *state;
	int d = one_platform(h, "6.16");

	assert_int_equal(mh_create_domain(h, d, 8), 1);
	mh_remove_domain(h, d);
	mh_assert_no_viol(h, "INV-P3");
	assert_int_equal(mh_itsdev(h, 0x40), -1);
	mh_assert_clean(h);
}

/*
 * Corruption: the domain's template points at another DevID's its_device,
 * so allocations on D land in a device prepare(D) never created.
 */
static void test_p3_fires_template_not_prepare_device(void **state)
{
	struct mh *h = *state;
	int a, b, dom, other;

	mh_config(h, "6.16");
	a = mh_pci(h, "0000:00:02.0", 0x10, 0x10, 0, 4);
	b = mh_pci(h, "0000:00:03.0", 0x18, 0x18, 0, 4);
	mh_start(h);
	mh_enable(h, a);
	mh_enable(h, b);
	assert_int_equal(mh_alloc(h, a, 1, 1, MSIX), 1);
	assert_int_equal(mh_alloc(h, b, 1, 1, MSIX), 1);
	mh_free_vectors(h, a);
	dom = h->m->dev[a].domain;
	other = mh_itsdev(h, 0x18);
	h->m->dom[dom].template.its_dev = other;
	h->m->dom[dom].template.its_dev_gen = h->m->itsdev[other].gen;
	mh_clear(h);
	assert_int_equal(mh_alloc(h, a, 1, 1, MSIX), 1);
	assert_int_equal(mh_must(h, ML_EV_MAPTI, 0)->devid, 0x18);
	/* spec §6.1 INV-P3: the copy must point at the device prepare(D) gave */
	mh_assert_viol(h, "INV-P3", NULL);
}

/* ---- INV-P4 ---- */

/* §7 B4: 6.16 without 9cc82d99b13c sizes the PCI/MSI domain 1. */
static void test_p4_fires_b4(void **state)
{
	struct mh *h = *state;
	int d;

	mh_config(h, "6.16");
	mh_switch(h, ML_SW_PCI_MSI_DOMAIN_HWSIZE_MMC, false);
	d = mh_pci(h, "0000:00:06.0", 0x30, 0x30, 4, 0);
	mh_start(h);
	mh_enable(h, d);
	assert_int_equal(mh_alloc(h, d, 1, 4, MSI), 1);
	mh_assert_viol(h, "INV-P4", "B4");
	assert_int_equal(mh_itsdev_must(h, 0x30)->nr_lpis, 1);
}

static void test_p4_clean(void **state)
{
	struct mh *h = *state;
	int d = one_pci(h, "6.16", 4, 0);

	assert_int_equal(mh_alloc(h, d, 1, 4, MSI), 4);
	mh_assert_no_viol(h, "INV-P4");
	assert_int_equal(mh_itsdev_must(h, 0x10)->nr_lpis, 4);
	mh_assert_clean(h);
}

/* ---- INV-I1 ---- */

/* §7 B3: Multi-MSI of 3 on an MMC-4 device leaves bit 3 set after the free. */
static void test_i1_fires_b3(void **state)
{
	struct mh *h = *state;
	int d = one_pci(h, "6.16", 4, 0);

	assert_int_equal(mh_alloc(h, d, 3, 3, MSI), 3);
	mh_assert_no_viol(h, "INV-I1");	/* the padding belongs to the live block */
	mh_free_vectors(h, d);
	mh_assert_viol(h, "INV-I1", "B3");
	/* 6.16: the domain still holds the device, so no quiescent leak yet */
	mh_assert_no_viol(h, "INV-I3");
}

/* Corruption: a bit set in a clean device's EventID map. */
static void test_i1_fires_flipped_bit(void **state)
{
	struct mh *h = *state;
	int d = one_pci(h, "6.16", 0, 4);
	struct ml_its_device *id;

	assert_int_equal(mh_alloc(h, d, 1, 1, MSIX), 1);
	mh_assert_clean(h);
	id = mh_itsdev_must(h, 0x10);
	bitmap_set(ml_words(h->m, id->map), 2, 1);
	mh_check(h);
	mh_assert_viol(h, "INV-I1", NULL);
}

static void test_i1_clean(void **state)
{
	struct mh *h = *state;
	int d = one_pci(h, "6.16", 4, 0);

	assert_int_equal(mh_alloc(h, d, 4, 4, MSI), 4);
	mh_free_vectors(h, d);
	mh_check(h);
	mh_assert_no_viol(h, "INV-I1");
	mh_assert_clean(h);
}

/* ---- INV-I2 ---- */

static void test_i2_fires_corrupt_nr_ites(void **state)
{
	struct mh *h = *state;
	int d = one_pci(h, "6.16", 0, 4);

	assert_int_equal(mh_alloc(h, d, 4, 4, MSIX), 4);
	mh_itsdev_must(h, 0x10)->nr_ites = 3;
	mh_check(h);
	mh_assert_viol(h, "INV-I2", NULL);
}

static void test_i2_fires_corrupt_nvecs(void **state)
{
	struct mh *h = *state;
	int d = one_pci(h, "6.16", 0, 4);

	assert_int_equal(mh_alloc(h, d, 4, 4, MSIX), 4);
	mh_itsdev_must(h, 0x10)->nvecs = 8;	/* nvecs > nr_ites */
	mh_check(h);
	mh_assert_viol(h, "INV-I2", NULL);
}

static void test_i2_clean(void **state)
{
	struct mh *h = *state;
	int d = one_pci(h, "6.16", 0, 6);
	struct ml_its_device *id;

	assert_int_equal(mh_alloc(h, d, 6, 6, MSIX), 6);
	id = mh_itsdev_must(h, 0x10);
	assert_int_equal(id->nr_lpis, 8);
	assert_int_equal(id->nr_ites, 8);
	mh_check(h);
	mh_assert_clean(h);
}

/* ---- INV-I3, conservation form ---- */

/* Fault point 4 of §8: free_lpi_range's kmalloc fails, the LPIs are lost. */
static void test_i3_fires_free_lpi_range_fault(void **state)
{
	struct mh *h = *state;
	int d = one_pci(h, "6.12", 0, 4);
	const char *bug = "unset";

	assert_int_equal(mh_alloc(h, d, 1, 1, MSIX), 1);
	mh_fault(h, ML_F_FREE_LPI_RANGE, 0, 1);
	mh_free_vectors(h, d);
	assert_int_equal(mh_count_warn(h, "its_lpi_free"), 1);
	assert_int_equal(mh_viol(h, "INV-I3", &bug), 1);
	assert_null(bug);
	assert_non_null(strstr(mh_viol_detail(h, "INV-I3"), "free_lpi_range"));
}

/* §7 B13: the col_map allocation fails after its_lpi_alloc succeeded. */
static void test_i3_fires_b13(void **state)
{
	struct mh *h = *state;
	int d = one_pci(h, "6.16", 0, 4);

	mh_fault(h, ML_F_ITS_CREATE_DEVICE_COL_MAP, 0, 1);
	assert_int_equal(mh_alloc(h, d, 1, 4, MSIX), ML_ENODEV);
	mh_assert_viol(h, "INV-I3", "B13");
	assert_int_equal(h->m->its[0].lost_lpis, 4);
}

/* Corruption: the free list loses one LPI. */
static void test_i3_fires_corrupt_free_list_total(void **state)
{
	struct mh *h = *state;

	one_pci(h, "6.16", 0, 4);
	h->m->its[0].lpi.r[0].span--;
	mh_check(h);
	mh_assert_viol(h, "INV-I3", NULL);
}

/* Corruption: two touching free ranges (should have been merged). */
static void test_i3_fires_corrupt_free_list_adjacent(void **state)
{
	struct mh *h = *state;
	struct its_lpi_state *s;

	one_pci(h, "6.16", 0, 4);
	s = &h->m->its[0].lpi;
	assert_int_equal(s->nr, 1);
	s->r[1].base = s->r[0].base + 16;
	s->r[1].span = s->r[0].span - 16;
	s->r[0].span = 16;
	s->nr = 2;
	mh_check(h);
	mh_assert_viol(h, "INV-I3", NULL);
	assert_non_null(strstr(mh_viol_detail(h, "INV-I3"), "free list"));
}

static void test_i3_conservation_clean(void **state)
{
	struct mh *h = *state;
	int d = one_pci(h, "6.12", 0, 4);

	assert_int_equal(mh_alloc(h, d, 1, 4, MSIX), 4);
	mh_free_vectors(h, d);
	assert_int_equal(h->m->its[0].lpi.nr, 1);
	assert_int_equal(h->m->its[0].lpi.r[0].base, 8192);
	assert_int_equal(h->m->its[0].lpi.r[0].span, 57344);
	mh_check(h);
	mh_assert_clean(h);
}

/* ---- INV-I3, quiescent (leak) form ---- */

/* ≤ 6.15 B3: the orphan bit keeps the device alive after every irq is gone. */
static void test_i3_quiescent_fires_b3_612(void **state)
{
	struct mh *h = *state;
	int d = one_pci(h, "6.12", 4, 0);

	assert_int_equal(mh_alloc(h, d, 3, 3, MSI), 3);
	mh_free_vectors(h, d);
	mh_assert_viol(h, "INV-I3", "B3");
	mh_assert_viol(h, "INV-I1", "B3");
	assert_int_equal(mh_count_mapd(h, false), 0);
}

/* §7 B1 end state on 6.12: the accidentally shared device is never freed. */
static void test_i3_quiescent_fires_b1_612(void **state)
{
	struct mh *h = *state;
	int d = one_platform(h, "6.12");

	assert_int_equal(mh_create_domain(h, d, 8), 1);
	assert_int_equal(mh_alloc_range(h, d, 0, 0), 0);
	assert_int_equal(mh_alloc_range(h, d, 1, 1), 0);
	mh_clear(h);
	mh_free_range(h, d, 0, 1);
	mh_remove_domain(h, d);
	mh_assert_viol(h, "INV-I3", "B1");
	assert_int_equal(mh_count_mapd(h, false), 0);
}

/* §7 B8 trigger B then a second allocation: the re-prepare shares the device. */
static void test_i3_quiescent_fires_b8_612(void **state)
{
	struct mh *h = *state;
	int d = one_pci(h, "6.12", 0, 4);

	mh_fault(h, ML_F_IRQ_DOMAIN_ALLOC_DESCS, 0, 1);
	assert_int_equal(mh_alloc(h, d, 1, 1, MSIX), ML_ENOSPC);
	mh_assert_viol(h, "INV-M4", "B8");
	mh_clear(h);
	assert_int_equal(mh_alloc(h, d, 1, 1, MSIX), 1);
	assert_true(mh_itsdev_must(h, 0x10)->shared);
	mh_free_vectors(h, d);
	mh_assert_viol(h, "INV-I3", "B8");
}

/*
 * §7 B8 trigger A: its_lpi_alloc(32) grants 16, Multi-MSI 32 fails in the
 * ITS before taking a bit, the retry with 1 re-prepares and shares the
 * empty device, which is never released after the driver's free.
 */
static void test_i3_quiescent_fires_b8_trigger_a_612(void **state)
{
	struct mh *h = *state;
	int a, c;

	mh_config(h, "6.12");
	h->cfg.its[0].num_lpis = 32;
	a = mh_pci(h, "0000:00:02.0", 0x10, 0x10, 0, 16);
	c = mh_pci(h, "0000:00:04.0", 0x20, 0x20, 32, 0);
	mh_start(h);
	mh_enable(h, a);
	mh_enable(h, c);
	assert_int_equal(mh_alloc(h, a, 16, 16, MSIX), 16);
	assert_int_equal(mh_alloc(h, c, 1, 32, MSI), 1);
	mh_assert_viol(h, "INV-M4", "B8");
	assert_int_equal(mh_itsdev_must(h, 0x20)->nr_lpis, 16);
	assert_true(mh_itsdev_must(h, 0x20)->shared);
	mh_clear(h);
	mh_free_vectors(h, c);
	mh_assert_viol(h, "INV-I3", "B8");
	assert_int_equal(mh_count_mapd(h, false), 0);
}

/*
 * §7 B10 on 6.16: the domain is removed with live irqs, the teardown WARNs
 * and the its_device leaks.  Spec §6.2 lists B10 among the INV-I3 breakers
 * and §7 B10 says "Breaks INV-C3, then INV-I3 on 6.16+".
 */
static void test_i3_quiescent_fires_b10_616(void **state)
{
	struct mh *h = *state;
	int d = one_pci(h, "6.16", 0, 4);

	assert_int_equal(mh_alloc(h, d, 4, 4, MSIX), 4);
	mh_unbind(h, d);
	mh_assert_viol(h, "INV-C3", "B10");
	assert_int_equal(mh_count_warn(h, "its_msi_teardown"), 1);
	assert_true(mh_itsdev(h, 0x10) >= 0);
	mh_check(h);
	/*
	 * Spec §6.2 INV-I3 (quiescent form) and §7 B10 ("then INV-I3 on
	 * 6.16+"): once the domain is gone, the leaked irqs can never be freed
	 * and do not keep the device legitimately alive.
	 */
	mh_assert_viol(h, "INV-I3", "B10");
}

static void test_i3_quiescent_clean(void **state)
{
	struct mh *h = *state;
	int d = one_pci(h, "6.16", 4, 0);

	assert_int_equal(mh_alloc(h, d, 4, 4, MSI), 4);
	mh_free_vectors(h, d);
	mh_unbind(h, d);
	assert_int_equal(mh_itsdev(h, 0x10), -1);
	assert_int_equal(h->m->its[0].lpi.nr, 1);
	assert_int_equal(h->m->its[0].lpi.r[0].span, 57344);
	mh_check(h);
	mh_assert_clean(h);
}

/* ---- INV-I4 ---- */

static int two_pci_allocated(struct mh *h)
{
	int a, b;

	mh_config(h, "6.16");
	a = mh_pci(h, "0000:00:02.0", 0x10, 0x10, 0, 4);
	b = mh_pci(h, "0000:00:03.0", 0x18, 0x18, 0, 4);
	mh_start(h);
	mh_enable(h, a);
	mh_enable(h, b);
	assert_int_equal(mh_alloc(h, a, 4, 4, MSIX), 4);
	assert_int_equal(mh_alloc(h, b, 4, 4, MSIX), 4);
	mh_assert_clean(h);
	return b;
}

static void test_i4_fires_devices_overlap(void **state)
{
	struct mh *h = *state;

	two_pci_allocated(h);
	assert_int_equal(mh_itsdev_must(h, 0x10)->lpi_base, 8192);
	assert_int_equal(mh_itsdev_must(h, 0x18)->lpi_base, 8196);
	mh_itsdev_must(h, 0x18)->lpi_base = 8194;
	mh_check(h);
	mh_assert_viol(h, "INV-I4", NULL);
	mh_assert_no_viol(h, "INV-I3");	/* the count is still right */
}

static void test_i4_fires_device_overlaps_free(void **state)
{
	struct mh *h = *state;

	two_pci_allocated(h);
	mh_itsdev_must(h, 0x18)->lpi_base = 8200;	/* first free LPI */
	mh_check(h);
	mh_assert_viol(h, "INV-I4", NULL);
}

static void test_i4_clean(void **state)
{
	struct mh *h = *state;

	two_pci_allocated(h);
	mh_check(h);
	mh_assert_clean(h);
}

/* ---- INV-I5 ---- */

/* §7 B6: an ITS with 1 EventID bit, MSI-X table 4. */
static void test_i5_fires_b6(void **state)
{
	struct mh *h = *state;
	int d;

	mh_config(h, "6.12");
	h->cfg.its[0].event_bits = 1;
	d = mh_pci(h, "0000:00:02.0", 0x10, 0x10, 0, 4);
	mh_start(h);
	mh_enable(h, d);
	assert_int_equal(mh_alloc(h, d, 4, 4, MSIX), 4);
	mh_assert_viol(h, "INV-I5", "B6");
	assert_int_equal(mh_must(h, ML_EV_MAPD, 0)->nr_ites, 4);
}

/* Corruption: a DISCARD for an EventID the ITS never mapped. */
static void test_i5_fires_discard_without_translation(void **state)
{
	struct mh *h = *state;
	int d = one_pci(h, "6.16", 0, 4);
	int virq;

	assert_int_equal(mh_alloc(h, d, 1, 1, MSIX), 1);
	virq = mh_virq(h, d, 0);
	assert_true(virq > 0);
	h->m->irq[virq].eventid = 3;
	mh_free_vectors(h, d);
	mh_assert_viol(h, "INV-I5", NULL);
}

/* The Feb-2026 clamp keeps the MAPD and the MAPTIs inside 1 EventID bit. */
static void test_i5_clean_with_clamp(void **state)
{
	struct mh *h = *state;
	int d;

	mh_config(h, "6.16");
	mh_switch(h, ML_SW_ITS_EVENTID_CLAMP, true);
	h->cfg.its[0].event_bits = 1;
	d = mh_pci(h, "0000:00:02.0", 0x10, 0x10, 0, 4);
	mh_start(h);
	mh_enable(h, d);
	assert_int_equal(mh_alloc(h, d, 1, 4, MSIX), 2);
	assert_int_equal(mh_must(h, ML_EV_MAPD, 0)->nr_ites, 2);
	mh_free_vectors(h, d);
	mh_unbind(h, d);
	mh_assert_no_viol(h, "INV-I5");
}

/* ---- INV-I6 ---- */

/* Corruption: the template's its_device pointer goes stale before an alloc. */
static void test_i6_fires_alloc_on_stale_device(void **state)
{
	struct mh *h = *state;
	int d = one_pci(h, "6.16", 0, 4);
	int dom;

	assert_int_equal(mh_alloc(h, d, 1, 1, MSIX), 1);
	mh_free_vectors(h, d);
	dom = h->m->dev[d].domain;
	h->m->dom[dom].template.its_dev_gen += 100;
	mh_clear(h);
	assert_int_equal(mh_alloc(h, d, 1, 1, MSIX), ML_ENOSPC);
	mh_assert_viol(h, "INV-I6", NULL);
}

/* Corruption: an irq whose chip data is a freed its_device is freed. */
static void test_i6_fires_free_on_stale_device(void **state)
{
	struct mh *h = *state;
	int d = one_pci(h, "6.16", 0, 4);
	int virq;

	assert_int_equal(mh_alloc(h, d, 1, 1, MSIX), 1);
	virq = mh_virq(h, d, 0);
	h->m->irq[virq].its_dev_gen += 100;
	mh_free_vectors(h, d);
	mh_assert_viol(h, "INV-I6", NULL);
}

/* Switch combination 6.12 + TEARDOWN_ON_REMOVE: teardown with no device. */
static void test_i6_fires_teardown_unprepared(void **state)
{
	struct mh *h = *state;
	int d;

	mh_config(h, "6.12");
	mh_switch(h, ML_SW_TEARDOWN_ON_REMOVE, true);
	d = mh_platform(h, "plat0", 0x40, false);
	mh_start(h);
	assert_int_equal(mh_create_domain(h, d, 8), 1);
	mh_remove_domain(h, d);
	mh_assert_viol(h, "INV-I6", NULL);
}

/* Corruption: an irq of a freed its_device is activated again (request_irq). */
static void test_i6_fires_activate_on_stale_device(void **state)
{
	struct mh *h = *state;
	int d = one_pci(h, "6.16", 0, 4);
	int virq;

	assert_int_equal(mh_alloc(h, d, 1, 1, MSIX), 1);
	assert_int_equal(mh_request(h, d, 0), 0);
	assert_int_equal(mh_free_irq(h, d, 0), 0);
	virq = mh_virq(h, d, 0);
	h->m->irq[virq].its_dev_gen += 100;
	mh_clear(h);
	/* spec §6.2 INV-I6 covers activate: the model refuses the activation */
	assert_int_equal(mh_request(h, d, 0), -22);
	mh_assert_viol(h, "INV-I6", NULL);
}

static void test_i6_clean(void **state)
{
	struct mh *h = *state;
	int d = one_pci(h, "6.16", 0, 4);

	assert_int_equal(mh_alloc(h, d, 1, 1, MSIX), 1);
	mh_free_vectors(h, d);
	assert_int_equal(mh_alloc(h, d, 2, 2, MSIX), 2);
	mh_free_vectors(h, d);
	mh_unbind(h, d);
	mh_assert_clean(h);
}

/* ---- INV-I7 ---- */

static void test_i7_fires_two_devices_one_devid(void **state)
{
	struct mh *h = *state;

	two_pci_allocated(h);
	mh_itsdev_must(h, 0x18)->devid = 0x10;
	mh_check(h);
	mh_assert_viol(h, "INV-I7", NULL);
}

/* Two functions behind one PCIe-to-PCI bridge share one DevID, one device. */
static void test_i7_clean_aliases(void **state)
{
	struct mh *h = *state;
	int br, a, b;

	mh_config(h, "6.16");
	br = mh_pci(h, "0000:01:00.0", 0x100, 0x100, 0, 0);
	a = mh_pci(h, "0000:02:01.0", 0x208, 0x100, 0, 2);
	b = mh_pci(h, "0000:02:02.0", 0x210, 0x100, 0, 2);
	h->cfg.dev[a].alias = br;
	h->cfg.dev[b].alias = br;
	mh_start(h);
	mh_enable(h, a);
	mh_enable(h, b);
	assert_int_equal(mh_alloc(h, a, 2, 2, MSIX), 2);
	assert_int_equal(mh_alloc(h, b, 2, 2, MSIX), 2);
	assert_int_equal(mh_count(h, ML_EV_ITS_CREATE_DEVICE), 1);
	assert_true(mh_itsdev_must(h, 0x100)->shared);
	assert_int_equal(mh_itsdev_must(h, 0x100)->nr_lpis, 4);	/* alias_count 2 + 2 */
	mh_check(h);
	mh_assert_no_viol(h, "INV-I7");
	mh_assert_clean(h);
}

/* ---- INV-I8 ---- */

/*
 * INV-I8 is checked only inside its_free_device(), and both callers
 * (its_irq_domain_free, its_msi_teardown) test shared first; the flag is
 * flipped here between that test and the free, from the event hook that
 * sees the its_lpi_free of the same path.
 */
static void set_shared_on_lpi_free(struct mh *h, const struct ml_event *ev)
{
	if (ev->kind == ML_EV_ITS_LPI_FREE) {
		int i = mh_itsdev(h, 0x10);

		if (i >= 0)
			h->m->itsdev[i].shared = true;
	}
}

static void test_i8_fires_shared_device_freed(void **state)
{
	struct mh *h = *state;
	int d = one_pci(h, "6.12", 0, 4);

	assert_int_equal(mh_alloc(h, d, 1, 1, MSIX), 1);
	h->hook = set_shared_on_lpi_free;
	mh_free_vectors(h, d);
	h->hook = NULL;
	mh_assert_viol(h, "INV-I8", NULL);
	assert_int_equal(mh_count(h, ML_EV_ITS_FREE_DEVICE), 1);
}

/* Corruption: a shared (proxy) device loses its shared flag. */
static void test_i8_fires_shared_cleared(void **state)
{
	struct mh *h = *state;
	int br, a;

	mh_config(h, "6.16");
	br = mh_pci(h, "0000:01:00.0", 0x100, 0x100, 0, 0);
	a = mh_pci(h, "0000:02:01.0", 0x208, 0x100, 0, 2);
	h->cfg.dev[a].alias = br;
	mh_start(h);
	mh_enable(h, a);
	assert_int_equal(mh_alloc(h, a, 2, 2, MSIX), 2);
	assert_true(mh_itsdev_must(h, 0x100)->shared);
	mh_itsdev_must(h, 0x100)->shared = false;
	mh_check(h);
	/* spec §6.2 INV-I8: shared never goes from true to false */
	mh_assert_viol(h, "INV-I8", NULL);
}

/* A shared device (B1) is never freed: no free, no INV-I8. */
static void test_i8_clean_shared_kept(void **state)
{
	struct mh *h = *state;
	int d = one_platform(h, "6.12");

	assert_int_equal(mh_create_domain(h, d, 8), 1);
	assert_int_equal(mh_alloc_range(h, d, 0, 0), 0);
	assert_int_equal(mh_alloc_range(h, d, 1, 1), 0);
	mh_free_range(h, d, 0, 1);
	mh_remove_domain(h, d);
	assert_int_equal(mh_count(h, ML_EV_ITS_FREE_DEVICE), 0);
	assert_true(mh_itsdev_must(h, 0x40)->shared);
	mh_assert_no_viol(h, "INV-I8");
}

/* ---- INV-M1 ---- */

static void test_m1_fires_corrupt_multiple(void **state)
{
	struct mh *h = *state;
	int d = one_pci(h, "6.16", 4, 0);
	int desc;

	assert_int_equal(mh_alloc(h, d, 4, 4, MSI), 4);
	mh_assert_clean(h);
	desc = msi_find_desc(h->m, d, 0);
	assert_int_equal(h->m->desc[desc].multiple, 2);
	h->m->desc[desc].multiple = 1;
	mh_check(h);
	mh_assert_viol(h, "INV-M1", NULL);
}

/*
 * Marc's July 2024 proof of concept (ITS_EXACT_EVENTID_COUNT) with a
 * Multi-MSI device sharing a DevID behind a bridge: its block is not
 * aligned (spec §7 B3, last paragraph).
 */
static void m1_alias_machine(struct mh *h, bool exact, int *a, int *b)
{
	int br;

	mh_config(h, "6.16");
	mh_switch(h, ML_SW_ITS_EXACT_EVENTID_COUNT, exact);
	br = mh_pci(h, "0000:01:00.0", 0x100, 0x100, 0, 0);
	*a = mh_pci(h, "0000:02:01.0", 0x208, 0x100, 0, 1);
	*b = mh_pci(h, "0000:02:02.0", 0x210, 0x100, 4, 0);
	h->cfg.dev[*a].alias = br;
	h->cfg.dev[*b].alias = br;
	mh_start(h);
	mh_enable(h, *a);
	mh_enable(h, *b);
	assert_int_equal(mh_alloc(h, *a, 1, 1, MSIX), 1);
	assert_int_equal(mh_alloc(h, *b, 4, 4, MSI), 4);
}

static void test_m1_fires_exact_eventid_alias(void **state)
{
	struct mh *h = *state;
	int a, b;

	m1_alias_machine(h, true, &a, &b);
	assert_int_equal(h->m->irq[mh_virq(h, b, 0)].eventid, 1);
	mh_assert_viol(h, "INV-M1", NULL);
}

static void test_m1_clean(void **state)
{
	struct mh *h = *state;
	int a, b;

	m1_alias_machine(h, false, &a, &b);
	assert_int_equal(h->m->irq[mh_virq(h, b, 0)].eventid, 4);
	mh_assert_no_viol(h, "INV-M1");
	mh_assert_clean(h);
}

/* ---- INV-M2 ---- */

static void test_m2_fires_index_beyond_hwsize(void **state)
{
	struct mh *h = *state;
	int d = one_pci(h, "6.16", 0, 4);
	int desc;

	assert_int_equal(mh_alloc(h, d, 2, 2, MSIX), 2);
	desc = msi_find_desc(h->m, d, 1);
	h->m->desc[desc].index = 7;
	mh_check(h);
	mh_assert_viol(h, "INV-M2", NULL);
}

static void test_m2_fires_irq_not_allocated(void **state)
{
	struct mh *h = *state;
	int d = one_pci(h, "6.12", 0, 4);
	int desc;

	assert_int_equal(mh_alloc(h, d, 2, 2, MSIX), 2);
	desc = msi_find_desc(h->m, d, 1);
	h->m->desc[desc].irq = 60;	/* never allocated */
	mh_check(h);
	mh_assert_viol(h, "INV-M2", NULL);
}

static void test_m2_clean(void **state)
{
	struct mh *h = *state;
	int d = one_pci(h, "6.16", 0, 4);

	assert_int_equal(mh_alloc(h, d, 2, 4, MSIX), 4);
	mh_check(h);
	mh_assert_clean(h);
	mh_free_vectors(h, d);
	assert_int_equal(h->m->dev[d].ndesc, 0);	/* FREE_MSI_DESCS */
	mh_assert_clean(h);
}

/* ---- INV-M3 ---- */

static void test_m3_fires_shared_hwirq(void **state)
{
	struct mh *h = *state;
	int d = one_pci(h, "6.16", 0, 4);
	int v0, v1;

	assert_int_equal(mh_alloc(h, d, 2, 2, MSIX), 2);
	v0 = mh_virq(h, d, 0);
	v1 = mh_virq(h, d, 1);
	h->m->irq[v1].msi_hwirq = h->m->irq[v0].msi_hwirq;
	mh_check(h);
	mh_assert_viol(h, "INV-M3", NULL);
}

static void test_m3_clean(void **state)
{
	struct mh *h = *state;
	int d = one_pci(h, "6.1", 0, 4);
	int v0, v1;

	assert_int_equal(mh_alloc(h, d, 2, 2, MSIX), 2);
	v0 = mh_virq(h, d, 0);
	v1 = mh_virq(h, d, 1);
	/* v6.1 global domain: index | RID << 11 */
	assert_int_equal(h->m->irq[v0].msi_hwirq, 0x10 << 11);
	assert_int_equal(h->m->irq[v1].msi_hwirq, (0x10 << 11) | 1);
	mh_check(h);
	mh_assert_clean(h);
}

/* ---- INV-M4 ---- */

/* §7 B7: iommu_dma_prepare_msi fails after the region was taken. */
static void test_m4_fires_b7(void **state)
{
	struct mh *h = *state;
	int d = one_pci(h, "6.16", 0, 4);

	mh_fault(h, ML_F_IOMMU_DMA_PREPARE_MSI, 0, 1);
	assert_int_equal(mh_alloc(h, d, 1, 1, MSIX), ML_ENOSPC);
	mh_assert_viol(h, "INV-M4", "B7");
	mh_assert_viol(h, "INV-I1", "B7");
}

/* §7 B7 through the parent GIC allocation of the 2nd irq of a Multi-MSI batch. */
static void test_m4_fires_b7_gic(void **state)
{
	struct mh *h = *state;
	int d = one_pci(h, "6.12", 4, 0);

	mh_fault(h, ML_F_GIC_IRQ_ALLOC, 1, 1);
	/*
	 * Multi-MSI failure → +1 → retry with one vector; the failed batch left
	 * all four EventIDs of the 4-LPI device set, so the retry finds no free
	 * bit either → -ENOSPC ("device pinned forever", §7 B7).
	 */
	assert_int_equal(mh_alloc(h, d, 1, 4, MSI), ML_ENOSPC);
	mh_assert_viol(h, "INV-M4", "B7");
	assert_int_equal(bitmap_weight(ml_words(h->m, mh_itsdev_must(h, 0x10)->map), 4), 4);
}

/* §7 B8 trigger B: the first irq allocation fails before the ITS. */
static void test_m4_fires_b8(void **state)
{
	struct mh *h = *state;
	int d = one_pci(h, "6.12", 0, 4);

	mh_fault(h, ML_F_IRQ_DOMAIN_ALLOC_DESCS, 0, 1);
	assert_int_equal(mh_alloc(h, d, 1, 1, MSIX), ML_ENOSPC);
	mh_assert_viol(h, "INV-M4", "B8");
	assert_true(mh_itsdev(h, 0x10) >= 0);
}

/* §2.8: a partial MSI-X failure is fully rolled back on 6.12. */
static void test_m4_clean_partial_failure(void **state)
{
	struct mh *h = *state;
	int d = one_pci(h, "6.12", 0, 8);

	mh_fault(h, ML_F_IRQ_DOMAIN_ALLOC_DESCS, 5, 1);
	assert_int_equal(mh_alloc(h, d, 2, 8, MSIX), 5);
	mh_assert_no_viol(h, "INV-M4");
}

/* ---- INV-C1 ---- */

static void test_c1_fires_both_enabled(void **state)
{
	struct mh *h = *state;
	int d = one_pci(h, "6.16", 1, 4);

	assert_int_equal(mh_alloc(h, d, 1, 4, MSIX), 4);
	h->m->dev[d].msi_enabled = true;
	mh_check(h);
	mh_assert_viol(h, "INV-C1", NULL);
}

static void test_c1_fires_msix_with_msi_domain(void **state)
{
	struct mh *h = *state;
	int d = one_pci(h, "6.16", 1, 4);

	assert_int_equal(mh_alloc(h, d, 1, 1, MSI), 1);
	h->m->dev[d].msi_enabled = false;
	h->m->dev[d].msix_enabled = true;
	mh_check(h);
	mh_assert_viol(h, "INV-C1", NULL);
}

/* INV-C1's "a slot holds <= 1 domain": the kernel refuses with a WARN_ON_ONCE. */
static void test_c1_clean_occupied_slot_refused(void **state)
{
	struct mh *h = *state;
	int d = one_platform(h, "6.16");

	assert_int_equal(mh_create_domain(h, d, 8), 1);
	assert_int_equal(mh_create_domain(h, d, 8), 0);
	assert_int_equal(mh_count_warn(h, "msi_create_device_irq_domain"), 1);
	assert_int_equal(mh_count(h, ML_EV_MSI_PREPARE), 1);
	mh_assert_clean(h);
}

static void test_c1_clean(void **state)
{
	struct mh *h = *state;
	int d = one_pci(h, "6.16", 1, 4);

	assert_int_equal(mh_alloc(h, d, 1, 1, MSI), 1);
	mh_free_vectors(h, d);
	assert_int_equal(mh_alloc(h, d, 1, 4, MSIX), 4);
	assert_true(h->m->dev[d].msix_enabled);
	assert_false(h->m->dev[d].msi_enabled);
	mh_check(h);
	mh_assert_clean(h);
}

/* ---- INV-C2 ---- */

/* Corruption: the irq was already released when the MSI free path frees it. */
static void test_c2_fires_irq_freed_twice(void **state)
{
	struct mh *h = *state;
	int d = one_pci(h, "6.16", 0, 4);
	int virq;

	assert_int_equal(mh_alloc(h, d, 1, 1, MSIX), 1);
	virq = mh_virq(h, d, 0);
	h->m->irq[virq].allocated = false;
	mh_free_vectors(h, d);
	mh_assert_viol(h, "INV-C2", NULL);
}

/* §7 B11: the second pci_free_irq_vectors is silent: no event, no INV-C2. */
static void test_c2_clean_b11(void **state)
{
	struct mh *h = *state;
	int d;

	mh_config(h, "6.16");
	d = mh_pci(h, "0000:00:06.0", 0x30, 0x30, 0, 4);
	mh_start(h);
	mh_pcim_enable(h, d);
	assert_int_equal(mh_alloc(h, d, 1, 4, MSIX), 4);
	mh_free_vectors(h, d);
	mh_clear(h);
	mh_free_vectors(h, d);
	assert_int_equal(h->nev, 0);
	mh_unbind(h, d);
	assert_int_equal(mh_count(h, ML_EV_PCIM_MSI_RELEASE), 1);
	assert_int_equal(mh_count(h, ML_EV_IRQ_FREE), 0);
	mh_assert_no_viol(h, "INV-C2");
	mh_assert_clean(h);
}

/* ---- INV-C3 ---- */

/* §7 B10: a non-pcim driver unbound without freeing its vectors. */
static void test_c3_fires_b10(void **state)
{
	struct mh *h = *state;
	int d = one_pci(h, "6.12", 0, 4);

	assert_int_equal(mh_alloc(h, d, 1, 4, MSIX), 4);
	mh_unbind(h, d);
	mh_assert_viol(h, "INV-C3", "B10");
	assert_int_equal(mh_count_warn(h, "msi_device_data_release"), 1);
}

/* Corruption: devres list reordered so the MSI data goes first. */
static void test_c3_fires_devres_order(void **state)
{
	struct mh *h = *state;
	struct ml_device *dv;
	int d;

	mh_config(h, "6.16");
	d = mh_pci(h, "0000:00:06.0", 0x30, 0x30, 0, 4);
	mh_start(h);
	mh_pcim_enable(h, d);
	assert_int_equal(mh_alloc(h, d, 1, 4, MSIX), 4);
	dv = &h->m->dev[d];
	assert_int_equal(dv->ndevres, 3);
	assert_int_equal(dv->devres[0], ML_DEVRES_PCIM_DISABLE_DEVICE);
	assert_int_equal(dv->devres[1], ML_DEVRES_MSI_DEVICE_DATA);
	assert_int_equal(dv->devres[2], ML_DEVRES_PCIM_MSI_RELEASE);
	dv->devres[1] = ML_DEVRES_PCIM_MSI_RELEASE;
	dv->devres[2] = ML_DEVRES_MSI_DEVICE_DATA;
	mh_unbind(h, d);
	mh_assert_viol(h, "INV-C3", NULL);
}

static void test_c3_clean_pcim(void **state)
{
	struct mh *h = *state;
	int d;

	mh_config(h, "6.16");
	d = mh_pci(h, "0000:00:06.0", 0x30, 0x30, 0, 4);
	mh_start(h);
	mh_pcim_enable(h, d);
	assert_int_equal(mh_alloc(h, d, 1, 4, MSIX), 4);
	mh_unbind(h, d);
	assert_true(mh_pos(h, ML_EV_PCIM_MSI_RELEASE, 0) < mh_pos(h, ML_EV_MSI_REMOVE_DOMAIN, 0));
	assert_int_equal(mh_count(h, ML_EV_WARN), 0);
	mh_assert_clean(h);
}

/*
 * ---- checks the model cannot make fire ----
 * The INV-C2 check in pci_free_irq_vectors() ("neither MSI nor MSI-X
 * enabled did something") cannot fire: with both flags clear,
 * pci_disable_msix() and pci_disable_msi() return before doing anything,
 * so no state, hook or switch can produce an event there.  This test
 * records that: the corrupted "enabled nowhere, descriptors present"
 * state is a no-op, not a violation.
 */
static void test_c2_noop_branch_unreachable(void **state)
{
	struct mh *h = *state;
	int d = one_pci(h, "6.16", 0, 4);

	assert_int_equal(mh_alloc(h, d, 1, 1, MSIX), 1);
	h->m->dev[d].msix_enabled = false;	/* descriptors and irqs stay */
	mh_clear(h);
	mh_free_vectors(h, d);
	assert_int_equal(h->nev, 0);
	mh_assert_no_viol(h, "INV-C2");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, mh_setup, mh_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_p1_fires_b1_platform_612),
		T(test_p1_fires_b1_pci_61),
		T(test_p1_clean_616),
		T(test_p2_fires_teardown_without_prepare),
		T(test_p2_fires_teardown_twice),
		T(test_p2_clean),
		T(test_p2_clean_failed_prepare),
		T(test_p3_fires_b5),
		T(test_p3_clean),
		T(test_p3_fires_template_not_prepare_device),
		T(test_p4_fires_b4),
		T(test_p4_clean),
		T(test_i1_fires_b3),
		T(test_i1_fires_flipped_bit),
		T(test_i1_clean),
		T(test_i2_fires_corrupt_nr_ites),
		T(test_i2_fires_corrupt_nvecs),
		T(test_i2_clean),
		T(test_i3_fires_free_lpi_range_fault),
		T(test_i3_fires_b13),
		T(test_i3_fires_corrupt_free_list_total),
		T(test_i3_fires_corrupt_free_list_adjacent),
		T(test_i3_conservation_clean),
		T(test_i3_quiescent_fires_b3_612),
		T(test_i3_quiescent_fires_b1_612),
		T(test_i3_quiescent_fires_b8_612),
		T(test_i3_quiescent_fires_b8_trigger_a_612),
		T(test_i3_quiescent_fires_b10_616),
		T(test_i3_quiescent_clean),
		T(test_i4_fires_devices_overlap),
		T(test_i4_fires_device_overlaps_free),
		T(test_i4_clean),
		T(test_i5_fires_b6),
		T(test_i5_fires_discard_without_translation),
		T(test_i5_clean_with_clamp),
		T(test_i6_fires_alloc_on_stale_device),
		T(test_i6_fires_free_on_stale_device),
		T(test_i6_fires_teardown_unprepared),
		T(test_i6_fires_activate_on_stale_device),
		T(test_i6_clean),
		T(test_i7_fires_two_devices_one_devid),
		T(test_i7_clean_aliases),
		T(test_i8_fires_shared_device_freed),
		T(test_i8_fires_shared_cleared),
		T(test_i8_clean_shared_kept),
		T(test_m1_fires_corrupt_multiple),
		T(test_m1_fires_exact_eventid_alias),
		T(test_m1_clean),
		T(test_m2_fires_index_beyond_hwsize),
		T(test_m2_fires_irq_not_allocated),
		T(test_m2_clean),
		T(test_m3_fires_shared_hwirq),
		T(test_m3_clean),
		T(test_m4_fires_b7),
		T(test_m4_fires_b7_gic),
		T(test_m4_fires_b8),
		T(test_m4_clean_partial_failure),
		T(test_c1_fires_both_enabled),
		T(test_c1_fires_msix_with_msi_domain),
		T(test_c1_clean_occupied_slot_refused),
		T(test_c1_clean),
		T(test_c2_fires_irq_freed_twice),
		T(test_c2_clean_b11),
		T(test_c2_noop_branch_unreachable),
		T(test_c3_fires_b10),
		T(test_c3_fires_devres_order),
		T(test_c3_clean_pcim),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
