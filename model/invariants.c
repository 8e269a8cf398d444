// SPDX-License-Identifier: GPL-2.0
/*
 * invariants.c - the state invariants of spec §6.2 and §6.3, checked after
 * every operation.  The event invariants (INV-P1..P4, INV-I5, INV-I6,
 * INV-I8, INV-M4, INV-C2, INV-C3) are checked where they can break, in the
 * model's code paths.  Each violation is reported once per object.
 */
#include <string.h>

#include "internals.h"

enum {
	REP_I1 = 1 << 0, REP_I2 = 1 << 1, REP_I3 = 1 << 2, REP_I7 = 1 << 3,
	REP_M1 = 1 << 4, REP_M2 = 1 << 5, REP_M3 = 1 << 6, REP_C1 = 1 << 7,
	REP_I8 = 1 << 8,
};

/* A set bit of @d's EventID map that no live irq accounts for, or -1. */
static int orphan_bit(struct ml_ctx *m, int idx, const struct ml_its_device *d)
{
	const uint64_t *map = ml_words(m, d->map);

	for (unsigned int b = (unsigned int)find_next_bit(map, d->nr_lpis, 0); b < d->nr_lpis;
	     b = (unsigned int)find_next_bit(map, d->nr_lpis, b + 1)) {
		bool used = false;

		for (uint32_t v = 1; v <= m->virq_hw && !used; v++) {
			const struct ml_irq *irq = &m->irq[v];

			if (!irq->allocated || !irq->its_level || irq->its_dev != idx)
				continue;
			if (irq->eventid == b) {
				used = true;
			} else if (irq->desc >= 0 && m->desc[irq->desc].nvec_used > 1 &&
				   test_bit(b, ml_words(m, d->pad))) {
				/* the padding of a live Multi-MSI block belongs to it */
				uint32_t size = 1u << get_count_order(m->desc[irq->desc].nvec_used);
				uint32_t start = irq->eventid & ~(size - 1);

				used = b >= start && b < start + size;
			}
		}
		if (!used)
			return (int)b;
	}
	return -1;
}

static const char *leak_bug(struct ml_ctx *m, const struct ml_its_device *d)
{
	if (d->shared && d->shared_cause == ML_SHARED_REPREPARE)
		return d->failed_empty ? "B8" : "B1";
	if (!bitmap_empty(ml_words(m, d->pad), d->nr_lpis) &&
	    !bitmap_empty(ml_words(m, d->map), d->nr_lpis))
		return "B3";
	if (!bitmap_empty(ml_words(m, d->fail), d->nr_lpis))
		return "B7";
	return NULL;
}

