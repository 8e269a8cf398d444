/* SPDX-License-Identifier: GPL-2.0 */
/*
 * replay.h - drive the model with a trace's stimuli, compare what it does
 * with the trace's observations, and report violations and divergences.
 */
#ifndef MSILAB_REPLAY_H
#define MSILAB_REPLAY_H

#include <stdbool.h>
#include <stdio.h>

#include "mlog.h"
#include "model.h"

/**
 * struct replay_step - one replayed step, handed to replay_opts.on_step
 * (reports draw their timeline from it).  Everything lives until the
 * callback returns; @m is the machine after the step, read it with the
 * model's read-only views (model.h).
 */
struct replay_step {
	uint32_t step;			/* 1-based */
	uint32_t line;			/* of the stimulus */
	const char *text;		/* the stimulus, canonical, without pid= and t= */
	int kret;			/* what the kernel function returned */
	bool has_kret;			/* false for a fault line */
	const struct ml_event *ev;	/* what the model did, in order */
	uint32_t nev;
	const struct ml_violation *viol;	/* invariants broken at this step */
	unsigned int nviol;
	const struct mlog_decls *decls;
	const struct ml_ctx *m;
};

/* Switches set by hand on top of a profile ("--set NAME=on|off"). */
struct replay_switches {
	uint64_t on, off;
};

struct replay_opts {
	bool have_kernel;		/* --kernel given: overrides the header */
	struct ml_profile profile;
	struct replay_switches set;
	bool verbose;			/* -v: per-step timeline */
	bool quiet;			/* no per-finding lines, verdict only */
	bool json;
	bool full_check;		/* --full-check: ml_set_full_check() */
	/* Called after every step when set (NULL: not called). */
	void (*on_step)(void *arg, const struct replay_step *s);
	void *on_step_arg;
};

#define REPLAY_MAX_FINDINGS 32

/** struct replay_finding - one violation or divergence, for reports */
struct replay_finding {
	uint32_t step;
	uint32_t line;
	char inv[16];			/* "INV-I1", or "" for a divergence */
	char bug[8];			/* known-bug id or "" */
	char detail[512];
};

/** struct replay_result - the verdict of one file under one profile */
struct replay_result {
	char profile[96];		/* profile name, with hand-set switches */
	uint32_t steps;
	uint32_t violations;		/* distinct reports */
	uint32_t divergences;
	uint32_t compared;		/* steps whose observations were compared */
	uint32_t unknown;		/* steps not comparable (lost events) */
	uint32_t warnings;		/* kernel WARN sites reached */
	uint32_t initial_steps;		/* steps before recording_starts */
	uint32_t weakened;		/* values not compared after "concurrent" */
	bool bad_input;
	struct mlog_error error;	/* when bad_input */
	bool has_violation, has_divergence;
	struct replay_finding first_violation;
	struct replay_finding first_divergence;
	uint32_t nfindings;		/* kept for reports (JSON) */
	struct replay_finding findings[REPLAY_MAX_FINDINGS];
};

/* 0 clean, 1 violation or divergence, 2 bad input. */
int replay_file(const char *path, const struct replay_opts *o, FILE *out,
		struct replay_result *res);
int replay_exit_code(const struct replay_result *res);

/* Parse "NAME=on|off" into @set; -1 with a message in @err when wrong. */
int replay_parse_set(const char *arg, struct replay_switches *set, char *err, size_t n);
/* The profile with the hand-set switches applied. */
void replay_apply_switches(struct ml_profile *p, const struct replay_switches *set);

/* Build the model's machine from a trace's declarations. */
int replay_config_from_decls(const struct mlog_decls *d, const struct ml_profile *p,
			     struct ml_config *cfg, char *err, size_t n);
/* Convert a stimulus to a model operation: 0, or -1 when it is not one. */
int replay_op_from_event(const struct mlog_event *ev, struct ml_op *op);
/* The stimulus line of @op, the inverse of replay_op_from_event(); -1 for an
 * operation this writer does not know. */
int replay_event_from_op(const struct ml_op *op, struct mlog_event *ev);
/* Convert a model event to the .mlog observation it corresponds to. */
void replay_event_to_mlog(const struct ml_event *me, struct mlog_event *ev);

/* The ITS devices and free LPI ranges of @m, one line each. */
void replay_print_state(FILE *f, const struct mlog_decls *decls, const struct ml_ctx *m);
/* Run @path under two profiles in lockstep; print the first step where they
 * differ.  0 same, 1 different, 2 bad input (@error). */
int replay_diff(const char *path, const struct ml_profile *pa, const struct ml_profile *pb,
		FILE *out, struct mlog_error *error);

/* JSON string escaping helper shared by the commands. */
void json_string(FILE *f, const char *s);

#endif /* MSILAB_REPLAY_H */
