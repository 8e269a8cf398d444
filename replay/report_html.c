// SPDX-License-Identifier: GPL-2.0
/*
 * report_html.c - the HTML report (REPORT.md "HTML"): one self-contained
 * page, well-formed as XML, with an inline SVG timeline of the ITS: a column
 * per step, a lane per ITS device lifetime with its EventID bitmap, a lane
 * per ITS with its LPI space, the violating step marked.
 */
#include <string.h>

#include "msilab_version.h"
#include "report_local.h"

static const struct rep_dev *lane_dev(const struct rep_step *st, const struct rep_lane *l)
{
	for (uint32_t i = 0; st && st->snap && i < st->snap->ndev; i++)
		if (st->snap->dev[i].v.slot == l->slot && st->snap->dev[i].v.gen == l->gen)
			return &st->snap->dev[i];
	return NULL;
}

/* ---- HTML ---- */

static const char *const lane_colors[] = {
	"#2b6cb0", "#2f855a", "#6b46c1", "#2c7a7b", "#4a5568", "#b83280", "#2a4365", "#744210",
};
#define NCOLORS (sizeof(lane_colors) / sizeof(lane_colors[0]))

static const char *const eid_fill[] = {
	[ML_EID_FREE] = "#ffffff", [ML_EID_MAPPED] = NULL /* lane colour */,
	[ML_EID_HELD] = NULL /* lane colour, light */, [ML_EID_ORPHAN_PAD] = "#e53e3e",
	[ML_EID_ORPHAN_FAIL] = "#dd6b20", [ML_EID_ORPHAN] = "#9b2c2c",
};

static const char CSS[] =
	"body{font:14px/1.45 \"DejaVu Sans\",\"Segoe UI\",Roboto,Helvetica,Arial,sans-serif;"
	"color:#1a202c;margin:24px;background:#fff}\n"
	"h1{font-size:20px;margin:0 0 12px}\n"
	"h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #e2e8f0;padding-bottom:4px}\n"
	"code,.mono{font-family:\"DejaVu Sans Mono\",Menlo,Consolas,monospace;font-size:12.5px}\n"
	"table.kv{border-collapse:collapse}\n"
	"table.kv th{text-align:left;vertical-align:top;padding:3px 18px 3px 0;color:#4a5568;"
	"font-weight:600;white-space:nowrap}\n"
	"table.kv td{padding:3px 0;vertical-align:top}\n"
	".found{color:#c53030;font-weight:700}\n.clean{color:#2f855a;font-weight:700}\n"
	".new{color:#c05621;font-weight:700}\n"
	".violation{border-left:4px solid #e53e3e;background:#fff5f5;padding:10px 14px;margin:16px 0}\n"
	".violation p{margin:4px 0}\n"
	".tl{overflow-x:auto;border:1px solid #e2e8f0;padding:4px}\n"
	".legend{list-style:none;padding:0;margin:8px 0;display:flex;flex-wrap:wrap;gap:6px 22px;"
	"font-size:13px}\n.legend svg{vertical-align:middle;margin-right:6px}\n"
	"table.steps{border-collapse:collapse;width:100%}\n"
	"table.steps th{text-align:left;background:#edf2f7;padding:4px 8px}\n"
	"table.steps td{border-bottom:1px solid #edf2f7;padding:4px 8px;vertical-align:top}\n"
	"table.steps tr.bad td{background:#fff5f5}\n"
	"table.steps tr.marker td{color:#4a5568;font-style:italic;background:#f7fafc}\n"
	".ev{font-family:\"DejaVu Sans Mono\",Menlo,Consolas,monospace;font-size:11.5px;"
	"color:#4a5568;white-space:pre-wrap}\n"
	".inv{color:#c53030;font-size:13px}\n.ev.warn{color:#c05621;font-weight:700}\n"
	".note{color:#4a5568;font-size:13px}\n"
	"footer{margin-top:32px;color:#718096;font-size:12px}\n";

/*
 * Wrap @s into at most @max lines of LINE_CH characters, breaking after one
 * of @brk if one is near the end of the line, else after one of @alt, else
 * anywhere (never inside a UTF-8 sequence).  A cut last line ends in "...".
 */
