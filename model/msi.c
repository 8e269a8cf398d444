// SPDX-License-Identifier: GPL-2.0
/*
 * msi.c - the genirq/MSI core (kernel/irq/msi.c): device MSI data,
 * descriptors, per-device MSI domains, allocation with its rollback and
 * free, in the flavour of each modelled version:
 *   v6.1     one global PCI/MSI domain per ITS, prepare per allocation
 *            (msi_domain_alloc_irqs_descs_locked)
 *   v6.2-15  per-device domains, prepare per allocation (spec §2.5)
 *   v6.16+   prepare once at domain creation, teardown at removal (§2.6)
 */
#include <stdio.h>
#include <string.h>

#include "internals.h"

/* MSI_MAX_INDEX + 1: the default size of a device domain */
#define MSI_XA_DOMAIN_SIZE	65536u

int ml_domain_new(struct ml_ctx *m)
{
	for (uint32_t i = 0; i < m->ndom; i++) {
		if (!m->dom[i].live) {
			memset(&m->dom[i], 0, sizeof(m->dom[i]));
			m->dom[i].gen = ++m->dom_gen;
			return (int)i;
		}
	}
	if (m->ndom >= ML_MAX_DOMAINS)
		return -1;
	memset(&m->dom[m->ndom], 0, sizeof(m->dom[0]));
	m->dom[m->ndom].gen = ++m->dom_gen;
	return (int)m->ndom++;
}

/* The domain a device allocates from: slot 0 (v6.2+) or its ITS's global one. */
int ml_dev_domain(const struct ml_ctx *m, int dev)
{
	if (ml_sw(m, ML_SW_PER_DEVICE_DOMAINS))
		return m->dev[dev].domain;
	if (m->cfg.x86)
		return m->x86.global_domain;
	return m->its[m->cfg.dev[dev].its].global_domain;
}

uint32_t ml_domain_hwsize(const struct ml_ctx *m, int domain)
{
	return domain >= 0 ? m->dom[domain].hwsize : 0;
}

static bool domain_is_pci(const struct ml_domain *d)
{
	return d->kind == ML_DOM_GLOBAL_PCI || d->kind == ML_DOM_PCI_MSI ||
	       d->kind == ML_DOM_PCI_MSIX;
}

static void domain_name(const struct ml_ctx *m, int domain, char *buf, size_t n)
{
	const struct ml_domain *d = &m->dom[domain];
	static const char *const prefix[] = {
		[ML_DOM_GLOBAL_PCI] = "ITS-PCI-MSI", [ML_DOM_PCI_MSI] = "ITS-PCI-MSI-",
		[ML_DOM_PCI_MSIX] = "ITS-PCI-MSIX-", [ML_DOM_PLATFORM] = "ITS-pMSI-",
		[ML_DOM_WIRED] = "ITS-wired-",
	};

	if (m->cfg.x86 && d->kind == ML_DOM_GLOBAL_PCI)
		snprintf(buf, n, "the global PCI-MSI domain");
	else if (m->cfg.x86 && (d->kind == ML_DOM_X86_DMAR || d->kind == ML_DOM_X86_HPET))
		snprintf(buf, n, "the %s domain", d->kind == ML_DOM_X86_DMAR ? "DMAR-MSI" : "HPET-MSI");
	else if (m->cfg.x86)
		snprintf(buf, n, "%s%s", d->kind == ML_DOM_PCI_MSIX ? "PCI-MSIX-" : "PCI-MSI-",
			 ml_dev_name(m, d->dev));
	else if (d->kind == ML_DOM_GLOBAL_PCI)
		snprintf(buf, n, "the global ITS-PCI-MSI domain");
	else
		snprintf(buf, n, "%s%s", prefix[d->kind], ml_dev_name(m, d->dev));
}

/* ---- device MSI data and descriptors ---- */

void ml_devres_add(struct ml_ctx *m, int dev, enum ml_devres_kind kind);

/* v6.1..v6.18 kernel/irq/msi.c: msi_setup_device_data(): devres, first time only */
bool msi_setup_device_data(struct ml_ctx *m, int dev)
{
	struct ml_device *d = &m->dev[dev];

	if (d->has_msi_data)
		return true;
	d->has_msi_data = true;
	d->prepares = 0;
	d->p1_reported = false;
	ml_devres_add(m, dev, ML_DEVRES_MSI_DEVICE_DATA);
	return true;
}

int msi_find_desc(const struct ml_ctx *m, int dev, uint32_t index)
{
	int tail = m->dev[dev].desc_tail;

	if (tail < 0 || index > m->desc[tail].index)
		return -1;
	if (index == m->desc[tail].index)
		return tail;
	for (int i = m->dev[dev].desc_head; i >= 0; i = m->desc[i].next) {
		if (m->desc[i].index == index)
			return i;
		if (m->desc[i].index > index)
			break;
	}
	return -1;
}

