// SPDX-License-Identifier: GPL-2.0
/*
 * decoder.c - fuzz input bytes <-> scenarios.  The layout is in decoder.h.
 *
 * The decoder is the only place that knows which operations are possible:
 * the fuzz targets, the mutator, "msilab decode" and "msilab encode" all go
 * through it, so what a target ran is exactly what "msilab decode" prints.
 */
#include <stdio.h>
#include <string.h>

#include "decoder.h"
#include "internals.h"

_Static_assert(FZ_DESC_BUDGET <= ML_MAX_DESCS,
	       "the decoder's descriptor budget must fit the model's descriptor table");
_Static_assert(FZ_MAX_DEVS <= ML_MAX_DEVS, "fuzz devices must fit the model");

const enum ml_switch fz_switch_list[FZ_NSWITCH] = {
	ML_SW_ITS_EVENTID_CLAMP,
	ML_SW_PCIM_ALLOC_IRQ_VECTORS,
	ML_SW_PCIM_MSI_RELEASE_BY_FLAG,
	ML_SW_ITS_EXACT_EVENTID_COUNT,
	ML_SW_ITS_TEARDOWN_BY_DEVID,
	ML_SW_X86_DMAR_HWIRQ_ZERO,
};

static const enum ml_op_kind x86_op_kind[FZ_X86_OP__COUNT] = {
#define FZ_X86_OPCODE_KIND(id) ML_OP_##id,
	FZ_X86_OPCODES(FZ_X86_OPCODE_KIND)
#undef FZ_X86_OPCODE_KIND
};

/* The fault points of each architecture. */
#define X86_FAULTS	(1u << ML_F_IRQ_MATRIX_ALLOC | 1u << ML_F_IRQ_MATRIX_RESERVE_MANAGED)
#define ARM64_FAULTS	(((1u << ML_F__COUNT) - 1) & ~X86_FAULTS)
static const enum ml_fault x86_points[2] = { ML_F_IRQ_MATRIX_ALLOC, ML_F_IRQ_MATRIX_RESERVE_MANAGED };

static const enum ml_op_kind op_kind[FZ_OP__COUNT] = {
#define FZ_OPCODE_KIND(id) ML_OP_##id,
	FZ_OPCODES(FZ_OPCODE_KIND)
#undef FZ_OPCODE_KIND
};

static const uint32_t msi_sizes[7] = { 0, 1, 2, 4, 8, 16, 32 };

void fz_options_default(struct fz_options *o)
{
	o->profile = -1;
	o->toggle_mask = (1u << FZ_NSWITCH) - 1;
	/* arm64 inputs draw from the arm64 points, x86_64 inputs from the x86 ones */
	o->fault_mask = (1u << ML_F__COUNT) - 1;
	o->arch = -1;
}

/*
 * fuzz_model_616 hunts new bugs on 6.16: free_lpi_range failing loses its
 * range by design (spec section 8, fault point 4) and the model reports that
 * LPI leak untagged, so the campaign leaves that point out.
 */
static const struct {
	const char *name;
	const char *profile;
	bool toggles;
	uint32_t no_faults;
	int arch;			/* fz_options.arch */
	uint8_t toggle_only;		/* with !toggles: the toggles still allowed */
} targets[] = {
	{ "fuzz_model", NULL, true, 0, -1, 0 },
	{ "fuzz_model_615", "6.15", false, 0, FZ_ARCH_ARM64, 0 },
	{ "fuzz_model_615_bytes", "6.15", false, 0, FZ_ARCH_ARM64, 0 },
	{ "fuzz_model_616", "6.16", false, 1u << ML_F_FREE_LPI_RANGE, FZ_ARCH_ARM64, 0 },
	/* x86_64: profile from the input; fuzz_model_x86_b12 may turn B12 on */
	{ "fuzz_model_x86", NULL, false, 0, FZ_ARCH_X86_64, 0 },
	{ "fuzz_model_x86_b12", NULL, false, 0, FZ_ARCH_X86_64, 1u << 5 },
};

const char *const fz_targets[] = {
	"fuzz_model", "fuzz_model_615", "fuzz_model_615_bytes", "fuzz_model_616",
	"fuzz_model_x86", "fuzz_model_x86_b12", NULL
};

int fz_target_options(const char *target, struct fz_options *o)
{
	fz_options_default(o);
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		if (strcmp(targets[i].name, target))
			continue;
		if (targets[i].profile)
			o->profile = fz_profile_index(targets[i].profile);
		if (!targets[i].toggles)
			o->toggle_mask = targets[i].toggle_only;
		o->arch = targets[i].arch;
		o->fault_mask &= ~targets[i].no_faults;
		return 0;
	}
	return -1;
}

int fz_profile_index(const char *name)
{
	const struct ml_profile *list;
	unsigned int n = ml_profiles(&list);

	for (unsigned int i = 0; i < n; i++)
		if (!strcmp(list[i].name, name))
			return (int)i;
	return -1;
}

void fz_profile(const struct fz_scenario *s, struct ml_profile *p)
{
	const struct ml_profile *list;

	ml_profiles(&list);
	*p = list[s->profile];
	p->sw = s->sw;
}

void fz_dev_name(const struct fz_scenario *s, unsigned int i, char *buf, size_t n)
{
	static const char *const prefix[] = { "pci", "plat", "mbi", "dmar", "hpet" };

	snprintf(buf, n, "%s%u", prefix[s->dev[i].bus], i);
}

/* ---- bytes -> scenario ---- */

struct rd {
	const uint8_t *p;
	size_t size;
};

static uint8_t get8(const struct rd *r, size_t off)
{
	return off < r->size ? r->p[off] : 0;
}

static uint16_t get16(const struct rd *r, size_t off)
{
	return (uint16_t)(get8(r, off) | get8(r, off + 1) << 8);
}

static int32_t count_of(uint16_t v)
{
	return v == FZ_N_INT_MAX ? INT32_MAX : (int32_t)v;
}

