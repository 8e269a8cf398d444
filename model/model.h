/* SPDX-License-Identifier: GPL-2.0 */
/*
 * model.h - the public interface of the msilab model.
 *
 * One struct ml_ctx is one simulated machine: GICv3 ITSes, PCI and platform
 * devices, the genirq/MSI core state and the Linux irq number space.  The
 * behaviour follows one kernel version, chosen by a profile (a set of
 * switches, spec section 8).  The model is pure: no I/O, no globals, no
 * clock, no heap.  It reports what the kernel would have done through an
 * event callback (the same vocabulary as .mlog observations) and the
 * invariants that break (spec section 6) through violation records.
 */
#ifndef MSILAB_MODEL_H
#define MSILAB_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "faults.h"

/*
 * Behaviour switches.  ML_SWITCH(id, name, description)
 * The profile of a kernel version is the set of switches that are on.
 */
#define ML_SWITCHES(S)							\
	S(PER_DEVICE_DOMAINS, "PER_DEVICE_DOMAINS",				\
	  "per-device MSI domains (v6.2+); off: the v6.1 global ITS-PCI-MSI domain") \
	S(PREPARE_AT_CREATE, "PREPARE_AT_CREATE",				\
	  "msi_prepare runs once at device domain creation and allocations copy the template (v6.16)") \
	S(TEARDOWN_ON_REMOVE, "TEARDOWN_ON_REMOVE",				\
	  "msi_remove_device_irq_domain calls .msi_teardown (v6.16)")		\
	S(ITS_FREE_ON_EMPTY, "ITS_FREE_ON_EMPTY",				\
	  "its_irq_domain_free frees the its_device when its last EventID goes (v6.1-v6.15)") \
	S(ITS_HWSIZE_BUMP, "ITS_HWSIZE_BUMP",					\
	  "its_pci_msi_prepare/its_pmsi_prepare raise nvec to the domain hwsize (v6.11-v6.15)") \
	S(PCI_MSI_DOMAIN_HWSIZE_MMC, "PCI_MSI_DOMAIN_HWSIZE_MMC",		\
	  "the PCI/MSI device domain is sized by the Multiple Message Capable count (9cc82d99b13c, v6.16); off: size 1") \
	S(PCI_MSI_ENABLED_SET_LATE, "PCI_MSI_ENABLED_SET_LATE",		\
	  "msi_capability_init sets msi_enabled only on success (v6.16)")	\
	S(ITT_SIZE_UNPADDED, "ITT_SIZE_UNPADDED",				\
	  "ITT bytes = max(nr_ites * ite_size, 256) without the +255 alignment pad (v6.13)") \
	S(ITS_EVENTID_CLAMP, "ITS_EVENTID_CLAMP",				\
	  "its_create_device clamps nvecs to 2^event_bits (Feb 2026 fix, stable backports)") \
	S(PLATFORM_FREE_ALL_REMOVES_DOMAIN, "PLATFORM_FREE_ALL_REMOVES_DOMAIN",	\
	  "platform_device_msi_free_irqs_all also removes the device domain (v6.16)") \
	S(ITS_TEARDOWN_BY_DEVID, "ITS_TEARDOWN_BY_DEVID",			\
	  "v1 of the 2025 series: its_msi_teardown looks the device up by scratchpad[0] as a DevID (bug B5)") \
	S(PCIM_ALLOC_IRQ_VECTORS, "PCIM_ALLOC_IRQ_VECTORS",			\
	  "2026 series patch 1: pcim_alloc_irq_vectors() sets is_msi_managed before allocating") \
	S(PCIM_MSI_RELEASE_BY_FLAG, "PCIM_MSI_RELEASE_BY_FLAG",		\
	  "2026 series patch 37: pcim_setup_msi_release registers the action iff is_msi_managed") \
	S(ITS_EXACT_EVENTID_COUNT, "ITS_EXACT_EVENTID_COUNT",			\
	  "July 2024 proof of concept: the ITS tracks exactly nr EventIDs instead of a power-of-two region (B3 fix attempt)") \
	S(X86_CONTIGUOUS_FLAG_FOR_MSI, "X86_CONTIGUOUS_FLAG_FOR_MSI",		\
	  "x86 pci_msi_prepare sets X86_IRQ_ALLOC_CONTIGUOUS_VECTORS for MSI: the vector domain refuses nr > 1 with -ENOSYS (v6.1)") \
	S(X86_MOVE_CLEANUP_VECTOR, "X86_MOVE_CLEANUP_VECTOR",			\
	  "x86 IRQ_MOVE_CLEANUP_VECTOR 0x20 is a system vector inside the matrix window (v6.1; later a per-CPU timer)") \
	S(X86_POSTED_MSI_VECTOR, "X86_POSTED_MSI_VECTOR",			\
	  "x86 FIRST_SYSTEM_VECTOR is POSTED_MSI_NOTIFICATION_VECTOR 0xeb (v6.10+); off: LOCAL_TIMER_VECTOR 0xec") \
	S(X86_APIC_PHYSFLAT, "X86_APIC_PHYSFLAT",				\
	  "x86 64-bit APIC without the flat logical mode: apicdest is the APIC ID (6.18 recordings; off: one bit per CPU, the 6.1 recordings)") \
	S(X86_DMAR_HWIRQ_ZERO, "X86_DMAR_HWIRQ_ZERO",				\
	  "V2 of the 2020 device-MSI series: dmar_alloc_hwirq() leaves info.hwirq 0, so every DMAR irq asks for hwirq 0 (bug B12)")

