// SPDX-License-Identifier: GPL-2.0
/*
 * its.c - the GICv3 ITS driver's MSI side: the msi-parent prepare flavours
 * (drivers/irqchip/irq-gic-v3-its-msi-parent.c, v6.1 its-pci-msi.c), the ITS
 * core (drivers/irqchip/irq-gic-v3-its.c): its_msi_prepare(),
 * its_create_device(), EventID allocation, activation, free, and v6.16's
 * its_msi_teardown().  Every command sent goes through the hardware checker
 * (its_hw.c).
 */
#include <stdio.h>
#include <string.h>

#include "internals.h"

#define ITS_ITT_ALIGN	256u

int its_init(struct ml_ctx *m, int its)
{
	struct ml_its *s = &m->its[its];

	s->cfg = m->cfg.its[its];
	its_lpi_init(&s->lpi, s->cfg.lpi_bits, s->cfg.num_lpis);
	s->lost_lpis = 0;
	s->lost_bug = NULL;
	s->lost_reported = 0;
	s->global_domain = -1;
	if (!ml_sw(m, ML_SW_PER_DEVICE_DOMAINS)) {
		/* v6.1 its_pci_msi_init_one(): the global "ITS-PCI-MSI" domain */
		int d = -1;

		for (uint32_t i = 0; i < m->ndom; i++) {
			if (!m->dom[i].live) {
				d = (int)i;
				break;
			}
		}
		if (d < 0) {
			if (m->ndom >= ML_MAX_DOMAINS)
				return -1;
			d = (int)m->ndom++;
		}
		memset(&m->dom[d], 0, sizeof(m->dom[d]));
		m->dom[d].live = true;
		m->dom[d].kind = ML_DOM_GLOBAL_PCI;
		m->dom[d].dev = -1;
		m->dom[d].its = its;
		m->dom[d].hwsize = UINT32_MAX;
		m->dom[d].gen = ++m->dom_gen;
		m->dom[d].template.its_dev = -1;
		s->global_domain = d;
	}
	return 0;
}

bool its_dev_valid(const struct ml_ctx *m, int its_dev, uint32_t gen)
{
	return its_dev >= 0 && (uint32_t)its_dev < m->nitsdev &&
	       m->itsdev[its_dev].live && m->itsdev[its_dev].gen == gen;
}

static int its_find_device(const struct ml_ctx *m, int its, uint32_t devid)
{
	for (uint32_t i = 0; i < m->nitsdev; i++) {
		const struct ml_its_device *d = &m->itsdev[i];

		if (d->live && d->its == its && d->devid == devid)
			return (int)i;
	}
	return -1;
}

/* ---- commands ---- */

static void hw_verdict(struct ml_ctx *m, int rc, const char *why)
{
	if (!rc)
		return;
	if (rc == ITS_HW_E_CAPACITY) {
		ml_limit(m, "the ITS command checker is full: %s", why);
		return;
	}
	ml_violate(m, "INV-I5", its_hw_problem_bug(rc), "%s", why);
}

/* its_send_mapd() / its_build_mapd_cmd() */
static void its_send_mapd(struct ml_ctx *m, struct ml_its_device *d, bool valid)
{
	struct ml_event ev;
	char why[200];

	ml_event_init(&ev, ML_EV_MAPD);
	ev.devid = d->devid;
	ev.nr_ites = d->nr_ites;
	ev.valid = valid;
	ml_emit(m, &ev);
	hw_verdict(m, its_hw_mapd(&m->its[d->its].hw, d->devid, d->nr_ites, valid,
				  why, sizeof(why)), why);
}

static void its_send_sync(struct ml_ctx *m, uint32_t cpu)
{
	struct ml_event ev;

	if (!ml_traced(m, ML_EV_SYNC))
		return;
	ml_event_init(&ev, ML_EV_SYNC);
	ev.cpu = cpu;
	ml_emit(m, &ev);
}

