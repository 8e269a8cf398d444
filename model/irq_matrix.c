// SPDX-License-Identifier: GPL-2.0
/*
 * irq_matrix.c - the x86 vector allocator of kernel/irq/matrix.c (the same
 * logic from v6.1 to v6.18, spec §5.2): per-CPU allocation and managed
 * maps, the system map, the global reservation count, and the irq_matrix
 * tracepoints, each emitted after its update as the kernel does.  The
 * accounting quirks of spec Q1 are kept on purpose: total_allocated is not
 * decremented for frees on an offline map, a CPU's available count is not
 * re-derived when it comes back online, and a reservation beyond the
 * available vectors only warns.
 */
#include <string.h>

#include "internals.h"

static inline bool vtest(const uint64_t *map, uint32_t bit)
{
	return (map[bit / 64] >> (bit % 64)) & 1;
}

static inline void vset(uint64_t *map, uint32_t bit)
{
	map[bit / 64] |= 1ull << (bit % 64);
}

static inline void vclear(uint64_t *map, uint32_t bit)
{
	map[bit / 64] &= ~(1ull << (bit % 64));
}

bool ml_mask_test(const uint64_t *mask, uint32_t cpu)
{
	return cpu < 256 && vtest(mask, cpu);
}

/* The tracepoint of class "global" or "cpu" (include/trace/events/irq_matrix.h). */
static void matrix_trace(struct ml_ctx *m, enum ml_ev_kind kind, uint32_t bit, int cpu)
{
	const struct ml_matrix *mx = &m->x86.mx;
	struct ml_event ev;

	if (cpu >= 0 && bit < ML_NR_VECTORS) {
		/* INV-X6 bookkeeping of the model's own trace, also for silent steps */
		if (kind == ML_EV_IRQ_MATRIX_ALLOC || kind == ML_EV_IRQ_MATRIX_ALLOC_MANAGED ||
		    kind == ML_EV_IRQ_MATRIX_ASSIGN)
			x86_trace_alloc(m, (uint32_t)cpu, bit);
	}
	if (m->x86_silent) {
		if (kind == ML_EV_IRQ_MATRIX_FREE && cpu >= 0)
			x86_trace_silent_free(m, (uint32_t)cpu, bit);
		return;
	}
	ml_event_init(&ev, kind);
	ev.bit = bit;
	if (cpu >= 0) {
		const struct ml_cpumap *cm = &m->x86.cpu[cpu];

		ev.cpu = (uint32_t)cpu;
		ev.online = cm->online;
		ev.avl = cm->available;
		ev.alloc = cm->allocated;
		ev.managed = cm->managed;
	}
	ev.online_maps = mx->online_maps;
	ev.global_avl = mx->global_available;
	ev.global_rsvd = mx->global_reserved;
	ev.total_alloc = mx->total_allocated;
	ml_emit(m, &ev);
}

static uint32_t vweight(const uint64_t *map, uint32_t start, uint32_t end)
{
	uint32_t n = 0;

	for (uint32_t b = start; b < end; b++)
		n += vtest(map, b);
	return n;
}

/*
 * The v6.1 / v6.12 boot state of the matrix: irq_alloc_matrix(NR_VECTORS,
 * FIRST_EXTERNAL_VECTOR, FIRST_SYSTEM_VECTOR) (arch/x86/kernel/apic/vector.c:
 * arch_early_irq_init), then lapic_assign_system_vectors(): every bit of
 * system_vectors plus the PIC cascade vector become system bits.  In the
 * window that is IRQ_MOVE_CLEANUP_VECTOR (v6.1 only), the cascade 0x32 and
 * IA32_SYSCALL_VECTOR 0x80 (CONFIG_IA32_EMULATION, Debian); everything from
 * FIRST_SYSTEM_VECTOR up is outside the window.
 */
