// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_model.c - the model fuzz target: bytes -> scenario (decoder.h) ->
 * the model, every invariant checked after every operation.  The first
 * violation aborts after ONE line on stderr,
 *
 *   msilab: INV-I1 violated [known bug B3] on profile 6.15 at step 3: detail
 *
 * so that the engine records a crash; "msilab decode --target NAME CRASH"
 * prints the .mlog reproducer (add --no-faults for a FZ_FAULTS=0 build).
 *
 * Build-time options (-D):
 *   FZ_TARGET="fuzz_model_615"  the decoder options of this target
 *                         (fz_target_options(): profile, switch toggles,
 *                         fault points); default "fuzz_model"
 *   FZ_NEW_BUGS_ONLY=1    do not stop on violations tagged with a known bug
 *   FZ_STOP="B12"         the default of MSILAB_FUZZ_STOP (fuzz_model_x86_b12)
 *   FZ_FAULTS=0           drop the fault-point records
 *   FZ_CUSTOM_MUTATOR=0   plain byte mutation (no LLVMFuzzerCustomMutator)
 *   FZ_ALWAYS_INIT=1      ml_ctx_init() for every input (see start_machine())
 *   FZ_TRACE=1            print every step's result and violations on stdout
 *                         (to compare builds)
 *   FZ_NOOP=1             run nothing: the same binary, instrumentation and
 *                         mutator with an empty LLVMFuzzerTestOneInput, the
 *                         floor of the exec/s benchmark (tools/bench/bench_fuzz.sh)
 *
 * Run-time: MSILAB_FUZZ_STOP=B1,B3,new stops only on these known bugs and
 * ("new") on violations without a catalogued bug; set but empty, nothing
 * stops.  For time-to-bug and speed measurements (tools/bench/bench_fuzz.sh).
 * MSILAB_FUZZ_FULL_CHECK=1 checks every invariant on every object after
 * every step (ml_set_full_check()) instead of the operation's scope.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decoder.h"
#include "internals.h"
#include "mutator.h"

#ifndef FZ_NEW_BUGS_ONLY
#define FZ_NEW_BUGS_ONLY 0
#endif
#ifndef FZ_FAULTS
#define FZ_FAULTS 1
#endif
#ifndef FZ_CUSTOM_MUTATOR
#define FZ_CUSTOM_MUTATOR 1
#endif
#ifndef FZ_ALWAYS_INIT
#define FZ_ALWAYS_INIT 0
#endif
#ifndef FZ_TRACE
#define FZ_TRACE 0
#endif
#ifndef FZ_TARGET
#define FZ_TARGET "fuzz_model"
#endif
#ifndef FZ_NOOP
#define FZ_NOOP 0
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What identifies a machine: the decoded header (padding zeroed). */
struct machine_key {
	enum fz_arch arch;
	unsigned int profile;
	uint64_t sw;
	uint32_t cpus, event_bits, devid_bits, lpi_bits, num_lpis, ite_size, ndev;
	struct fz_dev dev[FZ_MAX_DEVS];
};

static struct {
	struct fz_options opts;
	struct ml_ctx *ctx;
	struct fz_scenario sc;
	struct ml_config cfg;
	struct machine_key key;
	bool have_machine;
	const char *stop;		/* MSILAB_FUZZ_STOP or NULL */
	bool full_check;		/* MSILAB_FUZZ_FULL_CHECK=1 */
} g;

static void setup(void)
{
	if (g.ctx)
		return;
	if (fz_target_options(FZ_TARGET, &g.opts)) {
		fprintf(stderr, "msilab: fuzz target %s has no decoder options\n", FZ_TARGET);
		abort();
	}
	if (!FZ_FAULTS)
		g.opts.fault_mask = 0;
	g.stop = getenv("MSILAB_FUZZ_STOP");
#ifdef FZ_STOP
	if (!g.stop)
		g.stop = FZ_STOP;
#endif
	g.full_check = getenv("MSILAB_FUZZ_FULL_CHECK") &&
		       !strcmp(getenv("MSILAB_FUZZ_FULL_CHECK"), "1");
	g.ctx = malloc(ml_ctx_size());
	if (!g.ctx)
		abort();
	ml_config_init(&g.cfg);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setup();
	return 0;
}

