// SPDX-License-Identifier: GPL-2.0
/*
 * test_invariants_x86.c - one failing state per x86 invariant INV-X1 ..
 * INV-X6 (spec §6.4) and its clean twin: a real x86 machine is driven to
 * a state, then one field is broken the way a model or kernel bug would
 * break it; the twin keeps the same state intact (or the Q1 situation the
 * check must allow for) and must report nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "model_helpers.h"
#include "x86_helpers.h"

#define MSIX	ML_PCI_IRQ_MSIX
#define AFF	ML_PCI_IRQ_AFFINITY

/* virtio-blk-like: 3 MSI-X vectors, two managed, all requested */
static int busy_machine(struct mh *h)
{
	int d;

	xh_config(h, "6.1", 2);
	mh_irqs_used(h, 1, 23);
	d = mh_pci(h, "blk0", 0x20, 0x20, 0, 3);
	mh_start(h);
	mh_enable(h, d);
	mh_alloc_aff(h, d, 3, 3, MSIX | AFF, 1, 0);
	mh_request(h, d, 0);
	mh_request(h, d, 1);
	mh_request(h, d, 2);
	mh_clear(h);
	return d;
}

static void check_only(struct mh *h, const char *inv)
{
	mh_check(h);
	assert_true(mh_viol(h, inv, NULL) >= 1);
	for (uint32_t i = 0; i < h->nviol; i++)
		if (strncmp(h->viol[i].inv, "INV-X", 5) == 0 && strcmp(h->viol[i].inv, inv))
			fail_msg("%s fired too: %s", h->viol[i].inv, h->viol[i].detail);
}

static void test_x1_fail(void **state)
{
	struct mh *h = *state;

	busy_machine(h);
	/* allocated no longer counts the alloc_map bits; available adjusted so X4 holds */
	h->m->x86.cpu[1].allocated++;
	h->m->x86.cpu[1].managed_allocated++;
	check_only(h, "INV-X1");
}

static void test_x1_system_bit_fail(void **state)
{
	struct mh *h = *state;

	busy_machine(h);
	/* a system vector in a managed map, counted */
	h->m->x86.cpu[0].managed_map[0x80 / 64] |= 1ull << (0x80 % 64);
	mh_check(h);
	mh_assert_viol(h, "INV-X1", NULL);
}

static void test_x2_fail(void **state)
{
	struct mh *h = *state;

	busy_machine(h);
	h->m->x86.mx.global_reserved++;
	check_only(h, "INV-X2");
}

static void test_x3_fail(void **state)
{
	struct mh *h = *state;

	busy_machine(h);
	h->m->x86.mx.global_available--;
	check_only(h, "INV-X3");
}

static void test_x4_fail(void **state)
{
	struct mh *h = *state;

	busy_machine(h);
	/* available of cpu0 off by one, the global sum moved with it (X3 holds) */
	h->m->x86.cpu[0].available--;
	h->m->x86.mx.global_available--;
	check_only(h, "INV-X4");
}

static void test_x5_shared_vector_fail(void **state)
{
	struct mh *h = *state;
	struct ml_apicd *a, *b;

	busy_machine(h);
	a = &h->m->irq[24].apicd;
	b = &h->m->irq[25].apicd;
	/* irq 25 claims irq 24's vector: the collision apic_update_vector() BUG_ONs on */
	b->vector = a->vector;
	b->cpu = a->cpu;
	mh_check(h);
	mh_assert_viol(h, "INV-X5", NULL);
}

static void test_x5_unallocated_owner_fail(void **state)
{
	struct mh *h = *state;
	struct ml_apicd *a;

	busy_machine(h);
	a = &h->m->irq[24].apicd;
	h->m->x86.cpu[a->cpu].alloc_map[a->vector / 64] &= ~(1ull << (a->vector % 64));
	h->m->x86.cpu[a->cpu].allocated--;
	h->m->x86.cpu[a->cpu].available++;
	h->m->x86.mx.global_available++;
	check_only(h, "INV-X5");
}

static void test_x6_alloc_pairing_fail(void **state)
{
	struct mh *h = *state;
	struct ml_event ev;

	busy_machine(h);
	/* a vector_alloc that no irq_matrix_alloc of that vector preceded */
	ml_event_init(&ev, ML_EV_VECTOR_ALLOC);
	ev.virq = 24;
	ev.vector = 0x50;
	ev.has_ret = true;
	x86_trace_check(h->m, &ev);
	mh_keep_viol(h);
	mh_assert_viol(h, "INV-X6", NULL);
}

static void test_x6_free_unallocated_fail(void **state)
{
	struct mh *h = *state;
	struct ml_event ev;

	busy_machine(h);
	ml_event_init(&ev, ML_EV_IRQ_MATRIX_FREE);
	ev.bit = 0x60;
	ev.cpu = 1;
	x86_trace_check(h->m, &ev);
	mh_keep_viol(h);
	mh_assert_viol(h, "INV-X6", NULL);
}

static void test_x6_teardown_without_remove_fail(void **state)
{
	struct mh *h = *state;
	struct ml_event ev;

	busy_machine(h);
	ml_event_init(&ev, ML_EV_VECTOR_TEARDOWN);
	ev.virq = 24;
	ev.has_reserved = true;
	x86_trace_check(h->m, &ev);
	/* the step ends without irq_matrix_remove_reserved */
	mh_check(h);
	mh_assert_viol(h, "INV-X6", NULL);
}

/* clean twins: the same machine through a whole lifecycle, hotplug included */
static void test_clean_lifecycle(void **state)
{
	struct mh *h = *state;
	int d = busy_machine(h);

	xh_set_affinity(h, d, 0, 0);
	xh_cpu_offline(h, 1);
	xh_cpu_online(h, 1);
	mh_free_irq(h, d, 2);
	mh_free_irq(h, d, 1);
	mh_free_irq(h, d, 0);
	mh_free_vectors(h, d);
	mh_check(h);
	xh_assert_no_x(h);
	assert_int_equal(xh_mx(h)->global_reserved, 0);
	assert_int_equal(xh_cpu(h, 0)->managed + xh_cpu(h, 1)->managed, 0);
}

/* Q1 twin: a managed reservation made while the CPU is offline breaks the
 * INV-X4 formula by design; the check skips that CPU */
static void test_clean_q1_offline_reservation(void **state)
{
	struct mh *h = *state;
	int d;

	xh_config(h, "6.1", 2);
	d = mh_pci(h, "blk0", 0x20, 0x20, 0, 3);
	mh_start(h);
	mh_enable(h, d);
	xh_cpu_offline(h, 1);
	/* spread over the possible CPUs: cpu1's managed bit is reserved offline */
	assert_int_equal(mh_alloc_aff(h, d, 3, 3, MSIX | AFF, 1, 0), 3);
	xh_cpu_online(h, 1);
	assert_int_equal(xh_cpu(h, 1)->available, 201);
	mh_check(h);
	xh_assert_no_x(h);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, mh_setup, mh_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_x1_fail),
		T(test_x1_system_bit_fail),
		T(test_x2_fail),
		T(test_x3_fail),
		T(test_x4_fail),
		T(test_x5_shared_vector_fail),
		T(test_x5_unallocated_owner_fail),
		T(test_x6_alloc_pairing_fail),
		T(test_x6_free_unallocated_fail),
		T(test_x6_teardown_without_remove_fail),
		T(test_clean_lifecycle),
		T(test_clean_q1_offline_reservation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
