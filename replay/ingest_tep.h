/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ingest_tep.h - one decoder of libtraceevent records into struct
 * ingest_event, for both ingest paths that read them: the trace.dat
 * (replay/ingest_tracedat.c, libtracecmd) and the live ring buffer
 * (replay/ingest_live.c, libtracefs).  Each record is decoded the way the
 * ftrace text shows it (replay/ingest_text.c), so the normalizer sees the
 * same events whatever path read them:
 *  - kprobes (an event with __probe_ip) and kretprobes (__probe_func and
 *    __probe_ret_ip): the fetch args in format order, each printed with
 *    the conversion of the event's print fmt ("0x%Lx" hex, "%u", "%d",
 *    "\"%s\"" and __data_loc strings: the text; a number field that is
 *    not 1, 2, 4 or 8 bytes wide is the number 0, as tep_read_number()
 *    reads it); anything else as libtraceevent prints the field.  The
 *    probe location "func+0x0/0x150" or "caller+0x2c/0x90 <- func" when
 *    libtraceevent knows the addresses (kallsyms), else the hex addresses;
 *  - trace_marker writes: ftrace/print with one field "buf", without its
 *    trailing newlines and blanks;
 *  - any other event: its print fmt rendered by libtraceevent and split
 *    into NAME=VALUE fields as the text path splits an ftrace line.
 *
 * Use, per record:
 *	t->tep = the record's parser;
 *	ingest_tep_reset(&t->ev, r, cpu);
 *	if (ingest_tep_check_fields(t, r, ev)) -> t->why says why
 *	t->pool_len = 0; ... t->ev.kind, pid, comm, system, name ...
 *	ingest_tep_probe(), ingest_tep_decode_kprobe(), _print() or
 *	_generic() -> -1: t->why says why
 *	ingest_tep_finish(t, generic): t->ev is ready
 * Failures leave the reason in @why ("out of memory", "event S/N has more
 * than 32 fields", ...); the caller prefixes it with where the record is.
 */
#ifndef MSILAB_INGEST_TEP_H
#define MSILAB_INGEST_TEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <event-parse.h>

#include "ingest.h"

enum ingest_tep_kind { INGEST_TEP_KPROBE, INGEST_TEP_KRETPROBE, INGEST_TEP_PRINT, INGEST_TEP_GENERIC };

/* How a kprobe fetch arg prints: a number in one of three ways, a string, libtraceevent's text. */
enum ingest_tep_fmt { INGEST_TEP_UDEC, INGEST_TEP_SDEC, INGEST_TEP_HEX, INGEST_TEP_STR, INGEST_TEP_TEXT };

/*
 * struct ingest_tep - the decoder of one record at a time.
 * @tep:      the parser of the records (set by the caller; may change
 *            between records of different buffers)
 * @seq:      libtraceevent's output, reused
 * @pool:     the strings of the current record (@pool_len bytes used);
 *            fields refer to it by offset until ingest_tep_finish()
 * @off:      each field's raw text, in @pool
 * @name_off: generic events: each field's name, in @pool
 * @ev:       the event being decoded
 * @why:      the reason of the last failure
 */
struct ingest_tep {
	struct tep_handle *tep;
	struct trace_seq seq;
	char *pool;
	size_t pool_len, pool_cap;
	size_t off[INGEST_MAX_FIELDS];
	size_t name_off[INGEST_MAX_FIELDS];
	struct ingest_event ev;
	char why[200];
};

void ingest_tep_init(struct ingest_tep *t);
void ingest_tep_free(struct ingest_tep *t);

/* @ev as a fresh INGEST_EVENT of record @r on @cpu (ts_us: ts_ns rounded). */
void ingest_tep_reset(struct ingest_event *ev, const struct tep_record *r, uint32_t cpu);

/* What @ev is, and its probe fields (NULL when it has none). */
enum ingest_tep_kind ingest_tep_kind_of(struct tep_event *ev, struct tep_format_field **ip,
					struct tep_format_field **func, struct tep_format_field **retip);

/* What the kprobe print fmt @fmt says about field @f: " NAME=SPEC". */
enum ingest_tep_fmt ingest_tep_kprobe_fmt(const char *fmt, const struct tep_format_field *f);

/*
 * Where field @f's bytes lie in record @r: [*start, *start + *len).
 * Dynamic (__data_loc / __rel_loc) fields are followed, a "char buf[]"
 * is the rest of the record.  -1 when outside the record.
 */
int ingest_tep_span(struct tep_handle *tep, const struct tep_record *r, const struct tep_format_field *f,
		    unsigned int *start, unsigned int *len);

/* ingest_tep_span() of a field ingest_tep_check_fields() accepted for @r. */
static inline void ingest_tep_span_ok(struct tep_handle *tep, const struct tep_record *r,
				      const struct tep_format_field *f, unsigned int *start, unsigned int *len)
{
	if (!(f->flags & (TEP_FIELD_IS_DYNAMIC | TEP_FIELD_IS_ARRAY))) {
		*start = (unsigned int)f->offset;
		*len = (unsigned int)f->size;
	} else {
		ingest_tep_span(tep, r, f, start, len);
	}
}

/* Every field of @ev (common ones too) must lie inside @r before it is read: -1 if not. */
int ingest_tep_check_fields(struct ingest_tep *t, const struct tep_record *r, const struct tep_event *ev);

/* The records of @tep are in this machine's byte order: numbers can be read in place. */
bool ingest_tep_native(struct tep_handle *tep);

/* A number of @size bytes of a record, as tep_read_number() reads it. */
static inline unsigned long long ingest_tep_read(struct tep_handle *tep, bool native, const void *p, int size)
{
	if (native) {
		switch (size) {
		case 1:
			return *(const uint8_t *)p;
		case 2: {
			uint16_t v;

			memcpy(&v, p, 2);
			return v;
		}
		case 4: {
			uint32_t v;

			memcpy(&v, p, 4);
			return v;
		}
		case 8: {
			uint64_t v;

			memcpy(&v, p, 8);
			return v;
		}
		}
	}
	return tep_read_number(tep, p, size);
}

/* "0x%llx", "%llu" or "%lld" of @v into @buf (24 bytes), without the NUL: the length. */
int ingest_tep_fmt_num(char *buf, unsigned long long v, enum ingest_tep_fmt fmt);

/* Append @n bytes and a NUL to the pool: the offset, or -1. */
long ingest_tep_pool_add(struct ingest_tep *t, const char *s, size_t n);

/* A field whose text is at pool offset @off: 0, -1 when @off < 0, -2 when full. */
int ingest_tep_add_field(struct ingest_tep *t, const char *name, long off, bool is_str);

/*
 * The probe location, appended to the pool as one string: "func+0x0/0x150"
 * for a kprobe at @ip, "caller+0x2c/0x90 <- func" for a kretprobe
 * (@ret: @ip the return address, @fn the probed function); the hex
 * address where kallsyms does not know one.  Its offset, or -1.
 */
long ingest_tep_probe(struct ingest_tep *t, unsigned long long ip, unsigned long long fn, bool ret);

/*
 * struct ingest_tep_value - one kprobe fetch arg.
 * @fmt:  INGEST_TEP_HEX/UDEC/SDEC: @num holds it (sign-extended for SDEC);
 *        INGEST_TEP_STR/TEXT: @text, @len bytes (not NUL-terminated for STR)
 */
struct ingest_tep_value {
	enum ingest_tep_fmt fmt;
	unsigned long long num;
	const char *text;
	size_t len;
};

/*
 * Field @f of record @r (checked), whose print fmt says @fmt: the number
 * or the text.  TEXT is left in @t->seq, valid until the next call.
 */
void ingest_tep_kprobe_value(struct ingest_tep *t, const struct tep_record *r, struct tep_format_field *f,
			     enum ingest_tep_fmt fmt, bool native, struct ingest_tep_value *v);

/* The fetch args of kprobe event @ev into @t->ev.  -1 with @why. */
int ingest_tep_decode_kprobe(struct ingest_tep *t, const struct tep_record *r, struct tep_event *ev);

/* The text of a trace_marker write (@buf: its "buf" field, NULL when none).  -1 with @why. */
int ingest_tep_decode_print(struct ingest_tep *t, const struct tep_record *r, const struct tep_format_field *buf);

/*
 * Any other event: libtraceevent's rendering of record @r split into
 * NAME=VALUE fields.  @text_off (NULL: not wanted) gets the pool offset of
 * an untouched copy of the rendering.  0, or -1 with @why.
 */
int ingest_tep_decode_generic(struct ingest_tep *t, struct tep_record *r, const struct tep_event *ev,
			      size_t *text_off);

/* The pool is final: field offsets into pointers (names too for a generic event). */
void ingest_tep_finish(struct ingest_tep *t, bool generic);

#endif /* MSILAB_INGEST_TEP_H */
