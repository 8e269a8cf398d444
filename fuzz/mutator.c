// SPDX-License-Identifier: GPL-2.0
/*
 * mutator.c - structure-aware mutation of fuzz inputs (see mutator.h).
 */
#include <stdbool.h>
#include <string.h>

#include "lifecycle.h"
#include "mutator.h"

struct rng {
	uint64_t s;
};

static uint32_t rnd(struct rng *r)
{
	/* xorshift64* */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return (uint32_t)((r->s * 0x2545f4914f6cdd1dull) >> 32);
}

static uint32_t below(struct rng *r, uint32_t n)
{
	return n ? rnd(r) % n : 0;
}

static void seed_rng(struct rng *r, unsigned int seed)
{
	r->s = 0x9e3779b97f4a7c15ull ^ ((uint64_t)seed << 17) ^ seed;
	if (!r->s)
		r->s = 1;
	rnd(r);
}

/* Vector counts around powers of two; the last one means INT_MAX. */
static const uint16_t counts[] = {
	0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65,
	127, 128, 129, 255, 256, 257, 511, 512, 513, 1023, 1024, 1025,
	2047, 2048, 2049, FZ_N_INT_MAX,
};

/* Mostly small: the bugs live at 1..33, and big vectors make slow runs. */
static uint16_t pick_count(struct rng *r)
{
	uint32_t n = sizeof(counts) / sizeof(counts[0]);

	if (below(r, 8))
		return counts[1 + below(r, 14)];	/* 1 .. 33 */
	return counts[below(r, n)];
}

/* A neighbour of @v in the count ladder (or a fresh pick). */
static uint16_t step_count(struct rng *r, uint16_t v)
{
	uint32_t n = sizeof(counts) / sizeof(counts[0]);

	for (uint32_t i = 0; i < n; i++) {
		if (counts[i] == v) {
			if (below(r, 2))
				return counts[i + 1 < n ? i + 1 : i];
			return counts[i ? i - 1 : 0];
		}
	}
	return pick_count(r);
}

/*
 * struct irq_affinity pre_vectors (low nibble) and post_vectors (high): none
 * half the time.  One draw per statement where the order matters: C leaves
 * the order of the operands of = and | unspecified (gcc and clang differ),
 * and a mutation must be the same whatever compiler built the mutator; the
 * order kept is clang's, the fuzz builds' compiler.
 */
static uint8_t pre_post(struct rng *r)
{
	uint32_t pre;

	if (below(r, 2))
		return 0;
	pre = below(r, 3);
	return (uint8_t)(pre | below(r, 2) << 4);
}

static const uint8_t flag_choices[] = {
	ML_PCI_IRQ_MSI, ML_PCI_IRQ_MSIX, ML_PCI_IRQ_MSI | ML_PCI_IRQ_MSIX,
	ML_PCI_IRQ_INTX | ML_PCI_IRQ_MSI | ML_PCI_IRQ_MSIX,
	ML_PCI_IRQ_MSIX | ML_PCI_IRQ_AFFINITY, ML_PCI_IRQ_MSI | ML_PCI_IRQ_AFFINITY,
	ML_PCI_IRQ_INTX | ML_PCI_IRQ_MSI, ML_PCI_IRQ_INTX,
};

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/** struct work - an input as header + records */
struct work {
	uint8_t *buf;		/* FZ_MAX_INPUT bytes */
	uint32_t nrec;		/* operation records */
	uint32_t maxrec;	/* room, from max_size */
	uint32_t faults;	/* fault points the target allows (fz_options) */
	uint8_t toggles;	/* switch toggles the target allows (fz_options) */
	bool x86;		/* decoded as x86_64 (fz_options.arch, else byte 10) */
};

/* A fault point the target allows (the decoder drops a record of another). */
static uint8_t pick_point(struct rng *r, const struct work *w)
{
	uint32_t n = (uint32_t)__builtin_popcount(w->faults), k;

	if (!n)
		return (uint8_t)below(r, ML_F__COUNT);
	k = below(r, n);
	for (uint32_t p = 0; p < ML_F__COUNT; p++)
		if (((w->faults >> p) & 1) && !k--)
			return (uint8_t)p;
	return 0;
}

static uint8_t *rec(struct work *w, uint32_t i)
{
	return w->buf + FZ_OPS_OFFSET + (size_t)i * FZ_OP_SIZE;
}

static uint32_t ndev(const struct work *w)
{
	return 1 + w->buf[8] % FZ_MAX_DEVS;
}

