/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mlog_schema.h - the single source of truth for the .mlog vocabulary.
 *
 * Every key and every verb of the canonical trace format is listed here once.
 * The reader validates against these tables, the writer prints in the order
 * they give, and replay/FORMAT.md documents the same tables in prose.  Adding
 * a verb or a key means bumping MLOG_FORMAT_VERSION.
 */
#ifndef MSILAB_MLOG_SCHEMA_H
#define MSILAB_MLOG_SCHEMA_H

#define MLOG_FORMAT_VERSION 2	/* 2: the x86 vector domain and irq_matrix vocabulary */
#include "faults.h"

#define MLOG_MAX_LINE 4096	/* bytes, without the terminating LF */

/*
 * Value types.
 *   U    unsigned decimal, 0 .. 2^64-1 (range narrowed per key below)
 *   X    unsigned, written 0x%x (hex); decimal accepted on input
 *   I    signed decimal (return values, errno values such as -28)
 *   DEV  reference to a declared device name
 *   ITS  reference to a declared ITS name
 *   NAME a new identifier: [a-z][a-z0-9_]{0,31}
 *   BDF  PCI address DDDD:BB:DD.F (hex)
 *   FLG  PCI_IRQ_* flags: names joined by '|' (INTX|MSI|MSIX|AFFINITY|VIRTUAL)
 *        or a hex number; written as names in that order
 *   STR  a bare token or a "double-quoted string" with \" and \\ escapes
 *   TIME seconds with exactly 6 decimals (microseconds), as ftrace prints
 *   LIST comma list of decimal numbers and inclusive ranges: 1-20,24
 *   IDX  a vector/descriptor index (decimal) or "any" (MSI_ANY_INDEX)
 *   FPT  a fault-injection point name (table below)
 *   KIND comma list of observation verbs
 *   BUS  "pci", "platform", or (x86) "dmar" (a DMAR unit), "hpet" (an HPET block)
 *   ARCH "arm64" or "x86_64"
 *   SRC  "scenario", "ftrace", "trace-dat", "live", "fuzz", "minimized"
 *   TYPE "msi" or "msix"
 *
 * Keys added in format 2 (x86) take the names the irq_vectors and
 * irq_matrix tracepoints print (avl, alloc, global_avl, global_rsvd,
 * total_alloc); the tracepoints' "irq" is "virq" here.
 */