/* ---- LPIs ---- */

/* its_lpi_free(): a failed free_lpi_range() is a WARN and a permanent leak */
static void ml_its_lpi_free(struct ml_ctx *m, struct ml_its_device *d)
{
	struct ml_its *s = &m->its[d->its];
	struct ml_event ev;

	ml_event_init(&ev, ML_EV_ITS_LPI_FREE);
	ev.lpi_base = d->lpi_base;
	ev.nr_lpis = d->nr_lpis;
	ml_emit(m, &ev);
	if (its_lpi_free(&s->lpi, &m->faults, d->lpi_base, d->nr_lpis)) {
		ml_warn(m, "its_lpi_free", false, "WARN_ON(free_lpi_range(%u, %u))",
			d->lpi_base, d->nr_lpis);
		s->lost_lpis += d->nr_lpis;
		s->lost_bug = "free_lpi_range";
	}
}

/* its_free_device(): unlink, free col_map, ITT and the device */
static void its_free_device(struct ml_ctx *m, struct ml_its_device *d)
{
	struct ml_event ev;

	if (d->shared)
		ml_violate(m, "INV-I8", NULL, "its_device DevID 0x%x is shared but freed", d->devid);
	ml_event_init(&ev, ML_EV_ITS_FREE_DEVICE);
	ev.devid = d->devid;
	ml_emit(m, &ev);
	ml_arena_free(m, d->map, 3 * d->words);
	d->live = false;
}

/*
 * v6.1 / v6.12 / v6.16 drivers/irqchip/irq-gic-v3-its.c: its_create_device().
 * Note the order: the device and the ITT are allocated before the LPIs, and
 * the failure path frees only the LPI bitmap, never the range (B13).
 */
