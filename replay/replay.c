// SPDX-License-Identifier: GPL-2.0
/*
 * replay.c - the replay engine: a trace's stimuli drive the model, its
 * observations are compared with what the model did, step by step, and
 * every invariant violation is reported.  Reading is streaming: one step's
 * model events are kept, never the trace.
 */
#include <stdlib.h>
#include <string.h>

#include "internals.h"
#include "replay.h"

_Static_assert(ML_EV__COUNT == MLOG_V__COUNT - MLOG_V_O_FIRST,
	       "model events and .mlog observations must correspond one to one");

/* ---- configuration ---- */

struct list_ctx { struct ml_config *cfg; };

static int mark_used(uint32_t lo, uint32_t hi, void *arg)
{
	struct ml_config *cfg = ((struct list_ctx *)arg)->cfg;

	if (hi >= ML_MAX_VIRQ)
		return -1;
	for (uint32_t v = lo; v <= hi; v++)
		cfg->irqs_used[v / 64] |= 1ull << (v % 64);
	return 0;
}

int replay_config_from_decls(const struct mlog_decls *d, const struct ml_profile *p,
			     struct ml_config *cfg, char *err, size_t n)
{
	struct list_ctx lc = { cfg };

	ml_config_init(cfg);
	cfg->profile = *p;
	cfg->x86 = d->arch == MLOG_ARCH_X86_64;
	cfg->cpus = d->cpus ? d->cpus : 2;
	cfg->nr_irqs = d->nr_irqs ? d->nr_irqs : 64;
	if (d->irqs_used[0] &&
	    mlog_list_foreach(d->irqs_used, strlen(d->irqs_used), mark_used, &lc)) {
		snprintf(err, n, "irqs_used: irq numbers must stay below %u", ML_MAX_VIRQ);
		return -1;
	}
	cfg->nits = d->nits;
	for (uint32_t i = 0; i < d->nits && i < ML_MAX_ITS; i++) {
		cfg->its[i].lpi_bits = d->its[i].lpi_bits;
		cfg->its[i].num_lpis = d->its[i].num_lpis;
		cfg->its[i].event_bits = d->its[i].event_bits;
		cfg->its[i].devid_bits = d->its[i].devid_bits;
		cfg->its[i].ite_size = d->its[i].ite_size;
	}
	if (d->ndev > ML_MAX_DEVS) {
		snprintf(err, n, "%u devices: the model holds %u", d->ndev, ML_MAX_DEVS);
		return -1;
	}
	cfg->ndev = d->ndev;
	for (uint32_t i = 0; i < d->ndev; i++) {
		const struct mlog_device_decl *s = &d->dev[i];
		struct ml_dev_config *c = &cfg->dev[i];

		snprintf(c->name, sizeof(c->name), "%s", s->name);
		c->pci = s->bus == MLOG_BUS_PCI;
		c->bdf = s->bdf;
		c->devid = s->devid;
		c->msi = s->msi;
		c->msix = s->msix;
		c->intx = s->intx;
		c->alias = s->alias;
		c->wired = s->wired;
		c->its = s->its < 0 ? 0 : s->its;
		c->msi_mask = s->msi_mask;
		c->x86_kind = s->bus == MLOG_BUS_DMAR ? ML_DEV_DMAR :
			      s->bus == MLOG_BUS_HPET ? ML_DEV_HPET : ML_DEV_NORMAL;
	}
	/* x86 start state: x86_cpu / x86_irq declarations */
	if (!cfg->x86 && (d->nx86_cpu || d->nx86_irq)) {
		snprintf(err, n, "line %u: x86_cpu/x86_irq declared in an arm64 trace",
			 d->nx86_cpu ? d->x86_cpu[0].line : d->x86_irq[0].line);
		return -1;
	}
	for (uint32_t i = 0; i < d->nx86_cpu; i++) {
		const struct mlog_x86_cpu_decl *s = &d->x86_cpu[i];
		struct ml_x86_cpu_config *c;

		if (s->cpu >= cfg->cpus) {
			snprintf(err, n, "line %u: x86_cpu cpu=%u, but the machine has %u CPUs", s->line,
				 s->cpu, cfg->cpus);
			return -1;
		}
		c = &cfg->x86_cpu[s->cpu];
		c->declared = true;
		c->online = s->online;
		memcpy(c->alloc_map, s->alloc_map, sizeof(c->alloc_map));
		memcpy(c->managed_map, s->managed_map, sizeof(c->managed_map));
	}
	if (d->nx86_irq > ML_MAX_X86_IRQS) {
		snprintf(err, n, "%u x86_irq declarations: the model holds %u", d->nx86_irq,
			 ML_MAX_X86_IRQS);
		return -1;
	}
	cfg->nx86_irq = d->nx86_irq;
	for (uint32_t i = 0; i < d->nx86_irq; i++) {
		const struct mlog_x86_irq_decl *s = &d->x86_irq[i];
		struct ml_x86_irq_config *c = &cfg->x86_irq[i];

		if (s->virq >= ML_MAX_VIRQ || (s->has_cpu && s->cpu >= cfg->cpus)) {
			snprintf(err, n, "line %u: x86_irq virq=%u cpu=%u is outside the machine", s->line,
				 s->virq, s->cpu);
			return -1;
		}
		c->virq = s->virq;
		c->dev = s->dev;
		c->vec = s->vec;
		c->has_cpu = s->has_cpu;
		c->cpu = s->cpu;
		c->vector = s->vector;
		c->is_managed = s->is_managed;
		c->has_reserved = s->has_reserved;
		c->has_mask = s->has_mask;
		memcpy(c->mask, s->mask, sizeof(c->mask));
	}
	return 0;
}

void replay_apply_switches(struct ml_profile *p, const struct replay_switches *set)
{
	p->sw = (p->sw | set->on) & ~set->off;
}

