// SPDX-License-Identifier: GPL-2.0
/*
 * test_fuzz_decoder.c - the fuzz decoder, encoder and mutator (fuzz/).
 *
 * Random byte strings always decode to scenarios the model accepts on their
 * profile (ml_apply() never returns -1) and whose .mlog reads back as the
 * same scenario; decode(encode(decode(x))) == decode(x) and, for the .mlog
 * corpus, encode(decode(encode(m))) == encode(m); every mutator and
 * crossover output is such an input too; one hand-made input decodes to
 * exactly the expected scenario, and one x86_64 input (header byte 10);
 * the mutator speaks the x86_64 vocabulary to x86_64 inputs.
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
#include "mutator.h"

/* test_mutator_same_on_every_compiler(): the clang fuzz build's value */
#define MUTATION_HASH 0x4d6c14fb1b17ea73ull

#define TMP_MLOG	MSILAB_BINARY_DIR "/test_fuzz_decoder.tmp.mlog"

static struct ml_ctx *ctx;
static struct fz_scenario sa, sb;
static uint8_t buf[FZ_MAX_INPUT], buf2[FZ_MAX_INPUT];

static uint64_t rng_state = 0x1234567887654321ull;

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
	ctx = malloc(ml_ctx_size());
	return ctx ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(ctx);
	remove(TMP_MLOG);
	return 0;
}

/* Every operation of @s runs: never a bad-input refusal. */
static void assert_replays(const struct fz_scenario *s)
{
	struct ml_config cfg;
	int kret;

	fz_config(s, &cfg);
	assert_int_equal(ml_ctx_init(ctx, &cfg), 0);
	for (uint32_t i = 0; i < s->nops; i++) {
		int rc = ml_apply(ctx, &s->op[i], &kret);

		if (rc) {
			fz_write_mlog(stderr, s, "refused scenario");
			fail_msg("op %u (%s) refused: %s", i + 1, ml_op_name(s->op[i].kind),
				 ml_error(ctx));
		}
	}
}

/* The .mlog text of @s reads back as @s. */
static void assert_mlog_round_trip(const struct fz_scenario *s)
{
	struct mlog_error err;
	char why[200];
	FILE *f = fopen(TMP_MLOG, "w");

	assert_non_null(f);
	assert_int_equal(fz_write_mlog(f, s, "test"), 0);
	assert_int_equal(fclose(f), 0);
	if (fz_read_mlog(TMP_MLOG, &sb, NULL, &err))
		fail_msg("decoded .mlog does not read back: %u:%u: %s", err.line, err.col, err.msg);
	if (!fz_equal(s, &sb, why, sizeof(why)))
		fail_msg(".mlog round trip: %s", why);
}

/* decode(encode(s)) == s under @o */
static void assert_encode_round_trip(const struct fz_scenario *s, const struct fz_options *o)
{
	char why[200];
	size_t len;

	if (fz_check(s, why, sizeof(why)))
		fail_msg("decoded scenario outside the vocabulary: %s", why);
	len = fz_encode(s, buf2, sizeof(buf2));
	fz_decode(buf2, len, o, &sb);
	if (!fz_equal(s, &sb, why, sizeof(why)))
		fail_msg("decode(encode(decode(x))) != decode(x): %s", why);
}

static void random_input(uint8_t *p, size_t *len)
{
	*len = rnd() % 3 ? rnd() % 1200 : rnd() % 80;
	for (size_t i = 0; i < *len; i++)
		p[i] = (uint8_t)rnd();
	/* small counts and valid opcodes more often than uniform bytes give */
	for (size_t off = FZ_OPS_OFFSET; off + FZ_OP_SIZE <= *len; off += FZ_OP_SIZE) {
		if (rnd() % 2) {
			p[off + 3] = 0;
			p[off + 5] = 0;
			p[off + 2] %= 40;
			p[off + 4] %= 40;
		}
	}
}

static void test_random_bytes_decode_valid(void **state)
{
	size_t len;

	(void)state;
	for (int i = 0; i < 300; i++) {
		struct fz_options o;

		random_input(buf, &len);
		for (const char *const *t = fz_targets; *t; t++) {
			assert_int_equal(fz_target_options(*t, &o), 0);
			fz_decode(buf, len, &o, &sa);
			assert_true(sa.ndev >= 1 && sa.ndev <= FZ_MAX_DEVS);
			assert_replays(&sa);
			assert_encode_round_trip(&sa, &o);
			if (i % 4 == 0)
				assert_mlog_round_trip(&sa);
		}
	}
}

