// SPDX-License-Identifier: GPL-2.0
/*
 * x86_vector.c - the x86 vector domain (arch/x86/kernel/apic/vector.c, read
 * in v6.1 and v6.12; the same logic up to v6.18 for what is modelled), the
 * x86 MSI parents (arch/x86/kernel/apic/msi.c: PCI/MSI prepare per version,
 * the DMAR and HPET domains) and the CPU hotplug paths of kernel/irq/
 * cpuhotplug.c as far as they move vectors (spec §5.3, §11.4-11.6).
 *
 * One struct ml_apicd per irq is the vector level (struct apic_chip_data).
 * Every irq_vectors tracepoint is emitted where the kernel emits it; steps
 * that run on a dying CPU are applied silently (§11.6).
 */
#include <string.h>

#include "internals.h"

/* ---- CPU masks (bit n = CPU n; at most 256 CPUs) ---- */

static void mask_zero(uint64_t *mk)
{
	memset(mk, 0, ML_CPU_WORDS * sizeof(uint64_t));
}

static void mask_set(uint64_t *mk, uint32_t cpu)
{
	mk[cpu / 64] |= 1ull << (cpu % 64);
}

static bool mask_empty(const uint64_t *mk)
{
	for (int w = 0; w < ML_CPU_WORDS; w++)
		if (mk[w])
			return false;
	return true;
}

/* @out = @a & cpu_online_mask */
static void mask_and_online(const struct ml_ctx *m, const uint64_t *a, uint64_t *out)
{
	for (int w = 0; w < ML_CPU_WORDS; w++)
		out[w] = a[w] & m->cpu_online[w];
}

static void mask_online(const struct ml_ctx *m, uint64_t *out)
{
	for (int w = 0; w < ML_CPU_WORDS; w++)
		out[w] = m->cpu_online[w];
}

static uint32_t first_online(const struct ml_ctx *m)
{
	for (uint32_t c = 0; c < m->cfg.cpus; c++)
		if (ml_cpu_online(m, c))
			return c;
	return 0;
}

/*
 * apic->calc_dest_apicid(): the 6.1 recordings run the flat logical APIC
 * mode (one bit per CPU, up to 8 CPUs; above that physflat); the 6.18 ones
 * physflat (the 64-bit flat mode is gone), where the destination is the
 * APIC ID, the CPU number on QEMU.
 */
uint32_t x86_apicdest(const struct ml_ctx *m, uint32_t cpu)
{
	if (ml_sw(m, ML_SW_X86_APIC_PHYSFLAT) || cpu >= 8)
		return cpu;
	return 1u << cpu;
}

/* ---- tracepoints of irq_vectors ---- */

static void vemit(struct ml_ctx *m, struct ml_event *ev)
{
	if (m->x86_silent)
		return;
	ml_emit(m, ev);
}

static void trace_vector_config(struct ml_ctx *m, uint32_t virq, uint32_t vector, uint32_t cpu)
{
	struct ml_event ev;

	ml_event_init(&ev, ML_EV_VECTOR_CONFIG);
	ev.virq = virq;
	ev.vector = vector;
	ev.cpu = cpu;
	ev.apicdest = x86_apicdest(m, cpu);
	vemit(m, &ev);
}

static void trace_vector_mod(struct ml_ctx *m, enum ml_ev_kind kind, uint32_t virq,
			     uint32_t vector, uint32_t cpu, uint32_t prev_vector, uint32_t prev_cpu)
{
	struct ml_event ev;

	ml_event_init(&ev, kind);
	ev.virq = virq;
	ev.vector = vector;
	ev.cpu = cpu;
	ev.prev_vector = prev_vector;
	ev.prev_cpu = prev_cpu;
	vemit(m, &ev);
}

static void trace_vector_ret(struct ml_ctx *m, enum ml_ev_kind kind, uint32_t virq, int ret)
{
	struct ml_event ev;

	ml_event_init(&ev, kind);
	ev.virq = virq;
	ev.ret = ret;
	ev.has_ret = true;
	vemit(m, &ev);
}

/* vector_alloc / vector_alloc_managed: vector 0 and the error when ret < 0 */
static void trace_vector_alloc(struct ml_ctx *m, enum ml_ev_kind kind, uint32_t virq, int ret,
			       bool reserved)
{
	struct ml_event ev;

	ml_event_init(&ev, kind);
	ev.virq = virq;
	ev.vector = ret < 0 ? 0 : (uint32_t)ret;
	ev.reserved = reserved;
	ev.ret = ret < 0 ? ret : 0;
	ev.has_ret = true;
	vemit(m, &ev);
}

static void trace_vector_activation(struct ml_ctx *m, enum ml_ev_kind kind, uint32_t virq,
				    const struct ml_apicd *a, bool reserve)
{
	struct ml_event ev;

	ml_event_init(&ev, kind);
	ev.virq = virq;
	ev.is_managed = a->is_managed;
	ev.can_reserve = a->can_reserve;
	ev.reserve = reserve;
	vemit(m, &ev);
}

/* ---- the vector level ---- */

/* vector.c: apic_update_irq_cfg() */
static void apic_update_irq_cfg(struct ml_ctx *m, uint32_t virq, uint32_t vector, uint32_t cpu)
{
	struct ml_apicd *a = &m->irq[virq].apicd;

	a->hw_vector = (uint16_t)vector;
	a->hw_cpu = (uint16_t)cpu;
	trace_vector_config(m, virq, vector, cpu);
}

/*
 * vector.c: apic_update_vector(): the old vector becomes prev (move in
 * progress) while its CPU is online, else it is freed at once.
 */