static int its_create_device(struct ml_ctx *m, int its, uint32_t dev_id, uint32_t nvecs)
{
	struct ml_its *s = &m->its[its];
	struct ml_its_device *d;
	struct ml_event ev;
	bool dev_ok, itt_ok, col_ok = false, lpi_ok;
	uint32_t lpi_base = 0, nr_lpis = 0, nr_ites, sz, words;
	int idx = -1;

	ml_event_init(&ev, ML_EV_ITS_CREATE_DEVICE);
	ev.devid = dev_id;
	ev.nvecs = nvecs;
	ev.has_ret = true;

	/* its_alloc_device_table(): DevID beyond the Device table */
	if ((s->cfg.devid_bits < 32 && dev_id >> s->cfg.devid_bits) ||
	    ml_should_fail(&m->faults, ML_F_ITS_ALLOC_DEVICE_TABLE)) {
		ev.ret = ML_ENOMEM;
		ml_emit(m, &ev);
		return -1;
	}
	if (!is_power_of_2(nvecs)) {
		ml_warn(m, "its_create_device", false, "WARN_ON(!is_power_of_2(nvecs)): %u", nvecs);
		nvecs = roundup_pow_of_two(nvecs);
	}
	if (ml_sw(m, ML_SW_ITS_EVENTID_CLAMP) && s->cfg.event_bits < 32 &&
	    nvecs > (1u << s->cfg.event_bits))
		nvecs = 1u << s->cfg.event_bits;
	/* "we need at least one bit" */
	nr_ites = nvecs < 2 ? 2 : nvecs;
	sz = nr_ites * s->cfg.ite_size;
	sz = sz < ITS_ITT_ALIGN ? ITS_ITT_ALIGN : sz;
	if (!ml_sw(m, ML_SW_ITT_SIZE_UNPADDED))
		sz += ITS_ITT_ALIGN - 1;

	dev_ok = !ml_should_fail(&m->faults, ML_F_ITS_CREATE_DEVICE_DEV);
	itt_ok = !ml_should_fail(&m->faults, ML_F_ITS_CREATE_DEVICE_ITT);
	lpi_ok = its_lpi_alloc(&s->lpi, &m->faults, nvecs, &lpi_base, &nr_lpis) == 0;
	if (lpi_ok)
		col_ok = !ml_should_fail(&m->faults, ML_F_ITS_CREATE_DEVICE_COL_MAP);

	for (uint32_t i = 0; i < m->nitsdev; i++) {
		if (!m->itsdev[i].live) {
			idx = (int)i;
			break;
		}
	}
	if (idx < 0 && m->nitsdev < ML_MAX_ITS_DEVS)
		idx = (int)m->nitsdev;
	if (idx < 0)
		ml_limit(m, "more than %u ITS devices", ML_MAX_ITS_DEVS);
	words = (nr_lpis + 63) / 64;
	if (!words)
		words = 1;
	if (idx < 0 || !dev_ok || !itt_ok || !col_ok || !lpi_ok) {
		if (lpi_ok) {
			/* only bitmap_free(lpi_map): the LPI range is lost for good */
			s->lost_lpis += nr_lpis;
			s->lost_bug = "B13";
		}
		ev.ret = ML_ENOMEM;
		ml_emit(m, &ev);
		return -1;
	}
	d = &m->itsdev[idx];
	memset(d, 0, sizeof(*d));
	if (ml_arena_alloc(m, 3 * words, &d->map)) {
		ml_limit(m, "the EventID bitmap arena (%u words) is full", ML_ARENA_WORDS);
		ev.ret = ML_ENOMEM;
		ml_emit(m, &ev);
		return -1;
	}
	if ((uint32_t)idx == m->nitsdev)
		m->nitsdev++;
	d->pad = d->map + words;
	d->fail = d->map + 2 * words;
	d->words = words;
	d->live = true;
	d->its = its;
	d->gen = ++m->itsdev_gen;
	d->devid = dev_id;
	d->nvecs = nvecs;
	d->nr_ites = nr_ites;
	d->itt_bytes = sz;
	d->lpi_base = lpi_base;
	d->nr_lpis = nr_lpis;
	d->creator = -1;
	its_send_mapd(m, d, true);

	ev.nvecs = nvecs;
	ev.nr_ites = nr_ites;
	ev.lpi_base = lpi_base;
	ev.nr_lpis = nr_lpis;
	ev.ret = 0;
	ml_emit(m, &ev);
	return idx;
}

/*
 * v6.1..v6.18 drivers/irqchip/irq-gic-v3-its.c: its_msi_prepare().  A DevID
 * already on the list is reused and marked shared, whatever nvec is now;
 * the device pointer always overwrites the DevID in scratchpad[0].
 */
static int its_msi_prepare(struct ml_ctx *m, int its, int dev, uint32_t nvec,
			   struct ml_alloc_info *info)
{
	uint32_t dev_id = info->devid;
	struct ml_event ev;
	int idx, ret = 0;

	idx = its_find_device(m, its, dev_id);
	if (idx >= 0) {
		struct ml_its_device *d = &m->itsdev[idx];

		if (!d->shared)
			d->shared_cause = d->creator == dev ? ML_SHARED_REPREPARE : ML_SHARED_ALIAS;
		d->shared = true;		/* "Reusing ITT for devID" */
	} else {
		idx = its_create_device(m, its, dev_id, nvec);
		if (idx < 0) {
			ret = ML_ENOMEM;
		} else {
			m->itsdev[idx].creator = dev;
			if (info->proxy) {
				m->itsdev[idx].shared = true;
				m->itsdev[idx].shared_cause = ML_SHARED_ALIAS;
			}
		}
	}
	info->is_ptr = true;
	info->its_dev = idx;
	info->its_dev_gen = idx >= 0 ? m->itsdev[idx].gen : 0;

	ml_event_init(&ev, ML_EV_ITS_MSI_PREPARE);
	ev.dev = dev;
	ev.devid = dev_id;
	ev.nvec = (int32_t)nvec;
	ev.ret = ret;
	ev.has_ret = true;
	ml_emit(m, &ev);
	return ret;
}

