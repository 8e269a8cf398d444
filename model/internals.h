/* SPDX-License-Identifier: GPL-2.0 */
/*
 * internals.h - the objects of the simulated machine, shared by the model's
 * files (and read, never written, by replay's timeline printer).
 *
 * Object identities are array indices, never pointers, so that output and
 * behaviour do not depend on addresses.
 */
#ifndef MSILAB_MODEL_INTERNALS_H
#define MSILAB_MODEL_INTERNALS_H

#include "model.h"
#include "bitmap.h"
#include "bitops.h"
#include "its_hw.h"
#include "its_lpi.h"

#define ML_MAX_DESCS		8192
#define ML_MAX_DOMAINS		(ML_MAX_DEVS + ML_MAX_ITS + 8)
#define ML_MAX_ITS_DEVS		512
#define ML_ARENA_WORDS		(1u << 16)	/* EventID bitmaps: 4 Mi bits */
#define ML_MAX_DEVRES		16
#define ML_MAX_CPUS		256
#define ML_REVMAP_SLOTS		16384	/* > 2 * ML_MAX_VIRQ */

#define ML_ENOMEM	(-12)
#define ML_EBUSY	(-16)
#define ML_EEXIST	(-17)
#define ML_ENODEV	(-19)
#define ML_EINVAL	(-22)
#define ML_ENOSPC	(-28)
#define ML_ERANGE	(-34)
#define ML_ENOSYS	(-38)
#define ML_ENOTSUPP	(-524)

/* struct irq_domain kinds the model creates */
enum ml_domain_kind {
	ML_DOM_GLOBAL_PCI,	/* v6.1 "ITS-PCI-MSI" (one per ITS) */
	ML_DOM_PCI_MSI,		/* per-device "ITS-PCI-MSI-<dev>" */
	ML_DOM_PCI_MSIX,	/* per-device "ITS-PCI-MSIX-<dev>" */
	ML_DOM_PLATFORM,	/* device MSI ("ITS-pMSI-<dev>") */
	ML_DOM_WIRED,		/* wired-to-MSI (mbigen) */
};

/**
 * struct ml_alloc_info - msi_alloc_info_t on arm64 (the part the ITS uses)
 * @prepared:	.msi_prepare filled it in successfully
 * @is_ptr:	scratchpad[0] currently holds the its_device "pointer" (its_msi_prepare
 *		overwrote the DevID: they share a union)
 * @devid:	scratchpad[0].ul while it holds the DevID
 * @its_dev:	scratchpad[0].ptr: index of the its_device, -1 for NULL
 * @proxy:	MSI_ALLOC_FLAGS_PROXY_DEVICE
 */
struct ml_alloc_info {
	bool prepared;
	bool is_ptr;
	bool proxy;
	uint32_t devid;
	int its_dev;
	uint32_t its_dev_gen;
};

/**
 * struct ml_domain - an MSI irq_domain (per-device, or v6.1's global one)
 * @gen:	creation number, to tell a domain from the next one in the slot
 * @template:	v6.16 bundle->alloc_info (info->alloc_data)
 * @nprepare:	successful .msi_prepare calls on this domain (INV-P1)
 * @nteardown:	.msi_teardown calls (INV-P2)
 * @nmapped:	live irqs in this domain
 */
struct ml_domain {
	bool live;
	enum ml_domain_kind kind;
	int dev;
	int its;
	uint32_t hwsize;
	uint32_t gen;
	struct ml_alloc_info template;
	uint32_t nprepare;
	uint32_t nteardown;
	uint32_t nmapped;
	bool p1_reported;
	bool p3_reported;
	int prep_its_dev;	/* the its_device prepare created or found (INV-P3) */
	uint32_t prep_gen;
};