static unsigned int wrap(const char *s, const char *brk, const char *alt,
			 char lines[][LINE_CH * 4 + 4], unsigned int max)
{
	unsigned int n = 0;
	size_t len = strlen(s);

	while (len && n < max) {
		size_t take = 0, cols = 0, best = 0, best_alt = 0;

		/* as many characters as fit, remembering the last good breaks */
		while (take < len && cols < LINE_CH) {
			size_t k = rep_utf8_len((const unsigned char *)s + take);

			take += k ? k : 1;
			cols++;
			if (strchr(brk, s[take - 1]))
				best = take;
			else if (strchr(alt, s[take - 1]))
				best_alt = take;
		}
		if (take < len && s[take] != ' ') {
			if (best > take / 3)
				take = best;
			else if (best_alt > take / 3)
				take = best_alt;
		}
		if (n + 1 == max && take < len) {
			/* the last line: cut, and say so */
			while (take && cols >= LINE_CH) {
				do
					take--;
				while (take && ((unsigned char)s[take] & 0xc0) == 0x80);
				cols--;
			}
			memcpy(lines[n], s, take);
			strcpy(lines[n] + take, "\xe2\x80\xa6");
			return n + 1;
		}
		memcpy(lines[n], s, take);
		lines[n][take] = 0;
		while (take && lines[n][take - 1] == ' ')
			lines[n][--take] = 0;
		n++;
		s += take;
		len -= take;
		while (*s == ' ') {
			s++;
			len--;
		}
	}
	return n;
}

static void svg_text(FILE *f, double x, double y, const char *cls, const char *s)
{
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"%s\">", x, y, cls);
	rep_put_html(f, s);
	fputs("</text>\n", f);
}

static uint32_t lane_height(const struct rep_lane *l)
{
	uint32_t h = 28 + (l->rows ? l->rows : 1) * l->pitch + 10;

	return h < 66 ? 66 : h;
}

/*
 * The column header of step @s: violation band, step and line, stimulus.
 * Returns the y of its last line; @f NULL: only that.
 */
static uint32_t svg_head(FILE *f, const struct report *r, const struct rep_step *st, double x)
{
	char lines[6][LINE_CH * 4 + 4], args[MLOG_MAX_LINE + 32], verb[128];
	const char *sp = strchr(st->text, ' ');
	unsigned int nv, na;
	uint32_t y = 38;

	snprintf(verb, sizeof(verb), "%.*s", sp ? (int)(sp - st->text) : (int)strlen(st->text),
		 st->text);
	/* the arguments, "dev=" dropped: the device name speaks for itself */
	args[0] = 0;
	if (sp) {
		const char *a = sp + 1;

		if (!strncmp(a, "dev=", 4))
			a += 4;
		snprintf(args, sizeof(args), "%s", a);
	}
	nv = wrap(verb, "_", "", lines, 3);
	na = wrap(args, " ", "_=,", lines + nv, 5 - nv);
	if (rep_shows_ret(st))
		snprintf(lines[nv + na++], sizeof(lines[0]), "\xe2\x86\x92 %d", st->kret);
	if (!f)
		return (uint32_t)y + 13 * (nv + na);
	if (st->nviol) {
		char band[64];

		snprintf(band, sizeof(band), "\xe2\x9c\x97 %s%s%s", st->viol[0].inv,
			 st->viol[0].bug[0] ? " " : "", st->viol[0].bug);
		if (st->nviol > 1) {
			size_t n = strlen(band);

			snprintf(band + n, sizeof(band) - n, " +%u", st->nviol - 1);
		}
		fprintf(f, "<rect x=\"%.1f\" y=\"2\" width=\"%d\" height=\"18\" rx=\"3\" class=\"%s\"/>\n",
			x + 3, COL_W - 6, st->step == r->focus ? "vband" : "vband2");
		svg_text(f, x + 8, 15, "vtext", band);
	}
	fprintf(f, "<text x=\"%.1f\" y=\"36\" class=\"stepno\">step %u <tspan class=\"lineno\">"
		"line %u</tspan></text>\n", x + 6, st->step, st->line);
	for (unsigned int i = 0; i < nv + na; i++)
		svg_text(f, x + 6, y += 13, i < nv ? "verb" : "args", lines[i]);
	return (uint32_t)y;
}