int replay_parse_set(const char *arg, struct replay_switches *set, char *err, size_t n)
{
	const char *eq = strchr(arg, '=');
	int sw;

	if (!eq) {
		snprintf(err, n, "--set %s: expected NAME=on|off", arg);
		return -1;
	}
	sw = ml_switch_lookup(arg, (size_t)(eq - arg));
	if (sw < 0) {
		snprintf(err, n, "--set: unknown switch \"%.*s\" (see msilab replay --help)",
			 (int)(eq - arg), arg);
		return -1;
	}
	if (!strcmp(eq + 1, "on")) {
		set->on |= 1ull << sw;
		set->off &= ~(1ull << sw);
	} else if (!strcmp(eq + 1, "off")) {
		set->off |= 1ull << sw;
		set->on &= ~(1ull << sw);
	} else {
		snprintf(err, n, "--set %s: the value must be on or off", arg);
		return -1;
	}
	return 0;
}

/* ---- stimuli -> operations ---- */

static int mask_add(uint32_t lo, uint32_t hi, void *arg)
{
	uint64_t *mask = arg;

	if (hi > 255)
		return -1;
	for (uint32_t c = lo; c <= hi; c++)
		mask[c / 64] |= 1ull << (c % 64);
	return 0;
}

int replay_op_from_event(const struct mlog_event *ev, struct ml_op *op)
{
	static const struct { enum mlog_verb verb; enum ml_op_kind kind; } map[] = {
		{ MLOG_V_PCI_ENABLE_DEVICE, ML_OP_PCI_ENABLE_DEVICE },
		{ MLOG_V_PCIM_ENABLE_DEVICE, ML_OP_PCIM_ENABLE_DEVICE },
		{ MLOG_V_PCI_ALLOC_IRQ_VECTORS, ML_OP_PCI_ALLOC_IRQ_VECTORS },
		{ MLOG_V_PCIM_ALLOC_IRQ_VECTORS, ML_OP_PCIM_ALLOC_IRQ_VECTORS },
		{ MLOG_V_PCI_ENABLE_MSI, ML_OP_PCI_ENABLE_MSI },
		{ MLOG_V_PCI_ENABLE_MSIX_RANGE, ML_OP_PCI_ENABLE_MSIX_RANGE },
		{ MLOG_V_PCI_DISABLE_MSI, ML_OP_PCI_DISABLE_MSI },
		{ MLOG_V_PCI_DISABLE_MSIX, ML_OP_PCI_DISABLE_MSIX },
		{ MLOG_V_PCI_FREE_IRQ_VECTORS, ML_OP_PCI_FREE_IRQ_VECTORS },
		{ MLOG_V_REQUEST_IRQ, ML_OP_REQUEST_IRQ },
		{ MLOG_V_FREE_IRQ, ML_OP_FREE_IRQ },
		{ MLOG_V_DRIVER_UNBIND, ML_OP_DRIVER_UNBIND },
		{ MLOG_V_DEVICE_REMOVE, ML_OP_DEVICE_REMOVE },
		{ MLOG_V_DEVICE_ADD, ML_OP_DEVICE_ADD },
		{ MLOG_V_MSI_CREATE_DEVICE_IRQ_DOMAIN, ML_OP_MSI_CREATE_DEVICE_IRQ_DOMAIN },
		{ MLOG_V_MSI_REMOVE_DEVICE_IRQ_DOMAIN, ML_OP_MSI_REMOVE_DEVICE_IRQ_DOMAIN },
		{ MLOG_V_MSI_DOMAIN_ALLOC_IRQS_RANGE, ML_OP_MSI_DOMAIN_ALLOC_IRQS_RANGE },
		{ MLOG_V_MSI_DOMAIN_FREE_IRQS_RANGE, ML_OP_MSI_DOMAIN_FREE_IRQS_RANGE },
		{ MLOG_V_MSI_DOMAIN_ALLOC_IRQ_AT, ML_OP_MSI_DOMAIN_ALLOC_IRQ_AT },
		{ MLOG_V_MSI_DEVICE_DOMAIN_ALLOC_WIRED, ML_OP_MSI_DEVICE_DOMAIN_ALLOC_WIRED },
		{ MLOG_V_PLATFORM_DEVICE_MSI_INIT_AND_ALLOC_IRQS,
		  ML_OP_PLATFORM_DEVICE_MSI_INIT_AND_ALLOC_IRQS },
		{ MLOG_V_PLATFORM_DEVICE_MSI_FREE_IRQS_ALL, ML_OP_PLATFORM_DEVICE_MSI_FREE_IRQS_ALL },
		{ MLOG_V_CPU_OFFLINE, ML_OP_CPU_OFFLINE },
		{ MLOG_V_CPU_ONLINE, ML_OP_CPU_ONLINE },
		{ MLOG_V_FAULT, ML_OP_FAULT },
		{ MLOG_V_IRQ_SET_AFFINITY, ML_OP_IRQ_SET_AFFINITY },
		{ MLOG_V_DMAR_ALLOC_HWIRQ, ML_OP_DMAR_ALLOC_HWIRQ },
		{ MLOG_V_DMAR_FREE_HWIRQ, ML_OP_DMAR_FREE_HWIRQ },
		{ MLOG_V_HPET_ASSIGN_IRQ, ML_OP_HPET_ASSIGN_IRQ },
		{ MLOG_V_MP_MAP_PIN_TO_IRQ, ML_OP_MP_MAP_PIN_TO_IRQ },
		{ MLOG_V_MP_UNMAP_IRQ, ML_OP_MP_UNMAP_IRQ },
	};
	const int64_t *v = ev->num;

	memset(op, 0, sizeof(*op));
	op->dev = -1;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (map[i].verb == ev->verb) {
			op->kind = map[i].kind;
			break;
		}
		if (i + 1 == sizeof(map) / sizeof(map[0]))
			return -1;
	}
	if (mlog_has(ev, MLOG_K_DEV))
		op->dev = (int)v[MLOG_K_DEV];
	op->min = (int32_t)v[MLOG_K_MIN];
	op->max = (int32_t)v[MLOG_K_MAX];
	op->flags = (uint32_t)v[MLOG_K_FLAGS];
	op->pre = (uint32_t)v[MLOG_K_PRE_VECTORS];
	op->post = (uint32_t)v[MLOG_K_POST_VECTORS];
	op->vec = (uint32_t)v[MLOG_K_VEC];
	op->first = (uint32_t)v[MLOG_K_FIRST];
	op->last = (uint32_t)v[MLOG_K_LAST];
	op->index = (uint32_t)v[MLOG_K_INDEX];
	op->nvec = (uint32_t)v[MLOG_K_NVEC];
	op->hwsize = (uint32_t)v[MLOG_K_HWSIZE];
	op->cpu = (uint32_t)v[MLOG_K_CPU];
	op->hwirq = (uint64_t)v[MLOG_K_HWIRQ];
	op->virq = (uint32_t)v[MLOG_K_VIRQ];
	op->point = (enum ml_fault)v[MLOG_K_POINT];
	op->skip = mlog_has(ev, MLOG_K_SKIP) ? (uint32_t)v[MLOG_K_SKIP] : 0;
	op->count = mlog_has(ev, MLOG_K_COUNT) ? (uint32_t)v[MLOG_K_COUNT] : 1;
	if (mlog_has(ev, MLOG_K_MASK) &&
	    mlog_list_foreach(mlog_str(ev, MLOG_K_MASK), ev->str_len[MLOG_K_MASK], mask_add, op->mask))
		return -1;
	return 0;
}

