/* SPDX-License-Identifier: GPL-2.0 */
/*
 * report_local.h - what the report's files share (report.c collects the
 * replay and writes text and JSON, report_html.c the HTML page and its SVG
 * timeline, report_kunit.c the KUnit skeleton); not an API: report.h is.
 */
#ifndef MSILAB_REPORT_LOCAL_H
#define MSILAB_REPORT_LOCAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bugs.h"
#include "mlog.h"
#include "model.h"
#include "replay.h"
#include "report.h"

#define TL_MAX_COLS	40	/* timeline columns (steps) */
#define LIST_MAX	400	/* steps listed with what the model did */
#define EID_MAX		65536	/* EventIDs kept per device and step */
#define FREE_MAX	64	/* free LPI ranges kept per ITS and step */
#define CELLS_MAX	64	/* bitmap cells drawn per device and step */
#define CELLS_ROW	8

/* the SVG timeline's geometry, in pixels */
enum {
	LABEL_W = 210, COL_W = 116, PITCH_MAX = 24, LPI_LANE_H = 64,
	LINE_CH = 17,			/* monospace characters per header line */
};


struct rep_dev {			/* one its_device after one step */
	struct ml_its_dev_view v;
	uint32_t neid;
	uint8_t *eid;
};

struct rep_its {			/* one ITS's free list after one step */
	uint32_t nfree, nkept;
	uint64_t free_total;
	struct { uint32_t base, span; } r[FREE_MAX];
};

struct rep_snap {
	uint32_t ndev;
	struct rep_dev *dev;
	struct rep_its its[ML_MAX_ITS];
};

struct rep_viol {
	char inv[16];
	char bug[8];
	char *detail;
};

struct rep_step {
	uint32_t step, line;
	char *text;
	int kret;
	bool has_kret;
	uint32_t nev;
	char **ev;
	uint32_t nviol;
	struct rep_viol *viol;
	struct rep_snap *snap;		/* steps of the timeline only */
	uint32_t nmarkers;		/* markers just before this step */
	char **markers;
};

/* One row of the timeline: one its_device lifetime (slot and creation number). */
struct rep_lane {
	unsigned int slot;
	uint32_t gen;
	struct ml_its_dev_view v;	/* as first seen */
	bool ever_shared;
	uint32_t first, last;		/* steps it is seen at, in the window */
	uint32_t rows;			/* bitmap rows drawn */
	uint32_t pitch;			/* bitmap cell size + gap: larger for small bitmaps */
};

struct report {
	const struct report_input *in;
	struct mlog_decls *decls;
	struct ml_profile prof;
	bool prof_from_header;
	struct replay_result *res;
	uint32_t nsteps;
	uint32_t focus;			/* step marked: first violation, else first divergence */
	uint32_t list_first, list_last;	/* steps listed (0, 0: none) */
	uint32_t tl_first, tl_last;	/* steps drawn */
	struct rep_step *steps;		/* steps[i]: step list_first + i */
	int *kret;			/* every step (KUnit) */
	uint32_t nmarkers;
	struct { uint32_t before_step; char *text; } *markers;
	const struct msilab_bug *bug;	/* catalogue match */
	bool matched_by_triage;
	uint32_t nits;
	uint32_t pool_base[ML_MAX_ITS], pool_size[ML_MAX_ITS];
	uint32_t view_end[ML_MAX_ITS];	/* LPI bar: pool_base .. view_end - 1 */
	uint32_t nlanes;
	struct rep_lane *lanes;
	bool oom;
	struct mlog_event tmp;
	char buf[MLOG_MAX_LINE + 1];
};


/* EventID states of model.h (enum ml_eventid_state): letter, short and long name */
struct rep_eid_state {
	char letter;
	const char *name, *what;
};
extern const struct rep_eid_state rep_eid_states[];

/* ---- report.c: escaping ---- */
/* Length of the valid UTF-8 sequence at @s (not NUL), 0 when invalid. */
size_t rep_utf8_len(const unsigned char *s);
/* Text for HTML and SVG, XML-safe; invalid UTF-8 and control bytes as U+FFFD. */
void rep_put_html(FILE *f, const char *s);
/* Text inside a C comment: ASCII only, no comment delimiter. */
void rep_put_ccomment(FILE *f, const char *s);
/* One comment paragraph, wrapped at about 76 columns, each line after @prefix. */
void rep_comment_para(FILE *f, const char *prefix, const char *text);

/* ---- report.c: the collected report ---- */
/* The one-line meaning of an invariant (spec section 6), NULL if unknown. */
const char *rep_invariant_what(const char *id);
/* The listed step @step, NULL outside the list. */
struct rep_step *rep_listed(const struct report *r, uint32_t step);
const char *rep_its_name(const struct report *r, unsigned int its);
/* Name of device @dev, NULL for -1 or out of range. */
const char *rep_dev_name(const struct report *r, int dev);
const char *rep_source_name(enum mlog_src s);
/* The step's kernel function returns a value worth showing. */
bool rep_shows_ret(const struct rep_step *s);
/* "found" or "clean". */
const char *rep_verdict(const struct report *r);
/* Catalogue match: "known", "new" or "none". */
const char *rep_match_kind(const struct report *r);
/* The switches on in @p, separated by @sep, as JSON strings when @json. */
void rep_switches_on(FILE *f, const struct ml_profile *p, const char *sep, bool json);

/* ---- the formats ---- */
void rep_render_html(FILE *f, struct report *r);		/* report_html.c */
int rep_render_kunit(FILE *f, struct report *r, struct mlog_error *err);	/* report_kunit.c */

#endif /* MSILAB_REPORT_LOCAL_H */