/* One device's bitmap at one step. */
static void svg_bitmap(FILE *f, const struct report *r, const struct rep_lane *l,
		       const struct rep_dev *d, const char *color, double x, double y)
{
	const uint32_t pitch = l->pitch, cell = pitch - 2;
	uint32_t bits = d->v.its < r->decls->nits ? r->decls->its[d->v.its].event_bits : 16;
	uint64_t width = bits && bits < 32 ? 1ull << bits : 1ull << 32;	/* EventIDs the ITS has */
	uint32_t per = 1, ncells, counts[ML_EID_ORPHAN + 1] = { 0 };
	char summary[64];
	size_t n = 0;

	while (d->neid / per > CELLS_MAX || (d->neid % per && d->neid / per == CELLS_MAX))
		per *= 2;
	ncells = (d->neid + per - 1) / per;
	for (uint32_t i = 0; i < d->neid; i++)
		counts[d->eid[i] <= ML_EID_ORPHAN ? d->eid[i] : ML_EID_ORPHAN]++;
	n += (size_t)snprintf(summary, sizeof(summary), "%u irq%s", counts[ML_EID_MAPPED],
			      counts[ML_EID_MAPPED] == 1 ? "" : "s");
	if (counts[ML_EID_ORPHAN_PAD] + counts[ML_EID_ORPHAN_FAIL] + counts[ML_EID_ORPHAN])
		n += (size_t)snprintf(summary + n, sizeof(summary) - n, ", %u orphan",
				      counts[ML_EID_ORPHAN_PAD] + counts[ML_EID_ORPHAN_FAIL] +
				      counts[ML_EID_ORPHAN]);
	if (d->v.shared && n + 8 <= LINE_CH + 2)
		snprintf(summary + n, sizeof(summary) - n, ", shared");
	svg_text(f, x + 6, y + 15, counts[ML_EID_ORPHAN_PAD] + counts[ML_EID_ORPHAN_FAIL] +
		 counts[ML_EID_ORPHAN] ? "sumbad" : "sum", summary);
	if (d->v.shared) {
		uint32_t rows = (ncells + CELLS_ROW - 1) / CELLS_ROW;

		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%u\" class=\"shared\">"
			"<title>shared its_device</title></rect>\n", x + 4, y + 20,
			(ncells < CELLS_ROW ? ncells : CELLS_ROW) * pitch + 2, rows * pitch + 2);
	}
	for (uint32_t c = 0; c < ncells; c++) {
		uint32_t lo = c * per, hi = lo + per > d->neid ? d->neid : lo + per;
		uint8_t st = ML_EID_FREE;
		double cx = x + 6 + (c % CELLS_ROW) * pitch, cy = y + 22 + (c / CELLS_ROW) * pitch;
		static const uint8_t rank[] = {
			[ML_EID_FREE] = 0, [ML_EID_HELD] = 1, [ML_EID_MAPPED] = 2,
			[ML_EID_ORPHAN] = 3, [ML_EID_ORPHAN_FAIL] = 4, [ML_EID_ORPHAN_PAD] = 5,
		};
		uint32_t cnt[ML_EID_ORPHAN + 1] = { 0 };

		for (uint32_t e = lo; e < hi; e++) {
			uint8_t s = d->eid[e] <= ML_EID_ORPHAN ? d->eid[e] : ML_EID_ORPHAN;

			cnt[s]++;
			if (rank[s] > rank[st])
				st = s;
		}
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%u\" height=\"%u\" class=\"e%u\"",
			cx, cy, cell, cell, st);
		if (st == ML_EID_MAPPED || st == ML_EID_HELD)
			fprintf(f, " fill=\"%s\"", color);
		if (st != ML_EID_FREE && hi > width)
			fputs(" style=\"stroke:#e53e3e;stroke-width:2.5\"", f);
		fputs("><title>", f);
		if (per == 1)
			fprintf(f, "EventID %u, LPI %u: %s", lo, d->v.lpi_base + lo, rep_eid_states[st].what);
		else {
			const char *sep = ": ";

			fprintf(f, "EventIDs %u-%u, LPIs %u-%u", lo, hi - 1, d->v.lpi_base + lo,
				d->v.lpi_base + hi - 1);
			for (unsigned int k = 0; k <= ML_EID_ORPHAN; k++) {
				if (!cnt[k])
					continue;
				fprintf(f, "%s%u %s", sep, cnt[k], rep_eid_states[k].name);
				sep = ", ";
			}
		}
		if (hi > width)
			fprintf(f, "; beyond the ITS EventID width (event_bits %u: EventIDs 0-%llu)", bits,
				(unsigned long long)width - 1);
		fputs("</title></rect>\n", f);
		if (per == 1 && ncells <= CELLS_MAX)
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"%s\" font-size=\"%u\">%u</text>\n",
				cx + cell / 2.0, cy + cell * 0.72, st == ML_EID_FREE ? "enum0" : "enum",
				cell > 14 ? 11 : 7, lo);
	}
}

