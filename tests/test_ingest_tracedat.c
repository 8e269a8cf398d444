// SPDX-License-Identifier: GPL-2.0
/*
 * test_ingest_tracedat.c - the trace-cmd trace.dat ingest
 * (replay/ingest_tracedat.c) against real recordings and damaged files.
 *
 * The normalizer is replaced by a recorder defined here (the four
 * ingest_norm_* calls ingest_tracedat() makes), so this tests the decoding
 * alone; tests/cli_tracedat.sh checks the .mlog of the real normalizer.
 *
 * tests/data/tracedat-arm64-6.1-*.dat: the first page of CPU 0 and the
 * first two pages of CPU 1 (235 events: markers and msilc kprobes) of
 * the arm64 6.1.0-56 recording (/work/shared/traces/arm64-6.1.0-56/
 * trace-boot-unbind-bind.dat.gz), rebuilt with trace-cmd 3.1.6:
 *   trace-cmd convert -i REAL.dat -o v6.dat --file-version 6 --compression none
 *   dd the pages out of v6.dat (offsets from trace-cmd dump --flyrecord)
 *   a tracing dir with header_page/header_event, ftrace/print and the 52
 *   msilc formats from trace-cmd dump, saved_cmdlines, no kallsyms:
 *   trace-cmd restore -c -t DIR -k /dev/null -o head.dat
 *   trace-cmd restore -i head.dat -o tracedat-arm64-6.1-v7.dat cpu0.raw cpu1.raw
 *   trace-cmd convert ... --file-version 7 --compression zstd  (-v7-zstd)
 *   trace-cmd convert ... --file-version 6 --compression none  (-v6)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ingest.h"

#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
/*
 * The damaged-file tests make libtracecmd/libtraceevent (uninstrumented)
 * crash in ingest_tracedat()'s reader process, by design: let the signal
 * end that process quietly, as it would without ASan, and let oversized
 * allocations fail (as malloc does) instead of aborting.
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0:allocator_may_return_null=1:"
	       "quarantine_size_mb=16";	/* a small heap forks faster */
}
#endif

/* ---- the recording normalizer */

#define REC_MAX 4096

struct rec_event {
	uint64_t ts_us;
	char name[64];
	char text[512];		/* "system/name f=raw ..." */
};

struct ingest_norm {
	uint32_t cpus;
	char release[128];
	uint64_t nevents, nlost;
	uint64_t hash;			/* FNV-1a over every event's dump */
	struct rec_event *ev;		/* the first REC_MAX events */
	struct mlog_error err;
};

static struct ingest_norm recorder;

static void hash_str(uint64_t *h, const char *s)
{
	for (; s && *s; s++)
		*h = (*h ^ (unsigned char)*s) * 1099511628211ull;
	*h = (*h ^ 0xff) * 1099511628211ull;
}

int ingest_norm_event(struct ingest_norm *n, const struct ingest_event *ev)
{
	char buf[1024], num[64];
	size_t len;
	uint32_t i;

	if (ev->kind != INGEST_EVENT) {
		n->nlost++;
		snprintf(buf, sizeof(buf), "lost cpu=%u count=%llu", ev->cpu, (unsigned long long)ev->lost);
		hash_str(&n->hash, buf);
		return 0;
	}
	assert_non_null(ev->system);
	assert_non_null(ev->name);
	assert_non_null(ev->comm);
	assert_true(ev->has_ns);
	assert_int_equal(ev->ts_us, (ev->ts_ns + 500) / 1000);
	len = (size_t)snprintf(buf, sizeof(buf), "%llu %u %u %s %s/%s", (unsigned long long)ev->ts_us,
			       ev->cpu, ev->pid, ev->comm, ev->system, ev->name);
	for (i = 0; i < ev->nfields && len < sizeof(buf); i++) {
		const struct ingest_field *f = &ev->fields[i];

		num[0] = 0;
		if (f->is_num)
			snprintf(num, sizeof(num), "#%lld", (long long)f->num);
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, " %s=%s%s%s%s", f->name,
					f->is_str ? "\"" : "", f->raw, f->is_str ? "\"" : "", num);
	}
	hash_str(&n->hash, buf);
	if (n->ev && n->nevents < REC_MAX) {
		struct rec_event *r = &n->ev[n->nevents];

		r->ts_us = ev->ts_us;
		snprintf(r->name, sizeof(r->name), "%s", ev->name);
		/* from the comm on */
		snprintf(r->text, sizeof(r->text), "%s", strchr(strchr(strchr(buf, ' ') + 1, ' ') + 1, ' ') + 1);
	}
	n->nevents++;
	return 0;
}

