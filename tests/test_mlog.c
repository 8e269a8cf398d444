// SPDX-License-Identifier: GPL-2.0
/*
 * test_mlog.c - the .mlog reader and writer.
 *
 * Valid input: every verb with every key (generated from the schema, so a
 * new key is covered the day it is added), defaults, canonical form and
 * round trips.  Invalid input: every tests/mlog_malformed/NN-name.mlog must
 * fail with exactly the "LINE:COL: error: REASON" of its .expect file.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mlog.h"

#define MALFORMED_DIR	MSILAB_SOURCE_DIR "/tests/mlog_malformed"
#define VALID_DIR	MSILAB_SOURCE_DIR "/tests/mlog_valid"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc(n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = n;
	return buf;
}

static int names_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names in @dir ending in @suffix; returns the count. */
static int list_dir(const char *dir, const char *suffix, char ***out)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name), sl = strlen(suffix);

		if (len <= sl || strcmp(de->d_name + len - sl, suffix))
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		assert_non_null(names);
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), names_cmp);
	*out = names;
	return n;
}

static void free_names(char **names, int n)
{
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/*
 * Read all of @r, writing the canonical form into a malloc'd string.
 * Returns mlog_read()'s last result (0 clean end, -1 error).
 */
static int read_all(struct mlog_reader *r, char **text, int *nevents)
{
	struct mlog_event *ev = malloc(sizeof(*ev));
	size_t size = 0;
	FILE *out;
	int ret, n = 0;

	assert_non_null(ev);
	*text = NULL;
	out = open_memstream(text, &size);
	assert_non_null(out);
	while ((ret = mlog_read(r, ev)) > 0) {
		assert_true(mlog_write_event(out, mlog_reader_decls(r), ev) > 0);
		n++;
	}
	fclose(out);
	free(ev);
	if (nevents)
		*nevents = n;
	return ret;
}

/* Canonical form of @in (which must be valid). */
static char *canon(const char *in)
{
	struct mlog_error err;
	struct mlog_reader *r = mlog_reader_open_mem("t", in, strlen(in), &err);
	char *text;
	int ret;

	assert_non_null(r);
	ret = read_all(r, &text, NULL);
	if (ret)
		fail_msg("%u:%u: %s", mlog_reader_error(r)->line, mlog_reader_error(r)->col,
			 mlog_reader_error(r)->msg);
	mlog_reader_close(r);
	return text;
}

/* "LINE:COL: error: MSG" of the first error in @in, or "" when valid. */
static const char *first_error(const char *in, size_t len, char *buf, size_t size)
{
	struct mlog_error err;
	struct mlog_reader *r = mlog_reader_open_mem("t", in, len, &err);
	char *text;

	assert_non_null(r);
	buf[0] = '\0';
	if (read_all(r, &text, NULL) < 0) {
		const struct mlog_error *e = mlog_reader_error(r);

		snprintf(buf, size, "%u:%u: error: %s", e->line, e->col, e->msg);
	}
	free(text);
	mlog_reader_close(r);
	return buf;
}

/* ---- malformed inputs: one file per kind of error ---- */

static void check_malformed(const char *name)
{
	char path[512], expect_path[512], got_file[512], got_mem[512];
	char *expect, *in;
	size_t elen, len;
	struct mlog_error err;
	struct mlog_reader *r;
	char *text;

	snprintf(path, sizeof(path), "%s/%s", MALFORMED_DIR, name);
	snprintf(expect_path, sizeof(expect_path), "%.*s.expect", (int)strlen(path) - 5, path);
	expect = slurp(expect_path, &elen);
	while (elen && expect[elen - 1] == '\n')
		expect[--elen] = '\0';

	/* through a FILE ... */
	r = mlog_reader_open(path, &err);
	assert_non_null(r);
	assert_int_equal(read_all(r, &text, NULL), -1);
	free(text);
	snprintf(got_file, sizeof(got_file), "%u:%u: error: %s", mlog_reader_error(r)->line,
		 mlog_reader_error(r)->col, mlog_reader_error(r)->msg);
	assert_string_equal(mlog_reader_error(r)->file, path);
	/* errors are sticky */
	{
		struct mlog_event ev;

		assert_int_equal(mlog_read(r, &ev), -1);
	}
	mlog_reader_close(r);
	if (strcmp(got_file, expect))
		fail_msg("%s: got \"%s\", expected \"%s\"", name, got_file, expect);

	/* ... and from memory, with the same result */
	in = slurp(path, &len);
	first_error(in, len, got_mem, sizeof(got_mem));
	assert_string_equal(got_mem, expect);
	free(in);
	free(expect);
}

static void test_malformed_dir(void **state)
{
	char **names;
	int n = list_dir(MALFORMED_DIR, ".mlog", &names);

	assert_true(n >= 30);
	for (int i = 0; i < n; i++)
		check_malformed(names[i]);
	print_message("checked %d malformed inputs\n", n);
	free_names(names, n);
}

/* ---- valid files: canonical already, and stable ---- */

static void test_valid_files(void **state)
{
	char **names;
	int n = list_dir(VALID_DIR, ".mlog", &names);
	uint64_t seen[3] = { 0 };	/* verbs seen, bit per verb */

	assert_true(n >= 3);
	for (int i = 0; i < n; i++) {
		char path[512], *in, *text, *again;
		struct mlog_error err;
		struct mlog_reader *r;
		struct mlog_event ev;
		size_t len;

		snprintf(path, sizeof(path), "%s/%s", VALID_DIR, names[i]);
		in = slurp(path, &len);
		r = mlog_reader_open(path, &err);
		assert_non_null(r);
		assert_int_equal(read_all(r, &text, NULL), 0);
		mlog_reader_close(r);
		if (strcmp(in, text))
			fail_msg("%s is not in canonical form", names[i]);
		again = canon(text);
		assert_string_equal(again, text);

		r = mlog_reader_open_mem(path, in, len, &err);
		while (mlog_read(r, &ev) > 0)
			seen[ev.verb / 64] |= 1ULL << (ev.verb % 64);
		mlog_reader_close(r);
		free(in);
		free(text);
		free(again);
	}
	for (int v = 1; v < MLOG_V__COUNT; v++)
		if (!(seen[v / 64] >> (v % 64) & 1))
			fail_msg("verb %s (%d) is in no file of tests/mlog_valid", mlog_verb_name(v), v);
	free_names(names, n);
}

/* ---- every verb with every key, generated from the schema ---- */

static const uint64_t key_min[MLOG_K__COUNT] = {
#define KEY_MIN(id, name, type, min, max) [MLOG_K_##id] = (uint64_t)(min),
	MLOG_KEYS(KEY_MIN)
#undef KEY_MIN
};

/* A valid sample value for key @k of verb @v, in canonical spelling. */
static const char *sample(enum mlog_verb v, enum mlog_key k, char *buf, size_t size)
{
	switch (mlog_key_type(k)) {
	case MLOG_T_U:	/* the smallest valid value, 1 when 0 is (msi: a power of two) */
		snprintf(buf, size, "%llu", key_min[k] ? (unsigned long long)key_min[k] : 1ULL);
		return buf;
	case MLOG_T_X:
		return "0x1f";
	case MLOG_T_I:
		return "-28";
	case MLOG_T_DEV:
		return "pdev0";
	case MLOG_T_ITS:
		return "its0";
	case MLOG_T_NAME:
		snprintf(buf, size, "new_%d", v);
		return buf;
	case MLOG_T_BDF:
		return "0000:00:1f.7";
	case MLOG_T_FLG:
		return "MSI|MSIX";
	case MLOG_T_STR:
		return "\"a \\\"quoted\\\" = \\\\ string\"";
	case MLOG_T_TIME:
		return "12.000345";
	case MLOG_T_LIST:
		return "1-3,7";
	case MLOG_T_IDX:
		return "any";
	case MLOG_T_FPT:
		return "alloc_lpi_range";
	case MLOG_T_KIND:
		return "mapd,sync";
	case MLOG_T_BUS:
		return "pci";
	case MLOG_T_ARCH:
		return "arm64";
	case MLOG_T_SRC:
		return "trace-dat";
	case MLOG_T_TYPE:
		return "msix";
	}
	return "?";
}

static void gen_line(FILE *f, enum mlog_verb v)
{
	const enum mlog_key *keys;
	unsigned int n = mlog_verb_keys(v, &keys);
	char buf[64];

	fprintf(f, "%s%s", mlog_is_obs(v) ? "< " : "", mlog_verb_name(v));
	for (unsigned int i = 0; i < n; i++)
		fprintf(f, " %s=%s", mlog_key_name(keys[i]), sample(v, keys[i], buf, sizeof(buf)));
	fputc('\n', f);
}

static void test_every_verb_every_key(void **state)
{
	static const enum mlog_verb head[] = { MLOG_V_KERNEL, MLOG_V_SOURCE, MLOG_V_MACHINE };
	struct mlog_event *ev = malloc(sizeof(*ev));
	struct mlog_reader *r;
	struct mlog_error err;
	char *text = NULL, *out;
	size_t size;
	FILE *f = open_memstream(&text, &size);
	int nverbs = 0;

	assert_non_null(ev);
	fputs("mlog 1\n", f);
	for (unsigned int i = 0; i < 3; i++)
		gen_line(f, head[i]);
	fputs("its name=its0\n", f);
	gen_line(f, MLOG_V_ITS_DECL);
	fputs("device name=pdev0 bus=pci bdf=0000:00:02.0 devid=0x10 msix=4\n", f);
	for (int v = MLOG_V_DEVICE; v < MLOG_V__COUNT; v++)
		gen_line(f, v);
	fclose(f);

	/* every key parsed ... */
	r = mlog_reader_open_mem("gen", text, size, &err);
	assert_non_null(r);
	while (mlog_read(r, ev) > 0) {
		if (ev->verb == MLOG_V_NONE)
			continue;
		if (ev->line == 5 || ev->line == 7)
			continue;	/* its0 and pdev0, for the references */
		assert_true(ev->present == mlog_verb_allowed(ev->verb));
		nverbs++;
		if (ev->verb == MLOG_V_PCI_ALLOC_IRQ_VECTORS) {
			assert_int_equal(ev->num[MLOG_K_FLAGS], MLOG_PCI_IRQ_MSI | MLOG_PCI_IRQ_MSIX);
			assert_int_equal(ev->num[MLOG_K_MIN], -28);
			assert_int_equal(ev->num[MLOG_K_T], 12000345);
			assert_int_equal(ev->num[MLOG_K_DEV], 0);
		}
		if (ev->verb == MLOG_V_MSI_DOMAIN_ALLOC_IRQ_AT)
			assert_int_equal(ev->num[MLOG_K_INDEX], MLOG_INDEX_ANY);
		if (ev->verb == MLOG_V_DEVICE && ev->line > 7) {
			assert_int_equal(ev->num[MLOG_K_BDF], 0xff);
			assert_int_equal(ev->num[MLOG_K_ALIAS], 0);
		}
		if (ev->verb == MLOG_V_MARKER)
			assert_string_equal(mlog_str(ev, MLOG_K_TEXT), "a \"quoted\" = \\ string");
		if (ev->verb == MLOG_V_OBSERVES)
			assert_int_equal(ev->num[MLOG_K_KINDS],
					 1ULL << (MLOG_V_O_MAPD - MLOG_V_O_FIRST) |
					 1ULL << (MLOG_V_O_SYNC - MLOG_V_O_FIRST));
		if (ev->verb == MLOG_V_FAULT)
			assert_int_equal(ev->num[MLOG_K_POINT], MLOG_F_ALLOC_LPI_RANGE);
	}
	assert_int_equal(mlog_reader_error(r)->msg[0], '\0');
	assert_int_equal(mlog_reader_decls(r)->ndev, 2);
	assert_string_equal(mlog_reader_decls(r)->irqs_used, "1-3,7");
	assert_string_equal(mlog_reader_decls(r)->release, "a \"quoted\" = \\ string");
	mlog_reader_close(r);
	assert_int_equal(nverbs, MLOG_V__COUNT - 1);

	/* ... and written back byte for byte */
	out = canon(text);
	assert_string_equal(out, text);
	free(out);
	free(text);
	free(ev);
}

/* ---- defaults ---- */

static void test_defaults(void **state)
{
	static const char in[] =
		"mlog 1\n"
		"kernel release=6.1.0 arch=arm64\n"
		"device name=smmu0 bus=platform devid=0x10000\n"
		"device name=xhci0 bus=pci bdf=0000:00:08.0 devid=0x40 msi=4\n"
		"fault point=msi_insert_desc\n";
	struct mlog_event ev;
	struct mlog_error err;
	struct mlog_reader *r = mlog_reader_open_mem("d", in, strlen(in), &err);
	const struct mlog_decls *d = mlog_reader_decls(r);

	while (mlog_read(r, &ev) > 0)
		if (ev.verb == MLOG_V_FAULT)
			break;
	assert_int_equal(ev.verb, MLOG_V_FAULT);
	assert_int_equal(ev.num[MLOG_K_SKIP], 0);
	assert_int_equal(ev.num[MLOG_K_COUNT], 1);
	assert_false(mlog_has(&ev, MLOG_K_COUNT));
	assert_int_equal(mlog_read(r, &ev), 0);
	assert_int_equal(mlog_read(r, &ev), 0);	/* EOF is sticky too */

	assert_int_equal(d->version, 1);
	assert_false(d->has_machine);
	assert_int_equal(d->cpus, 2);
	assert_int_equal(d->nr_irqs, 64);
	assert_string_equal(d->irqs_used, "");
	assert_int_equal(d->nits, 1);		/* the implicit ITS */
	assert_string_equal(d->its[0].name, "its0");
	assert_int_equal(d->its[0].lpi_bits, 16);
	assert_int_equal(d->its[0].num_lpis, 0);
	assert_int_equal(d->its[0].event_bits, 16);
	assert_int_equal(d->its[0].devid_bits, 16);
	assert_int_equal(d->its[0].ite_size, 8);
	assert_int_equal(d->ndev, 2);
	assert_int_equal(d->dev[0].bus, MLOG_BUS_PLATFORM);
	assert_false(d->dev[0].has_bdf);
	assert_int_equal(d->dev[0].msi, 0);
	assert_int_equal(d->dev[0].alias, -1);
	assert_int_equal(d->dev[0].its, 0);
	assert_int_equal(d->dev[0].line, 3);
	assert_true(d->dev[1].has_bdf);
	assert_int_equal(d->dev[1].bdf, 0x40);
	assert_int_equal(d->dev[1].msi, 4);
	assert_int_equal(d->dev[1].devid, 0x40);
	assert_false(d->has_observes);
	mlog_reader_close(r);
}

static void test_x86_has_no_its(void **state)
{
	static const char in[] = "mlog 1\nkernel release=6.8 arch=x86_64\n"
		"device name=e0 bus=pci bdf=0000:00:19.0 devid=0xc8 msi=1\n";
	struct mlog_event ev;
	struct mlog_error err;
	struct mlog_reader *r = mlog_reader_open_mem("x", in, strlen(in), &err);

	while (mlog_read(r, &ev) > 0)
		;
	assert_int_equal(mlog_reader_decls(r)->nits, 0);
	assert_int_equal(mlog_reader_decls(r)->arch, MLOG_ARCH_X86_64);
	mlog_reader_close(r);
}

/* ---- canonical form of untidy input ---- */

static void test_canonical_form(void **state)
{
	static const char in[] =
		"  # leading blanks go, the comment text stays  \n"
		"mlog   001\n"
		"kernel\tarch=arm64 release=\"6.1\"\n"
		"machine irqs_used=01-01,3-4,9-12 cpus=004\n"
		" \t \n"
		"device devid=32 bdf=0000:00:1F.7 bus=pci name=nvme0 msix=0065\n"
		"pci_alloc_irq_vectors   flags=0x6 max=4 min=-0 dev=nvme0\t\n"
		"pci_alloc_irq_vectors dev=nvme0 min=1 max=4 flags=0x20\n"
		"pci_alloc_irq_vectors dev=nvme0 min=1 max=4 flags=0x0 t=0.000001 pid=7\n"
		"pci_alloc_irq_vectors dev=nvme0 min=1 max=4 flags=MSIX|MSI|MSI\n"
		"marker text=\"\"\n"
		"marker text=a=b\n"
		"marker text=x\"y\n"
		"<   its_create_device ret=-12 devid=0X2A\n";
	static const char want[] =
		"# leading blanks go, the comment text stays  \n"
		"mlog 1\n"
		"kernel release=6.1 arch=arm64\n"
		"machine cpus=4 irqs_used=1,3-4,9-12\n"
		"\n"
		"device name=nvme0 bus=pci bdf=0000:00:1f.7 devid=0x20 msix=65\n"
		"pci_alloc_irq_vectors dev=nvme0 min=0 max=4 flags=MSI|MSIX\n"
		"pci_alloc_irq_vectors dev=nvme0 min=1 max=4 flags=0x20\n"
		"pci_alloc_irq_vectors dev=nvme0 min=1 max=4 flags=0x0 pid=7 t=0.000001\n"
		"pci_alloc_irq_vectors dev=nvme0 min=1 max=4 flags=MSI|MSIX\n"
		"marker text=\"\"\n"
		"marker text=\"a=b\"\n"
		"marker text=\"x\\\"y\"\n"
		"< its_create_device devid=0x2a ret=-12\n";
	char *out = canon(in), *again;

	assert_string_equal(out, want);
	again = canon(out);
	assert_string_equal(again, out);
	free(out);
	free(again);
}

/* ---- events built in memory: write -> read -> write ---- */

static void test_build_roundtrip(void **state)
{
	static const char quirky[] = "PHASE \"boot\" \\ begin";
	struct mlog_decls *d = calloc(1, sizeof(*d));
	struct mlog_event *ev = malloc(sizeof(*ev));
	char *text = NULL, *again;
	size_t size;
	FILE *f = open_memstream(&text, &size);

	assert_non_null(d);
	assert_non_null(ev);
	d->ndev = 1;
	strcpy(d->dev[0].name, "nvme0");
	d->nits = 1;
	strcpy(d->its[0].name, "its0");

	mlog_event_init(ev, MLOG_V_NONE);
	mlog_event_set(ev, MLOG_K_VERSION, 1);
	assert_true(mlog_is_header(ev));
	assert_int_equal(mlog_write_event(f, d, ev), 7);

	mlog_event_init(ev, MLOG_V_KERNEL);
	mlog_event_set_str(ev, MLOG_K_RELEASE, "6.1.0-56-arm64", 14);
	mlog_event_set(ev, MLOG_K_ARCH, MLOG_ARCH_ARM64);
	mlog_write_event(f, d, ev);

	mlog_event_init(ev, MLOG_V_NONE);
	ev->is_comment = true;
	strcpy(ev->strbuf, "# built, not parsed");
	mlog_write_event(f, d, ev);

	mlog_event_init(ev, MLOG_V_DEVICE);
	assert_int_equal(ev->num[MLOG_K_ALIAS], -1);
	mlog_event_set_str(ev, MLOG_K_NAME, "nvme0", 5);
	mlog_event_set(ev, MLOG_K_BUS, MLOG_BUS_PCI);
	mlog_event_set(ev, MLOG_K_BDF, 0x0420);	/* 0000:04:04.0 */
	mlog_event_set(ev, MLOG_K_DEVID, 0x420);
	mlog_event_set(ev, MLOG_K_MSIX, 65);
	mlog_event_set(ev, MLOG_K_ITS, 0);
	mlog_write_event(f, d, ev);

	mlog_event_init(ev, MLOG_V_PCI_ALLOC_IRQ_VECTORS);
	mlog_event_set(ev, MLOG_K_DEV, 0);
	mlog_event_set(ev, MLOG_K_MIN, 1);
	mlog_event_set(ev, MLOG_K_MAX, 65);
	mlog_event_set(ev, MLOG_K_FLAGS, MLOG_PCI_IRQ_MSIX | MLOG_PCI_IRQ_AFFINITY);
	mlog_event_set(ev, MLOG_K_T, 4000001);
	mlog_write_event(f, d, ev);

	mlog_event_init(ev, MLOG_V_MARKER);
	assert_int_equal(mlog_event_set_str(ev, MLOG_K_TEXT, quirky, strlen(quirky)), 0);
	mlog_write_event(f, d, ev);

	mlog_event_init(ev, MLOG_V_O_ITS_CREATE_DEVICE);
	mlog_event_set(ev, MLOG_K_DEVID, 0x420);
	mlog_event_set(ev, MLOG_K_NVECS, 65);
	mlog_event_set(ev, MLOG_K_NR_ITES, 128);
	mlog_event_set(ev, MLOG_K_LPI_BASE, 8192);
	mlog_event_set(ev, MLOG_K_NR_LPIS, 128);
	mlog_event_set(ev, MLOG_K_RET, 0);
	mlog_write_event(f, d, ev);

	mlog_event_init(ev, MLOG_V_FAULT);
	mlog_event_set(ev, MLOG_K_POINT, MLOG_F_ITS_CREATE_DEVICE_ITT);
	mlog_event_set(ev, MLOG_K_COUNT, 3);
	mlog_write_event(f, d, ev);

	/* a reference to a device @d does not have is refused */
	mlog_event_init(ev, MLOG_V_PCI_ENABLE_DEVICE);
	mlog_event_set(ev, MLOG_K_DEV, 1);
	assert_int_equal(mlog_write_event(f, d, ev), -1);
	fclose(f);

	assert_string_equal(text,
		"mlog 1\n"
		"kernel release=6.1.0-56-arm64 arch=arm64\n"
		"# built, not parsed\n"
		"device name=nvme0 bus=pci bdf=0000:04:04.0 devid=0x420 msix=65 its=its0\n"
		"pci_alloc_irq_vectors dev=nvme0 min=1 max=65 flags=MSIX|AFFINITY t=4.000001\n"
		"marker text=\"PHASE \\\"boot\\\" \\\\ begin\"\n"
		"< its_create_device devid=0x420 nvecs=65 nr_ites=128 lpi_base=8192 nr_lpis=128 ret=0\n"
		"fault point=its_create_device.itt count=3\n");
	again = canon(text);
	assert_string_equal(again, text);
	free(again);
	free(text);
	free(ev);
	free(d);
}

static void test_format_truncates(void **state)
{
	struct mlog_event ev;
	char buf[8];

	mlog_event_init(&ev, MLOG_V_CPU_OFFLINE);
	mlog_event_set(&ev, MLOG_K_CPU, 3);
	assert_int_equal(mlog_format_event(buf, sizeof(buf), NULL, &ev), 17);
	assert_string_equal(buf, "cpu_off");
	assert_int_equal(mlog_format_event(NULL, 0, NULL, &ev), 17);
}

/* ---- look-ups ---- */

static void test_lookups(void **state)
{
	const char *n = "msi_create_device_irq_domain";

	assert_int_equal(mlog_verb_lookup(n, strlen(n), false), MLOG_V_MSI_CREATE_DEVICE_IRQ_DOMAIN);
	assert_int_equal(mlog_verb_lookup(n, strlen(n), true), MLOG_V_O_MSI_CREATE_DOMAIN);
	assert_int_equal(mlog_verb_lookup("mapd", 4, false), MLOG_V_NONE);
	assert_int_equal(mlog_verb_lookup("mapd", 4, true), MLOG_V_O_MAPD);
	assert_int_equal(mlog_verb_lookup("mapdx", 4, true), MLOG_V_O_MAPD);
	assert_int_equal(mlog_verb_lookup("", 0, false), MLOG_V_NONE);
	for (int v = 1; v < MLOG_V__COUNT; v++) {
		const char *name = mlog_verb_name(v);

		assert_int_equal(mlog_verb_lookup(name, strlen(name), mlog_is_obs(v)), v);
		assert_int_equal(mlog_is_obs(v), mlog_verb_class(v) == MLOG_C_OBS);
		assert_true((mlog_verb_required(v) & ~mlog_verb_allowed(v)) == 0);
	}
	assert_int_equal(mlog_verb_class(MLOG_V_DEVICE), MLOG_C_DECL);
	assert_int_equal(mlog_verb_class(MLOG_V_LOST), MLOG_C_META);
	assert_string_equal(mlog_key_name(MLOG_K_NR_ITES), "nr_ites");
	assert_int_equal(mlog_key_type(MLOG_K_DEVID), MLOG_T_X);
	assert_string_equal(mlog_fault_name(MLOG_F_ITS_CREATE_DEVICE_COL_MAP), "its_create_device.col_map");
	assert_non_null(strstr(mlog_fault_site(MLOG_F_FREE_LPI_RANGE), "free_lpi_range"));
	assert_string_equal(mlog_verb_name(MLOG_V__COUNT), "?");
}

struct ranges {
	uint32_t lo[8], hi[8];
	int n;
};

static int collect(uint32_t lo, uint32_t hi, void *arg)
{
	struct ranges *rg = arg;

	rg->lo[rg->n] = lo;
	rg->hi[rg->n++] = hi;
	return rg->n == 8;
}

static void test_list_foreach(void **state)
{
	struct ranges rg = { .n = 0 };

	assert_int_equal(mlog_list_foreach("1-20,24,30-31", 13, collect, &rg), 0);
	assert_int_equal(rg.n, 3);
	assert_int_equal(rg.lo[0], 1);
	assert_int_equal(rg.hi[0], 20);
	assert_int_equal(rg.lo[1], 24);
	assert_int_equal(rg.hi[1], 24);
	assert_int_equal(rg.hi[2], 31);
	assert_int_equal(mlog_list_foreach("3,2", 3, collect, &rg), -1);
	assert_int_equal(mlog_list_foreach("3-", 2, collect, &rg), -1);
	assert_int_equal(mlog_list_foreach("", 0, collect, &rg), -1);
	rg.n = 0;
	assert_int_equal(mlog_list_foreach("1,2,3,4,5,6,7,8,9", 17, collect, &rg), 1);
}

/* ---- streaming: lines across block boundaries, the 4096-byte limit ---- */

static void test_streaming_file(void **state)
{
	char path[] = "/tmp/test_mlog_XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	char *pad = malloc(MLOG_MAX_LINE + 2);
	struct mlog_event *ev = malloc(sizeof(*ev));
	struct mlog_reader *r;
	struct mlog_error err;
	int lines = 0, markers = 0, ret;

	assert_non_null(f);
	memset(pad, 'x', MLOG_MAX_LINE + 1);
	fputs("mlog 1\nkernel release=6.1 arch=arm64\n", f);
	for (int i = 0; i < 100000; i++)	/* 1..61 bytes of text: ~4 MB */
		fprintf(f, "marker text=%.*s\n", 1 + i % 61, pad);
	/* exactly MLOG_MAX_LINE bytes: "marker text=" is 12 */
	fprintf(f, "marker text=%.*s\n", MLOG_MAX_LINE - 12, pad);
	fprintf(f, "# %.*s\n", MLOG_MAX_LINE - 2, pad);
	fclose(f);

	r = mlog_reader_open(path, &err);
	assert_non_null(r);
	while ((ret = mlog_read(r, ev)) > 0) {
		lines++;
		markers += ev->verb == MLOG_V_MARKER;
	}
	assert_int_equal(ret, 0);
	assert_int_equal(lines, 100004);
	assert_int_equal(markers, 100001);
	mlog_reader_close(r);

	/* one more byte is too many */
	f = fopen(path, "a");
	fprintf(f, "marker text=%.*s\n", MLOG_MAX_LINE - 11, pad);
	fclose(f);
	r = mlog_reader_open(path, &err);
	while ((ret = mlog_read(r, ev)) > 0)
		;
	assert_int_equal(ret, -1);
	assert_int_equal(mlog_reader_error(r)->line, 100005);
	assert_int_equal(mlog_reader_error(r)->col, 4097);
	assert_string_equal(mlog_reader_error(r)->msg, "line longer than 4096 bytes");
	mlog_reader_close(r);
	unlink(path);
	free(pad);
	free(ev);
}

#define ferr(in) first_error(in, strlen(in), buf, sizeof(buf))

static void test_open_errors(void **state)
{
	struct mlog_error err;
	char buf[256];

	assert_null(mlog_reader_open("/nonexistent/x.mlog", &err));
	assert_string_equal(err.file, "/nonexistent/x.mlog");
	assert_int_equal(err.line, 0);
	assert_string_equal(err.msg, "cannot open: No such file or directory");

	/* a few errors that need no file of their own */
	assert_string_equal(ferr("mlog 1 2\n"),
			    "1:8: error: unexpected \"2\" after the format version");
	assert_string_equal(ferr("mlog\n"),
			    "1:5: error: missing format version after \"mlog\"");
	assert_string_equal(ferr("mlog 1\n"),
			    "2:1: error: missing \"kernel\" line after the \"mlog\" header");
	assert_string_equal(ferr("mlog 1\nkernel release=x arch=arm64\n"), "");
	assert_string_equal(ferr("mlog 1\nkernel release=x arch=arm64\nmachine cpus=2\nmachine cpus=2\n"),
			    "4:1: error: \"machine\" declared twice (first at line 3)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malformed_dir),
		cmocka_unit_test(test_valid_files),
		cmocka_unit_test(test_every_verb_every_key),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_x86_has_no_its),
		cmocka_unit_test(test_canonical_form),
		cmocka_unit_test(test_build_roundtrip),
		cmocka_unit_test(test_format_truncates),
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_list_foreach),
		cmocka_unit_test(test_streaming_file),
		cmocka_unit_test(test_open_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