/*
 * v6.12 kernel/irq/msi.c: msi_insert_desc(): the xarray refuses an index
 * that is taken (-EBUSY) and, from v6.2, one at or above hwsize (-ERANGE).
 */
int msi_insert_desc(struct ml_ctx *m, int dev, uint32_t index, uint32_t nvec_used,
		    bool is_msix)
{
	struct ml_device *d = &m->dev[dev];
	int domain = ml_dev_domain(m, dev);
	int *link, i;

	if (ml_should_fail(&m->faults, ML_F_MSI_INSERT_DESC))
		return ML_ENOMEM;
	if (ml_sw(m, ML_SW_PER_DEVICE_DOMAINS) && domain >= 0 &&
	    index >= m->dom[domain].hwsize)
		return ML_ERANGE;
	if (msi_find_desc(m, dev, index) >= 0)
		return ML_EBUSY;
	if (m->desc_free >= 0) {
		i = m->desc_free;
		m->desc_free = m->desc[i].next;
	} else if (m->ndesc_hw < ML_MAX_DESCS) {
		i = (int)m->ndesc_hw++;
	} else {
		ml_limit(m, "more than %u MSI descriptors", ML_MAX_DESCS);
		return ML_ENOMEM;
	}
	memset(&m->desc[i], 0, sizeof(m->desc[i]));
	m->desc[i].used = true;
	m->desc[i].dev = dev;
	m->desc[i].domain = domain;
	m->desc[i].domain_gen = domain >= 0 ? m->dom[domain].gen : 0;
	m->desc[i].index = index;
	m->desc[i].nvec_used = nvec_used;
	m->desc[i].is_msix = is_msix;
	m->desc[i].multiple = nvec_used > 1 ? ilog2(roundup_pow_of_two(nvec_used)) : 0;
	if (d->desc_tail < 0 || m->desc[d->desc_tail].index < index) {
		/* the common case: indices come in increasing order */
		link = d->desc_tail < 0 ? &d->desc_head : &m->desc[d->desc_tail].next;
		d->desc_tail = i;
	} else {
		for (link = &d->desc_head; *link >= 0 && m->desc[*link].index < index;
		     link = &m->desc[*link].next)
			;
	}
	m->desc[i].next = *link;
	*link = i;
	d->ndesc++;
	return 0;
}

void msi_free_desc(struct ml_ctx *m, int desc)
{
	struct ml_device *d = &m->dev[m->desc[desc].dev];
	int *link;

	int prev = -1;

	for (link = &d->desc_head; *link >= 0; prev = *link, link = &m->desc[*link].next) {
		if (*link == desc) {
			*link = m->desc[desc].next;
			if (d->desc_tail == desc)
				d->desc_tail = prev;
			break;
		}
	}
	d->ndesc--;
	m->desc[desc].used = false;
	m->desc[desc].next = m->desc_free;
	m->desc_free = desc;
}

/*
 * msi_domain_free_descs() with MSI_FLAG_FREE_MSI_DESCS: erase the range;
 * a descriptor still associated is WARNed about and leaked.
 */
void msi_free_msi_descs_range(struct ml_ctx *m, int dev, uint32_t first, uint32_t last)
{
	int i = m->dev[dev].desc_head;

	while (i >= 0) {
		int next = m->desc[i].next;

		if (m->desc[i].index >= first && m->desc[i].index <= last) {
			if (m->desc[i].irq) {
				ml_warn(m, "msi_domain_free_descs", true,
					"WARN_ON_ONCE(desc->irq): descriptor %u of %s still has irq %u",
					m->desc[i].index, ml_dev_name(m, dev), m->desc[i].irq);
			} else {
				msi_free_desc(m, i);
			}
		}
		i = next;
	}
}

/* ---- prepare / teardown ---- */

/*
 * v6.12 kernel/irq/msi.c: msi_domain_prepare_irqs() calls the domain's
 * .msi_prepare (v6.1: .msi_check first, a no-op for the ITS).  The
 * invariant INV-P1 (one prepare per domain lifetime) is checked here: in
 * v6.1 the "domain" of a device is its use of the global domain between
 * MSI data setup and release.
 */
static int msi_domain_prepare_irqs(struct ml_ctx *m, int domain, int dev, int nvec,
				   struct ml_alloc_info *arg)
{
	struct ml_domain *d = &m->dom[domain];
	struct ml_event ev;
	uint32_t *count;
	bool *reported;
	char name[96];
	int ret;

