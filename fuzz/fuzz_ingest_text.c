// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_ingest_text.c - the ftrace / `trace-cmd report` text ingest
 * (replay/ingest_text.c) and the normalizer behind it on arbitrary bytes.
 *
 * The input is split into lines (LF; a line holding a NUL byte ends the
 * input, as ingest_text_file() refuses it) and each is given to
 * ingest_text_line() with one fresh struct ingest_text_state; every event
 * goes to a fresh normalizer, which writes its .mlog to a memory stream
 * when the whole input was accepted.  Nothing may crash, hang or leak; a
 * .mlog the normalizer writes must not be empty.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_MAX_LINE 65536

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char line[FZ_MAX_LINE + 1];
	static struct ingest_event ev;
	struct ingest_norm_opts o = {
		.release = "6.1.0-56-arm64",
		.arch = "arm64",
		.kind = MLOG_SRC_FTRACE,
		.file = "fuzz",
		.tool = "fuzz_ingest_text",
	};
	struct ingest_text_state st;
	struct mlog_error err;
	struct ingest_norm *n;
	const uint8_t *p = data, *end = data + size;
	uint32_t lineno = 0;
	bool failed = false;

	memset(&st, 0, sizeof(st));
	n = ingest_norm_new(&o, &err);
	if (!n)
		abort();	/* the options are fixed: this cannot fail */
	while (p < end && !failed) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		int rc;

		lineno++;
		if (memchr(p, 0, len) || len > FZ_MAX_LINE)
			break;
		memcpy(line, p, len);
		line[len] = 0;
		p += len + (nl ? 1 : 0);
		memset(&ev, 0, sizeof(ev));
		rc = ingest_text_line(&st, line, lineno, &ev, &err);
		if (rc < 0) {
			if (!err.msg[0])
				abort();	/* an error must say why */
			break;
		}
		if (st.cpus)
			ingest_norm_set_cpus(n, st.cpus);
		if (rc == 1 && ingest_norm_event(n, &ev)) {
			if (!ingest_norm_error(n)->msg[0])
				abort();
			failed = true;
		}
	}
	if (!failed) {
		char *buf = NULL;
		size_t blen = 0;
		FILE *out = open_memstream(&buf, &blen);

		if (!out)
			abort();
		if (!ingest_norm_finish(n, out, &err)) {
			if (fflush(out) || !blen)
				abort();
		} else if (!err.msg[0]) {
			abort();
		}
		fclose(out);
		free(buf);
	}
	ingest_norm_free(n);
	return 0;
}
