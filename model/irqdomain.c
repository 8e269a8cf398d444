// SPDX-License-Identifier: GPL-2.0
/*
 * irqdomain.c - the Linux irq number space and the hierarchy walks the MSI
 * code relies on: irq_domain_alloc_descs(), activation and deactivation.
 */
#include <string.h>

#include "internals.h"

static void virq_mark(struct ml_ctx *m, uint32_t v, bool used)
{
	if (used)
		m->irq_used[v / 64] |= 1ull << (v % 64);
	else
		m->irq_used[v / 64] &= ~(1ull << (v % 64));
}

/*
 * The first run of @cnt free irq numbers at or above @from, or -1: v6.1
 * kernel/irq/irqdesc.c __irq_alloc_descs() takes it with
 * bitmap_find_next_zero_area() over allocated_irqs; from v6.5 (maple tree)
 * irq_find_free_area() with mas_empty_area(), the same lowest run.  A word
 * at a time (bitmap.c), not a bit at a time.
 */
static int find_free_run(const struct ml_ctx *m, uint32_t from, uint32_t cnt)
{
	unsigned long start;

	if (!cnt)
		return -1;
	start = bitmap_find_next_zero_area(m->irq_used, ML_MAX_VIRQ, from, cnt, 0);
	return start + cnt <= ML_MAX_VIRQ ? (int)start : -1;
}

/*
 * v6.1..v6.18 kernel/irq/irqdomain.c: irq_domain_alloc_descs() with virq < 0:
 * the hint is hwirq % nr_irqs (never 0), then __irq_alloc_descs() takes the
 * first free run from the hint, retrying from 1 when that fails; nr_irqs
 * grows to cover the run (irq_expand_nr_irqs()).
 */
int irq_domain_alloc_descs(struct ml_ctx *m, uint32_t cnt, uint64_t hwirq)
{
	uint32_t hint = (uint32_t)(hwirq % m->nr_irqs);
	int virq;

	if (ml_should_fail(&m->faults, ML_F_IRQ_DOMAIN_ALLOC_DESCS))
		return ML_ENOMEM;
	if (hint == 0)
		hint = 1;
	virq = find_free_run(m, hint, cnt);
	if (virq <= 0 && hint > 1)
		virq = find_free_run(m, 1, cnt);
	if (virq <= 0) {
		/* the kernel's IRQ_BITMAP_BITS is the model's limit too */
		return ML_ENOMEM;
	}
	for (uint32_t i = 0; i < cnt; i++) {
		struct ml_irq *irq = &m->irq[virq + i];

		virq_mark(m, (uint32_t)virq + i, true);
		memset(irq, 0, sizeof(*irq));
		irq->allocated = true;
		irq->dev = -1;
		irq->domain = -1;
		irq->desc = -1;
		irq->its_dev = -1;
	}
	if ((uint32_t)virq + cnt > m->nr_irqs)
		m->nr_irqs = (uint32_t)virq + cnt;
	if ((uint32_t)virq + cnt - 1 > m->virq_hw)
		m->virq_hw = (uint32_t)virq + cnt - 1;
	return virq;
}

/* irq_domain_alloc_descs() with a fixed virq (the IO-APIC's legacy/GSI irqs) */
int irq_domain_alloc_descs_at(struct ml_ctx *m, uint32_t virq)
{
	struct ml_irq *irq;

	/* the GSI range is kept out of dynamic allocation (x86
	 * arch_dynirq_lower_bound()), so "used" there is not "allocated" */
	if (virq == 0 || virq >= ML_MAX_VIRQ || m->irq[virq].allocated)
		return ML_EEXIST;
	irq = &m->irq[virq];
	virq_mark(m, virq, true);
	memset(irq, 0, sizeof(*irq));
	irq->allocated = true;
	irq->dev = -1;
	irq->domain = -1;
	irq->desc = -1;
	irq->its_dev = -1;
	if (virq + 1 > m->nr_irqs)
		m->nr_irqs = virq + 1;
	if (virq > m->virq_hw)
		m->virq_hw = virq;
	return (int)virq;
}

static uint64_t revmap_key(uint32_t domain_gen, uint64_t hwirq)
{
	return (uint64_t)domain_gen << 44 ^ hwirq;
}

