// SPDX-License-Identifier: GPL-2.0
/*
 * test_record.c - the parts of "msilab record" that need no kernel:
 * the PCI capability parser on synthetic config space, the dead-owner
 * name matcher, the probe profile loader (and every profile of
 * tools/probes/), "@SYM#N" resolution against a synthetic kallsyms, and
 * profile selection by release and architecture.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "commands.h"

#define PROBES_DIR MSILAB_SOURCE_DIR "/tools/probes"

/* ---- config space ---- */

static void cfg_header(uint8_t *cfg, uint16_t vendor, uint16_t device, uint32_t class, uint8_t cap)
{
	memset(cfg, 0, 256);
	cfg[0] = vendor & 0xff;
	cfg[1] = vendor >> 8;
	cfg[2] = device & 0xff;
	cfg[3] = device >> 8;
	cfg[0x09] = class & 0xff;
	cfg[0x0a] = (class >> 8) & 0xff;
	cfg[0x0b] = class >> 16;
	if (cap) {
		cfg[0x06] = 0x10;
		cfg[0x34] = cap;
	}
}

static void cfg_cap(uint8_t *cfg, uint8_t at, uint8_t id, uint8_t next, uint16_t ctrl)
{
	cfg[at] = id;
	cfg[at + 1] = next;
	cfg[at + 2] = ctrl & 0xff;
	cfg[at + 3] = ctrl >> 8;
}

static void test_caps_msi_and_msix(void **state)
{
	uint8_t cfg[256];
	char line[512];

	/* e1000e as QEMU shows it (msi-caps-before.txt): PM, MSI@0xd0, PCIe, MSI-X@0xa0 */
	cfg_header(cfg, 0x8086, 0x10d3, 0x020000, 0xc8);
	cfg_cap(cfg, 0xc8, 0x01, 0xd0, 0x0022);
	cfg_cap(cfg, 0xd0, 0x05, 0xe0, 0x0080);
	cfg_cap(cfg, 0xe0, 0x10, 0xa0, 0x0000);
	cfg_cap(cfg, 0xa0, 0x11, 0x00, 0x0004);
	assert_int_equal(rec_caps_line("0000:00:05.0", cfg, sizeof(cfg), line, sizeof(line)), 0);
	assert_string_equal(line, "0000:00:05.0 0x8086:0x10d3 class=0x020000 MSI@0xd0 ctrl=0x0080 enable=0 "
			    "MMC=0(=1 vectors) MME=0(=1 enabled) 64bit=1 pvm=0 MSI-X@0xa0 ctrl=0x0004 "
			    "enable=0 table_size=5");
}

static void test_caps_multi_msi(void **state)
{
	uint8_t cfg[256];
	char line[512];

	/* nec-usb-xhci,msi=on,msix=off,intrs=16: MSI@0x70, MMC=4 */
	cfg_header(cfg, 0x1033, 0x0194, 0x0c0330, 0x50);
	cfg_cap(cfg, 0x50, 0x01, 0x70, 0x0003);
	cfg_cap(cfg, 0x70, 0x05, 0x00, 0x0088);
	assert_int_equal(rec_caps_line("0000:00:08.0", cfg, sizeof(cfg), line, sizeof(line)), 0);
	assert_string_equal(line, "0000:00:08.0 0x1033:0x0194 class=0x0c0330 MSI@0x70 ctrl=0x0088 enable=0 "
			    "MMC=4(=16 vectors) MME=0(=1 enabled) 64bit=1 pvm=0");
	/* MSI enabled with 4 vectors, per-vector masking, 32-bit */
	cfg_cap(cfg, 0x70, 0x05, 0x00, 0x0125);
	assert_int_equal(rec_caps_line("0000:00:08.0", cfg, sizeof(cfg), line, sizeof(line)), 0);
	assert_non_null(strstr(line, "MSI@0x70 ctrl=0x0125 enable=1 MMC=2(=4 vectors) MME=2(=4 enabled) 64bit=0 pvm=1"));
}

