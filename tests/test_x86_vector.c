// SPDX-License-Identifier: GPL-2.0
/*
 * test_x86_vector.c - the x86 vector domain and its MSI parents
 * (model/x86_vector.c) event by event against spec §5.3, §5.5 as corrected
 * by §11.3-11.7: reservation mode, managed vectors, MSI without masking,
 * Multi-MSI per version, affinity moves with the cleanup of the previous
 * vector, silent CPU offline and the managed restart at online, the
 * hwirq of each domain flavour, IO-APIC pins and DMAR with B12.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "model_helpers.h"
#include "x86_helpers.h"

#define MSI	ML_PCI_IRQ_MSI
#define MSIX	ML_PCI_IRQ_MSIX
#define AFF	ML_PCI_IRQ_AFFINITY

/* a 2-CPU x86 machine with irqs 1..23 below the dynamic base and one device */
static int x86_dev(struct mh *h, const char *profile, uint32_t msi, uint32_t msix)
{
	int d;

	xh_config(h, profile, 2);
	mh_irqs_used(h, 1, 23);
	d = mh_pci(h, "virtio0", 0x18, 0x18, msi, msix);
	mh_start(h);
	mh_enable(h, d);
	mh_clear(h);
	return d;
}

/* §5.5 steps 1-4 (with §11.3): non-managed MSI-X in reservation mode */
static void test_msix_reservation_mode(void **state)
{
	struct mh *h = *state;
	const struct ml_event *e;
	int d = x86_dev(h, "6.1", 0, 3);

	assert_int_equal(mh_alloc(h, d, 1, 1, MSIX), 1);
	XH_SEQ(h, ML_EV_IRQ_MATRIX_RESERVE, ML_EV_VECTOR_RESERVE, ML_EV_VECTOR_CONFIG,
	       ML_EV_VECTOR_SETUP, ML_EV_VECTOR_ACTIVATE, ML_EV_VECTOR_CONFIG);
	xh_vec(h, ML_EV_VECTOR_CONFIG, 0, 24, 239, 0);
	e = mh_must(h, ML_EV_VECTOR_ACTIVATE, 0);
	assert_true(!e->is_managed && e->can_reserve && e->reserve);
	assert_int_equal(mh_must(h, ML_EV_IRQ_MATRIX_RESERVE, 0)->global_rsvd, 1);

	mh_clear(h);
	assert_int_equal(mh_request(h, d, 0), 0);
	XH_SEQ(h, ML_EV_VECTOR_ACTIVATE, ML_EV_IRQ_MATRIX_ALLOC, ML_EV_VECTOR_ALLOC,
	       ML_EV_VECTOR_UPDATE, ML_EV_VECTOR_CONFIG);
	assert_false(mh_must(h, ML_EV_VECTOR_ACTIVATE, 0)->reserve);
	xh_mat(mh_must(h, ML_EV_IRQ_MATRIX_ALLOC, 0), 0x21, 1, 200, 1, 0, 386, 0, 16);
	assert_true(mh_must(h, ML_EV_VECTOR_ALLOC, 0)->reserved);
	e = xh_vec(h, ML_EV_VECTOR_UPDATE, 0, 24, 0x21, 1);
	assert_int_equal(e->prev_vector, 0);
	assert_int_equal(e->prev_cpu, 0);
	assert_int_equal(mh_must(h, ML_EV_VECTOR_CONFIG, 0)->apicdest, 0x2);

	mh_clear(h);
	mh_free_irq(h, d, 0);
	XH_SEQ(h, ML_EV_VECTOR_DEACTIVATE, ML_EV_VECTOR_CLEAR, ML_EV_IRQ_MATRIX_FREE,
	       ML_EV_IRQ_MATRIX_RESERVE, ML_EV_VECTOR_RESERVE, ML_EV_VECTOR_CONFIG);
	xh_vec(h, ML_EV_VECTOR_CONFIG, 0, 24, 239, 0);

	mh_clear(h);
	mh_free_vectors(h, d);	/* not activated any more: no deactivate (§11.3) */
	XH_SEQ(h, ML_EV_VECTOR_TEARDOWN, ML_EV_IRQ_MATRIX_REMOVE_RESERVED);
	e = mh_must(h, ML_EV_VECTOR_TEARDOWN, 0);
	assert_true(!e->is_managed && e->has_reserved);
	assert_int_equal(xh_mx(h)->global_reserved, 0);
	xh_assert_no_x(h);
}