/*
 * its_pci_msi_prepare(): v6.1 drivers/irqchip/irq-gic-v3-its-pci-msi.c, v6.11+
 * irq-gic-v3-its-msi-parent.c.  DevID after DMA aliasing, the 6.11-6.15
 * hwsize bump, the alias count, 32 for DevID 0, power-of-two rounding.
 */
int its_pci_msi_prepare(struct ml_ctx *m, int domain, int dev, int nvec,
			struct ml_alloc_info *info)
{
	const struct ml_dev_config *c = &m->cfg.dev[dev];
	uint32_t n = nvec > 0 ? (uint32_t)nvec : 0;
	uint32_t alias_count = 0, min;

	if (!c->pci)
		return ML_EINVAL;
	if (c->alias >= 0) {
		/* the last DMA alias is another device: count its whole bus */
		for (uint32_t i = 0; i < m->cfg.ndev; i++) {
			const struct ml_dev_config *o = &m->cfg.dev[i];

			if (o->alias == c->alias && m->dev[i].present)
				alias_count += o->msi > o->msix ? o->msi : o->msix;
		}
		info->proxy = true;
	}
	info->devid = c->devid;
	info->is_ptr = false;
	if (ml_sw(m, ML_SW_ITS_HWSIZE_BUMP) && m->dom[domain].kind != ML_DOM_GLOBAL_PCI &&
	    m->dom[domain].hwsize > n)
		n = m->dom[domain].hwsize;
	if (alias_count > n)
		n = alias_count;
	min = c->devid == 0 ? 32 : 1;
	n = roundup_pow_of_two(n ? n : 1);
	if (n < min)
		n = min;
	return its_msi_prepare(m, c->its, dev, n, info);
}

/* v6.11+ irq-gic-v3-its-msi-parent.c: its_pmsi_prepare() */
int its_pmsi_prepare(struct ml_ctx *m, int domain, int dev, int nvec,
		     struct ml_alloc_info *info)
{
	const struct ml_dev_config *c = &m->cfg.dev[dev];
	uint32_t n = nvec > 0 ? (uint32_t)nvec : 0;

	info->devid = c->devid;
	info->is_ptr = false;
	if (ml_sw(m, ML_SW_ITS_HWSIZE_BUMP) && m->dom[domain].hwsize > n)
		n = m->dom[domain].hwsize;
	n = roundup_pow_of_two(n ? n : 1);
	if (n < 32)
		n = 32;
	return its_msi_prepare(m, c->its, dev, n, info);
}

/*
 * v6.16 drivers/irqchip/irq-gic-v3-its.c: its_msi_teardown(): shared devices
 * stay; a device with EventIDs still set is WARNed about and leaked.
 */
