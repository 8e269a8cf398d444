// SPDX-License-Identifier: GPL-2.0
/*
 * test_model_its.c - the GICv3 ITS side of the model per kernel version,
 * against the spec: the command sequences of §3.8 (with the §11.1
 * correction: DISCARD at free_irq), the worked examples of §3.10, bug B2's
 * trace (§7), and the device tables of the real arm64 recordings (§11.11).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "model_helpers.h"

#define INTX	ML_PCI_IRQ_INTX
#define MSI	ML_PCI_IRQ_MSI
#define MSIX	ML_PCI_IRQ_MSIX
#define AFF	ML_PCI_IRQ_AFFINITY
#define INT_MAX_	0x7fffffff

static const enum ml_ev_kind its_cmds[] = {
	ML_EV_MAPD, ML_EV_MAPTI, ML_EV_DISCARD, ML_EV_SYNC, ML_EV_MOVI, ML_EV__COUNT
};

static void assert_its_dev(const struct mh *h, uint32_t devid, uint32_t lpi_base,
			   uint32_t nr_lpis, uint32_t nr_ites)
{
	const struct ml_its_device *d = mh_itsdev_must(h, devid);

	if (d->lpi_base != lpi_base || d->nr_lpis != nr_lpis || d->nr_ites != nr_ites)
		fail_msg("DevID 0x%x: %u (%u/%u), want %u (%u/%u)", devid, d->lpi_base,
			 d->nr_lpis, d->nr_ites, lpi_base, nr_lpis, nr_ites);
}

/* Vectors 0..n-1 of @dev are irqs first.. with EventIDs @ev0.. and LPIs lpi_base+ev */
static void assert_vectors(const struct mh *h, int dev, uint32_t first_virq, uint32_t n,
			   uint32_t ev0)
{
	for (uint32_t i = 0; i < n; i++) {
		int virq = mh_virq(h, dev, i);
		const struct ml_irq *irq;

		if (first_virq && virq != (int)(first_virq + i))
			fail_msg("%s vector %u: irq %d, want %u", ml_dev_name(h->m, dev), i, virq,
				 first_virq + i);
		assert_true(virq > 0);
		irq = &h->m->irq[virq];
		assert_true(irq->its_level);
		assert_int_equal(irq->eventid, ev0 + i);
		assert_int_equal(irq->lpi, h->m->itsdev[irq->its_dev].lpi_base + ev0 + i);
	}
}

/* The @n MAPTIs of this step: EventIDs ev0.., each followed by its SYNC. */
static void assert_maptis(const struct mh *h, uint32_t devid, uint32_t lpi_base, uint32_t n)
{
	uint32_t k = 0;

	for (uint32_t i = 0; i < h->nev; i++) {
		const struct ml_event *e = &h->ev[i];

		if (e->kind != ML_EV_MAPTI)
			continue;
		assert_int_equal(e->devid, devid);
		assert_int_equal(e->eventid, k);
		assert_int_equal(e->lpi, lpi_base + k);
		assert_true(i + 1 < h->nev);
		assert_int_equal(h->ev[i + 1].kind, ML_EV_SYNC);
		assert_int_equal(h->ev[i + 1].cpu, e->cpu);
		k++;
	}
	assert_int_equal(k, n);
}

/* The prepare of this step: nvec at the PCI (core) and at the ITS level. */
static void assert_prepare(const struct mh *h, uint32_t n, int pci_nvec, int its_nvec)
{
	assert_int_equal(mh_count(h, ML_EV_MSI_PREPARE), n);
	assert_int_equal(mh_count(h, ML_EV_ITS_MSI_PREPARE), n);
	if (!n)
		return;
	assert_int_equal(mh_must(h, ML_EV_MSI_PREPARE, n - 1)->nvec, pci_nvec);
	assert_int_equal(mh_must(h, ML_EV_ITS_MSI_PREPARE, n - 1)->nvec, its_nvec);
}

static int one_dev(struct mh *h, const char *profile, uint32_t devid, uint32_t msi,
		   uint32_t msix)
{
	int d;

	mh_config(h, profile);
	d = mh_pci(h, "0000:00:02.0", devid & 0xffff, devid, msi, msix);
	mh_start(h);
	mh_enable(h, d);
	return d;
}

/* ---- §3.8 command traces ---- */

