// SPDX-License-Identifier: GPL-2.0
/*
 * invariants.c - the state invariants of spec §6.2 and §6.3, checked after
 * every operation.  The event invariants (INV-P1..P4, INV-I5, INV-I6,
 * INV-I8, INV-M4, INV-C2, INV-C3) are checked where they can break, in the
 * model's code paths.  Each violation is reported once per object.
 *
 * After an operation only the objects it can have changed are checked
 * (struct ml_inv_scope, filled by ml_inv_begin() before the operation and
 * completed after it); ml_check_invariants() and ml_set_full_check()
 * check everything.  Both report exactly the same violations in the same
 * order: the scope rules are in model/README.md, and
 * tests/test_invariants_incremental.c holds the two to each other.
 */
#include <string.h>

#include "internals.h"

_Static_assert(ML_MAX_VIRQ < 65536 && ML_MAX_ITS_DEVS < 65535,
	       "struct ml_inv_irq links irqs and names its_devices in 16 bits");
_Static_assert((ML_INV_KEYSET & (ML_INV_KEYSET - 1)) == 0 && ML_INV_KEYSET >= 2 * ML_MAX_VIRQ,
	       "the key multiset is a power of two, at most half full");

enum {
	REP_I1 = 1 << 0, REP_I2 = 1 << 1, REP_I3 = 1 << 2, REP_I7 = 1 << 3,
	REP_M1 = 1 << 4, REP_M2 = 1 << 5, REP_M3 = 1 << 6, REP_C1 = 1 << 7,
	REP_I8 = 1 << 8,
};

/* Bit @b of @acc, and the padding of @irq's Multi-MSI block that @pad has. */
static void account_irq(uint64_t *acc, const struct ml_irq *irq, const uint64_t *pad,
			uint32_t nr_lpis)
{
	if (irq->eventid < nr_lpis)
		acc[irq->eventid / 64] |= 1ull << (irq->eventid % 64);
	if (irq->inv_block) {
		/* the padding of a live Multi-MSI block belongs to it */
		uint32_t size = 1u << irq->inv_block;
		uint32_t start = irq->eventid & ~(size - 1);

		for (uint32_t b = start; b < start + size && b < nr_lpis; b++)
			if (test_bit(b, pad))
				acc[b / 64] |= 1ull << (b % 64);
	}
}

/*
 * The lowest set bit of @d's EventID map that no live irq accounts for, or
 * -1: an irq accounts for its EventID and, while its Multi-MSI block lives,
 * for the padding of that block.  @reference: look at every irq, else at
 * the irq index's list of @d.
 */
