// SPDX-License-Identifier: GPL-2.0
/*
 * test_model_pci.c - the PCI/MSI layer of the model against spec §4 and
 * the PCI parts of §2.8 and §7: the MSI-X → MSI → INTx order and return
 * values, the error cases, Multi-MSI, the partial-failure retry loop,
 * pcim devres at driver unbind (B10, B11, the 2026 pcim_alloc_irq_vectors
 * series), the MSI <-> MSI-X domain switch and the re-probe after B3.
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
#define VIRT	ML_PCI_IRQ_VIRTUAL
#define ALL	(INTX | MSI | MSIX)

static const char *const profiles[] = { "6.1", "6.12", "6.15", "6.16", "6.18" };
#define NPROF	(sizeof(profiles) / sizeof(profiles[0]))

static int one_dev(struct mh *h, const char *profile, uint32_t msi, uint32_t msix, bool intx)
{
	int d;

	mh_config(h, profile);
	d = mh_pci(h, "0000:00:04.0", 0x20, 0x20, msi, msix);
	h->cfg.dev[d].intx = intx;
	mh_start(h);
	mh_enable(h, d);
	mh_clear(h);
	return d;
}

static int one_pcim(struct mh *h, const char *profile, uint32_t msi, uint32_t msix)
{
	int d;

	mh_config(h, profile);
	d = mh_pci(h, "0000:00:06.0", 0x30, 0x30, msi, msix);
	mh_start(h);
	mh_pcim_enable(h, d);
	mh_clear(h);
	return d;
}

/* The n-th pci_enable_*_range result of this step: type and return value. */
static void assert_range(const struct mh *h, uint32_t n, int type, int ret)
{
	const struct ml_event *e = mh_must(h, ML_EV_PCI_ENABLE_RANGE, n);

	assert_int_equal(e->type, type);
	assert_int_equal(e->ret, ret);
}

/* ---- §4.1 order and return values ---- */

static void test_41_msix_first(void **state)
{
	struct mh *h = *state;

	for (unsigned int p = 0; p < NPROF; p++) {
		int d = one_dev(h, profiles[p], 4, 4, true);

		assert_int_equal(mh_alloc(h, d, 1, 4, ALL), 4);
		assert_int_equal(mh_count(h, ML_EV_PCI_ENABLE_RANGE), 1);
		assert_range(h, 0, ML_TYPE_MSIX, 4);
		assert_true(h->m->dev[d].msix_enabled);
		assert_false(h->m->dev[d].msi_enabled);
	}
}

static void test_41_msi_after_msix_fails(void **state)
{
	struct mh *h = *state;

	for (unsigned int p = 0; p < NPROF; p++) {
		int d = one_dev(h, profiles[p], 4, 0, true);

		assert_int_equal(mh_alloc(h, d, 1, 4, ALL), 4);
		assert_int_equal(mh_count(h, ML_EV_PCI_ENABLE_RANGE), 2);
		assert_range(h, 0, ML_TYPE_MSIX, ML_EINVAL);
		assert_range(h, 1, ML_TYPE_MSI, 4);
		assert_true(h->m->dev[d].msi_enabled);
		assert_int_equal(h->m->dev[d].irq, (uint32_t)mh_virq(h, d, 0));
	}
}

/* An MSI-X -ENOSPC (table too small for min) also falls through to MSI. */
static void test_41_msix_enospc_falls_to_msi(void **state)
{
	struct mh *h = *state;

	for (unsigned int p = 0; p < NPROF; p++) {
		int d = one_dev(h, profiles[p], 8, 2, true);

		assert_int_equal(mh_alloc(h, d, 4, 8, MSI | MSIX), 8);
		assert_range(h, 0, ML_TYPE_MSIX, ML_ENOSPC);
		assert_range(h, 1, ML_TYPE_MSI, 8);
	}
}

static void test_41_intx_last(void **state)
{
	struct mh *h = *state;

	for (unsigned int p = 0; p < NPROF; p++) {
		int d = one_dev(h, profiles[p], 0, 0, true);

		assert_int_equal(mh_alloc(h, d, 1, 1, ALL), 1);
		assert_range(h, 0, ML_TYPE_MSIX, ML_EINVAL);
		assert_range(h, 1, ML_TYPE_MSI, ML_EINVAL);
		assert_false(h->m->dev[d].msi_enabled || h->m->dev[d].msix_enabled);
		/* INTx needs min == 1: otherwise the last error */
		assert_int_equal(mh_alloc(h, d, 2, 2, ALL), ML_EINVAL);
		/* INTx alone: no MSI attempt at all */
		mh_clear(h);
		assert_int_equal(mh_alloc(h, d, 1, 1, INTX), 1);
		assert_int_equal(mh_count(h, ML_EV_PCI_ENABLE_RANGE), 0);
	}
}

