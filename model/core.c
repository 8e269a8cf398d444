// SPDX-License-Identifier: GPL-2.0
/*
 * core.c - profiles, the machine context, operation dispatch and the
 * reporting helpers (events, WARNs, violations) of the model.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internals.h"

/* ---- profiles (spec section 8) ---- */

#define SW_61	(ML_SW(ITS_FREE_ON_EMPTY) | ML_SW(X86_CONTIGUOUS_FLAG_FOR_MSI) |	\
		 ML_SW(X86_MOVE_CLEANUP_VECTOR))
#define SW_612	(ML_SW(PER_DEVICE_DOMAINS) | ML_SW(ITS_FREE_ON_EMPTY) | ML_SW(ITS_HWSIZE_BUMP) | \
		 ML_SW(X86_POSTED_MSI_VECTOR) | ML_SW(X86_APIC_PHYSFLAT))
#define SW_615	(SW_612 | ML_SW(ITT_SIZE_UNPADDED))
#define SW_616	(ML_SW(PER_DEVICE_DOMAINS) | ML_SW(PREPARE_AT_CREATE) |		\
		 ML_SW(TEARDOWN_ON_REMOVE) | ML_SW(PCI_MSI_DOMAIN_HWSIZE_MMC) |	\
		 ML_SW(PCI_MSI_ENABLED_SET_LATE) | ML_SW(ITT_SIZE_UNPADDED) |	\
		 ML_SW(PLATFORM_FREE_ALL_REMOVES_DOMAIN) | ML_SW(X86_POSTED_MSI_VECTOR) |	\
		 ML_SW(X86_APIC_PHYSFLAT))

static const struct ml_profile profiles[] = {
	{ "6.1",  601, SW_61 },
	{ "6.12", 612, SW_612 },
	{ "6.15", 615, SW_615 },
	{ "6.16", 616, SW_616 },
	{ "6.18", 618, SW_616 },	/* same modelled behaviour as 6.16 (spec §1) */
};

static const char *const switch_names[] = {
#define SW_NAME(id, name, desc) name,
	ML_SWITCHES(SW_NAME)
#undef SW_NAME
};

static const char *const switch_descs[] = {
#define SW_DESC(id, name, desc) desc,
	ML_SWITCHES(SW_DESC)
#undef SW_DESC
};

unsigned int ml_profiles(const struct ml_profile **list)
{
	*list = profiles;
	return sizeof(profiles) / sizeof(profiles[0]);
}

int ml_profile_lookup(const char *name, struct ml_profile *out)
{
	for (unsigned int i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
		if (!strcmp(profiles[i].name, name)) {
			*out = profiles[i];
			return 0;
		}
	}
	return -1;
}

/*
 * The release string is what uname -r prints ("6.1.0-56-arm64",
 * "6.18.15+deb13-arm64").  Kernels between the modelled ones map to the
 * profile whose switches they share; 6.2 to 6.10 have none of ours.
 */
int ml_profile_from_release(const char *release, struct ml_profile *out)
{
	unsigned int major = 0, minor = 0;
	const char *name;

	if (sscanf(release, "%u.%u", &major, &minor) != 2)
		return -1;
	if (major == 6 && minor == 1)
		name = "6.1";
	else if (major == 6 && (minor == 11 || minor == 12))
		name = "6.12";
	else if (major == 6 && minor >= 13 && minor <= 15)
		name = "6.15";
	else if (major == 6 && minor == 18)
		name = "6.18";
	else if ((major == 6 && minor >= 16) || major >= 7)
		name = "6.16";
	else
		return -1;
	return ml_profile_lookup(name, out);
}

const char *ml_switch_name(enum ml_switch s)
{
	return s < ML_SW__COUNT ? switch_names[s] : "?";
}

const char *ml_switch_desc(enum ml_switch s)
{
	return s < ML_SW__COUNT ? switch_descs[s] : "?";
}

int ml_switch_lookup(const char *name, size_t len)
{
	for (int i = 0; i < ML_SW__COUNT; i++)
		if (strlen(switch_names[i]) == len && !memcmp(switch_names[i], name, len))
			return i;
	return -1;
}