static void test_empty_and_short_inputs(void **state)
{
	struct fz_options o;

	(void)state;
	fz_options_default(&o);
	for (size_t len = 0; len <= FZ_OPS_OFFSET + FZ_OP_SIZE; len++) {
		memset(buf, 0xff, len);
		fz_decode(buf, len, &o, &sa);
		assert_int_equal(sa.nops, len == FZ_OPS_OFFSET + FZ_OP_SIZE ? 1 : 0);
		assert_replays(&sa);
	}
}

/*
 * B3 on 6.15: one PCI device, DevID 0x100, MSI MMC 4; enable, allocate 3
 * vectors with MSI, free.  The bytes below are what "msilab encode" writes.
 */
static void test_exact_decoding(void **state)
{
	static const uint8_t in[] = {
		/* header: 6.15, no toggles, 2 CPUs, ITS defaults, 2 devices */
		2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
		/* pci0: PCI, DevID 0x100, msi index 3 (4), no MSI-X, 01:00.0 */
		0, 0x00, 0x01, 3, 0, 0, 0x00, 0x01,
		/* plat1: platform, alias none, DevID 0x1000 */
		1, 0x00, 0x10, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		/* pci_enable_device dev=pci0 */
		FZ_OP_PCI_ENABLE_DEVICE, 0, 0, 0, 0, 0, 0, 0,
		/* pci_alloc_irq_vectors dev=pci0 min=3 max=3 flags=MSI (device byte 1: plat1 -> pci0) */
		FZ_OP_PCI_ALLOC_IRQ_VECTORS, 1, 3, 0, 3, 0, ML_PCI_IRQ_MSI, 0,
		/* msi_domain_alloc_irqs_range dev=plat1 first=0 last=7 (given as 7, 0) */
		FZ_OP_MSI_DOMAIN_ALLOC_IRQS_RANGE, 1, 7, 0, 0, 0, 0, 0,
		/* fault point=alloc_lpi_range skip=2 count=1 */
		FZ_OP_FAULT, 0, 2, 0, 0, 0, ML_F_ALLOC_LPI_RANGE, 0,
		/* device_add of a present device: no removed device -> cpu_online cpu=0 */
		FZ_OP_DEVICE_ADD, 0, 0, 0, 0, 0, 0, 0,
		/* pci_free_irq_vectors dev=pci0 */
		FZ_OP_PCI_FREE_IRQ_VECTORS, 0, 0, 0, 0, 0, 0, 0,
		/* a partial record: ignored */
		FZ_OP_DRIVER_UNBIND, 0, 0,
	};
	struct fz_options o;
	struct ml_profile p;
	const struct ml_op *op = sa.op;

	(void)state;
	fz_options_default(&o);
	fz_decode(in, sizeof(in), &o, &sa);
	fz_profile(&sa, &p);
	assert_string_equal(p.name, "6.15");
	assert_int_equal(sa.cpus, 2);
	assert_int_equal(sa.event_bits, 16);
	assert_int_equal(sa.lpi_bits, 16);
	assert_int_equal(sa.ndev, 2);
	assert_int_equal(sa.dev[0].bus, FZ_BUS_PCI);
	assert_int_equal(sa.dev[0].devid, 0x100);
	assert_int_equal(sa.dev[0].msi, 4);
	assert_int_equal(sa.dev[0].msix, 0);
	assert_int_equal(sa.dev[0].bdf, 0x0100);
	assert_int_equal(sa.dev[0].alias, -1);
	assert_int_equal(sa.dev[1].bus, FZ_BUS_PLATFORM);
	assert_int_equal(sa.dev[1].devid, 0x1000);
	assert_int_equal(sa.nops, 6);
	assert_int_equal(op[0].kind, ML_OP_PCI_ENABLE_DEVICE);
	assert_int_equal(op[0].dev, 0);
	assert_int_equal(op[1].kind, ML_OP_PCI_ALLOC_IRQ_VECTORS);
	assert_int_equal(op[1].dev, 0);
	assert_int_equal(op[1].min, 3);
	assert_int_equal(op[1].max, 3);
	assert_int_equal(op[1].flags, ML_PCI_IRQ_MSI);
	assert_int_equal(op[2].kind, ML_OP_MSI_DOMAIN_ALLOC_IRQS_RANGE);
	assert_int_equal(op[2].dev, 1);
	assert_int_equal(op[2].first, 0);
	assert_int_equal(op[2].last, 7);
	assert_int_equal(op[3].kind, ML_OP_FAULT);
	assert_int_equal(op[3].point, ML_F_ALLOC_LPI_RANGE);
	assert_int_equal(op[3].skip, 2);
	assert_int_equal(op[3].count, 1);
	assert_int_equal(op[4].kind, ML_OP_CPU_ONLINE);
	assert_int_equal(op[4].cpu, 0);
	assert_int_equal(op[5].kind, ML_OP_PCI_FREE_IRQ_VECTORS);
	assert_replays(&sa);
	/* the fault record is dropped when the target has no fault points */
	o.fault_mask = 0;
	fz_decode(in, sizeof(in), &o, &sb);
	assert_int_equal(sb.nops, 5);
	assert_int_equal(sb.src[3], 4);
	/* 6.1 has no device domains: the platform operation becomes a no-op */
	o.profile = fz_profile_index("6.1");
	fz_decode(in, sizeof(in), &o, &sb);
	assert_int_equal(sb.op[2].kind, ML_OP_CPU_ONLINE);
}

