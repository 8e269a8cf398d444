/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bugs.h - the known-bug catalogue (spec section 7).
 *
 * One entry per known kernel bug or modelled quirk.  A replay verdict tags
 * an invariant violation with the id of the entry whose invariant and
 * affected profiles match; `msilab bugs` prints the catalogue.  Each entry
 * with a reproducer names its scenario under corpus/.
 */
#ifndef MSILAB_BUGS_H
#define MSILAB_BUGS_H

#include <stdio.h>

/* Behaviour profiles, one bit each in msilab_bug.affected_mask. */
#define MSILAB_PROF_6_1		(1u << 0)
#define MSILAB_PROF_6_12	(1u << 1)
#define MSILAB_PROF_6_15	(1u << 2)
#define MSILAB_PROF_6_16	(1u << 3)	/* 6.18 behaves as 6.16 */
#define MSILAB_PROF_ALL		0xfu
#define MSILAB_NPROFILES	4

/**
 * struct msilab_bug - one catalogue entry
 * @id:            "B1" .. "B14", "Q1", "Q2" (spec section 7)
 * @title:         one line, what goes wrong
 * @invariant:     the section-6 invariants it breaks, comma-separated, in
 *                 the order spec section 7 gives them; "none" for a quirk
 *                 the model reproduces without breaking an invariant
 * @affected:      human list of the kernels that have it ("6.1, 6.12, 6.15")
 * @affected_mask: MSILAB_PROF_* bit per profile that reproduces it with
 *                 default switches; 0 for a bug reached only through a
 *                 switch or in a tree that no profile models
 * @absent:        where it is absent or fixed, and by what
 * @upstream:      commit ids, Message-IDs and thread titles
 * @scenario:      reproducer relative to corpus/, NULL when none exists
 */
struct msilab_bug {
	const char *id;
	const char *title;
	const char *invariant;
	const char *affected;
	unsigned affected_mask;
	const char *absent;
	const char *upstream;
	const char *scenario;
};

extern const struct msilab_bug msilab_bugs[];
extern const unsigned msilab_nbugs;

/* The entry with this id (case-insensitive), or NULL. */
const struct msilab_bug *msilab_bug_find(const char *id);
/* "6.1", "6.12", "6.15", "6.16" for bit 0..3; NULL beyond. */
const char *msilab_bug_profile_name(unsigned bit);

/* `msilab bugs [--json] [ID]` (replay/cmd_bugs.c). */
int cmd_bugs(int argc, char **argv);
void cmd_bugs_usage(FILE *f);

#endif /* MSILAB_BUGS_H */
