// SPDX-License-Identifier: GPL-2.0
/*
 * test_minimize.c - the triage oracle, signatures and the minimizer
 * (replay/triage.c, replay/minimize.c) on the known-bug corpus.
 *
 * For every corpus/known-bugs scenario that breaks an invariant on some
 * profile (its first such "# expect:" entry, switches included):
 *   - 200 unrelated operations on an extra PCI device (allocate one MSI-X
 *     vector first, then request_irq/free_irq pairs spread between the
 *     scenario's operations) leave the signature unchanged;
 *   - the padded scenario minimizes to exactly what the corpus file
 *     minimizes to (same declarations, same operations), with no more
 *     operations than the corpus file; when fewer, the result's operations
 *     are a subsequence of the file's: the file's extra operations are
 *     shown to be unnecessary (they follow the violation or repeat setup);
 *   - the result is 1-minimal: removing any single operation loses the bug;
 *   - it is deterministic, and its .mlog reads back with the same bug;
 *   - the fuzz-input route (fz_encode of the scenario, decoded again) gives
 *     the same signature as the .mlog route.
 * Scenarios that break nothing have nothing to minimize.
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
#include "triage.h"

#define KNOWN	MSILAB_SOURCE_DIR "/corpus/known-bugs"
#define TMP	MSILAB_BINARY_DIR "/test_minimize.tmp.mlog"
#define NPAD	200

static struct tri_oracle *oracle;

static int setup(void **state)
{
	(void)state;
	oracle = tri_oracle_new(NULL);
	return oracle ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	tri_oracle_free(oracle);
	remove(TMP);
	return 0;
}

/* The first "# expect:" entry that breaks something: profile and switches. */
static bool first_violation(const char *path, char *profile, char *set, char *inv)
{
	char line[1024], cur[256] = "";
	FILE *f = fopen(path, "r");
	bool found = false;

	assert_non_null(f);
	while (!found && fgets(line, sizeof(line), f)) {
		char *tok, *save;

		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "# expect-set:", 13)) {
			cur[0] = '\0';
			for (tok = strtok_r(line + 13, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
				snprintf(cur + strlen(cur), sizeof(cur) - strlen(cur), "%s%s", cur[0] ? "," : "", tok);
			continue;
		}
		if (strncmp(line, "# expect:", 9))
			continue;
		for (tok = strtok_r(line + 9, " ", &save); tok && !found; tok = strtok_r(NULL, " ", &save)) {
			char *eq = strchr(tok, '=');

			if (!eq || !strncmp(eq + 1, "clean", 5) || !strncmp(eq + 1, "n/a", 3))
				continue;
			*eq = '\0';
			strcpy(profile, tok);
			strcpy(inv, eq + 1);
			strcpy(set, cur);
			found = true;
		}
	}
	fclose(f);
	return found;
}

static struct ml_op mkop(enum ml_op_kind k, int dev)
{
	struct ml_op op;

	memset(&op, 0, sizeof(op));
	op.kind = k;
	op.dev = dev;
	op.count = 1;
	return op;
}

/*
 * @s plus a device "pad0" that shares nothing with the others (its own
 * DevID and bus number) and NPAD operations on it: one MSI-X vector
 * allocated before anything else, then request_irq/free_irq pairs spread
 * evenly between the scenario's operations and after them.
 */