/* Fill @p with a plausible operation. */
static void gen_op(struct rng *r, const struct work *w, uint8_t *p)
{
	uint8_t code;

	memset(p, 0, FZ_OP_SIZE);
	/* PCI allocations and frees are the heart of it: weight them */
	switch (below(r, 4)) {
	case 0:
		code = FZ_OP_PCI_ALLOC_IRQ_VECTORS;
		break;
	case 1:
		code = (uint8_t)(below(r, 2) ? FZ_OP_PCI_FREE_IRQ_VECTORS : FZ_OP_PCI_ENABLE_DEVICE);
		break;
	default:
		code = (uint8_t)below(r, FZ_OP__COUNT);
		break;
	}
	p[0] = code;
	p[1] = (uint8_t)below(r, ndev(w));
	switch (code) {
	case FZ_OP_PCI_ALLOC_IRQ_VECTORS:
	case FZ_OP_PCIM_ALLOC_IRQ_VECTORS:
	case FZ_OP_PCI_ENABLE_MSIX_RANGE: {
		uint16_t max = pick_count(r), min = below(r, 2) ? max : (uint16_t)(1 + below(r, 2));

		put16(p + 2, min);
		put16(p + 4, max);
		p[6] = flag_choices[below(r, sizeof(flag_choices))];
		p[7] = below(r, 4) ? 0 : (uint8_t)below(r, 3);
		break;
	}
	case FZ_OP_REQUEST_IRQ:
	case FZ_OP_FREE_IRQ:
		put16(p + 2, below(r, 4) ? below(r, 4) : pick_count(r));
		break;
	case FZ_OP_MSI_CREATE_DEVICE_IRQ_DOMAIN:
	case FZ_OP_PLATFORM_DEVICE_MSI_INIT_AND_ALLOC_IRQS:
		put16(p + 2, pick_count(r));
		break;
	case FZ_OP_MSI_DOMAIN_ALLOC_IRQS_RANGE:
	case FZ_OP_MSI_DOMAIN_FREE_IRQS_RANGE: {
		uint16_t first = (uint16_t)below(r, 9), n = pick_count(r);

		put16(p + 2, first);
		put16(p + 4, n ? first + n - 1u : first);
		break;
	}
	case FZ_OP_MSI_DOMAIN_ALLOC_IRQ_AT:
		put16(p + 2, below(r, 8));
		p[6] = (uint8_t)below(r, 2);
		break;
	case FZ_OP_MSI_DEVICE_DOMAIN_ALLOC_WIRED:
		put16(p + 2, below(r, 64));
		break;
	case FZ_OP_CPU_OFFLINE:
	case FZ_OP_CPU_ONLINE:
		put16(p + 2, below(r, 8));
		break;
	case FZ_OP_FAULT:
		p[6] = pick_point(r, w);
		put16(p + 2, below(r, 3) ? 0 : below(r, 4));
		put16(p + 4, below(r, 4) ? 1 : 1 + below(r, 3));
		break;
	default:
		break;
	}
}

static void insert_rec(struct work *w, uint32_t at, const uint8_t *p)
{
	if (w->nrec >= w->maxrec)
		return;
	memmove(rec(w, at + 1), rec(w, at), (size_t)(w->nrec - at) * FZ_OP_SIZE);
	memcpy(rec(w, at), p, FZ_OP_SIZE);
	w->nrec++;
}

static void delete_rec(struct work *w, uint32_t at)
{
	memmove(rec(w, at), rec(w, at + 1), (size_t)(w->nrec - at - 1) * FZ_OP_SIZE);
	w->nrec--;
}

static void mutate_device(struct rng *r, struct work *w)
{
	uint32_t i = below(r, ndev(w));
	uint8_t *d = w->buf + FZ_HDR_SIZE + i * FZ_DEV_SIZE;

	switch (below(r, 6)) {
	case 0:		/* MSI MMC: one power of two up or down, or any */
		d[3] = (uint8_t)(below(r, 2) ? (d[3] % 7 + 1 + below(r, 2) * 5) % 7 : below(r, 7));
		break;
	case 1:		/* MSI-X table size */
		put16(d + 4, below(r, 2) ? step_count(r, get16(d + 4) % 2049) % 2049 :
		      pick_count(r) % 2049);
		break;
	case 2:		/* bus and intx */
		d[0] = (uint8_t)((d[0] & ~7u) | below(r, 8));
		break;
	case 3:		/* DevID: 0, another device's, or small */
		switch (below(r, 3)) {
		case 0:
			put16(d + 1, 0);
			break;
		case 1:
			memcpy(d + 1, w->buf + FZ_HDR_SIZE + below(r, FZ_MAX_DEVS) * FZ_DEV_SIZE + 1, 2);
			break;
		default:
			put16(d + 1, 8 * (1 + below(r, 64)));
			break;
		}
		break;
	case 4:		/* alias behind a bridge */
		d[0] = (uint8_t)((d[0] & 7) | (below(r, 3) ? (1 + below(r, i + 1)) << 3 : 0));
		break;
	default:	/* a device made for a bug class */
		d[0] = (uint8_t)below(r, 3);
		d[3] = (uint8_t)(1 + below(r, 6));
		put16(d + 4, pick_count(r) % 2049);
		break;
	}
}

static void mutate_header(struct rng *r, struct work *w)
{
	switch (below(r, 7)) {
	case 0:
		w->buf[8] = (uint8_t)below(r, FZ_MAX_DEVS);
		break;
	case 1:
		w->buf[2] = (uint8_t)below(r, 8);
		break;
	case 2:
		w->buf[0] = (uint8_t)below(r, 5);
		break;
	case 3:
		w->buf[1] ^= (uint8_t)(1u << below(r, FZ_NSWITCH));
		break;
	case 4:		/* narrow EventID space (B6) */
		w->buf[3] = below(r, 2) ? 0 : (uint8_t)(1 + below(r, 6));
		break;
	case 5:		/* a small LPI pool (B8) */
		put16(w->buf + 6, below(r, 2) ? 0 : 8u << below(r, 8));
		break;
	default:
		w->buf[4] = below(r, 2) ? 0 : (uint8_t)(1 + below(r, 16));
		break;
	}
}