void irq_matrix_setup(struct ml_ctx *m)
{
	struct ml_matrix *mx = &m->x86.mx;

	memset(mx, 0, sizeof(*mx));
	mx->matrix_bits = ML_NR_VECTORS;
	mx->alloc_start = ML_FIRST_EXTERNAL_VECTOR;
	/* v6.10+: POSTED_MSI_NOTIFICATION_VECTOR 0xeb; before: LOCAL_TIMER_VECTOR 0xec */
	mx->alloc_end = ml_sw(m, ML_SW_X86_POSTED_MSI_VECTOR) ? 0xeb : 0xec;
	mx->alloc_size = mx->alloc_end - mx->alloc_start;
	for (uint32_t b = mx->alloc_end; b < ML_NR_VECTORS; b++)
		vset(mx->system_map, b);
	if (ml_sw(m, ML_SW_X86_MOVE_CLEANUP_VECTOR))
		vset(mx->system_map, ML_IRQ_MOVE_CLEANUP_VECTOR);
	vset(mx->system_map, ML_PIC_CASCADE_VECTOR);
	vset(mx->system_map, ML_IA32_SYSCALL_VECTOR);
	mx->systembits_inalloc = vweight(mx->system_map, mx->alloc_start, mx->alloc_end);
}

bool irq_matrix_is_system(const struct ml_ctx *m, uint32_t bit)
{
	return bit >= ML_NR_VECTORS || vtest(m->x86.mx.system_map, bit);
}

/*
 * A CPU's map as the trace found it (x86_cpu declarations), with the
 * counters derived the way the kernel keeps them.  System bits in the
 * declared maps are dropped (the kernel never sets them there).
 */
void irq_matrix_load_cpu(struct ml_ctx *m, uint32_t cpu, bool online, const uint64_t *alloc_map,
			 const uint64_t *managed_map)
{
	struct ml_matrix *mx = &m->x86.mx;
	struct ml_cpumap *cm = &m->x86.cpu[cpu];

	memset(cm, 0, sizeof(*cm));
	for (uint32_t b = mx->alloc_start; b < mx->alloc_end; b++) {
		if (vtest(mx->system_map, b))
			continue;
		if (alloc_map && vtest(alloc_map, b))
			vset(cm->alloc_map, b);
		if (managed_map && vtest(managed_map, b))
			vset(cm->managed_map, b);
	}
	irq_matrix_recount_cpu(m, cpu, online);
}

/* Re-derive a loaded CPU's counters from its maps (start state only). */
void irq_matrix_recount_cpu(struct ml_ctx *m, uint32_t cpu, bool online)
{
	struct ml_matrix *mx = &m->x86.mx;
	struct ml_cpumap *cm = &m->x86.cpu[cpu];
	uint32_t both = 0;

	for (uint32_t w = 0; w < ML_VEC_WORDS; w++)
		both += (uint32_t)__builtin_popcountll(cm->alloc_map[w] & cm->managed_map[w]);
	cm->allocated = vweight(cm->alloc_map, mx->alloc_start, mx->alloc_end);
	cm->managed = vweight(cm->managed_map, mx->alloc_start, mx->alloc_end);
	cm->managed_allocated = both;
	cm->online = online;
	cm->initialized = online;
	cm->available = online ? mx->alloc_size - mx->systembits_inalloc - cm->managed -
				 (cm->allocated - cm->managed_allocated) : 0;
}

/* The global counters of the start state: sums over the loaded CPUs. */
void irq_matrix_load_globals(struct ml_ctx *m, uint32_t ncpus, uint32_t reserved)
{
	struct ml_matrix *mx = &m->x86.mx;

	mx->global_available = 0;
	mx->online_maps = 0;
	mx->total_allocated = 0;
	for (uint32_t c = 0; c < ncpus; c++) {
		const struct ml_cpumap *cm = &m->x86.cpu[c];

		if (cm->online) {
			mx->global_available += cm->available;
			mx->online_maps++;
			mx->total_allocated += cm->allocated;
		}
	}
	mx->global_reserved = reserved;
}