int replay_event_from_op(const struct ml_op *op, struct mlog_event *ev)
{
	const char *name = ml_op_name(op->kind);
	enum mlog_verb verb;

	if (!name)
		return -1;
	verb = mlog_verb_lookup(name, strlen(name), false);
	if (verb == MLOG_V_NONE || mlog_verb_class(verb) != MLOG_C_STIM)
		return -1;
	mlog_event_init(ev, verb);
	if (op->dev >= 0)
		mlog_event_set(ev, MLOG_K_DEV, op->dev);
	switch (op->kind) {
	case ML_OP_PCI_ALLOC_IRQ_VECTORS:
	case ML_OP_PCIM_ALLOC_IRQ_VECTORS:
		mlog_event_set(ev, MLOG_K_FLAGS, op->flags);
		if (op->pre)
			mlog_event_set(ev, MLOG_K_PRE_VECTORS, op->pre);
		if (op->post)
			mlog_event_set(ev, MLOG_K_POST_VECTORS, op->post);
		/* fall through */
	case ML_OP_PCI_ENABLE_MSIX_RANGE:
		mlog_event_set(ev, MLOG_K_MIN, op->min);
		mlog_event_set(ev, MLOG_K_MAX, op->max);
		break;
	case ML_OP_REQUEST_IRQ:
	case ML_OP_FREE_IRQ:
		mlog_event_set(ev, MLOG_K_VEC, op->vec);
		break;
	case ML_OP_MSI_CREATE_DEVICE_IRQ_DOMAIN:
		mlog_event_set(ev, MLOG_K_HWSIZE, op->hwsize);
		break;
	case ML_OP_MSI_DOMAIN_ALLOC_IRQS_RANGE:
	case ML_OP_MSI_DOMAIN_FREE_IRQS_RANGE:
		mlog_event_set(ev, MLOG_K_FIRST, op->first);
		mlog_event_set(ev, MLOG_K_LAST, op->last);
		break;
	case ML_OP_MSI_DOMAIN_ALLOC_IRQ_AT:
		mlog_event_set(ev, MLOG_K_INDEX, op->index == ML_ANY_INDEX ? MLOG_INDEX_ANY : op->index);
		break;
	case ML_OP_MSI_DEVICE_DOMAIN_ALLOC_WIRED:
	case ML_OP_DMAR_ALLOC_HWIRQ:
	case ML_OP_HPET_ASSIGN_IRQ:
		mlog_event_set(ev, MLOG_K_HWIRQ, (int64_t)op->hwirq);
		break;
	case ML_OP_IRQ_SET_AFFINITY: {
		char list[1024];
		size_t len = 0;

		mlog_event_set(ev, MLOG_K_VEC, op->vec);
		for (unsigned int c = 0; c < 256 && len < sizeof(list) - 8; c++)
			if (op->mask[c / 64] >> (c % 64) & 1)
				len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%u",
							len ? "," : "", c);
		mlog_event_set_str(ev, MLOG_K_MASK, list, len);
		break;
	}
	case ML_OP_DMAR_FREE_HWIRQ:
		break;
	case ML_OP_PLATFORM_DEVICE_MSI_INIT_AND_ALLOC_IRQS:
		mlog_event_set(ev, MLOG_K_NVEC, op->nvec);
		break;
	case ML_OP_CPU_OFFLINE:
	case ML_OP_CPU_ONLINE:
		mlog_event_set(ev, MLOG_K_CPU, op->cpu);
		break;
	case ML_OP_FAULT:
		mlog_event_set(ev, MLOG_K_POINT, op->point);
		if (op->skip)
			mlog_event_set(ev, MLOG_K_SKIP, op->skip);
		if (op->count != 1)
			mlog_event_set(ev, MLOG_K_COUNT, op->count);
		break;
	case ML_OP_PCI_ENABLE_DEVICE:
	case ML_OP_PCIM_ENABLE_DEVICE:
	case ML_OP_PCI_ENABLE_MSI:
	case ML_OP_PCI_DISABLE_MSI:
	case ML_OP_PCI_DISABLE_MSIX:
	case ML_OP_PCI_FREE_IRQ_VECTORS:
	case ML_OP_DRIVER_UNBIND:
	case ML_OP_DEVICE_REMOVE:
	case ML_OP_DEVICE_ADD:
	case ML_OP_MSI_REMOVE_DEVICE_IRQ_DOMAIN:
	case ML_OP_PLATFORM_DEVICE_MSI_FREE_IRQS_ALL:
		break;
	default:
		return -1;	/* an operation this writer does not know yet */
	}
	return 0;
}

/* ---- model events -> observations ---- */

