/* SPDX-License-Identifier: GPL-2.0 */
/*
 * commands.h - the msilab sub-commands, trace-cmd style.
 *
 * A command gets argv with argv[0] = its own name and parses its options
 * with getopt_long (optind is reset before the call).  Exit codes, for
 * every command: 0 clean, 1 a violation or divergence found, 2 bad input
 * or usage (unknown option, unreadable or malformed file).
 */
#ifndef MSILAB_COMMANDS_H
#define MSILAB_COMMANDS_H

#include <stdio.h>

#include "mlog.h"

enum { MSILAB_EXIT_OK = 0, MSILAB_EXIT_FOUND = 1, MSILAB_EXIT_USAGE = 2 };

struct msilab_command {
	const char *name;
	const char *summary;		/* one line for "msilab --help" */
	int (*run)(int argc, char **argv);
	void (*usage)(FILE *f);
};

/* Terminated by an entry with a NULL name. */
extern const struct msilab_command msilab_commands[];

const struct msilab_command *msilab_command_find(const char *name);

/* "FILE:LINE:COL: error: REASON" (or "FILE: error: REASON") on stderr. */
void msilab_print_error(const struct mlog_error *err);

int cmd_check(int argc, char **argv);
void cmd_check_usage(FILE *f);
int cmd_fmt(int argc, char **argv);
void cmd_fmt_usage(FILE *f);
int cmd_replay(int argc, char **argv);
void cmd_replay_usage(FILE *f);
int cmd_diff(int argc, char **argv);
void cmd_diff_usage(FILE *f);
int cmd_bugs(int argc, char **argv);
void cmd_bugs_usage(FILE *f);
int cmd_decode(int argc, char **argv);
void cmd_decode_usage(FILE *f);
int cmd_encode(int argc, char **argv);
void cmd_encode_usage(FILE *f);

/* Fuzz scenarios <-> .mlog (cmd_decode.c; the byte layout is fuzz/decoder.h). */
struct fz_scenario;
/* The .mlog of @s (@origin: a comment line, or NULL); 0 or -1 (errno). */
int fz_write_mlog(FILE *f, const struct fz_scenario *s, const char *origin);
/* Read a .mlog scenario: 0; -1 malformed (@err); -2 outside the fuzz
 * vocabulary (@err).  @lines (FZ_MAX_OPS entries, may be NULL): the line of
 * each stimulus. */
int fz_read_mlog(const char *path, struct fz_scenario *s, uint32_t *lines, struct mlog_error *err);
/* fz_encode() after fz_check(), verified by decoding: 0, or -1 with why in @err. */
int fz_encode_checked(const struct fz_scenario *s, const uint32_t *lines, uint8_t *buf,
		      size_t *len, char *err, size_t n);
int cmd_convert(int argc, char **argv);
void cmd_convert_usage(FILE *f);

#endif /* MSILAB_COMMANDS_H */