static void apic_update_vector(struct ml_ctx *m, uint32_t virq, uint32_t newvec, uint32_t newcpu)
{
	struct ml_apicd *a = &m->irq[virq].apicd;

	trace_vector_mod(m, ML_EV_VECTOR_UPDATE, virq, newvec, newcpu, a->vector, a->cpu);
	a->prev_vector = 0;
	if (a->vector && a->vector != ML_MANAGED_IRQ_SHUTDOWN_VECTOR) {
		if (ml_cpu_online(m, a->cpu)) {
			a->move_in_progress = true;
			a->prev_vector = a->vector;
			a->prev_cpu = a->cpu;
		} else {
			irq_matrix_free(m, a->cpu, a->vector, a->affinity_managed);
		}
	}
	a->vector = (uint16_t)newvec;
	a->cpu = (uint16_t)newcpu;
}

/* vector.c: vector_assign_managed_shutdown(): the shutdown vector on the first online CPU */
static void vector_assign_managed_shutdown(struct ml_ctx *m, uint32_t virq)
{
	apic_update_irq_cfg(m, virq, ML_MANAGED_IRQ_SHUTDOWN_VECTOR, first_online(m));
}

/* vector.c: reserve_irq_vector_locked() */
static void reserve_irq_vector_locked(struct ml_ctx *m, uint32_t virq)
{
	struct ml_apicd *a = &m->irq[virq].apicd;

	irq_matrix_reserve(m);
	a->can_reserve = true;
	a->has_reserved = true;
	a->irqd_can_reserve = true;
	trace_vector_ret(m, ML_EV_VECTOR_RESERVE, virq, 0);
	vector_assign_managed_shutdown(m, virq);
}

/* vector.c: assign_vector_locked() */
static int assign_vector_locked(struct ml_ctx *m, uint32_t virq, const uint64_t *dest)
{
	struct ml_apicd *a = &m->irq[virq].apicd;
	bool resvd = a->has_reserved;
	uint32_t cpu = a->cpu;
	int vector;

	if (a->vector && ml_cpu_online(m, a->cpu) && ml_mask_test(dest, a->cpu))
		return 0;
	if (a->move_in_progress)
		return ML_EBUSY;
	vector = irq_matrix_alloc(m, dest, m->cfg.cpus, resvd, &cpu);
	trace_vector_alloc(m, ML_EV_VECTOR_ALLOC, virq, vector, resvd);
	if (vector < 0)
		return vector;
	apic_update_vector(m, virq, (uint32_t)vector, cpu);
	apic_update_irq_cfg(m, virq, (uint32_t)vector, cpu);
	return 0;
}

/* vector.c: assign_irq_vector_any_locked() (one NUMA node: affinity & online, then online) */
static int assign_irq_vector_any_locked(struct ml_ctx *m, uint32_t virq)
{
	uint64_t search[ML_CPU_WORDS];

	mask_and_online(m, m->irq[virq].apicd.affinity, search);
	if (!assign_vector_locked(m, virq, search))
		return 0;
	mask_online(m, search);
	return assign_vector_locked(m, virq, search);
}

/* vector.c: assign_managed_vector() */
static int assign_managed_vector(struct ml_ctx *m, uint32_t virq, const uint64_t *dest)
{
	struct ml_apicd *a = &m->irq[virq].apicd;
	uint64_t search[ML_CPU_WORDS];
	uint32_t cpu = 0;
	int vector;

	for (int w = 0; w < ML_CPU_WORDS; w++)
		search[w] = dest[w] & a->affinity[w];
	if (a->vector && ml_mask_test(search, a->cpu))
		return 0;
	vector = irq_matrix_alloc_managed(m, search, m->cfg.cpus, &cpu);
	trace_vector_alloc(m, ML_EV_VECTOR_ALLOC_MANAGED, virq, vector, false);
	if (vector < 0)
		return vector;
	apic_update_vector(m, virq, (uint32_t)vector, cpu);
	apic_update_irq_cfg(m, virq, (uint32_t)vector, cpu);
	return 0;
}

/* vector.c: activate_managed() */
static int activate_managed(struct ml_ctx *m, uint32_t virq)
{
	uint64_t search[ML_CPU_WORDS];
	int ret;

	mask_and_online(m, m->irq[virq].apicd.affinity, search);
	if (mask_empty(search)) {
		ml_warn(m, "activate_managed", true, "Managed startup for irq %u, but no CPU", virq);
		return ML_EINVAL;
	}
	ret = assign_managed_vector(m, virq, search);
	if (ret < 0)
		ml_warn(m, "activate_managed", true, "Managed startup irq %u, no vector available",
			virq);
	return ret;
}

/* vector.c: activate_reserved() */
static int activate_reserved(struct ml_ctx *m, uint32_t virq)
{
	struct ml_apicd *a = &m->irq[virq].apicd;
	int ret = assign_irq_vector_any_locked(m, virq);

	if (!ret) {
		a->has_reserved = false;
		if (!a->irqd_can_reserve)
			a->can_reserve = false;
	}
	/* pr_warn "Affinity broken due to vector space exhaustion": no WARN, no trace */
	return ret;
}

/* v6.1 vector.c: x86_vector_activate() */
int x86_vector_activate(struct ml_ctx *m, uint32_t virq, bool reserve)
{
	struct ml_apicd *a = &m->irq[virq].apicd;
	int ret = 0;

	trace_vector_activation(m, ML_EV_VECTOR_ACTIVATE, virq, a, reserve);
	if (!a->can_reserve && !a->is_managed)
		ret = assign_irq_vector_any_locked(m, virq);
	else if (reserve || a->managed_shutdown)
		vector_assign_managed_shutdown(m, virq);
	else if (a->is_managed)
		ret = activate_managed(m, virq);
	else if (a->has_reserved)
		ret = activate_reserved(m, virq);
	return ret;
}

