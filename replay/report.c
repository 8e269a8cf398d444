// SPDX-License-Identifier: GPL-2.0
/*
 * report.c - the report of one reproducer (report.h, formats in
 * replay/REPORT.md).
 *
 * The reproducer is replayed twice through replay_file(): once for the
 * verdict (which step breaks which invariant first), once with a per-step
 * observer that keeps the steps around that one and, for the timeline, the
 * ITS state after each (model.h read-only views: devices, EventID bitmaps,
 * free LPI ranges).  The file is also read once for its declarations and
 * markers.  Everything written depends only on the input: no time, no
 * address, no build detail besides the msilab version.  Text and JSON are
 * written here, HTML in report_html.c, KUnit in report_kunit.c.
 */
#include <stdlib.h>
#include <string.h>

#include "bugs.h"
#include "msilab_version.h"
#include "replay.h"
#include "report.h"
#include "report_local.h"

/* ---- escaping ---- */

/* Length of the valid UTF-8 sequence at @s (not NUL), 0 when invalid. */
size_t rep_utf8_len(const unsigned char *s)
{
	unsigned int need, cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		need = 1, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		need = 2, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		need = 3, cp = s[0] & 0x07;
	else
		return 0;
	for (unsigned int i = 1; i <= need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((need == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (need == 3 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return need + 1;
}

/* Text for HTML and SVG (XML-safe: also valid in XHTML). */
void rep_put_html(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = rep_utf8_len(p);

		if (!n) {
			fputs("&#xfffd;", f);
			p++;
			continue;
		}
		switch (*p) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			if (*p < 0x20 && *p != '\n' && *p != '\t')
				fputs("&#xfffd;", f);	/* not allowed in XML 1.0 */
			else
				fwrite(p, 1, n, f);
		}
		p += n;
	}
}

static void put_json(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	while (*p) {
		size_t n = rep_utf8_len(p);

		if (!n) {
			fputs("\\ufffd", f);
			p++;
			continue;
		}
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fwrite(p, 1, n, f);
		p += n;
	}
	fputc('"', f);
}

static void put_json_or_null(FILE *f, const char *s)
{
	if (s)
		put_json(f, s);
	else
		fputs("null", f);
}

/* Text inside a C comment: ASCII only, no comment delimiter. */
void rep_put_ccomment(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p == '*' && p[1] == '/') || (*p == '/' && p[1] == '*'))
			fprintf(f, "%c ", *p);	/* neither close nor nest a comment */
		else if (*p == '\t')
			fputc(' ', f);
		else if (*p < 0x20 || *p >= 0x7f)
			fputc('?', f);
		else
			fputc(*p, f);
	}
}

/*
 * One paragraph of a C comment: @text made comment-safe as rep_put_ccomment()
 * does, wrapped at spaces to lines of about 76 columns, each starting with
 * @prefix (" * ", or "\t * ").  A word longer than a line stays whole.
 */
void rep_comment_para(FILE *f, const char *prefix, const char *text)
{
	char word[512];
	size_t col = 0, wl = 0;
	bool start = true;

	for (const unsigned char *p = (const unsigned char *)text;; p++) {
		if (*p && *p != ' ' && *p != '\t' && *p != '\n') {
			if (wl + 3 < sizeof(word)) {
				if (wl && ((*p == '/' && word[wl - 1] == '*') ||
					   (*p == '*' && word[wl - 1] == '/')))
					word[wl++] = ' ';	/* neither close nor nest a comment */
				word[wl++] = *p < 0x20 || *p >= 0x7f ? '?' : (char)*p;
			}
			continue;
		}
		if (wl) {
			if (start || col + 1 + wl > 76) {
				fprintf(f, "%s%s", start ? "" : "\n", prefix);
				col = 0;
			} else {
				fputc(' ', f);
				col++;
			}
			fwrite(word, 1, wl, f);
			col += wl;
			wl = 0;
			start = false;
		}
		if (!*p)
			break;
	}
	if (start)
		fprintf(f, "%s", prefix);
	fputc('\n', f);
}

/* Text for the terminal: control characters shown as '?'. */
static void put_text(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, f);
}

/* ---- the invariants (spec section 6), one line each ---- */