enum ml_switch {
#define ML_SWITCH_ENUM(id, name, desc) ML_SW_##id,
	ML_SWITCHES(ML_SWITCH_ENUM)
#undef ML_SWITCH_ENUM
	ML_SW__COUNT
};

#define ML_SW(id) (1ull << ML_SW_##id)

/** struct ml_profile - a named behaviour profile (kernel version) */
struct ml_profile {
	const char *name;	/* "6.1", "6.12", "6.15", "6.16", "6.18" */
	unsigned int kver;	/* major * 100 + minor: 601, 612, 615, 616, 618 */
	uint64_t sw;		/* ML_SW() bits that are on */
};

/* Profiles in catalogue order; returns the count. */
unsigned int ml_profiles(const struct ml_profile **list);
/* By name ("6.12") or by kernel release ("6.1.0-56-arm64"): 0 or -1. */
int ml_profile_lookup(const char *name, struct ml_profile *out);
int ml_profile_from_release(const char *release, struct ml_profile *out);
const char *ml_switch_name(enum ml_switch s);
const char *ml_switch_desc(enum ml_switch s);
int ml_switch_lookup(const char *name, size_t len);	/* -1 if unknown */
/* The profile's name, with "+SW"/"-SW" for switches set by hand (buffer). */
const char *ml_profile_describe(const struct ml_profile *p, char *buf, size_t n);

/* ---- machine description ---- */

#define ML_MAX_DEVS	256
#define ML_MAX_ITS	4
#define ML_MAX_VIRQ	8260	/* IRQ_BITMAP_BITS with SPARSE_IRQ: NR_IRQS + 8196 */
#define ML_MAX_X86_IRQS	256	/* x86_irq declarations */

struct ml_its_config {
	uint32_t lpi_bits;	/* 16 */
	uint32_t num_lpis;	/* 0: no hypervisor restriction */
	uint32_t event_bits;	/* GITS_TYPER.IDbits + 1 */
	uint32_t devid_bits;	/* GITS_TYPER.Devbits + 1 */
	uint32_t ite_size;	/* ITT entry size in bytes */
};

struct ml_dev_config {
	char name[33];
	bool pci;
	uint32_t bdf;		/* segment << 16 | bus << 8 | devfn */
	uint32_t devid;
	uint32_t msi;		/* MMC count, 0 = no MSI capability */
	uint32_t msix;		/* table size, 0 = no MSI-X capability */
	bool intx;
	int alias;		/* last DMA alias (device index) or -1 */
	bool wired;
	int its;
	bool msi_mask;		/* MSI capability with per-vector masking (x86 reservation mode) */
	enum { ML_DEV_NORMAL, ML_DEV_DMAR, ML_DEV_HPET } x86_kind;	/* x86 DMAR unit / HPET block */
};

/* x86: one CPU of the irq_matrix at the start (x86_cpu declaration) */
struct ml_x86_cpu_config {
	bool declared;
	bool online;
	uint64_t alloc_map[4];
	uint64_t managed_map[4];
};

/* x86: a vector-domain irq that exists at the start (x86_irq declaration) */
struct ml_x86_irq_config {
	uint32_t virq;
	int dev;		/* -1: no modelled device */
	uint32_t vec;		/* with @dev: the driver's vector (MSI-X index) */
	bool has_cpu;
	uint32_t cpu, vector;
	bool is_managed, has_reserved, has_mask;
	uint64_t mask[4];
};