	memset(arg, 0, sizeof(*arg));
	arg->its_dev = -1;
	if (m->cfg.x86)
		ret = x86_msi_prepare(m, domain, dev, nvec, arg);
	else if (domain_is_pci(d))
		ret = its_pci_msi_prepare(m, domain, dev, nvec, arg);
	else
		ret = its_pmsi_prepare(m, domain, dev, nvec, arg);
	arg->prepared = (ret == 0);

	ml_event_init(&ev, ML_EV_MSI_PREPARE);
	ev.dev = dev;
	ev.nvec = nvec;
	ev.ret = ret;
	ev.has_ret = true;
	ml_emit(m, &ev);
	if (ret)
		return ret;

	if (d->kind == ML_DOM_GLOBAL_PCI) {
		count = &m->dev[dev].prepares;
		reported = &m->dev[dev].p1_reported;
	} else {
		count = &d->nprepare;
		reported = &d->p1_reported;
	}
	if (++*count > 1 && !*reported) {
		*reported = true;
		domain_name(m, domain, name, sizeof(name));
		ml_violate(m, "INV-P1", "B1",
			   "msi_prepare ran %u times for %s on %s (this time nvec %d): once per "
			   "allocation, not once per domain lifetime", *count, ml_dev_name(m, dev), name,
			   nvec);
	}
	return 0;
}

/* v6.16 kernel/irq/msi.c: populate_alloc_info(): template copy or prepare */
static int populate_alloc_info(struct ml_ctx *m, int domain, int dev, int nvec,
			       struct ml_alloc_info *arg)
{
	struct ml_domain *d = &m->dom[domain];

	if (ml_sw(m, ML_SW_PREPARE_AT_CREATE) && d->kind != ML_DOM_GLOBAL_PCI) {
		*arg = d->template;
		/* INV-P3: the copy must point at the device prepare(D) gave */
		if ((arg->its_dev != d->prep_its_dev || arg->its_dev_gen != d->prep_gen) &&
		    !d->p3_reported) {
			char name[96];

			d->p3_reported = true;
			domain_name(m, domain, name, sizeof(name));
			ml_violate(m, "INV-P3", NULL,
				   "an allocation on %s uses a template whose its_device is not the one "
				   "its prepare created or found", name);
		}
		return 0;
	}
	return msi_domain_prepare_irqs(m, domain, dev, nvec, arg);
}

/* The largest vector count the owner of @domain can ask for (INV-P4). */
static uint32_t domain_owner_max(const struct ml_ctx *m, const struct ml_domain *d)
{
	const struct ml_dev_config *c = &m->cfg.dev[d->dev];

	if (d->kind == ML_DOM_PCI_MSI)
		return c->msi;
	if (d->kind == ML_DOM_PCI_MSIX)
		return c->msix;
	return d->hwsize;
}

/*
 * v6.12 / v6.16 kernel/irq/msi.c: msi_create_device_irq_domain().
 * Returns true on success, like the kernel.
 */
bool msi_create_device_irq_domain(struct ml_ctx *m, int dev, enum ml_domain_kind kind,
				  uint32_t hwsize)
{
	struct ml_device *d = &m->dev[dev];
	struct ml_event ev;
	int domain = -1;
	bool ok = false;

	if (ml_should_fail(&m->faults, ML_F_MSI_CREATE_DEVICE_IRQ_DOMAIN))
		goto out;
	msi_setup_device_data(m, dev);
	if (d->domain >= 0) {
		ml_warn(m, "msi_create_device_irq_domain", true,
			"WARN_ON_ONCE(msi_get_device_domain(dev, domid)): slot 0 of %s already "
			"holds a domain", ml_dev_name(m, dev));
		goto out;
	}
	if (hwsize == 0)
		hwsize = MSI_XA_DOMAIN_SIZE;
	if (hwsize > MSI_XA_DOMAIN_SIZE)
		goto out;
	domain = ml_domain_new(m);
	if (domain < 0) {
		ml_limit(m, "more than %u MSI domains", ML_MAX_DOMAINS);
		goto out;
	}
	m->dom[domain].live = true;
	m->dom[domain].kind = kind;
	m->dom[domain].dev = dev;
	m->dom[domain].its = m->cfg.dev[dev].its;
	m->dom[domain].hwsize = hwsize;
	m->dom[domain].template.its_dev = -1;
	d->domain = domain;

	if (ml_sw(m, ML_SW_PREPARE_AT_CREATE)) {
		struct ml_domain *dm = &m->dom[domain];
		uint32_t need = domain_owner_max(m, dm);

		if (need > hwsize && !dm->p1_reported) {
			char name[96];

			domain_name(m, domain, name, sizeof(name));
			ml_violate(m, "INV-P4", "B4",
				   "%s is created with hwsize %u and prepared for %u vectors, but %s "
				   "can ask for %u", name, hwsize, hwsize, ml_dev_name(m, dev), need);
		}
		if (msi_domain_prepare_irqs(m, domain, dev, (int)hwsize, &dm->template)) {
			/* no teardown on this path: prepare failed */
			d->domain = -1;
			dm->live = false;
			goto out;
		}
		dm->prep_its_dev = dm->template.its_dev;
		dm->prep_gen = dm->template.its_dev_gen;
	}
	ok = true;
out:
	ml_event_init(&ev, ML_EV_MSI_CREATE_DOMAIN);
	ev.dev = dev;
	ev.type = kind == ML_DOM_PCI_MSI ? ML_TYPE_MSI :
		  kind == ML_DOM_PCI_MSIX ? ML_TYPE_MSIX : ML_TYPE_NONE;
	ev.hwsize = hwsize;
	ev.ret = ok;
	ev.has_ret = true;
	ml_emit(m, &ev);
	return ok;
}