/* 6.12: MSI-X 4 vectors on a 16-entry table, never requested, then freed. */
static void test_38_612_msix4_table16(void **state)
{
	static const enum ml_ev_kind alloc_seq[] = {
		ML_EV_MAPD, ML_EV_MAPTI, ML_EV_SYNC, ML_EV_MAPTI, ML_EV_SYNC,
		ML_EV_MAPTI, ML_EV_SYNC, ML_EV_MAPTI, ML_EV_SYNC,
	};
	static const enum ml_ev_kind free_seq[] = {
		ML_EV_DISCARD, ML_EV_SYNC, ML_EV_DISCARD, ML_EV_SYNC,
		ML_EV_DISCARD, ML_EV_SYNC, ML_EV_DISCARD, ML_EV_SYNC, ML_EV_MAPD,
	};
	struct mh *h = *state;
	int d = one_dev(h, "6.12", 0x10, 0, 16);
	const struct ml_event *e;

	mh_clear(h);
	assert_int_equal(mh_alloc(h, d, 4, 4, MSIX), 4);
	assert_prepare(h, 1, 4, 16);
	e = mh_must(h, ML_EV_ITS_CREATE_DEVICE, 0);
	assert_int_equal(e->nvecs, 16);
	assert_int_equal(e->nr_ites, 16);
	assert_int_equal(e->nr_lpis, 16);
	assert_int_equal(e->lpi_base, 8192);
	e = mh_must(h, ML_EV_MAPD, 0);
	assert_int_equal(e->valid, 1);
	assert_int_equal(e->nr_ites, 16);	/* Size = ilog2(16) - 1 = 3 */
	mh_assert_sequence(h, its_cmds, alloc_seq, 9);
	assert_maptis(h, 0x10, 8192, 4);
	assert_vectors(h, d, 0, 4, 0);

	mh_clear(h);
	mh_free_vectors(h, d);
	mh_assert_sequence(h, its_cmds, free_seq, 9);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(mh_must(h, ML_EV_DISCARD, i)->eventid, i);
	assert_int_equal(mh_must(h, ML_EV_MAPD, 0)->valid, 0);
	/* the MAPD V=0 comes after the LPIs went back, and the device goes last */
	assert_true(mh_pos(h, ML_EV_ITS_LPI_FREE, 0) < mh_pos(h, ML_EV_MAPD, 0));
	assert_true(mh_pos(h, ML_EV_MAPD, 0) < mh_pos(h, ML_EV_ITS_FREE_DEVICE, 0));
	assert_int_equal(mh_itsdev(h, 0x10), -1);
	assert_int_equal(h->m->its[0].lpi.r[0].base, 8192);
	assert_int_equal(h->m->its[0].lpi.r[0].span, 57344);
	mh_assert_clean(h);
}

/* §11.1: requested irqs are DISCARDed at free_irq, in the driver's order. */
static void test_38_611_discard_at_free_irq(void **state)
{
	static const enum ml_ev_kind free_seq[] = { ML_EV_MAPD };
	struct mh *h = *state;
	int d = one_dev(h, "6.12", 0x10, 0, 16);
	static const uint32_t order[] = { 1, 2, 0, 3 };

	assert_int_equal(mh_alloc(h, d, 4, 4, MSIX), 4);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(mh_request(h, d, i), 0);
	mh_clear(h);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(mh_free_irq(h, d, order[i]), 0);
	assert_int_equal(mh_count(h, ML_EV_DISCARD), 4);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(mh_must(h, ML_EV_DISCARD, i)->eventid, order[i]);
	assert_int_equal(mh_count(h, ML_EV_MAPD), 0);
	mh_clear(h);
	mh_free_vectors(h, d);
	mh_assert_sequence(h, its_cmds, free_seq, 1);
	assert_int_equal(mh_must(h, ML_EV_MAPD, 0)->valid, 0);
	mh_assert_clean(h);
}

/* 6.16: MAPD at domain creation; free → DISCARDs only; MAPD V=0 at unbind. */
static void test_38_616_msix4_table16(void **state)
{
	static const enum ml_ev_kind free_seq[] = {
		ML_EV_DISCARD, ML_EV_SYNC, ML_EV_DISCARD, ML_EV_SYNC,
		ML_EV_DISCARD, ML_EV_SYNC, ML_EV_DISCARD, ML_EV_SYNC,
	};
	static const enum ml_ev_kind unbind_seq[] = {
		ML_EV_MSI_REMOVE_DOMAIN, ML_EV_MSI_TEARDOWN, ML_EV_ITS_MSI_TEARDOWN,
		ML_EV_ITS_LPI_FREE, ML_EV_MAPD, ML_EV_ITS_FREE_DEVICE,
	};
	static const enum ml_ev_kind unbind_keep[] = {
		ML_EV_MSI_REMOVE_DOMAIN, ML_EV_MSI_TEARDOWN, ML_EV_ITS_MSI_TEARDOWN,
		ML_EV_ITS_LPI_FREE, ML_EV_MAPD, ML_EV_ITS_FREE_DEVICE, ML_EV_MAPTI,
		ML_EV_DISCARD, ML_EV__COUNT
	};
	struct mh *h = *state;
	int d = one_dev(h, "6.16", 0x10, 0, 16);
	const struct ml_event *e;

	mh_clear(h);
	assert_int_equal(mh_alloc(h, d, 4, 4, MSIX), 4);
	assert_prepare(h, 1, 16, 16);
	e = mh_must(h, ML_EV_MSI_CREATE_DOMAIN, 0);
	assert_int_equal(e->type, ML_TYPE_MSIX);
	assert_int_equal(e->hwsize, 16);
	assert_int_equal(mh_must(h, ML_EV_MAPD, 0)->nr_ites, 16);
	assert_true(mh_pos(h, ML_EV_MAPD, 0) < mh_pos(h, ML_EV_MAPTI, 0));
	assert_true(mh_pos(h, ML_EV_MSI_PREPARE, 0) < mh_pos(h, ML_EV_MAPTI, 0));
	assert_int_equal(mh_count(h, ML_EV_MAPD), 1);
	assert_maptis(h, 0x10, 8192, 4);
	assert_its_dev(h, 0x10, 8192, 16, 16);

	mh_clear(h);
	mh_free_vectors(h, d);
	mh_assert_sequence(h, its_cmds, free_seq, 8);
	assert_its_dev(h, 0x10, 8192, 16, 16);

	/* a second allocation reuses the device: no prepare, no MAPD */
	mh_clear(h);
	assert_int_equal(mh_alloc(h, d, 2, 2, MSIX), 2);
	assert_prepare(h, 0, 0, 0);
	assert_int_equal(mh_count(h, ML_EV_MAPD), 0);
	mh_free_vectors(h, d);

	mh_clear(h);
	mh_unbind(h, d);
	mh_assert_sequence(h, unbind_keep, unbind_seq, 6);
	assert_int_equal(mh_must(h, ML_EV_MAPD, 0)->valid, 0);
	assert_int_equal(mh_itsdev(h, 0x10), -1);
	mh_assert_clean(h);
}

