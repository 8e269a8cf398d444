// SPDX-License-Identifier: GPL-2.0
/*
 * mlog_write.c - the canonical form of a .mlog line (FORMAT.md section 9).
 *
 * The verb ("< verb" for observations), then the keys present in the
 * schema's order, one space apart; numbers in decimal except X keys, flags
 * as names, strings bare when they can be.  The reader accepts everything
 * written here and gives back the same event, so write -> read -> write is
 * the identity on bytes.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "mlog.h"

/* An snprintf()-like sink: counts everything, stores what fits. */
struct sink {
	char *buf;
	size_t size, len;
};

static void put(struct sink *o, const char *s, size_t n)
{
	if (o->len < o->size) {
		size_t room = o->size - o->len;

		memcpy(o->buf + o->len, s, n < room ? n : room);
	}
	o->len += n;
}

static void puts_(struct sink *o, const char *s)
{
	put(o, s, strlen(s));
}

static void put_u64(struct sink *o, uint64_t v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof(tmp), "%" PRIu64, v);

	put(o, tmp, n);
}

static void put_hex(struct sink *o, uint64_t v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof(tmp), "0x%" PRIx64, v);

	put(o, tmp, n);
}

/* Bare when the reader would give back the same bytes, else quoted. */
static void put_str(struct sink *o, const char *s, size_t len)
{
	bool bare = len > 0 && s[0] != '"';

	for (size_t i = 0; bare && i < len; i++)
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '"' || s[i] == '\\' || s[i] == '=')
			bare = false;
	if (bare) {
		put(o, s, len);
		return;
	}
	put(o, "\"", 1);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			put(o, "\\", 1);
		put(o, s + i, 1);
	}
	put(o, "\"", 1);
}

static void put_flags(struct sink *o, uint64_t x)
{
	static const char *const names[] = { "INTX", "MSI", "MSIX", "AFFINITY", "VIRTUAL" };
	bool first = true;

	if (!x || x >> 5) {	/* no name for it: hex, as the reader accepts */
		put_hex(o, x);
		return;
	}
	for (int i = 0; i < 5; i++) {
		if (!(x >> i & 1))
			continue;
		if (!first)
			put(o, "|", 1);
		puts_(o, names[i]);
		first = false;
	}
}

static void put_kinds(struct sink *o, uint64_t mask)
{
	bool first = true;

	for (int v = MLOG_V_O_FIRST; v < MLOG_V__COUNT; v++) {
		if (!(mask >> (v - MLOG_V_O_FIRST) & 1))
			continue;
		if (!first)
			put(o, ",", 1);
		puts_(o, mlog_verb_name(v));
		first = false;
	}
}

static const char *enum_name(enum mlog_type t, int64_t v)
{
	static const char *const bus[] = { "pci", "platform", "dmar", "hpet" };
	static const char *const arch[] = { "arm64", "x86_64" };
	static const char *const src[] = { "scenario", "ftrace", "trace-dat", "live", "fuzz", "minimized" };
	static const char *const type[] = { "msi", "msix" };

	switch (t) {
	case MLOG_T_BUS:
		return (uint64_t)v < 4 ? bus[v] : NULL;
	case MLOG_T_ARCH:
		return (uint64_t)v < 2 ? arch[v] : NULL;
	case MLOG_T_SRC:
		return (uint64_t)v < 6 ? src[v] : NULL;
	case MLOG_T_TYPE:
		return (uint64_t)v < 2 ? type[v] : NULL;
	case MLOG_T_FPT:
		return (uint64_t)v < MLOG_F__COUNT ? mlog_fault_name(v) : NULL;
	default:
		return NULL;
	}
}