void its_msi_teardown(struct ml_ctx *m, int domain, struct ml_alloc_info *info)
{
	struct ml_its_device *d;
	struct ml_event ev;
	int idx = info->its_dev;

	if (ml_sw(m, ML_SW_ITS_TEARDOWN_BY_DEVID)) {
		/*
		 * v1 of the series read scratchpad[0].ul as a DevID, but
		 * its_msi_prepare() had replaced it with the its_device pointer.
		 */
		if (info->is_ptr) {
			ml_violate(m, "INV-P3", "B5",
				   "its_msi_teardown on the domain of %s reads scratchpad[0] as a DevID "
				   "but its_msi_prepare stored the its_device pointer there: the lookup "
				   "misses and its_dev->shared dereferences NULL",
				   ml_dev_name(m, m->dom[domain].dev));
			return;
		}
		idx = its_find_device(m, m->dom[domain].its, info->devid);
	}
	if (!its_dev_valid(m, idx, info->its_dev_gen)) {
		ml_violate(m, "INV-I6", NULL,
			   "its_msi_teardown on the domain of %s uses an its_device that was freed",
			   ml_dev_name(m, m->dom[domain].dev));
		return;
	}
	if ((idx != m->dom[domain].prep_its_dev || info->its_dev_gen != m->dom[domain].prep_gen) &&
	    !m->dom[domain].p3_reported) {
		m->dom[domain].p3_reported = true;
		ml_violate(m, "INV-P3", NULL,
			   "its_msi_teardown on the domain of %s operates on DevID 0x%x, not on the "
			   "its_device its prepare created or found", ml_dev_name(m, m->dom[domain].dev),
			   m->itsdev[idx].devid);
	}
	d = &m->itsdev[idx];
	ml_event_init(&ev, ML_EV_ITS_MSI_TEARDOWN);
	ev.devid = d->devid;
	ml_emit(m, &ev);
	if (d->shared)
		return;
	if (!bitmap_empty(ml_words(m, d->map), d->nr_lpis)) {
		ml_warn(m, "its_msi_teardown", true,
			"WARN_ON_ONCE(!bitmap_empty(its_dev->event_map.lpi_map)): DevID 0x%x still "
			"has %u EventID(s) set", d->devid,
			bitmap_weight(ml_words(m, d->map), d->nr_lpis));
		return;
	}
	ml_its_lpi_free(m, d);
	its_send_mapd(m, d, false);
	its_free_device(m, d);
}

/* ---- EventIDs ---- */

/*
 * its_alloc_device_irq(): a naturally aligned power-of-two region; with the
 * July 2024 proof of concept, exactly @nvecs bits wherever they fit.
 */
static int its_alloc_device_irq(struct ml_ctx *m, struct ml_its_device *d, uint32_t nvecs,
				uint32_t *event)
{
	uint64_t *map = ml_words(m, d->map);
	int pos;

	if (ml_sw(m, ML_SW_ITS_EXACT_EVENTID_COUNT)) {
		unsigned long p = bitmap_find_next_zero_area(map, d->nr_lpis, 0, nvecs, 0);

		if (p >= d->nr_lpis)
			return ML_ENOSPC;
		bitmap_set(map, (unsigned int)p, nvecs);
		*event = (uint32_t)p;
		return 0;
	}
	pos = bitmap_find_free_region(map, d->nr_lpis, get_count_order(nvecs));
	if (pos < 0)
		return ML_ENOSPC;
	*event = (uint32_t)pos;
	/* the padding of a non-power-of-two request is never freed (B3) */
	if ((1u << get_count_order(nvecs)) > nvecs)
		bitmap_set(ml_words(m, d->pad), (unsigned int)pos + nvecs,
			   (1u << get_count_order(nvecs)) - nvecs);
	return 0;
}

static void its_alloc_fail(struct ml_ctx *m, struct ml_its_device *d, uint32_t nr, int ret)
{
	struct ml_event ev;

	ml_event_init(&ev, ML_EV_ITS_ALLOC_FAIL);
	ev.devid = d->devid;
	ev.nr = nr;
	ev.ret = ret;
	ev.has_ret = true;
	ml_emit(m, &ev);
}

/*
 * v6.1..v6.18 drivers/irqchip/irq-gic-v3-its.c: its_irq_domain_alloc().
 * Errors after the region was taken return without releasing it (B7).
 */