static void mutate_counts(struct rng *r, const struct work *w, uint8_t *p)
{
	switch (p[0] % FZ_OP__COUNT) {
	case FZ_OP_PCI_ALLOC_IRQ_VECTORS:
	case FZ_OP_PCIM_ALLOC_IRQ_VECTORS:
	case FZ_OP_PCI_ENABLE_MSIX_RANGE:
		switch (below(r, 4)) {
		case 0:
			put16(p + 2, step_count(r, get16(p + 2)));
			break;
		case 1:
			put16(p + 4, step_count(r, get16(p + 4)));
			break;
		case 2: {
			uint16_t v = pick_count(r);

			put16(p + 2, v);
			put16(p + 4, v);
			break;
		}
		default:
			p[6] = below(r, 2) ? flag_choices[below(r, sizeof(flag_choices))] :
					     (uint8_t)below(r, 32);
			p[7] = pre_post(r);
			break;
		}
		break;
	case FZ_OP_MSI_DOMAIN_ALLOC_IRQS_RANGE:
	case FZ_OP_MSI_DOMAIN_FREE_IRQS_RANGE:
		if (below(r, 2))
			put16(p + 2, step_count(r, get16(p + 2)));
		else
			put16(p + 4, get16(p + 2) + step_count(r, get16(p + 4) - get16(p + 2)));
		break;
	case FZ_OP_FAULT:
		p[6] = pick_point(r, w);
		put16(p + 2, below(r, 4));
		break;
	default:
		put16(p + 2, step_count(r, get16(p + 2)));
		break;
	}
}

/*
 * The mutations of whole records that do not depend on the vocabulary, by
 * the kind number both mutate_once() switches give them: 4 delete, 5
 * duplicate, 6 swap, any other the bytes (the engine's mutator on the
 * records, or a bit flip).
 */
static void mutate_records(struct rng *r, struct work *w, uint32_t kind, fz_byte_mutator bytes)
{
	uint8_t tmp[FZ_OP_SIZE];
	uint32_t i, j;

	switch (kind) {
	case 4:		/* delete */
		delete_rec(w, below(r, w->nrec));
		break;
	case 5:		/* duplicate */
		i = below(r, w->nrec);
		memcpy(tmp, rec(w, i), FZ_OP_SIZE);
		insert_rec(w, below(r, 2) ? i + 1 : below(r, w->nrec + 1), tmp);
		break;
	case 6:		/* swap */
		i = below(r, w->nrec);
		j = below(r, w->nrec);
		memcpy(tmp, rec(w, i), FZ_OP_SIZE);
		memcpy(rec(w, i), rec(w, j), FZ_OP_SIZE);
		memcpy(rec(w, j), tmp, FZ_OP_SIZE);
		break;
	default:	/* bytes: the engine's mutator on the records, or a bit flip */
		if (bytes) {
			size_t n = (size_t)w->nrec * FZ_OP_SIZE;
			size_t room = (size_t)w->maxrec * FZ_OP_SIZE;

			n = bytes(w->buf + FZ_OPS_OFFSET, n, room);
			w->nrec = (uint32_t)(n / FZ_OP_SIZE);
		} else {
			uint8_t bit;

			i = below(r, w->nrec);
			bit = (uint8_t)(1u << below(r, 8));
			rec(w, i)[below(r, FZ_OP_SIZE)] ^= bit;
		}
		break;
	}
}

static uint32_t draw_below(void *arg, uint32_t n)
{
	return below(arg, n);
}

/*
 * Insert one device's lifecycle (lifecycle.c) in one piece: the driver
 * call sequences the known bugs need (allocate, free, allocate again;
 * unbind with vectors live; remove and re-add; a device domain with two
 * range allocations) become one mutation instead of three to six.
 */
static void insert_lifecycle(struct rng *r, struct work *w)
{
	uint8_t seq[32 * FZ_OP_SIZE];
	uint32_t dev = below(r, ndev(w)), at = below(r, w->nrec + 1), n;

	n = fz_lifecycle(w->buf, false, dev, seq, 32, draw_below, r);
	for (uint32_t k = 0; k < n && w->nrec < w->maxrec; k++)
		insert_rec(w, at + k, seq + (size_t)k * FZ_OP_SIZE);
}

