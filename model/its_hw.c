// SPDX-License-Identifier: GPL-2.0
/*
 * its_hw.c - the ITS command checker (spec §6.2 INV-I5, bug B6).
 *
 * References, used in the comments below:
 *   IHI 0069  ARM GICv3/v4 architecture specification, "ITS commands":
 *             MAPD, MAPTI, DISCARD, MOVI, SYNC descriptions and their
 *             command errors.
 *   QEMU      hw/intc/arm_gicv3_its.c: process_mapd(), process_mapti(),
 *             process_its_cmd() (DISCARD), process_movi().  QEMU logs a
 *             guest error and ignores a command with bad parameters.
 */
#include "its_hw.h"

#include <stdio.h>
#include <string.h>

#include "bitops.h"

#define DEV_HASH_BITS	11	/* log2(ITS_HW_DEV_SLOTS) */
#define ITE_HASH_BITS	14	/* log2(ITS_HW_ITE_BUCKETS) */
#define MIN_LPI		8192

_Static_assert(ITS_HW_DEV_SLOTS == 1u << DEV_HASH_BITS, "device slots");
_Static_assert(ITS_HW_ITE_BUCKETS == 1u << ITE_HASH_BITS, "ite buckets");
_Static_assert(ITS_HW_DEV_SLOTS <= 65536, "device slot index is 16 bits");
_Static_assert(ITS_HW_MAX_DEVS < ITS_HW_DEV_SLOTS, "open addressing needs a free slot");

static const char *const problem_names[ITS_HW_E__COUNT] = {
	[ITS_HW_OK]		= "ok",
	[ITS_HW_E_DEVID]	= "devid-out-of-range",
	[ITS_HW_E_PARAM]	= "mapd-bad-size",
	[ITS_HW_E_MAPD_IDBITS]	= "mapd-size-beyond-idbits",
	[ITS_HW_E_UNMAP_LIVE]	= "mapd-unmap-with-live-translations",
	[ITS_HW_E_REMAP_LIVE]	= "mapd-remap-with-live-translations",
	[ITS_HW_E_UNMAPPED]	= "devid-not-mapped",
	[ITS_HW_E_EVENT_IDBITS]	= "mapti-eventid-beyond-idbits",
	[ITS_HW_E_ITT_RANGE]	= "mapti-outside-itt",
	[ITS_HW_E_INTID]	= "mapti-intid-not-lpi",
	[ITS_HW_E_MAPTI_LIVE]	= "mapti-over-live-translation",
	[ITS_HW_E_DISCARD_NONE]	= "discard-without-translation",
	[ITS_HW_E_MOVI_NONE]	= "movi-without-translation",
	[ITS_HW_E_CAPACITY]	= "checker-capacity",
};

const char *its_hw_problem_name(int problem)
{
	if (problem < 0 || problem >= ITS_HW_E__COUNT)
		return "unknown";
	return problem_names[problem];
}

const char *its_hw_problem_bug(int problem)
{
	if (problem == ITS_HW_E_MAPD_IDBITS || problem == ITS_HW_E_EVENT_IDBITS)
		return "B6";
	return NULL;
}

/* ---- tables ---------------------------------------------------------- */

static uint32_t dev_hash(uint32_t devid)
{
	return (devid * 0x9e3779b1u) >> (32 - DEV_HASH_BITS);
}

static uint32_t ite_hash(uint32_t devid, uint32_t eventid)
{
	uint32_t h = devid * 0x9e3779b1u + eventid;

	h ^= h >> 15;
	h *= 0x85ebca77u;
	h ^= h >> 13;
	return h & (ITS_HW_ITE_BUCKETS - 1);
}

/* the slot holding @devid, or the empty slot where it would go */
static uint32_t dev_probe(const struct its_hw *hw, uint32_t devid)
{
	uint32_t i = dev_hash(devid);

	while (hw->devs[i].gen == hw->gen && hw->devs[i].devid != devid)
		i = (i + 1) & (ITS_HW_DEV_SLOTS - 1);
	return i;
}

/* the slot holding @devid, or ITS_HW_NIL */
static uint32_t dev_find(const struct its_hw *hw, uint32_t devid)
{
	uint32_t i = dev_probe(hw, devid);

	return hw->devs[i].gen == hw->gen ? i : ITS_HW_NIL;
}

