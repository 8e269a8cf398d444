// SPDX-License-Identifier: GPL-2.0
/*
 * test_invariants_incremental.c - ml_apply() checks the state invariants on
 * the scope of each operation (model/invariants.c, model/README.md); with
 * ml_set_full_check() it checks every object.  Over the fuzz seed corpus
 * and a few thousand generated scenarios (random bytes and structure-aware
 * mutation chains, every profile, switch toggle and fault point), both
 * report exactly the same violations, in the same order, at the same steps.
 * The same scenarios also give the same results on a context rebuilt by
 * ml_ctx_reconfigure() and on a fresh ml_ctx_init() one.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "commands.h"
#include "decoder.h"
#include "internals.h"
#include "mutator.h"

#define SEED_DIRS_N	2
static const char *const seed_dirs[SEED_DIRS_N] = {
	MSILAB_SOURCE_DIR "/fuzz/seeds/model",
	MSILAB_SOURCE_DIR "/fuzz/seeds/model-bugs",
};

static struct ml_ctx *full, *incr, *fresh;
static bool have_machine;
static struct fz_scenario sc;
static uint8_t buf[FZ_MAX_INPUT];
static uint64_t rng_state = 0x2545f4914f6cdd1dull;

/* what the comparison saw, to show that it compared something */
static struct {
	uint64_t scenarios, steps, violations, scoped_steps, arm64_steps;
} seen;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)rng_state;
}

static int setup(void **state)
{
	(void)state;
	full = malloc(ml_ctx_size());
	incr = malloc(ml_ctx_size());
	fresh = malloc(ml_ctx_size());
	return full && incr && fresh ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(full);
	free(incr);
	free(fresh);
	return 0;
}

static void describe(const struct ml_ctx *m, char *out, size_t n)
{
	const struct ml_violation *v;
	unsigned int nv = ml_violations(m, &v);
	size_t len = (size_t)snprintf(out, n, "%u/%u:", nv, ml_violations_total(m));

	for (unsigned int i = 0; i < nv && len < n; i++)
		len += (size_t)snprintf(out + len, n - len, " [%s %s %s]", v[i].inv,
					v[i].bug ? v[i].bug : "-", v[i].detail);
}

/* The violation lists of @a and @b at this step are the same. */
static void assert_same_step(const struct ml_ctx *a, const struct ml_ctx *b, const char *what,
			     uint32_t step, const struct ml_op *op)
{
	const struct ml_violation *va, *vb;
	unsigned int na = ml_violations(a, &va), nb = ml_violations(b, &vb);
	bool same = na == nb && ml_violations_total(a) == ml_violations_total(b);

	for (unsigned int i = 0; same && i < na; i++)
		same = !strcmp(va[i].inv, vb[i].inv) && !strcmp(va[i].detail, vb[i].detail) &&
		       (va[i].bug == vb[i].bug ||
			(va[i].bug && vb[i].bug && !strcmp(va[i].bug, vb[i].bug)));
	if (!same) {
		static char da[4096], db[4096];

		describe(a, da, sizeof(da));
		describe(b, db, sizeof(db));
		fz_write_mlog(stderr, &sc, "scenario whose checks differ");
		fail_msg("%s: step %u (%s) differs:\n  %s\n  %s", what, step, ml_op_name(op->kind),
			 da, db);
	}
}