/* vector.c: clear_irq_vector(): the CPU is kept (§11.5) */
static void clear_irq_vector(struct ml_ctx *m, uint32_t virq)
{
	struct ml_apicd *a = &m->irq[virq].apicd;
	bool managed = a->affinity_managed;
	uint32_t vector = a->vector;

	if (!vector)
		return;
	trace_vector_mod(m, ML_EV_VECTOR_CLEAR, virq, vector, a->cpu, a->prev_vector, a->prev_cpu);
	irq_matrix_free(m, a->cpu, vector, managed);
	a->vector = 0;
	vector = a->prev_vector;
	if (!vector)
		return;
	irq_matrix_free(m, a->prev_cpu, vector, managed);
	a->prev_vector = 0;
	a->move_in_progress = false;
}

/* v6.1 vector.c: x86_vector_deactivate() */
void x86_vector_deactivate(struct ml_ctx *m, uint32_t virq)
{
	struct ml_apicd *a = &m->irq[virq].apicd;

	trace_vector_activation(m, ML_EV_VECTOR_DEACTIVATE, virq, a, false);
	if (!a->is_managed && !a->can_reserve)
		return;
	if (a->has_reserved)
		return;
	clear_irq_vector(m, virq);
	if (a->can_reserve)
		reserve_irq_vector_locked(m, virq);
	else
		vector_assign_managed_shutdown(m, virq);
}

/* vector.c: vector_free_reserved_and_managed() */
static void vector_free_reserved_and_managed(struct ml_ctx *m, uint32_t virq)
{
	struct ml_apicd *a = &m->irq[virq].apicd;
	struct ml_event ev;

	ml_event_init(&ev, ML_EV_VECTOR_TEARDOWN);
	ev.virq = virq;
	ev.is_managed = a->is_managed;
	ev.has_reserved = a->has_reserved;
	vemit(m, &ev);
	if (a->has_reserved)
		irq_matrix_remove_reserved(m);
	if (a->is_managed)
		irq_matrix_remove_managed(m, a->affinity, m->cfg.cpus);
}

/* v6.1 vector.c: x86_vector_free_irqs() */
void x86_vector_free_irqs(struct ml_ctx *m, uint32_t virq, uint32_t nr)
{
	for (uint32_t i = 0; i < nr; i++) {
		struct ml_apicd *a = &m->irq[virq + i].apicd;

		if (!a->live)
			continue;
		clear_irq_vector(m, virq + i);
		vector_free_reserved_and_managed(m, virq + i);
		a->live = false;
		a->has_reserved = false;
		a->is_managed = false;
	}
}

/* vector.c: reserve_managed_vector() */
static int reserve_managed_vector(struct ml_ctx *m, uint32_t virq)
{
	struct ml_apicd *a = &m->irq[virq].apicd;
	int ret;

	a->is_managed = true;
	ret = irq_matrix_reserve_managed(m, a->affinity, m->cfg.cpus);
	trace_vector_ret(m, ML_EV_VECTOR_RESERVE_MANAGED, virq, ret);
	return ret;
}

/* vector.c: assign_irq_vector_policy() */
static int assign_irq_vector_policy(struct ml_ctx *m, uint32_t virq,
				    const struct ml_x86_alloc_info *info)
{
	if (m->irq[virq].apicd.affinity_managed)
		return reserve_managed_vector(m, virq);
	if (info->has_mask) {
		uint64_t search[ML_CPU_WORDS];

		mask_and_online(m, info->mask, search);
		return assign_vector_locked(m, virq, search);
	}
	reserve_irq_vector_locked(m, virq);
	return 0;
}

/*
 * v6.1 vector.c: x86_vector_alloc_irqs(); the caller has set each irq's
 * affinity (irq_domain_alloc_descs() with the descriptor's affinity).
 */
int x86_vector_alloc_irqs(struct ml_ctx *m, uint32_t virq, uint32_t nr,
			  const struct ml_x86_alloc_info *info)
{
	uint32_t i;
	int err;

	if ((info->flags & ML_X86_IRQ_ALLOC_CONTIGUOUS_VECTORS) && nr > 1)
		return ML_ENOSYS;
	for (i = 0; i < nr; i++) {
		struct ml_apicd *a = &m->irq[virq + i].apicd;
		uint64_t aff[ML_CPU_WORDS];
		bool managed = a->affinity_managed;

		memcpy(aff, a->affinity, sizeof(aff));
		memset(a, 0, sizeof(*a));
		memcpy(a->affinity, aff, sizeof(aff));
		a->affinity_managed = managed;
		a->live = true;
		a->type = (uint8_t)info->type;
		err = assign_irq_vector_policy(m, virq + i, info);
		{
			struct ml_event ev;

			ml_event_init(&ev, ML_EV_VECTOR_SETUP);
			ev.virq = virq + i;
			ev.is_legacy = false;
			ev.ret = err;
			ev.has_ret = true;
			vemit(m, &ev);
		}
		if (err) {
			a->live = false;
			x86_vector_free_irqs(m, virq, i);
			return err;
		}
	}
	return 0;
}

/* ---- affinity (kernel/irq/affinity.c, lib/group_cpus.c) ---- */

/*
 * The affinity of irq @i of descriptor @ds: irq_create_affinity_masks()
 * gives the pre/post vectors irq_default_affinity (every CPU) and spreads
 * the others with group_cpus_evenly() over the possible CPUs of one node:
 * consecutive CPUs, the first (ncpus % ngroups) groups one CPU larger.
 */