/* The LPI bar of ITS @its at one step. */
static void svg_lpibar(FILE *f, const struct report *r, const struct rep_step *st, unsigned int its,
		       double x, double y)
{
	const struct rep_snap *sn = st->snap;
	double w = COL_W - 12, x0 = x + 6;
	uint32_t lo = r->pool_base[its], hi = r->view_end[its];
	double scale = hi > lo ? w / (hi - lo) : 0;
	uint64_t owned = 0, lost;
	char text[64];

	/* everything not drawn over is neither free nor owned: lost */
	fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"16\" class=\"lost\"/>\n", x0, y, w);
	for (uint32_t k = 0; k < sn->its[its].nkept; k++) {
		uint64_t b = sn->its[its].r[k].base, e = b + sn->its[its].r[k].span;

		if (b >= hi || e <= lo)
			continue;
		b = b < lo ? lo : b;
		e = e > hi ? hi : e;
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"16\" class=\"free\">"
			"<title>free: LPIs %u-%u</title></rect>\n", x0 + (b - lo) * scale, y,
			(e - b) * scale < 1 ? 1 : (e - b) * scale, sn->its[its].r[k].base,
			sn->its[its].r[k].base + sn->its[its].r[k].span - 1);
	}
	for (uint32_t k = 0; k < sn->ndev; k++) {
		const struct rep_dev *d = &sn->dev[k];
		uint64_t b = d->v.lpi_base, e = b + d->v.nr_lpis;
		uint32_t lane = 0;

		if (d->v.its != its)
			continue;
		owned += d->v.nr_lpis;
		if (b >= hi || e <= lo)
			continue;
		while (lane < r->nlanes && (r->lanes[lane].slot != d->v.slot || r->lanes[lane].gen != d->v.gen))
			lane++;
		b = b < lo ? lo : b;
		e = e > hi ? hi : e;
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"16\" fill=\"%s\">"
			"<title>DevID 0x%x: LPIs %u-%u</title></rect>\n", x0 + (b - lo) * scale, y,
			(e - b) * scale < 1 ? 1 : (e - b) * scale, lane_colors[lane % NCOLORS],
			d->v.devid, d->v.lpi_base, d->v.lpi_base + d->v.nr_lpis - 1);
	}
	fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"16\" class=\"barframe\"/>\n",
		x0, y, w);
	lost = r->pool_size[its] > sn->its[its].free_total + owned ?
	       r->pool_size[its] - sn->its[its].free_total - owned : 0;
	snprintf(text, sizeof(text), "free %llu", (unsigned long long)sn->its[its].free_total);
	svg_text(f, x0, y + 30, "sum", text);
	if (lost) {
		snprintf(text, sizeof(text), "lost %llu", (unsigned long long)lost);
		svg_text(f, x0, y + 43, "sumbad", text);
	}
}