/* §11.3: a never-requested reservation-mode irq is freed without vector_deactivate */
static void test_never_requested_free(void **state)
{
	struct mh *h = *state;
	int d = x86_dev(h, "6.12", 0, 3);

	assert_int_equal(mh_alloc(h, d, 3, 3, MSIX), 3);
	mh_clear(h);
	mh_free_vectors(h, d);
	assert_int_equal(mh_count(h, ML_EV_VECTOR_DEACTIVATE), 0);
	assert_int_equal(mh_count(h, ML_EV_VECTOR_TEARDOWN), 3);
	assert_int_equal(mh_count(h, ML_EV_IRQ_MATRIX_REMOVE_RESERVED), 3);
	xh_assert_no_x(h);
}

/* §11.4: managed vectors (virtio-blk: pre_vectors=1, one vector per CPU) */
static void test_managed_sequence(void **state)
{
	struct mh *h = *state;
	const struct ml_event *e;
	int d = x86_dev(h, "6.1", 0, 3);

	assert_int_equal(mh_alloc_aff(h, d, 3, 3, MSIX | AFF, 1, 0), 3);
	/* irq 24 (pre vector): reservation; 25 -> cpu0, 26 -> cpu1 managed */
	xh_mat(mh_must(h, ML_EV_IRQ_MATRIX_RESERVE_MANAGED, 0), 0x21, 0, 185, 15, 1, 386, 1, 15);
	assert_int_equal(mh_must(h, ML_EV_IRQ_MATRIX_RESERVE_MANAGED, 1)->cpu, 1);
	assert_int_equal(mh_count(h, ML_EV_IRQ_MATRIX_RESERVE_MANAGED), 2);
	e = mh_must(h, ML_EV_VECTOR_ACTIVATE, 1);
	assert_int_equal(e->virq, 25);
	assert_true(e->is_managed && !e->can_reserve && e->reserve);

	mh_clear(h);
	mh_request(h, d, 1);
	XH_SEQ(h, ML_EV_VECTOR_ACTIVATE, ML_EV_IRQ_MATRIX_ALLOC_MANAGED,
	       ML_EV_VECTOR_ALLOC_MANAGED, ML_EV_VECTOR_UPDATE, ML_EV_VECTOR_CONFIG);
	/* the same bit that was reserved on that CPU; available unchanged */
	xh_mat(mh_must(h, ML_EV_IRQ_MATRIX_ALLOC_MANAGED, 0), 0x21, 0, 185, 16, 1, 385, 1, 16);

	mh_clear(h);
	mh_free_irq(h, d, 1);
	XH_SEQ(h, ML_EV_VECTOR_DEACTIVATE, ML_EV_VECTOR_CLEAR, ML_EV_IRQ_MATRIX_FREE,
	       ML_EV_VECTOR_CONFIG);
	/* managed free: avl and global_avl unchanged, alloc-1, total-1 */
	xh_mat(mh_must(h, ML_EV_IRQ_MATRIX_FREE, 0), 0x21, 0, 185, 15, 1, 385, 1, 15);
	xh_vec(h, ML_EV_VECTOR_CONFIG, 0, 25, 239, 0);

	mh_clear(h);
	mh_free_vectors(h, d);
	/* per irq: teardown, then remove_reserved (24) or remove_managed (25, 26) */
	XH_SEQ(h, ML_EV_VECTOR_TEARDOWN, ML_EV_IRQ_MATRIX_REMOVE_RESERVED,
	       ML_EV_VECTOR_TEARDOWN, ML_EV_IRQ_MATRIX_REMOVE_MANAGED,
	       ML_EV_VECTOR_TEARDOWN, ML_EV_IRQ_MATRIX_REMOVE_MANAGED);
	e = mh_must(h, ML_EV_IRQ_MATRIX_REMOVE_MANAGED, 0);
	assert_int_equal(e->avl, 186);
	assert_int_equal(e->managed, 0);
	xh_assert_no_x(h);
}