static void test_41_no_pin_no_flags(void **state)
{
	struct mh *h = *state;
	int d = one_dev(h, "6.16", 0, 0, false);

	assert_int_equal(mh_alloc(h, d, 1, 1, ALL), ML_EINVAL);
	/* no type asked for: the initial -ENOSPC */
	assert_int_equal(mh_alloc(h, d, 1, 1, 0), ML_ENOSPC);
}

/* ---- §4.2 MSI-X errors ---- */

static void test_42_msix_erange(void **state)
{
	struct mh *h = *state;

	for (unsigned int p = 0; p < NPROF; p++) {
		int d = one_dev(h, profiles[p], 4, 4, true);

		assert_int_equal(mh_enable_msix_range(h, d, 4, 2), ML_ERANGE);
		assert_int_equal(mh_alloc(h, d, 4, 2, MSI | MSIX), ML_ERANGE);
		assert_int_equal(mh_count(h, ML_EV_MSI_PREPARE), 0);
	}
}

static void test_42_msix_when_msi_enabled(void **state)
{
	struct mh *h = *state;

	for (unsigned int p = 0; p < NPROF; p++) {
		int d = one_dev(h, profiles[p], 1, 4, true);

		assert_int_equal(mh_enable_msi(h, d), 0);
		assert_int_equal(mh_enable_msix_range(h, d, 1, 4), ML_EINVAL);
		assert_true(h->m->dev[d].msi_enabled);
		assert_int_equal(mh_count(h, ML_EV_WARN), 0);
	}
}

static void test_42_msix_twice_warns(void **state)
{
	struct mh *h = *state;

	for (unsigned int p = 0; p < NPROF; p++) {
		int d = one_dev(h, profiles[p], 0, 4, true);

		assert_int_equal(mh_enable_msix_range(h, d, 1, 4), 4);
		assert_int_equal(mh_enable_msix_range(h, d, 1, 4), ML_EINVAL);
		assert_int_equal(mh_count_warn(h, "__pci_enable_msix_range"), 1);
		/* WARN_ON_ONCE */
		assert_int_equal(mh_enable_msix_range(h, d, 1, 4), ML_EINVAL);
		assert_int_equal(mh_count_warn(h, "__pci_enable_msix_range"), 1);
	}
}

static void test_42_msix_table_too_small(void **state)
{
	struct mh *h = *state;

	for (unsigned int p = 0; p < NPROF; p++) {
		int d = one_dev(h, profiles[p], 0, 4, true);

		assert_int_equal(mh_enable_msix_range(h, d, 5, 8), ML_ENOSPC);
		/* nvec is cut to the table (6.1: __pci_enable_msix returns the size) */
		assert_int_equal(mh_enable_msix_range(h, d, 2, 8), 4);
	}
}

/* PCI_IRQ_VIRTUAL: hwsize grows to nvec, indices past the table are virtual. */
static void test_42_msix_virtual(void **state)
{
	struct mh *h = *state;
	int d = one_dev(h, "6.16", 0, 4, true);

	assert_int_equal(mh_alloc(h, d, 5, 8, MSIX | VIRT), 8);
	assert_int_equal(mh_must(h, ML_EV_MSI_CREATE_DOMAIN, 0)->hwsize, 8);
	assert_int_equal(h->m->dev[d].ndesc, 8);
	assert_true(mh_virq(h, d, 7) > 0);
	mh_assert_clean(h);
}

/* §4.2 step 7: irq_calc_affinity_vectors = resv + min(max - resv, CPUs). */
static void test_42_affinity_vectors(void **state)
{
	struct mh *h = *state;

	for (unsigned int p = 0; p < NPROF; p++) {
		int d;

		mh_config(h, profiles[p]);
		h->cfg.cpus = 4;
		d = mh_pci(h, "0000:00:03.0", 0x18, 0x18, 0, 8);
		mh_start(h);
		mh_enable(h, d);
		assert_int_equal(mh_alloc_aff(h, d, 1, 8, MSIX | AFF, 1, 0), 5);
		mh_free_vectors(h, d);
		assert_int_equal(mh_alloc_aff(h, d, 6, 8, MSIX | AFF, 1, 0), ML_ENOSPC);
		/* pre + post above min: nothing to spread, 0 < min */
		assert_int_equal(mh_alloc_aff(h, d, 1, 8, MSIX | AFF, 2, 0), ML_ENOSPC);
		/* without PCI_IRQ_AFFINITY the pre/post vectors are ignored */
		assert_int_equal(mh_alloc_aff(h, d, 1, 8, MSIX, 1, 0), 8);
	}
}

