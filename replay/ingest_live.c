// SPDX-License-Identifier: GPL-2.0
/*
 * ingest_live.c - the ring buffer of a live tracefs instance into the
 * normalizer, through libtracefs and libtraceevent.
 *
 * tracefs_iterate_raw_events() reads (consumes) every CPU's
 * trace_pipe_raw of the instance and hands the records in timestamp
 * order; each is decoded into struct ingest_event the way the ftrace text
 * and the trace.dat paths give it (replay/ingest_text.c,
 * replay/ingest_tracedat.c), so the normalizer sees the same events:
 *  - kprobes (an event with __probe_ip) and kretprobes (__probe_func and
 *    __probe_ret_ip): the fetch args in format order, each printed with
 *    the conversion of the event's print fmt ("0x%Lx" hex, "%u", "%d",
 *    "\"%s\"" strings); the probe location "func+0x0/0x150" or
 *    "caller+0x2c/0x90 <- func" when libtraceevent knows the addresses
 *    (kallsyms loaded by the caller), else the hex addresses.  The events
 *    of the recording's own kprobe group are given the system "msilc";
 *  - trace_marker writes: ftrace/print with one field "buf", without the
 *    trailing newline and blanks;
 *  - any other event: its print fmt rendered by libtraceevent and split
 *    into NAME=VALUE fields as the text path splits an ftrace line;
 *  - a record after lost events first gives an INGEST_LOST.
 * Timestamps: ts_ns as recorded; ts_us rounded to the nearest microsecond.
 *
 * The same events can be written as ftrace text (@raw), which
 * "msilab convert" reads back into the same .mlog.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <event-parse.h>
#include <tracefs.h>

#include "commands.h"
#include "ingest.h"

enum lv_fmt { LV_UDEC, LV_SDEC, LV_HEX, LV_STR, LV_TEP };

struct lv_ctx {
	struct tep_handle *tep;
	const char *group;
	struct ingest_norm *n;
	FILE *raw;
	struct mlog_error *err;
	uint64_t *count;
	bool failed;
	struct trace_seq seq;
	char *pool;			/* this event's strings */
	size_t pool_len, pool_cap;
	size_t off[INGEST_MAX_FIELDS];	/* raw text of each field, in @pool */
	size_t name_off[INGEST_MAX_FIELDS]; /* generic events: field names, in @pool */
	size_t info_off;		/* generic events: the rendered text */
	struct ingest_event ev;
};

static int lv_fail(struct lv_ctx *c, struct tep_record *r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int lv_fail(struct lv_ctx *c, struct tep_record *r, const char *fmt, ...)
{
	uint64_t us = (r->ts + 500) / 1000;
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->err->msg, sizeof(c->err->msg), "live record (CPU %d, %" PRIu64 ".%06" PRIu64 "): %s",
		 r->cpu, us / 1000000, us % 1000000, msg);
	c->failed = true;
	return -1;
}

/* Append @n bytes and a NUL to the pool: the offset, or -1. */
static long lv_pool_add(struct lv_ctx *c, const char *s, size_t n)
{
	size_t off = c->pool_len;

	if (c->pool_cap - c->pool_len < n + 1) {
		size_t cap = c->pool_cap ? c->pool_cap : 4096;
		char *p;

		while (cap - c->pool_len < n + 1)
			cap *= 2;
		p = realloc(c->pool, cap);
		if (!p)
			return -1;
		c->pool = p;
		c->pool_cap = cap;
	}
	memcpy(c->pool + off, s, n);
	c->pool[off + n] = 0;
	c->pool_len += n + 1;
	return (long)off;
}

/* What the kprobe print fmt says about field @f: " NAME=SPEC". */
static enum lv_fmt lv_kprobe_fmt(const char *fmt, const struct tep_format_field *f)
{
	size_t n = strlen(f->name);
	const char *p = fmt;