/* §5.5: MSI without per-vector masking: no reservation mode */
static void test_msi_no_mask_no_reservation(void **state)
{
	struct mh *h = *state;
	const struct ml_event *e;
	int d = x86_dev(h, "6.1", 1, 0);

	assert_int_equal(mh_alloc(h, d, 1, 1, MSI), 1);
	XH_SEQ(h, ML_EV_IRQ_MATRIX_RESERVE, ML_EV_VECTOR_RESERVE, ML_EV_VECTOR_CONFIG,
	       ML_EV_VECTOR_SETUP, ML_EV_VECTOR_ACTIVATE, ML_EV_IRQ_MATRIX_ALLOC,
	       ML_EV_VECTOR_ALLOC, ML_EV_VECTOR_UPDATE, ML_EV_VECTOR_CONFIG);
	e = mh_must(h, ML_EV_VECTOR_ACTIVATE, 0);
	assert_true(e->can_reserve && !e->reserve);
	assert_true(mh_must(h, ML_EV_VECTOR_ALLOC, 0)->reserved);

	mh_clear(h);
	mh_request(h, d, 0);	/* already activated: nothing */
	assert_int_equal(mh_count(h, ML_EV_VECTOR_ACTIVATE), 0);
	mh_free_irq(h, d, 0);
	XH_SEQ(h, ML_EV_VECTOR_DEACTIVATE);
	e = mh_must(h, ML_EV_VECTOR_DEACTIVATE, 0);
	assert_false(e->can_reserve);

	mh_clear(h);
	mh_free_vectors(h, d);
	XH_SEQ(h, ML_EV_VECTOR_CLEAR, ML_EV_IRQ_MATRIX_FREE, ML_EV_VECTOR_TEARDOWN);
	assert_false(mh_must(h, ML_EV_VECTOR_TEARDOWN, 0)->has_reserved);
	xh_assert_no_x(h);
}

/* with per-vector masking, MSI uses reservation mode like MSI-X */
static void test_msi_maskable_reserves(void **state)
{
	struct mh *h = *state;
	int d;

	xh_config(h, "6.1", 2);
	d = mh_pci(h, "ahci0", 0x38, 0x38, 1, 0);
	h->cfg.dev[d].msi_mask = true;
	mh_start(h);
	mh_enable(h, d);
	mh_clear(h);
	assert_int_equal(mh_alloc(h, d, 1, 1, MSI), 1);
	assert_int_equal(mh_count(h, ML_EV_IRQ_MATRIX_ALLOC), 0);
	assert_true(mh_must(h, ML_EV_VECTOR_ACTIVATE, 0)->reserve);
}

/* §11.7 / 6.12: Multi-MSI on the vector domain: -ENOSYS (6.1), early reject (6.12) */
static void test_multi_msi_per_version(void **state)
{
	struct mh *h = *state;
	int d = x86_dev(h, "6.1", 4, 0);

	assert_int_equal(mh_alloc(h, d, 1, 4, MSI), 1);
	/* 6.1: the 4-vector attempt reached the vector domain and failed there */
	assert_int_equal(mh_count(h, ML_EV_MSI_PREPARE), 2);
	assert_int_equal(mh_count(h, ML_EV_VECTOR_SETUP), 1);
	mh_free_vectors(h, d);

	d = x86_dev(h, "6.12", 4, 0);
	assert_int_equal(mh_alloc(h, d, 1, 4, MSI), 1);
	assert_int_equal(mh_count(h, ML_EV_MSI_PREPARE), 1);
	assert_int_equal(mh_count(h, ML_EV_VECTOR_SETUP), 1);
	assert_int_equal(mh_alloc(h, x86_dev(h, "6.16", 4, 0), 4, 4, MSI), -28);
}

