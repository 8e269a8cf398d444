// SPDX-License-Identifier: GPL-2.0
/*
 * test_irq_matrix.c - the x86 irq_matrix allocator (model/irq_matrix.c)
 * against spec §5.2 and Q1: the window per version, the boot state, the CPU
 * choice of irq_matrix_alloc (largest available, first on a tie) and of
 * irq_matrix_alloc_managed (fewest managed_allocated, last on a tie), the
 * lowest-free-bit rule around system vectors, the managed reservation and
 * its rollback, and the accounting quirks that the kernel keeps on purpose.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "model_helpers.h"
#include "x86_helpers.h"

/* 6.1: window 0x20..0xeb, system 0x20/0x32/0x80, ISA vectors on CPU 0 */
static void test_boot_state_61(void **state)
{
	struct mh *h = *state;

	xh_config(h, "6.1", 2);
	mh_start(h);
	assert_int_equal(xh_mx(h)->alloc_start, 0x20);
	assert_int_equal(xh_mx(h)->alloc_end, 0xec);
	assert_int_equal(xh_mx(h)->alloc_size, 204);
	assert_int_equal(xh_mx(h)->systembits_inalloc, 3);
	assert_true(irq_matrix_is_system(h->m, 0x20));
	assert_true(irq_matrix_is_system(h->m, 0x32));
	assert_true(irq_matrix_is_system(h->m, 0x80));
	assert_false(irq_matrix_is_system(h->m, 0x21));
	/* 15 ISA vectors (0x30..0x3f but the cascade) on CPU 0 */
	assert_int_equal(xh_cpu(h, 0)->allocated, 15);
	assert_int_equal(xh_cpu(h, 0)->available, 204 - 3 - 15);
	assert_int_equal(xh_cpu(h, 1)->available, 201);
	assert_int_equal(xh_mx(h)->global_available, 186 + 201);
	assert_int_equal(xh_mx(h)->total_allocated, 15);
	assert_int_equal(xh_mx(h)->online_maps, 2);
	mh_check(h);
	xh_assert_no_x(h);
}

/* 6.12+: FIRST_SYSTEM_VECTOR 0xeb, no move-cleanup vector in the window */
static void test_boot_state_612(void **state)
{
	struct mh *h = *state;

	xh_config(h, "6.12", 4);
	mh_start(h);
	assert_int_equal(xh_mx(h)->alloc_end, 0xeb);
	assert_int_equal(xh_mx(h)->alloc_size, 203);
	assert_int_equal(xh_mx(h)->systembits_inalloc, 2);
	assert_false(irq_matrix_is_system(h->m, 0x20));
	assert_int_equal(xh_cpu(h, 3)->available, 201);
	assert_int_equal(xh_mx(h)->online_maps, 4);
}

/* largest available wins; on a tie the first CPU of the mask */
static void test_alloc_cpu_choice(void **state)
{
	struct mh *h = *state;
	uint64_t all[4] = { 0 };
	uint32_t cpu = 99;
	int bit;

	xh_config(h, "6.1", 3);
	mh_start(h);
	xh_mask(xh_mask(xh_mask(all, 0), 1), 2);
	/* cpu0 has 186, cpu1 and cpu2 201: cpu1 (first of the tie) */
	bit = irq_matrix_alloc(h->m, all, 3, false, &cpu);
	assert_int_equal(cpu, 1);
	assert_int_equal(bit, 0x21);	/* 0x20 is the move-cleanup system vector */
	bit = irq_matrix_alloc(h->m, all, 3, false, &cpu);
	assert_int_equal(cpu, 2);
	assert_int_equal(bit, 0x21);
	bit = irq_matrix_alloc(h->m, all, 3, false, &cpu);
	assert_int_equal(cpu, 1);
	assert_int_equal(bit, 0x22);
	mh_check(h);
	xh_assert_no_x(h);
}