/* 6.1: prepare with the request: 4 ITEs / 4 LPIs, MAPD Size 1. */
static void test_38_61_msix4_table16(void **state)
{
	struct mh *h = *state;
	int d = one_dev(h, "6.1", 0x10, 0, 16);

	mh_clear(h);
	assert_int_equal(mh_alloc(h, d, 4, 4, MSIX), 4);
	assert_prepare(h, 1, 4, 4);
	assert_its_dev(h, 0x10, 8192, 4, 4);
	assert_int_equal(mh_must(h, ML_EV_MAPD, 0)->nr_ites, 4);
	assert_int_equal(mh_must(h, ML_EV_MAPD, 0)->valid, 1);
	assert_maptis(h, 0x10, 8192, 4);
	assert_int_equal(mh_count(h, ML_EV_MSI_CREATE_DOMAIN), 0);

	mh_clear(h);
	mh_free_vectors(h, d);
	assert_int_equal(mh_count(h, ML_EV_DISCARD), 4);
	assert_int_equal(mh_count_mapd(h, false), 1);
	assert_true(mh_pos(h, ML_EV_DISCARD, 3) < mh_pos(h, ML_EV_MAPD, 0));
	assert_int_equal(mh_itsdev(h, 0x10), -1);
	mh_assert_clean(h);
}

/* ---- §3.10 worked examples ---- */

static void test_310_devid0_gets_32(void **state)
{
	static const char *const prof[] = { "6.1", "6.12", "6.15", "6.16" };
	struct mh *h = *state;

	for (unsigned int p = 0; p < 4; p++) {
		int d = one_dev(h, prof[p], 0, 0, 1);

		assert_int_equal(mh_alloc(h, d, 1, 1, MSIX), 1);
		assert_its_dev(h, 0, 8192, 32, 32);
		assert_int_equal(mh_must(h, ML_EV_ITS_MSI_PREPARE, 0)->nvec, 32);
		assert_int_equal(h->m->its[0].lpi.r[0].base, 8224);
		mh_assert_clean(h);
	}
}

static void test_310_devid100_table6(void **state)
{
	static const struct { const char *prof; uint32_t itt; } t[] = {
		{ "6.1", 511 }, { "6.12", 511 }, { "6.15", 256 }, { "6.16", 256 },
	};
	struct mh *h = *state;

	for (unsigned int p = 0; p < 4; p++) {
		int d;

		mh_config(h, t[p].prof);
		d = mh_pci(h, "0000:01:00.0", 0x100, 0x100, 0, 6);
		mh_start(h);
		mh_enable(h, d);
		assert_int_equal(h->cfg.its[0].ite_size, 8);
		assert_int_equal(mh_alloc(h, d, 6, 6, MSIX), 6);
		assert_its_dev(h, 0x100, 8192, 8, 8);
		assert_int_equal(mh_itsdev_must(h, 0x100)->itt_bytes, t[p].itt);
		assert_int_equal(h->m->its[0].lpi.nr, 1);
		assert_int_equal(h->m->its[0].lpi.r[0].base, 8200);
		assert_int_equal(h->m->its[0].lpi.r[0].span, 57336);
		mh_assert_clean(h);
	}
}