/* MSI-X is never contiguous-flagged: 3 vectors on 6.1 */
static void test_msix_no_contiguous_flag(void **state)
{
	struct mh *h = *state;
	int d = x86_dev(h, "6.1", 0, 8);

	assert_int_equal(mh_alloc(h, d, 8, 8, MSIX), 8);
	assert_int_equal(mh_count(h, ML_EV_VECTOR_SETUP), 8);
}

/* the MSI domain's hwirq: 6.1 RID << 11 | index, 6.2+ the index */
static void test_hwirq_per_version(void **state)
{
	struct mh *h = *state;
	int d = x86_dev(h, "6.1", 0, 3);

	mh_alloc(h, d, 2, 2, MSIX);
	assert_int_equal(mh_must(h, ML_EV_MSI_IRQ, 1)->hwirq, 0xc001);
	d = x86_dev(h, "6.18", 0, 3);
	mh_alloc(h, d, 2, 2, MSIX);
	assert_int_equal(mh_must(h, ML_EV_MSI_IRQ, 1)->hwirq, 1);
	/* 6.18 recordings: physflat APIC, apicdest = APIC ID */
	mh_clear(h);
	mh_request(h, d, 0);
	assert_int_equal(mh_must(h, ML_EV_VECTOR_CONFIG, 0)->apicdest, 1);
}

/* irq_set_affinity: new vector, update with prev, then free_moved and the free */
static void test_affinity_move_and_cleanup(void **state)
{
	struct mh *h = *state;
	const struct ml_event *e;
	int d = x86_dev(h, "6.1", 0, 3);

	mh_alloc(h, d, 1, 1, MSIX);
	mh_request(h, d, 0);		/* cpu1:0x21 */
	mh_clear(h);
	assert_int_equal(xh_set_affinity(h, d, 0, 0), 0);
	XH_SEQ(h, ML_EV_IRQ_MATRIX_ALLOC, ML_EV_VECTOR_ALLOC, ML_EV_VECTOR_UPDATE,
	       ML_EV_VECTOR_CONFIG, ML_EV_VECTOR_FREE_MOVED, ML_EV_IRQ_MATRIX_FREE);
	assert_false(mh_must(h, ML_EV_VECTOR_ALLOC, 0)->reserved);
	e = xh_vec(h, ML_EV_VECTOR_UPDATE, 0, 24, 0x21, 0);
	assert_int_equal(e->prev_vector, 0x21);
	assert_int_equal(e->prev_cpu, 1);
	xh_vec(h, ML_EV_VECTOR_FREE_MOVED, 0, 24, 0x21, 1);
	assert_int_equal(mh_must(h, ML_EV_IRQ_MATRIX_FREE, 0)->cpu, 1);
	/* the CPU is already in the mask: nothing at all */
	mh_clear(h);
	assert_int_equal(xh_set_affinity(h, d, 0, 0), 0);
	assert_int_equal(h->nev, 1);	/* the ret event only */
	xh_assert_no_x(h);
}

/* irq_set_affinity on a managed irq is refused; on an unrequested one only stored */
static void test_affinity_managed_and_inactive(void **state)
{
	struct mh *h = *state;
	int d = x86_dev(h, "6.1", 0, 3);

	mh_alloc_aff(h, d, 3, 3, MSIX | AFF, 1, 0);
	mh_request(h, d, 1);
	mh_clear(h);
	assert_int_equal(xh_set_affinity(h, d, 1, 1), -5);
	assert_int_equal(xh_set_affinity(h, d, 0, 1), 0);
	assert_int_equal(mh_count(h, ML_EV_IRQ_MATRIX_ALLOC), 0);
	/* the stored mask is used at request time */
	mh_request(h, d, 0);
	assert_int_equal(mh_must(h, ML_EV_IRQ_MATRIX_ALLOC, 0)->cpu, 1);
}

