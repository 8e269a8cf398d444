// SPDX-License-Identifier: GPL-2.0
/*
 * mlog_read.c - the streaming .mlog reader and the schema look-ups.
 *
 * Memory is constant: one block buffer, the declaration tables and a name
 * hash, whatever the length of the trace.  A line is checked in passes:
 *
 *   1. bytes: length, NUL, CR, UTF-8 (word at a time, ASCII is the fast path)
 *   2. tokens: the verb, then KEY=VALUE syntax, known and unique keys
 *   3. values: types, ranges and references, in input order
 *   4. the line as a whole: required keys, cross-key rules, declarations
 *
 * so the error reported for a line is the first one of the earliest pass.
 * Every error names the line and the 1-based byte column of the offending
 * token, and quotes the offending text.
 *
 * Speed (tools/bench/bench_reader.sh): the input is read with read() in
 * blocks (the memory of mlog_reader_open_mem() is copied through the same
 * block).  Event lines in the canonical layout take a fast path
 * (fast_line()) that checks and converts in one go and falls back to the
 * passes above on anything unusual, so that errors still come from them.
 * For a large regular file a second thread runs the fast path ahead of the
 * reader (par_*): see "Parse-ahead" below.  mlog_validate() (msilab check)
 * builds no events for fast-path lines and checks a large regular file in
 * parallel chunks (val_*): see "Validation only" at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "mlog.h"

/* ------------------------------------------------------------------------
 * Schema: static tables from the X-macros, plus key lists and hashes built
 * once (the key lists are strings in mlog_schema.h, which the preprocessor
 * cannot split).
 */

struct key_info {
	const char *name;
	uint8_t len;
	uint8_t type;
	uint64_t min, max;	/* I keys: int64_t bit patterns */
};

static const struct key_info key_info[MLOG_K__COUNT] = {
#define KEY_INFO(id, nm, ty, mn, mx) \
	[MLOG_K_##id] = { nm, sizeof(nm) - 1, MLOG_T_##ty, (uint64_t)(mn), (uint64_t)(mx) },
	MLOG_KEYS(KEY_INFO)
#undef KEY_INFO
};

struct verb_info {
	const char *name;
	uint8_t len;
	uint8_t cls;
	const char *keys;
};

static const struct verb_info verb_info[MLOG_V__COUNT] = {
	[MLOG_V_NONE] = { "", 0, MLOG_C_HDR, "" },
#define VERB_INFO(id, nm, cl, ks) [MLOG_V_##id] = { nm, sizeof(nm) - 1, MLOG_C_##cl, ks },
	MLOG_VERBS(VERB_INFO)
#undef VERB_INFO
};

static const char *const fault_name[MLOG_F__COUNT] = {
#define FAULT_NAME(id, nm, what) [MLOG_F_##id] = nm,
	MLOG_FAULTS(FAULT_NAME)
#undef FAULT_NAME
};

static const char *const fault_what[MLOG_F__COUNT] = {
#define FAULT_WHAT(id, nm, what) [MLOG_F_##id] = what,
	MLOG_FAULTS(FAULT_WHAT)
#undef FAULT_WHAT
};

_Static_assert(MLOG_V__COUNT - MLOG_V_O_FIRST <= 64, "observes mask is 64-bit");
_Static_assert(MLOG_V__COUNT < 256 && MLOG_K__COUNT < 255, "hash slots are bytes");

struct verb_schema {
	mlog_keyset allowed;
	mlog_keyset required;
	unsigned int nkeys;
	enum mlog_key keys[MLOG_K__COUNT];
};

#define HASH_SIZE 256		/* > 3x the verbs or keys: short probes */

static struct verb_schema vschema[MLOG_V__COUNT];
static uint8_t verb_hash[2][HASH_SIZE];	/* [observation]: verb, 0 = empty */
static uint8_t key_hash[HASH_SIZE];	/* key + 1, 0 = empty */
static pthread_once_t schema_once = PTHREAD_ONCE_INIT;

/*
 * Verb, key and device names differ in length and in their first, middle
 * and last bytes often enough that hashing just those keeps the probes
 * short; a whole-name hash costs more than the probes it saves.
 */
static inline uint32_t name_hash(const char *s, size_t len)
{
	uint32_t h;

	if (!len)
		return 0;
	h = len * 0x9e3779b1u ^ (unsigned char)s[0] * 0x85ebca6bu ^
	    (unsigned char)s[len / 2] * 0xc2b2ae35u ^ (unsigned char)s[len - 1] * 0x27d4eb2fu;
	return (h ^ (h >> 15) ^ (h >> 23)) & (HASH_SIZE - 1);
}

/* Short names: an inline loop beats a call to memcmp(). */
static inline bool name_eq(const char *a, const char *b, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

static int key_find(const char *s, size_t len)
{
	uint32_t i = name_hash(s, len);

	for (;; i = (i + 1) & (HASH_SIZE - 1)) {
		int k = key_hash[i] - 1;

		if (k < 0)
			return -1;
		if (key_info[k].len == len && name_eq(key_info[k].name, s, len))
			return k;
	}
}

static void schema_add_key(struct verb_schema *vs, int k, bool optional)
{
	if (k < 0 || (vs->allowed & MLOG_KEYBIT(k)))
		abort();	/* mlog_schema.h is inconsistent */
	vs->keys[vs->nkeys++] = k;
	vs->allowed |= MLOG_KEYBIT(k);
	if (!optional)
		vs->required |= MLOG_KEYBIT(k);
}

static void schema_build_verb(enum mlog_verb v)
{
	struct verb_schema *vs = &vschema[v];
	const char *s = verb_info[v].keys;

	while (*s) {
		const char *start;

		while (*s == ' ')
			s++;
		start = s;
		while (*s && *s != ' ' && *s != '?')
			s++;
		if (s == start)
			break;
		schema_add_key(vs, key_find(start, s - start), *s == '?');
		if (*s == '?')
			s++;
	}
	if (verb_info[v].cls >= MLOG_C_STIM) {	/* STIM, META, OBS */
		schema_add_key(vs, MLOG_K_PID, true);
		schema_add_key(vs, MLOG_K_T, true);
	}
}

static void fast_init(void);

static void schema_init_once(void)
{
	for (int k = 0; k < MLOG_K__COUNT; k++) {
		uint32_t i = name_hash(key_info[k].name, key_info[k].len);

		while (key_hash[i])
			i = (i + 1) & (HASH_SIZE - 1);
		key_hash[i] = k + 1;
	}
	for (int v = 1; v < MLOG_V__COUNT; v++) {
		uint8_t *tab = verb_hash[verb_info[v].cls == MLOG_C_OBS];
		uint32_t i = name_hash(verb_info[v].name, verb_info[v].len);

		while (tab[i])
			i = (i + 1) & (HASH_SIZE - 1);
		tab[i] = v;
		schema_build_verb(v);
	}
	fast_init();
}

static inline void schema_init(void)
{
	pthread_once(&schema_once, schema_init_once);
}

const char *mlog_verb_name(enum mlog_verb v)
{
	return (unsigned int)v < MLOG_V__COUNT ? verb_info[v].name : "?";
}

enum mlog_class mlog_verb_class(enum mlog_verb v)
{
	return (unsigned int)v < MLOG_V__COUNT ? verb_info[v].cls : MLOG_C_HDR;
}

const char *mlog_key_name(enum mlog_key k)
{
	return (unsigned int)k < MLOG_K__COUNT ? key_info[k].name : "?";
}

enum mlog_type mlog_key_type(enum mlog_key k)
{
	return (unsigned int)k < MLOG_K__COUNT ? key_info[k].type : MLOG_T_U;
}

const char *mlog_fault_name(enum mlog_fault f)
{
	return (unsigned int)f < MLOG_F__COUNT ? fault_name[f] : "?";
}

const char *mlog_fault_site(enum mlog_fault f)
{
	return (unsigned int)f < MLOG_F__COUNT ? fault_what[f] : "?";
}

enum mlog_verb mlog_verb_lookup(const char *name, size_t len, bool observation)
{
	const uint8_t *tab = verb_hash[observation];
	uint32_t i = name_hash(name, len);

	schema_init();
	for (;; i = (i + 1) & (HASH_SIZE - 1)) {
		int v = tab[i];

		if (!v)
			return MLOG_V_NONE;
		if (verb_info[v].len == len && name_eq(verb_info[v].name, name, len))
			return v;
	}
}

unsigned int mlog_verb_keys(enum mlog_verb v, const enum mlog_key **keys)
{
	schema_init();
	if ((unsigned int)v >= MLOG_V__COUNT) {
		*keys = vschema[0].keys;
		return 0;
	}
	*keys = vschema[v].keys;
	return vschema[v].nkeys;
}

mlog_keyset mlog_verb_required(enum mlog_verb v)
{
	schema_init();
	return (unsigned int)v < MLOG_V__COUNT ? vschema[v].required : 0;
}

mlog_keyset mlog_verb_allowed(enum mlog_verb v)
{
	schema_init();
	return (unsigned int)v < MLOG_V__COUNT ? vschema[v].allowed : 0;
}

/* ------------------------------------------------------------------------
 * Events.
 */

/* Value of an optional key its line leaves out. */
static int64_t key_default(enum mlog_verb v, enum mlog_key k)
{
	switch (k) {
	case MLOG_K_NR_IRQS:
		return 64;
	case MLOG_K_LPI_BITS:
	case MLOG_K_EVENT_BITS:
	case MLOG_K_DEVID_BITS:
		return 16;
	case MLOG_K_ITE_SIZE:
		return 8;
	case MLOG_K_COUNT:
		return v == MLOG_V_FAULT;
	case MLOG_K_ALIAS:
		return -1;
	default:
		return 0;
	}
}

static void event_apply_defaults(struct mlog_event *ev)
{
	const struct verb_schema *vs = &vschema[ev->verb];

	for (unsigned int i = 0; i < vs->nkeys; i++) {
		enum mlog_key k = vs->keys[i];

		if (!mlog_has(ev, k))
			ev->num[k] = key_default(ev->verb, k);
	}
}

/* Offset 0 of strbuf is always an empty string: absent STR keys read "". */
static void event_reset(struct mlog_event *ev, enum mlog_verb verb, uint32_t line)
{
	ev->verb = verb;
	ev->is_comment = false;
	ev->line = line;
	ev->present = 0;
	memset(ev->num, 0, sizeof(ev->num));
	memset(ev->str_off, 0, sizeof(ev->str_off));
	memset(ev->str_len, 0, sizeof(ev->str_len));
	ev->strbuf[0] = '\0';
	ev->strbuf_used = 1;
}

void mlog_event_init(struct mlog_event *ev, enum mlog_verb verb)
{
	schema_init();
	memset(ev, 0, sizeof(*ev));
	event_reset(ev, (unsigned int)verb < MLOG_V__COUNT ? verb : MLOG_V_NONE, 0);
	event_apply_defaults(ev);
}

void mlog_event_set(struct mlog_event *ev, enum mlog_key k, int64_t v)
{
	if ((unsigned int)k >= MLOG_K__COUNT)
		return;
	ev->num[k] = v;
	ev->present |= MLOG_KEYBIT(k);
}

/* Room for @len bytes and a NUL in strbuf, or NULL. */
static char *strbuf_reserve(struct mlog_event *ev, size_t len)
{
	if (ev->strbuf_used + len + 1 > sizeof(ev->strbuf))
		return NULL;
	return ev->strbuf + ev->strbuf_used;
}

static void strbuf_commit(struct mlog_event *ev, enum mlog_key k, size_t len)
{
	ev->str_off[k] = ev->strbuf_used;
	ev->str_len[k] = len;
	ev->strbuf[ev->strbuf_used + len] = '\0';
	ev->strbuf_used += len + 1;
	ev->present |= MLOG_KEYBIT(k);
}

int mlog_event_set_str(struct mlog_event *ev, enum mlog_key k, const char *s, size_t len)
{
	char *dst;

	if ((unsigned int)k >= MLOG_K__COUNT || !(dst = strbuf_reserve(ev, len)))
		return -1;
	memcpy(dst, s, len);
	strbuf_commit(ev, k, len);
	return 0;
}

/* ------------------------------------------------------------------------
 * LIST values: "1-20,24,30-31", ascending, not overlapping.
 */

struct list_err {
	size_t pos;		/* byte offset of the bad element */
	char why[96];
};

typedef int (*list_fn)(uint32_t lo, uint32_t hi, void *arg);

static int list_num(const char *s, size_t len, uint64_t *v)
{
	uint64_t x = 0;

	if (!len || len > 10)
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned int d = (unsigned char)s[i] - '0';

		if (d > 9)
			return -1;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

static int list_walk(const char *s, size_t len, uint64_t min, uint64_t max,
		     list_fn fn, void *arg, struct list_err *le)
{
	size_t i = 0;
	int64_t prev = -1;

	while (i <= len) {
		size_t start = i, dash = 0, end;
		uint64_t lo, hi;
		int ret;

		while (i < len && s[i] != ',') {
			if (s[i] == '-' && !dash)
				dash = i;
			i++;
		}
		end = i++;
		le->pos = start;
		if (end == start) {
			snprintf(le->why, sizeof(le->why), "empty element");
			return -1;
		}
		if (list_num(s + start, (dash ? dash : end) - start, &lo) ||
		    (dash && list_num(s + dash + 1, end - dash - 1, &hi))) {
			snprintf(le->why, sizeof(le->why), "\"%.*s\" is not a number or range",
				 (int)(end - start > 32 ? 32 : end - start), s + start);
			return -1;
		}
		if (!dash)
			hi = lo;
		if (lo > hi) {
			snprintf(le->why, sizeof(le->why), "range %" PRIu64 "-%" PRIu64 " is descending",
				 lo, hi);
			return -1;
		}
		if (lo < min || hi > max) {
			snprintf(le->why, sizeof(le->why), "%" PRIu64 " out of range (%" PRIu64
				 "..%" PRIu64 ")", lo < min ? lo : hi, min, max);
			return -1;
		}
		if ((int64_t)lo <= prev) {
			snprintf(le->why, sizeof(le->why), "%" PRIu64 " is not above %" PRId64
				 " (ascending, not overlapping)", lo, prev);
			return -1;
		}
		prev = hi;
		if (fn && (ret = fn(lo, hi, arg)))
			return ret;
	}
	return 0;
}

int mlog_list_foreach(const char *s, size_t len,
		      int (*fn)(uint32_t lo, uint32_t hi, void *arg), void *arg)
{
	struct list_err le;

	return list_walk(s, len, 0, UINT32_MAX, fn, arg, &le);
}

/* ------------------------------------------------------------------------
 * The reader.
 */

enum rstate { RS_HEADER, RS_KERNEL, RS_SOURCE, RS_DECLS, RS_EVENTS, RS_DONE, RS_ERROR };

#define BLOCK_SIZE	(256 * 1024)	/* > MLOG_MAX_LINE + 1: a line always fits */
#define BLOCK_PAD	64		/* zeroed bytes after the block: the fast
					 * path loads words past a line's end */
#define DEV_HASH_SIZE	512		/* 2 x MLOG_MAX_DEVICES */

_Static_assert(BLOCK_SIZE > MLOG_MAX_LINE + 1, "block must hold a whole line");

/*
 * The event last filled and the keys whose num[] / str_off[] / str_len[]
 * may be non-zero in it: the fast path clears only those.
 */
struct fast_state {
	const struct mlog_event *last_ev;
	mlog_keyset dirty, dirty_str, last_present;
};

struct par;
struct par_rec;

/* One KEY=VALUE token of the line being parsed. */
struct kv {
	enum mlog_key key;
	bool quoted;
	const char *v;		/* value text; quoted: between the quotes */
	uint32_t vlen;
	uint16_t kcol, vcol;	/* 1-based columns of key and value */
};

struct mlog_reader {
	int fd;			/* -1: reading the caller's memory */
	bool close_fd;
	bool at_eof;		/* no more bytes beyond buf[len] */
	const char *mem;	/* mlog_reader_open_mem(): the input ... */
	size_t mem_len, mem_pos;	/* ... and how much of it is in the block */
	const char *buf;	/* the block */
	size_t len, pos;
	size_t fast_end;	/* 1 + offset of the block's last LF, 0 = none */
	size_t bsize;		/* block size, without the padding */
	uint32_t lineno;
	enum rstate state;
	const char *ls;		/* start of the current line, for columns */
	uint32_t header_line, kernel_line, machine_line, observes_line;
	struct mlog_error err;
	struct mlog_decls decls;
	uint16_t dev_hash[DEV_HASH_SIZE];	/* device index + 1 */
	uint16_t fdev_hash[DEV_HASH_SIZE];	/* the fast path's: device index + 1 */
	struct kv kv[MLOG_K__COUNT];		/* duplicates are refused */
	uint8_t kv_of[MLOG_K__COUNT];		/* key -> index in kv[] */
	unsigned int nkv;
	struct fast_state fs;
	struct par *par;	/* the parse-ahead thread, or NULL */
	bool par_tried;
	bool validating;	/* mlog_validate(): no parse-ahead records */
	bool val_tried;		/* mlog_validate() tried its parallel pass */
	uint64_t block_off;	/* file offset of block[0] */
	const struct par_rec *rec;	/* records of the parse-ahead thread ... */
	uint32_t rec_left;		/* ... still to hand out */
	char *block;		/* bsize + BLOCK_PAD bytes */
};

static int rerr_at(struct mlog_reader *r, uint32_t col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int rerr_at(struct mlog_reader *r, uint32_t col, const char *fmt, ...)
{
	va_list ap;

	r->err.line = r->lineno;
	r->err.col = col;
	va_start(ap, fmt);
	vsnprintf(r->err.msg, sizeof(r->err.msg), fmt, ap);
	va_end(ap);
	r->state = RS_ERROR;
	return -1;
}

static inline uint32_t col_of(const struct mlog_reader *r, const char *p)
{
	return p - r->ls + 1;
}

/*
 * Quote untrusted text for a message: at most 40 bytes (cut on a UTF-8
 * boundary, "..." appended), control bytes, '"' and '\' escaped.
 */
struct qtext {
	char s[200];
};

static const char *qt(struct qtext *q, const char *s, size_t len)
{
	size_t n = len > 40 ? 40 : len, o = 0;

	while (n < len && n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c < 0x20 || c == 0x7f)
			o += snprintf(q->s + o, sizeof(q->s) - o, "\\x%02x", c);
		else if (c == '"' || c == '\\')
			o += snprintf(q->s + o, sizeof(q->s) - o, "\\%c", c);
		else
			q->s[o++] = c;
	}
	if (n < len)
		o += snprintf(q->s + o, sizeof(q->s) - o, "...");
	q->s[o] = '\0';
	return q->s;
}

static void set_file(struct mlog_error *err, const char *name)
{
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", name);
}

static struct mlog_reader *reader_new(const char *name)
{
	struct mlog_reader *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	schema_init();
	set_file(&r->err, name);
	r->decls.cpus = 2;
	r->decls.nr_irqs = 64;
	return r;
}

/* The block: @size bytes for the input, then BLOCK_PAD zeroed bytes. */
static bool reader_block(struct mlog_reader *r, size_t size)
{
	r->block = malloc(size + BLOCK_PAD);
	if (!r->block)
		return false;
	memset(r->block + size, 0, BLOCK_PAD);
	r->bsize = size;
	r->buf = r->block;
	return true;
}

struct mlog_reader *mlog_reader_open(const char *path, struct mlog_error *err)
{
	struct mlog_reader *r = reader_new(path);
	int fd;

	set_file(err, path);
	if (!r) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return NULL;
	}
	if (!strcmp(path, "-")) {
		fd = STDIN_FILENO;
	} else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err->msg, sizeof(err->msg), "cannot open: %s", strerror(errno));
		free(r);
		return NULL;
	}
	if (!reader_block(r, BLOCK_SIZE)) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		if (fd != STDIN_FILENO)
			close(fd);
		free(r);
		return NULL;
	}
