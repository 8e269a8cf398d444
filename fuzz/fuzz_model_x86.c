// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_model_x86.c - the x86 model fuzz target: bytes -> operations on an
 * x86_64 machine (the vector domain, irq_matrix, PCI MSI/MSI-X, IO-APIC
 * pins, DMAR units), every invariant checked after every operation.  The
 * first violation that stops the run aborts after ONE line on stderr,
 *
 *   msilab: INV-M3 violated [known bug B12] on profile 6.1+X86_DMAR_HWIRQ_ZERO at step 4: detail
 *
 * It has its own small decoder: the arm64 vocabulary of fuzz/decoder.c
 * (byte layout, custom mutator, msilab decode/encode) is left exactly as it
 * is, so every existing input decodes as before.
 *
 * Input layout (missing bytes read 0):
 *   header, 4 bytes
 *     0   profile: index % 5 into ml_profiles() (6.1 6.12 6.15 6.16 6.18)
 *     1   CPUs: 2 + b % 3
 *     2   bit 0: the MSI device can mask per vector (reservation mode)
 *     3   reserved
 *   operations, 4 bytes each: opcode % X_OP__COUNT, then U, A, B
 *     alloc          pci_alloc_irq_vectors(pci U % 3, min 1, max 1 + A % 8,
 *                    flags MSI-X (B bit 0) | MSI (bit 1) | AFFINITY (bit 2),
 *                    pre_vectors B >> 3 & 1); flags 0 -> MSI-X
 *     request / free request_irq / free_irq(pci U % 3 or dmar U % 2, vec A % 8)
 *     free_vectors   pci_free_irq_vectors(pci U % 3)
 *     affinity       irq_set_affinity(pci U % 3, vec A % 8, mask B % 2^CPUs or 1)
 *     offline/online cpu_offline / cpu_online(cpu U % CPUs)
 *     dmar_alloc     dmar_alloc_hwirq(dmar U % 2, id = unit number, then unit + 2
 *                    for its page-request irq); a third: dmar_free_hwirq
 *     dmar_free      dmar_free_hwirq(dmar U % 2)
 *     pin_map/unmap  mp_map_pin_to_irq / mp_unmap_irq(virq 16 + U % 8)
 *   The machine: pci0 MSI-X 4, pci1 MSI 1, pci2 MSI-X 8 (+ MSI 1), dmar0,
 *   dmar1; irqs 1-23 are the IO-APIC range.  At most 64 operations.
 *
 * Build-time options (-D):
 *   FZ_X86_B12=1   X86_DMAR_HWIRQ_ZERO on (bug B12), stop only on B12
 *   (default)      stop on violations without a catalogued bug (on 6.1-6.15
 *                  B1 is expected on every second allocation and ignored)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internals.h"

#ifndef FZ_X86_B12
#define FZ_X86_B12 0
#endif

#define X_MAX_OPS	64

enum x_op {
	X_ALLOC, X_REQUEST, X_FREE, X_FREE_VECTORS, X_AFFINITY, X_OFFLINE, X_ONLINE,
	X_DMAR_ALLOC, X_DMAR_FREE, X_PIN_MAP, X_PIN_UNMAP, X_OP__COUNT
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ml_ctx *ctx;
static struct ml_config cfg;

static uint8_t get8(const uint8_t *p, size_t size, size_t off)
{
	return off < size ? p[off] : 0;
}

static void add_dev(struct ml_config *c, const char *name, bool pci, uint32_t bdf, uint32_t msi,
		    uint32_t msix, int kind)
{
	struct ml_dev_config *d = &c->dev[c->ndev++];

	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->pci = pci;
	d->bdf = bdf;
	d->devid = pci ? bdf : c->ndev - 4;
	d->msi = msi;
	d->msix = msix;
	d->alias = -1;
	d->x86_kind = kind;
}

static void build(const uint8_t *data, size_t size)
{
	const struct ml_profile *list;
	unsigned int n = ml_profiles(&list);

	ml_config_init(&cfg);
	cfg.profile = list[get8(data, size, 0) % n];
	if (FZ_X86_B12)
		cfg.profile.sw |= ML_SW(X86_DMAR_HWIRQ_ZERO);
	cfg.x86 = true;
	cfg.nits = 0;
	cfg.cpus = 2 + get8(data, size, 1) % 3;
	for (uint32_t v = 1; v <= 23; v++)
		cfg.irqs_used[v / 64] |= 1ull << (v % 64);
	add_dev(&cfg, "pci0", true, 0x10, 0, 4, ML_DEV_NORMAL);
	add_dev(&cfg, "pci1", true, 0x18, 1, 0, ML_DEV_NORMAL);
	add_dev(&cfg, "pci2", true, 0x20, 1, 8, ML_DEV_NORMAL);
	add_dev(&cfg, "dmar0", false, 0, 0, 0, ML_DEV_DMAR);
	add_dev(&cfg, "dmar1", false, 0, 0, 0, ML_DEV_DMAR);
	cfg.dev[1].msi_mask = get8(data, size, 2) & 1;
}

static struct ml_op op_of(const uint8_t *r)
{
	struct ml_op op;
	uint32_t pci = r[1] % 3, dmar = 3 + r[1] % 2;