const char *ml_profile_describe(const struct ml_profile *p, char *buf, size_t n)
{
	struct ml_profile base;
	size_t len;

	len = (size_t)snprintf(buf, n, "%s", p->name);
	if (ml_profile_lookup(p->name, &base))
		return buf;
	for (int i = 0; i < ML_SW__COUNT && len < n; i++) {
		uint64_t bit = 1ull << i;

		if ((p->sw & bit) != (base.sw & bit))
			len += (size_t)snprintf(buf + len, n - len, "%c%s",
						(p->sw & bit) ? '+' : '-', switch_names[i]);
	}
	return buf;
}

/* ---- reporting ---- */

void ml_event_init(struct ml_event *ev, enum ml_ev_kind kind)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->dev = -1;
	ev->type = ML_TYPE_NONE;
}

void ml_emit(struct ml_ctx *m, struct ml_event *ev)
{
	if (ev->kind >= ML_EV_VECTOR_CONFIG && m->cfg.x86)
		x86_trace_check(m, ev);	/* INV-X6 on the model's own trace */
	if (m->emit)
		m->emit(m->emit_arg, ev);
}

void ml_ret(struct ml_ctx *m, const char *fn, int dev, int ret)
{
	struct ml_event ev;

	if (!m->emit)
		return;
	ml_event_init(&ev, ML_EV_RET);
	ev.fn = fn;
	ev.dev = dev;
	ev.ret = ret;
	ev.has_ret = true;
	ml_emit(m, &ev);
}

/* A kernel WARN*() the model reached; @once for WARN_ON_ONCE() sites. */
void ml_warn(struct ml_ctx *m, const char *site, bool once, const char *fmt, ...)
{
	struct ml_event ev;
	va_list ap;

	if (once) {
		for (uint32_t i = 0; i < m->nwarned; i++)
			if (!strcmp(m->warned_once[i], site))
				return;
		if (m->nwarned < sizeof(m->warned_once) / sizeof(m->warned_once[0]))
			m->warned_once[m->nwarned++] = site;
	}
	ml_event_init(&ev, ML_EV_WARN);
	ev.site = site;
	va_start(ap, fmt);
	vsnprintf(ev.msg, sizeof(ev.msg), fmt, ap);
	va_end(ap);
	ml_emit(m, &ev);
}

void ml_violate(struct ml_ctx *m, const char *inv, const char *bug, const char *fmt, ...)
{
	struct ml_violation *v;
	va_list ap;

	m->nviol_total++;
	if (m->nviol >= ML_MAX_VIOL)
		return;
	v = &m->viol[m->nviol++];
	v->inv = inv;
	v->bug = bug;
	va_start(ap, fmt);
	vsnprintf(v->detail, sizeof(v->detail), fmt, ap);
	va_end(ap);
}

int ml_invalid(struct ml_ctx *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->err, sizeof(m->err), fmt, ap);
	va_end(ap);
	return -1;
}

void ml_limit(struct ml_ctx *m, const char *fmt, ...)
{
	va_list ap;
	size_t len;

	if (m->limited)
		return;
	m->limited = true;
	len = (size_t)snprintf(m->err, sizeof(m->err), "model capacity exceeded: ");
	va_start(ap, fmt);
	vsnprintf(m->err + len, sizeof(m->err) - len, fmt, ap);
	va_end(ap);
}

const char *ml_dev_name(const struct ml_ctx *m, int dev)
{
	if (dev < 0 || (uint32_t)dev >= m->cfg.ndev)
		return "?";
	return m->cfg.dev[dev].name;
}

bool ml_cpu_online(const struct ml_ctx *m, uint32_t cpu)
{
	return cpu < ML_MAX_CPUS && ((m->cpu_online[cpu / 64] >> (cpu % 64)) & 1);
}

/* EventID bitmaps live in one arena of words, handed out first-fit. */
int ml_arena_alloc(struct ml_ctx *m, uint32_t words, uint32_t *off)
{
	if (alloc_lpi_range(&m->arena_free, words, off))
		return ML_ENOMEM;
	memset(&m->arena[*off], 0, (size_t)words * sizeof(uint64_t));
	return 0;
}

void ml_arena_free(struct ml_ctx *m, uint32_t off, uint32_t words)
{
	if (free_lpi_range(&m->arena_free, off, words))
		ml_limit(m, "the EventID bitmap arena is too fragmented");
}

/* ---- the machine ---- */

