/* SPDX-License-Identifier: GPL-2.0 */
/*
 * its_hw.h - a checker of the ITS command stream against the architecture
 * (GICv3/v4 architecture specification, ARM IHI 0069, ITS command
 * descriptions) and QEMU's ITS model (hw/intc/arm_gicv3_its.c).
 *
 * It keeps what the hardware would hold: per DeviceID the device table
 * entry MAPD wrote (valid, Size), and per (DeviceID, EventID) the live
 * interrupt translation (pINTID, target CPU) MAPTI wrote.  Each command
 * function returns ITS_HW_OK or the problem found, with a one-line reason.
 *
 * Policy: a flagged command is still applied as the kernel meant it, so
 * that one mistake is reported once and not again by every later command
 * it disturbs.  The exceptions are commands that name no device the model
 * can hold (DevID beyond DEVBITS, MAPTI/DISCARD/MOVI on an unmapped
 * DevID, capacity): those change nothing.
 *
 * Capacity is fixed (ITS_HW_MAX_DEVS device table entries ever seen,
 * ITS_HW_MAX_ITES live translations); running out is ITS_HW_E_CAPACITY,
 * a model limit, not a hardware verdict.  its_hw_reset() costs O(1):
 * entries are valid only when their generation matches the checker's.
 */
#ifndef MSILAB_MODEL_ITS_HW_H
#define MSILAB_MODEL_ITS_HW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ITS_HW_MAX_DEVS		1024
#define ITS_HW_DEV_SLOTS	2048	/* open addressing, load <= 1/2 */
#define ITS_HW_MAX_ITES		65536
#define ITS_HW_ITE_BUCKETS	16384
#define ITS_HW_NIL		UINT32_MAX

/** enum its_hw_problem - what a command did wrong (0 = accepted) */
enum its_hw_problem {
	ITS_HW_OK = 0,
	ITS_HW_E_DEVID,		/* DeviceID >= 2^devid_bits */
	ITS_HW_E_PARAM,		/* MAPD V=1 with nr_ites 0 (no Size to encode) */
	ITS_HW_E_MAPD_IDBITS,	/* MAPD Size + 1 > GITS_TYPER.IDbits + 1 (B6) */
	ITS_HW_E_UNMAP_LIVE,	/* MAPD V=0 while translations are live */
	ITS_HW_E_REMAP_LIVE,	/* MAPD V=1 on a mapped DevID with live translations */
	ITS_HW_E_UNMAPPED,	/* MAPTI/DISCARD/MOVI on a DevID with no valid DTE */
	ITS_HW_E_EVENT_IDBITS,	/* MAPTI EventID >= 2^(GITS_TYPER.IDbits + 1) (B6) */
	ITS_HW_E_ITT_RANGE,	/* MAPTI EventID >= 2^(Size + 1): outside the ITT */
	ITS_HW_E_INTID,		/* MAPTI pINTID below 8192: not an LPI */
	ITS_HW_E_MAPTI_LIVE,	/* MAPTI over a live translation */
	ITS_HW_E_DISCARD_NONE,	/* DISCARD with no live translation */
	ITS_HW_E_MOVI_NONE,	/* MOVI with no live translation */
	ITS_HW_E_CAPACITY,	/* the checker's tables are full: model limit */
	ITS_HW_E__COUNT
};

/* short stable name of a problem code ("mapti-outside-itt", ...) */
const char *its_hw_problem_name(int problem);

/*
 * the spec §7 bug a problem code is the signature of ("B6" for both
 * EventID-width codes), or NULL.  ITS_HW_E_CAPACITY is a model limit, not
 * an INV-I5 violation: callers should report it as such.
 */
const char *its_hw_problem_bug(int problem);

/** struct its_hw_dev - a device table entry as the checker sees it */
struct its_hw_dev {
	uint32_t gen;		/* slot in use iff == its_hw.gen */
	uint32_t devid;
	uint32_t nr_ites;	/* as the kernel passed it to MAPD */
	uint32_t live;		/* live translations */
	uint32_t head;		/* first live translation (ite index) or NIL */
	uint32_t remaps;	/* MAPD V=1 while already mapped */
	uint8_t size;		/* MAPD Size field: EventID bits - 1 */
	bool mapped;		/* DTE valid */
};