static uint32_t bits_of(uint8_t b, uint32_t dflt)
{
	return b ? 1 + (uint32_t)(b - 1) % 32 : dflt;
}

static void decode_header(const struct rd *r, const struct fz_options *o, struct fz_scenario *s)
{
	const struct ml_profile *list;
	unsigned int nprof = ml_profiles(&list);

	s->arch = o->arch >= 0 ? (enum fz_arch)o->arch :
		  (get8(r, 10) & 1) ? FZ_ARCH_X86_64 : FZ_ARCH_ARM64;
	s->profile = o->profile >= 0 ? (unsigned int)o->profile % nprof : get8(r, 0) % nprof;
	s->toggles = get8(r, 1) & o->toggle_mask & ((1u << FZ_NSWITCH) - 1);
	if (s->arch == FZ_ARCH_ARM64)
		s->toggles &= FZ_ARM64_TOGGLES;
	s->sw = list[s->profile].sw;
	for (unsigned int i = 0; i < FZ_NSWITCH; i++)
		if (s->toggles & (1u << i))
			s->sw ^= 1ull << fz_switch_list[i];
	s->cpus = 1 + (get8(r, 2) + 1u) % 8;
	s->event_bits = bits_of(get8(r, 3), 16);
	s->devid_bits = bits_of(get8(r, 4), 16);
	s->lpi_bits = 16 - get8(r, 5) % 3;
	s->num_lpis = get16(r, 6);
	s->ndev = 1 + get8(r, 8) % FZ_MAX_DEVS;
	s->ite_size = bits_of(get8(r, 9), 8);
	if (s->arch == FZ_ARCH_X86_64) {
		/* no ITS */
		s->event_bits = s->devid_bits = s->lpi_bits = 16;
		s->num_lpis = 0;
		s->ite_size = 8;
	}
	for (unsigned int i = 0; i < s->ndev; i++) {
		size_t off = FZ_HDR_SIZE + i * FZ_DEV_SIZE;
		struct fz_dev *d = &s->dev[i];
		uint8_t b = get8(r, off);
		unsigned int alias = b >> 3;

		d->bus = (b & 3) == 1 ? FZ_BUS_PLATFORM : (b & 3) == 2 ? FZ_BUS_WIRED : FZ_BUS_PCI;
		d->intx = (b >> 2) & 1;
		d->msi_mask = false;
		d->alias = alias && i ? (int)((alias - 1) % i) : -1;
		if (s->arch == FZ_ARCH_X86_64) {
			d->bus = (b & 3) == 1 ? FZ_BUS_DMAR : (b & 3) == 2 ? FZ_BUS_HPET : FZ_BUS_PCI;
			d->msi_mask = d->bus == FZ_BUS_PCI && d->intx;
			d->intx = false;
			d->alias = -1;
		}
		d->devid = get16(r, off + 1);
		if (d->bus == FZ_BUS_PCI) {
			d->msi = msi_sizes[get8(r, off + 3) % 7];
			d->msix = get16(r, off + 4) % 2049;
			d->bdf = get16(r, off + 6);
		} else {
			d->msi = d->msix = d->bdf = 0;
		}
	}
}

enum dev_class { NEED_PCI, NEED_ANY, NEED_ABSENT, NEED_PLATFORM, NEED_WIRED, NEED_NONE };

static enum dev_class class_of(enum fz_opcode c)
{
	switch (c) {
	case FZ_OP_PCI_ENABLE_DEVICE ... FZ_OP_PCI_FREE_IRQ_VECTORS:
		return NEED_PCI;
	case FZ_OP_REQUEST_IRQ:
	case FZ_OP_FREE_IRQ:
	case FZ_OP_DRIVER_UNBIND:
	case FZ_OP_DEVICE_REMOVE:
		return NEED_ANY;
	case FZ_OP_DEVICE_ADD:
		return NEED_ABSENT;
	case FZ_OP_MSI_DEVICE_DOMAIN_ALLOC_WIRED:
		return NEED_WIRED;
	case FZ_OP_MSI_CREATE_DEVICE_IRQ_DOMAIN ... FZ_OP_MSI_DOMAIN_ALLOC_IRQ_AT:
	case FZ_OP_PLATFORM_DEVICE_MSI_INIT_AND_ALLOC_IRQS:
	case FZ_OP_PLATFORM_DEVICE_MSI_FREE_IRQS_ALL:
		return NEED_PLATFORM;
	default:
		return NEED_NONE;
	}
}

static bool dev_fits(const struct fz_scenario *s, const bool *present, unsigned int d,
		     enum dev_class c)
{
	switch (c) {
	case NEED_PCI:
		return present[d] && s->dev[d].bus == FZ_BUS_PCI;
	case NEED_ANY:
		return present[d];
	case NEED_ABSENT:
		return !present[d];
	case NEED_PLATFORM:
		return present[d] && s->dev[d].bus != FZ_BUS_PCI;
	case NEED_WIRED:
		return present[d] && s->dev[d].bus == FZ_BUS_WIRED;
	default:
		return true;
	}
}