/* §11.6: CPU offline is silent; online restarts managed irqs (prev_cpu kept, §11.5) */
static void test_cpu_offline_online(void **state)
{
	struct mh *h = *state;
	const struct ml_event *e;
	int d = x86_dev(h, "6.1", 0, 3);
	uint32_t gavl;

	mh_alloc_aff(h, d, 3, 3, MSIX | AFF, 1, 0);
	mh_request(h, d, 0);	/* non-managed: cpu1 */
	mh_request(h, d, 1);	/* managed: cpu0 */
	mh_request(h, d, 2);	/* managed: cpu1 */
	gavl = xh_mx(h)->global_available;
	mh_clear(h);
	xh_cpu_offline(h, 1);
	assert_int_equal(h->nev, 0);
	/* the non-managed irq moved to cpu0, the managed one of cpu1 is shut down */
	assert_int_equal(h->m->irq[24].apicd.cpu, 0);
	assert_int_equal(h->m->irq[26].apicd.vector, 0);
	assert_true(h->m->irq[26].apicd.managed_shutdown);
	assert_int_equal(xh_cpu(h, 1)->allocated, 0);
	assert_int_equal(xh_mx(h)->online_maps, 1);
	mh_clear(h);
	xh_cpu_online(h, 1);
	XH_SEQ(h, ML_EV_IRQ_MATRIX_ONLINE, ML_EV_VECTOR_ACTIVATE, ML_EV_IRQ_MATRIX_ALLOC_MANAGED,
	       ML_EV_VECTOR_ALLOC_MANAGED, ML_EV_VECTOR_UPDATE, ML_EV_VECTOR_CONFIG);
	/* the move kept the sum: one vector left cpu1 for cpu0 */
	assert_int_equal(mh_must(h, ML_EV_IRQ_MATRIX_ONLINE, 0)->global_avl, gavl);
	e = xh_vec(h, ML_EV_VECTOR_UPDATE, 0, 26, 0x21, 1);	/* its reserved bit */
	assert_int_equal(e->prev_vector, 0);
	assert_int_equal(e->prev_cpu, 1);
	mh_check(h);
	xh_assert_no_x(h);
}

/* a managed irq whose CPUs are all offline is not started; the CPU's online starts it */
static void test_managed_startup_abort(void **state)
{
	struct mh *h = *state;
	int d = x86_dev(h, "6.12", 0, 3);

	xh_cpu_offline(h, 1);
	mh_alloc_aff(h, d, 3, 3, MSIX | AFF, 1, 0);	/* irq 26: mask {cpu1}, offline */
	mh_clear(h);
	assert_int_equal(mh_request(h, d, 2), 0);
	assert_int_equal(h->nev, 1);	/* the ret event: no activation */
	assert_true(h->m->irq[26].started);
	assert_false(h->m->irq[26].activated);
	mh_clear(h);
	xh_cpu_online(h, 1);
	XH_SEQ(h, ML_EV_IRQ_MATRIX_ONLINE, ML_EV_VECTOR_ACTIVATE, ML_EV_IRQ_MATRIX_ALLOC_MANAGED,
	       ML_EV_VECTOR_ALLOC_MANAGED, ML_EV_VECTOR_UPDATE, ML_EV_VECTOR_CONFIG);
	assert_int_equal(mh_must(h, ML_EV_VECTOR_CONFIG, 0)->cpu, 1);
	mh_check(h);
	xh_assert_no_x(h);
}

/* IO-APIC pins: reservation at map, teardown at the last unmap, refcounted */
static void test_ioapic_pin(void **state)
{
	struct mh *h = *state;

	x86_dev(h, "6.1", 0, 3);
	mh_op(h, (struct ml_op){ .kind = ML_OP_MP_MAP_PIN_TO_IRQ, .dev = -1, .virq = 21 });
	XH_SEQ(h, ML_EV_IRQ_MATRIX_RESERVE, ML_EV_VECTOR_RESERVE, ML_EV_VECTOR_CONFIG,
	       ML_EV_VECTOR_SETUP);
	mh_op(h, (struct ml_op){ .kind = ML_OP_MP_MAP_PIN_TO_IRQ, .dev = -1, .virq = 21 });
	mh_op(h, (struct ml_op){ .kind = ML_OP_MP_UNMAP_IRQ, .dev = -1, .virq = 21 });
	assert_int_equal(mh_count(h, ML_EV_VECTOR_TEARDOWN), 0);
	mh_op(h, (struct ml_op){ .kind = ML_OP_MP_UNMAP_IRQ, .dev = -1, .virq = 21 });
	assert_int_equal(mh_count(h, ML_EV_VECTOR_TEARDOWN), 1);
	assert_int_equal(mh_count(h, ML_EV_IRQ_MATRIX_REMOVE_RESERVED), 1);
	/* 21 is below the dynamic base again: the next MSI irq is 24 */
	mh_alloc(h, 0, 1, 1, MSIX);
	assert_int_equal(mh_must(h, ML_EV_MSI_IRQ, 0)->virq, 24);
}

