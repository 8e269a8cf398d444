// SPDX-License-Identifier: GPL-2.0
/*
 * gen_scenario.c - write a large, valid, realistic .mlog *scenario* (stimuli
 * only, no observations) for replay benchmarks.
 *
 *   gen_scenario [-n STIMULI] [-s SEED] [-k RELEASE] [-P] [-o FILE]
 *
 *   -n STIMULI  stop starting new driver cycles once this many stimulus lines
 *               are written (default 10000000); the cycles under way are then
 *               finished, so every device ends unbound and the file has a few
 *               more stimuli than asked
 *   -s SEED     seed of the pseudo-random sequence (default 1)
 *   -k RELEASE  the "kernel release=" of the header (default 6.16.0)
 *   -P          PCI only: no platform device MSI domains, so that the file
 *               also replays on the 6.1 profile (which has none)
 *   -o FILE     output file (default stdout)
 *
 * An arm64 machine with one ITS, twelve PCI devices (two nvme, two virtio,
 * e1000e, ahci with pcim, two mlx5-like multi-queue NICs, two Multi-MSI
 * endpoints and two conventional functions behind a PCIe-to-PCI bridge that
 * share one DevID) and two platform devices with device MSI domains (an
 * SMMU-like user of platform_device_msi_init_and_alloc_irqs() and a device
 * that allocates ranges and single indices itself).  Each device runs probe /
 * use / remove cycles modelled on its driver: enable, pci_alloc_irq_vectors
 * (with the drivers' fallbacks), request_irq, link down/up (free_irq then
 * request_irq again), free_irq, pci_free_irq_vectors, unbind; now and then a
 * hot-unplug and rescan, a CPU going offline and back, an allocation that
 * fails by fault injection, and B3-like non-power-of-two Multi-MSI requests.
 * The cycles of different devices interleave, as concurrent probes do.
 *
 * Only vectors a driver is sure to have are requested, so the trace makes
 * sense on every profile whatever the allocation returned.  The output is a
 * function of the arguments only: same arguments, same bytes.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- deterministic PRNG (splitmix64) ---- */

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* uniform in [0, n) (n small: the modulo bias is irrelevant here) */
static uint32_t rnd(uint32_t n)
{
	return (uint32_t)(rng_next() % n);
}

/* uniform in [lo, hi] */
static uint32_t rnd_range(uint32_t lo, uint32_t hi)
{
	return lo + rnd(hi - lo + 1);
}

/* true with probability 1/n */
static int one_in(uint32_t n)
{
	return rnd(n) == 0;
}

/* ---- devices ---- */

enum kind {
	K_NVME,		/* admin vector, free, then 1 + I/O queues with affinity */
	K_VIRTIO_NET,	/* exactly 3 MSI-X (config, rx, tx) */
	K_VIRTIO_BLK,	/* 1..N MSI-X with affinity, pre_vectors=1 */
	K_E1000E,	/* pci_enable_msix_range(3, 3), fall back to MSI */
	K_AHCI,		/* pcim: the big request fails, then 1 MSI */
	K_MQ_NIC,	/* mlx5-like: many MSI-X with affinity, link flaps */
	K_MMSI,		/* Multi-MSI endpoint, power-of-two requests */
	K_MMSI_B3,	/* Multi-MSI endpoint, now and then 3 or 5 vectors (B3) */
	K_ALIAS,	/* conventional function behind a PCIe-to-PCI bridge */
	K_PLAT_SMMU,	/* platform_device_msi_init_and_alloc_irqs() user */
	K_PLAT_DOM,	/* explicit device MSI domain: ranges and single indices */
};

struct dev {
	const char *name;
	enum kind kind;
	int platform;
	const char *decl;	/* the keys after "device name=NAME " */
	uint32_t pid;
	/* the pending lines of the current cycle */
	char (*q)[128];
	uint32_t qlen, qpos, qcap;
	uint32_t cycles;
};

