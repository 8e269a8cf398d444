/* SPDX-License-Identifier: GPL-2.0 */
/*
 * triage.h - from crashing inputs to deduplicated, minimized reproducers.
 *
 * A scenario is a machine (the declarations of a .mlog), a behaviour
 * profile and a list of model operations.  It comes from a .mlog file or
 * from fuzz input bytes (fuzz/decoder.h, under the options of the target
 * that found it).  The oracle runs a scenario through the model, every
 * invariant checked after every step, and stops at the first violation
 * that the stop policy counts; the violation's signature,
 *
 *   INV-I1/its_irq_domain_free/its_device@6.15
 *   invariant / kernel function / object kind @ profile
 *
 * identifies the bug (replay/README.md, "Triage signatures").  It depends
 * on the model's verdict only: no address, no input hash, no line number,
 * nothing of the compiler or the build.
 *
 * triage.c: scenarios, the oracle, signatures, the .mlog writer.
 * minimize.c: ddmin over operations, device lifecycles, values.
 * cmd_triage.c, cmd_minimize.c: the commands.
 */
#ifndef MSILAB_TRIAGE_H
#define MSILAB_TRIAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mlog.h"
#include "model.h"

#define TRI_SIG_MAX	256
#define TRI_MAX_STEPS	200000		/* default step bound of a .mlog input */

/** struct tri_stop - which violations end a run (MSILAB_FUZZ_STOP syntax) */
struct tri_stop {
	bool all;		/* every violation (the default) */
	char list[128];		/* else: "B1,B3,new" ("new": untagged) */
};

/** struct tri_scenario - one machine, one profile, one operation list */
struct tri_scenario {
	struct mlog_decls decls;	/* release, ITSes, devices (names kept) */
	struct ml_profile profile;	/* switches applied */
	uint64_t base_sw;		/* the switches of the profile by name */
	uint32_t nops, cap;
	struct ml_op *op;
	char **text;			/* .mlog input: each stimulus as read
					 * (written back when the writer does not
					 * know the operation), else NULL */
	char x86_decls[4096];		/* x86_cpu / x86_irq lines, verbatim */
	bool truncated;			/* more stimuli than the step bound */
};

/** struct tri_load_opts - how to read an input */
struct tri_load_opts {
	const char *target;		/* fuzz target whose decoder options apply
					 * (fz_target_options()), NULL: fuzz_model */
	const char *kernel;		/* --kernel: force this profile */
	const char *set;		/* "SW=on,SW=off" on top of the profile */
	uint32_t max_steps;		/* .mlog inputs: 0 = TRI_MAX_STEPS */
};

enum tri_input_kind { TRI_IN_MLOG, TRI_IN_FUZZ };

/* A .mlog ("mlog N" after any comment lines), not fuzz bytes? */
bool tri_is_mlog(const uint8_t *data, size_t len);
/*
 * Read @path: a .mlog (tri_is_mlog()) or fuzz bytes.  0, or 2 with
 * *err filled (unreadable, malformed, no profile, refused by the model).
 * @kind (may be NULL) says which it was.
 */
int tri_load(const char *path, const struct tri_load_opts *lo, struct tri_scenario *s,
	     enum tri_input_kind *kind, struct mlog_error *err);
/* The same from memory (@name in messages). */
int tri_load_mem(const char *name, const uint8_t *data, size_t len,
		 const struct tri_load_opts *lo, struct tri_scenario *s,
		 enum tri_input_kind *kind, struct mlog_error *err);
void tri_scenario_free(struct tri_scenario *s);
/* Deep copy (@dst uninitialized); 0 or -1 (out of memory). */
int tri_scenario_copy(struct tri_scenario *dst, const struct tri_scenario *src);
/* Keep ops[0..n), drop the rest. */
void tri_scenario_truncate(struct tri_scenario *s, uint32_t n);
/* Remove device @d: its operations, its declaration; later indices and
 * aliases move down (an alias to @d becomes none). */
void tri_scenario_remove_device(struct tri_scenario *s, unsigned int d);