static int names_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* encode(decode(encode(m))) == encode(m) for every in-vocabulary .mlog of the corpus */
/*
 * x86_64 (header byte 10 bit 0): B12 with its toggle, two DMAR units and a
 * PCI device; the ITS bytes are ignored; the same bytes under an arm64
 * target, and byte 10 clear, decode as arm64.
 */
static void test_x86_decoding(void **state)
{
	static const uint8_t in[] = {
		0, 0x20, 0, 7, 7, 1, 9, 9, 2, 5, 1, 0, 0, 0, 0, 0,
		/* pci0 (per-vector masking, MSI-X 8), dmar1, dmar2 */
		0x04, 0x10, 0, 0, 8, 0, 0x10, 0, 1, 0, 0, 0, 0, 0, 0, 0,
		1, 1, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 1, 0, 4, 0, 0x0c, 0x01,	/* alloc min 1 max 4 MSIX|AFFINITY pre 1 */
		6, 0, 1, 0, 0, 0, 0x06, 0,	/* irq_set_affinity vec 1 mask 1,2 */
		9, 1, 0, 0, 0, 0, 0, 0,	/* dmar_alloc_hwirq dmar1 id 1 */
		9, 1, 0, 0, 0, 0, 0, 0,	/* again: dmar1 holds id 1 -> free */
		9, 5, 1, 0, 0, 0, 0, 0,	/* dev 5 % 3 = dmar2, page-request id 2 + 6 */
		11, 0, 3, 0, 0, 0, 0, 0,	/* hpet: none -> the no-op */
		12, 0, 2, 0, 0, 0, 1, 0,	/* fault irq_matrix_reserve_managed skip 2 */
		7, 0, 5, 0, 0, 0, 0, 0,	/* cpu_offline 5 % 2 = 1 */
	};
	struct fz_options o;
	char why[200];
	size_t len;

	(void)state;
	assert_int_equal(fz_target_options("fuzz_model", &o), 0);
	fz_decode(in, sizeof(in), &o, &sa);
	assert_int_equal(sa.arch, FZ_ARCH_X86_64);
	assert_int_equal(sa.toggles, 0x20);
	assert_true(sa.sw & ML_SW(X86_DMAR_HWIRQ_ZERO));
	assert_int_equal(sa.cpus, 2);
	assert_int_equal(sa.event_bits, 16);
	assert_int_equal(sa.num_lpis, 0);
	assert_int_equal(sa.ndev, 3);
	assert_int_equal(sa.dev[0].bus, FZ_BUS_PCI);
	assert_true(sa.dev[0].msi_mask);
	assert_int_equal(sa.dev[0].msix, 8);
	assert_int_equal(sa.dev[1].bus, FZ_BUS_DMAR);
	assert_int_equal(sa.dev[2].bus, FZ_BUS_DMAR);
	assert_int_equal(sa.nops, 8);
	assert_int_equal(sa.op[0].kind, ML_OP_PCI_ALLOC_IRQ_VECTORS);
	assert_int_equal(sa.op[0].flags, ML_PCI_IRQ_MSIX | ML_PCI_IRQ_AFFINITY);
	assert_int_equal(sa.op[0].pre, 1);
	assert_int_equal(sa.op[1].kind, ML_OP_IRQ_SET_AFFINITY);
	assert_int_equal(sa.op[1].mask[0], 2);	/* 0x06 & (2^2 - 1) */
	assert_int_equal(sa.op[2].kind, ML_OP_DMAR_ALLOC_HWIRQ);
	assert_int_equal(sa.op[2].hwirq, 1);
	assert_int_equal(sa.op[3].kind, ML_OP_DMAR_FREE_HWIRQ);
	assert_int_equal(sa.op[4].dev, 2);
	assert_int_equal(sa.op[4].hwirq, 2 + FZ_MAX_DEVS);
	assert_int_equal(sa.op[5].kind, ML_OP_CPU_ONLINE);
	assert_int_equal(sa.op[6].kind, ML_OP_FAULT);
	assert_int_equal(sa.op[6].point, ML_F_IRQ_MATRIX_RESERVE_MANAGED);
	assert_int_equal(sa.op[7].kind, ML_OP_CPU_OFFLINE);
	assert_int_equal(sa.op[7].cpu, 1);
	assert_replays(&sa);
	assert_encode_round_trip(&sa, &o);
	assert_mlog_round_trip(&sa);
	/* the x86 targets read it alike; B12 only as a toggle of fuzz_model_x86_b12 */
	assert_int_equal(fz_target_options("fuzz_model_x86_b12", &o), 0);
	fz_decode(in, sizeof(in), &o, &sb);
	assert_true(fz_equal(&sa, &sb, why, sizeof(why)));
	assert_int_equal(fz_target_options("fuzz_model_x86", &o), 0);
	fz_decode(in, sizeof(in), &o, &sb);
	assert_int_equal(sb.arch, FZ_ARCH_X86_64);
	assert_int_equal(sb.toggles, 0);
	/* an arm64 target, or byte 10 clear: arm64, as before byte 10 had a meaning */
	assert_int_equal(fz_target_options("fuzz_model_615", &o), 0);
	fz_decode(in, sizeof(in), &o, &sb);
	assert_int_equal(sb.arch, FZ_ARCH_ARM64);
	assert_replays(&sb);
	memcpy(buf, in, sizeof(in));
	buf[10] = 0;
	fz_options_default(&o);
	fz_decode(buf, sizeof(in), &o, &sb);
	assert_int_equal(sb.arch, FZ_ARCH_ARM64);
	assert_int_equal(sb.toggles, 0);	/* bit 5 is x86-only */
	assert_int_equal(sb.event_bits, 7);
	len = fz_encode(&sb, buf2, sizeof(buf2));
	assert_int_equal(buf2[10], 0);
	(void)len;
}