/* find or create the entry of @devid; NULL when the table is full */
static struct its_hw_dev *dev_get(struct its_hw *hw, uint32_t devid)
{
	struct its_hw_dev *d = &hw->devs[dev_probe(hw, devid)];

	if (d->gen == hw->gen)
		return d;
	if (hw->nr_devs >= ITS_HW_MAX_DEVS)
		return NULL;
	hw->nr_devs++;
	memset(d, 0, sizeof(*d));
	d->gen = hw->gen;
	d->devid = devid;
	d->head = ITS_HW_NIL;
	return d;
}

static uint32_t bucket_head(const struct its_hw *hw, uint32_t b)
{
	return hw->bucket_gen[b] == hw->gen ? hw->bucket[b] : ITS_HW_NIL;
}

static uint32_t ite_find(const struct its_hw *hw, uint32_t devid, uint32_t eventid)
{
	uint32_t i = bucket_head(hw, ite_hash(devid, eventid));

	while (i != ITS_HW_NIL &&
	       (hw->ites[i].devid != devid || hw->ites[i].eventid != eventid))
		i = hw->ites[i].hnext;
	return i;
}

static uint32_t ite_add(struct its_hw *hw, struct its_hw_dev *d, uint32_t eventid)
{
	uint32_t b = ite_hash(d->devid, eventid), i;
	struct its_hw_ite *e;

	if (hw->ite_free != ITS_HW_NIL) {
		i = hw->ite_free;
		hw->ite_free = hw->ites[i].hnext;
	} else if (hw->ite_top < ITS_HW_MAX_ITES) {
		i = hw->ite_top++;
	} else {
		return ITS_HW_NIL;
	}
	e = &hw->ites[i];
	e->devid = d->devid;
	e->eventid = eventid;
	e->dev = (uint16_t)(d - hw->devs);
	e->hnext = bucket_head(hw, b);
	hw->bucket[b] = i;
	hw->bucket_gen[b] = hw->gen;
	e->dprev = ITS_HW_NIL;
	e->dnext = d->head;
	if (d->head != ITS_HW_NIL)
		hw->ites[d->head].dprev = i;
	d->head = i;
	d->live++;
	hw->nr_live++;
	return i;
}

static void ite_del(struct its_hw *hw, uint32_t i)
{
	struct its_hw_ite *e = &hw->ites[i];
	struct its_hw_dev *d = &hw->devs[e->dev];
	uint32_t b = ite_hash(e->devid, e->eventid);
	uint32_t *link = &hw->bucket[b];

	while (*link != i)
		link = &hw->ites[*link].hnext;
	*link = e->hnext;
	if (e->dprev != ITS_HW_NIL)
		hw->ites[e->dprev].dnext = e->dnext;
	else
		d->head = e->dnext;
	if (e->dnext != ITS_HW_NIL)
		hw->ites[e->dnext].dprev = e->dprev;
	d->live--;
	hw->nr_live--;
	e->hnext = hw->ite_free;
	hw->ite_free = i;
}

/* the device's ITT is gone or replaced: its translations go with it */
static void dev_drop_ites(struct its_hw *hw, struct its_hw_dev *d)
{
	while (d->head != ITS_HW_NIL)
		ite_del(hw, d->head);
}

/* ---- lifecycle -------------------------------------------------------- */

static uint32_t clamp_bits(uint32_t bits)
{
	return bits < 1 ? 1 : bits > 32 ? 32 : bits;
}

void its_hw_init(struct its_hw *hw, uint32_t event_bits, uint32_t devid_bits)
{
	memset(hw, 0, sizeof(*hw));
	hw->event_bits = clamp_bits(event_bits);
	hw->devid_bits = clamp_bits(devid_bits);
	hw->gen = 1;
	hw->ite_free = ITS_HW_NIL;
}

/*
 * its_hw_reconfigure() - an initialised checker for another ITS: forget
 * every mapping (its_hw_reset()) and take the new widths; O(1).
 */
void its_hw_reconfigure(struct its_hw *hw, uint32_t event_bits, uint32_t devid_bits)
{
	its_hw_reset(hw);
	hw->event_bits = clamp_bits(event_bits);
	hw->devid_bits = clamp_bits(devid_bits);
}