int its_irq_domain_alloc(struct ml_ctx *m, uint32_t virq, uint32_t nr_irqs,
			 const struct ml_alloc_info *info)
{
	struct ml_its_device *d;
	uint32_t event, span;
	int ret;

	if (!info->is_ptr || !its_dev_valid(m, info->its_dev, info->its_dev_gen)) {
		ml_violate(m, "INV-I6", NULL,
			   "its_irq_domain_alloc for irq %u uses an its_device that does not exist "
			   "(scratchpad[0].ptr %s)", virq, info->is_ptr ? "is stale" : "was never set");
		return ML_EINVAL;
	}
	d = &m->itsdev[info->its_dev];
	ret = its_alloc_device_irq(m, d, nr_irqs, &event);
	if (ret) {
		if (bitmap_empty(ml_words(m, d->map), d->nr_lpis))
			d->failed_empty = true;
		its_alloc_fail(m, d, nr_irqs, ret);
		return ret;
	}
	span = ml_sw(m, ML_SW_ITS_EXACT_EVENTID_COUNT) ? nr_irqs : 1u << get_count_order(nr_irqs);

	if (ml_should_fail(&m->faults, ML_F_IOMMU_DMA_PREPARE_MSI)) {
		bitmap_set(ml_words(m, d->fail), event, span);
		its_alloc_fail(m, d, nr_irqs, ML_ENOMEM);
		return ML_ENOMEM;
	}
	for (uint32_t i = 0; i < nr_irqs; i++) {
		struct ml_irq *irq = &m->irq[virq + i];
		struct ml_event ev;

		if (ml_should_fail(&m->faults, ML_F_GIC_IRQ_ALLOC)) {
			/* the core drops the irq_data of this batch, the bits stay */
			for (uint32_t j = 0; j < i; j++)
				m->irq[virq + j].its_level = false;
			bitmap_set(ml_words(m, d->fail), event, span);
			its_alloc_fail(m, d, nr_irqs, ML_ENOMEM);
			return ML_ENOMEM;
		}
		irq->its_level = true;
		irq->its = d->its;
		irq->its_dev = info->its_dev;
		irq->its_dev_gen = info->its_dev_gen;
		irq->eventid = event + i;
		irq->lpi = d->lpi_base + event + i;

		if (ml_traced(m, ML_EV_ITS_IRQ)) {
			ml_event_init(&ev, ML_EV_ITS_IRQ);
			ev.devid = d->devid;
			ev.virq = virq + i;
			ev.eventid = event + i;
			ev.lpi = irq->lpi;
			ml_emit(m, &ev);
		}
	}
	return 0;
}

/*
 * its_irq_domain_free(): one bit per call (nr_irqs is always 1 since
 * v5.11); before v6.16 the device goes with its last EventID unless shared.
 */
void its_irq_domain_free(struct ml_ctx *m, uint32_t virq, uint32_t nr_irqs)
{
	struct ml_irq *irq = &m->irq[virq];
	struct ml_its_device *d;

	if (irq->its_dev < 0 || !its_dev_valid(m, irq->its_dev, irq->its_dev_gen)) {
		ml_violate(m, "INV-I6", NULL, "its_irq_domain_free for irq %u on a freed its_device",
			   virq);
		return;
	}
	d = &m->itsdev[irq->its_dev];
	if (ml_sw(m, ML_SW_ITS_EXACT_EVENTID_COUNT))
		bitmap_clear(ml_words(m, d->map), irq->eventid, nr_irqs);
	else
		bitmap_release_region(ml_words(m, d->map), irq->eventid, get_count_order(nr_irqs));
	irq->its_level = false;
	irq->its_dev = -1;

	if (ml_sw(m, ML_SW_ITS_FREE_ON_EMPTY) && !d->shared &&
	    bitmap_empty(ml_words(m, d->map), d->nr_lpis)) {
		ml_its_lpi_free(m, d);
		its_send_mapd(m, d, false);
		its_free_device(m, d);
	}
}

/* its_select_cpu(): the least loaded online CPU (cpumask_pick_least_loaded) */
static int its_select_cpu(const struct ml_ctx *m)
{
	int best = -1;

	for (uint32_t c = 0; c < m->cfg.cpus; c++) {
		if (!ml_cpu_online(m, c))
			continue;
		if (best < 0 || m->cpu_lpis[c] < m->cpu_lpis[best])
			best = (int)c;
	}
	return best;
}