const struct mlog_error *ingest_norm_error(const struct ingest_norm *n)
{
	return &n->err;
}

void ingest_norm_set_cpus(struct ingest_norm *n, uint32_t cpus)
{
	n->cpus = cpus;
}

void ingest_norm_set_release(struct ingest_norm *n, const char *release)
{
	snprintf(n->release, sizeof(n->release), "%s", release);
}

static struct ingest_norm *rec_reset(bool keep)
{
	free(recorder.ev);
	memset(&recorder, 0, sizeof(recorder));
	recorder.hash = 1469598103934665603ull;
	if (keep) {
		recorder.ev = calloc(REC_MAX, sizeof(*recorder.ev));
		assert_non_null(recorder.ev);
	}
	return &recorder;
}

/* ---- helpers */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = 0;
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static const char *data_path(const char *name)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/tests/data/%s", MSILAB_SOURCE_DIR, name);
	return path;
}

/* A memfd holding @buf, and its /proc path (ingest_tracedat() takes a path). */
static int memfile(const char *buf, size_t len, char *path, size_t pathlen)
{
	int fd = memfd_create("tracedat", MFD_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	snprintf(path, pathlen, "/proc/self/fd/%d", fd);
	return fd;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the real recording against its ftrace text */

struct text_event {
	uint64_t ts_us;
	char name[64];
};

/* Timestamps and event names of the ftrace text, in file order. */
static size_t read_text(const char *path, struct text_event *out, size_t max, size_t n)
{
	FILE *f = fopen(path, "r");
	char line[4096];

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "] "), *ts, *name, *e;
		unsigned long long s, us;

		if (line[0] == '#' || !p)
			continue;
		p += 2;
		p += strspn(p, " ");
		if (!strchr(p, ':'))
			continue;
		/* the flags column, then "SECONDS.USECS:" */
		ts = strchr(p, ' ');
		assert_non_null(ts);
		ts += strspn(ts, " ");
		assert_int_equal(sscanf(ts, "%llu.%llu:", &s, &us), 2);
		name = strchr(ts, ' ');
		assert_non_null(name);
		name++;
		e = strchr(name, ':');
		assert_non_null(e);
		*e = 0;
		if (n < max) {
			out[n].ts_us = s * 1000000 + us;
			snprintf(out[n].name, sizeof(out[n].name), "%s",
				 strcmp(name, "tracing_mark_write") ? name : "print");
		}
		n++;
	}
	fclose(f);
	return n;
}

