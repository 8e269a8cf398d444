// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_fmt.c - "msilab fmt FILE [-o OUT]": print the canonical form.
 *
 * With -o the output goes to a temporary file next to OUT that is renamed
 * over OUT only once the whole input has been read: a malformed input
 * never leaves a partial OUT behind.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"

void cmd_fmt_usage(FILE *f)
{
	fprintf(f, "usage: msilab fmt [-o OUT] FILE\n\n"
		"Print the canonical form of a .mlog file (\"-\" reads stdin).\n\n"
		"  -o, --output OUT  write to OUT (atomically) instead of stdout\n"
		"  -h, --help        this text\n\n"
		"Exit status: 0 done, 2 the file is malformed or unreadable.\n");
}

/* Copy every line of @r to @out in canonical form; 0 or exit status 2. */
static int fmt_stream(struct mlog_reader *r, FILE *out, const char *outname)
{
	struct mlog_event *ev = malloc(sizeof(*ev));
	int ret;

	if (!ev) {
		fprintf(stderr, "msilab: out of memory\n");
		return MSILAB_EXIT_USAGE;
	}
	while ((ret = mlog_read(r, ev)) > 0) {
		if (mlog_write_event(out, mlog_reader_decls(r), ev) < 0) {
			if (errno == E2BIG)
				fprintf(stderr, "%s:%u: error: canonical form longer than %d bytes\n",
					mlog_reader_error(r)->file, ev->line, MLOG_MAX_LINE);
			else
				fprintf(stderr, "%s: error: write failed: %s\n", outname,
					strerror(errno));
			free(ev);
			return MSILAB_EXIT_USAGE;
		}
	}
	if (ret < 0)
		msilab_print_error(mlog_reader_error(r));
	free(ev);
	return ret < 0 ? MSILAB_EXIT_USAGE : MSILAB_EXIT_OK;
}

static int fmt_to_file(struct mlog_reader *r, const char *out)
{
	size_t n = strlen(out) + sizeof(".tmp.XXXXXX");
	char *tmp = malloc(n);
	mode_t mask;
	FILE *f;
	int fd, ret;

	if (!tmp)
		return MSILAB_EXIT_USAGE;
	snprintf(tmp, n, "%s.tmp.XXXXXX", out);
	fd = mkstemp(tmp);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		fprintf(stderr, "%s: error: cannot create: %s\n", out, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		free(tmp);
		return MSILAB_EXIT_USAGE;
	}
	mask = umask(0);	/* mkstemp() makes 0600: give OUT the usual mode */
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	ret = fmt_stream(r, f, out);
	if (fclose(f) && !ret) {
		fprintf(stderr, "%s: error: write failed: %s\n", out, strerror(errno));
		ret = MSILAB_EXIT_USAGE;
	}
	if (!ret && rename(tmp, out)) {
		fprintf(stderr, "%s: error: cannot rename: %s\n", out, strerror(errno));
		ret = MSILAB_EXIT_USAGE;
	}
	if (ret)
		unlink(tmp);
	free(tmp);
	return ret;
}

int cmd_fmt(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *out = NULL;
	struct mlog_reader *r;
	struct mlog_error err;
	int c, ret;

	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'h':
			cmd_fmt_usage(stdout);
			return MSILAB_EXIT_OK;
		default:
			cmd_fmt_usage(stderr);
			return MSILAB_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		cmd_fmt_usage(stderr);
		return MSILAB_EXIT_USAGE;
	}
	r = mlog_reader_open(argv[optind], &err);
	if (!r) {
		msilab_print_error(&err);
		return MSILAB_EXIT_USAGE;
	}
	if (out) {
		ret = fmt_to_file(r, out);
	} else {
		ret = fmt_stream(r, stdout, "<stdout>");
		if (fflush(stdout) && !ret) {
			fprintf(stderr, "<stdout>: error: write failed: %s\n", strerror(errno));
			ret = MSILAB_EXIT_USAGE;
		}
	}
	mlog_reader_close(r);
	return ret;
}