/* §8 fault point 9: activation at allocation fails → full rollback, the error. */
static void test_42_msi_init_virq_fails(void **state)
{
	struct mh *h = *state;

	for (unsigned int p = 0; p < NPROF; p++) {
		int d = one_dev(h, profiles[p], 0, 4, true);

		mh_fault(h, ML_F_MSI_INIT_VIRQ, 1, 1);
		mh_clear(h);
		assert_int_equal(mh_alloc(h, d, 1, 4, MSIX), ML_EINVAL);
		assert_int_equal(mh_count(h, ML_EV_MAPTI), 1);
		assert_int_equal(mh_count(h, ML_EV_DISCARD), 1);
		assert_int_equal(mh_count(h, ML_EV_IRQ_FREE), 2);
		assert_int_equal(h->m->dev[d].ndesc, 0);
		assert_false(h->m->dev[d].msix_enabled);
		mh_assert_no_viol(h, "INV-M4");
		assert_int_equal(mh_alloc(h, d, 1, 4, MSIX), 4);
	}
}

/* ---- §4.3 MSI errors and Multi-MSI ---- */

static void test_43_msi_errors(void **state)
{
	struct mh *h = *state;

	for (unsigned int p = 0; p < NPROF; p++) {
		int d = one_dev(h, profiles[p], 4, 4, true);

		assert_int_equal(mh_alloc(h, d, 4, 2, MSI), ML_ERANGE);
		assert_int_equal(mh_alloc(h, d, 0, 2, MSI), ML_EINVAL);	/* nvec < 1 */
		assert_int_equal(mh_alloc(h, d, 5, 8, MSI), ML_ENOSPC);	/* MMC 4 < 5 */
		assert_int_equal(mh_count(h, ML_EV_MSI_PREPARE), 0);
		assert_int_equal(mh_enable_msix_range(h, d, 1, 1), 1);
		assert_int_equal(mh_alloc(h, d, 1, 1, MSI), ML_EINVAL);	/* MSI-X on */
		mh_free_vectors(h, d);
		assert_int_equal(mh_enable_msi(h, d), 0);
		mh_clear(h);
		assert_int_equal(mh_alloc(h, d, 1, 1, MSI), ML_EINVAL);	/* MSI on */
		assert_int_equal(mh_count_warn(h, "__pci_enable_msi_range"), 1);
	}
}

static void test_43_msi_no_capability(void **state)
{
	struct mh *h = *state;

	for (unsigned int p = 0; p < NPROF; p++) {
		int d = one_dev(h, profiles[p], 0, 4, true);

		assert_int_equal(mh_enable_msi(h, d), ML_EINVAL);
	}
}

/* One descriptor, multiple = log2 of the rounded count, one aligned block. */
static void test_43_multi_msi(void **state)
{
	static const struct { uint32_t n, multiple, lpis; } t[] = {
		{ 5, 3, 8 }, { 3, 2, 4 }, { 8, 3, 8 }, { 2, 1, 2 },
	};
	struct mh *h = *state;

	for (unsigned int p = 0; p < NPROF; p++) {
		for (unsigned int k = 0; k < 4; k++) {
			int d = one_dev(h, profiles[p], 8, 0, true);
			int virq, desc;

			assert_int_equal(mh_alloc(h, d, 1, (int)t[k].n, MSI), (int)t[k].n);
			assert_int_equal(h->m->dev[d].ndesc, 1);
			desc = msi_find_desc(h->m, d, 0);
			assert_true(desc >= 0);
			assert_int_equal(h->m->desc[desc].nvec_used, t[k].n);
			assert_int_equal(h->m->desc[desc].multiple, t[k].multiple);
			virq = (int)h->m->desc[desc].irq;
			assert_int_equal(h->m->dev[d].irq, (uint32_t)virq);
			for (uint32_t i = 0; i < t[k].n; i++) {
				const struct ml_irq *irq = &h->m->irq[virq + (int)i];

				assert_int_equal(mh_virq(h, d, i), virq + (int)i);
				assert_int_equal(irq->eventid, i);
				assert_int_equal(irq->lpi, 8192 + i);
			}
			assert_int_equal(mh_count(h, ML_EV_MSI_IRQ), 1);
			assert_int_equal(mh_must(h, ML_EV_MSI_IRQ, 0)->nr, t[k].n);
			/* 6.16: the domain is sized by the MMC count, so 8 LPIs */
			assert_int_equal(mh_itsdev_must(h, 0x20)->nr_lpis,
					 !strcmp(profiles[p], "6.16") || !strcmp(profiles[p], "6.18") ?
					 8 : t[k].lpis);
			mh_check(h);
			mh_assert_no_viol(h, "INV-M1");
			mh_assert_clean(h);
		}
	}
}