#ifdef POSIX_FADV_SEQUENTIAL
	if (fd != STDIN_FILENO)
		posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	r->fd = fd;
	r->close_fd = fd != STDIN_FILENO;
	return r;
}

/*
 * The memory is read through a block like a file, so that every line has
 * the block's padding after it (the fast path relies on it).
 */
struct mlog_reader *mlog_reader_open_mem(const char *name, const char *buf,
					 size_t len, struct mlog_error *err)
{
	struct mlog_reader *r = reader_new(name);

	set_file(err, name);
	if (!r || !reader_block(r, len < BLOCK_SIZE ? len + 1 : BLOCK_SIZE)) {
		free(r);
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return NULL;
	}
	r->fd = -1;
	r->mem = buf;
	r->mem_len = len;
	return r;
}

static void par_stop(struct mlog_reader *r);

void mlog_reader_close(struct mlog_reader *r)
{
	if (!r)
		return;
	par_stop(r);
	if (r->close_fd)
		close(r->fd);
	free(r->block);
	free(r);
}

const struct mlog_error *mlog_reader_error(const struct mlog_reader *r)
{
	return &r->err;
}

const struct mlog_decls *mlog_reader_decls(const struct mlog_reader *r)
{
	return &r->decls;
}

/* Up to @n bytes of input into @dst: bytes read, 0 at end, -1 (errno) on error. */
static ssize_t source_read(struct mlog_reader *r, char *dst, size_t n)
{
	ssize_t got;

	if (r->fd < 0) {
		size_t left = r->mem_len - r->mem_pos;

		if (n > left)
			n = left;
		memcpy(dst, r->mem + r->mem_pos, n);
		r->mem_pos += n;
		return n;
	}
	do
		got = read(r->fd, dst, n);
	while (got < 0 && errno == EINTR);
	return got;
}

static uint64_t par_read_limit(const struct mlog_reader *r);

/* Move the unread tail to the front of the block and read more after it. */
static int refill(struct mlog_reader *r)
{
	size_t tail = r->len - r->pos, target = r->bsize;
	uint64_t at, lim;
	ssize_t got = 1;

	memmove(r->block, r->block + r->pos, tail);
	r->block_off += r->pos;
	r->pos = 0;
	r->len = tail;
	/* with parse-ahead, no further than the lines before its next chunk */
	at = r->block_off + r->len;
	lim = par_read_limit(r);
	if (lim > at && lim - at < target - r->len)
		target = r->len + (lim - at);
	/* fill the block (pipes and terminals return short reads) */
	while (r->len < target) {
		got = source_read(r, r->block + r->len, target - r->len);
		if (got <= 0)
			break;
		r->len += got;
	}
	if (got < 0 && r->len == tail) {	/* an error after data: met again next time */
		r->err.line = 0;
		r->err.col = 0;
		snprintf(r->err.msg, sizeof(r->err.msg), "read error: %s",
			 strerror(errno ? errno : EIO));
		r->state = RS_ERROR;
		return -1;
	}
	if (got == 0)
		r->at_eof = true;
	/* the fast path runs up to the last complete line of the block */
	r->fast_end = r->len;
	while (r->fast_end && r->block[r->fast_end - 1] != '\n')
		r->fast_end--;
	return 0;
}

/* 1: a line (without its LF) at *s, 0: end of input, -1: error. */
static int next_line(struct mlog_reader *r, const char **s, size_t *len)
{
	for (;;) {
		const char *start = r->buf + r->pos;
		size_t avail = r->len - r->pos;
		const char *nl = memchr(start, '\n', avail > MLOG_MAX_LINE ? MLOG_MAX_LINE + 1 : avail);

		if (nl) {
			*s = start;
			*len = nl - start;
			r->pos += *len + 1;
			r->lineno++;
			return 1;
		}
		if (avail > MLOG_MAX_LINE) {
			r->lineno++;
			return rerr_at(r, MLOG_MAX_LINE + 1, "line longer than %d bytes",
				       MLOG_MAX_LINE);
		}
		if (r->at_eof) {
			if (!avail)
				return 0;
			r->lineno++;
			return rerr_at(r, avail + 1, "truncated line: no LF at end of file");
		}
		if (refill(r))
			return -1;
	}
}

/* Length of the valid UTF-8 sequence at s[0] (a non-ASCII byte), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t n;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;	/* overlong */
	else if (c == 0xed)
		hi = 0x9f;	/* surrogates */
	else if (c == 0xf0)
		lo = 0x90;	/* overlong */
	else if (c == 0xf4)
		hi = 0x8f;	/* > U+10FFFF */
	if (avail < n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

static int check_bytes_slow(struct mlog_reader *r, const char *s, size_t len, size_t i)
{
	while (i < len) {
		unsigned char c = s[i];
		size_t n;

		if (c == '\0')
			return rerr_at(r, i + 1, "NUL byte in line");
		if (c == '\r')
			return rerr_at(r, i + 1, "CR (carriage return) in line: CRLF line endings are not accepted");
		if (c < 0x80) {
			i++;
			continue;
		}
		n = utf8_seq((const unsigned char *)s + i, len - i);
		if (!n)
			return rerr_at(r, i + 1, "invalid UTF-8");
		i += n;
	}
	return 0;
}

/*
 * NUL, CR and non-ASCII bytes are rare: test eight bytes at a time for any
 * of them and only look closer at a suspicious word.
 */
static inline bool word_suspicious(const char *p)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = ones << 7;
	uint64_t w, cr;

	memcpy(&w, p, 8);
	cr = w ^ (ones * '\r');
	return (w | ((w - ones) & ~w) | ((cr - ones) & ~cr)) & highs;
}

static int check_bytes(struct mlog_reader *r, const char *s, size_t len)
{
	size_t i = 0;

	if (len < 8)
		return check_bytes_slow(r, s, len, 0);
	for (; i + 8 <= len; i += 8)
		if (word_suspicious(s + i))
			return check_bytes_slow(r, s, len, i);
	/* the tail as one word overlapping the last one checked */
	if (i < len && word_suspicious(s + len - 8))
		return check_bytes_slow(r, s, len, i);
	return 0;
}

/* One table look-up per byte in the token loops, instead of two compares. */
enum { C_BLANK = 1, C_EQ = 2 };
static const uint8_t char_class[256] = { [' '] = C_BLANK, ['\t'] = C_BLANK, ['='] = C_EQ };

static inline bool is_blank(char c)
{
	return char_class[(unsigned char)c] & C_BLANK;
}

static const char *skip_blanks(const char *p, const char *end)
{
	while (p < end && is_blank(*p))
		p++;
	return p;
}

static const char *token_end(const char *p, const char *end)
{
	while (p < end && !is_blank(*p))
		p++;
	return p;
}

/* ---- numbers ---- */

enum { NUM_OK, NUM_BAD, NUM_OVERFLOW };

static int parse_dec(const char *s, size_t len, uint64_t *v)
{
	uint64_t x = 0;
	bool ovf = false;

	if (!len)
		return NUM_BAD;
	if (len < 20) {		/* fast path: 19 digits cannot overflow */
		for (size_t i = 0; i < len; i++) {
			unsigned int d = (unsigned char)s[i] - '0';

			if (d > 9)
				return NUM_BAD;
			x = x * 10 + d;
		}
		*v = x;
		return NUM_OK;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned int d = (unsigned char)s[i] - '0';

		if (d > 9)
			return NUM_BAD;
		if (x > (UINT64_MAX - d) / 10)
			ovf = true;
		x = x * 10 + d;
	}
	*v = x;
	return ovf ? NUM_OVERFLOW : NUM_OK;
}

static inline int hexval(unsigned char c)
{
	if ((unsigned int)(c - '0') < 10)
		return c - '0';
	c |= 0x20;
	if ((unsigned int)(c - 'a') < 6)
		return c - 'a' + 10;
	return -1;
}

static int parse_hex(const char *s, size_t len, uint64_t *v)
{
	uint64_t x = 0;
	bool ovf = false;

	if (!len)
		return NUM_BAD;
	for (size_t i = 0; i < len; i++) {
		int d = hexval(s[i]);

		if (d < 0)
			return NUM_BAD;
		if (x >> 60)
			ovf = true;
		x = x << 4 | d;
	}
	*v = x;
	return ovf ? NUM_OVERFLOW : NUM_OK;
}

static inline bool is_hex_prefixed(const char *s, size_t len)
{
	return len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
}

static int num_error(struct mlog_reader *r, const struct kv *kv, int ret, bool hex)
{
	struct qtext q;

	if (ret == NUM_OVERFLOW)
		return rerr_at(r, kv->vcol, "number \"%s\" overflows", qt(&q, kv->v, kv->vlen));
	return rerr_at(r, kv->vcol, "number \"%s\" is not a %s number",
		       qt(&q, kv->v, kv->vlen), hex ? "hexadecimal" : "decimal");
}

