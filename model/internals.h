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
#include "x86.h"

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
	ML_DOM_X86_DMAR,	/* x86 "DMAR-MSI" */
	ML_DOM_X86_HPET,	/* x86 "HPET-MSI" */
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
	struct ml_x86_alloc_info x86;	/* x86: struct irq_alloc_info */
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
	bool aff_managed;	/* irq_affinity_desc.is_managed (x86 uses it) */
	uint16_t aff_group, aff_ngroups;	/* group_cpus_evenly() group of the first vector */
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
	uint8_t inv_block;	/* invariants.c: log2 of its Multi-MSI block, seen live */
	/* x86 vector level */
	struct ml_apicd apicd;
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
	uint32_t nhwirqs;	/* x86 DMAR/HPET: irqs from dmar_alloc_hwirq()/hpet_assign_irq() */
	uint32_t hwirqs[4];
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

#define ML_INV_KEYSET	32768	/* >= 2 * ML_MAX_VIRQ, a power of two */

/** struct ml_inv_irq - what the invariant checks last counted an irq as */
struct ml_inv_irq {
	uint16_t dev1;		/* its_device index + 1 it points at, 0 none */
	uint16_t prev, next;	/* that its_device's list of irqs (0 ends) */
	bool user;		/* and not leaked */
	bool keyed;		/* mapped in an MSI domain, under @key */
	uint64_t key;
};

/**
 * struct ml_inv_scope - the objects one operation can have changed: the
 * state invariants are checked on these only (invariants.c; the rules are
 * in model/README.md), and the checker's index of the irqs
 * @open:	ml_inv_begin() ran for the step being applied
 * @all:	this step checks everything (full-check mode, or an operation
 *		whose reach has no rule)
 * @new_dup:	an irq took a (domain, hwirq) another irq holds (INV-M3 runs)
 * @dev_add:	the operation is device_add
 * @dev:	the operation's device, -1 for none
 * @its:	ITSes to check (bit per ITS)
 * @sticky_its:	ITSes checked at the next step whatever it does: all of them
 *		after ml_build(), then those whose last check found a violation
 *		that is reported at every step while it lasts (free list, overlap)
 * @itsdev_gen:	m->itsdev_gen before the operation: its_devices above it are new
 * @devs, @itsdevs: devices and its_devices to check (bit per index)
 * @before:	the operation's device's irqs before it ran
 * @irqs, @irqs_hw: the index entry of each irq, highest irq indexed
 * @head, @nirq, @users, @ndevs_hw: per its_device, its irqs (list, count,
 *		not leaked), highest index + 1 with entries
 * @keyset, @ndup: (domain, hwirq) keys with their irq counts, keys held twice
 * @mapped ... @accounted: scratch of the checks, here rather than on the stack
 */
struct ml_inv_scope {
	bool open;
	bool all;
	bool new_dup;
	bool dev_add;
	int dev;
	uint32_t its;
	uint32_t sticky_its;
	uint32_t itsdev_gen;
	uint64_t devs[(ML_MAX_DEVS + 63) / 64];
	uint64_t itsdevs[(ML_MAX_ITS_DEVS + 63) / 64];
	uint32_t nbefore;
	uint32_t before[ML_MAX_VIRQ];

	uint32_t irqs_hw;
	struct ml_inv_irq irqs[ML_MAX_VIRQ];
	uint32_t ndevs_hw;
	uint16_t head[ML_MAX_ITS_DEVS];
	uint32_t nirq[ML_MAX_ITS_DEVS], users[ML_MAX_ITS_DEVS];
	uint32_t ndup;
	struct ml_inv_keycount { uint64_t key; uint32_t count; } keyset[ML_INV_KEYSET];

	uint32_t mapped[ML_MAX_ITS_DEVS], ref_nirq[ML_MAX_ITS_DEVS], ref_users[ML_MAX_ITS_DEVS];
	struct ml_inv_span { uint32_t base, len; int owner; } spans[ML_MAX_ITS_DEVS + 64];
	struct ml_inv_slot { uint64_t key; uint32_t virq; } slots[ML_INV_KEYSET];
	struct ml_inv_key { int its; uint32_t devid; } keys[ML_MAX_ITS_DEVS + 1];
	uint64_t accounted[ML_ARENA_WORDS / 3 + 1];	/* an its_device's map: 1/3 of its arena words */
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

	unsigned int nviol;
	unsigned int nviol_total;
	struct ml_violation viol[ML_MAX_VIOL];
	uint32_t nwarned;
	const char *warned_once[32];	/* WARN_ON_ONCE sites already fired */
	bool full_check;		/* ml_set_full_check() */
	struct ml_inv_scope inv;

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

