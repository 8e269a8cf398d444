// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_bugs.c - `msilab bugs [--json] [ID]`: print the known-bug catalogue.
 *
 * Without an ID: one aligned table row per entry (text) or every entry
 * (JSON).  With an ID: that entry with all its fields.  Output order is the
 * catalogue's order, so the output is deterministic.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "bugs.h"

void cmd_bugs_usage(FILE *f)
{
	fprintf(f,
		"usage: msilab bugs [--json] [ID]\n"
		"\n"
		"Print the catalogue of known MSI lifecycle bugs and quirks (B1..B14,\n"
		"Q1, Q2 of the behavioural spec): the invariant each breaks, the\n"
		"kernel versions that have it and the upstream references.  With ID,\n"
		"print that entry in full.\n"
		"\n"
		"  --json      machine-readable output\n"
		"  -h, --help  this text\n");
}

/* Profiles of @mask as "6.1,6.12" into @buf; "-" when none. */
static const char *profiles_str(unsigned mask, char *buf, size_t size)
{
	size_t len = 0;
	unsigned bit;

	buf[0] = '\0';
	for (bit = 0; bit < MSILAB_NPROFILES; bit++) {
		if (!(mask & (1u << bit)))
			continue;
		len += (size_t)snprintf(buf + len, size > len ? size - len : 0, "%s%s",
					len ? "," : "", msilab_bug_profile_name(bit));
	}
	if (!len)
		snprintf(buf, size, "-");
	return buf;
}

static bool is_hex_token(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]) && (s[i] < 'a' || s[i] > 'f'))
			return false;
	return true;
}

/*
 * The primary reference of an upstream text for the table: its first
 * Message-ID ("<...@...>"), else its first 12-digit commit id, else "-".
 */
static const char *primary_ref(const char *up, char *buf, size_t size)
{
	const char *lt, *gt, *p;

	for (lt = strchr(up, '<'); lt; lt = strchr(lt + 1, '<')) {
		gt = strchr(lt, '>');
		if (gt && memchr(lt, '@', (size_t)(gt - lt))) {
			snprintf(buf, size, "%.*s", (int)(gt - lt + 1), lt);
			return buf;
		}
	}
	for (p = up; *p; p++) {
		if (p != up && isalnum((unsigned char)p[-1]))
			continue;
		if (strlen(p) >= 12 && is_hex_token(p, 12) && !isalnum((unsigned char)p[12])) {
			snprintf(buf, size, "%.12s", p);
			return buf;
		}
	}
	snprintf(buf, size, "-");
	return buf;
}

static void print_table(FILE *f)
{
	int wid = 2, wtitle = 5, winv = 9, waff = 8;
	char prof[64], ref[128];
	unsigned i;
	int n;

	for (i = 0; i < msilab_nbugs; i++) {
		const struct msilab_bug *b = &msilab_bugs[i];

		if ((n = (int)strlen(b->id)) > wid)
			wid = n;
		if ((n = (int)strlen(b->title)) > wtitle)
			wtitle = n;
		if ((n = (int)strlen(b->invariant)) > winv)
			winv = n;
		if ((n = (int)strlen(profiles_str(b->affected_mask, prof, sizeof(prof)))) > waff)
			waff = n;
	}
	fprintf(f, "%-*s  %-*s  %-*s  %-*s  %s\n", wid, "ID", wtitle, "TITLE",
		winv, "INVARIANT", waff, "AFFECTED", "UPSTREAM");
	for (i = 0; i < msilab_nbugs; i++) {
		const struct msilab_bug *b = &msilab_bugs[i];

		fprintf(f, "%-*s  %-*s  %-*s  %-*s  %s\n", wid, b->id, wtitle, b->title,
			winv, b->invariant, waff,
			profiles_str(b->affected_mask, prof, sizeof(prof)),
			primary_ref(b->upstream, ref, sizeof(ref)));
	}
	fprintf(f, "\nAFFECTED: profiles that reproduce it by default ('-': only through a\n"
		   "switch, or in no modelled release).  'msilab bugs ID' prints an entry\n"
		   "in full.\n");
}

