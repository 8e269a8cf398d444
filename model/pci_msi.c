// SPDX-License-Identifier: GPL-2.0
/*
 * pci_msi.c - the PCI/MSI layer (drivers/pci/msi/{api,msi,irqdomain}.c;
 * v6.1: drivers/pci/msi/msi.c) and the devres that ties vectors to driver
 * binding (pcim_enable_device, pcim_msi_release, msi_device_data_release,
 * driver detach running devres in reverse order).
 */
#include <string.h>

#include "internals.h"

void ml_devres_add(struct ml_ctx *m, int dev, enum ml_devres_kind kind);

void ml_devres_add(struct ml_ctx *m, int dev, enum ml_devres_kind kind)
{
	struct ml_device *d = &m->dev[dev];

	if (d->ndevres < ML_MAX_DEVRES)
		d->devres[d->ndevres++] = kind;
}

static bool devres_pending(const struct ml_device *d, enum ml_devres_kind kind)
{
	for (uint32_t i = 0; i < d->ndevres; i++)
		if (d->devres[i] == kind)
			return true;
	return false;
}

/* v6.12 drivers/pci/msi/api.c: pci_irq_vector() */
int pci_irq_vector(const struct ml_ctx *m, int dev, uint32_t nr)
{
	const struct ml_device *d = &m->dev[dev];
	int i;

	if (!m->cfg.dev[dev].pci) {
		i = msi_find_desc(m, dev, nr);
		return i >= 0 && m->desc[i].irq ? (int)m->desc[i].irq : ML_EINVAL;
	}
	if (d->msix_enabled) {
		i = msi_find_desc(m, dev, nr);
		return i >= 0 && m->desc[i].irq ? (int)m->desc[i].irq : ML_EINVAL;
	}
	if (d->msi_enabled) {
		i = msi_find_desc(m, dev, 0);
		if (i < 0 || !m->desc[i].irq || nr >= m->desc[i].nvec_used)
			return ML_EINVAL;
		return (int)(m->desc[i].irq + nr);
	}
	return ML_EINVAL;	/* INTx is not an MSI irq: not modelled */
}

/* ---- enable / devres ---- */

int pci_enable_device(struct ml_ctx *m, int dev)
{
	m->dev[dev].enabled = true;
	return 0;
}

/*
 * pcim_enable_device(): v6.1 sets up the pci_devres record (pcim_release),
 * v6.12+ registers pcim_disable_device() first; both mark the device managed.
 */
int pcim_enable_device(struct ml_ctx *m, int dev)
{
	struct ml_device *d = &m->dev[dev];

	if (!d->is_managed)
		ml_devres_add(m, dev, ml_sw(m, ML_SW_PER_DEVICE_DOMAINS) ?
			      ML_DEVRES_PCIM_DISABLE_DEVICE : ML_DEVRES_PCIM_RELEASE);
	d->enabled = true;
	d->is_managed = true;
	return 0;
}

/*
 * drivers/pci/msi/msi.c: pcim_setup_msi_release(): the first MSI setup of a
 * managed device registers pcim_msi_release().  With patch 37 of the 2026
 * series it registers iff is_msi_managed, on every call, and no longer
 * sets the flag.
 */
static void pcim_setup_msi_release(struct ml_ctx *m, int dev)
{
	struct ml_device *d = &m->dev[dev];

	if (ml_sw(m, ML_SW_PCIM_MSI_RELEASE_BY_FLAG)) {
		if (d->is_msi_managed)
			ml_devres_add(m, dev, ML_DEVRES_PCIM_MSI_RELEASE);
		return;
	}
	if (!d->is_managed || d->is_msi_managed)
		return;
	ml_devres_add(m, dev, ML_DEVRES_PCIM_MSI_RELEASE);
	d->is_msi_managed = true;
}

/* drivers/pci/msi/msi.c: pci_setup_msi_context() */
static void pci_setup_msi_context(struct ml_ctx *m, int dev)
{
	msi_setup_device_data(m, dev);
	pcim_setup_msi_release(m, dev);
}

/* pcim_msi_release(): the devres action that frees managed vectors */
static void pcim_msi_release(struct ml_ctx *m, int dev)
{
	struct ml_event ev;

	ml_event_init(&ev, ML_EV_PCIM_MSI_RELEASE);
	ev.dev = dev;
	ml_emit(m, &ev);
	if (!ml_sw(m, ML_SW_PCIM_MSI_RELEASE_BY_FLAG))
		m->dev[dev].is_msi_managed = false;
	pci_free_irq_vectors(m, dev);
}

