/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86_helpers.h - helpers of the x86 model tests (test_irq_matrix.c,
 * test_x86_vector.c, test_invariants_x86.c), on top of model_helpers.h:
 * an x86 machine, the irq_matrix counters, x86 operations and event checks.
 * Include after model_helpers.h.
 */
#ifndef MSILAB_TESTS_X86_HELPERS_H
#define MSILAB_TESTS_X86_HELPERS_H

/* An x86_64 machine of @profile with @cpus CPUs, no ITS. */
static inline void xh_config(struct mh *h, const char *profile, uint32_t cpus)
{
	mh_config(h, profile);
	h->cfg.x86 = true;
	h->cfg.nits = 0;
	h->cfg.cpus = cpus;
}

static inline const struct ml_cpumap *xh_cpu(const struct mh *h, uint32_t cpu)
{
	return &h->m->x86.cpu[cpu];
}

static inline const struct ml_matrix *xh_mx(const struct mh *h)
{
	return &h->m->x86.mx;
}

static inline uint64_t *xh_mask(uint64_t *mk, uint32_t cpu)
{
	mk[cpu / 64] |= 1ull << (cpu % 64);
	return mk;
}

static inline int xh_set_affinity(struct mh *h, int dev, uint32_t vec, uint32_t cpu)
{
	struct ml_op op = { .kind = ML_OP_IRQ_SET_AFFINITY, .dev = dev, .vec = vec };

	xh_mask(op.mask, cpu);
	return mh_op(h, op);
}

static inline int xh_cpu_offline(struct mh *h, uint32_t cpu)
{
	return mh_op(h, (struct ml_op){ .kind = ML_OP_CPU_OFFLINE, .cpu = cpu });
}

static inline int xh_cpu_online(struct mh *h, uint32_t cpu)
{
	return mh_op(h, (struct ml_op){ .kind = ML_OP_CPU_ONLINE, .cpu = cpu });
}

/* The @n-th event of @kind must have these vector-level fields. */
static inline const struct ml_event *xh_vec(const struct mh *h, enum ml_ev_kind kind, uint32_t n,
					    uint32_t virq, uint32_t vector, uint32_t cpu)
{
	const struct ml_event *e = mh_must(h, kind, n);

	assert_int_equal(e->virq, virq);
	assert_int_equal(e->vector, vector);
	assert_int_equal(e->cpu, cpu);
	return e;
}

/* A cpu-class irq_matrix event: bit, cpu, avl, alloc, managed, global_avl, global_rsvd, total. */
static inline void xh_mat(const struct ml_event *e, uint32_t bit, uint32_t cpu, uint32_t avl,
			  uint32_t alloc, uint32_t managed, uint32_t gavl, uint32_t grsvd,
			  uint32_t total)
{
	assert_int_equal(e->bit, bit);
	assert_int_equal(e->cpu, cpu);
	assert_int_equal(e->avl, avl);
	assert_int_equal(e->alloc, alloc);
	assert_int_equal(e->managed, managed);
	assert_int_equal(e->global_avl, gavl);
	assert_int_equal(e->global_rsvd, grsvd);
	assert_int_equal(e->total_alloc, total);
}

/* No INV-X* violation since the last mh_clear(). */
static inline void xh_assert_no_x(const struct mh *h)
{
	for (uint32_t i = 0; i < h->nviol; i++)
		if (!strncmp(h->viol[i].inv, "INV-X", 5))
			fail_msg("unexpected %s: %s", h->viol[i].inv, h->viol[i].detail);
}

/* Every emitted x86 event, in order, has exactly the kinds of @want. */
static inline void xh_assert_x86_sequence(const struct mh *h, const enum ml_ev_kind *want,
					  uint32_t n)
{
	static const enum ml_ev_kind keep[] = {
		ML_EV_VECTOR_CONFIG, ML_EV_VECTOR_UPDATE, ML_EV_VECTOR_CLEAR,
		ML_EV_VECTOR_RESERVE_MANAGED, ML_EV_VECTOR_RESERVE, ML_EV_VECTOR_ALLOC,
		ML_EV_VECTOR_ALLOC_MANAGED, ML_EV_VECTOR_ACTIVATE, ML_EV_VECTOR_DEACTIVATE,
		ML_EV_VECTOR_TEARDOWN, ML_EV_VECTOR_SETUP, ML_EV_VECTOR_FREE_MOVED,
		ML_EV_IRQ_MATRIX_ONLINE, ML_EV_IRQ_MATRIX_OFFLINE, ML_EV_IRQ_MATRIX_RESERVE,
		ML_EV_IRQ_MATRIX_REMOVE_RESERVED, ML_EV_IRQ_MATRIX_ASSIGN_SYSTEM,
		ML_EV_IRQ_MATRIX_RESERVE_MANAGED, ML_EV_IRQ_MATRIX_REMOVE_MANAGED,
		ML_EV_IRQ_MATRIX_ALLOC_MANAGED, ML_EV_IRQ_MATRIX_ASSIGN, ML_EV_IRQ_MATRIX_ALLOC,
		ML_EV_IRQ_MATRIX_FREE, ML_EV__COUNT
	};

	mh_assert_sequence(h, keep, want, n);
}

#define XH_SEQ(h, ...) do {							\
	static const enum ml_ev_kind want_[] = { __VA_ARGS__ };		\
	xh_assert_x86_sequence(h, want_, sizeof(want_) / sizeof(want_[0]));	\
} while (0)

#endif /* MSILAB_TESTS_X86_HELPERS_H */