static struct dev devs[] = {
	{ "nvme0", K_NVME, 0, "bus=pci bdf=0000:00:04.0 devid=0x20 msix=65 intx=1", 0, NULL, 0, 0, 0, 0 },
	{ "nvme1", K_NVME, 0, "bus=pci bdf=0000:00:0a.0 devid=0x50 msix=33 intx=1", 0, NULL, 0, 0, 0, 0 },
	{ "virtio0", K_VIRTIO_NET, 0, "bus=pci bdf=0000:00:02.0 devid=0x10 msix=4", 0, NULL, 0, 0, 0, 0 },
	{ "virtio1", K_VIRTIO_BLK, 0, "bus=pci bdf=0000:00:03.0 devid=0x18 msix=5", 0, NULL, 0, 0, 0, 0 },
	{ "e1000e0", K_E1000E, 0, "bus=pci bdf=0000:00:05.0 devid=0x28 msi=1 msix=5 intx=1", 0, NULL, 0, 0, 0, 0 },
	{ "ahci0", K_AHCI, 0, "bus=pci bdf=0000:00:06.0 devid=0x30 msi=1 intx=1", 0, NULL, 0, 0, 0, 0 },
	{ "mlx0", K_MQ_NIC, 0, "bus=pci bdf=0000:03:00.0 devid=0x300 msix=64", 0, NULL, 0, 0, 0, 0 },
	{ "mlx1", K_MQ_NIC, 0, "bus=pci bdf=0000:03:00.1 devid=0x301 msix=64", 0, NULL, 0, 0, 0, 0 },
	{ "ep0", K_MMSI, 0, "bus=pci bdf=0000:01:00.0 devid=0x100 msi=4", 0, NULL, 0, 0, 0, 0 },
	{ "ep1", K_MMSI_B3, 0, "bus=pci bdf=0000:04:00.0 devid=0x400 msi=8", 0, NULL, 0, 0, 0, 0 },
	{ "sata1", K_ALIAS, 0, "bus=pci bdf=0000:02:01.0 devid=0x200 msi=1 intx=1 alias=pcibr0", 0, NULL, 0, 0, 0, 0 },
	{ "nic1", K_ALIAS, 0, "bus=pci bdf=0000:02:02.0 devid=0x200 msi=2 intx=1 alias=pcibr0", 0, NULL, 0, 0, 0, 0 },
	{ "smmu0", K_PLAT_SMMU, 1, "bus=platform devid=0x1000", 0, NULL, 0, 0, 0, 0 },
	{ "plat1", K_PLAT_DOM, 1, "bus=platform devid=0x1100", 0, NULL, 0, 0, 0, 0 },
};

#define NDEVS (sizeof(devs) / sizeof(devs[0]))
#define NCPUS 16	/* >= the vectors an AFFINITY request spreads, even with one CPU offline */

/* ---- output ---- */

static FILE *out;
static uint64_t stimuli, target = 10000000;
static uint64_t usec = 5000000;		/* trace time, after boot */
static int cpu_offline = -1;		/* the CPU now offline, or -1 */

