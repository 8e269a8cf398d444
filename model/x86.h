/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86.h - the x86 objects of the simulated machine: the irq_matrix
 * (kernel/irq/matrix.c), the vector domain's per-irq chip data
 * (struct apic_chip_data, arch/x86/kernel/apic/vector.c) and the state
 * INV-X6 keeps about the model's own trace.  Included by internals.h.
 */
#ifndef MSILAB_MODEL_X86_H
#define MSILAB_MODEL_X86_H

#include <stdbool.h>
#include <stdint.h>

#define ML_NR_VECTORS			256	/* NR_VECTORS */
#define ML_FIRST_EXTERNAL_VECTOR	0x20
#define ML_ISA_IRQ_VECTOR(i)		(0x30 + (i))
#define ML_PIC_CASCADE_VECTOR		ML_ISA_IRQ_VECTOR(2)
#define ML_IA32_SYSCALL_VECTOR		0x80
#define ML_IRQ_MOVE_CLEANUP_VECTOR	0x20	/* v6.1 only (6.12: per-CPU timer) */
#define ML_MANAGED_IRQ_SHUTDOWN_VECTOR	0xef
#define ML_VEC_WORDS			(ML_NR_VECTORS / 64)
#define ML_CPU_WORDS			4	/* 256 CPUs */

/* enum irq_alloc_type (arch/x86/include/asm/hw_irq.h, 6.1 = 6.12) */
enum ml_x86_alloc_type {
	ML_X86_ALLOC_NONE = 0,
	ML_X86_ALLOC_IOAPIC = 1,
	ML_X86_ALLOC_HPET,
	ML_X86_ALLOC_PCI_MSI,
	ML_X86_ALLOC_PCI_MSIX,
	ML_X86_ALLOC_DMAR,
	ML_X86_ALLOC_AMDVI,
	ML_X86_ALLOC_UV,
};

#define ML_X86_IRQ_ALLOC_CONTIGUOUS_VECTORS	(1u << 0)

/** struct ml_cpumap - struct cpumap of kernel/irq/matrix.c */
struct ml_cpumap {
	uint32_t available;
	uint32_t allocated;
	uint32_t managed;
	uint32_t managed_allocated;
	bool online;
	bool initialized;
	/* INV-X4 is meaningless for this CPU (Q1): it went offline once */
	bool x4_stale;
	uint64_t alloc_map[ML_VEC_WORDS];
	uint64_t managed_map[ML_VEC_WORDS];
};

/** struct ml_matrix - struct irq_matrix */
struct ml_matrix {
	uint32_t matrix_bits;
	uint32_t alloc_start;
	uint32_t alloc_end;
	uint32_t alloc_size;
	uint32_t global_available;
	uint32_t global_reserved;
	uint32_t systembits_inalloc;
	uint32_t total_allocated;
	uint32_t online_maps;
	uint64_t system_map[ML_VEC_WORDS];
};

/** struct ml_apicd - struct apic_chip_data plus the irq_data bits vector.c reads */
struct ml_apicd {
	bool live;
	bool is_managed;
	bool can_reserve;
	bool has_reserved;
	bool move_in_progress;
	bool irqd_can_reserve;		/* IRQD_CAN_RESERVE of the irq_data */
	bool managed_shutdown;		/* IRQD_MANAGED_SHUTDOWN */
	bool affinity_managed;		/* IRQD_AFFINITY_MANAGED */
	bool opaque;			/* declared by x86_irq: owned by no modelled device */
	uint8_t type;			/* enum ml_x86_alloc_type of the allocation */
	uint16_t vector, prev_vector;
	uint16_t cpu, prev_cpu;
	uint16_t hw_vector, hw_cpu;	/* hw_irq_cfg */
	uint16_t gsi_refs;		/* IO-APIC pin irq: pci_enable_device() references */
	uint64_t affinity[ML_CPU_WORDS];	/* irq_common_data.affinity */
};

/** struct ml_x86_alloc_info - struct irq_alloc_info (x86 msi_alloc_info_t) */
struct ml_x86_alloc_info {
	enum ml_x86_alloc_type type;
	uint32_t flags;
	uint32_t devid;
	uint64_t hwirq;
	bool has_mask;
	uint64_t mask[ML_CPU_WORDS];
};

/** INV-X6: what the model's own trace said so far */
struct ml_x86_trace {
	int last_kind;			/* previous x86 event kind, -1 none */
	uint32_t last_bit, last_cpu;
	bool want_remove_reserved;	/* a vector_teardown has_reserved=1 was just emitted */
	uint32_t teardown_virq;
	/* (cpu, bit) allocated according to the trace (plus the silent steps) */
	uint64_t traced[256][ML_VEC_WORDS];
};

/** struct ml_x86 - the x86 part of one machine */
struct ml_x86 {
	struct ml_matrix mx;
	struct ml_cpumap cpu[256];
	int global_domain;		/* v6.1 "PCI-MSI" default domain, -1 none */
	int dmar_domain;		/* "DMAR-MSI" */
	int hpet_domain;		/* "HPET-MSI" */
	struct ml_x86_trace tr;
	uint32_t reported;		/* INV-X1..X6 already reported (bit n-1) */
};

#endif /* MSILAB_MODEL_X86_H */