/* Pool down to 20 free LPIs: 32 asked, 16 granted; Multi-MSI 32 fails, 16 fits. */
static void test_310_short_pool(void **state)
{
	struct mh *h = *state;
	int a, b, c;

	mh_config(h, "6.12");
	h->cfg.its[0].num_lpis = 32;
	a = mh_pci(h, "0000:00:02.0", 0x10, 0x10, 0, 8);
	b = mh_pci(h, "0000:00:03.0", 0x18, 0x18, 0, 4);
	c = mh_pci(h, "0000:00:04.0", 0x20, 0x20, 32, 0);
	mh_start(h);
	assert_int_equal(h->m->its[0].lpi.pool_size, 32);
	mh_enable(h, a);
	mh_enable(h, b);
	mh_enable(h, c);
	assert_int_equal(mh_alloc(h, a, 8, 8, MSIX), 8);
	assert_int_equal(mh_alloc(h, b, 4, 4, MSIX), 4);
	assert_int_equal(h->m->its[0].lpi.r[0].base, 8204);
	assert_int_equal(h->m->its[0].lpi.r[0].span, 20);

	mh_clear(h);
	assert_int_equal(mh_alloc(h, c, 32, 32, MSI), ML_ENOSPC);
	assert_its_dev(h, 0x20, 8204, 16, 32);
	assert_int_equal(mh_count(h, ML_EV_ITS_ALLOC_FAIL), 1);
	assert_int_equal(mh_must(h, ML_EV_ITS_ALLOC_FAIL, 0)->nr, 32);
	assert_int_equal(mh_must(h, ML_EV_ITS_ALLOC_FAIL, 0)->ret, ML_ENOSPC);
	assert_int_equal(mh_alloc(h, c, 16, 16, MSI), 16);
	assert_vectors(h, c, 0, 16, 0);
}

/* Multi-MSI 3 on nr_lpis 4: region 0..3; the free clears 0,1,2; bit 3 stays. */
static void test_310_multimsi3_orphan(void **state)
{
	struct mh *h = *state;
	int d = one_dev(h, "6.12", 0x10, 4, 0);
	const uint64_t *map;

	assert_int_equal(mh_alloc(h, d, 3, 3, MSI), 3);
	assert_its_dev(h, 0x10, 8192, 4, 4);
	map = ml_words(h->m, mh_itsdev_must(h, 0x10)->map);
	assert_int_equal(map[0] & 0xf, 0xf);
	mh_free_vectors(h, d);
	map = ml_words(h->m, mh_itsdev_must(h, 0x10)->map);
	assert_int_equal(map[0] & 0xf, 0x8);
	assert_int_equal(mh_count_mapd(h, false), 0);
}

/* Free ranges {8200,8}, {8216,8}; freeing {8208,8} merges into {8200,24}. */
static void test_310_free_merge(void **state)
{
	struct mh *h = *state;
	const struct its_lpi_state *s;
	int d[5];

	mh_config(h, "6.12");
	for (int i = 0; i < 5; i++) {
		char name[32];

		snprintf(name, sizeof(name), "0000:00:0%d.0", i + 1);
		d[i] = mh_pci(h, name, (uint32_t)(i + 1) << 3, (uint32_t)(i + 1) << 3, 0, 8);
	}
	mh_start(h);
	for (int i = 0; i < 5; i++) {
		mh_enable(h, d[i]);
		assert_int_equal(mh_alloc(h, d[i], 8, 8, MSIX), 8);
		assert_its_dev(h, (uint32_t)(i + 1) << 3, 8192 + 8u * (uint32_t)i, 8, 8);
	}
	mh_free_vectors(h, d[1]);
	mh_free_vectors(h, d[3]);
	s = &h->m->its[0].lpi;
	assert_int_equal(s->nr, 3);
	assert_int_equal(s->r[0].base, 8200);
	assert_int_equal(s->r[0].span, 8);
	assert_int_equal(s->r[1].base, 8216);
	assert_int_equal(s->r[1].span, 8);
	mh_free_vectors(h, d[2]);
	assert_int_equal(s->nr, 2);
	assert_int_equal(s->r[0].base, 8200);
	assert_int_equal(s->r[0].span, 24);
	assert_int_equal(s->r[1].base, 8232);
	mh_assert_clean(h);
}

/* ---- §7 B2 ---- */

static void test_b2_61_alloc1_free_alloc8(void **state)
{
	struct mh *h = *state;
	int d = one_dev(h, "6.1", 0x20, 0, 8);

	mh_clear(h);
	assert_int_equal(mh_alloc(h, d, 1, 1, MSIX), 1);
	assert_its_dev(h, 0x20, 8192, 1, 2);
	assert_int_equal(mh_must(h, ML_EV_MAPD, 0)->nr_ites, 2);	/* Size 0 */
	assert_int_equal(mh_must(h, ML_EV_MAPD, 0)->valid, 1);
	assert_maptis(h, 0x20, 8192, 1);

	mh_clear(h);
	mh_free_vectors(h, d);
	assert_int_equal(mh_count(h, ML_EV_DISCARD), 1);
	assert_int_equal(mh_must(h, ML_EV_DISCARD, 0)->eventid, 0);
	assert_int_equal(mh_count_mapd(h, false), 1);
	assert_true(mh_pos(h, ML_EV_DISCARD, 0) < mh_pos(h, ML_EV_MAPD, 0));
	assert_int_equal(mh_itsdev(h, 0x20), -1);

	mh_clear(h);
	assert_int_equal(mh_alloc(h, d, 8, 8, MSIX), 8);
	assert_int_equal(mh_count(h, ML_EV_ITS_CREATE_DEVICE), 1);
	/* §11.2: the freed range merged back, first fit gives the same base */
	assert_its_dev(h, 0x20, 8192, 8, 8);
	assert_int_equal(mh_count_mapd(h, true), 1);
	assert_int_equal(mh_must(h, ML_EV_MAPD, 0)->nr_ites, 8);	/* Size 2 */
	assert_maptis(h, 0x20, 8192, 8);
}