	if (f->flags & TEP_FIELD_IS_STRING)
		return LV_STR;
	while ((p = strstr(p, f->name))) {
		const char *q = p + n;

		if (p > fmt && p[-1] == ' ' && *q == '=') {
			q++;
			if (!strncmp(q, "\"%s\"", 4))
				return LV_STR;
			if (!strncmp(q, "0x%", 3)) {
				q += 3;
				q += strspn(q, "lLh");
				return *q == 'x' ? LV_HEX : LV_TEP;
			}
			if (*q != '%')
				return LV_TEP;
			q++;
			q += strspn(q, "lLhz");
			if (*q == 'u')
				return LV_UDEC;
			if (*q == 'd')
				return LV_SDEC;
			return LV_TEP;
		}
		p = q;
	}
	return LV_TEP;
}

/* Where field @f lies in @r: [*start, *start + *len); -1 when outside. */
static int lv_span(struct lv_ctx *c, struct tep_record *r, const struct tep_format_field *f,
		   unsigned int *start, unsigned int *len)
{
	unsigned int size = r->size > 0 ? (unsigned int)r->size : 0;

	if (f->offset < 0 || f->size < 0 || (unsigned int)f->offset > size ||
	    (unsigned int)f->size > size - (unsigned int)f->offset)
		return -1;
	*start = (unsigned int)f->offset;
	*len = (unsigned int)f->size;
	if (f->flags & TEP_FIELD_IS_DYNAMIC) {
		unsigned long long loc;

		if (f->size != 4)
			return -1;
		loc = tep_read_number(c->tep, (char *)r->data + f->offset, 4);
		*start = (unsigned int)(loc & 0xffff);
		*len = (unsigned int)(loc >> 16);
		if (f->flags & TEP_FIELD_IS_RELATIVE)
			*start += (unsigned int)(f->offset + f->size);
		if (*start > size || *len > size - *start)
			return -1;
	} else if (!f->size && (f->flags & TEP_FIELD_IS_ARRAY)) {
		*len = size - *start;
	}
	return 0;
}

static int lv_add_field(struct lv_ctx *c, const char *name, long off, bool is_str)
{
	struct ingest_field *fl;

	if (off < 0 || c->ev.nfields >= INGEST_MAX_FIELDS)
		return -1;
	fl = &c->ev.fields[c->ev.nfields];
	memset(fl, 0, sizeof(*fl));
	fl->name = name;
	fl->is_str = is_str;
	c->off[c->ev.nfields++] = (size_t)off;
	return 0;
}

/* "func+0x0/0x150" (or "func" without @offset), the hex address when unknown. */
static int lv_symbol(struct lv_ctx *c, unsigned long long addr, bool offset)
{
	const char *name;
	unsigned long long start;
	unsigned long size;
	char buf[160];
	int len;

	if (tep_find_function_info(c->tep, addr, &name, &start, &size)) {
		if (offset)
			len = snprintf(buf, sizeof(buf), "%.100s+0x%llx/0x%lx", name, addr - start, size);
		else
			len = snprintf(buf, sizeof(buf), "%.100s", name);
	} else {
		len = snprintf(buf, sizeof(buf), "%llx", addr);
	}
	return lv_pool_add(c, buf, (size_t)len) < 0 ? -1 : 0;
}

static int lv_probe(struct lv_ctx *c, struct tep_record *r, struct tep_format_field *ip,
		    struct tep_format_field *func, struct tep_format_field *retip, long *off)
{
	unsigned int s, n;

	*off = (long)c->pool_len;
	if (ip) {
		if (lv_span(c, r, ip, &s, &n))
			return lv_fail(c, r, "kprobe record without its __probe_ip");
		return lv_symbol(c, tep_read_number(c->tep, (char *)r->data + s, ip->size), true);
	}
	if (lv_span(c, r, retip, &s, &n))
		return lv_fail(c, r, "kretprobe record without its __probe_ret_ip");
	if (lv_symbol(c, tep_read_number(c->tep, (char *)r->data + s, retip->size), true))
		return -1;
	c->pool_len--;
	if (lv_pool_add(c, " <- ", 4) < 0)
		return -1;
	c->pool_len--;
	if (lv_span(c, r, func, &s, &n))
		return lv_fail(c, r, "kretprobe record without its __probe_func");
	return lv_symbol(c, tep_read_number(c->tep, (char *)r->data + s, func->size), false);
}