static const struct { const char *id, *what; } invariants[] = {
	{ "INV-P1", "prepare exactly once per device MSI domain, before any allocation" },
	{ "INV-P2", "teardown exactly once, only after a successful prepare" },
	{ "INV-P3", "every allocation and the teardown use the its_device that prepare made" },
	{ "INV-P4", "the nvec given to prepare covers the domain's hwsize" },
	{ "INV-I1", "no orphaned EventIDs: the set bits of lpi_map are the EventIDs of live irqs" },
	{ "INV-I2", "nr_lpis and nr_ites are powers of two, 1 <= nr_lpis <= nvecs <= nr_ites" },
	{ "INV-I3", "LPI conservation: free ranges + the its_devices' LPIs == the pool" },
	{ "INV-I4", "LPI ranges of its_devices are disjoint from each other and from the free list" },
	{ "INV-I5", "ITS commands stay inside the ITT and the EventID width (GITS_TYPER.IDbits)" },
	{ "INV-I6", "no use of a freed its_device" },
	{ "INV-I7", "one its_device per DevID per ITS" },
	{ "INV-I8", "shared is permanent: a shared its_device is never unshared or freed" },
	{ "INV-I9", "an its_device is freed only where its kernel version frees it" },
	{ "INV-M1", "Multi-MSI alignment: consecutive irqs on an aligned block of EventIDs" },
	{ "INV-M2", "descriptor association: desc.irq set iff all its irqs exist" },
	{ "INV-M3", "no two live irqs of one MSI domain share a hwirq" },
	{ "INV-M4", "rollback completeness: a failed allocation returns everything it took" },
	{ "INV-C1", "PCI state: MSI and MSI-X are never both enabled" },
	{ "INV-C2", "every Linux irq allocated through MSI is freed exactly once" },
	{ "INV-C3", "devres ordering: no descriptor left when msi_device_data_release runs" },
	{ "INV-X1", "x86 irq_matrix bitmap accounting" },
	{ "INV-X2", "x86 global_reserved matches the irqs with a reserved vector" },
	{ "INV-X3", "x86 global_available is the sum over online CPUs" },
	{ "INV-X4", "x86 per-CPU available accounting" },
	{ "INV-X5", "x86 each allocated (cpu, vector) has exactly one owner" },
	{ "INV-X6", "x86 irq_vectors and irq_matrix trace events pair up" },
};

const char *rep_invariant_what(const char *id)
{
	for (size_t i = 0; i < sizeof(invariants) / sizeof(invariants[0]); i++)
		if (!strcmp(invariants[i].id, id))
			return invariants[i].what;
	return NULL;
}

/* ---- EventID states ---- */

const struct rep_eid_state rep_eid_states[] = {
	[ML_EID_FREE] = { '.', "free", "free" },
	[ML_EID_MAPPED] = { 'M', "mapped", "mapped: a live irq has it" },
	[ML_EID_HELD] = { 'h', "held", "padding held by its live Multi-MSI block" },
	[ML_EID_ORPHAN_PAD] = { 'P', "orphan-padding",
				"orphan: padding of a freed non-power-of-two block (B3)" },
	[ML_EID_ORPHAN_FAIL] = { 'F', "orphan-failed",
				 "orphan: left by a failed its_irq_domain_alloc (B7)" },
	[ML_EID_ORPHAN] = { 'O', "orphan", "orphan: set in lpi_map, no live irq" },
};

static char *xstrdup(struct report *r, const char *s)
{
	char *p = strdup(s);

	if (!p)
		r->oom = true;
	return p;
}

static void *xcalloc(struct report *r, size_t n, size_t size)
{
	void *p = n ? calloc(n, size) : NULL;

	if (n && !p)
		r->oom = true;
	return p;
}

static void free_report(struct report *r)
{
	for (uint32_t i = 0; r->steps && i + r->list_first <= r->list_last; i++) {
		struct rep_step *s = &r->steps[i];

		free(s->text);
		for (uint32_t j = 0; s->ev && j < s->nev; j++)
			free(s->ev[j]);
		free(s->ev);
		for (uint32_t j = 0; s->viol && j < s->nviol; j++)
			free(s->viol[j].detail);
		free(s->viol);
		if (s->snap) {
			for (uint32_t j = 0; j < s->snap->ndev; j++)
				free(s->snap->dev[j].eid);
			free(s->snap->dev);
			free(s->snap);
		}
		free(s->markers);
	}
	free(r->steps);
	for (uint32_t i = 0; i < r->nmarkers; i++)
		free(r->markers[i].text);
	free(r->markers);
	free(r->kret);
	free(r->lanes);
	free(r->decls);
	free(r->res);
}

struct rep_step *rep_listed(const struct report *r, uint32_t step)
{
	if (!r->steps || step < r->list_first || step > r->list_last)
		return NULL;
	return &r->steps[step - r->list_first];
}

/* ---- the per-step observer ---- */

static void snap_take(struct report *r, struct rep_step *s, const struct ml_ctx *m)
{
	struct ml_its_dev_view v;
	struct rep_snap *sn;
	uint32_t n = 0;

	sn = s->snap = xcalloc(r, 1, sizeof(*sn));
	if (!sn)
		return;
	for (int i = ml_its_dev_next(m, -1, &v); i >= 0; i = ml_its_dev_next(m, i, &v))
		n++;
	sn->dev = xcalloc(r, n, sizeof(*sn->dev));
	if (n && !sn->dev)
		return;
	for (int i = ml_its_dev_next(m, -1, &v); i >= 0 && sn->ndev < n;
	     i = ml_its_dev_next(m, i, &v)) {
		struct rep_dev *d = &sn->dev[sn->ndev++];
		uint32_t want = v.nr_lpis < EID_MAX ? v.nr_lpis : EID_MAX;

		d->v = v;
		d->eid = xcalloc(r, want ? want : 1, 1);
		if (d->eid)
			d->neid = ml_its_dev_eventids(m, v.slot, d->eid, want);
	}
	for (uint32_t i = 0; i < r->nits; i++) {
		struct rep_its *it = &sn->its[i];
		uint32_t base, span;

		for (unsigned int k = 0; !ml_its_free_lpis(m, i, k, &base, &span); k++) {
			if (it->nkept < FREE_MAX) {
				it->r[it->nkept].base = base;
				it->r[it->nkept].span = span;
				it->nkept++;
			}
			it->nfree++;
			it->free_total += span;
		}
	}
}