static void render_svg(FILE *f, struct report *r)
{
	uint32_t ncols = r->tl_first ? r->tl_last - r->tl_first + 1 : 0;
	uint32_t width = LABEL_W + ncols * COL_W + 8, head = 0, height, y;
	char text[160];

	/* as high as the tallest column header */
	for (uint32_t c = 0; c < ncols; c++) {
		const struct rep_step *st = rep_listed(r, r->tl_first + c);
		uint32_t h = st->text ? svg_head(NULL, r, st, 0) : 0;

		head = h > head ? h : head;
	}
	head += 12;
	height = head;

	for (uint32_t l = 0; l < r->nlanes; l++)
		height += lane_height(&r->lanes[l]);
	height += r->nits * LPI_LANE_H + 6;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"timeline\" width=\"%u\" "
		"height=\"%u\" viewBox=\"0 0 %u %u\" role=\"img\" data-steps=\"%u\" "
		"data-devices=\"%u\" data-its=\"%u\" data-focus=\"%u\">\n", width, height, width, height,
		ncols, r->nlanes, r->nits, r->focus);
	fputs("<title>ITS state after each step: EventID bitmaps of the ITS devices and the LPI "
	      "space</title>\n<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" "
	      "patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"6\" "
	      "height=\"6\" fill=\"#fed7d7\"/><rect width=\"2.5\" height=\"6\" fill=\"#e53e3e\"/>"
	      "</pattern></defs>\n<style>\n"
	      "text{font-family:\"DejaVu Sans\",Helvetica,Arial,sans-serif;font-size:11px;fill:#1a202c}\n"
	      ".stepno{font-weight:700;font-size:12px}.lineno{font-weight:400;fill:#718096}\n"
	      ".verb{font-family:\"DejaVu Sans Mono\",Menlo,Consolas,monospace;font-size:10px}\n"
	      ".args{font-family:\"DejaVu Sans Mono\",Menlo,Consolas,monospace;font-size:10px;fill:#4a5568}\n"
	      ".vband{fill:#e53e3e}.vband2{fill:#dd6b20}.vtext{fill:#fff;font-weight:700;font-size:11px}\n"
	      ".focus{fill:#fff5f5;stroke:#e53e3e;stroke-width:2}.odd{fill:#f7fafc}\n"
	      ".sep{stroke:#e2e8f0}.lanesep{stroke:#cbd5e0}\n"
	      ".lname{font-weight:700;font-size:12px}.lsub{font-size:10.5px;fill:#4a5568}\n"
	      ".lshared{font-size:10.5px;fill:#c05621}\n"
	      ".sum{font-size:10px;fill:#4a5568}.sumbad{font-size:10px;fill:#c53030;font-weight:700}\n"
	      ".gone{font-size:10px;fill:#a0aec0;font-style:italic}\n"
	      ".e0{fill:#fff;stroke:#a0aec0}.e1{stroke:none}.e2{fill-opacity:.35;stroke:none}\n"
	      ".e3{fill:#e53e3e}.e4{fill:#dd6b20}.e5{fill:#9b2c2c}\n"
	      ".enum{fill:#fff;text-anchor:middle}"
	      ".enum0{fill:#a0aec0;text-anchor:middle}\n"
	      ".shared{fill:none;stroke:#c05621;stroke-dasharray:3 2}\n"
	      ".lost{fill:url(#hatch)}.free{fill:#c6f6d5}.barframe{fill:none;stroke:#4a5568}\n"
	      "</style>\n", f);
	/* columns: background, focus, header */
	for (uint32_t c = 0; c < ncols; c++) {
		const struct rep_step *st = rep_listed(r, r->tl_first + c);
		double x = LABEL_W + c * COL_W;

		fprintf(f, "<g class=\"step-col\" data-step=\"%u\">\n", r->tl_first + c);
		if (st->step == r->focus)
			fprintf(f, "<rect x=\"%.1f\" y=\"1\" width=\"%d\" height=\"%u\" class=\"focus\"/>\n",
				x + 1, COL_W - 2, height - 2);
		else if (c % 2)
			fprintf(f, "<rect x=\"%.1f\" y=\"0\" width=\"%d\" height=\"%u\" class=\"odd\"/>\n",
				x, COL_W, height);
		fputs("<title>", f);
		snprintf(text, sizeof(text), "step %u, line %u: ", st->step, st->line);
		rep_put_html(f, text);
		rep_put_html(f, st->text ? st->text : "");
		fputs("</title>\n", f);
		if (st->text)
			svg_head(f, r, st, x);
		fputs("</g>\n", f);
	}
	fprintf(f, "<line x1=\"0\" y1=\"%u\" x2=\"%u\" y2=\"%u\" class=\"lanesep\"/>\n", head - 4,
		width, head - 4);
	/* one lane per ITS device */
	y = head;
	for (uint32_t l = 0; l < r->nlanes; l++) {
		const struct rep_lane *ln = &r->lanes[l];
		const char *color = lane_colors[l % NCOLORS];
		const char *creator = rep_dev_name(r, ln->v.creator);
		uint32_t h = lane_height(ln);

		fprintf(f, "<g class=\"lane\" data-devid=\"0x%x\" data-its=\"%u\">\n", ln->v.devid, ln->v.its);
		fprintf(f, "<rect x=\"8\" y=\"%u\" width=\"10\" height=\"10\" fill=\"%s\"/>\n", y + 8, color);
		snprintf(text, sizeof(text), "DevID 0x%x", ln->v.devid);
		svg_text(f, 24, y + 17, "lname", text);
		snprintf(text, sizeof(text), "%s%s%s", rep_its_name(r, ln->v.its), creator ? ", created by " : "",
			 creator ? creator : "");
		svg_text(f, 8, y + 32, "lsub", text);
		snprintf(text, sizeof(text), "nr_ites %u, nvecs %u", ln->v.nr_ites, ln->v.nvecs);
		svg_text(f, 8, y + 45, "lsub", text);
		snprintf(text, sizeof(text), "LPIs %u-%u", ln->v.lpi_base, ln->v.lpi_base + ln->v.nr_lpis - 1);
		svg_text(f, 8, y + 58, "lsub", text);
		if (ln->ever_shared)
			svg_text(f, 130, y + 17, "lshared", "shared");
		for (uint32_t c = 0; c < ncols; c++) {
			uint32_t s = r->tl_first + c;
			const struct rep_dev *d = lane_dev(rep_listed(r, s), ln);
			double x = LABEL_W + c * COL_W;

			if (d)
				svg_bitmap(f, r, ln, d, color, x, y);
			else if (s == ln->last + 1)
				svg_text(f, x + 6, y + 15, "gone", "freed");
		}
		fputs("</g>\n", f);
		y += h;
		fprintf(f, "<line x1=\"0\" y1=\"%u\" x2=\"%u\" y2=\"%u\" class=\"sep\"/>\n", y, width, y);
	}
	/* one LPI lane per ITS */
	for (uint32_t i = 0; i < r->nits; i++) {
		fprintf(f, "<g class=\"lpi-lane\" data-its=\"%u\">\n", i);
		snprintf(text, sizeof(text), "%s LPI space", rep_its_name(r, i));
		svg_text(f, 8, y + 17, "lname", text);
		snprintf(text, sizeof(text), "bar: LPIs %u-%u", r->pool_base[i], r->view_end[i] - 1);
		svg_text(f, 8, y + 32, "lsub", text);
		snprintf(text, sizeof(text), "pool %u-%u", r->pool_base[i],
			 r->pool_base[i] + r->pool_size[i] - 1);
		svg_text(f, 8, y + 45, "lsub", text);
		for (uint32_t c = 0; c < ncols; c++) {
			const struct rep_step *st = rep_listed(r, r->tl_first + c);

			if (st->snap)
				svg_lpibar(f, r, st, i, LABEL_W + c * COL_W, y + 6);
		}
		fputs("</g>\n", f);
		y += LPI_LANE_H;
	}
	fputs("</svg>\n", f);
}