/* ---- §2.8 partial failure and the retry loop ---- */

static void retry_run(struct mh *h, const char *profile)
{
	int d = one_dev(h, profile, 0, 8, true);

	mh_fault(h, ML_F_IRQ_DOMAIN_ALLOC_DESCS, 5, 1);
	mh_clear(h);
	assert_int_equal(mh_alloc(h, d, 2, 8, MSIX), 5);
	assert_range(h, 0, ML_TYPE_MSIX, 5);
	assert_int_equal(h->m->dev[d].ndesc, 5);
	assert_true(h->m->dev[d].msix_enabled);
	/* 5 irqs, rolled back (DISCARD each), then 5 again */
	assert_int_equal(mh_count(h, ML_EV_MAPTI), 10);
	assert_int_equal(mh_count(h, ML_EV_DISCARD), 5);
	assert_int_equal(mh_count(h, ML_EV_IRQ_FREE), 5);
	for (uint32_t i = 0; i < 5; i++) {
		assert_int_equal(mh_must(h, ML_EV_MAPTI, i)->eventid, i);
		assert_int_equal(mh_must(h, ML_EV_MAPTI, 5 + i)->eventid, i);
	}
	assert_true(mh_pos(h, ML_EV_DISCARD, 4) < mh_pos(h, ML_EV_MAPTI, 5));
	mh_assert_no_viol(h, "INV-M4");
}

static void test_28_retry_612(void **state)
{
	struct mh *h = *state;

	retry_run(h, "6.12");
	/* the rollback emptied the device: MAPD V=0, then a new one for the retry */
	assert_int_equal(mh_count(h, ML_EV_MSI_PREPARE), 2);
	assert_int_equal(mh_must(h, ML_EV_MSI_PREPARE, 0)->nvec, 8);
	assert_int_equal(mh_must(h, ML_EV_MSI_PREPARE, 1)->nvec, 5);
	assert_int_equal(mh_count(h, ML_EV_ITS_CREATE_DEVICE), 2);
	assert_int_equal(mh_count_mapd(h, true), 2);
	assert_int_equal(mh_count_mapd(h, false), 1);
	assert_true(mh_pos(h, ML_EV_MAPD, 1) > mh_pos(h, ML_EV_DISCARD, 4));
	assert_int_equal(mh_must(h, ML_EV_MAPD, 1)->valid, 0);
	assert_int_equal(mh_must(h, ML_EV_MAPD, 2)->valid, 1);
	assert_int_equal(mh_must(h, ML_EV_MAPD, 2)->nr_ites, 8);
	assert_false(mh_itsdev_must(h, 0x20)->shared);
}

static void test_28_retry_61(void **state)
{
	struct mh *h = *state;

	retry_run(h, "6.1");
	assert_int_equal(mh_count_mapd(h, true), 2);
	assert_int_equal(mh_count_mapd(h, false), 1);
	assert_int_equal(mh_must(h, ML_EV_MAPD, 0)->nr_ites, 8);
	assert_int_equal(mh_must(h, ML_EV_MAPD, 2)->nr_ites, 8);	/* 5 → 8 */
}

static void test_28_retry_616(void **state)
{
	struct mh *h = *state;

	retry_run(h, "6.16");
	assert_int_equal(mh_count(h, ML_EV_MSI_PREPARE), 1);
	assert_int_equal(mh_count(h, ML_EV_MAPD), 1);	/* at domain creation */
	assert_int_equal(mh_count_mapd(h, false), 0);
	assert_true(mh_pos(h, ML_EV_MAPD, 0) < mh_pos(h, ML_EV_MAPTI, 0));
}

/*
 * The same fault in the parent GIC allocation is B7: the 6th EventID stays
 * taken, so ≤ 6.15 the rollback does not empty the device (no MAPD V=0) and
 * the retry's prepare finds it and marks it shared.
 */