static void test_caps_msix_sizes(void **state)
{
	uint8_t cfg[256];
	char line[512];

	/* nvme: table_size=65 (ctrl 0x0040); root port, enabled, 1 entry (0x8000) */
	cfg_header(cfg, 0x1b36, 0x0010, 0x010802, 0x40);
	cfg_cap(cfg, 0x40, 0x11, 0x00, 0x0040);
	assert_int_equal(rec_caps_line("0000:00:04.0", cfg, sizeof(cfg), line, sizeof(line)), 0);
	assert_non_null(strstr(line, " MSI-X@0x40 ctrl=0x0040 enable=0 table_size=65"));
	assert_null(strstr(line, "MSI@"));
	cfg_cap(cfg, 0x40, 0x11, 0x00, 0x8000);
	rec_caps_line("0000:00:07.0", cfg, sizeof(cfg), line, sizeof(line));
	assert_non_null(strstr(line, " MSI-X@0x40 ctrl=0x8000 enable=1 table_size=1"));
	cfg_cap(cfg, 0x40, 0x11, 0x00, 0x07ff);
	rec_caps_line("0000:00:07.0", cfg, sizeof(cfg), line, sizeof(line));
	assert_non_null(strstr(line, "table_size=2048"));
}

static void test_caps_none_and_bad(void **state)
{
	uint8_t cfg[256];
	char line[512];

	/* no capability list at all */
	cfg_header(cfg, 0x1b36, 0x0008, 0x060000, 0);
	assert_int_equal(rec_caps_line("0000:00:00.0", cfg, sizeof(cfg), line, sizeof(line)), 0);
	assert_string_equal(line, "0000:00:00.0 0x1b36:0x0008 class=0x060000 no-MSI/MSI-X");
	/* a list without MSI or MSI-X */
	cfg_header(cfg, 0x1b36, 0x0008, 0x060000, 0x40);
	cfg_cap(cfg, 0x40, 0x01, 0x00, 0);
	assert_int_equal(rec_caps_line("0000:00:00.0", cfg, sizeof(cfg), line, sizeof(line)), 0);
	assert_string_equal(line, "0000:00:00.0 0x1b36:0x0008 class=0x060000 no-MSI/MSI-X");
	/* a loop: refused, no sizes given */
	cfg_cap(cfg, 0x40, 0x05, 0x50, 0);
	cfg_cap(cfg, 0x50, 0x01, 0x40, 0);
	assert_int_equal(rec_caps_line("0000:00:00.0", cfg, sizeof(cfg), line, sizeof(line)), -1);
	assert_string_equal(line, "0000:00:00.0 0x1b36:0x0008 class=0x060000 caps=unreadable");
	/* a pointer into the header */
	cfg_header(cfg, 0x1b36, 0x0008, 0x060000, 0x20);
	assert_int_equal(rec_caps_line("0000:00:00.0", cfg, sizeof(cfg), line, sizeof(line)), -1);
	/* a pointer past what could be read (64 bytes: what non-root reads) */
	cfg_header(cfg, 0x1b36, 0x0008, 0x060000, 0x50);
	cfg_cap(cfg, 0x50, 0x05, 0x00, 0x0080);
	assert_int_equal(rec_caps_line("0000:00:00.0", cfg, 64, line, sizeof(line)), -1);
	/* too short for a header */
	assert_int_equal(rec_caps_line("0000:00:00.0", cfg, 10, line, sizeof(line)), -1);
	assert_string_equal(line, "0000:00:00.0 caps=unreadable");
	/* the low two bits of a pointer are reserved */
	cfg_header(cfg, 0x1b36, 0x0008, 0x060000, 0x53);
	cfg_cap(cfg, 0x50, 0x11, 0x00, 0x0001);
	assert_int_equal(rec_caps_line("0000:00:00.0", cfg, sizeof(cfg), line, sizeof(line)), 0);
	assert_non_null(strstr(line, "MSI-X@0x50 ctrl=0x0001 enable=0 table_size=2"));
	/* CardBus header: the list starts at 0x14 */
	cfg_header(cfg, 0x1180, 0x0476, 0x060700, 0);
	cfg[0x06] = 0x10;
	cfg[0x0e] = 0x02;
	cfg[0x14] = 0x80;
	cfg_cap(cfg, 0x80, 0x05, 0x00, 0x0000);
	assert_int_equal(rec_caps_line("0000:02:00.0", cfg, sizeof(cfg), line, sizeof(line)), 0);
	assert_non_null(strstr(line, "MSI@0x80 ctrl=0x0000 enable=0 MMC=0(=1 vectors)"));
	/* the output buffer is too small: -1, NUL-terminated */
	assert_int_equal(rec_caps_line("0000:02:00.0", cfg, sizeof(cfg), line, 20), -1);
	assert_int_equal(strlen(line), 19);
}

