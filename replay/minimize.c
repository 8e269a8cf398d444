// SPDX-License-Identifier: GPL-2.0
/*
 * minimize.c - shrink a scenario to a 1-minimal one with the same bug.
 *
 * The test ("does the candidate still show the bug?") is the oracle of
 * triage.c: the first violation the stop policy counts must have the same
 * signature and the same catalogue tag as the input's, so the reduction
 * never slips to another bug.  One round is
 *
 *   1. ddmin over the operations (Zeller and Hildebrandt, "Simplifying and
 *      Isolating Failure-Inducing Input", TSE 2002): chunks, complements,
 *      finer granularity down to single operations;
 *   2. whole device lifecycles: every operation of one device and its
 *      declaration at once, then declared devices no operation uses;
 *   3. values, each tried from the simplest up and kept when the bug stays:
 *      vector counts and indexes, flags bit by bit, DevIDs (not one another
 *      device has), MSI/MSI-X capability sizes, INTx, aliases, fault
 *      skip/count, CPUs, ITS parameters back to their defaults.
 *
 * Rounds repeat until one changes nothing.  The last round's ddmin ended
 * with granularity at the operation count and no complement kept the bug:
 * removing any single operation loses it (1-minimal).  Every choice is in a
 * fixed order, so the result depends on the input only.
 */
#include <stdlib.h>
#include <string.h>

#include "triage.h"

struct mctx {
	struct tri_oracle *o;
	const struct tri_verdict *want;
	struct tri_scenario *s;		/* the current best */
	struct tri_scenario cand;	/* scratch: s's declarations, a subset of its ops */
	uint64_t *phase_calls;
};

/* Run the candidate made of s->op[idx[0..n)]. */
static bool test_subset(struct mctx *c, const uint32_t *idx, uint32_t n)
{
	struct tri_verdict v;

	for (uint32_t i = 0; i < n; i++)
		c->cand.op[i] = c->s->op[idx[i]];
	c->cand.nops = n;
	(*c->phase_calls)++;
	if (tri_run(c->o, &c->cand, &v))
		return false;
	return tri_same_bug(&v, c->want);
}

/* Keep only s->op[idx[0..n)] (in order). */
static void keep_subset(struct tri_scenario *s, const uint32_t *idx, uint32_t n)
{
	uint32_t k = 0;

	for (uint32_t i = 0; i < s->nops; i++) {
		if (k < n && idx[k] == i) {
			s->op[k] = s->op[i];
			if (s->text)
				s->text[k] = s->text[i];
			k++;
		} else if (s->text) {
			free(s->text[i]);
		}
	}
	s->nops = k;
}

/* ddmin over the operations of c->s; true if it removed any. */
static int ddmin(struct mctx *c, bool *changed)
{
	uint32_t len = c->s->nops, gran = 2;
	uint32_t *cur = malloc((len + 1) * sizeof(*cur)), *tmp = malloc((len + 1) * sizeof(*tmp));

	*changed = false;
	if (!cur || !tmp) {
		free(cur);
		free(tmp);
		return -1;
	}
	for (uint32_t i = 0; i < len; i++)
		cur[i] = i;
	c->cand.decls = c->s->decls;
	c->cand.profile = c->s->profile;
	c->cand.base_sw = c->s->base_sw;
	while (len >= 2) {
		bool reduced = false;

		if (gran > len)
			gran = len;
		/* chunk i: [start(i), start(i+1)) */
#define START(i) ((uint32_t)(((uint64_t)(i) * len) / gran))
		for (uint32_t i = 0; i < gran && !reduced; i++) {
			uint32_t a = START(i), b = START(i + 1);

			if (test_subset(c, cur + a, b - a)) {
				memmove(cur, cur + a, (b - a) * sizeof(*cur));
				len = b - a;
				gran = 2;
				reduced = true;
			}
		}
		/* with two chunks, each complement is the other chunk: done above */
		for (uint32_t i = 0; i < gran && !reduced && gran > 2; i++) {
			uint32_t a = START(i), b = START(i + 1), k = 0;

			for (uint32_t j = 0; j < len; j++)
				if (j < a || j >= b)
					tmp[k++] = cur[j];
			if (test_subset(c, tmp, k)) {
				memcpy(cur, tmp, k * sizeof(*cur));
				len = k;
				gran = gran - 1 > 2 ? gran - 1 : 2;
				reduced = true;
			}
		}
#undef START
		if (reduced) {
			*changed = true;
			continue;
		}
		if (gran >= len)
			break;
		gran = 2 * gran < len ? 2 * gran : len;
	}
	if (*changed)
		keep_subset(c->s, cur, len);
	free(cur);
	free(tmp);
	return 0;
}