/* DMAR: distinct hwirqs normally; with the V2 bug the second unit gets -EEXIST (B12) */
static void test_dmar_b12(void **state)
{
	struct mh *h = *state;

	for (int bug = 0; bug < 2; bug++) {
		int a, b;

		xh_config(h, "6.1", 2);
		mh_switch(h, ML_SW_X86_DMAR_HWIRQ_ZERO, bug);
		a = mh_platform(h, "dmar0", 0, false);
		b = mh_platform(h, "dmar1", 1, false);
		h->cfg.dev[a].x86_kind = ML_DEV_DMAR;
		h->cfg.dev[b].x86_kind = ML_DEV_DMAR;
		mh_start(h);
		assert_true(mh_op(h, (struct ml_op){ .kind = ML_OP_DMAR_ALLOC_HWIRQ, .dev = a,
						     .hwirq = 0 }) > 0);
		mh_clear(h);
		if (!bug) {
			assert_true(mh_op(h, (struct ml_op){ .kind = ML_OP_DMAR_ALLOC_HWIRQ,
							     .dev = b, .hwirq = 1 }) > 0);
			assert_int_equal(mh_must(h, ML_EV_MSI_IRQ, 0)->hwirq, 1);
			assert_int_equal(mh_viol(h, "INV-M3", NULL), 0);
		} else {
			assert_int_equal(mh_op(h, (struct ml_op){ .kind = ML_OP_DMAR_ALLOC_HWIRQ,
								  .dev = b, .hwirq = 1 }), -17);
			mh_assert_viol(h, "INV-M3", "B12");
			/* the refused irq left nothing behind */
			assert_int_equal(xh_mx(h)->global_reserved, 1);
		}
		/* a DMAR irq activates at request_irq, from its reservation */
		mh_clear(h);
		assert_int_equal(mh_request(h, a, 0), 0);
		assert_int_equal(mh_count(h, ML_EV_IRQ_MATRIX_ALLOC), 1);
		xh_assert_no_x(h);
	}
}

/* the x86 operations are refused on arm64 and the platform ones on x86 */
static void test_refusals(void **state)
{
	struct mh *h = *state;
	int d;

	mh_config(h, "6.1");
	d = mh_pci(h, "dev0", 0x10, 0x10, 0, 2);
	mh_start(h);
	mh_op_refused(h, (struct ml_op){ .kind = ML_OP_IRQ_SET_AFFINITY, .dev = d });
	mh_op_refused(h, (struct ml_op){ .kind = ML_OP_MP_MAP_PIN_TO_IRQ, .dev = -1, .virq = 20 });

	xh_config(h, "6.16", 2);
	d = mh_platform(h, "plat0", 5, false);
	mh_start(h);
	mh_op_refused(h, (struct ml_op){ .kind = ML_OP_MSI_CREATE_DEVICE_IRQ_DOMAIN, .dev = d,
					 .hwsize = 2 });
	mh_op_refused(h, (struct ml_op){ .kind = ML_OP_DMAR_ALLOC_HWIRQ, .dev = d });
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, mh_setup, mh_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_msix_reservation_mode),
		T(test_never_requested_free),
		T(test_managed_sequence),
		T(test_msi_no_mask_no_reservation),
		T(test_msi_maskable_reserves),
		T(test_multi_msi_per_version),
		T(test_msix_no_contiguous_flag),
		T(test_hwirq_per_version),
		T(test_affinity_move_and_cleanup),
		T(test_affinity_managed_and_inactive),
		T(test_cpu_offline_online),
		T(test_managed_startup_abort),
		T(test_ioapic_pin),
		T(test_dmar_b12),
		T(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
