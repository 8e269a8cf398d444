// SPDX-License-Identifier: GPL-2.0
/*
 * mlog_gen.c - write a large, valid, realistic .mlog for benchmarks:
 * "mlog_gen [-n LINES] [-o FILE]" (default 10000000 lines to stdout).
 *
 * An arm64 machine with 64 PCI devices goes through allocate / request /
 * free cycles with their ITS observations, as a recorded trace would show
 * them (about two observations per stimulus).  Deterministic: same
 * arguments, same bytes.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define NDEV 64

static uint64_t seed = 0x9e3779b97f4a7c15ULL;
static uint64_t nlines, limit;
static uint64_t usec = 1000000;

static uint32_t rnd(uint32_t n)
{
	seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (seed >> 33) % n;
}

/* Print one line unless the budget is spent; t= and pid= on stimuli. */
#define LINE(...) do {							\
	if (nlines++ < limit)						\
		printf(__VA_ARGS__);					\
} while (0)

static void cycle(int d)
{
	uint32_t devid = 0x100 + d * 8, nvec = 1u << rnd(6), lpi = 8192 + d * 64;
	uint32_t virq = 100 + d * 64, pid = 200 + d;

	usec += 1 + rnd(500);
	LINE("pci_alloc_irq_vectors dev=d%d min=1 max=%u flags=MSIX|AFFINITY pid=%u t=%llu.%06llu\n",
	     d, nvec, pid, (unsigned long long)usec / 1000000, (unsigned long long)usec % 1000000);
	LINE("< pci_enable_range dev=d%d type=msix min=1 max=%u ret=%u\n", d, nvec, nvec);
	LINE("< its_msi_prepare dev=d%d devid=0x%x nvec=%u ret=0\n", d, devid, nvec);
	LINE("< its_create_device devid=0x%x nvecs=%u nr_ites=%u lpi_base=%u nr_lpis=%u ret=0\n",
	     devid, nvec, nvec < 2 ? 2 : nvec, lpi, nvec < 32 ? 32 : nvec);
	LINE("< mapd devid=0x%x nr_ites=%u valid=1\n", devid, nvec < 2 ? 2 : nvec);
	for (uint32_t i = 0; i < nvec; i++) {
		LINE("< msi_irq dev=d%d index=%u virq=%u hwirq=0x%x\n", d, i, virq + i, devid << 11 | i);
		LINE("< its_irq devid=0x%x virq=%u eventid=%u lpi=%u\n", devid, virq + i, i, lpi + i);
	}
	LINE("< ret fn=pci_alloc_irq_vectors_affinity dev=d%d ret=%u\n", d, nvec);
	for (uint32_t i = 0; i < nvec; i++) {
		usec += 1 + rnd(50);
		LINE("request_irq dev=d%d vec=%u pid=%u t=%llu.%06llu\n", d, i, pid,
		     (unsigned long long)usec / 1000000, (unsigned long long)usec % 1000000);
		LINE("< mapti devid=0x%x eventid=%u lpi=%u cpu=%u\n", devid, i, lpi + i, rnd(4));
		LINE("< sync cpu=%u\n", rnd(4));
	}
	if (rnd(16) == 0)
		LINE("marker text=\"ACTION unbind d%d\"\n", d);
	for (uint32_t i = 0; i < nvec; i++) {
		LINE("free_irq dev=d%d vec=%u pid=%u\n", d, i, pid);
		LINE("< discard devid=0x%x eventid=%u\n", devid, i);
	}
	LINE("pci_free_irq_vectors dev=d%d pid=%u\n", d, pid);
	for (uint32_t i = 0; i < nvec; i++)
		LINE("< irq_free virq=%u nr=1\n", virq + i);
	LINE("< its_lpi_free lpi_base=%u nr_lpis=%u\n", lpi, nvec < 32 ? 32 : nvec);
	LINE("< its_free_device devid=0x%x\n", devid);
}

int main(int argc, char **argv)
{
	static char obuf[1 << 20];
	int c;

	limit = 10000000;
	while ((c = getopt(argc, argv, "n:o:h")) != -1) {
		switch (c) {
		case 'n':
			limit = strtoull(optarg, NULL, 10);
			break;
		case 'o':
			if (!freopen(optarg, "w", stdout)) {
				perror(optarg);
				return 2;
			}
			break;
		default:
			fprintf(stderr, "usage: mlog_gen [-n LINES] [-o FILE]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	LINE("mlog 1\n");
	LINE("kernel release=6.1.0-56-arm64 arch=arm64\n");
	LINE("source kind=scenario tool=mlog_gen\n");
	LINE("# generated for benchmarks: %llu lines\n", (unsigned long long)limit);
	LINE("machine cpus=4 irqs_used=1-20\n");
	for (int d = 0; d < NDEV; d++)
		LINE("device name=d%d bus=pci bdf=0000:%02x:%02x.0 devid=0x%x msix=32\n",
		     d, 1 + d / 32, d % 32, 0x100 + d * 8);
	LINE("observes kinds=pci_enable_range,its_msi_prepare,its_create_device,msi_irq,its_irq,mapd,mapti,discard,sync,irq_free,its_lpi_free,its_free_device,ret\n");
	while (nlines < limit)
		cycle(rnd(NDEV));
	if (fflush(stdout) || ferror(stdout)) {
		perror("mlog_gen: write");
		return 2;
	}
	return 0;
}