/* 6.12: the first device is already table-sized but is still re-created. */
static void test_b2_612_recreated(void **state)
{
	struct mh *h = *state;
	int d = one_dev(h, "6.12", 0x20, 0, 8);

	mh_clear(h);
	assert_int_equal(mh_alloc(h, d, 1, 1, MSIX), 1);
	assert_its_dev(h, 0x20, 8192, 8, 8);
	mh_free_vectors(h, d);
	assert_int_equal(mh_alloc(h, d, 8, 8, MSIX), 8);
	assert_int_equal(mh_count(h, ML_EV_ITS_CREATE_DEVICE), 2);
	assert_int_equal(mh_count_mapd(h, true), 2);
	assert_int_equal(mh_count_mapd(h, false), 1);
	assert_its_dev(h, 0x20, 8192, 8, 8);
}

/* 6.16: one MAPD V=1 at creation, one MAPD V=0 at removal, no re-creation. */
static void test_b2_616_one_device(void **state)
{
	struct mh *h = *state;
	int d = one_dev(h, "6.16", 0x20, 0, 8);

	mh_clear(h);
	assert_int_equal(mh_alloc(h, d, 1, 1, MSIX), 1);
	mh_free_vectors(h, d);
	assert_int_equal(mh_alloc(h, d, 8, 8, MSIX), 8);
	assert_int_equal(mh_count(h, ML_EV_ITS_CREATE_DEVICE), 1);
	assert_int_equal(mh_count_mapd(h, true), 1);
	assert_int_equal(mh_count_mapd(h, false), 0);
	mh_free_vectors(h, d);
	mh_unbind(h, d);
	assert_int_equal(mh_count_mapd(h, false), 1);
	mh_assert_clean(h);
}

/* ---- §11.11 device tables of the arm64 recordings ---- */

enum { PCIEPORT, NET, BLK, RNG, RNG1, NVME, E1000E, AHCI, NDEV };

static void boot_machine(struct mh *h, const char *profile, int *dev)
{
	mh_config(h, profile);
	dev[PCIEPORT] = mh_pci(h, "0000:00:07.0", 0x38, 0x38, 1, 1);
	dev[NET] = mh_pci(h, "0000:00:02.0", 0x10, 0x10, 0, 4);
	dev[BLK] = mh_pci(h, "0000:00:03.0", 0x18, 0x18, 0, 3);
	dev[RNG] = mh_pci(h, "0000:00:01.0", 0x08, 0x08, 0, 2);
	dev[RNG1] = mh_pci(h, "0000:01:00.0", 0x100, 0x100, 0, 2);
	dev[NVME] = mh_pci(h, "0000:00:04.0", 0x20, 0x20, 0, 65);
	dev[E1000E] = mh_pci(h, "0000:00:05.0", 0x28, 0x28, 1, 5);
	dev[AHCI] = mh_pci(h, "0000:00:06.0", 0x30, 0x30, 1, 0);
	/*
	 * irqs 1-16 and 18-20 are in use before the MSI users probe; 31 too:
	 * in both recordings (6.1 and 6.18 /proc/interrupts and the traced
	 * allocations) nothing traced holds 31, yet nvme gets 32 right after
	 * rng1 took 29-30, so 31 is held by an allocation outside the MSI paths.
	 */
	mh_irqs_used(h, 1, 16);
	mh_irqs_used(h, 18, 20);
	mh_irqs_used(h, 31, 31);
	mh_start(h);
	for (int i = 0; i < NDEV; i++) {
		if (i == AHCI)
			mh_pcim_enable(h, dev[i]);
		else
			mh_enable(h, dev[i]);
	}
	/* pcieport before tracing: pci_alloc_irq_vectors(1, 32, MSI | MSI-X) */
	assert_int_equal(mh_alloc(h, dev[PCIEPORT], 1, 32, MSI | MSIX), 1);
	assert_its_dev(h, 0x38, 8192, 1, 2);
	mh_request(h, dev[PCIEPORT], 0);
	mh_clear(h);
}