static void test_corpus_encode_round_trip(void **state)
{
	static const char *const dirs[] = { "corpus/known-bugs", "corpus/scenarios" };
	static uint32_t lines[FZ_MAX_OPS];
	int encoded = 0;

	(void)state;
	for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		char path[4096];
		struct dirent *de;
		DIR *dir;
		char **names = NULL;
		int n = 0;

		snprintf(path, sizeof(path), "%s/%s", MSILAB_SOURCE_DIR, dirs[d]);
		dir = opendir(path);
		assert_non_null(dir);
		while ((de = readdir(dir))) {
			if (!strstr(de->d_name, ".mlog"))
				continue;
			names = realloc(names, (n + 1) * sizeof(*names));
			names[n++] = strdup(de->d_name);
		}
		closedir(dir);
		qsort(names, n, sizeof(*names), names_cmp);
		for (int i = 0; i < n; i++) {
			struct mlog_error err;
			struct fz_options o;
			char why[320];
			size_t l1, l2;

			snprintf(path, sizeof(path), "%s/%s/%s", MSILAB_SOURCE_DIR, dirs[d], names[i]);
			if (fz_read_mlog(path, &sa, lines, &err))
				fail_msg("%s: %s", path, err.msg);
			if (fz_encode_checked(&sa, lines, buf, &l1, why, sizeof(why)))
				fail_msg("%s: %s", path, why);
			fz_options_default(&o);
			fz_decode(buf, l1, &o, &sb);
			l2 = fz_encode(&sb, buf2, sizeof(buf2));
			assert_int_equal(l1, l2);
			assert_memory_equal(buf, buf2, l1);
			assert_replays(&sb);
			encoded++;
			free(names[i]);
		}
		free(names);
	}
	assert_true(encoded >= 10);
}

