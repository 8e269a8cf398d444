// SPDX-License-Identifier: GPL-2.0
/*
 * ingest_tep.c - libtraceevent records into struct ingest_event, the one
 * decoder of the trace.dat and live ring-buffer paths (see ingest_tep.h).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest_tep.h"

static int tep_why(struct ingest_tep *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int tep_why(struct ingest_tep *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->why, sizeof(t->why), fmt, ap);
	va_end(ap);
	return -1;
}

void ingest_tep_init(struct ingest_tep *t)
{
	memset(t, 0, sizeof(*t));
	trace_seq_init(&t->seq);
}

void ingest_tep_free(struct ingest_tep *t)
{
	trace_seq_destroy(&t->seq);
	free(t->pool);
	t->pool = NULL;
	t->pool_len = t->pool_cap = 0;
}

void ingest_tep_reset(struct ingest_event *ev, const struct tep_record *r, uint32_t cpu)
{
	ev->kind = INGEST_EVENT;
	ev->comm = ev->system = ev->name = ev->probe = NULL;
	ev->nfields = 0;
	ev->pid = 0;
	ev->lost = 0;
	ev->line = 0;
	/* ftrace text prints the timestamp rounded to the microsecond */
	ev->ts_ns = r->ts;
	ev->ts_us = (r->ts + 500) / 1000;
	ev->has_ns = true;
	ev->cpu = cpu;
}

enum ingest_tep_kind ingest_tep_kind_of(struct tep_event *ev, struct tep_format_field **ip,
					struct tep_format_field **func, struct tep_format_field **retip)
{
	*ip = tep_find_field(ev, "__probe_ip");
	*func = tep_find_field(ev, "__probe_func");
	*retip = tep_find_field(ev, "__probe_ret_ip");
	if (*ip)
		return INGEST_TEP_KPROBE;
	if (*func && *retip)
		return INGEST_TEP_KRETPROBE;
	if (!strcmp(ev->system, "ftrace") && !strcmp(ev->name, "print"))
		return INGEST_TEP_PRINT;
	return INGEST_TEP_GENERIC;
}

enum ingest_tep_fmt ingest_tep_kprobe_fmt(const char *fmt, const struct tep_format_field *f)
{
	size_t n = strlen(f->name);
	const char *p = fmt;

	if (f->flags & TEP_FIELD_IS_STRING)
		return INGEST_TEP_STR;
	while ((p = strstr(p, f->name))) {
		const char *q = p + n;

		if (p > fmt && p[-1] == ' ' && *q == '=') {
			q++;
			if (!strncmp(q, "\"%s\"", 4))
				return INGEST_TEP_STR;
			if (!strncmp(q, "0x%", 3)) {
				q += 3;
				q += strspn(q, "lLh");
				return *q == 'x' ? INGEST_TEP_HEX : INGEST_TEP_TEXT;
			}
			if (*q != '%')
				return INGEST_TEP_TEXT;
			q++;
			q += strspn(q, "lLhz");
			if (*q == 'u')
				return INGEST_TEP_UDEC;
			if (*q == 'd')
				return INGEST_TEP_SDEC;
			return INGEST_TEP_TEXT;
		}
		p = q;
	}
	return INGEST_TEP_TEXT;
}

int ingest_tep_span(struct tep_handle *tep, const struct tep_record *r, const struct tep_format_field *f,
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
		loc = tep_read_number(tep, (char *)r->data + f->offset, 4);
		*start = (unsigned int)(loc & 0xffff);
		*len = (unsigned int)(loc >> 16);
		if (f->flags & TEP_FIELD_IS_RELATIVE)
			*start += (unsigned int)(f->offset + f->size);
		if (*start > size || *len > size - *start)
			return -1;
	} else if (!f->size && (f->flags & TEP_FIELD_IS_ARRAY)) {
		/* "char buf[]": the rest of the record */
		*len = size - *start;
	}
	return 0;
}

int ingest_tep_check_fields(struct ingest_tep *t, const struct tep_record *r, const struct tep_event *ev)
{
	const struct tep_format_field *f;
	unsigned int s, n;

	for (int pass = 0; pass < 2; pass++)
		for (f = pass ? ev->format.fields : ev->format.common_fields; f; f = f->next)
			if (ingest_tep_span(t->tep, r, f, &s, &n))
				return tep_why(t, "event %s/%s: the record (%d bytes) does not hold its field %s",
					       ev->system, ev->name, r->size, f->name);
	return 0;
}

bool ingest_tep_native(struct tep_handle *tep)
{
	return tep_is_file_bigendian(tep) == tep_is_local_bigendian(tep) &&
	       tep_is_local_bigendian(tep) == !!tep_is_bigendian();
}

