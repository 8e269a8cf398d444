/* SPDX-License-Identifier: GPL-2.0 */
/*
 * faults.h - fault-injection points of the model (spec section 8).
 *
 * Each point is a real failure site of the kernel code the model mirrors.
 * A point is armed with (skip, count): the next @skip hits succeed, the
 * @count hits after them fail.  The .mlog "fault" stimulus arms them; the
 * names below are the ones the format uses.
 */
#ifndef MSILAB_MODEL_FAULTS_H
#define MSILAB_MODEL_FAULTS_H

#include <stdbool.h>
#include <stdint.h>

/* ML_FAULT(id, name, what fails) */
#define ML_FAULTS(F)								\
	F(ITS_ALLOC_DEVICE_TABLE, "its_alloc_device_table",			\
	  "its_alloc_device_table() returns false: prepare fails with -ENOMEM") \
	F(ITS_CREATE_DEVICE_DEV, "its_create_device.dev",			\
	  "the its_device allocation fails in its_create_device()")		\
	F(ITS_CREATE_DEVICE_ITT, "its_create_device.itt",			\
	  "the ITT allocation fails in its_create_device()")			\
	F(ITS_CREATE_DEVICE_COL_MAP, "its_create_device.col_map",		\
	  "the col_map allocation fails in its_create_device()")		\
	F(ALLOC_LPI_RANGE,	"alloc_lpi_range",				\
	  "alloc_lpi_range() finds no range (its_lpi_alloc() halves and retries)") \
	F(FREE_LPI_RANGE,	"free_lpi_range",				\
	  "the kmalloc in free_lpi_range() fails: WARN, the range is lost")	\
	F(IOMMU_DMA_PREPARE_MSI, "iommu_dma_prepare_msi",			\
	  "iommu_dma_prepare_msi() fails inside its_irq_domain_alloc()")	\
	F(GIC_IRQ_ALLOC,	"its_irq_gic_domain_alloc",			\
	  "the parent GIC LPI allocation fails for one irq of a batch")	\
	F(IRQ_DOMAIN_ALLOC_DESCS, "irq_domain_alloc_descs",			\
	  "Linux irq number allocation fails")					\
	F(MSI_INIT_VIRQ,	"msi_init_virq",				\
	  "activation at allocation fails")					\
	F(MSI_INSERT_DESC,	"msi_insert_desc",				\
	  "descriptor insertion fails (-ENOMEM)")				\
	F(MSI_CREATE_DEVICE_IRQ_DOMAIN, "msi_create_device_irq_domain",	\
	  "device MSI domain creation fails before prepare")			\
	F(IRQ_MATRIX_ALLOC,	"irq_matrix_alloc",				\
	  "x86 irq_matrix_alloc() returns -ENOSPC")				\
	F(IRQ_MATRIX_RESERVE_MANAGED, "irq_matrix_reserve_managed",		\
	  "x86 irq_matrix_reserve_managed() returns -ENOSPC")

enum ml_fault {
#define ML_FAULT_ENUM(id, name, what) ML_F_##id,
	ML_FAULTS(ML_FAULT_ENUM)
#undef ML_FAULT_ENUM
	ML_F__COUNT
};

/** struct ml_faults - armed fault points; all zero = nothing fails */
struct ml_faults {
	uint32_t skip[ML_F__COUNT];	/* hits still to let through */
	uint32_t count[ML_F__COUNT];	/* hits to fail after those */
	uint32_t armed;			/* bit per point with count > 0 */
};

/* Called at the failure site: true when this hit must fail. */
static inline bool ml_should_fail(struct ml_faults *f, enum ml_fault p)
{
	if (!f || !(f->armed & (1u << p)))
		return false;
	if (f->skip[p]) {
		f->skip[p]--;
		return false;
	}
	if (--f->count[p] == 0)
		f->armed &= ~(1u << p);
	return true;
}

static inline void ml_fault_arm(struct ml_faults *f, enum ml_fault p,
				uint32_t skip, uint32_t count)
{
	f->skip[p] = skip;
	f->count[p] = count;
	if (count)
		f->armed |= 1u << p;
	else
		f->armed &= ~(1u << p);
}

#endif /* MSILAB_MODEL_FAULTS_H */