static int range_error(struct mlog_reader *r, const struct kv *kv)
{
	const struct key_info *ki = &key_info[kv->key];
	struct qtext q;

	if (ki->type == MLOG_T_I)
		return rerr_at(r, kv->vcol, "value %s out of range for \"%s\" (%" PRId64 "..%" PRId64 ")",
			       qt(&q, kv->v, kv->vlen), ki->name, (int64_t)ki->min, (int64_t)ki->max);
	if (ki->type == MLOG_T_X)
		return rerr_at(r, kv->vcol, "value %s out of range for \"%s\" (0x%" PRIx64 "..0x%" PRIx64 ")",
			       qt(&q, kv->v, kv->vlen), ki->name, ki->min, ki->max);
	return rerr_at(r, kv->vcol, "value %s out of range for \"%s\" (%" PRIu64 "..%" PRIu64 ")",
		       qt(&q, kv->v, kv->vlen), ki->name, ki->min, ki->max);
}

/* U and X keys (X also takes 0x... hex). */
static int conv_unsigned(struct mlog_reader *r, const struct kv *kv, bool hex_ok, uint64_t *out)
{
	const struct key_info *ki = &key_info[kv->key];
	bool hex = hex_ok && is_hex_prefixed(kv->v, kv->vlen);
	int ret;

	ret = hex ? parse_hex(kv->v + 2, kv->vlen - 2, out) : parse_dec(kv->v, kv->vlen, out);
	if (ret)
		return num_error(r, kv, ret, hex);
	if (*out < ki->min || *out > ki->max)
		return range_error(r, kv);
	return 0;
}

static int conv_signed(struct mlog_reader *r, const struct kv *kv, int64_t *out)
{
	const struct key_info *ki = &key_info[kv->key];
	bool neg = kv->vlen && kv->v[0] == '-';
	uint64_t mag;
	int ret;

	ret = parse_dec(kv->v + neg, kv->vlen - neg, &mag);
	if (ret == NUM_OK && mag > (uint64_t)INT64_MAX + neg)
		ret = NUM_OVERFLOW;
	if (ret)
		return num_error(r, kv, ret, false);
	*out = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	if (*out < (int64_t)ki->min || *out > (int64_t)ki->max)
		return range_error(r, kv);
	return 0;
}

static int conv_time(struct mlog_reader *r, const struct kv *kv, int64_t *out)
{
	const char *dot = memchr(kv->v, '.', kv->vlen);
	uint64_t sec, usec;
	struct qtext q;
	int ret;

	if (!dot || kv->v + kv->vlen - dot != 7 ||
	    parse_dec(dot + 1, 6, &usec) != NUM_OK ||
	    (ret = parse_dec(kv->v, dot - kv->v, &sec)) == NUM_BAD)
		return rerr_at(r, kv->vcol, "time \"%s\" is not SECONDS.MICROSECONDS (6 decimals)",
			       qt(&q, kv->v, kv->vlen));
	if (ret == NUM_OVERFLOW || sec > (uint64_t)(INT64_MAX / 1000000 - 1))
		return rerr_at(r, kv->vcol, "time \"%s\" overflows", qt(&q, kv->v, kv->vlen));
	*out = sec * 1000000 + usec;
	return 0;
}

static int conv_bdf(struct mlog_reader *r, const struct kv *kv, int64_t *out)
{
	static const char shape[] = "hhhh:hh:hh.h";
	const char *s = kv->v;
	uint32_t x = 0;
	struct qtext q;

	if (kv->vlen != sizeof(shape) - 1)
		goto bad;
	for (size_t i = 0; i < kv->vlen; i++) {
		if (shape[i] != 'h') {
			if (s[i] != shape[i])
				goto bad;
			continue;
		}
		if (hexval(s[i]) < 0)
			goto bad;
	}
	/* domain << 16 | bus << 8 | device << 3 | function */
	for (int i = 0; i < 4; i++)
		x = x << 4 | hexval(s[i]);
	x = x << 8 | hexval(s[5]) << 4 | hexval(s[6]);
	if (hexval(s[8]) > 1 || hexval(s[11]) > 7)
		goto bad;
	x = x << 8 | (hexval(s[8]) << 4 | hexval(s[9])) << 3 | hexval(s[11]);
	*out = x;
	return 0;
bad:
	return rerr_at(r, kv->vcol, "bad PCI address \"%s\": expected DDDD:BB:DD.F (device 00-1f, function 0-7)",
		       qt(&q, kv->v, kv->vlen));
}

static const struct { const char *name; uint32_t bit; } flag_names[] = {
	{ "INTX", MLOG_PCI_IRQ_INTX }, { "MSI", MLOG_PCI_IRQ_MSI },
	{ "MSIX", MLOG_PCI_IRQ_MSIX }, { "AFFINITY", MLOG_PCI_IRQ_AFFINITY },
	{ "VIRTUAL", MLOG_PCI_IRQ_VIRTUAL },
};
#define NFLAGS (sizeof(flag_names) / sizeof(flag_names[0]))
_Static_assert(NFLAGS == 5, "fast_flags() spells the five flags out");

static int conv_flags(struct mlog_reader *r, const struct kv *kv, int64_t *out)
{
	const char *p = kv->v, *end = kv->v + kv->vlen;
	uint64_t x = 0;
	struct qtext q, q2;

	if (is_hex_prefixed(kv->v, kv->vlen)) {
		int ret = parse_hex(kv->v + 2, kv->vlen - 2, &x);

		if (ret)
			return num_error(r, kv, ret, true);
		if (x > UINT32_MAX)
			return rerr_at(r, kv->vcol, "value %s out of range for \"flags\" (0x0..0xffffffff)",
				       qt(&q, kv->v, kv->vlen));
		*out = x;
		return 0;
	}
	while (p <= end) {
		const char *bar = memchr(p, '|', end - p);
		size_t n = (bar ? bar : end) - p, i;

		for (i = 0; i < NFLAGS; i++)
			if (strlen(flag_names[i].name) == n && !memcmp(flag_names[i].name, p, n))
				break;
		if (!n)
			return rerr_at(r, col_of(r, p), "empty flag in \"%s\"",
				       qt(&q, kv->v, kv->vlen));
		if (i == NFLAGS)
			return rerr_at(r, col_of(r, p), "unknown flag \"%s\" in \"%s\" (INTX, MSI, MSIX, AFFINITY, VIRTUAL or 0x...)",
				       qt(&q2, p, n), qt(&q, kv->v, kv->vlen));
		x |= flag_names[i].bit;
		p += n + 1;
	}
	*out = x;
	return 0;
}

