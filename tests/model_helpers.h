/* SPDX-License-Identifier: GPL-2.0 */
/*
 * model_helpers.h - shared helpers of the model unit tests
 * (test_invariants.c, test_model_its.c, test_model_pci.c): build an
 * ml_config with devices, run one machine, apply operations, collect the
 * emitted events into an array and look for violations.
 *
 * Everything is static inline so that each test file uses what it needs
 * without unused-function warnings.  Include after <cmocka.h>.
 */
#ifndef MSILAB_TESTS_MODEL_HELPERS_H
#define MSILAB_TESTS_MODEL_HELPERS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internals.h"

#define MH_MAX_EVENTS	8192

/** struct mh - one simulated machine and what it reported */
struct mh {
	struct ml_config cfg;
	struct ml_ctx *m;
	uint32_t nev;
	struct ml_event ev[MH_MAX_EVENTS];
	/* optional hook run for every event, before it is recorded */
	void (*hook)(struct mh *h, const struct ml_event *ev);
	void *hook_arg;
	/* violations of every step since the last mh_clear() */
	uint32_t nviol;
	struct ml_violation viol[256];
};

static inline struct mh *mh_new(void)
{
	struct mh *h = calloc(1, sizeof(*h));

	if (!h)
		fail_msg("out of memory");
	h->m = calloc(1, ml_ctx_size());
	if (!h->m)
		fail_msg("out of memory");
	return h;
}

static inline void mh_free(struct mh *h)
{
	if (!h)
		return;
	free(h->m);
	free(h);
}

/* cmocka setup/teardown: *state is a struct mh */
static inline int mh_setup(void **state)
{
	*state = mh_new();
	return 0;
}

static inline int mh_teardown(void **state)
{
	mh_free(*state);
	return 0;
}

/* A machine of profile @profile ("6.1", "6.12", ...) with no device yet. */
static inline void mh_config(struct mh *h, const char *profile)
{
	ml_config_init(&h->cfg);
	if (ml_profile_lookup(profile, &h->cfg.profile))
		fail_msg("unknown profile %s", profile);
}

static inline void mh_switch(struct mh *h, enum ml_switch s, bool on)
{
	if (on)
		h->cfg.profile.sw |= 1ull << s;
	else
		h->cfg.profile.sw &= ~(1ull << s);
}

/* A PCI device; @bdf = bus << 8 | devfn.  Returns its index. */
static inline int mh_pci(struct mh *h, const char *name, uint32_t bdf, uint32_t devid,
			 uint32_t msi, uint32_t msix)
{
	struct ml_dev_config *d;

	assert_true(h->cfg.ndev < ML_MAX_DEVS);
	d = &h->cfg.dev[h->cfg.ndev];
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->pci = true;
	d->bdf = bdf;
	d->devid = devid;
	d->msi = msi;
	d->msix = msix;
	d->intx = true;
	d->alias = -1;
	d->its = 0;
	return (int)h->cfg.ndev++;
}

/* A platform (device MSI) device with DevID @devid. */
static inline int mh_platform(struct mh *h, const char *name, uint32_t devid, bool wired)
{
	struct ml_dev_config *d;

	assert_true(h->cfg.ndev < ML_MAX_DEVS);
	d = &h->cfg.dev[h->cfg.ndev];
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->devid = devid;
	d->alias = -1;
	d->wired = wired;
	return (int)h->cfg.ndev++;
}

/* Linux irqs [@first, @last] in use before the run starts. */
static inline void mh_irqs_used(struct mh *h, uint32_t first, uint32_t last)
{
	for (uint32_t v = first; v <= last; v++)
		h->cfg.irqs_used[v / 64] |= 1ull << (v % 64);
}

static inline void mh_emit(void *arg, const struct ml_event *ev)
{
	struct mh *h = arg;

	if (h->hook)
		h->hook(h, ev);
	if (h->nev < MH_MAX_EVENTS)
		h->ev[h->nev++] = *ev;
}