	bool x86_silent;		/* x86: steps on a dying CPU emit no tracepoint (§11.6) */
	struct ml_x86 x86;

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

/*
 * Does an event of @kind have a reader: the listener (replay, msilab run),
 * or, for the x86 events, the model's own trace check (INV-X6)?  A fuzz
 * target has no listener: the per-vector events are not built at all.
 */
static inline bool ml_traced(const struct ml_ctx *m, enum ml_ev_kind kind)
{
	return m->emit || (kind >= ML_EV_VECTOR_CONFIG && m->cfg.x86);
}
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
int irq_domain_alloc_descs_at(struct ml_ctx *m, uint32_t virq);
void irq_free_descs(struct ml_ctx *m, uint32_t virq, uint32_t cnt);
int irq_domain_activate_irq(struct ml_ctx *m, uint32_t virq);
int irq_domain_activate_irq_reserve(struct ml_ctx *m, uint32_t virq, bool reserve);
void irq_domain_free_irqs(struct ml_ctx *m, uint32_t virq, uint32_t nr);
int ml_domain_new(struct ml_ctx *m);
int ml_dev_domain(const struct ml_ctx *m, int dev);
uint64_t ml_msi_hwirq(const struct ml_ctx *m, int domain, int dev, uint32_t index);
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

/* ---- x86: kernel/irq/matrix.c (model/irq_matrix.c) ---- */
bool ml_mask_test(const uint64_t *mask, uint32_t cpu);
void irq_matrix_setup(struct ml_ctx *m);
bool irq_matrix_is_system(const struct ml_ctx *m, uint32_t bit);
void irq_matrix_load_cpu(struct ml_ctx *m, uint32_t cpu, bool online, const uint64_t *alloc_map,
			 const uint64_t *managed_map);
void irq_matrix_recount_cpu(struct ml_ctx *m, uint32_t cpu, bool online);
void irq_matrix_load_globals(struct ml_ctx *m, uint32_t ncpus, uint32_t reserved);
void irq_matrix_online(struct ml_ctx *m, uint32_t cpu);
void irq_matrix_offline(struct ml_ctx *m, uint32_t cpu);
void irq_matrix_assign(struct ml_ctx *m, uint32_t cpu, uint32_t bit);
int irq_matrix_reserve_managed(struct ml_ctx *m, const uint64_t *msk, uint32_t ncpus);
void irq_matrix_remove_managed(struct ml_ctx *m, const uint64_t *msk, uint32_t ncpus);
int irq_matrix_alloc_managed(struct ml_ctx *m, const uint64_t *msk, uint32_t ncpus,
			     uint32_t *cpu_out);
void irq_matrix_reserve(struct ml_ctx *m);
void irq_matrix_remove_reserved(struct ml_ctx *m);
int irq_matrix_alloc(struct ml_ctx *m, const uint64_t *msk, uint32_t ncpus, bool reserved,
		     uint32_t *cpu_out);
void irq_matrix_free(struct ml_ctx *m, uint32_t cpu, uint32_t bit, bool managed);
bool irq_matrix_allocated(const struct ml_ctx *m, uint32_t cpu, uint32_t bit);

/* ---- x86: arch/x86/kernel/apic/vector.c, msi.c (model/x86_vector.c) ---- */
int x86_init(struct ml_ctx *m);
int x86_create_global_domain(struct ml_ctx *m);
int x86_vector_alloc_irqs(struct ml_ctx *m, uint32_t virq, uint32_t nr,
			  const struct ml_x86_alloc_info *info);
void x86_vector_free_irqs(struct ml_ctx *m, uint32_t virq, uint32_t nr);
int x86_vector_activate(struct ml_ctx *m, uint32_t virq, bool reserve);
void x86_vector_deactivate(struct ml_ctx *m, uint32_t virq);
int x86_msi_init_virq(struct ml_ctx *m, uint32_t virq);
int x86_msi_prepare(struct ml_ctx *m, int domain, int dev, int nvec, struct ml_alloc_info *info);
bool x86_msi_can_reserve(const struct ml_ctx *m, int dev, bool is_msix);
void x86_irq_set_default_affinity(struct ml_ctx *m, uint32_t virq, const struct ml_desc *ds,
				  uint32_t i);
int x86_irq_set_affinity(struct ml_ctx *m, int dev, uint32_t vec, const uint64_t *mask);
void x86_cpu_offline(struct ml_ctx *m, uint32_t cpu);
void x86_cpu_online(struct ml_ctx *m, uint32_t cpu);
bool x86_startup_managed_abort(struct ml_ctx *m, uint32_t virq);
int x86_dmar_alloc_hwirq(struct ml_ctx *m, int dev, uint64_t id);
int x86_hpet_assign_irq(struct ml_ctx *m, int dev, uint64_t num);
void x86_hwirq_free(struct ml_ctx *m, int dev);
int x86_ioapic_map(struct ml_ctx *m, uint32_t gsi);
void x86_ioapic_unmap(struct ml_ctx *m, uint32_t gsi);
uint32_t x86_apicdest(const struct ml_ctx *m, uint32_t cpu);

/* ---- x86 invariants (model/invariants_x86.c) ---- */
void x86_trace_alloc(struct ml_ctx *m, uint32_t cpu, uint32_t bit);
void x86_trace_silent_free(struct ml_ctx *m, uint32_t cpu, uint32_t bit);
void x86_trace_init(struct ml_ctx *m);
void x86_trace_check(struct ml_ctx *m, const struct ml_event *ev);
void ml_invariants_x86(struct ml_ctx *m);

/* ---- invariants ---- */
/* Before an operation: what it can change (struct ml_inv_scope). */
void ml_inv_begin(struct ml_ctx *m, const struct ml_op *op);
/* After it: the state invariants of that scope (or all of them). */
void ml_invariants_state(struct ml_ctx *m);
/* Every state invariant now. */
void ml_invariants_full(struct ml_ctx *m);
/* ml_build(): no step open; the first step checks everything. */
void ml_inv_reset(struct ml_ctx *m);

#endif /* MSILAB_MODEL_INTERNALS_H */