	memset(&op, 0, sizeof(op));
	op.dev = (int)pci;
	switch (r[0] % X_OP__COUNT) {
	case X_ALLOC:
		op.kind = ML_OP_PCI_ALLOC_IRQ_VECTORS;
		op.min = 1;
		op.max = 1 + r[2] % 8;
		op.flags = (r[3] & 1 ? ML_PCI_IRQ_MSIX : 0) | (r[3] & 2 ? ML_PCI_IRQ_MSI : 0) |
			   (r[3] & 4 ? ML_PCI_IRQ_AFFINITY : 0);
		if (!(op.flags & (ML_PCI_IRQ_MSIX | ML_PCI_IRQ_MSI)))
			op.flags |= ML_PCI_IRQ_MSIX;
		op.pre = (r[3] >> 3) & 1;
		break;
	case X_REQUEST:
	case X_FREE:
		op.kind = r[0] % X_OP__COUNT == X_REQUEST ? ML_OP_REQUEST_IRQ : ML_OP_FREE_IRQ;
		op.dev = (int)(r[2] & 0x80 ? dmar : pci);
		op.vec = r[2] % 8;
		break;
	case X_FREE_VECTORS:
		op.kind = ML_OP_PCI_FREE_IRQ_VECTORS;
		break;
	case X_AFFINITY:
		op.kind = ML_OP_IRQ_SET_AFFINITY;
		op.vec = r[2] % 8;
		op.mask[0] = r[3] % (1u << cfg.cpus);
		if (!op.mask[0])
			op.mask[0] = 1;
		break;
	case X_OFFLINE:
	case X_ONLINE:
		op.kind = r[0] % X_OP__COUNT == X_OFFLINE ? ML_OP_CPU_OFFLINE : ML_OP_CPU_ONLINE;
		op.dev = -1;
		op.cpu = r[1] % cfg.cpus;
		break;
	case X_DMAR_ALLOC: {
		/* the fault irq (id = seq_id), then the page-request irq (id = offset +
		 * seq_id, the offset 2 here); a third becomes the unit's teardown */
		uint32_t have = ctx->dev[dmar].nhwirqs;

		op.kind = have < 2 ? ML_OP_DMAR_ALLOC_HWIRQ : ML_OP_DMAR_FREE_HWIRQ;
		op.dev = (int)dmar;
		op.hwirq = (dmar - 3) + 2 * have;
		break;
	}
	case X_DMAR_FREE:
		op.kind = ML_OP_DMAR_FREE_HWIRQ;
		op.dev = (int)dmar;
		break;
	default:
		op.kind = r[0] % X_OP__COUNT == X_PIN_MAP ? ML_OP_MP_MAP_PIN_TO_IRQ : ML_OP_MP_UNMAP_IRQ;
		op.dev = -1;
		op.virq = 16 + r[1] % 8;
		break;
	}
	return op;
}

static bool stops(const char *bug)
{
	if (FZ_X86_B12)
		return bug && !strcmp(bug, "B12");
	return !bug;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t nops = size > 4 ? (size - 4) / 4 : 0;
	char pname[256];

	if (!ctx && !(ctx = malloc(ml_ctx_size())))
		abort();
	build(data, size);
	if (ml_ctx_init(ctx, &cfg)) {
		fprintf(stderr, "msilab: harness bug: machine refused: %s\n", ml_error(ctx));
		abort();
	}
	if (nops > X_MAX_OPS)
		nops = X_MAX_OPS;
	for (size_t i = 0; i < nops; i++) {
		struct ml_op op = op_of(data + 4 + 4 * i);
		const struct ml_violation *v;
		unsigned int nv;
		int kret;

		if (ml_apply(ctx, &op, &kret)) {
			fprintf(stderr, "msilab: harness bug: step %zu: %s refused: %s\n", i + 1,
				ml_op_name(op.kind), ml_error(ctx));
			abort();
		}
		nv = ml_violations(ctx, &v);
		for (unsigned int j = 0; j < nv; j++) {
			if (!stops(v[j].bug))
				continue;
			ml_profile_describe(&cfg.profile, pname, sizeof(pname));
			fprintf(stderr, "msilab: %s violated%s%s%s on profile %s at step %zu: %s\n",
				v[j].inv, v[j].bug ? " [known bug " : "", v[j].bug ? v[j].bug : "",
				v[j].bug ? "]" : "", pname, i + 1, v[j].detail);
			abort();
		}
	}
	return 0;
}
