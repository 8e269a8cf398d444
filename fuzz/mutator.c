// SPDX-License-Identifier: GPL-2.0
/*
 * mutator.c - structure-aware mutation of fuzz inputs (see mutator.h).
 */
#include <string.h>

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
			p[7] = (uint8_t)(below(r, 2) ? 0 : below(r, 3) | below(r, 2) << 4);
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

static void mutate_once(struct rng *r, struct work *w, fz_byte_mutator bytes)
{
	uint8_t tmp[FZ_OP_SIZE];
	uint32_t i, j;

	switch (below(r, w->nrec ? 12 : 3)) {
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
	case 3:		/* delete */
		delete_rec(w, below(r, w->nrec));
		break;
	case 4:		/* duplicate */
		i = below(r, w->nrec);
		memcpy(tmp, rec(w, i), FZ_OP_SIZE);
		insert_rec(w, below(r, 2) ? i + 1 : below(r, w->nrec + 1), tmp);
		break;
	case 5:		/* swap */
		i = below(r, w->nrec);
		j = below(r, w->nrec);
		memcpy(tmp, rec(w, i), FZ_OP_SIZE);
		memcpy(rec(w, i), rec(w, j), FZ_OP_SIZE);
		memcpy(rec(w, j), tmp, FZ_OP_SIZE);
		break;
	case 6:		/* retarget */
		rec(w, below(r, w->nrec))[1] = (uint8_t)below(r, ndev(w));
		break;
	case 7:
	case 8:		/* vector counts, flags, ranges */
		mutate_counts(r, w, rec(w, below(r, w->nrec)));
		break;
	case 9:		/* insert or remove a fault point */
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
	case 10:	/* change the operation, keep its device and values */
		rec(w, below(r, w->nrec))[0] = (uint8_t)below(r, FZ_OP__COUNT);
		break;
	default:	/* bytes: the engine's mutator on the records, or a bit flip */
		if (bytes) {
			size_t n = (size_t)w->nrec * FZ_OP_SIZE;
			size_t room = (size_t)w->maxrec * FZ_OP_SIZE;

			n = bytes(w->buf + FZ_OPS_OFFSET, n, room);
			w->nrec = (uint32_t)(n / FZ_OP_SIZE);
		} else {
			i = below(r, w->nrec);
			rec(w, i)[below(r, FZ_OP_SIZE)] ^= (uint8_t)(1u << below(r, 8));
		}
		break;
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
	struct work w = { buf, 0, 0, o->fault_mask };
	struct rng r;
	uint32_t n;

	seed_rng(&r, seed);
	work_load(&w, data, size, max_size);
	if (size < FZ_OPS_OFFSET && max_size >= FZ_OPS_OFFSET)
		fresh_machine(&r, &w);
	n = 1 + below(&r, 4);
	while (n--)
		mutate_once(&r, &w, bytes);
	return work_store(&w, data, max_size);
}

size_t fz_crossover(const uint8_t *a, size_t na, const uint8_t *b, size_t nb,
		    uint8_t *out, size_t max_out, unsigned int seed, const struct fz_options *o)
{
	static uint8_t buf[FZ_MAX_INPUT], other[FZ_MAX_INPUT];
	static struct fz_scenario sb;
	static uint32_t pick[FZ_MAX_OPS];
	struct work w = { buf, 0, 0, o->fault_mask };
	uint32_t npick = 0, from, to, na_rec, k;
	struct rng r;

	seed_rng(&r, seed);
	work_load(&w, a, na, max_out);
	if (nb > FZ_MAX_INPUT)
		nb = FZ_MAX_INPUT;
	memset(other, 0, sizeof(other));
	memcpy(other, b, nb);
	fz_decode(b, nb, o, &sb);
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