void ml_config_init(struct ml_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	ml_profile_lookup("6.16", &cfg->profile);
	cfg->cpus = 2;
	cfg->nr_irqs = 64;
	cfg->nits = 1;
	cfg->its[0] = (struct ml_its_config){ .lpi_bits = 16, .num_lpis = 0,
		.event_bits = 16, .devid_bits = 16, .ite_size = 8 };
}

size_t ml_ctx_size(void)
{
	return sizeof(struct ml_ctx);
}

static void arena_init(struct ml_ctx *m)
{
	m->arena_free.nr = 1;
	m->arena_free.r[0].base = 0;
	m->arena_free.r[0].span = ML_ARENA_WORDS;
	m->arena_free.pool_base = 0;
	m->arena_free.pool_size = ML_ARENA_WORDS;
}

/* Clear everything the previous run touched, then build the start state. */
static int ml_build(struct ml_ctx *m)
{
	const struct ml_config *cfg = &m->cfg;

	m->sw = cfg->profile.sw;
	memset(&m->faults, 0, sizeof(m->faults));
	m->step = 0;
	m->err[0] = 0;
	m->limited = false;
	m->nviol = 0;
	m->nviol_total = 0;
	m->nwarned = 0;
	ml_inv_reset(m);

	memset(m->cpu_online, 0, sizeof(m->cpu_online));
	memset(m->cpu_lpis, 0, sizeof(m->cpu_lpis));
	for (uint32_t c = 0; c < cfg->cpus && c < ML_MAX_CPUS; c++)
		m->cpu_online[c / 64] |= 1ull << (c % 64);

	memset(m->dev, 0, sizeof(m->dev[0]) * cfg->ndev);
	for (uint32_t d = 0; d < cfg->ndev; d++) {
		m->dev[d].present = true;
		m->dev[d].domain = -1;
		m->dev[d].desc_head = -1;
		m->dev[d].desc_tail = -1;
	}

	memset(m->dom, 0, sizeof(m->dom[0]) * m->ndom);
	m->ndom = 0;
	m->dom_gen = 0;

	memset(m->desc, 0, sizeof(m->desc[0]) * m->ndesc_hw);
	m->ndesc_hw = 0;
	m->desc_free = -1;

	for (uint32_t v = 1; v <= m->virq_hw; v++)
		if (m->irq[v].allocated)
			irq_free_descs(m, v, 1);
	memset(m->irq, 0, sizeof(m->irq[0]) * (m->virq_hw + 1));
	m->virq_hw = 0;
	memcpy(m->irq_used, cfg->irqs_used, sizeof(m->irq_used));
	m->irq_used[0] |= 1;	/* irq 0 is never handed out */
	m->nr_irqs = cfg->nr_irqs;

	memset(m->itsdev, 0, sizeof(m->itsdev[0]) * m->nitsdev);
	m->nitsdev = 0;
	m->itsdev_gen = 0;
	arena_init(m);

	for (uint32_t i = 0; i < cfg->nits; i++) {
		if (its_init(m, (int)i))
			return -1;
	}
	if (cfg->x86) {
		m->x86.global_domain = -1;
		m->x86.dmar_domain = -1;
		m->x86.hpet_domain = -1;
		if (!ml_sw(m, ML_SW_PER_DEVICE_DOMAINS) && x86_create_global_domain(m))
			return -1;
		if (x86_init(m))
			return -1;
	}
	return 0;
}

static int ml_config_check(struct ml_ctx *m, const struct ml_config *cfg)
{
	if (cfg->ndev > ML_MAX_DEVS || cfg->nits > ML_MAX_ITS ||
	    cfg->cpus == 0 || cfg->cpus > ML_MAX_CPUS)
		return ml_invalid(m, "machine too large for the model (%u devices, %u ITSes, %u CPUs)",
				  cfg->ndev, cfg->nits, cfg->cpus);
	if (!cfg->x86 && cfg->nits == 0)
		return ml_invalid(m, "an arm64 machine needs at least one ITS");
	for (uint32_t d = 0; d < cfg->ndev && !cfg->x86; d++) {
		if (cfg->dev[d].its < 0 || (uint32_t)cfg->dev[d].its >= cfg->nits)
			return ml_invalid(m, "device %s: no such ITS", cfg->dev[d].name);
	}
	return 0;
}