/* the lowest free bit skips allocated and system bits (0x32 between ISA vectors) */
static void test_alloc_lowest_free_bit(void **state)
{
	struct mh *h = *state;
	uint64_t m1[4] = { 0 };
	uint32_t cpu;

	xh_config(h, "6.1", 2);
	h->cfg.x86_cpu[0] = (struct ml_x86_cpu_config){ .declared = true, .online = true };
	h->cfg.x86_cpu[1] = (struct ml_x86_cpu_config){ .declared = true, .online = true };
	for (uint32_t b = 0x21; b < 0x32; b++)
		h->cfg.x86_cpu[1].alloc_map[b / 64] |= 1ull << (b % 64);
	mh_start(h);
	xh_mask(m1, 1);
	assert_int_equal(irq_matrix_alloc(h->m, m1, 2, false, &cpu), 0x33);
	assert_int_equal(cpu, 1);
}

/* a CPU with nothing available is never chosen, offline CPUs neither */
static void test_alloc_no_cpu(void **state)
{
	struct mh *h = *state;
	uint64_t m1[4] = { 0 }, none[4] = { 0 };
	uint32_t cpu;

	xh_config(h, "6.1", 2);
	mh_start(h);
	xh_mask(m1, 1);
	assert_int_equal(irq_matrix_alloc(h->m, none, 2, false, &cpu), -22);
	h->m->x86.cpu[1].available = 0;
	h->m->x86.mx.global_available -= 201;
	assert_int_equal(irq_matrix_alloc(h->m, m1, 2, false, &cpu), -28);
	h->m->x86.cpu[1].online = false;
	h->m->x86.cpu[1].available = 5;
	assert_int_equal(irq_matrix_alloc(h->m, m1, 2, false, &cpu), -28);
}

/* the counters, exactly as §5.2 lists them, in the emitted tracepoints */
static void test_alloc_free_accounting(void **state)
{
	struct mh *h = *state;
	uint64_t m0[4] = { 0 };
	uint32_t cpu;

	xh_config(h, "6.1", 2);
	mh_start(h);
	xh_mask(m0, 0);
	irq_matrix_reserve(h->m);
	assert_int_equal(irq_matrix_alloc(h->m, m0, 2, true, &cpu), 0x21);
	xh_mat(mh_must(h, ML_EV_IRQ_MATRIX_ALLOC, 0), 0x21, 0, 185, 16, 0, 386, 0, 16);
	irq_matrix_free(h->m, 0, 0x21, false);
	xh_mat(mh_must(h, ML_EV_IRQ_MATRIX_FREE, 0), 0x21, 0, 186, 15, 0, 387, 0, 15);
	mh_check(h);
	xh_assert_no_x(h);
}

/* managed: fewest managed_allocated, the last CPU of the mask on a tie */
static void test_alloc_managed_choice(void **state)
{
	struct mh *h = *state;
	uint64_t all[4] = { 0 };
	uint32_t cpu = 99;
	int bit;

	xh_config(h, "6.1", 3);
	mh_start(h);
	xh_mask(xh_mask(xh_mask(all, 0), 1), 2);
	assert_int_equal(irq_matrix_reserve_managed(h->m, all, 3), 0);
	assert_int_equal(irq_matrix_reserve_managed(h->m, all, 3), 0);
	assert_int_equal(mh_count(h, ML_EV_IRQ_MATRIX_RESERVE_MANAGED), 6);
	/* reservation charges available at once */
	assert_int_equal(xh_cpu(h, 1)->available, 199);
	bit = irq_matrix_alloc_managed(h->m, all, 3, &cpu);
	assert_int_equal(cpu, 2);	/* all at 0: the last */
	assert_int_equal(bit, 0x21);
	bit = irq_matrix_alloc_managed(h->m, all, 3, &cpu);
	assert_int_equal(cpu, 1);	/* 0 and 1 at 0: the last of them */
	/* available does not move at allocation: it was charged at reservation */
	assert_int_equal(xh_cpu(h, 1)->available, 199);
	assert_int_equal(xh_cpu(h, 1)->managed_allocated, 1);
	mh_check(h);
	xh_assert_no_x(h);
}

