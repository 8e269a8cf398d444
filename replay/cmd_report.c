// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_report.c - "msilab report": the report of one reproducer (report.h)
 * on the terminal or into a file, in one of four formats.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "replay.h"
#include "report.h"

#define MAX_SETS 64

void cmd_report_usage(FILE *f)
{
	const struct ml_profile *p;
	unsigned int n = ml_profiles(&p);

	fprintf(f,
		"usage: msilab report FILE.mlog [--kernel V] [--set NAME=on|off]...\n"
		"                     [--format text|json|html|kunit] [-o OUT]\n"
		"\n"
		"Replay the reproducer FILE through the model and report it: the trace, the\n"
		"profile and its switches, the verdict, the known bug it matches (or NEW),\n"
		"the first violating step (line, stimulus, invariant, detail) and the steps\n"
		"with what the model did and the ITS state after each.\n"
		"\n"
		"  -k, --kernel V     behaviour profile:");
	for (unsigned int i = 0; i < n; i++)
		fprintf(f, " %s", p[i].name);
	fprintf(f, "\n"
		"                     (default: the trace's 'kernel release=' line)\n"
		"  -s, --set N=on|off turn one behaviour switch on or off (repeatable; the\n"
		"                     switches are listed by msilab replay --help)\n"
		"  -f, --format F     text (default, for the terminal); json (stable key\n"
		"                     order, fields in replay/REPORT.md); html (one\n"
		"                     self-contained page: an SVG timeline of each ITS\n"
		"                     device's EventID bitmap, its LPIs and the free LPI\n"
		"                     ranges, the violating step marked); kunit (a KUnit\n"
		"                     test skeleton replaying the steps through the kernel API)\n"
		"  -o, --output OUT   write to OUT instead of standard output (\"-\"); a regular\n"
		"                     file is replaced only once complete\n"
		"  -h, --help         this text\n"
		"\n"
		"Exit: 0 clean, 1 the reproducer breaks an invariant or diverges (the report\n"
		"is written in both cases), 2 bad input or usage.\n");
}

static int parse_format(const char *s, enum report_format *fmt)
{
	static const struct { const char *name; enum report_format fmt; } formats[] = {
		{ "text", REPORT_TEXT }, { "json", REPORT_JSON },
		{ "html", REPORT_HTML }, { "kunit", REPORT_KUNIT },
	};

	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		if (!strcmp(s, formats[i].name)) {
			*fmt = formats[i].fmt;
			return 0;
		}
	}
	return -1;
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "set", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sets[MAX_SETS];
	struct report_input in;
	struct replay_switches sw = { 0, 0 };
	enum report_format fmt = REPORT_TEXT;
	struct mlog_error err;
	const char *output = NULL;
	char *tmp = NULL;
	char msg[256];
	bool found = false;
	FILE *out = stdout;
	int c, rc;

	memset(&in, 0, sizeof(in));
	while ((c = getopt_long(argc, argv, "k:s:f:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			in.kernel = optarg;
			break;
		case 's':
			/* checked here for a usage error; report_render() applies them */
			if (replay_parse_set(optarg, &sw, msg, sizeof(msg))) {
				fprintf(stderr, "msilab report: %s\n", msg);
				return MSILAB_EXIT_USAGE;
			}
			if (in.nsets == MAX_SETS) {
				fprintf(stderr, "msilab report: more than %d --set options\n", MAX_SETS);
				return MSILAB_EXIT_USAGE;
			}
			sets[in.nsets++] = optarg;
			break;
		case 'f':
			if (parse_format(optarg, &fmt)) {
				fprintf(stderr, "msilab report: unknown format \"%s\" "
					"(text, json, html or kunit)\n", optarg);
				return MSILAB_EXIT_USAGE;
			}
			break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			cmd_report_usage(stdout);
			return MSILAB_EXIT_OK;
		default:
			cmd_report_usage(stderr);
			return MSILAB_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "msilab report: %s\n", optind >= argc ? "no reproducer given" :
			"one reproducer at a time");
		cmd_report_usage(stderr);
		return MSILAB_EXIT_USAGE;
	}
	if (in.kernel) {
		struct ml_profile p;

		if (ml_profile_lookup(in.kernel, &p) && ml_profile_from_release(in.kernel, &p)) {
			fprintf(stderr, "msilab report: unknown kernel \"%s\" (see --help)\n", in.kernel);
			return MSILAB_EXIT_USAGE;
		}
	}
	in.mlog_path = argv[optind];
	in.sets = sets;
	if (output && !strcmp(output, "-"))
		output = NULL;
	if (output) {
		struct stat stt;

		if (!stat(output, &stt) && !S_ISREG(stt.st_mode)) {
			/* a device or a pipe (/dev/null, a FIFO): write to it, never replace it */
			out = fopen(output, "w");
		} else {
			size_t n = strlen(output) + 32;

			tmp = malloc(n);
			if (!tmp)
				return MSILAB_EXIT_USAGE;
			snprintf(tmp, n, "%s.tmp%ld", output, (long)getpid());
			out = fopen(tmp, "w");
		}
		if (!out) {
			fprintf(stderr, "%s: error: cannot write: %s\n", output, strerror(errno));
			free(tmp);
			return MSILAB_EXIT_USAGE;
		}
	}
	rc = report_render_verdict(&in, fmt, out, &err, &found);
	if (rc) {
		msilab_print_error(&err);
	} else if (fflush(out) || ferror(out)) {
		fprintf(stderr, "%s: error: cannot write: %s\n", output ? output : "standard output",
			strerror(errno));
		rc = MSILAB_EXIT_USAGE;
	}
	if (output) {
		if (fclose(out) && !rc) {
			fprintf(stderr, "%s: error: cannot write: %s\n", output, strerror(errno));
			rc = MSILAB_EXIT_USAGE;
		}
		if (tmp && !rc && rename(tmp, output)) {
			fprintf(stderr, "%s: error: cannot write: %s\n", output, strerror(errno));
			rc = MSILAB_EXIT_USAGE;
		}
		if (tmp && rc)
			unlink(tmp);
		free(tmp);
	}
	if (rc)
		return MSILAB_EXIT_USAGE;
	return found ? MSILAB_EXIT_FOUND : MSILAB_EXIT_OK;
}
