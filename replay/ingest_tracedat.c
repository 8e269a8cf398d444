// SPDX-License-Identifier: GPL-2.0
/*
 * ingest_tracedat.c - a trace-cmd trace.dat (file versions 6 and 7,
 * compressed or not) into the normalizer, through libtracecmd and
 * libtraceevent.
 *
 * Two passes:
 *
 *  1. td_check_layout() walks the file's own structure (man 5
 *     trace-cmd.dat.v6 / .v7) with bounds-checked reads: every header,
 *     section and per-CPU data region must lie inside the file, every
 *     option that points at a section must point at one, compressed CPU
 *     data must be a well-formed chunk list.  libtracecmd 1.3 does not
 *     check most of this (`trace-cmd report` prints nothing and exits 0
 *     for a file cut anywhere in its data), so a truncated or damaged
 *     file is refused here, naming what is missing, before libtracecmd
 *     reads it.
 *
 *  2. In a child process (fork; see td_child()), libtracecmd opens the
 *     file; the buffers that hold msilc events are read (the top buffer,
 *     tracefs instances such as capture.sh's "msilab"; a buffer with other
 *     events only is skipped and a note says so, none at all is an error,
 *     see td_pick_buffers()).  When the layout shows a single buffer with
 *     data (the usual case) it is simply read, counted as it goes
 *     (td_pick_single()); else a counting pass picks them first.  Then
 *     tracecmd_iterate_events[_multi]() hands every record of every CPU
 *     of those buffers in timestamp order; libtraceevent finds
 *     its event and we decode it into struct ingest_event exactly as the
 *     ftrace text shows it, so the normalizer writes the same .mlog:
 *     - kprobes (an event with __probe_ip, or __probe_func/__probe_ret_ip
 *       for a kretprobe): the fetch args in format order, each printed
 *       with the conversion of the event's print fmt ("0x%Lx", "%u",
 *       "%d", "\"%s\"": __data_loc strings are decoded as strings);
 *       the probe location as the kernel prints it ("func+0x0/0x150",
 *       "caller+0x2b0/0x360 <- func") when the file's kallsyms knows the
 *       addresses (module names, "[virtio_pci]", are not available
 *       through libtraceevent and are left out), else the hex addresses;
 *     - trace_marker writes: ftrace/print with one field "buf", without
 *       the trailing newline (and blanks, as the text path strips them);
 *     - any other event: its print fmt rendered by libtraceevent and split
 *       into NAME=VALUE fields as the text path splits the ftrace line
 *       (so irq_matrix's "avl=" is "avl", not the field name "available");
 *     - a record that follows lost events first gives an INGEST_LOST.
 *     Timestamps: ts_ns as recorded; ts_us rounded to the nearest
 *     microsecond, which is what the kernel prints in the ftrace text.
 *     Every field is bounds-checked against its record before it is read:
 *     a record that does not hold its event's fields, and an event whose
 *     format libtraceevent could not parse, are errors naming the event.
 *
 *     The child sends each decoded record through a pipe, in binary
 *     messages written 256 KB at a time (see td_push(): an event's system,
 *     name and field names, a probe location, a comm are sent once and
 *     then referred to; numbers go as numbers); the parent rebuilds
 *     struct ingest_event and feeds the normalizer.  Both
 *     libraries trust metadata that pass 1 cannot check (event format
 *     text, compressed sections): damaged, they divide by zero, follow
 *     NULL pointers or malloc absurd sizes.  A crash of the child is an
 *     error naming the file, never a crash of msilab.  Decoding and
 *     normalizing also overlap on two CPUs.
 *
 * After the last record each CPU must have been read to its last data
 * page: libtracecmd ends a CPU's stream silently when a page cannot be
 * read or decompressed, which would otherwise pass for a clean end.
 *
 * Known gap: a cut exactly at the start of a trailing strings section
 * (section names only) is accepted: `trace-cmd restore` writes files
 * without that section, so it cannot be required; no event is lost.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <trace-cmd.h>
#include <event-parse.h>

#include "ingest.h"
#include "ingest_tep.h"

#define TD_MAX_CPUS		8192
#define TD_MAX_SECTIONS		65536
#define TD_MAX_CHUNK		(256u << 20)	/* uncompressed bytes per chunk */
#define TD_NR_EVENT_IDS		65536		/* common_type is 16 bits */
#define TD_COMM_CACHE		256
#define TD_PROBE_CACHE		8		/* probe texts per event */
#define TD_MAX_BUFFERS		64		/* the top buffer and its instances */

/* v7 section and option ids (trace-cmd.dat.v7(5)) */
enum {
	TD_OPT_DONE = 0,
	TD_OPT_BUFFER = 3,
	TD_OPT_UNAME = 5,
	TD_OPT_CPUCOUNT = 8,
	TD_OPT_STRINGS = 15,
	TD_OPT_HEADER_INFO = 16,
	TD_OPT_CMDLINES = 21,
	TD_OPT_BUFFER_TEXT = 22,
};

#define TD_SEC_FL_COMPRESS	1

/* ---------------------------------------------------------------- layout */

struct td_cpu {
	uint32_t id;
	uint64_t off, size;	/* in the file */
	uint64_t usize;		/* uncompressed bytes of ring-buffer pages */
};

struct td_section {
	uint64_t off;		/* of the section header */
	uint64_t size;		/* bytes after the 16-byte header */
	uint16_t id, flags;
	uint32_t strid;
};

struct td_layout {
	int fd;
	uint64_t fsize;
	const char *path;
	struct mlog_error *err;

	int version;
	bool big;
	uint32_t page_size;
	bool compressed;	/* v7 with an algorithm other than "none" */
	uint32_t cpus;		/* CPUCOUNT option / v6 header, 0 unknown */
	char release[128];	/* from the UNAME option */

	struct td_cpu *cpu;	/* the top instance's CPU data */
	uint32_t ncpu;
	struct td_inst {	/* v7: the instance buffers' CPU data */
		char name[256];
		struct td_cpu *cpu;
		uint32_t ncpu;
	} *inst;
	uint32_t ninst;

	struct td_section *sec;	/* v7 */
	uint32_t nsec;
	uint64_t end;		/* reads must stay below (a section's end), 0: none */
	uint64_t win_off;	/* a window of the file for small reads */
	size_t win_len;
	char win[16384];
};