static void on_step(void *arg, const struct replay_step *st)
{
	struct report *r = arg;
	struct rep_step *s;

	if (st->step == 1) {
		r->nits = ml_its_count(st->m);
		if (r->nits > ML_MAX_ITS)
			r->nits = ML_MAX_ITS;
		for (uint32_t i = 0; i < r->nits; i++)
			ml_its_lpi_pool(st->m, i, &r->pool_base[i], &r->pool_size[i]);
	}
	if (r->kret && st->step >= 1 && st->step <= r->nsteps)
		r->kret[st->step - 1] = st->kret;
	s = rep_listed(r, st->step);
	if (!s)
		return;
	s->step = st->step;
	s->line = st->line;
	s->text = xstrdup(r, st->text);
	s->kret = st->kret;
	s->has_kret = st->has_kret;
	s->ev = xcalloc(r, st->nev, sizeof(*s->ev));
	for (uint32_t i = 0; s->ev && i < st->nev; i++) {
		replay_event_to_mlog(&st->ev[i], &r->tmp);
		if (mlog_format_event(r->buf, sizeof(r->buf), st->decls, &r->tmp) < 0)
			snprintf(r->buf, sizeof(r->buf), "< %s", mlog_verb_name(r->tmp.verb));
		s->ev[s->nev] = xstrdup(r, r->buf);
		if (s->ev[s->nev])
			s->nev++;
	}
	s->viol = xcalloc(r, st->nviol, sizeof(*s->viol));
	for (uint32_t i = 0; s->viol && i < st->nviol; i++) {
		struct rep_viol *v = &s->viol[s->nviol];

		snprintf(v->inv, sizeof(v->inv), "%s", st->viol[i].inv);
		snprintf(v->bug, sizeof(v->bug), "%s", st->viol[i].bug ? st->viol[i].bug : "");
		v->detail = xstrdup(r, st->viol[i].detail);
		if (v->detail)
			s->nviol++;
	}
	if (st->step >= r->tl_first && st->step <= r->tl_last)
		snap_take(r, s, st->m);
}

/* ---- windows, lanes, scales ---- */

/* At most @max steps of 1..n around @focus (0: from the start). */
static void window(uint32_t n, uint32_t focus, uint32_t max, uint32_t *first, uint32_t *last)
{
	if (!n) {
		*first = *last = 0;
		return;
	}
	if (n <= max || !focus) {
		*first = 1;
		*last = n < max ? n : max;
		return;
	}
	*last = focus + max / 8 > n ? n : focus + max / 8;
	*first = *last - max + 1;
	if (*first < 1 || *last < max) {
		*first = 1;
		*last = max;
	}
}

static void build_lanes(struct report *r)
{
	uint32_t cap = 0;

	for (uint32_t s = r->tl_first; s && s <= r->tl_last; s++) {
		const struct rep_step *st = rep_listed(r, s);

		if (st && st->snap)
			cap += st->snap->ndev;
	}
	r->lanes = xcalloc(r, cap, sizeof(*r->lanes));
	if (!r->lanes)
		return;
	for (uint32_t s = r->tl_first; s && s <= r->tl_last; s++) {
		const struct rep_step *st = rep_listed(r, s);

		if (!st || !st->snap)
			continue;
		for (uint32_t i = 0; i < st->snap->ndev; i++) {
			const struct rep_dev *d = &st->snap->dev[i];
			struct rep_lane *l = NULL;
			uint32_t cells, rows;

			for (uint32_t k = 0; k < r->nlanes && !l; k++)
				if (r->lanes[k].slot == d->v.slot && r->lanes[k].gen == d->v.gen)
					l = &r->lanes[k];
			if (!l) {
				l = &r->lanes[r->nlanes++];
				l->slot = d->v.slot;
				l->gen = d->v.gen;
				l->v = d->v;
				l->first = s;
			}
			l->last = s;
			l->ever_shared |= d->v.shared;
			cells = d->neid <= CELLS_MAX ? d->neid : CELLS_MAX;
			rows = (cells + CELLS_ROW - 1) / CELLS_ROW;
			if (rows > l->rows)
				l->rows = rows;
			if (cells > l->pitch)
				l->pitch = cells;	/* the largest cell count, for now */
		}
	}
	/* small bitmaps get larger cells: four EventIDs are drawn as a maintainer would */
	for (uint32_t k = 0; k < r->nlanes; k++) {
		struct rep_lane *l = &r->lanes[k];
		uint32_t cols = l->pitch < CELLS_ROW ? (l->pitch ? l->pitch : 1) : CELLS_ROW;

		l->pitch = (COL_W - 12) / cols < PITCH_MAX ? (COL_W - 12) / cols : PITCH_MAX;
	}
	/* the LPI bar shows the part of the pool that was ever touched */
	for (uint32_t i = 0; i < r->nits; i++) {
		uint64_t end = r->pool_base[i], pool_end = (uint64_t)r->pool_base[i] + r->pool_size[i];
		uint64_t span = 16;

		for (uint32_t s = r->tl_first; s && s <= r->tl_last; s++) {
			const struct rep_step *st = rep_listed(r, s);

			if (!st || !st->snap)
				continue;
			for (uint32_t k = 0; k < st->snap->ndev; k++) {
				const struct rep_dev *d = &st->snap->dev[k];

				if (d->v.its == i && (uint64_t)d->v.lpi_base + d->v.nr_lpis > end)
					end = (uint64_t)d->v.lpi_base + d->v.nr_lpis;
			}
			for (uint32_t k = 0; k < st->snap->its[i].nkept; k++) {
				uint64_t b = st->snap->its[i].r[k].base;
				uint64_t e = b + st->snap->its[i].r[k].span;

				if (e < pool_end && e > end)
					end = e;
				else if (e >= pool_end && b > end)
					end = b;
			}
		}
		while (span < (end - r->pool_base[i]) + (end - r->pool_base[i]) / 4 + 1)
			span *= 2;
		if (span > r->pool_size[i])
			span = r->pool_size[i];
		r->view_end[i] = (uint32_t)(r->pool_base[i] + span);
	}
}