/** struct ml_desc - struct msi_desc */
struct ml_desc {
	bool used;
	int dev;
	int domain;
	uint32_t domain_gen;	/* which domain of that slot index it was made for */
	uint32_t index;
	uint32_t irq;		/* first Linux irq, 0 = not associated */
	uint32_t nvec_used;
	bool is_msix;
	uint32_t multiple;	/* log2 of the rounded Multi-MSI count */
	int next;		/* next descriptor of the device, by index */
};

/** struct ml_irq - one Linux irq: irq_desc plus the irq_data of each level */
struct ml_irq {
	bool allocated;
	bool activated;
	bool started;		/* request_irq() done */
	bool leaked;		/* its descriptor or domain went away under it */
	int dev;
	int domain;
	uint32_t domain_gen;
	int desc;
	uint64_t msi_hwirq;
	/* ITS level */
	bool its_level;
	int its;
	int its_dev;
	uint32_t its_dev_gen;
	uint32_t eventid;
	uint32_t lpi;
	uint32_t cpu;
};

enum ml_shared_cause { ML_SHARED_NO, ML_SHARED_ALIAS, ML_SHARED_REPREPARE };

/**
 * struct ml_its_device - struct its_device
 * @map, @pad, @fail:	arena word offsets of the EventID bitmap (event_map.lpi_map)
 *			and of two shadow bitmaps recording why bits were set without
 *			an irq: padding of a power-of-two region (B3) and regions an
 *			allocation error left behind (B7)
 * @creator:		device whose prepare created it
 * @failed_empty:	an allocation on it failed and left it empty (B8)
 */
struct ml_its_device {
	bool live;
	bool shared;
	bool was_shared;	/* seen shared at an operation boundary (INV-I8) */
	enum ml_shared_cause shared_cause;
	int its;
	uint32_t gen;
	uint32_t devid;
	uint32_t nvecs;
	uint32_t nr_ites;
	uint32_t itt_bytes;
	uint32_t lpi_base;
	uint32_t nr_lpis;
	uint32_t map, pad, fail;
	uint32_t words;
	int creator;
	bool failed_empty;
	uint32_t reported;	/* invariants already reported for it */
};

enum ml_devres_kind {
	ML_DEVRES_PCIM_RELEASE,		/* v6.1 pci_devres: pcim_release() */
	ML_DEVRES_PCIM_DISABLE_DEVICE,	/* v6.12+: pcim_disable_device() */
	ML_DEVRES_MSI_DEVICE_DATA,	/* msi_device_data_release() */
	ML_DEVRES_PCIM_MSI_RELEASE,	/* pcim_msi_release() */
};

/** struct ml_device - struct device (+ struct pci_dev) */
struct ml_device {
	bool present;
	bool enabled;
	bool is_managed;
	bool is_msi_managed;
	bool msi_enabled;
	bool msix_enabled;
	bool has_msi_data;
	int domain;		/* MSI_DEFAULT_DOMAIN slot, -1 empty */
	int desc_head;
	int desc_tail;		/* highest index: descriptors mostly come in order */
	uint32_t ndesc;
	uint32_t irq;		/* dev->irq: pin irq (0 = none) or first MSI irq */
	uint32_t ndevres;
	enum ml_devres_kind devres[ML_MAX_DEVRES];
	uint32_t prepares;	/* v6.1: prepares since the MSI data was set up (INV-P1) */
	bool p1_reported;
	uint32_t reported;
};

/** struct ml_its - one GICv3 ITS */
struct ml_its {
	struct ml_its_config cfg;
	struct its_lpi_state lpi;
	uint32_t lost_lpis;		/* taken from the pool, owned by nobody */
	const char *lost_bug;		/* why (B13, free_lpi_range fault) */
	uint32_t lost_reported;
	int global_domain;		/* v6.1 ITS-PCI-MSI */
	struct its_hw hw;
};

struct ml_ctx {
	struct ml_config cfg;
	uint64_t sw;
	struct ml_faults faults;
	uint32_t step;
	char err[256];
	bool limited;			/* a capacity limit was hit (err says which) */

	ml_emit_fn emit;
	void *emit_arg;
	uint64_t nevents;