static size_t flip_bytes(uint8_t *data, size_t size, size_t max_size)
{
	(void)max_size;
	if (size)
		data[rnd() % size] ^= (uint8_t)(1u << (rnd() % 8));
	return size;
}

static void test_mutator_outputs_decode(void **state)
{
	static uint8_t in[FZ_MAX_INPUT], in2[FZ_MAX_INPUT], out[FZ_MAX_INPUT], again[FZ_MAX_INPUT];
	size_t len = 0, len2 = 0;
	struct fz_options o;

	(void)state;
	for (const char *const *t = fz_targets; *t; t++) {
		assert_int_equal(fz_target_options(*t, &o), 0);
		len = 0;
		for (unsigned int i = 0; i < 400; i++) {
			size_t max = 64 + rnd() % 2048, n, m;

			if (i % 100 == 0)
				len = 0;
			if (len > max)
				len = max;
			memcpy(again, in, len);
			n = fz_mutate(in, len, max, i, &o, i % 3 ? NULL : flip_bytes);
			assert_true(n <= max);
			if (i % 3) {	/* deterministic for a seed */
				m = fz_mutate(again, len, max, i, &o, NULL);
				assert_int_equal(n, m);
				assert_memory_equal(in, again, n);
			}
			len = n;
			fz_decode(in, len, &o, &sa);
			assert_replays(&sa);
			if (i % 7 == 0) {
				memcpy(in2, in, len);
				len2 = fz_mutate(in2, len, max, i * 31 + 7, &o, NULL);
				n = fz_crossover(in, len, in2, len2, out, max, i, &o);
				assert_true(n <= max);
				fz_decode(out, n, &o, &sa);
				assert_replays(&sa);
			}
		}
	}
}

/* Runs @s; true if a step broke an invariant tagged with known bug @bug. */
static bool replay_finds(const struct fz_scenario *s, const char *bug)
{
	struct ml_config cfg;
	bool found = false;
	int kret;

	fz_config(s, &cfg);
	assert_int_equal(ml_ctx_init(ctx, &cfg), 0);
	for (uint32_t i = 0; i < s->nops; i++) {
		const struct ml_violation *v;
		unsigned int nv;

		if (ml_apply(ctx, &s->op[i], &kret))
			fail_msg("op %u (%s) refused: %s", i + 1, ml_op_name(s->op[i].kind), ml_error(ctx));
		nv = ml_violations(ctx, &v);
		for (unsigned int j = 0; j < nv; j++)
			found |= v[j].bug && !strcmp(v[j].bug, bug);
	}
	return found;
}

/* What the x86_64 mutation chains of test_mutator_x86() produced. */
struct x86_tally {
	unsigned int inputs, ops, intended, faults, b12;
	unsigned int fresh, fresh_full;	/* first inputs; with PCI, DMAR and HPET */
	unsigned int kinds[ML_OP__COUNT];
};

/*
 * One output of the mutator under @o (an x86_64 target): it decodes as
 * x86_64, no record is dropped (fault records name a point the target
 * allows), and each operation is counted with whether it is what its
 * record's opcode asks for (the decoder maps an operation that cannot
 * happen to another: an alloc of a held DMAR id to the free, an op
 * without a device of its bus to the no-op).
 */
static void x86_output(const uint8_t *in, size_t len, const struct fz_options *o,
		       enum ml_fault allowed, struct x86_tally *t)
{
	static const enum ml_op_kind kind[FZ_X86_OP__COUNT] = {
#define K(id) ML_OP_##id,
		FZ_X86_OPCODES(K)
#undef K
	};
	size_t nrec = len > FZ_OPS_OFFSET ? (len - FZ_OPS_OFFSET) / FZ_OP_SIZE : 0;