static uint32_t umin(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static uint32_t nonneg(int32_t v)
{
	return v > 0 ? (uint32_t)v : 0;
}

/* Upper bound of the descriptors @op can allocate, and its freeing twin. */
static uint32_t op_descs(const struct fz_scenario *s, const struct ml_op *op,
			 enum ml_op_kind *twin)
{
	const struct fz_dev *d = op->dev >= 0 ? &s->dev[op->dev] : NULL;

	switch (op->kind) {
	case ML_OP_PCI_ALLOC_IRQ_VECTORS:
	case ML_OP_PCIM_ALLOC_IRQ_VECTORS:
		*twin = ML_OP_PCI_FREE_IRQ_VECTORS;
		/* PCI_IRQ_VIRTUAL: MSI-X vectors beyond the table */
		return ((op->flags & ML_PCI_IRQ_MSIX) ?
			((op->flags & ML_PCI_IRQ_VIRTUAL) ? nonneg(op->max) :
			 umin(nonneg(op->max), d->msix)) : 0) +
		       ((op->flags & ML_PCI_IRQ_MSI) ? 1 : 0);
	case ML_OP_PCI_ENABLE_MSIX_RANGE:
		*twin = ML_OP_PCI_DISABLE_MSIX;
		return umin(nonneg(op->max), d->msix);
	case ML_OP_PCI_ENABLE_MSI:
		*twin = ML_OP_PCI_DISABLE_MSI;
		return 1;
	case ML_OP_MSI_DOMAIN_ALLOC_IRQS_RANGE:
		*twin = ML_OP_MSI_DOMAIN_FREE_IRQS_RANGE;
		return op->last - op->first + 1;
	case ML_OP_MSI_DOMAIN_ALLOC_IRQ_AT:
	case ML_OP_MSI_DEVICE_DOMAIN_ALLOC_WIRED:
		*twin = ML_OP_PLATFORM_DEVICE_MSI_FREE_IRQS_ALL;
		return 1;
	case ML_OP_PLATFORM_DEVICE_MSI_INIT_AND_ALLOC_IRQS:
		*twin = ML_OP_PLATFORM_DEVICE_MSI_FREE_IRQS_ALL;
		return op->nvec;
	default:
		return 0;
	}
}

/* Keep only the fields the kind uses: the one representation of an op. */
static void op_normalize(struct ml_op *op)
{
	struct ml_op n;

	memset(&n, 0, sizeof(n));
	n.kind = op->kind;
	n.dev = op->dev;
	switch (op->kind) {
	case ML_OP_PCI_ALLOC_IRQ_VECTORS:
	case ML_OP_PCIM_ALLOC_IRQ_VECTORS:
		n.flags = op->flags;
		n.pre = op->pre;
		n.post = op->post;
		/* fall through */
	case ML_OP_PCI_ENABLE_MSIX_RANGE:
		n.min = op->min;
		n.max = op->max;
		break;
	case ML_OP_REQUEST_IRQ:
	case ML_OP_FREE_IRQ:
		n.vec = op->vec;
		break;
	case ML_OP_MSI_CREATE_DEVICE_IRQ_DOMAIN:
		n.hwsize = op->hwsize;
		break;
	case ML_OP_MSI_DOMAIN_ALLOC_IRQS_RANGE:
	case ML_OP_MSI_DOMAIN_FREE_IRQS_RANGE:
		n.first = op->first;
		n.last = op->last;
		break;
	case ML_OP_MSI_DOMAIN_ALLOC_IRQ_AT:
		n.index = op->index;
		break;
	case ML_OP_MSI_DEVICE_DOMAIN_ALLOC_WIRED:
	case ML_OP_DMAR_ALLOC_HWIRQ:
	case ML_OP_HPET_ASSIGN_IRQ:
		n.hwirq = op->hwirq;
		break;
	case ML_OP_IRQ_SET_AFFINITY:
		n.vec = op->vec;
		memcpy(n.mask, op->mask, sizeof(n.mask));
		break;
	case ML_OP_PLATFORM_DEVICE_MSI_INIT_AND_ALLOC_IRQS:
		n.nvec = op->nvec;
		break;
	case ML_OP_CPU_OFFLINE:
	case ML_OP_CPU_ONLINE:
		n.dev = -1;
		n.cpu = op->cpu;
		break;
	case ML_OP_FAULT:
		n.dev = -1;
		n.point = op->point;
		n.skip = op->skip;
		n.count = op->count;
		break;
	default:
		break;
	}
	*op = n;
}

static void make_noop(struct ml_op *op)
{
	memset(op, 0, sizeof(*op));
	op->kind = ML_OP_CPU_ONLINE;
	op->dev = -1;
}

/* One 8-byte record; false when it is dropped (fault points off). */
static bool decode_op(const struct rd *r, size_t off, const struct fz_options *o,
		      struct fz_scenario *s, bool *present, uint32_t *budget, struct ml_op *op)
{
	enum fz_opcode code = (enum fz_opcode)(get8(r, off) % FZ_OP__COUNT);
	enum dev_class cls = class_of(code);
	uint16_t a = get16(r, off + 2), b = get16(r, off + 4);
	uint8_t c = get8(r, off + 6), d = get8(r, off + 7);
	enum ml_op_kind twin;
	uint32_t need;

	if (code == FZ_OP_FAULT && !((o->fault_mask & ARM64_FAULTS) >> (c % ML_F__COUNT) & 1))
		return false;
	memset(op, 0, sizeof(*op));
	op->kind = op_kind[code];
	op->dev = -1;
	if (code == FZ_OP_PCIM_ALLOC_IRQ_VECTORS && !(s->sw & ML_SW(PCIM_ALLOC_IRQ_VECTORS)))
		op->kind = ML_OP_PCI_ALLOC_IRQ_VECTORS;
	if (cls != NEED_NONE) {
		unsigned int want = get8(r, off + 1) % s->ndev, k;

		if ((cls == NEED_PLATFORM || cls == NEED_WIRED) &&
		    !(s->sw & ML_SW(PER_DEVICE_DOMAINS))) {
			make_noop(op);
			return true;
		}
		for (k = 0; k < s->ndev; k++)
			if (dev_fits(s, present, (want + k) % s->ndev, cls))
				break;
		if (k == s->ndev) {
			make_noop(op);
			return true;
		}
		op->dev = (int)((want + k) % s->ndev);
	}
	switch (op->kind) {
	case ML_OP_PCI_ALLOC_IRQ_VECTORS:
	case ML_OP_PCIM_ALLOC_IRQ_VECTORS:
		op->flags = c & 0x1f;
		op->pre = d & 15;
		op->post = d >> 4;
		/* fall through */
	case ML_OP_PCI_ENABLE_MSIX_RANGE:
		op->min = count_of(a);
		op->max = count_of(b);
		break;
	case ML_OP_REQUEST_IRQ:
	case ML_OP_FREE_IRQ:
		op->vec = a;
		break;
	case ML_OP_MSI_CREATE_DEVICE_IRQ_DOMAIN:
		op->hwsize = a;
		break;
	case ML_OP_MSI_DOMAIN_ALLOC_IRQS_RANGE:
	case ML_OP_MSI_DOMAIN_FREE_IRQS_RANGE:
		/* .mlog requires first <= last */
		op->first = a < b ? a : b;
		op->last = a < b ? b : a;
		break;
	case ML_OP_MSI_DOMAIN_ALLOC_IRQ_AT:
		op->index = (c & 1) ? ML_ANY_INDEX : a;
		break;
	case ML_OP_MSI_DEVICE_DOMAIN_ALLOC_WIRED:
		op->hwirq = (uint64_t)a | (uint64_t)b << 16;
		break;
	case ML_OP_PLATFORM_DEVICE_MSI_INIT_AND_ALLOC_IRQS:
		op->nvec = a;
		break;
	case ML_OP_CPU_OFFLINE:
	case ML_OP_CPU_ONLINE:
		op->cpu = a % s->cpus;
		break;
	case ML_OP_FAULT:
		op->point = (enum ml_fault)(c % ML_F__COUNT);
		op->skip = a;
		op->count = b ? b : 1;
		break;
	default:
		break;
	}
	need = op_descs(s, op, &twin);
	if (need > FZ_DESC_BUDGET - *budget) {
		op->kind = twin;
		op_normalize(op);
	} else {
		*budget += need;
	}
	if (op->kind == ML_OP_DEVICE_REMOVE)
		present[op->dev] = false;
	else if (op->kind == ML_OP_DEVICE_ADD)
		present[op->dev] = true;
	return true;
}

/*
 * x86_64 decoder state: the DMAR ids held per unit, the HPET channels
 * assigned (the model has one HPET-MSI irq space: a channel is assigned
 * once over all blocks).
 */
struct x86_state {
	uint32_t held[FZ_MAX_DEVS];
	uint32_t hpet;
};

static bool x86_dev(const struct fz_scenario *s, uint8_t want, enum fz_bus bus, int *dev)
{
	for (unsigned int k = 0; k < s->ndev; k++) {
		unsigned int i = (want + k) % s->ndev;

		if (s->dev[i].bus == bus) {
			*dev = (int)i;
			return true;
		}
	}
	return false;
}

/* One x86_64 record; false when it is dropped (fault points off). */
static bool decode_x86_op(const struct rd *r, size_t off, const struct fz_options *o,
			  struct fz_scenario *s, struct x86_state *x, uint32_t *budget,
			  struct ml_op *op)
{
	enum fz_x86_opcode code = (enum fz_x86_opcode)(get8(r, off) % FZ_X86_OP__COUNT);
	uint8_t want = get8(r, off + 1);
	uint16_t a = get16(r, off + 2), b = get16(r, off + 4);
	uint8_t c = get8(r, off + 6), d = get8(r, off + 7);
	enum ml_op_kind twin;
	uint32_t need;

	if (code == FZ_X86_OP_FAULT &&
	    !(o->fault_mask & X86_FAULTS & 1u << x86_points[c % 2]))
		return false;
	memset(op, 0, sizeof(*op));
	op->kind = x86_op_kind[code];
	op->dev = -1;
	switch (code) {
	case FZ_X86_OP_REQUEST_IRQ:
	case FZ_X86_OP_FREE_IRQ:
		op->dev = want % s->ndev;
		op->vec = a;
		break;
	case FZ_X86_OP_CPU_OFFLINE:
	case FZ_X86_OP_CPU_ONLINE:
		op->cpu = a % s->cpus;
		break;
	case FZ_X86_OP_FAULT:
		op->point = x86_points[c % 2];
		op->skip = a;
		op->count = b ? b : 1;
		break;
	case FZ_X86_OP_DMAR_ALLOC_HWIRQ:
	case FZ_X86_OP_DMAR_FREE_HWIRQ:
		if (!x86_dev(s, want % s->ndev, FZ_BUS_DMAR, &op->dev))
			goto noop;
		if (code == FZ_X86_OP_DMAR_ALLOC_HWIRQ) {
			unsigned int which = a & 1;

			op->hwirq = (uint64_t)op->dev + which * FZ_MAX_DEVS;
			if (x->held[op->dev] >> which & 1) {
				op->kind = ML_OP_DMAR_FREE_HWIRQ;
				op->hwirq = 0;
			} else {
				x->held[op->dev] |= 1u << which;
			}
		}
		if (op->kind == ML_OP_DMAR_FREE_HWIRQ)
			x->held[op->dev] = 0;
		break;
	case FZ_X86_OP_HPET_ASSIGN_IRQ:
		if (!x86_dev(s, want % s->ndev, FZ_BUS_HPET, &op->dev) || x->hpet >> (a % 4) & 1)
			goto noop;
		op->hwirq = a % 4;
		x->hpet |= 1u << (a % 4);
		break;
	default:
		/* the PCI operations */
		if (!x86_dev(s, want % s->ndev, FZ_BUS_PCI, &op->dev))
			goto noop;
		if (code == FZ_X86_OP_PCI_ALLOC_IRQ_VECTORS) {
			op->flags = c & (ML_PCI_IRQ_MSI | ML_PCI_IRQ_MSIX | ML_PCI_IRQ_AFFINITY);
			if (!(op->flags & (ML_PCI_IRQ_MSI | ML_PCI_IRQ_MSIX)))
				op->flags |= ML_PCI_IRQ_MSIX;
			op->pre = d & 15;
			op->post = d >> 4;
		}
		if (code == FZ_X86_OP_PCI_ALLOC_IRQ_VECTORS || code == FZ_X86_OP_PCI_ENABLE_MSIX_RANGE) {
			op->min = count_of(a);
			op->max = count_of(b);
		}
		if (code == FZ_X86_OP_IRQ_SET_AFFINITY) {
			op->vec = a;
			op->mask[0] = c & ((1u << s->cpus) - 1);
			if (!op->mask[0])
				op->mask[0] = 1;
		}
		break;
	}
	need = op_descs(s, op, &twin);
	if (need > FZ_DESC_BUDGET - *budget) {
		/* the x86_64 vocabulary frees with pci_free_irq_vectors() */
		op->kind = ML_OP_PCI_FREE_IRQ_VECTORS;
		op_normalize(op);
	} else {
		*budget += need;
	}
	return true;
noop:
	make_noop(op);
	return true;
}

void fz_decode(const uint8_t *data, size_t size, const struct fz_options *o,
	       struct fz_scenario *s)
{
	struct rd r = { data, size };
	bool present[FZ_MAX_DEVS];
	uint32_t budget = 0;
	struct x86_state x;

	memset(s, 0, offsetof(struct fz_scenario, op));
	decode_header(&r, o, s);
	for (unsigned int i = 0; i < FZ_MAX_DEVS; i++)
		present[i] = true;
	memset(&x, 0, sizeof(x));
	s->nops = 0;
	for (size_t off = FZ_OPS_OFFSET; off + FZ_OP_SIZE <= size && s->nops < FZ_MAX_OPS;
	     off += FZ_OP_SIZE) {
		struct ml_op *op = &s->op[s->nops];

		if (s->arch == FZ_ARCH_X86_64 ? decode_x86_op(&r, off, o, s, &x, &budget, op) :
		    decode_op(&r, off, o, s, present, &budget, op)) {
			s->src[s->nops] = (uint16_t)((off - FZ_OPS_OFFSET) / FZ_OP_SIZE);
			s->nops++;
		}
	}
}

/* ---- scenario -> bytes ---- */

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static uint16_t count_code(int32_t v)
{
	return v == INT32_MAX ? FZ_N_INT_MAX : (uint16_t)v;
}

static bool count_ok(int32_t v)
{
	return v == INT32_MAX || (v >= 0 && v < (int32_t)FZ_N_INT_MAX);
}

static int opcode_of(enum fz_arch arch, enum ml_op_kind k)
{
	if (arch == FZ_ARCH_X86_64) {
		for (int i = 0; i < FZ_X86_OP__COUNT; i++)
			if (x86_op_kind[i] == k)
				return i;
		return -1;
	}
	for (int i = 0; i < FZ_OP__COUNT; i++)
		if (op_kind[i] == k)
			return i;
	return -1;
}

/* The record of x86_64 operation @op (its opcode already in p[0]). */
static void encode_x86_op(const struct ml_op *op, uint8_t *p)
{
	p[1] = (uint8_t)(op->dev >= 0 ? op->dev : 0);
	switch (op->kind) {
	case ML_OP_PCI_ALLOC_IRQ_VECTORS:
		p[6] = (uint8_t)op->flags;
		p[7] = (uint8_t)(op->pre | op->post << 4);
		/* fall through */
	case ML_OP_PCI_ENABLE_MSIX_RANGE:
		put16(p + 2, count_code(op->min));
		put16(p + 4, count_code(op->max));
		break;
	case ML_OP_REQUEST_IRQ:
	case ML_OP_FREE_IRQ:
		put16(p + 2, op->vec);
		break;
	case ML_OP_IRQ_SET_AFFINITY:
		put16(p + 2, op->vec);
		p[6] = (uint8_t)op->mask[0];
		break;
	case ML_OP_CPU_OFFLINE:
	case ML_OP_CPU_ONLINE:
		p[1] = 0;
		put16(p + 2, op->cpu);
		break;
	case ML_OP_DMAR_ALLOC_HWIRQ:
		p[2] = op->hwirq >= FZ_MAX_DEVS;
		break;
	case ML_OP_HPET_ASSIGN_IRQ:
		put16(p + 2, (uint32_t)op->hwirq);
		break;
	case ML_OP_FAULT:
		p[1] = 0;
		p[6] = op->point == ML_F_IRQ_MATRIX_ALLOC ? 0 : 1;
		put16(p + 2, op->skip);
		put16(p + 4, op->count);
		break;
	default:
		break;
	}
}

size_t fz_encode(const struct fz_scenario *s, uint8_t *out, size_t cap)
{
	uint8_t buf[FZ_MAX_INPUT];
	size_t len = FZ_OPS_OFFSET;

	memset(buf, 0, sizeof(buf));
	buf[0] = (uint8_t)s->profile;
	buf[1] = s->toggles;
	buf[2] = (uint8_t)((s->cpus + 6) % 8);
	buf[3] = s->event_bits == 16 ? 0 : (uint8_t)s->event_bits;
	buf[4] = s->devid_bits == 16 ? 0 : (uint8_t)s->devid_bits;
	buf[5] = (uint8_t)(16 - s->lpi_bits);
	put16(buf + 6, s->num_lpis);
	buf[8] = (uint8_t)(s->ndev - 1);
	buf[9] = s->ite_size == 8 ? 0 : (uint8_t)s->ite_size;
	buf[10] = s->arch == FZ_ARCH_X86_64;
	for (unsigned int i = 0; i < s->ndev; i++) {
		const struct fz_dev *d = &s->dev[i];
		uint8_t *p = buf + FZ_HDR_SIZE + i * FZ_DEV_SIZE;

		p[0] = (uint8_t)((d->bus == FZ_BUS_PCI ? 0 :
				  d->bus == FZ_BUS_PLATFORM || d->bus == FZ_BUS_DMAR ? 1 : 2) |
				 (d->intx || d->msi_mask ? 4 : 0) |
				 (d->alias >= 0 ? (d->alias + 1) << 3 : 0));
		put16(p + 1, d->devid);
		if (d->bus == FZ_BUS_PCI) {
			for (uint8_t k = 0; k < 7; k++)
				if (msi_sizes[k] == d->msi)
					p[3] = k;
			put16(p + 4, d->msix);
			put16(p + 6, d->bdf);
		}
	}
	for (unsigned int i = 0; i < s->nops && len + FZ_OP_SIZE <= sizeof(buf); i++) {
		const struct ml_op *op = &s->op[i];
		uint8_t *p = buf + len;
		int code = opcode_of(s->arch, op->kind);

		p[0] = (uint8_t)(code < 0 ? 0 : code);
		if (s->arch == FZ_ARCH_X86_64) {
			encode_x86_op(op, p);
			len += FZ_OP_SIZE;
			continue;
		}
		p[1] = (uint8_t)(op->dev >= 0 ? op->dev : 0);
		switch (op->kind) {
		case ML_OP_PCI_ALLOC_IRQ_VECTORS:
		case ML_OP_PCIM_ALLOC_IRQ_VECTORS:
			p[6] = (uint8_t)op->flags;
			p[7] = (uint8_t)(op->pre | op->post << 4);
			/* fall through */
		case ML_OP_PCI_ENABLE_MSIX_RANGE:
			put16(p + 2, count_code(op->min));
			put16(p + 4, count_code(op->max));
			break;
		case ML_OP_REQUEST_IRQ:
		case ML_OP_FREE_IRQ:
			put16(p + 2, op->vec);
			break;
		case ML_OP_MSI_CREATE_DEVICE_IRQ_DOMAIN:
			put16(p + 2, op->hwsize);
			break;
		case ML_OP_MSI_DOMAIN_ALLOC_IRQS_RANGE:
		case ML_OP_MSI_DOMAIN_FREE_IRQS_RANGE:
			put16(p + 2, op->first);
			put16(p + 4, op->last);
			break;
		case ML_OP_MSI_DOMAIN_ALLOC_IRQ_AT:
			if (op->index == ML_ANY_INDEX)
				p[6] = 1;
			else
				put16(p + 2, op->index);
			break;
		case ML_OP_MSI_DEVICE_DOMAIN_ALLOC_WIRED:
			put16(p + 2, (uint32_t)(op->hwirq & 0xffff));
			put16(p + 4, (uint32_t)(op->hwirq >> 16));
			break;
		case ML_OP_PLATFORM_DEVICE_MSI_INIT_AND_ALLOC_IRQS:
			put16(p + 2, op->nvec);
			break;
		case ML_OP_CPU_OFFLINE:
		case ML_OP_CPU_ONLINE:
			p[1] = 0;
			put16(p + 2, op->cpu);
			break;
		case ML_OP_FAULT:
			p[1] = 0;
			p[6] = (uint8_t)op->point;
			put16(p + 2, op->skip);
			put16(p + 4, op->count);
			break;
		default:
			break;
		}
		len += FZ_OP_SIZE;
	}
	if (len > cap)
		len = cap;
	memcpy(out, buf, len);
	return len;
}

#define BAD(...) do { snprintf(err, n, __VA_ARGS__); return -1; } while (0)

static int check_x86_op(const struct fz_scenario *s, const struct ml_op *op, char *err, size_t n)
{
	const struct fz_dev *d = op->dev >= 0 && (uint32_t)op->dev < s->ndev ? &s->dev[op->dev] : NULL;

	if (opcode_of(FZ_ARCH_X86_64, op->kind) < 0)
		BAD("%s is not in the x86_64 fuzz vocabulary", ml_op_name(op->kind));
	switch (op->kind) {
	case ML_OP_CPU_OFFLINE:
	case ML_OP_CPU_ONLINE:
		if (op->cpu >= s->cpus)
			BAD("cpu%u: the machine has %u CPUs", op->cpu, s->cpus);
		return 0;
	case ML_OP_FAULT:
		if (op->point != ML_F_IRQ_MATRIX_ALLOC && op->point != ML_F_IRQ_MATRIX_RESERVE_MANAGED)
			BAD("fault point %d is not an x86_64 point", (int)op->point);
		if (op->skip > 0xffff || !op->count || op->count > 0xffff)
			BAD("fault skip/count outside 0..65535 / 1..65535");
		return 0;
	default:
		break;
	}
	if (!d)
		BAD("no such device");
	switch (op->kind) {
	case ML_OP_PCI_ALLOC_IRQ_VECTORS:
		if (op->flags & ~(ML_PCI_IRQ_MSI | ML_PCI_IRQ_MSIX | ML_PCI_IRQ_AFFINITY) ||
		    !(op->flags & (ML_PCI_IRQ_MSI | ML_PCI_IRQ_MSIX)))
			BAD("flags 0x%x: x86_64 fuzz inputs take MSI|MSIX|AFFINITY", op->flags);
		if (op->pre > 15 || op->post > 15)
			BAD("pre_vectors/post_vectors above 15");
		/* fall through */
	case ML_OP_PCI_ENABLE_MSIX_RANGE:
		if (!count_ok(op->min) || !count_ok(op->max))
			BAD("min/max outside 0..65534 and 2147483647");
		/* fall through */
	case ML_OP_PCI_FREE_IRQ_VECTORS:
	case ML_OP_PCI_ENABLE_MSI:
		if (d->bus != FZ_BUS_PCI)
			BAD("%s needs a PCI device", ml_op_name(op->kind));
		break;
	case ML_OP_IRQ_SET_AFFINITY:
		if (d->bus != FZ_BUS_PCI)
			BAD("irq_set_affinity needs a PCI device");
		if (op->vec > 0xffff || !op->mask[0] || op->mask[0] >> s->cpus || op->mask[1] ||
		    op->mask[2] || op->mask[3])
			BAD("irq_set_affinity: vec above 65535 or CPU mask outside the machine");
		break;
	case ML_OP_REQUEST_IRQ:
	case ML_OP_FREE_IRQ:
		if (op->vec > 0xffff)
			BAD("vec %u above 65535", op->vec);
		break;
	case ML_OP_DMAR_ALLOC_HWIRQ:
		if (op->hwirq != (uint64_t)op->dev && op->hwirq != (uint64_t)op->dev + FZ_MAX_DEVS)
			BAD("dmar_alloc_hwirq: id %llu: the fuzz vocabulary has the unit's number and "
			    "%d + that", (unsigned long long)op->hwirq, FZ_MAX_DEVS);
		/* fall through */
	case ML_OP_DMAR_FREE_HWIRQ:
		if (d->bus != FZ_BUS_DMAR)
			BAD("%s needs a DMAR unit", ml_op_name(op->kind));
		break;
	case ML_OP_HPET_ASSIGN_IRQ:
		if (d->bus != FZ_BUS_HPET || op->hwirq > 3)
			BAD("hpet_assign_irq needs an HPET block and dev_num 0..3 (the model holds 4 irqs per block)");
		break;
	default:
		break;
	}
	return 0;
}

static int check_op(const struct fz_scenario *s, const struct ml_op *op, char *err, size_t n)
{
	if (s->arch == FZ_ARCH_X86_64)
		return check_x86_op(s, op, err, n);
	switch (op->kind) {
	case ML_OP_PCI_ALLOC_IRQ_VECTORS:
	case ML_OP_PCIM_ALLOC_IRQ_VECTORS:
		if (op->flags > 0x1f)
			BAD("flags 0x%x: only INTX|MSI|MSIX|AFFINITY|VIRTUAL", op->flags);
		if (op->pre > 15 || op->post > 15)
			BAD("pre_vectors/post_vectors above 15");
		/* fall through */
	case ML_OP_PCI_ENABLE_MSIX_RANGE:
		if (!count_ok(op->min) || !count_ok(op->max))
			BAD("min/max outside 0..65534 and 2147483647");
		break;
	case ML_OP_CPU_OFFLINE:
	case ML_OP_CPU_ONLINE:
		if (op->cpu >= s->cpus)
			BAD("cpu%u: the machine has %u CPUs", op->cpu, s->cpus);
		break;
	case ML_OP_MSI_CREATE_DEVICE_IRQ_DOMAIN:
		if (op->hwsize > 0xffff)
			BAD("hwsize %u above 65535", op->hwsize);
		break;
	case ML_OP_MSI_DOMAIN_ALLOC_IRQ_AT:
		if (op->index != ML_ANY_INDEX && op->index > 0xffff)
			BAD("index %u above 65535", op->index);
		break;
	case ML_OP_MSI_DEVICE_DOMAIN_ALLOC_WIRED:
		if (op->hwirq > 0xffffffffull)
			BAD("hwirq above 0xffffffff");
		break;
	case ML_OP_PLATFORM_DEVICE_MSI_INIT_AND_ALLOC_IRQS:
		if (op->nvec > 0xffff)
			BAD("nvec %u above 65535", op->nvec);
		break;
	case ML_OP_FAULT: {
		struct fz_options all;

		fz_options_default(&all);
		if (op->point >= ML_F__COUNT || !((all.fault_mask & ARM64_FAULTS) >> op->point & 1))
			BAD("fault point %d is not in the fuzz vocabulary (an x86 point)",
			    (int)op->point);
		if (op->skip > 0xffff || !op->count || op->count > 0xffff)
			BAD("fault skip/count outside 0..65535 / 1..65535");
		break;
	}
	case ML_OP_REQUEST_IRQ:
	case ML_OP_FREE_IRQ:
		if (op->vec > 0xffff)
			BAD("vec %u above 65535", op->vec);
		break;
	case ML_OP_MSI_DOMAIN_ALLOC_IRQS_RANGE:
	case ML_OP_MSI_DOMAIN_FREE_IRQS_RANGE:
		if (op->first > 0xffff || op->last > 0xffff)
			BAD("first/last above 65535");
		break;
	default:
		break;
	}
	if (opcode_of(s->arch, op->kind) < 0)
		BAD("%s is not in the fuzz vocabulary", ml_op_name(op->kind));
	return 0;
}

int fz_check(const struct fz_scenario *s, char *err, size_t n)
{
	const struct ml_profile *list;
	unsigned int nprof = ml_profiles(&list);

	if (s->profile >= nprof)
		BAD("no such profile");
	if (s->arch != FZ_ARCH_ARM64 && s->arch != FZ_ARCH_X86_64)
		BAD("no such architecture");
	if (s->toggles >> FZ_NSWITCH ||
	    (s->arch == FZ_ARCH_ARM64 && s->toggles & ~FZ_ARM64_TOGGLES))
		BAD("switch toggles outside the fuzz set");
	if (s->arch == FZ_ARCH_X86_64 &&
	    (s->event_bits != 16 || s->devid_bits != 16 || s->lpi_bits != 16 || s->num_lpis ||
	     s->ite_size != 8))
		BAD("an x86_64 machine has no ITS parameters");
	if (s->cpus < 1 || s->cpus > 8)
		BAD("%u CPUs: the fuzz vocabulary has 1 to 8", s->cpus);
	if (s->event_bits < 1 || s->event_bits > 32 || s->devid_bits < 1 || s->devid_bits > 32 ||
	    s->ite_size < 1 || s->ite_size > 32)
		BAD("ITS event_bits/devid_bits/ite_size outside 1..32");
	if (s->lpi_bits < 14 || s->lpi_bits > 16)
		BAD("ITS lpi_bits outside 14..16");
	if (s->num_lpis > 0xffff)
		BAD("ITS num_lpis above 65535");
	if (s->ndev < 1 || s->ndev > FZ_MAX_DEVS)
		BAD("%u devices: the fuzz vocabulary has 1 to %d", s->ndev, FZ_MAX_DEVS);
	for (unsigned int i = 0; i < s->ndev; i++) {
		const struct fz_dev *d = &s->dev[i];
		bool msi_ok = false;

		for (unsigned int k = 0; k < 7; k++)
			msi_ok |= msi_sizes[k] == d->msi;
		if (d->devid > 0xffff)
			BAD("device %u: DevID 0x%x above 0xffff", i, d->devid);
		if (d->alias >= (int)i)
			BAD("device %u: alias must be declared before", i);
		if (d->bus != FZ_BUS_PCI && (s->arch == FZ_ARCH_X86_64) !=
		    (d->bus == FZ_BUS_DMAR || d->bus == FZ_BUS_HPET))
			BAD("device %u: bus outside the %s fuzz vocabulary", i,
			    s->arch == FZ_ARCH_X86_64 ? "x86_64" : "arm64");
		if (s->arch == FZ_ARCH_X86_64 && (d->alias >= 0 || d->intx))
			BAD("device %u: no alias or INTx on x86_64 fuzz inputs", i);
		if (d->msi_mask && (s->arch != FZ_ARCH_X86_64 || d->bus != FZ_BUS_PCI))
			BAD("device %u: per-vector masking on an x86_64 PCI device only", i);
		if (d->bus == FZ_BUS_PCI) {
			if (!msi_ok || d->msix > 2048 || d->bdf > 0xffff)
				BAD("device %u: msi/msix/bdf outside the vocabulary (segment 0 only)", i);
		} else if (d->msi || d->msix || d->bdf) {
			BAD("device %u: a platform device has no msi/msix/bdf", i);
		}
	}
	if (s->nops > FZ_MAX_OPS)
		BAD("more than %d operations", FZ_MAX_OPS);
	for (unsigned int i = 0; i < s->nops; i++) {
		if (check_op(s, &s->op[i], err, n)) {
			char tmp[160];

			snprintf(tmp, sizeof(tmp), "%s", err);
			BAD("operation %u: %s", i + 1, tmp);
		}
	}
	return 0;
}

static bool op_equal(const struct ml_op *a, const struct ml_op *b)
{
	struct ml_op x = *a, y = *b;

	op_normalize(&x);
	op_normalize(&y);
	return !memcmp(&x, &y, sizeof(x));
}

bool fz_equal(const struct fz_scenario *a, const struct fz_scenario *b, char *why, size_t n)
{
#define DIFF(...) do { snprintf(why, n, __VA_ARGS__); return false; } while (0)
	if (a->arch != b->arch)
		DIFF("architecture differs");
	if (a->profile != b->profile || a->sw != b->sw || a->toggles != b->toggles)
		DIFF("profile or switches differ");
	if (a->cpus != b->cpus || a->event_bits != b->event_bits || a->devid_bits != b->devid_bits ||
	    a->lpi_bits != b->lpi_bits || a->num_lpis != b->num_lpis || a->ite_size != b->ite_size)
		DIFF("machine or ITS parameters differ");
	if (a->ndev != b->ndev)
		DIFF("device count differs (%u, %u)", a->ndev, b->ndev);
	for (unsigned int i = 0; i < a->ndev; i++) {
		const struct fz_dev *x = &a->dev[i], *y = &b->dev[i];

		if (x->bus != y->bus || x->intx != y->intx || x->alias != y->alias ||
		    x->devid != y->devid || x->msi != y->msi || x->msix != y->msix || x->bdf != y->bdf ||
		    x->msi_mask != y->msi_mask)
			DIFF("device %u differs", i);
	}
	for (unsigned int i = 0; i < a->nops && i < b->nops; i++)
		if (!op_equal(&a->op[i], &b->op[i]))
			DIFF("operation %u differs (%s, %s)", i + 1, ml_op_name(a->op[i].kind),
			     ml_op_name(b->op[i].kind));
	if (a->nops != b->nops)
		DIFF("operation count differs (%u, %u)", a->nops, b->nops);
	return true;
#undef DIFF
}

void fz_config(const struct fz_scenario *s, struct ml_config *cfg)
{
	ml_config_init(cfg);
	fz_config_update(s, cfg);
}

void fz_config_update(const struct fz_scenario *s, struct ml_config *cfg)
{
	fz_profile(s, &cfg->profile);
	cfg->cpus = s->cpus;
	cfg->x86 = s->arch == FZ_ARCH_X86_64;
	cfg->nits = cfg->x86 ? 0 : 1;
	/* x86_64: irqs 1-23 in use (FZ_X86_IRQS_USED) */
	memset(cfg->irqs_used, 0, sizeof(cfg->irqs_used));
	if (cfg->x86)
		cfg->irqs_used[0] = ((1ull << 24) - 1) & ~1ull;
	cfg->its[0].lpi_bits = s->lpi_bits;
	cfg->its[0].num_lpis = s->num_lpis;
	cfg->its[0].event_bits = s->event_bits;
	cfg->its[0].devid_bits = s->devid_bits;
	cfg->its[0].ite_size = s->ite_size;
	cfg->ndev = s->ndev;
	for (unsigned int i = 0; i < s->ndev; i++) {
		const struct fz_dev *d = &s->dev[i];
		struct ml_dev_config *c = &cfg->dev[i];

		memset(c, 0, sizeof(*c));
		fz_dev_name(s, i, c->name, sizeof(c->name));
		c->pci = d->bus == FZ_BUS_PCI;
		c->bdf = d->bdf;
		c->devid = d->devid;
		c->msi = d->msi;
		c->msix = d->msix;
		c->intx = d->intx;
		c->alias = d->alias;
		c->wired = d->bus == FZ_BUS_WIRED;
		c->its = 0;
		c->msi_mask = d->msi_mask;
		c->x86_kind = d->bus == FZ_BUS_DMAR ? ML_DEV_DMAR :
			      d->bus == FZ_BUS_HPET ? ML_DEV_HPET : ML_DEV_NORMAL;
	}
}
