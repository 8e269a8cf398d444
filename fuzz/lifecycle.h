/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lifecycle.h - one device's lifecycle as drivers write it, as fuzz input
 * records (decoder.h): the structure-aware mutator inserts one whole, so
 * that the call sequences the known bugs live in (allocate, free,
 * allocate again; unbind with vectors live; remove and re-add; a device
 * domain with two range allocations) are a single mutation away instead
 * of three to six independent ones.
 */
#ifndef MSILAB_FUZZ_LIFECYCLE_H
#define MSILAB_FUZZ_LIFECYCLE_H

#include <stdbool.h>
#include <stdint.h>

/* A uniform draw in [0, n) (0 when n is 0), from the caller's generator. */
typedef uint32_t (*fz_draw_fn)(void *arg, uint32_t n);

/*
 * Write the records of a lifecycle of device @dev into @out (room for @room
 * records of FZ_OP_SIZE bytes); returns how many.  @hdr is the input's
 * header and device slots (FZ_OPS_OFFSET bytes): the device's bus decides
 * the sequence (arm64: PCI, platform, wired; x86_64 when @x86: PCI, DMAR,
 * HPET).  Every record decodes to the operation it was written for on that
 * device.
 */
uint32_t fz_lifecycle(const uint8_t *hdr, bool x86, uint32_t dev, uint8_t *out, uint32_t room,
		      fz_draw_fn draw, void *arg);

#endif /* MSILAB_FUZZ_LIFECYCLE_H */