static void test_1111_arm64_61_boot(void **state)
{
	struct mh *h = *state;
	int dev[NDEV];

	boot_machine(h, "6.1", dev);
	assert_int_equal(mh_virq(h, dev[PCIEPORT], 0), 17);

	mh_clear(h);
	assert_int_equal(mh_alloc(h, dev[NET], 3, 3, MSIX), 3);
	assert_prepare(h, 1, 3, 4);
	assert_its_dev(h, 0x10, 8193, 4, 4);
	assert_vectors(h, dev[NET], 21, 3, 0);

	mh_clear(h);
	assert_int_equal(mh_alloc_aff(h, dev[BLK], 3, 3, MSIX | AFF, 1, 0), 3);
	assert_prepare(h, 1, 3, 4);
	assert_its_dev(h, 0x18, 8197, 4, 4);
	assert_vectors(h, dev[BLK], 24, 3, 0);

	mh_clear(h);
	assert_int_equal(mh_alloc(h, dev[RNG], 2, 2, MSIX), 2);
	assert_prepare(h, 1, 2, 2);
	assert_its_dev(h, 0x08, 8201, 2, 2);
	assert_vectors(h, dev[RNG], 27, 2, 0);

	mh_clear(h);
	assert_int_equal(mh_alloc(h, dev[RNG1], 2, 2, MSIX), 2);
	assert_prepare(h, 1, 2, 2);
	assert_its_dev(h, 0x100, 8203, 2, 2);
	assert_vectors(h, dev[RNG1], 29, 2, 0);

	mh_clear(h);
	assert_int_equal(mh_alloc(h, dev[NVME], 1, 1, INTX | MSI | MSIX), 1);
	assert_prepare(h, 1, 1, 1);
	assert_its_dev(h, 0x20, 8205, 1, 2);
	assert_vectors(h, dev[NVME], 32, 1, 0);
	mh_free_vectors(h, dev[NVME]);
	assert_int_equal(mh_itsdev(h, 0x20), -1);
	assert_int_equal(mh_count_mapd(h, false), 1);

	mh_clear(h);
	assert_int_equal(mh_alloc_aff(h, dev[NVME], 1, 3, INTX | MSI | MSIX | AFF, 1, 0), 3);
	assert_prepare(h, 1, 3, 4);
	assert_its_dev(h, 0x20, 8205, 4, 4);
	assert_vectors(h, dev[NVME], 32, 3, 0);

	mh_clear(h);
	assert_int_equal(mh_enable_msix_range(h, dev[E1000E], 3, 3), 3);
	assert_prepare(h, 1, 3, 4);
	assert_its_dev(h, 0x28, 8209, 4, 4);
	assert_vectors(h, dev[E1000E], 35, 3, 0);

	mh_clear(h);
	assert_int_equal(mh_alloc(h, dev[AHCI], 6, INT_MAX_, MSI | MSIX), ML_ENOSPC);
	assert_prepare(h, 0, 0, 0);
	assert_int_equal(mh_alloc(h, dev[AHCI], 1, 1, MSI), 1);
	assert_prepare(h, 1, 1, 1);
	assert_its_dev(h, 0x30, 8213, 1, 2);
	assert_vectors(h, dev[AHCI], 38, 1, 0);
	assert_int_equal(h->m->its[0].lpi.r[0].base, 8214);
	mh_assert_clean(h);
}

/* An unbind/bind round on 6.1 re-creates each device with the boot numbers. */
static void test_1111_arm64_61_unbind_bind(void **state)
{
	struct mh *h = *state;
	int dev[NDEV];

	boot_machine(h, "6.1", dev);
	assert_int_equal(mh_alloc(h, dev[NET], 3, 3, MSIX), 3);
	assert_int_equal(mh_alloc_aff(h, dev[BLK], 3, 3, MSIX | AFF, 1, 0), 3);
	for (uint32_t i = 0; i < 3; i++)
		assert_int_equal(mh_request(h, dev[NET], i), 0);
	/* virtio frees config last: DISCARD ev1, ev2, ev0 */
	mh_clear(h);
	assert_int_equal(mh_free_irq(h, dev[NET], 1), 0);
	assert_int_equal(mh_free_irq(h, dev[NET], 2), 0);
	assert_int_equal(mh_free_irq(h, dev[NET], 0), 0);
	mh_free_vectors(h, dev[NET]);
	mh_unbind(h, dev[NET]);
	assert_int_equal(mh_must(h, ML_EV_DISCARD, 0)->eventid, 1);
	assert_int_equal(mh_must(h, ML_EV_DISCARD, 1)->eventid, 2);
	assert_int_equal(mh_must(h, ML_EV_DISCARD, 2)->eventid, 0);
	assert_int_equal(mh_count_mapd(h, false), 1);
	mh_enable(h, dev[NET]);
	assert_int_equal(mh_alloc(h, dev[NET], 3, 3, MSIX), 3);
	assert_its_dev(h, 0x10, 8193, 4, 4);
	assert_vectors(h, dev[NET], 21, 3, 0);
	mh_assert_clean(h);
}

