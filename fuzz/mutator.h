/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mutator.h - structure-aware mutation of fuzz inputs (layout: decoder.h),
 * one implementation for both engines: libFuzzer's LLVMFuzzerCustomMutator
 * / LLVMFuzzerCustomCrossOver (fuzz_model.c) and AFL++'s custom mutator
 * API (afl_mutator.c).
 *
 * Mutations work on whole 8-byte operation records and on the header:
 * insert, delete, duplicate and swap operations; retarget an operation to
 * another device; move vector counts around powers of two (1, 2, 3, 4, 5,
 * 7, 8, 9, 15, 16, 17, 31, 32, 33, ...); change a device's capability
 * sizes, bus, DevID and alias; insert or remove fault points; change the
 * machine (devices, CPUs, ITS parameters, profile, switch toggles).  An
 * input too short to hold a machine (libFuzzer's first, empty one) gets a
 * plausible one first (arm64: one to three devices with MSI and MSI-X).  Fault
 * points are picked among those the target allows.
 * Insert a whole device lifecycle as drivers write it (lifecycle.h: enable,
 * allocate, request, free, allocate again; unbind; remove and re-add; a
 * device domain with range allocations).  Crossover splices one device's
 * lifecycle (its operations) from another input into this one.  Every
 * output decodes (every byte string does), and the mutator is
 * deterministic for a given seed.
 *
 * The architecture of an input is the decoder's (fz_options.arch, else
 * header byte 10 bit 0).  x86_64 inputs get the same kinds of mutation
 * over the x86_64 vocabulary (enum fz_x86_opcode), x86 lifecycles
 * included; their fault records always name an
 * x86 point the target allows, and an empty one starts from a PCI device
 * with MSI and MSI-X, a DMAR unit and an HPET block.  A crossover with an
 * input of the other architecture mutates the first input instead.
 */
#ifndef MSILAB_FUZZ_MUTATOR_H
#define MSILAB_FUZZ_MUTATOR_H

#include <stddef.h>
#include <stdint.h>

#include "decoder.h"

/* The engine's own byte-level mutator (LLVMFuzzerMutate), or NULL. */
typedef size_t (*fz_byte_mutator)(uint8_t *data, size_t size, size_t max_size);

/* Mutate @data (@size bytes, room for @max_size) in place; returns the new size. */
size_t fz_mutate(uint8_t *data, size_t size, size_t max_size, unsigned int seed,
		 const struct fz_options *o, fz_byte_mutator bytes);
/* Splice a device lifecycle of @b into @a; writes @out, returns its size. */
size_t fz_crossover(const uint8_t *a, size_t na, const uint8_t *b, size_t nb,
		    uint8_t *out, size_t max_out, unsigned int seed, const struct fz_options *o);

#endif /* MSILAB_FUZZ_MUTATOR_H */