void replay_event_to_mlog(const struct ml_event *me, struct mlog_event *ev)
{
	enum mlog_verb verb = (enum mlog_verb)(MLOG_V_O_FIRST + me->kind);
	const enum mlog_key *keys;
	unsigned int nkeys = mlog_verb_keys(verb, &keys);

	mlog_event_init(ev, verb);
	for (unsigned int i = 0; i < nkeys; i++) {
		enum mlog_key k = keys[i];

		switch (k) {
		case MLOG_K_DEV:
			if (me->dev >= 0)
				mlog_event_set(ev, k, me->dev);
			break;
		case MLOG_K_TYPE:
			if (me->type >= 0)
				mlog_event_set(ev, k, me->type);
			break;
		case MLOG_K_MIN: mlog_event_set(ev, k, me->min); break;
		case MLOG_K_MAX: mlog_event_set(ev, k, me->max); break;
		case MLOG_K_NVEC: mlog_event_set(ev, k, me->nvec); break;
		case MLOG_K_RET: mlog_event_set(ev, k, me->ret); break;
		case MLOG_K_DEVID: mlog_event_set(ev, k, me->devid); break;
		case MLOG_K_HWSIZE: mlog_event_set(ev, k, me->hwsize); break;
		case MLOG_K_INDEX: mlog_event_set(ev, k, me->index); break;
		case MLOG_K_VIRQ: mlog_event_set(ev, k, me->virq); break;
		case MLOG_K_NR: mlog_event_set(ev, k, me->nr); break;
		case MLOG_K_EVENTID: mlog_event_set(ev, k, me->eventid); break;
		case MLOG_K_LPI: mlog_event_set(ev, k, me->lpi); break;
		case MLOG_K_VALID: mlog_event_set(ev, k, me->valid); break;
		case MLOG_K_CPU: mlog_event_set(ev, k, me->cpu); break;
		case MLOG_K_HWIRQ: mlog_event_set(ev, k, (int64_t)me->hwirq); break;
		case MLOG_K_VECTOR: mlog_event_set(ev, k, me->vector); break;
		case MLOG_K_APICDEST: mlog_event_set(ev, k, me->apicdest); break;
		case MLOG_K_PREV_VECTOR: mlog_event_set(ev, k, me->prev_vector); break;
		case MLOG_K_PREV_CPU: mlog_event_set(ev, k, me->prev_cpu); break;
		case MLOG_K_BIT: mlog_event_set(ev, k, me->bit); break;
		case MLOG_K_RESERVED: mlog_event_set(ev, k, me->reserved); break;
		case MLOG_K_IS_MANAGED: mlog_event_set(ev, k, me->is_managed); break;
		case MLOG_K_CAN_RESERVE: mlog_event_set(ev, k, me->can_reserve); break;
		case MLOG_K_RESERVE: mlog_event_set(ev, k, me->reserve); break;
		case MLOG_K_HAS_RESERVED: mlog_event_set(ev, k, me->has_reserved); break;
		case MLOG_K_IS_LEGACY: mlog_event_set(ev, k, me->is_legacy); break;
		case MLOG_K_ONLINE: mlog_event_set(ev, k, me->online); break;
		case MLOG_K_AVL: mlog_event_set(ev, k, me->avl); break;
		case MLOG_K_ALLOC: mlog_event_set(ev, k, me->alloc); break;
		case MLOG_K_MANAGED: mlog_event_set(ev, k, me->managed); break;
		case MLOG_K_ONLINE_MAPS: mlog_event_set(ev, k, me->online_maps); break;
		case MLOG_K_GLOBAL_AVL: mlog_event_set(ev, k, me->global_avl); break;
		case MLOG_K_GLOBAL_RSVD: mlog_event_set(ev, k, me->global_rsvd); break;
		case MLOG_K_TOTAL_ALLOC: mlog_event_set(ev, k, me->total_alloc); break;
		case MLOG_K_NVECS:
		case MLOG_K_NR_ITES:
		case MLOG_K_LPI_BASE:
		case MLOG_K_NR_LPIS: {
			/* its_create_device reports sizes only when it succeeded */
			uint32_t val = k == MLOG_K_NVECS ? me->nvecs : k == MLOG_K_NR_ITES ? me->nr_ites :
				       k == MLOG_K_LPI_BASE ? me->lpi_base : me->nr_lpis;

			if (me->kind != ML_EV_ITS_CREATE_DEVICE || k == MLOG_K_NVECS || !me->ret)
				mlog_event_set(ev, k, val);
			break;
		}
		case MLOG_K_FN:
			if (me->fn)
				mlog_event_set_str(ev, k, me->fn, strlen(me->fn));
			break;
		case MLOG_K_SITE:
			if (me->site)
				mlog_event_set_str(ev, k, me->site, strlen(me->site));
			break;
		case MLOG_K_MSG:
			mlog_event_set_str(ev, k, me->msg, strlen(me->msg));
			break;
		default:
			break;
		}
	}
}

/* ---- one replay ---- */

struct step_events {
	uint32_t n, cap, overflow;
	struct ml_event *ev;
};

static void collect(void *arg, const struct ml_event *ev)
{
	struct step_events *s = arg;

	if (s->n == s->cap) {
		uint32_t cap = s->cap ? s->cap * 2 : 256;
		struct ml_event *p;

		if (cap > (1u << 20) || !(p = realloc(s->ev, cap * sizeof(*p)))) {
			s->overflow++;
			return;
		}
		s->ev = p;
		s->cap = cap;
	}
	s->ev[s->n++] = *ev;
}