static bool valid_name(const char *s, size_t len)
{
	if (!len || len > MLOG_NAME_MAX || s[0] < 'a' || s[0] > 'z')
		return false;
	for (size_t i = 1; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

static const char *const bus_names[] = { "pci", "platform", "dmar", "hpet" };
static const char *const arch_names[] = { "arm64", "x86_64" };
static const char *const src_names[] = { "scenario", "ftrace", "trace-dat", "live", "fuzz", "minimized" };
static const char *const type_names[] = { "msi", "msix" };

static int enum_find(const char *const *names, int n, const char *s, size_t len)
{
	for (int i = 0; i < n; i++)
		if (strlen(names[i]) == len && !memcmp(names[i], s, len))
			return i;
	return -1;
}

static int conv_enum(struct mlog_reader *r, const struct kv *kv, int64_t *out)
{
	static const struct {
		const char *const *names;
		int n;
		const char *what, *choices;
	} tabs[] = {
		[MLOG_T_BUS] = { bus_names, 4, "bus", "pci, platform, dmar or hpet" },
		[MLOG_T_ARCH] = { arch_names, 2, "arch", "arm64 or x86_64" },
		[MLOG_T_SRC] = { src_names, 6, "source kind",
				 "scenario, ftrace, trace-dat, live, fuzz or minimized" },
		[MLOG_T_TYPE] = { type_names, 2, "type", "msi or msix" },
	};
	unsigned int t = key_info[kv->key].type;
	int i = enum_find(tabs[t].names, tabs[t].n, kv->v, kv->vlen);
	struct qtext q;

	if (i < 0)
		return rerr_at(r, kv->vcol, "unknown %s \"%s\": expected %s", tabs[t].what,
			       qt(&q, kv->v, kv->vlen), tabs[t].choices);
	*out = i;
	return 0;
}

static int conv_fault(struct mlog_reader *r, const struct kv *kv, int64_t *out)
{
	struct qtext q;

	for (int i = 0; i < MLOG_F__COUNT; i++)
		if (strlen(fault_name[i]) == kv->vlen && !memcmp(fault_name[i], kv->v, kv->vlen)) {
			*out = i;
			return 0;
		}
	return rerr_at(r, kv->vcol, "unknown fault point \"%s\"", qt(&q, kv->v, kv->vlen));
}

static int conv_kinds(struct mlog_reader *r, const struct kv *kv, int64_t *out)
{
	const char *p = kv->v, *end = kv->v + kv->vlen;
	uint64_t mask = 0;
	struct qtext q;

	while (p <= end) {
		const char *comma = memchr(p, ',', end - p);
		size_t n = (comma ? comma : end) - p;
		enum mlog_verb v = mlog_verb_lookup(p, n, true);

		if (!n)
			return rerr_at(r, col_of(r, p), "empty kind in \"%s\"", qt(&q, kv->v, kv->vlen));
		if (v == MLOG_V_NONE)
			return rerr_at(r, col_of(r, p), "unknown observation kind \"%s\"", qt(&q, p, n));
		if (mask >> (v - MLOG_V_O_FIRST) & 1)
			return rerr_at(r, col_of(r, p), "duplicate kind \"%s\"", qt(&q, p, n));
		mask |= 1ULL << (v - MLOG_V_O_FIRST);
		p += n + 1;
	}
	*out = mask;
	return 0;
}

struct list_out {
	char *p;
	size_t len;
};

static int list_append(uint32_t lo, uint32_t hi, void *arg)
{
	struct list_out *lo_ = arg;

	if (lo_->len)
		lo_->p[lo_->len++] = ',';
	if (lo == hi)
		lo_->len += sprintf(lo_->p + lo_->len, "%u", lo);
	else
		lo_->len += sprintf(lo_->p + lo_->len, "%u-%u", lo, hi);
	return 0;
}

/* A LIST is stored normalized ("07-7" -> "7"), never longer than its input. */
static int conv_list(struct mlog_reader *r, struct mlog_event *ev, const struct kv *kv)
{
	const struct key_info *ki = &key_info[kv->key];
	char tmp[MLOG_MAX_LINE + 16];
	struct list_out lo = { tmp, 0 };
	struct list_err le;
	struct qtext q;

	if (list_walk(kv->v, kv->vlen, ki->min, ki->max, list_append, &lo, &le))
		return rerr_at(r, kv->vcol + le.pos, "bad list \"%s\": %s",
			       qt(&q, kv->v, kv->vlen), le.why);
	if (lo.len >= sizeof(r->decls.irqs_used))
		return rerr_at(r, kv->vcol, "list \"%s\" is longer than %zu bytes",
			       qt(&q, kv->v, kv->vlen), sizeof(r->decls.irqs_used) - 1);
	return mlog_event_set_str(ev, kv->key, tmp, lo.len);
}

/* Copy a STR value into strbuf, undoing \" and \\ (checked by the tokenizer). */
static int conv_str(struct mlog_event *ev, const struct kv *kv)
{
	char *dst = strbuf_reserve(ev, kv->vlen);
	size_t n = 0;

	if (!dst)
		return -1;
	if (!kv->quoted) {
		memcpy(dst, kv->v, kv->vlen);
		n = kv->vlen;
	} else {
		for (size_t i = 0; i < kv->vlen; i++) {
			if (kv->v[i] == '\\')
				i++;
			dst[n++] = kv->v[i];
		}
	}
	strbuf_commit(ev, kv->key, n);
	return 0;
}

static int dev_find(const struct mlog_reader *r, const char *s, size_t len)
{
	uint32_t i = name_hash(s, len) * 2;	/* DEV_HASH_SIZE = 2 * HASH_SIZE */

	for (;; i = (i + 1) & (DEV_HASH_SIZE - 1)) {
		int d = r->dev_hash[i] - 1;

		if (d < 0)
			return -1;
		if (name_eq(r->decls.dev[d].name, s, len) && !r->decls.dev[d].name[len])
			return d;
	}
}

static void dev_hash_add(struct mlog_reader *r, const char *name, int d)
{
	uint32_t i = name_hash(name, strlen(name)) * 2;

	while (r->dev_hash[i])
		i = (i + 1) & (DEV_HASH_SIZE - 1);
	r->dev_hash[i] = d + 1;
}

static inline uint64_t load64(const char *p)
{
	uint64_t w;

	memcpy(&w, p, 8);
	return w;
}

/* A word whose first @n (0..8) bytes are 0xff, whatever the byte order. */
static inline uint64_t head_mask(size_t n)
{
	static const unsigned char ff[16] = { 255, 255, 255, 255, 255, 255, 255, 255 };

	return load64((const char *)ff + 8 - n);
}

/*
 * The fast path's hash of a name: its length and its first and last eight
 * bytes (@s may be read up to 8 bytes past its end, never before it).
 */
static inline uint32_t fast_hash(const char *s, size_t len, unsigned int bits)
{
	uint64_t h = load64(s) & head_mask(len < 8 ? len : 8);

	if (len > 8)
		h ^= load64(s + len - 8) * 0xc2b2ae3d27d4eb4fULL;
	h = (h ^ len) * 0x9e3779b97f4a7c15ULL;
	return h >> (64 - bits);
}

static void fdev_hash_add(struct mlog_reader *r, const char *name, int d)
{
	char pad[MLOG_NAME_MAX + 8] = { 0 };
	size_t len = strlen(name);
	uint32_t i;

	memcpy(pad, name, len);
	i = fast_hash(pad, len, 9);
	_Static_assert(DEV_HASH_SIZE == 1 << 9, "fast device hash: 9 bits");
	while (r->fdev_hash[i])
		i = (i + 1) & (DEV_HASH_SIZE - 1);
	r->fdev_hash[i] = d + 1;
}

static int its_find(const struct mlog_reader *r, const char *s, size_t len)
{
	for (uint32_t i = 0; i < r->decls.nits; i++)
		if (strlen(r->decls.its[i].name) == len && !memcmp(r->decls.its[i].name, s, len))
			return i;
	return -1;
}

static const struct kv *kv_get(const struct mlog_reader *r, const struct mlog_event *ev,
			       enum mlog_key k)
{
	return mlog_has(ev, k) ? &r->kv[r->kv_of[k]] : NULL;
}

static int conv_dev(struct mlog_reader *r, const struct mlog_event *ev,
		    const struct kv *kv, int64_t *out)
{
	const struct kv *self;
	struct qtext q;
	int d = dev_find(r, kv->v, kv->vlen);

	if (d >= 0) {
		*out = d;
		return 0;
	}
	/* the device being declared is not in the table yet */
	self = ev->verb == MLOG_V_DEVICE ? kv_get(r, ev, MLOG_K_NAME) : NULL;
	if (self && self->vlen == kv->vlen && !memcmp(self->v, kv->v, kv->vlen))
		return rerr_at(r, kv->vcol, "device \"%s\" cannot be its own alias",
			       qt(&q, kv->v, kv->vlen));
	return rerr_at(r, kv->vcol, "device \"%s\" is not declared", qt(&q, kv->v, kv->vlen));
}

/* A new device or ITS name: well-formed and not taken. */
static int conv_name(struct mlog_reader *r, struct mlog_event *ev, const struct kv *kv)
{
	struct qtext q;
	int i;

	if (!valid_name(kv->v, kv->vlen))
		return rerr_at(r, kv->vcol, "bad name \"%s\": expected [a-z][a-z0-9_]{0,31}",
			       qt(&q, kv->v, kv->vlen));
	if (ev->verb == MLOG_V_DEVICE && (i = dev_find(r, kv->v, kv->vlen)) >= 0)
		return rerr_at(r, kv->vcol, "device \"%s\" already declared at line %u",
			       qt(&q, kv->v, kv->vlen), r->decls.dev[i].line);
	if (ev->verb == MLOG_V_ITS_DECL && (i = its_find(r, kv->v, kv->vlen)) >= 0)
		return rerr_at(r, kv->vcol, "its \"%s\" already declared at line %u",
			       qt(&q, kv->v, kv->vlen), r->decls.its[i].line);
	return mlog_event_set_str(ev, kv->key, kv->v, kv->vlen);
}

static int conv_value(struct mlog_reader *r, struct mlog_event *ev, const struct kv *kv)
{
	int64_t *out = &ev->num[kv->key];
	struct qtext q;
	int i;

	switch (key_info[kv->key].type) {
	case MLOG_T_U:
		return conv_unsigned(r, kv, false, (uint64_t *)out);
	case MLOG_T_X:
		return conv_unsigned(r, kv, true, (uint64_t *)out);
	case MLOG_T_I:
		return conv_signed(r, kv, out);
	case MLOG_T_DEV:
		return conv_dev(r, ev, kv, out);
	case MLOG_T_ITS:
		if ((i = its_find(r, kv->v, kv->vlen)) < 0)
			return rerr_at(r, kv->vcol, "its \"%s\" is not declared",
				       qt(&q, kv->v, kv->vlen));
		*out = i;
		return 0;
	case MLOG_T_NAME:
		return conv_name(r, ev, kv);
	case MLOG_T_BDF:
		return conv_bdf(r, kv, out);
	case MLOG_T_FLG:
		return conv_flags(r, kv, out);
	case MLOG_T_STR:
		return conv_str(ev, kv);
	case MLOG_T_TIME:
		return conv_time(r, kv, out);
	case MLOG_T_LIST:
		return conv_list(r, ev, kv);
	case MLOG_T_IDX:
		if (kv->vlen == 3 && !memcmp(kv->v, "any", 3)) {
			*out = MLOG_INDEX_ANY;
			return 0;
		}
		if (parse_dec(kv->v, kv->vlen, (uint64_t *)out) == NUM_BAD)
			return rerr_at(r, kv->vcol, "index \"%s\" is neither a decimal number nor \"any\"",
				       qt(&q, kv->v, kv->vlen));
		return conv_unsigned(r, kv, false, (uint64_t *)out);
	case MLOG_T_FPT:
		return conv_fault(r, kv, out);
	case MLOG_T_KIND:
		return conv_kinds(r, kv, out);
	default:	/* BUS, ARCH, SRC, TYPE */
		return conv_enum(r, kv, out);
	}
}

/*
 * Split the rest of the line into KEY=VALUE tokens: syntax, known keys,
 * no duplicates.  Values are only delimited here.
 */
static int tokenize(struct mlog_reader *r, struct mlog_event *ev, const char *p, const char *end)
{
	mlog_keyset allowed = vschema[ev->verb].allowed;
	struct qtext q;

	r->nkv = 0;
	for (p = skip_blanks(p, end); p < end; p = skip_blanks(p, end)) {
		const char *k = p, *eq;
		struct kv *kv = &r->kv[r->nkv];
		int key;

		while (p < end && !char_class[(unsigned char)*p])
			p++;
		eq = p;
		if (eq == end || *eq != '=' || eq == k)
			return rerr_at(r, col_of(r, k), "expected KEY=VALUE, got \"%s\"",
				       qt(&q, k, token_end(k, end) - k));
		key = key_find(k, eq - k);
		if (key < 0 || !(allowed & MLOG_KEYBIT(key)))
			return rerr_at(r, col_of(r, k), "unknown key \"%s\" for %s",
				       qt(&q, k, eq - k), verb_info[ev->verb].name);
		if (mlog_has(ev, key))
			return rerr_at(r, col_of(r, k), "duplicate key \"%s\"", key_info[key].name);
		kv->key = key;
		kv->kcol = col_of(r, k);
		kv->vcol = col_of(r, eq + 1);
		p = eq + 1;
		kv->quoted = p < end && *p == '"';
		if (kv->quoted) {
			const char *open = p++;

			if (key_info[key].type != MLOG_T_STR)
				return rerr_at(r, kv->vcol, "quoted value for \"%s\", which is not a string",
					       key_info[key].name);
			for (; p < end && *p != '"'; p++) {
				if (*p != '\\')
					continue;
				if (p + 1 < end && (p[1] == '"' || p[1] == '\\'))
					p++;
				else if (p + 1 < end)
					return rerr_at(r, col_of(r, p), "invalid escape \"\\%s\" in string (only \\\" and \\\\)",
						       qt(&q, p + 1, 1));
			}
			if (p == end)
				return rerr_at(r, col_of(r, open), "unterminated quoted string");
			kv->v = open + 1;
			kv->vlen = p - open - 1;
			p++;
			if (p < end && !is_blank(*p))
				return rerr_at(r, col_of(r, p), "unexpected \"%s\" after closing quote",
					       qt(&q, p, token_end(p, end) - p));
		} else {
			kv->v = p;
			p = token_end(p, end);
			kv->vlen = p - kv->v;
			if (!kv->vlen)
				return rerr_at(r, kv->vcol, "missing value for \"%s\"",
					       key_info[key].name);
		}
		ev->present |= MLOG_KEYBIT(key);
		r->kv_of[key] = r->nkv++;
	}
	return 0;
}

static bool is_pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

static int check_required(struct mlog_reader *r, const struct mlog_event *ev, uint32_t vcol)
{
	mlog_keyset missing = vschema[ev->verb].required & ~ev->present;
	const struct verb_schema *vs = &vschema[ev->verb];

	if (!missing)
		return 0;
	for (unsigned int i = 0; i < vs->nkeys; i++)	/* report in canonical order */
		if (missing & MLOG_KEYBIT(vs->keys[i]))
			return rerr_at(r, vcol, "missing key \"%s\" for %s",
				       key_info[vs->keys[i]].name, verb_info[ev->verb].name);
	return 0;
}

static void its_add_implicit(struct mlog_reader *r)
{
	struct mlog_its_decl *its = &r->decls.its[0];

	if (r->decls.arch != MLOG_ARCH_ARM64 || r->decls.nits)
		return;
	memset(its, 0, sizeof(*its));
	strcpy(its->name, "its0");
	its->lpi_bits = 16;
	its->event_bits = 16;
	its->devid_bits = 16;
	its->ite_size = 8;
	r->decls.nits = 1;
}

static int decl_its(struct mlog_reader *r, const struct mlog_event *ev)
{
	struct mlog_its_decl *its;

	if (r->decls.arch != MLOG_ARCH_ARM64)
		return rerr_at(r, 1, "\"its\" declared for arch x86_64 (ITSes are arm64 only)");
	if (r->decls.ndev)
		return rerr_at(r, 1, "\"its\" declared after the first device (declare ITSes first)");
	if (r->decls.nits == MLOG_MAX_ITS)
		return rerr_at(r, 1, "too many ITS declarations (at most %d)", MLOG_MAX_ITS);
	its = &r->decls.its[r->decls.nits++];
	memcpy(its->name, mlog_str(ev, MLOG_K_NAME), ev->str_len[MLOG_K_NAME] + 1);
	its->lpi_bits = ev->num[MLOG_K_LPI_BITS];
	its->num_lpis = ev->num[MLOG_K_NUM_LPIS];
	its->event_bits = ev->num[MLOG_K_EVENT_BITS];
	its->devid_bits = ev->num[MLOG_K_DEVID_BITS];
	its->ite_size = ev->num[MLOG_K_ITE_SIZE];
	its->line = ev->line;
	return 0;
}

static int decl_device(struct mlog_reader *r, const struct mlog_event *ev, uint32_t vcol)
{
	static const enum mlog_key pci_only[] = { MLOG_K_BDF, MLOG_K_MSI, MLOG_K_MSIX };
	struct mlog_device_decl *d;
	bool pci = ev->num[MLOG_K_BUS] == MLOG_BUS_PCI;

	if (pci && !mlog_has(ev, MLOG_K_BDF))
		return rerr_at(r, vcol, "missing key \"bdf\" for a PCI device");
	for (unsigned int i = 0; !pci && i < sizeof(pci_only) / sizeof(pci_only[0]); i++)
		if (mlog_has(ev, pci_only[i]))
			return rerr_at(r, r->kv[r->kv_of[pci_only[i]]].kcol,
				       "key \"%s\" is not allowed for a platform device",
				       key_info[pci_only[i]].name);
	if (mlog_has(ev, MLOG_K_MSI) && ev->num[MLOG_K_MSI] && !is_pow2(ev->num[MLOG_K_MSI]))
		return rerr_at(r, r->kv[r->kv_of[MLOG_K_MSI]].vcol,
			       "value %" PRId64 " for \"msi\" is not 0 or a power of two (1..32)",
			       ev->num[MLOG_K_MSI]);
	if (r->decls.ndev == MLOG_MAX_DEVICES)
		return rerr_at(r, 1, "too many devices (at most %d)", MLOG_MAX_DEVICES);
	d = &r->decls.dev[r->decls.ndev];
	memcpy(d->name, mlog_str(ev, MLOG_K_NAME), ev->str_len[MLOG_K_NAME] + 1);
	d->bus = ev->num[MLOG_K_BUS];
	d->has_bdf = mlog_has(ev, MLOG_K_BDF);
	d->bdf = ev->num[MLOG_K_BDF];
	d->devid = ev->num[MLOG_K_DEVID];
	d->msi = ev->num[MLOG_K_MSI];
	d->msix = ev->num[MLOG_K_MSIX];
	d->intx = ev->num[MLOG_K_INTX];
	d->alias = ev->num[MLOG_K_ALIAS];
	d->wired = ev->num[MLOG_K_WIRED];
	d->its = ev->num[MLOG_K_ITS];
	d->msi_mask = ev->num[MLOG_K_MSI_MASK];
	d->line = ev->line;
	fdev_hash_add(r, d->name, r->decls.ndev);
	dev_hash_add(r, d->name, r->decls.ndev++);
	return 0;
}

static int list_bits(uint32_t lo, uint32_t hi, void *arg)
{
	uint64_t *map = arg;

	if (hi > 255)
		return -1;
	for (uint32_t b = lo; b <= hi; b++)
		map[b / 64] |= 1ull << (b % 64);
	return 0;
}

static int decl_list(const struct mlog_event *ev, enum mlog_key k, uint64_t *map)
{
	memset(map, 0, 4 * sizeof(uint64_t));
	if (!mlog_has(ev, k))
		return 0;
	return mlog_list_foreach(mlog_str(ev, k), ev->str_len[k], list_bits, map);
}

/* x86_cpu / x86_irq (format 2): the x86 state at the start of the trace */
static int decl_x86(struct mlog_reader *r, const struct mlog_event *ev, uint32_t vcol)
{
	struct mlog_decls *d = &r->decls;

	(void)vcol;	/* x86 lines in an arm64 trace: replay refuses them */
	if (ev->verb == MLOG_V_X86_CPU) {
		struct mlog_x86_cpu_decl *c;
		uint32_t cpu = (uint32_t)ev->num[MLOG_K_CPU];

		for (uint32_t i = 0; i < d->nx86_cpu; i++)
			if (d->x86_cpu[i].cpu == cpu)
				return rerr_at(r, r->kv[r->kv_of[MLOG_K_CPU]].vcol,
					       "x86_cpu cpu=%u declared twice (first at line %u)", cpu,
					       d->x86_cpu[i].line);
		c = &d->x86_cpu[d->nx86_cpu++];
		c->cpu = cpu;
		c->online = ev->num[MLOG_K_ONLINE];
		decl_list(ev, MLOG_K_ALLOC_MAP, c->alloc_map);
		decl_list(ev, MLOG_K_MANAGED_MAP, c->managed_map);
		c->line = ev->line;
	} else {
		struct mlog_x86_irq_decl *q;
		uint32_t virq = (uint32_t)ev->num[MLOG_K_VIRQ];

		for (uint32_t i = 0; i < d->nx86_irq; i++)
			if (d->x86_irq[i].virq == virq)
				return rerr_at(r, r->kv[r->kv_of[MLOG_K_VIRQ]].vcol,
					       "x86_irq virq=%u declared twice (first at line %u)", virq,
					       d->x86_irq[i].line);
		if (d->nx86_irq == MLOG_MAX_X86_IRQS)
			return rerr_at(r, 1, "too many x86_irq declarations (at most %d)",
				       MLOG_MAX_X86_IRQS);
		q = &d->x86_irq[d->nx86_irq++];
		q->virq = virq;
		q->dev = mlog_has(ev, MLOG_K_DEV) ? (int)ev->num[MLOG_K_DEV] : -1;
		q->vec = (uint32_t)ev->num[MLOG_K_VEC];
		q->has_cpu = mlog_has(ev, MLOG_K_CPU);
		q->cpu = (uint32_t)ev->num[MLOG_K_CPU];
		q->vector = (uint32_t)ev->num[MLOG_K_VECTOR];
		q->is_managed = ev->num[MLOG_K_IS_MANAGED];
		q->has_reserved = ev->num[MLOG_K_HAS_RESERVED];
		q->has_mask = mlog_has(ev, MLOG_K_MASK);
		decl_list(ev, MLOG_K_MASK, q->mask);
		q->line = ev->line;
	}
	return 0;
}

static int decl_header(struct mlog_reader *r, const struct mlog_event *ev)
{
	struct mlog_decls *d = &r->decls;
	struct qtext q;

	switch (ev->verb) {
	case MLOG_V_KERNEL:
		if (ev->str_len[MLOG_K_RELEASE] >= sizeof(d->release))
			return rerr_at(r, r->kv[r->kv_of[MLOG_K_RELEASE]].vcol,
				       "release \"%s\" is longer than %zu bytes",
				       qt(&q, mlog_str(ev, MLOG_K_RELEASE), ev->str_len[MLOG_K_RELEASE]),
				       sizeof(d->release) - 1);
		memcpy(d->release, mlog_str(ev, MLOG_K_RELEASE), ev->str_len[MLOG_K_RELEASE] + 1);
		d->arch = ev->num[MLOG_K_ARCH];
		r->kernel_line = ev->line;
		break;
	case MLOG_V_SOURCE:
		d->has_source = true;
		d->source = ev->num[MLOG_K_KIND];
		break;
	case MLOG_V_MACHINE:
		d->has_machine = true;
		d->cpus = ev->num[MLOG_K_CPUS];
		d->nr_irqs = ev->num[MLOG_K_NR_IRQS];
		memcpy(d->irqs_used, mlog_str(ev, MLOG_K_IRQS_USED), ev->str_len[MLOG_K_IRQS_USED] + 1);
		r->machine_line = ev->line;
		break;
	case MLOG_V_OBSERVES:
		d->has_observes = true;
		d->observes = ev->num[MLOG_K_KINDS];
		r->observes_line = ev->line;
		break;
	default:
		break;
	}
	return 0;
}

/* Whole-line rules, then the declaration tables. */
static int finish_line(struct mlog_reader *r, struct mlog_event *ev, uint32_t vcol)
{
	if (check_required(r, ev, vcol))
		return -1;
	event_apply_defaults(ev);
	switch (ev->verb) {
	case MLOG_V_MSI_DOMAIN_ALLOC_IRQS_RANGE:
	case MLOG_V_MSI_DOMAIN_FREE_IRQS_RANGE:
		if (ev->num[MLOG_K_FIRST] > ev->num[MLOG_K_LAST])
			return rerr_at(r, r->kv[r->kv_of[MLOG_K_FIRST]].vcol,
				       "first %" PRId64 " is greater than last %" PRId64,
				       ev->num[MLOG_K_FIRST], ev->num[MLOG_K_LAST]);
		return 0;
	case MLOG_V_ITS_DECL:
		return decl_its(r, ev);
	case MLOG_V_DEVICE:
		return decl_device(r, ev, vcol);
	case MLOG_V_X86_CPU:
	case MLOG_V_X86_IRQ:
		return decl_x86(r, ev, vcol);
	default:
		return decl_header(r, ev);
	}
}

/* Where a line of class @cls may appear, given what came before. */
static int check_order(struct mlog_reader *r, enum mlog_verb v, uint32_t vcol)
{
	enum mlog_class cls = verb_info[v].cls;
	const char *name = verb_info[v].name;

	if (r->state == RS_KERNEL && v != MLOG_V_KERNEL)
		return rerr_at(r, vcol, "missing \"kernel\" line after the \"mlog\" header");
	if (v == MLOG_V_KERNEL) {
		if (r->state != RS_KERNEL)
			return rerr_at(r, vcol, "\"kernel\" line repeated (first at line %u)",
				       r->kernel_line);
		r->state = RS_SOURCE;
		return 0;
	}
	if (v == MLOG_V_SOURCE) {
		if (r->state != RS_SOURCE)
			return rerr_at(r, vcol, "\"source\" must come right after the \"kernel\" line");
		r->state = RS_DECLS;
		return 0;
	}
	if (cls == MLOG_C_DECL) {
		if (r->state == RS_EVENTS)
			return rerr_at(r, vcol, "declaration \"%s\" after the first event", name);
		if (v == MLOG_V_MACHINE && r->machine_line)
			return rerr_at(r, vcol, "\"machine\" declared twice (first at line %u)",
				       r->machine_line);
		if (v == MLOG_V_OBSERVES && r->observes_line)
			return rerr_at(r, vcol, "\"observes\" declared twice (first at line %u)",
				       r->observes_line);
		if (v == MLOG_V_DEVICE)
			its_add_implicit(r);
		r->state = RS_DECLS;
		return 0;
	}
	if (r->state != RS_EVENTS) {
		its_add_implicit(r);	/* declarations are complete */
		r->state = RS_EVENTS;
	}
	return 0;
}

/* The "mlog N" header: no KEY=VALUE, one positional version. */
static int parse_header(struct mlog_reader *r, struct mlog_event *ev, const char *p, const char *end)
{
	const char *t = token_end(p, end), *v;
	struct kv kv = { .key = MLOG_K_VERSION };
	uint64_t version;
	struct qtext q;
	int ret;

	if (t - p != 4 || memcmp(p, "mlog", 4))
		return rerr_at(r, col_of(r, p), "missing \"mlog\" header line");
	v = skip_blanks(t, end);
	if (v == end)
		return rerr_at(r, col_of(r, v), "missing format version after \"mlog\"");
	t = token_end(v, end);
	kv.v = v;
	kv.vlen = t - v;
	kv.vcol = col_of(r, v);
	ret = parse_dec(v, t - v, &version);
	if (ret == NUM_OK && version > UINT32_MAX)
		ret = NUM_OVERFLOW;
	if (ret)
		return num_error(r, &kv, ret, false);
	if (version == 0)
		return rerr_at(r, kv.vcol, "format version 0 is not valid");
	if (version > MLOG_FORMAT_VERSION)
		return rerr_at(r, kv.vcol, "format version %" PRIu64 " is newer than this msilab (%d)",
			       version, MLOG_FORMAT_VERSION);
	t = skip_blanks(t, end);
	if (t != end)
		return rerr_at(r, col_of(r, t), "unexpected \"%s\" after the format version",
			       qt(&q, t, token_end(t, end) - t));
	mlog_event_set(ev, MLOG_K_VERSION, version);
	r->decls.version = version;
	r->header_line = ev->line;
	r->state = RS_KERNEL;
	return 1;
}

/* The verb: "VERB" or "< VERB".  Returns the verb or -1; *pp moves past it. */
static int parse_verb(struct mlog_reader *r, const char **pp, const char *end, uint32_t *vcol)
{
	const char *p = *pp, *t;
	bool obs = *p == '<';
	struct qtext q;
	enum mlog_verb v;

	if (obs) {
		if (p + 1 == end || !is_blank(p[1]) || skip_blanks(p + 1, end) == end)
			return rerr_at(r, col_of(r, p), "\"<\" must be followed by a blank and an observation verb");
		p = skip_blanks(p + 1, end);
	}
	t = token_end(p, end);
	*vcol = col_of(r, p);
	*pp = t;
	v = mlog_verb_lookup(p, t - p, obs);
	if (v != MLOG_V_NONE)
		return v;
	if (!obs && t - p == 4 && !memcmp(p, "mlog", 4))
		return rerr_at(r, *vcol, "\"mlog\" header line repeated (first at line %u)",
			       r->header_line);
	if (mlog_verb_lookup(p, t - p, !obs) != MLOG_V_NONE)
		return rerr_at(r, *vcol, obs ? "\"%s\" is not an observation verb" :
			       "\"%s\" is an observation: write it after \"< \"", qt(&q, p, t - p));
	return rerr_at(r, *vcol, "unknown %sverb \"%s\"", obs ? "observation " : "",
		       qt(&q, p, t - p));
}

static int parse_line(struct mlog_reader *r, const char *s, size_t len, struct mlog_event *ev)
{
	const char *p, *end = s + len;
	uint32_t vcol = 1;
	int v;

	event_reset(ev, MLOG_V_NONE, r->lineno);
	r->ls = s;
	if (check_bytes(r, s, len))
		return -1;
	p = skip_blanks(s, end);
	if (p == end)
		return 1;		/* blank line */
	if (*p == '#') {		/* comment: kept from '#' on, as it is */
		memcpy(ev->strbuf, p, end - p);
		ev->strbuf[end - p] = '\0';
		ev->strbuf_used = end - p + 1;
		ev->is_comment = true;
		return 1;
	}
	if (r->state == RS_HEADER)
		return parse_header(r, ev, p, end);
	v = parse_verb(r, &p, end, &vcol);
	if (v < 0 || check_order(r, v, vcol))
		return -1;
	ev->verb = v;
	if (tokenize(r, ev, p, end))
		return -1;
	for (unsigned int i = 0; i < r->nkv; i++)
		if (conv_value(r, ev, &r->kv[i]))
			return -1;
	if (finish_line(r, ev, vcol))
		return -1;
	return 1;
}

static int at_end(struct mlog_reader *r)
{
	r->lineno++;		/* errors point just past the last line */
	if (r->state == RS_HEADER)
		return rerr_at(r, 1, r->lineno == 1 ? "empty file: no \"mlog\" header" :
			       "missing \"mlog\" header line");
	if (r->state == RS_KERNEL)
		return rerr_at(r, 1, "missing \"kernel\" line after the \"mlog\" header");
	r->lineno--;
	its_add_implicit(r);
	r->state = RS_DONE;
	return 0;
}

/* ------------------------------------------------------------------------
 * The fast path: an event line (stimulus, meta line or observation, once
 * the declarations are complete) written the canonical way: one space
 * between tokens, none at either end, bare values, ASCII.  It accepts only
 * lines that parse_line() accepts and fills the event exactly as it would;
 * on anything else (an error, a rarer value type, a tab, a quote, a
 * non-ASCII byte...) it gives up and parse_line() reads the line from the
 * start, so every error still comes from the code above.
 *
 * The line's bytes are classified as they are consumed (no separate pass),
 * which also stops every scan at the LF: the block ends in one (fast_end)
 * and has BLOCK_PAD bytes after it for the word-sized loads of names.
 */

enum {
	F_NAME = 1,	/* a-z 0-9 _: verbs, keys, device names */
	F_END = 2,	/* ' ' or LF: what may follow a value */
	F_STR = 4,	/* a bare STR byte: '!'..'~' */
	F_UPPER = 8,	/* A-Z: flag names */
};

static uint8_t fclass[256];
static uint8_t hexv[256];		/* hex digit value, 0xff = none */

/* "key=" as two masked words */
struct fast_key {
	uint64_t pat[2], mask[2];
	uint8_t len;
};

static struct fast_key fkey[MLOG_K__COUNT];
/* [v][k]: the key after k in v's canonical order; [v][MLOG_K__COUNT]: the first */
static uint8_t fnext[MLOG_V__COUNT][MLOG_K__COUNT + 1];
static mlog_keyset fdefaults[MLOG_V__COUNT];	/* keys of v with a non-zero default */
#define KEY_MASK (~(mlog_keyset)0 >> (128 - MLOG_K__COUNT))
static mlog_keyset str_keys;			/* keys of type STR */
static char vpad[MLOG_V__COUNT][48];		/* verb names, zero-padded */
static uint8_t fverb_hash[2][HASH_SIZE];	/* fast_hash(), [observation]: verb */

_Static_assert(sizeof(((struct mlog_event *)0)->num[0]) == 8, "num[] holds 64 bits");

static void fast_init(void)
{
	static const char hex[] = "0123456789abcdef";

	for (int c = 0; c < 256; c++) {
		hexv[c] = 0xff;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')
			fclass[c] |= F_NAME;
		if (c > ' ' && c < 0x7f)
			fclass[c] |= F_STR;
		if (c >= 'A' && c <= 'Z')
			fclass[c] |= F_UPPER;
	}
	fclass[' '] |= F_END;
	fclass['\n'] |= F_END;
	for (int i = 0; i < 16; i++) {
		hexv[(unsigned char)hex[i]] = i;
		hexv[(unsigned char)(hex[i] & ~0x20)] = i;	/* A-F (digits unchanged below) */
	}
	for (int i = 0; i < 10; i++)
		hexv['0' + i] = i;
	for (int k = 0; k < MLOG_K__COUNT; k++) {
		char buf[16] = { 0 };
		size_t n = key_info[k].len + 1;

		if (n > 16)
			abort();	/* key names are short */
		memcpy(buf, key_info[k].name, n - 1);
		buf[n - 1] = '=';
		fkey[k].pat[0] = load64(buf);
		fkey[k].pat[1] = load64(buf + 8);
		fkey[k].mask[0] = head_mask(n > 8 ? 8 : n);
		fkey[k].mask[1] = head_mask(n > 8 ? n - 8 : 0);
		fkey[k].len = n;
		if (key_info[k].type == MLOG_T_STR)
			str_keys |= MLOG_KEYBIT(k);
	}
	for (int v = 0; v < MLOG_V__COUNT; v++) {
		const struct verb_schema *vs = &vschema[v];
		unsigned int prev = MLOG_K__COUNT;

		if (verb_info[v].len >= sizeof(vpad[v]))
			abort();
		memcpy(vpad[v], verb_info[v].name, verb_info[v].len);
		memset(fnext[v], MLOG_K__COUNT, sizeof(fnext[v]));
		if (v) {
			uint8_t *tab = fverb_hash[verb_info[v].cls == MLOG_C_OBS];
			uint32_t i = fast_hash(vpad[v], verb_info[v].len, 8);

			_Static_assert(HASH_SIZE == 1 << 8, "fast verb hash: 8 bits");
			while (tab[i])
				i = (i + 1) & (HASH_SIZE - 1);
			tab[i] = v;
		}
		for (unsigned int i = 0; i < vs->nkeys; i++) {
			fnext[v][prev] = vs->keys[i];
			prev = vs->keys[i];
			if (key_default(v, vs->keys[i]))
				fdefaults[v] |= MLOG_KEYBIT(vs->keys[i]);
		}
	}
}

/* s[0..len) equals the padded name @a (len < 48); may read 7 bytes past s + len. */
static inline bool padded_eq(const char *a, const char *s, size_t len)
{
	size_t i = 0;

	for (; i + 8 <= len; i += 8)
		if (load64(a + i) != load64(s + i))
			return false;
	return i == len || !((load64(a + i) ^ load64(s + i)) & head_mask(len - i));
}

static inline int fast_verb(const char *s, size_t len, bool obs)
{
	const uint8_t *tab = fverb_hash[obs];
	uint32_t i = fast_hash(s, len, 8);

	for (;; i = (i + 1) & (HASH_SIZE - 1)) {
		int v = tab[i];

		if (!v)
			return MLOG_V_NONE;
		if (verb_info[v].len == len && padded_eq(vpad[v], s, len))
			return v;
	}
}

/*
 * Offset of the first ' ' or LF in p[0..48), or 48.  The bytes before it
 * are not checked: the caller compares them with a known name.
 */
#if defined(__SSE2__)
static inline size_t token_len48(const char *p)
{
	const __m128i sp = _mm_set1_epi8(' '), nl = _mm_set1_epi8('\n');

	for (size_t i = 0; i < 48; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(p + i));
		unsigned int m = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, sp),
								_mm_cmpeq_epi8(v, nl)));

		if (m)
			return i + __builtin_ctz(m);
	}
	return 48;
}
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static inline size_t token_len48(const char *p)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = ones << 7;

	for (size_t i = 0; i < 48; i += 8) {
		uint64_t w = load64(p + i), a = w ^ (ones * ' '), b = w ^ (ones * '\n');
		/* the lowest flagged byte is exact: the first blank or LF */
		uint64_t m = (((a - ones) & ~a) | ((b - ones) & ~b)) & highs;

		if (m)
			return i + __builtin_ctzll(m) / 8;
	}
	return 48;
}
#else
static inline size_t token_len48(const char *p)
{
	size_t i = 0;

	while (i < 48 && p[i] != ' ' && p[i] != '\n')
		i++;
	return i;
}
#endif