/* reserve_managed failing on a CPU gives back the CPUs already done */
static void test_reserve_managed_rollback(void **state)
{
	struct mh *h = *state;
	uint64_t all[4] = { 0 };

	xh_config(h, "6.1", 2);
	mh_start(h);
	xh_mask(xh_mask(all, 0), 1);
	mh_fault(h, ML_F_IRQ_MATRIX_RESERVE_MANAGED, 1, 1);
	mh_clear(h);
	assert_int_equal(irq_matrix_reserve_managed(h->m, all, 2), -28);
	XH_SEQ(h, ML_EV_IRQ_MATRIX_RESERVE_MANAGED, ML_EV_IRQ_MATRIX_REMOVE_MANAGED);
	assert_int_equal(xh_cpu(h, 0)->managed, 0);
	assert_int_equal(xh_cpu(h, 0)->available, 186);
	mh_check(h);
	xh_assert_no_x(h);
}

/* remove_managed takes the lowest managed bit that is not allocated */
static void test_remove_managed_lowest_unallocated(void **state)
{
	struct mh *h = *state;
	uint64_t m1[4] = { 0 };
	uint32_t cpu;

	xh_config(h, "6.1", 2);
	mh_start(h);
	xh_mask(m1, 1);
	irq_matrix_reserve_managed(h->m, m1, 2);	/* 0x21 */
	irq_matrix_reserve_managed(h->m, m1, 2);	/* 0x22 */
	assert_int_equal(irq_matrix_alloc_managed(h->m, m1, 2, &cpu), 0x21);
	mh_clear(h);
	irq_matrix_remove_managed(h->m, m1, 2);
	assert_int_equal(mh_must(h, ML_EV_IRQ_MATRIX_REMOVE_MANAGED, 0)->bit, 0x22);
	mh_clear(h);
	irq_matrix_remove_managed(h->m, m1, 2);	/* only an allocated one left: WARN, skip */
	assert_int_equal(mh_count(h, ML_EV_IRQ_MATRIX_REMOVE_MANAGED), 0);
	assert_int_equal(mh_count_warn(h, "irq_matrix_remove_managed"), 1);
}

/* Q1: a free on an offline map does not lower total_allocated */
static void test_q1_free_offline_keeps_total(void **state)
{
	struct mh *h = *state;
	uint64_t m1[4] = { 0 };
	uint32_t cpu, total;

	xh_config(h, "6.1", 2);
	mh_start(h);
	xh_mask(m1, 1);
	assert_int_equal(irq_matrix_alloc(h->m, m1, 2, false, &cpu), 0x21);
	irq_matrix_offline(h->m, 1);
	total = xh_mx(h)->total_allocated;
	irq_matrix_free(h->m, 1, 0x21, false);
	assert_int_equal(xh_mx(h)->total_allocated, total);
	assert_int_equal(xh_cpu(h, 1)->allocated, 0);
	/* available rises on the offline map, global_available does not */
	assert_int_equal(xh_cpu(h, 1)->available, 201);
}

/* Q1: managed reservations while offline are not charged; online does not re-derive */
static void test_q1_offline_reservation_not_charged(void **state)
{
	struct mh *h = *state;
	uint64_t m1[4] = { 0 };

	xh_config(h, "6.1", 2);
	mh_start(h);
	xh_mask(m1, 1);
	irq_matrix_offline(h->m, 1);
	irq_matrix_reserve_managed(h->m, m1, 2);
	assert_int_equal(xh_cpu(h, 1)->managed, 1);
	assert_int_equal(xh_cpu(h, 1)->available, 201);
	mh_clear(h);
	irq_matrix_online(h->m, 1);
	assert_int_equal(xh_cpu(h, 1)->available, 201);	/* not 200 */
	assert_int_equal(mh_must(h, ML_EV_IRQ_MATRIX_ONLINE, 0)->global_avl, 186 + 201);
	/* INV-X4 is not asserted for this CPU (spec 6.4) */
	mh_check(h);
	xh_assert_no_x(h);
}