static int orphan_bit(struct ml_ctx *m, int idx, const struct ml_its_device *d, bool reference)
{
	const uint64_t *map = ml_words(m, d->map), *pad = ml_words(m, d->pad);
	uint64_t *acc = m->inv.accounted;

	memset(acc, 0, d->words * sizeof(acc[0]));
	if (reference) {
		for (uint32_t v = 1; v <= m->virq_hw; v++) {
			const struct ml_irq *irq = &m->irq[v];

			if (irq->allocated && irq->its_level && irq->its_dev == idx)
				account_irq(acc, irq, pad, d->nr_lpis);
		}
	} else {
		for (uint32_t v = m->inv.head[idx]; v; v = m->inv.irqs[v].next)
			account_irq(acc, &m->irq[v], pad, d->nr_lpis);
	}
	for (uint32_t w = 0; w < d->words && w * 64 < d->nr_lpis; w++) {
		uint64_t x = map[w] & ~acc[w];

		if (d->nr_lpis - w * 64 < 64)
			x &= (1ull << (d->nr_lpis - w * 64)) - 1;
		if (x)
			return (int)(w * 64 + (uint32_t)__builtin_ctzll(x));
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

static bool in_set(const uint64_t *set, uint32_t i)
{
	return !set || ((set[i / 64] >> (i % 64)) & 1);
}

static void set_add(uint64_t *set, uint32_t i)
{
	set[i / 64] |= 1ull << (i % 64);
}

/*
 * The size of the Multi-MSI block an irq was allocated in, recorded while
 * its descriptor is live (orphan_bit() needs it after a B10 leak freed the
 * descriptor, whose slot another device may reuse).
 */
static void record_blocks(struct ml_ctx *m, int dev)
{
	for (int i = m->dev[dev].desc_head; i >= 0; i = m->desc[i].next) {
		const struct ml_desc *ds = &m->desc[i];
		uint8_t order = ds->nvec_used > 1 ? (uint8_t)get_count_order(ds->nvec_used) : 0;

		for (uint32_t n = 0; ds->irq && n < ds->nvec_used; n++) {
			struct ml_irq *irq = &m->irq[ds->irq + n];

			if (irq->allocated && irq->desc == i)
				irq->inv_block = order;
		}
	}
}

/*
 * @only: the its_devices to check (bit per index), NULL for all.  The irqs
 * pointing at each its_device, and those of them not leaked (an irq whose
 * descriptor or domain is gone can never be freed), come from the irq index
 * or, for the @reference (full) check, from a count over every irq.
 */
static void check_its_devices(struct ml_ctx *m, const uint64_t *only, bool reference)
{
	const uint32_t *nirq = m->inv.nirq, *users = m->inv.users;
	uint32_t *mapped = m->inv.mapped;

	if (reference) {
		uint32_t *n = m->inv.ref_nirq, *u = m->inv.ref_users;

		memset(n, 0, sizeof(n[0]) * m->nitsdev);
		memset(u, 0, sizeof(u[0]) * m->nitsdev);
		for (uint32_t v = 1; v <= m->virq_hw; v++) {
			const struct ml_irq *irq = &m->irq[v];

			if (irq->allocated && irq->its_level && irq->its_dev >= 0 &&
			    (uint32_t)irq->its_dev < m->nitsdev) {
				n[irq->its_dev]++;
				u[irq->its_dev] += !irq->leaked;
			}
		}
		nirq = n;
		users = u;
	}
	memset(mapped, 0, sizeof(mapped[0]) * m->nitsdev);
	for (uint32_t i = 0; i < m->ndom; i++) {
		const struct ml_domain *dm = &m->dom[i];

		if (dm->live && dm->template.prepared && dm->template.its_dev >= 0 &&
		    its_dev_valid(m, dm->template.its_dev, dm->template.its_dev_gen))
			mapped[dm->template.its_dev]++;
	}

	for (uint32_t i = 0; i < m->nitsdev; i++) {
		struct ml_its_device *d = &m->itsdev[i];
		uint32_t w;

		if (!d->live || !in_set(only, i))
			continue;
		w = bitmap_weight(ml_words(m, d->map), d->nr_lpis);

		/* INV-I1: set bits == EventIDs of live irqs */
		if (w > nirq[i] && !(d->reported & REP_I1)) {
			int b = orphan_bit(m, (int)i, d, reference);

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

/*
 * INV-I3 (conservation) and INV-I4 (ownership) for one ITS.  A broken free
 * list or an overlap is reported at every step while it lasts: true when
 * one was.
 */
static bool check_lpi(struct ml_ctx *m, int its)
{
	struct ml_its *s = &m->its[its];
	struct ml_inv_span *sp = m->inv.spans;
	uint64_t total = 0;
	uint32_t n = 0;
	char why[160];

	if (its_lpi_check(&s->lpi, why, sizeof(why))) {
		ml_violate(m, "INV-I3", NULL, "ITS LPI free list: %s", why);
		return true;
	}
	for (uint32_t i = 0; i < s->lpi.nr; i++) {
		total += s->lpi.r[i].span;
		if (n < sizeof(m->inv.spans) / sizeof(sp[0])) {
			sp[n].base = s->lpi.r[i].base;
			sp[n].len = s->lpi.r[i].span;
			sp[n++].owner = -1;
		}
	}
	for (uint32_t i = 0; i < m->nitsdev; i++) {
		const struct ml_its_device *d = &m->itsdev[i];

		if (!d->live || d->its != its)
			continue;
		total += d->nr_lpis;
		if (n < sizeof(m->inv.spans) / sizeof(sp[0])) {
			sp[n].base = d->lpi_base;
			sp[n].len = d->nr_lpis;
			sp[n++].owner = (int)i;
		}
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
		struct ml_inv_span x = sp[i];
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
			return true;
		}
	}
	return false;
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

/*
 * An irq's identity in the revmaps: a domain is identified by its
 * generation, since a slot index is reused by the next domain while irqs
 * leaked by the old one remain.
 */
static uint64_t hwirq_key(const struct ml_irq *irq)
{
	return ((uint64_t)irq->domain_gen << 44) ^ irq->msi_hwirq;
}

/* INV-M3: no two live irqs of one MSI domain share a hwirq */
static void check_hwirqs(struct ml_ctx *m)
{
	const uint32_t MAX_SLOTS = sizeof(m->inv.slots) / sizeof(m->inv.slots[0]);

	_Static_assert(sizeof(m->inv.slots) / sizeof(m->inv.slots[0]) >= 2 * ML_MAX_VIRQ,
		       "INV-M3's table holds every irq at half load");
	struct ml_inv_slot *tab = m->inv.slots;
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
		key = hwirq_key(irq);
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

/*
 * ---- the checker's index of the irqs ----
 *
 * For each irq, what the checks last counted it as: the its_device it
 * points at (INV-I1, INV-I3: per-device lists and counts) and its
 * (domain, hwirq) key (INV-M3: a multiset of keys).  index_update() makes
 * one irq's entry match the irq; a full check updates every irq, a scoped
 * step the irqs its operation reached.
 */

static uint32_t keyset_slot(uint64_t key)
{
	return (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> 40) & (ML_INV_KEYSET - 1);
}

/* Add one irq with @key; returns how many irqs now hold it. */
static uint32_t keyset_add(struct ml_inv_scope *sc, uint64_t key)
{
	uint32_t i = keyset_slot(key);

	while (sc->keyset[i].count && sc->keyset[i].key != key)
		i = (i + 1) & (ML_INV_KEYSET - 1);
	sc->keyset[i].key = key;
	if (++sc->keyset[i].count == 2)
		sc->ndup++;
	return sc->keyset[i].count;
}

static void keyset_remove(struct ml_inv_scope *sc, uint64_t key)
{
	uint32_t i = keyset_slot(key), j;

	while (sc->keyset[i].count && sc->keyset[i].key != key)
		i = (i + 1) & (ML_INV_KEYSET - 1);
	if (!sc->keyset[i].count)
		return;
	if (sc->keyset[i].count-- == 2)
		sc->ndup--;
	if (sc->keyset[i].count)
		return;
	/* backward-shift deletion keeps every probe chain unbroken */
	for (j = (i + 1) & (ML_INV_KEYSET - 1); sc->keyset[j].count;
	     j = (j + 1) & (ML_INV_KEYSET - 1)) {
		uint32_t home = keyset_slot(sc->keyset[j].key);

		if (((j - home) & (ML_INV_KEYSET - 1)) >= ((j - i) & (ML_INV_KEYSET - 1))) {
			sc->keyset[i] = sc->keyset[j];
			i = j;
		}
	}
	sc->keyset[i].count = 0;
	sc->keyset[i].key = 0;
}

static void index_update(struct ml_ctx *m, uint32_t v)
{
	struct ml_inv_scope *sc = &m->inv;
	struct ml_inv_irq *x = &sc->irqs[v];
	const struct ml_irq *irq = &m->irq[v];
	int dev = irq->allocated && irq->its_level && irq->its_dev >= 0 &&
		  irq->its_dev < ML_MAX_ITS_DEVS ? irq->its_dev : -1;
	bool user = dev >= 0 && !irq->leaked;
	bool keyed = irq->allocated && irq->domain >= 0;
	uint64_t key = keyed ? hwirq_key(irq) : 0;

	if (dev + 1 != x->dev1 || user != x->user) {
		if (x->dev1) {
			uint32_t old = x->dev1 - 1u;

			if (x->prev)
				sc->irqs[x->prev].next = x->next;
			else
				sc->head[old] = x->next;
			if (x->next)
				sc->irqs[x->next].prev = x->prev;
			sc->nirq[old]--;
			sc->users[old] -= x->user;
		}
		x->dev1 = (uint16_t)(dev + 1);
		x->user = user;
		x->prev = x->next = 0;
		if (dev >= 0) {
			x->next = sc->head[dev];
			if (x->next)
				sc->irqs[x->next].prev = (uint16_t)v;
			sc->head[dev] = (uint16_t)v;
			sc->nirq[dev]++;
			sc->users[dev] += user;
			if ((uint32_t)dev >= sc->ndevs_hw)
				sc->ndevs_hw = (uint32_t)dev + 1;
		}
	}
	if (keyed != x->keyed || key != x->key) {
		if (x->keyed)
			keyset_remove(sc, x->key);
		x->keyed = keyed;
		x->key = key;
		/* a (domain, hwirq) that another irq holds: INV-M3 has news */
		if (keyed && keyset_add(sc, key) >= 2)
			sc->new_dup = true;
	}
	if (v > sc->irqs_hw)
		sc->irqs_hw = v;
}

/* ---- the checks of one step: everything, or the scope of the operation ---- */

static void check_lpis(struct ml_ctx *m, const struct ml_inv_scope *sc)
{
	struct ml_inv_scope *w = &m->inv;

	for (uint32_t i = 0; i < m->cfg.nits; i++) {
		if (sc && !((sc->its >> i) & 1))
			continue;
		if (check_lpi(m, (int)i))
			w->sticky_its |= 1u << i;
		else
			w->sticky_its &= ~(1u << i);
	}
}

static void check_devices(struct ml_ctx *m, const uint64_t *only)
{
	for (uint32_t d = 0; d < m->cfg.ndev; d++) {
		if (!m->dev[d].present || !in_set(only, d))
			continue;
		check_descs(m, (int)d);
		if (m->cfg.dev[d].pci)
			check_pci(m, (int)d);
	}
}

void ml_invariants_full(struct ml_ctx *m)
{
	for (uint32_t v = 1; v <= m->virq_hw; v++)
		index_update(m, v);
	for (uint32_t d = 0; d < m->cfg.ndev; d++)
		if (m->dev[d].present)
			record_blocks(m, (int)d);
	check_its_devices(m, NULL, true);
	check_lpis(m, NULL);
	check_devices(m, NULL);
	check_hwirqs(m);
}

/*
 * ml_build() is about to free every irq: empty the index (its entries go
 * one by one, in time proportional to the irqs the run used).
 */
void ml_inv_reset(struct ml_ctx *m)
{
	struct ml_inv_scope *sc = &m->inv;

	for (uint32_t v = 1; v <= sc->irqs_hw; v++) {
		if (sc->irqs[v].keyed)
			keyset_remove(sc, sc->irqs[v].key);
	}
	memset(&sc->irqs[0], 0, sizeof(sc->irqs[0]) * (sc->irqs_hw + 1));
	memset(sc->head, 0, sizeof(sc->head[0]) * sc->ndevs_hw);
	memset(sc->nirq, 0, sizeof(sc->nirq[0]) * sc->ndevs_hw);
	memset(sc->users, 0, sizeof(sc->users[0]) * sc->ndevs_hw);
	sc->irqs_hw = 0;
	sc->ndevs_hw = 0;
	sc->ndup = 0;
	sc->nbefore = 0;
	sc->open = false;
	/* the start state has ITSes and nothing else to check: the first step
	 * checks them whatever it does */
	sc->sticky_its = ~0u;
}

/*
 * Everything the operation's device reaches now: the device, its ITS, the
 * its_devices its irqs and its domain's template point at; before the
 * operation, the list of its irqs (to update their index entries after
 * it, whatever became of them); after it, the index entries of its irqs.
 */
static void scope_reach(struct ml_ctx *m, int dev, bool before)
{
	struct ml_inv_scope *sc = &m->inv;
	const struct ml_device *dv = &m->dev[dev];

	set_add(sc->devs, (uint32_t)dev);
	sc->its |= 1u << m->cfg.dev[dev].its;
	for (int i = dv->desc_head; i >= 0; i = m->desc[i].next) {
		const struct ml_desc *ds = &m->desc[i];
		uint8_t order = ds->nvec_used > 1 ? (uint8_t)get_count_order(ds->nvec_used) : 0;

		for (uint32_t n = 0; ds->irq && n < ds->nvec_used; n++) {
			uint32_t v = ds->irq + n;
			struct ml_irq *irq = &m->irq[v];

			if (v >= ML_MAX_VIRQ)
				break;
			if (before) {
				if (sc->nbefore < ML_MAX_VIRQ)
					sc->before[sc->nbefore++] = v;
			} else {
				if (irq->allocated && irq->desc == i)
					irq->inv_block = order;		/* record_blocks() */
				index_update(m, v);
			}
			if (irq->allocated && irq->its_level && irq->its_dev >= 0 &&
			    irq->its_dev < ML_MAX_ITS_DEVS)
				set_add(sc->itsdevs, (uint32_t)irq->its_dev);
		}
	}
	if (dv->domain >= 0) {
		const struct ml_domain *dm = &m->dom[dv->domain];

		if (dm->template.its_dev >= 0 && dm->template.its_dev < ML_MAX_ITS_DEVS)
			set_add(sc->itsdevs, (uint32_t)dm->template.its_dev);
		if (dm->prep_its_dev >= 0 && dm->prep_its_dev < ML_MAX_ITS_DEVS)
			set_add(sc->itsdevs, (uint32_t)dm->prep_its_dev);
	}
}

void ml_inv_begin(struct ml_ctx *m, const struct ml_op *op)
{
	struct ml_inv_scope *sc = &m->inv;

	memset(sc->devs, 0, sizeof(sc->devs));
	memset(sc->itsdevs, 0, sizeof(sc->itsdevs));
	sc->open = true;
	sc->nbefore = 0;
	sc->its = sc->sticky_its;
	sc->new_dup = false;
	sc->dev_add = false;
	sc->dev = -1;
	sc->itsdev_gen = m->itsdev_gen;
	sc->all = m->full_check || m->cfg.x86;
	if (sc->all)
		return;
	switch (op->kind) {
	case ML_OP_FAULT:
		return;		/* arms a fault point: no object changes */
	case ML_OP_CPU_ONLINE:
	case ML_OP_CPU_OFFLINE:
		/* on the ITS, hotplug moves LPIs between collections (irq->cpu,
		 * MOVI): no state invariant reads a CPU (x86 checks everything) */
		return;
	case ML_OP_PCI_ENABLE_DEVICE:
	case ML_OP_PCIM_ENABLE_DEVICE:
	case ML_OP_PCI_ALLOC_IRQ_VECTORS:
	case ML_OP_PCIM_ALLOC_IRQ_VECTORS:
	case ML_OP_PCI_ENABLE_MSI:
	case ML_OP_PCI_ENABLE_MSIX_RANGE:
	case ML_OP_PCI_DISABLE_MSI:
	case ML_OP_PCI_DISABLE_MSIX:
	case ML_OP_PCI_FREE_IRQ_VECTORS:
	case ML_OP_REQUEST_IRQ:
	case ML_OP_FREE_IRQ:
	case ML_OP_DRIVER_UNBIND:
	case ML_OP_DEVICE_REMOVE:
	case ML_OP_DEVICE_ADD:
	case ML_OP_MSI_CREATE_DEVICE_IRQ_DOMAIN:
	case ML_OP_MSI_REMOVE_DEVICE_IRQ_DOMAIN:
	case ML_OP_MSI_DOMAIN_ALLOC_IRQS_RANGE:
	case ML_OP_MSI_DOMAIN_FREE_IRQS_RANGE:
	case ML_OP_MSI_DOMAIN_ALLOC_IRQ_AT:
	case ML_OP_MSI_DEVICE_DOMAIN_ALLOC_WIRED:
	case ML_OP_PLATFORM_DEVICE_MSI_INIT_AND_ALLOC_IRQS:
	case ML_OP_PLATFORM_DEVICE_MSI_FREE_IRQS_ALL:
		if (op->dev < 0 || (uint32_t)op->dev >= m->cfg.ndev) {
			sc->all = true;	/* refused anyway */
			return;
		}
		sc->dev = op->dev;
		scope_reach(m, op->dev, true);
		/* device_add clears the device's reported flags: its leaked irqs
		 * may now report INV-M3 */
		sc->dev_add = op->kind == ML_OP_DEVICE_ADD;
		return;
	default:
		/* an operation with no rule here is not bounded: check everything */
		sc->all = true;
		return;
	}
}

/*
 * After the operation: what its device reaches now (its irqs' index
 * entries updated, and those of the irqs it had before), the its_devices
 * created, and every its_device a prepare of this device could find by
 * DevID, or that shares a DevID with one in scope (INV-I7 reports on the
 * lower index of a pair).
 */
static void scope_complete(struct ml_ctx *m)
{
	struct ml_inv_scope *sc = &m->inv;
	struct ml_inv_key *keys = sc->keys;
	uint32_t nkeys = 0;

	if (sc->dev >= 0) {
		scope_reach(m, sc->dev, false);
		for (uint32_t i = 0; i < sc->nbefore; i++)
			index_update(m, sc->before[i]);
		keys[nkeys].its = m->cfg.dev[sc->dev].its;
		keys[nkeys++].devid = m->cfg.dev[sc->dev].devid;
	}
	for (uint32_t i = 0; i < m->nitsdev; i++)
		if (m->itsdev[i].live && m->itsdev[i].gen > sc->itsdev_gen)
			set_add(sc->itsdevs, i);
	for (uint32_t i = 0; i < m->nitsdev; i++) {
		if (!in_set(sc->itsdevs, i))
			continue;
		keys[nkeys].its = m->itsdev[i].its;
		keys[nkeys++].devid = m->itsdev[i].devid;
		sc->its |= 1u << m->itsdev[i].its;
	}
	for (uint32_t i = 0; i < m->nitsdev; i++) {
		const struct ml_its_device *d = &m->itsdev[i];

		if (!d->live || in_set(sc->itsdevs, i))
			continue;
		for (uint32_t k = 0; k < nkeys; k++) {
			if (keys[k].its == d->its && keys[k].devid == d->devid) {
				set_add(sc->itsdevs, i);
				break;
			}
		}
	}
}

void ml_invariants_state(struct ml_ctx *m)
{
	struct ml_inv_scope *sc = &m->inv;

	if (!sc->open || sc->all) {
		ml_invariants_full(m);
		sc->open = false;
		return;
	}
	scope_complete(m);	/* record_blocks() of the operation's device too */
	check_its_devices(m, sc->itsdevs, false);
	check_lpis(m, sc);
	check_devices(m, sc->devs);
	/* INV-M3 can only report when a (domain, hwirq) gained an irq, or when
	 * a device that holds a shared one forgot what it reported */
	if (sc->new_dup || (sc->dev_add && sc->ndup))
		check_hwirqs(m);
	sc->open = false;
}