/* ---- shared pieces of the formats ---- */

const char *rep_its_name(const struct report *r, unsigned int its)
{
	return its < r->decls->nits ? r->decls->its[its].name : "its0";
}

const char *rep_dev_name(const struct report *r, int dev)
{
	return dev >= 0 && (uint32_t)dev < r->decls->ndev ? r->decls->dev[dev].name : NULL;
}

const char *rep_source_name(enum mlog_src s)
{
	static const char *const names[] = {
		[MLOG_SRC_SCENARIO] = "scenario", [MLOG_SRC_FTRACE] = "ftrace",
		[MLOG_SRC_TRACE_DAT] = "trace-dat", [MLOG_SRC_LIVE] = "live",
		[MLOG_SRC_FUZZ] = "fuzz", [MLOG_SRC_MINIMIZED] = "minimized",
	};

	return (unsigned int)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

/* Does the stimulus @verb stand for a kernel function that returns a value? */
static bool verb_returns(const char *text)
{
	static const char *const returning[] = {
		"pci_enable_device", "pcim_enable_device", "pci_alloc_irq_vectors",
		"pcim_alloc_irq_vectors", "pci_enable_msi", "pci_enable_msix_range", "request_irq",
		"msi_create_device_irq_domain", "msi_domain_alloc_irqs_range",
		"msi_domain_alloc_irq_at", "msi_device_domain_alloc_wired",
		"platform_device_msi_init_and_alloc_irqs", "cpu_offline", "cpu_online",
		"irq_set_affinity",
	};
	size_t n = strcspn(text, " ");

	for (size_t i = 0; i < sizeof(returning) / sizeof(returning[0]); i++)
		if (strlen(returning[i]) == n && !strncmp(returning[i], text, n))
			return true;
	return false;
}

bool rep_shows_ret(const struct rep_step *s)
{
	return s->has_kret && verb_returns(s->text);
}

/* "verdict" of the whole replay */
const char *rep_verdict(const struct report *r)
{
	return r->res->violations || r->res->divergences ? "found" : "clean";
}

/* Catalogue match as one word: known, new, none. */
const char *rep_match_kind(const struct report *r)
{
	if (r->bug)
		return "known";
	return r->res->has_violation || r->matched_by_triage ? "new" : "none";
}

void rep_switches_on(FILE *f, const struct ml_profile *p, const char *sep, bool json)
{
	const char *s = "";

	for (int i = 0; i < ML_SW__COUNT; i++) {
		if (!((p->sw >> i) & 1))
			continue;
		fputs(s, f);
		if (json)
			put_json(f, ml_switch_name((enum ml_switch)i));
		else
			fputs(ml_switch_name((enum ml_switch)i), f);
		s = sep;
	}
}

/* The hand-set switches ("NAME=on") in the order given, as the caller passed them. */
static void switches_set(FILE *f, const struct report *r, const char *sep, bool json)
{
	for (unsigned int i = 0; i < r->in->nsets; i++) {
		if (i)
			fputs(sep, f);
		if (json)
			put_json(f, r->in->sets[i]);
		else
			fputs(r->in->sets[i], f);
	}
}

/* The state letters of @d ("MMMP"), into @out (at least neid + 1 bytes). */
static void eid_string(const struct rep_dev *d, char *out)
{
	for (uint32_t i = 0; i < d->neid; i++)
		out[i] = rep_eid_states[d->eid[i] < ML_EID_ORPHAN + 1 ? d->eid[i] : ML_EID_ORPHAN].letter;
	out[d->neid] = 0;
}

/* ---- text ---- */

static void text_state(FILE *f, const struct report *r, const struct rep_snap *sn)
{
	char *eid = malloc(EID_MAX + 1);

	for (uint32_t i = 0; i < sn->ndev; i++) {
		const struct rep_dev *d = &sn->dev[i];
		const char *creator = rep_dev_name(r, d->v.creator);

		fprintf(f, "        %s: DevID 0x%x%s%s nr_ites %u LPIs %u-%u EventIDs ",
			rep_its_name(r, d->v.its), d->v.devid, creator ? " " : "", creator ? creator : "",
			d->v.nr_ites, d->v.lpi_base, d->v.lpi_base + d->v.nr_lpis - 1);
		if (eid) {
			eid_string(d, eid);
			fputs(eid, f);
		}
		fprintf(f, "%s%s\n", d->neid < d->v.nr_lpis ? "..." : "", d->v.shared ? " shared" : "");
	}
	for (uint32_t i = 0; i < r->nits; i++) {
		const struct rep_its *it = &sn->its[i];

		fprintf(f, "        %s: free LPIs", rep_its_name(r, i));
		for (uint32_t k = 0; k < it->nkept; k++)
			fprintf(f, " %u-%u", it->r[k].base, it->r[k].base + it->r[k].span - 1);
		if (it->nfree > it->nkept)
			fprintf(f, " (+%u ranges)", it->nfree - it->nkept);
		if (!it->nfree)
			fputs(" none", f);
		fputc('\n', f);
	}
	free(eid);
}

static void text_finding_line(FILE *f, const char *inv, const char *bug, const char *detail)
{
	const char *what = rep_invariant_what(inv);

	fprintf(f, "%s", inv);
	if (what)
		fprintf(f, " (%s)", what);
	if (bug[0])
		fprintf(f, " [known bug %s]", bug);
	fputs(": ", f);
	put_text(f, detail);
}

static void render_text(FILE *f, struct report *r)
{
	const struct replay_result *res = r->res;
	const struct rep_step *fs = rep_listed(r, r->focus);

	fputs("msilab report\n  trace       ", f);
	put_text(f, r->in->mlog_path);
	fputs(" (kernel release=", f);
	put_text(f, r->decls->release);
	fprintf(f, " arch=%s%s%s)\n", r->decls->arch == MLOG_ARCH_X86_64 ? "x86_64" : "arm64",
		r->decls->has_source ? ", source " : "",
		r->decls->has_source ? rep_source_name(r->decls->source) : "");
	fprintf(f, "  profile     %s (%s); switches on: ", res->profile,
		r->prof_from_header ? "from the trace's kernel release" : "--kernel");
	rep_switches_on(f, &r->prof, ", ", false);
	if (r->in->nsets) {
		fputs("; set by hand: ", f);
		switches_set(f, r, ", ", false);
	}
	fputs("\n  signature   ", f);
	put_text(f, r->in->signature ? r->in->signature : "-");
	fprintf(f, "\n  verdict     %s: %u violation%s, %u divergence%s, %u kernel WARNING%s, %u step%s\n",
		!strcmp(rep_verdict(r), "found") ? "FOUND" : "clean", res->violations,
		res->violations == 1 ? "" : "s", res->divergences, res->divergences == 1 ? "" : "s",
		res->warnings, res->warnings == 1 ? "" : "s", res->steps, res->steps == 1 ? "" : "s");
	if (r->bug) {
		fprintf(f, "  catalogue   %s: %s\n", r->bug->id, r->bug->title);
		fprintf(f, "              invariants: %s\n", r->bug->invariant);
		fprintf(f, "              versions:   %s\n", r->bug->affected);
		fprintf(f, "              absent:     %s\n", r->bug->absent);
		fprintf(f, "              upstream:   %s\n", r->bug->upstream);
		if (r->bug->scenario)
			fprintf(f, "              reproducer: corpus/%s\n", r->bug->scenario);
	} else {
		fprintf(f, "  catalogue   %s\n", !strcmp(rep_match_kind(r), "new") ?
			"NEW: no known bug matches" : "none (no violation)");
	}
	if (res->has_violation) {
		fprintf(f, "  violation   step %u, line %u: ", res->first_violation.step,
			res->first_violation.line);
		put_text(f, fs && fs->text ? fs->text : "?");
		fputs("\n              ", f);
		text_finding_line(f, res->first_violation.inv, res->first_violation.bug,
				  res->first_violation.detail);
		fputc('\n', f);
	} else if (res->has_divergence) {
		fprintf(f, "  divergence  step %u, line %u: ", res->first_divergence.step,
			res->first_divergence.line);
		put_text(f, res->first_divergence.detail);
		fputc('\n', f);
	}
	if (!r->list_first) {
		fputs("\nno steps\n", f);
		return;
	}
	fputs("\nsteps", f);
	if (r->list_first > 1 || r->list_last < r->nsteps)
		fprintf(f, " %u-%u of %u", r->list_first, r->list_last, r->nsteps);
	fputs(" (\">>\": the violation; EventIDs: ", f);
	for (unsigned int i = 0; i <= ML_EID_ORPHAN; i++)
		fprintf(f, "%s%c %s", i ? ", " : "", rep_eid_states[i].letter, rep_eid_states[i].what);
	fputs(")\n", f);
	for (uint32_t s = r->list_first; s <= r->list_last; s++) {
		const struct rep_step *st = rep_listed(r, s);

		if (!st->text)
			continue;
		for (uint32_t i = 0; i < st->nmarkers; i++) {
			fputs("  -- ", f);
			put_text(f, st->markers[i]);
			fputc('\n', f);
		}
		fprintf(f, "%s step %u  line %u  ", s == r->focus ? ">>" : "  ", s, st->line);
		put_text(f, st->text);
		if (rep_shows_ret(st))
			fprintf(f, "  => %d", st->kret);
		fputc('\n', f);
		for (uint32_t i = 0; i < st->nev; i++) {
			fputs("        ", f);
			put_text(f, st->ev[i]);
			fputc('\n', f);
		}
		for (uint32_t i = 0; i < st->nviol; i++) {
			fputs("        !! ", f);
			text_finding_line(f, st->viol[i].inv, st->viol[i].bug, st->viol[i].detail);
			fputc('\n', f);
		}
		if (st->snap)
			text_state(f, r, st->snap);
	}
}

/* ---- JSON ---- */

static void json_finding(FILE *f, const struct replay_finding *fd)
{
	fprintf(f, "{\"step\":%u,\"line\":%u,\"kind\":\"%s\",\"invariant\":", fd->step, fd->line,
		fd->inv[0] ? "violation" : "divergence");
	put_json_or_null(f, fd->inv[0] ? fd->inv : NULL);
	fputs(",\"bug\":", f);
	put_json_or_null(f, fd->bug[0] ? fd->bug : NULL);
	fputs(",\"detail\":", f);
	put_json(f, fd->detail);
	fputc('}', f);
}

static void json_state(FILE *f, const struct report *r, const struct rep_snap *sn)
{
	char *eid = malloc(EID_MAX + 1);

	fputs("[", f);
	for (uint32_t i = 0; i < r->nits; i++) {
		const struct rep_its *it = &sn->its[i];
		bool first = true;

		fprintf(f, "%s{\"its\":", i ? "," : "");
		put_json(f, rep_its_name(r, i));
		fputs(",\"devices\":[", f);
		for (uint32_t k = 0; k < sn->ndev; k++) {
			const struct rep_dev *d = &sn->dev[k];

			if (d->v.its != i)
				continue;
			fprintf(f, "%s{\"devid\":\"0x%x\",\"creator\":", first ? "" : ",", d->v.devid);
			put_json_or_null(f, rep_dev_name(r, d->v.creator));
			fprintf(f, ",\"nvecs\":%u,\"nr_ites\":%u,\"lpi_base\":%u,\"nr_lpis\":%u,"
				"\"shared\":%s,\"eventids\":", d->v.nvecs, d->v.nr_ites, d->v.lpi_base,
				d->v.nr_lpis, d->v.shared ? "true" : "false");
			if (eid) {
				eid_string(d, eid);
				put_json(f, eid);
			} else {
				fputs("null", f);
			}
			fputc('}', f);
			first = false;
		}
		fprintf(f, "],\"free_lpis\":{\"ranges\":%u,\"total\":%llu,\"first\":[", it->nfree,
			(unsigned long long)it->free_total);
		for (uint32_t k = 0; k < it->nkept; k++)
			fprintf(f, "%s\"%u-%u\"", k ? "," : "", it->r[k].base,
				it->r[k].base + it->r[k].span - 1);
		fputs("]}}", f);
	}
	fputs("]", f);
	free(eid);
}

static void render_json(FILE *f, struct report *r)
{
	const struct replay_result *res = r->res;
	const struct rep_step *fs = rep_listed(r, r->focus);

	fputs("{\"msilab\":\"report\",\"report_format\":1,\"version\":", f);
	put_json(f, MSILAB_VERSION);
	fputs(",\"trace\":{\"file\":", f);
	put_json(f, r->in->mlog_path);
	fputs(",\"release\":", f);
	put_json(f, r->decls->release);
	fprintf(f, ",\"arch\":\"%s\",\"source\":", r->decls->arch == MLOG_ARCH_X86_64 ? "x86_64" : "arm64");
	put_json_or_null(f, r->decls->has_source ? rep_source_name(r->decls->source) : NULL);
	fputs("},\"profile\":{\"name\":", f);
	put_json(f, r->prof.name);
	fputs(",\"described\":", f);
	put_json(f, res->profile);
	fprintf(f, ",\"from\":\"%s\",\"switches_on\":[", r->prof_from_header ? "trace" : "kernel-option");
	rep_switches_on(f, &r->prof, ",", true);
	fputs("],\"set\":[", f);
	switches_set(f, r, ",", true);
	fputs("]},\"signature\":", f);
	put_json_or_null(f, r->in->signature);
	fprintf(f, ",\"catalogue\":{\"match\":\"%s\",\"id\":", rep_match_kind(r));
	put_json_or_null(f, r->bug ? r->bug->id : NULL);
	fputs(",\"title\":", f);
	put_json_or_null(f, r->bug ? r->bug->title : NULL);
	fputs(",\"invariants\":", f);
	put_json_or_null(f, r->bug ? r->bug->invariant : NULL);
	fputs(",\"versions\":", f);
	put_json_or_null(f, r->bug ? r->bug->affected : NULL);
	fputs(",\"absent\":", f);
	put_json_or_null(f, r->bug ? r->bug->absent : NULL);
	fputs(",\"upstream\":", f);
	put_json_or_null(f, r->bug ? r->bug->upstream : NULL);
	fputs(",\"reproducer\":", f);
	if (r->bug && r->bug->scenario) {
		snprintf(r->buf, sizeof(r->buf), "corpus/%s", r->bug->scenario);
		put_json(f, r->buf);
	} else {
		fputs("null", f);
	}
	fprintf(f, "},\"verdict\":{\"result\":\"%s\",\"steps\":%u,\"violations\":%u,"
		"\"divergences\":%u,\"warnings\":%u},\"violation\":", rep_verdict(r), res->steps,
		res->violations, res->divergences, res->warnings);
	if (res->has_violation) {
		fprintf(f, "{\"step\":%u,\"line\":%u,\"stimulus\":", res->first_violation.step,
			res->first_violation.line);
		put_json_or_null(f, fs ? fs->text : NULL);
		fputs(",\"invariant\":", f);
		put_json(f, res->first_violation.inv);
		fputs(",\"invariant_text\":", f);
		put_json_or_null(f, rep_invariant_what(res->first_violation.inv));
		fputs(",\"bug\":", f);
		put_json_or_null(f, res->first_violation.bug[0] ? res->first_violation.bug : NULL);
		fputs(",\"detail\":", f);
		put_json(f, res->first_violation.detail);
		fputc('}', f);
	} else {
		fputs("null", f);
	}
	fputs(",\"findings\":[", f);
	for (uint32_t i = 0; i < res->nfindings; i++) {
		if (i)
			fputc(',', f);
		json_finding(f, &res->findings[i]);
	}
	fprintf(f, "],\"steps_listed\":{\"first\":%u,\"last\":%u},\"timeline\":{\"first\":%u,"
		"\"last\":%u},\"its\":[", r->list_first, r->list_last, r->tl_first, r->tl_last);
	for (uint32_t i = 0; i < r->nits; i++) {
		fprintf(f, "%s{\"name\":", i ? "," : "");
		put_json(f, rep_its_name(r, i));
		fprintf(f, ",\"event_bits\":%u,\"lpi_pool_base\":%u,\"lpi_pool_size\":%u}",
			i < r->decls->nits ? r->decls->its[i].event_bits : 16, r->pool_base[i], r->pool_size[i]);
	}
	fputs("],\"steps\":[", f);
	for (uint32_t s = r->list_first; s && s <= r->list_last; s++) {
		const struct rep_step *st = rep_listed(r, s);

		fprintf(f, "%s{\"step\":%u,\"line\":%u,\"markers\":[", s == r->list_first ? "" : ",",
			s, st->line);
		for (uint32_t i = 0; i < st->nmarkers; i++) {
			if (i)
				fputc(',', f);
			put_json(f, st->markers[i]);
		}
		fputs("],\"stimulus\":", f);
		put_json_or_null(f, st->text);
		fputs(",\"ret\":", f);
		if (rep_shows_ret(st))
			fprintf(f, "%d", st->kret);
		else
			fputs("null", f);
		fputs(",\"model\":[", f);
		for (uint32_t i = 0; i < st->nev; i++) {
			if (i)
				fputc(',', f);
			put_json(f, st->ev[i]);
		}
		fputs("],\"violations\":[", f);
		for (uint32_t i = 0; i < st->nviol; i++) {
			fputs(i ? ",{\"invariant\":" : "{\"invariant\":", f);
			put_json(f, st->viol[i].inv);
			fputs(",\"bug\":", f);
			put_json_or_null(f, st->viol[i].bug[0] ? st->viol[i].bug : NULL);
			fputs(",\"detail\":", f);
			put_json(f, st->viol[i].detail);
			fputc('}', f);
		}
		fputs("],\"state\":", f);
		if (st->snap)
			json_state(f, r, st->snap);
		else
			fputs("null", f);
		fputc('}', f);
	}
	fputs("]}\n", f);
}

/* ---- putting it together ---- */

/* Declarations and markers (which step each precedes) of the trace. */
static int read_decls(struct report *r, struct mlog_error *err)
{
	struct mlog_event *ev = malloc(sizeof(*ev));
	struct mlog_reader *rd;
	uint32_t step = 0, cap = 0;
	int rc;

	if (!ev || !(r->decls = calloc(1, sizeof(*r->decls)))) {
		free(ev);
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return 2;
	}
	rd = mlog_reader_open(r->in->mlog_path, err);
	if (!rd) {
		free(ev);
		return 2;
	}
	while ((rc = mlog_read(rd, ev)) > 0) {
		if (ev->verb == MLOG_V_NONE)
			continue;
		if (mlog_verb_class(ev->verb) == MLOG_C_STIM) {
			step++;
		} else if (ev->verb == MLOG_V_MARKER) {
			if (r->nmarkers == cap) {
				void *p;

				cap = cap ? cap * 2 : 8;
				p = realloc(r->markers, cap * sizeof(*r->markers));
				if (!p) {
					r->oom = true;
					break;
				}
				r->markers = p;
			}
			snprintf(r->buf, sizeof(r->buf), "%.*s", ev->str_len[MLOG_K_TEXT],
				 mlog_str(ev, MLOG_K_TEXT));
			r->markers[r->nmarkers].before_step = step + 1;
			r->markers[r->nmarkers].text = xstrdup(r, r->buf);
			r->nmarkers++;
		}
	}
	if (rc < 0)
		*err = *mlog_reader_error(rd);
	*r->decls = *mlog_reader_decls(rd);
	mlog_reader_close(rd);
	free(ev);
	return rc < 0 ? 2 : 0;
}

static int fail(struct mlog_error *err, const char *path, const char *fmt, const char *arg)
{
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", path ? path : "msilab report");
	snprintf(err->msg, sizeof(err->msg), fmt, arg);
	return 2;
}

int report_render_verdict(const struct report_input *in, enum report_format fmt, FILE *out,
			  struct mlog_error *err, bool *found)
{
	struct report *r;
	struct replay_opts o;
	char msg[256];
	int ret = 0;

	if (found)
		*found = false;
	if (!in || !in->mlog_path)
		return fail(err, NULL, "%s", "no reproducer given");
	memset(err, 0, sizeof(*err));
	if ((unsigned int)fmt > REPORT_KUNIT)
		return fail(err, in->mlog_path, "%s", "unknown report format");
	memset(&o, 0, sizeof(o));
	for (unsigned int i = 0; i < in->nsets; i++)
		if (!in->sets || !in->sets[i] || replay_parse_set(in->sets[i], &o.set, msg, sizeof(msg)))
			return fail(err, in->mlog_path, "%s", in->sets && in->sets[i] ? msg : "--set: NULL");
	if (in->kernel) {
		if (ml_profile_lookup(in->kernel, &o.profile) &&
		    ml_profile_from_release(in->kernel, &o.profile))
			return fail(err, in->mlog_path, "unknown kernel \"%s\" (msilab models 6.1, 6.12, "
				    "6.15, 6.16, 6.18)", in->kernel);
		o.have_kernel = true;
	}
	if (in->bug && !msilab_bug_find(in->bug))
		return fail(err, in->mlog_path, "\"%s\" is not in the known-bug catalogue (msilab bugs)",
			    in->bug);
	r = calloc(1, sizeof(*r));
	if (!r)
		return fail(err, in->mlog_path, "%s", "out of memory");
	r->in = in;
	r->res = malloc(sizeof(*r->res));
	if (!r->res) {
		ret = fail(err, in->mlog_path, "%s", "out of memory");
		goto out;
	}

	/* pass 1: the verdict */
	o.quiet = o.json = true;
	replay_file(in->mlog_path, &o, out, r->res);
	if (r->res->bad_input) {
		*err = r->res->error;
		ret = 2;
		goto out;
	}
	ret = read_decls(r, err);
	if (ret)
		goto out;
	r->prof = o.profile;
	r->prof_from_header = !o.have_kernel;
	if (!o.have_kernel && ml_profile_from_release(r->decls->release, &r->prof)) {
		ret = fail(err, in->mlog_path, "no behaviour profile for kernel release \"%s\"",
			   r->decls->release);
		goto out;
	}
	replay_apply_switches(&r->prof, &o.set);
	r->nsteps = r->res->steps;
	r->focus = r->res->has_violation ? r->res->first_violation.step :
		   r->res->has_divergence ? r->res->first_divergence.step : 0;
	window(r->nsteps, r->focus, LIST_MAX, &r->list_first, &r->list_last);
	window(r->nsteps, r->focus, TL_MAX_COLS, &r->tl_first, &r->tl_last);
	if (r->list_first) {
		r->steps = xcalloc(r, r->list_last - r->list_first + 1, sizeof(*r->steps));
		r->kret = xcalloc(r, r->nsteps, sizeof(*r->kret));
	}
	if (r->in->signature) {
		r->matched_by_triage = true;
		r->bug = in->bug ? msilab_bug_find(in->bug) : NULL;
	} else {
		const char *id = in->bug ? in->bug :
				 r->res->has_violation && r->res->first_violation.bug[0] ?
				 r->res->first_violation.bug : NULL;

		r->bug = id ? msilab_bug_find(id) : NULL;
	}

	/* pass 2: the steps and the ITS state after each */
	if (!r->oom && r->list_first) {
		struct replay_result *again = malloc(sizeof(*again));

		if (!again) {
			r->oom = true;
		} else {
			o.on_step = on_step;
			o.on_step_arg = r;
			replay_file(in->mlog_path, &o, out, again);
			if (again->bad_input || again->steps != r->nsteps) {
				free(again);
				ret = fail(err, in->mlog_path, "%s", "the second replay differs from the first");
				goto out;
			}
			free(again);
		}
	}
	for (uint32_t i = 0; i < r->nmarkers && r->steps; i++) {
		struct rep_step *s = rep_listed(r, r->markers[i].before_step);
		char **p;

		if (!s || !r->markers[i].text)
			continue;
		p = realloc(s->markers, (s->nmarkers + 1) * sizeof(*p));
		if (!p) {
			r->oom = true;
			break;
		}
		s->markers = p;
		s->markers[s->nmarkers++] = r->markers[i].text;
	}
	build_lanes(r);
	if (r->oom) {
		ret = fail(err, in->mlog_path, "%s", "out of memory");
		goto out;
	}
	switch (fmt) {
	case REPORT_TEXT:
		render_text(out, r);
		break;
	case REPORT_JSON:
		render_json(out, r);
		break;
	case REPORT_HTML:
		rep_render_html(out, r);
		break;
	case REPORT_KUNIT:
		ret = rep_render_kunit(out, r, err);
		break;
	}
	if (!ret && found)
		*found = r->res->violations || r->res->divergences;
out:
	free_report(r);
	free(r);
	return ret;
}

int report_render(const struct report_input *in, enum report_format fmt, FILE *out,
		  struct mlog_error *err)
{
	return report_render_verdict(in, fmt, out, err, NULL);
}