/* Build the machine from h->cfg. */
static inline void mh_start(struct mh *h)
{
	if (ml_ctx_init(h->m, &h->cfg))
		fail_msg("ml_ctx_init: %s", ml_error(h->m));
	ml_set_emit(h->m, mh_emit, h);
	h->nev = 0;
	h->nviol = 0;
}

/* Forget the events and violations collected so far. */
static inline void mh_clear(struct mh *h)
{
	h->nev = 0;
	h->nviol = 0;
}

static inline void mh_keep_viol(struct mh *h)
{
	const struct ml_violation *v;
	unsigned int n = ml_violations(h->m, &v);

	for (unsigned int i = 0; i < n && h->nviol < 256; i++)
		h->viol[h->nviol++] = v[i];
}

/* Apply @op; the operation must be possible.  Returns the kernel's value. */
static inline int mh_op(struct mh *h, struct ml_op op)
{
	int kret = 0;

	if (ml_apply(h->m, &op, &kret))
		fail_msg("%s refused: %s", ml_op_name(op.kind), ml_error(h->m));
	mh_keep_viol(h);
	return kret;
}

/* Apply @op expecting the model to refuse it (-1). */
static inline void mh_op_refused(struct mh *h, struct ml_op op)
{
	int kret = 0;

	assert_int_equal(ml_apply(h->m, &op, &kret), -1);
}

/* Run the state invariants now, on this step's violation list only. */
static inline void mh_check(struct mh *h)
{
	h->m->nviol = 0;
	ml_check_invariants(h->m);
	mh_keep_viol(h);
}

/* ---- operations ---- */

static inline int mh_enable(struct mh *h, int dev)
{
	return mh_op(h, (struct ml_op){ .kind = ML_OP_PCI_ENABLE_DEVICE, .dev = dev });
}

static inline int mh_pcim_enable(struct mh *h, int dev)
{
	return mh_op(h, (struct ml_op){ .kind = ML_OP_PCIM_ENABLE_DEVICE, .dev = dev });
}

static inline int mh_alloc_aff(struct mh *h, int dev, int min, int max, uint32_t flags,
			       uint32_t pre, uint32_t post)
{
	return mh_op(h, (struct ml_op){ .kind = ML_OP_PCI_ALLOC_IRQ_VECTORS, .dev = dev,
					.min = min, .max = max, .flags = flags,
					.pre = pre, .post = post });
}

static inline int mh_alloc(struct mh *h, int dev, int min, int max, uint32_t flags)
{
	return mh_alloc_aff(h, dev, min, max, flags, 0, 0);
}

static inline int mh_pcim_alloc(struct mh *h, int dev, int min, int max, uint32_t flags)
{
	return mh_op(h, (struct ml_op){ .kind = ML_OP_PCIM_ALLOC_IRQ_VECTORS, .dev = dev,
					.min = min, .max = max, .flags = flags });
}

static inline int mh_enable_msix_range(struct mh *h, int dev, int min, int max)
{
	return mh_op(h, (struct ml_op){ .kind = ML_OP_PCI_ENABLE_MSIX_RANGE, .dev = dev,
					.min = min, .max = max });
}

static inline int mh_enable_msi(struct mh *h, int dev)
{
	return mh_op(h, (struct ml_op){ .kind = ML_OP_PCI_ENABLE_MSI, .dev = dev });
}

static inline void mh_free_vectors(struct mh *h, int dev)
{
	mh_op(h, (struct ml_op){ .kind = ML_OP_PCI_FREE_IRQ_VECTORS, .dev = dev });
}

static inline int mh_request(struct mh *h, int dev, uint32_t vec)
{
	return mh_op(h, (struct ml_op){ .kind = ML_OP_REQUEST_IRQ, .dev = dev, .vec = vec });
}