/* Run @sc on the three contexts, comparing every step. */
static void run_scenario(bool with_fresh)
{
	struct ml_config cfg;

	fz_config(&sc, &cfg);
	if (!have_machine) {
		assert_int_equal(ml_ctx_init(full, &cfg), 0);
		assert_int_equal(ml_ctx_init(incr, &cfg), 0);
		have_machine = true;
	} else {
		assert_int_equal(ml_ctx_reconfigure(full, &cfg), 0);
		assert_int_equal(ml_ctx_reconfigure(incr, &cfg), 0);
	}
	ml_set_full_check(full, true);
	if (with_fresh) {
		assert_int_equal(ml_ctx_init(fresh, &cfg), 0);
		ml_set_full_check(fresh, true);
	}
	seen.scenarios++;
	for (uint32_t i = 0; i < sc.nops; i++) {
		const struct ml_op *op = &sc.op[i];
		int ka, kb, kc, ra, rb, rc;

		ra = ml_apply(full, op, &ka);
		rb = ml_apply(incr, op, &kb);
		if (ra || rb)
			fail_msg("step %u (%s) refused: %s", i + 1, ml_op_name(op->kind),
				 ml_error(ra ? full : incr));
		assert_int_equal(ka, kb);
		seen.steps++;
		seen.violations += ml_violations(full, &(const struct ml_violation *){ NULL });
		seen.scoped_steps += !incr->inv.all;
		seen.arm64_steps += !incr->cfg.x86;	/* x86 machines are checked whole */
		assert_same_step(full, incr, "incremental vs full check", i + 1, op);
		if (with_fresh) {
			rc = ml_apply(fresh, op, &kc);
			assert_int_equal(rc, 0);
			assert_int_equal(ka, kc);
			assert_same_step(fresh, full, "ml_ctx_init vs ml_ctx_reconfigure", i + 1, op);
		}
	}
}

static size_t read_file(const char *path, uint8_t *out, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	assert_non_null(f);
	n = fread(out, 1, cap, f);
	fclose(f);
	return n;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The seed files, in name order (for a reproducible mutation walk). */
static unsigned int list_seeds(char **paths, unsigned int cap)
{
	static char store[256][1024];
	unsigned int n = 0;

	if (cap > 256)
		cap = 256;
	for (int d = 0; d < SEED_DIRS_N; d++) {
		DIR *dir = opendir(seed_dirs[d]);
		struct dirent *de;

		assert_non_null(dir);
		while ((de = readdir(dir)) && n < cap) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(store[n], sizeof(store[n]), "%s/%s", seed_dirs[d], de->d_name);
			paths[n] = store[n];
			n++;
		}
		closedir(dir);
	}
	qsort(paths, n, sizeof(paths[0]), cmp);
	return n;
}

/* Every seed under every target's decoder options. */
static void test_seed_corpus(void **state)
{
	char *paths[256];
	unsigned int n = list_seeds(paths, 256);

	(void)state;
	assert_true(n >= 10);
	for (unsigned int i = 0; i < n; i++) {
		size_t len = read_file(paths[i], buf, sizeof(buf));

		for (const char *const *t = fz_targets; *t; t++) {
			struct fz_options o;

			assert_int_equal(fz_target_options(*t, &o), 0);
			fz_decode(buf, len, &o, &sc);
			run_scenario(true);
		}
	}
	/* the seeds of known bugs break invariants: the comparison saw them */
	assert_true(seen.violations > 0);
}

static void random_input(uint8_t *p, size_t *len)
{
	*len = rnd() % 3 ? rnd() % 1100 : rnd() % 200;
	for (size_t i = 0; i < *len; i++)
		p[i] = (uint8_t)rnd();
	/* small counts and few devices more often than uniform bytes give */
	for (size_t off = FZ_OPS_OFFSET; off + FZ_OP_SIZE <= *len; off += FZ_OP_SIZE) {
		if (rnd() % 2) {
			p[off + 3] = 0;
			p[off + 5] = 0;
			p[off + 2] %= 40;
			p[off + 4] %= 40;
		}
	}
}

/*
 * Generated scenarios: random bytes, and chains of structure-aware
 * mutations and crossovers starting from the seeds, decoded with every
 * profile, toggle and fault point allowed (target fuzz_model).
 */
static void test_generated(void **state)
{
	static uint8_t other[FZ_MAX_INPUT], out[FZ_MAX_INPUT];
	char *paths[256];
	unsigned int nseeds = list_seeds(paths, 256);
	uint64_t violations0 = seen.violations;
	struct fz_options o;
	size_t len = 0;

	(void)state;
	assert_int_equal(fz_target_options("fuzz_model", &o), 0);
	for (unsigned int i = 0; i < 3000; i++) {
		if (i % 3 == 0) {
			random_input(buf, &len);
		} else if (i % 40 == 1 || len == 0) {
			len = read_file(paths[rnd() % nseeds], buf, sizeof(buf));
		} else if (i % 5 == 2) {
			size_t olen = read_file(paths[rnd() % nseeds], other, sizeof(other));

			len = fz_crossover(buf, len, other, olen, out, sizeof(out), rnd(), &o);
			memcpy(buf, out, len);
		} else {
			for (unsigned int k = 1 + rnd() % 4; k; k--)
				len = fz_mutate(buf, len, 1024, rnd(), &o, NULL);
		}
		fz_decode(buf, len, &o, &sc);
		run_scenario(i < 200);
	}
	assert_true(seen.violations > violations0);
	/* the steps of arm64 machines were checked on their scope, not whole */
	assert_true(seen.arm64_steps > 0 && seen.scoped_steps == seen.arm64_steps);
	print_message("%llu scenarios, %llu steps (%llu scoped), %llu violations compared\n",
		      (unsigned long long)seen.scenarios, (unsigned long long)seen.steps,
		      (unsigned long long)seen.scoped_steps, (unsigned long long)seen.violations);
}

