/* SPDX-License-Identifier: GPL-2.0 */
/*
 * decoder.h - fuzz input bytes <-> msilab scenarios (machine + operations).
 *
 * Every byte string decodes to a valid scenario: one whose every operation
 * ml_apply() accepts on the scenario's profile (it never returns -1).  The
 * decoder tracks device presence and bus type and maps an operation that
 * cannot happen to one that can.  fz_encode() is the exact inverse for the
 * scenarios it produces (and for every .mlog scenario inside the fuzz
 * vocabulary): fz_decode(fz_encode(s)) == s.
 *
 * Input layout (all multi-byte values little endian; missing bytes read 0):
 *
 *   header, 16 bytes
 *     0      profile: index % count into ml_profiles() (6.1 6.12 6.15 6.16
 *            6.18); ignored when the target fixes the profile
 *     1      switch toggles: bit i flips fz_switch_list[i] (masked by the
 *            target's allowed toggles)
 *     2      CPUs: 1 + (b + 1) % 8 (0 -> 2 CPUs)
 *     3      ITS event_bits: 0 -> 16, else 1 + (b - 1) % 32
 *     4      ITS devid_bits: same
 *     5      ITS lpi_bits: 16 - b % 3
 *     6..7   ITS num_lpis (0: no hypervisor restriction)
 *     8      devices: 1 + b % 6
 *     9      ITS ite_size: 0 -> 8, else 1 + (b - 1) % 32
 *     10     architecture: bit 0 clear arm64 (the layout above and below),
 *            set x86_64 (see "x86_64 inputs"); other bits reserved.  A
 *            target may fix the architecture (fz_options.arch): the
 *            fixed-profile arm64 targets read every input as arm64, the
 *            x86 targets as x86_64
 *     11..15 reserved (0)
 *   6 device slots, 8 bytes each (slots past the device count are ignored)
 *     0      bits 0-1 bus: 0 PCI, 1 platform, 2 wired platform (mbigen),
 *            3 PCI; bit 2 intx; bits 3-7 alias: 0 none, else device
 *            (v - 1) % slot (a device declared before this one)
 *     1..2   DevID (0 included; equal values share a DevID)
 *     3      PCI MSI Multiple Message Capable: {0,1,2,4,8,16,32}[b % 7]
 *     4..5   PCI MSI-X table size: v % 2049
 *     6..7   PCI bus number, devfn (segment 0)
 *   operations, 8 bytes each (a trailing partial record is ignored)
 *     0      opcode % FZ_OP__COUNT (enum fz_opcode)
 *     1      device % devices (moved to the next device that can take it)
 *     2..3   A (u16)     4..5   B (u16)     6  C     7  D
 *     pci_alloc_irq_vectors / pcim_: min = N(A), max = N(B), flags = C & 0x1f,
 *       pre_vectors = D & 15, post_vectors = D >> 4; N(0xffff) = INT_MAX
 *     pci_enable_msix_range: min = N(A), max = N(B)
 *     request_irq / free_irq: vec = A
 *     msi_create_device_irq_domain: hwsize = A
 *     msi_domain_{alloc,free}_irqs_range: first = min(A, B), last = max(A, B)
 *     msi_domain_alloc_irq_at: index = C & 1 ? any : A
 *     msi_device_domain_alloc_wired: hwirq = A | B << 16
 *     platform_device_msi_init_and_alloc_irqs: nvec = A
 *     cpu_offline / cpu_online: cpu = A % CPUs
 *     fault: point = C % points, skip = A, count = B ? B : 1 (a point the
 *       target does not allow: the record is dropped)
 *
 * x86_64 inputs (byte 10 bit 0, or a target fixing x86_64): bytes 3..7 and
 * 9 (the ITS) are ignored; the machine has irqs 1-23 in use (the legacy
 * IO-APIC range, FZ_X86_IRQS_USED); switch toggle bit 5 flips X86_DMAR_HWIRQ_ZERO
 * (bug B12; ignored on arm64).  A device slot is
 *     0      bits 0-1 bus: 0 PCI, 1 DMAR unit, 2 HPET block, 3 PCI; bit 2
 *            (PCI) MSI per-vector masking (reservation mode); no alias
 *     1..2   DevID     3..7 as arm64 (PCI only)
 *   and an operation is opcode % FZ_X86_OP__COUNT (enum fz_x86_opcode):
 *     pci_alloc_irq_vectors: min = N(A), max = N(B), flags = C & 0xe
 *       (MSI|MSIX|AFFINITY; 0 -> MSIX), pre_vectors = D & 15, post = D >> 4
 *     pci_enable_msi; pci_enable_msix_range(min N(A), max N(B));
 *     pci_free_irq_vectors: a PCI device
 *     request_irq / free_irq: vec = A, any device
 *     irq_set_affinity: PCI device, vec = A, CPU mask = C & (2^CPUs - 1),
 *       0 -> CPU 0
 *     cpu_offline / cpu_online: cpu = A % CPUs
 *     dmar_alloc_hwirq: DMAR unit u, id = u (its fault irq) or, A bit 0,
 *       FZ_MAX_DEVS + u (its page-request irq); an id the unit holds
 *       already: dmar_free_hwirq instead
 *     dmar_free_hwirq: a DMAR unit
 *     hpet_assign_irq: HPET block, dev_num = A % 4; a channel assigned
 *       already (on any block: the model has one HPET-MSI irq space): the
 *       no-op
 *     fault: irq_matrix_alloc (C even) or irq_matrix_reserve_managed,
 *       skip = A, count = B ? B : 1 (dropped if the target does not allow it)
 *   A PCI operation without a PCI device, or a DMAR/HPET one without such a
 *   unit, becomes the no-op.
 *
 * Mapping of impossible operations: a PCI operation goes to the next
 * present PCI device, a device-domain operation to the next present
 * platform device (wired for alloc_wired), device_add to the next removed
 * device; with no such device, or a device-domain operation on 6.1, the
 * operation becomes "cpu_online cpu=0" (a no-op).  pcim_alloc_irq_vectors
 * without its switch becomes pci_alloc_irq_vectors.  Allocations are
 * bounded: once FZ_DESC_BUDGET descriptors could have been allocated, an
 * allocation becomes the matching free.
 */
