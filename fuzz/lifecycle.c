// SPDX-License-Identifier: GPL-2.0
/*
 * lifecycle.c - one device's lifecycle as fuzz input records (lifecycle.h).
 *
 * The sequences are the driver patterns of spec section 8 (and of the
 * kernel's drivers: probe enables the device, allocates vectors and
 * requests irqs; remove frees them, or leaves them to devres; a re-probe
 * allocates again, often with another count), with each step kept or left
 * out at random so that the usual mistakes appear too: a free without the
 * free_irq, an unbind with vectors live, a second allocation on a live one.
 */
#include <string.h>

#include "decoder.h"
#include "lifecycle.h"

struct seq {
	uint8_t *out;
	uint32_t n, room, dev;
	fz_draw_fn draw;
	void *arg;
};

static uint32_t draw(struct seq *s, uint32_t n)
{
	return s->draw(s->arg, n);
}

/* One in @n. */
static bool one_in(struct seq *s, uint32_t n)
{
	return draw(s, n) == 0;
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* A record of opcode @code on the device, or NULL when there is no room. */
static uint8_t *op(struct seq *s, uint8_t code)
{
	uint8_t *p;

	if (s->n >= s->room)
		return NULL;
	p = s->out + (size_t)s->n++ * FZ_OP_SIZE;
	memset(p, 0, FZ_OP_SIZE);
	p[0] = code;
	p[1] = (uint8_t)s->dev;
	return p;
}

static void op_a(struct seq *s, uint8_t code, uint32_t a)
{
	uint8_t *p = op(s, code);

	if (p)
		put16(p + 2, a);
}

/* Vector counts a driver asks for: around the ITS's powers of two. */
static uint32_t small_count(struct seq *s)
{
	static const uint8_t counts[] = { 1, 1, 2, 3, 3, 4, 5, 7, 8, 9, 16, 17, 31, 32, 33 };

	return counts[draw(s, sizeof(counts))];
}

/* Another count than @n: the re-probe that asks for more, or for fewer. */
static uint32_t other_count(struct seq *s, uint32_t n)
{
	uint32_t m = small_count(s);

	return m == n ? n + 1 : m;
}

/* pci_alloc_irq_vectors(min, max, flags) or one of its relatives */
static void pci_alloc(struct seq *s, uint32_t max, uint8_t flags, bool x86)
{
	uint32_t min = one_in(s, 2) ? max : 1;
	uint8_t code;
	uint8_t *p;

	if (x86)
		code = one_in(s, 6) ? FZ_X86_OP_PCI_ENABLE_MSIX_RANGE : FZ_X86_OP_PCI_ALLOC_IRQ_VECTORS;
	else if (one_in(s, 4))
		code = FZ_OP_PCIM_ALLOC_IRQ_VECTORS;
	else
		code = one_in(s, 6) ? FZ_OP_PCI_ENABLE_MSIX_RANGE : FZ_OP_PCI_ALLOC_IRQ_VECTORS;
	p = op(s, code);
	if (!p)
		return;
	put16(p + 2, min);
	put16(p + 4, max);
	p[6] = flags;
}

static uint8_t pci_flags(struct seq *s, bool x86)
{
	static const uint8_t arm64[] = {
		ML_PCI_IRQ_MSIX, ML_PCI_IRQ_MSIX, ML_PCI_IRQ_MSI, ML_PCI_IRQ_MSI | ML_PCI_IRQ_MSIX,
		ML_PCI_IRQ_MSIX | ML_PCI_IRQ_AFFINITY, ML_PCI_IRQ_INTX | ML_PCI_IRQ_MSI | ML_PCI_IRQ_MSIX,
	};
	static const uint8_t x86_64[] = {
		ML_PCI_IRQ_MSIX, ML_PCI_IRQ_MSI, ML_PCI_IRQ_MSI | ML_PCI_IRQ_MSIX,
		ML_PCI_IRQ_MSIX | ML_PCI_IRQ_AFFINITY, ML_PCI_IRQ_MSI | ML_PCI_IRQ_AFFINITY,
	};

	return x86 ? x86_64[draw(s, sizeof(x86_64))] : arm64[draw(s, sizeof(arm64))];
}

/*
 * PCI: [pcim_]enable, allocate, request the first irqs, then one ending:
 * free (free_irq first or not) and allocate again with another count;
 * unbind; remove and re-add then probe again; or free only.
 */
static void pci_lifecycle(struct seq *s)
{
	uint32_t nvec = small_count(s), nreq = one_in(s, 2) ? 1 : 1 + draw(s, 3), again;
	uint8_t flags = pci_flags(s, false);

	if (!one_in(s, 4))
		op(s, one_in(s, 4) ? FZ_OP_PCIM_ENABLE_DEVICE : FZ_OP_PCI_ENABLE_DEVICE);
	pci_alloc(s, nvec, flags, false);
	for (uint32_t v = 0; v < nreq && !one_in(s, 4); v++)
		op_a(s, FZ_OP_REQUEST_IRQ, v);
	switch (draw(s, 4)) {
	case 0:		/* re-allocation: B1 (prepare per allocation), B3 */
	case 1:
		for (uint32_t v = 0; v < nreq && !one_in(s, 3); v++)
			op_a(s, FZ_OP_FREE_IRQ, v);
		if (!one_in(s, 6))
			op(s, FZ_OP_PCI_FREE_IRQ_VECTORS);
		/* one draw per statement: C leaves the order of arguments open */
		again = other_count(s, nvec);
		pci_alloc(s, again, one_in(s, 3) ? pci_flags(s, false) : flags, false);
		if (one_in(s, 2))
			op(s, FZ_OP_PCI_FREE_IRQ_VECTORS);
		break;
	case 2:		/* unbind, vectors freed or left to devres (B10, B11) */
		if (one_in(s, 2))
			op(s, FZ_OP_PCI_FREE_IRQ_VECTORS);
		op(s, FZ_OP_DRIVER_UNBIND);
		break;
	default:	/* hot-unplug and rescan, then the next probe */
		if (one_in(s, 2))
			op(s, FZ_OP_PCI_FREE_IRQ_VECTORS);
		op(s, FZ_OP_DEVICE_REMOVE);
		op(s, FZ_OP_DEVICE_ADD);
		if (!one_in(s, 4))
			op(s, FZ_OP_PCI_ENABLE_DEVICE);
		pci_alloc(s, one_in(s, 2) ? nvec : other_count(s, nvec), flags, false);
		break;
	}
}

/*
 * Platform (device MSI domain): create the domain, one or two range
 * allocations (or init_and_alloc), an allocation at an index, a partial
 * free, removal of the domain; sometimes created again (B1 on a shared
 * domain, B8).
 */
static void platform_lifecycle(struct seq *s)
{
	uint32_t hwsize = small_count(s), first = 0, n;
	uint8_t *p;

	if (one_in(s, 3)) {
		op_a(s, FZ_OP_PLATFORM_DEVICE_MSI_INIT_AND_ALLOC_IRQS, hwsize);
		if (!one_in(s, 3))
			op(s, FZ_OP_PLATFORM_DEVICE_MSI_FREE_IRQS_ALL);
		return;
	}
	op_a(s, FZ_OP_MSI_CREATE_DEVICE_IRQ_DOMAIN, hwsize);
	for (uint32_t k = one_in(s, 2) ? 2 : 1; k; k--) {
		n = one_in(s, 2) ? 1 : small_count(s);
		p = op(s, FZ_OP_MSI_DOMAIN_ALLOC_IRQS_RANGE);
		if (p) {
			put16(p + 2, first);
			put16(p + 4, first + n - 1);
		}
		first += n;
	}
	if (one_in(s, 4)) {
		p = op(s, FZ_OP_MSI_DOMAIN_ALLOC_IRQ_AT);
		if (p)
			p[6] = 1;	/* MSI_ANY_INDEX */
	}
	if (one_in(s, 2)) {
		p = op(s, FZ_OP_MSI_DOMAIN_FREE_IRQS_RANGE);
		if (p) {
			put16(p + 2, 0);
			put16(p + 4, first ? first - 1 : 0);
		}
	}
	if (!one_in(s, 4))
		op(s, FZ_OP_MSI_REMOVE_DEVICE_IRQ_DOMAIN);
	if (one_in(s, 4))
		op_a(s, FZ_OP_MSI_CREATE_DEVICE_IRQ_DOMAIN, other_count(s, hwsize));
}

/* Wired (mbigen): the domain, wired interrupts by hwirq, removal. */
static void wired_lifecycle(struct seq *s)
{
	uint32_t hwsize = small_count(s);

	op_a(s, FZ_OP_MSI_CREATE_DEVICE_IRQ_DOMAIN, hwsize);
	for (uint32_t k = 1 + draw(s, 3); k; k--)
		op_a(s, FZ_OP_MSI_DEVICE_DOMAIN_ALLOC_WIRED, draw(s, hwsize + 1));
	if (one_in(s, 2))
		op(s, FZ_OP_MSI_REMOVE_DEVICE_IRQ_DOMAIN);
}

/*
 * x86_64 PCI: allocate, request, move an irq to other CPUs, take a CPU
 * down and up (the vector moves, managed shutdown and restart), free and
 * allocate again.
 */
static void x86_pci_lifecycle(struct seq *s, uint32_t cpus)
{
	uint32_t nvec = small_count(s), nreq = one_in(s, 2) ? 1 : 1 + draw(s, 3), cpu;
	uint8_t flags = pci_flags(s, true), *p;

	pci_alloc(s, nvec, flags, true);
	for (uint32_t v = 0; v < nreq && !one_in(s, 4); v++)
		op_a(s, FZ_X86_OP_REQUEST_IRQ, v);
	if (one_in(s, 2)) {
		p = op(s, FZ_X86_OP_IRQ_SET_AFFINITY);
		if (p) {
			put16(p + 2, draw(s, nreq));
			p[6] = (uint8_t)(1 + draw(s, 255));
		}
	}
	if (!one_in(s, 3)) {
		cpu = cpus > 1 ? 1 + draw(s, cpus - 1) : 0;
		op_a(s, FZ_X86_OP_CPU_OFFLINE, cpu);
		if (!one_in(s, 4))
			op_a(s, FZ_X86_OP_CPU_ONLINE, cpu);
	}
	if (!one_in(s, 3)) {
		for (uint32_t v = 0; v < nreq && !one_in(s, 3); v++)
			op_a(s, FZ_X86_OP_FREE_IRQ, v);
		op(s, FZ_X86_OP_PCI_FREE_IRQ_VECTORS);
		if (one_in(s, 2))
			pci_alloc(s, other_count(s, nvec), flags, true);
	}
}

/*
 * x86_64 DMAR unit: its fault irq or page-request irq, maybe the other, the
 * unit's irqs freed, one allocated again (B12: hwirq 0).  An id the unit
 * holds would decode as the free: each is allocated once per round.
 */
static void x86_dmar_lifecycle(struct seq *s)
{
	uint32_t which = draw(s, 2);

	op_a(s, FZ_X86_OP_DMAR_ALLOC_HWIRQ, which);
	if (one_in(s, 2))
		op_a(s, FZ_X86_OP_DMAR_ALLOC_HWIRQ, 1 - which);
	op(s, FZ_X86_OP_DMAR_FREE_HWIRQ);
	if (one_in(s, 2))
		op_a(s, FZ_X86_OP_DMAR_ALLOC_HWIRQ, draw(s, 2));
}

/* x86_64 HPET block: one or two channels, each assigned once. */
static void x86_hpet_lifecycle(struct seq *s)
{
	uint32_t ch = draw(s, 4);

	op_a(s, FZ_X86_OP_HPET_ASSIGN_IRQ, ch);
	if (one_in(s, 2))
		op_a(s, FZ_X86_OP_HPET_ASSIGN_IRQ, (ch + 1 + draw(s, 3)) % 4);
}

uint32_t fz_lifecycle(const uint8_t *hdr, bool x86, uint32_t dev, uint8_t *out, uint32_t room,
		      fz_draw_fn draw_fn, void *arg)
{
	struct seq s = { out, 0, room, dev, draw_fn, arg };
	unsigned int bus = hdr[FZ_HDR_SIZE + dev * FZ_DEV_SIZE] & 3;

	if (x86) {
		switch (bus) {
		case 1:
			x86_dmar_lifecycle(&s);
			break;
		case 2:
			x86_hpet_lifecycle(&s);
			break;
		default:
			x86_pci_lifecycle(&s, 1 + (hdr[2] + 1u) % 8);
			break;
		}
		return s.n;
	}
	switch (bus) {
	case 1:
		platform_lifecycle(&s);
		break;
	case 2:
		wired_lifecycle(&s);
		break;
	default:
		pci_lifecycle(&s);
		break;
	}
	return s.n;
}