/* ---- owner names ---- */

static void test_owner_pid(void **state)
{
	assert_int_equal(rec_owner_pid("msilab_123", "msilab_"), 123);
	assert_int_equal(rec_owner_pid("msilab-4194303", "msilab-"), 4194303);
	assert_int_equal(rec_owner_pid("msilab_1", "msilab_"), 1);
	assert_int_equal(rec_owner_pid("msilab_", "msilab_"), -1);
	assert_int_equal(rec_owner_pid("msilab_0", "msilab_"), -1);
	assert_int_equal(rec_owner_pid("msilab_012", "msilab_"), -1);
	assert_int_equal(rec_owner_pid("msilab_-12", "msilab_"), -1);
	assert_int_equal(rec_owner_pid("msilab_+12", "msilab_"), -1);
	assert_int_equal(rec_owner_pid("msilab_12a", "msilab_"), -1);
	assert_int_equal(rec_owner_pid("msilab_12_x", "msilab_"), -1);
	assert_int_equal(rec_owner_pid("msilab_99999999999", "msilab_"), -1);
	assert_int_equal(rec_owner_pid("msilab-123", "msilab_"), -1);
	assert_int_equal(rec_owner_pid("msilabx_123", "msilab_"), -1);
	assert_int_equal(rec_owner_pid("xmsilab_123", "msilab_"), -1);
	assert_int_equal(rec_owner_pid("msilc", "msilab_"), -1);
	assert_int_equal(rec_owner_pid("msilabtest_123", "msilab_"), -1);
	assert_int_equal(rec_owner_pid("MSILAB_123", "msilab_"), -1);
}

/* ---- profiles ---- */