/* "0x%llx" and "%llu" / "%lld", without the cost of printf */
int ingest_tep_fmt_num(char *buf, unsigned long long v, enum ingest_tep_fmt fmt)
{
	static const char digit[] = "0123456789abcdef";
	char tmp[20];
	int n = 0, len = 0;

	if (fmt == INGEST_TEP_HEX) {
		n = v ? (67 - __builtin_clzll(v)) / 4 : 1;	/* hex digits */
		buf[0] = '0';
		buf[1] = 'x';
		for (int i = n + 1; i >= 2; i--) {
			buf[i] = digit[v & 15];
			v >>= 4;
		}
		return n + 2;
	}
	if (fmt == INGEST_TEP_SDEC && (long long)v < 0) {
		buf[len++] = '-';
		v = -v;
	}
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		buf[len++] = tmp[--n];
	return len;
}

long ingest_tep_pool_add(struct ingest_tep *t, const char *s, size_t n)
{
	size_t off = t->pool_len;

	if (t->pool_cap - t->pool_len < n + 1) {
		size_t cap = t->pool_cap ? t->pool_cap : 4096;
		char *p;

		while (cap - t->pool_len < n + 1)
			cap *= 2;
		p = realloc(t->pool, cap);
		if (!p)
			return -1;
		t->pool = p;
		t->pool_cap = cap;
	}
	memcpy(t->pool + off, s, n);
	t->pool[off + n] = 0;
	t->pool_len += n + 1;
	return (long)off;
}

int ingest_tep_add_field(struct ingest_tep *t, const char *name, long off, bool is_str)
{
	struct ingest_field *fl;

	if (off < 0)
		return -1;
	if (t->ev.nfields >= INGEST_MAX_FIELDS)
		return -2;
	fl = &t->ev.fields[t->ev.nfields];
	memset(fl, 0, sizeof(*fl));
	fl->name = name;
	fl->is_str = is_str;
	t->off[t->ev.nfields++] = (size_t)off;
	return 0;
}

/* "func+0x0/0x150" (or "func" without @offset) for @addr, its hex value when kallsyms does not know it. */
static int tep_symbol(struct ingest_tep *t, unsigned long long addr, bool offset)
{
	const char *name;
	unsigned long long start;
	unsigned long size;
	char buf[64];
	int len;

	if (tep_find_function_info(t->tep, addr, &name, &start, &size)) {
		if (!offset)
			return ingest_tep_pool_add(t, name, strlen(name)) < 0 ? -1 : 0;
		len = snprintf(buf, sizeof(buf), "+0x%llx/0x%lx", addr - start, size);
		if (ingest_tep_pool_add(t, name, strlen(name)) < 0)
			return -1;
		t->pool_len--;	/* join the two */
		return ingest_tep_pool_add(t, buf, (size_t)len) < 0 ? -1 : 0;
	}
	len = snprintf(buf, sizeof(buf), "%llx", addr);
	return ingest_tep_pool_add(t, buf, (size_t)len) < 0 ? -1 : 0;
}

long ingest_tep_probe(struct ingest_tep *t, unsigned long long ip, unsigned long long fn, bool ret)
{
	size_t start = t->pool_len;

	if (tep_symbol(t, ip, true))
		goto oom;
	if (ret) {
		t->pool_len--;
		if (ingest_tep_pool_add(t, " <- ", 4) < 0)
			goto oom;
		t->pool_len--;
		if (tep_symbol(t, fn, false))
			goto oom;
	}
	return (long)start;
oom:
	return tep_why(t, "out of memory");
}

void ingest_tep_kprobe_value(struct ingest_tep *t, const struct tep_record *r, struct tep_format_field *f,
			     enum ingest_tep_fmt fmt, bool native, struct ingest_tep_value *v)
{
	const char *data = r->data;
	unsigned int s, n;

	ingest_tep_span_ok(t->tep, r, f, &s, &n);
	v->fmt = fmt;
	v->num = 0;
	if (fmt == INGEST_TEP_STR) {
		v->text = data + s;
		v->len = strnlen(data + s, n);
		return;
	}
	if (fmt != INGEST_TEP_TEXT) {
		/* a number of another width reads as 0, as tep_read_number() reads it */
		if (f->size == 1 || f->size == 2 || f->size == 4 || f->size == 8)
			v->num = ingest_tep_read(t->tep, native, data + s, f->size);
		if (fmt == INGEST_TEP_SDEC && f->size > 0 && f->size < 8 && (v->num & (1ull << (8 * f->size - 1))))
			v->num |= ~0ull << (8 * f->size);
		return;
	}
	/* anything else: as libtraceevent prints it */
	trace_seq_reset(&t->seq);
	tep_print_field(&t->seq, r->data, f);
	trace_seq_terminate(&t->seq);
	v->text = t->seq.buffer;
	v->len = strlen(t->seq.buffer);
}