/*
 * v6.12 / v6.16 kernel/irq/msi.c: msi_remove_device_irq_domain().  Irqs
 * still allocated in the domain are not freed (they leak).  v6.16 calls
 * .msi_teardown unconditionally before removing the irq domain.
 */
void msi_remove_device_irq_domain(struct ml_ctx *m, int dev)
{
	struct ml_device *d = &m->dev[dev];
	int domain = d->domain;
	struct ml_domain *dm;
	struct ml_event ev;

	if (domain < 0)
		return;
	dm = &m->dom[domain];
	ml_event_init(&ev, ML_EV_MSI_REMOVE_DOMAIN);
	ev.dev = dev;
	ml_emit(m, &ev);
	d->domain = -1;
	if (ml_sw(m, ML_SW_TEARDOWN_ON_REMOVE)) {
		if (dm->nteardown++ && !dm->p1_reported)
			ml_violate(m, "INV-P2", NULL, "msi_teardown called twice on the domain of %s",
				   ml_dev_name(m, dev));
		if (!dm->template.prepared)
			ml_violate(m, "INV-P2", NULL,
				   "msi_teardown on the domain of %s, which was never prepared",
				   ml_dev_name(m, dev));
		ml_event_init(&ev, ML_EV_MSI_TEARDOWN);
		ev.dev = dev;
		ml_emit(m, &ev);
		if (!m->cfg.x86)	/* the x86 parent has no .msi_teardown work */
			its_msi_teardown(m, domain, &dm->template);
	}
	for (uint32_t v = 1; v <= m->virq_hw; v++) {
		if (m->irq[v].allocated && m->irq[v].domain == domain)
			m->irq[v].leaked = true;
	}
	dm->live = false;
}

/* ---- allocation ---- */

/* pci_msi_domain_calc_hwirq() (v6.1 global domain) or the descriptor index */
uint64_t ml_msi_hwirq(const struct ml_ctx *m, int domain, int dev, uint32_t index)
{
	const struct ml_dev_config *c = &m->cfg.dev[dev];

	if (m->dom[domain].kind == ML_DOM_GLOBAL_PCI)
		return (uint64_t)index | (uint64_t)(c->bdf & 0xffff) << 11 |
		       (uint64_t)(c->bdf >> 16) << 27;
	return index;
}

static uint64_t msi_desc_hwirq(const struct ml_ctx *m, const struct ml_desc *desc)
{
	return ml_msi_hwirq(m, desc->domain, desc->dev, desc->index);
}

/*
 * kernel/irq/msi.c: msi_domain_alloc() (the MSI domain's .alloc) and the
 * __irq_domain_alloc_irqs() around it.  A parent failure unwinds the irq
 * descriptors only: no .free is called at any level (spec §2.3).
 */
static int __irq_domain_alloc_irqs(struct ml_ctx *m, int domain, int desc,
				   const struct ml_alloc_info *arg)
{
	struct ml_desc *ds = &m->desc[desc];
	uint64_t hwirq = msi_desc_hwirq(m, ds);
	struct ml_event ev;
	int virq, ret;

	virq = irq_domain_alloc_descs(m, ds->nvec_used, hwirq);
	if (virq < 0)
		return virq;

	if (ml_traced(m, ML_EV_MSI_IRQ)) {
		ml_event_init(&ev, ML_EV_MSI_IRQ);
		ev.dev = ds->dev;
		ev.index = ds->index;
		ev.virq = (uint32_t)virq;
		ev.nr = ds->nvec_used;
		ev.hwirq = hwirq;
		ml_emit(m, &ev);
	}

	for (uint32_t i = 0; i < ds->nvec_used; i++) {
		if (irq_find_mapping(m, domain, hwirq + i) > 0) {
			irq_free_descs(m, (uint32_t)virq, ds->nvec_used);
			return ML_EEXIST;
		}
	}
	if (m->cfg.x86) {
		for (uint32_t i = 0; i < ds->nvec_used; i++)
			x86_irq_set_default_affinity(m, (uint32_t)virq + i, ds, i);
		ret = x86_vector_alloc_irqs(m, (uint32_t)virq, ds->nvec_used, &arg->x86);
	} else {
		ret = its_irq_domain_alloc(m, (uint32_t)virq, ds->nvec_used, arg);
	}
	if (ret) {
		irq_free_descs(m, (uint32_t)virq, ds->nvec_used);
		return ret;
	}
	for (uint32_t i = 0; i < ds->nvec_used; i++) {
		struct ml_irq *irq = &m->irq[virq + i];

		irq->dev = ds->dev;
		irq->desc = desc;
		irq_domain_set_mapping(m, (uint32_t)virq + i, domain, hwirq + i);
	}
	m->dom[domain].nmapped += ds->nvec_used;
	return virq;
}

