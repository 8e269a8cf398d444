// SPDX-License-Identifier: GPL-2.0
/*
 * view.c - read-only views of the simulated ITS state for reports and
 * timelines (model.h, "read-only views").  Nothing here changes the machine;
 * identities are slots and creation numbers, never addresses.
 */
#include <string.h>

#include "internals.h"

unsigned int ml_its_count(const struct ml_ctx *m)
{
	return m->cfg.nits;
}

int ml_its_dev_next(const struct ml_ctx *m, int from, struct ml_its_dev_view *v)
{
	for (uint32_t i = from < 0 ? 0 : (uint32_t)from + 1; i < m->nitsdev; i++) {
		const struct ml_its_device *d = &m->itsdev[i];

		if (!d->live)
			continue;
		memset(v, 0, sizeof(*v));
		v->slot = i;
		v->gen = d->gen;
		v->its = (unsigned int)d->its;
		v->devid = d->devid;
		v->nvecs = d->nvecs;
		v->nr_ites = d->nr_ites;
		v->lpi_base = d->lpi_base;
		v->nr_lpis = d->nr_lpis;
		v->shared = d->shared;
		v->creator = d->creator;
		return (int)i;
	}
	return -1;
}

/*
 * An EventID is accounted for by a live irq that has it, or, while a
 * Multi-MSI block is live, by the block's irqs (its power-of-two padding):
 * the rule of INV-I1 in invariants.c (orphan_bit()), for every bit at once.
 */
unsigned int ml_its_dev_eventids(const struct ml_ctx *m, unsigned int slot, uint8_t *st,
				 unsigned int max)
{
	const struct ml_its_device *d;
	const uint64_t *map, *pad, *fail;
	unsigned int n;

	if (slot >= m->nitsdev || !m->itsdev[slot].live)
		return 0;
	d = &m->itsdev[slot];
	map = &m->arena[d->map];
	pad = &m->arena[d->pad];
	fail = &m->arena[d->fail];
	n = d->nr_lpis < max ? d->nr_lpis : max;
	for (unsigned int b = 0; b < n; b++)
		st[b] = test_bit(b, map) ? ML_EID_ORPHAN : ML_EID_FREE;
	for (uint32_t v = 1; v <= m->virq_hw; v++) {
		const struct ml_irq *irq = &m->irq[v];

		if (!irq->allocated || !irq->its_level || irq->its_dev != (int)slot ||
		    irq->its_dev_gen != d->gen)
			continue;
		if (irq->eventid < n && st[irq->eventid] != ML_EID_FREE)
			st[irq->eventid] = ML_EID_MAPPED;
		if (irq->desc >= 0 && m->desc[irq->desc].nvec_used > 1) {
			uint32_t size = 1u << get_count_order(m->desc[irq->desc].nvec_used);
			uint32_t start = irq->eventid & ~(size - 1);

			for (uint32_t b = start; b < start + size && b < n; b++)
				if (st[b] == ML_EID_ORPHAN && test_bit(b, pad))
					st[b] = ML_EID_HELD;
		}
	}
	for (unsigned int b = 0; b < n; b++)
		if (st[b] == ML_EID_ORPHAN)
			st[b] = test_bit(b, pad) ? ML_EID_ORPHAN_PAD :
				test_bit(b, fail) ? ML_EID_ORPHAN_FAIL : ML_EID_ORPHAN;
	return n;
}

void ml_its_lpi_pool(const struct ml_ctx *m, unsigned int its, uint32_t *base, uint32_t *size)
{
	*base = *size = 0;
	if (its >= m->cfg.nits)
		return;
	*base = m->its[its].lpi.pool_base;
	*size = m->its[its].lpi.pool_size;
}

int ml_its_free_lpis(const struct ml_ctx *m, unsigned int its, unsigned int i, uint32_t *base,
		     uint32_t *span)
{
	if (its >= m->cfg.nits || i >= m->its[its].lpi.nr)
		return -1;
	*base = m->its[its].lpi.r[i].base;
	*span = m->its[its].lpi.r[i].span;
	return 0;
}