int ingest_tep_decode_kprobe(struct ingest_tep *t, const struct tep_record *r, struct tep_event *ev)
{
	const char *fmt = ev->print_fmt.format ? ev->print_fmt.format : "";
	struct tep_format_field *f;

	for (f = ev->format.fields; f; f = f->next) {
		struct ingest_tep_value v;
		struct ingest_field *fl;
		char num[24];
		long off;

		if (!strncmp(f->name, "__probe_", 8))
			continue;
		if (t->ev.nfields >= INGEST_MAX_FIELDS)
			return tep_why(t, "event %s/%s has more than %d fields", ev->system, ev->name,
				       INGEST_MAX_FIELDS);
		ingest_tep_kprobe_value(t, r, f, ingest_tep_kprobe_fmt(fmt, f), false, &v);
		if (v.fmt == INGEST_TEP_STR || v.fmt == INGEST_TEP_TEXT)
			off = ingest_tep_pool_add(t, v.text, v.len);
		else
			off = ingest_tep_pool_add(t, num, (size_t)ingest_tep_fmt_num(num, v.num, v.fmt));
		if (ingest_tep_add_field(t, f->name, off, v.fmt == INGEST_TEP_STR))
			return tep_why(t, "out of memory");
		if (v.fmt == INGEST_TEP_STR || v.fmt == INGEST_TEP_TEXT)
			continue;
		fl = &t->ev.fields[t->ev.nfields - 1];
		fl->is_num = true;
		fl->num = (int64_t)v.num;
	}
	return 0;
}

int ingest_tep_decode_print(struct ingest_tep *t, const struct tep_record *r, const struct tep_format_field *buf)
{
	const char *data = r->data;
	unsigned int s, n;
	size_t len;

	if (!buf || ingest_tep_span(t->tep, r, buf, &s, &n))
		return tep_why(t, "event ftrace/print has no \"buf\" field");
	len = strnlen(data + s, n);
	/* the trailing newline(s) and blanks, in any order, as the text path drops them */
	while (len && (data[s + len - 1] == '\n' || data[s + len - 1] == ' ' || data[s + len - 1] == '\t'))
		len--;
	if (ingest_tep_add_field(t, "buf", ingest_tep_pool_add(t, data + s, len), true))
		return tep_why(t, "out of memory");
	return 0;
}

int ingest_tep_decode_generic(struct ingest_tep *t, struct tep_record *r, const struct tep_event *ev,
			      size_t *text_off)
{
	size_t base, len, i;
	long off;
	char *p;

	trace_seq_reset(&t->seq);
	tep_print_event(t->tep, &t->seq, r, "%s", TEP_PRINT_INFO);
	trace_seq_terminate(&t->seq);
	len = strlen(t->seq.buffer);
	/* an untouched copy if asked, then the copy that is cut into fields */
	if (text_off) {
		off = ingest_tep_pool_add(t, t->seq.buffer, len);
		if (off < 0)
			return tep_why(t, "out of memory");
		*text_off = (size_t)off;
	}
	off = ingest_tep_pool_add(t, t->seq.buffer, len);
	if (off < 0)
		return tep_why(t, "out of memory");
	base = (size_t)off;
	p = t->pool + base;
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
			/* not NAME=VALUE: skip the word */
			while (i < len && p[i] != ' ' && p[i] != '\t' && p[i] != '\n')
				i++;
			continue;
		}
		p[i++] = 0;
		if (t->ev.nfields >= INGEST_MAX_FIELDS)
			return tep_why(t, "event %s/%s has more than %d fields", ev->system, ev->name,
				       INGEST_MAX_FIELDS);
		t->name_off[t->ev.nfields] = base + name;
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
			ingest_tep_add_field(t, NULL, (long)(base + val), true);
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
		ingest_tep_add_field(t, NULL, (long)(base + val), false);
		t->ev.fields[t->ev.nfields - 1].is_num =
			ingest_parse_number(p + val, &t->ev.fields[t->ev.nfields - 1].num);
	}
	return 0;
}

void ingest_tep_finish(struct ingest_tep *t, bool generic)
{
	for (uint32_t i = 0; i < t->ev.nfields; i++) {
		t->ev.fields[i].raw = t->pool + t->off[i];
		if (generic)
			t->ev.fields[i].name = t->pool + t->name_off[i];
	}
}