/*
 * v6.12 kernel/irq/msi.c: msi_init_virq(): PCI domains activate at
 * allocation (MSI_FLAG_ACTIVATE_EARLY); the ITS never uses reservation mode.
 */
static int msi_init_virq(struct ml_ctx *m, int domain, uint32_t virq)
{
	if (!domain_is_pci(&m->dom[domain]))
		return 0;
	if (ml_should_fail(&m->faults, ML_F_MSI_INIT_VIRQ))
		return ML_EINVAL;
	if (m->cfg.x86)
		return x86_msi_init_virq(m, virq);
	return irq_domain_activate_irq(m, virq);
}

/*
 * x86 half of msi_init_virq() (v6.12 kernel/irq/msi.c; v6.1 does the same in
 * __msi_domain_alloc_irqs()): without reservation mode the irq loses
 * IRQD_CAN_RESERVE (and a managed irq with no online CPU is shut down);
 * activation with reserve = reservation mode; a reservation-mode irq is
 * marked not activated again so that request_irq() assigns the vector.
 */
int x86_msi_init_virq(struct ml_ctx *m, uint32_t virq)
{
	struct ml_irq *irq = &m->irq[virq];
	const struct ml_desc *ds = irq->desc >= 0 ? &m->desc[irq->desc] : NULL;
	bool can_reserve = x86_msi_can_reserve(m, irq->dev, ds && ds->is_msix);
	int ret;

	if (!can_reserve) {
		bool online = false;

		irq->apicd.irqd_can_reserve = false;
		for (int w = 0; w < 4; w++)
			online |= (irq->apicd.affinity[w] & m->cpu_online[w]) != 0;
		if (irq->apicd.affinity_managed && !online) {
			irq->apicd.managed_shutdown = true;
			return 0;
		}
	}
	ret = irq_domain_activate_irq_reserve(m, virq, can_reserve);
	if (ret)
		return ret;
	if (can_reserve)
		irq->activated = false;
	return 0;
}

/* v6.12 kernel/irq/msi.c: msi_handle_pci_fail() */
static int msi_handle_pci_fail(struct ml_ctx *m, int domain, int desc, int allocated)
{
	if (!domain_is_pci(&m->dom[domain]))
		return ML_ENOSPC;
	/* Multi-MSI: retry with a single vector */
	if (m->desc[desc].nvec_used > 1)
		return 1;
	/* a positive count is advice to the PCI retry loop */
	return allocated ? allocated : ML_ENOSPC;
}

/*
 * v6.1 / v6.12 / v6.16 kernel/irq/msi.c: __msi_domain_alloc_irqs().  The
 * caller rolls back on any non-zero return.
 */
static int __msi_domain_alloc_irqs(struct ml_ctx *m, int dev, int domain,
				   const struct ml_ctrl *ctrl)
{
	struct ml_alloc_info arg;
	uint32_t processed = 0;
	int allocated = 0;
	int ret;

	ret = populate_alloc_info(m, domain, dev, (int)ctrl->nirqs, &arg);
	if (ret)
		return ret;

	for (int i = m->dev[dev].desc_head; i >= 0; i = m->desc[i].next) {
		struct ml_desc *ds = &m->desc[i];
		int virq;

		if (ds->index < ctrl->first || ds->index > ctrl->last || ds->irq)
			continue;
		if (++processed > ctrl->nirqs) {
			ml_warn(m, "__msi_domain_alloc_irqs", true,
				"WARN_ON_ONCE(allocated >= ctrl->nirqs)");
			return ML_EINVAL;
		}
		virq = __irq_domain_alloc_irqs(m, domain, i, &arg);
		if (virq < 0)
			return msi_handle_pci_fail(m, domain, i, allocated);
		ds->irq = (uint32_t)virq;
		for (uint32_t n = 0; n < ds->nvec_used; n++) {
			ret = msi_init_virq(m, domain, (uint32_t)virq + n);
			if (ret)
				return ret;
		}
		allocated++;
	}
	return 0;
}

