// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_diff.c - "msilab diff --kernel A --kernel B FILE": the first step at
 * which two behaviour profiles do something different, with both states.
 */
#include <getopt.h>
#include <string.h>

#include "commands.h"
#include "replay.h"

void cmd_diff_usage(FILE *f)
{
	fprintf(f,
		"usage: msilab diff --kernel A --kernel B [--set-a N=on|off] [--set-b N=on|off] FILE\n"
		"\n"
		"Replay FILE under two behaviour profiles in lockstep and show the first step\n"
		"at which they differ (return value, events, ITS commands or violations), with\n"
		"what each did and the ITS devices and free LPI ranges of both.  A and B may\n"
		"be the same kernel with different switches (--set-a / --set-b).\n"
		"\n"
		"Exit: 0 same behaviour, 1 they differ, 2 bad input or usage.\n");
}

int cmd_diff(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "set-a", required_argument, NULL, 'a' },
		{ "set-b", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct replay_switches sa = { 0, 0 }, sb = { 0, 0 };
	struct ml_profile p[2];
	struct mlog_error err;
	char msg[256];
	int c, nk = 0, rc;

	while ((c = getopt_long(argc, argv, "k:a:b:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (nk == 2) {
				fprintf(stderr, "msilab diff: --kernel is given exactly twice\n");
				return MSILAB_EXIT_USAGE;
			}
			if (ml_profile_lookup(optarg, &p[nk]) &&
			    ml_profile_from_release(optarg, &p[nk])) {
				fprintf(stderr, "msilab diff: unknown kernel \"%s\"\n", optarg);
				return MSILAB_EXIT_USAGE;
			}
			nk++;
			break;
		case 'a':
		case 'b':
			if (replay_parse_set(optarg, c == 'a' ? &sa : &sb, msg, sizeof(msg))) {
				fprintf(stderr, "msilab diff: %s\n", msg);
				return MSILAB_EXIT_USAGE;
			}
			break;
		case 'h':
			cmd_diff_usage(stdout);
			return MSILAB_EXIT_OK;
		default:
			cmd_diff_usage(stderr);
			return MSILAB_EXIT_USAGE;
		}
	}
	if (nk == 1 && (sa.on || sa.off || sb.on || sb.off)) {
		p[1] = p[0];
		nk = 2;
	}
	if (nk != 2 || optind + 1 != argc) {
		cmd_diff_usage(stderr);
		return MSILAB_EXIT_USAGE;
	}
	replay_apply_switches(&p[0], &sa);
	replay_apply_switches(&p[1], &sb);
	rc = replay_diff(argv[optind], &p[0], &p[1], stdout, &err);
	if (rc == 2)
		msilab_print_error(&err);
	return rc;
}