static void test_28_retry_gic_fault_612(void **state)
{
	struct mh *h = *state;
	int d = one_dev(h, "6.12", 0, 8, true);

	mh_fault(h, ML_F_GIC_IRQ_ALLOC, 5, 1);
	mh_clear(h);
	assert_int_equal(mh_alloc(h, d, 2, 8, MSIX), 5);
	assert_int_equal(mh_count_mapd(h, false), 0);
	assert_int_equal(mh_count(h, ML_EV_ITS_CREATE_DEVICE), 1);
	assert_true(mh_itsdev_must(h, 0x20)->shared);
	mh_assert_viol(h, "INV-M4", "B7");
}

/* §2.8 step 5: the first irq fails → -ENOSPC → MSI, which replaces the domain. */
static void test_28_first_fails_falls_to_msi_616(void **state)
{
	struct mh *h = *state;
	int d = one_dev(h, "6.16", 1, 8, true);

	mh_fault(h, ML_F_IRQ_DOMAIN_ALLOC_DESCS, 0, 1);
	mh_clear(h);
	assert_int_equal(mh_alloc(h, d, 1, 8, MSI | MSIX), 1);
	assert_range(h, 0, ML_TYPE_MSIX, ML_ENOSPC);
	assert_range(h, 1, ML_TYPE_MSI, 1);
	assert_int_equal(mh_count(h, ML_EV_MSI_CREATE_DOMAIN), 2);
	assert_int_equal(mh_must(h, ML_EV_MSI_CREATE_DOMAIN, 1)->type, ML_TYPE_MSI);
	assert_int_equal(mh_count(h, ML_EV_MSI_TEARDOWN), 1);
	assert_true(mh_pos(h, ML_EV_MSI_TEARDOWN, 0) < mh_pos(h, ML_EV_MSI_CREATE_DOMAIN, 1));
	assert_int_equal(mh_count_mapd(h, false), 1);
	assert_int_equal(mh_count_mapd(h, true), 2);
	assert_int_equal(mh_itsdev_must(h, 0x20)->nr_lpis, 1);
	assert_int_equal(mh_itsdev_must(h, 0x20)->nr_ites, 2);
	mh_assert_clean(h);
}

/* ---- §4.5 / §4.6 devres ---- */

static void test_45_pcim_devres_order(void **state)
{
	struct mh *h = *state;

	for (unsigned int p = 0; p < NPROF; p++) {
		int d = one_pcim(h, profiles[p], 0, 4);
		bool domains = strcmp(profiles[p], "6.1") != 0;
		bool teardown = !strcmp(profiles[p], "6.16") || !strcmp(profiles[p], "6.18");

		assert_int_equal(mh_alloc(h, d, 1, 4, MSIX), 4);
		mh_clear(h);
		mh_unbind(h, d);
		assert_int_equal(mh_count(h, ML_EV_PCIM_MSI_RELEASE), 1);
		assert_int_equal(mh_count(h, ML_EV_IRQ_FREE), 4);
		assert_true(mh_pos(h, ML_EV_PCIM_MSI_RELEASE, 0) < mh_pos(h, ML_EV_IRQ_FREE, 0));
		assert_int_equal(mh_count(h, ML_EV_MSI_REMOVE_DOMAIN), domains ? 1 : 0);
		if (domains)
			assert_true(mh_pos(h, ML_EV_IRQ_FREE, 3) <
				    mh_pos(h, ML_EV_MSI_REMOVE_DOMAIN, 0));
		assert_int_equal(mh_count(h, ML_EV_MSI_TEARDOWN), teardown ? 1 : 0);
		assert_int_equal(mh_count_mapd(h, false), 1);
		assert_int_equal(mh_count(h, ML_EV_WARN), 0);
		assert_false(h->m->dev[d].is_managed);
		assert_int_equal(h->m->dev[d].ndevres, 0);
		mh_assert_clean(h);
	}
}

/* §7 B11: the driver frees, then devres frees again: nothing happens. */
static void test_46_b11_second_free_silent(void **state)
{
	struct mh *h = *state;

	for (unsigned int p = 0; p < NPROF; p++) {
		int d = one_pcim(h, profiles[p], 0, 4);
		bool teardown = !strcmp(profiles[p], "6.16") || !strcmp(profiles[p], "6.18");

		assert_int_equal(mh_alloc(h, d, 1, 4, MSIX), 4);
		mh_free_vectors(h, d);
		mh_clear(h);
		mh_free_vectors(h, d);
		assert_int_equal(h->nev, 0);	/* no event at all */
		mh_unbind(h, d);
		assert_int_equal(mh_count(h, ML_EV_PCIM_MSI_RELEASE), 1);
		assert_int_equal(mh_count(h, ML_EV_IRQ_FREE), 0);
		assert_int_equal(mh_count(h, ML_EV_DISCARD), 0);
		assert_int_equal(mh_count(h, ML_EV_WARN), 0);
		/* only 6.16's teardown has something left to do */
		assert_int_equal(mh_count(h, ML_EV_MAPD), teardown ? 1 : 0);
		/* the pcim_msi_release is the last event unless a domain goes */
		if (!strcmp(profiles[p], "6.1"))
			assert_int_equal(h->nev, 1);
		else if (!teardown)
			assert_int_equal(h->ev[h->nev - 1].kind, ML_EV_MSI_REMOVE_DOMAIN);
		mh_assert_no_viol(h, "INV-C2");
		mh_assert_clean(h);
	}
}