	fz_decode(in, len, o, &sa);
	assert_int_equal(sa.arch, FZ_ARCH_X86_64);
	assert_int_equal(sa.nops, nrec < FZ_MAX_OPS ? nrec : FZ_MAX_OPS);
	t->inputs++;
	for (uint32_t k = 0; k < sa.nops; k++) {
		const struct ml_op *op = &sa.op[k];
		uint8_t code = in[FZ_OPS_OFFSET + (size_t)sa.src[k] * FZ_OP_SIZE] % FZ_X86_OP__COUNT;

		t->ops++;
		t->kinds[op->kind]++;
		t->intended += op->kind == kind[code];
		if (op->kind == ML_OP_FAULT) {
			assert_int_equal(op->point, allowed);
			t->faults++;
		}
	}
	if (replay_finds(&sa, "B12"))
		t->b12++;
}

/*
 * The mutator on x86_64 inputs (fuzz_model_x86_b12, with one of the two
 * x86 fault points allowed at a time): from an empty input, a machine with
 * a PCI device with MSI and MSI-X, a DMAR unit and an HPET block; chains
 * of mutations and crossovers whose outputs decode as x86_64 with no
 * record dropped, fault records on the allowed point, every x86_64
 * operation kind, four in five operations the ones their records ask for,
 * and B12 (two DMAR irqs with X86_DMAR_HWIRQ_ZERO toggled) reached.  On
 * the generic target an input keeps its architecture (header byte 10),
 * and a crossover with an input of the other one gives a mutation.
 */
static void test_mutator_x86(void **state)
{
	static const enum ml_op_kind x86_kinds[] = {
		ML_OP_PCI_ALLOC_IRQ_VECTORS, ML_OP_PCI_FREE_IRQ_VECTORS, ML_OP_PCI_ENABLE_MSI,
		ML_OP_PCI_ENABLE_MSIX_RANGE, ML_OP_REQUEST_IRQ, ML_OP_FREE_IRQ,
		ML_OP_IRQ_SET_AFFINITY, ML_OP_CPU_OFFLINE, ML_OP_CPU_ONLINE,
		ML_OP_DMAR_ALLOC_HWIRQ, ML_OP_DMAR_FREE_HWIRQ, ML_OP_HPET_ASSIGN_IRQ, ML_OP_FAULT,
	};
	static const enum ml_fault points[2] = { ML_F_IRQ_MATRIX_ALLOC, ML_F_IRQ_MATRIX_RESERVE_MANAGED };
	static uint8_t in[FZ_MAX_INPUT], in2[FZ_MAX_INPUT], out[FZ_MAX_INPUT];
	static struct x86_tally t;
	struct fz_options o, g;
	size_t len, len2, n;

	(void)state;
	memset(&t, 0, sizeof(t));
	for (unsigned int pt = 0; pt < 2; pt++) {
		assert_int_equal(fz_target_options("fuzz_model_x86_b12", &o), 0);
		o.fault_mask = 1u << points[pt];
		len = 0;
		for (unsigned int i = 0; i < 1500; i++) {
			unsigned int seed = pt * 100000 + i;

			if (i % 50 == 0) {
				bool pci = false, dmar = false, hpet = false;

				/* libFuzzer's first input: a machine for x86_64 */
				len = fz_mutate(in, 0, 1024, seed, &o, NULL);
				fz_decode(in, len, &o, &sa);
				assert_int_equal(sa.arch, FZ_ARCH_X86_64);
				for (unsigned int d = 0; d < sa.ndev; d++) {
					pci |= sa.dev[d].bus == FZ_BUS_PCI && (sa.dev[d].msi || sa.dev[d].msix);
					dmar |= sa.dev[d].bus == FZ_BUS_DMAR;
					hpet |= sa.dev[d].bus == FZ_BUS_HPET;
				}
				t.fresh++;
				t.fresh_full += pci && dmar && hpet;
			} else {
				len = fz_mutate(in, len, 1024, seed, &o, i % 3 ? NULL : flip_bytes);
			}
			x86_output(in, len, &o, points[pt], &t);
			if (i % 5 == 0) {
				/* crossover, of an empty first input too */
				memcpy(in2, in, len);
				len2 = fz_mutate(in2, len, 1024, seed * 7 + 1, &o, NULL);
				n = fz_crossover(i % 50 ? in : in2, i % 50 ? len : 0, in2, len2, out, 1024,
						 seed, &o);
				x86_output(out, n, &o, points[pt], &t);
			}
		}
	}
	print_message("x86_64: %u inputs, %u operations, %u as their records ask, %u faults, "
		      "%u with B12; %u of %u first machines with PCI, DMAR and HPET\n", t.inputs,
		      t.ops, t.intended, t.faults, t.b12, t.fresh_full, t.fresh);
	for (size_t k = 0; k < sizeof(x86_kinds) / sizeof(x86_kinds[0]); k++)
		if (!t.kinds[x86_kinds[k]])
			fail_msg("no %s in the x86_64 mutator's outputs", ml_op_name(x86_kinds[k]));
	assert_true(t.faults > 0);
	/* the mutations that follow may change a device's bus */
	assert_true(t.fresh_full * 4 >= t.fresh * 3);
	assert_true(t.intended * 10ull >= t.ops * 8ull);
	assert_true(t.b12 > 0);

	/* generic target: the input's architecture is kept */
	assert_int_equal(fz_target_options("fuzz_model", &g), 0);
	for (unsigned int i = 0; i < 200; i++) {
		bool x86 = i % 2;

		memset(in, 0, FZ_OPS_OFFSET);
		in[10] = x86;
		len = fz_mutate(in, FZ_OPS_OFFSET, 1024, i, &g, NULL);
		len = fz_mutate(in, len, 1024, i + 1000, &g, NULL);
		fz_decode(in, len, &g, &sa);
		assert_int_equal(sa.arch, x86 ? FZ_ARCH_X86_64 : FZ_ARCH_ARM64);
		assert_replays(&sa);
		memset(in2, 0, FZ_OPS_OFFSET);
		in2[10] = !x86;
		len2 = fz_mutate(in2, FZ_OPS_OFFSET, 1024, i + 2000, &g, NULL);
		n = fz_crossover(in, len, in2, len2, out, 1024, i, &g);
		fz_decode(out, n, &g, &sb);
		assert_int_equal(sb.arch, sa.arch);
		assert_replays(&sb);
	}
}