static void check_its_devices(struct ml_ctx *m)
{
	uint32_t nirq[ML_MAX_ITS_DEVS];
	uint32_t mapped[ML_MAX_ITS_DEVS];
	uint32_t users[ML_MAX_ITS_DEVS];

	memset(nirq, 0, sizeof(nirq[0]) * m->nitsdev);
	memset(users, 0, sizeof(users[0]) * m->nitsdev);
	memset(mapped, 0, sizeof(mapped[0]) * m->nitsdev);
	for (uint32_t v = 1; v <= m->virq_hw; v++) {
		const struct ml_irq *irq = &m->irq[v];

		if (irq->allocated && irq->its_level && irq->its_dev >= 0) {
			nirq[irq->its_dev]++;
			/* an irq whose descriptor or domain is gone can never be freed */
			if (!irq->leaked)
				users[irq->its_dev]++;
		}
	}
	for (uint32_t i = 0; i < m->ndom; i++) {
		const struct ml_domain *dm = &m->dom[i];

		if (dm->live && dm->template.prepared && dm->template.its_dev >= 0 &&
		    its_dev_valid(m, dm->template.its_dev, dm->template.its_dev_gen))
			mapped[dm->template.its_dev]++;
	}

	for (uint32_t i = 0; i < m->nitsdev; i++) {
		struct ml_its_device *d = &m->itsdev[i];
		uint32_t w;

		if (!d->live)
			continue;
		w = bitmap_weight(ml_words(m, d->map), d->nr_lpis);

		/* INV-I1: set bits == EventIDs of live irqs */
		if (w > nirq[i] && !(d->reported & REP_I1)) {
			int b = orphan_bit(m, (int)i, d);

			if (b >= 0) {
				const char *bug = test_bit((unsigned int)b, ml_words(m, d->pad)) ? "B3" :
						  test_bit((unsigned int)b, ml_words(m, d->fail)) ? "B7" :
						  NULL;

				d->reported |= REP_I1;
				ml_violate(m, "INV-I1", bug,
					   "its_device DevID 0x%x (nr_lpis %u, LPIs %u-%u): EventID %d is "
					   "set in lpi_map but no live irq uses it%s", d->devid, d->nr_lpis,
					   d->lpi_base, d->lpi_base + d->nr_lpis - 1, b,
					   bug && bug[1] == '3' ? " (padding of a non-power-of-two Multi-MSI block)" :
					   bug ? " (left by a failed its_irq_domain_alloc)" : "");
			}
		}

		/* INV-I2: sizes */
		if (!(d->reported & REP_I2) &&
		    (!is_power_of_2(d->nr_lpis) || !is_power_of_2(d->nr_ites) || d->nr_lpis < 1 ||
		     d->nr_lpis > d->nvecs || d->nvecs > d->nr_ites || d->nr_ites < 2)) {
			d->reported |= REP_I2;
			ml_violate(m, "INV-I2", NULL,
				   "its_device DevID 0x%x: nr_lpis %u, nvecs %u, nr_ites %u break "
				   "1 <= nr_lpis <= nvecs <= nr_ites (powers of two, nr_ites >= 2)",
				   d->devid, d->nr_lpis, d->nvecs, d->nr_ites);
		}

		/* INV-I3 (quiescent form): nobody owns it any more, yet it stays */
		/* INV-I8: shared is one-way */
		if (d->was_shared && !d->shared && !(d->reported & REP_I8)) {
			d->reported |= REP_I8;
			ml_violate(m, "INV-I8", NULL,
				   "its_device DevID 0x%x was shared and is not any more", d->devid);
		}
		if (d->shared)
			d->was_shared = true;

		if (!users[i] && !mapped[i] && !(d->reported & REP_I3) &&
		    (!d->shared || d->shared_cause == ML_SHARED_REPREPARE) &&
		    (!ml_sw(m, ML_SW_ITS_FREE_ON_EMPTY) || d->shared || w)) {
			d->reported |= REP_I3;
			ml_violate(m, "INV-I3", nirq[i] ? "B10" : leak_bug(m, d),
				   "its_device DevID 0x%x keeps LPIs %u-%u (%u) and its ITT mapped, but no "
				   "irq and no MSI domain uses it any more%s%s%s", d->devid, d->lpi_base,
				   d->lpi_base + d->nr_lpis - 1, d->nr_lpis,
				   nirq[i] ? ": only leaked irqs, which can never be freed, still point at it" : "",
				   d->shared ? ": it was marked shared by a second prepare" : "",
				   w ? ": EventIDs are still set" : "");
		}

		/* INV-I7: one device per DevID per ITS */
		for (uint32_t j = i + 1; j < m->nitsdev; j++) {
			const struct ml_its_device *o = &m->itsdev[j];

			if (o->live && o->its == d->its && o->devid == d->devid &&
			    !(d->reported & REP_I7)) {
				d->reported |= REP_I7;
				ml_violate(m, "INV-I7", NULL, "two its_devices with DevID 0x%x on one ITS",
					   d->devid);
			}
		}
	}
}

struct span { uint32_t base, len; int owner; };

