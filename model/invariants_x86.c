// SPDX-License-Identifier: GPL-2.0
/*
 * invariants_x86.c - the x86 invariants of spec §6.4: the irq_matrix
 * accounting (INV-X1..X4) and vector ownership (INV-X5) checked on the
 * state after every operation, and the pairing of the model's own
 * irq_vectors / irq_matrix trace (INV-X6) checked event by event as the
 * model emits it.  Each invariant is reported once per run (the broken
 * state usually persists), with the numbers a maintainer would look at.
 */
#include <string.h>

#include "internals.h"

enum { X1 = 1u << 0, X2 = 1u << 1, X3 = 1u << 2, X4 = 1u << 3, X5 = 1u << 4, X6 = 1u << 5 };

static bool once(struct ml_ctx *m, uint32_t bit)
{
	if (m->x86.reported & bit)
		return false;
	m->x86.reported |= bit;
	return true;
}

static uint32_t popcnt_window(const uint64_t *map, const uint64_t *and_map, uint32_t start,
			      uint32_t end)
{
	uint32_t n = 0;

	for (uint32_t b = start; b < end; b++)
		if ((map[b / 64] >> (b % 64)) & 1 && (!and_map || ((and_map[b / 64] >> (b % 64)) & 1)))
			n++;
	return n;
}

/* ---- INV-X6: the model's own trace ---- */

void x86_trace_init(struct ml_ctx *m)
{
	struct ml_x86_trace *t = &m->x86.tr;

	t->last_kind = -1;
	t->want_remove_reserved = false;
	m->x86.reported = 0;
	for (uint32_t c = 0; c < m->cfg.cpus; c++)
		memcpy(t->traced[c], m->x86.cpu[c].alloc_map, sizeof(t->traced[c]));
}

void x86_trace_alloc(struct ml_ctx *m, uint32_t cpu, uint32_t bit)
{
	m->x86.tr.traced[cpu][bit / 64] |= 1ull << (bit % 64);
}

void x86_trace_silent_free(struct ml_ctx *m, uint32_t cpu, uint32_t bit)
{
	m->x86.tr.traced[cpu][bit / 64] &= ~(1ull << (bit % 64));
}

/*
 * INV-X6 on one emitted event: vector_alloc / vector_alloc_managed with
 * ret 0 right after irq_matrix_alloc / irq_matrix_alloc_managed of the
 * same vector; irq_matrix_free only of a (cpu, bit) the trace allocated;
 * vector_teardown has_reserved=1 followed by irq_matrix_remove_reserved.
 */
void x86_trace_check(struct ml_ctx *m, const struct ml_event *ev)
{
	struct ml_x86_trace *t = &m->x86.tr;

	if (ev->kind < ML_EV_VECTOR_CONFIG)
		return;
	if (t->want_remove_reserved) {
		t->want_remove_reserved = false;
		if (ev->kind != ML_EV_IRQ_MATRIX_REMOVE_RESERVED && once(m, X6))
			ml_violate(m, "INV-X6", NULL,
				   "vector_teardown of irq %u with has_reserved=1 is not followed by "
				   "irq_matrix_remove_reserved: the global reservation leaks", t->teardown_virq);
	}
	switch (ev->kind) {
	case ML_EV_VECTOR_ALLOC:
	case ML_EV_VECTOR_ALLOC_MANAGED: {
		enum ml_ev_kind want = ev->kind == ML_EV_VECTOR_ALLOC ? ML_EV_IRQ_MATRIX_ALLOC :
				       ML_EV_IRQ_MATRIX_ALLOC_MANAGED;

		if (ev->ret == 0 && (t->last_kind != (int)want || t->last_bit != ev->vector) &&
		    once(m, X6))
			ml_violate(m, "INV-X6", NULL,
				   "%s of irq %u vector %u is not immediately preceded by %s of bit %u",
				   ev->kind == ML_EV_VECTOR_ALLOC ? "vector_alloc" : "vector_alloc_managed",
				   ev->virq, ev->vector,
				   ev->kind == ML_EV_VECTOR_ALLOC ? "irq_matrix_alloc" :
				   "irq_matrix_alloc_managed", ev->vector);
		break;
	}
	case ML_EV_IRQ_MATRIX_FREE:
		if (ev->cpu < 256 && ev->bit < ML_NR_VECTORS) {
			uint64_t *w = &t->traced[ev->cpu][ev->bit / 64];
			uint64_t b = 1ull << (ev->bit % 64);

			if (!(*w & b) && once(m, X6))
				ml_violate(m, "INV-X6", NULL,
					   "irq_matrix_free of bit %u on cpu%u, which no earlier "
					   "irq_matrix_alloc/alloc_managed/assign handed out", ev->bit, ev->cpu);
			*w &= ~b;
		}
		break;
	case ML_EV_VECTOR_TEARDOWN:
		if (ev->has_reserved) {
			t->want_remove_reserved = true;
			t->teardown_virq = ev->virq;
		}
		break;
	default:
		break;
	}
	t->last_kind = (int)ev->kind;
	t->last_bit = ev->bit;
	t->last_cpu = ev->cpu;
}