/** struct tri_verdict - what one oracle run found */
struct tri_verdict {
	bool violated;			/* a violation the stop policy counts */
	bool refused;			/* the model refused an operation (bad input) */
	uint32_t step;			/* 1-based step of the violation / refusal */
	uint32_t steps;			/* steps run */
	char inv[16];			/* "INV-I1" */
	char bug[8];			/* "B3", "" when not catalogued */
	char op[64];			/* kernel function the violation is charged to */
	char obj[32];			/* object kind: its_device, lpi_range, ... */
	char profile[128];		/* "6.15", "6.16+ITS_EXACT_EVENTID_COUNT" */
	char sig[TRI_SIG_MAX];		/* "INV/OP/OBJ@PROFILE" */
	char stimulus[64];		/* the operation of that step */
	char detail[320];		/* the model's message */
	char error[256];		/* when refused */
	/* the first violation of the run, whatever the stop policy */
	char first_inv[16];
};

struct tri_oracle;

/* One model context reused across calls (a whole machine: allocate once). */
struct tri_oracle *tri_oracle_new(const struct tri_stop *stop);
void tri_oracle_free(struct tri_oracle *o);
/* Before each step, the oracle stores its 1-based number in *@step (a page
 * shared with a parent that watches for hangs); NULL to stop. */
void tri_oracle_set_progress(struct tri_oracle *o, uint32_t *step);
/* Model runs so far. */
uint64_t tri_oracle_calls(const struct tri_oracle *o);
/*
 * Run @s.  0, with *v filled (v->violated, v->refused or neither), or -1
 * when the machine itself is refused (*v->error says why).
 */
int tri_run(struct tri_oracle *o, const struct tri_scenario *s, struct tri_verdict *v);
/* Does @v keep the bug of @want (same signature, same catalogue tag)? */
bool tri_same_bug(const struct tri_verdict *v, const struct tri_verdict *want);

/* Parse "B1,B3,new" (NULL or "" = every violation); 0 or -1 (@err). */
int tri_stop_parse(const char *list, struct tri_stop *st, char *err, size_t n);

/* Signature of a crash that is not a violation (hang, model crash). */
void tri_signature_other(char *buf, size_t n, const char *what, const char *stimulus,
			 const char *object, const char *profile);

/** struct tri_min_stats - what the minimizer did */
struct tri_min_stats {
	uint64_t calls;			/* oracle calls (model runs) */
	uint64_t calls_ddmin, calls_lifecycle, calls_values;
	uint32_t ops_in;		/* operations of the input */
	uint32_t ops_prefix;		/* up to the violating step */
	uint32_t ops_out;
	uint32_t devs_in, devs_out;
	uint32_t rounds;		/* passes of ddmin + lifecycles + values */
	uint32_t values;		/* values simplified */
};

/*
 * Shrink @s in place to a 1-minimal scenario with the same bug: ddmin over
 * operations, then whole device lifecycles, then value simplification,
 * repeated until a pass changes nothing.  @want: the verdict of @s (run it
 * first).  0, or -1 when @s does not reproduce @want or memory ran out.
 */
int tri_minimize(struct tri_oracle *o, struct tri_scenario *s, const struct tri_verdict *want,
		 struct tri_min_stats *st);

/*
 * The .mlog of @s (source kind=minimized when @minimized): header comments
 * (@comment lines, may be NULL), "# profile:", "# expect:" lines for @v's
 * profile, declarations of the devices left, the operations.  0 or -1.
 */
int tri_write_mlog(FILE *f, const struct tri_scenario *s, const struct tri_verdict *v,
		   const char *const *comment, unsigned int ncomment, bool minimized);

/* A device's / the profile's name for messages. */
const char *tri_profile_name(const struct tri_scenario *s, char *buf, size_t n);
/* "SW=on" strings of the switches that differ from the profile (report --set). */
unsigned int tri_profile_sets(const struct tri_scenario *s, char sets[][64], unsigned int max);

/* FNV-1a 64 of @data as 16 hex digits. */
void tri_hash(const void *data, size_t len, char out[17]);

int cmd_triage(int argc, char **argv);
void cmd_triage_usage(FILE *f);
int cmd_minimize(int argc, char **argv);
void cmd_minimize_usage(FILE *f);

#endif /* MSILAB_TRIAGE_H */