/* INV-I3 (conservation) and INV-I4 (ownership) for one ITS */
static void check_lpi(struct ml_ctx *m, int its)
{
	struct ml_its *s = &m->its[its];
	struct span sp[ML_MAX_ITS_DEVS + 64];
	uint64_t total = 0;
	uint32_t n = 0;
	char why[160];

	if (its_lpi_check(&s->lpi, why, sizeof(why))) {
		ml_violate(m, "INV-I3", NULL, "ITS LPI free list: %s", why);
		return;
	}
	for (uint32_t i = 0; i < s->lpi.nr; i++) {
		total += s->lpi.r[i].span;
		if (n < sizeof(sp) / sizeof(sp[0]))
			sp[n++] = (struct span){ s->lpi.r[i].base, s->lpi.r[i].span, -1 };
	}
	for (uint32_t i = 0; i < m->nitsdev; i++) {
		const struct ml_its_device *d = &m->itsdev[i];

		if (!d->live || d->its != its)
			continue;
		total += d->nr_lpis;
		if (n < sizeof(sp) / sizeof(sp[0]))
			sp[n++] = (struct span){ d->lpi_base, d->nr_lpis, (int)i };
	}
	if (total < s->lpi.pool_size && s->lost_reported < s->lpi.pool_size - total) {
		s->lost_reported = s->lpi.pool_size - (uint32_t)total;
		ml_violate(m, "INV-I3", s->lost_bug && s->lost_bug[0] == 'B' ? s->lost_bug : NULL,
			   "ITS LPI pool of %u: %u free + owned by devices, %u LPIs owned by nobody%s%s",
			   s->lpi.pool_size, (uint32_t)total, s->lpi.pool_size - (uint32_t)total,
			   s->lost_bug ? ": lost in " : "",
			   s->lost_bug ? (s->lost_bug[0] == 'B' ? "its_create_device's error path" :
					  s->lost_bug) : "");
	}
	/* insertion sort by base, then look for overlaps */
	for (uint32_t i = 1; i < n; i++) {
		struct span x = sp[i];
		uint32_t j = i;

		while (j > 0 && sp[j - 1].base > x.base) {
			sp[j] = sp[j - 1];
			j--;
		}
		sp[j] = x;
	}
	for (uint32_t i = 1; i < n; i++) {
		if ((uint64_t)sp[i - 1].base + sp[i - 1].len > sp[i].base) {
			ml_violate(m, "INV-I4", NULL,
				   "LPIs %u-%u (%s) overlap LPIs %u-%u (%s)", sp[i - 1].base,
				   sp[i - 1].base + sp[i - 1].len - 1,
				   sp[i - 1].owner < 0 ? "free" : "an its_device",
				   sp[i].base, sp[i].base + sp[i].len - 1,
				   sp[i].owner < 0 ? "free" : "an its_device");
			break;
		}
	}
}

static void check_descs(struct ml_ctx *m, int dev)
{
	struct ml_device *dv = &m->dev[dev];
	int64_t last = -1;

	for (int i = dv->desc_head; i >= 0; i = m->desc[i].next) {
		const struct ml_desc *ds = &m->desc[i];

		/* INV-M2 */
		if (!(dv->reported & REP_M2)) {
			bool bad = (int64_t)ds->index <= last;
			/* the store belongs to slot 0: a descriptor left by a removed
			 * domain is still in it (its domain went away under it: B10) */
			bool orphan = ds->domain >= 0 && (!m->dom[ds->domain].live ||
							  m->dom[ds->domain].gen != ds->domain_gen);

			if (ml_sw(m, ML_SW_PER_DEVICE_DOMAINS) && dv->domain >= 0 &&
			    ds->index >= m->dom[dv->domain].hwsize)
				bad = true;
			for (uint32_t n = 0; ds->irq && n < ds->nvec_used; n++) {
				const struct ml_irq *irq = &m->irq[ds->irq + n];

				if (!irq->allocated || irq->desc != i)
					bad = true;
			}
			if (bad) {
				dv->reported |= REP_M2;
				ml_violate(m, "INV-M2", orphan ? "B10" : NULL,
					   "descriptor %u of %s (irq %u, %u vector(s)) is not consistent with "
					   "its irqs or its domain%s", ds->index, ml_dev_name(m, dev), ds->irq,
					   ds->nvec_used, orphan ? ": it was left in the store when its domain "
					   "was removed with live interrupts" : "");
			}
		}
		last = ds->index;

		/* INV-M1: Multi-MSI alignment */
		if (ds->irq && ds->nvec_used > 1 && !(dv->reported & REP_M1)) {
			const struct ml_irq *first = &m->irq[ds->irq];
			uint32_t order = (uint32_t)get_count_order(ds->nvec_used);
			bool bad = ds->multiple != order || !first->its_level ||
				   first->eventid % (1u << order);

			for (uint32_t n = 1; !bad && n < ds->nvec_used; n++) {
				const struct ml_irq *irq = &m->irq[ds->irq + n];

				bad = !irq->its_level || irq->eventid != first->eventid + n ||
				      irq->its_dev != first->its_dev;
			}
			if (bad) {
				dv->reported |= REP_M1;
				ml_violate(m, "INV-M1", NULL,
					   "Multi-MSI descriptor of %s (%u vectors, irqs %u-%u): EventIDs start "
					   "at %u, which is not aligned to %u; the device's data values "
					   "base..base+%u do not land on its EventIDs", ml_dev_name(m, dev),
					   ds->nvec_used, ds->irq, ds->irq + ds->nvec_used - 1,
					   first->eventid, 1u << order, ds->nvec_used - 1);
			}
		}
	}
}