static uint32_t revmap_slot(uint64_t key)
{
	return (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> 50) & (ML_REVMAP_SLOTS - 1);
}

static void revmap_remove(struct ml_ctx *m, uint64_t key)
{
	uint32_t i = revmap_slot(key), j;

	while (m->revmap[i].virq && m->revmap[i].key != key)
		i = (i + 1) & (ML_REVMAP_SLOTS - 1);
	if (!m->revmap[i].virq)
		return;
	/* backward-shift deletion keeps every probe chain unbroken */
	for (j = (i + 1) & (ML_REVMAP_SLOTS - 1); m->revmap[j].virq;
	     j = (j + 1) & (ML_REVMAP_SLOTS - 1)) {
		uint32_t home = revmap_slot(m->revmap[j].key);

		if (((j - home) & (ML_REVMAP_SLOTS - 1)) >= ((j - i) & (ML_REVMAP_SLOTS - 1))) {
			m->revmap[i] = m->revmap[j];
			i = j;
		}
	}
	m->revmap[i].virq = 0;
	m->revmap[i].key = 0;
}

/* irq_domain_set_hwirq_and_chip() at the MSI level: the revmap entry */
void irq_domain_set_mapping(struct ml_ctx *m, uint32_t virq, int domain, uint64_t hwirq)
{
	struct ml_irq *irq = &m->irq[virq];
	uint64_t key;
	uint32_t i;

	irq->domain = domain;
	irq->domain_gen = m->dom[domain].gen;
	irq->msi_hwirq = hwirq;
	key = revmap_key(irq->domain_gen, hwirq);
	for (i = revmap_slot(key); m->revmap[i].virq; i = (i + 1) & (ML_REVMAP_SLOTS - 1))
		if (m->revmap[i].key == key)
			break;
	m->revmap[i].key = key;
	m->revmap[i].virq = virq;
}

/* kernel/irq/irqdesc.c: irq_free_descs() (and the revmap entries) */
void irq_free_descs(struct ml_ctx *m, uint32_t virq, uint32_t cnt)
{
	for (uint32_t i = 0; i < cnt; i++) {
		struct ml_irq *irq = &m->irq[virq + i];

		if (irq->allocated && irq->domain >= 0)
			revmap_remove(m, revmap_key(irq->domain_gen, irq->msi_hwirq));
		memset(irq, 0, sizeof(*irq));
		irq->its_dev = -1;
		virq_mark(m, virq + i, false);
	}
}

/* irq_find_mapping(domain, hwirq): the virq mapped at @hwirq in @domain, or 0. */
int irq_find_mapping(const struct ml_ctx *m, int domain, uint64_t hwirq)
{
	uint64_t key = revmap_key(m->dom[domain].gen, hwirq);

	for (uint32_t i = revmap_slot(key); m->revmap[i].virq; i = (i + 1) & (ML_REVMAP_SLOTS - 1))
		if (m->revmap[i].key == key)
			return (int)m->revmap[i].virq;
	return 0;
}

/*
 * kernel/irq/irqdomain.c: irq_domain_activate_irq() recurses parent first:
 * the ITS maps the event (MAPTI) before the MSI domain writes the message.
 */
int irq_domain_activate_irq_reserve(struct ml_ctx *m, uint32_t virq, bool reserve)
{
	struct ml_irq *irq = &m->irq[virq];
	int ret = 0;

	if (irq->activated)
		return 0;
	if (irq->its_level)
		ret = its_irq_domain_activate(m, virq);
	if (irq->apicd.live)
		ret = x86_vector_activate(m, virq, reserve);
	if (!ret)
		irq->activated = true;
	return ret;
}

int irq_domain_activate_irq(struct ml_ctx *m, uint32_t virq)
{
	return irq_domain_activate_irq_reserve(m, virq, false);
}

void irq_domain_deactivate_irq(struct ml_ctx *m, uint32_t virq)
{
	struct ml_irq *irq = &m->irq[virq];

	if (!irq->activated)
		return;
	if (irq->its_level)
		its_irq_domain_deactivate(m, virq);
	if (irq->apicd.live)
		x86_vector_deactivate(m, virq);
	irq->activated = false;
}
