/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzz_campaign.h - the pieces of "msilab fuzz" (cmd_fuzz.c) that do not
 * need a process: forcing a profile and switches on a fuzz target, the
 * engines' status lines, the abort line of fuzz_model.c, the campaign's
 * state file.  fuzz_campaign.c depends on the model and the fuzz decoder
 * only, so that the forced fuzz targets (fuzz/CMakeLists.txt) can link it.
 *
 * Forced targets.  The targets fuzz_model_616 and fuzz_model_615 fix their
 * profile and allow no switch toggle (fz_target_options()); to fuzz another
 * profile, or a profile with a switch set (a proposed fix behind a model
 * switch), the forced variants compile fuzz/fuzz_model.c with
 * -Dfz_decode=fzc_forced_decode: every input is decoded with header byte 0
 * (profile) and the toggles of byte 1 overwritten from the environment,
 *
 *   MSILAB_FUZZ_PROFILE=6.12              the profile (default: the target's)
 *   MSILAB_FUZZ_SET=ITS_EXACT_EVENTID_COUNT=on,...   switches of fz_switch_list
 *
 * and the rest of the input decoded as usual.  The scenario is exactly what
 * fz_decode() gives for the rewritten bytes with every toggle allowed, so
 * fz_encode() of it is an input that the generic target (and plain
 * "msilab decode") runs identically.
 */
#ifndef MSILAB_FUZZ_CAMPAIGN_H
#define MSILAB_FUZZ_CAMPAIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "decoder.h"

/** struct fzc_force - what a forced target overrides in an input */
struct fzc_force {
	int profile;		/* index into ml_profiles(), -1: the target's / input's */
	uint8_t mask;		/* switches of fz_switch_list (bit i) that are forced */
	uint8_t value;		/* their forced state (bit i: on) */
};

/*
 * Parse @profile (NULL: none) and @set ("NAME=on|off[,NAME=on|off...]", NULL
 * or "": none) into @f.  0, or -1 with the reason in @err.
 */
int fzc_force_parse(const char *profile, const char *set, struct fzc_force *f,
		    char *err, size_t n);
/* "NAME=on,NAME=off" of the forced switches of @f into @buf ("" for none). */
void fzc_force_format(const struct fzc_force *f, char *buf, size_t n);
/* fz_decode() of @data under target options @o with @f applied. */
void fzc_force_decode(const uint8_t *data, size_t size, const struct fz_options *o,
		      const struct fzc_force *f, struct fz_scenario *s);
/*
 * The decoder of the forced targets (their fz_decode()): fzc_force_decode()
 * with MSILAB_FUZZ_PROFILE / MSILAB_FUZZ_SET, read once; a malformed value
 * aborts with a message.
 */
void fzc_forced_decode(const uint8_t *data, size_t size, const struct fz_options *o,
		       struct fz_scenario *s);

/** struct fzc_abort - the abort line of fuzz_model.c */
struct fzc_abort {
	char inv[16];		/* "INV-M1" */
	char bug[16];		/* "B3", "" for a violation with no catalogued bug */
	char profile[128];	/* "6.16+ITS_EXACT_EVENTID_COUNT" */
	unsigned int step;
};

/*
 * Parse "msilab: INV-xx violated [known bug Bn] on profile P at step N: ..."
 * (the bracket is optional) at the start of @line: 0, or -1.
 */
int fzc_parse_abort(const char *line, struct fzc_abort *a);
/* The signature of @a: "INV-M1 new 6.16+ITS_EXACT_EVENTID_COUNT", "INV-I1 B3 6.15". */
void fzc_signature(const struct fzc_abort *a, char *buf, size_t n);

/** struct fzc_engine_status - what an engine last said about itself */
struct fzc_engine_status {
	uint64_t execs;		/* this session */
	uint64_t corpus;
	uint64_t crashes;	/* the engine's own count, this session */
	bool valid;
};

/*
 * A libFuzzer stderr line: "#1234: cov: .. corp: 206 exec/s 0
 * oom/timeout/crash: 0/0/10 ..." (-fork) or "#1234\tNEW cov: .. corp:
 * 206/12Kb exec/s: 99 ..." updates @st; 1 if it was a status line, else 0.
 */
int fzc_parse_libfuzzer_line(const char *line, struct fzc_engine_status *st);
/* The value of "KEY : VALUE" in an AFL++ fuzzer_stats file; 0 or -1. */
int fzc_afl_stat(const char *path, const char *key, uint64_t *val);
/* The column @key of the last row of AFL++'s plot_data at @path: 0 or -1. */
int fzc_afl_plot(const char *path, const char *key, uint64_t *val);

/** struct fzc_state - WORKDIR/state.txt, carried over between sessions */
struct fzc_state {
	unsigned int sessions;
	uint64_t execs;		/* total over every session */
	uint64_t seconds;	/* total fuzzing time */
	uint64_t crashes;	/* crashing inputs seen (the distinct ones are findings) */
	uint64_t findings;	/* crashing inputs kept in findings/ */
	uint64_t signatures;	/* distinct signatures */
	char engine[16];
	char kernel[16];
	char set[128];
	char target[64];
};

/* Read @path; a missing file gives a zeroed state and 0.  -1 if malformed. */
int fzc_state_read(const char *path, struct fzc_state *st);
/* Write @path atomically (@path.tmp, fsync, rename); 0 or -1 (errno). */
int fzc_state_write(const char *path, const struct fzc_state *st);
/* Write @len bytes to @path atomically (a temporary name, then rename). */
int fzc_write_atomic(const char *path, const void *data, size_t len);

/* "20", "20s", "30m", "2h" -> seconds; -1 if malformed. */
long fzc_parse_duration(const char *s);
/* FNV-1a 64 of @data, as 16 hex digits into @buf (17 bytes). */
void fzc_hash(const uint8_t *data, size_t len, char buf[17]);

#endif /* MSILAB_FUZZ_CAMPAIGN_H */