void x86_irq_set_default_affinity(struct ml_ctx *m, uint32_t virq, const struct ml_desc *ds,
				  uint32_t i)
{
	struct ml_apicd *a = &m->irq[virq].apicd;
	uint32_t ncpus = m->cfg.cpus;

	mask_zero(a->affinity);
	a->affinity_managed = ds && ds->aff_managed;
	if (!a->affinity_managed) {
		for (uint32_t c = 0; c < ncpus; c++)
			mask_set(a->affinity, c);
		return;
	}
	{
		uint32_t ng = ds->aff_ngroups ? ds->aff_ngroups : 1;
		uint32_t g = (uint32_t)ds->aff_group + i;
		uint32_t groups = ng < ncpus ? ng : ncpus;
		uint32_t per = ncpus / groups, extra = ncpus - groups * per, first = 0;

		g %= groups;
		for (uint32_t k = 0; k < g; k++)
			first += per + (k < extra);
		for (uint32_t c = first; c < first + per + (g < extra) && c < ncpus; c++)
			mask_set(a->affinity, c);
	}
}

/* ---- the x86 MSI parents (arch/x86/kernel/apic/msi.c) ---- */

/*
 * v6.1 msi.c: pci_msi_prepare() on the global PCI-MSI domain: type PCI_MSIX
 * with MSI-X, else PCI_MSI plus X86_IRQ_ALLOC_CONTIGUOUS_VECTORS (§11.7).
 * v6.2+ x86_msi_prepare(): the type from the per-device domain's bus token,
 * no flag.  v6.16 runs it once at domain creation (the caller copies it).
 */
int x86_msi_prepare(struct ml_ctx *m, int domain, int dev, int nvec, struct ml_alloc_info *info)
{
	const struct ml_domain *d = &m->dom[domain];
	struct ml_x86_alloc_info *x = &info->x86;

	(void)nvec;
	memset(x, 0, sizeof(*x));
	if (d->kind == ML_DOM_GLOBAL_PCI) {
		if (m->dev[dev].msix_enabled) {
			x->type = ML_X86_ALLOC_PCI_MSIX;
		} else {
			x->type = ML_X86_ALLOC_PCI_MSI;
			if (ml_sw(m, ML_SW_X86_CONTIGUOUS_FLAG_FOR_MSI))
				x->flags = ML_X86_IRQ_ALLOC_CONTIGUOUS_VECTORS;
		}
	} else if (d->kind == ML_DOM_PCI_MSIX) {
		x->type = ML_X86_ALLOC_PCI_MSIX;
	} else if (d->kind == ML_DOM_PCI_MSI) {
		x->type = ML_X86_ALLOC_PCI_MSI;
		if (ml_sw(m, ML_SW_X86_CONTIGUOUS_FLAG_FOR_MSI))
			x->flags = ML_X86_IRQ_ALLOC_CONTIGUOUS_VECTORS;
	} else {
		return ML_EINVAL;
	}
	x->devid = m->cfg.dev[dev].bdf & 0xffff;
	return 0;
}

/*
 * v6.1 kernel/irq/msi.c: msi_check_reservation_mode() (v6.15+:
 * MSI_FLAG_NO_MASK, the same outcome without Xen): the x86 PCI/MSI domain
 * has MSI_FLAG_MUST_REACTIVATE; MSI-X can always mask, MSI only with
 * per-vector masking.
 */
bool x86_msi_can_reserve(const struct ml_ctx *m, int dev, bool is_msix)
{
	return is_msix || m->cfg.dev[dev].msi_mask;
}

/* ---- irq_set_affinity() ---- */

/*
 * kernel/irq/proc.c write_irq_affinity() -> irq_set_affinity() ->
 * irq_do_set_affinity() -> msi_set_affinity() -> v6.1 vector.c
 * apic_set_affinity().  Managed irqs refuse (-EIO, irq_can_set_affinity_usr);
 * a deactivated irq only stores the mask (irq_set_affinity_deactivated).
 * The model lets the first interrupt on the new vector arrive at once, so
 * the previous vector is cleaned up in the same step (free_moved_vector()).
 */
int x86_irq_set_affinity(struct ml_ctx *m, int dev, uint32_t vec, const uint64_t *mask)
{
	uint64_t search[ML_CPU_WORDS];
	struct ml_apicd *a;
	uint32_t virq;
	int v, ret;

	if (m->cfg.dev[dev].x86_kind != ML_DEV_NORMAL)
		v = vec < m->dev[dev].nhwirqs ? (int)m->dev[dev].hwirqs[vec] : ML_EINVAL;
	else
		v = pci_irq_vector(m, dev, vec);
	if (v <= 0)
		return ML_EINVAL;
	virq = (uint32_t)v;
	a = &m->irq[virq].apicd;
	if (!a->live)
		return ML_EINVAL;
	if (a->affinity_managed)
		return -5;	/* -EIO */
	mask_and_online(m, mask, search);
	if (mask_empty(search))
		return ML_EINVAL;
	if (!m->irq[virq].activated) {
		memcpy(a->affinity, mask, sizeof(a->affinity));
		return 0;
	}
	ret = assign_vector_locked(m, virq, search);
	if (ret)
		return ret;
	memcpy(a->affinity, mask, sizeof(a->affinity));
	if (a->move_in_progress) {
		/* vector.c: free_moved_vector(), at the first interrupt on the new vector */
		struct ml_event ev;

		ml_event_init(&ev, ML_EV_VECTOR_FREE_MOVED);
		ev.virq = virq;
		ev.cpu = a->prev_cpu;
		ev.vector = a->prev_vector;
		ev.is_managed = a->is_managed;
		vemit(m, &ev);
		irq_matrix_free(m, a->prev_cpu, a->prev_vector, a->is_managed);
		a->prev_vector = 0;
		a->move_in_progress = false;
	}
	return 0;
}

/*
 * kernel/irq/chip.c __irq_startup_managed(): a managed irq whose mask has
 * no online CPU is not started: IRQ_STARTUP_ABORT, irqd managed-shutdown;
 * the CPU hotplug code starts it when a CPU of its mask comes online.
 */