/* Snapshot of the parent resources an allocation may take (INV-M4). */
struct m4_snap {
	int its_dev;
	uint32_t gen;
	uint32_t weight;
	bool existed;
};

static void m4_take(struct ml_ctx *m, int dev, struct m4_snap *s)
{
	const struct ml_dev_config *c = &m->cfg.dev[dev];

	s->its_dev = -1;
	s->existed = false;
	for (uint32_t i = 0; i < m->nitsdev; i++) {
		struct ml_its_device *d = &m->itsdev[i];

		if (d->live && d->its == c->its && d->devid == c->devid) {
			s->its_dev = (int)i;
			s->gen = d->gen;
			s->existed = true;
			s->weight = bitmap_weight(ml_words(m, d->map), d->nr_lpis);
		}
	}
}

/*
 * INV-M4: after a failed allocation, nothing in the range is associated and
 * every parent resource the call took has been given back.
 */
static void m4_check(struct ml_ctx *m, int dev, const struct ml_ctrl *ctrl,
		     const struct m4_snap *before, int ret)
{
	const struct ml_dev_config *c = &m->cfg.dev[dev];

	for (int i = m->dev[dev].desc_head; i >= 0; i = m->desc[i].next) {
		const struct ml_desc *ds = &m->desc[i];

		if (ds->index >= ctrl->first && ds->index <= ctrl->last && ds->irq)
			ml_violate(m, "INV-M4", NULL,
				   "allocation for %s failed (%d) but descriptor %u still has irq %u",
				   ml_dev_name(m, dev), ret, ds->index, ds->irq);
	}
	for (uint32_t i = 0; i < m->nitsdev; i++) {
		struct ml_its_device *d = &m->itsdev[i];
		uint32_t w;

		if (!d->live || d->its != c->its || d->devid != c->devid)
			continue;
		w = bitmap_weight(ml_words(m, d->map), d->nr_lpis);
		if (before->existed && before->its_dev == (int)i && before->gen == d->gen) {
			if (w > before->weight)
				ml_violate(m, "INV-M4", "B7",
					   "allocation for %s failed (%d) and left %u EventID(s) of DevID "
					   "0x%x allocated: the core unwinds without calling the ITS .free",
					   ml_dev_name(m, dev), ret, w - before->weight, d->devid);
		} else if (ml_sw(m, ML_SW_ITS_FREE_ON_EMPTY)) {
			/* created by this call: before v6.16 only a free can destroy it */
			if (w == 0)
				d->failed_empty = true;
			ml_violate(m, "INV-M4", w ? "B7" : "B8",
				   "allocation for %s failed (%d) and left behind the its_device "
				   "DevID 0x%x it created (%u LPIs at %u, %u EventIDs in use)",
				   ml_dev_name(m, dev), ret, d->devid, d->nr_lpis, d->lpi_base, w);
		}
	}
}

/* v6.12 kernel/irq/msi.c: msi_ctrl_valid() */
static bool msi_ctrl_valid(struct ml_ctx *m, int domain, const struct ml_ctrl *ctrl)
{
	uint32_t hwsize = ml_domain_hwsize(m, domain);

	if (ctrl->domid >= 1 || ctrl->first > ctrl->last ||
	    ctrl->first >= hwsize || ctrl->last >= hwsize) {
		ml_warn(m, "msi_ctrl_valid", true,
			"WARN_ON_ONCE: invalid range %u..%u for a domain of %u", ctrl->first,
			ctrl->last, hwsize);
		return false;
	}
	return true;
}

/* v6.12 kernel/irq/msi.c: msi_domain_add_simple_msi_descs() */
static int msi_domain_add_simple_msi_descs(struct ml_ctx *m, int dev, const struct ml_ctrl *ctrl)
{
	for (uint32_t idx = ctrl->first; idx <= ctrl->last; idx++) {
		int ret;

		if (msi_find_desc(m, dev, idx) >= 0)
			continue;
		ret = msi_insert_desc(m, dev, idx, 1, false);
		if (ret) {
			msi_free_msi_descs_range(m, dev, ctrl->first, idx);
			return ret;
		}
	}
	return 0;
}

/*
 * v6.12 kernel/irq/msi.c: msi_domain_alloc_locked(): any non-zero result
 * (negative, or the positive retry advice) is fully rolled back.
 */