/* The device named s[0..len) (bytes before ' ' or LF), or -1. */
static inline int fast_dev_find(const struct mlog_reader *r, const char *s, size_t len)
{
	uint32_t i = fast_hash(s, len, 9);

	if (len > MLOG_NAME_MAX)
		return -1;
	for (;; i = (i + 1) & (DEV_HASH_SIZE - 1)) {
		int d = r->fdev_hash[i] - 1;

		if (d < 0)
			return -1;
		if (!r->decls.dev[d].name[len] && padded_eq(r->decls.dev[d].name, s, len))
			return d;
	}
}

static inline bool fast_key_at(const char *p, const struct fast_key *fk)
{
	return !(((load64(p) ^ fk->pat[0]) & fk->mask[0]) |
		 ((load64(p + 8) ^ fk->pat[1]) & fk->mask[1]));
}

static inline bool at_end_of_value(const char *p)
{
	return fclass[(unsigned char)*p] & F_END;
}

/* Decimal digits at *pp (at most @max of them, at least one), then ' ' or LF. */
static inline bool fast_dec(const char **pp, unsigned int max, uint64_t *out)
{
	const char *p = *pp, *t = p;
	uint64_t x = 0;
	unsigned int d;


	while ((d = (unsigned char)*p - '0') <= 9) {
		x = x * 10 + d;
		p++;
	}
	if (p == t || (size_t)(p - t) > max || !at_end_of_value(p))
		return false;
	*pp = p;
	*out = x;
	return true;
}