void its_hw_reset(struct its_hw *hw)
{
	if (++hw->gen == 0) {
		/* once every 2^32 resets: really clear the stamps */
		uint32_t i;

		for (i = 0; i < ITS_HW_DEV_SLOTS; i++)
			hw->devs[i].gen = 0;
		memset(hw->bucket_gen, 0, sizeof(hw->bucket_gen));
		hw->gen = 1;
	}
	hw->nr_devs = 0;
	hw->ite_top = 0;
	hw->ite_free = ITS_HW_NIL;
	hw->nr_live = 0;
	hw->nr_syncs = 0;
}

/* ---- checks shared by the commands ------------------------------------ */

#define WHY(...)	do { if (n) snprintf(why, n, __VA_ARGS__); } while (0)

/*
 * IHI 0069, every command naming a DeviceID: a DeviceID that needs more
 * than GITS_TYPER.Devbits + 1 bits is a command error.  QEMU: devid >=
 * dt.num_ids → ignored (process_mapd, process_mapti, process_its_cmd).
 */
static int check_devid(const struct its_hw *hw, const char *cmd, uint32_t devid,
		       char *why, size_t n)
{
	if (hw->devid_bits < 32 && devid >> hw->devid_bits) {
		WHY("%s DevID 0x%x: beyond the ITS's %u DeviceID bits (GITS_TYPER.Devbits %u)",
		    cmd, devid, hw->devid_bits, hw->devid_bits - 1);
		return ITS_HW_E_DEVID;
	}
	return ITS_HW_OK;
}

/*
 * IHI 0069, MAPTI/DISCARD/MOVI: translating through a DeviceID whose DTE
 * is not valid is a command error.  QEMU: dte_valid false → ignored.
 */
static struct its_hw_dev *mapped_dev(struct its_hw *hw, const char *cmd,
				     uint32_t devid, uint32_t eventid,
				     int *err, char *why, size_t n)
{
	struct its_hw_dev *d;
	uint32_t slot;

	*err = check_devid(hw, cmd, devid, why, n);
	if (*err)
		return NULL;
	slot = dev_find(hw, devid);
	d = slot != ITS_HW_NIL ? &hw->devs[slot] : NULL;
	if (!d || !d->mapped) {
		WHY("%s DevID 0x%x EventID %u: DevID not mapped (no MAPD V=1%s)",
		    cmd, devid, eventid, d ? " since its MAPD V=0" : "");
		*err = ITS_HW_E_UNMAPPED;
		return NULL;
	}
	return d;
}

/* ---- commands --------------------------------------------------------- */

/* v6.12 drivers/irqchip/irq-gic-v3-its.c: its_send_mapd() → hardware MAPD */
int its_hw_mapd(struct its_hw *hw, uint32_t devid, uint32_t nr_ites, bool valid,
		char *why, size_t n)
{
	struct its_hw_dev *d;
	uint8_t size;
	int err;

	err = check_devid(hw, "MAPD", devid, why, n);
	if (err)
		return err;

	if (!valid) {
		uint32_t slot = dev_find(hw, devid);

		/* unmapping an unmapped DevID only rewrites an invalid DTE: harmless */
		if (slot == ITS_HW_NIL || !hw->devs[slot].mapped)
			return ITS_HW_OK;
		d = &hw->devs[slot];
		d->mapped = false;
		/*
		 * IHI 0069, MAPD: with V=0 the DTE becomes invalid and the ITT
		 * is abandoned; translations not removed by DISCARD first may
		 * stay cached and their pending LPIs are never cleared
		 * (UNPREDICTABLE).  Linux always DISCARDs before MAPD V=0.
		 */
		if (d->live) {
			WHY("MAPD DevID 0x%x V=0: %u translation%s still live (no DISCARD before unmapping the ITT)",
			    devid, d->live, d->live == 1 ? "" : "s");
			dev_drop_ites(hw, d);
			return ITS_HW_E_UNMAP_LIVE;
		}
		return ITS_HW_OK;
	}

	/* the kernel encodes Size = ilog2(nr_ites) - 1 in a 5-bit field */
	if (nr_ites == 0) {
		WHY("MAPD DevID 0x%x V=1 with 0 ITEs: no Size to encode", devid);
		return ITS_HW_E_PARAM;
	}
	size = (uint8_t)((ilog2(nr_ites) - 1) & 0x1f);

	d = dev_get(hw, devid);
	if (!d) {
		WHY("MAPD DevID 0x%x: checker full (%u DevIDs)", devid, ITS_HW_MAX_DEVS);
		return ITS_HW_E_CAPACITY;
	}

	/*
	 * IHI 0069, MAPD: Size + 1 EventID bits must not exceed
	 * GITS_TYPER.IDbits + 1; otherwise a command error.  QEMU:
	 * size > GITS_TYPER.IDbits → ignored.  Linux does not check it before
	 * the Feb-2026 fix (bug B6).
	 */
	if ((uint32_t)size + 1 > hw->event_bits) {
		WHY("MAPD DevID 0x%x Size %u (nr_ites %u): %u EventID bits, the ITS supports %u (GITS_TYPER.IDbits %u)",
		    devid, size, nr_ites, size + 1, hw->event_bits, hw->event_bits - 1);
		err = ITS_HW_E_MAPD_IDBITS;
	}

	if (d->mapped) {
		/*
		 * IHI 0069, MAPD: remapping a valid DeviceID to a new ITT
		 * abandons the old ITT; its live translations are UNPREDICTABLE.
		 * Linux only remaps after MAPD V=0, so any remap is recorded.
		 */
		d->remaps++;
		if (d->live && !err) {
			WHY("MAPD DevID 0x%x V=1: already mapped (Size %u) with %u live translation%s",
			    devid, d->size, d->live, d->live == 1 ? "" : "s");
			err = ITS_HW_E_REMAP_LIVE;
		}
		dev_drop_ites(hw, d);
	}
	d->mapped = true;
	d->size = size;
	d->nr_ites = nr_ites;
	return err;
}