/*
 * The scope is what makes the difference: a violation planted outside the
 * operation's scope is seen by the full check at once and by the scoped
 * check only when an operation reaches the object (or by ml_check_invariants()).
 */
static void test_scope_is_bounded(void **state)
{
	struct ml_config cfg;
	struct ml_op op;
	int k;

	(void)state;
	ml_config_init(&cfg);
	ml_profile_lookup("6.16", &cfg.profile);
	cfg.ndev = 2;
	for (int d = 0; d < 2; d++) {
		snprintf(cfg.dev[d].name, sizeof(cfg.dev[d].name), "pci%d", d);
		cfg.dev[d].pci = true;
		cfg.dev[d].bdf = 0x100 + (uint32_t)d * 8;
		cfg.dev[d].devid = cfg.dev[d].bdf;
		cfg.dev[d].msix = 8;
		cfg.dev[d].alias = -1;
	}
	for (int mode = 0; mode < 2; mode++) {
		struct ml_ctx *m = mode ? full : incr;

		assert_int_equal(ml_ctx_init(m, &cfg), 0);
		ml_set_full_check(m, mode);
		memset(&op, 0, sizeof(op));
		op.kind = ML_OP_PCI_ENABLE_DEVICE;
		op.dev = 0;
		assert_int_equal(ml_apply(m, &op, &k), 0);
		op.dev = 1;
		assert_int_equal(ml_apply(m, &op, &k), 0);
		/* corrupt pci1: MSI and MSI-X both enabled (INV-C1) */
		m->dev[1].msi_enabled = m->dev[1].msix_enabled = true;
		/* an operation on pci0 */
		op.kind = ML_OP_PCI_ALLOC_IRQ_VECTORS;
		op.dev = 0;
		op.min = op.max = 2;
		op.flags = ML_PCI_IRQ_MSIX;
		assert_int_equal(ml_apply(m, &op, &k), 0);
		assert_int_equal(k, 2);
		assert_int_equal(ml_violations_total(m), mode ? 1 : 0);
		if (!mode) {
			m->nviol = 0;
			ml_check_invariants(m);
			assert_int_equal(ml_violations_total(m), 1);
		}
	}
}

/* Two contexts on one platform device "plat0" (6.16), one per check mode. */
static void two_platform(void)
{
	struct ml_config cfg;

	ml_config_init(&cfg);
	ml_profile_lookup("6.16", &cfg.profile);
	cfg.ndev = 1;
	snprintf(cfg.dev[0].name, sizeof(cfg.dev[0].name), "plat0");
	cfg.dev[0].devid = 0x40;
	cfg.dev[0].alias = -1;
	assert_int_equal(ml_ctx_init(full, &cfg), 0);
	assert_int_equal(ml_ctx_init(incr, &cfg), 0);
	ml_set_full_check(full, true);
	have_machine = false;
}

/* Apply @op on both; both report @nviol violations of @inv at this step. */
static void both(const struct ml_op *op, unsigned int nviol, const char *inv)
{
	struct ml_ctx *m[2] = { full, incr };
	int k;

	for (int i = 0; i < 2; i++) {
		const struct ml_violation *v;

		assert_int_equal(ml_apply(m[i], op, &k), 0);
		assert_int_equal(ml_violations(m[i], &v), nviol);
		if (nviol)
			assert_string_equal(v[0].inv, inv);
	}
}