/* kernel/irq/matrix.c: matrix_alloc_area() for one bit; alloc_end if none */
static uint32_t matrix_alloc_area(struct ml_ctx *m, struct ml_cpumap *cm, bool managed)
{
	const struct ml_matrix *mx = &m->x86.mx;

	for (uint32_t b = mx->alloc_start; b < mx->alloc_end; b++) {
		if (vtest(cm->managed_map, b) || vtest(mx->system_map, b) || vtest(cm->alloc_map, b))
			continue;
		vset(managed ? cm->managed_map : cm->alloc_map, b);
		return b;
	}
	return mx->alloc_end;
}

/* v6.1 kernel/irq/matrix.c: irq_matrix_online() (traced: runs on the new CPU) */
void irq_matrix_online(struct ml_ctx *m, uint32_t cpu)
{
	struct ml_matrix *mx = &m->x86.mx;
	struct ml_cpumap *cm = &m->x86.cpu[cpu];

	if (cm->online)
		return;		/* BUG_ON(cm->online): the caller never gets here */
	if (!cm->initialized) {
		cm->available = mx->alloc_size - (cm->managed + mx->systembits_inalloc);
		cm->initialized = true;
	}
	mx->global_available += cm->available;
	cm->online = true;
	mx->online_maps++;
	matrix_trace(m, ML_EV_IRQ_MATRIX_ONLINE, 0, -1);
}

/* v6.1 kernel/irq/matrix.c: irq_matrix_offline() (runs on the dying CPU: untraced, §11.6) */
void irq_matrix_offline(struct ml_ctx *m, uint32_t cpu)
{
	struct ml_matrix *mx = &m->x86.mx;
	struct ml_cpumap *cm = &m->x86.cpu[cpu];

	mx->global_available -= cm->available;
	cm->online = false;
	cm->x4_stale = true;	/* Q1: available is never re-derived from now on */
	mx->online_maps--;
	matrix_trace(m, ML_EV_IRQ_MATRIX_OFFLINE, 0, -1);
}

/* v6.1 kernel/irq/matrix.c: irq_matrix_assign() (legacy ISA vectors on the boot CPU) */
void irq_matrix_assign(struct ml_ctx *m, uint32_t cpu, uint32_t bit)
{
	struct ml_matrix *mx = &m->x86.mx;
	struct ml_cpumap *cm = &m->x86.cpu[cpu];

	if (bit < mx->alloc_start || bit >= mx->alloc_end) {
		ml_warn(m, "irq_matrix_assign", true, "WARN_ON_ONCE(bit %u outside the matrix window)",
			bit);
		return;
	}
	if (vtest(cm->alloc_map, bit)) {
		ml_warn(m, "irq_matrix_assign", true,
			"WARN_ON_ONCE(test_and_set_bit(%u, cm->alloc_map)) on cpu%u", bit, cpu);
		return;
	}
	vset(cm->alloc_map, bit);
	cm->allocated++;
	mx->total_allocated++;
	cm->available--;
	mx->global_available--;
	matrix_trace(m, ML_EV_IRQ_MATRIX_ASSIGN, bit, (int)cpu);
}

/*
 * v6.1 kernel/irq/matrix.c: irq_matrix_reserve_managed(): one managed bit
 * on every CPU of @msk, online or not; on failure the CPUs already done are
 * given back through irq_matrix_remove_managed().
 */
int irq_matrix_reserve_managed(struct ml_ctx *m, const uint64_t *msk, uint32_t ncpus)
{
	struct ml_matrix *mx = &m->x86.mx;
	uint32_t cpu, failed;

	for (cpu = 0; cpu < ncpus; cpu++) {
		struct ml_cpumap *cm = &m->x86.cpu[cpu];
		uint32_t bit;

		if (!ml_mask_test(msk, cpu))
			continue;
		if (ml_should_fail(&m->faults, ML_F_IRQ_MATRIX_RESERVE_MANAGED))
			goto cleanup;
		bit = matrix_alloc_area(m, cm, true);
		if (bit >= mx->alloc_end)
			goto cleanup;
		cm->managed++;
		if (cm->online) {
			cm->available--;
			mx->global_available--;
		} else {
			cm->x4_stale = true;	/* Q1: not charged to available */
		}
		matrix_trace(m, ML_EV_IRQ_MATRIX_RESERVE_MANAGED, bit, (int)cpu);
	}
	return 0;
cleanup:
	failed = cpu;
	for (cpu = 0; cpu < failed; cpu++) {
		uint64_t one[ML_CPU_WORDS] = { 0 };

		if (!ml_mask_test(msk, cpu))
			continue;
		vset(one, cpu);
		irq_matrix_remove_managed(m, one, ncpus);
	}
	return ML_ENOSPC;
}