static void real_file(void **state)
{
	char gz[512], dat[512], cmd[1200], txt[512];
	static struct text_event te[REC_MAX];
	struct mlog_error err;
	struct ingest_norm *n;
	size_t nt, i;
	bool found;

	snprintf(gz, sizeof(gz), "%s/../shared/traces/arm64-6.1.0-56/trace-boot-unbind-bind.dat.gz",
		 MSILAB_SOURCE_DIR);
	if (access(gz, R_OK))
		skip();
	snprintf(dat, sizeof(dat), "%s/test_ingest_tracedat.arm64-6.1.dat", MSILAB_BINARY_DIR);
	snprintf(cmd, sizeof(cmd), "gzip -dc '%s' > '%s'", gz, dat);
	assert_int_equal(system(cmd), 0);

	n = rec_reset(true);
	if (ingest_tracedat(dat, n, &err))
		fail_msg("%s: %s", err.file, err.msg);
	unlink(dat);
	assert_int_equal(n->cpus, 2);
	assert_int_equal(n->nlost, 0);

	snprintf(txt, sizeof(txt), "%s/../shared/traces/arm64-6.1.0-56/trace-boot.txt", MSILAB_SOURCE_DIR);
	nt = read_text(txt, te, REC_MAX, 0);
	assert_int_equal(nt, 403);
	snprintf(txt, sizeof(txt), "%s/../shared/traces/arm64-6.1.0-56/trace-unbind-bind.txt", MSILAB_SOURCE_DIR);
	nt = read_text(txt, te, REC_MAX, nt);
	assert_int_equal(nt, 1459);
	assert_int_equal(n->nevents, nt);
	for (i = 0; i < nt; i++) {
		if (te[i].ts_us != n->ev[i].ts_us || strcmp(te[i].name, n->ev[i].name))
			fail_msg("event %zu: text %llu %s, trace.dat %llu %s", i,
				 (unsigned long long)te[i].ts_us, te[i].name,
				 (unsigned long long)n->ev[i].ts_us, n->ev[i].name);
	}
	/* insmod-536 [001] 10.210244: its_msi_prepare: (its_msi_prepare+0x0/0x220)
	 * domain=0xffff06b98257dc00 dev=0xffff06b9834ec0d0 devname="0000:00:02.0" nvec=4 dev_id=0x10 */
	assert_string_equal(n->ev[14].text,
			    "insmod msilc/its_msi_prepare domain=0xffff06b98257dc00#-274081151198208 dev=0xffff06b9834ec0d0#-274081135017776 devname=\"0000:00:02.0\" nvec=4#4 dev_id=0x10#16");
	assert_int_equal(n->ev[14].ts_us, 10210244);
	assert_string_equal(n->ev[0].text, "sh ftrace/print buf=\"PHASE boot begin\"");
	/* a kretprobe, a negative value */
	assert_string_equal(n->ev[20].text, "insmod msilc/its_msi_prepare_ret ret=0#0");
	found = false;
	for (i = 0; i < nt; i++)
		if (strstr(n->ev[i].text, "msilc/__irq_domain_alloc_irqs ") &&
		    strstr(n->ev[i].text, " irq_base=-1#-1 "))
			found = true;
	assert_true(found);
	rec_reset(false);
}

/* ---- the small files: v7, v7+zstd and v6 give the same events */

static const char *const small_files[] = {
	"tracedat-arm64-6.1-v7.dat", "tracedat-arm64-6.1-v7-zstd.dat", "tracedat-arm64-6.1-v6.dat",
};

static uint64_t small_hash(void)
{
	struct mlog_error err;
	struct ingest_norm *n = rec_reset(true);
	uint64_t h;

	if (ingest_tracedat(data_path(small_files[0]), n, &err))
		fail_msg("%s: %s", err.file, err.msg);
	assert_int_equal(n->nevents, 235);
	assert_string_equal(n->ev[0].text, "sh ftrace/print buf=\"PHASE boot begin\"");
	h = n->hash;
	rec_reset(false);
	return h;
}

static void small_files_agree(void **state)
{
	uint64_t h = small_hash();
	struct mlog_error err;
	size_t i;

	for (i = 1; i < sizeof(small_files) / sizeof(small_files[0]); i++) {
		struct ingest_norm *n = rec_reset(false);

		if (ingest_tracedat(data_path(small_files[i]), n, &err))
			fail_msg("%s: %s", err.file, err.msg);
		assert_int_equal(n->nevents, 235);
		assert_int_equal(n->cpus, 2);
		if (n->hash != h)
			fail_msg("%s decodes differently from %s", small_files[i], small_files[0]);
	}
}

/*
 * Every truncation is an error.  One exception, in files that have one:
 * a cut exactly at the start of the trailing strings section (the section
 * names), which loses nothing else: `trace-cmd restore` writes files
 * without it, so it cannot be required.  Such a cut must give every event.
 */
