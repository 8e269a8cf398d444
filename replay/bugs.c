// SPDX-License-Identifier: GPL-2.0
/*
 * bugs.c - the known-bug catalogue: data of spec section 7.
 *
 * Invariant names are those of spec section 6; upstream references are the
 * commits and Message-IDs of spec sections 7 and 9.4.  Evidence marks:
 * [V] read in the kernel source, [V-list] from mailing-list text,
 * [I] inferred from the code, [U] unverified (spec section 0).
 */
#include <stddef.h>
#include <strings.h>

#include "bugs.h"

#define P61	MSILAB_PROF_6_1
#define P612	MSILAB_PROF_6_12
#define P615	MSILAB_PROF_6_15
#define P616	MSILAB_PROF_6_16

#define FIX_SERIES_V1 \
	"Marc Zyngier, \"[PATCH 0/4] genirq/msi: Fix device MSI prepare/alloc sequencing\", " \
	"11 May 2025 <20250511163520.1307654-1-maz@kernel.org>"
#define FIX_SERIES_V2 \
	"v2 <20250513163144.2215824-1-maz@kernel.org>"

const struct msilab_bug msilab_bugs[] = {
	{
		.id = "B1",
		.title = "msi_prepare runs per allocation, not once per domain",
		.invariant = "INV-P1, INV-I8, INV-I3",
		.affected = "6.1 (global domain), 6.2-6.15 (device domains); "
			    "global domains in 6.16+ (B9)",
		.affected_mask = P61 | P612 | P615,
		.absent = "6.16+ device domains: prepare once at domain creation "
			  "(1396e89e09f0)",
		.upstream = FIX_SERIES_V1 "; " FIX_SERIES_V2 "; merged for v6.16 as "
			    "28026cf2dd84, 713335b6ee29, 1396e89e09f0, 03c298760ed9, "
			    "7dd20bf2f010",
		.scenario = "known-bugs/B1-prepare-per-allocation.mlog",
	},
	{
		.id = "B2",
		.title = "ITS device freed with its last EventID (the <= 6.15 rule, "
			 "no violation)",
		.invariant = "none",
		.affected = "6.1, 6.12, 6.15",
		.affected_mask = P61 | P612 | P615,
		.absent = "6.16+: the device is freed only by its_msi_teardown() at "
			  "domain removal (713335b6ee29, 03c298760ed9)",
		.upstream = FIX_SERIES_V1 "; " FIX_SERIES_V2,
		.scenario = "known-bugs/B2-free-on-last-eventid.mlog",
	},
	{
		.id = "B3",
		.title = "orphan EventIDs for non-power-of-two Multi-MSI",
		.invariant = "INV-I1, INV-I3, INV-M4",
		.affected = "6.1, 6.12, 6.15, 6.16 (since v5.11; unfixed in 6.18.2)",
		.affected_mask = MSILAB_PROF_ALL,
		.absent = "no modelled version; introduced by 4615fbc3788d (v5.11)",
		.upstream = "Manivannan Sadhasivam, \"MSIs not freed in GICv3 ITS driver\", "
			    "8 Jul 2024 <20240708153933.GC5745@thinkpad> (Marc Zyngier's "
			    "unmerged PoC in the replies); Liao Chang, \"irqchip/gic-v3-its: "
			    "... dangling bits\" v2 (2022, unmerged), after John Garry's "
			    "report; cause 4615fbc3788d",
		.scenario = "known-bugs/B3-orphan-eventids.mlog",
	},
	{
		.id = "B4",
		.title = "PCI Multi-MSI device domain sized 1 after the prepare move",
		.invariant = "INV-P4",
		.affected = "tip irq/msi with 1396e89e09f0 but not 9cc82d99b13c "
			    "(v6.16 merge window); profile 6.16 with "
			    "PCI_MSI_DOMAIN_HWSIZE_MMC=off",
		.affected_mask = 0,
		.absent = "v6.16 final (9cc82d99b13c sizes the domain with the MMC "
			  "count); 6.2-6.15 re-prepare with the real count",
		.upstream = "Zenghui Yu's report; Marc Zyngier, \"PCI/MSI: Size device MSI "
			    "domain with the maximum number of vectors\", 3 Jun 2025 "
			    "<20250603141801.915305-1-maz@kernel.org>, 9cc82d99b13c "
			    "(irq/urgent for v6.16-rc1); root cause 15c72f824b32 (v6.2)",
		.scenario = "known-bugs/B4-multi-msi-sized-1.mlog",
	},
	{
		.id = "B5",
		.title = "ITS teardown looks the device up by a DevID prepare overwrote",
		.invariant = "INV-P3, INV-I6",
		.affected = "v1 of the prepare/teardown series only (never merged); "
			    "profile 6.16 with ITS_TEARDOWN_BY_DEVID=on",
		.affected_mask = 0,
		.absent = "every release: v2 and 713335b6ee29 use the its_device "
			  "pointer prepare stored",
		.upstream = FIX_SERIES_V1 ", review of 2/4 by Lorenzo Pieralisi "
			    "(scratchpad[0] union); fixed in " FIX_SERIES_V2,
		.scenario = "known-bugs/B5-teardown-by-devid.mlog",
	},
	{
		.id = "B6",
		.title = "ITS EventID width (GITS_TYPER.IDbits) not enforced",
		.invariant = "INV-I5",
		.affected = "6.1, 6.12, 6.15, 6.16",
		.affected_mask = MSILAB_PROF_ALL,
		.absent = "kernels with the Feb 2026 EventID clamp (Cc stable; which "
			  "stable releases carry it is unverified)",
		.upstream = "Marc Zyngier, ITS EventID limit, 6 Feb 2026 "
			    "<20260206154816.3582887-1-maz@kernel.org>",
		.scenario = "known-bugs/B6-eventid-width.mlog",
	},
	{
		.id = "B7",
		.title = "ITS allocation error leaves EventIDs allocated",
		.invariant = "INV-I1, INV-M4, INV-I3",
		.affected = "6.1, 6.12, 6.15, 6.16 (derived from code)",
		.affected_mask = MSILAB_PROF_ALL,
		.absent = "no modelled version",
		.upstream = "none found; its_irq_domain_alloc() error returns and the "
			    "irqdomain unwind that calls no .free (spec 2.3, 3.5) [I]",
		.scenario = "known-bugs/B7-its-alloc-error-orphans.mlog",
	},
	{
		.id = "B8",
		.title = "empty ITS device pinned by the prepare of a retry",
		.invariant = "INV-I3, INV-I8, INV-M4",
		.affected = "6.1, 6.12, 6.15 (derived from code)",
		.affected_mask = P61 | P612 | P615,
		.absent = "6.16+: the retry copies the template, no second prepare",
		.upstream = "none found; derived from its_msi_prepare() and "
			    "msi_handle_pci_fail() (spec 7 B8) [I]",
		.scenario = "known-bugs/B8-empty-device-pinned.mlog",
	},
	{
		.id = "B9",
		.title = "global ITS domains after the fix never free devices",
		.invariant = "INV-I3, INV-P1",
		.affected = "6.16+ (domains made by msi_create_irq_domain(), e.g. the "
			    "fsl-mc ITS-fMSI domain)",
		.affected_mask = P616,
		.absent = "6.1-6.15 (free-on-empty)",
		.upstream = "none found; populate_alloc_info() prepare fallback and the "
			    "removal of free-on-empty in v6.16 [I]",
		.scenario = NULL,
	},
	{
		.id = "B10",
		.title = "driver unbound with live MSI vectors",
		.invariant = "INV-C3, INV-I3",
		.affected = "6.1, 6.12, 6.15, 6.16 (INV-I3 on 6.16+ only)",
		.affected_mask = MSILAB_PROF_ALL,
		.absent = "drivers that free their vectors or use pcim_enable_device()",
		.upstream = "WARN_ON_ONCE in msi_device_data_release() and, 6.16+, in "
			    "its_msi_teardown() [V]; sequence [I] (spec 4.5)",
		.scenario = "known-bugs/B10-unbind-with-live-vectors.mlog",
	},
	{
		.id = "B11",
		.title = "pcim devres \"double free\" of vectors: the second free is a no-op",
		.invariant = "INV-C2",
		.affected = "no release; intermediate states of the 2026 "
			    "pcim_alloc_irq_vectors() series",
		.affected_mask = 0,
		.absent = "6.1, 6.12, 6.15, 6.16, 6.18: pci_disable_msi[x]() return "
			  "early when nothing is enabled",
		.upstream = "Shawn Lin, \"[PATCH 00/37] Add Devres managed IRQ vectors "
			    "allocation\", 23 Feb 2026 (patches 01, 37; replies by Jakub "
			    "Kicinski, Philipp Stanner, Jonathan Cameron); v4 unverified",
		.scenario = "known-bugs/B11-pcim-double-free.mlog",
	},
	{
		.id = "B12",
		.title = "x86 DMAR MSI allocations with hwirq 0 collide (-EEXIST)",
		.invariant = "INV-M3",
		.affected = "x86, V2 of the 2020 device-MSI series / pre-fix tip; "
			    "no release",
		.affected_mask = 0,
		.absent = "every release (info.hwirq = id before v5.10-rc1)",
		.upstream = "Thomas Gleixner, \"[patch V2 00/46] x86, PCI, XEN, genirq ...: "
			    "Prepare for device MSI\", 26 Aug 2020 "
			    "<20200826111628.794979401@linutronix.de>; 15/46 review "
			    "<87r1rtt9mi.fsf@nanos.tec.linutronix.de>; Lu Baolu's report; "
			    "\"x86/apic/msi: Unbreak DMAR and HPET MSI\" "
			    "<87wo0fli8b.fsf@nanos.tec.linutronix.de>; siblings "
			    "d27e623ace6a, ff828729be44",
		.scenario = "known-bugs/B12-dmar-hwirq-0.mlog",
	},
	{
		.id = "B13",
		.title = "its_create_device() error path leaks the LPI range",
		.invariant = "INV-I3",
		.affected = "6.1, 6.12, 6.15, 6.16 (derived from code)",
		.affected_mask = MSILAB_PROF_ALL,
		.absent = "no modelled version",
		.upstream = "none found; its_create_device() frees the LPI bitmap but "
			    "not the range (spec 3.4 step 6) [I]",
		.scenario = "known-bugs/B13-create-device-lpi-leak.mlog",
	},
	{
		.id = "B14",
		.title = "6.1 msi_domain_alloc() unwind skips irq 0 when msi_init fails",
		.invariant = "INV-M4",
		.affected = "6.1 (domains with an msi_free op only)",
		.affected_mask = P61,
		.absent = "6.12+ (the unwind includes index 0); not reachable through the modelled "
			  "ITS/PCI/platform domains, whose default ops have no .msi_free and an "
			  ".msi_init that cannot fail",
		.upstream = "kernel/irq/msi.c msi_domain_alloc() in 6.1.158 [V]; fixed by 5f994f534120 "
			    "\"genirq/msi: Fix off-by-one error in msi_domain_alloc()\" (Jinjie Ruan, "
			    "tip irq/urgent 27 Oct 2024, <20241026063639.10711-1-ruanjinjie@huawei.com>; "
			    "kernel/irq/msi.c 3a24d6b -> 396a067, the 6.12.0 blob), Fixes: f3cf8bb0d6c3",
		.scenario = "known-bugs/B14-msi-init-unwind.mlog",
	},
	{
		.id = "Q1",
		.title = "x86 irq_matrix accounting quirks (kernel behaviour by design)",
		.invariant = "INV-X4, INV-X6",
		.affected = "6.1, 6.12, 6.15, 6.16 (x86)",
		.affected_mask = MSILAB_PROF_ALL,
		.absent = "none: the checks allow for them",
		.upstream = "kernel/irq/matrix.c, same logic 6.1-6.18 [V] (spec 5.2, 11.6)",
		.scenario = NULL,
	},
	{
		.id = "Q2",
		.title = "the first prepare fixes the ITS device size while it lives",
		.invariant = "none",
		.affected = "6.1 (size of the first request), 6.12, 6.15 "
			    "(max of request and hwsize)",
		.affected_mask = P61 | P612 | P615,
		.absent = "6.16+: sized once, from hwsize, at domain creation",
		.upstream = "none found; derived from its_msi_prepare() reuse (spec 3.3) [I]",
		.scenario = "known-bugs/Q2-first-request-sizes-device.mlog",
	},
};

const unsigned msilab_nbugs = sizeof(msilab_bugs) / sizeof(msilab_bugs[0]);

const struct msilab_bug *msilab_bug_find(const char *id)
{
	unsigned i;

	if (!id)
		return NULL;
	for (i = 0; i < msilab_nbugs; i++)
		if (!strcasecmp(msilab_bugs[i].id, id))
			return &msilab_bugs[i];
	return NULL;
}

const char *msilab_bug_profile_name(unsigned bit)
{
	static const char *const names[MSILAB_NPROFILES] = {
		"6.1", "6.12", "6.15", "6.16",
	};

	return bit < MSILAB_NPROFILES ? names[bit] : NULL;
}