/* v6.1 kernel/irq/matrix.c: irq_matrix_remove_managed() */
void irq_matrix_remove_managed(struct ml_ctx *m, const uint64_t *msk, uint32_t ncpus)
{
	struct ml_matrix *mx = &m->x86.mx;

	for (uint32_t cpu = 0; cpu < ncpus; cpu++) {
		struct ml_cpumap *cm = &m->x86.cpu[cpu];
		uint32_t bit;

		if (!ml_mask_test(msk, cpu))
			continue;
		if (!cm->managed) {
			ml_warn(m, "irq_matrix_remove_managed", true,
				"WARN_ON_ONCE(!cm->managed) on cpu%u", cpu);
			continue;
		}
		for (bit = mx->alloc_start; bit < mx->alloc_end; bit++)
			if (vtest(cm->managed_map, bit) && !vtest(cm->alloc_map, bit))
				break;
		if (bit >= mx->alloc_end) {
			ml_warn(m, "irq_matrix_remove_managed", true,
				"WARN_ON_ONCE(bit >= end): every managed vector of cpu%u is allocated", cpu);
			continue;
		}
		vclear(cm->managed_map, bit);
		cm->managed--;
		if (cm->online) {
			cm->available++;
			mx->global_available++;
		}
		matrix_trace(m, ML_EV_IRQ_MATRIX_REMOVE_MANAGED, bit, (int)cpu);
	}
}

/*
 * v6.1 kernel/irq/matrix.c: irq_matrix_alloc_managed(): the online CPU of
 * @msk with the fewest managed_allocated, the last one on a tie
 * (matrix_find_best_cpu_managed); its lowest managed bit not yet allocated.
 * Returns the vector or an error; *cpu_out the CPU.
 */
int irq_matrix_alloc_managed(struct ml_ctx *m, const uint64_t *msk, uint32_t ncpus,
			     uint32_t *cpu_out)
{
	struct ml_matrix *mx = &m->x86.mx;
	uint32_t best = UINT32_MAX, allocated = UINT32_MAX, bit;
	bool empty = true;
	struct ml_cpumap *cm;

	for (uint32_t cpu = 0; cpu < ncpus; cpu++) {
		if (!ml_mask_test(msk, cpu))
			continue;
		empty = false;
		cm = &m->x86.cpu[cpu];
		if (!cm->online || cm->managed_allocated > allocated)
			continue;
		best = cpu;
		allocated = cm->managed_allocated;
	}
	if (empty)
		return ML_EINVAL;
	if (best == UINT32_MAX)
		return ML_ENOSPC;
	cm = &m->x86.cpu[best];
	for (bit = mx->alloc_start; bit < mx->alloc_end; bit++)
		if (vtest(cm->managed_map, bit) && !vtest(cm->alloc_map, bit))
			break;
	if (bit >= mx->alloc_end)
		return ML_ENOSPC;
	vset(cm->alloc_map, bit);
	cm->allocated++;
	cm->managed_allocated++;
	mx->total_allocated++;
	*cpu_out = best;
	matrix_trace(m, ML_EV_IRQ_MATRIX_ALLOC_MANAGED, bit, (int)best);
	return (int)bit;
}