static inline bool fast_flags(const char **pp, int64_t *out)
{
	const char *p = *pp;
	uint64_t x = 0;

	for (;;) {
		const char *t = p;
		uint64_t w;

		while (fclass[(unsigned char)*p] & F_UPPER)
			p++;
		w = load64(t) & head_mask(p - t < 8 ? p - t : 8);
		switch (p - t) {	/* flag_names[] as words */
		case 3:
			if (w != (load64("MSI\0\0\0\0\0") & head_mask(3)))
				return false;
			x |= MLOG_PCI_IRQ_MSI;
			break;
		case 4:
			if (w == (load64("MSIX\0\0\0\0") & head_mask(4)))
				x |= MLOG_PCI_IRQ_MSIX;
			else if (w == (load64("INTX\0\0\0\0") & head_mask(4)))
				x |= MLOG_PCI_IRQ_INTX;
			else
				return false;
			break;
		case 7:
			if (w != (load64("VIRTUAL\0") & head_mask(7)))
				return false;
			x |= MLOG_PCI_IRQ_VIRTUAL;
			break;
		case 8:
			if (w != load64("AFFINITY"))
				return false;
			x |= MLOG_PCI_IRQ_AFFINITY;
			break;
		default:
			return false;
		}
		if (*p != '|')
			break;
		p++;
	}
	if (!at_end_of_value(p))
		return false;
	*pp = p;
	*out = x;
	return true;
}

/*
 * Before a line is stored in @ev: all of num[], str_off[] and str_len[]
 * must read zero but for the keys the line sets.  Only the keys the last
 * line set (fs->dirty) can be non-zero, unless the caller passes another
 * event or has added keys since (mlog_event_set()): then clear it all.
 * Otherwise ev_finish() clears the keys set last time and not this time.
 */
static inline void ev_start(struct fast_state *fs, struct mlog_event *ev)
{
	if (fs->last_ev != ev || ev->present != fs->last_present) {
		memset(ev->num, 0, sizeof(ev->num));
		memset(ev->str_off, 0, sizeof(ev->str_off));
		memset(ev->str_len, 0, sizeof(ev->str_len));
		fs->last_ev = ev;
		fs->dirty = fs->dirty_str = 0;
	}
}

/* The rest of an event: defaults, stale keys, then the fields besides the keys. */
static inline __attribute__((always_inline)) void
ev_finish(struct fast_state *fs, struct mlog_event *ev, int v,
	  mlog_keyset present, uint32_t lineno, uint32_t used)
{
	mlog_keyset set = present | fdefaults[v], set_str = present & str_keys, m;

	for (m = fdefaults[v] & ~present; m; m &= m - 1) {
		unsigned int k = mlog_keyset_first(m);

		ev->num[k] = key_default(v, k);
	}
	for (m = fs->dirty & ~set & KEY_MASK; m; m &= m - 1)
		ev->num[mlog_keyset_first(m)] = 0;
	for (m = fs->dirty_str & ~set_str & KEY_MASK; m; m &= m - 1) {
		unsigned int k = mlog_keyset_first(m);

		ev->str_off[k] = 0;
		ev->str_len[k] = 0;
	}
	fs->dirty = set;
	fs->dirty_str = set_str;
	fs->last_present = present;
	ev->verb = v;
	ev->is_comment = false;
	ev->line = lineno;
	ev->present = present;
	ev->strbuf[0] = '\0';
	ev->strbuf_used = used;
}

/*
 * 1 and *nl set: @ev holds the line at @s; 0: leave the line to
 * parse_line().  Reads only what is fixed once the declarations are
 * complete, so the parse-ahead thread calls it too (with its own @fs).
 */
static inline __attribute__((always_inline)) int
fast_line(const struct mlog_reader *r, struct fast_state *fs, const char *s,
	  uint32_t lineno, struct mlog_event *ev, const char **nl)
{
	const struct verb_schema *vs;
	const char *p = s, *t;
	mlog_keyset present = 0;
	uint64_t x;
	uint32_t used = 1;
	unsigned int k;
	bool obs = *p == '<';
	int64_t local[MLOG_K__COUNT];	/* @ev NULL: only check the line */
	int64_t *num = ev ? ev->num : local;
	int v;

	if (obs) {
		if (p[1] != ' ')
			return 0;
		p += 2;
	}
	t = p;
	p += token_len48(p);
	if (p == t || !at_end_of_value(p))
		return 0;
	v = fast_verb(t, p - t, obs);
	if (v == MLOG_V_NONE || verb_info[v].cls < MLOG_C_STIM)
		return 0;
	vs = &vschema[v];

	if (ev)
		ev_start(fs, ev);

	for (k = fnext[v][MLOG_K__COUNT]; *p == ' '; k = fnext[v][k]) {
		int64_t *out;

		p++;
		if (k < MLOG_K__COUNT && fast_key_at(p, &fkey[k])) {
			p += fkey[k].len;	/* the key expected in canonical order */
		} else {
			int kk;

			for (t = p; fclass[(unsigned char)*p] & F_NAME; p++)
				;
			if (*p != '=' || (kk = key_find(t, p - t)) < 0 || !(vs->allowed & MLOG_KEYBIT(kk)))
				return 0;
			k = kk;
			p++;
		}
		if (present & MLOG_KEYBIT(k))
			return 0;
		present |= MLOG_KEYBIT(k);
		out = &num[k];
		switch (key_info[k].type) {
		case MLOG_T_X:
			if (p[0] == '0' && (p[1] | 0x20) == 'x') {
				unsigned int d;

				p += 2;
				for (t = p, x = 0; (d = hexv[(unsigned char)*p]) < 16; p++)
					x = x << 4 | d;
				if (p == t || p - t > 16 || !at_end_of_value(p))
					return 0;
				goto range;
			}
			/* fall through */
		case MLOG_T_U:
			if (!fast_dec(&p, 19, &x))
				return 0;
range:
			if (x < key_info[k].min || x > key_info[k].max)
				return 0;
			*out = x;
			break;
		case MLOG_T_I: {
			bool neg = *p == '-';
			int64_t i;

			p += neg;
			if (!fast_dec(&p, 18, &x))
				return 0;
			i = neg ? -(int64_t)x : (int64_t)x;
			if (i < (int64_t)key_info[k].min || i > (int64_t)key_info[k].max)
				return 0;
			*out = i;
			break;
		}
		case MLOG_T_DEV: {
			int d;

			t = p;
			p += token_len48(p);
			if (p == t || !at_end_of_value(p) || (d = fast_dev_find(r, t, p - t)) < 0)
				return 0;
			*out = d;
			break;
		}
		case MLOG_T_TIME: {
			uint64_t usec;

			for (t = p, x = 0; (unsigned int)((unsigned char)*p - '0') <= 9; p++)
				x = x * 10 + (*p - '0');
			if (p == t || p - t > 12 || *p != '.')
				return 0;
			t = ++p;
			if (!fast_dec(&p, 6, &usec) || p - t != 6)
				return 0;
			*out = x * 1000000 + usec;
			break;
		}
		case MLOG_T_STR: {
			size_t n;

			if (*p == '"')
				return 0;
			for (t = p; fclass[(unsigned char)*p] & F_STR; p++)
				;
			n = p - t;
			if (!n || !at_end_of_value(p) || used + n + 1 > sizeof(ev->strbuf))
				return 0;
			if (ev) {
				memcpy(ev->strbuf + used, t, n);
				ev->strbuf[used + n] = '\0';
				ev->str_off[k] = used;
				ev->str_len[k] = n;
			}
			used += n + 1;
			break;
		}
		case MLOG_T_FLG:
			if (!fast_flags(&p, out))
				return 0;
			break;
		case MLOG_T_TYPE:
			for (t = p; fclass[(unsigned char)*p] & F_NAME; p++)
				;
			if (!at_end_of_value(p))
				return 0;
			if (p - t == 3 && !memcmp(t, "msi", 3))
				*out = MLOG_TYPE_MSI;
			else if (p - t == 4 && !memcmp(t, "msix", 4))
				*out = MLOG_TYPE_MSIX;
			else
				return 0;
			break;
		case MLOG_T_IDX:
			if (p[0] == 'a' && p[1] == 'n' && p[2] == 'y' && at_end_of_value(p + 3)) {
				p += 3;
				*out = MLOG_INDEX_ANY;
				break;
			}
			if (!fast_dec(&p, 19, &x))
				return 0;
			goto range;
		default:	/* declarations' types, FPT: the slow path */
			return 0;
		}
	}
	if (*p != '\n' || p - s > MLOG_MAX_LINE || (vs->required & ~present))
		return 0;
	if ((v == MLOG_V_MSI_DOMAIN_ALLOC_IRQS_RANGE || v == MLOG_V_MSI_DOMAIN_FREE_IRQS_RANGE) &&
	    num[MLOG_K_FIRST] > num[MLOG_K_LAST])
		return 0;
	if (ev)
		ev_finish(fs, ev, v, present, lineno, used);
	*nl = p;
	return 1;
}

/* ------------------------------------------------------------------------
 * Parse-ahead.  Once the declarations are complete, every event line
 * depends only on them, so for a large regular file a second thread runs
 * the fast path over every other chunk of the file (odd chunks from the
 * first one ahead of the reader) and leaves compact records; mlog_read()
 * parses the even chunks itself and turns the records of the odd ones into
 * events.  A chunk holds the lines that start in it.  The thread stops a
 * chunk at the first line the fast path leaves to parse_line(), and
 * mlog_read() reads on from there itself: every error is still found by
 * parse_line(), in file order, and the events handed out are the same
 * whatever the timing.  Memory stays constant: two chunk slots.
 */

#ifndef MLOG_PAR_CHUNK
#define MLOG_PAR_CHUNK		(1024 * 1024)	/* bytes of file per chunk */
#endif
#ifndef MLOG_PAR_MIN_CHUNKS
#define MLOG_PAR_MIN_CHUNKS	8	/* smaller rests of files: no thread */
#endif
#define PAR_RAW_SIZE	(MLOG_PAR_CHUNK + MLOG_MAX_LINE + 2)	/* + the last line */
#define PAR_REC_SIZE	(2 * MLOG_PAR_CHUNK)	/* records; full: the chunk stops */

/*
 * One event: the header, the values of the present keys in key order, then
 * strbuf.  Verb MLOG_V_NONE: a line the fast path left to parse_line(),
 * whose text follows (used: its length).
 */
struct par_rec {
	uint64_t present_lo, present_hi;	/* the key set, as two 8-byte words */
	uint32_t next;		/* offset of the next record */
	uint16_t used;		/* strbuf_used */
	uint8_t verb;
};

_Static_assert(sizeof(struct par_rec) % 8 == 0, "records are 8-byte aligned");
_Static_assert(MLOG_V__COUNT < 256 && MLOG_MAX_LINE < 65536, "record fields");

enum { SLOT_FREE, SLOT_READY };

struct par_slot {
	int state;
	uint64_t chunk;
	uint64_t first;		/* file offset of the first line starting in it */
	uint64_t stop;		/* file offset after the last line in records */
	uint32_t n;		/* records */
	char *raw;		/* PAR_RAW_SIZE + BLOCK_PAD */
	char *recs;		/* PAR_REC_SIZE */
};

struct par {
	const struct mlog_reader *r;
	int fd;
	uint64_t size;
	uint64_t c0;		/* the thread's first chunk */
	uint64_t next_c;	/* the next chunk mlog_read() takes from the thread */
	uint64_t next_switch;	/* next_c's first byte, UINT64_MAX: none */
	struct par_slot slot[2];
	struct par_slot *cur;	/* the slot whose records are handed out */
	struct mlog_event *ev;	/* the thread's */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
};