#ifndef MSILAB_FUZZ_DECODER_H
#define MSILAB_FUZZ_DECODER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define FZ_HDR_SIZE	16
#define FZ_MAX_DEVS	6
#define FZ_DEV_SIZE	8
#define FZ_OPS_OFFSET	(FZ_HDR_SIZE + FZ_MAX_DEVS * FZ_DEV_SIZE)	/* 64 */
#define FZ_OP_SIZE	8
#define FZ_MAX_OPS	512
#define FZ_MAX_INPUT	(FZ_OPS_OFFSET + FZ_MAX_OPS * FZ_OP_SIZE)
/*
 * Descriptors a run may allocate at most: within the model's table, and
 * small enough that the model's linear descriptor lists (msi_insert_desc(),
 * msi_find_desc()) keep a run in the millisecond range.
 */
#define FZ_DESC_BUDGET	2048
#define FZ_X86_IRQS_USED	"1-23"	/* Linux irqs in use on an x86_64 fuzz machine */
#define FZ_N_INT_MAX	0xffffu	/* N(0xffff) = INT_MAX ("max=2147483647") */

/* The opcodes of the vocabulary, in byte order. */
#define FZ_OPCODES(O)							\
	O(PCI_ENABLE_DEVICE)						\
	O(PCIM_ENABLE_DEVICE)						\
	O(PCI_ALLOC_IRQ_VECTORS)					\
	O(PCIM_ALLOC_IRQ_VECTORS)					\
	O(PCI_ENABLE_MSI)						\
	O(PCI_ENABLE_MSIX_RANGE)					\
	O(PCI_DISABLE_MSI)						\
	O(PCI_DISABLE_MSIX)						\
	O(PCI_FREE_IRQ_VECTORS)						\
	O(REQUEST_IRQ)							\
	O(FREE_IRQ)							\
	O(DRIVER_UNBIND)						\
	O(DEVICE_REMOVE)						\
	O(DEVICE_ADD)							\
	O(MSI_CREATE_DEVICE_IRQ_DOMAIN)					\
	O(MSI_REMOVE_DEVICE_IRQ_DOMAIN)					\
	O(MSI_DOMAIN_ALLOC_IRQS_RANGE)					\
	O(MSI_DOMAIN_FREE_IRQS_RANGE)					\
	O(MSI_DOMAIN_ALLOC_IRQ_AT)					\
	O(MSI_DEVICE_DOMAIN_ALLOC_WIRED)				\
	O(PLATFORM_DEVICE_MSI_INIT_AND_ALLOC_IRQS)			\
	O(PLATFORM_DEVICE_MSI_FREE_IRQS_ALL)				\
	O(CPU_OFFLINE)							\
	O(CPU_ONLINE)							\
	O(FAULT)

/* The x86_64 opcodes, in byte order. */
#define FZ_X86_OPCODES(O)						\
	O(PCI_ALLOC_IRQ_VECTORS)					\
	O(PCI_FREE_IRQ_VECTORS)						\
	O(PCI_ENABLE_MSI)						\
	O(PCI_ENABLE_MSIX_RANGE)					\
	O(REQUEST_IRQ)							\
	O(FREE_IRQ)							\
	O(IRQ_SET_AFFINITY)						\
	O(CPU_OFFLINE)							\
	O(CPU_ONLINE)							\
	O(DMAR_ALLOC_HWIRQ)						\
	O(DMAR_FREE_HWIRQ)						\
	O(HPET_ASSIGN_IRQ)						\
	O(FAULT)