/* §7 B10: a non-pcim driver unbound with its vectors still allocated. */
static void test_45_b10_unbind_without_free(void **state)
{
	struct mh *h = *state;

	for (unsigned int p = 0; p < NPROF; p++) {
		int d = one_dev(h, profiles[p], 0, 4, true);
		bool teardown = !strcmp(profiles[p], "6.16") || !strcmp(profiles[p], "6.18");

		assert_int_equal(mh_alloc(h, d, 1, 4, MSIX), 4);
		mh_clear(h);
		mh_unbind(h, d);
		mh_assert_viol(h, "INV-C3", "B10");
		assert_int_equal(mh_count_warn(h, "msi_device_data_release"), 1);
		assert_int_equal(mh_count_warn(h, "its_msi_teardown"), teardown ? 1 : 0);
		assert_int_equal(mh_count(h, ML_EV_IRQ_FREE), 0);
		assert_int_equal(mh_count(h, ML_EV_MAPD), 0);
		assert_true(mh_itsdev(h, 0x20) >= 0);
	}
}

/* 2026 series patch 1 alone: no pcim_msi_release is registered. */
static void test_45_pcim_alloc_patch1_only(void **state)
{
	struct mh *h = *state;
	int d;

	mh_config(h, "6.16");
	mh_switch(h, ML_SW_PCIM_ALLOC_IRQ_VECTORS, true);
	d = mh_pci(h, "0000:00:06.0", 0x30, 0x30, 0, 4);
	mh_start(h);
	mh_pcim_enable(h, d);
	assert_int_equal(mh_pcim_alloc(h, d, 1, 4, MSIX), 4);
	assert_true(h->m->dev[d].is_msi_managed);
	mh_clear(h);
	mh_unbind(h, d);
	assert_int_equal(mh_count(h, ML_EV_PCIM_MSI_RELEASE), 0);
	assert_int_equal(mh_count(h, ML_EV_IRQ_FREE), 0);
	mh_assert_viol(h, "INV-C3", "B10");
}

/* Without the switch, pcim_alloc_irq_vectors does not exist. */
static void test_45_pcim_alloc_needs_switch(void **state)
{
	struct mh *h = *state;
	int d = one_pcim(h, "6.16", 0, 4);

	mh_op_refused(h, (struct ml_op){ .kind = ML_OP_PCIM_ALLOC_IRQ_VECTORS, .dev = d,
					 .min = 1, .max = 4, .flags = MSIX });
}

/* Patches 1 + 37: one action per context setup; all but the first are no-ops. */
static void test_45_pcim_alloc_patch37(void **state)
{
	struct mh *h = *state;
	int d, first, second;

	mh_config(h, "6.16");
	mh_switch(h, ML_SW_PCIM_ALLOC_IRQ_VECTORS, true);
	mh_switch(h, ML_SW_PCIM_MSI_RELEASE_BY_FLAG, true);
	d = mh_pci(h, "0000:00:06.0", 0x30, 0x30, 1, 4);
	mh_start(h);
	mh_pcim_enable(h, d);
	assert_int_equal(mh_pcim_alloc(h, d, 1, 4, MSIX), 4);
	mh_free_vectors(h, d);
	/* an MSI-X attempt that fails (its context setup counts) then MSI */
	mh_fault(h, ML_F_IRQ_DOMAIN_ALLOC_DESCS, 0, 1);
	assert_int_equal(mh_pcim_alloc(h, d, 1, 4, MSI | MSIX), 1);
	assert_int_equal(h->m->dev[d].ndevres, 5);
	mh_clear(h);
	mh_unbind(h, d);
	assert_int_equal(mh_count(h, ML_EV_PCIM_MSI_RELEASE), 3);
	first = mh_pos(h, ML_EV_PCIM_MSI_RELEASE, 0);
	second = mh_pos(h, ML_EV_PCIM_MSI_RELEASE, 1);
	assert_int_equal(mh_count(h, ML_EV_IRQ_FREE), 1);
	assert_true(first < mh_pos(h, ML_EV_IRQ_FREE, 0));
	assert_true(mh_pos(h, ML_EV_IRQ_FREE, 0) < second);
	/* the second and third releases did nothing */
	assert_int_equal(h->ev[second + 1].kind, ML_EV_PCIM_MSI_RELEASE);
	mh_assert_no_viol(h, "INV-C3");
	mh_assert_no_viol(h, "INV-C2");
}

