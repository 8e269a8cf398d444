// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_check.c - "msilab check FILE...": read every file to its end.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>

#include "commands.h"

void cmd_check_usage(FILE *f)
{
	fprintf(f, "usage: msilab check [-q] FILE...\n\n"
		"Validate each .mlog file completely (\"-\" reads stdin).\n\n"
		"  -q, --quiet   print nothing for valid files\n"
		"  -h, --help    this text\n\n"
		"Exit status: 0 all valid, 2 a file is malformed or unreadable.\n");
}

/* 0 when @path is a valid trace, 2 (after printing why) when not. */
static int check_one(const char *path, bool quiet)
{
	struct mlog_reader *r;
	struct mlog_error err;
	uint64_t lines, events;
	int ret;

	r = mlog_reader_open(path, &err);
	if (!r) {
		msilab_print_error(&err);
		return MSILAB_EXIT_USAGE;
	}
	ret = mlog_validate(r, &lines, &events);
	if (ret < 0)
		msilab_print_error(mlog_reader_error(r));
	else if (!quiet)
		printf("%s: ok (%" PRIu64 " lines, %" PRIu64 " events)\n", path, lines, events);
	mlog_reader_close(r);
	return ret < 0 ? MSILAB_EXIT_USAGE : MSILAB_EXIT_OK;
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	bool quiet = false;
	int c, ret = MSILAB_EXIT_OK;

	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quiet = true;
			break;
		case 'h':
			cmd_check_usage(stdout);
			return MSILAB_EXIT_OK;
		default:
			cmd_check_usage(stderr);
			return MSILAB_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		cmd_check_usage(stderr);
		return MSILAB_EXIT_USAGE;
	}
	for (; optind < argc; optind++)	/* go on after a bad file */
		if (check_one(argv[optind], quiet))
			ret = MSILAB_EXIT_USAGE;
	return ret;
}
