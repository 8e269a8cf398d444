/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ingest.h - raw kernel trace events in, canonical .mlog out.
 *
 * Every ingest path (ftrace text, `trace-cmd report` text, a trace-cmd
 * trace.dat through libtracecmd, the live buffer through libtracefs) turns
 * its input into a stream of struct ingest_event and pushes them, in time
 * order, into one normalizer (struct ingest_norm).  The normalizer alone
 * knows the msilc probe group and the .mlog vocabulary, so the same events
 * give byte-identical .mlog whatever path read them.
 *
 * Use:
 *	struct ingest_norm_opts o = { .release = "6.1.0-56-arm64", ... };
 *	struct ingest_norm *n = ingest_norm_new(&o, &err);
 *	for each raw event:
 *		if (ingest_norm_event(n, &ev))
 *			-> *ingest_norm_error(n) says why (exit 2)
 *	if (ingest_norm_finish(n, out, &err)) -> exit 2
 *	ingest_norm_free(n);
 *
 * Lifetime rules:
 *  - struct ingest_event and every string it points to belong to the
 *    caller and only need to live for the duration of the
 *    ingest_norm_event() call: the normalizer copies what it keeps.  A
 *    caller may reuse one struct and its buffers for every event.
 *  - struct ingest_norm_opts and its strings only need to live for the
 *    duration of ingest_norm_new() (the files it names are read there).
 *  - The normalizer keeps per-device, per-irq and per-action state, never
 *    the whole trace's events: the body's text is spooled (in memory, the
 *    part past 64 MB in an anonymous temporary file) and written after the
 *    declarations by ingest_norm_finish(), because the declarations
 *    (devices, their DeviceIDs) are only known at the end.
 *  - ingest_norm_finish() may be called once; ingest_norm_free() always
 *    (NULL is fine).  After an error, only ingest_norm_free() is allowed.
 *
 * Errors use struct mlog_error (replay/mlog.h): file, line, column, reason;
 * a command prints them with msilab_print_error() and exits 2.
 */
#ifndef MSILAB_INGEST_H
#define MSILAB_INGEST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mlog.h"

#define INGEST_MAX_FIELDS	32

/*
 * struct ingest_field - one "name=value" field of an event.
 * @name:  field name, NUL-terminated ("pdev", "dev_id", "ret", "buf")
 * @raw:   value text, NUL-terminated, with the quotes of a string field
 *         removed (and \" \\ unescaped); for trace.dat: the value as
 *         libtraceevent would print it
 * @is_str: the value was a quoted string (a kprobe ":string" fetch arg)
 * @is_num: @raw is a number: decimal (optionally negative) or 0x hex;
 *          @num then holds it.  Hex and unsigned values above INT64_MAX
 *          are stored as their 64-bit pattern (cast to uint64_t to read).
 */
struct ingest_field {
	const char *name;
	const char *raw;
	bool is_str;
	bool is_num;
	int64_t num;
};

/* What a record is: a trace event, or a ring-buffer notice. */
enum ingest_kind {
	INGEST_EVENT,		/* a real event (kprobe, tracepoint, marker) */
	INGEST_LOST,		/* @lost events were dropped on @cpu here */
	INGEST_CPU_STARTED,	/* "##### CPU N buffer started ####": the
				 * buffer of @cpu was overwritten before here
				 * (count unknown) */
};

/*
 * struct ingest_event - one raw record, as every ingest path gives it.
 * @kind:    see enum ingest_kind; for INGEST_LOST/CPU_STARTED only @cpu,
 *           @lost, @ts_us and @line are meaningful (@ts_us may be 0)
 * @ts_us:   timestamp in microseconds (ftrace text prints exactly this)
 * @ts_ns:   timestamp in nanoseconds when the source knows it
 *           (trace.dat, live buffer, trace-cmd report with ns), else 0;
 *           @has_ns says which
 * @cpu:     CPU the event was recorded on
 * @pid:     task id, @comm its name ("insmod", "<...>" when unknown, "")
 * @system:  event system: "msilc" for the kprobes, "ftrace" for
 *           trace_marker writes, "irq_vectors", "irq_matrix", ...
 * @name:    event name in @system ("its_msi_prepare", "its_msi_prepare_ret",
 *           "print" for a trace_marker write)
 * @probe:   kprobes only: the probed location as text, "func+0x0/0x150"
 *           for a kprobe, "caller+0x12c/0x190 <- func" for a kretprobe
 *           (trace.dat: the same, or the hex addresses); NULL when unknown
 * @fields:  @nfields name/value pairs in the order the event printed
 *           them.  A trace_marker write has exactly one field, "buf",
 *           holding the text written, without its trailing newline.
 * @lost:    INGEST_LOST: how many events were lost (0 = unknown)
 * @line:    1-based source line for text input, 0 otherwise (messages)
 */
struct ingest_event {
	enum ingest_kind kind;
	uint64_t ts_us;
	uint64_t ts_ns;
	bool has_ns;
	uint32_t cpu;
	uint32_t pid;
	const char *comm;
	const char *system;
	const char *name;
	const char *probe;
	uint32_t nfields;
	struct ingest_field fields[INGEST_MAX_FIELDS];
	uint64_t lost;
	uint32_t line;
};

/*
 * A field value is numeric when it is all of a decimal integer (optionally
 * negative) or 0x hex: the one rule every ingest path applies (is_num/num).
 */
bool ingest_parse_number(const char *s, int64_t *out);

/* Returns the field called @name, NULL when the event has none. */
const struct ingest_field *ingest_event_field(const struct ingest_event *ev,
					      const char *name);

