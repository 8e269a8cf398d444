// SPDX-License-Identifier: GPL-2.0
/*
 * ingest_text.c - ftrace text in, struct ingest_event out.
 *
 * Two printers produce nearly the same lines:
 *   /sys/kernel/tracing/trace:
 *	"  insmod-630  [001] d..1.  20.268115: its_lpi_alloc_ret: (f+0x3/0x4 <- g) a=1"
 *	"      sh-139  [000] ...2.  24.976871: tracing_mark_write: PHASE boot"
 *	"##### CPU 1 buffer started ####"
 *   trace-cmd report:
 *	"cpus=2" / "version = 6" / "CPU 0 is empty" header lines
 *	"  insmod-630  [001]  20.268115: its_lpi_alloc_ret: (ffffa7 <- ffffb1) a=1"
 *	"      sh-139  [000]  24.976871: print:   tracing_mark_write: PHASE boot"
 *	"CPU:1 [LOST 12 EVENTS]"
 * The latency column ("d..1.") is optional in both, and so is a "(tgid)"
 * column after the task.  Kprobe events are recognised by the "(probe)"
 * that starts their payload and are put in the "msilc" system.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"

static int fail(struct mlog_error *err, uint32_t line, const char *buf, const char *at,
		const char *fmt, const char *arg)
{
	err->line = line;
	err->col = (uint32_t)(at - buf) + 1;
	snprintf(err->msg, sizeof(err->msg), fmt, arg);
	return -1;
}

/* The blank-delimited token at @p, at most 31 bytes, into @out[32]. */
static const char *token(const char *p, char *out)
{
	size_t n = strcspn(p, " \t");

	snprintf(out, 32, "%.*s", (int)(n < 31 ? n : 31), p);
	return out;
}

static const char *skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static bool all_digits(const char *p, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)p[i]))
			return false;
	return true;
}

/*
 * Parse a decimal/hex (optionally negative) integer that is the whole of @s:
 * the rule of struct ingest_field.is_num, shared by every ingest path.
 */
bool ingest_parse_number(const char *s, int64_t *out)
{
	const char *p = s;
	bool neg = false;
	uint64_t v = 0;
	char *end;

	if (*p == '-') {
		neg = true;
		p++;
	}
	if (!isdigit((unsigned char)*p))
		return false;
	errno = 0;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		if (neg || !isxdigit((unsigned char)p[2]))
			return false;
		v = strtoull(p + 2, &end, 16);
	} else {
		v = strtoull(p, &end, 10);
	}
	if (errno || *end)
		return false;
	if (neg) {
		if (v > (uint64_t)INT64_MAX + 1)
			return false;
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	} else {
		*out = (int64_t)v;
	}
	return true;
}

const struct ingest_field *ingest_event_field(const struct ingest_event *ev, const char *name)
{
	for (uint32_t i = 0; i < ev->nfields; i++)
		if (ev->fields[i].name[0] == name[0] && !strcmp(ev->fields[i].name, name))
			return &ev->fields[i];
	return NULL;
}

/* Header and notice lines: 1 consumed (maybe an event), 0 not one of them. */
static int header_line(struct ingest_text_state *st, char *buf, uint32_t lineno,
		       struct ingest_event *ev, int *is_event)
{
	const char *p = skip_blanks(buf);
	unsigned int a, b;
	int n = 0;
	char c;

	*is_event = 0;
	if (!*p)
		return 1;
	if (!strncmp(p, "#####", 5)) {
		/* "##### CPU 1 buffer started ####" */
		if (sscanf(p, "##### CPU %u buffer started %c", &a, &c) == 2) {
			memset(ev, 0, sizeof(*ev));
			ev->kind = INGEST_CPU_STARTED;
			ev->cpu = a;
			ev->line = lineno;
			*is_event = 1;
		}
		return 1;
	}
	if (*p == '#') {
		const char *q = strstr(p, "#P:");

		if (q && sscanf(q, "#P:%u", &a) == 1)
			st->cpus = a;
		if (!strncmp(p, "# tracer:", 9))
			st->flavour = INGEST_TEXT_FTRACE;
		return 1;
	}
	if (sscanf(p, "CPU:%u [LOST %u EVENTS]%n", &a, &b, &n) == 2 && n && !p[n]) {
		memset(ev, 0, sizeof(*ev));
		ev->kind = INGEST_LOST;
		ev->cpu = a;
		ev->lost = b;
		ev->line = lineno;
		*is_event = 1;
		return 1;
	}
	if (sscanf(p, "cpus=%u%n", &a, &n) == 1 && n && !p[n]) {
		st->cpus = a;
		st->flavour = INGEST_TEXT_REPORT;
		return 1;
	}
	if (sscanf(p, "version = %u%n", &a, &n) == 1 && n && !p[n]) {
		st->flavour = INGEST_TEXT_REPORT;
		return 1;
	}
	if (sscanf(p, "CPU %u is empty%n", &a, &n) == 1 && n && !p[n])
		return 1;
	if (sscanf(p, "CPU %u data recorded at offset=%c", &a, &c) == 2)
		return 1;
	if (sscanf(p, "%u bytes in size%n", &a, &n) == 1 && n && !p[n])
		return 1;
	return 0;
}