struct replay_state {
	const char *path;
	const struct replay_opts *o;
	FILE *out;
	struct replay_result *res;
	const struct mlog_decls *decls;
	struct ml_ctx *m;
	struct step_events se;
	uint32_t cursor;		/* next model event to compare */
	uint32_t step_line;
	char step_text[MLOG_MAX_LINE + 1];
	bool in_step;
	bool step_diverged;
	bool lost;			/* events were lost: no more comparisons */
	bool seen_obs;			/* an observation line was read */
	bool concurrent;		/* allocation order no longer comparable */
	bool recording;			/* recording_starts read, or observations seen */
	uint32_t ndeferred;		/* "(nothing more)" findings of steps that may
					 * still turn out to predate the recording */
	struct { uint32_t line; char model[MLOG_MAX_LINE + 1]; uint32_t step_line;
		 uint32_t step; char step_text[160]; } deferred[8];
	uint32_t deferred_dropped;
	uint64_t observes;
	struct mlog_event tmp;		/* scratch, large */
	struct mlog_event tmp2;
	char buf_a[MLOG_MAX_LINE + 1];
	char buf_b[MLOG_MAX_LINE + 1];
};

static void add_finding(struct replay_result *res, const struct replay_finding *f)
{
	if (res->nfindings < REPLAY_MAX_FINDINGS)
		res->findings[res->nfindings++] = *f;
}

static void report_divergence(struct replay_state *st, uint32_t line, const char *kernel,
			      const char *model)
{
	struct replay_result *res = st->res;
	struct replay_finding f;

	st->step_diverged = true;
	res->divergences++;
	memset(&f, 0, sizeof(f));
	f.step = ml_step(st->m);
	f.line = line;
	snprintf(f.detail, sizeof(f.detail), "after \"%.150s\" (line %u): kernel: %.160s; model: %.160s",
		 st->step_text, st->step_line, kernel, model);
	add_finding(res, &f);
	if (!res->has_divergence) {
		res->has_divergence = true;
		res->first_divergence = f;
	}
	if (!st->o->quiet && !st->o->json)
		fprintf(st->out, "%s:%u: step %u: divergence after \"%s\" (line %u)\n"
			"    kernel: %s\n    model:  %s\n", st->path, line, f.step, st->step_text,
			st->step_line, kernel, model);
}

static bool observed(const struct replay_state *st, enum ml_ev_kind k)
{
	return (st->observes >> k) & 1;
}

/* Next model event of a kind the recording could see, or NULL. */
static const struct ml_event *next_model_event(struct replay_state *st)
{
	while (st->cursor < st->se.n) {
		const struct ml_event *me = &st->se.ev[st->cursor++];

		if (observed(st, me->kind))
			return me;
	}
	return NULL;
}

static const char *fmt_event(struct replay_state *st, const struct mlog_event *ev, char *buf)
{
	if (mlog_format_event(buf, MLOG_MAX_LINE + 1, st->decls, ev) < 0)
		snprintf(buf, MLOG_MAX_LINE + 1, "(%s)", mlog_verb_name(ev->verb));
	return buf;
}

/* The recording was on all along: the deferred findings stand. */
static void flush_deferred(struct replay_state *st)
{
	char saved[MLOG_MAX_LINE + 1];
	uint32_t saved_line = st->step_line;

	snprintf(saved, sizeof(saved), "%s", st->step_text);
	for (uint32_t i = 0; i < st->ndeferred; i++) {
		st->step_line = st->deferred[i].step_line;
		snprintf(st->step_text, sizeof(st->step_text), "%s", st->deferred[i].step_text);
		report_divergence(st, st->deferred[i].line, "(nothing more)", st->deferred[i].model);
		st->res->first_divergence.step = st->deferred[i].step;
	}
	st->res->divergences += st->deferred_dropped;
	st->ndeferred = 0;
	st->deferred_dropped = 0;
	st->step_line = saved_line;
	snprintf(st->step_text, sizeof(st->step_text), "%s", saved);
}

/*
 * x86: the irq_matrix counters are sampled under vector_lock while other
 * tasks allocate, so with overlapping stimuli they depend on the
 * interleaving (spec 11.10 item 3); the chosen bit, CPU and vector do not.
 */
static bool concurrent_x86_key(int k)
{
	return k == MLOG_K_AVL || k == MLOG_K_ALLOC || k == MLOG_K_MANAGED ||
	       k == MLOG_K_GLOBAL_AVL || k == MLOG_K_GLOBAL_RSVD || k == MLOG_K_TOTAL_ALLOC;
}

/* Compare one recorded observation with the model's next event. */
static void compare_observation(struct replay_state *st, const struct mlog_event *rec)
{
	const struct ml_event *me;
	struct mlog_event *model = &st->tmp, *kern = &st->tmp2;
	bool same = true;

	if (!st->recording) {
		flush_deferred(st);
		st->recording = true;
	}
	if (st->lost || !st->in_step)
		return;
	if (st->step_diverged)
		return;
	*kern = *rec;
	kern->present &= ~(MLOG_KEYBIT(MLOG_K_T) | MLOG_KEYBIT(MLOG_K_PID));
	me = next_model_event(st);
	if (!me) {
		report_divergence(st, rec->line, fmt_event(st, kern, st->buf_a),
				  "(nothing more)");
		return;
	}
	replay_event_to_mlog(me, model);
	if (model->verb != kern->verb) {
		same = false;
	} else {
		for (int k = 0; k < MLOG_K__COUNT; k++) {
			enum mlog_type t;

			if (!mlog_has(kern, (enum mlog_key)k) || k == MLOG_K_MSG)
				continue;
			if (st->concurrent && (k == MLOG_K_VIRQ || k == MLOG_K_LPI ||
					       k == MLOG_K_LPI_BASE || concurrent_x86_key(k))) {
				/* handed out in an order replay cannot reproduce */
				st->res->weakened++;
				continue;
			}
			if (!mlog_has(model, (enum mlog_key)k)) {
				same = false;
				break;
			}
			t = mlog_key_type((enum mlog_key)k);
			if (t == MLOG_T_STR || t == MLOG_T_NAME || t == MLOG_T_LIST) {
				if (kern->str_len[k] != model->str_len[k] ||
				    memcmp(mlog_str(kern, (enum mlog_key)k), mlog_str(model, (enum mlog_key)k),
					   kern->str_len[k])) {
					same = false;
					break;
				}
			} else if (kern->num[k] != model->num[k]) {
				same = false;
				break;
			}
		}
	}
	if (!same) {
		/* show the model side with the keys the recording has */
		model->present &= kern->present | MLOG_KEYBIT(MLOG_K_DEV);
		report_divergence(st, rec->line, fmt_event(st, kern, st->buf_a),
				  fmt_event(st, model, st->buf_b));
	}
}