static inline int mh_free_irq(struct mh *h, int dev, uint32_t vec)
{
	return mh_op(h, (struct ml_op){ .kind = ML_OP_FREE_IRQ, .dev = dev, .vec = vec });
}

static inline void mh_unbind(struct mh *h, int dev)
{
	mh_op(h, (struct ml_op){ .kind = ML_OP_DRIVER_UNBIND, .dev = dev });
}

static inline void mh_remove(struct mh *h, int dev)
{
	mh_op(h, (struct ml_op){ .kind = ML_OP_DEVICE_REMOVE, .dev = dev });
}

static inline void mh_add(struct mh *h, int dev)
{
	mh_op(h, (struct ml_op){ .kind = ML_OP_DEVICE_ADD, .dev = dev });
}

static inline void mh_fault(struct mh *h, enum ml_fault point, uint32_t skip, uint32_t count)
{
	mh_op(h, (struct ml_op){ .kind = ML_OP_FAULT, .point = point, .skip = skip,
				 .count = count });
}

static inline int mh_create_domain(struct mh *h, int dev, uint32_t hwsize)
{
	return mh_op(h, (struct ml_op){ .kind = ML_OP_MSI_CREATE_DEVICE_IRQ_DOMAIN, .dev = dev,
					.hwsize = hwsize });
}

static inline void mh_remove_domain(struct mh *h, int dev)
{
	mh_op(h, (struct ml_op){ .kind = ML_OP_MSI_REMOVE_DEVICE_IRQ_DOMAIN, .dev = dev });
}

static inline int mh_alloc_range(struct mh *h, int dev, uint32_t first, uint32_t last)
{
	return mh_op(h, (struct ml_op){ .kind = ML_OP_MSI_DOMAIN_ALLOC_IRQS_RANGE, .dev = dev,
					.first = first, .last = last });
}

static inline void mh_free_range(struct mh *h, int dev, uint32_t first, uint32_t last)
{
	mh_op(h, (struct ml_op){ .kind = ML_OP_MSI_DOMAIN_FREE_IRQS_RANGE, .dev = dev,
				 .first = first, .last = last });
}

/* ---- events ---- */

static inline uint32_t mh_count(const struct mh *h, enum ml_ev_kind kind)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < h->nev; i++)
		n += h->ev[i].kind == kind;
	return n;
}

/* The @n-th (from 0) event of @kind, or NULL. */
static inline const struct ml_event *mh_nth(const struct mh *h, enum ml_ev_kind kind, uint32_t n)
{
	for (uint32_t i = 0; i < h->nev; i++)
		if (h->ev[i].kind == kind && n-- == 0)
			return &h->ev[i];
	return NULL;
}

static inline const struct ml_event *mh_must(const struct mh *h, enum ml_ev_kind kind, uint32_t n)
{
	const struct ml_event *e = mh_nth(h, kind, n);

	if (!e)
		fail_msg("no event #%u of kind %d (%u events)", n, (int)kind, h->nev);
	return e;
}

/* Index in h->ev of the @n-th event of @kind, or -1. */
static inline int mh_pos(const struct mh *h, enum ml_ev_kind kind, uint32_t n)
{
	for (uint32_t i = 0; i < h->nev; i++)
		if (h->ev[i].kind == kind && n-- == 0)
			return (int)i;
	return -1;
}

/* MAPD events with valid == @valid */
static inline uint32_t mh_count_mapd(const struct mh *h, bool valid)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < h->nev; i++)
		n += h->ev[i].kind == ML_EV_MAPD && (h->ev[i].valid != 0) == valid;
	return n;
}

/* WARN events from kernel function @site */
static inline uint32_t mh_count_warn(const struct mh *h, const char *site)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < h->nev; i++)
		n += h->ev[i].kind == ML_EV_WARN && h->ev[i].site && !strcmp(h->ev[i].site, site);
	return n;
}

