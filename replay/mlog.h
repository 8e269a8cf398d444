/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mlog.h - the canonical msilab trace (.mlog): in-memory form, streaming
 * reader and canonical writer.  The grammar is in replay/FORMAT.md, the
 * vocabulary in replay/mlog_schema.h.
 *
 * Object lifetimes: mlog_reader_open() / mlog_reader_close(); everything a
 * reader hands out (events, declarations, the error) lives until the next
 * mlog_read() or until close.  The reader keeps constant memory: one line
 * buffer and the declaration tables, whatever the trace length.
 */
#ifndef MSILAB_MLOG_H
#define MSILAB_MLOG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mlog_schema.h"

#define MLOG_MAX_DEVICES	256
#define MLOG_MAX_ITS		4
#define MLOG_NAME_MAX		32	/* device and ITS names, without NUL */

enum mlog_bus { MLOG_BUS_PCI, MLOG_BUS_PLATFORM, MLOG_BUS_DMAR, MLOG_BUS_HPET };
enum mlog_arch { MLOG_ARCH_ARM64, MLOG_ARCH_X86_64 };
enum mlog_src { MLOG_SRC_SCENARIO, MLOG_SRC_FTRACE, MLOG_SRC_TRACE_DAT,
		MLOG_SRC_LIVE, MLOG_SRC_FUZZ, MLOG_SRC_MINIMIZED };
enum mlog_msitype { MLOG_TYPE_MSI, MLOG_TYPE_MSIX };

/** struct mlog_its_decl - one "its" declaration; absent keys hold defaults */
struct mlog_its_decl {
	char name[MLOG_NAME_MAX + 1];
	uint32_t lpi_bits;	/* LPI INTID bits (default 16: INTIDs 8192..65535) */
	uint32_t num_lpis;	/* hypervisor-restricted pool size, 0 = none */
	uint32_t event_bits;	/* GITS_TYPER.IDbits + 1 (default 16) */
	uint32_t devid_bits;	/* GITS_TYPER.Devbits + 1 (default 16) */
	uint32_t ite_size;	/* ITT entry size in bytes (default 8) */
	uint32_t line;		/* declaring line */
};

/** struct mlog_device_decl - one "device" declaration */
struct mlog_device_decl {
	char name[MLOG_NAME_MAX + 1];
	enum mlog_bus bus;
	bool has_bdf;
	uint32_t bdf;		/* domain << 16 | bus << 8 | devfn */
	uint32_t devid;		/* ITS DeviceID (PCI: after alias and msi-map) */
	uint32_t msi;		/* MSI Multiple Message Capable count, 0 = no MSI */
	uint32_t msix;		/* MSI-X table size, 0 = no MSI-X */
	bool intx;		/* has a legacy INTx pin irq */
	int alias;		/* index of the last DMA alias device, -1 = none */
	bool wired;		/* wired-to-MSI (mbigen-like) platform device */
	int its;		/* index of its ITS (default 0) */
	bool msi_mask;		/* MSI per-vector masking (x86 reservation mode) */
	uint32_t line;
};

#define MLOG_MAX_X86_IRQS	256

/** struct mlog_x86_cpu_decl - one "x86_cpu" declaration */
struct mlog_x86_cpu_decl {
	uint32_t cpu;
	bool online;
	uint64_t alloc_map[4];		/* bit n = vector n */
	uint64_t managed_map[4];
	uint32_t line;
};

/** struct mlog_x86_irq_decl - one "x86_irq" declaration */
struct mlog_x86_irq_decl {
	uint32_t virq;
	int dev;			/* device index, -1 = none */
	uint32_t vec;			/* with dev: the driver's vector (MSI-X index) */
	bool has_cpu;
	uint32_t cpu;
	uint32_t vector;
	bool is_managed;
	bool has_reserved;
	bool has_mask;
	uint64_t mask[4];		/* bit n = CPU n */
	uint32_t line;
};

/** struct mlog_decls - the header and declarations of one trace */
struct mlog_decls {
	uint32_t version;
	char release[128];	/* "kernel release=" */
	enum mlog_arch arch;
	bool has_source;
	enum mlog_src source;
	bool has_machine;
	uint32_t cpus;		/* default 2 */
	uint32_t nr_irqs;	/* initial nr_irqs of the irq descriptor space (default 64) */
	char irqs_used[256];	/* LIST text of Linux irq numbers in use at start ("" = none) */
	uint32_t nits;
	struct mlog_its_decl its[MLOG_MAX_ITS];
	uint32_t ndev;
	struct mlog_device_decl dev[MLOG_MAX_DEVICES];
	bool has_observes;
	uint64_t observes;	/* bit (verb - MLOG_V_O_FIRST) per observed kind */
	/* x86 start state (format 2) */
	uint32_t nx86_cpu;
	struct mlog_x86_cpu_decl x86_cpu[256];
	uint32_t nx86_irq;
	struct mlog_x86_irq_decl x86_irq[MLOG_MAX_X86_IRQS];
};

/*
 * A set of keys: bit k for key k.  There are more than 64 keys, so the set
 * is 128 bits wide; use these helpers rather than shifts of 1ull.
 */
typedef unsigned __int128 mlog_keyset;
_Static_assert(MLOG_K__COUNT <= 128, "key sets are 128-bit");
#define MLOG_KEYBIT(k) ((mlog_keyset)1 << (k))
/* The lowest key in a non-empty set. */
static inline unsigned int mlog_keyset_first(mlog_keyset m)
{
	uint64_t lo = (uint64_t)m;

	return lo ? (unsigned int)__builtin_ctzll(lo)
		  : 64u + (unsigned int)__builtin_ctzll((uint64_t)(m >> 64));
}