static void mutate_once(struct rng *r, struct work *w, fz_byte_mutator bytes)
{
	uint8_t tmp[FZ_OP_SIZE];
	uint32_t i, kind;

	kind = below(r, w->nrec ? 13 : 4);
	switch (kind) {
	case 0:
	case 1:		/* insert a new operation */
		gen_op(r, w, tmp);
		insert_rec(w, below(r, w->nrec + 1), tmp);
		break;
	case 2:		/* machine */
		if (below(r, 2))
			mutate_device(r, w);
		else
			mutate_header(r, w);
		break;
	case 3:		/* a device's lifecycle */
		insert_lifecycle(r, w);
		break;
	case 4:
	case 5:
	case 6:
		mutate_records(r, w, kind, NULL);
		break;
	case 7:		/* retarget */
		i = below(r, ndev(w));
		rec(w, below(r, w->nrec))[1] = (uint8_t)i;
		break;
	case 8:
	case 9:		/* vector counts, flags, ranges */
		mutate_counts(r, w, rec(w, below(r, w->nrec)));
		break;
	case 10:	/* insert or remove a fault point */
		for (i = 0; i < w->nrec; i++)
			if (rec(w, i)[0] % FZ_OP__COUNT == FZ_OP_FAULT)
				break;
		if (i < w->nrec && below(r, 2)) {
			delete_rec(w, i);
		} else {
			memset(tmp, 0, sizeof(tmp));
			tmp[0] = FZ_OP_FAULT;
			tmp[6] = pick_point(r, w);
			put16(tmp + 2, below(r, 3) ? 0 : below(r, 4));
			put16(tmp + 4, 1);
			insert_rec(w, below(r, w->nrec + 1), tmp);
		}
		break;
	case 11:	/* change the operation, keep its device and values */
		i = below(r, FZ_OP__COUNT);
		rec(w, below(r, w->nrec))[0] = (uint8_t)i;
		break;
	default:
		mutate_records(r, w, kind, bytes);
		break;
	}
}

/* ---- x86_64 inputs (decoder.h, "x86_64 inputs") ----
 *
 * The same mutation kinds over the x86_64 vocabulary (enum fz_x86_opcode),
 * whole device lifecycles (lifecycle.c) included.
 */

static const uint8_t x86_flag_choices[] = {
	ML_PCI_IRQ_MSIX, ML_PCI_IRQ_MSI, ML_PCI_IRQ_MSI | ML_PCI_IRQ_MSIX,
	ML_PCI_IRQ_MSIX | ML_PCI_IRQ_AFFINITY, ML_PCI_IRQ_MSI | ML_PCI_IRQ_AFFINITY,
	ML_PCI_IRQ_MSI | ML_PCI_IRQ_MSIX | ML_PCI_IRQ_AFFINITY,
};

/* The x86_64 buses of the slot byte: bits 0-1, 0 and 3 PCI, 1 DMAR, 2 HPET. */
#define X86_PCI		(1u << 0 | 1u << 3)
#define X86_DMAR	(1u << 1)
#define X86_HPET	(1u << 2)
#define X86_ANY		0xfu

static uint32_t x86_cpus(const struct work *w)
{
	return 1 + (w->buf[2] + 1u) % 8;
}

/* The devices an x86_64 opcode takes (decode_x86_op()); 0: none. */
static uint32_t x86_buses(uint8_t code)
{
	switch (code % FZ_X86_OP__COUNT) {
	case FZ_X86_OP_REQUEST_IRQ:
	case FZ_X86_OP_FREE_IRQ:
		return X86_ANY;
	case FZ_X86_OP_CPU_OFFLINE:
	case FZ_X86_OP_CPU_ONLINE:
	case FZ_X86_OP_FAULT:
		return 0;
	case FZ_X86_OP_DMAR_ALLOC_HWIRQ:
	case FZ_X86_OP_DMAR_FREE_HWIRQ:
		return X86_DMAR;
	case FZ_X86_OP_HPET_ASSIGN_IRQ:
		return X86_HPET;
	default:
		return X86_PCI;
	}
}

/* A device whose bus is in @buses (any device when there is none). */
static uint8_t x86_pick_dev(struct rng *r, const struct work *w, uint32_t buses)
{
	uint32_t n = ndev(w), fit = 0, k;

	for (uint32_t i = 0; i < n; i++)
		fit += (buses >> (w->buf[FZ_HDR_SIZE + i * FZ_DEV_SIZE] & 3)) & 1;
	if (!fit)
		return (uint8_t)below(r, n);
	k = below(r, fit);
	for (uint32_t i = 0; i < n; i++)
		if (((buses >> (w->buf[FZ_HDR_SIZE + i * FZ_DEV_SIZE] & 3)) & 1) && !k--)
			return (uint8_t)i;
	return 0;
}

/*
 * The point byte of an x86_64 fault record: the decoder takes
 * {irq_matrix_alloc, irq_matrix_reserve_managed}[c % 2] and drops a point
 * the target does not allow.
 */
static uint8_t x86_pick_point(struct rng *r, const struct work *w)
{
	bool alloc = (w->faults >> ML_F_IRQ_MATRIX_ALLOC) & 1;
	bool managed = (w->faults >> ML_F_IRQ_MATRIX_RESERVE_MANAGED) & 1;

	if (alloc == managed)
		return (uint8_t)below(r, 2);
	return alloc ? 0 : 1;
}

/* A CPU mask for irq_set_affinity: one CPU, or any non-empty set. */
static uint8_t x86_mask(struct rng *r, const struct work *w)
{
	uint32_t cpus = x86_cpus(w);

	if (below(r, 2))
		return (uint8_t)(1u << below(r, cpus));
	return (uint8_t)(1 + below(r, (1u << cpus) - 1));
}

/* A CPU to take down (mostly not CPU 0, as the kernel does) or bring up. */
static uint16_t x86_cpu(struct rng *r, const struct work *w)
{
	uint32_t cpus = x86_cpus(w);

	return (uint16_t)(cpus > 1 && below(r, 4) ? 1 + below(r, cpus - 1) : below(r, cpus));
}