	unsigned int nviol;
	unsigned int nviol_total;
	struct ml_violation viol[ML_MAX_VIOL];
	uint32_t nwarned;
	const char *warned_once[32];	/* WARN_ON_ONCE sites already fired */

	uint64_t cpu_online[ML_MAX_CPUS / 64];
	uint32_t cpu_lpis[ML_MAX_CPUS];	/* its_read_lpi_count() */

	struct ml_device dev[ML_MAX_DEVS];

	uint32_t ndom;			/* high-water mark */
	uint32_t dom_gen;
	struct ml_domain dom[ML_MAX_DOMAINS];

	int desc_free;
	uint32_t ndesc_hw;		/* high-water mark */
	struct ml_desc desc[ML_MAX_DESCS];

	/* the revmap of every MSI domain: (domain gen, hwirq) -> virq, for
	 * irq_find_mapping(); open addressing, removal by backward shift */
	struct { uint64_t key; uint32_t virq; } revmap[ML_REVMAP_SLOTS];
	uint32_t nr_irqs;		/* grows like irq_expand_nr_irqs() */
	uint32_t virq_hw;		/* high-water mark */
	uint64_t irq_used[(ML_MAX_VIRQ + 63) / 64];
	struct ml_irq irq[ML_MAX_VIRQ];

	struct ml_its its[ML_MAX_ITS];
	uint32_t nitsdev;		/* high-water mark */
	uint32_t itsdev_gen;
	struct ml_its_device itsdev[ML_MAX_ITS_DEVS];

	struct its_lpi_state arena_free;	/* free word ranges of the arena */
	uint64_t arena[ML_ARENA_WORDS];
};

static inline bool ml_sw(const struct ml_ctx *m, enum ml_switch s)
{
	return (m->sw >> s) & 1;
}

static inline uint64_t *ml_words(struct ml_ctx *m, uint32_t off)
{
	return &m->arena[off];
}