static int td_fail(struct mlog_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int td_fail(struct mlog_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* Read @len bytes at @off; @what names them in the message. */
static int td_read(struct td_layout *l, uint64_t off, void *buf, size_t len,
		   const char *what)
{
	ssize_t r;

	if (off > l->fsize || len > l->fsize - off)
		return td_fail(l->err,
			       "truncated trace.dat: %s at offset %" PRIu64 " needs %zu bytes, the file ends at %" PRIu64,
			       what, off, len, l->fsize);
	if (l->end && (off > l->end || len > l->end - off))
		return td_fail(l->err,
			       "bad trace.dat: %s at offset %" PRIu64 " (%zu bytes) overruns its section, which ends at %" PRIu64,
			       what, off, len, l->end);
	/* most reads are a few bytes: serve them from a window of the file */
	if (len <= sizeof(l->win) / 2) {
		if (!(l->win_len && off >= l->win_off && off - l->win_off + len <= l->win_len)) {
			size_t want = sizeof(l->win);

			if (want > l->fsize - off)
				want = (size_t)(l->fsize - off);
			l->win_off = off;
			l->win_len = 0;
			while (l->win_len < want) {
				r = pread(l->fd, l->win + l->win_len, want - l->win_len,
					  (off_t)(off + l->win_len));
				if (r < 0 && errno == EINTR)
					continue;
				if (r <= 0)
					return td_fail(l->err, "cannot read %s at offset %" PRIu64 ": %s", what, off,
						       r < 0 ? strerror(errno) : "unexpected end of file");
				l->win_len += (size_t)r;
			}
		}
		memcpy(buf, l->win + (off - l->win_off), len);
		return 0;
	}
	while (len) {
		r = pread(l->fd, buf, len, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return td_fail(l->err, "cannot read %s at offset %" PRIu64 ": %s", what, off,
				       r < 0 ? strerror(errno) : "unexpected end of file");
		buf = (char *)buf + r;
		off += (uint64_t)r;
		len -= (size_t)r;
	}
	return 0;
}

static uint64_t td_num(const struct td_layout *l, const unsigned char *p, int size)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < size; i++)
		v |= (uint64_t)p[l->big ? size - 1 - i : i] << (8 * i);
	return v;
}

static int td_u16(struct td_layout *l, uint64_t off, uint16_t *v, const char *what)
{
	unsigned char b[2];

	if (td_read(l, off, b, 2, what))
		return -1;
	*v = (uint16_t)td_num(l, b, 2);
	return 0;
}

static int td_u32(struct td_layout *l, uint64_t off, uint32_t *v, const char *what)
{
	unsigned char b[4];

	if (td_read(l, off, b, 4, what))
		return -1;
	*v = (uint32_t)td_num(l, b, 4);
	return 0;
}

static int td_u64(struct td_layout *l, uint64_t off, uint64_t *v, const char *what)
{
	unsigned char b[8];

	if (td_read(l, off, b, 8, what))
		return -1;
	*v = td_num(l, b, 8);
	return 0;
}

/* A NUL-terminated string of at most @max bytes at *@off; *@off moves past it. */
static int td_str(struct td_layout *l, uint64_t *off, char *buf, size_t max,
		  const char *what)
{
	size_t n = max;
	char *nul;

	if (*off >= l->fsize)
		return td_fail(l->err, "truncated trace.dat: %s at offset %" PRIu64 " is missing, the file ends at %" PRIu64,
			       what, *off, l->fsize);
	if (n > l->fsize - *off)
		n = (size_t)(l->fsize - *off);
	if (l->end && *off < l->end && n > l->end - *off)
		n = (size_t)(l->end - *off);
	if (td_read(l, *off, buf, n, what))
		return -1;
	nul = memchr(buf, 0, n);
	if (!nul) {
		if (n < max)
			return td_fail(l->err, "truncated trace.dat: %s at offset %" PRIu64 " is not terminated before the end of the file",
				       what, *off);
		return td_fail(l->err, "bad trace.dat: %s at offset %" PRIu64 " is longer than %zu bytes",
			       what, *off, max - 1);
	}
	*off += (uint64_t)(nul - buf) + 1;
	return 0;
}

/* Skip a block of @size bytes at *@off that must lie inside the file. */
static int td_skip(struct td_layout *l, uint64_t *off, uint64_t size, const char *what)
{
	if (*off > l->fsize || size > l->fsize - *off)
		return td_fail(l->err,
			       "truncated trace.dat: %s at offset %" PRIu64 " promises %" PRIu64 " bytes, the file ends at %" PRIu64,
			       what, *off, size, l->fsize);
	if (l->end && (*off > l->end || size > l->end - *off))
		return td_fail(l->err,
			       "bad trace.dat: %s at offset %" PRIu64 " (%" PRIu64 " bytes) overruns its section, which ends at %" PRIu64,
			       what, *off, size, l->end);
	*off += size;
	return 0;
}

/* A block: its @szlen-byte size at *@off, then its bytes; *@off moves past. */
static int td_block(struct td_layout *l, uint64_t *off, int szlen, const char *szwhat,
		    const char *what)
{
	uint64_t size;
	uint32_t s32;

	if (szlen == 4) {
		if (td_u32(l, *off, &s32, szwhat))
			return -1;
		size = s32;
	} else if (td_u64(l, *off, &size, szwhat)) {
		return -1;
	}
	*off += (uint64_t)szlen;
	return td_skip(l, off, size, what);
}

static void td_set_release(struct td_layout *l, const char *uname)
{
	/*
	 * "sysname nodename release machine", as trace-cmd 3.1.6 writes it
	 * (trace-output.c): the release is the word before the last (the
	 * node name is the only word that might hold a blank).
	 */
	const char *end = strrchr(uname, ' '), *p;
	size_t n;

	if (!end || end == uname)
		return;
	for (p = end; p > uname && p[-1] != ' '; p--)
		;
	n = (size_t)(end - p);
	if (p == uname || !n || n >= sizeof(l->release))
		return;
	memcpy(l->release, p, n);
	l->release[n] = 0;
}

/*
 * The per-CPU data of a compressed buffer: a chunk count, then chunks of
 * (compressed size, uncompressed size, data).  Fills @c->usize.
 */
static int td_check_chunks(struct td_layout *l, struct td_cpu *c)
{
	uint64_t off = c->off, end = c->off + c->size, usize = 0;
	uint32_t count, i, csz, usz;
	char what[64];

	if (!c->size)
		return 0;
	snprintf(what, sizeof(what), "the chunk count of CPU %u", c->id);
	if (c->size < 4)
		return td_fail(l->err, "bad trace.dat: the compressed data of CPU %u is %" PRIu64 " bytes, too short for its chunk count",
			       c->id, c->size);
	if (td_u32(l, off, &count, what))
		return -1;
	off += 4;
	for (i = 0; i < count; i++) {
		snprintf(what, sizeof(what), "chunk %u of CPU %u", i, c->id);
		if (end - off < 8)
			return td_fail(l->err, "bad trace.dat: CPU %u has %u compressed chunks but its data (%" PRIu64 " bytes at offset %" PRIu64 ") ends in the header of chunk %u",
				       c->id, count, c->size, c->off, i);
		if (td_u32(l, off, &csz, what) || td_u32(l, off + 4, &usz, what))
			return -1;
		off += 8;
		if (csz > end - off)
			return td_fail(l->err, "bad trace.dat: chunk %u of CPU %u (%u compressed bytes at offset %" PRIu64 ") overruns the CPU's data, which ends at %" PRIu64,
				       i, c->id, csz, off, end);
		if (!usz || usz > TD_MAX_CHUNK || usz % l->page_size)
			return td_fail(l->err, "bad trace.dat: chunk %u of CPU %u claims %u uncompressed bytes (not a multiple of the %u-byte page)",
				       i, c->id, usz, l->page_size);
		off += csz;
		usize += usz;
	}
	c->usize = usize;
	return 0;
}

/* One CPU's region: [off, off + size) inside [lo, hi). */
static int td_check_region(struct td_layout *l, const struct td_cpu *c,
			   uint64_t lo, uint64_t hi, const char *where)
{
	if (c->off < lo || c->off > l->fsize || c->size > l->fsize - c->off)
		return td_fail(l->err,
			       "truncated trace.dat: the data of CPU %u (%" PRIu64 " bytes at offset %" PRIu64 ") goes past the end of the file (%" PRIu64 " bytes)",
			       c->id, c->size, c->off, l->fsize);
	if (c->size > hi - c->off)
		return td_fail(l->err, "bad trace.dat: the data of CPU %u (%" PRIu64 " bytes at offset %" PRIu64 ") overruns %s, which ends at %" PRIu64,
			       c->id, c->size, c->off, where, hi);
	return 0;
}

static int td_add_cpus(struct td_layout *l, const struct td_cpu *cpus, uint32_t n)
{
	l->cpu = calloc(n ? n : 1, sizeof(*l->cpu));
	if (!l->cpu)
		return td_fail(l->err, "out of memory");
	memcpy(l->cpu, cpus, n * sizeof(*cpus));
	l->ncpu = n;
	return 0;
}

/* ---- the metadata, laid out alike in v6 (in a row) and v7 (sections) */

static int td_meta_headers(struct td_layout *l, uint64_t *off)
{
	char buf[16];

	if (td_read(l, *off, buf, 12, "the \"header_page\" tag"))
		return -1;
	if (memcmp(buf, "header_page", 12))
		return td_fail(l->err, "bad trace.dat: no \"header_page\" at offset %" PRIu64, *off);
	*off += 12;
	if (td_block(l, off, 8, "the header_page size", "the header_page"))
		return -1;
	if (td_read(l, *off, buf, 13, "the \"header_event\" tag"))
		return -1;
	if (memcmp(buf, "header_event", 13))
		return td_fail(l->err, "bad trace.dat: no \"header_event\" at offset %" PRIu64, *off);
	*off += 13;
	return td_block(l, off, 8, "the header_event size", "the header_event");
}

static int td_meta_ftrace(struct td_layout *l, uint64_t *off)
{
	uint32_t n, i;

	if (td_u32(l, *off, &n, "the ftrace format count"))
		return -1;
	*off += 4;
	for (i = 0; i < n; i++)
		if (td_block(l, off, 8, "an ftrace format size", "an ftrace event format"))
			return -1;
	return 0;
}

static int td_meta_events(struct td_layout *l, uint64_t *off)
{
	char buf[256];
	uint32_t n, m, i, j;

	if (td_u32(l, *off, &n, "the event system count"))
		return -1;
	*off += 4;
	for (i = 0; i < n; i++) {
		if (td_str(l, off, buf, sizeof(buf), "an event system name") ||
		    td_u32(l, *off, &m, "an event count"))
			return -1;
		*off += 4;
		for (j = 0; j < m; j++)
			if (td_block(l, off, 8, "an event format size", "an event format"))
				return -1;
	}
	return 0;
}

static int td_meta(struct td_layout *l, int id, uint64_t *off)
{
	switch (id) {
	case 16:
		return td_meta_headers(l, off);
	case 17:
		return td_meta_ftrace(l, off);
	case 18:
		return td_meta_events(l, off);
	case 19:
		return td_block(l, off, 4, "the kallsyms size", "the kallsyms");
	case 20:
		return td_block(l, off, 4, "the printk formats size", "the printk formats");
	case 21:
		return td_block(l, off, 8, "the saved cmdlines size", "the saved cmdlines");
	}
	return 0;
}

/* ---- version 6: one header after the other, then the CPU offset table */

static int td_check_v6(struct td_layout *l, uint64_t off)
{
	char buf[256];
	uint64_t size, hdr_end, top_table = 0;
	uint32_t i, cpus;
	uint16_t id;
	struct td_cpu *cpu;
	int ret = -1;

	for (i = 16; i <= 21; i++)
		if (td_meta(l, (int)i, &off))
			return -1;
	if (td_u32(l, off, &cpus, "the CPU count"))
		return -1;
	off += 4;
	if (cpus > TD_MAX_CPUS)
		return td_fail(l->err, "bad trace.dat: %u CPUs (at most %u)", cpus, TD_MAX_CPUS);
	l->cpus = cpus;
	if (td_read(l, off, buf, 10, "the data type (\"options\", \"flyrecord\")"))
		return -1;
	off += 10;
	if (!memcmp(buf, "options  ", 10)) {
		for (;;) {
			uint32_t osize;

			if (td_u16(l, off, &id, "an option id"))
				return -1;
			off += 2;
			if (!id)
				break;
			if (td_u32(l, off, &osize, "an option size"))
				return -1;
			off += 4;
			if (off > l->fsize || osize > l->fsize - off)
				return td_fail(l->err, "truncated trace.dat: option %u at offset %" PRIu64 " promises %u bytes, the file ends at %" PRIu64,
					       id, off, osize, l->fsize);
			if (id == TD_OPT_UNAME && osize && osize < sizeof(buf)) {
				if (td_read(l, off, buf, osize, "the uname option"))
					return -1;
				buf[osize] = 0;
				td_set_release(l, buf);
			}
			if (id == TD_OPT_BUFFER) {
				/* another instance: offset of its CPU table, name */
				if (osize < 8 || td_u64(l, off, &size, "a buffer option"))
					return td_fail(l->err, "bad trace.dat: buffer option at offset %" PRIu64 " is %u bytes",
						       off, osize);
				if (size > l->fsize || (uint64_t)cpus * 16 > l->fsize - size)
					return td_fail(l->err, "truncated trace.dat: the CPU table of an instance at offset %" PRIu64 " lies past the end of the file (%" PRIu64 " bytes)",
						       size, l->fsize);
				if (!top_table)
					top_table = size;	/* checked below */
			}
			off += osize;
		}
		if (td_read(l, off, buf, 10, "the data type (\"flyrecord\")"))
			return -1;
		off += 10;
	}
	(void)top_table;
	if (!memcmp(buf, "latency  ", 10))
		return td_fail(l->err, "latency-format trace.dat (the trace as text) is not supported: convert its text");
	if (memcmp(buf, "flyrecord", 10))
		return td_fail(l->err, "bad trace.dat: unknown data type \"%.9s\" at offset %" PRIu64, buf, off - 10);

	cpu = calloc(cpus ? cpus : 1, sizeof(*cpu));
	if (!cpu)
		return td_fail(l->err, "out of memory");
	hdr_end = off + (uint64_t)cpus * 16;
	for (i = 0; i < cpus; i++) {
		cpu[i].id = i;
		if (td_u64(l, off, &cpu[i].off, "the CPU data offset table") ||
		    td_u64(l, off + 8, &cpu[i].size, "the CPU data offset table"))
			goto out;
		off += 16;
		if (td_check_region(l, &cpu[i], hdr_end, l->fsize, "the file"))
			goto out;
		cpu[i].usize = cpu[i].size;
	}
	ret = td_add_cpus(l, cpu, cpus);
out:
	free(cpu);
	return ret;
}

/* ---- version 7: sections, found through chains of options sections */

static const struct td_section *td_section_at(const struct td_layout *l, uint64_t off)
{
	uint32_t lo = 0, hi = l->nsec;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (l->sec[mid].off == off)
			return &l->sec[mid];
		if (l->sec[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The BUFFER option: the instance's flyrecord section and its CPU table. */
static int td_check_buffer(struct td_layout *l, uint64_t off, uint32_t size)
{
	uint64_t end = off + size, data, pos;
	const struct td_section *s;
	char name[256], clock[256];
	uint32_t psize, n, i;
	struct td_cpu *cpu;
	bool top;
	int ret = -1;

	if (size < 8 || td_u64(l, off, &data, "a buffer option"))
		return td_fail(l->err, "bad trace.dat: buffer option at offset %" PRIu64 " is %u bytes", off, size);
	s = td_section_at(l, data);
	if (!s)
		return td_fail(l->err, "bad trace.dat: a buffer option points at offset %" PRIu64 ", where no section starts",
			       data);
	pos = off + 8;
	if (td_str(l, &pos, name, sizeof(name), "a buffer name") ||
	    td_str(l, &pos, clock, sizeof(clock), "a buffer clock"))
		return -1;
	if (pos + 8 > end)
		return td_fail(l->err, "bad trace.dat: buffer option \"%s\" at offset %" PRIu64 " ends before its CPU count",
			       name, off);
	if (td_u32(l, pos, &psize, "a buffer page size") || td_u32(l, pos + 4, &n, "a buffer CPU count"))
		return -1;
	pos += 8;
	if (psize != l->page_size)
		return td_fail(l->err, "bad trace.dat: buffer \"%s\" has %u-byte pages, the file %u-byte pages",
			       name, psize, l->page_size);
	if (n > TD_MAX_CPUS || (uint64_t)n * 20 > end - pos)
		return td_fail(l->err, "bad trace.dat: buffer option \"%s\" at offset %" PRIu64 " (%u bytes) cannot hold %u CPUs",
			       name, off, size, n);
	cpu = calloc(n ? n : 1, sizeof(*cpu));
	if (!cpu)
		return td_fail(l->err, "out of memory");
	for (i = 0; i < n; i++, pos += 20) {
		if (td_u32(l, pos, &cpu[i].id, "a buffer CPU id") ||
		    td_u64(l, pos + 4, &cpu[i].off, "a buffer CPU offset") ||
		    td_u64(l, pos + 12, &cpu[i].size, "a buffer CPU size"))
			goto out;
		if (cpu[i].id >= TD_MAX_CPUS) {
			td_fail(l->err, "bad trace.dat: buffer \"%s\" has data for CPU %u", name, cpu[i].id);
			goto out;
		}
		if (l->compressed && (s->flags & TD_SEC_FL_COMPRESS) && cpu[i].size) {
			/* the size trace-cmd writes leaves out the chunk count */
			if (cpu[i].size > UINT64_MAX - 4) {
				td_fail(l->err, "bad trace.dat: the data of CPU %u is %" PRIu64 " bytes",
					cpu[i].id, cpu[i].size);
				goto out;
			}
			cpu[i].size += 4;
			if (td_check_region(l, &cpu[i], s->off + 16, s->off + 16 + s->size,
					    "its buffer section") ||
			    td_check_chunks(l, &cpu[i]))
				goto out;
		} else {
			if (td_check_region(l, &cpu[i], s->off + 16, s->off + 16 + s->size,
					    "its buffer section"))
				goto out;
			cpu[i].usize = cpu[i].size;
		}
	}
	top = !name[0] && !l->cpu;
	if (top) {
		ret = td_add_cpus(l, cpu, n);
	} else if (name[0]) {
		struct td_inst *in;

		if (l->ninst >= TD_MAX_BUFFERS) {
			td_fail(l->err, "bad trace.dat: more than %u instance buffers", TD_MAX_BUFFERS);
			goto out;
		}
		in = realloc(l->inst, (l->ninst + 1) * sizeof(*l->inst));
		if (!in) {
			td_fail(l->err, "out of memory");
			goto out;
		}
		l->inst = in;
		in = &l->inst[l->ninst++];
		snprintf(in->name, sizeof(in->name), "%s", name);
		in->cpu = cpu;
		in->ncpu = n;
		cpu = NULL;
		ret = 0;
	} else {
		ret = 0;
	}
out:
	free(cpu);
	return ret;
}

static int td_check_options(struct td_layout *l, uint64_t first)
{
	static const char *const names[] = {
		[16] = "header info", [17] = "ftrace events", [18] = "event formats",
		[19] = "kallsyms", [20] = "printk formats", [21] = "saved cmdlines",
	};
	uint64_t next = first;
	uint32_t nopt = 0;
	char buf[256];

	while (next) {
		const struct td_section *s = td_section_at(l, next);
		uint64_t off, end;

		if (!s || s->id != 0)
			return td_fail(l->err, "bad trace.dat: an options section should start at offset %" PRIu64 "%s",
				       next, s ? ", but a different section is there" : ", but no section starts there");
		if (++nopt > l->nsec)
			return td_fail(l->err, "bad trace.dat: the chain of options sections loops");
		if (s->flags & TD_SEC_FL_COMPRESS)
			return td_fail(l->err, "compressed options section at offset %" PRIu64 " is not supported", next);
		off = s->off + 16;
		end = off + s->size;
		next = 0;
		for (;;) {
			uint16_t id;
			uint32_t size;
			uint64_t ptr;

			if (end - off < 6)
				return td_fail(l->err, "bad trace.dat: the options section at offset %" PRIu64 " has no DONE option",
					       s->off);
			if (td_u16(l, off, &id, "an option id") || td_u32(l, off + 2, &size, "an option size"))
				return -1;
			off += 6;
			if (size > end - off)
				return td_fail(l->err, "bad trace.dat: option %u at offset %" PRIu64 " (%u bytes) overruns its options section",
					       id, off - 6, size);
			if (id == TD_OPT_DONE) {
				if (size != 8 || td_u64(l, off, &next, "the DONE option"))
					return td_fail(l->err, "bad trace.dat: DONE option at offset %" PRIu64 " is %u bytes",
						       off - 6, size);
				break;
			}
			if (id >= TD_OPT_HEADER_INFO && id <= TD_OPT_CMDLINES) {
				if (size != 8 || td_u64(l, off, &ptr, "a section pointer"))
					return td_fail(l->err, "bad trace.dat: option %u at offset %" PRIu64 " is %u bytes",
						       id, off - 6, size);
				s = td_section_at(l, ptr);
				if (!s || s->id != id)
					return td_fail(l->err, "bad trace.dat: the %s section should start at offset %" PRIu64 "%s",
						       names[id], ptr,
						       s ? ", but a different section is there" : ", but no section starts there");
			} else if (id == TD_OPT_BUFFER) {
				if (td_check_buffer(l, off, size))
					return -1;
			} else if (id == TD_OPT_BUFFER_TEXT) {
				return td_fail(l->err, "latency-format trace.dat (the trace as text) is not supported: convert its text");
			} else if (id == TD_OPT_UNAME && size && size < sizeof(buf)) {
				if (td_read(l, off, buf, size, "the uname option"))
					return -1;
				buf[size] = 0;
				td_set_release(l, buf);
			} else if (id == TD_OPT_CPUCOUNT && size == 4) {
				if (td_u32(l, off, &l->cpus, "the CPU count option"))
					return -1;
			}
			off += size;
		}
	}
	return 0;
}

static int td_check_v7(struct td_layout *l, uint64_t off)
{
	char zname[64], zver[64];
	uint64_t options, strings = 0;
	uint32_t cap = 0, i;
	bool have_strings = false;

	if (td_str(l, &off, zname, sizeof(zname), "the compression algorithm name") ||
	    td_str(l, &off, zver, sizeof(zver), "the compression algorithm version"))
		return -1;
	l->compressed = strcmp(zname, "none") != 0;
	if (td_u64(l, off, &options, "the offset of the first options section"))
		return -1;
	off += 8;

	/* The sections follow one another to the end of the file. */
	while (off < l->fsize) {
		unsigned char h[16];
		struct td_section *s;

		if (td_read(l, off, h, sizeof(h), "a section header"))
			return -1;
		if (l->nsec == cap) {
			void *p;

			if (cap >= TD_MAX_SECTIONS)
				return td_fail(l->err, "bad trace.dat: more than %u sections", TD_MAX_SECTIONS);
			cap = cap ? 2 * cap : 64;
			p = realloc(l->sec, cap * sizeof(*l->sec));
			if (!p)
				return td_fail(l->err, "out of memory");
			l->sec = p;
		}
		s = &l->sec[l->nsec++];
		s->off = off;
		s->id = (uint16_t)td_num(l, h, 2);
		s->flags = (uint16_t)td_num(l, h + 2, 2);
		s->strid = (uint32_t)td_num(l, h + 4, 4);
		s->size = td_num(l, h + 8, 8);
		off += 16;
		if (s->size > l->fsize - off)
			return td_fail(l->err,
				       "truncated trace.dat: section %u at offset %" PRIu64 " promises %" PRIu64 " bytes, the file ends at %" PRIu64 " (%" PRIu64 " bytes short)",
				       s->id, s->off, s->size, l->fsize, s->size - (l->fsize - off));
		if (s->flags & TD_SEC_FL_COMPRESS) {
			uint32_t csz, usz;

			if (!l->compressed)
				return td_fail(l->err, "bad trace.dat: section %u at offset %" PRIu64 " is compressed in a file without compression",
					       s->id, s->off);
			if (s->id != TD_OPT_BUFFER) {
				if (s->size < 8 || td_u32(l, off, &csz, "a section's compression header") ||
				    td_u32(l, off + 4, &usz, "a section's compression header"))
					return td_fail(l->err, "bad trace.dat: compressed section %u at offset %" PRIu64 " has no compression header",
						       s->id, s->off);
				if (csz != s->size - 8 || usz > TD_MAX_CHUNK)
					return td_fail(l->err, "bad trace.dat: compressed section %u at offset %" PRIu64 " is %" PRIu64 " bytes but says %u compressed, %u uncompressed",
						       s->id, s->off, s->size, csz, usz);
				if (s->id == TD_OPT_STRINGS)
					strings += usz;
			}
		} else if (s->id == TD_OPT_STRINGS) {
			strings += s->size;
		}
		if (s->id == TD_OPT_STRINGS)
			have_strings = true;
		off += s->size;
	}
	/*
	 * Section names are ids into the strings sections, which trace-cmd
	 * writes last.  `trace-cmd restore` 3.1.6 writes none at all (the
	 * ids dangle), so a file without them is accepted: nothing but the
	 * section names is lost.
	 */
	for (i = 0; have_strings && i < l->nsec; i++) {
		if (l->sec[i].strid >= strings)
			return td_fail(l->err, "bad trace.dat: section %u at offset %" PRIu64 " is named by string %u, the strings are %" PRIu64 " bytes",
				       l->sec[i].id, l->sec[i].off, l->sec[i].strid, strings);
	}
	for (i = 0; i < l->nsec; i++) {
		const struct td_section *s = &l->sec[i];
		uint64_t pos = s->off + 16;

		if (s->id < TD_OPT_HEADER_INFO || s->id > TD_OPT_CMDLINES ||
		    (s->flags & TD_SEC_FL_COMPRESS))
			continue;
		l->end = pos + s->size;
		if (td_meta(l, s->id, &pos))
			return -1;
		l->end = 0;
	}
	if (td_check_options(l, options))
		return -1;
	if (!l->cpu && !l->ninst)
		return td_fail(l->err, "bad trace.dat: no buffer option describes the trace data");
	return 0;
}

static int td_check_layout(struct td_layout *l)
{
	unsigned char h[INGEST_TRACEDAT_MAGIC_LEN];
	char ver[16], *end;
	unsigned char b[2];
	uint64_t off = INGEST_TRACEDAT_MAGIC_LEN;
	unsigned long v;

	if (l->fsize < INGEST_TRACEDAT_MAGIC_LEN)
		return td_fail(l->err, "not a trace-cmd trace.dat: %" PRIu64 " bytes, too short for its magic", l->fsize);
	if (td_read(l, 0, h, sizeof(h), "the magic"))
		return -1;
	if (memcmp(h, INGEST_TRACEDAT_MAGIC, INGEST_TRACEDAT_MAGIC_LEN))
		return td_fail(l->err, "not a trace-cmd trace.dat (no \\x17\\x08\\x44tracing magic)");
	if (td_str(l, &off, ver, sizeof(ver), "the file version"))
		return -1;
	errno = 0;
	v = strtoul(ver, &end, 10);
	if (errno || *end || end == ver)
		return td_fail(l->err, "bad trace.dat: file version \"%s\" is not a number", ver);
	if (v != 6 && v != 7)
		return td_fail(l->err, "trace.dat file version %lu is not supported (versions 6 and 7 are)", v);
	l->version = (int)v;
	if (td_read(l, off, b, 2, "the endianness and long size"))
		return -1;
	off += 2;
	if (b[0] > 1 || (b[1] != 4 && b[1] != 8))
		return td_fail(l->err, "bad trace.dat: endianness %u, long size %u", b[0], b[1]);
	l->big = b[0];
	if (td_u32(l, off, &l->page_size, "the page size"))
		return -1;
	off += 4;
	if (l->page_size < 1024 || l->page_size > (1u << 20) || (l->page_size & (l->page_size - 1)))
		return td_fail(l->err, "bad trace.dat: page size %u", l->page_size);
	return l->version == 6 ? td_check_v6(l, off) : td_check_v7(l, off);
}

/* ---------------------------------------------------------------- events */

struct td_field {
	struct tep_format_field *f;
	enum ingest_tep_fmt fmt;
};

struct td_probe_text {
	unsigned long long ip, fn;
	char *text;
	size_t len;
};

struct td_event {
	struct tep_event *ev;
	int id;				/* ev->id */
	struct tep_handle *tep;		/* whose event it is */
	enum ingest_tep_kind kind;
	struct tep_format_field *ip, *func, *retip, *buf;
	uint32_t nf;
	struct td_field f[INGEST_MAX_FIELDS];
	struct td_probe_text probe[TD_PROBE_CACHE];
	bool msilc;			/* of the msilc probe group */
	bool native;			/* the file's byte order is ours: numbers are read in place */
	struct tep_format_field *pid;	/* common_pid, when it is where tep_data_pid() reads */
	uint32_t wid;			/* its number on the pipe, 0: not sent yet */
	/*
	 * td_check_fields() in short: every field ends at or before
	 * @check_end bytes (-1: a field with a negative offset or size), and
	 * the @ndyn dynamic ones are followed
	 */
	long check_end;
	uint32_t ndyn;
	struct tep_format_field *dyn[INGEST_MAX_FIELDS];
	bool dyn_overflow;		/* more dynamic fields than @dyn holds */
};

struct td_ctx {
	struct mlog_error *err;
	struct tep_handle *tep;
	struct td_layout *l;
	struct td_event **evs;		/* by event id, built on first use */
	struct ingest_tep dec;		/* the record decoder and its event */
	uint8_t probe_slot;
	bool has_probe;
	uint64_t nrec;
	/*
	 * per buffer read and CPU id (buffer * max_cpu + cpu): first and
	 * last page offset seen, records seen
	 */
	uint64_t *first_page, *last_page, *nrecs;
	uint32_t max_cpu;
	uint32_t nbuf;				/* buffers read */
	const struct td_cpu *bcpu[TD_MAX_BUFFERS];	/* their layout, NULL unknown */
	uint32_t bncpu[TD_MAX_BUFFERS];
	const char *bname[TD_MAX_BUFFERS];
	bool failed;
	const char *comm[TD_COMM_CACHE];	/* by pid & (size - 1) */
	uint32_t comm_pid[TD_COMM_CACHE];
	int wfd;			/* the pipe to the parent */
	char *wbuf;
	size_t wlen, wcap, wmsg;
	uint32_t nwid;			/* event descriptors sent */
	struct tep_handle *type_tep;	/* td_type(): for this parser, */
	int type_off;			/* common_type is here (-1: ask libtraceevent) */
	/*
	 * One buffer read without a counting pass first (the others are
	 * empty): its events and msilc events are counted as it is read, and
	 * until the first msilc event the records stay in @wbuf (up to
	 * TD_HOLD_MAX bytes), so a file without one gives the same error as
	 * after a counting pass and the parent sees none of its records.
	 */
	bool single;
	bool hold;
	uint64_t s_events, s_msilc;
	uint32_t s_buf;			/* which buffer (0: top) */
	char names[TD_MAX_BUFFERS][64];	/* of every buffer, for the summary */
	int nb;				/* instance buffers in the file */
};

#define TD_HOLD_MAX	(32u << 20)
#define TD_FLUSH_AT	(256u << 10)	/* bytes per write to the pipe */
#define TD_PIPE_SIZE	(1 << 20)	/* asked of the pipe (F_SETPIPE_SZ) */

static struct td_event *td_event_desc(struct td_ctx *c, struct tep_event *ev)
{
	struct td_event *d = c->evs[ev->id & (TD_NR_EVENT_IDS - 1)];
	struct tep_format_field *f;

	if (d && d->ev == ev)
		return d;
	if (d) {
		int k;

		for (k = 0; k < TD_PROBE_CACHE; k++)
			free(d->probe[k].text);
		free(d);
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->ev = ev;
	d->id = ev->id;
	d->tep = c->tep;
	d->native = ingest_tep_native(c->tep);
	{
		struct tep_event *first = tep_get_first_event(c->tep);
		struct tep_format_field *p0 = first ? tep_find_common_field(first, "common_pid") : NULL;
		struct tep_format_field *pe = tep_find_common_field(ev, "common_pid");

		if (d->native && p0 && pe && p0->offset == pe->offset && p0->size == 4 && pe->size == 4)
			d->pid = pe;
	}
	d->msilc = ev->system && !strcmp(ev->system, "msilc");
	d->check_end = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (f = pass ? ev->format.fields : ev->format.common_fields; f; f = f->next) {
			if (f->offset < 0 || f->size < 0) {
				d->check_end = -1;
				continue;
			}
			if (d->check_end >= 0 && (long)f->offset + f->size > d->check_end)
				d->check_end = (long)f->offset + f->size;
			if (f->flags & TEP_FIELD_IS_DYNAMIC) {
				if (d->ndyn < INGEST_MAX_FIELDS)
					d->dyn[d->ndyn++] = f;
				else
					d->dyn_overflow = true;
			}
		}
	}
	d->kind = ingest_tep_kind_of(ev, &d->ip, &d->func, &d->retip);
	if (d->kind == INGEST_TEP_PRINT)
		d->buf = tep_find_field(ev, "buf");
	if (d->kind == INGEST_TEP_KPROBE || d->kind == INGEST_TEP_KRETPROBE) {
		const char *fmt = ev->print_fmt.format ? ev->print_fmt.format : "";

		for (f = ev->format.fields; f; f = f->next) {
			if (!strncmp(f->name, "__probe_", 8))
				continue;
			if (d->nf == INGEST_MAX_FIELDS)
				break;	/* reported when decoded */
			d->f[d->nf].f = f;
			d->f[d->nf].fmt = ingest_tep_kprobe_fmt(fmt, f);
			d->nf++;
		}
		if (f)
			d->nf = INGEST_MAX_FIELDS + 1;
	}
	c->evs[ev->id & (TD_NR_EVENT_IDS - 1)] = d;
	return d;
}

static int td_rec_fail(struct td_ctx *c, struct tep_record *r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int td_rec_fail(struct td_ctx *c, struct tep_record *r, const char *fmt, ...)
{
	char msg[200];
	uint64_t us = (r->ts + 500) / 1000;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->err->msg, sizeof(c->err->msg), "record %" PRIu64 " (CPU %d, %" PRIu64 ".%06" PRIu64 "): %s",
		 c->nrec, r->cpu, us / 1000000, us % 1000000, msg);
	c->failed = true;
	return -1;
}

/* Every field of @ev must lie inside the record before libtraceevent reads it. */
static int td_check_fields(struct td_ctx *c, struct tep_record *r, struct tep_event *ev)
{
	if (ingest_tep_check_fields(&c->dec, r, ev))
		return td_rec_fail(c, r, "%s", c->dec.why);
	return 0;
}

/* A number of @size bytes of the record, as tep_read_number() reads it. */
static inline unsigned long long td_rnum(const struct td_ctx *c, const struct td_event *d,
					 const void *p, int size)
{
	return ingest_tep_read(c->tep, d->native, p, size);
}

static int td_reserve(struct td_ctx *c, size_t n);
static int td_flush(struct td_ctx *c);

/* Field flags on the pipe ('V' messages). */
enum {
	TD_FF_STR = 1,		/* is_str */
	TD_FF_NUM = 2,		/* is_num: the number follows */
	TD_FF_HEX = 4,		/* raw is "0x%llx" of the number: not sent */
	TD_FF_UDEC = 8,		/* raw is "%llu" of it */
	TD_FF_SDEC = 16,	/* raw is "%lld" of it */
};

/*
 * A kprobe record straight into a 'V' message (see td_push()): its fetch
 * args in format order, each as its print fmt prints it ("0x%Lx", "%u",
 * "%d": the number only, the parent writes the text; "\"%s\"" and
 * anything else: the text).
 */
static int td_encode_kprobe(struct td_ctx *c, struct tep_record *r, struct td_event *d)
{
	const struct ingest_event *ev = &c->dec.ev;
	uint8_t h[4];
	uint32_t u32[3] = { d->wid, ev->cpu, ev->pid }, mlen, i;
	uint64_t ts = ev->ts_ns;
	size_t start;
	char *w;

	if (d->nf > INGEST_MAX_FIELDS)
		return td_rec_fail(c, r, "event %s/%s has more than %d fields", d->ev->system, d->ev->name,
				   INGEST_MAX_FIELDS);
	h[0] = INGEST_EVENT;
	h[1] = (uint8_t)(1 | (ev->comm ? 2 : 0) | 8);
	h[2] = (uint8_t)d->nf;
	h[3] = c->probe_slot;
	if (td_reserve(c, 4 + 1 + sizeof(h) + sizeof(u32) + sizeof(ts) + (size_t)d->nf * 9))
		goto oom;
	start = c->wlen;
	w = c->wbuf + start + 4;
	*w++ = 'V';
	memcpy(w, h, sizeof(h));
	w += sizeof(h);
	memcpy(w, u32, sizeof(u32));
	w += sizeof(u32);
	memcpy(w, &ts, sizeof(ts));
	w += sizeof(ts);
	for (i = 0; i < d->nf; i++) {
		struct ingest_tep_value v;

		/* the fields were checked by td_check_fields() */
		ingest_tep_kprobe_value(&c->dec, r, d->f[i].f, d->f[i].fmt, d->native, &v);
		switch (v.fmt) {
		case INGEST_TEP_HEX:
		case INGEST_TEP_UDEC:
		case INGEST_TEP_SDEC:
			*w++ = (char)(TD_FF_NUM | (v.fmt == INGEST_TEP_HEX ? TD_FF_HEX :
						   v.fmt == INGEST_TEP_UDEC ? TD_FF_UDEC : TD_FF_SDEC));
			memcpy(w, &v.num, 8);
			w += 8;
			continue;
		default:
			*w++ = v.fmt == INGEST_TEP_STR ? TD_FF_STR : 0;
			break;
		}
		/* room for the text (and the fixed part of the fields after it) */
		c->wlen = (size_t)(w - c->wbuf);
		if (td_reserve(c, v.len + 1 + (size_t)(d->nf - i) * 9))
			goto oom;
		w = c->wbuf + c->wlen;
		memcpy(w, v.text, v.len);
		w += v.len;
		*w++ = 0;
	}
	c->wlen = (size_t)(w - c->wbuf);
	mlen = (uint32_t)(c->wlen - start - 4);
	memcpy(c->wbuf + start, &mlen, 4);
	if (c->hold && c->wlen > TD_HOLD_MAX)
		c->hold = false;	/* too much to hold: stream on */
	if (c->wlen >= TD_FLUSH_AT && !c->hold && td_flush(c)) {
		c->failed = true;
		return -1;
	}
	return 0;
oom:
	return td_rec_fail(c, r, "out of memory");
}

static int td_begin(struct td_ctx *c, char type);
static int td_put(struct td_ctx *c, const void *p, size_t n);
static int td_end(struct td_ctx *c);

/*
 * The probe location of a kprobe record: symbolized once per address (a
 * small cache per event), each cache entry sent to the parent once ('P'
 * message: event, slot, text); the record then names its slot
 * (@c->probe_slot).
 */
static int td_probe(struct td_ctx *c, struct tep_record *r, struct td_event *d)
{
	unsigned long long ip, fn = 0;
	struct td_probe_text *pt;
	size_t start;
	long off;
	uint8_t slot;
	char *text;

	if (d->kind == INGEST_TEP_KPROBE) {
		ip = td_rnum(c, d, (char *)r->data + d->ip->offset, d->ip->size);
	} else {
		ip = td_rnum(c, d, (char *)r->data + d->retip->offset, d->retip->size);
		fn = td_rnum(c, d, (char *)r->data + d->func->offset, d->func->size);
	}
	/* the same few addresses come back: symbolize each once */
	slot = (uint8_t)((ip ^ (ip >> 7)) & (TD_PROBE_CACHE - 1));
	pt = &d->probe[slot];
	c->probe_slot = slot;
	c->has_probe = true;
	if (pt->text && pt->ip == ip && pt->fn == fn)
		return 0;
	off = ingest_tep_probe(&c->dec, ip, fn, d->kind == INGEST_TEP_KRETPROBE);
	if (off < 0)
		return -1;
	start = (size_t)off;
	text = malloc(c->dec.pool_len - start);
	if (!text)
		return -1;
	memcpy(text, c->dec.pool + start, c->dec.pool_len - start);
	free(pt->text);
	pt->text = text;
	pt->len = c->dec.pool_len - 1 - start;
	pt->ip = ip;
	pt->fn = fn;
	c->dec.pool_len = start;
	if (td_begin(c, 'P') || td_put(c, &d->wid, sizeof(d->wid)) || td_put(c, &slot, 1) ||
	    td_put(c, pt->text, pt->len + 1) || td_end(c))
		return -1;
	return 0;
}

/* ---- the reader process: records out through a pipe */

static int td_flush(struct td_ctx *c)
{
	size_t done = 0;
	ssize_t w;

	while (done < c->wlen) {
		w = write(c->wfd, c->wbuf + done, c->wlen - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;	/* the parent stopped reading */
		done += (size_t)w;
	}
	c->wlen = 0;
	return 0;
}

/* Room for @n more bytes in the write buffer.  0 ok, -1 out of memory. */
static int td_reserve(struct td_ctx *c, size_t n)
{
	if (c->wcap - c->wlen < n) {
		size_t cap = c->wcap ? c->wcap : TD_FLUSH_AT * 2;
		char *b;

		while (cap - c->wlen < n)
			cap *= 2;
		b = realloc(c->wbuf, cap);
		if (!b)
			return -1;
		c->wbuf = b;
		c->wcap = cap;
	}
	return 0;
}

static int td_put(struct td_ctx *c, const void *p, size_t n)
{
	if (td_reserve(c, n))
		return -1;
	memcpy(c->wbuf + c->wlen, p, n);
	c->wlen += n;
	return 0;
}

static int td_put_str(struct td_ctx *c, const char *s)
{
	return td_put(c, s ? s : "", s ? strlen(s) + 1 : 1);
}

/* Start a message: a 32-bit length (patched by td_end()) and its type. */
static int td_begin(struct td_ctx *c, char type)
{
	uint32_t len = 0;

	c->wmsg = c->wlen;
	return td_put(c, &len, sizeof(len)) || td_put(c, &type, 1);
}

static int td_end(struct td_ctx *c)
{
	uint32_t len = (uint32_t)(c->wlen - c->wmsg - sizeof(len));

	memcpy(c->wbuf + c->wmsg, &len, sizeof(len));
	return c->wlen >= TD_FLUSH_AT && !c->hold ? td_flush(c) : 0;
}

static int td_send_error(struct td_ctx *c)
{
	c->wlen = 0;
	c->hold = false;
	if (td_begin(c, 'E') || td_put_str(c, c->err->msg) || td_end(c))
		return -1;
	return td_flush(c);
}

/*
 * 'T' message, before the first record of an event: its number on the
 * pipe, system, name, then the names of its fields when every record has
 * the same (kprobes: the fetch args in format order; ftrace/print: "buf"),
 * else none (the records carry them).
 */
static int td_send_type(struct td_ctx *c, struct td_event *d)
{
	uint32_t wid = c->nwid + 1;
	uint8_t nf = 0;

	if (d->kind == INGEST_TEP_PRINT)
		nf = 1;
	else if ((d->kind == INGEST_TEP_KPROBE || d->kind == INGEST_TEP_KRETPROBE) && d->nf <= INGEST_MAX_FIELDS)
		nf = (uint8_t)d->nf;
	if (td_begin(c, 'T') || td_put(c, &wid, sizeof(wid)) || td_put_str(c, d->ev->system) ||
	    td_put_str(c, d->ev->name) || td_put(c, &nf, 1))
		return -1;
	for (uint32_t i = 0; i < nf; i++)
		if (td_put_str(c, d->kind == INGEST_TEP_PRINT ? "buf" : d->f[i].f->name))
			return -1;
	if (td_end(c))
		return -1;
	c->nwid = wid;
	d->wid = wid;
	return 0;
}

/*
 * 'V' message, one record: kind, flags, nfields, probe slot, event number
 * (0: none), cpu, pid, ts_ns, for INGEST_LOST the count lost, then per
 * field its flags (TD_FF_*), its number when it is one, its name when the
 * event's 'T' message did not give the names, and its raw text unless the
 * flags say how the number prints (td_encode_kprobe()).  The comm of a
 * pid is sent once ('C' message) when the reader's comm cache takes it
 * in.  The record number is not sent: each record gives one message
 * (after its INGEST_LOST one), the parent counts them.
 */
static int td_push(struct td_ctx *c, const struct td_event *d)
{
	const struct ingest_event *ev = &c->dec.ev;
	size_t flen[INGEST_MAX_FIELDS][2], need;
	uint32_t u32[3], mlen, i;
	uint64_t u64[2] = { ev->ts_ns, ev->lost };
	size_t n64 = ev->kind == INGEST_LOST ? 2 : 1;
	bool names = d && d->kind == INGEST_TEP_GENERIC;
	uint8_t h[4];
	char *w;

	h[0] = (uint8_t)ev->kind;
	h[1] = (uint8_t)((ev->has_ns ? 1 : 0) | (ev->comm ? 2 : 0) | (names ? 4 : 0) |
			 (ev->probe ? 8 : 0));
	h[2] = (uint8_t)ev->nfields;
	h[3] = c->probe_slot;
	u32[0] = d ? d->wid : 0;
	u32[1] = ev->cpu;
	u32[2] = ev->pid;
	need = 4 + 1 + sizeof(h) + sizeof(u32) + n64 * sizeof(u64[0]);
	for (i = 0; i < ev->nfields; i++) {
		const struct ingest_field *f = &ev->fields[i];

		flen[i][0] = names ? strlen(f->name) + 1 : 0;
		flen[i][1] = strlen(f->raw) + 1;
		need += 1 + (f->is_num ? sizeof(int64_t) : 0) + flen[i][0] + flen[i][1];
	}
	if (td_reserve(c, need)) {
		c->failed = true;
		return -1;
	}
	w = c->wbuf + c->wlen;
	mlen = (uint32_t)(need - 4);
	memcpy(w, &mlen, 4);
	w[4] = 'V';
	w += 5;
	memcpy(w, h, sizeof(h));
	w += sizeof(h);
	memcpy(w, u32, sizeof(u32));
	w += sizeof(u32);
	memcpy(w, u64, n64 * sizeof(u64[0]));
	w += n64 * sizeof(u64[0]);
	for (i = 0; i < ev->nfields; i++) {
		const struct ingest_field *f = &ev->fields[i];

		*w++ = (char)((f->is_str ? TD_FF_STR : 0) | (f->is_num ? TD_FF_NUM : 0));
		if (f->is_num) {
			memcpy(w, &f->num, sizeof(f->num));
			w += sizeof(f->num);
		}
		if (names) {
			memcpy(w, f->name, flen[i][0]);
			w += flen[i][0];
		}
		memcpy(w, f->raw, flen[i][1]);
		w += flen[i][1];
	}
	c->wlen += need;
	if (c->hold && c->wlen > TD_HOLD_MAX)
		c->hold = false;	/* too much to hold: stream on */
	if (c->wlen >= TD_FLUSH_AT && !c->hold && td_flush(c)) {
		c->failed = true;
		return -1;
	}
	return 0;
}

/*
 * tep_data_type() without its call: the 16-bit common_type field where
 * libtraceevent reads it (the first event's), in place when the byte order
 * allows; anything else is left to tep_data_type().
 */
static int td_type(struct td_ctx *c, struct tep_record *r)
{
	if (c->type_tep != c->tep) {
		struct tep_event *first = tep_get_first_event(c->tep);
		struct tep_format_field *f = first ? tep_find_common_field(first, "common_type") : NULL;

		c->type_tep = c->tep;
		c->type_off = -1;
		if (f && f->size == 2 && f->offset >= 0 &&
		    tep_is_file_bigendian(c->tep) == tep_is_local_bigendian(c->tep) &&
		    tep_is_local_bigendian(c->tep) == !!tep_is_bigendian())
			c->type_off = f->offset;
	}
	if (c->type_off >= 0 && c->type_off + 2 <= r->size) {
		uint16_t t;

		memcpy(&t, (const char *)r->data + c->type_off, 2);
		return t;
	}
	return tep_data_type(c->tep, r);
}

/* td_check_fields() for an event seen before: 0 when every field fits. */
static int td_fields_fit(struct td_ctx *c, struct tep_record *r, const struct td_event *d)
{
	unsigned int s, n;

	if (d->check_end < 0 || d->dyn_overflow || (long)r->size < d->check_end)
		return -1;
	for (uint32_t i = 0; i < d->ndyn; i++)
		if (ingest_tep_span(c->tep, r, d->dyn[i], &s, &n))
			return -1;
	return 0;
}

static int td_record(struct tracecmd_input *h, struct tep_record *r, int cpu_idx, void *priv)
{
	struct td_ctx *c = priv;
	struct tep_event *ev;
	struct td_event *d;
	uint64_t ps = c->l->page_size, in_page, page;
	bool generic = false;
	uint32_t cpu, bslot;
	uintptr_t b = (uintptr_t)tracecmd_get_private(h);
	int type;

	(void)cpu_idx;
	c->nrec++;
	c->s_events++;
	if (r->cpu < 0 || (uint32_t)r->cpu >= c->max_cpu)
		return td_rec_fail(c, r, "record of unknown CPU %d", r->cpu);
	if (b < 1 || b > c->nbuf)
		return td_rec_fail(c, r, "record of an unknown buffer");
	cpu = (uint32_t)r->cpu;
	bslot = (uint32_t)(b - 1) * c->max_cpu + cpu;
	c->tep = tracecmd_get_tep(h);
	c->dec.tep = c->tep;
	in_page = r->offset & (ps - 1);
	if (r->size < 0 || r->record_size < 0 || !r->data ||
	    in_page + (uint64_t)r->record_size > ps || r->size > r->record_size)
		return td_rec_fail(c, r, "corrupt ring-buffer page at offset %llu: a record of %d bytes at byte %" PRIu64 " of a %" PRIu64 "-byte page",
				   r->offset - in_page, r->record_size, in_page, ps);
	page = r->offset - in_page;
	if (!c->nrecs[bslot]++)
		c->first_page[bslot] = page;
	c->last_page[bslot] = page;

	ingest_tep_reset(&c->dec.ev, r, cpu);
	c->has_probe = false;
	c->probe_slot = 0xff;
	if (r->missed_events) {
		c->dec.ev.kind = INGEST_LOST;
		c->dec.ev.lost = r->missed_events > 0 ? (uint64_t)r->missed_events : 0;
		if (td_push(c, NULL))
			return -1;
		ingest_tep_reset(&c->dec.ev, r, cpu);
	}
	if (r->size < 2)
		return td_rec_fail(c, r, "record of %d bytes has no event type", r->size);
	/* the event of the record: one look-up per event id while it stays the same */
	type = td_type(c, r);
	d = c->evs[(unsigned int)type & (TD_NR_EVENT_IDS - 1)];
	if (d && d->id == type && d->tep == c->tep) {
		if (td_fields_fit(c, r, d) && td_check_fields(c, r, d->ev))
			return -1;
	} else {
		ev = tep_find_event_by_record(c->tep, r);
		if (!ev)
			return td_rec_fail(c, r, "unknown event type %llu (no format for it in the file)",
					   tep_read_number(c->tep, r->data, 2));
		if (ev->flags & TEP_EVENT_FL_FAILED)
			return td_rec_fail(c, r, "event %s/%s: its format could not be parsed by libtraceevent",
					   ev->system, ev->name);
		if (td_check_fields(c, r, ev))
			return -1;
		d = td_event_desc(c, ev);
		if (!d)
			return td_rec_fail(c, r, "out of memory");
	}
	ev = d->ev;
	if (d->msilc) {
		c->s_msilc++;
		c->hold = false;
	}
	if (!d->wid && td_send_type(c, d))
		return td_rec_fail(c, r, "out of memory");

	c->dec.ev.kind = INGEST_EVENT;
	if (d->pid)
		c->dec.ev.pid = (uint32_t)td_rnum(c, d, (const char *)r->data + d->pid->offset, 4);
	else
		c->dec.ev.pid = (uint32_t)tep_data_pid(c->tep, r);
	{
		/* tep_data_comm_from_pid() searches: remember the last few */
		unsigned int slot = c->dec.ev.pid & (TD_COMM_CACHE - 1);

		if (!c->comm[slot] || c->comm_pid[slot] != c->dec.ev.pid) {
			c->comm[slot] = tep_data_comm_from_pid(c->tep, (int)c->dec.ev.pid);
			c->comm_pid[slot] = c->dec.ev.pid;
			/* the parent keeps the same cache: 'C' pid comm */
			if (c->comm[slot] && (td_begin(c, 'C') || td_put(c, &c->dec.ev.pid, sizeof(c->dec.ev.pid)) ||
					      td_put_str(c, c->comm[slot]) || td_end(c)))
				return td_rec_fail(c, r, "out of memory");
		}
		c->dec.ev.comm = c->comm[slot];
	}
	c->dec.ev.system = ev->system;
	c->dec.ev.name = ev->name;
	c->dec.pool_len = 0;
	switch (d->kind) {
	case INGEST_TEP_KPROBE:
	case INGEST_TEP_KRETPROBE:
		if (td_probe(c, r, d))
			return td_rec_fail(c, r, "out of memory");
		return td_encode_kprobe(c, r, d);
	case INGEST_TEP_PRINT:
		if (ingest_tep_decode_print(&c->dec, r, d->buf))
			return td_rec_fail(c, r, "%s", c->dec.why);
		break;
	default:
		if (ingest_tep_decode_generic(&c->dec, r, ev, NULL))
			return td_rec_fail(c, r, "%s", c->dec.why);
		generic = true;
		break;
	}
	ingest_tep_finish(&c->dec, generic);
	c->dec.ev.probe = c->has_probe ? d->probe[c->probe_slot].text : NULL;
	return td_push(c, d) ? -1 : 0;
}

/* Every CPU's data of every buffer read must have been read to its last page. */
static int td_check_complete(struct td_ctx *c)
{
	const struct td_layout *l = c->l;
	uint32_t b, i;

	for (b = 0; b < c->nbuf; b++) {
		for (i = 0; c->bcpu[b] && i < c->bncpu[b]; i++) {
			const struct td_cpu *cp = &c->bcpu[b][i];
			uint64_t pages = (cp->usize + l->page_size - 1) / l->page_size, seen = 0;
			uint32_t slot = b * c->max_cpu + cp->id;

			if (!pages)
				continue;
			if (cp->id < c->max_cpu && c->nrecs[slot])
				seen = (c->last_page[slot] - c->first_page[slot]) / l->page_size + 1;
			if (seen < pages)
				return td_fail(c->err,
					       "the data of CPU %u%s%s%s could not be read to its end: %" PRIu64 " of its %" PRIu64 " pages gave records (damaged or undecompressable data)",
					       cp->id, c->bname[b][0] ? " of buffer \"" : "", c->bname[b],
					       c->bname[b][0] ? "\"" : "", seen, pages);
		}
	}
	return 0;
}

/* Counting pass: how many records, how many of the msilc group. */
struct td_count {
	struct tep_handle *tep;
	uint64_t events, msilc;
};

static int td_count_rec(struct tracecmd_input *h, struct tep_record *r, int cpu, void *priv)
{
	struct td_count *k = priv;
	struct tep_event *ev;

	(void)h;
	(void)cpu;
	k->events++;
	if (!r->data || r->size < 2)
		return 0;
	ev = tep_find_event_by_record(k->tep, r);
	if (ev && ev->system && !strcmp(ev->system, "msilc"))
		k->msilc++;
	return 0;
}

static int td_send_note(struct td_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int td_send_note(struct td_ctx *c, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (td_begin(c, 'N') || td_put_str(c, buf) || td_end(c))
		return -1;
	return 0;
}

/*
 * Which buffers to read: those holding msilc events (trace-cmd record -B,
 * capture.sh's instance "msilab"), merged in timestamp order when several
 * do.  A buffer with events but no msilc event is skipped, and said so; no
 * msilc event anywhere is an error.  Counted on a handle of its own
 * (libtracecmd cannot rewind one), opened on a second descriptor.
 */
/* The layout of buffer @b (0: top, k: instance k - 1) of @h; false: unknown. */
static bool td_buffer_layout(const struct td_layout *l, struct tracecmd_input *h, int b,
			     const struct td_cpu **cpu, uint32_t *ncpu)
{
	const char *name;

	if (!b) {
		*cpu = l->cpu;
		*ncpu = l->ncpu;
		return true;
	}
	name = tracecmd_buffer_instance_name(h, b - 1);
	for (uint32_t k = 0; name && k < l->ninst; k++) {
		if (!strcmp(l->inst[k].name, name)) {
			*cpu = l->inst[k].cpu;
			*ncpu = l->inst[k].ncpu;
			return true;
		}
	}
	return false;
}

/*
 * When the file's layout shows one buffer with data and every other one
 * empty, no counting pass is needed: that buffer is read, counted as it
 * goes (see struct td_ctx, @single), and the empty ones have no events to
 * skip.  1: done so (*hs, *nhs set); 0: a counting pass is needed; -1 error.
 */
static int td_pick_single(struct td_ctx *c, struct tracecmd_input *h, struct tracecmd_input **hs,
			  int *nhs)
{
	const struct td_layout *l = c->l;
	int nb = tracecmd_buffer_instances(h), b, pick = -1;

	if (nb < 0)
		nb = 0;
	if (nb + 1 > TD_MAX_BUFFERS)
		return 0;
	for (b = 0; b <= nb; b++) {
		const struct td_cpu *cpu;
		uint32_t ncpu, k;
		bool empty = true;

		if (!td_buffer_layout(l, h, b, &cpu, &ncpu))
			return 0;
		for (k = 0; k < ncpu; k++)
			if (cpu[k].size || cpu[k].usize)
				empty = false;
		if (empty)
			continue;
		if (pick >= 0)
			return 0;
		pick = b;
	}
	if (pick < 0)
		return 0;
	c->nb = nb;
	for (b = 0; b <= nb; b++) {
		const char *name = b ? tracecmd_buffer_instance_name(h, b - 1) : "";

		snprintf(c->names[b], sizeof(c->names[b]), "%s", name ? name : "?");
	}
	hs[0] = pick ? tracecmd_buffer_instance_handle(h, pick - 1) : h;
	if (!hs[0])
		return td_fail(c->err, "libtracecmd could not open instance buffer \"%s\"", c->names[pick]);
	tracecmd_set_private(hs[0], (void *)(uintptr_t)1);
	c->bname[0] = pick ? tracecmd_buffer_instance_name(h, pick - 1) : "";
	if (!c->bname[0])
		c->bname[0] = "?";
	td_buffer_layout(l, h, pick, &c->bcpu[0], &c->bncpu[0]);
	c->single = true;
	c->hold = true;
	c->s_buf = (uint32_t)pick;
	*nhs = 1;
	return 1;
}

/* After a @single read: no msilc event is the error a counting pass gives. */
static int td_single_check(struct td_ctx *c)
{
	char summary[512];
	size_t w = 0;

	if (!c->single || c->s_msilc)
		return 0;
	for (int b = 0; b <= c->nb; b++) {
		uint64_t events = (uint32_t)b == c->s_buf ? c->s_events : 0;

		if (w < sizeof(summary))
			w += (size_t)snprintf(summary + w, sizeof(summary) - w, "%s%s%s%s: %" PRIu64 " events, 0 msilc",
					      b ? "; " : "", b ? "instance \"" : "top buffer", b ? c->names[b] : "",
					      b ? "\"" : "", events);
	}
	return td_fail(c->err, "no event of the msilc probe group in any buffer of the file (%s): "
		       "nothing to convert", summary);
}

/*
 * A @single read failed before its first msilc event: the counting pass
 * it did without would have stopped at no msilc event in the file (and
 * said so) before the record that failed.  Counted now, on a handle of
 * its own; when there is none, that error replaces the read's.
 */
static void td_single_recount(struct td_ctx *c)
{
	struct td_count cnt = { 0 };
	struct tracecmd_input *hc, *hb;
	int fd = open(c->l->path, O_RDONLY | O_CLOEXEC);
	char msg[sizeof(c->err->msg)];

	if (fd < 0)
		return;
	hc = tracecmd_open_fd(fd, TRACECMD_FL_LOAD_NO_PLUGINS);
	if (!hc)
		return;
	hb = c->s_buf ? tracecmd_buffer_instance_handle(hc, (int)c->s_buf - 1) : hc;
	if (!hb || !(cnt.tep = tracecmd_get_tep(hb)) ||
	    tracecmd_iterate_events(hb, NULL, 0, td_count_rec, &cnt) < 0 || cnt.msilc)
		return;
	memcpy(msg, c->err->msg, sizeof(msg));
	c->s_events = cnt.events;
	c->s_msilc = 0;
	if (!td_single_check(c))
		memcpy(c->err->msg, msg, sizeof(msg));
	/* the handles stay open: this process ends now */
}

static int td_pick_buffers(struct td_ctx *c, struct tracecmd_input *h, struct tracecmd_input **hs,
			   int *nhs)
{
	const struct td_layout *l = c->l;
	struct td_count cnt[TD_MAX_BUFFERS];
	struct tracecmd_input *hc;
	char names[TD_MAX_BUFFERS][64];
	char summary[512];
	size_t w = 0;
	int fd, nb, b, nsel = 0;

	switch (td_pick_single(c, h, hs, nhs)) {
	case 1:
		return 0;
	case -1:
		return -1;
	}
	fd = open(l->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return td_fail(c->err, "cannot open the file again: %s", strerror(errno));
	hc = tracecmd_open_fd(fd, TRACECMD_FL_LOAD_NO_PLUGINS);
	if (!hc)
		return td_fail(c->err, "libtracecmd could not read the file's headers (damaged or undecompressable metadata)");
	nb = tracecmd_buffer_instances(hc);
	if (nb < 0)
		nb = 0;
	if (nb + 1 > TD_MAX_BUFFERS)
		return td_fail(c->err, "more than %d instance buffers", TD_MAX_BUFFERS - 1);
	for (b = 0; b <= nb; b++) {
		struct tracecmd_input *hb = b ? tracecmd_buffer_instance_handle(hc, b - 1) : hc;
		const char *name = b ? tracecmd_buffer_instance_name(hc, b - 1) : "";

		snprintf(names[b], sizeof(names[b]), "%s", name ? name : "?");
		memset(&cnt[b], 0, sizeof(cnt[b]));
		if (!hb)
			return td_fail(c->err, "libtracecmd could not open instance buffer \"%s\"", names[b]);
		cnt[b].tep = tracecmd_get_tep(hb);
		if (cnt[b].tep && tracecmd_iterate_events(hb, NULL, 0, td_count_rec, &cnt[b]) < 0)
			return td_fail(c->err, "libtracecmd failed while reading buffer \"%s\"", names[b]);
		if (w < sizeof(summary))
			w += (size_t)snprintf(summary + w, sizeof(summary) - w, "%s%s%s%s: %" PRIu64 " events, %" PRIu64 " msilc",
					      b ? "; " : "", b ? "instance \"" : "top buffer", b ? names[b] : "",
					      b ? "\"" : "", cnt[b].events, cnt[b].msilc);
	}
	for (b = 0; b <= nb; b++) {
		struct tracecmd_input *hb;
		uint32_t k;

		if (!cnt[b].msilc) {
			if (cnt[b].events && td_send_note(c, "%s%s%s (%" PRIu64 " events, none of the msilc probe group) skipped",
							  b ? "instance buffer \"" : "the top buffer", b ? names[b] : "",
							  b ? "\"" : "", cnt[b].events))
				return -1;
			continue;
		}
		hb = b ? tracecmd_buffer_instance_handle(h, b - 1) : h;
		if (!hb)
			return td_fail(c->err, "libtracecmd could not open instance buffer \"%s\"", names[b]);
		tracecmd_set_private(hb, (void *)(uintptr_t)(nsel + 1));
		c->bname[nsel] = b ? tracecmd_buffer_instance_name(h, b - 1) : "";
		if (!c->bname[nsel])
			c->bname[nsel] = "?";
		c->bcpu[nsel] = NULL;
		if (!b) {
			c->bcpu[nsel] = l->cpu;
			c->bncpu[nsel] = l->ncpu;
		}
		for (k = 0; b && k < l->ninst; k++) {
			if (!strcmp(l->inst[k].name, c->bname[nsel])) {
				c->bcpu[nsel] = l->inst[k].cpu;
				c->bncpu[nsel] = l->inst[k].ncpu;
			}
		}
		hs[nsel++] = hb;
	}
	if (!nsel)
		return td_fail(c->err, "no event of the msilc probe group in any buffer of the file (%s): "
			       "nothing to convert", summary);
	if (nsel > 1 && td_send_note(c, "%d buffers hold msilc events: merged in timestamp order (%s)",
				     nsel, summary))
		return -1;
	*nhs = nsel;
	/* the counting handles stay open: this process ends after the pass */
	return 0;
}

/*
 * The reader process: libtracecmd and libtraceevent parse the file here.
 * Both trust the file's metadata more than they should (a damaged event
 * format can make libtraceevent divide by zero; a failed open can make
 * tracecmd_close() follow a NULL pointer; sizes inside compressed sections
 * go straight to malloc), so whatever td_check_layout() cannot vouch for
 * is parsed in a child process: a crash there is an error, not ours.
 */
static int td_child(struct td_layout *l, int wfd)
{
	struct td_ctx c;
	struct tracecmd_input *h, *hs[TD_MAX_BUFFERS];
	uint32_t i;
	int nhs = 0;

	memset(&c, 0, sizeof(c));
	c.err = l->err;
	c.l = l;
	c.wfd = wfd;
	tracecmd_set_loglevel(TEP_LOG_NONE);
	tep_set_loglevel(TEP_LOG_NONE);
	h = tracecmd_open_fd(l->fd, TRACECMD_FL_LOAD_NO_PLUGINS);
	if (!h) {
		td_fail(c.err, "libtracecmd could not read the file's headers (damaged or undecompressable metadata)");
		return td_send_error(&c);
	}
	c.tep = tracecmd_get_tep(h);
	for (i = 0; i < l->ncpu; i++)
		if (l->cpu[i].id + 1 > c.max_cpu)
			c.max_cpu = l->cpu[i].id + 1;
	for (i = 0; i < l->ninst; i++)
		for (uint32_t k = 0; k < l->inst[i].ncpu; k++)
			if (l->inst[i].cpu[k].id + 1 > c.max_cpu)
				c.max_cpu = l->inst[i].cpu[k].id + 1;
	if (c.max_cpu < l->cpus)
		c.max_cpu = l->cpus;
	if (!c.max_cpu)
		c.max_cpu = 1;
	if (td_pick_buffers(&c, h, hs, &nhs)) {
		if (!c.err->msg[0])
			return -1;	/* the pipe broke */
		return td_send_error(&c);
	}
	c.nbuf = (uint32_t)nhs;
	c.evs = calloc(TD_NR_EVENT_IDS, sizeof(*c.evs));
	c.first_page = calloc((size_t)c.max_cpu * c.nbuf, sizeof(*c.first_page));
	c.last_page = calloc((size_t)c.max_cpu * c.nbuf, sizeof(*c.last_page));
	c.nrecs = calloc((size_t)c.max_cpu * c.nbuf, sizeof(*c.nrecs));
	ingest_tep_init(&c.dec);
	if (!c.tep || !c.evs || !c.first_page || !c.last_page || !c.nrecs || !c.dec.seq.buffer) {
		td_fail(c.err, c.tep ? "out of memory" : "libtracecmd gave no event parser for the file");
		return td_send_error(&c);
	}
	if ((nhs == 1 ? tracecmd_iterate_events(hs[0], NULL, 0, td_record, &c) :
			tracecmd_iterate_events_multi(hs, nhs, td_record, &c)) < 0 || c.failed) {
		if (!c.failed)
			td_fail(c.err, "libtracecmd failed while reading the trace data");
		if (!c.err->msg[0])
			return -1;	/* the pipe broke: the parent has its error */
		if (c.single && !c.s_msilc)
			td_single_recount(&c);
		return td_send_error(&c);
	}
	if (td_single_check(&c) || td_check_complete(&c))
		return td_send_error(&c);
	if (td_begin(&c, 'D') || td_end(&c) || td_flush(&c))
		return -1;
	/* the process ends now: no need to free what libtracecmd holds */
	return 0;
}

/* ---- the parent: records in from the pipe, into the normalizer */

struct td_rd {
	const char *p, *end;
	bool bad;
};

static void td_get(struct td_rd *r, void *out, size_t n)
{
	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = true;
		memset(out, 0, n);
		return;
	}
	memcpy(out, r->p, n);
	r->p += n;
}

static const char *td_get_str(struct td_rd *r)
{
	const char *s = r->p;
	const char *nul;

	if (r->bad || !(nul = memchr(r->p, 0, (size_t)(r->end - r->p)))) {
		r->bad = true;
		return "";
	}
	r->p = nul + 1;
	return s;
}

/* What the parent knows of the reader's events ('T'), probe texts ('P') and comms ('C'). */
struct td_ptype {
	char *system, *name;
	uint8_t nf;
	char *fname[INGEST_MAX_FIELDS];
	char *probe[TD_PROBE_CACHE];
};

struct td_parent {
	struct td_ptype *type;		/* by number - 1 */
	uint32_t ntype, captype;
	char *comm[TD_COMM_CACHE];	/* by pid & (size - 1) */
	uint32_t comm_pid[TD_COMM_CACHE];
	struct ingest_event ev;
	char num[INGEST_MAX_FIELDS][24];	/* raw text of numbers sent as numbers */
	uint64_t nrec;			/* records delivered: the reader's numbers */
};

static void td_parent_free(struct td_parent *p)
{
	for (uint32_t i = 0; i < p->ntype; i++) {
		struct td_ptype *t = &p->type[i];

		free(t->system);	/* one block with the name and field names */
		for (int k = 0; k < TD_PROBE_CACHE; k++)
			free(t->probe[k]);
	}
	free(p->type);
	for (int k = 0; k < TD_COMM_CACHE; k++)
		free(p->comm[k]);
}

static char *td_strdup_n(const char *s, size_t len)
{
	char *d = malloc(len + 1);

	if (d) {
		memcpy(d, s, len);
		d[len] = 0;
	}
	return d;
}

/* 'T', 'P' and 'C' messages.  0 ok, -1 with *err set. */
static int td_define(struct td_parent *p, char kind, const char *msg, size_t len,
		     struct mlog_error *err)
{
	struct td_rd r = { msg, msg + len, false };
	uint32_t u;

	td_get(&r, &u, sizeof(u));
	if (kind == 'T') {
		struct td_ptype *t;
		const char *start = r.p;
		char *blk;
		uint8_t nf;

		if (r.bad || u != p->ntype + 1)
			goto bad;
		td_get_str(&r);
		td_get_str(&r);
		td_get(&r, &nf, 1);
		for (uint32_t i = 0; i < nf && i < INGEST_MAX_FIELDS; i++)
			td_get_str(&r);
		if (r.bad || r.p != r.end || nf > INGEST_MAX_FIELDS)
			goto bad;
		if (p->ntype == p->captype) {
			uint32_t cap = p->captype ? p->captype * 2 : 64;
			struct td_ptype *nt = realloc(p->type, cap * sizeof(*nt));

			if (!nt)
				return td_fail(err, "out of memory");
			p->type = nt;
			p->captype = cap;
		}
		blk = malloc((size_t)(r.end - start));
		if (!blk)
			return td_fail(err, "out of memory");
		memcpy(blk, start, (size_t)(r.end - start));
		t = &p->type[p->ntype++];
		memset(t, 0, sizeof(*t));
		t->system = blk;
		t->name = blk + strlen(blk) + 1;
		t->nf = nf;
		blk = t->name + strlen(t->name) + 2;	/* past the count byte */
		for (uint32_t i = 0; i < nf; i++) {
			t->fname[i] = blk;
			blk += strlen(blk) + 1;
		}
		return 0;
	}
	if (kind == 'P') {
		uint8_t slot;
		const char *text;
		char *d;

		td_get(&r, &slot, 1);
		text = td_get_str(&r);
		if (r.bad || r.p != r.end || !u || u > p->ntype || slot >= TD_PROBE_CACHE)
			goto bad;
		d = td_strdup_n(text, strlen(text));
		if (!d)
			return td_fail(err, "out of memory");
		free(p->type[u - 1].probe[slot]);
		p->type[u - 1].probe[slot] = d;
		return 0;
	}
	if (kind == 'C') {
		const char *comm = td_get_str(&r);
		char *d;

		if (r.bad || r.p != r.end)
			goto bad;
		d = td_strdup_n(comm, strlen(comm));
		if (!d)
			return td_fail(err, "out of memory");
		free(p->comm[u & (TD_COMM_CACHE - 1)]);
		p->comm[u & (TD_COMM_CACHE - 1)] = d;
		p->comm_pid[u & (TD_COMM_CACHE - 1)] = u;
		return 0;
	}
bad:
	return td_fail(err, "internal error: a malformed message came from the reader process");
}

/* One 'V' message into the normalizer.  0 ok, -1 with *err set. */
static int td_deliver(struct td_parent *p, struct ingest_norm *n, const char *msg,
		      size_t len, struct mlog_error *err)
{
	struct ingest_event *ev = &p->ev;
	struct td_rd r = { msg, msg + len, false };
	const struct td_ptype *t = NULL;
	uint8_t h[4];
	uint32_t u32[3], i;
	uint64_t u64[2] = { 0, 0 }, nrec;
	bool names;

	td_get(&r, h, sizeof(h));
	td_get(&r, u32, sizeof(u32));
	td_get(&r, u64, h[0] == INGEST_LOST ? 2 * sizeof(u64[0]) : sizeof(u64[0]));
	/* every record gives one message (after its INGEST_LOST one, if any) */
	if (h[0] != INGEST_LOST)
		p->nrec++;
	nrec = p->nrec + (h[0] == INGEST_LOST);
	if (r.bad || h[2] > INGEST_MAX_FIELDS || u32[0] > p->ntype)
		goto bad;
	if (u32[0])
		t = &p->type[u32[0] - 1];
	names = h[1] & 4;
	ev->kind = (enum ingest_kind)h[0];
	ev->has_ns = h[1] & 1;
	ev->cpu = u32[1];
	ev->pid = u32[2];
	ev->ts_ns = u64[0];
	ev->ts_us = (u64[0] + 500) / 1000;
	ev->lost = u64[1];
	ev->line = 0;
	ev->system = t ? t->system : NULL;
	ev->name = t ? t->name : NULL;
	ev->comm = NULL;
	if (h[1] & 2) {
		if (p->comm_pid[ev->pid & (TD_COMM_CACHE - 1)] != ev->pid ||
		    !p->comm[ev->pid & (TD_COMM_CACHE - 1)])
			goto bad;
		ev->comm = p->comm[ev->pid & (TD_COMM_CACHE - 1)];
	}
	ev->probe = NULL;
	if (h[1] & 8) {
		if (!t || h[3] >= TD_PROBE_CACHE || !t->probe[h[3]])
			goto bad;
		ev->probe = t->probe[h[3]];
	}
	ev->nfields = h[2];
	if (!names && ev->nfields && (!t || t->nf != ev->nfields))
		goto bad;
	for (i = 0; i < ev->nfields; i++) {
		struct ingest_field *f = &ev->fields[i];
		uint8_t ff;

		td_get(&r, &ff, 1);
		f->is_str = ff & TD_FF_STR;
		f->is_num = ff & TD_FF_NUM;
		f->num = 0;
		if (f->is_num)
			td_get(&r, &f->num, sizeof(f->num));
		f->name = names ? td_get_str(&r) : t->fname[i];
		if (ff & (TD_FF_HEX | TD_FF_UDEC | TD_FF_SDEC)) {
			char *b = p->num[i];
			int k = ingest_tep_fmt_num(b, (unsigned long long)f->num,
						   ff & TD_FF_HEX ? INGEST_TEP_HEX :
						   ff & TD_FF_SDEC ? INGEST_TEP_SDEC : INGEST_TEP_UDEC);

			b[k] = 0;
			f->raw = b;
		} else {
			f->raw = td_get_str(&r);
		}
	}
	if (r.bad || r.p != r.end)
		goto bad;
	if (ingest_norm_event(n, ev)) {
		const struct mlog_error *e = ingest_norm_error(n);
		char buf[sizeof(err->msg) + 64];

		snprintf(buf, sizeof(buf), "record %" PRIu64 " (CPU %u, %" PRIu64 ".%06" PRIu64 "): %s",
			 nrec, ev->cpu, ev->ts_us / 1000000, ev->ts_us % 1000000,
			 e && e->msg[0] ? e->msg : "rejected by the normalizer");
		memcpy(err->msg, buf, sizeof(err->msg) - 1);
		err->msg[sizeof(err->msg) - 1] = 0;
		return -1;
	}
	return 0;
bad:
	return td_fail(err, "internal error: a malformed record came from the reader process");
}

/* Read the child's messages until 'D', 'E', an error or the end. */
static int td_consume(int rfd, struct ingest_norm *n, struct mlog_error *err, bool *done)
{
	struct td_parent *pa = calloc(1, sizeof(*pa));
	size_t cap = 2 * TD_FLUSH_AT, len = 0, pos = 0;
	char *buf = malloc(cap);
	int ret = 0;

	if (!pa || !buf) {
		ret = td_fail(err, "out of memory");
		goto out;
	}
	for (;;) {
		uint32_t mlen;
		ssize_t got;

		while (len - pos >= 4) {
			const char *m;

			memcpy(&mlen, buf + pos, 4);
			if (mlen < 1 || mlen > (64u << 20)) {
				ret = td_fail(err, "internal error: a malformed message came from the reader process");
				goto out;
			}
			if (len - pos - 4 < mlen)
				break;
			m = buf + pos + 4;
			pos += 4 + (size_t)mlen;
			switch (m[0]) {
			case 'V':
				if (td_deliver(pa, n, m + 1, mlen - 1, err)) {
					ret = -1;
					goto out;
				}
				continue;
			case 'T':
			case 'P':
			case 'C':
				if (td_define(pa, m[0], m + 1, mlen - 1, err)) {
					ret = -1;
					goto out;
				}
				continue;
			case 'N':
				fprintf(stderr, "%s: note: %.*s\n", err->file,
					(int)strnlen(m + 1, mlen - 1), m + 1);
				continue;
			case 'E': {
				size_t k = strnlen(m + 1, mlen - 1);

				if (k >= sizeof(err->msg))
					k = sizeof(err->msg) - 1;
				memcpy(err->msg, m + 1, k);
				err->msg[k] = 0;
				ret = -1;
				goto out;
			}
			default:
				*done = m[0] == 'D';
				goto out;
			}
		}
		if (len - pos >= 4 && (size_t)mlen + 4 > cap) {
			char *b;

			memmove(buf, buf + pos, len - pos);
			len -= pos;
			pos = 0;
			while ((size_t)mlen + 4 > cap)
				cap *= 2;
			b = realloc(buf, cap);
			if (!b) {
				ret = td_fail(err, "out of memory");
				goto out;
			}
			buf = b;
		}
		if (pos && len - pos < cap / 2) {
			memmove(buf, buf + pos, len - pos);
			len -= pos;
			pos = 0;
		}
		/* a pipe's worth at a time: the bytes are still in cache when read */
		got = read(rfd, buf + len, cap - len < TD_FLUSH_AT ? cap - len : TD_FLUSH_AT);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			goto out;	/* the child is gone: its status says why */
		len += (size_t)got;
	}
out:
	free(buf);
	if (pa)
		td_parent_free(pa);
	free(pa);
	return ret;
}

int ingest_tracedat(const char *path, struct ingest_norm *n, struct mlog_error *err)
{
	struct td_layout l;
	struct stat st;
	int pfd[2] = { -1, -1 }, status, ret = -1;
	bool done = false;
	pid_t pid;

	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", path);
	memset(&l, 0, sizeof(l));
	l.err = err;
	l.path = path;
	l.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (l.fd < 0)
		return td_fail(err, "cannot open: %s", strerror(errno));
	if (fstat(l.fd, &st) || !S_ISREG(st.st_mode)) {
		td_fail(err, "not a regular file (a trace.dat is read at random offsets)");
		goto out;
	}
	l.fsize = (uint64_t)st.st_size;
	if (td_check_layout(&l))
		goto out;
	if (l.cpus)
		ingest_norm_set_cpus(n, l.cpus);
	if (l.release[0])
		ingest_norm_set_release(n, l.release);

	if (pipe2(pfd, O_CLOEXEC)) {
		td_fail(err, "cannot create a pipe: %s", strerror(errno));
		goto out;
	}
	/* a larger pipe: fewer switches between the two processes (best effort) */
	(void)fcntl(pfd[1], F_SETPIPE_SZ, TD_PIPE_SIZE);
	pid = fork();
	if (pid < 0) {
		td_fail(err, "cannot fork the reader process: %s", strerror(errno));
		goto out;
	}
	if (!pid) {
		static const int fatal[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
		size_t k;

		/* a crash ends this process, whatever handlers the caller set */
		for (k = 0; k < sizeof(fatal) / sizeof(fatal[0]); k++)
			signal(fatal[k], SIG_DFL);
		close(pfd[0]);
		signal(SIGPIPE, SIG_IGN);
		/*
		 * libtracecmd writes some messages whatever its log level
		 * ("Can not mmap file, will read instead"): errors come back
		 * through the pipe, so its stderr goes nowhere, unless
		 * MSILAB_TRACEDAT_STDERR is set (debugging the reader).
		 */
		if (!getenv("MSILAB_TRACEDAT_STDERR")) {
			int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

			if (null >= 0) {
				dup2(null, STDERR_FILENO);
				close(null);
			}
		}
		_exit(td_child(&l, pfd[1]) ? 1 : 0);
	}
	close(pfd[1]);
	pfd[1] = -1;
	ret = td_consume(pfd[0], n, err, &done);
	if (ret || !done)
		kill(pid, SIGKILL);	/* our own child, if it still runs */
	close(pfd[0]);
	pfd[0] = -1;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!ret && !done) {
		ret = -1;
		if (WIFSIGNALED(status))
			td_fail(err, "libtracecmd/libtraceevent crashed (%s) reading the file: it is damaged in a way the checks before them missed",
				strsignal(WTERMSIG(status)));
		else
			td_fail(err, "the trace.dat reader process ended (status %d) before the end of the trace",
				WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
out:
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	if (l.fd >= 0)
		close(l.fd);
	free(l.cpu);
	for (uint32_t i = 0; i < l.ninst; i++)
		free(l.inst[i].cpu);
	free(l.inst);
	free(l.sec);
	return ret;
}