static void x86_fault_args(struct rng *r, const struct work *w, uint8_t *p)
{
	p[6] = x86_pick_point(r, w);
	put16(p + 2, below(r, 3) ? 0 : below(r, 4));
	put16(p + 4, below(r, 4) ? 1 : 1 + below(r, 3));
}

/* Is there a device of @buses (0: none needed)? */
static bool x86_has_dev(const struct work *w, uint32_t buses)
{
	if (!buses)
		return true;
	for (uint32_t i = 0; i < ndev(w); i++)
		if ((buses >> (w->buf[FZ_HDR_SIZE + i * FZ_DEV_SIZE] & 3)) & 1)
			return true;
	return false;
}

/* HPET records in the input: the model assigns each of 4 channels once. */
static uint32_t x86_hpet_records(const struct work *w)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < w->nrec; i++)
		n += w->buf[FZ_OPS_OFFSET + (size_t)i * FZ_OP_SIZE] % FZ_X86_OP__COUNT ==
		     FZ_X86_OP_HPET_ASSIGN_IRQ;
	return n;
}

/*
 * An x86_64 opcode: PCI allocations and frees weighted, DMAR irqs (B12)
 * next; one whose device the machine has (the decoder makes the others the
 * no-op), and no fifth HPET channel.
 */
static uint8_t x86_gen_code(struct rng *r, const struct work *w)
{
	uint8_t code = FZ_X86_OP_CPU_ONLINE;

	for (int tries = 0; tries < 4; tries++) {
		switch (below(r, 8)) {
		case 0:
		case 1:
			code = FZ_X86_OP_PCI_ALLOC_IRQ_VECTORS;
			break;
		case 2:
			code = FZ_X86_OP_PCI_FREE_IRQ_VECTORS;
			break;
		case 3:
			code = FZ_X86_OP_DMAR_ALLOC_HWIRQ;
			break;
		default:
			code = (uint8_t)below(r, FZ_X86_OP__COUNT);
			break;
		}
		if (x86_has_dev(w, x86_buses(code)) &&
		    (code != FZ_X86_OP_HPET_ASSIGN_IRQ || x86_hpet_records(w) < 4))
			break;
	}
	return code;
}

/* Fill @p with a plausible x86_64 operation on a device that takes it. */
static void x86_gen_op(struct rng *r, const struct work *w, uint8_t *p)
{
	uint8_t code = x86_gen_code(r, w);

	memset(p, 0, FZ_OP_SIZE);
	p[0] = code;
	p[1] = x86_pick_dev(r, w, x86_buses(code));
	switch (code) {
	case FZ_X86_OP_PCI_ALLOC_IRQ_VECTORS:
	case FZ_X86_OP_PCI_ENABLE_MSIX_RANGE: {
		uint16_t max = pick_count(r), min = below(r, 2) ? max : (uint16_t)(1 + below(r, 2));

		put16(p + 2, min);
		put16(p + 4, max);
		p[6] = x86_flag_choices[below(r, sizeof(x86_flag_choices))];
		p[7] = below(r, 4) ? 0 : (uint8_t)below(r, 3);
		break;
	}
	case FZ_X86_OP_REQUEST_IRQ:
	case FZ_X86_OP_FREE_IRQ:
		put16(p + 2, below(r, 4) ? below(r, 4) : pick_count(r));
		break;
	case FZ_X86_OP_IRQ_SET_AFFINITY:
		put16(p + 2, below(r, 4));
		p[6] = x86_mask(r, w);
		break;
	case FZ_X86_OP_CPU_OFFLINE:
	case FZ_X86_OP_CPU_ONLINE:
		put16(p + 2, x86_cpu(r, w));
		break;
	case FZ_X86_OP_DMAR_ALLOC_HWIRQ:	/* its fault irq or its page-request irq */
		put16(p + 2, below(r, 2));
		break;
	case FZ_X86_OP_HPET_ASSIGN_IRQ:
		put16(p + 2, below(r, 4));
		break;
	case FZ_X86_OP_FAULT:
		p[1] = 0;
		x86_fault_args(r, w, p);
		break;
	default:
		break;
	}
}

static void x86_mutate_counts(struct rng *r, const struct work *w, uint8_t *p)
{
	switch (p[0] % FZ_X86_OP__COUNT) {
	case FZ_X86_OP_PCI_ALLOC_IRQ_VECTORS:
	case FZ_X86_OP_PCI_ENABLE_MSIX_RANGE:
		switch (below(r, 4)) {
		case 0:
			put16(p + 2, step_count(r, get16(p + 2)));
			break;
		case 1:
			put16(p + 4, step_count(r, get16(p + 4)));
			break;
		case 2: {
			uint16_t v = pick_count(r);

			put16(p + 2, v);
			put16(p + 4, v);
			break;
		}
		default:	/* managed or not, MSI or MSI-X; pre/post vectors */
			p[6] = below(r, 2) ? x86_flag_choices[below(r, sizeof(x86_flag_choices))] :
					     (uint8_t)(p[6] ^ ML_PCI_IRQ_AFFINITY);
			p[7] = pre_post(r);
			break;
		}
		break;
	case FZ_X86_OP_IRQ_SET_AFFINITY:
		if (below(r, 2))
			p[6] = x86_mask(r, w);
		else
			put16(p + 2, step_count(r, get16(p + 2)));
		break;
	case FZ_X86_OP_CPU_OFFLINE:
	case FZ_X86_OP_CPU_ONLINE:
		put16(p + 2, x86_cpu(r, w));
		break;
	case FZ_X86_OP_DMAR_ALLOC_HWIRQ:	/* the unit's other irq */
		p[2] ^= 1;
		break;
	case FZ_X86_OP_HPET_ASSIGN_IRQ:
		put16(p + 2, (get16(p + 2) + 1 + below(r, 3)) % 4);
		break;
	case FZ_X86_OP_FAULT:
		x86_fault_args(r, w, p);
		break;
	case FZ_X86_OP_REQUEST_IRQ:
	case FZ_X86_OP_FREE_IRQ:
		put16(p + 2, step_count(r, get16(p + 2)));
		break;
	default:	/* no values: another device of the bus */
		p[1] = x86_pick_dev(r, w, x86_buses(p[0]));
		break;
	}
}