int msi_domain_alloc_locked(struct ml_ctx *m, int dev, const struct ml_ctrl *ctrl)
{
	int domain = ml_dev_domain(m, dev);
	struct m4_snap snap;
	int ret;

	if (domain < 0)
		return ML_ENODEV;
	if (!msi_ctrl_valid(m, domain, ctrl))
		return ML_EINVAL;
	if (!domain_is_pci(&m->dom[domain])) {
		ret = msi_domain_add_simple_msi_descs(m, dev, ctrl);
		if (ret)
			return ret;
	}
	m4_take(m, dev, &snap);
	ret = __msi_domain_alloc_irqs(m, dev, domain, ctrl);
	if (ret) {
		msi_domain_free_locked(m, dev, ctrl);
		m4_check(m, dev, ctrl, &snap, ret);
	}
	return ret;
}

/* ---- free ---- */

/*
 * kernel/irq/irqdomain.c: irq_domain_free_irqs(): each level's .free once
 * per irq with nr_irqs = 1 (since v5.11, 4615fbc3788d).
 */
void irq_domain_free_irqs(struct ml_ctx *m, uint32_t virq, uint32_t nr)
{
	struct ml_event ev;
	int domain = m->irq[virq].domain;

	if (ml_traced(m, ML_EV_IRQ_FREE)) {
		ml_event_init(&ev, ML_EV_IRQ_FREE);
		ev.virq = virq;
		ev.nr = nr;
		ml_emit(m, &ev);
	}
	for (uint32_t i = 0; i < nr; i++) {
		if (!m->irq[virq + i].allocated)
			ml_violate(m, "INV-C2", NULL, "irq %u is freed but is not allocated: freed twice",
				   virq + i);
		if (m->irq[virq + i].its_level)
			its_irq_domain_free(m, virq + i, 1);
		if (m->irq[virq + i].apicd.live)
			x86_vector_free_irqs(m, virq + i, 1);
	}
	if (domain >= 0 && m->dom[domain].nmapped >= nr)
		m->dom[domain].nmapped -= nr;
	irq_free_descs(m, virq, nr);
}

/* v6.12 kernel/irq/msi.c: __msi_domain_free_irqs() */
static void __msi_domain_free_irqs(struct ml_ctx *m, int dev, uint32_t first, uint32_t last)
{
	for (int i = m->dev[dev].desc_head; i >= 0; i = m->desc[i].next) {
		struct ml_desc *ds = &m->desc[i];

		if (ds->index < first || ds->index > last || !ds->irq)
			continue;
		for (uint32_t n = 0; n < ds->nvec_used; n++) {
			if (m->irq[ds->irq + n].activated)
				irq_domain_deactivate_irq(m, ds->irq + n);
		}
		irq_domain_free_irqs(m, ds->irq, ds->nvec_used);
		ds->irq = 0;
	}
}

/* v6.12 kernel/irq/msi.c: msi_domain_free_locked() (MSI_FLAG_FREE_MSI_DESCS) */
void msi_domain_free_locked(struct ml_ctx *m, int dev, const struct ml_ctrl *ctrl)
{
	int domain = ml_dev_domain(m, dev);

	if (domain < 0)
		return;
	if (!msi_ctrl_valid(m, domain, ctrl))
		return;
	__msi_domain_free_irqs(m, dev, ctrl->first, ctrl->last);
	msi_free_msi_descs_range(m, dev, ctrl->first, ctrl->last);
}

/*
 * v6.1 kernel/irq/msi.c: msi_domain_alloc_irqs_descs_locked() on the global
 * PCI/MSI domain: prepare and allocate every unassociated descriptor; on
 * failure free the irqs (PCI frees the descriptors itself).
 */
int msi_domain_alloc_irqs_descs_locked(struct ml_ctx *m, int dev, uint32_t nvec)
{
	struct ml_ctrl ctrl = { .first = 0, .last = UINT32_MAX, .nirqs = nvec };
	int domain = ml_dev_domain(m, dev);
	struct m4_snap snap;
	int ret;

	m4_take(m, dev, &snap);
	ret = __msi_domain_alloc_irqs(m, dev, domain, &ctrl);
	if (ret) {
		msi_domain_free_irqs_descs_locked(m, dev);
		m4_check(m, dev, &ctrl, &snap, ret);
	}
	return ret;
}

void msi_domain_free_irqs_descs_locked(struct ml_ctx *m, int dev)
{
	__msi_domain_free_irqs(m, dev, 0, UINT32_MAX);
}

/*
 * msi_device_data_release() (devres): v6.2+ removes every device domain
 * (v6.16: teardown), then WARNs once if descriptors remain; they and their
 * irqs leak.
 */