/* Patch 37, consequence (c): pcim_enable_device + pci_alloc_irq_vectors is not auto-freed. */
static void test_45_patch37_plain_alloc_not_managed(void **state)
{
	struct mh *h = *state;
	int d;

	mh_config(h, "6.16");
	mh_switch(h, ML_SW_PCIM_ALLOC_IRQ_VECTORS, true);
	mh_switch(h, ML_SW_PCIM_MSI_RELEASE_BY_FLAG, true);
	d = mh_pci(h, "0000:00:06.0", 0x30, 0x30, 0, 4);
	mh_start(h);
	mh_pcim_enable(h, d);
	assert_int_equal(mh_alloc(h, d, 1, 4, MSIX), 4);
	mh_clear(h);
	mh_unbind(h, d);
	assert_int_equal(mh_count(h, ML_EV_PCIM_MSI_RELEASE), 0);
	mh_assert_viol(h, "INV-C3", "B10");
}

/* ---- MSI <-> MSI-X switch ---- */

static void test_msi_msix_switch_616(void **state)
{
	static const enum ml_ev_kind keep[] = {
		ML_EV_MSI_REMOVE_DOMAIN, ML_EV_MSI_TEARDOWN, ML_EV_ITS_MSI_TEARDOWN, ML_EV_MAPD,
		ML_EV_MSI_CREATE_DOMAIN, ML_EV_MSI_PREPARE, ML_EV__COUNT
	};
	static const enum ml_ev_kind want[] = {
		ML_EV_MSI_REMOVE_DOMAIN, ML_EV_MSI_TEARDOWN, ML_EV_ITS_MSI_TEARDOWN, ML_EV_MAPD,
		ML_EV_MAPD, ML_EV_MSI_PREPARE, ML_EV_MSI_CREATE_DOMAIN,
	};
	struct mh *h = *state;
	int d = one_dev(h, "6.16", 1, 4, true);

	assert_int_equal(mh_alloc(h, d, 1, 1, MSI), 1);
	assert_int_equal(mh_must(h, ML_EV_MSI_CREATE_DOMAIN, 0)->type, ML_TYPE_MSI);
	mh_free_vectors(h, d);
	mh_clear(h);
	assert_int_equal(mh_alloc(h, d, 1, 4, MSIX), 4);
	mh_assert_sequence(h, keep, want, 7);
	assert_int_equal(mh_must(h, ML_EV_MAPD, 0)->valid, 0);
	assert_int_equal(mh_must(h, ML_EV_MAPD, 1)->valid, 1);
	assert_int_equal(mh_must(h, ML_EV_MAPD, 1)->nr_ites, 4);
	assert_int_equal(mh_must(h, ML_EV_MSI_PREPARE, 0)->nvec, 4);
	assert_int_equal(mh_must(h, ML_EV_MSI_CREATE_DOMAIN, 0)->type, ML_TYPE_MSIX);
	assert_int_equal(h->m->dom[h->m->dev[d].domain].kind, ML_DOM_PCI_MSIX);
	mh_assert_clean(h);
}

static void test_msi_msix_switch_612(void **state)
{
	struct mh *h = *state;
	int d = one_dev(h, "6.12", 1, 4, true);

	assert_int_equal(mh_alloc(h, d, 1, 4, MSIX), 4);
	mh_free_vectors(h, d);
	mh_clear(h);
	assert_int_equal(mh_alloc(h, d, 1, 1, MSI), 1);
	assert_int_equal(mh_count(h, ML_EV_MSI_REMOVE_DOMAIN), 1);
	assert_int_equal(mh_count(h, ML_EV_MSI_TEARDOWN), 0);
	assert_int_equal(mh_must(h, ML_EV_MSI_CREATE_DOMAIN, 0)->type, ML_TYPE_MSI);
	assert_int_equal(mh_must(h, ML_EV_MSI_CREATE_DOMAIN, 0)->hwsize, 1);
	/* the old device went with its last EventID at the free: a new one now */
	assert_int_equal(mh_count_mapd(h, false), 0);
	assert_int_equal(mh_count_mapd(h, true), 1);
	assert_int_equal(mh_itsdev_must(h, 0x20)->nr_lpis, 1);
	assert_true(mh_pos(h, ML_EV_MSI_REMOVE_DOMAIN, 0) < mh_pos(h, ML_EV_MSI_CREATE_DOMAIN, 0));
	mh_assert_no_viol(h, "INV-C1");
}