/*
 * The mutator's output depends on its input and seed only: not on the
 * compiler (gcc and clang order the operands of = and the arguments of a
 * call differently, so two draws from the generator in one expression made
 * a gcc-built and a clang-built mutator diverge) nor on the optimization
 * level.  A chain of mutations and cross-overs from empty inputs on four
 * targets, both architectures, hashed (FNV-1a) against the value the clang
 * fuzz build gives: a change of the mutator that is meant changes it here
 * too (print it with MSILAB_PRINT_MUTATION_HASH=1).
 */
static uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211ull;
	}
	return h;
}

static void test_mutator_same_on_every_compiler(void **state)
{
	static const char *const targets[] = {
		"fuzz_model", "fuzz_model_615", "fuzz_model_x86", "fuzz_model_x86_b12",
	};
	static uint8_t a[1024], b[1024], out[1024];
	uint64_t h = 14695981039346656037ull;
	struct fz_options o;

	(void)state;
	for (size_t t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
		size_t na = 0, nb = 0, n;

		assert_int_equal(fz_target_options(targets[t], &o), 0);
		for (unsigned int i = 0; i < 3000; i++) {
			if (i % 100 == 0)
				na = nb = 0;	/* a fresh machine now and then */
			na = fz_mutate(a, na, sizeof(a), i * 2654435761u + (unsigned int)t, &o, NULL);
			nb = fz_mutate(b, nb, sizeof(b), i * 40503u + 17u, &o, NULL);
			n = fz_crossover(a, na, b, nb, out, sizeof(out), i, &o);
			h = fnv1a(h, a, na);
			h = fnv1a(h, out, n);
		}
	}
	if (getenv("MSILAB_PRINT_MUTATION_HASH"))
		print_message("mutation hash 0x%016llx\n", (unsigned long long)h);
	assert_int_equal(h, MUTATION_HASH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_decoding),
		cmocka_unit_test(test_x86_decoding),
		cmocka_unit_test(test_empty_and_short_inputs),
		cmocka_unit_test(test_random_bytes_decode_valid),
		cmocka_unit_test(test_corpus_encode_round_trip),
		cmocka_unit_test(test_mutator_outputs_decode),
		cmocka_unit_test(test_mutator_x86),
		cmocka_unit_test(test_mutator_same_on_every_compiler),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