int ml_ctx_init(struct ml_ctx *m, const struct ml_config *cfg)
{
	/*
	 * The context may be fresh memory or a machine used before with
	 * another configuration: clear every object array once (the reset
	 * path then only clears what a run touched, up to the high-water marks).
	 */
	memset(m->dev, 0, sizeof(m->dev));
	memset(m->dom, 0, sizeof(m->dom));
	memset(m->desc, 0, sizeof(m->desc));
	memset(m->irq, 0, sizeof(m->irq));
	memset(m->itsdev, 0, sizeof(m->itsdev));
	m->ndom = 0;
	m->ndesc_hw = 0;
	m->virq_hw = 0;
	m->nitsdev = 0;
	m->emit = NULL;
	m->emit_arg = NULL;
	m->full_check = false;
	memset(&m->inv, 0, sizeof(m->inv));
	memset(m->its, 0, sizeof(m->its));
	memset(m->revmap, 0, sizeof(m->revmap));
	if (ml_config_check(m, cfg))
		return -1;
	m->cfg = *cfg;
	for (uint32_t i = 0; i < cfg->nits; i++)
		its_hw_init(&m->its[i].hw, cfg->its[i].event_bits, cfg->its[i].devid_bits);
	return ml_build(m);
}

/*
 * What ml_ctx_init() costs is clearing the whole context (about 10 MB);
 * a context that already holds a machine only needs what that machine
 * touched cleared (ml_build() does it up to the high-water marks, the
 * revmap entries go with the irqs), then the new machine built.
 */
int ml_ctx_reconfigure(struct ml_ctx *m, const struct ml_config *cfg)
{
	uint32_t old_nits = m->cfg.nits;

	if (ml_config_check(m, cfg))
		return -1;
	for (uint32_t i = 0; i < old_nits; i++)
		its_hw_reset(&m->its[i].hw);
	ml_build(m);		/* the old machine, emptied */
	/*
	 * Copy what the machine reads (the config is 55 kB): device slots past
	 * cfg->ndev are never read, nor the x86 start state (x86_init()) on
	 * an arm64 machine.
	 */
	memcpy(&m->cfg, cfg, offsetof(struct ml_config, dev) + cfg->ndev * sizeof(cfg->dev[0]));
	if (cfg->x86)
		memcpy((char *)&m->cfg + offsetof(struct ml_config, dev) + sizeof(cfg->dev),
		       (const char *)cfg + offsetof(struct ml_config, dev) + sizeof(cfg->dev),
		       sizeof(*cfg) - offsetof(struct ml_config, dev) - sizeof(cfg->dev));
	for (uint32_t i = 0; i < cfg->nits; i++) {
		if (i < old_nits)
			its_hw_reconfigure(&m->its[i].hw, cfg->its[i].event_bits,
					   cfg->its[i].devid_bits);
		else
			its_hw_init(&m->its[i].hw, cfg->its[i].event_bits, cfg->its[i].devid_bits);
	}
	return ml_build(m);
}

void ml_ctx_reset(struct ml_ctx *m)
{
	for (uint32_t i = 0; i < m->cfg.nits; i++)
		its_hw_reset(&m->its[i].hw);
	ml_build(m);
}

void ml_set_emit(struct ml_ctx *m, ml_emit_fn fn, void *arg)
{
	m->emit = fn;
	m->emit_arg = arg;
}

unsigned int ml_violations(const struct ml_ctx *m, const struct ml_violation **v)
{
	*v = m->viol;
	return m->nviol;
}

unsigned int ml_violations_total(const struct ml_ctx *m)
{
	return m->nviol_total;
}

const char *ml_error(const struct ml_ctx *m)
{
	return m->err;
}

uint32_t ml_step(const struct ml_ctx *m)
{
	return m->step;
}

void ml_set_full_check(struct ml_ctx *m, bool on)
{
	m->full_check = on;
}

void ml_check_invariants(struct ml_ctx *m)
{
	ml_invariants_full(m);
	ml_invariants_x86(m);
}