/* ---- shared helpers (model/core.c) ---- */
void ml_emit(struct ml_ctx *m, struct ml_event *ev);
void ml_event_init(struct ml_event *ev, enum ml_ev_kind kind);
void ml_violate(struct ml_ctx *m, const char *inv, const char *bug,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void ml_warn(struct ml_ctx *m, const char *site, bool once, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void ml_ret(struct ml_ctx *m, const char *fn, int dev, int ret);
int ml_invalid(struct ml_ctx *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The scenario outgrew a fixed capacity of the model: the step is refused. */
void ml_limit(struct ml_ctx *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *ml_dev_name(const struct ml_ctx *m, int dev);
bool ml_cpu_online(const struct ml_ctx *m, uint32_t cpu);
int ml_arena_alloc(struct ml_ctx *m, uint32_t words, uint32_t *off);
void ml_arena_free(struct ml_ctx *m, uint32_t off, uint32_t words);

/* ---- kernel/irq/irqdomain.c + kernel/irq/irqdesc.c ---- */
int irq_domain_alloc_descs(struct ml_ctx *m, uint32_t cnt, uint64_t hwirq);
void irq_free_descs(struct ml_ctx *m, uint32_t virq, uint32_t cnt);
int irq_domain_activate_irq(struct ml_ctx *m, uint32_t virq);
void irq_domain_deactivate_irq(struct ml_ctx *m, uint32_t virq);
int irq_find_mapping(const struct ml_ctx *m, int domain, uint64_t hwirq);
void irq_domain_set_mapping(struct ml_ctx *m, uint32_t virq, int domain, uint64_t hwirq);

/* ---- kernel/irq/msi.c ---- */
struct ml_ctrl {
	int domid;
	uint32_t first, last;
	uint32_t nirqs;
};
bool msi_setup_device_data(struct ml_ctx *m, int dev);
int msi_insert_desc(struct ml_ctx *m, int dev, uint32_t index, uint32_t nvec_used,
		    bool is_msix);
int msi_find_desc(const struct ml_ctx *m, int dev, uint32_t index);
void msi_free_desc(struct ml_ctx *m, int desc);
void msi_free_msi_descs_range(struct ml_ctx *m, int dev, uint32_t first, uint32_t last);
bool msi_create_device_irq_domain(struct ml_ctx *m, int dev, enum ml_domain_kind kind,
				  uint32_t hwsize);
void msi_remove_device_irq_domain(struct ml_ctx *m, int dev);
int msi_domain_alloc_locked(struct ml_ctx *m, int dev, const struct ml_ctrl *ctrl);
void msi_domain_free_locked(struct ml_ctx *m, int dev, const struct ml_ctrl *ctrl);
int msi_domain_alloc_irqs_descs_locked(struct ml_ctx *m, int dev, uint32_t nvec);
void msi_domain_free_irqs_descs_locked(struct ml_ctx *m, int dev);
void msi_device_data_release(struct ml_ctx *m, int dev);
int msi_domain_alloc_irqs_range(struct ml_ctx *m, int dev, uint32_t first, uint32_t last);
void msi_domain_free_irqs_range(struct ml_ctx *m, int dev, uint32_t first, uint32_t last);
int msi_domain_alloc_irq_at(struct ml_ctx *m, int dev, uint32_t index, uint64_t cookie,
			    bool wired);
int platform_device_msi_init_and_alloc_irqs(struct ml_ctx *m, int dev, uint32_t nvec);
void platform_device_msi_free_irqs_all(struct ml_ctx *m, int dev);
uint32_t ml_domain_hwsize(const struct ml_ctx *m, int domain);

/* ---- drivers/irqchip/irq-gic-v3-its.c and the msi-parent ---- */
int its_init(struct ml_ctx *m, int its);
int its_pci_msi_prepare(struct ml_ctx *m, int domain, int dev, int nvec,
			struct ml_alloc_info *info);
int its_pmsi_prepare(struct ml_ctx *m, int domain, int dev, int nvec,
		     struct ml_alloc_info *info);
void its_msi_teardown(struct ml_ctx *m, int domain, struct ml_alloc_info *info);
int its_irq_domain_alloc(struct ml_ctx *m, uint32_t virq, uint32_t nr_irqs,
			 const struct ml_alloc_info *info);
void its_irq_domain_free(struct ml_ctx *m, uint32_t virq, uint32_t nr_irqs);
int its_irq_domain_activate(struct ml_ctx *m, uint32_t virq);
void its_irq_domain_deactivate(struct ml_ctx *m, uint32_t virq);
void its_cpu_offline(struct ml_ctx *m, uint32_t cpu);
bool its_dev_valid(const struct ml_ctx *m, int its_dev, uint32_t gen);

/* ---- drivers/pci/msi/ ---- */
int pci_alloc_irq_vectors_affinity(struct ml_ctx *m, int dev, int min, int max,
				   uint32_t flags, uint32_t pre, uint32_t post);
int pcim_alloc_irq_vectors(struct ml_ctx *m, int dev, int min, int max,
			   uint32_t flags, uint32_t pre, uint32_t post);
int pci_enable_msi(struct ml_ctx *m, int dev);
int pci_enable_msix_range(struct ml_ctx *m, int dev, int min, int max);
void pci_disable_msi(struct ml_ctx *m, int dev);
void pci_disable_msix(struct ml_ctx *m, int dev);
void pci_free_irq_vectors(struct ml_ctx *m, int dev);
int pci_enable_device(struct ml_ctx *m, int dev);
int pcim_enable_device(struct ml_ctx *m, int dev);
int pci_irq_vector(const struct ml_ctx *m, int dev, uint32_t nr);
void device_release_driver(struct ml_ctx *m, int dev);

/* ---- invariants ---- */
void ml_invariants_state(struct ml_ctx *m);

#endif /* MSILAB_MODEL_INTERNALS_H */