/* ---- §7 B3 re-probe ---- */

static void test_b3_reprobe_616(void **state)
{
	struct mh *h = *state;
	int d = one_pcim(h, "6.16", 4, 0);

	assert_int_equal(mh_alloc(h, d, 1, 3, MSI), 3);
	mh_unbind(h, d);
	assert_int_equal(mh_count_warn(h, "its_msi_teardown"), 1);
	mh_assert_viol(h, "INV-I1", "B3");
	mh_assert_viol(h, "INV-I3", "B3");	/* domain gone, device left */
	mh_remove(h, d);
	mh_add(h, d);
	mh_pcim_enable(h, d);
	mh_clear(h);
	/* second probe: the leaked device is found (shared), 3 → -ENOSPC → +1 → 1 */
	assert_int_equal(mh_alloc(h, d, 1, 3, MSI), 1);
	assert_int_equal(mh_count(h, ML_EV_ITS_CREATE_DEVICE), 0);
	assert_true(mh_itsdev_must(h, 0x30)->shared);
	assert_int_equal(mh_must(h, ML_EV_ITS_ALLOC_FAIL, 0)->nr, 3);
	assert_int_equal(mh_virq(h, d, 1), ML_EINVAL);
	/* min 3: the degraded retry is below min */
	mh_free_vectors(h, d);
	assert_int_equal(mh_alloc(h, d, 3, 3, MSI), ML_ENOSPC);
}

/* §7 B3 within one 6.16 binding: nr_lpis 4 → degraded; nr_lpis 8 → block 4..7. */
static void test_b3_same_binding_616(void **state)
{
	struct mh *h = *state;
	int d = one_dev(h, "6.16", 4, 0, true);

	assert_int_equal(mh_alloc(h, d, 1, 3, MSI), 3);
	mh_free_vectors(h, d);
	assert_int_equal(mh_alloc(h, d, 1, 3, MSI), 1);

	d = one_dev(h, "6.16", 8, 0, true);
	assert_int_equal(mh_alloc(h, d, 1, 3, MSI), 3);
	mh_free_vectors(h, d);
	assert_int_equal(mh_alloc(h, d, 1, 3, MSI), 3);
	assert_int_equal(h->m->irq[mh_virq(h, d, 0)].eventid, 4);
}

static void test_b3_reprobe_612(void **state)
{
	struct mh *h = *state;
	int d = one_pcim(h, "6.12", 4, 0);

	assert_int_equal(mh_alloc(h, d, 1, 3, MSI), 3);
	mh_unbind(h, d);
	assert_int_equal(mh_count_mapd(h, false), 0);
	mh_remove(h, d);
	mh_add(h, d);
	mh_pcim_enable(h, d);
	mh_clear(h);
	assert_int_equal(mh_alloc(h, d, 1, 3, MSI), 1);
	assert_true(mh_itsdev_must(h, 0x30)->shared);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, mh_setup, mh_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_41_msix_first),
		T(test_41_msi_after_msix_fails),
		T(test_41_msix_enospc_falls_to_msi),
		T(test_41_intx_last),
		T(test_41_no_pin_no_flags),
		T(test_42_msix_erange),
		T(test_42_msix_when_msi_enabled),
		T(test_42_msix_twice_warns),
		T(test_42_msix_table_too_small),
		T(test_42_msix_virtual),
		T(test_42_affinity_vectors),
		T(test_42_msi_init_virq_fails),
		T(test_43_msi_errors),
		T(test_43_msi_no_capability),
		T(test_43_multi_msi),
		T(test_28_retry_612),
		T(test_28_retry_61),
		T(test_28_retry_616),
		T(test_28_retry_gic_fault_612),
		T(test_28_first_fails_falls_to_msi_616),
		T(test_45_pcim_devres_order),
		T(test_46_b11_second_free_silent),
		T(test_45_b10_unbind_without_free),
		T(test_45_pcim_alloc_patch1_only),
		T(test_45_pcim_alloc_needs_switch),
		T(test_45_pcim_alloc_patch37),
		T(test_45_patch37_plain_alloc_not_managed),
		T(test_msi_msix_switch_616),
		T(test_msi_msix_switch_612),
		T(test_b3_reprobe_616),
		T(test_b3_same_binding_616),
		T(test_b3_reprobe_612),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
