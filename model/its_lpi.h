/* SPDX-License-Identifier: GPL-2.0 */
/*
 * its_lpi.h - the GICv3 ITS LPI range allocator (spec §3.1, §3.2), which is
 * the same in v6.1 .. v6.18 (drivers/irqchip/irq-gic-v3-its.c).
 *
 * The kernel keeps the free LPIs as a list of {base, span} nodes sorted by
 * base; here the list is an array kept in the same order.  The state is
 * plain data owned by the caller; its_lpi_init() resets it in O(1).
 *
 * Errors are negative Linux errno values (-ENOMEM = -12, -ENOSPC = -28),
 * plus ITS_LPI_ERR_FULL when the model's own capacity is exceeded (not a
 * kernel outcome: the caller must stop and report a model limit).
 */
#ifndef MSILAB_MODEL_ITS_LPI_H
#define MSILAB_MODEL_ITS_LPI_H

#include <stddef.h>
#include <stdint.h>

#include "faults.h"

#define ITS_LPI_MAX_RANGES	4096	/* free-list nodes the model can hold */
#define ITS_LPI_FIRST		8192	/* first LPI INTID */
#define ITS_LPI_ERR_FULL	(-4096)	/* free list array full: model limit */

/* its_lpi_init() return values besides 0 */
#define ITS_LPI_INIT_WARN	1	/* hypervisor range > default: WARN, default used */

/** struct lpi_range - one free range of LPIs */
struct lpi_range {
	uint32_t base;	/* first free INTID */
	uint32_t span;	/* number of free INTIDs from @base */
};

/**
 * struct its_lpi_state - the free list (the kernel's lpi_range_list)
 * @nr:		number of nodes in use, r[0 .. nr-1]
 * @r:		the nodes, in list order (sorted by base unless corrupted by a
 *		double free, which the kernel does not detect either)
 * @pool_base:	first INTID of the pool (8192)
 * @pool_size:	number of LPIs in the pool
 */
struct its_lpi_state {
	uint32_t nr;
	struct lpi_range r[ITS_LPI_MAX_RANGES];
	uint32_t pool_base, pool_size;
};

/*
 * its_lpi_init() - one free range {8192, pool}.  @lpi_bits is lpi_id_bits
 * (14..32); @num_lpis the hypervisor restriction numlpis =
 * 1 << (GICD_TYPER.num_LPIs + 1), 0 when the field is 0.  Returns 0,
 * ITS_LPI_INIT_WARN (restriction larger than the default: the kernel WARNs
 * and uses the default) or -EINVAL for @lpi_bits out of range.
 */
int its_lpi_init(struct its_lpi_state *s, uint32_t lpi_bits, uint32_t num_lpis);

/* alloc_lpi_range() - first fit of @nr_lpis LPIs; 0 or -ENOSPC */
int alloc_lpi_range(struct its_lpi_state *s, uint32_t nr_lpis, uint32_t *base);

/*
 * free_lpi_range() - give back [@base, @base + @nr_lpis), merging with
 * neighbours; 0, or ITS_LPI_ERR_FULL (nothing changed) when a new node is
 * needed and the array is full.
 */
int free_lpi_range(struct its_lpi_state *s, uint32_t base, uint32_t nr_lpis);

/*
 * its_lpi_alloc() - @nr_irqs LPIs or, failing that, the largest of
 * @nr_irqs/2, @nr_irqs/4, ... that fits.  0 with *@base, *@nr_ids set, or
 * -ENOSPC with both zeroed.  Each alloc_lpi_range() attempt is one hit of
 * the fault point ML_F_ALLOC_LPI_RANGE.
 */
int its_lpi_alloc(struct its_lpi_state *s, struct ml_faults *f, uint32_t nr_irqs,
		  uint32_t *base, uint32_t *nr_ids);

/*
 * its_lpi_free() - free_lpi_range(); when the fault point
 * ML_F_FREE_LPI_RANGE fires the node allocation fails: the LPIs are lost
 * and -ENOMEM is returned (the kernel WARNs).  ITS_LPI_ERR_FULL as above.
 */
int its_lpi_free(struct its_lpi_state *s, struct ml_faults *f, uint32_t base,
		 uint32_t nr_ids);

/* Σ spans of the free list */
uint64_t its_lpi_free_total(const struct its_lpi_state *s);

/* its_lpi_check() results: which free-list property (INV-I3) is broken */
enum its_lpi_check_err {
	ITS_LPI_OK = 0,
	ITS_LPI_BAD_COUNT,	/* nr > ITS_LPI_MAX_RANGES */
	ITS_LPI_EMPTY_RANGE,	/* a node with span 0 */
	ITS_LPI_OUT_OF_POOL,	/* a node outside [pool_base, pool_base + pool_size) */
	ITS_LPI_UNSORTED,	/* nodes not in increasing base order */
	ITS_LPI_OVERLAP,	/* two nodes share INTIDs */
	ITS_LPI_ADJACENT,	/* two nodes touch: they should have been merged */
};

/*
 * its_lpi_check() - ITS_LPI_OK, or the first broken property with a
 * one-line description in @why (@n bytes, may be 0).
 */
int its_lpi_check(const struct its_lpi_state *s, char *why, size_t n);

#endif /* MSILAB_MODEL_ITS_LPI_H */