static void print_entry(FILE *f, const struct msilab_bug *b)
{
	char prof[64];

	fprintf(f, "%s: %s\n", b->id, b->title);
	fprintf(f, "  invariant: %s\n", b->invariant);
	fprintf(f, "  affected:  %s\n", b->affected);
	fprintf(f, "  profiles:  %s\n", profiles_str(b->affected_mask, prof, sizeof(prof)));
	fprintf(f, "  absent:    %s\n", b->absent);
	fprintf(f, "  upstream:  %s\n", b->upstream);
	if (b->scenario)
		fprintf(f, "  scenario:  corpus/%s\n", b->scenario);
	else
		fprintf(f, "  scenario:  none\n");
}

/* A JSON string literal: quotes, backslashes and control bytes escaped. */
static void json_str(FILE *f, const char *s)
{
	const unsigned char *p;

	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':  fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\b': fputs("\\b", f); break;
		case '\f': fputs("\\f", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

/* "INV-I1, INV-I3" as a JSON array; "none" as []. */
static void json_invariants(FILE *f, const char *s)
{
	const char *p = s, *end;
	bool first = true;

	fputc('[', f);
	while (*p && strcmp(s, "none")) {
		while (*p == ' ' || *p == ',')
			p++;
		if (!*p)
			break;
		end = p;
		while (*end && *end != ',')
			end++;
		fprintf(f, "%s\"%.*s\"", first ? "" : ", ", (int)(end - p), p);
		first = false;
		p = end;
	}
	fputc(']', f);
}

static void json_entry(FILE *f, const struct msilab_bug *b, const char *ind)
{
	unsigned bit;
	bool first = true;

	fprintf(f, "%s{\n%s  \"id\": ", ind, ind);
	json_str(f, b->id);
	fprintf(f, ",\n%s  \"title\": ", ind);
	json_str(f, b->title);
	fprintf(f, ",\n%s  \"invariant\": ", ind);
	json_str(f, b->invariant);
	fprintf(f, ",\n%s  \"invariants\": ", ind);
	json_invariants(f, b->invariant);
	fprintf(f, ",\n%s  \"affected\": ", ind);
	json_str(f, b->affected);
	fprintf(f, ",\n%s  \"profiles\": [", ind);
	for (bit = 0; bit < MSILAB_NPROFILES; bit++) {
		if (!(b->affected_mask & (1u << bit)))
			continue;
		fprintf(f, "%s\"%s\"", first ? "" : ", ", msilab_bug_profile_name(bit));
		first = false;
	}
	fprintf(f, "],\n%s  \"absent\": ", ind);
	json_str(f, b->absent);
	fprintf(f, ",\n%s  \"upstream\": ", ind);
	json_str(f, b->upstream);
	fprintf(f, ",\n%s  \"scenario\": ", ind);
	json_str(f, b->scenario);
	fprintf(f, "\n%s}", ind);
}

static void print_json(FILE *f, const struct msilab_bug *only)
{
	unsigned i;

	if (only) {
		json_entry(f, only, "");
		fputc('\n', f);
		return;
	}
	fprintf(f, "{\n  \"bugs\": [\n");
	for (i = 0; i < msilab_nbugs; i++) {
		json_entry(f, &msilab_bugs[i], "    ");
		fprintf(f, "%s\n", i + 1 < msilab_nbugs ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
}

int cmd_bugs(int argc, char **argv)
{
	const struct msilab_bug *b = NULL;
	const char *id = NULL;
	bool json = false;
	int i;

	/* argv[0] is the command name ("bugs"). */
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--json")) {
			json = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			cmd_bugs_usage(stdout);
			return 0;
		} else if (!strcmp(a, "--")) {
			if (i + 1 < argc && !id)
				id = argv[++i];
			if (i + 1 < argc)
				goto usage;
		} else if (a[0] == '-') {
			fprintf(stderr, "msilab bugs: unknown option '%s'\n", a);
			goto usage;
		} else if (!id) {
			id = a;
		} else {
			fprintf(stderr, "msilab bugs: more than one ID ('%s', '%s')\n", id, a);
			goto usage;
		}
	}

	if (id) {
		b = msilab_bug_find(id);
		if (!b) {
			fprintf(stderr, "msilab bugs: no catalogue entry '%s' "
				"(run 'msilab bugs' for the list)\n", id);
			return 2;
		}
	}

	if (json)
		print_json(stdout, b);
	else if (b)
		print_entry(stdout, b);
	else
		print_table(stdout);

	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "msilab bugs: error writing the output\n");
		return 2;
	}
	return 0;

usage:
	cmd_bugs_usage(stderr);
	return 2;
}