/* v6.1 kernel/irq/matrix.c: irq_matrix_reserve(): only warns when over-committed (Q1) */
void irq_matrix_reserve(struct ml_ctx *m)
{
	struct ml_matrix *mx = &m->x86.mx;

	/* pr_warn("Interrupt reservation exceeds available resources"): not a WARN */
	mx->global_reserved++;
	matrix_trace(m, ML_EV_IRQ_MATRIX_RESERVE, 0, -1);
}

/* v6.1 kernel/irq/matrix.c: irq_matrix_remove_reserved() */
void irq_matrix_remove_reserved(struct ml_ctx *m)
{
	m->x86.mx.global_reserved--;
	matrix_trace(m, ML_EV_IRQ_MATRIX_REMOVE_RESERVED, 0, -1);
}

/*
 * v6.1 kernel/irq/matrix.c: irq_matrix_alloc(): the online CPU of @msk with
 * the largest available count, the first one on a tie (matrix_find_best_cpu;
 * a CPU with none left is never chosen), then its lowest free bit.
 */
int irq_matrix_alloc(struct ml_ctx *m, const uint64_t *msk, uint32_t ncpus, bool reserved,
		     uint32_t *cpu_out)
{
	struct ml_matrix *mx = &m->x86.mx;
	uint32_t best = UINT32_MAX, maxavl = 0, bit;
	bool empty = true;
	struct ml_cpumap *cm;

	for (uint32_t cpu = 0; cpu < ncpus; cpu++) {
		if (!ml_mask_test(msk, cpu))
			continue;
		empty = false;
		cm = &m->x86.cpu[cpu];
		if (!cm->online || cm->available <= maxavl)
			continue;
		best = cpu;
		maxavl = cm->available;
	}
	if (empty)
		return ML_EINVAL;
	if (best == UINT32_MAX)
		return ML_ENOSPC;
	if (ml_should_fail(&m->faults, ML_F_IRQ_MATRIX_ALLOC))
		return ML_ENOSPC;
	cm = &m->x86.cpu[best];
	bit = matrix_alloc_area(m, cm, false);
	if (bit >= mx->alloc_end)
		return ML_ENOSPC;
	cm->allocated++;
	cm->available--;
	mx->total_allocated++;
	mx->global_available--;
	if (reserved)
		mx->global_reserved--;
	*cpu_out = best;
	matrix_trace(m, ML_EV_IRQ_MATRIX_ALLOC, bit, (int)best);
	return (int)bit;
}

/*
 * v6.1 kernel/irq/matrix.c: irq_matrix_free(): total_allocated drops only
 * while the map is online (Q1); a managed bit goes back to the managed pool,
 * so available does not change for it.
 */
void irq_matrix_free(struct ml_ctx *m, uint32_t cpu, uint32_t bit, bool managed)
{
	struct ml_matrix *mx = &m->x86.mx;
	struct ml_cpumap *cm = &m->x86.cpu[cpu];

	if (bit < mx->alloc_start || bit >= mx->alloc_end) {
		ml_warn(m, "irq_matrix_free", true,
			"WARN_ON_ONCE(bit < m->alloc_start || bit >= m->alloc_end): bit %u", bit);
		return;
	}
	if (!vtest(cm->alloc_map, bit)) {
		ml_warn(m, "irq_matrix_free", true,
			"WARN_ON_ONCE(!test_and_clear_bit(bit, cm->alloc_map)): bit %u on cpu%u",
			bit, cpu);
		return;
	}
	vclear(cm->alloc_map, bit);
	cm->allocated--;
	if (managed)
		cm->managed_allocated--;
	if (cm->online)
		mx->total_allocated--;
	if (!managed) {
		cm->available++;
		if (cm->online)
			mx->global_available++;
	}
	matrix_trace(m, ML_EV_IRQ_MATRIX_FREE, bit, (int)cpu);
}

bool irq_matrix_allocated(const struct ml_ctx *m, uint32_t cpu, uint32_t bit)
{
	return bit < ML_NR_VECTORS && vtest(m->x86.cpu[cpu].alloc_map, bit);
}