static int lv_decode_kprobe(struct lv_ctx *c, struct tep_event *ev, struct tep_record *r)
{
	const char *fmt = ev->print_fmt.format ? ev->print_fmt.format : "";
	const char *data = r->data;
	struct tep_format_field *f;

	for (f = ev->format.fields; f; f = f->next) {
		enum lv_fmt k = lv_kprobe_fmt(fmt, f);
		unsigned long long v = 0;
		unsigned int s, n;
		char num[32];
		long off;
		int len;

		if (!strncmp(f->name, "__probe_", 8))
			continue;
		if (c->ev.nfields >= INGEST_MAX_FIELDS)
			return lv_fail(c, r, "event %s/%s has more than %d fields", ev->system, ev->name,
				       INGEST_MAX_FIELDS);
		if (lv_span(c, r, f, &s, &n))
			return lv_fail(c, r, "event %s/%s: the record (%d bytes) does not hold its field %s",
				       ev->system, ev->name, r->size, f->name);
		if (k == LV_STR) {
			off = lv_pool_add(c, data + s, strnlen(data + s, n));
			if (lv_add_field(c, f->name, off, true))
				return lv_fail(c, r, "out of memory");
			continue;
		}
		if (k != LV_TEP && (f->size == 1 || f->size == 2 || f->size == 4 || f->size == 8))
			v = tep_read_number(c->tep, data + s, f->size);
		else
			k = LV_TEP;
		switch (k) {
		case LV_HEX:
			len = snprintf(num, sizeof(num), "0x%llx", v);
			break;
		case LV_UDEC:
			len = snprintf(num, sizeof(num), "%llu", v);
			break;
		case LV_SDEC:
			if (f->size < 8 && (v & (1ull << (8 * f->size - 1))))
				v |= ~0ull << (8 * f->size);
			len = snprintf(num, sizeof(num), "%lld", (long long)v);
			break;
		default:
			trace_seq_reset(&c->seq);
			tep_print_field(&c->seq, r->data, f);
			trace_seq_terminate(&c->seq);
			off = lv_pool_add(c, c->seq.buffer, strlen(c->seq.buffer));
			if (lv_add_field(c, f->name, off, false))
				return lv_fail(c, r, "out of memory");
			continue;
		}
		off = lv_pool_add(c, num, (size_t)len);
		if (lv_add_field(c, f->name, off, false))
			return lv_fail(c, r, "out of memory");
		c->ev.fields[c->ev.nfields - 1].is_num = true;
		c->ev.fields[c->ev.nfields - 1].num = (int64_t)v;
	}
	return 0;
}

static int lv_decode_print(struct lv_ctx *c, struct tep_event *ev, struct tep_record *r)
{
	struct tep_format_field *f = tep_find_field(ev, "buf");
	const char *data = r->data;
	unsigned int s, n;
	size_t len;

	if (!f || lv_span(c, r, f, &s, &n))
		return lv_fail(c, r, "event ftrace/print has no \"buf\" field");
	len = strnlen(data + s, n);
	while (len && (data[s + len - 1] == '\n' || data[s + len - 1] == ' ' || data[s + len - 1] == '\t'))
		len--;
	if (lv_add_field(c, "buf", lv_pool_add(c, data + s, len), true))
		return lv_fail(c, r, "out of memory");
	return 0;
}