/* MLOG_KEY(id, name, type, min, max) -- numeric range is inclusive */
#define MLOG_KEYS(K)							\
	K(ACTIVE,	"active",	U,	0, 1)				\
	K(ALIAS,	"alias",	DEV,	0, 0)				\
	K(ARCH,		"arch",		ARCH,	0, 0)				\
	K(BDF,		"bdf",		BDF,	0, 0)				\
	K(BUS,		"bus",		BUS,	0, 0)				\
	K(COUNT,	"count",	U,	1, 1000000)			\
	K(CPU,		"cpu",		U,	0, 255)				\
	K(CPUS,		"cpus",		U,	1, 256)				\
	K(DEV,		"dev",		DEV,	0, 0)				\
	K(DEVID,	"devid",	X,	0, 0xffffffffULL)		\
	K(DEVID_BITS,	"devid_bits",	U,	1, 32)				\
	K(EVENT_BITS,	"event_bits",	U,	1, 32)				\
	K(EVENTID,	"eventid",	U,	0, 0xffffffffULL)		\
	K(FILE,		"file",		STR,	0, 0)				\
	K(FIRST,	"first",	U,	0, 65535)			\
	K(FLAGS,	"flags",	FLG,	0, 0)				\
	K(FN,		"fn",		STR,	0, 0)				\
	K(HWIRQ,	"hwirq",	X,	0, 0xffffffffffffffffULL)	\
	K(HWSIZE,	"hwsize",	U,	0, 65536)			\
	K(INDEX,	"index",	IDX,	0, 65535)			\
	K(INTX,		"intx",		U,	0, 1)				\
	K(IRQS_USED,	"irqs_used",	LIST,	1, 1048575)			\
	K(ITE_SIZE,	"ite_size",	U,	1, 32)				\
	K(ITS,		"its",		ITS,	0, 0)				\
	K(KIND,		"kind",		SRC,	0, 0)				\
	K(KINDS,	"kinds",	KIND,	0, 0)				\
	K(LAST,		"last",		U,	0, 65535)			\
	K(LPI,		"lpi",		U,	0, 0xffffffffULL)		\
	K(LPI_BASE,	"lpi_base",	U,	0, 0xffffffffULL)		\
	K(LPI_BITS,	"lpi_bits",	U,	14, 16)				\
	K(MAX,		"max",		I,	-2147483648LL, 2147483647LL)	\
	K(MIN,		"min",		I,	-2147483648LL, 2147483647LL)	\
	K(MSG,		"msg",		STR,	0, 0)				\
	K(MSI,		"msi",		U,	0, 32)				\
	K(MSIX,		"msix",		U,	0, 2048)			\
	K(NAME,		"name",		NAME,	0, 0)				\
	K(NR,		"nr",		U,	0, 65536)			\
	K(NR_IRQS,	"nr_irqs",	U,	16, 1048576)			\
	K(NR_ITES,	"nr_ites",	U,	0, 0xffffffffULL)		\
	K(NR_LPIS,	"nr_lpis",	U,	0, 65536)			\
	K(NUM_LPIS,	"num_lpis",	U,	0, 65536)			\
	K(NVEC,		"nvec",		I,	-2147483648LL, 2147483647LL)	\
	K(NVECS,	"nvecs",	U,	0, 0xffffffffULL)		\
	K(POINT,	"point",	FPT,	0, 0)				\
	K(POST_VECTORS,	"post_vectors",	U,	0, 2048)			\
	K(PRE_VECTORS,	"pre_vectors",	U,	0, 2048)			\
	K(RELEASE,	"release",	STR,	0, 0)				\
	K(RET,		"ret",		I,	-2147483648LL, 2147483647LL)	\
	K(SITE,		"site",		STR,	0, 0)				\
	K(SKIP,		"skip",		U,	0, 1000000)			\
	K(TEXT,		"text",		STR,	0, 0)				\
	K(TOOL,		"tool",		STR,	0, 0)				\
	K(TYPE,		"type",		TYPE,	0, 0)				\
	K(VALID,	"valid",	U,	0, 1)				\
	K(VEC,		"vec",		U,	0, 65535)			\
	K(VERSION,	"version",	U,	0, 0xffffffffULL)		\
	K(VIRQ,		"virq",		U,	1, 1048575)			\
	K(WIRED,	"wired",	U,	0, 1)				\
	K(PID,		"pid",		U,	0, 4194304)			\
	/* format 2: x86 vector domain and irq_matrix */			\
	K(VECTOR,	"vector",	U,	0, 255)				\
	K(APICDEST,	"apicdest",	X,	0, 0xffffffffULL)		\
	K(PREV_VECTOR,	"prev_vector",	U,	0, 255)				\
	K(PREV_CPU,	"prev_cpu",	U,	0, 255)				\
	K(RESERVED,	"reserved",	U,	0, 1)				\
	K(IS_MANAGED,	"is_managed",	U,	0, 1)				\
	K(CAN_RESERVE,	"can_reserve",	U,	0, 1)				\
	K(RESERVE,	"reserve",	U,	0, 1)				\
	K(HAS_RESERVED,	"has_reserved",	U,	0, 1)				\
	K(IS_LEGACY,	"is_legacy",	U,	0, 1)				\
	K(BIT,		"bit",		U,	0, 255)				\
	K(ONLINE,	"online",	U,	0, 1)				\
	K(AVL,		"avl",		U,	0, 65535)			\
	K(ALLOC,	"alloc",	U,	0, 65535)			\
	K(MANAGED,	"managed",	U,	0, 65535)			\
	K(ONLINE_MAPS,	"online_maps",	U,	0, 256)				\
	K(GLOBAL_AVL,	"global_avl",	U,	0, 16777215)			\
	K(GLOBAL_RSVD,	"global_rsvd",	U,	0, 16777215)			\
	K(TOTAL_ALLOC,	"total_alloc",	U,	0, 16777215)			\
	K(MASK,		"mask",		LIST,	0, 255)				\
	K(ALLOC_MAP,	"alloc_map",	LIST,	0, 255)				\
	K(MANAGED_MAP,	"managed_map",	LIST,	0, 255)				\
	K(MSI_MASK,	"msi_mask",	U,	0, 1)				\
	K(T,		"t",		TIME,	0, 0)

/*
 * Verb classes: HDR (header lines), DECL (declarations, before any event),
 * STIM (stimuli: what drivers and the bus did), OBS (observations: what the
 * kernel did, written with a leading "< "), META (markers, lost events).
 *
 * Key lists give the canonical order.  A '?' suffix marks an optional key.
 * Every STIM, OBS and META line also accepts the optional trailing keys
 * "pid" and "t" (in that order), which are not repeated below.
 *
 * MLOG_VERB(id, name, class, keys)
 */
