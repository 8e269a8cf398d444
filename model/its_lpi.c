// SPDX-License-Identifier: GPL-2.0
/*
 * its_lpi.c - the GICv3 ITS LPI range allocator (spec §3.2).
 *
 * The kernel's list becomes an array in list order: inserting or removing a
 * node is a memmove of the tail.  Node allocation failure (the kmalloc in
 * free_lpi_range()) is the fault point ML_F_FREE_LPI_RANGE.
 */
#include "its_lpi.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

_Static_assert(ENOMEM == 12 && ENOSPC == 28 && EINVAL == 22,
	       "host errno values differ from Linux");

/* v6.12 drivers/irqchip/irq-gic-v3-its.c: its_lpi_init() */
int its_lpi_init(struct its_lpi_state *s, uint32_t lpi_bits, uint32_t num_lpis)
{
	uint64_t lpis;
	int ret = 0;

	if (lpi_bits < 14 || lpi_bits > 32)
		return -EINVAL;
	lpis = (1ULL << lpi_bits) - ITS_LPI_FIRST;
	/*
	 * A hypervisor may advertise fewer LPIs (GICD_TYPER.num_LPIs); the
	 * kernel honours it only when it is not larger than what the ID bits
	 * allow, and WARNs otherwise.
	 */
	if (num_lpis > 2) {
		if (num_lpis <= lpis)
			lpis = num_lpis;
		else
			ret = ITS_LPI_INIT_WARN;
	}
	s->pool_base = ITS_LPI_FIRST;
	s->pool_size = (uint32_t)lpis;
	s->r[0].base = ITS_LPI_FIRST;
	s->r[0].span = (uint32_t)lpis;
	s->nr = 1;
	return ret;
}

static void del_node(struct its_lpi_state *s, uint32_t i)
{
	memmove(&s->r[i], &s->r[i + 1], (s->nr - i - 1) * sizeof(s->r[0]));
	s->nr--;
}

/* v6.12 drivers/irqchip/irq-gic-v3-its.c: alloc_lpi_range() */
int alloc_lpi_range(struct its_lpi_state *s, uint32_t nr_lpis, uint32_t *base)
{
	uint32_t i;

	for (i = 0; i < s->nr; i++) {
		struct lpi_range *range = &s->r[i];

		if (range->span >= nr_lpis) {
			*base = range->base;
			range->base += nr_lpis;
			range->span -= nr_lpis;
			if (range->span == 0)
				del_node(s, i);
			return 0;
		}
	}
	return -ENOSPC;
}

/*
 * v6.12 drivers/irqchip/irq-gic-v3-its.c: free_lpi_range()
 *
 * The kernel walks the list backwards to the first node whose base is below
 * @base, links the new node after it, then merges (prev, new) and (new,
 * next).  The same walk is kept (rather than a binary search) so that a
 * list corrupted by a double free evolves exactly as the kernel's would.
 */
int free_lpi_range(struct its_lpi_state *s, uint32_t base, uint32_t nr_lpis)
{
	uint32_t pos = s->nr;	/* index the new node takes */
	struct lpi_range *prev, *next;
	int merge_prev, merge_next;

	while (pos > 0 && s->r[pos - 1].base >= base)
		pos--;
	prev = pos > 0 ? &s->r[pos - 1] : NULL;
	next = pos < s->nr ? &s->r[pos] : NULL;
	/* merge_lpi_ranges(a, b): a.base + a.span == b.base, in u32 */
	merge_prev = prev && (uint32_t)(prev->base + prev->span) == base;
	if (merge_prev) {
		/* new absorbs prev: new = {prev.base, prev.span + nr} */
		uint32_t nbase = prev->base, nspan = prev->span + nr_lpis;

		merge_next = next && (uint32_t)(nbase + nspan) == next->base;
		if (merge_next) {
			next->base = nbase;
			next->span += nspan;
			del_node(s, pos - 1);
		} else {
			prev->span = nspan;	/* prev's slot now holds the new node */
		}
		return 0;
	}
	merge_next = next && (uint32_t)(base + nr_lpis) == next->base;
	if (merge_next) {
		next->base = base;
		next->span += nr_lpis;
		return 0;
	}
	if (s->nr >= ITS_LPI_MAX_RANGES)
		return ITS_LPI_ERR_FULL;
	memmove(&s->r[pos + 1], &s->r[pos], (s->nr - pos) * sizeof(s->r[0]));
	s->r[pos].base = base;
	s->r[pos].span = nr_lpis;
	s->nr++;
	return 0;
}