static char *write_tmp(const char *text)
{
	char *path = strdup("/tmp/rec-test-XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_probe_parse(void **state)
{
	struct rec_probe p;
	char err[256];

	assert_int_equal(rec_probe_parse("p:msilc/its_msi_prepare its_msi_prepare domain=%x0:x64 nvec=%x2:s32",
					 &p, err, sizeof(err)), 0);
	assert_int_equal(p.type, 'p');
	assert_string_equal(p.event, "its_msi_prepare");
	assert_string_equal(p.loc, "its_msi_prepare");
	assert_string_equal(p.args, "domain=%x0:x64 nvec=%x2:s32");
	assert_int_equal(rec_probe_parse("r10:msilc/f_ret f ret=$retval:s32", &p, err, sizeof(err)), 0);
	assert_int_equal(p.type, 'r');
	assert_int_equal(p.maxactive, 10);
	assert_int_equal(rec_probe_parse("p:msilc/noargs some_func+0x10", &p, err, sizeof(err)), 0);
	assert_string_equal(p.loc, "some_func+0x10");
	assert_string_equal(p.args, "");
	assert_int_equal(rec_probe_parse("p:msilc/t @its_msi_teardown#2 domain=%x0:x64", &p, err, sizeof(err)), 0);
	assert_string_equal(p.loc, "@its_msi_teardown#2");

	assert_int_equal(rec_probe_parse("p:other/f f", &p, err, sizeof(err)), -1);
	assert_string_equal(err, "the event must be in group \"msilc\" (\"p:msilc/NAME\")");
	assert_int_equal(rec_probe_parse("x:msilc/f f", &p, err, sizeof(err)), -1);
	assert_int_equal(rec_probe_parse("p:msilc/f", &p, err, sizeof(err)), -1);
	assert_string_equal(err, "no probed location after the event name");
	assert_int_equal(rec_probe_parse("p:msilc/9f f", &p, err, sizeof(err)), -1);
	assert_int_equal(rec_probe_parse("p:msilc/t @its_msi_teardown", &p, err, sizeof(err)), -1);
	assert_int_equal(rec_probe_parse("p:msilc/t @its_msi_teardown#0", &p, err, sizeof(err)), -1);
	assert_int_equal(rec_probe_parse("p:msilc/t @#1", &p, err, sizeof(err)), -1);
	assert_int_equal(rec_probe_parse("p:msilc/t @f#1x", &p, err, sizeof(err)), -1);
}

static void test_profile_load(void **state)
{
	static const char text[] =
		"# a comment\n"
		"#@arch aarch64\n"
		"#@kernels 6.16 -\n"
		"#@measured 6.18.15+deb13-arm64\n"
		"p:msilc/a a x=%x0:x64\n"
		"\n"
		"r:msilc/a_ret a ret=$retval:s32\n"
		"#@event irq_vectors/vector_alloc\n"
		"#@event irq_matrix\n";
	struct rec_profile *p = malloc(sizeof(*p));
	char err[512], *path = write_tmp(text);

	assert_int_equal(rec_profile_load(path, p, err, sizeof(err)), 0);
	assert_string_equal(p->arch, "arm64");
	assert_int_equal(p->kmin, 616);
	assert_int_equal(p->kmax, 0);
	assert_string_equal(p->measured, "6.18.15+deb13-arm64");
	assert_int_equal(p->nprobes, 2);
	assert_int_equal(p->probe[1].line, 7);
	assert_int_equal(p->nevents, 2);
	assert_string_equal(p->event[0], "irq_vectors/vector_alloc");
	assert_string_equal(p->event[1], "irq_matrix");
	unlink(path);
	free(path);

	path = write_tmp("#@arch arm64\n#@kernels 6.1 6.1\np:msilc/a a\np:msilc/a b\n");
	assert_int_equal(rec_profile_load(path, p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":4: event a is defined twice (line 3)"));
	unlink(path);
	free(path);

	path = write_tmp("#@arch arm64\np:msilc/a a\n");
	assert_int_equal(rec_profile_load(path, p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no \"#@arch\" or \"#@kernels\" directive"));
	unlink(path);
	free(path);

	path = write_tmp("#@arch sparc\n");
	assert_int_equal(rec_profile_load(path, p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":1: bad directive"));
	unlink(path);
	free(path);

	path = write_tmp("#@arch arm64\n#@kernels 6.12 6.1\np:msilc/a a\n");
	assert_int_equal(rec_profile_load(path, p, err, sizeof(err)), -1);
	unlink(path);
	free(path);

	path = write_tmp("#@arch arm64\n#@kernels 6.1 -\np:msilc/a a\nq:msilc/b b\n");
	assert_int_equal(rec_profile_load(path, p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":4: a definition starts with"));
	unlink(path);
	free(path);

	path = write_tmp("#@arch arm64\n#@kernels 6.1 -\n#@event bad/name/x\n");
	assert_int_equal(rec_profile_load(path, p, err, sizeof(err)), -1);
	unlink(path);
	free(path);

	assert_int_equal(rec_profile_load("/nonexistent/profile.txt", p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot open the probe profile"));
	free(p);
}

/* Every shipped profile loads and has what the README says. */
static void test_shipped_profiles(void **state)
{
	static const struct {
		const char *file, *arch;
		unsigned int kmin, kmax, nprobes, nevents;
	} want[] = {
		{ "probes-6.1-arm64.txt", "arm64", 601, 601, 61, 0 },
		{ "probes-6.12-arm64.txt", "arm64", 612, 612, 74, 0 },
		{ "probes-6.18-arm64.txt", "arm64", 616, 0, 69, 0 },
		{ "probes-6.1-amd64.txt", "x86_64", 601, 601, 46, 13 },
		{ "probes-6.12-amd64.txt", "x86_64", 612, 0, 51, 13 },
		{ "probes-6.18-amd64.txt", "x86_64", 616, 0, 54, 13 },
	};
	struct rec_profile *p = malloc(sizeof(*p));
	char err[512], path[1024];

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", PROBES_DIR, want[i].file);
		if (rec_profile_load(path, p, err, sizeof(err)))
			fail_msg("%s", err);
		assert_string_equal(p->arch, want[i].arch);
		assert_int_equal(p->kmin, want[i].kmin);
		assert_int_equal(p->kmax, want[i].kmax);
		assert_int_equal(p->nprobes, want[i].nprobes);
		assert_int_equal(p->nevents, want[i].nevents);
		/* no fetch through a struct offset on amd64 6.12+ except offset 0 */
		if (!strcmp(want[i].file, "probes-6.12-amd64.txt")) {
			for (unsigned int k = 0; k < p->nprobes; k++) {
				const char *a = p->probe[k].args;

				for (const char *q = strchr(a, '+'); q; q = strchr(q + 1, '+'))
					assert_true(q[1] == '0' && q[2] == '(');
			}
		}
	}
	/* the two its_msi_teardown of 6.18 are probed by address */
	snprintf(path, sizeof(path), "%s/probes-6.18-arm64.txt", PROBES_DIR);
	assert_int_equal(rec_profile_load(path, p, err, sizeof(err)), 0);
	{
		int seen = 0;

		for (unsigned int k = 0; k < p->nprobes; k++) {
			if (!strcmp(p->probe[k].event, "its_msi_teardown_parent")) {
				assert_string_equal(p->probe[k].loc, "@its_msi_teardown#1");
				seen++;
			}
			if (!strcmp(p->probe[k].event, "its_msi_teardown")) {
				assert_string_equal(p->probe[k].loc, "@its_msi_teardown#2");
				seen++;
			}
		}
		assert_int_equal(seen, 2);
	}
	free(p);
}

/* ---- @SYM#N ---- */

static void test_resolve(void **state)
{
	/* not in address order on purpose; a module symbol and a data symbol of the same name */
	static const char ks[] =
		"ffff800080c26f00 T its_msi_prepare\n"
		"ffffa7eefe8c26f0 t its_msi_teardown\n"
		"ffffa7eefe8bede8 t its_msi_teardown\n"
		"ffffa7eefe000000 d its_msi_teardown\n"
		"ffffa7eefe8c0000 t its_msi_teardown_x\n"
		"ffffa7eeff000000 t its_msi_teardown\t[some_module]\n"
		"0000000000000000 t zero_sym\n";
	struct rec_probe p;
	char err[256], *path = write_tmp(ks);

	assert_int_equal(rec_probe_parse("p:msilc/its_msi_teardown_parent @its_msi_teardown#1 domain=%x0:x64",
					 &p, err, sizeof(err)), 0);
	assert_int_equal(rec_probe_resolve(&p, path, err, sizeof(err)), 0);
	assert_string_equal(p.loc, "0xffffa7eefe8bede8");
	assert_string_equal(p.args, "domain=%x0:x64");
	assert_int_equal(rec_probe_parse("p:msilc/its_msi_teardown @its_msi_teardown#2", &p, err, sizeof(err)), 0);
	assert_int_equal(rec_probe_resolve(&p, path, err, sizeof(err)), 0);
	assert_string_equal(p.loc, "0xffffa7eefe8c26f0");
	assert_int_equal(rec_probe_parse("p:msilc/t @its_msi_teardown#3", &p, err, sizeof(err)), 0);
	assert_int_equal(rec_probe_resolve(&p, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "its_msi_teardown has 2 text symbols in"));
	assert_int_equal(rec_probe_parse("p:msilc/t @its_msi_prepare#1", &p, err, sizeof(err)), 0);
	assert_int_equal(rec_probe_resolve(&p, path, err, sizeof(err)), 0);
	assert_string_equal(p.loc, "0xffff800080c26f00");
	assert_int_equal(rec_probe_parse("p:msilc/t @missing#1", &p, err, sizeof(err)), 0);
	assert_int_equal(rec_probe_resolve(&p, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no text symbol missing in"));
	assert_int_equal(rec_probe_parse("p:msilc/t @zero_sym#1", &p, err, sizeof(err)), 0);
	assert_int_equal(rec_probe_resolve(&p, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "address 0"));
	/* a plain symbol is left alone */
	assert_int_equal(rec_probe_parse("p:msilc/t its_msi_prepare", &p, err, sizeof(err)), 0);
	assert_int_equal(rec_probe_resolve(&p, "/nonexistent", err, sizeof(err)), 0);
	assert_string_equal(p.loc, "its_msi_prepare");
	unlink(path);
	free(path);
}

/* ---- selection ---- */

static void test_versions(void **state)
{
	assert_int_equal(rec_kernel_version("6.1.0-56-arm64"), 601);
	assert_int_equal(rec_kernel_version("6.12.117+deb12-arm64"), 612);
	assert_int_equal(rec_kernel_version("6.18.44-fc-v669"), 618);
	assert_int_equal(rec_kernel_version("7.0"), 700);
	assert_int_equal(rec_kernel_version("6"), -1);
	assert_int_equal(rec_kernel_version("v6.1"), -1);
	assert_int_equal(rec_kernel_version(""), -1);
	assert_string_equal(rec_arch_name("aarch64"), "arm64");
	assert_string_equal(rec_arch_name("x86_64"), "x86_64");
	assert_string_equal(rec_arch_name("amd64"), "x86_64");
	assert_null(rec_arch_name("riscv64"));
}

static void check_select(const char *release, const char *arch, const char *want)
{
	char out[1024];
	int ret = rec_profile_select(PROBES_DIR, release, arch, out, sizeof(out));

	if (!want) {
		assert_int_equal(ret, -1);
		return;
	}
	assert_int_equal(ret, 0);
	assert_string_equal(strrchr(out, '/') + 1, want);
}

static void test_select(void **state)
{
	check_select("6.1.0-56-arm64", "arm64", "probes-6.1-arm64.txt");
	check_select("6.12.117+deb12-arm64", "arm64", "probes-6.12-arm64.txt");
	check_select("6.18.15+deb13-arm64", "arm64", "probes-6.18-arm64.txt");
	check_select("6.16.3", "arm64", "probes-6.18-arm64.txt");
	check_select("7.0.1", "arm64", "probes-6.18-arm64.txt");
	check_select("6.1.0-56-amd64", "x86_64", "probes-6.1-amd64.txt");
	check_select("6.12.9-amd64", "x86_64", "probes-6.12-amd64.txt");
	check_select("6.15.2", "x86_64", "probes-6.12-amd64.txt");
	check_select("6.18.44-fc-v669", "x86_64", "probes-6.18-amd64.txt");
	check_select("6.18.15+deb13-amd64", "x86_64", "probes-6.18-amd64.txt");
	/* not measured: no profile */
	check_select("6.6.30", "arm64", NULL);
	check_select("6.14.2", "arm64", NULL);
	check_select("5.15.0", "x86_64", NULL);
	check_select("6.6.30", "x86_64", NULL);
	check_select("6.1.0", "riscv64", NULL);
	check_select("garbage", "arm64", NULL);
	assert_int_equal(rec_profile_select("/nonexistent", "6.1.0", "arm64", (char[64]){ 0 }, 64), -1);
}

/* The narrowest range wins when two profiles fit. */
static void test_select_narrowest(void **state)
{
	char dir[] = "/tmp/rec-test-dir-XXXXXX", path[256], out[256];
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a-wide.txt", dir);
	f = fopen(path, "w");
	fputs("#@arch arm64\n#@kernels 6.1 -\np:msilc/a a\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/b-narrow.txt", dir);
	f = fopen(path, "w");
	fputs("#@arch arm64\n#@kernels 6.10 6.12\np:msilc/a a\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/c-broken.txt", dir);
	f = fopen(path, "w");
	fputs("#@arch arm64\n#@kernels 6.11 6.11\nnonsense\n", f);
	fclose(f);
	assert_int_equal(rec_profile_select(dir, "6.11.2", "arm64", out, sizeof(out)), 0);
	assert_string_equal(strrchr(out, '/') + 1, "b-narrow.txt");
	assert_int_equal(rec_profile_select(dir, "6.13", "arm64", out, sizeof(out)), 0);
	assert_string_equal(strrchr(out, '/') + 1, "a-wide.txt");
	assert_int_equal(rec_profile_select(dir, "6.0", "arm64", out, sizeof(out)), -1);
	unlink(path);
	snprintf(path, sizeof(path), "%s/a-wide.txt", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/b-narrow.txt", dir);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_caps_msi_and_msix),
		cmocka_unit_test(test_caps_multi_msi),
		cmocka_unit_test(test_caps_msix_sizes),
		cmocka_unit_test(test_caps_none_and_bad),
		cmocka_unit_test(test_owner_pid),
		cmocka_unit_test(test_probe_parse),
		cmocka_unit_test(test_profile_load),
		cmocka_unit_test(test_shipped_profiles),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_select_narrowest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