static struct par_slot *par_slot_of(struct par *pp, uint64_t c)
{
	return &pp->slot[(c - pp->c0) / 2 % 2];
}

/* Read [from, to) of the file into @buf; false on an error or a short file. */
static bool par_pread(int fd, char *buf, uint64_t from, uint64_t to)
{
	while (from < to) {
		ssize_t got = pread(fd, buf, to - from, from);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return false;
		buf += got;
		from += got;
	}
	return true;
}

/* The thread's work on chunk @c: records for its lines, as far as it can. */
static void par_fill(struct par *pp, struct par_slot *sl, struct fast_state *fs)
{
	uint64_t start = sl->chunk * MLOG_PAR_CHUNK, from = start - 1;	/* chunk >= 1 */
	uint64_t end = start + MLOG_PAR_CHUNK, to = end + MLOG_MAX_LINE + 1;
	size_t len, fe, q, roff = 0;
	const char *lf;

	sl->n = 0;
	sl->first = sl->stop = UINT64_MAX;
	if (end > pp->size)
		end = pp->size;
	if (to > pp->size)
		to = pp->size;
	len = to - from;
	if (!par_pread(pp->fd, sl->raw, from, to))
		return;
	memset(sl->raw + len, 0, BLOCK_PAD);
	for (fe = len; fe && sl->raw[fe - 1] != '\n'; fe--)
		;
	/* the line that starts in the chunk first follows the first LF from start - 1 */
	lf = memchr(sl->raw, '\n', fe);
	if (!lf)
		return;
	q = lf - sl->raw + 1;
	sl->first = from + q;
	while (from + q < end && q < fe) {
		struct par_rec *rec = (struct par_rec *)(sl->recs + roff);
		const struct mlog_event *ev = pp->ev;
		int64_t *val = (int64_t *)(rec + 1);
		const char *nl;
		size_t size;

		/* room for the most a record can take */
		if (roff + sizeof(*rec) + 8 * MLOG_K__COUNT + MLOG_MAX_LINE + 8 > PAR_REC_SIZE)
			break;
		if (!fast_line(pp->r, fs, sl->raw + q, 0, pp->ev, &nl)) {
			fs->last_ev = NULL;	/* it may have stored some keys */
			/* a line for parse_line(): its text, if it has an LF in time */
			nl = memchr(sl->raw + q, '\n', fe - q);
			if (nl - (sl->raw + q) > MLOG_MAX_LINE)
				break;
			size = nl - (sl->raw + q);
			memcpy(rec + 1, sl->raw + q, size);
			rec->present_lo = rec->present_hi = 0;
			rec->used = size;
			rec->verb = MLOG_V_NONE;
			rec->next = sizeof(*rec) + ((size + 7) & ~(size_t)7);
			roff += rec->next;
			sl->n++;
			q = nl - sl->raw + 1;
			continue;
		}
		for (mlog_keyset m = ev->present; m; m &= m - 1) {
			unsigned int k = mlog_keyset_first(m);

			*val++ = (str_keys & MLOG_KEYBIT(k)) ? (int64_t)(ev->str_off[k] | (uint32_t)ev->str_len[k] << 16)
						   : ev->num[k];
		}
		if (ev->strbuf_used > 1)
			memcpy((char *)val + 1, ev->strbuf + 1, ev->strbuf_used - 1);
		size = (char *)val - (char *)rec + ((ev->strbuf_used + 7) & ~7u);
		rec->present_lo = (uint64_t)ev->present;
		rec->present_hi = (uint64_t)(ev->present >> 64);
		rec->used = ev->strbuf_used;
		rec->verb = ev->verb;
		rec->next = size;
		roff += size;
		sl->n++;
		q = nl - sl->raw + 1;
	}
	sl->stop = from + q;
}

static void *par_main(void *arg)
{
	struct par *pp = arg;
	struct fast_state fs = { NULL, 0, 0, 0 };

	for (uint64_t c = pp->c0; c * MLOG_PAR_CHUNK < pp->size; c += 2) {
		struct par_slot *sl = par_slot_of(pp, c);
		bool stop;

		pthread_mutex_lock(&pp->lock);
		while (sl->state != SLOT_FREE && !pp->stop)
			pthread_cond_wait(&pp->cond, &pp->lock);
		stop = pp->stop;
		pthread_mutex_unlock(&pp->lock);
		if (stop)
			break;
		sl->chunk = c;
		par_fill(pp, sl, &fs);
		pthread_mutex_lock(&pp->lock);
		sl->state = SLOT_READY;
		pthread_cond_broadcast(&pp->cond);
		pthread_mutex_unlock(&pp->lock);
	}
	return NULL;
}

static void par_free(struct par *pp)
{
	for (int i = 0; i < 2; i++) {
		free(pp->slot[i].raw);
		free(pp->slot[i].recs);
	}
	free(pp->ev);
	free(pp);
}