/* An x86_64 device slot: PCI (MSI, MSI-X, masking), DMAR unit or HPET block. */
static void x86_make_dev(struct rng *r, uint8_t *d, uint32_t bus)
{
	d[0] = (uint8_t)bus;
	if (bus == 0) {
		d[0] |= below(r, 4) ? 0 : 4;		/* per-vector masking */
		d[3] = (uint8_t)(1 + below(r, 6));	/* MSI 1 .. 32 */
		put16(d + 4, pick_count(r) % 2049);
	}
}

static void x86_mutate_device(struct rng *r, struct work *w)
{
	uint32_t i = below(r, ndev(w));
	uint8_t *d = w->buf + FZ_HDR_SIZE + i * FZ_DEV_SIZE;

	switch (below(r, 6)) {
	case 0:		/* MSI MMC: one power of two up or down, or any */
		d[3] = (uint8_t)(below(r, 2) ? (d[3] % 7 + 1 + below(r, 2) * 5) % 7 : below(r, 7));
		break;
	case 1:		/* MSI-X table size */
		put16(d + 4, below(r, 2) ? step_count(r, get16(d + 4) % 2049) % 2049 :
		      pick_count(r) % 2049);
		break;
	case 2:		/* bus: PCI, DMAR unit, HPET block */
		d[0] = (uint8_t)((d[0] & 4) | below(r, 3));
		break;
	case 3:		/* DevID: 0, another device's, or small */
		switch (below(r, 3)) {
		case 0:
			put16(d + 1, 0);
			break;
		case 1:
			memcpy(d + 1, w->buf + FZ_HDR_SIZE + below(r, FZ_MAX_DEVS) * FZ_DEV_SIZE + 1, 2);
			break;
		default:
			put16(d + 1, 8 * (1 + below(r, 64)));
			break;
		}
		break;
	case 4:		/* PCI MSI per-vector masking (reservation mode) */
		d[0] ^= 4;
		break;
	default:	/* a device made for a bug class */
		memset(d + 3, 0, 3);	/* MSI and MSI-X sizes; DevID and bdf kept */
		x86_make_dev(r, d, below(r, 3));
		break;
	}
}

/* A switch toggle the target allows (any when it allows none). */
static uint8_t x86_pick_toggle(struct rng *r, const struct work *w)
{
	uint32_t n = (uint32_t)__builtin_popcount(w->toggles), k;

	if (!n)
		return (uint8_t)(1u << below(r, FZ_NSWITCH));
	k = below(r, n);
	for (uint32_t i = 0; i < FZ_NSWITCH; i++)
		if (((w->toggles >> i) & 1) && !k--)
			return (uint8_t)(1u << i);
	return 0;
}

/* The header bytes an x86_64 input uses: no ITS. */
static void x86_mutate_header(struct rng *r, struct work *w)
{
	switch (below(r, 4)) {
	case 0:
		w->buf[8] = (uint8_t)below(r, FZ_MAX_DEVS);
		break;
	case 1:
		w->buf[2] = (uint8_t)below(r, 8);
		break;
	case 2:
		w->buf[0] = (uint8_t)below(r, 5);
		break;
	default:
		w->buf[1] ^= x86_pick_toggle(r, w);
		break;
	}
}

/* Insert one device's lifecycle (lifecycle.c) in one piece. */
static void x86_insert_lifecycle(struct rng *r, struct work *w)
{
	uint8_t seq[32 * FZ_OP_SIZE];
	uint32_t dev = below(r, ndev(w)), at = below(r, w->nrec + 1), n;

	/* an HPET block's channels are all assigned: another device */
	if ((w->buf[FZ_HDR_SIZE + dev * FZ_DEV_SIZE] & 3) == 2 && x86_hpet_records(w) >= 4)
		dev = x86_pick_dev(r, w, X86_PCI | X86_DMAR);
	n = fz_lifecycle(w->buf, true, dev, seq, 32, draw_below, r);
	for (uint32_t k = 0; k < n && w->nrec < w->maxrec; k++)
		insert_rec(w, at + k, seq + (size_t)k * FZ_OP_SIZE);
}