static void pad(struct tri_scenario *s)
{
	struct mlog_decls *d = &s->decls;
	struct mlog_device_decl *p = &d->dev[d->ndev];
	uint32_t n = s->nops, pairs = (NPAD - 2) / 2, done = 0, k = 0;
	struct ml_op *ops = calloc(n + NPAD, sizeof(*ops));
	uint32_t devid = d->nits && d->its[0].devid_bits < 16 ? (1u << d->its[0].devid_bits) - 1 : 0xfff0;
	int pd = (int)d->ndev;

	assert_non_null(ops);
	for (unsigned int i = 0; i < d->ndev; i++)
		if (d->dev[i].devid == devid)
			devid--;
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "pad0");
	p->bus = MLOG_BUS_PCI;
	p->has_bdf = true;
	p->bdf = 0x7f00;
	p->devid = devid;
	p->msix = 1;
	p->alias = -1;
	d->ndev++;
	ops[k++] = mkop(ML_OP_PCI_ENABLE_DEVICE, pd);
	ops[k] = mkop(ML_OP_PCI_ALLOC_IRQ_VECTORS, pd);
	ops[k].min = ops[k].max = 1;
	ops[k++].flags = ML_PCI_IRQ_MSIX;
	for (uint32_t i = 0; i <= n; i++) {
		uint32_t want = (uint32_t)((uint64_t)pairs * (i + 1) / (n + 1));

		for (; done < want; done++) {
			ops[k++] = mkop(ML_OP_REQUEST_IRQ, pd);
			ops[k++] = mkop(ML_OP_FREE_IRQ, pd);
		}
		if (i < n)
			ops[k++] = s->op[i];
	}
	assert_int_equal(k, n + NPAD);
	free(s->op);
	if (s->text) {
		for (uint32_t i = 0; i < n; i++)
			free(s->text[i]);
		free(s->text);
		s->text = NULL;
	}
	s->op = ops;
	s->nops = s->cap = k;
}

/* The declarations and operations of @s as .mlog text (no comments). */
static char *text_of(const struct tri_scenario *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(tri_write_mlog(f, s, NULL, NULL, 0, true), 0);
	fclose(f);
	return buf;
}

static void assert_one_minimal(const struct tri_scenario *m, const struct tri_verdict *want)
{
	for (uint32_t i = 0; i < m->nops; i++) {
		struct tri_scenario c;
		struct tri_verdict v;

		assert_int_equal(tri_scenario_copy(&c, m), 0);
		memmove(&c.op[i], &c.op[i + 1], (c.nops - i - 1) * sizeof(c.op[0]));
		if (c.text) {
			free(c.text[i]);
			memmove(&c.text[i], &c.text[i + 1], (c.nops - i - 1) * sizeof(c.text[0]));
		}
		c.nops--;
		assert_int_equal(tri_run(oracle, &c, &v), 0);
		if (tri_same_bug(&v, want))
			fail_msg("removing operation %u (%s) keeps %s: not 1-minimal", i + 1,
				 ml_op_name(m->op[i].kind), want->sig);
		tri_scenario_free(&c);
	}
}

/* The minimized operations appear in this order among the file's. */
static void assert_subsequence(const struct tri_scenario *m, const struct tri_scenario *orig)
{
	uint32_t j = 0;

	for (uint32_t i = 0; i < m->nops; i++) {
		const char *name = m->op[i].dev >= 0 ? m->decls.dev[m->op[i].dev].name : "";

		for (; j < orig->nops; j++) {
			const char *oname = orig->op[j].dev >= 0 ? orig->decls.dev[orig->op[j].dev].name : "";

			if (orig->op[j].kind == m->op[i].kind && !strcmp(name, oname))
				break;
		}
		if (j == orig->nops)
			fail_msg("minimized operation %u (%s %s) is not in the file in this order", i + 1,
				 ml_op_name(m->op[i].kind), name);
		j++;
	}
}