/* INV-M3: no two live irqs of one MSI domain share a hwirq */
static void check_hwirqs(struct ml_ctx *m)
{
	enum { MAX_SLOTS = 1 << 14 };
	struct slot { uint64_t key; uint32_t virq; } tab[MAX_SLOTS];
	uint32_t live = 0, slots = 64;

	for (uint32_t v = 1; v <= m->virq_hw; v++)
		live += m->irq[v].allocated && m->irq[v].domain >= 0;
	while (slots < 2 * live && slots < MAX_SLOTS)
		slots <<= 1;
	memset(tab, 0, sizeof(tab[0]) * slots);
	for (uint32_t v = 1; v <= m->virq_hw; v++) {
		const struct ml_irq *irq = &m->irq[v];
		uint64_t key;
		uint32_t h;

		if (!irq->allocated || irq->domain < 0)
			continue;
		/* a domain is identified by its generation: a slot index is reused
		 * by the next domain while irqs leaked by the old one remain */
		key = ((uint64_t)irq->domain_gen << 44) ^ irq->msi_hwirq;
		h = (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> 40) & (slots - 1);
		while (tab[h].virq && tab[h].key != key)
			h = (h + 1) & (slots - 1);
		if (tab[h].virq) {
			struct ml_device *dv = &m->dev[irq->dev >= 0 ? irq->dev : 0];

			if (!(dv->reported & REP_M3)) {
				dv->reported |= REP_M3;
				ml_violate(m, "INV-M3", NULL, "irqs %u and %u share hwirq 0x%llx in one "
					   "MSI domain", tab[h].virq, v, (unsigned long long)irq->msi_hwirq);
			}
			continue;
		}
		tab[h].key = key;
		tab[h].virq = v;
	}
}

static void check_pci(struct ml_ctx *m, int dev)
{
	struct ml_device *d = &m->dev[dev];
	bool bad;

	if (d->reported & REP_C1)
		return;
	bad = d->msi_enabled && d->msix_enabled;
	if (ml_sw(m, ML_SW_PER_DEVICE_DOMAINS) && d->msix_enabled &&
	    (d->domain < 0 || m->dom[d->domain].kind != ML_DOM_PCI_MSIX))
		bad = true;
	if (bad) {
		d->reported |= REP_C1;
		ml_violate(m, "INV-C1", NULL,
			   "%s: msi_enabled %d, msix_enabled %d, slot 0 holds %s", ml_dev_name(m, dev),
			   d->msi_enabled, d->msix_enabled,
			   d->domain < 0 ? "no domain" :
			   m->dom[d->domain].kind == ML_DOM_PCI_MSIX ? "the MSI-X domain" : "another domain");
	}
}

void ml_invariants_state(struct ml_ctx *m)
{
	check_its_devices(m);
	for (uint32_t i = 0; i < m->cfg.nits; i++)
		check_lpi(m, (int)i);
	for (uint32_t d = 0; d < m->cfg.ndev; d++) {
		if (!m->dev[d].present)
			continue;
		check_descs(m, (int)d);
		if (m->cfg.dev[d].pci)
			check_pci(m, (int)d);
	}
	check_hwirqs(m);
}