/*
 * Driver detach (device_release_driver -> devres_release_all): the actions
 * run in reverse order of registration.
 */
void device_release_driver(struct ml_ctx *m, int dev)
{
	struct ml_device *d = &m->dev[dev];

	while (d->ndevres) {
		enum ml_devres_kind kind = d->devres[--d->ndevres];

		switch (kind) {
		case ML_DEVRES_PCIM_MSI_RELEASE:
			pcim_msi_release(m, dev);
			break;
		case ML_DEVRES_MSI_DEVICE_DATA:
			/* INV-C3: pcim_msi_release must have run before */
			if (devres_pending(d, ML_DEVRES_PCIM_MSI_RELEASE))
				ml_violate(m, "INV-C3", NULL,
					   "msi_device_data_release runs before pcim_msi_release for %s",
					   ml_dev_name(m, dev));
			msi_device_data_release(m, dev);
			break;
		case ML_DEVRES_PCIM_RELEASE:
		case ML_DEVRES_PCIM_DISABLE_DEVICE:
			d->enabled = false;
			d->is_managed = false;
			break;
		}
	}
	d->is_msi_managed = false;
}

/* ---- per-device PCI domains (v6.2+) ---- */

/*
 * drivers/pci/msi/irqdomain.c: pci_setup_msix_device_domain() /
 * pci_setup_msi_device_domain(): reuse a domain of the same type, else
 * remove the other type's domain (v6.16: teardown) and create this one
 * (v6.16: prepare).
 */
static bool pci_setup_device_domain(struct ml_ctx *m, int dev, enum ml_domain_kind kind,
				    uint32_t hwsize)
{
	struct ml_device *d = &m->dev[dev];

	if (!ml_sw(m, ML_SW_PER_DEVICE_DOMAINS))
		return true;	/* the global domain is always there */
	if (d->domain >= 0) {
		if (m->dom[d->domain].kind == kind)
			return true;
		msi_remove_device_irq_domain(m, dev);
	}
	return msi_create_device_irq_domain(m, dev, kind, hwsize);
}

/* ---- MSI-X ---- */

/* kernel/irq/affinity.c: irq_calc_affinity_vectors() with the default spread */
static int irq_calc_affinity_vectors(const struct ml_ctx *m, int minvec, int maxvec,
				     uint32_t pre, uint32_t post)
{
	int resv = (int)(pre + post);
	int set_vecs;

	if (resv > minvec)
		return 0;
	set_vecs = (int)m->cfg.cpus;	/* cpumask_weight(cpu_possible_mask) */
	return resv + (maxvec - resv < set_vecs ? maxvec - resv : set_vecs);
}

static void pci_free_msi_irqs(struct ml_ctx *m, int dev);

/*
 * drivers/pci/msi/irqdomain.c: pci_msi_setup_msi_irqs(): every descriptor
 * the caller inserted, through the device domain (v6.2+:
 * msi_domain_alloc_irqs_all_locked()) or the global one (v6.1:
 * msi_domain_alloc_irqs_descs_locked()).
 */
static int pci_msi_setup_msi_irqs(struct ml_ctx *m, int dev, int nvec)
{
	if (ml_sw(m, ML_SW_PER_DEVICE_DOMAINS)) {
		struct ml_ctrl ctrl = { .first = 0,
			.last = ml_domain_hwsize(m, m->dev[dev].domain) - 1, .nirqs = (uint32_t)nvec };

		return msi_domain_alloc_locked(m, dev, &ctrl);
	}
	return msi_domain_alloc_irqs_descs_locked(m, dev, (uint32_t)nvec);
}

/*
 * msix_capability_init(): one descriptor per vector, allocation through the
 * MSI core, full cleanup (and msix_enabled cleared) on any failure.
 */
/*
 * kernel/irq/affinity.c: irq_create_affinity_masks(): with PCI_IRQ_AFFINITY
 * the vectors between pre_vectors and nvec - post_vectors are managed and
 * spread (group i - pre of nvec - pre - post); none when nothing is left to
 * spread.  Only the x86 vector domain reads it.
 */