/* The rendered print fmt of any other event, split as the text path splits it. */
static int lv_decode_generic(struct lv_ctx *c, struct tep_event *ev, struct tep_record *r)
{
	size_t base, len, i;
	long info;
	char *p;

	trace_seq_reset(&c->seq);
	tep_print_event(c->tep, &c->seq, r, "%s", TEP_PRINT_INFO);
	trace_seq_terminate(&c->seq);
	len = strlen(c->seq.buffer);
	/* a copy for the raw text, then the copy that is cut into fields */
	info = lv_pool_add(c, c->seq.buffer, len);
	if (info < 0 || lv_pool_add(c, c->seq.buffer, len) < 0)
		return lv_fail(c, r, "out of memory");
	c->info_off = (size_t)info;
	base = c->pool_len - len - 1;
	p = c->pool + base;
	i = 0;
	while (i < len) {
		size_t name, val, w;

		while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n'))
			i++;
		if (i >= len)
			break;
		name = i;
		while (i < len && p[i] != '=' && p[i] != ' ' && p[i] != '\t' && p[i] != '\n')
			i++;
		if (i >= len || p[i] != '=' || i == name) {
			while (i < len && p[i] != ' ' && p[i] != '\t' && p[i] != '\n')
				i++;
			continue;
		}
		p[i++] = 0;
		if (c->ev.nfields >= INGEST_MAX_FIELDS)
			return lv_fail(c, r, "event %s/%s has more than %d fields", ev->system, ev->name,
				       INGEST_MAX_FIELDS);
		c->name_off[c->ev.nfields] = base + name;
		if (p[i] == '"') {
			val = w = ++i;
			while (i < len) {
				if (p[i] == '\\' && (p[i + 1] == '"' || p[i + 1] == '\\')) {
					p[w++] = p[i + 1];
					i += 2;
					continue;
				}
				if (p[i] == '"' && (i + 1 >= len || p[i + 1] == ' ' || p[i + 1] == '\t' ||
						    p[i + 1] == ',' || p[i + 1] == '\n'))
					break;
				p[w++] = p[i++];
			}
			i++;
			if (i < len && p[i] == ',')
				i++;
			p[w] = 0;
			lv_add_field(c, NULL, (long)(base + val), true);
			continue;
		}
		val = i;
		while (i < len && p[i] != ' ' && p[i] != '\t' && p[i] != '\n')
			i++;
		w = i;
		if (w > val && p[w - 1] == ',')
			w--;
		p[w] = 0;
		if (i < len)
			i++;
		lv_add_field(c, NULL, (long)(base + val), false);
		c->ev.fields[c->ev.nfields - 1].is_num =
			ingest_parse_number(p + val, &c->ev.fields[c->ev.nfields - 1].num);
	}
	return 1;
}