/* ---- INV-X1 .. INV-X5: the state after an operation ---- */

static void check_cpu(struct ml_ctx *m, uint32_t c)
{
	const struct ml_matrix *mx = &m->x86.mx;
	const struct ml_cpumap *cm = &m->x86.cpu[c];
	uint32_t alloc = popcnt_window(cm->alloc_map, NULL, mx->alloc_start, mx->alloc_end);
	uint32_t managed = popcnt_window(cm->managed_map, NULL, 0, ML_NR_VECTORS);
	uint32_t both = popcnt_window(cm->alloc_map, cm->managed_map, 0, ML_NR_VECTORS);
	bool sys = false;

	for (int w = 0; w < ML_VEC_WORDS; w++)
		sys |= ((cm->alloc_map[w] | cm->managed_map[w]) & mx->system_map[w]) != 0;
	if ((cm->allocated != alloc || cm->managed != managed || cm->managed_allocated != both ||
	     sys) && once(m, X1))
		ml_violate(m, "INV-X1", NULL,
			   "cpu%u: allocated %u but %u bits in alloc_map, managed %u but %u in "
			   "managed_map, managed_allocated %u but %u in both%s", c, cm->allocated,
			   alloc, cm->managed, managed, cm->managed_allocated, both,
			   sys ? "; a system vector is in a map" : "");
	if (cm->online && !cm->x4_stale) {
		uint32_t want = mx->alloc_size - mx->systembits_inalloc - cm->managed -
				(cm->allocated - cm->managed_allocated);

		if (cm->available != want && once(m, X4))
			ml_violate(m, "INV-X4", NULL,
				   "cpu%u: available %u, expected %u = alloc_size %u - system %u - managed "
				   "%u - (allocated %u - managed_allocated %u)", c, cm->available, want,
				   mx->alloc_size, mx->systembits_inalloc, cm->managed, cm->allocated,
				   cm->managed_allocated);
	}
}

/* INV-X5: no (cpu, vector) owned twice, every owned one allocated in the matrix */
static void check_owners(struct ml_ctx *m)
{
	static const uint32_t words = ML_VEC_WORDS;
	uint64_t seen[256][ML_VEC_WORDS];
	uint32_t reserved = 0;

	memset(seen, 0, sizeof(seen[0]) * m->cfg.cpus);
	for (uint32_t v = 1; v <= m->virq_hw; v++) {
		const struct ml_apicd *a = &m->irq[v].apicd;
		uint32_t vec[2] = { a->vector, a->prev_vector };
		uint32_t cpu[2] = { a->cpu, a->prev_cpu };

		if (!m->irq[v].allocated || !a->live)
			continue;
		reserved += a->has_reserved;
		for (int k = 0; k < 2; k++) {
			uint64_t *w, b;

			if (!vec[k] || vec[k] >= ML_NR_VECTORS || cpu[k] >= m->cfg.cpus)
				continue;
			w = &seen[cpu[k]][vec[k] / 64];
			b = 1ull << (vec[k] % 64);
			if ((*w & b) && once(m, X5))
				ml_violate(m, "INV-X5", NULL,
					   "vector %u on cpu%u is owned by two irqs (the second is irq %u): "
					   "the kernel BUG_ONs in apic_update_vector()", vec[k], cpu[k], v);
			*w |= b;
			if (!irq_matrix_allocated(m, cpu[k], vec[k]) && once(m, X5))
				ml_violate(m, "INV-X5", NULL,
					   "irq %u holds vector %u on cpu%u, which the matrix has not allocated",
					   v, vec[k], cpu[k]);
		}
	}
	(void)words;
	if (reserved != m->x86.mx.global_reserved && once(m, X2))
		ml_violate(m, "INV-X2", NULL,
			   "global_reserved is %u but %u irqs hold a global reservation (has_reserved)",
			   m->x86.mx.global_reserved, reserved);
}

void ml_invariants_x86(struct ml_ctx *m)
{
	const struct ml_matrix *mx = &m->x86.mx;
	uint32_t sum = 0;

	if (!m->cfg.x86)
		return;
	for (uint32_t c = 0; c < m->cfg.cpus; c++) {
		check_cpu(m, c);
		if (m->x86.cpu[c].online)
			sum += m->x86.cpu[c].available;
	}
	if (sum != mx->global_available && once(m, X3))
		ml_violate(m, "INV-X3", NULL,
			   "global_available is %u but the online CPUs have %u available",
			   mx->global_available, sum);
	check_owners(m);
	if (m->x86.tr.want_remove_reserved) {
		m->x86.tr.want_remove_reserved = false;
		if (once(m, X6))
			ml_violate(m, "INV-X6", NULL,
				   "vector_teardown of irq %u with has_reserved=1 is not followed by "
				   "irq_matrix_remove_reserved", m->x86.tr.teardown_virq);
	}
}