/* a never-onlined CPU derives available at its first online, managed included */
static void test_first_online_derives_available(void **state)
{
	struct mh *h = *state;
	uint64_t m1[4] = { 0 };

	xh_config(h, "6.1", 2);
	h->cfg.x86_cpu[0] = (struct ml_x86_cpu_config){ .declared = true, .online = true };
	h->cfg.x86_cpu[1] = (struct ml_x86_cpu_config){ .declared = true, .online = false };
	mh_start(h);
	assert_false(ml_cpu_online(h->m, 1));
	assert_int_equal(xh_mx(h)->online_maps, 1);
	xh_mask(m1, 1);
	irq_matrix_reserve_managed(h->m, m1, 2);
	xh_cpu_online(h, 1);
	assert_int_equal(xh_cpu(h, 1)->available, 204 - 3 - 1);
	assert_int_equal(xh_mx(h)->online_maps, 2);
}

/* Q1: a reservation beyond what is available only warns (pr_warn): no WARN event */
static void test_q1_reserve_overcommit(void **state)
{
	struct mh *h = *state;

	xh_config(h, "6.1", 1);
	mh_start(h);
	for (uint32_t i = 0; i < 200; i++)
		irq_matrix_reserve(h->m);
	assert_int_equal(xh_mx(h)->global_reserved, 200);
	assert_true(xh_mx(h)->global_reserved > xh_mx(h)->global_available);
	assert_int_equal(mh_count(h, ML_EV_WARN), 0);
	irq_matrix_remove_reserved(h->m);
	assert_int_equal(xh_mx(h)->global_reserved, 199);
}

/* freeing what is not allocated, or outside the window, WARNs and changes nothing */
static void test_free_unallocated_warns(void **state)
{
	struct mh *h = *state;
	uint32_t gavl;

	xh_config(h, "6.1", 2);
	mh_start(h);
	gavl = xh_mx(h)->global_available;
	irq_matrix_free(h->m, 1, 0x40, false);
	irq_matrix_free(h->m, 1, 0xf0, false);
	assert_int_equal(mh_count(h, ML_EV_IRQ_MATRIX_FREE), 0);
	/* WARN_ON_ONCE: the model keeps one "once" flag per function */
	assert_int_equal(mh_count_warn(h, "irq_matrix_free"), 1);
	assert_int_equal(xh_mx(h)->global_available, gavl);
}

/* the declared start state: counters derived from the maps, system bits dropped */
static void test_declared_start_state(void **state)
{
	struct mh *h = *state;

	xh_config(h, "6.1", 2);
	h->cfg.x86_cpu[0] = (struct ml_x86_cpu_config){ .declared = true, .online = true };
	h->cfg.x86_cpu[1] = (struct ml_x86_cpu_config){ .declared = true, .online = true };
	h->cfg.x86_cpu[0].alloc_map[0] = (1ull << 33) | (1ull << 34) | (1ull << 35) |
					 (1ull << 0x32);	/* 0x32: system, dropped */
	h->cfg.x86_cpu[1].managed_map[0] = 1ull << 40;
	h->cfg.nx86_irq = 1;
	h->cfg.x86_irq[0] = (struct ml_x86_irq_config){ .virq = 9, .dev = -1, .has_reserved = true };
	mh_start(h);
	assert_int_equal(xh_cpu(h, 0)->allocated, 3);
	assert_int_equal(xh_cpu(h, 0)->available, 204 - 3 - 3);
	assert_int_equal(xh_cpu(h, 1)->managed, 1);
	assert_int_equal(xh_cpu(h, 1)->available, 204 - 3 - 1);
	assert_int_equal(xh_mx(h)->global_available, 198 + 200);
	assert_int_equal(xh_mx(h)->global_reserved, 1);
	assert_int_equal(xh_mx(h)->total_allocated, 3);
	mh_check(h);
	xh_assert_no_x(h);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, mh_setup, mh_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_boot_state_61),
		T(test_boot_state_612),
		T(test_alloc_cpu_choice),
		T(test_alloc_lowest_free_bit),
		T(test_alloc_no_cpu),
		T(test_alloc_free_accounting),
		T(test_alloc_managed_choice),
		T(test_reserve_managed_rollback),
		T(test_remove_managed_lowest_unallocated),
		T(test_q1_free_offline_keeps_total),
		T(test_q1_offline_reservation_not_charged),
		T(test_first_online_derives_available),
		T(test_q1_reserve_overcommit),
		T(test_free_unallocated_warns),
		T(test_declared_start_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