static const char *const op_names[ML_OP__COUNT] = {
	[ML_OP_PCI_ENABLE_DEVICE] = "pci_enable_device",
	[ML_OP_PCIM_ENABLE_DEVICE] = "pcim_enable_device",
	[ML_OP_PCI_ALLOC_IRQ_VECTORS] = "pci_alloc_irq_vectors",
	[ML_OP_PCIM_ALLOC_IRQ_VECTORS] = "pcim_alloc_irq_vectors",
	[ML_OP_PCI_ENABLE_MSI] = "pci_enable_msi",
	[ML_OP_PCI_ENABLE_MSIX_RANGE] = "pci_enable_msix_range",
	[ML_OP_PCI_DISABLE_MSI] = "pci_disable_msi",
	[ML_OP_PCI_DISABLE_MSIX] = "pci_disable_msix",
	[ML_OP_PCI_FREE_IRQ_VECTORS] = "pci_free_irq_vectors",
	[ML_OP_REQUEST_IRQ] = "request_irq",
	[ML_OP_FREE_IRQ] = "free_irq",
	[ML_OP_DRIVER_UNBIND] = "driver_unbind",
	[ML_OP_DEVICE_REMOVE] = "device_remove",
	[ML_OP_DEVICE_ADD] = "device_add",
	[ML_OP_MSI_CREATE_DEVICE_IRQ_DOMAIN] = "msi_create_device_irq_domain",
	[ML_OP_MSI_REMOVE_DEVICE_IRQ_DOMAIN] = "msi_remove_device_irq_domain",
	[ML_OP_MSI_DOMAIN_ALLOC_IRQS_RANGE] = "msi_domain_alloc_irqs_range",
	[ML_OP_MSI_DOMAIN_FREE_IRQS_RANGE] = "msi_domain_free_irqs_range",
	[ML_OP_MSI_DOMAIN_ALLOC_IRQ_AT] = "msi_domain_alloc_irq_at",
	[ML_OP_MSI_DEVICE_DOMAIN_ALLOC_WIRED] = "msi_device_domain_alloc_wired",
	[ML_OP_PLATFORM_DEVICE_MSI_INIT_AND_ALLOC_IRQS] = "platform_device_msi_init_and_alloc_irqs",
	[ML_OP_PLATFORM_DEVICE_MSI_FREE_IRQS_ALL] = "platform_device_msi_free_irqs_all",
	[ML_OP_CPU_OFFLINE] = "cpu_offline",
	[ML_OP_CPU_ONLINE] = "cpu_online",
	[ML_OP_IRQ_SET_AFFINITY] = "irq_set_affinity",
	[ML_OP_DMAR_ALLOC_HWIRQ] = "dmar_alloc_hwirq",
	[ML_OP_DMAR_FREE_HWIRQ] = "dmar_free_hwirq",
	[ML_OP_HPET_ASSIGN_IRQ] = "hpet_assign_irq",
	[ML_OP_MP_MAP_PIN_TO_IRQ] = "mp_map_pin_to_irq",
	[ML_OP_MP_UNMAP_IRQ] = "mp_unmap_irq",
	[ML_OP_FAULT] = "fault",
};

const char *ml_op_name(enum ml_op_kind k)
{
	return k < ML_OP__COUNT ? op_names[k] : "?";
}

/* ---- requests on behalf of a driver ---- */

/* request_irq(): start the irq; activate it unless already active. */
/* The Linux irq of a device's vector: pci_irq_vector(), or the n-th DMAR/HPET irq (x86). */
static int dev_irq(const struct ml_ctx *m, int dev, uint32_t vec)
{
	if (m->cfg.x86 && m->cfg.dev[dev].x86_kind != ML_DEV_NORMAL)
		return vec < m->dev[dev].nhwirqs && m->irq[m->dev[dev].hwirqs[vec]].allocated ?
		       (int)m->dev[dev].hwirqs[vec] : ML_EINVAL;
	return pci_irq_vector(m, dev, vec);
}

static int request_irq(struct ml_ctx *m, int dev, uint32_t vec)
{
	int virq = dev_irq(m, dev, vec);
	struct ml_irq *irq;
	int ret;

	if (virq <= 0)
		return ML_EINVAL;
	irq = &m->irq[virq];
	if (irq->started)
		return ML_EBUSY;	/* no IRQF_SHARED in the model */
	if (!irq->activated && m->cfg.x86 && x86_startup_managed_abort(m, (uint32_t)virq)) {
		irq->started = true;	/* IRQ_STARTUP_ABORT: started at the next CPU online */
		return 0;
	}
	if (!irq->activated) {
		ret = irq_domain_activate_irq(m, (uint32_t)virq);
		if (ret)
			return ret;
	}
	irq->started = true;
	return 0;
}