static void desc_set_affinity(struct ml_ctx *m, int dev, uint32_t index, int nvec,
			      uint32_t flags, uint32_t pre, uint32_t post)
{
	int i = msi_find_desc(m, dev, index);
	struct ml_desc *ds;

	if (i < 0)
		return;
	ds = &m->desc[i];
	ds->aff_managed = false;
	if (!(flags & ML_PCI_IRQ_AFFINITY) || (uint32_t)nvec <= pre + post ||
	    index < pre || index >= (uint32_t)nvec - post)
		return;
	ds->aff_managed = true;
	ds->aff_group = (uint16_t)(index - pre);
	ds->aff_ngroups = (uint16_t)((uint32_t)nvec - pre - post);
}

static int msix_capability_init(struct ml_ctx *m, int dev, int nvec, uint32_t flags,
				uint32_t pre, uint32_t post)
{
	struct ml_device *d = &m->dev[dev];
	int ret = 0;

	d->msix_enabled = true;
	for (int i = 0; i < nvec; i++) {
		ret = msi_insert_desc(m, dev, (uint32_t)i, 1, true);
		if (ret)
			break;
		desc_set_affinity(m, dev, (uint32_t)i, nvec, flags, pre, post);
	}
	if (!ret)
		ret = pci_msi_setup_msi_irqs(m, dev, nvec);
	if (ret) {
		pci_free_msi_irqs(m, dev);
		d->msix_enabled = false;
	}
	return ret;
}

static void emit_enable_range(struct ml_ctx *m, int dev, int type, int min, int max, int ret)
{
	struct ml_event ev;

	ml_event_init(&ev, ML_EV_PCI_ENABLE_RANGE);
	ev.dev = dev;
	ev.type = type;
	ev.min = min;
	ev.max = max;
	ev.ret = ret;
	ev.has_ret = true;
	ml_emit(m, &ev);
}

/* v6.1 / v6.12 drivers/pci/msi/msi.c: __pci_enable_msix_range() */
static int __pci_enable_msix_range_inner(struct ml_ctx *m, int dev, int minvec, int maxvec,
					 uint32_t flags, uint32_t pre, uint32_t post)
{
	const struct ml_dev_config *c = &m->cfg.dev[dev];
	struct ml_device *d = &m->dev[dev];
	bool affd = flags & ML_PCI_IRQ_AFFINITY;
	int nvec = maxvec, hwsize, rc;

	if (maxvec < minvec)
		return ML_ERANGE;
	if (d->msix_enabled) {
		ml_warn(m, "__pci_enable_msix_range", true, "WARN_ON_ONCE(dev->msix_enabled)");
		return ML_EINVAL;
	}
	if (ml_sw(m, ML_SW_PER_DEVICE_DOMAINS)) {
		if (d->msi_enabled)
			return ML_EINVAL;	/* "can't enable MSI-X (MSI already enabled)" */
		if (maxvec < 1)
			return ML_EINVAL;	/* pci_msi_supported() */
		if (!c->msix)
			return ML_EINVAL;	/* pci_msix_vec_count() */
		hwsize = (int)c->msix;
		if (hwsize < nvec) {
			if (flags & ML_PCI_IRQ_VIRTUAL)
				hwsize = nvec;
			else
				nvec = hwsize;
		}
		if (nvec < minvec)
			return ML_ENOSPC;
		pci_setup_msi_context(m, dev);
		if (!pci_setup_device_domain(m, dev, ML_DOM_PCI_MSIX, (uint32_t)hwsize))
			return ML_ENODEV;
	}
	for (;;) {
		if (affd) {
			nvec = irq_calc_affinity_vectors(m, minvec, nvec, pre, post);
			if (nvec < minvec)
				return ML_ENOSPC;
		}
		if (!ml_sw(m, ML_SW_PER_DEVICE_DOMAINS)) {
			/* v6.1 __pci_enable_msix() */
			if (nvec < 1)
				return ML_EINVAL;
			if (!c->msix)
				return ML_EINVAL;
			if (nvec > (int)c->msix && !(flags & ML_PCI_IRQ_VIRTUAL)) {
				rc = (int)c->msix;
				goto retry;
			}
			if (d->msi_enabled)
				return ML_EINVAL;
			pci_setup_msi_context(m, dev);
		}
		rc = msix_capability_init(m, dev, nvec, affd ? flags : 0, pre, post);
		if (rc == 0)
			return nvec;
retry:
		if (rc < 0)
			return rc;
		if (rc < minvec)
			return ML_ENOSPC;
		nvec = rc;
	}
}