static void boot_618(struct mh *h, int *dev)
{
	mh_clear(h);
	assert_int_equal(mh_alloc(h, dev[NET], 3, 3, MSIX), 3);
	assert_prepare(h, 1, 4, 4);
	assert_its_dev(h, 0x10, 8193, 4, 4);
	assert_vectors(h, dev[NET], 21, 3, 0);

	mh_clear(h);
	assert_int_equal(mh_alloc_aff(h, dev[BLK], 3, 3, MSIX | AFF, 1, 0), 3);
	assert_prepare(h, 1, 3, 4);
	assert_its_dev(h, 0x18, 8197, 4, 4);
	assert_vectors(h, dev[BLK], 24, 3, 0);

	mh_clear(h);
	assert_int_equal(mh_alloc(h, dev[RNG], 2, 2, MSIX), 2);
	assert_prepare(h, 1, 2, 2);
	assert_its_dev(h, 0x08, 8201, 2, 2);
	assert_vectors(h, dev[RNG], 27, 2, 0);

	mh_clear(h);
	assert_int_equal(mh_alloc(h, dev[RNG1], 2, 2, MSIX), 2);
	assert_its_dev(h, 0x100, 8203, 2, 2);
	assert_vectors(h, dev[RNG1], 29, 2, 0);

	mh_clear(h);
	assert_int_equal(mh_alloc(h, dev[NVME], 1, 1, INTX | MSI | MSIX), 1);
	assert_prepare(h, 1, 65, 128);
	assert_its_dev(h, 0x20, 8205, 128, 128);
	assert_vectors(h, dev[NVME], 32, 1, 0);
	mh_free_vectors(h, dev[NVME]);
	assert_int_equal(mh_count_mapd(h, false), 0);
	mh_clear(h);
	assert_int_equal(mh_alloc_aff(h, dev[NVME], 1, 3, INTX | MSI | MSIX | AFF, 1, 0), 3);
	assert_prepare(h, 0, 0, 0);	/* the 2nd call reuses the device */
	assert_int_equal(mh_count(h, ML_EV_MAPD), 0);
	assert_its_dev(h, 0x20, 8205, 128, 128);
	assert_vectors(h, dev[NVME], 32, 3, 0);

	mh_clear(h);
	assert_int_equal(mh_enable_msix_range(h, dev[E1000E], 3, 3), 3);
	assert_prepare(h, 1, 5, 8);
	assert_its_dev(h, 0x28, 8333, 8, 8);
	assert_vectors(h, dev[E1000E], 35, 3, 0);

	mh_clear(h);
	assert_int_equal(mh_alloc(h, dev[AHCI], 6, INT_MAX_, MSI | MSIX), ML_ENOSPC);
	assert_int_equal(mh_count(h, ML_EV_MSI_CREATE_DOMAIN), 0);	/* no domain */
	assert_int_equal(mh_alloc(h, dev[AHCI], 1, 1, MSI), 1);
	assert_prepare(h, 1, 1, 1);
	assert_int_equal(mh_must(h, ML_EV_MSI_CREATE_DOMAIN, 0)->type, ML_TYPE_MSI);
	assert_its_dev(h, 0x30, 8341, 1, 2);
	assert_vectors(h, dev[AHCI], 38, 1, 0);
	mh_assert_clean(h);
}

/* virqs from the 6.18 recording's /proc/interrupts (spec §11.11 gives the LPIs). */
static void test_1111_arm64_618_boot(void **state)
{
	struct mh *h = *state;
	int dev[NDEV];

	boot_machine(h, "6.18", dev);
	boot_618(h, dev);
}

/* 6.18: same numbers in an unbind/bind round; teardown gives MAPD V=0. */
static void test_1111_arm64_618_unbind_bind(void **state)
{
	struct mh *h = *state;
	int dev[NDEV];

	boot_machine(h, "6.18", dev);
	boot_618(h, dev);
	mh_clear(h);
	mh_free_vectors(h, dev[E1000E]);
	mh_unbind(h, dev[E1000E]);
	assert_int_equal(mh_count(h, ML_EV_ITS_MSI_TEARDOWN), 1);
	assert_int_equal(mh_count_mapd(h, false), 1);
	assert_int_equal(mh_must(h, ML_EV_MAPD, 0)->devid, 0x28);
	mh_enable(h, dev[E1000E]);
	assert_int_equal(mh_enable_msix_range(h, dev[E1000E], 3, 3), 3);
	assert_its_dev(h, 0x28, 8333, 8, 8);
	assert_vectors(h, dev[E1000E], 35, 3, 0);
	mh_assert_clean(h);
}

/*
 * msi_domain_alloc_irq_at() with MSI_ANY_INDEX takes the lowest free index
 * of the device's domain (xa_alloc() over [0, hwsize - 1]), holes below
 * taken descriptors included, and -ENOSPC once all hwsize are taken.
 */
static int alloc_any(struct mh *h, int dev)
{
	return mh_op(h, (struct ml_op){ .kind = ML_OP_MSI_DOMAIN_ALLOC_IRQ_AT, .dev = dev,
					.index = ML_ANY_INDEX });
}

static uint32_t last_index(const struct mh *h)
{
	return mh_must(h, ML_EV_MSI_IRQ, mh_count(h, ML_EV_MSI_IRQ) - 1)->index;
}

static void test_alloc_irq_at_any_index(void **state)
{
	struct mh *h = *state;
	int d;

	mh_config(h, "6.16");
	d = mh_platform(h, "smmu_evtq", 0x40, false);
	mh_start(h);
	assert_true(mh_create_domain(h, d, 6));	/* true: created */
	assert_int_equal(mh_alloc_range(h, d, 0, 1), 0);
	assert_true(mh_op(h, (struct ml_op){ .kind = ML_OP_MSI_DOMAIN_ALLOC_IRQ_AT, .dev = d,
					     .index = 3 }) > 0);
	mh_clear(h);
	assert_true(alloc_any(h, d) > 0);
	assert_int_equal(last_index(h), 2);
	mh_free_range(h, d, 0, 0);
	mh_clear(h);
	assert_true(alloc_any(h, d) > 0);
	assert_int_equal(last_index(h), 0);
	assert_true(alloc_any(h, d) > 0);
	assert_int_equal(last_index(h), 4);
	assert_true(alloc_any(h, d) > 0);
	assert_int_equal(last_index(h), 5);
	mh_clear(h);
	assert_int_equal(alloc_any(h, d), ML_ENOSPC);
	assert_int_equal(mh_count(h, ML_EV_MSI_IRQ), 0);
	mh_assert_clean(h);
}