/* v6.12 drivers/irqchip/irq-gic-v3-its.c: its_send_mapti() → hardware MAPTI */
int its_hw_mapti(struct its_hw *hw, uint32_t devid, uint32_t eventid, uint32_t lpi,
		 uint32_t cpu, char *why, size_t n)
{
	struct its_hw_dev *d;
	uint64_t itt_events;
	uint32_t i;
	int err;

	d = mapped_dev(hw, "MAPTI", devid, eventid, &err, why, n);
	if (!d)
		return err;

	/*
	 * IHI 0069, MAPTI: an EventID that needs more bits than the DTE's
	 * Size + 1 lies outside the ITT → command error.  QEMU: eventid >=
	 * 1 << (DTE.SIZE + 1) → ignored.
	 */
	itt_events = 1ULL << (d->size + 1);
	if (eventid >= itt_events) {
		WHY("MAPTI DevID 0x%x EventID %u: outside the ITT (MAPD Size %u maps EventIDs 0..%llu)",
		    devid, eventid, d->size, (unsigned long long)(itt_events - 1));
		err = ITS_HW_E_ITT_RANGE;
	} else if (hw->event_bits < 32 && eventid >> hw->event_bits) {
		/*
		 * IHI 0069, MAPTI: an EventID beyond GITS_TYPER.IDbits + 1 bits
		 * is a command error (bug B6: reachable only after a MAPD whose
		 * Size already exceeded IDbits).
		 */
		WHY("MAPTI DevID 0x%x EventID %u: beyond the ITS's %u EventID bits (GITS_TYPER.IDbits %u)",
		    devid, eventid, hw->event_bits, hw->event_bits - 1);
		err = ITS_HW_E_EVENT_IDBITS;
	} else if (lpi < MIN_LPI) {
		/*
		 * IHI 0069, MAPTI: pINTID must be a physical LPI (>= 8192) or
		 * 1023.  QEMU: pIntid < GICV3_LPI_INTID_START → ignored.
		 */
		WHY("MAPTI DevID 0x%x EventID %u: pINTID %u is not an LPI (< 8192)",
		    devid, eventid, lpi);
		err = ITS_HW_E_INTID;
	}

	i = ite_find(hw, devid, eventid);
	if (i != ITS_HW_NIL) {
		/*
		 * IHI 0069, MAPTI: mapping an EventID that already has a
		 * translation replaces it while the old LPI may be pending
		 * (the architecture expects DISCARD or MOVI first).  Linux
		 * never does this: each MAPTI follows a DISCARD or a fresh MAPD.
		 */
		if (!err) {
			WHY("MAPTI DevID 0x%x EventID %u pINTID %u: EventID already translated to pINTID %u",
			    devid, eventid, lpi, hw->ites[i].lpi);
			err = ITS_HW_E_MAPTI_LIVE;
		}
	} else {
		i = ite_add(hw, d, eventid);
		if (i == ITS_HW_NIL) {
			WHY("MAPTI DevID 0x%x EventID %u: checker full (%u translations)",
			    devid, eventid, ITS_HW_MAX_ITES);
			return ITS_HW_E_CAPACITY;
		}
	}
	hw->ites[i].lpi = lpi;
	hw->ites[i].cpu = cpu;
	return err;
}