static int __pci_enable_msix_range(struct ml_ctx *m, int dev, int minvec, int maxvec,
				   uint32_t flags, uint32_t pre, uint32_t post)
{
	int ret = __pci_enable_msix_range_inner(m, dev, minvec, maxvec, flags, pre, post);

	emit_enable_range(m, dev, ML_TYPE_MSIX, minvec, maxvec, ret);
	return ret;
}

/* ---- MSI ---- */

/*
 * msi_capability_init(): one descriptor for all vectors (Multi-MSI), the
 * device told to use the rounded-up count; v6.16 sets msi_enabled late.
 */
static int msi_capability_init(struct ml_ctx *m, int dev, int nvec, uint32_t flags,
			       uint32_t pre, uint32_t post)
{
	struct ml_device *d = &m->dev[dev];
	bool late = ml_sw(m, ML_SW_PCI_MSI_ENABLED_SET_LATE);
	int ret, i;

	/*
	 * v6.12 msi.c: "Reject multi-MSI early on irq domain enabled
	 * architectures": the x86 vector domain lacks MSI_FLAG_MULTI_PCI_MSI
	 * (the ITS has it).  v6.1 gets there later, by -ENOSYS (contiguous flag).
	 */
	if (m->cfg.x86 && ml_sw(m, ML_SW_PER_DEVICE_DOMAINS) && nvec > 1)
		return 1;
	if (!late)
		d->msi_enabled = true;
	ret = msi_insert_desc(m, dev, 0, (uint32_t)nvec, false);
	if (!ret)
		desc_set_affinity(m, dev, 0, nvec, flags, pre, post);
	if (!ret)
		ret = pci_msi_setup_msi_irqs(m, dev, nvec);
	if (ret) {
		pci_free_msi_irqs(m, dev);
		d->msi_enabled = false;
		return ret;
	}
	i = msi_find_desc(m, dev, 0);
	d->irq = i >= 0 ? m->desc[i].irq : 0;
	d->msi_enabled = true;
	return 0;
}

/* v6.1 / v6.12 / v6.16 drivers/pci/msi/msi.c: __pci_enable_msi_range() */
static int __pci_enable_msi_range_inner(struct ml_ctx *m, int dev, int minvec, int maxvec,
					uint32_t flags, uint32_t pre, uint32_t post)
{
	const struct ml_dev_config *c = &m->cfg.dev[dev];
	struct ml_device *d = &m->dev[dev];
	bool affd = flags & ML_PCI_IRQ_AFFINITY;
	int nvec, rc;

	if (minvec < 1)
		return ML_EINVAL;	/* pci_msi_supported() */
	if (d->msix_enabled)
		return ML_EINVAL;	/* "can't enable MSI (MSI-X already enabled)" */
	if (maxvec < minvec)
		return ML_ERANGE;
	if (d->msi_enabled) {
		ml_warn(m, "__pci_enable_msi_range", true, "WARN_ON_ONCE(dev->msi_enabled)");
		return ML_EINVAL;
	}
	if (!c->msi)
		return ML_EINVAL;	/* pci_msi_vec_count(): no MSI capability */
	nvec = (int)c->msi;
	if (nvec < minvec)
		return ML_ENOSPC;

	if (ml_sw(m, ML_SW_PREPARE_AT_CREATE)) {
		/* v6.16: the domain is sized before nvec is clamped to maxvec */
		pci_setup_msi_context(m, dev);
		if (!pci_setup_device_domain(m, dev, ML_DOM_PCI_MSI,
					     ml_sw(m, ML_SW_PCI_MSI_DOMAIN_HWSIZE_MMC) ? c->msi : 1))
			return ML_ENODEV;
		if (nvec > maxvec)
			nvec = maxvec;
	} else {
		if (nvec > maxvec)
			nvec = maxvec;
		pci_setup_msi_context(m, dev);
		if (!pci_setup_device_domain(m, dev, ML_DOM_PCI_MSI,
					     ml_sw(m, ML_SW_PCI_MSI_DOMAIN_HWSIZE_MMC) ? c->msi : 1))
			return ML_ENODEV;
	}
	for (;;) {
		if (affd) {
			nvec = irq_calc_affinity_vectors(m, minvec, nvec, pre, post);
			if (nvec < minvec)
				return ML_ENOSPC;
		}
		rc = msi_capability_init(m, dev, nvec, affd ? flags : 0, pre, post);
		if (rc == 0)
			return nvec;
		if (rc < 0)
			return rc;
		if (rc < minvec)
			return ML_ENOSPC;
		nvec = rc;
	}
}