static void legend_item(FILE *f, const char *fill, const char *extra, const char *what)
{
	fprintf(f, "<li><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"14\" height=\"14\">"
		"<rect x=\"1\" y=\"1\" width=\"12\" height=\"12\" fill=\"%s\" %s/></svg>", fill, extra);
	rep_put_html(f, what);
	fputs("</li>\n", f);
}

static void html_kv(FILE *f, const char *key)
{
	fprintf(f, "<tr><th>%s</th><td>", key);
}

static void html_finding(FILE *f, const char *inv, const char *bug, const char *detail)
{
	const char *what = rep_invariant_what(inv);

	fputs("<span class=\"inv\"><b>", f);
	rep_put_html(f, inv);
	fputs("</b></span>", f);
	if (what) {
		fputs(" (", f);
		rep_put_html(f, what);
		fputc(')', f);
	}
	if (bug[0]) {
		fputs(" <b>[known bug ", f);
		rep_put_html(f, bug);
		fputs("]</b>", f);
	}
	fputs(": ", f);
	rep_put_html(f, detail);
}

void rep_render_html(FILE *f, struct report *r)
{
	const struct replay_result *res = r->res;
	const struct rep_step *fs = rep_listed(r, r->focus);
	char title[512];
	const char *base = strrchr(r->in->mlog_path, '/');

	base = base ? base + 1 : r->in->mlog_path;
	if (res->has_violation)
		snprintf(title, sizeof(title), "%s: %s%s%s on %s", base, res->first_violation.inv,
			 r->bug ? " " : "", r->bug ? r->bug->id : "", res->profile);
	else
		snprintf(title, sizeof(title), "%s: %s on %s", base, rep_verdict(r), res->profile);
	fputs("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
	      "<meta charset=\"utf-8\"/>\n<meta name=\"generator\" content=\"msilab ", f);
	rep_put_html(f, MSILAB_VERSION);
	fputs("\"/>\n<title>msilab report: ", f);
	rep_put_html(f, title);
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>msilab report: ", CSS);
	rep_put_html(f, title);
	fputs("</h1>\n<table class=\"kv\">\n", f);
	html_kv(f, "trace");
	fputs("<code>", f);
	rep_put_html(f, r->in->mlog_path);
	fputs("</code> (kernel release=<code>", f);
	rep_put_html(f, r->decls->release);
	fprintf(f, "</code> arch=%s%s%s)</td></tr>\n",
		r->decls->arch == MLOG_ARCH_X86_64 ? "x86_64" : "arm64",
		r->decls->has_source ? ", source " : "",
		r->decls->has_source ? rep_source_name(r->decls->source) : "");
	html_kv(f, "profile");
	fputs("<b>", f);
	rep_put_html(f, res->profile);
	fprintf(f, "</b> (%s)<br/>switches on: <code>", r->prof_from_header ?
		"from the trace's kernel release" : "--kernel");
	rep_switches_on(f, &r->prof, ", ", false);
	fputs("</code>", f);
	if (r->in->nsets) {
		fputs("<br/>set by hand: <code>", f);
		for (unsigned int i = 0; i < r->in->nsets; i++) {
			if (i)
				fputs(", ", f);
			rep_put_html(f, r->in->sets[i]);
		}
		fputs("</code>", f);
	}
	fputs("</td></tr>\n", f);
	html_kv(f, "signature");
	fputs("<code>", f);
	rep_put_html(f, r->in->signature ? r->in->signature : "-");
	fputs("</code></td></tr>\n", f);
	html_kv(f, "verdict");
	fprintf(f, "<span class=\"%s\">%s</span>: %u violation%s, %u divergence%s, %u kernel "
		"WARNING%s, %u step%s</td></tr>\n", rep_verdict(r), !strcmp(rep_verdict(r), "found") ?
		"FOUND" : "clean", res->violations, res->violations == 1 ? "" : "s", res->divergences,
		res->divergences == 1 ? "" : "s", res->warnings, res->warnings == 1 ? "" : "s",
		res->steps, res->steps == 1 ? "" : "s");
	html_kv(f, "catalogue");
	if (r->bug) {
		fputs("<b>", f);
		rep_put_html(f, r->bug->id);
		fputs("</b>: ", f);
		rep_put_html(f, r->bug->title);
		fputs("<br/>invariants: ", f);
		rep_put_html(f, r->bug->invariant);
		fputs("<br/>versions: ", f);
		rep_put_html(f, r->bug->affected);
		fputs("<br/>absent: ", f);
		rep_put_html(f, r->bug->absent);
		fputs("<br/>upstream: ", f);
		rep_put_html(f, r->bug->upstream);
		if (r->bug->scenario) {
			fputs("<br/>reproducer: <code>corpus/", f);
			rep_put_html(f, r->bug->scenario);
			fputs("</code>", f);
		}
	} else if (!strcmp(rep_match_kind(r), "new")) {
		fputs("<span class=\"new\">NEW</span>: no known bug matches", f);
	} else {
		fputs("none (no violation)", f);
	}
	fputs("</td></tr>\n</table>\n", f);

	if (res->has_violation) {
		fprintf(f, "<div class=\"violation\" id=\"violation\">\n<p><b>Step %u</b>, line %u: <code>",
			res->first_violation.step, res->first_violation.line);
		rep_put_html(f, fs && fs->text ? fs->text : "?");
		fputs("</code></p>\n<p>", f);
		html_finding(f, res->first_violation.inv, res->first_violation.bug,
			     res->first_violation.detail);
		fputs("</p>\n</div>\n", f);
	} else if (res->has_divergence) {
		fprintf(f, "<div class=\"violation\" id=\"violation\">\n<p><b>Divergence at step %u</b>, "
			"line %u: ", res->first_divergence.step, res->first_divergence.line);
		rep_put_html(f, res->first_divergence.detail);
		fputs("</p>\n</div>\n", f);
	}

	fputs("<h2>Timeline: the ITS after each step</h2>\n", f);
	if (!r->nits)
		fputs("<p class=\"note\">This machine has no GICv3 ITS: the timeline shows the steps only "
		      "(the x86 vector domain's state is not drawn).</p>\n", f);
	if (r->tl_first) {
		if (r->tl_first > 1 || r->tl_last < r->nsteps)
			fprintf(f, "<p class=\"note\">Steps %u to %u of %u.</p>\n", r->tl_first, r->tl_last,
				r->nsteps);
		fputs("<div class=\"tl\">\n", f);
		render_svg(f, r);
		fputs("</div>\n", f);
	}
	if (r->tl_first && r->nits) {
		fputs("<ul class=\"legend\">\n", f);
		legend_item(f, "#ffffff", "stroke=\"#a0aec0\"", "EventID free");
		legend_item(f, lane_colors[0], "", "EventID mapped (the device's colour)");
		legend_item(f, lane_colors[0], "fill-opacity=\".35\"",
			    "padding held by its live Multi-MSI block");
		legend_item(f, eid_fill[ML_EID_ORPHAN_PAD], "", "orphan: padding of a freed block (B3)");
		legend_item(f, eid_fill[ML_EID_ORPHAN_FAIL], "", "orphan: left by a failed allocation (B7)");
		legend_item(f, eid_fill[ML_EID_ORPHAN], "", "orphan: no live irq");
		legend_item(f, "none", "stroke=\"#c05621\" stroke-dasharray=\"3 2\"", "shared its_device");
		legend_item(f, lane_colors[0], "stroke=\"#e53e3e\" stroke-width=\"2.5\"",
			    "EventID beyond the ITS EventID width (B6)");
		legend_item(f, "#c6f6d5", "stroke=\"#4a5568\"", "LPIs free");
		legend_item(f, "#e53e3e", "fill-opacity=\".5\"", "LPIs lost: neither free nor owned");
		legend_item(f, "#fff5f5", "stroke=\"#e53e3e\" stroke-width=\"2\"", "the violating step");
		fputs("</ul>\n", f);
	}
	if (!r->tl_first)
		fputs("<p class=\"note\">The trace has no steps.</p>\n", f);

	fputs("<h2>Steps</h2>\n", f);
	if (r->list_first && (r->list_first > 1 || r->list_last < r->nsteps))
		fprintf(f, "<p class=\"note\">Steps %u to %u of %u.</p>\n", r->list_first, r->list_last,
			r->nsteps);
	fputs("<table class=\"steps\">\n<tr><th>step</th><th>line</th><th>stimulus</th>"
	      "<th>returned</th><th>what the model did</th></tr>\n", f);
	for (uint32_t s = r->list_first; s && s <= r->list_last; s++) {
		const struct rep_step *st = rep_listed(r, s);

		for (uint32_t i = 0; i < st->nmarkers; i++) {
			fputs("<tr class=\"marker\"><td colspan=\"5\">marker: ", f);
			rep_put_html(f, st->markers[i]);
			fputs("</td></tr>\n", f);
		}
		fprintf(f, "<tr id=\"step%u\"%s><td>%u</td><td>%u</td><td><code>", s,
			st->nviol ? " class=\"bad\"" : "", s, st->line);
		rep_put_html(f, st->text ? st->text : "");
		fputs("</code></td><td>", f);
		if (rep_shows_ret(st))
			fprintf(f, "%d", st->kret);
		fputs("</td><td>", f);
		for (uint32_t i = 0; i < st->nev; i++) {
			/* a WARN the kernel would print stands out */
			fputs(strncmp(st->ev[i], "< warn ", 7) ? "<div class=\"ev\">" :
			      "<div class=\"ev warn\">", f);
			rep_put_html(f, st->ev[i]);
			fputs("</div>", f);
		}
		for (uint32_t i = 0; i < st->nviol; i++) {
			fputs("<div>", f);
			html_finding(f, st->viol[i].inv, st->viol[i].bug, st->viol[i].detail);
			fputs("</div>", f);
		}
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n<footer>msilab ", f);
	rep_put_html(f, MSILAB_VERSION);
	fputs(" report; replay the reproducer with <code>msilab replay -v", f);
	if (!r->prof_from_header) {
		fputs(" --kernel ", f);
		rep_put_html(f, r->prof.name);
	}
	for (unsigned int i = 0; i < r->in->nsets; i++) {
		fputs(" --set ", f);
		rep_put_html(f, r->in->sets[i]);
	}
	fputc(' ', f);
	rep_put_html(f, r->in->mlog_path);
	fputs("</code></footer>\n</body>\n</html>\n", f);
}