/* v6.12 drivers/irqchip/irq-gic-v3-its.c: its_lpi_alloc() */
int its_lpi_alloc(struct its_lpi_state *s, struct ml_faults *f, uint32_t nr_irqs,
		  uint32_t *base, uint32_t *nr_ids)
{
	int err;

	do {
		if (ml_should_fail(f, ML_F_ALLOC_LPI_RANGE))
			err = -ENOSPC;
		else
			err = alloc_lpi_range(s, nr_irqs, base);
		if (!err)
			break;
		nr_irqs /= 2;
	} while (nr_irqs > 0);
	/* a request for 0 "succeeds" in alloc_lpi_range() but is refused here */
	if (!nr_irqs)
		err = -ENOSPC;
	if (err) {
		*base = 0;
		*nr_ids = 0;
		return err;
	}
	/* the bitmap_zalloc() of the EventID map is the caller's (its_create_device) */
	*nr_ids = nr_irqs;
	return 0;
}

/* v6.12 drivers/irqchip/irq-gic-v3-its.c: its_lpi_free() */
int its_lpi_free(struct its_lpi_state *s, struct ml_faults *f, uint32_t base,
		 uint32_t nr_ids)
{
	if (ml_should_fail(f, ML_F_FREE_LPI_RANGE))
		return -ENOMEM;	/* kmalloc failed: WARN_ON, the LPIs are lost */
	return free_lpi_range(s, base, nr_ids);
}

uint64_t its_lpi_free_total(const struct its_lpi_state *s)
{
	uint64_t total = 0;
	uint32_t i;

	for (i = 0; i < s->nr && i < ITS_LPI_MAX_RANGES; i++)
		total += s->r[i].span;
	return total;
}

/* consecutive nodes @p, @r: sorted, disjoint, not touching */
static int check_pair(const struct lpi_range *p, const struct lpi_range *r,
		      char *why, size_t n)
{
	uint64_t pend = (uint64_t)p->base + p->span;
	uint64_t end = (uint64_t)r->base + r->span;

	if (p->base > r->base) {
		if (n)
			snprintf(why, n,
				 "free ranges out of order: LPI %u listed before LPI %u",
				 p->base, r->base);
		return ITS_LPI_UNSORTED;
	}
	if (pend > r->base) {
		if (n)
			snprintf(why, n,
				 "free ranges [%u, %llu) and [%u, %llu) overlap (double free)",
				 p->base, (unsigned long long)pend, r->base,
				 (unsigned long long)end);
		return ITS_LPI_OVERLAP;
	}
	if (pend == r->base) {
		if (n)
			snprintf(why, n,
				 "free ranges [%u, %llu) and [%u, %llu) touch but were not merged",
				 p->base, (unsigned long long)pend, r->base,
				 (unsigned long long)end);
		return ITS_LPI_ADJACENT;
	}
	return ITS_LPI_OK;
}

int its_lpi_check(const struct its_lpi_state *s, char *why, size_t n)
{
	uint64_t pool_end = (uint64_t)s->pool_base + s->pool_size;
	uint32_t i;

	if (s->nr > ITS_LPI_MAX_RANGES) {
		if (n)
			snprintf(why, n, "free list holds %u nodes, more than %u",
				 s->nr, ITS_LPI_MAX_RANGES);
		return ITS_LPI_BAD_COUNT;
	}
	for (i = 0; i < s->nr; i++) {
		const struct lpi_range *r = &s->r[i];
		uint64_t end = (uint64_t)r->base + r->span;

		if (r->span == 0) {
			if (n)
				snprintf(why, n, "free range %u at LPI %u has span 0",
					 i, r->base);
			return ITS_LPI_EMPTY_RANGE;
		}
		if (r->base < s->pool_base || end > pool_end) {
			if (n)
				snprintf(why, n,
					 "free range [%u, %llu) is outside the LPI pool [%u, %llu)",
					 r->base, (unsigned long long)end, s->pool_base,
					 (unsigned long long)pool_end);
			return ITS_LPI_OUT_OF_POOL;
		}
		if (i > 0) {
			int err = check_pair(&s->r[i - 1], r, why, n);

			if (err)
				return err;
		}
	}
	return ITS_LPI_OK;
}