/* End of a step: whatever the model still did was not seen by the kernel. */
static void finish_step(struct replay_state *st, uint32_t next_line)
{
	const struct ml_event *me;

	if (!st->in_step)
		return;
	if (st->observes && !st->lost) {
		st->res->compared++;
		if (!st->step_diverged && (me = next_model_event(st))) {
			replay_event_to_mlog(me, &st->tmp);
			fmt_event(st, &st->tmp, st->buf_b);
			if (!st->recording) {
				/*
				 * No observation yet: this step may be part of the
				 * initial state that a later recording_starts line
				 * declares.  Decide when we know.
				 */
				if (st->ndeferred < sizeof(st->deferred) / sizeof(st->deferred[0])) {
					typeof(st->deferred[0]) *d = &st->deferred[st->ndeferred++];

					d->line = next_line;
					d->step_line = st->step_line;
					d->step = ml_step(st->m);
					snprintf(d->model, sizeof(d->model), "%s", st->buf_b);
					snprintf(d->step_text, sizeof(d->step_text), "%.150s", st->step_text);
				} else {
					st->deferred_dropped++;
				}
			} else {
				report_divergence(st, next_line, "(nothing more)", st->buf_b);
			}
		}
	} else if (st->observes) {
		st->res->unknown++;
	}
	st->in_step = false;
}

void replay_print_state(FILE *f, const struct mlog_decls *decls, const struct ml_ctx *m)
{

	for (uint32_t i = 0; i < m->cfg.nits; i++) {
		const struct ml_its *s = &m->its[i];
		const char *its = decls->nits > i ? decls->its[i].name : "its0";

		for (uint32_t d = 0; d < m->nitsdev; d++) {
			const struct ml_its_device *dv = &m->itsdev[d];
			const uint64_t *map = &m->arena[dv->map];
			unsigned int b, e;
			const char *sep = "";

			if (!dv->live || dv->its != (int)i)
				continue;
			fprintf(f, "    %s: DevID 0x%x nr_ites %u LPIs %u+%u EventIDs {", its, dv->devid,
				dv->nr_ites, dv->lpi_base, dv->nr_lpis);
			for (b = find_next_bit(map, dv->nr_lpis, 0); b < dv->nr_lpis;
			     b = find_next_bit(map, dv->nr_lpis, e + 1)) {
				for (e = b; e + 1 < dv->nr_lpis && test_bit(e + 1, map); e++)
					;
				if (e == b)
					fprintf(f, "%s%u", sep, b);
				else
					fprintf(f, "%s%u-%u", sep, b, e);
				sep = ",";
			}
			fprintf(f, "}%s\n", dv->shared ? " shared" : "");
		}
		fprintf(f, "    %s: free LPIs", its);
		for (uint32_t r = 0; r < s->lpi.nr; r++)
			fprintf(f, " %u-%u", s->lpi.r[r].base, s->lpi.r[r].base + s->lpi.r[r].span - 1);
		if (!s->lpi.nr)
			fprintf(f, " none");
		fprintf(f, "\n");
	}
}

static void report_step(struct replay_state *st, int kret, bool has_kret)
{
	const struct ml_violation *v;
	unsigned int n = ml_violations(st->m, &v);
	struct replay_result *res = st->res;

	if (st->o->verbose && !st->o->json) {
		fprintf(st->out, "step %u line %u: %s", ml_step(st->m), st->step_line, st->step_text);
		if (has_kret)
			fprintf(st->out, "  => %d", kret);
		fputc('\n', st->out);
		for (uint32_t i = 0; i < st->se.n; i++) {
			replay_event_to_mlog(&st->se.ev[i], &st->tmp);
			fprintf(st->out, "  < %s\n", fmt_event(st, &st->tmp, st->buf_a) + 2);
		}
	}
	/* a WARN the kernel would print is reported, though it is no verdict */
	for (uint32_t i = 0; i < st->se.n; i++) {
		const struct ml_event *me = &st->se.ev[i];

		if (me->kind != ML_EV_WARN)
			continue;
		res->warnings++;
		if (!st->o->quiet && !st->o->json)
			fprintf(st->out, "%s:%u: step %u: WARNING in %s(): %s\n", st->path,
				st->step_line, ml_step(st->m), me->site, me->msg);
	}
	for (unsigned int i = 0; i < n; i++) {
		struct replay_finding f;

		memset(&f, 0, sizeof(f));
		f.step = ml_step(st->m);
		f.line = st->step_line;
		snprintf(f.inv, sizeof(f.inv), "%s", v[i].inv);
		if (v[i].bug)
			snprintf(f.bug, sizeof(f.bug), "%s", v[i].bug);
		snprintf(f.detail, sizeof(f.detail), "%s", v[i].detail);
		res->violations++;
		add_finding(res, &f);
		if (!res->has_violation) {
			res->has_violation = true;
			res->first_violation = f;
		}
		if (!st->o->quiet && !st->o->json)
			fprintf(st->out, "%s:%u: step %u: %s violated%s%s%s after \"%s\": %s\n",
				st->path, st->step_line, f.step, f.inv, f.bug[0] ? " [known bug " : "",
				f.bug, f.bug[0] ? "]" : "", st->step_text, f.detail);
	}
	if (st->o->verbose && !st->o->json)
		replay_print_state(st->out, st->decls, st->m);
	if (st->o->on_step) {
		struct replay_step s = {
			.step = ml_step(st->m), .line = st->step_line, .text = st->step_text,
			.kret = kret, .has_kret = has_kret, .ev = st->se.ev, .nev = st->se.n,
			.viol = v, .nviol = n, .decls = st->decls, .m = st->m,
		};

		st->o->on_step(st->o->on_step_arg, &s);
	}
}

