// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_mlog_reader.c - the .mlog reader on arbitrary bytes.
 *
 * Beyond "never crash, never hang", it checks the canonical-form property:
 * the lines parsed from the input, written canonically and read again,
 * give the same lines, and the same canonical text.  The input may fail
 * part way; the lines read before the error must still round-trip.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct text {
	char *buf;
	size_t len, cap;
};

static void text_add(struct text *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		t->buf = realloc(t->buf, t->cap);
		if (!t->buf)
			abort();
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
}

/*
 * Read @in to its end, appending each line's canonical form to @out.
 * Returns the number of lines read; *clean tells a clean end of file.
 * Lines whose canonical form is too long to be read back stop the walk.
 */
static int canon(const char *in, size_t len, struct text *out, bool *clean)
{
	static char line[2 * MLOG_MAX_LINE + 64];
	static struct mlog_event ev;
	struct mlog_error err;
	struct mlog_reader *r = mlog_reader_open_mem("fuzz", in, len, &err);
	int ret, n = 0;

	if (!r)
		abort();
	while ((ret = mlog_read(r, &ev)) > 0) {
		int m = mlog_format_event(line, sizeof(line), mlog_reader_decls(r), &ev);

		if (m < 0) {
			fprintf(stderr, "line %u: a parsed event cannot be written\n", ev.line);
			abort();
		}
		if (m > MLOG_MAX_LINE) {	/* e.g. flags=0x1f grew into names */
			ret = 1;
			break;
		}
		line[m] = '\n';
		text_add(out, line, m + 1);
		n++;
	}
	*clean = ret == 0;
	mlog_reader_close(r);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct text c1 = { 0 }, c2 = { 0 };
	bool clean1, clean2;
	int n1, n2;

	n1 = canon((const char *)data, size, &c1, &clean1);
	if (!n1) {
		free(c1.buf);
		return 0;
	}
	n2 = canon(c1.buf, c1.len, &c2, &clean2);
	/*
	 * The second pass sees every line of the first; it may only fail
	 * after them (an error at end of file, such as a missing kernel line).
	 */
	if (n2 != n1 || c2.len != c1.len || memcmp(c1.buf, c2.buf, c1.len) ||
	    (clean1 && !clean2)) {
		fprintf(stderr, "round trip mismatch: %d lines -> %d lines (clean %d -> %d)\n"
			"--- first\n%.*s--- second\n%.*s---\n", n1, n2, clean1, clean2,
			(int)c1.len, c1.buf, (int)c2.len, c2.buf ? c2.buf : "");
		abort();
	}
	free(c1.buf);
	free(c2.buf);
	return 0;
}