static void x86_mutate_once(struct rng *r, struct work *w, fz_byte_mutator bytes)
{
	uint8_t tmp[FZ_OP_SIZE];
	uint32_t i, kind;

	kind = below(r, w->nrec ? 13 : 4);
	switch (kind) {
	case 0:
	case 1:		/* insert a new operation */
		x86_gen_op(r, w, tmp);
		insert_rec(w, below(r, w->nrec + 1), tmp);
		break;
	case 2:		/* machine */
		if (below(r, 2))
			x86_mutate_device(r, w);
		else
			x86_mutate_header(r, w);
		break;
	case 3:		/* a device's lifecycle */
		x86_insert_lifecycle(r, w);
		break;
	case 4:
	case 5:
	case 6:
		mutate_records(r, w, kind, NULL);
		break;
	case 7:		/* retarget: another device that takes the operation */
		i = below(r, w->nrec);
		rec(w, i)[1] = x86_pick_dev(r, w, x86_buses(rec(w, i)[0]));
		break;
	case 8:
	case 9:		/* vector counts, flags, masks, CPUs, ids */
		x86_mutate_counts(r, w, rec(w, below(r, w->nrec)));
		break;
	case 10:	/* insert or remove a fault point */
		for (i = 0; i < w->nrec; i++)
			if (rec(w, i)[0] % FZ_X86_OP__COUNT == FZ_X86_OP_FAULT)
				break;
		if (i < w->nrec && below(r, 2)) {
			delete_rec(w, i);
		} else {
			memset(tmp, 0, sizeof(tmp));
			tmp[0] = FZ_X86_OP_FAULT;
			tmp[6] = x86_pick_point(r, w);
			put16(tmp + 2, below(r, 3) ? 0 : below(r, 4));
			put16(tmp + 4, 1);
			insert_rec(w, below(r, w->nrec + 1), tmp);
		}
		break;
	case 11:	/* change the operation, keep its device and values */
		i = below(r, FZ_X86_OP__COUNT);
		rec(w, below(r, w->nrec))[0] = (uint8_t)i;
		break;
	default:
		mutate_records(r, w, kind, bytes);
		break;
	}
}

/*
 * Fault records on a point the target does not allow (a byte mutation, an
 * opcode changed into FAULT) would be dropped by the decoder: give them
 * the allowed one.
 */
static void x86_fix_faults(struct work *w)
{
	bool alloc = (w->faults >> ML_F_IRQ_MATRIX_ALLOC) & 1;
	bool managed = (w->faults >> ML_F_IRQ_MATRIX_RESERVE_MANAGED) & 1;

	if (alloc == managed)
		return;
	for (uint32_t i = 0; i < w->nrec; i++) {
		uint8_t *p = rec(w, i);

		if (p[0] % FZ_X86_OP__COUNT == FZ_X86_OP_FAULT && (p[6] & 1) != !alloc)
			p[6] ^= 1;
	}
}

/*
 * An x86_64 input without a whole machine: a PCI device (MSI and MSI-X),
 * a DMAR unit and an HPET block, up to two more PCI devices or DMAR units
 * (B12 wants two DMAR irqs: two units, or one unit's two), 1 to 8 CPUs,
 * and half the time some (at least one) of the switch toggles the target
 * allows; header byte 10 says x86_64.  The profile byte is kept.
 */
static void x86_fresh_machine(struct rng *r, struct work *w)
{
	uint8_t t = 0;

	if (below(r, 2)) {	/* a non-empty subset of the allowed toggles */
		t = (uint8_t)(rnd(r) & w->toggles);
		if (!t)
			t = x86_pick_toggle(r, w) & w->toggles;
	}
	w->buf[1] = t;
	w->buf[2] = (uint8_t)below(r, 8);
	w->buf[10] |= 1;	/* x86_64 for "msilab decode" and fuzz_model too */
	w->buf[8] = (uint8_t)(2 + below(r, 3));
	for (uint32_t i = 0; i < ndev(w); i++) {
		uint8_t *d = w->buf + FZ_HDR_SIZE + i * FZ_DEV_SIZE;

		memset(d, 0, FZ_DEV_SIZE);
		x86_make_dev(r, d, i < 3 ? i : below(r, 2) ? 0 : 1);
		put16(d + 1, 8 * (i + 1));
		if ((d[0] & 3) == 0)
			put16(d + 6, 8 * (i + 1));
	}
}

/*
 * An input without a whole machine (libFuzzer starts from an empty one, whose
 * only device has no MSI capability): one to three devices to start from,
 * mostly PCI, with MSI and MSI-X sizes and distinct DevIDs.  The profile and
 * ITS bytes are kept.
 */
static void fresh_machine(struct rng *r, struct work *w)
{
	w->buf[8] = (uint8_t)below(r, 3);
	for (uint32_t i = 0; i < ndev(w); i++) {
		uint8_t *d = w->buf + FZ_HDR_SIZE + i * FZ_DEV_SIZE;

		memset(d, 0, FZ_DEV_SIZE);
		d[0] = (uint8_t)(below(r, 4) ? 0 : 1 + below(r, 2));
		put16(d + 1, 8 * (i + 1));
		d[3] = (uint8_t)(1 + below(r, 6));
		put16(d + 4, pick_count(r) % 2049);
		put16(d + 6, 8 * (i + 1));
	}
}