/* v6.12 drivers/irqchip/irq-gic-v3-its.c: its_send_discard() → hardware DISCARD */
int its_hw_discard(struct its_hw *hw, uint32_t devid, uint32_t eventid,
		   char *why, size_t n)
{
	struct its_hw_dev *d;
	uint32_t i;
	int err;

	d = mapped_dev(hw, "DISCARD", devid, eventid, &err, why, n);
	if (!d)
		return err;
	/*
	 * IHI 0069, DISCARD: an EventID with no valid ITE is a command error.
	 * QEMU: process_its_cmd() finds the ITE invalid → ignored.
	 */
	i = ite_find(hw, devid, eventid);
	if (i == ITS_HW_NIL) {
		WHY("DISCARD DevID 0x%x EventID %u: no live translation", devid, eventid);
		return ITS_HW_E_DISCARD_NONE;
	}
	ite_del(hw, i);
	return ITS_HW_OK;
}

/* v6.12 drivers/irqchip/irq-gic-v3-its.c: its_send_movi() → hardware MOVI */
int its_hw_movi(struct its_hw *hw, uint32_t devid, uint32_t eventid, uint32_t cpu,
		char *why, size_t n)
{
	struct its_hw_dev *d;
	uint32_t i;
	int err;

	d = mapped_dev(hw, "MOVI", devid, eventid, &err, why, n);
	if (!d)
		return err;
	/*
	 * IHI 0069, MOVI: an EventID with no valid ITE is a command error.
	 * QEMU: process_movi() finds the ITE invalid → ignored.
	 */
	i = ite_find(hw, devid, eventid);
	if (i == ITS_HW_NIL) {
		WHY("MOVI DevID 0x%x EventID %u: no live translation to move", devid, eventid);
		return ITS_HW_E_MOVI_NONE;
	}
	hw->ites[i].cpu = cpu;
	return ITS_HW_OK;
}

/* v6.12 drivers/irqchip/irq-gic-v3-its.c: its_send_sync() → hardware SYNC */
int its_hw_sync(struct its_hw *hw, uint32_t cpu)
{
	/* the checker applies every command at once, as QEMU does */
	(void)cpu;
	hw->nr_syncs++;
	return ITS_HW_OK;
}

/* ---- inspection ------------------------------------------------------- */

bool its_hw_live(const struct its_hw *hw, uint32_t devid, uint32_t eventid,
		 uint32_t *lpi)
{
	uint32_t i = ite_find(hw, devid, eventid);

	if (i == ITS_HW_NIL)
		return false;
	if (lpi)
		*lpi = hw->ites[i].lpi;
	return true;
}

bool its_hw_live_cpu(const struct its_hw *hw, uint32_t devid, uint32_t eventid,
		     uint32_t *cpu)
{
	uint32_t i = ite_find(hw, devid, eventid);

	if (i == ITS_HW_NIL)
		return false;
	if (cpu)
		*cpu = hw->ites[i].cpu;
	return true;
}

uint32_t its_hw_live_count(const struct its_hw *hw, uint32_t devid)
{
	uint32_t slot = dev_find(hw, devid);
	const struct its_hw_dev *d = slot != ITS_HW_NIL ? &hw->devs[slot] : NULL;

	return d ? d->live : 0;
}

uint32_t its_hw_live_total(const struct its_hw *hw)
{
	return hw->nr_live;
}

bool its_hw_is_mapped(const struct its_hw *hw, uint32_t devid, uint32_t *nr_ites)
{
	uint32_t slot = dev_find(hw, devid);
	const struct its_hw_dev *d = slot != ITS_HW_NIL ? &hw->devs[slot] : NULL;

	if (!d || !d->mapped)
		return false;
	if (nr_ites)
		*nr_ites = d->nr_ites;
	return true;
}

uint32_t its_hw_remap_count(const struct its_hw *hw, uint32_t devid)
{
	uint32_t slot = dev_find(hw, devid);
	const struct its_hw_dev *d = slot != ITS_HW_NIL ? &hw->devs[slot] : NULL;

	return d ? d->remaps : 0;
}