bool x86_startup_managed_abort(struct ml_ctx *m, uint32_t virq)
{
	struct ml_apicd *a = &m->irq[virq].apicd;
	uint64_t search[ML_CPU_WORDS];

	if (!a->live || !a->affinity_managed)
		return false;
	mask_and_online(m, a->affinity, search);
	if (!mask_empty(search))
		return false;
	a->managed_shutdown = true;
	return true;
}

/* ---- CPU hotplug ---- */

/*
 * CPU offline (v6.1 arch/x86/kernel/smpboot.c native_cpu_disable ->
 * fixup_irqs -> kernel/irq/cpuhotplug.c migrate_one_irq, then lapic_offline
 * -> irq_matrix_offline).  It runs on the dying CPU: no tracepoint (§11.6).
 * The caller has already cleared the CPU from cpu_online_mask; the matrix
 * still counts it online until irq_matrix_offline().  Only started irqs
 * whose vector is on the dying CPU move; a managed irq with no other
 * online CPU in its mask is shut down.
 */
void x86_cpu_offline(struct ml_ctx *m, uint32_t cpu)
{
	m->x86_silent = true;
	for (uint32_t v = 1; v <= m->virq_hw; v++) {
		struct ml_irq *irq = &m->irq[v];
		struct ml_apicd *a = &irq->apicd;
		uint64_t search[ML_CPU_WORDS];

		if (!irq->allocated || !a->live || !irq->started || !a->vector || a->cpu != cpu)
			continue;
		mask_and_online(m, a->affinity, search);
		if (a->affinity_managed) {
			if (mask_empty(search)) {
				/* irq_shutdown_and_deactivate() */
				if (irq->activated) {
					x86_vector_deactivate(m, v);
					irq->activated = false;
				}
				a->managed_shutdown = true;
			} else {
				assign_managed_vector(m, v, search);
			}
			continue;
		}
		if (mask_empty(search))
			mask_online(m, search);	/* affinity broken */
		assign_vector_locked(m, v, search);
	}
	irq_matrix_offline(m, cpu);
	m->x86_silent = false;
}

/*
 * CPU online: lapic_online() -> irq_matrix_online() (traced), then
 * irq_affinity_online_cpu() restarts the requested managed irqs that were
 * shut down and whose mask holds the CPU, in irq order (§11.6).
 */
void x86_cpu_online(struct ml_ctx *m, uint32_t cpu)
{
	irq_matrix_online(m, cpu);
	for (uint32_t v = 1; v <= m->virq_hw; v++) {
		struct ml_irq *irq = &m->irq[v];
		struct ml_apicd *a = &irq->apicd;

		if (!irq->allocated || !a->live || !a->affinity_managed || !irq->started ||
		    !a->managed_shutdown || !ml_mask_test(a->affinity, cpu))
			continue;
		a->managed_shutdown = false;
		if (!irq_domain_activate_irq(m, v))
			irq->activated = true;
	}
}

/* ---- the machine's start state ---- */

/*
 * An x86_irq that names a device and its vector: the driver's MSI/MSI-X
 * irq allocated (and, unless it still holds a reservation, requested)
 * before the trace.  Build what the allocation left: MSI data, the device
 * domain (v6.2+), the descriptor, the MSI domain's mapping.  Nothing is
 * emitted: the machine is being built.
 */
static int x86_init_dev_irq(struct ml_ctx *m, const struct ml_x86_irq_config *xi)
{
	const struct ml_dev_config *c;
	struct ml_irq *irq = &m->irq[xi->virq];
	struct ml_device *d;
	int domain, desc;
	bool msix;

	if ((uint32_t)xi->dev >= m->cfg.ndev || !m->cfg.dev[xi->dev].pci)
		return ml_invalid(m, "x86_irq virq %u: its device is not a PCI device", xi->virq);
	c = &m->cfg.dev[xi->dev];
	d = &m->dev[xi->dev];
	msix = c->msix > 0;
	if ((msix && d->msi_enabled) || (!msix && d->msix_enabled))
		return ml_invalid(m, "x86_irq virq %u: %s cannot have MSI and MSI-X irqs", xi->virq,
				  c->name);
	msi_setup_device_data(m, xi->dev);
	if (ml_sw(m, ML_SW_PER_DEVICE_DOMAINS) && d->domain < 0 &&
	    !msi_create_device_irq_domain(m, xi->dev, msix ? ML_DOM_PCI_MSIX : ML_DOM_PCI_MSI,
					  msix ? c->msix : 1))
		return ml_invalid(m, "x86_irq virq %u: no MSI domain for %s", xi->virq, c->name);
	domain = ml_dev_domain(m, xi->dev);
	if (domain < 0 || msi_insert_desc(m, xi->dev, xi->vec, 1, msix))
		return ml_invalid(m, "x86_irq virq %u: %s vector %u cannot be set up", xi->virq,
				  c->name, xi->vec);
	desc = msi_find_desc(m, xi->dev, xi->vec);
	m->desc[desc].irq = xi->virq;
	if (msix)
		d->msix_enabled = true;
	else
		d->msi_enabled = true;
	irq->dev = xi->dev;
	irq->desc = desc;
	irq_domain_set_mapping(m, xi->virq, domain, ml_msi_hwirq(m, domain, xi->dev, xi->vec));
	m->dom[domain].nmapped++;
	/* requested, unless it still holds its reservation */
	irq->started = !xi->has_reserved;
	irq->activated = !xi->has_reserved;
	/* v6.1 vector.c: only reserve_irq_vector_locked() sets can_reserve; a managed irq went through reserve_managed_vector() */
	irq->apicd.can_reserve = !xi->is_managed && x86_msi_can_reserve(m, xi->dev, msix);
	irq->apicd.irqd_can_reserve = irq->apicd.can_reserve;
	return 0;
}