static bool test_whole(struct mctx *c, const struct tri_scenario *s)
{
	struct tri_verdict v;

	(*c->phase_calls)++;
	if (tri_run(c->o, s, &v))
		return false;
	return tri_same_bug(&v, c->want);
}

static int lifecycles(struct mctx *c, bool *changed)
{
	*changed = false;
	if (c->s->x86_decls[0])
		return 0;	/* x86 state lines name devices: keep them all */
	for (unsigned int d = c->s->decls.ndev; d-- > 0;) {
		struct tri_scenario t;

		if (c->s->decls.ndev == 1)
			break;
		/* a lifecycle, or a declaration nothing uses */
		if (tri_scenario_copy(&t, c->s))
			return -1;
		tri_scenario_remove_device(&t, d);
		if (test_whole(c, &t)) {
			tri_scenario_free(c->s);
			*c->s = t;
			*changed = true;
		} else {
			tri_scenario_free(&t);
		}
	}
	return 0;
}

/* ---- values ---- */

/* Candidates below @v, simplest first: 0 1 2 3 4 v/2 v-1 (from @lo). */
static unsigned int smaller(uint64_t v, uint64_t lo, uint64_t *out)
{
	uint64_t c[7] = { 0, 1, 2, 3, 4, v / 2, v ? v - 1 : 0 };
	unsigned int n = 0;

	for (unsigned int i = 0; i < 7; i++) {
		bool dup = false;

		if (c[i] < lo || c[i] >= v)
			continue;
		for (unsigned int j = 0; j < n; j++)
			dup |= out[j] == c[i];
		if (!dup)
			out[n++] = c[i];
	}
	/* ascending */
	for (unsigned int i = 1; i < n; i++)
		for (unsigned int j = i; j > 0 && out[j - 1] > out[j]; j--) {
			uint64_t x = out[j];

			out[j] = out[j - 1];
			out[j - 1] = x;
		}
	return n;
}

enum vkind { V_U32, V_I32, V_U64, V_BOOL, V_INT };

/*
 * Try the candidates of one value of c->s in place: keep the first that
 * keeps the bug, then start again from the new value.  @lo: the smallest
 * allowed; @pow2: MSI capability sizes (0 or powers of two).
 */
static void shrink(struct mctx *c, void *field, enum vkind k, uint64_t lo, bool pow2,
		   bool *changed, uint32_t *nvalues)
{
	for (unsigned int round = 0; round < 64; round++) {
		uint64_t v, cand[7];
		unsigned int n;
		bool better = false;

		switch (k) {
		case V_U32: v = *(uint32_t *)field; break;
		case V_I32: if (*(int32_t *)field < 0) return; v = (uint64_t)*(int32_t *)field; break;
		case V_U64: v = *(uint64_t *)field; break;
		case V_BOOL: v = *(bool *)field; break;
		default: if (*(int *)field < 0) return; v = (uint64_t)*(int *)field; break;
		}
		if (pow2) {
			n = 0;
			for (uint64_t p = 0; p < v; p = p ? 2 * p : 1)
				if (p >= lo)
					cand[n++] = p;
		} else {
			n = smaller(v, lo, cand);
		}
		for (unsigned int i = 0; i < n && !better; i++) {
			switch (k) {
			case V_U32: *(uint32_t *)field = (uint32_t)cand[i]; break;
			case V_I32: *(int32_t *)field = (int32_t)cand[i]; break;
			case V_U64: *(uint64_t *)field = cand[i]; break;
			case V_BOOL: *(bool *)field = cand[i] != 0; break;
			default: *(int *)field = (int)cand[i]; break;
			}
			if (test_whole(c, c->s)) {
				better = true;
				*changed = true;
				(*nvalues)++;
			}
		}
		if (!better) {
			switch (k) {
			case V_U32: *(uint32_t *)field = (uint32_t)v; break;
			case V_I32: *(int32_t *)field = (int32_t)v; break;
			case V_U64: *(uint64_t *)field = v; break;
			case V_BOOL: *(bool *)field = v != 0; break;
			default: *(int *)field = (int)v; break;
			}
			return;
		}
	}
}