/* its_irq_domain_activate(): MAPTI then SYNC to the target's collection */
/* INV-I6: every use of an its_device must find it on the ITS's list */
static bool irq_dev_ok(struct ml_ctx *m, uint32_t virq, const char *what)
{
	const struct ml_irq *irq = &m->irq[virq];

	if (irq->its_dev >= 0 && its_dev_valid(m, irq->its_dev, irq->its_dev_gen))
		return true;
	ml_violate(m, "INV-I6", NULL, "%s of irq %u uses an its_device that was freed", what, virq);
	return false;
}

int its_irq_domain_activate(struct ml_ctx *m, uint32_t virq)
{
	struct ml_irq *irq = &m->irq[virq];
	struct ml_its_device *d;
	struct ml_event ev;
	char why[200];
	int cpu;

	if (!irq_dev_ok(m, virq, "its_irq_domain_activate"))
		return ML_EINVAL;
	d = &m->itsdev[irq->its_dev];
	cpu = its_select_cpu(m);
	if (cpu < 0)
		return ML_EINVAL;
	irq->cpu = (uint32_t)cpu;
	m->cpu_lpis[cpu]++;
	if (ml_traced(m, ML_EV_MAPTI)) {
		ml_event_init(&ev, ML_EV_MAPTI);
		ev.devid = d->devid;
		ev.eventid = irq->eventid;
		ev.lpi = irq->lpi;
		ev.cpu = (uint32_t)cpu;
		ml_emit(m, &ev);
	}
	hw_verdict(m, its_hw_mapti(&m->its[d->its].hw, d->devid, irq->eventid, irq->lpi,
				   (uint32_t)cpu, why, sizeof(why)), why);
	its_send_sync(m, (uint32_t)cpu);
	return 0;
}

/* its_irq_domain_deactivate(): DISCARD then SYNC */
void its_irq_domain_deactivate(struct ml_ctx *m, uint32_t virq)
{
	struct ml_irq *irq = &m->irq[virq];
	struct ml_its_device *d;
	struct ml_event ev;
	char why[200];

	if (!irq_dev_ok(m, virq, "its_irq_domain_deactivate"))
		return;
	d = &m->itsdev[irq->its_dev];
	if (m->cpu_lpis[irq->cpu])
		m->cpu_lpis[irq->cpu]--;
	if (ml_traced(m, ML_EV_DISCARD)) {
		ml_event_init(&ev, ML_EV_DISCARD);
		ev.devid = d->devid;
		ev.eventid = irq->eventid;
		ml_emit(m, &ev);
	}
	hw_verdict(m, its_hw_discard(&m->its[d->its].hw, d->devid, irq->eventid,
				     why, sizeof(why)), why);
	its_send_sync(m, irq->cpu);
}

/* CPU hotplug: its_set_affinity() moves every LPI off the dying CPU (MOVI) */
void its_cpu_offline(struct ml_ctx *m, uint32_t cpu)
{
	for (uint32_t v = 1; v <= m->virq_hw; v++) {
		struct ml_irq *irq = &m->irq[v];
		struct ml_its_device *d;
		struct ml_event ev;
		char why[200];
		int to;

		if (!irq->allocated || !irq->its_level || !irq->activated || irq->cpu != cpu)
			continue;
		if (!irq_dev_ok(m, v, "its_set_affinity"))
			continue;
		to = its_select_cpu(m);
		if (to < 0)
			continue;
		d = &m->itsdev[irq->its_dev];
		if (m->cpu_lpis[cpu])
			m->cpu_lpis[cpu]--;
		m->cpu_lpis[to]++;
		irq->cpu = (uint32_t)to;
		if (ml_traced(m, ML_EV_MOVI)) {
			ml_event_init(&ev, ML_EV_MOVI);
			ev.devid = d->devid;
			ev.eventid = irq->eventid;
			ev.cpu = (uint32_t)to;
			ml_emit(m, &ev);
		}
		hw_verdict(m, its_hw_movi(&m->its[d->its].hw, d->devid, irq->eventid,
					  (uint32_t)to, why, sizeof(why)), why);
		its_send_sync(m, (uint32_t)to);
	}
}