/*
 * irq_domain_alloc_descs() takes the lowest run of free irq numbers at or
 * above hwirq % nr_irqs (never 0), then from 1, or fails with -ENOMEM
 * (__irq_alloc_descs()).  It finds the run a word at a time; here a
 * bit-at-a-time search of the same bitmap says what the run must be, over
 * 4,000 allocations and frees of mixed sizes, up to the end of the irq
 * space and past it.
 */
static int ref_run(const struct ml_ctx *m, uint32_t from, uint32_t cnt)
{
	uint32_t start = from, len = 0;

	for (uint32_t v = from; v < ML_MAX_VIRQ; v++) {
		if ((m->irq_used[v / 64] >> (v % 64)) & 1) {
			len = 0;
			start = v + 1;
		} else if (++len == cnt) {
			return (int)start;
		}
	}
	return -1;
}

static int ref_alloc_descs(const struct ml_ctx *m, uint32_t cnt, uint64_t hwirq)
{
	uint32_t hint = (uint32_t)(hwirq % m->nr_irqs);
	int virq;

	if (!hint)
		hint = 1;
	virq = ref_run(m, hint, cnt);
	if (virq <= 0 && hint > 1)
		virq = ref_run(m, 1, cnt);
	return virq <= 0 ? ML_ENOMEM : virq;
}

static void test_alloc_descs_lowest_run(void **state)
{
	static const uint32_t sizes[] = { 1, 2, 3, 4, 5, 31, 32, 33, 64, 65, 100, 1000, 2048, 8000 };
	struct mh *h = *state;
	struct { uint32_t virq, cnt; } live[256];
	uint32_t nlive = 0, nfail = 0, nwrap = 0;
	int low, top;
	uint64_t x = 1;

	mh_config(h, "6.16");
	mh_start(h);
	for (int i = 0; i < 4000; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		if (nlive && (nlive == 256 || (x >> 60) < 7)) {
			uint32_t k = (uint32_t)(x >> 33) % nlive;

			irq_free_descs(h->m, live[k].virq, live[k].cnt);
			live[k] = live[--nlive];
		} else {
			uint32_t cnt = sizes[(x >> 40) % (sizeof(sizes) / sizeof(sizes[0]))];
			uint64_t hwirq = (x >> 20) & 0xffff;
			uint32_t hint = (uint32_t)(hwirq % h->m->nr_irqs);
			int want = ref_alloc_descs(h->m, cnt, hwirq);
			int got = irq_domain_alloc_descs(h->m, cnt, hwirq);

			assert_int_equal(got, want);
			if (got < 0) {
				nfail++;
				continue;
			}
			nwrap += hint > 1 && (uint32_t)got < hint;
			live[nlive].virq = (uint32_t)got;
			live[nlive++].cnt = cnt;
		}
	}
	/* both paths were taken: failures, runs below the hint */
	assert_true(nfail > 0);
	assert_true(nwrap > 0);
	/* the run that ends at the last irq number, and nothing after it */
	while (nlive) {
		nlive--;
		irq_free_descs(h->m, live[nlive].virq, live[nlive].cnt);
	}
	low = irq_domain_alloc_descs(h->m, 1, 0);
	assert_true(low > 0);
	top = ref_alloc_descs(h->m, ML_MAX_VIRQ - (uint32_t)low - 1, 0);
	assert_int_equal(top, low + 1);
	assert_int_equal(irq_domain_alloc_descs(h->m, ML_MAX_VIRQ - (uint32_t)low - 1, 0), top);
	assert_int_equal(ref_alloc_descs(h->m, 1, 0), ML_ENOMEM);
	assert_int_equal(irq_domain_alloc_descs(h->m, 1, 0), ML_ENOMEM);
	irq_free_descs(h->m, (uint32_t)low, 1);
	assert_int_equal(irq_domain_alloc_descs(h->m, 2, 0), ML_ENOMEM);
	assert_int_equal(irq_domain_alloc_descs(h->m, 1, 12345), low);
	assert_int_equal(irq_domain_alloc_descs(h->m, 0, 0), ML_ENOMEM);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, mh_setup, mh_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_38_612_msix4_table16),
		T(test_38_611_discard_at_free_irq),
		T(test_38_616_msix4_table16),
		T(test_38_61_msix4_table16),
		T(test_310_devid0_gets_32),
		T(test_310_devid100_table6),
		T(test_310_short_pool),
		T(test_310_multimsi3_orphan),
		T(test_310_free_merge),
		T(test_b2_61_alloc1_free_alloc8),
		T(test_b2_612_recreated),
		T(test_b2_616_one_device),
		T(test_1111_arm64_61_boot),
		T(test_1111_arm64_61_unbind_bind),
		T(test_1111_arm64_618_boot),
		T(test_1111_arm64_618_unbind_bind),
		T(test_alloc_irq_at_any_index),
		T(test_alloc_descs_lowest_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