static void make_key(const struct fz_scenario *s, struct machine_key *k)
{
	memset(k, 0, sizeof(*k));
	k->arch = s->arch;
	k->profile = s->profile;
	k->sw = s->sw;
	k->cpus = s->cpus;
	k->event_bits = s->event_bits;
	k->devid_bits = s->devid_bits;
	k->lpi_bits = s->lpi_bits;
	k->num_lpis = s->num_lpis;
	k->ite_size = s->ite_size;
	k->ndev = s->ndev;
	for (unsigned int i = 0; i < s->ndev; i++) {
		k->dev[i].bus = s->dev[i].bus;
		k->dev[i].intx = s->dev[i].intx;
		k->dev[i].msi_mask = s->dev[i].msi_mask;
		k->dev[i].alias = s->dev[i].alias;
		k->dev[i].devid = s->dev[i].devid;
		k->dev[i].msi = s->dev[i].msi;
		k->dev[i].msix = s->dev[i].msix;
		k->dev[i].bdf = s->dev[i].bdf;
	}
}

/*
 * ml_ctx_reset() and ml_ctx_reconfigure() cost what the last run touched
 * (a few microseconds); ml_ctx_init() clears the whole 10 MB context
 * (about 160 us), so it runs once.  Same machine: reset; another machine:
 * reconfigure.
 */
static void start_machine(const struct fz_scenario *s)
{
	struct machine_key k;

	make_key(s, &k);
	if (!FZ_ALWAYS_INIT && g.have_machine && !memcmp(&k, &g.key, sizeof(k))) {
		ml_ctx_reset(g.ctx);
		return;
	}
	fz_config_update(s, &g.cfg);
	if (FZ_ALWAYS_INIT || !g.have_machine ? ml_ctx_init(g.ctx, &g.cfg) :
	    ml_ctx_reconfigure(g.ctx, &g.cfg)) {
		fprintf(stderr, "msilab: decoder bug: machine refused: %s\n", ml_error(g.ctx));
		abort();
	}
	ml_set_full_check(g.ctx, g.full_check);
	g.key = k;
	g.have_machine = true;
}

/* Does known bug @bug (NULL: untagged) stop the run (MSILAB_FUZZ_STOP)? */
static bool stops(const char *bug)
{
	size_t n;

	if (!g.stop)
		return !bug || !FZ_NEW_BUGS_ONLY;
	if (!bug)
		bug = "new";
	n = strlen(bug);
	for (const char *p = g.stop; *p; p += strcspn(p, ","), p += *p == ',')
		if (strcspn(p, ",") == n && !strncmp(p, bug, n))
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_scenario *s = &g.sc;
	struct ml_profile p;
	char pname[256];

	setup();
	if (FZ_NOOP)
		return 0;
	fz_decode(data, size, &g.opts, s);
	start_machine(s);
	for (uint32_t i = 0; i < s->nops; i++) {
		const struct ml_violation *v;
		unsigned int nv;
		int kret;

		if (ml_apply(g.ctx, &s->op[i], &kret)) {
			fprintf(stderr, "msilab: decoder bug: step %u: %s refused: %s\n", i + 1,
				ml_op_name(s->op[i].kind), ml_error(g.ctx));
			abort();
		}
		nv = ml_violations(g.ctx, &v);
		if (FZ_TRACE) {
			printf("%u %s %d", i + 1, ml_op_name(s->op[i].kind), kret);
			for (unsigned int j = 0; j < nv; j++)
				printf(" %s/%s", v[j].inv, v[j].bug ? v[j].bug : "-");
			printf("\n");
		}
		for (unsigned int j = 0; j < nv; j++) {
			if (!stops(v[j].bug))
				continue;
			fz_profile(s, &p);
			ml_profile_describe(&p, pname, sizeof(pname));
			if (v[j].bug)
				fprintf(stderr, "msilab: %s violated [known bug %s] on profile %s at step %u: %s\n",
					v[j].inv, v[j].bug, pname, i + 1, v[j].detail);
			else
				fprintf(stderr, "msilab: %s violated on profile %s at step %u: %s\n",
					v[j].inv, pname, i + 1, v[j].detail);
			abort();
		}
	}
	return 0;
}

#if FZ_CUSTOM_MUTATOR
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size) __attribute__((weak));
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);
size_t LLVMFuzzerCustomCrossOver(const uint8_t *data1, size_t size1, const uint8_t *data2,
				 size_t size2, uint8_t *out, size_t max_out_size, unsigned int seed);

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	setup();
	return fz_mutate(data, size, max_size, seed, &g.opts, LLVMFuzzerMutate);
}

size_t LLVMFuzzerCustomCrossOver(const uint8_t *data1, size_t size1, const uint8_t *data2,
				 size_t size2, uint8_t *out, size_t max_out_size, unsigned int seed)
{
	setup();
	return fz_crossover(data1, size1, data2, size2, out, max_out_size, seed, &g.opts);
}
#endif