/* Set a value to @to (a default) if that keeps the bug. */
static void to_default(struct mctx *c, uint32_t *field, uint32_t to, bool *changed, uint32_t *nvalues)
{
	uint32_t v = *field;

	if (v == to)
		return;
	*field = to;
	if (test_whole(c, c->s)) {
		*changed = true;
		(*nvalues)++;
	} else {
		*field = v;
	}
}

static void op_values(struct mctx *c, struct ml_op *op, bool *ch, uint32_t *nv)
{
	switch (op->kind) {
	case ML_OP_PCI_ALLOC_IRQ_VECTORS:
	case ML_OP_PCIM_ALLOC_IRQ_VECTORS:
		for (int b = 4; b >= 0; b--) {
			if (!(op->flags & (1u << b)))
				continue;
			op->flags &= ~(1u << b);
			if (test_whole(c, c->s)) {
				*ch = true;
				(*nv)++;
			} else {
				op->flags |= 1u << b;
			}
		}
		shrink(c, &op->pre, V_U32, 0, false, ch, nv);
		shrink(c, &op->post, V_U32, 0, false, ch, nv);
		/* fall through */
	case ML_OP_PCI_ENABLE_MSIX_RANGE:
		/* a request for no vector is no simpler to read: counts stay >= 1 */
		shrink(c, &op->max, V_I32, 1, false, ch, nv);
		shrink(c, &op->min, V_I32, 1, false, ch, nv);
		break;
	case ML_OP_REQUEST_IRQ:
	case ML_OP_FREE_IRQ:
		shrink(c, &op->vec, V_U32, 0, false, ch, nv);
		break;
	case ML_OP_MSI_CREATE_DEVICE_IRQ_DOMAIN:
		shrink(c, &op->hwsize, V_U32, 1, false, ch, nv);
		break;
	case ML_OP_MSI_DOMAIN_ALLOC_IRQS_RANGE:
	case ML_OP_MSI_DOMAIN_FREE_IRQS_RANGE: {
		/* first <= last: move the range down, then narrow it */
		uint32_t first = op->first, last = op->last;
		uint64_t cand[7];
		unsigned int n = smaller(first, 0, cand);

		for (unsigned int i = 0; i < n; i++) {
			op->first = (uint32_t)cand[i];
			op->last = last - (first - op->first);
			if (test_whole(c, c->s)) {
				*ch = true;
				(*nv)++;
				break;
			}
			op->first = first;
			op->last = last;
		}
		shrink(c, &op->last, V_U32, op->first, false, ch, nv);
		break;
	}
	case ML_OP_MSI_DOMAIN_ALLOC_IRQ_AT:
		if (op->index != ML_ANY_INDEX)
			shrink(c, &op->index, V_U32, 0, false, ch, nv);
		break;
	case ML_OP_MSI_DEVICE_DOMAIN_ALLOC_WIRED:
		shrink(c, &op->hwirq, V_U64, 0, false, ch, nv);
		break;
	case ML_OP_PLATFORM_DEVICE_MSI_INIT_AND_ALLOC_IRQS:
		shrink(c, &op->nvec, V_U32, 1, false, ch, nv);
		break;
	case ML_OP_CPU_OFFLINE:
	case ML_OP_CPU_ONLINE:
		shrink(c, &op->cpu, V_U32, 0, false, ch, nv);
		break;
	case ML_OP_FAULT:
		shrink(c, &op->skip, V_U32, 0, false, ch, nv);
		shrink(c, &op->count, V_U32, 1, false, ch, nv);
		break;
	default:
		break;
	}
}

static bool devid_taken(const struct mlog_decls *d, unsigned int self, uint32_t devid)
{
	for (unsigned int i = 0; i < d->ndev; i++)
		if (i != self && d->dev[i].devid == devid)
			return true;
	return false;
}