/* The event as one ftrace text line (what /sys/kernel/tracing/trace prints). */
static void lv_write_raw(struct lv_ctx *c, const char *name, const char *generic_info)
{
	const struct ingest_event *ev = &c->ev;
	FILE *f = c->raw;
	char task[64];

	if (ev->kind == INGEST_LOST) {
		fprintf(f, "CPU:%u [LOST %" PRIu64 " EVENTS]\n", ev->cpu, ev->lost);
		return;
	}
	snprintf(task, sizeof(task), "%s-%u", ev->comm && ev->comm[0] ? ev->comm : "<...>", ev->pid);
	fprintf(f, "%22s [%03u] %5" PRIu64 ".%06" PRIu64 ": %s:", task, ev->cpu, ev->ts_us / 1000000,
		ev->ts_us % 1000000, name);
	if (generic_info) {
		fprintf(f, " %s\n", generic_info);
		return;
	}
	if (ev->probe)
		fprintf(f, " (%s)", ev->probe);
	for (uint32_t i = 0; i < ev->nfields; i++) {
		const struct ingest_field *fl = &ev->fields[i];

		if (!strcmp(name, "tracing_mark_write")) {
			fputc(' ', f);
			for (const char *p = fl->raw; *p; p++)
				fputc((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p, f);
			continue;
		}
		if (!fl->is_str) {
			fprintf(f, " %s=%s", fl->name, fl->raw);
			continue;
		}
		fprintf(f, " %s=\"", fl->name);
		for (const char *p = fl->raw; *p; p++) {
			if (*p == '"' || *p == '\\')
				fputc('\\', f);
			/* one event, one line: control bytes are not kept */
			fputc((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p, f);
		}
		fputc('"', f);
	}
	fputc('\n', f);
}

static int lv_push(struct lv_ctx *c, struct tep_record *r, const char *raw_name, const char *info)
{
	if (c->raw)
		lv_write_raw(c, raw_name, info);
	(*c->count)++;
	if (ingest_norm_event(c->n, &c->ev)) {
		const struct mlog_error *e = ingest_norm_error(c->n);

		c->err->line = 0;
		snprintf(c->err->msg, sizeof(c->err->msg), "%s", e->msg);
		c->failed = true;
		return -1;
	}
	return 0;
}

static int lv_record(struct tep_event *ev, struct tep_record *r, int cpu, void *priv)
{
	struct lv_ctx *c = priv;
	struct tep_format_field *ip, *func = NULL, *retip = NULL;
	const char *raw_name, *info = NULL;
	bool generic = false;
	long probe_off = -1;
	uint32_t i;

	if (c->failed)
		return 1;
	memset(&c->ev, 0, offsetof(struct ingest_event, fields));
	c->ev.ts_ns = r->ts;
	c->ev.ts_us = (r->ts + 500) / 1000;
	c->ev.has_ns = true;
	c->ev.cpu = (uint32_t)cpu;
	if (r->missed_events) {
		c->ev.kind = INGEST_LOST;
		c->ev.lost = r->missed_events > 0 ? (uint64_t)r->missed_events : 0;
		if (lv_push(c, r, NULL, NULL))
			return 1;
		memset(&c->ev, 0, offsetof(struct ingest_event, fields));
		c->ev.ts_ns = r->ts;
		c->ev.ts_us = (r->ts + 500) / 1000;
		c->ev.has_ns = true;
		c->ev.cpu = (uint32_t)cpu;
	}
	if (!ev) {
		lv_fail(c, r, "record of an unknown event type");
		return 1;
	}
	c->ev.kind = INGEST_EVENT;
	c->ev.pid = (uint32_t)tep_data_pid(c->tep, r);
	c->ev.comm = tep_data_comm_from_pid(c->tep, (int)c->ev.pid);
	c->ev.system = ev->system;
	c->ev.name = ev->name;
	raw_name = ev->name;
	c->pool_len = 0;
	ip = tep_find_field(ev, "__probe_ip");
	if (!ip) {
		func = tep_find_field(ev, "__probe_func");
		retip = tep_find_field(ev, "__probe_ret_ip");
	}
	if (ip || (func && retip)) {
		if (lv_probe(c, r, ip, func, retip, &probe_off) || lv_decode_kprobe(c, ev, r)) {
			if (!c->failed)
				lv_fail(c, r, "out of memory");
			return 1;
		}
		if (!strcmp(ev->system, c->group))
			c->ev.system = "msilc";
	} else if (!strcmp(ev->system, "ftrace") && !strcmp(ev->name, "print")) {
		if (lv_decode_print(c, ev, r))
			return 1;
		raw_name = "tracing_mark_write";
	} else {
		if (lv_decode_generic(c, ev, r) < 0)
			return 1;
		generic = true;
	}
	/* the pool is final: offsets into pointers */
	for (i = 0; i < c->ev.nfields; i++) {
		c->ev.fields[i].raw = c->pool + c->off[i];
		if (generic)
			c->ev.fields[i].name = c->pool + c->name_off[i];
	}
	if (generic)
		info = c->pool + c->info_off;
	c->ev.probe = probe_off >= 0 ? c->pool + probe_off : NULL;
	return lv_push(c, r, raw_name, info) ? 1 : 0;
}

int ingest_live_drain(struct tep_handle *tep, struct tracefs_instance *inst, const char *group,
		      struct ingest_norm *n, FILE *raw, struct mlog_error *err, uint64_t *count)
{
	struct lv_ctx c;
	int ret;

	memset(&c, 0, sizeof(c));
	c.tep = tep;
	c.group = group;
	c.n = n;
	c.raw = raw;
	c.err = err;
	c.count = count;
	trace_seq_init(&c.seq);
	ret = tracefs_iterate_raw_events(tep, inst, NULL, 0, lv_record, &c);
	trace_seq_destroy(&c.seq);
	free(c.pool);
	if (c.failed)
		return -1;
	if (ret < 0) {
		snprintf(err->msg, sizeof(err->msg), "cannot read the ring buffer of instance %s: %s",
			 tracefs_instance_get_name(inst) ? tracefs_instance_get_name(inst) : "(top)",
			 strerror(errno ? errno : EIO));
		return -1;
	}
	return 0;
}