/* free_irq(): shut down and deactivate (ITS: DISCARD), spec §11.1. */
static int free_irq(struct ml_ctx *m, int dev, uint32_t vec)
{
	int virq = dev_irq(m, dev, vec);
	struct ml_irq *irq;

	if (virq <= 0 || !m->irq[virq].allocated || !m->irq[virq].started) {
		/* kernel/irq/manage.c: __free_irq() */
		ml_warn(m, "__free_irq", false, "Trying to free already-free IRQ %d",
			virq > 0 ? virq : 0);
		return ML_EINVAL;
	}
	irq = &m->irq[virq];
	irq->started = false;
	if (irq->activated)
		irq_domain_deactivate_irq(m, (uint32_t)virq);
	return 0;
}

static bool platform_ok(struct ml_ctx *m, int dev)
{
	if (!ml_sw(m, ML_SW_PER_DEVICE_DOMAINS)) {
		ml_invalid(m, "device MSI domains need per-device MSI domains (v6.2+); "
			   "v6.1's platform-MSI layer is not modelled");
		return false;
	}
	if (m->cfg.dev[dev].pci) {
		ml_invalid(m, "%s is a PCI device: use the PCI/MSI operations", ml_dev_name(m, dev));
		return false;
	}
	return true;
}

static bool pci_ok(struct ml_ctx *m, int dev)
{
	if (!m->cfg.dev[dev].pci) {
		ml_invalid(m, "%s is not a PCI device", ml_dev_name(m, dev));
		return false;
	}
	return true;
}

