// SPDX-License-Identifier: GPL-2.0
/*
 * commands.c - the table of msilab sub-commands.  Add a command by adding
 * a line here (and its cmd_*.c); "msilab --help" lists them in this order.
 */
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "triage.h"

const struct msilab_command msilab_commands[] = {
	{ "check", "validate .mlog files completely", cmd_check, cmd_check_usage },
	{ "fmt", "print the canonical form of a .mlog file", cmd_fmt, cmd_fmt_usage },
	{ "replay", "run traces through the model of a kernel: violations and divergences",
	  cmd_replay, cmd_replay_usage },
	{ "diff", "the first step at which two kernel profiles behave differently",
	  cmd_diff, cmd_diff_usage },
	{ "bugs", "the known-bug catalogue", cmd_bugs, cmd_bugs_usage },
	{ "decode", "print the .mlog scenario of a fuzz input", cmd_decode, cmd_decode_usage },
	{ "encode", "write the fuzz input of a .mlog scenario", cmd_encode, cmd_encode_usage },
	{ "fuzz", "a fuzz campaign of the model (libFuzzer or AFL++), resumable", cmd_fuzz, cmd_fuzz_usage },
	{ "convert", "convert a real kernel trace (ftrace text) into a .mlog", cmd_convert, cmd_convert_usage },
	{ "record", "record the running kernel's MSI lifecycle (kprobes) into a .mlog", cmd_record, cmd_record_usage },
	{ "report", "the report of a reproducer: text, JSON, HTML with an SVG timeline, KUnit skeleton",
	  cmd_report, cmd_report_usage },
	{ "triage", "sort crash and hang directories into distinct, minimized, catalogued bugs",
	  cmd_triage, cmd_triage_usage },
	{ "minimize", "shrink a crashing .mlog or fuzz input to a 1-minimal .mlog with the same bug",
	  cmd_minimize, cmd_minimize_usage },
	{ NULL, NULL, NULL, NULL }
};

const struct msilab_command *msilab_command_find(const char *name)
{
	for (const struct msilab_command *c = msilab_commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

void msilab_print_error(const struct mlog_error *err)
{
	if (err->line && err->col)
		fprintf(stderr, "%s:%u:%u: error: %s\n", err->file, err->line, err->col, err->msg);
	else if (err->line)
		fprintf(stderr, "%s:%u: error: %s\n", err->file, err->line, err->msg);
	else
		fprintf(stderr, "%s: error: %s\n", err->file, err->msg);
}

uint8_t *msilab_read_stream(FILE *f, size_t max, size_t *len)
{
	uint8_t *buf = NULL;
	size_t cap = 0, got;

	*len = 0;
	do {
		if (*len == cap) {
			uint8_t *p = cap >= max ? NULL : realloc(buf, cap = cap ? 2 * cap : 65536);

			if (!p) {
				free(buf);
				return NULL;
			}
			buf = p;
		}
		got = fread(buf + *len, 1, cap - *len, f);
		*len += got;
	} while (got);
	return buf;
}