static int bad_input(struct replay_state *st, uint32_t line, const char *fmt, const char *msg)
{
	struct replay_result *res = st->res;

	res->bad_input = true;
	snprintf(res->error.file, sizeof(res->error.file), "%s", st->path);
	res->error.line = line;
	res->error.col = 0;
	snprintf(res->error.msg, sizeof(res->error.msg), fmt, msg);
	return 2;
}

static struct ml_ctx *shared_ctx;

static struct ml_ctx *get_ctx(void)
{
	if (!shared_ctx)
		shared_ctx = calloc(1, ml_ctx_size());
	return shared_ctx;
}

int replay_exit_code(const struct replay_result *res)
{
	if (res->bad_input)
		return 2;
	return res->violations || res->divergences ? 1 : 0;
}

int replay_file(const char *path, const struct replay_opts *o, FILE *out,
		struct replay_result *res)
{
	struct replay_state *st;
	struct mlog_event *ev;
	struct mlog_reader *r;
	struct ml_config *cfg;
	struct ml_profile prof;
	char err[256];
	int rc, ret = 0;
	bool started = false;

	memset(res, 0, sizeof(*res));
	st = calloc(1, sizeof(*st));
	ev = malloc(sizeof(*ev));
	cfg = malloc(sizeof(*cfg));
	if (!st || !ev || !cfg || !get_ctx()) {
		free(st);
		free(ev);
		free(cfg);
		res->bad_input = true;
		snprintf(res->error.msg, sizeof(res->error.msg), "out of memory");
		return 2;
	}
	st->path = path;
	st->o = o;
	st->out = out;
	st->res = res;
	st->m = get_ctx();

	r = mlog_reader_open(path, &res->error);
	if (!r) {
		res->bad_input = true;
		ret = 2;
		goto out;
	}
	st->decls = mlog_reader_decls(r);
	for (;;) {
		int kret = 0;
		struct ml_op op;

		rc = mlog_read(r, ev);
		if (rc < 0) {
			res->bad_input = true;
			res->error = *mlog_reader_error(r);
			ret = 2;
			break;
		}
		if (rc == 0 || (!started && ev->verb != MLOG_V_NONE &&
				mlog_verb_class(ev->verb) != MLOG_C_HDR &&
				mlog_verb_class(ev->verb) != MLOG_C_DECL)) {
			if (!started) {
				/* declarations complete: build the machine */
				if (o->have_kernel) {
					prof = o->profile;
				} else if (ml_profile_from_release(st->decls->release, &prof)) {
					ret = bad_input(st, 0, "no behaviour profile for kernel release \"%s\": "
							"msilab models 6.1, 6.11-6.15 and 6.16+; pass --kernel",
							st->decls->release);
					break;
				}
				replay_apply_switches(&prof, &o->set);
				ml_profile_describe(&prof, res->profile, sizeof(res->profile));
				if (replay_config_from_decls(st->decls, &prof, cfg, err, sizeof(err))) {
					ret = bad_input(st, 0, "%s", err);
					break;
				}
				if (ml_ctx_init(st->m, cfg)) {
					ret = bad_input(st, 0, "%s", ml_error(st->m));
					break;
				}
				ml_set_full_check(st->m, o->full_check);
				ml_set_emit(st->m, collect, &st->se);
				st->observes = st->decls->has_observes ? st->decls->observes : 0;
				started = true;
			}
			if (rc == 0)
				break;
		}
		if (ev->verb == MLOG_V_NONE)
			continue;
		switch (mlog_verb_class(ev->verb)) {
		case MLOG_C_HDR:
		case MLOG_C_DECL:
			continue;
		case MLOG_C_META:
			if (ev->verb == MLOG_V_LOST) {
				finish_step(st, ev->line);
				st->lost = true;
			} else if (ev->verb == MLOG_V_CONCURRENT) {
				st->concurrent = true;
			} else if (ev->verb == MLOG_V_RECORDING_STARTS) {
				if (st->recording) {
					ret = bad_input(st, ev->line, "%s", "recording_starts after the "
							"first observation: the initial state must come first");
					goto stop;
				}
				/* the steps so far built the initial state: not compared */
				finish_step(st, ev->line);
				res->initial_steps = res->steps;
				res->compared = 0;
				st->ndeferred = 0;
				st->deferred_dropped = 0;
				st->recording = true;
			}
			continue;
		case MLOG_C_OBS:
			compare_observation(st, ev);
			continue;
		case MLOG_C_STIM:
			break;
		}
		finish_step(st, ev->line);
		if (replay_op_from_event(ev, &op)) {
			ret = bad_input(st, ev->line, "%s: not a stimulus", mlog_verb_name(ev->verb));
			break;
		}
		st->se.n = 0;
		st->cursor = 0;
		st->step_diverged = false;
		st->step_line = ev->line;
		st->tmp = *ev;
		st->tmp.present &= ~(MLOG_KEYBIT(MLOG_K_T) | MLOG_KEYBIT(MLOG_K_PID));
		fmt_event(st, &st->tmp, st->step_text);
		if (ml_apply(st->m, &op, &kret)) {
			ret = bad_input(st, ev->line, "%s", ml_error(st->m));
			res->error.col = 1;
			break;
		}
		res->steps++;
		st->in_step = true;
		report_step(st, kret, ml_op_name(op.kind) && op.kind != ML_OP_FAULT);
	}
stop:
	if (!ret) {
		finish_step(st, 0);
		flush_deferred(st);
		ret = replay_exit_code(res);
	}
	mlog_reader_close(r);
out:
	free(st->se.ev);
	free(st);
	free(ev);
	free(cfg);
	return ret;
}

void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* ---- two profiles side by side ---- */

static void describe_side(FILE *out, const char *name, const struct mlog_decls *decls,
			  const struct ml_ctx *m, const struct step_events *se, int kret,
			  struct mlog_event *tmp, char *buf)
{
	const struct ml_violation *v;
	unsigned int n = ml_violations(m, &v);