struct ml_config {
	struct ml_profile profile;
	bool x86;
	uint32_t cpus;
	uint32_t nr_irqs;
	uint64_t irqs_used[(ML_MAX_VIRQ + 63) / 64];	/* Linux irqs in use at start */
	uint32_t nits;
	struct ml_its_config its[ML_MAX_ITS];
	uint32_t ndev;
	struct ml_dev_config dev[ML_MAX_DEVS];
	/* x86 start state (empty: the matrix as boot leaves it, spec §5.2) */
	struct ml_x86_cpu_config x86_cpu[256];
	uint32_t nx86_irq;
	struct ml_x86_irq_config x86_irq[ML_MAX_X86_IRQS];
};

void ml_config_init(struct ml_config *cfg);	/* defaults: 2 CPUs, one ITS */

/* ---- operations (the stimuli of .mlog) ---- */

enum ml_op_kind {
	ML_OP_PCI_ENABLE_DEVICE,
	ML_OP_PCIM_ENABLE_DEVICE,
	ML_OP_PCI_ALLOC_IRQ_VECTORS,
	ML_OP_PCIM_ALLOC_IRQ_VECTORS,
	ML_OP_PCI_ENABLE_MSI,
	ML_OP_PCI_ENABLE_MSIX_RANGE,
	ML_OP_PCI_DISABLE_MSI,
	ML_OP_PCI_DISABLE_MSIX,
	ML_OP_PCI_FREE_IRQ_VECTORS,
	ML_OP_REQUEST_IRQ,
	ML_OP_FREE_IRQ,
	ML_OP_DRIVER_UNBIND,
	ML_OP_DEVICE_REMOVE,
	ML_OP_DEVICE_ADD,
	ML_OP_MSI_CREATE_DEVICE_IRQ_DOMAIN,
	ML_OP_MSI_REMOVE_DEVICE_IRQ_DOMAIN,
	ML_OP_MSI_DOMAIN_ALLOC_IRQS_RANGE,
	ML_OP_MSI_DOMAIN_FREE_IRQS_RANGE,
	ML_OP_MSI_DOMAIN_ALLOC_IRQ_AT,
	ML_OP_MSI_DEVICE_DOMAIN_ALLOC_WIRED,
	ML_OP_PLATFORM_DEVICE_MSI_INIT_AND_ALLOC_IRQS,
	ML_OP_PLATFORM_DEVICE_MSI_FREE_IRQS_ALL,
	ML_OP_CPU_OFFLINE,
	ML_OP_CPU_ONLINE,
	ML_OP_FAULT,
	ML_OP_IRQ_SET_AFFINITY,		/* x86 (format 2) */
	ML_OP_DMAR_ALLOC_HWIRQ,		/* x86: dmar_alloc_hwirq(id = hwirq) */
	ML_OP_DMAR_FREE_HWIRQ,		/* x86: dmar_free_hwirq() of every irq of the unit */
	ML_OP_HPET_ASSIGN_IRQ,		/* x86: hpet_assign_irq(dev_num = hwirq) */
	ML_OP_MP_MAP_PIN_TO_IRQ,	/* x86: an INTx GSI mapped to IO-APIC irq @virq */
	ML_OP_MP_UNMAP_IRQ,		/* x86: that mapping goes away */
	ML_OP__COUNT
};

#define ML_PCI_IRQ_INTX		(1u << 0)
#define ML_PCI_IRQ_MSI		(1u << 1)
#define ML_PCI_IRQ_MSIX		(1u << 2)
#define ML_PCI_IRQ_AFFINITY	(1u << 3)
#define ML_PCI_IRQ_VIRTUAL	(1u << 4)
#define ML_ANY_INDEX		0xffffffffu

struct ml_op {
	enum ml_op_kind kind;
	int dev;
	int32_t min, max;
	uint32_t flags;
	uint32_t pre, post;	/* struct irq_affinity pre/post_vectors */
	uint32_t vec;
	uint32_t first, last;
	uint32_t index;
	uint32_t nvec;
	uint32_t hwsize;
	uint32_t cpu;
	uint64_t hwirq;
	enum ml_fault point;
	uint32_t skip, count;
	uint64_t mask[4];	/* irq_set_affinity: CPU mask, bit n = CPU n */
	uint32_t virq;		/* mp_map_pin_to_irq / mp_unmap_irq: the GSI's Linux irq */
};