/*
 * struct ingest_norm_opts - how to write the .mlog.
 * @release:   "kernel release=" (uname -r); NULL: from the input (a
 *             trace-cmd report "uname" line) or an error at finish
 * @arch:      "arm64" or "x86_64"; NULL: guessed from @release
 * @kind:      "source kind=" (MLOG_SRC_FTRACE for text, ..._TRACE_DAT, ...)
 * @file:      "source file=" (printed as given; NULL: omitted)
 * @tool:      "source tool=" (NULL: omitted)
 * @devices:   a device table in the format of msi-caps-before.txt:
 *             "BDF vendor:device class=... [MSI@.. MMC=k(=N vectors) ...]
 *             [MSI-X@.. table_size=N] [name=NAME] [enable=pcim]
 *             [module=MODULE] [gsi=N]"; '#' starts a comment ("# driver NAME ..."
 *             names the bound PCI driver).  gsi=N (x86): the function was
 *             enabled before the recording (built-in driver) and its INTx is
 *             IO-APIC GSI N, mapped then in reservation mode.  NULL: the
 *             capability sizes come from the trace's evidence only
 * @interrupts: a /proc/interrupts snapshot taken before recording
 *             (interrupts-before-drivers.txt): its numeric irq rows
 *             become "machine irqs_used=", its CPU columns "cpus=";
 *             MSI rows (ITS-MSI, [IR-]PCI-MSI: hwirq = RID << 11 | index;
 *             [ITS-|IR-]PCI-MSI[X]-BDF: hwirq = index) are irqs allocated
 *             before the recording (x86: declared as x86_irq)
 * @probes:    the kprobe_events the kernel accepted (kprobe-events.txt):
 *             "observes kinds=" lists what they can see.  NULL: the kinds
 *             the trace happens to show
 * @cpus:      CPU count, 0 = from @interrupts or the input ("#P:N")
 * @comment:   free text written as "#" comment lines at the top of the
 *             file, before "mlog 1" ('\n' separates lines); NULL: none
 */
struct ingest_norm_opts {
	const char *release;
	const char *arch;
	enum mlog_src kind;
	const char *file;
	const char *tool;
	const char *devices;
	const char *interrupts;
	const char *probes;
	uint32_t cpus;
	const char *comment;
};

struct ingest_norm;

/* NULL with *err filled when an option file cannot be read or parsed. */
struct ingest_norm *ingest_norm_new(const struct ingest_norm_opts *o,
				    struct mlog_error *err);
/*
 * Feed one raw record.  0: ok (events the normalizer does not use are
 * ignored); -1: the trace is inconsistent in a way that makes the output
 * wrong (a _ret without its entry is NOT such a case: it is ignored), see
 * ingest_norm_error().
 */
int ingest_norm_event(struct ingest_norm *n, const struct ingest_event *ev);
const struct mlog_error *ingest_norm_error(const struct ingest_norm *n);
/*
 * What the input itself says about the machine (a "#P:2" header, a
 * trace-cmd "cpus=2" line, a "uname" line); each is used only when the
 * options did not give it.  Call before the first event.
 */
void ingest_norm_set_cpus(struct ingest_norm *n, uint32_t cpus);
void ingest_norm_set_release(struct ingest_norm *n, const char *release);
/*
 * Name of the input the next events come from (several inputs may be fed
 * in turn: consecutive slices of one recording).  Used in the evidence
 * comments ("trace-boot.txt:123"); the last path component is kept.
 */
void ingest_norm_set_input(struct ingest_norm *n, const char *name);
/* Write the whole .mlog to @out.  0 ok, -1 with *err filled. */
int ingest_norm_finish(struct ingest_norm *n, FILE *out, struct mlog_error *err);
void ingest_norm_free(struct ingest_norm *n);

/*
 * Text ingest (replay/ingest_text.c): ftrace text as /sys/kernel/tracing/
 * trace prints it, or `trace-cmd report` output.  @name is used in error
 * messages ("-" reads stdin).  0 ok; -1 with *err set (file, line, column,
 * reason) for an unreadable file or a malformed line.
 */
enum ingest_text_flavour { INGEST_TEXT_AUTO, INGEST_TEXT_FTRACE, INGEST_TEXT_REPORT };
int ingest_text_file(FILE *f, const char *name, struct ingest_norm *n,
		     struct mlog_error *err);
/*
 * Parse one line (no trailing LF) into *ev.  1: *ev holds an event
 * (strings point into @buf, which is modified, or into static storage);
 * 0: the line carries no event (header, comment, blank, "CPU N is empty",
 * "version = 6"...); -1: malformed, *err says why (err->file untouched,
 * err->line = @lineno).  The state @st carries what header lines said.
 */
struct ingest_text_state {
	enum ingest_text_flavour flavour;	/* detected from the lines */
	uint32_t cpus;				/* "#P:N" / "cpus=N", 0 unknown */
	char release[128];			/* trace-cmd report "uname" line */
};
int ingest_text_line(struct ingest_text_state *st, char *buf, uint32_t lineno,
		     struct ingest_event *ev, struct mlog_error *err);

/*
 * The trace-cmd trace.dat ingest (replay/ingest_tracedat.c, libtracecmd).
 * Declared here so its author writes against this header; `msilab convert`
 * only calls it when that file is part of the build.  Feeds every record
 * of the buffers of @path that hold msilc events (top buffer, tracefs
 * instances: merged) to @n in time order; a buffer with other events only
 * is skipped with a note on stderr; no msilc event at all is an error.
 * 0 ok, -1 with *err set.
 */
int ingest_tracedat(const char *path, struct ingest_norm *n, struct mlog_error *err);

/* The 10 magic bytes at the start of a trace.dat: "\x17\x08\x44tracing". */
#define INGEST_TRACEDAT_MAGIC		"\x17\x08\x44tracing"
#define INGEST_TRACEDAT_MAGIC_LEN	10

#endif /* MSILAB_INGEST_H */