/*
 * A new irq that collides with a live one (INV-M3) is found at the step
 * that maps it: the revmap is corrupted so that irq_find_mapping() misses.
 */
static void test_new_irq_runs_m3(void **state)
{
	struct ml_op op = { .kind = ML_OP_MSI_CREATE_DEVICE_IRQ_DOMAIN, .dev = 0, .hwsize = 8 };

	(void)state;
	two_platform();
	both(&op, 0, NULL);
	op = (struct ml_op){ .kind = ML_OP_MSI_DOMAIN_ALLOC_IRQ_AT, .dev = 0, .index = 0 };
	both(&op, 0, NULL);
	for (int i = 0; i < 2; i++) {
		struct ml_ctx *m = i ? incr : full;
		int v = m->desc[m->dev[0].desc_head].irq;

		m->irq[v].msi_hwirq = 1;	/* the revmap still says hwirq 0 */
	}
	op.kind = ML_OP_FAULT;		/* touches nothing: still no collision */
	op.point = ML_F_MSI_INSERT_DESC;
	op.skip = 100;
	op.count = 1;
	both(&op, 0, NULL);
	op = (struct ml_op){ .kind = ML_OP_MSI_DOMAIN_ALLOC_IRQ_AT, .dev = 0, .index = 1 };
	both(&op, 1, "INV-M3");
}

/*
 * device_add clears what a device reported: an INV-M3 pair left by its
 * leaked irqs is reported again, though the step maps no irq.
 */
static void test_device_add_reports_m3_again(void **state)
{
	struct ml_op op = { .kind = ML_OP_MSI_CREATE_DEVICE_IRQ_DOMAIN, .dev = 0, .hwsize = 8 };
	struct ml_ctx *m[2] = { full, incr };
	int k;

	(void)state;
	two_platform();
	both(&op, 0, NULL);
	op = (struct ml_op){ .kind = ML_OP_MSI_DOMAIN_ALLOC_IRQ_AT, .dev = 0, .index = 0 };
	both(&op, 0, NULL);
	for (int i = 0; i < 2; i++)
		m[i]->irq[m[i]->desc[m[i]->dev[0].desc_head].irq].msi_hwirq = 1;
	op.index = 1;
	both(&op, 1, "INV-M3");
	/* the irqs leak with the device (B10); then it comes back */
	op = (struct ml_op){ .kind = ML_OP_DEVICE_REMOVE, .dev = 0 };
	for (int i = 0; i < 2; i++)
		assert_int_equal(ml_apply(m[i], &op, &k), 0);
	assert_int_equal(ml_violations_total(full), ml_violations_total(incr));
	op.kind = ML_OP_DEVICE_ADD;
	both(&op, 1, "INV-M3");
}

/* A broken LPI free list is reported at every step, even one that touches no ITS. */
static void test_repeating_violation_stays_in_scope(void **state)
{
	struct ml_op op = { .kind = ML_OP_MSI_CREATE_DEVICE_IRQ_DOMAIN, .dev = 0, .hwsize = 8 };

	(void)state;
	two_platform();
	both(&op, 0, NULL);
	for (int i = 0; i < 2; i++) {
		/* two touching free ranges: the list should have merged them */
		struct its_lpi_state *l = &(i ? incr : full)->its[0].lpi;

		assert_int_equal(l->nr, 1);
		l->r[1].base = l->r[0].base + 16;
		l->r[1].span = l->r[0].span - 16;
		l->r[0].span = 16;
		l->nr = 2;
	}
	op = (struct ml_op){ .kind = ML_OP_MSI_DOMAIN_ALLOC_IRQ_AT, .dev = 0, .index = 0 };
	both(&op, 1, "INV-I3");
	op = (struct ml_op){ .kind = ML_OP_FAULT, .point = ML_F_MSI_INSERT_DESC, .skip = 100,
			     .count = 1 };
	both(&op, 1, "INV-I3");
	both(&op, 1, "INV-I3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scope_is_bounded),
		cmocka_unit_test(test_new_irq_runs_m3),
		cmocka_unit_test(test_repeating_violation_stays_in_scope),
		cmocka_unit_test(test_device_add_reports_m3_again),
		cmocka_unit_test(test_seed_corpus),
		cmocka_unit_test(test_generated),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