static void put(struct dev *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Queue one line of @d's current cycle ("" + fmt). */
static void put(struct dev *d, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (d->qlen == d->qcap) {
		d->qcap = d->qcap ? 2 * d->qcap : 256;
		d->q = realloc(d->q, d->qcap * sizeof(*d->q));
		if (!d->q) {
			perror("gen_scenario");
			exit(2);
		}
	}
	va_start(ap, fmt);
	n = vsnprintf(d->q[d->qlen], sizeof(d->q[0]), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(d->q[0])) {
		fprintf(stderr, "gen_scenario: internal error: line too long\n");
		exit(2);
	}
	d->qlen++;
}

/* Write a queued line: stimuli get pid= and t=, meta lines as they are. */
static void emit(struct dev *d, const char *line)
{
	if (!strncmp(line, "marker ", 7)) {
		fprintf(out, "%s\n", line);
		return;
	}
	usec += 1 + rnd(400);
	fprintf(out, "%s pid=%" PRIu32 " t=%" PRIu64 ".%06" PRIu64 "\n", line, d->pid,
		usec / 1000000, usec % 1000000);
	stimuli++;
}

/* ---- one cycle per driver kind ---- */

static void request_all(struct dev *d, uint32_t first, uint32_t n)
{
	for (uint32_t v = first; v < first + n; v++)
		put(d, "request_irq dev=%s vec=%u", d->name, v);
}

/* free_irq in reverse order, as the drivers' teardown does */
static void free_all(struct dev *d, uint32_t first, uint32_t n)
{
	for (uint32_t v = first + n; v-- > first;)
		put(d, "free_irq dev=%s vec=%u", d->name, v);
}

/* link down / up: the NIC drivers free and request their irqs again */
static void flaps(struct dev *d, uint32_t first, uint32_t n, uint32_t max)
{
	for (uint32_t i = rnd(max + 1); i; i--) {
		free_all(d, first, n);
		request_all(d, first, n);
	}
}

static void unbind(struct dev *d, const char *bdf_driver)
{
	if (one_in(4))
		put(d, "marker text=\"ACTION unbind %s\"", bdf_driver);
	put(d, "driver_unbind dev=%s", d->name);
	/* hot-unplug and rescan now and then */
	if (one_in(64)) {
		put(d, "device_remove dev=%s", d->name);
		put(d, "device_add dev=%s", d->name);
	}
}

static void cycle_nvme(struct dev *d)
{
	uint32_t maxq = d->name[4] == '0' ? 9 : 5, nq = rnd_range(2, maxq);

	put(d, "pci_enable_device dev=%s", d->name);
	put(d, "pci_alloc_irq_vectors dev=%s min=1 max=1 flags=INTX|MSI|MSIX", d->name);
	put(d, "request_irq dev=%s vec=0", d->name);
	put(d, "free_irq dev=%s vec=0", d->name);
	put(d, "pci_free_irq_vectors dev=%s", d->name);
	put(d, "pci_alloc_irq_vectors dev=%s min=1 max=%u flags=INTX|MSI|MSIX|AFFINITY pre_vectors=1",
	    d->name, nq);
	/* only the admin vector is certain; the I/O queues as granted (nq normally) */
	request_all(d, 0, nq);
	free_all(d, 0, nq);
	put(d, "pci_free_irq_vectors dev=%s", d->name);
	unbind(d, "nvme");
}

static void cycle_virtio_net(struct dev *d)
{
	int fault = one_in(500);

	put(d, "pci_enable_device dev=%s", d->name);
	if (fault) {
		/* activation of the second vector fails: the core rolls back */
		put(d, "fault point=msi_init_virq skip=1");
		put(d, "pci_alloc_irq_vectors dev=%s min=3 max=3 flags=MSIX", d->name);
		put(d, "pci_free_irq_vectors dev=%s", d->name);
		unbind(d, "virtio-pci");
		return;
	}
	put(d, "pci_alloc_irq_vectors dev=%s min=3 max=3 flags=MSIX", d->name);
	request_all(d, 0, 3);
	flaps(d, 1, 2, 3);
	put(d, "free_irq dev=%s vec=1", d->name);
	put(d, "free_irq dev=%s vec=2", d->name);
	put(d, "free_irq dev=%s vec=0", d->name);
	put(d, "pci_free_irq_vectors dev=%s", d->name);
	unbind(d, "virtio-pci");
}

static void cycle_virtio_blk(struct dev *d)
{
	uint32_t n = rnd_range(2, 5);

	put(d, "pci_enable_device dev=%s", d->name);
	put(d, "pci_alloc_irq_vectors dev=%s min=2 max=%u flags=MSIX|AFFINITY pre_vectors=1",
	    d->name, n);
	request_all(d, 0, 2);
	free_all(d, 0, 2);
	put(d, "pci_free_irq_vectors dev=%s", d->name);
	unbind(d, "virtio-pci");
}

static void cycle_e1000e(struct dev *d)
{
	put(d, "pci_enable_device dev=%s", d->name);
	if (one_in(8)) {
		/* the driver's MSI fallback (IntMode=1) */
		put(d, "pci_enable_msi dev=%s", d->name);
		put(d, "request_irq dev=%s vec=0", d->name);
		flaps(d, 0, 1, 2);
		put(d, "free_irq dev=%s vec=0", d->name);
		put(d, "pci_disable_msi dev=%s", d->name);
	} else {
		put(d, "pci_enable_msix_range dev=%s min=3 max=3", d->name);
		request_all(d, 0, 3);
		flaps(d, 0, 3, 3);
		free_all(d, 0, 3);
		put(d, "pci_disable_msix dev=%s", d->name);
	}
	unbind(d, "e1000e");
}

static void cycle_ahci(struct dev *d)
{
	put(d, "pcim_enable_device dev=%s", d->name);
	put(d, "pci_alloc_irq_vectors dev=%s min=6 max=2147483647 flags=MSI|MSIX", d->name);
	put(d, "pci_alloc_irq_vectors dev=%s min=1 max=1 flags=MSI", d->name);
	put(d, "request_irq dev=%s vec=0", d->name);
	put(d, "free_irq dev=%s vec=0", d->name);
	/* pcim: the vectors go with the devres action at unbind */
	unbind(d, "ahci");
}

static void cycle_mq_nic(struct dev *d)
{
	uint32_t n = 1u << rnd_range(1, 3);	/* 2..8 channels */

	put(d, "pci_enable_device dev=%s", d->name);
	put(d, "pci_alloc_irq_vectors dev=%s min=%u max=%u flags=MSIX|AFFINITY pre_vectors=1",
	    d->name, n + 1, n + 1);
	request_all(d, 0, n + 1);
	flaps(d, 1, n, 4);
	free_all(d, 0, n + 1);
	put(d, "pci_free_irq_vectors dev=%s", d->name);
	unbind(d, "mlx5_core");
}

static void cycle_mmsi(struct dev *d)
{
	uint32_t n = 1u << rnd(3);	/* 1, 2 or 4 */

	put(d, "pci_enable_device dev=%s", d->name);
	put(d, "pci_alloc_irq_vectors dev=%s min=%u max=%u flags=MSI", d->name, n, n);
	request_all(d, 0, n);
	free_all(d, 0, n);
	put(d, "pci_free_irq_vectors dev=%s", d->name);
	unbind(d, "pcie-ep");
}

static void cycle_mmsi_b3(struct dev *d)
{
	put(d, "pci_enable_device dev=%s", d->name);
	if (one_in(16)) {
		/* B3: a non-power-of-two Multi-MSI request (3 -> block of 4, 5 -> 8);
		 * how many the device gets depends on what earlier B3 cycles left */
		put(d, "pci_alloc_irq_vectors dev=%s min=1 max=%u flags=MSI", d->name,
		    one_in(2) ? 3 : 5);
	} else {
		put(d, "pci_alloc_irq_vectors dev=%s min=1 max=%u flags=MSI", d->name,
		    1u << rnd(4));
	}
	put(d, "request_irq dev=%s vec=0", d->name);
	put(d, "free_irq dev=%s vec=0", d->name);
	put(d, "pci_free_irq_vectors dev=%s", d->name);
	unbind(d, "pcie-ep");
}

static void cycle_alias(struct dev *d)
{
	put(d, "pci_enable_device dev=%s", d->name);
	put(d, "pci_alloc_irq_vectors dev=%s min=1 max=%u flags=INTX|MSI", d->name,
	    d->name[0] == 'n' ? 2 : 1);
	request_all(d, 0, 1);
	free_all(d, 0, 1);
	put(d, "pci_free_irq_vectors dev=%s", d->name);
	unbind(d, d->name[0] == 'n' ? "8139too" : "sata_sil");
}

static void cycle_plat_smmu(struct dev *d)
{
	put(d, "platform_device_msi_init_and_alloc_irqs dev=%s nvec=3", d->name);
	request_all(d, 0, 3);
	free_all(d, 0, 3);
	put(d, "platform_device_msi_free_irqs_all dev=%s", d->name);
	/* the device goes away and comes back with fresh state */
	put(d, "device_remove dev=%s", d->name);
	put(d, "device_add dev=%s", d->name);
}

static void cycle_plat_dom(struct dev *d)
{
	uint32_t last = rnd_range(0, 3);

	put(d, "msi_create_device_irq_domain dev=%s hwsize=8", d->name);
	put(d, "msi_domain_alloc_irqs_range dev=%s first=0 last=%u", d->name, last);
	request_all(d, 0, last + 1);
	if (one_in(4)) {
		/* a second allocation on the same domain: B1 on 6.12/6.15 */
		put(d, "msi_domain_alloc_irq_at dev=%s index=any", d->name);
		put(d, "request_irq dev=%s vec=%u", d->name, last + 1);
		put(d, "free_irq dev=%s vec=%u", d->name, last + 1);
	}
	free_all(d, 0, last + 1);
	put(d, "msi_domain_free_irqs_range dev=%s first=0 last=7", d->name);
	put(d, "msi_remove_device_irq_domain dev=%s", d->name);
}

static void new_cycle(struct dev *d)
{
	d->qlen = d->qpos = 0;
	d->cycles++;
	switch (d->kind) {
	case K_NVME: cycle_nvme(d); break;
	case K_VIRTIO_NET: cycle_virtio_net(d); break;
	case K_VIRTIO_BLK: cycle_virtio_blk(d); break;
	case K_E1000E: cycle_e1000e(d); break;
	case K_AHCI: cycle_ahci(d); break;
	case K_MQ_NIC: cycle_mq_nic(d); break;
	case K_MMSI: cycle_mmsi(d); break;
	case K_MMSI_B3: cycle_mmsi_b3(d); break;
	case K_ALIAS: cycle_alias(d); break;
	case K_PLAT_SMMU: cycle_plat_smmu(d); break;
	case K_PLAT_DOM: cycle_plat_dom(d); break;
	}
}

/* CPU hotplug, between driver lines (pid 0: the hotplug thread) */
static void hotplug(void)
{
	static struct dev cpuhp = { .name = "cpuhp", .pid = 15 };

	if (cpu_offline < 0) {
		cpu_offline = (int)rnd_range(1, NCPUS - 1);
		emit(&cpuhp, "marker text=\"ACTION cpu offline\"");
		{
			char line[64];

			snprintf(line, sizeof(line), "cpu_offline cpu=%d", cpu_offline);
			emit(&cpuhp, line);
		}
	} else {
		char line[64];

		snprintf(line, sizeof(line), "cpu_online cpu=%d", cpu_offline);
		emit(&cpuhp, line);
		cpu_offline = -1;
	}
}

static void usage(FILE *f)
{
	fprintf(f, "usage: gen_scenario [-n STIMULI] [-s SEED] [-k RELEASE] [-P] [-o FILE]\n");
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || end == s || *end || s[0] == '-';
}

int main(int argc, char **argv)
{
	static char obuf[1 << 20];
	const char *release = "6.16.0", *path = NULL;
	uint64_t seed = 1;
	int pci_only = 0, c, active[NDEVS];
	size_t nactive = 0;

	while ((c = getopt(argc, argv, "n:s:k:Po:h")) != -1) {
		switch (c) {
		case 'n':
			if (parse_u64(optarg, &target)) {
				fprintf(stderr, "gen_scenario: bad -n \"%s\"\n", optarg);
				return 2;
			}
			break;
		case 's':
			if (parse_u64(optarg, &seed)) {
				fprintf(stderr, "gen_scenario: bad -s \"%s\"\n", optarg);
				return 2;
			}
			break;
		case 'k':
			if (!*optarg || strpbrk(optarg, " \t\"\\=\n")) {
				fprintf(stderr, "gen_scenario: bad -k \"%s\"\n", optarg);
				return 2;
			}
			release = optarg;
			break;
		case 'P':
			pci_only = 1;
			break;
		case 'o':
			path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	out = stdout;
	if (path && !(out = fopen(path, "w"))) {
		fprintf(stderr, "gen_scenario: %s: %s\n", path, strerror(errno));
		return 2;
	}
	setvbuf(out, obuf, _IOFBF, sizeof(obuf));
	rng_state = seed;

	fprintf(out, "mlog 1\n");
	fprintf(out, "# generated by tools/bench/gen_scenario -n %" PRIu64 " -s %" PRIu64 " -k %s%s\n",
		target, seed, release, pci_only ? " -P" : "");
	fprintf(out, "# %s devices on one ITS, interleaved driver probe/remove cycles\n",
		pci_only ? "twelve PCI" : "twelve PCI and two platform");
	fprintf(out, "kernel release=%s arch=arm64\n", release);
	fprintf(out, "source kind=scenario tool=gen_scenario\n");
	fprintf(out, "machine cpus=%d nr_irqs=1024 irqs_used=1-20\n", NCPUS);
	fprintf(out, "its name=its0\n");
	fprintf(out, "device name=pcibr0 bus=pci bdf=0000:00:09.0 devid=0x48\n");
	for (size_t i = 0; i < NDEVS; i++) {
		devs[i].pid = 300 + 7 * (uint32_t)i;
		if (pci_only && devs[i].platform)
			continue;
		fprintf(out, "device name=%s %s\n", devs[i].name, devs[i].decl);
		active[nactive++] = (int)i;
	}

	/* interleave: each turn one device writes one to four lines of its cycle */
	while (stimuli < target) {
		struct dev *d = &devs[active[rnd((uint32_t)nactive)]];

		if (one_in(20000))
			hotplug();
		if (d->qpos == d->qlen)
			new_cycle(d);
		for (uint32_t k = rnd_range(1, 4); k && d->qpos < d->qlen; k--) {
			/* fault points are global: the armed fault and the call
			 * meant to hit it are never split by another device */
			int armed = !strncmp(d->q[d->qpos], "fault ", 6);

			emit(d, d->q[d->qpos++]);
			if (armed && d->qpos < d->qlen)
				emit(d, d->q[d->qpos++]);
		}
	}
	/* finish the cycles under way: every device ends unbound */
	for (size_t i = 0; i < nactive; i++) {
		struct dev *d = &devs[active[i]];

		while (d->qpos < d->qlen)
			emit(d, d->q[d->qpos++]);
		free(d->q);
	}
	if (cpu_offline >= 0)
		hotplug();

	if (fflush(out) || ferror(out) || (out != stdout && fclose(out))) {
		fprintf(stderr, "gen_scenario: write error: %s\n", strerror(errno));
		return 2;
	}
	return 0;
}