/*
 * The events of the kinds in @keep (terminated by ML_EV__COUNT), in order,
 * must be exactly @want (@n kinds).
 */
static inline void mh_assert_sequence(const struct mh *h, const enum ml_ev_kind *keep,
				      const enum ml_ev_kind *want, uint32_t n)
{
	uint32_t j = 0;

	for (uint32_t i = 0; i < h->nev; i++) {
		bool kept = false;

		for (const enum ml_ev_kind *k = keep; *k != ML_EV__COUNT; k++)
			kept |= h->ev[i].kind == *k;
		if (!kept)
			continue;
		if (j >= n)
			fail_msg("unexpected extra event kind %d at #%u", (int)h->ev[i].kind, i);
		if (h->ev[i].kind != want[j])
			fail_msg("event #%u (filtered %u): kind %d, want %d", i, j,
				 (int)h->ev[i].kind, (int)want[j]);
		j++;
	}
	if (j != n)
		fail_msg("only %u of %u expected events", j, n);
}

/* ---- violations ---- */

/* Violations of @inv collected since mh_clear(); *@bug gets the last one's bug. */
static inline uint32_t mh_viol(const struct mh *h, const char *inv, const char **bug)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < h->nviol; i++) {
		if (!strcmp(h->viol[i].inv, inv)) {
			if (bug)
				*bug = h->viol[i].bug;
			n++;
		}
	}
	return n;
}

/* @inv fired with known-bug id @bug (NULL: untagged). */
static inline void mh_assert_viol(const struct mh *h, const char *inv, const char *bug)
{
	for (uint32_t i = 0; i < h->nviol; i++) {
		const char *b = h->viol[i].bug;

		if (strcmp(h->viol[i].inv, inv))
			continue;
		if ((!bug && !b) || (bug && b && !strcmp(bug, b)))
			return;
	}
	for (uint32_t i = 0; i < h->nviol; i++)
		print_message("  have %s (%s): %s\n", h->viol[i].inv,
			      h->viol[i].bug ? h->viol[i].bug : "-", h->viol[i].detail);
	fail_msg("%s (bug %s) did not fire", inv, bug ? bug : "none");
}

/* Detail text of the first collected violation of @inv, or "" */
static inline const char *mh_viol_detail(const struct mh *h, const char *inv)
{
	for (uint32_t i = 0; i < h->nviol; i++)
		if (!strcmp(h->viol[i].inv, inv))
			return h->viol[i].detail;
	return "";
}

static inline void mh_assert_no_viol(const struct mh *h, const char *inv)
{
	for (uint32_t i = 0; i < h->nviol; i++)
		if (!strcmp(h->viol[i].inv, inv))
			fail_msg("%s fired: %s", inv, h->viol[i].detail);
}

static inline void mh_assert_clean(const struct mh *h)
{
	if (h->nviol)
		fail_msg("%u violation(s), first %s: %s", h->nviol, h->viol[0].inv,
			 h->viol[0].detail);
}

/* ---- state ---- */

/* The live its_device with @devid on ITS 0, or -1. */
static inline int mh_itsdev(const struct mh *h, uint32_t devid)
{
	for (uint32_t i = 0; i < h->m->nitsdev; i++)
		if (h->m->itsdev[i].live && h->m->itsdev[i].devid == devid)
			return (int)i;
	return -1;
}

static inline struct ml_its_device *mh_itsdev_must(const struct mh *h, uint32_t devid)
{
	int i = mh_itsdev(h, devid);

	if (i < 0)
		fail_msg("no live its_device for DevID 0x%x", devid);
	return &h->m->itsdev[i];
}

/* Linux irq of vector @vec of PCI device @dev, or a negative error */
static inline int mh_virq(const struct mh *h, int dev, uint32_t vec)
{
	return pci_irq_vector(h->m, dev, vec);
}

#endif /* MSILAB_TESTS_MODEL_HELPERS_H */