static bool vec_test(const uint64_t *map, uint32_t b)
{
	return (map[b / 64] >> (b % 64)) & 1;
}

/*
 * An x86_irq with cpu= and no vector=: started on that CPU before the
 * trace, its vector one of the CPU's x86_cpu alloc_map bits that no
 * declared vector= claims (which one the trace cannot prove).  It must own
 * one, so that CPU offline moves it (migrate_one_irq moves every started
 * irq) and frees the bit.  A non-managed irq takes the highest such bit
 * outside managed_map (unproven bits are written at the top of the
 * window).  A managed irq's vector lies in managed_map
 * (irq_matrix_alloc_managed): it takes the lowest allocated unclaimed
 * managed_map bit, else the lowest free managed_map bit, giving up one
 * unclaimed non-managed alloc_map bit so that the CPU's allocated count
 * is unchanged (the x86_cpu line counted the vector but could not place
 * it; the kernel's avl, which counts managed allocations apart, proves
 * the managed one).  No such bit: the start state is inconsistent.
 */
static int x86_init_claim_vector(struct ml_ctx *m, uint32_t virq, uint32_t cpu)
{
	const struct ml_matrix *mx = &m->x86.mx;
	struct ml_cpumap *cm = &m->x86.cpu[cpu];
	struct ml_irq *irq = &m->irq[virq];
	struct ml_apicd *a = &irq->apicd;
	uint64_t claimed[ML_VEC_WORDS] = { 0 };
	uint32_t pick = 0, spare = 0;

	for (uint32_t v = 1; v <= m->virq_hw; v++) {
		const struct ml_apicd *o = &m->irq[v].apicd;

		if (m->irq[v].allocated && o->live && o->vector && o->cpu == cpu)
			claimed[o->vector / 64] |= 1ull << (o->vector % 64);
	}
	for (uint32_t b = mx->alloc_end; b-- > mx->alloc_start;)
		if (vec_test(cm->alloc_map, b) && !vec_test(cm->managed_map, b) &&
		    !vec_test(claimed, b)) {
			spare = b;
			break;
		}
	if (!a->is_managed) {
		pick = spare;
	} else {
		for (uint32_t b = mx->alloc_start; b < mx->alloc_end && !pick; b++)
			if (vec_test(cm->managed_map, b) && vec_test(cm->alloc_map, b) &&
			    !vec_test(claimed, b))
				pick = b;
		for (uint32_t b = mx->alloc_start; b < mx->alloc_end && !pick && spare; b++)
			if (vec_test(cm->managed_map, b) && !vec_test(cm->alloc_map, b))
				pick = b;
		if (pick && !vec_test(cm->alloc_map, pick)) {
			cm->alloc_map[spare / 64] &= ~(1ull << (spare % 64));
			cm->alloc_map[pick / 64] |= 1ull << (pick % 64);
			irq_matrix_recount_cpu(m, cpu, cm->online);
		}
	}
	if (!pick)
		return ml_invalid(m, "x86_irq virq %u cpu=%u: no %svector of cpu%u's alloc_map is left for it",
				  virq, cpu, a->is_managed ? "managed " : "", cpu);
	a->vector = (uint16_t)pick;
	a->cpu = (uint16_t)cpu;
	a->hw_vector = a->vector;
	a->hw_cpu = a->cpu;
	irq->started = true;
	irq->activated = true;
	return 0;
}