static void check_file(const char *path)
{
	char profile[16], set[256], inv[16];
	struct tri_load_opts lo = { 0 };
	struct tri_scenario orig, padded, m1, m2, back;
	struct tri_verdict v0, vp, vm, vback;
	struct tri_min_stats st1, st2;
	struct mlog_error err;
	char *t1, *t2, *t3;
	FILE *f;

	if (!first_violation(path, profile, set, inv)) {
		/* nothing breaks: nothing to minimize */
		assert_int_equal(tri_load(path, &lo, &orig, NULL, &err), 0);
		assert_int_equal(tri_run(oracle, &orig, &v0), 0);
		assert_false(v0.violated);
		tri_scenario_free(&orig);
		return;
	}
	lo.kernel = profile;
	lo.set = set;
	assert_int_equal(tri_load(path, &lo, &orig, NULL, &err), 0);
	assert_int_equal(tri_run(oracle, &orig, &v0), 0);
	assert_true(v0.violated);
	assert_string_equal(v0.inv, inv);
	assert_int_equal(v0.first_inv[0] ? strcmp(v0.first_inv, inv) : 1, 0);

	/* padding changes nothing about the bug */
	assert_int_equal(tri_scenario_copy(&padded, &orig), 0);
	pad(&padded);
	assert_int_equal(padded.nops, orig.nops + NPAD);
	assert_int_equal(tri_run(oracle, &padded, &vp), 0);
	if (!tri_same_bug(&vp, &v0))
		fail_msg("%s: padded: %s [%s], unpadded %s [%s]", path, vp.sig, vp.bug, v0.sig, v0.bug);

	/* both minimize to the same scenario */
	assert_int_equal(tri_scenario_copy(&m1, &orig), 0);
	assert_int_equal(tri_minimize(oracle, &m1, &v0, &st1), 0);
	assert_int_equal(tri_scenario_copy(&m2, &padded), 0);
	assert_int_equal(tri_minimize(oracle, &m2, &vp, &st2), 0);
	assert_true(st2.calls > 0);
	assert_int_equal(st2.ops_in, orig.nops + NPAD);
	t1 = text_of(&m1);
	t2 = text_of(&m2);
	if (strcmp(t1, t2))
		fail_msg("%s: the padded scenario minimizes to\n%s\nthe file to\n%s", path, t2, t1);
	assert_true(m2.nops <= orig.nops);
	assert_int_equal(m2.decls.ndev, m1.decls.ndev);
	if (m2.nops < orig.nops)
		assert_subsequence(&m1, &orig);
	print_message("%-40s %-58s %3u+%u ops -> %u (file %u), %4llu oracle calls\n",
		      strrchr(path, '/') + 1, v0.sig, orig.nops, NPAD, m2.nops, orig.nops,
		      (unsigned long long)st2.calls);

	/* 1-minimal, and the result still shows the bug */
	assert_int_equal(tri_run(oracle, &m2, &vm), 0);
	assert_true(tri_same_bug(&vm, &v0));
	assert_one_minimal(&m2, &v0);

	/* deterministic */
	tri_scenario_free(&m1);
	assert_int_equal(tri_scenario_copy(&m1, &padded), 0);
	assert_int_equal(tri_minimize(oracle, &m1, &vp, &st1), 0);
	t3 = text_of(&m1);
	assert_string_equal(t2, t3);
	assert_int_equal(st1.calls, st2.calls);

	/* the .mlog written reads back with the same bug (its "# profile:" keeps the switches) */
	f = fopen(TMP, "w");
	assert_non_null(f);
	assert_int_equal(tri_write_mlog(f, &m2, &vm, NULL, 0, true), 0);
	fclose(f);
	memset(&lo, 0, sizeof(lo));
	assert_int_equal(tri_load(TMP, &lo, &back, NULL, &err), 0);
	assert_int_equal(tri_run(oracle, &back, &vback), 0);
	assert_true(tri_same_bug(&vback, &v0));

	free(t1);
	free(t2);
	free(t3);
	tri_scenario_free(&back);
	tri_scenario_free(&m1);
	tri_scenario_free(&m2);
	tri_scenario_free(&padded);
	tri_scenario_free(&orig);
}

static int is_mlog(const struct dirent *e)
{
	size_t l = strlen(e->d_name);

	return l > 5 && !strcmp(e->d_name + l - 5, ".mlog");
}