enum fz_x86_opcode {
#define FZ_X86_OPCODE_ENUM(id) FZ_X86_OP_##id,
	FZ_X86_OPCODES(FZ_X86_OPCODE_ENUM)
#undef FZ_X86_OPCODE_ENUM
	FZ_X86_OP__COUNT
};

enum fz_opcode {
#define FZ_OPCODE_ENUM(id) FZ_OP_##id,
	FZ_OPCODES(FZ_OPCODE_ENUM)
#undef FZ_OPCODE_ENUM
	FZ_OP__COUNT
};

/*
 * Switches an input may flip on top of its profile (header byte 1); the
 * last (X86_DMAR_HWIRQ_ZERO) on x86_64 inputs only.
 */
#define FZ_NSWITCH	6
#define FZ_ARM64_TOGGLES	0x1fu
extern const enum ml_switch fz_switch_list[FZ_NSWITCH];

enum fz_bus { FZ_BUS_PCI, FZ_BUS_PLATFORM, FZ_BUS_WIRED, FZ_BUS_DMAR, FZ_BUS_HPET };

enum fz_arch { FZ_ARCH_ARM64, FZ_ARCH_X86_64 };

struct fz_dev {
	enum fz_bus bus;
	bool intx;
	bool msi_mask;		/* x86 PCI: MSI per-vector masking */
	int alias;		/* earlier device index or -1 */
	uint32_t devid;		/* 0 .. 0xffff */
	uint32_t msi;		/* PCI: 0 or 1..32 power of two */
	uint32_t msix;		/* PCI: 0 .. 2048 */
	uint32_t bdf;		/* PCI: bus << 8 | devfn */
};

/** struct fz_scenario - a decoded input: machine, profile and operations */
struct fz_scenario {
	enum fz_arch arch;
	unsigned int profile;		/* index into ml_profiles() */
	uint8_t toggles;		/* bit i: fz_switch_list[i] flipped */
	uint64_t sw;			/* the resulting switches */
	uint32_t cpus;
	uint32_t event_bits, devid_bits, lpi_bits, num_lpis, ite_size;
	uint32_t ndev;
	struct fz_dev dev[FZ_MAX_DEVS];
	uint32_t nops;
	struct ml_op op[FZ_MAX_OPS];
	uint16_t src[FZ_MAX_OPS];	/* input record each op came from */
};

/** struct fz_options - what a target fixes at build time */
struct fz_options {
	int profile;			/* index into ml_profiles(), -1: the input's */
	uint8_t toggle_mask;		/* switch toggles allowed (0: the pure profile) */
	uint32_t fault_mask;		/* fault points allowed (bit per enum ml_fault);
					 * records of the others are dropped */
	int arch;			/* -1: header byte 10; else the enum fz_arch of
					 * every input (byte 10 ignored) */
};

/* Every toggle and fault point allowed, profile from the input. */
void fz_options_default(struct fz_options *o);
/*
 * The options of a fuzz target by name ("fuzz_model", "fuzz_model_615",
 * "fuzz_model_616", ...): the targets and "msilab decode --target" share
 * this table.  0, or -1 for an unknown name.
 */
int fz_target_options(const char *target, struct fz_options *o);
/* Names of the targets of fz_target_options(), NULL-terminated. */
extern const char *const fz_targets[];
/* Index of a profile by name, -1 if unknown. */
int fz_profile_index(const char *name);

/* Decode @data; never fails. */
void fz_decode(const uint8_t *data, size_t size, const struct fz_options *o,
	       struct fz_scenario *s);
/*
 * The canonical bytes of @s into @out (room for FZ_MAX_INPUT is always
 * enough); returns the length.  Every field of @s must be inside the
 * vocabulary (fz_check()); the result decodes back to @s under options that
 * allow @s's profile, toggles and faults.
 */
size_t fz_encode(const struct fz_scenario *s, uint8_t *out, size_t cap);
/* 0 if @s is inside the vocabulary, else -1 with the reason in @err. */
int fz_check(const struct fz_scenario *s, char *err, size_t n);
/* Semantic equality (src[] excluded); on a difference, what it is in @why. */
bool fz_equal(const struct fz_scenario *a, const struct fz_scenario *b, char *why, size_t n);

/* The model's machine for @s. */
void fz_config(const struct fz_scenario *s, struct ml_config *cfg);
/*
 * The same into @cfg, which holds ml_config_init() defaults or an earlier
 * fz_config() result: every field a scenario decides is set, device slots
 * past s->ndev are left as they are (the model never reads them).  Saves
 * clearing all ML_MAX_DEVS slots (55 kB) for every input.
 */
void fz_config_update(const struct fz_scenario *s, struct ml_config *cfg);
/* The profile of @s, with its toggles applied. */
void fz_profile(const struct fz_scenario *s, struct ml_profile *p);
/* Device names used in .mlog output: "pci0", "plat1", "mbi2", "dmar3", "hpet4". */
void fz_dev_name(const struct fz_scenario *s, unsigned int i, char *buf, size_t n);

#endif /* MSILAB_FUZZ_DECODER_H */