/* Build the matrix and the declared vector-domain irqs (x86_cpu / x86_irq). */
int x86_init(struct ml_ctx *m)
{
	const struct ml_config *cfg = &m->cfg;
	uint32_t reserved = 0;
	bool any = false;

	memset(m->x86.cpu, 0, sizeof(m->x86.cpu[0]) * cfg->cpus);
	m->x86_silent = false;
	irq_matrix_setup(m);
	for (uint32_t c = 0; c < cfg->cpus; c++)
		any |= cfg->x86_cpu[c].declared;
	for (uint32_t c = 0; c < cfg->cpus; c++) {
		const struct ml_x86_cpu_config *xc = &cfg->x86_cpu[c];
		bool online = xc->declared ? xc->online : true;

		if (!online)
			m->cpu_online[c / 64] &= ~(1ull << (c % 64));
		if (any) {
			irq_matrix_load_cpu(m, c, online, xc->alloc_map, xc->managed_map);
		} else {
			/* boot: the ISA legacy vectors on CPU 0 (lapic_assign_legacy_vector) */
			uint64_t legacy[ML_VEC_WORDS] = { 0 };

			for (uint32_t i = 0; c == 0 && i < 16; i++)
				if (ML_ISA_IRQ_VECTOR(i) != ML_PIC_CASCADE_VECTOR)
					legacy[ML_ISA_IRQ_VECTOR(i) / 64] |=
						1ull << (ML_ISA_IRQ_VECTOR(i) % 64);
			irq_matrix_load_cpu(m, c, online, legacy, NULL);
		}
	}
	for (uint32_t i = 0; i < cfg->nx86_irq; i++) {
		const struct ml_x86_irq_config *xi = &cfg->x86_irq[i];
		struct ml_irq *irq;
		struct ml_apicd *a;

		if (xi->virq == 0 || xi->virq >= ML_MAX_VIRQ)
			return ml_invalid(m, "x86_irq virq %u is outside the model's irq space", xi->virq);
		if (xi->has_cpu && xi->cpu >= cfg->cpus)
			return ml_invalid(m, "x86_irq virq %u: cpu%u does not exist", xi->virq, xi->cpu);
		irq = &m->irq[xi->virq];
		if (irq->allocated)
			return ml_invalid(m, "x86_irq virq %u declared twice", xi->virq);
		memset(irq, 0, sizeof(*irq));
		irq->allocated = true;
		irq->started = xi->vector != 0;
		irq->activated = xi->vector != 0;
		irq->dev = -1;
		irq->domain = -1;
		irq->desc = -1;
		irq->its_dev = -1;
		m->irq_used[xi->virq / 64] |= 1ull << (xi->virq % 64);
		if (xi->virq > m->virq_hw)
			m->virq_hw = xi->virq;
		a = &irq->apicd;
		a->live = true;
		a->opaque = true;
		a->gsi_refs = 1;	/* mapped before the trace: one mp_unmap_irq frees it */
		a->is_managed = xi->is_managed;
		a->affinity_managed = xi->is_managed;
		a->has_reserved = xi->has_reserved;
		a->can_reserve = xi->has_reserved;
		a->irqd_can_reserve = xi->has_reserved;
		if (xi->has_mask) {
			memcpy(a->affinity, xi->mask, sizeof(a->affinity));
		} else if (xi->is_managed && xi->has_cpu) {
			/*
			 * A managed irq's mask is its share of the spread
			 * (irq_create_affinity_masks); with no mask= the
			 * model takes its CPU alone: what the kernel's
			 * irq_matrix_remove_managed at its teardown shows
			 * on one CPU per managed queue with one CPU per queue.
			 */
			mask_zero(a->affinity);
			mask_set(a->affinity, xi->cpu);
		} else {
			for (uint32_t c = 0; c < cfg->cpus; c++)
				mask_set(a->affinity, c);
		}
		reserved += xi->has_reserved;
		if (xi->dev >= 0 && x86_init_dev_irq(m, xi))
			return -1;
		if (xi->vector) {
			struct ml_cpumap *cm = &m->x86.cpu[xi->has_cpu ? xi->cpu : 0];

			a->vector = (uint16_t)xi->vector;
			a->cpu = (uint16_t)(xi->has_cpu ? xi->cpu : 0);
			a->hw_vector = a->vector;
			a->hw_cpu = a->cpu;
			if (irq_matrix_is_system(m, xi->vector) ||
			    xi->vector < m->x86.mx.alloc_start || xi->vector >= m->x86.mx.alloc_end)
				return ml_invalid(m, "x86_irq virq %u: vector %u is not an allocatable vector",
						  xi->virq, xi->vector);
			/* an undeclared allocation of a declared irq is part of the state */
			cm->alloc_map[xi->vector / 64] |= 1ull << (xi->vector % 64);
			if (xi->is_managed)
				cm->managed_map[xi->vector / 64] |= 1ull << (xi->vector % 64);
			irq_matrix_recount_cpu(m, a->cpu, cm->online);
		} else {
			a->hw_vector = ML_MANAGED_IRQ_SHUTDOWN_VECTOR;
		}
	}
	for (uint32_t i = 0; i < cfg->nx86_irq; i++) {
		const struct ml_x86_irq_config *xi = &cfg->x86_irq[i];

		if (xi->has_cpu && !xi->vector && !xi->has_reserved &&
		    x86_init_claim_vector(m, xi->virq, xi->cpu))
			return -1;
	}
	irq_matrix_load_globals(m, cfg->cpus, reserved);
	x86_trace_init(m);
	return 0;
}

/* ---- DMAR and HPET MSI (v6.1 arch/x86/kernel/apic/msi.c) ---- */

/* dmar_get_irq_domain() / hpet_create_irq_domain(): one MSI domain each */
static int x86_domain_create(struct ml_ctx *m, enum ml_domain_kind kind)
{
	int d = ml_domain_new(m);

	if (d < 0) {
		ml_limit(m, "more than %u MSI domains", ML_MAX_DOMAINS);
		return -1;
	}
	m->dom[d].live = true;
	m->dom[d].kind = kind;
	m->dom[d].dev = -1;
	m->dom[d].its = -1;
	m->dom[d].hwsize = UINT32_MAX;
	m->dom[d].template.its_dev = -1;
	return d;
}

/* v6.1 arch/x86/kernel/apic/msi.c: the global "PCI-MSI" domain of x86_create_pci_msi_domain() */
int x86_create_global_domain(struct ml_ctx *m)
{
	m->x86.global_domain = x86_domain_create(m, ML_DOM_GLOBAL_PCI);
	return m->x86.global_domain < 0 ? -1 : 0;
}

/*
 * v6.1 msi.c dmar_alloc_hwirq(id) (info.devid = info.hwirq = id) and
 * hpet_assign_irq(dev_num) (info.hwirq = dev_num), then
 * irq_domain_alloc_irqs() -> kernel/irq/msi.c msi_domain_alloc(): the
 * hwirq is the default .get_hwirq (arg->hwirq), an existing mapping is
 * -EEXIST, then the vector domain reserves.  With X86_DMAR_HWIRQ_ZERO (V2
 * of the 2020 series) info.hwirq stays 0: the second DMAR irq collides (B12).
 * Returns the Linux irq or an error.
 */
static int x86_msi_domain_alloc_one(struct ml_ctx *m, int dev, enum ml_domain_kind kind,
				    enum ml_x86_alloc_type type, uint64_t id)
{
	int *dp = kind == ML_DOM_X86_DMAR ? &m->x86.dmar_domain : &m->x86.hpet_domain;
	struct ml_device *d = &m->dev[dev];
	struct ml_x86_alloc_info info;
	struct ml_event ev;
	int virq, old, ret;