#define MLOG_VERBS(V)								\
	/* header */								\
	V(KERNEL,	"kernel",	HDR,	"release arch")			\
	V(SOURCE,	"source",	HDR,	"kind file? tool?")			\
	/* declarations */							\
	V(MACHINE,	"machine",	DECL,	"cpus nr_irqs? irqs_used?")		\
	V(ITS_DECL,	"its",		DECL,	"name lpi_bits? num_lpis? event_bits? devid_bits? ite_size?") \
	V(DEVICE,	"device",	DECL,	"name bus bdf? devid msi? msix? intx? alias? wired? its? msi_mask?") \
	V(OBSERVES,	"observes",	DECL,	"kinds")				\
	/* x86 state at the start of the trace (format 2): one line per CPU    \
	 * of the irq_matrix, one per vector-domain irq that already exists */	\
	V(X86_CPU,	"x86_cpu",	DECL,	"cpu online alloc_map? managed_map?") \
	V(X86_IRQ,	"x86_irq",	DECL,	"virq dev? vec? cpu? vector? is_managed? has_reserved? mask?") \
	/* stimuli: PCI devices and drivers */					\
	V(PCI_ENABLE_DEVICE,	"pci_enable_device",	STIM, "dev")		\
	V(PCIM_ENABLE_DEVICE,	"pcim_enable_device",	STIM, "dev")		\
	V(PCI_ALLOC_IRQ_VECTORS, "pci_alloc_irq_vectors", STIM, "dev min max flags pre_vectors? post_vectors?") \
	V(PCIM_ALLOC_IRQ_VECTORS, "pcim_alloc_irq_vectors", STIM, "dev min max flags pre_vectors? post_vectors?") \
	V(PCI_ENABLE_MSI,	"pci_enable_msi",	STIM, "dev")		\
	V(PCI_ENABLE_MSIX_RANGE, "pci_enable_msix_range", STIM, "dev min max")	\
	V(PCI_DISABLE_MSI,	"pci_disable_msi",	STIM, "dev")		\
	V(PCI_DISABLE_MSIX,	"pci_disable_msix",	STIM, "dev")		\
	V(PCI_FREE_IRQ_VECTORS,	"pci_free_irq_vectors",	STIM, "dev")		\
	V(REQUEST_IRQ,		"request_irq",		STIM, "dev vec")	\
	V(FREE_IRQ,		"free_irq",		STIM, "dev vec")	\
	V(DRIVER_UNBIND,	"driver_unbind",	STIM, "dev")		\
	V(DEVICE_REMOVE,	"device_remove",	STIM, "dev")		\
	V(DEVICE_ADD,		"device_add",		STIM, "dev")		\
	/* stimuli: device (platform / wired-to-MSI) MSI domains */		\
	V(MSI_CREATE_DEVICE_IRQ_DOMAIN, "msi_create_device_irq_domain", STIM, "dev hwsize") \
	V(MSI_REMOVE_DEVICE_IRQ_DOMAIN, "msi_remove_device_irq_domain", STIM, "dev") \
	V(MSI_DOMAIN_ALLOC_IRQS_RANGE, "msi_domain_alloc_irqs_range", STIM, "dev first last") \
	V(MSI_DOMAIN_FREE_IRQS_RANGE, "msi_domain_free_irqs_range", STIM, "dev first last") \
	V(MSI_DOMAIN_ALLOC_IRQ_AT, "msi_domain_alloc_irq_at", STIM, "dev index") \
	V(MSI_DEVICE_DOMAIN_ALLOC_WIRED, "msi_device_domain_alloc_wired", STIM, "dev hwirq") \
	V(PLATFORM_DEVICE_MSI_INIT_AND_ALLOC_IRQS, "platform_device_msi_init_and_alloc_irqs", STIM, "dev nvec") \
	V(PLATFORM_DEVICE_MSI_FREE_IRQS_ALL, "platform_device_msi_free_irqs_all", STIM, "dev") \
	/* stimuli: CPUs and fault injection */					\
	V(CPU_OFFLINE,		"cpu_offline",		STIM, "cpu")		\
	V(CPU_ONLINE,		"cpu_online",		STIM, "cpu")		\
	V(IRQ_SET_AFFINITY,	"irq_set_affinity",	STIM, "dev vec mask")	\
	/* x86 IO-APIC: an INTx GSI mapped / unmapped under pci_[en|dis]able_device */ \
	V(MP_MAP_PIN_TO_IRQ,	"mp_map_pin_to_irq",	STIM, "virq dev?")	\
	V(MP_UNMAP_IRQ,		"mp_unmap_irq",		STIM, "virq dev?")	\
	V(FAULT,		"fault",		STIM, "point skip? count?") \
	/* stimuli: x86 DMAR units and HPET blocks (format 2) */		\
	V(DMAR_ALLOC_HWIRQ,	"dmar_alloc_hwirq",	STIM, "dev hwirq")	\
	V(DMAR_FREE_HWIRQ,	"dmar_free_hwirq",	STIM, "dev")		\
	V(HPET_ASSIGN_IRQ,	"hpet_assign_irq",	STIM, "dev hwirq")	\
	/* meta */								\
	V(MARKER,		"marker",		META, "text")		\
	V(LOST,			"lost",			META, "count cpu?")	\
	V(RECORDING_STARTS,	"recording_starts",	META, "")		\
	V(CONCURRENT,		"concurrent",		META, "")		\
	/* observations (written "< verb ...") */				\
	V(O_PCI_ENABLE_RANGE,	"pci_enable_range",	OBS, "dev type min max ret") \
	V(O_MSI_CREATE_DOMAIN,	"msi_create_device_irq_domain", OBS, "dev type? hwsize ret") \
	V(O_MSI_REMOVE_DOMAIN,	"msi_remove_device_irq_domain", OBS, "dev") \
	V(O_MSI_PREPARE,	"msi_prepare",		OBS, "dev nvec ret")	\
	V(O_ITS_MSI_PREPARE,	"its_msi_prepare",	OBS, "dev devid nvec ret") \
	V(O_ITS_CREATE_DEVICE,	"its_create_device",	OBS, "devid nvecs? nr_ites? lpi_base? nr_lpis? ret") \
	V(O_ITS_LPI_FREE,	"its_lpi_free",		OBS, "lpi_base nr_lpis") \
	V(O_MSI_IRQ,		"msi_irq",		OBS, "dev index virq hwirq") \
	V(O_ITS_IRQ,		"its_irq",		OBS, "devid virq eventid lpi") \
	V(O_ITS_ALLOC_FAIL,	"its_irq_domain_alloc", OBS, "devid nr ret")	\
	V(O_MAPD,		"mapd",			OBS, "devid nr_ites valid") \
	V(O_MAPTI,		"mapti",		OBS, "devid eventid lpi cpu?") \
	V(O_DISCARD,		"discard",		OBS, "devid eventid")	\
	V(O_SYNC,		"sync",			OBS, "cpu")		\
	V(O_MOVI,		"movi",			OBS, "devid eventid cpu") \
	V(O_IRQ_FREE,		"irq_free",		OBS, "virq nr")		\
	V(O_ITS_FREE_DEVICE,	"its_free_device",	OBS, "devid")		\
	V(O_MSI_TEARDOWN,	"msi_teardown",		OBS, "dev")		\
	V(O_ITS_MSI_TEARDOWN,	"its_msi_teardown",	OBS, "devid")		\
	V(O_PCIM_MSI_RELEASE,	"pcim_msi_release",	OBS, "dev")		\
	V(O_WARN,		"warn",			OBS, "site msg")	\
	V(O_RET,		"ret",			OBS, "fn dev? ret")	\
	/* format 2: x86 tracepoints irq_vectors:* (irq -> virq) */		\
	V(O_VECTOR_CONFIG,	"vector_config",	OBS, "virq vector cpu apicdest?") \
	V(O_VECTOR_UPDATE,	"vector_update",	OBS, "virq vector cpu prev_vector prev_cpu") \
	V(O_VECTOR_CLEAR,	"vector_clear",		OBS, "virq vector cpu prev_vector prev_cpu") \
	V(O_VECTOR_RESERVE_MANAGED, "vector_reserve_managed", OBS, "virq ret")	\
	V(O_VECTOR_RESERVE,	"vector_reserve",	OBS, "virq ret")	\
	V(O_VECTOR_ALLOC,	"vector_alloc",		OBS, "virq vector reserved ret") \
	V(O_VECTOR_ALLOC_MANAGED, "vector_alloc_managed", OBS, "virq vector ret") \
	V(O_VECTOR_ACTIVATE,	"vector_activate",	OBS, "virq is_managed can_reserve reserve") \
	V(O_VECTOR_DEACTIVATE,	"vector_deactivate",	OBS, "virq is_managed can_reserve reserve") \
	V(O_VECTOR_TEARDOWN,	"vector_teardown",	OBS, "virq is_managed has_reserved") \
	V(O_VECTOR_SETUP,	"vector_setup",		OBS, "virq is_legacy ret") \
	V(O_VECTOR_FREE_MOVED,	"vector_free_moved",	OBS, "virq cpu vector is_managed") \
	/* format 2: x86 tracepoints irq_matrix:* (values after the update) */	\
	V(O_IRQ_MATRIX_ONLINE,	"irq_matrix_online",	OBS, MLOG_MATRIX_GLOBAL) \
	V(O_IRQ_MATRIX_OFFLINE,	"irq_matrix_offline",	OBS, MLOG_MATRIX_GLOBAL) \
	V(O_IRQ_MATRIX_RESERVE,	"irq_matrix_reserve",	OBS, MLOG_MATRIX_GLOBAL) \
	V(O_IRQ_MATRIX_REMOVE_RESERVED, "irq_matrix_remove_reserved", OBS, MLOG_MATRIX_GLOBAL) \
	V(O_IRQ_MATRIX_ASSIGN_SYSTEM, "irq_matrix_assign_system", OBS, "bit " MLOG_MATRIX_GLOBAL) \
	V(O_IRQ_MATRIX_RESERVE_MANAGED, "irq_matrix_reserve_managed", OBS, MLOG_MATRIX_CPU) \
	V(O_IRQ_MATRIX_REMOVE_MANAGED, "irq_matrix_remove_managed", OBS, MLOG_MATRIX_CPU) \
	V(O_IRQ_MATRIX_ALLOC_MANAGED, "irq_matrix_alloc_managed", OBS, MLOG_MATRIX_CPU) \
	V(O_IRQ_MATRIX_ASSIGN,	"irq_matrix_assign",	OBS, MLOG_MATRIX_CPU)	\
	V(O_IRQ_MATRIX_ALLOC,	"irq_matrix_alloc",	OBS, MLOG_MATRIX_CPU)	\
	V(O_IRQ_MATRIX_FREE,	"irq_matrix_free",	OBS, MLOG_MATRIX_CPU)