static int apply(struct ml_ctx *m, const struct ml_op *op, int *kret)
{
	int dev = op->dev;
	int ret = 0;

	if (op->kind != ML_OP_FAULT && op->kind != ML_OP_CPU_OFFLINE &&
	    op->kind != ML_OP_CPU_ONLINE &&
	    !((op->kind == ML_OP_MP_MAP_PIN_TO_IRQ || op->kind == ML_OP_MP_UNMAP_IRQ) && dev < 0)) {
		if (dev < 0 || (uint32_t)dev >= m->cfg.ndev)
			return ml_invalid(m, "no such device");
		if (op->kind == ML_OP_DEVICE_ADD) {
			if (m->dev[dev].present)
				return ml_invalid(m, "%s is already present", ml_dev_name(m, dev));
		} else if (!m->dev[dev].present) {
			return ml_invalid(m, "%s was removed: add it back with device_add first",
					  ml_dev_name(m, dev));
		}
	}
	if (m->cfg.x86) {
		if (op->kind == ML_OP_MSI_CREATE_DEVICE_IRQ_DOMAIN ||
		    (op->kind >= ML_OP_MSI_REMOVE_DEVICE_IRQ_DOMAIN &&
		     op->kind <= ML_OP_PLATFORM_DEVICE_MSI_FREE_IRQS_ALL))
			return ml_invalid(m, "device (platform) MSI domains on x86 are not modelled: "
					  "use the PCI/MSI, DMAR or HPET operations");
		if ((op->kind == ML_OP_DMAR_ALLOC_HWIRQ || op->kind == ML_OP_DMAR_FREE_HWIRQ) &&
		    m->cfg.dev[dev].x86_kind != ML_DEV_DMAR)
			return ml_invalid(m, "%s is not a DMAR unit (bus=dmar)", ml_dev_name(m, dev));
		if (op->kind == ML_OP_HPET_ASSIGN_IRQ && m->cfg.dev[dev].x86_kind != ML_DEV_HPET)
			return ml_invalid(m, "%s is not an HPET block (bus=hpet)", ml_dev_name(m, dev));
	} else if (op->kind >= ML_OP_IRQ_SET_AFFINITY) {
		return ml_invalid(m, "%s is an x86 operation", ml_op_name(op->kind));
	}

	switch (op->kind) {
	case ML_OP_PCI_ENABLE_DEVICE:
		if (!pci_ok(m, dev))
			return -1;
		ret = pci_enable_device(m, dev);
		break;
	case ML_OP_PCIM_ENABLE_DEVICE:
		if (!pci_ok(m, dev))
			return -1;
		ret = pcim_enable_device(m, dev);
		break;
	case ML_OP_PCI_ALLOC_IRQ_VECTORS:
		if (!pci_ok(m, dev))
			return -1;
		ret = pci_alloc_irq_vectors_affinity(m, dev, op->min, op->max, op->flags,
						     op->pre, op->post);
		ml_ret(m, "pci_alloc_irq_vectors", dev, ret);
		break;
	case ML_OP_PCIM_ALLOC_IRQ_VECTORS:
		if (!pci_ok(m, dev))
			return -1;
		if (!ml_sw(m, ML_SW_PCIM_ALLOC_IRQ_VECTORS))
			return ml_invalid(m, "pcim_alloc_irq_vectors() exists only with the 2026 series "
					  "(--set PCIM_ALLOC_IRQ_VECTORS=on)");
		ret = pcim_alloc_irq_vectors(m, dev, op->min, op->max, op->flags, op->pre, op->post);
		ml_ret(m, "pcim_alloc_irq_vectors", dev, ret);
		break;
	case ML_OP_PCI_ENABLE_MSI:
		if (!pci_ok(m, dev))
			return -1;
		ret = pci_enable_msi(m, dev);
		ml_ret(m, "pci_enable_msi", dev, ret);
		break;
	case ML_OP_PCI_ENABLE_MSIX_RANGE:
		if (!pci_ok(m, dev))
			return -1;
		ret = pci_enable_msix_range(m, dev, op->min, op->max);
		ml_ret(m, "pci_enable_msix_range", dev, ret);
		break;
	case ML_OP_PCI_DISABLE_MSI:
		if (!pci_ok(m, dev))
			return -1;
		pci_disable_msi(m, dev);
		break;
	case ML_OP_PCI_DISABLE_MSIX:
		if (!pci_ok(m, dev))
			return -1;
		pci_disable_msix(m, dev);
		break;
	case ML_OP_PCI_FREE_IRQ_VECTORS:
		if (!pci_ok(m, dev))
			return -1;
		pci_free_irq_vectors(m, dev);
		break;
	case ML_OP_REQUEST_IRQ:
		ret = request_irq(m, dev, op->vec);
		ml_ret(m, "request_irq", dev, ret);
		break;
	case ML_OP_FREE_IRQ:
		ret = free_irq(m, dev, op->vec);
		break;
	case ML_OP_DRIVER_UNBIND:
		device_release_driver(m, dev);
		break;
	case ML_OP_DEVICE_REMOVE:
		device_release_driver(m, dev);
		m->dev[dev].present = false;
		break;
	case ML_OP_DEVICE_ADD: {
		struct ml_device *d = &m->dev[dev];

		memset(d, 0, sizeof(*d));
		d->present = true;
		d->domain = -1;
		d->desc_head = -1;
		d->desc_tail = -1;
		break;
	}
	case ML_OP_MSI_CREATE_DEVICE_IRQ_DOMAIN:
		if (!platform_ok(m, dev))
			return -1;
		ret = msi_create_device_irq_domain(m, dev, m->cfg.dev[dev].wired ?
						   ML_DOM_WIRED : ML_DOM_PLATFORM, op->hwsize);
		break;
	case ML_OP_MSI_REMOVE_DEVICE_IRQ_DOMAIN:
		if (!platform_ok(m, dev))
			return -1;
		msi_remove_device_irq_domain(m, dev);
		break;
	case ML_OP_MSI_DOMAIN_ALLOC_IRQS_RANGE:
		if (!platform_ok(m, dev))
			return -1;
		ret = msi_domain_alloc_irqs_range(m, dev, op->first, op->last);
		ml_ret(m, "msi_domain_alloc_irqs_range", dev, ret);
		break;
	case ML_OP_MSI_DOMAIN_FREE_IRQS_RANGE:
		if (!platform_ok(m, dev))
			return -1;
		msi_domain_free_irqs_range(m, dev, op->first, op->last);
		break;
	case ML_OP_MSI_DOMAIN_ALLOC_IRQ_AT:
		if (!platform_ok(m, dev))
			return -1;
		ret = msi_domain_alloc_irq_at(m, dev, op->index, 0, false);
		ml_ret(m, "msi_domain_alloc_irq_at", dev, ret);
		break;
	case ML_OP_MSI_DEVICE_DOMAIN_ALLOC_WIRED:
		if (!platform_ok(m, dev))
			return -1;
		if (!m->cfg.dev[dev].wired)
			return ml_invalid(m, "%s is not declared wired=1", ml_dev_name(m, dev));
		ret = msi_domain_alloc_irq_at(m, dev, ML_ANY_INDEX, op->hwirq, true);
		ml_ret(m, "msi_device_domain_alloc_wired", dev, ret);
		break;
	case ML_OP_PLATFORM_DEVICE_MSI_INIT_AND_ALLOC_IRQS:
		if (!platform_ok(m, dev))
			return -1;
		ret = platform_device_msi_init_and_alloc_irqs(m, dev, op->nvec);
		ml_ret(m, "platform_device_msi_init_and_alloc_irqs", dev, ret);
		break;
	case ML_OP_PLATFORM_DEVICE_MSI_FREE_IRQS_ALL:
		if (!platform_ok(m, dev))
			return -1;
		platform_device_msi_free_irqs_all(m, dev);
		break;
	case ML_OP_CPU_OFFLINE: {
		uint32_t online = 0;

		if (op->cpu >= m->cfg.cpus)
			return ml_invalid(m, "cpu%u does not exist (%u CPUs)", op->cpu, m->cfg.cpus);
		for (uint32_t c = 0; c < m->cfg.cpus; c++)
			online += ml_cpu_online(m, c);
		if (!ml_cpu_online(m, op->cpu)) {
			ret = 0;
		} else if (online == 1) {
			ret = ML_EBUSY;		/* the last CPU cannot go */
		} else {
			m->cpu_online[op->cpu / 64] &= ~(1ull << (op->cpu % 64));
			if (m->cfg.x86)
				x86_cpu_offline(m, op->cpu);
			else
				its_cpu_offline(m, op->cpu);
		}
		break;
	}
	case ML_OP_CPU_ONLINE:
		if (op->cpu >= m->cfg.cpus)
			return ml_invalid(m, "cpu%u does not exist (%u CPUs)", op->cpu, m->cfg.cpus);
		if (ml_cpu_online(m, op->cpu))
			break;
		m->cpu_online[op->cpu / 64] |= 1ull << (op->cpu % 64);
		if (m->cfg.x86)
			x86_cpu_online(m, op->cpu);
		break;
	case ML_OP_IRQ_SET_AFFINITY:
		ret = x86_irq_set_affinity(m, dev, op->vec, op->mask);
		ml_ret(m, "irq_set_affinity", dev, ret);
		break;
	case ML_OP_DMAR_ALLOC_HWIRQ:
		ret = x86_dmar_alloc_hwirq(m, dev, op->hwirq);
		ml_ret(m, "dmar_alloc_hwirq", dev, ret);
		break;
	case ML_OP_DMAR_FREE_HWIRQ:
		x86_hwirq_free(m, dev);
		break;
	case ML_OP_HPET_ASSIGN_IRQ:
		ret = x86_hpet_assign_irq(m, dev, op->hwirq);
		ml_ret(m, "hpet_assign_irq", dev, ret);
		break;
	case ML_OP_MP_MAP_PIN_TO_IRQ:
		if (op->virq == 0 || op->virq >= ML_MAX_VIRQ)
			return ml_invalid(m, "mp_map_pin_to_irq: irq %u is outside the model's irq space",
					  op->virq);
		ret = x86_ioapic_map(m, op->virq);
		break;
	case ML_OP_MP_UNMAP_IRQ:
		if (op->virq == 0 || op->virq >= ML_MAX_VIRQ)
			return ml_invalid(m, "mp_unmap_irq: irq %u is outside the model's irq space",
					  op->virq);
		x86_ioapic_unmap(m, op->virq);
		break;
	case ML_OP_FAULT:
		if (op->point >= ML_F__COUNT)
			return ml_invalid(m, "no such fault point");
		ml_fault_arm(&m->faults, op->point, op->skip, op->count);
		break;
	default:
		return ml_invalid(m, "unknown operation %d", (int)op->kind);
	}
	if (kret)
		*kret = ret;
	return 0;
}

int ml_apply(struct ml_ctx *m, const struct ml_op *op, int *kret)
{
	int ret;

	m->step++;
	m->nviol = 0;
	m->err[0] = 0;
	if (kret)
		*kret = 0;
	ml_inv_begin(m, op);
	ret = apply(m, op, kret);
	if (ret)
		return ret;
	if (m->limited)
		return -1;
	ml_invariants_state(m);
	ml_invariants_x86(m);
	return 0;
}