	fprintf(out, "  %s: returned %d\n", name, kret);
	for (uint32_t i = 0; i < se->n; i++) {
		replay_event_to_mlog(&se->ev[i], tmp);
		if (mlog_format_event(buf, MLOG_MAX_LINE + 1, decls, tmp) < 0)
			snprintf(buf, MLOG_MAX_LINE + 1, "< %s", mlog_verb_name(tmp->verb));
		fprintf(out, "    %s\n", buf);
	}
	for (unsigned int i = 0; i < n; i++)
		fprintf(out, "    %s violated%s%s%s: %s\n", v[i].inv, v[i].bug ? " [known bug " : "",
			v[i].bug ? v[i].bug : "", v[i].bug ? "]" : "", v[i].detail);
	replay_print_state(out, decls, m);
}

/* The same step's behaviour, as text, for comparison. */
static void step_digest(const struct mlog_decls *decls, const struct ml_ctx *m,
			const struct step_events *se, int kret, struct mlog_event *tmp,
			char *buf, char *digest, size_t n)
{
	const struct ml_violation *v;
	unsigned int nv = ml_violations(m, &v);
	size_t len = (size_t)snprintf(digest, n, "%d|", kret);

	for (uint32_t i = 0; i < se->n && len < n; i++) {
		replay_event_to_mlog(&se->ev[i], tmp);
		mlog_format_event(buf, MLOG_MAX_LINE + 1, decls, tmp);
		len += (size_t)snprintf(digest + len, n - len, "%s|", buf);
	}
	for (unsigned int i = 0; i < nv && len < n; i++)
		len += (size_t)snprintf(digest + len, n - len, "%s|", v[i].inv);
}

int replay_diff(const char *path, const struct ml_profile *pa, const struct ml_profile *pb,
		FILE *out, struct mlog_error *error)
{
	enum { DIGEST = 1 << 16 };
	struct ml_ctx *ma = calloc(1, ml_ctx_size()), *mb = calloc(1, ml_ctx_size());
	struct step_events sa = { 0 }, sb = { 0 };
	struct mlog_event *ev = malloc(sizeof(*ev)), *tmp = malloc(sizeof(*tmp));
	struct ml_config *cfg = malloc(sizeof(*cfg));
	char *da = malloc(DIGEST), *db = malloc(DIGEST), *buf = malloc(MLOG_MAX_LINE + 1);
	char step_text[MLOG_MAX_LINE + 1], na[96], nb[96], err[256];
	const struct mlog_decls *decls;
	struct mlog_reader *r = NULL;
	bool started = false;
	uint32_t steps = 0;
	int rc, ret = 0;

	memset(error, 0, sizeof(*error));
	snprintf(error->file, sizeof(error->file), "%s", path);
	if (!ma || !mb || !ev || !tmp || !cfg || !da || !db || !buf) {
		snprintf(error->msg, sizeof(error->msg), "out of memory");
		ret = 2;
		goto out;
	}
	ml_profile_describe(pa, na, sizeof(na));
	ml_profile_describe(pb, nb, sizeof(nb));
	r = mlog_reader_open(path, error);
	if (!r) {
		ret = 2;
		goto out;
	}
	decls = mlog_reader_decls(r);
	for (;;) {
		struct ml_op op;
		int ka = 0, kb = 0;

		rc = mlog_read(r, ev);
		if (rc < 0) {
			*error = *mlog_reader_error(r);
			ret = 2;
			break;
		}
		if (rc == 0)
			break;
		if (ev->verb == MLOG_V_NONE || mlog_verb_class(ev->verb) != MLOG_C_STIM)
			continue;
		if (!started) {
			if (replay_config_from_decls(decls, pa, cfg, err, sizeof(err)) ||
			    ml_ctx_init(ma, cfg) ||
			    replay_config_from_decls(decls, pb, cfg, err, sizeof(err)) ||
			    ml_ctx_init(mb, cfg)) {
				snprintf(error->msg, sizeof(error->msg), "%s",
					 ml_error(ma)[0] ? ml_error(ma) : ml_error(mb)[0] ? ml_error(mb) : err);
				ret = 2;
				break;
			}
			ml_set_emit(ma, collect, &sa);
			ml_set_emit(mb, collect, &sb);
			started = true;
		}
		replay_op_from_event(ev, &op);
		*tmp = *ev;
		tmp->present &= ~(MLOG_KEYBIT(MLOG_K_T) | MLOG_KEYBIT(MLOG_K_PID));
		mlog_format_event(step_text, sizeof(step_text), decls, tmp);
		sa.n = sb.n = 0;
		if (ml_apply(ma, &op, &ka) || ml_apply(mb, &op, &kb)) {
			bool fa = ml_error(ma)[0];

			error->line = ev->line;
			error->col = 1;
			snprintf(error->msg, sizeof(error->msg), "%s: %s", fa ? na : nb,
				 fa ? ml_error(ma) : ml_error(mb));
			ret = 2;
			break;
		}
		steps++;
		step_digest(decls, ma, &sa, ka, tmp, buf, da, DIGEST);
		step_digest(decls, mb, &sb, kb, tmp, buf, db, DIGEST);
		if (strcmp(da, db)) {
			fprintf(out, "%s:%u: step %u \"%s\": %s and %s first differ here\n", path,
				ev->line, steps, step_text, na, nb);
			describe_side(out, na, decls, ma, &sa, ka, tmp, buf);
			describe_side(out, nb, decls, mb, &sb, kb, tmp, buf);
			ret = 1;
			break;
		}
	}
	if (!ret)
		fprintf(out, "%s: %s and %s behave the same over %u step%s\n", path, na, nb, steps,
			steps == 1 ? "" : "s");
out:
	if (r)
		mlog_reader_close(r);
	free(sa.ev);
	free(sb.ev);
	free(ma);
	free(mb);
	free(ev);
	free(tmp);
	free(cfg);
	free(da);
	free(db);
	free(buf);
	return ret;
}