/* The fields of the irq_matrix tracepoint classes "global" and "cpu". */
#define MLOG_MATRIX_GLOBAL "online_maps global_avl global_rsvd total_alloc"
#define MLOG_MATRIX_CPU "bit cpu online avl alloc managed " MLOG_MATRIX_GLOBAL

/* Fault-injection points: the model's list (model/faults.h) is the format's list. */
#define MLOG_FAULTS(F) ML_FAULTS(F)

enum mlog_type {
	MLOG_T_U, MLOG_T_X, MLOG_T_I, MLOG_T_DEV, MLOG_T_ITS, MLOG_T_NAME,
	MLOG_T_BDF, MLOG_T_FLG, MLOG_T_STR, MLOG_T_TIME, MLOG_T_LIST,
	MLOG_T_IDX, MLOG_T_FPT, MLOG_T_KIND, MLOG_T_BUS, MLOG_T_ARCH,
	MLOG_T_SRC, MLOG_T_TYPE,
};

enum mlog_key {
#define MLOG_KEY_ENUM(id, name, type, min, max) MLOG_K_##id,
	MLOG_KEYS(MLOG_KEY_ENUM)
#undef MLOG_KEY_ENUM
	MLOG_K__COUNT
};

enum mlog_class { MLOG_C_HDR, MLOG_C_DECL, MLOG_C_STIM, MLOG_C_META, MLOG_C_OBS };

enum mlog_verb {
	MLOG_V_NONE = 0,	/* blank line or comment */
#define MLOG_VERB_ENUM(id, name, class, keys) MLOG_V_##id,
	MLOG_VERBS(MLOG_VERB_ENUM)
#undef MLOG_VERB_ENUM
	MLOG_V__COUNT
};

enum mlog_fault {
#define MLOG_FAULT_ENUM(id, name, what) MLOG_F_##id,
	MLOG_FAULTS(MLOG_FAULT_ENUM)
#undef MLOG_FAULT_ENUM
	MLOG_F__COUNT
};

/* PCI_IRQ_* flags as in include/linux/pci.h (PCI_IRQ_LEGACY was renamed INTX) */
#define MLOG_PCI_IRQ_INTX	(1u << 0)
#define MLOG_PCI_IRQ_MSI	(1u << 1)
#define MLOG_PCI_IRQ_MSIX	(1u << 2)
#define MLOG_PCI_IRQ_AFFINITY	(1u << 3)
#define MLOG_PCI_IRQ_VIRTUAL	(1u << 4)

#define MLOG_INDEX_ANY	0xffffffffu	/* "index=any", MSI_ANY_INDEX */

#endif /* MSILAB_MLOG_SCHEMA_H */