static int put_value(struct sink *o, const struct mlog_decls *d,
		     const struct mlog_event *ev, enum mlog_key k)
{
	int64_t v = ev->num[k];
	char tmp[32];
	const char *name;

	switch (mlog_key_type(k)) {
	case MLOG_T_U:
		put_u64(o, v);
		return 0;
	case MLOG_T_X:
		put_hex(o, v);
		return 0;
	case MLOG_T_I:
		snprintf(tmp, sizeof(tmp), "%" PRId64, v);
		puts_(o, tmp);
		return 0;
	case MLOG_T_DEV:
		if (!d || v < 0 || (uint64_t)v >= d->ndev)
			return -1;
		puts_(o, d->dev[v].name);
		return 0;
	case MLOG_T_ITS:
		if (!d || v < 0 || (uint64_t)v >= d->nits)
			return -1;
		puts_(o, d->its[v].name);
		return 0;
	case MLOG_T_NAME:
	case MLOG_T_LIST:
		put(o, mlog_str(ev, k), ev->str_len[k]);
		return 0;
	case MLOG_T_STR:
		put_str(o, mlog_str(ev, k), ev->str_len[k]);
		return 0;
	case MLOG_T_BDF:
		snprintf(tmp, sizeof(tmp), "%04x:%02x:%02x.%x", (unsigned int)(v >> 16) & 0xffff,
			 (unsigned int)(v >> 8) & 0xff, (unsigned int)(v >> 3) & 0x1f,
			 (unsigned int)v & 7);
		puts_(o, tmp);
		return 0;
	case MLOG_T_FLG:
		put_flags(o, v);
		return 0;
	case MLOG_T_TIME:
		snprintf(tmp, sizeof(tmp), "%" PRIu64 ".%06" PRIu64,
			 (uint64_t)v / 1000000, (uint64_t)v % 1000000);
		puts_(o, tmp);
		return 0;
	case MLOG_T_IDX:
		if ((uint64_t)v == MLOG_INDEX_ANY)
			puts_(o, "any");
		else
			put_u64(o, v);
		return 0;
	case MLOG_T_KIND:
		put_kinds(o, v);
		return 0;
	default:	/* BUS, ARCH, SRC, TYPE, FPT */
		name = enum_name(mlog_key_type(k), v);
		if (!name)
			return -1;
		puts_(o, name);
		return 0;
	}
}

/* Header, blank and comment lines: verb NONE. */
static void put_none(struct sink *o, const struct mlog_event *ev)
{
	if (mlog_is_header(ev)) {
		puts_(o, "mlog ");
		put_u64(o, ev->num[MLOG_K_VERSION]);
	} else if (ev->is_comment) {
		put(o, ev->strbuf, strnlen(ev->strbuf, sizeof(ev->strbuf)));
	}
}

static int format(struct sink *o, const struct mlog_decls *d, const struct mlog_event *ev)
{
	const enum mlog_key *keys;
	unsigned int n;

	if ((unsigned int)ev->verb >= MLOG_V__COUNT)
		return -1;
	if (ev->verb == MLOG_V_NONE) {
		put_none(o, ev);
		return 0;
	}
	if (mlog_is_obs(ev->verb))
		put(o, "< ", 2);
	puts_(o, mlog_verb_name(ev->verb));
	n = mlog_verb_keys(ev->verb, &keys);
	for (unsigned int i = 0; i < n; i++) {
		if (!mlog_has(ev, keys[i]))
			continue;
		put(o, " ", 1);
		puts_(o, mlog_key_name(keys[i]));
		put(o, "=", 1);
		if (put_value(o, d, ev, keys[i]))
			return -1;
	}
	return 0;
}

int mlog_format_event(char *buf, size_t size, const struct mlog_decls *d,
		      const struct mlog_event *ev)
{
	struct sink o = { buf, size, 0 };

	if (format(&o, d, ev))
		return -1;
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len > INT32_MAX ? INT32_MAX : (int)o.len;
}

int mlog_write_event(FILE *f, const struct mlog_decls *d, const struct mlog_event *ev)
{
	char line[MLOG_MAX_LINE + 2];
	int n = mlog_format_event(line, sizeof(line), d, ev);

	if (n < 0) {
		errno = EINVAL;
		return -1;
	}
	if (n > MLOG_MAX_LINE) {
		errno = E2BIG;
		return -1;
	}
	line[n] = '\n';
	if (fwrite(line, 1, n + 1, f) != (size_t)n + 1)
		return -1;
	return n + 1;
}