static void work_load(struct work *w, const uint8_t *data, size_t size, size_t max_size)
{
	size_t room = max_size < FZ_MAX_INPUT ? max_size : FZ_MAX_INPUT;

	memset(w->buf, 0, FZ_MAX_INPUT);
	if (size > FZ_MAX_INPUT)
		size = FZ_MAX_INPUT;
	memcpy(w->buf, data, size);
	w->nrec = size > FZ_OPS_OFFSET ? (uint32_t)((size - FZ_OPS_OFFSET) / FZ_OP_SIZE) : 0;
	w->maxrec = room > FZ_OPS_OFFSET ? (uint32_t)((room - FZ_OPS_OFFSET) / FZ_OP_SIZE) : 0;
	if (w->nrec > w->maxrec)
		w->nrec = w->maxrec;
}

/* The architecture the decoder reads @w with (decode_header()). */
static void work_arch(struct work *w, const struct fz_options *o)
{
	w->toggles = (uint8_t)(o->toggle_mask & ((1u << FZ_NSWITCH) - 1));
	w->x86 = o->arch >= 0 ? o->arch == FZ_ARCH_X86_64 : (w->buf[10] & 1);
}

static size_t work_store(const struct work *w, uint8_t *out, size_t max_size)
{
	size_t len = FZ_OPS_OFFSET + (size_t)w->nrec * FZ_OP_SIZE;

	if (len > max_size)
		len = max_size;
	memcpy(out, w->buf, len);
	return len;
}

size_t fz_mutate(uint8_t *data, size_t size, size_t max_size, unsigned int seed,
		 const struct fz_options *o, fz_byte_mutator bytes)
{
	static uint8_t buf[FZ_MAX_INPUT];
	struct work w = { buf, 0, 0, o->fault_mask, 0, false };
	struct rng r;
	uint32_t n;

	seed_rng(&r, seed);
	work_load(&w, data, size, max_size);
	work_arch(&w, o);
	if (size < FZ_OPS_OFFSET && max_size >= FZ_OPS_OFFSET) {
		if (w.x86)
			x86_fresh_machine(&r, &w);
		else
			fresh_machine(&r, &w);
	}
	n = 1 + below(&r, 4);
	while (n--) {
		if (w.x86)
			x86_mutate_once(&r, &w, bytes);
		else
			mutate_once(&r, &w, bytes);
	}
	if (w.x86)
		x86_fix_faults(&w);
	return work_store(&w, data, max_size);
}

size_t fz_crossover(const uint8_t *a, size_t na, const uint8_t *b, size_t nb,
		    uint8_t *out, size_t max_out, unsigned int seed, const struct fz_options *o)
{
	static uint8_t buf[FZ_MAX_INPUT], other[FZ_MAX_INPUT];
	static struct fz_scenario sb;
	static uint32_t pick[FZ_MAX_OPS];
	struct work w = { buf, 0, 0, o->fault_mask, 0, false };
	uint32_t npick = 0, from, to, na_rec, k;
	struct rng r;

	seed_rng(&r, seed);
	work_load(&w, a, na, max_out);
	work_arch(&w, o);
	/*
	 * libFuzzer crosses its first, empty input with itself: without a
	 * machine, the spliced records would land on a device without MSI.
	 */
	if (w.x86 && na < FZ_OPS_OFFSET && max_out >= FZ_OPS_OFFSET)
		x86_fresh_machine(&r, &w);
	if (nb > FZ_MAX_INPUT)
		nb = FZ_MAX_INPUT;
	memset(other, 0, sizeof(other));
	memcpy(other, b, nb);
	fz_decode(b, nb, o, &sb);
	if (sb.arch != (w.x86 ? FZ_ARCH_X86_64 : FZ_ARCH_ARM64)) {
		/*
		 * Records of the other architecture mean other operations:
		 * mutate @a instead (only the generic target mixes them).
		 */
		size_t n = na < max_out ? na : max_out;

		memcpy(out, a, n);
		return fz_mutate(out, n, max_out, seed, o, NULL);
	}
	from = below(&r, sb.ndev);
	to = below(&r, ndev(&w));
	/* the records whose decoded operation is on device @from, in order */
	for (uint32_t i = 0; i < sb.nops; i++)
		if (sb.op[i].dev == (int)from)
			pick[npick++] = sb.src[i];
	if (below(&r, 2))	/* bring the device along */
		memcpy(w.buf + FZ_HDR_SIZE + to * FZ_DEV_SIZE,
		       other + FZ_HDR_SIZE + from * FZ_DEV_SIZE, FZ_DEV_SIZE);
	/* merge both lifecycles, each in its own order */
	na_rec = w.nrec;
	k = 0;
	for (uint32_t pos = 0; k < npick && w.nrec < w.maxrec; pos++) {
		uint8_t tmp[FZ_OP_SIZE];

		if (pos < w.nrec && below(&r, na_rec + npick) < na_rec)
			continue;
		memcpy(tmp, other + FZ_OPS_OFFSET + (size_t)pick[k++] * FZ_OP_SIZE, FZ_OP_SIZE);
		tmp[1] = (uint8_t)to;
		insert_rec(&w, pos < w.nrec ? pos : w.nrec, tmp);
	}
	return work_store(&w, out, max_out);
}