const char *ml_op_name(enum ml_op_kind k);

/* ---- what the model reports ---- */

/* Same order and names as the .mlog observation verbs. */
enum ml_ev_kind {
	ML_EV_PCI_ENABLE_RANGE,
	ML_EV_MSI_CREATE_DOMAIN,
	ML_EV_MSI_REMOVE_DOMAIN,
	ML_EV_MSI_PREPARE,
	ML_EV_ITS_MSI_PREPARE,
	ML_EV_ITS_CREATE_DEVICE,
	ML_EV_ITS_LPI_FREE,
	ML_EV_MSI_IRQ,
	ML_EV_ITS_IRQ,
	ML_EV_ITS_ALLOC_FAIL,
	ML_EV_MAPD,
	ML_EV_MAPTI,
	ML_EV_DISCARD,
	ML_EV_SYNC,
	ML_EV_MOVI,
	ML_EV_IRQ_FREE,
	ML_EV_ITS_FREE_DEVICE,
	ML_EV_MSI_TEARDOWN,
	ML_EV_ITS_MSI_TEARDOWN,
	ML_EV_PCIM_MSI_RELEASE,
	ML_EV_WARN,
	ML_EV_RET,
	/* x86: the irq_vectors tracepoints */
	ML_EV_VECTOR_CONFIG,
	ML_EV_VECTOR_UPDATE,
	ML_EV_VECTOR_CLEAR,
	ML_EV_VECTOR_RESERVE_MANAGED,
	ML_EV_VECTOR_RESERVE,
	ML_EV_VECTOR_ALLOC,
	ML_EV_VECTOR_ALLOC_MANAGED,
	ML_EV_VECTOR_ACTIVATE,
	ML_EV_VECTOR_DEACTIVATE,
	ML_EV_VECTOR_TEARDOWN,
	ML_EV_VECTOR_SETUP,
	ML_EV_VECTOR_FREE_MOVED,
	/* x86: the irq_matrix tracepoints */
	ML_EV_IRQ_MATRIX_ONLINE,
	ML_EV_IRQ_MATRIX_OFFLINE,
	ML_EV_IRQ_MATRIX_RESERVE,
	ML_EV_IRQ_MATRIX_REMOVE_RESERVED,
	ML_EV_IRQ_MATRIX_ASSIGN_SYSTEM,
	ML_EV_IRQ_MATRIX_RESERVE_MANAGED,
	ML_EV_IRQ_MATRIX_REMOVE_MANAGED,
	ML_EV_IRQ_MATRIX_ALLOC_MANAGED,
	ML_EV_IRQ_MATRIX_ASSIGN,
	ML_EV_IRQ_MATRIX_ALLOC,
	ML_EV_IRQ_MATRIX_FREE,
	ML_EV__COUNT
};

enum ml_msitype { ML_TYPE_NONE = -1, ML_TYPE_MSI = 0, ML_TYPE_MSIX = 1 };

/** struct ml_event - one thing the simulated kernel did; unused fields are 0 */
struct ml_event {
	enum ml_ev_kind kind;
	int dev;		/* device index, -1 when none */
	int type;		/* enum ml_msitype */
	int32_t min, max, nvec, ret;
	uint32_t devid, nvecs, nr_ites, lpi_base, nr_lpis;
	uint32_t index, virq, nr, eventid, lpi, valid, cpu, hwsize;
	uint64_t hwirq;
	bool has_ret;		/* its_create_device: sizes valid only if ret == 0 */
	/* x86 (irq_vectors / irq_matrix tracepoint fields; matrix values after the update) */
	uint32_t vector, apicdest, prev_vector, prev_cpu, bit;
	bool reserved, is_managed, can_reserve, reserve, has_reserved, is_legacy, online;
	uint32_t avl, alloc, managed;
	uint32_t online_maps, global_avl, global_rsvd, total_alloc;
	const char *fn;		/* ML_EV_RET: the function returning */
	const char *site;	/* ML_EV_WARN: the kernel function that WARNs */
	char msg[160];		/* ML_EV_WARN: the kernel's message */
};

typedef void (*ml_emit_fn)(void *arg, const struct ml_event *ev);

/** struct ml_violation - an invariant that broke at this step */
struct ml_violation {
	const char *inv;	/* "INV-I1" */
	const char *bug;	/* known-bug id ("B3") or NULL */
	char detail[320];	/* the state that breaks it, in kernel terms */
};

#define ML_MAX_VIOL	16	/* per step; more are counted, not kept */