/* The declarations are complete: start the thread if the file is worth it. */
static void par_start(struct mlog_reader *r)
{
	uint64_t off = r->block_off + r->pos, c0 = off / MLOG_PAR_CHUNK + 1;
	struct par *pp;
	struct stat st;

	r->par_tried = true;
	c0 += !(c0 & 1);	/* odd chunks */
	if (r->fd < 0 || fstat(r->fd, &st) || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size < (c0 + MLOG_PAR_MIN_CHUNKS) * MLOG_PAR_CHUNK ||
	    sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return;
	pp = calloc(1, sizeof(*pp));
	if (!pp)
		return;
	pp->r = r;
	pp->fd = r->fd;
	pp->size = st.st_size;
	pp->c0 = pp->next_c = c0;
	pp->next_switch = c0 * MLOG_PAR_CHUNK;
	pp->ev = malloc(sizeof(*pp->ev));
	for (int i = 0; i < 2; i++) {
		pp->slot[i].raw = malloc(PAR_RAW_SIZE + BLOCK_PAD);
		pp->slot[i].recs = malloc(PAR_REC_SIZE);
		if (!pp->slot[i].raw || !pp->slot[i].recs)
			goto fail;
	}
	if (!pp->ev)
		goto fail;
	pthread_mutex_init(&pp->lock, NULL);
	pthread_cond_init(&pp->cond, NULL);
	if (pthread_create(&pp->thread, NULL, par_main, pp)) {
		pthread_mutex_destroy(&pp->lock);
		pthread_cond_destroy(&pp->cond);
		goto fail;
	}
	r->par = pp;
	return;
fail:
	par_free(pp);	/* no thread: the reader reads on alone */
}

static void par_stop(struct mlog_reader *r)
{
	struct par *pp = r->par;

	if (!pp)
		return;
	pthread_mutex_lock(&pp->lock);
	pp->stop = true;
	pthread_cond_broadcast(&pp->cond);
	pthread_mutex_unlock(&pp->lock);
	pthread_join(pp->thread, NULL);
	pthread_mutex_destroy(&pp->lock);
	pthread_cond_destroy(&pp->cond);
	par_free(pp);
	r->par = NULL;
}

/* File offset the reader needs not read beyond for now, UINT64_MAX: none. */
static uint64_t par_read_limit(const struct mlog_reader *r)
{
	if (!r->par || r->par->next_switch == UINT64_MAX)
		return UINT64_MAX;
	return r->par->next_switch + MLOG_MAX_LINE + 2;
}

static void par_release(struct par *pp, struct par_slot *sl)
{
	pthread_mutex_lock(&pp->lock);
	sl->state = SLOT_FREE;
	pthread_cond_broadcast(&pp->cond);
	pthread_mutex_unlock(&pp->lock);
}

/* Go on reading at file offset @off (at or after the current position). */
static int par_seek(struct mlog_reader *r, uint64_t off)
{
	if (off <= r->block_off + r->len) {
		r->pos = off - r->block_off;
		return 0;
	}
	if (lseek(r->fd, off, SEEK_SET) == (off_t)-1) {
		r->err.line = 0;
		r->err.col = 0;
		snprintf(r->err.msg, sizeof(r->err.msg), "read error: %s", strerror(errno));
		r->state = RS_ERROR;
		return -1;
	}
	r->block_off = off;
	r->pos = r->len = r->fast_end = 0;
	r->at_eof = false;
	return 0;
}

/*
 * The next line starts at or after the thread's next chunk: take its
 * records if they start right there.  True when there are records to hand.
 */
static bool par_switch(struct mlog_reader *r)
{
	struct par *pp = r->par;
	uint64_t off = r->block_off + r->pos;
	struct par_slot *sl;

	for (;;) {
		if (pp->next_c * MLOG_PAR_CHUNK >= pp->size) {
			pp->next_switch = UINT64_MAX;
			return false;
		}
		sl = par_slot_of(pp, pp->next_c);
		pthread_mutex_lock(&pp->lock);
		while (sl->state != SLOT_READY)
			pthread_cond_wait(&pp->cond, &pp->lock);
		pthread_mutex_unlock(&pp->lock);
		pp->next_c += 2;
		pp->next_switch = pp->next_c * MLOG_PAR_CHUNK;
		if (sl->first == off && sl->n)
			break;
		par_release(pp, sl);	/* not where the reader is: it reads on */
		if (off < pp->next_switch)
			return false;
	}
	pp->cur = sl;
	r->rec = (const struct par_rec *)sl->recs;
	r->rec_left = sl->n;
	return true;
}

static void slow_done(struct mlog_reader *r, struct mlog_event *ev, int ret);

/* The next record as an event. */
static int par_deliver(struct mlog_reader *r, struct mlog_event *ev)
{
	const struct par_rec *rec = r->rec;
	const int64_t *val = (const int64_t *)(rec + 1);
	struct par *pp = r->par;
	mlog_keyset present;

	if (rec->verb == MLOG_V_NONE) {
		int ret;

		r->lineno++;
		ret = parse_line(r, (const char *)val, rec->used, ev);
		slow_done(r, ev, ret);
		if (ret <= 0)
			return ret;	/* an error: the records left are never used */
		goto next;
	}
	present = (mlog_keyset)rec->present_hi << 64 | rec->present_lo;
	ev_start(&r->fs, ev);
	for (mlog_keyset m = present; m; m &= m - 1) {
		unsigned int k = mlog_keyset_first(m);
		int64_t v = *val++;

		if (str_keys & MLOG_KEYBIT(k)) {
			ev->str_off[k] = v & 0xffff;
			ev->str_len[k] = v >> 16;
		} else {
			ev->num[k] = v;
		}
	}
	ev_finish(&r->fs, ev, rec->verb, present, ++r->lineno, rec->used);
	if (rec->used > 1)	/* strbuf[0] is always '\0' */
		memcpy(ev->strbuf + 1, (const char *)val + 1, rec->used - 1);
next:
	r->rec = (const struct par_rec *)((const char *)rec + rec->next);
	if (--r->rec_left == 0) {
		uint64_t stop = pp->cur->stop;

		par_release(pp, pp->cur);
		pp->cur = NULL;
		if (par_seek(r, stop))
			return 1;	/* this event is good; the error comes next */
	}
	return 1;
}

/* parse_line() cleared the event, then set present keys and defaults */
static void slow_done(struct mlog_reader *r, struct mlog_event *ev, int ret)
{
	r->fs.last_ev = ret > 0 ? ev : NULL;
	r->fs.dirty = ev->present | vschema[ev->verb].allowed;
	r->fs.dirty_str = ev->present;
	r->fs.last_present = ev->present;
}

int mlog_read(struct mlog_reader *r, struct mlog_event *ev)
{
	const char *s = NULL;
	size_t len = 0;
	int ret;

	if (r->rec_left && r->state == RS_EVENTS)
		return par_deliver(r, ev);
	if (r->par && r->block_off + r->pos >= r->par->next_switch &&
	    r->state == RS_EVENTS && par_switch(r))
		return par_deliver(r, ev);
	if (r->state == RS_EVENTS && r->pos < r->fast_end) {
		const char *nl;

		r->lineno++;
		if (fast_line(r, &r->fs, r->buf + r->pos, r->lineno, ev, &nl)) {
			r->pos = nl + 1 - r->buf;
			return 1;
		}
		r->lineno--;
		r->fs.last_ev = NULL;	/* it may have stored some keys */
	}
	if (r->state == RS_ERROR)
		return -1;
	if (r->state == RS_DONE)
		return 0;
	ret = next_line(r, &s, &len);
	if (ret <= 0)
		return ret < 0 ? -1 : at_end(r);
	ret = parse_line(r, s, len, ev);
	slow_done(r, ev, ret);
	if (ret > 0 && r->state == RS_EVENTS && !r->par_tried && !r->validating)
		par_start(r);
	return ret;
}

/* ------------------------------------------------------------------------
 * Validation only: mlog_validate() reads the trace to its end like a loop
 * of mlog_read() but never builds the events of the lines the fast path
 * accepts (fast_line() with no event only checks).  Every other line, and
 * every error, goes through parse_line() as before.
 *
 * For a large regular file the event lines are checked in parallel: once
 * the declarations are complete (every event line then depends only on
 * them), the rest of the file is cut into chunks of MLOG_VAL_CHUNK bytes,
 * a chunk holding the lines that start in it.  The reader's thread and
 * helper threads take chunks in turn (whoever is free takes the next one,
 * so a busy CPU gets fewer) and check each with the fast path, keeping a
 * copy of the few lines it leaves (they go to parse_line() later) and
 * counting valid blank and comment lines.  The reader's thread then takes
 * the results in file order: it counts the lines a chunk checked and runs
 * parse_line() on the lines kept, in order, and reads through mlog_read()
 * whatever a chunk did not get to (a line too long, too many lines kept,
 * the end of the file).  So errors are found and reported in file order
 * exactly as without the threads, whatever the timing.  A chunk is mapped
 * (mmap(), no copy) while it is checked, or read with pread() when it
 * cannot be (or with -DMLOG_VAL_NO_MMAP: a file truncated while it is
 * mapped raises SIGBUS); memory stays constant: VAL_SLOTS chunk results.
 */

#ifndef MLOG_VAL_CHUNK
#define MLOG_VAL_CHUNK		(1024 * 1024)
#endif
#ifndef MLOG_VAL_MIN_CHUNKS
#define MLOG_VAL_MIN_CHUNKS	8	/* smaller rests of files: no threads */
#endif
#define VAL_MAX_WORKERS		4	/* the reader's thread and up to 3 helpers */
#define VAL_SLOTS		16	/* chunks taken but not yet used */
#define VAL_MAX_KEPT		128	/* lines kept for parse_line() per chunk */
#define VAL_TEXT		(16 * 1024)	/* and their bytes */
#define VAL_OVERREAD		BLOCK_PAD	/* fast_line() reads < 64 bytes past the LF */
#define VAL_WINDOW		(MLOG_VAL_CHUNK + MLOG_MAX_LINE + 2 + VAL_OVERREAD)

_Static_assert(VAL_TEXT >= MLOG_MAX_LINE, "a kept line fits");

/* A line kept for parse_line(), after @lines lines and @events events of its chunk. */
struct val_kept {
	uint64_t lines, events;
	uint32_t off, len;	/* its text in val_res.text */
};

struct val_res {
	bool done;
	uint64_t first;		/* file offset of the chunk's first line */
	uint64_t stop;		/* file offset of the first line not taken */
	uint64_t lines, events;	/* lines checked (kept ones included) */
	uint32_t nkept, text_used;
	struct val_kept kept[VAL_MAX_KEPT];
	char text[VAL_TEXT];
};

struct vpar {
	int fd;
	const struct mlog_reader *r;
	uint64_t size;		/* of the file */
	uint64_t base;		/* chunk 0 starts here, at a line */
	uint64_t nchunks;
	uint64_t next;		/* the next chunk to take */
	uint64_t used;		/* chunks whose results the reader has used */
	bool stop;
	size_t page;
	unsigned int nhelpers;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread[VAL_MAX_WORKERS - 1];
	char *buf[VAL_MAX_WORKERS];	/* pread() buffers, allocated when needed */
	struct val_res res[VAL_SLOTS];
};

static inline uint64_t val_chunk_start(const struct vpar *vp, uint64_t c)
{
	return vp->base + c * MLOG_VAL_CHUNK;
}

static inline uint64_t val_chunk_end(const struct vpar *vp, uint64_t c)
{
	uint64_t e = vp->base + (c + 1) * MLOG_VAL_CHUNK;

	return e < vp->size ? e : vp->size;
}

/* Lines the fast path accepts from @s on, while they start before @limit. */
static const char *val_run(const struct mlog_reader *r, const char *s, const char *limit,
			   uint64_t *lines)
{
	const char *nl;
	uint64_t n = 0;

	while (s < limit && fast_line(r, NULL, s, 0, NULL, &nl)) {
		s = nl + 1;
		n++;
	}
	*lines = n;
	return s;
}

/* check_bytes() without the error: true when it would pass. */
static bool bytes_valid(const char *s, size_t len)
{
	size_t i = 0;

	if (len >= 8) {
		for (; i + 8 <= len; i += 8)
			if (word_suspicious(s + i))
				break;
		if (i + 8 > len && (i == len || !word_suspicious(s + len - 8)))
			return true;
	}
	while (i < len) {
		unsigned char c = s[i];
		size_t n;

		if (c == '\0' || c == '\r')
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (!(n = utf8_seq((const unsigned char *)s + i, len - i)))
			return false;
		i += n;
	}
	return true;
}

/* A blank or comment line that parse_line() accepts (once in the events). */
static bool val_trivial(const char *s, size_t len)
{
	const char *p = skip_blanks(s, s + len);

	return (p == s + len || *p == '#') && bytes_valid(s, len);
}

/*
 * Check chunk @c with worker @w's means into @res.  Its bytes [from, to)
 * are the one before the chunk (to find its first line), the chunk, and
 * enough after it for its last line and the fast path's over-reading.
 */
static void val_chunk(struct vpar *vp, unsigned int w, uint64_t c, struct val_res *res)
{
	uint64_t cs = val_chunk_start(vp, c), ce = val_chunk_end(vp, c);
	uint64_t from = c ? cs - 1 : cs, to = ce + MLOG_MAX_LINE + 2 + VAL_OVERREAD;
	uint64_t map_off, n;
	size_t len, map_len = 0;
	const char *b, *g, *s, *limit;
	void *map = MAP_FAILED;

	res->first = res->stop = cs;
	res->lines = res->events = 0;
	res->nkept = res->text_used = 0;
	if (to > vp->size)
		to = vp->size;
	len = to - from;
	if (len <= VAL_OVERREAD)
		return;
	map_off = from / vp->page * vp->page;
	map_len = to - map_off;
#ifndef MLOG_VAL_NO_MMAP
	map = mmap(NULL, map_len, PROT_READ, MAP_PRIVATE, vp->fd, map_off);
#endif
	if (map != MAP_FAILED) {
		b = (const char *)map + (from - map_off);
	} else {
		if (!vp->buf[w] && !(vp->buf[w] = malloc(VAL_WINDOW)))
			return;
		if (!par_pread(vp->fd, vp->buf[w], from, to))
			return;
		b = vp->buf[w];
	}
	/*
	 * Lines are taken only up to the last LF with the over-read after it
	 * (g): every scan from a line start before it stops at an LF.
	 */
	for (g = b + len - VAL_OVERREAD - 1; g >= b && *g != '\n'; g--)
		;
	if (g < b)
		goto out;
	s = b;
	if (c) {	/* the first line follows the first LF from cs - 1 on */
		s = memchr(b, '\n', g - b + 1);
		s++;
	}
	res->first = from + (s - b);
	limit = b + (ce - from);
	if (limit > g + 1)
		limit = g + 1;
	while (s < limit) {
		const char *nl;
		size_t ll;

		s = val_run(vp->r, s, limit, &n);
		res->lines += n;
		res->events += n;
		if (s >= limit)
			break;
		/* a line for parse_line(): kept, unless it is a valid blank or comment line */
		nl = memchr(s, '\n', g + 1 - s);
		ll = nl - s;
		if (ll > MLOG_MAX_LINE)
			break;
		if (val_trivial(s, ll)) {
			res->lines++;
		} else {
			struct val_kept *k = &res->kept[res->nkept];

			if (res->nkept == VAL_MAX_KEPT || res->text_used + ll > VAL_TEXT)
				break;
			k->lines = res->lines;
			k->events = res->events;
			k->off = res->text_used;
			k->len = ll;
			memcpy(res->text + res->text_used, s, ll);
			res->text_used += ll;
			res->nkept++;
			res->lines++;	/* counted here; its event by the reader */
		}
		s = nl + 1;
	}
	res->stop = from + (s - b);
out:
	if (map != MAP_FAILED)
		munmap(map, map_len);
}

/* Take the next chunk, if it may be taken; called with the lock held. */
static bool val_take(struct vpar *vp, uint64_t *c)
{
	if (vp->stop || vp->next >= vp->nchunks || vp->next >= vp->used + VAL_SLOTS)
		return false;
	*c = vp->next++;
	return true;
}

/* Check chunk @c; called and returns with the lock held. */
static void val_work(struct vpar *vp, unsigned int w, uint64_t c)
{
	struct val_res *res = &vp->res[c % VAL_SLOTS];	/* ours until done */

	pthread_mutex_unlock(&vp->lock);
	val_chunk(vp, w, c, res);
	pthread_mutex_lock(&vp->lock);
	res->done = true;
	pthread_cond_broadcast(&vp->cond);
}

struct val_helper {
	struct vpar *vp;
	unsigned int w;
};

static void *val_main(void *arg)
{
	struct vpar *vp = ((struct val_helper *)arg)->vp;
	unsigned int w = ((struct val_helper *)arg)->w;
	uint64_t c;

	pthread_mutex_lock(&vp->lock);
	while (!vp->stop && vp->next < vp->nchunks) {
		if (val_take(vp, &c))
			val_work(vp, w, c);
		else
			pthread_cond_wait(&vp->cond, &vp->lock);
	}
	pthread_mutex_unlock(&vp->lock);
	return NULL;
}

static int val_step(struct mlog_reader *r, struct mlog_event *ev, uint64_t limit, uint64_t *nev);

/*
 * Use the result of a chunk whose first line is the reader's next one
 * (file offset @at): 1 and *at moved past the lines it took, -1 on an
 * error in a kept line.
 */
static int val_use(struct mlog_reader *r, const struct val_res *res, struct mlog_event *ev,
		   uint64_t *nev, uint64_t *at)
{
	uint64_t line0 = r->lineno, ev0 = *nev;

	for (uint32_t i = 0; i < res->nkept; i++) {
		const struct val_kept *k = &res->kept[i];
		int ret;

		r->lineno = line0 + k->lines + 1;
		*nev = ev0 + k->events;
		ret = parse_line(r, res->text + k->off, k->len, ev);
		slow_done(r, ev, ret);
		if (ret < 0)
			return -1;
		ev0 += mlog_verb_class(ev->verb) >= MLOG_C_STIM;
	}
	r->lineno = line0 + res->lines;
	*nev = ev0 + res->events;
	*at = res->stop;
	return 1;
}

/*
 * The reader's part: take results in order (checking chunks itself while
 * the next result is not there), reading what a chunk left through
 * mlog_read().  0: the reader is after the last chunk, -1: an error.
 */
static int val_reader(struct mlog_reader *r, struct vpar *vp, struct mlog_event *ev, uint64_t *nev)
{
	uint64_t at = r->block_off + r->pos, c;
	int ret = 0;

	pthread_mutex_lock(&vp->lock);
	while (vp->used < vp->nchunks) {
		struct val_res *res = &vp->res[vp->used % VAL_SLOTS];
		uint64_t ce;

		if (!res->done) {
			if (val_take(vp, &c))
				val_work(vp, 0, c);
			else
				pthread_cond_wait(&vp->cond, &vp->lock);
			continue;
		}
		pthread_mutex_unlock(&vp->lock);
		ce = val_chunk_end(vp, vp->used);
		if (res->first == at && res->stop > at && val_use(r, res, ev, nev, &at) < 0)
			ret = -1;
		if (!ret && at < ce) {	/* the rest of the chunk: the reader reads it */
			int st = par_seek(r, at) ? -1 : 1;

			while (st > 0 && r->block_off + r->pos < ce)
				st = val_step(r, ev, ce, nev);
			if (st < 0)
				ret = -1;
			/* st 0: the end (at_end() ran), val_step() says so again */
			at = r->block_off + r->pos;
		}
		pthread_mutex_lock(&vp->lock);
		res->done = false;
		vp->used++;
		pthread_cond_broadcast(&vp->cond);
		if (ret || r->state != RS_EVENTS)
			break;
	}
	vp->stop = true;
	pthread_cond_broadcast(&vp->cond);
	pthread_mutex_unlock(&vp->lock);
	if (!ret && r->state == RS_EVENTS && par_seek(r, at))
		ret = -1;
	return ret;
}

/* Check the rest of the file in parallel if it is worth it; -1: an error. */
static int val_parallel(struct mlog_reader *r, struct mlog_event *ev, uint64_t *nev)
{
	struct val_helper helpers[VAL_MAX_WORKERS - 1];
	uint64_t base = r->block_off + r->pos;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct vpar *vp;
	struct stat st;
	int ret;

	if (r->fd < 0 || fstat(r->fd, &st) || !S_ISREG(st.st_mode) || ncpu < 2 ||
	    (uint64_t)st.st_size < base + MLOG_VAL_MIN_CHUNKS * (uint64_t)MLOG_VAL_CHUNK)
		return 0;
	vp = calloc(1, sizeof(*vp));
	if (!vp)
		return 0;
	vp->fd = r->fd;
	vp->r = r;
	vp->size = st.st_size;
	vp->base = base;
	vp->nchunks = (vp->size - base + MLOG_VAL_CHUNK - 1) / MLOG_VAL_CHUNK;
	vp->page = sysconf(_SC_PAGESIZE);
	pthread_mutex_init(&vp->lock, NULL);
	pthread_cond_init(&vp->cond, NULL);
	for (unsigned int i = 0; i + 1 < VAL_MAX_WORKERS && i + 1 < (unsigned long)ncpu; i++) {
		helpers[i].vp = vp;
		helpers[i].w = i + 1;
		if (pthread_create(&vp->thread[i], NULL, val_main, &helpers[i]))
			break;
		vp->nhelpers++;
	}
	ret = val_reader(r, vp, ev, nev);	/* without helpers it checks alone */
	for (unsigned int i = 0; i < vp->nhelpers; i++)
		pthread_join(vp->thread[i], NULL);
	pthread_mutex_destroy(&vp->lock);
	pthread_cond_destroy(&vp->cond);
	for (unsigned int i = 0; i < VAL_MAX_WORKERS; i++)
		free(vp->buf[i]);
	free(vp);
	return ret;
}

/*
 * One step of reading, with lines starting before file offset @limit:
 * event lines in the block that the fast path accepts, or else one line
 * through mlog_read().  As mlog_read(): 1, 0 at the end, -1 on an error.
 */
static int val_step(struct mlog_reader *r, struct mlog_event *ev, uint64_t limit, uint64_t *nev)
{
	int ret;

	if (r->state == RS_EVENTS && !r->rec_left && !r->par && r->pos < r->fast_end) {
		const char *end = r->buf + r->fast_end, *s;
		uint64_t n;

		if (limit - r->block_off < r->fast_end)
			end = r->buf + (limit - r->block_off);
		s = val_run(r, r->buf + r->pos, end, &n);
		if (n) {
			r->pos = s - r->buf;
			r->lineno += n;
			*nev += n;
			return 1;
		}
	}
	ret = mlog_read(r, ev);
	if (ret > 0 && mlog_verb_class(ev->verb) >= MLOG_C_STIM)
		++*nev;
	return ret;
}

int mlog_validate(struct mlog_reader *r, uint64_t *lines, uint64_t *events)
{
	struct mlog_event *ev = malloc(sizeof(*ev));
	uint32_t line0 = r->lineno;
	uint64_t nev = 0;
	int ret;

	*lines = *events = 0;
	if (!ev) {
		if (r->state != RS_ERROR) {
			r->err.line = r->err.col = 0;
			snprintf(r->err.msg, sizeof(r->err.msg), "out of memory");
			r->state = RS_ERROR;
		}
		return -1;
	}
	r->validating = true;
	do {
		if (!r->val_tried && r->state == RS_EVENTS && !r->par && !r->rec_left) {
			r->val_tried = true;
			if (val_parallel(r, ev, &nev) < 0) {
				ret = -1;
				break;
			}
		}
		ret = val_step(r, ev, UINT64_MAX, &nev);
	} while (ret > 0);
	free(ev);
	/* an error: the lines before the bad one */
	*lines = (ret < 0 && r->err.line > line0 ? r->err.line - 1 : r->lineno) - line0;
	*events = nev;
	return ret;
}