	if (*dp < 0 && (*dp = x86_domain_create(m, kind)) < 0)
		return ML_ENOMEM;
	if (d->nhwirqs >= sizeof(d->hwirqs) / sizeof(d->hwirqs[0])) {
		ml_limit(m, "more than %zu DMAR/HPET irqs for %s",
			 sizeof(d->hwirqs) / sizeof(d->hwirqs[0]), ml_dev_name(m, dev));
		return ML_ENOMEM;
	}
	memset(&info, 0, sizeof(info));
	info.type = type;
	info.devid = (uint32_t)id;
	info.hwirq = (type == ML_X86_ALLOC_DMAR && ml_sw(m, ML_SW_X86_DMAR_HWIRQ_ZERO)) ? 0 : id;
	virq = irq_domain_alloc_descs(m, 1, 0);
	if (virq < 0)
		return virq;
	old = irq_find_mapping(m, *dp, info.hwirq);
	if (old > 0) {
		irq_free_descs(m, (uint32_t)virq, 1);
		ml_violate(m, "INV-M3",
			   type == ML_X86_ALLOC_DMAR && ml_sw(m, ML_SW_X86_DMAR_HWIRQ_ZERO) ? "B12" : NULL,
			   "%s asked the %s domain for id %llu but got hwirq %llu, already mapped to irq %d: "
			   "msi_domain_alloc() fails with -EEXIST (\"No free IRQ vectors\")",
			   ml_dev_name(m, dev), kind == ML_DOM_X86_DMAR ? "DMAR-MSI" : "HPET-MSI",
			   (unsigned long long)id, (unsigned long long)info.hwirq, old);
		return ML_EEXIST;
	}
	ml_event_init(&ev, ML_EV_MSI_IRQ);
	ev.dev = dev;
	ev.index = d->nhwirqs;
	ev.virq = (uint32_t)virq;
	ev.nr = 1;
	ev.hwirq = info.hwirq;
	ml_emit(m, &ev);
	x86_irq_set_default_affinity(m, (uint32_t)virq, NULL, 0);
	ret = x86_vector_alloc_irqs(m, (uint32_t)virq, 1, &info);
	if (ret) {
		irq_free_descs(m, (uint32_t)virq, 1);
		return ret;
	}
	m->irq[virq].dev = dev;
	irq_domain_set_mapping(m, (uint32_t)virq, *dp, info.hwirq);
	m->dom[*dp].nmapped++;
	d->hwirqs[d->nhwirqs++] = (uint32_t)virq;
	return virq;
}

int x86_dmar_alloc_hwirq(struct ml_ctx *m, int dev, uint64_t id)
{
	return x86_msi_domain_alloc_one(m, dev, ML_DOM_X86_DMAR, ML_X86_ALLOC_DMAR, id);
}

int x86_hpet_assign_irq(struct ml_ctx *m, int dev, uint64_t num)
{
	return x86_msi_domain_alloc_one(m, dev, ML_DOM_X86_HPET, ML_X86_ALLOC_HPET, num);
}

/* v6.1 msi.c dmar_free_hwirq() for every irq of the unit: irq_domain_free_irqs() */
void x86_hwirq_free(struct ml_ctx *m, int dev)
{
	struct ml_device *d = &m->dev[dev];

	for (uint32_t i = 0; i < d->nhwirqs; i++) {
		uint32_t virq = d->hwirqs[i];

		if (!m->irq[virq].allocated)
			continue;
		if (m->irq[virq].activated)
			irq_domain_deactivate_irq(m, virq);
		irq_domain_free_irqs(m, virq, 1);
	}
	d->nhwirqs = 0;
}

/* ---- IO-APIC pin irqs (v6.1 arch/x86/kernel/apic/io_apic.c) ---- */

/*
 * mp_map_pin_to_irq() with IOAPIC_MAP_ALLOC: the first user allocates the
 * GSI's irq (fixed Linux irq = GSI) in the IO-APIC domain, whose parent is
 * the vector domain: info->mask is NULL, so a global reservation
 * (irq_matrix_reserve, vector_reserve, vector_config 239, vector_setup).
 * Later users take a reference (mp_chip_data count).
 */
int x86_ioapic_map(struct ml_ctx *m, uint32_t gsi)
{
	struct ml_x86_alloc_info info;
	struct ml_irq *irq;
	int ret;

	irq = &m->irq[gsi];
	if (irq->allocated) {
		if (!irq->apicd.live)
			return ML_EEXIST;	/* an MSI irq has this number */
		irq->apicd.gsi_refs += irq->apicd.gsi_refs < 0xffff;
		return 0;
	}
	ret = irq_domain_alloc_descs_at(m, gsi);
	if (ret < 0)
		return ret;
	memset(&info, 0, sizeof(info));
	info.type = ML_X86_ALLOC_IOAPIC;
	x86_irq_set_default_affinity(m, gsi, NULL, 0);
	ret = x86_vector_alloc_irqs(m, gsi, 1, &info);
	if (ret) {
		irq_free_descs(m, gsi, 1);
		return ret;
	}
	irq->apicd.gsi_refs = 1;
	return 0;
}

/* mp_unmap_irq(): the last reference frees the irq (irq_domain_free_irqs) */
void x86_ioapic_unmap(struct ml_ctx *m, uint32_t gsi)
{
	struct ml_irq *irq;

	irq = &m->irq[gsi];
	if (!irq->allocated || !irq->apicd.live || !irq->apicd.gsi_refs)
		return;
	if (--irq->apicd.gsi_refs)
		return;
	if (irq->activated)
		irq_domain_deactivate_irq(m, gsi);
	x86_vector_free_irqs(m, gsi, 1);
	irq_free_descs(m, gsi, 1);
	if ((m->cfg.irqs_used[gsi / 64] >> (gsi % 64)) & 1)
		m->irq_used[gsi / 64] |= 1ull << (gsi % 64);	/* below the dynamic irq base */
}
