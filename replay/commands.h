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

#include <stdint.h>
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

/*
 * The rest of @f in a heap buffer (never NULL on success, even when empty),
 * *len its size.  NULL when the buffer would have to grow to @max bytes or
 * more, or memory runs out.  Read errors are the caller's: check ferror().
 */
uint8_t *msilab_read_stream(FILE *f, size_t max, size_t *len);

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
/* The same keeping what fits the fuzz vocabulary; notes on stderr say what is dropped. */
int fz_read_mlog_lossy(const char *path, struct fz_scenario *s, uint32_t *lines,
		       struct mlog_error *err);
/* fz_encode() after fz_check(), verified by decoding: 0, or -1 with why in @err. */
int fz_encode_checked(const struct fz_scenario *s, const uint32_t *lines, uint8_t *buf,
		      size_t *len, char *err, size_t n);
/* msilab fuzz (cmd_fuzz.c, fuzz_campaign.[ch]): a fuzz campaign of the model. */
int cmd_fuzz(int argc, char **argv);
void cmd_fuzz_usage(FILE *f);
int cmd_convert(int argc, char **argv);
void cmd_convert_usage(FILE *f);
/* msilab report (cmd_report.c, report.[ch]): the report of one reproducer. */
int cmd_report(int argc, char **argv);
void cmd_report_usage(FILE *f);

/*
 * msilab record (cmd_record.c, ingest_live.c): a recording of the running
 * kernel with tracefs kprobes.  The helpers below are exposed for
 * tests/test_record.c.
 */
int cmd_record(int argc, char **argv);
void cmd_record_usage(FILE *f);

#define REC_MAX_PROBES	160
#define REC_MAX_EVENTS	32

/* One kprobe_events definition of a probe profile (tools/probes/). */
struct rec_probe {
	char type;			/* 'p' kprobe, 'r' kretprobe */
	unsigned int maxactive;		/* "r10:" -> 10; 0: the kernel's default */
	char event[64];			/* NAME of "p:msilc/NAME" */
	char loc[128];			/* SYM, SYM+OFF, @SYM#N, 0xADDR once resolved */
	char args[1024];		/* the fetch args, "" for none */
	unsigned int line;		/* in the profile */
};

/* A probe profile: "#@arch", "#@kernels MIN MAX|-", "#@measured", "#@event". */
struct rec_profile {
	char arch[16];			/* "arm64" or "x86_64" */
	unsigned int kmin, kmax;	/* 100 * major + minor; kmax 0: no upper bound */
	char measured[256];
	unsigned int nprobes, nevents;
	struct rec_probe probe[REC_MAX_PROBES];
	char event[REC_MAX_EVENTS][96];	/* "SYSTEM/EVENT" or "SYSTEM" */
};

/* 100 * major + minor of a release ("6.12.117+deb12-arm64" -> 612); -1 if none. */
int rec_kernel_version(const char *release);
/* "aarch64"/"arm64" -> "arm64", "x86_64"/"amd64" -> "x86_64"; NULL otherwise. */
const char *rec_arch_name(const char *machine);
/* Parse one definition line; 0, or -1 with the reason in @err. */
int rec_probe_parse(const char *line, struct rec_probe *p, char *err, size_t errlen);
/* Load a profile (@p is overwritten); 0, or -1 with "FILE:LINE: reason" in @err. */
int rec_profile_load(const char *path, struct rec_profile *p, char *err, size_t errlen);
/* The profile of @dir (*.txt) for @release on @arch, its path into @out; 0 or -1. */
int rec_profile_select(const char *dir, const char *release, const char *arch,
		       char *out, size_t outlen);
/*
 * "@SYM#N" -> "0x<address>" of the N-th (by address) text symbol SYM of the
 * kallsyms file @kallsyms (module symbols excluded); other locations are
 * left alone.  0, or -1 with the reason in @err.
 */
int rec_probe_resolve(struct rec_probe *p, const char *kallsyms, char *err, size_t errlen);
/*
 * The device-table line (msi-caps-before.txt format) of PCI function @bdf
 * from its config space @cfg[@len]: "BDF 0xVVVV:0xDDDD class=0xCCCCCC
 * [MSI@.. ctrl=.. enable=.. MMC=k(=N vectors) ...] [MSI-X@.. ... table_size=N]"
 * or "... no-MSI/MSI-X".  0; -1 when the capability list is malformed or
 * not inside @len (the line then ends in "caps=unreadable").
 */
int rec_caps_line(const char *bdf, const uint8_t *cfg, size_t len, char *out, size_t outlen);
/* PID of an msilab-owned tracefs name "PREFIXdigits" ("msilab_123"), -1 otherwise. */
long rec_owner_pid(const char *name, const char *prefix);

/*
 * ingest_live.c: drain the ring buffer of tracefs instance @inst (every
 * CPU) through libtraceevent @tep into @n, events of kprobe group @group
 * renamed to "msilc".  @raw (may be NULL): the decoded events also as
 * ftrace text, which "msilab convert" reads.  0, or -1 with *err set;
 * *@count is increased by the records read.
 */
struct ingest_norm;
struct tep_handle;
struct tracefs_instance;
int ingest_live_drain(struct tep_handle *tep, struct tracefs_instance *inst, const char *group,
		      struct ingest_norm *n, FILE *raw, struct mlog_error *err, uint64_t *count);

#endif /* MSILAB_COMMANDS_H */