static void device_values(struct mctx *c, unsigned int i, bool *ch, uint32_t *nv)
{
	struct mlog_device_decl *m = &c->s->decls.dev[i];
	bool shared = devid_taken(&c->s->decls, i, m->devid);

	/* a DevID another device also has stays shared, and a private one private */
	if (!shared) {
		for (unsigned int round = 0; round < 64; round++) {
			uint64_t cand[7];
			unsigned int n = smaller(m->devid, 0, cand);
			uint32_t v = m->devid;
			bool better = false;

			for (unsigned int k = 0; k < n && !better; k++) {
				if (devid_taken(&c->s->decls, i, (uint32_t)cand[k]))
					continue;
				m->devid = (uint32_t)cand[k];
				if (test_whole(c, c->s)) {
					better = true;
					*ch = true;
					(*nv)++;
				} else {
					m->devid = v;
				}
			}
			if (!better)
				break;
		}
	}
	shrink(c, &m->msi, V_U32, 0, true, ch, nv);
	shrink(c, &m->msix, V_U32, 0, false, ch, nv);
	if (m->intx) {
		m->intx = false;
		if (test_whole(c, c->s)) {
			*ch = true;
			(*nv)++;
		} else {
			m->intx = true;
		}
	}
	if (m->alias >= 0) {
		int a = m->alias;

		m->alias = -1;
		if (test_whole(c, c->s)) {
			*ch = true;
			(*nv)++;
		} else {
			m->alias = a;
		}
	}
}

static void machine_values(struct mctx *c, bool *ch, uint32_t *nv)
{
	struct mlog_decls *d = &c->s->decls;

	if (d->has_machine && d->cpus)
		shrink(c, &d->cpus, V_U32, 1, false, ch, nv);
	for (uint32_t i = 0; i < d->nits; i++) {
		to_default(c, &d->its[i].num_lpis, 0, ch, nv);
		to_default(c, &d->its[i].event_bits, 16, ch, nv);
		to_default(c, &d->its[i].devid_bits, 16, ch, nv);
		to_default(c, &d->its[i].lpi_bits, 16, ch, nv);
		to_default(c, &d->its[i].ite_size, 8, ch, nv);
	}
}

static void values(struct mctx *c, bool *changed, uint32_t *nvalues)
{
	*changed = false;
	for (uint32_t i = 0; i < c->s->nops; i++)
		op_values(c, &c->s->op[i], changed, nvalues);
	for (unsigned int i = 0; i < c->s->decls.ndev; i++)
		device_values(c, i, changed, nvalues);
	machine_values(c, changed, nvalues);
}

/* Drop what follows the violating step: nothing after it can matter. */
static int cut_after_violation(struct mctx *c)
{
	struct tri_verdict v;

	(*c->phase_calls)++;
	if (tri_run(c->o, c->s, &v) || !tri_same_bug(&v, c->want))
		return -1;
	tri_scenario_truncate(c->s, v.step);
	return 0;
}

int tri_minimize(struct tri_oracle *o, struct tri_scenario *s, const struct tri_verdict *want,
		 struct tri_min_stats *st)
{
	struct mctx c = { .o = o, .want = want, .s = s };
	uint64_t calls0 = tri_oracle_calls(o), dummy = 0;
	int ret = -1;

	memset(st, 0, sizeof(*st));
	st->ops_in = s->nops;
	st->devs_in = s->decls.ndev;
	c.cand.op = malloc((s->nops ? s->nops : 1) * sizeof(*c.cand.op));
	if (!c.cand.op)
		return -1;
	c.phase_calls = &dummy;
	if (cut_after_violation(&c))
		goto out;
	st->ops_prefix = s->nops;
	for (;;) {
		bool ch_dd, ch_lc, ch_val;

		st->rounds++;
		c.phase_calls = &st->calls_ddmin;
		if (ddmin(&c, &ch_dd))
			goto out;
		c.phase_calls = &st->calls_lifecycle;
		if (lifecycles(&c, &ch_lc))
			goto out;
		c.phase_calls = &st->calls_values;
		values(&c, &ch_val, &st->values);
		if (ch_val || ch_lc) {
			/* a simpler value may end the bug earlier */
			if (cut_after_violation(&c))
				goto out;
		}
		if (!ch_dd && !ch_lc && !ch_val)
			break;
		if (st->rounds == 32)
			break;
	}
	ret = 0;
out:
	st->calls = tri_oracle_calls(o) - calls0;
	st->ops_out = s->nops;
	st->devs_out = s->decls.ndev;
	free(c.cand.op);
	return ret;
}