struct ml_ctx;

/* The context is large (a whole machine): allocate it once, reuse it. */
size_t ml_ctx_size(void);
/* Build the machine described by @cfg (copied).  0, or -1 with ml_error(). */
int ml_ctx_init(struct ml_ctx *m, const struct ml_config *cfg);
/* Back to the state right after ml_ctx_init(), in time proportional to
 * what was touched since. */
void ml_ctx_reset(struct ml_ctx *m);
/* A context ml_ctx_init() built before: build the machine @cfg instead, in
 * time proportional to what the previous machine touched (same result as
 * ml_ctx_init(), emit callback kept).  0, or -1 with ml_error(). */
int ml_ctx_reconfigure(struct ml_ctx *m, const struct ml_config *cfg);
void ml_set_emit(struct ml_ctx *m, ml_emit_fn fn, void *arg);

/*
 * Apply one operation, then check every invariant.  Returns 0 when the
 * operation ran (whatever the kernel function returned: see *kret), or -1
 * when it cannot happen on this machine or profile (bad input: see
 * ml_error()).  Violations found at this step: ml_violations().
 */
int ml_apply(struct ml_ctx *m, const struct ml_op *op, int *kret);
unsigned int ml_violations(const struct ml_ctx *m, const struct ml_violation **v);
unsigned int ml_violations_total(const struct ml_ctx *m);
const char *ml_error(const struct ml_ctx *m);
uint32_t ml_step(const struct ml_ctx *m);

/* Run every state invariant now (ml_apply() does it after each op). */
void ml_check_invariants(struct ml_ctx *m);
/*
 * ml_apply() checks the state invariants on the objects the operation can
 * have changed (model/README.md); with @on, on every object after every
 * operation.  Both report the same violations; full is the reference
 * (tests/test_invariants_incremental.c) and costs more.  Off by default.
 */
void ml_set_full_check(struct ml_ctx *m, bool on);

/*
 * ---- read-only views of the ITS state (model/view.c) ----
 * For reports and timelines: what a maintainer draws by hand, the ITS
 * devices with their EventID bitmaps and the free LPI ranges.
 */

/** struct ml_its_dev_view - one live struct its_device */
struct ml_its_dev_view {
	unsigned int slot;	/* identity, with @gen: a later device in the slot differs */
	uint32_t gen;
	unsigned int its;	/* ITS index */
	uint32_t devid;
	uint32_t nvecs, nr_ites;	/* its_create_device() arguments: ITT sizing */
	uint32_t lpi_base, nr_lpis;	/* event_map.lpi_base / nr_lpis: EventIDs 0..nr_lpis-1 */
	bool shared;
	int creator;		/* device whose prepare created it, -1 unknown */
};

/* What one EventID of an its_device's lpi_map holds (ml_its_dev_eventids()). */
enum ml_eventid_state {
	ML_EID_FREE,		/* bit clear */
	ML_EID_MAPPED,		/* a live irq has this EventID */
	ML_EID_HELD,		/* padding of a live Multi-MSI block: its irqs still own it */
	ML_EID_ORPHAN_PAD,	/* no live irq: padding of a freed non-power-of-two block (B3) */
	ML_EID_ORPHAN_FAIL,	/* no live irq: left by a failed its_irq_domain_alloc (B7) */
	ML_EID_ORPHAN,		/* no live irq, other cause */
};

unsigned int ml_its_count(const struct ml_ctx *m);
/* The first live ITS device in a slot after @from (-1: from the start): its slot, or -1. */
int ml_its_dev_next(const struct ml_ctx *m, int from, struct ml_its_dev_view *v);
/* The states of EventIDs 0..n-1 of the live device in @slot (n = min(@max, nr_lpis));
 * returns n, 0 when the slot holds no live device.  Same orphan rule as INV-I1. */
unsigned int ml_its_dev_eventids(const struct ml_ctx *m, unsigned int slot, uint8_t *st,
				 unsigned int max);
/* LPI pool of ITS @its: first INTID and size (0, 0 for no such ITS). */
void ml_its_lpi_pool(const struct ml_ctx *m, unsigned int its, uint32_t *base, uint32_t *size);
/* The @i-th free LPI range of ITS @its, in list order: 0, or -1 past the end. */
int ml_its_free_lpis(const struct ml_ctx *m, unsigned int its, unsigned int i, uint32_t *base,
		     uint32_t *span);

#endif /* MSILAB_MODEL_H */