/* Split "name=value name="str" ..." into fields (in place). */
static int parse_fields(char *buf, char *p, uint32_t lineno, struct ingest_event *ev,
			struct mlog_error *err)
{
	for (;;) {
		struct ingest_field *f;
		char *name, *val, *end;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			return 0;
		if (ev->nfields == INGEST_MAX_FIELDS)
			return fail(err, lineno, buf, p, "more than %s fields in one event", "32");
		name = p;
		while (*p && *p != '=' && *p != ' ' && *p != '\t')
			p++;
		if (*p != '=' || p == name)
			return fail(err, lineno, buf, name, "expected NAME=VALUE, found \"%.40s\"", name);
		*p++ = 0;
		f = &ev->fields[ev->nfields++];
		memset(f, 0, sizeof(*f));
		f->name = name;
		if (*p == '"') {
			/* a kprobe string: ends at a quote followed by a blank or the end */
			char *w;

			val = ++p;
			w = val;
			for (;;) {
				if (!*p)
					return fail(err, lineno, buf, val - 1,
						    "unterminated string value of field \"%s\"", name);
				if (*p == '\\' && (p[1] == '"' || p[1] == '\\')) {
					*w++ = p[1];
					p += 2;
					continue;
				}
				if (*p == '"' && (!p[1] || p[1] == ' ' || p[1] == '\t' || p[1] == ',')) {
					p++;
					if (*p == ',')
						p++;
					break;
				}
				*w++ = *p++;
			}
			end = p;
			*w = 0;
			f->is_str = true;
			f->raw = val;
			if (*end) {
				if (*end != ' ' && *end != '\t')
					return fail(err, lineno, buf, end,
						    "expected a blank after the string value of \"%s\"",
						    name);
				p = end + 1;
			}
			continue;
		}
		val = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		end = p;
		if (*p)
			p++;
		*end = 0;
		/* irq_matrix_* print "global_avl=1, global_rsvd=2" */
		if (end > val && end[-1] == ',')
			end[-1] = 0;
		f->raw = val;
		f->is_num = ingest_parse_number(val, &f->num);
	}
}

static const char *tracepoint_system(const char *name)
{
	if (!strncmp(name, "vector_", 7))
		return "irq_vectors";
	if (!strncmp(name, "irq_matrix_", 11))
		return "irq_matrix";
	if (!strncmp(name, "irq_handler_", 12) || !strcmp(name, "softirq_entry"))
		return "irq";
	return "";
}

int ingest_text_line(struct ingest_text_state *st, char *buf, uint32_t lineno,
		     struct ingest_event *ev, struct mlog_error *err)
{
	char *p, *task, *lb, *rb, *dash, *ts, *name, *q;
	char tok[32];
	int is_event;
	uint64_t sec, frac;
	size_t nfrac;

	for (p = buf; *p; p++) {
		if (*p == '\r' || (unsigned char)*p < 0x20) {
			if (*p != '\t')
				return fail(err, lineno, buf, p, "control character %s in the line",
					    *p == '\r' ? "CR" : "");
		}
	}
	if (header_line(st, buf, lineno, ev, &is_event))
		return is_event;

	/* "TASK-PID [CPU]": the first "[digits]" after a blank */
	task = (char *)skip_blanks(buf);
	for (lb = task; (lb = strchr(lb, '[')); lb++) {
		rb = strchr(lb, ']');
		if (lb > task && (lb[-1] == ' ' || lb[-1] == '\t') && rb &&
		    all_digits(lb + 1, (size_t)(rb - lb - 1)))
			break;
	}
	if (!lb)
		return fail(err, lineno, buf, task, "not an ftrace event line: no \"[CPU]\" column in \"%.40s\"",
			    task);
	rb = strchr(lb, ']');
	q = lb;
	while (q > task && (q[-1] == ' ' || q[-1] == '\t'))
		q--;
	/* an optional "(  tgid)" column */
	if (q > task && q[-1] == ')') {
		char *open = q - 1;

		while (open > task && *open != '(')
			open--;
		if (*open == '(') {
			q = open;
			while (q > task && (q[-1] == ' ' || q[-1] == '\t'))
				q--;
		}
	}
	*q = 0;
	dash = strrchr(task, '-');
	if (!dash || dash == task || !all_digits(dash + 1, strlen(dash + 1)))
		return fail(err, lineno, buf, task, "expected TASK-PID before the CPU column, found \"%.40s\"",
			    task);
	*dash = 0;
	memset(ev, 0, sizeof(*ev));
	ev->kind = INGEST_EVENT;
	ev->line = lineno;
	ev->comm = task;
	ev->pid = (uint32_t)strtoul(dash + 1, NULL, 10);
	ev->cpu = (uint32_t)strtoul(lb + 1, NULL, 10);

