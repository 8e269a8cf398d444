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
#include "ingest_tep.h"

struct lv_ctx {
	const char *group;
	struct ingest_norm *n;
	FILE *raw;
	struct mlog_error *err;
	uint64_t *count;
	bool failed;
	struct ingest_tep dec;		/* the record decoder and its event */
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

/* The probe location of a kprobe record (fields checked): its pool offset, or -1. */
static long lv_probe(struct lv_ctx *c, struct tep_record *r, struct tep_format_field *ip,
		     struct tep_format_field *func, struct tep_format_field *retip)
{
	struct tep_handle *tep = c->dec.tep;
	unsigned long long fn = 0;
	unsigned int s, n;

	if (!ip) {
		ip = retip;
		ingest_tep_span_ok(tep, r, func, &s, &n);
		fn = tep_read_number(tep, (char *)r->data + s, func->size);
	}
	ingest_tep_span_ok(tep, r, ip, &s, &n);
	return ingest_tep_probe(&c->dec, tep_read_number(tep, (char *)r->data + s, ip->size), fn, !!func);
}

/* The event as one ftrace text line (what /sys/kernel/tracing/trace prints). */
static void lv_write_raw(struct lv_ctx *c, const char *name, const char *generic_info)
{
	const struct ingest_event *ev = &c->dec.ev;
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
	if (ingest_norm_event(c->n, &c->dec.ev)) {
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
	struct ingest_tep *t = &c->dec;
	struct tep_format_field *ip, *func, *retip;
	const char *raw_name, *info = NULL;
	enum ingest_tep_kind kind;
	long probe_off = -1;
	size_t info_off;

	if (c->failed)
		return 1;
	ingest_tep_reset(&t->ev, r, (uint32_t)cpu);
	if (r->missed_events) {
		t->ev.kind = INGEST_LOST;
		t->ev.lost = r->missed_events > 0 ? (uint64_t)r->missed_events : 0;
		if (lv_push(c, r, NULL, NULL))
			return 1;
		ingest_tep_reset(&t->ev, r, (uint32_t)cpu);
	}
	if (!ev) {
		lv_fail(c, r, "record of an unknown event type");
		return 1;
	}
	if (ingest_tep_check_fields(t, r, ev)) {
		lv_fail(c, r, "%s", t->why);
		return 1;
	}
	t->ev.pid = (uint32_t)tep_data_pid(t->tep, r);
	t->ev.comm = tep_data_comm_from_pid(t->tep, (int)t->ev.pid);
	t->ev.system = ev->system;
	t->ev.name = ev->name;
	raw_name = ev->name;
	t->pool_len = 0;
	kind = ingest_tep_kind_of(ev, &ip, &func, &retip);
	switch (kind) {
	case INGEST_TEP_KPROBE:
	case INGEST_TEP_KRETPROBE:
		probe_off = lv_probe(c, r, ip, kind == INGEST_TEP_KRETPROBE ? func : NULL, retip);
		if (probe_off < 0 || ingest_tep_decode_kprobe(t, r, ev)) {
			lv_fail(c, r, "%s", t->why);
			return 1;
		}
		if (!strcmp(ev->system, c->group))
			t->ev.system = "msilc";
		break;
	case INGEST_TEP_PRINT:
		if (ingest_tep_decode_print(t, r, tep_find_field(ev, "buf"))) {
			lv_fail(c, r, "%s", t->why);
			return 1;
		}
		raw_name = "tracing_mark_write";
		break;
	case INGEST_TEP_GENERIC:
		if (ingest_tep_decode_generic(t, r, ev, &info_off)) {
			lv_fail(c, r, "%s", t->why);
			return 1;
		}
		break;
	}
	ingest_tep_finish(t, kind == INGEST_TEP_GENERIC);
	if (kind == INGEST_TEP_GENERIC)
		info = t->pool + info_off;
	t->ev.probe = probe_off >= 0 ? t->pool + probe_off : NULL;
	return lv_push(c, r, raw_name, info) ? 1 : 0;
}

int ingest_live_drain(struct tep_handle *tep, struct tracefs_instance *inst, const char *group,
		      struct ingest_norm *n, FILE *raw, struct mlog_error *err, uint64_t *count)
{
	struct lv_ctx c;
	int ret;

	memset(&c, 0, sizeof(c));
	ingest_tep_init(&c.dec);
	c.dec.tep = tep;
	c.group = group;
	c.n = n;
	c.raw = raw;
	c.err = err;
	c.count = count;
	ret = tracefs_iterate_raw_events(tep, inst, NULL, 0, lv_record, &c);
	ingest_tep_free(&c.dec);
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