static void test_known_bugs_padded(void **state)
{
	struct dirent **list;
	int n = scandir(KNOWN, &list, is_mlog, alphasort), checked = 0;

	(void)state;
	assert_true(n > 10);
	for (int i = 0; i < n; i++) {
		char path[1024], p[16], s[256], v[16];

		snprintf(path, sizeof(path), "%s/%s", KNOWN, list[i]->d_name);
		checked += first_violation(path, p, s, v);
		check_file(path);
		free(list[i]);
	}
	free(list);
	assert_true(checked >= 10);
}

/* The same scenario as fuzz bytes and as .mlog: one signature. */
static void test_signature_independent_of_format(void **state)
{
	static const char *const files[] = { "B3-orphan-eventids.mlog", "B1-prepare-per-allocation.mlog",
					     "B7-its-alloc-error-orphans.mlog", "B13-create-device-lpi-leak.mlog",
					     "B10-unbind-with-live-vectors.mlog" };
	static uint8_t buf[FZ_MAX_INPUT];
	static uint32_t lines[FZ_MAX_OPS];
	struct fz_scenario *fs = malloc(sizeof(*fs));

	(void)state;
	assert_non_null(fs);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[1024], why[256];
		struct tri_load_opts lo = { 0 };
		struct tri_scenario a, b;
		struct tri_verdict va, vb;
		struct mlog_error err;
		enum tri_input_kind kind;
		size_t len;

		snprintf(path, sizeof(path), "%s/%s", KNOWN, files[i]);
		assert_int_equal(fz_read_mlog(path, fs, lines, &err), 0);
		assert_int_equal(fz_encode_checked(fs, lines, buf, &len, why, sizeof(why)), 0);
		assert_int_equal(tri_load(path, &lo, &a, &kind, &err), 0);
		assert_int_equal(kind, TRI_IN_MLOG);
		assert_int_equal(tri_load_mem("bytes", buf, len, &lo, &b, &kind, &err), 0);
		assert_int_equal(kind, TRI_IN_FUZZ);
		assert_int_equal(tri_run(oracle, &a, &va), 0);
		assert_int_equal(tri_run(oracle, &b, &vb), 0);
		assert_true(va.violated);
		assert_string_equal(va.sig, vb.sig);
		assert_string_equal(va.bug, vb.bug);
		/* no address, DevID or hash in a signature */
		assert_null(strstr(va.sig, "0x"));
		tri_scenario_free(&a);
		tri_scenario_free(&b);
	}
	free(fs);
}

/* A stop list skips the violations it does not name. */
static void test_stop_list(void **state)
{
	struct tri_load_opts lo = { 0 };
	struct tri_scenario s;
	struct tri_verdict v;
	struct tri_stop st;
	struct tri_oracle *o;
	struct mlog_error err;
	char why[128];

	(void)state;
	/* B3-orphan-eventids on 6.1: INV-I1 (B3) at step 3, then INV-P1 (B1) at step 6 */
	assert_int_equal(tri_load(KNOWN "/B3-orphan-eventids.mlog", &lo, &s, NULL, &err), 0);
	assert_int_equal(tri_stop_parse("B1", &st, why, sizeof(why)), 0);
	o = tri_oracle_new(&st);
	assert_non_null(o);
	assert_int_equal(tri_run(o, &s, &v), 0);
	assert_true(v.violated);
	assert_string_equal(v.bug, "B1");
	assert_string_equal(v.inv, "INV-P1");
	assert_string_equal(v.first_inv, "INV-I1");
	assert_int_equal(v.step, 6);
	tri_oracle_free(o);
	assert_int_equal(tri_stop_parse("new", &st, why, sizeof(why)), 0);
	o = tri_oracle_new(&st);
	assert_int_equal(tri_run(o, &s, &v), 0);
	assert_false(v.violated);
	tri_oracle_free(o);
	assert_int_equal(tri_stop_parse("B99", &st, why, sizeof(why)), -1);
	tri_scenario_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_bugs_padded),
		cmocka_unit_test(test_signature_independent_of_format),
		cmocka_unit_test(test_stop_list),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
