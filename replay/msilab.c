// SPDX-License-Identifier: GPL-2.0
/*
 * msilab.c - the msilab command: "msilab [--help|--version] COMMAND [ARGS]".
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "msilab_version.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: msilab [--help|--version] COMMAND [ARGS]\n\n"
		"The Linux MSI lifecycle, testable off the hardware.\n\ncommands:\n");
	for (const struct msilab_command *c = msilab_commands; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fprintf(f, "\nRun \"msilab COMMAND --help\" for the options of one command.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const struct msilab_command *cmd;
	int c;

	/* '+': stop at the command, its options are its own */
	while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return MSILAB_EXIT_OK;
		case 'V':
			printf("msilab %s (mlog format %d)\n", MSILAB_VERSION, MLOG_FORMAT_VERSION);
			return MSILAB_EXIT_OK;
		default:
			usage(stderr);
			return MSILAB_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return MSILAB_EXIT_USAGE;
	}
	if (!strcmp(argv[optind], "help")) {
		cmd = optind + 1 < argc ? msilab_command_find(argv[optind + 1]) : NULL;
		if (cmd)
			cmd->usage(stdout);
		else
			usage(stdout);
		return MSILAB_EXIT_OK;
	}
	cmd = msilab_command_find(argv[optind]);
	if (!cmd) {
		fprintf(stderr, "msilab: unknown command \"%s\" (see \"msilab --help\")\n",
			argv[optind]);
		return MSILAB_EXIT_USAGE;
	}
	argv += optind;
	argc -= optind;
	optind = 0;		/* glibc: full re-initialisation for the command */
	return cmd->run(argc, argv);
}