	/* [latency flags] TIMESTAMP: */
	p = (char *)skip_blanks(rb + 1);
	ts = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	if (!(p > ts && p[-1] == ':')) {
		/* the token is the latency column; the timestamp follows */
		if (p - ts > 16)
			return fail(err, lineno, buf, ts,
				    "expected a timestamp after the CPU column, found \"%s\"",
				    token(ts, tok));
		p = (char *)skip_blanks(p);
		ts = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	if (!(p > ts && p[-1] == ':'))
		return fail(err, lineno, buf, ts, "expected \"SECONDS.USECS:\", found \"%s\"",
			    token(ts, tok));
	{
		char *dot = memchr(ts, '.', (size_t)(p - ts));
		size_t nsec;

		snprintf(tok, sizeof(tok), "%.*s", (int)(p - ts), ts);
		if (!dot)
			return fail(err, lineno, buf, ts, "timestamp \"%s\" has no decimal point", tok);
		nsec = (size_t)(dot - ts);
		nfrac = (size_t)(p - 1 - dot - 1);
		if (!all_digits(ts, nsec) || !all_digits(dot + 1, nfrac) || nfrac > 9 || nsec > 10)
			return fail(err, lineno, buf, ts, "malformed timestamp \"%s\"", tok);
		sec = strtoull(ts, NULL, 10);
		frac = strtoull(dot + 1, NULL, 10);
		for (size_t i = nfrac; i < 9; i++)
			frac *= 10;
		ev->ts_ns = sec * 1000000000ull + frac;
		ev->ts_us = ev->ts_ns / 1000;
		ev->has_ns = nfrac > 6;
		if (!ev->has_ns)
			ev->ts_ns = 0;
	}

	/* EVENT: */
	p = (char *)skip_blanks(p);
	name = p;
	while (*p && *p != ':' && *p != ' ' && *p != '\t')
		p++;
	if (*p != ':' || p == name)
		return fail(err, lineno, buf, name, "expected \"EVENT:\" after the timestamp, found \"%.40s\"",
			    name);
	*p++ = 0;
	p = (char *)skip_blanks(p);
	ev->name = name;

	if (!strcmp(name, "tracing_mark_write") || !strcmp(name, "print")) {
		char *text = p;

		/* trace-cmd: "print: tracing_mark_write: TEXT" (or "ADDR: TEXT") */
		if (!strcmp(name, "print")) {
			char *colon = strstr(p, ": ");
			size_t n = colon ? (size_t)(colon - p) : 0;

			if (colon && n && strcspn(p, " \t") >= n)
				text = colon + 2;
		}
		ev->system = "ftrace";
		ev->name = "print";
		ev->nfields = 1;
		ev->fields[0].name = "buf";
		ev->fields[0].raw = text;
		ev->fields[0].is_str = true;
		/* a marker written without its newline shows as is; drop blanks */
		for (q = text + strlen(text); q > text && (q[-1] == ' ' || q[-1] == '\t'); q--)
			;
		*q = 0;
		return 1;
	}
	if (*p == '(') {
		char *close = strchr(p, ')');

		if (!close)
			return fail(err, lineno, buf, p, "unterminated probe location \"%.40s\"", p);
		*close = 0;
		ev->probe = p + 1;
		ev->system = "msilc";
		p = close + 1;
	} else {
		ev->system = tracepoint_system(name);
	}
	if (parse_fields(buf, p, lineno, ev, err))
		return -1;
	return 1;
}

int ingest_text_file(FILE *f, const char *name, struct ingest_norm *n, struct mlog_error *err)
{
	struct ingest_text_state st;
	struct ingest_event *ev;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	uint32_t lineno = 0;
	int ret = 0;

	memset(&st, 0, sizeof(st));
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", name);
	ev = malloc(sizeof(*ev));
	if (!ev) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -1;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		int rc;

		lineno++;
		if (len && line[len - 1] == '\n')
			line[--len] = 0;
		if (strlen(line) != (size_t)len) {
			err->line = lineno;
			err->col = (uint32_t)strlen(line) + 1;
			snprintf(err->msg, sizeof(err->msg), "NUL byte in the line");
			ret = -1;
			break;
		}
		rc = ingest_text_line(&st, line, lineno, ev, err);
		if (rc < 0) {
			ret = -1;
			break;
		}
		if (st.cpus)
			ingest_norm_set_cpus(n, st.cpus);
		if (rc == 0)
			continue;
		if (ingest_norm_event(n, ev)) {
			*err = *ingest_norm_error(n);
			snprintf(err->file, sizeof(err->file), "%s", name);
			ret = -1;
			break;
		}
	}
	if (!ret && ferror(f)) {
		err->line = 0;
		snprintf(err->msg, sizeof(err->msg), "read error: %s", strerror(errno));
		ret = -1;
	}
	free(line);
	free(ev);
	return ret;
}