void msi_device_data_release(struct ml_ctx *m, int dev)
{
	struct ml_device *d = &m->dev[dev];

	if (ml_sw(m, ML_SW_PER_DEVICE_DOMAINS))
		msi_remove_device_irq_domain(m, dev);
	if (d->desc_head >= 0) {
		uint32_t live = 0;

		for (int i = d->desc_head; i >= 0; i = m->desc[i].next)
			live += m->desc[i].irq ? m->desc[i].nvec_used : 0;
		ml_warn(m, "msi_device_data_release", true,
			ml_sw(m, ML_SW_PER_DEVICE_DOMAINS) ?
			"WARN_ON_ONCE(!xa_empty(&md->__domains[i].store))" :
			"WARN_ON_ONCE(!xa_empty(&md->__store))");
		ml_violate(m, "INV-C3", "B10",
			   "msi_device_data_release for %s with %u descriptor(s) and %u live irq(s) "
			   "left: the vectors were never freed", ml_dev_name(m, dev), d->ndesc, live);
		while (d->desc_head >= 0) {
			int i = d->desc_head;

			for (uint32_t n = 0; m->desc[i].irq && n < m->desc[i].nvec_used; n++)
				m->irq[m->desc[i].irq + n].leaked = true;
			msi_free_desc(m, i);
		}
	}
	d->has_msi_data = false;
	d->prepares = 0;
	d->p1_reported = false;
	d->msi_enabled = false;
	d->msix_enabled = false;
}

/* ---- device (platform / wired-to-MSI) MSI, v6.2+ ---- */

int msi_domain_alloc_irqs_range(struct ml_ctx *m, int dev, uint32_t first, uint32_t last)
{
	struct ml_ctrl ctrl = { .first = first, .last = last, .nirqs = last + 1 - first };

	return msi_domain_alloc_locked(m, dev, &ctrl);
}

void msi_domain_free_irqs_range(struct ml_ctx *m, int dev, uint32_t first, uint32_t last)
{
	struct ml_ctrl ctrl = { .first = first, .last = last, .nirqs = last + 1 - first };

	msi_domain_free_locked(m, dev, &ctrl);
}

/*
 * v6.12 kernel/irq/msi.c: __msi_domain_alloc_irq_at() (and, with @wired,
 * msi_device_domain_alloc_wired()): one descriptor, one prepare (before
 * v6.16), one irq.  Returns the Linux irq or an error.
 */
int msi_domain_alloc_irq_at(struct ml_ctx *m, int dev, uint32_t index, uint64_t cookie,
			    bool wired)
{
	int domain = m->dev[dev].domain;
	struct ml_ctrl ctrl;
	int ret, desc;

	(void)cookie;
	if (domain < 0)
		return ML_ENODEV;
	if (index == ML_ANY_INDEX) {
		/* xa_alloc() in [0, hwsize - 1]: the lowest free index, one walk
		 * of the device's descriptors (sorted by index) */
		index = 0;
		for (int i = m->dev[dev].desc_head; i >= 0 && m->desc[i].index <= index;
		     i = m->desc[i].next)
			if (m->desc[i].index == index)
				index++;
		if (index >= m->dom[domain].hwsize)
			return ML_ENOSPC;
	}
	ret = msi_insert_desc(m, dev, index, 1, false);
	if (ret)
		return ret;
	ctrl = (struct ml_ctrl){ .first = index, .last = index, .nirqs = 1 };
	ret = __msi_domain_alloc_irqs(m, dev, domain, &ctrl);
	if (ret) {
		msi_domain_free_locked(m, dev, &ctrl);
		return ret > 0 ? ML_ENOSPC : ret;
	}
	desc = msi_find_desc(m, dev, index);
	if (wired && desc >= 0) {
		/* wired-to-MSI irqs are activated at request time */
	}
	return desc >= 0 ? (int)m->desc[desc].irq : ML_EINVAL;
}

/* v6.12 drivers/base/platform-msi.c: platform_device_msi_init_and_alloc_irqs() */
int platform_device_msi_init_and_alloc_irqs(struct ml_ctx *m, int dev, uint32_t nvec)
{
	if (!nvec)
		return ML_EINVAL;
	if (!msi_create_device_irq_domain(m, dev, m->cfg.dev[dev].wired ? ML_DOM_WIRED :
					  ML_DOM_PLATFORM, nvec))
		return ML_ENODEV;
	return msi_domain_alloc_irqs_range(m, dev, 0, nvec - 1);
}

/*
 * platform_device_msi_free_irqs_all(): v6.16 also removes the device
 * domain (Frank Li), so a second init works; before, the slot stays taken.
 */
void platform_device_msi_free_irqs_all(struct ml_ctx *m, int dev)
{
	int domain = m->dev[dev].domain;

	if (domain >= 0)
		msi_domain_free_irqs_range(m, dev, 0, m->dom[domain].hwsize - 1);
	if (ml_sw(m, ML_SW_PLATFORM_FREE_ALL_REMOVES_DOMAIN))
		msi_remove_device_irq_domain(m, dev);
}