/** struct mlog_event - one line of a trace, whatever its class */
struct mlog_event {
	enum mlog_verb verb;	/* MLOG_V_NONE: blank line or comment */
	bool is_comment;	/* verb NONE and the line is a "#" comment */
	uint32_t line;		/* 1-based line number in the source */
	mlog_keyset present;	/* MLOG_KEYBIT(key) for each key given */
	int64_t num[MLOG_K__COUNT];	/* numbers; DEV/ITS: declaration index;
					 * TIME: microseconds; FLG/KIND: bitmask;
					 * enums: their value; BDF: packed;
					 * IDX: index or MLOG_INDEX_ANY */
	uint16_t str_off[MLOG_K__COUNT];	/* STR/NAME/LIST text in strbuf */
	uint16_t str_len[MLOG_K__COUNT];
	char strbuf[MLOG_MAX_LINE + 1];	/* also holds the comment text */
	uint32_t strbuf_used;
};

/** struct mlog_error - what went wrong, and where */
struct mlog_error {
	char file[256];
	uint32_t line;		/* 0 when not tied to a line */
	uint32_t col;		/* 1-based byte column, 0 when not known */
	char msg[256];
};

struct mlog_reader;

/* Open @path ("-" = stdin).  NULL with *err filled on failure (exit 2). */
struct mlog_reader *mlog_reader_open(const char *path, struct mlog_error *err);
/* Read from memory (fuzz targets, tests); @name is used in messages. */
struct mlog_reader *mlog_reader_open_mem(const char *name, const char *buf,
					 size_t len, struct mlog_error *err);
void mlog_reader_close(struct mlog_reader *r);
/* 1: *ev holds the next line; 0: clean end of file; -1: error (see below). */
int mlog_read(struct mlog_reader *r, struct mlog_event *ev);
/*
 * Read the rest of the trace only to check it: the same checks and the same
 * error as a loop of mlog_read() to the end, without building the events
 * (faster; large regular files are checked by several threads).  0: valid
 * to the end, -1: error (see below).  *lines: the lines read (on an error,
 * those before the bad one), *events: how many of them were stimuli, meta
 * lines or observations.
 */
int mlog_validate(struct mlog_reader *r, uint64_t *lines, uint64_t *events);
const struct mlog_error *mlog_reader_error(const struct mlog_reader *r);
/* Declarations seen so far (complete once the first non-declaration is read). */
const struct mlog_decls *mlog_reader_decls(const struct mlog_reader *r);

/*
 * Every line of a file is one event, so writing every event read gives the
 * canonical file.  Lines that are not stimuli, observations or meta lines
 * have verb MLOG_V_NONE: a blank line, a comment (is_comment, the text from
 * '#' on at strbuf[0]) or the "mlog N" header line, which carries the key
 * MLOG_K_VERSION (see mlog_is_header()).
 */
static inline bool mlog_is_header(const struct mlog_event *ev)
{
	return ev->verb == MLOG_V_NONE && (ev->present & MLOG_KEYBIT(MLOG_K_VERSION)) != 0;
}

/*
 * Canonical text of one event, with its trailing LF; returns bytes written,
 * -1 when a DEV/ITS reference is not in @d, the text would be longer than
 * MLOG_MAX_LINE (errno E2BIG) or the write fails.
 */
int mlog_write_event(FILE *f, const struct mlog_decls *d, const struct mlog_event *ev);
/*
 * Same into a buffer, without the LF (NUL-terminated, truncated to @size);
 * returns the untruncated length like snprintf(), -1 on a bad reference.
 */
int mlog_format_event(char *buf, size_t size, const struct mlog_decls *d,
		      const struct mlog_event *ev);

/* Event construction helpers (fuzz decoder, converters, tests). */
void mlog_event_init(struct mlog_event *ev, enum mlog_verb verb);
void mlog_event_set(struct mlog_event *ev, enum mlog_key k, int64_t v);
int mlog_event_set_str(struct mlog_event *ev, enum mlog_key k, const char *s, size_t len);
static inline bool mlog_has(const struct mlog_event *ev, enum mlog_key k)
{
	return (ev->present & MLOG_KEYBIT(k)) != 0;
}
static inline const char *mlog_str(const struct mlog_event *ev, enum mlog_key k)
{
	return ev->strbuf + ev->str_off[k];
}

/* Schema look-ups. */
const char *mlog_verb_name(enum mlog_verb v);
enum mlog_class mlog_verb_class(enum mlog_verb v);
const char *mlog_key_name(enum mlog_key k);
const char *mlog_fault_name(enum mlog_fault f);
const char *mlog_fault_site(enum mlog_fault f);
enum mlog_verb mlog_verb_lookup(const char *name, size_t len, bool observation);
enum mlog_type mlog_key_type(enum mlog_key k);
/* Keys of @v in canonical order, "pid" and "t" included; returns the count. */
unsigned int mlog_verb_keys(enum mlog_verb v, const enum mlog_key **keys);
/* Keys @v requires / accepts. */
mlog_keyset mlog_verb_required(enum mlog_verb v);
mlog_keyset mlog_verb_allowed(enum mlog_verb v);
#define MLOG_V_O_FIRST MLOG_V_O_PCI_ENABLE_RANGE
static inline bool mlog_is_obs(enum mlog_verb v)
{
	return v >= MLOG_V_O_FIRST && v < MLOG_V__COUNT;
}

/* Parse a LIST value ("1-20,24") into a callback, ranges inclusive. */
int mlog_list_foreach(const char *s, size_t len,
		      int (*fn)(uint32_t lo, uint32_t hi, void *arg), void *arg);

#endif /* MSILAB_MLOG_H */