/** struct its_hw_ite - one live interrupt translation */
struct its_hw_ite {
	uint32_t devid, eventid;
	uint32_t lpi;		/* pINTID */
	uint32_t cpu;		/* target of the collection */
	uint32_t hnext;		/* hash chain */
	uint32_t dprev, dnext;	/* the device's list */
	uint16_t dev;		/* device slot */
};

/**
 * struct its_hw - the checker
 * @event_bits:	GITS_TYPER.IDbits + 1: EventID bits the ITS supports
 * @devid_bits:	GITS_TYPER.Devbits + 1: DeviceID bits the ITS supports
 * @gen:	current generation; slots of other generations are empty
 * @nr_devs:	device slots in use this generation
 * @ite_top:	ite pool high-water mark this generation
 * @ite_free:	ite free list (chained through hnext)
 * @nr_live:	live translations
 * @nr_syncs:	SYNC commands seen
 * @devs:	device table, open addressing on DevID
 * @bucket_gen, @bucket: ite hash heads, valid iff bucket_gen == gen
 * @ites:	the translation pool
 */
struct its_hw {
	uint32_t event_bits, devid_bits;
	uint32_t gen;
	uint32_t nr_devs;
	uint32_t ite_top, ite_free;
	uint32_t nr_live;
	uint64_t nr_syncs;
	struct its_hw_dev devs[ITS_HW_DEV_SLOTS];
	uint32_t bucket_gen[ITS_HW_ITE_BUCKETS];
	uint32_t bucket[ITS_HW_ITE_BUCKETS];
	struct its_hw_ite ites[ITS_HW_MAX_ITES];
};

/*
 * its_hw_init() - empty checker for an ITS with @event_bits EventID bits
 * and @devid_bits DeviceID bits (each 1..32; out-of-range values are
 * clamped).  Costs O(sizeof *hw) once; use its_hw_reset() afterwards.
 */
void its_hw_init(struct its_hw *hw, uint32_t event_bits, uint32_t devid_bits);

/* its_hw_reset() - forget every mapping; O(1) */
void its_hw_reset(struct its_hw *hw);
/* its_hw_reconfigure() - its_hw_reset() with new widths (clamped as above); O(1) */
void its_hw_reconfigure(struct its_hw *hw, uint32_t event_bits, uint32_t devid_bits);

/*
 * Commands.  Each returns ITS_HW_OK or an enum its_hw_problem and writes a
 * one-line reason into @why (@n bytes; nothing when @n is 0 or on OK).
 */

/* MAPD DeviceID, Size = ilog2(nr_ites) - 1, V */
int its_hw_mapd(struct its_hw *hw, uint32_t devid, uint32_t nr_ites, bool valid,
		char *why, size_t n);
/* MAPTI DeviceID, EventID, pINTID, ICID (the collection of @cpu) */
int its_hw_mapti(struct its_hw *hw, uint32_t devid, uint32_t eventid, uint32_t lpi,
		 uint32_t cpu, char *why, size_t n);
/* DISCARD DeviceID, EventID */
int its_hw_discard(struct its_hw *hw, uint32_t devid, uint32_t eventid,
		   char *why, size_t n);
/* MOVI DeviceID, EventID, ICID (the collection of @cpu) */
int its_hw_movi(struct its_hw *hw, uint32_t devid, uint32_t eventid, uint32_t cpu,
		char *why, size_t n);
/* SYNC (the collection of @cpu): counted; never a problem */
int its_hw_sync(struct its_hw *hw, uint32_t cpu);

/* Inspection */
bool its_hw_live(const struct its_hw *hw, uint32_t devid, uint32_t eventid,
		 uint32_t *lpi);
bool its_hw_live_cpu(const struct its_hw *hw, uint32_t devid, uint32_t eventid,
		     uint32_t *cpu);
uint32_t its_hw_live_count(const struct its_hw *hw, uint32_t devid);
uint32_t its_hw_live_total(const struct its_hw *hw);
bool its_hw_is_mapped(const struct its_hw *hw, uint32_t devid, uint32_t *nr_ites);
uint32_t its_hw_remap_count(const struct its_hw *hw, uint32_t devid);

#endif /* MSILAB_MODEL_ITS_HW_H */