static void truncations(void **state)
{
	uint64_t h = small_hash();
	size_t i;

	for (i = 0; i < sizeof(small_files) / sizeof(small_files[0]); i++) {
		size_t len, accepted = 0;
		char path[64], *buf = slurp(data_path(small_files[i]), &len);
		struct mlog_error err;
		double t0 = now();
		int fd;

		assert_non_null(buf);
		fd = memfile(buf, len, path, sizeof(path));
		while (len--) {
			struct ingest_norm *n = rec_reset(false);

			assert_int_equal(ftruncate(fd, (off_t)len), 0);
			if (!ingest_tracedat(path, n, &err)) {
				accepted++;
				if (n->nevents != 235 || n->hash != h)
					fail_msg("%s cut at %zu: accepted with %llu events", small_files[i],
						 len, (unsigned long long)n->nevents);
				continue;
			}
			if (!err.msg[0])
				fail_msg("%s cut at %zu: error without a message", small_files[i], len);
		}
		print_message("%s: every cut rejected but %zu (strings section only), %.1f s\n", small_files[i],
			      accepted, now() - t0);
		assert_true(accepted <= 1);
		close(fd);
		free(buf);
	}
}

/* Random single-byte flips: a clean parse or an error, never a crash. */
static void flips(void **state)
{
	static const int rounds[] = { 1000, 500, 500 };
	uint64_t x = 0x9e3779b97f4a7c15ull;
	size_t i;

	for (i = 0; i < sizeof(small_files) / sizeof(small_files[0]); i++) {
		size_t len, ok = 0, bad = 0;
		char path[64], *buf = slurp(data_path(small_files[i]), &len);
		struct mlog_error err;
		double t0 = now();
		int r, fd;

		assert_non_null(buf);
		fd = memfile(buf, len, path, sizeof(path));
		for (r = 0; r < rounds[i]; r++) {
			size_t off;
			unsigned char v;

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			off = (size_t)(x % len);
			v = (unsigned char)(1 + (x >> 32) % 255);
			assert_int_equal(pwrite(fd, (char[]){ (char)(buf[off] ^ v) }, 1, (off_t)off), 1);
			if (ingest_tracedat(path, rec_reset(false), &err)) {
				bad++;
				if (!err.msg[0])
					fail_msg("%s ^%02x at %zu: error without a message", small_files[i], v, off);
			} else {
				ok++;
			}
			assert_int_equal(pwrite(fd, buf + off, 1, (off_t)off), 1);
		}
		print_message("%s: %d flips: %zu rejected, %zu parsed, %.1f s\n", small_files[i], rounds[i],
			      bad, ok, now() - t0);
		close(fd);
		free(buf);
	}
}

static void expect_error(const char *path, const char *want)
{
	struct mlog_error err;

	assert_int_equal(ingest_tracedat(path, rec_reset(false), &err), -1);
	if (!strstr(err.msg, want))
		fail_msg("%s: \"%s\", expected \"%s\"", path, err.msg, want);
	assert_string_equal(err.file, path);
}

static void bad_files(void **state)
{
	char path[64], *buf, *p;
	size_t len;
	int fd;

	expect_error("/nonexistent/trace.dat", "cannot open");
	expect_error(MSILAB_SOURCE_DIR, "not a regular file");
	expect_error(MSILAB_SOURCE_DIR "/tests/CMakeLists.txt", "not a trace-cmd trace.dat");

	buf = slurp(data_path(small_files[0]), &len);
	assert_non_null(buf);
	/* file version 8 */
	buf[10] = '8';
	fd = memfile(buf, len, path, sizeof(path));
	expect_error(path, "version 8 is not supported");
	close(fd);
	buf[10] = '7';
	/* an event format libtraceevent cannot parse: named, not guessed */
	p = memmem(buf, len, "name: its_msi_prepare\n", 22);
	assert_non_null(p);
	p = memmem(p, len - (size_t)(p - buf), "REC->nvec", 9);
	assert_non_null(p);
	p[6] = '(';
	fd = memfile(buf, len, path, sizeof(path));
	expect_error(path, "event msilc/its_msi_prepare: its format could not be parsed by libtraceevent");
	close(fd);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(real_file),
		cmocka_unit_test(small_files_agree),
		cmocka_unit_test(bad_files),
		cmocka_unit_test(truncations),
		cmocka_unit_test(flips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