static int __pci_enable_msi_range(struct ml_ctx *m, int dev, int minvec, int maxvec,
				  uint32_t flags, uint32_t pre, uint32_t post)
{
	int ret = __pci_enable_msi_range_inner(m, dev, minvec, maxvec, flags, pre, post);

	emit_enable_range(m, dev, ML_TYPE_MSI, minvec, maxvec, ret);
	return ret;
}

/* ---- the driver API ---- */

/* v6.12 drivers/pci/msi/api.c: pci_alloc_irq_vectors_affinity(): MSI-X, MSI, INTx */
int pci_alloc_irq_vectors_affinity(struct ml_ctx *m, int dev, int min, int max,
				   uint32_t flags, uint32_t pre, uint32_t post)
{
	int nvecs = ML_ENOSPC;

	if (flags & ML_PCI_IRQ_MSIX) {
		nvecs = __pci_enable_msix_range(m, dev, min, max, flags, pre, post);
		if (nvecs > 0)
			return nvecs;
	}
	if (flags & ML_PCI_IRQ_MSI) {
		nvecs = __pci_enable_msi_range(m, dev, min, max, flags, pre, post);
		if (nvecs > 0)
			return nvecs;
	}
	if ((flags & ML_PCI_IRQ_INTX) && min == 1 && m->cfg.dev[dev].intx)
		return 1;	/* pci_intx(dev, 1): the pin irq */
	return nvecs;
}

/* 2026 series, patch 1: pcim_alloc_irq_vectors() */
int pcim_alloc_irq_vectors(struct ml_ctx *m, int dev, int min, int max,
			   uint32_t flags, uint32_t pre, uint32_t post)
{
	m->dev[dev].is_msi_managed = true;
	return pci_alloc_irq_vectors_affinity(m, dev, min, max, flags, pre, post);
}

int pci_enable_msi(struct ml_ctx *m, int dev)
{
	int rc = __pci_enable_msi_range(m, dev, 1, 1, 0, 0, 0);

	return rc < 0 ? rc : 0;
}

int pci_enable_msix_range(struct ml_ctx *m, int dev, int min, int max)
{
	return __pci_enable_msix_range(m, dev, min, max, 0, 0, 0);
}

/* pci_free_msi_irqs(): every irq of domain 0, then the descriptors (also the
 * failure path of both capability inits) */
static void pci_free_msi_irqs(struct ml_ctx *m, int dev)
{
	if (ml_sw(m, ML_SW_PER_DEVICE_DOMAINS)) {
		int domain = m->dev[dev].domain;

		if (domain >= 0) {
			struct ml_ctrl ctrl = { .first = 0, .last = m->dom[domain].hwsize - 1 };

			msi_domain_free_locked(m, dev, &ctrl);
		}
	} else {
		msi_domain_free_irqs_descs_locked(m, dev);
	}
	msi_free_msi_descs_range(m, dev, 0, UINT32_MAX);
}

/* pci_disable_msix(): nothing at all unless MSI-X is enabled */
void pci_disable_msix(struct ml_ctx *m, int dev)
{
	struct ml_device *d = &m->dev[dev];

	if (!d->msix_enabled)
		return;
	d->msix_enabled = false;
	pci_free_msi_irqs(m, dev);
}

/* pci_disable_msi(): nothing at all unless MSI is enabled */
void pci_disable_msi(struct ml_ctx *m, int dev)
{
	struct ml_device *d = &m->dev[dev];

	if (!d->msi_enabled)
		return;
	d->msi_enabled = false;
	d->irq = 0;
	pci_free_msi_irqs(m, dev);
}

/*
 * pci_free_irq_vectors() = pci_disable_msix() + pci_disable_msi(); on a
 * device with neither enabled it is a silent no-op (spec §4.6): both
 * disable functions return before touching anything.
 */
void pci_free_irq_vectors(struct ml_ctx *m, int dev)
{
	pci_disable_msix(m, dev);
	pci_disable_msi(m, dev);
}
