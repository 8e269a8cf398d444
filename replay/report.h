/* SPDX-License-Identifier: GPL-2.0 */
/*
 * report.h - the report of one reproducer: what it is, which kernel profile
 * it was run on, which invariant it breaks at which step, which known bug
 * (replay/bugs.c) that is, and the steps that lead there.  Formats: text for
 * the terminal, JSON (stable key order), one self-contained HTML page with an
 * SVG timeline of the ITS state, and a KUnit test skeleton a maintainer can
 * adapt.  replay/REPORT.md describes each format and every JSON field.
 * Output depends only on the input (no time, no address).
 */
#ifndef MSILAB_REPORT_H
#define MSILAB_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "mlog.h"

enum report_format { REPORT_TEXT, REPORT_JSON, REPORT_HTML, REPORT_KUNIT };

/*
 * Catalogue match: with a @signature (triage) the report takes @bug as the
 * match and NULL as "new"; without one, @bug when given, else the known-bug
 * tag the model put on the first violation.
 */
struct report_input {
	const char *mlog_path;		/* the reproducer */
	const char *kernel;		/* profile name, NULL = the trace's own kernel */
	const char *const *sets;	/* "SW=on|off" strings, like replay --set */
	unsigned int nsets;
	const char *signature;		/* triage signature, NULL outside triage */
	const char *bug;		/* catalogue id ("B3") or NULL when new */
};

/* 0, or 2 with *err filled (bad input). */
int report_render(const struct report_input *in, enum report_format fmt, FILE *out, struct mlog_error *err);

/* The same; *found (may be NULL): the reproducer breaks an invariant or
 * diverges on that profile (msilab report exits 1 then). */
int report_render_verdict(const struct report_input *in, enum report_format fmt, FILE *out,
			  struct mlog_error *err, bool *found);

#endif /* MSILAB_REPORT_H */
