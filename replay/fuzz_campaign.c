// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_campaign.c - the process-free half of "msilab fuzz": forced
 * profiles and switches, engine status lines, abort lines, the state file.
 * Only the model, the fuzz decoder and libc: the forced fuzz targets and
 * the AFL++ harnesses link this file too (fuzz_campaign.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_campaign.h"

/* ---- forced profile and switches ---- */

int fzc_force_parse(const char *profile, const char *set, struct fzc_force *f,
		    char *err, size_t n)
{
	const char *p;

	memset(f, 0, sizeof(*f));
	f->profile = -1;
	if (profile && *profile) {
		f->profile = fz_profile_index(profile);
		if (f->profile < 0) {
			snprintf(err, n, "unknown kernel profile \"%s\"", profile);
			return -1;
		}
	}
	for (p = set; p && *p; p += strcspn(p, ","), p += *p == ',') {
		size_t len = strcspn(p, ","), nlen = strcspn(p, "=");
		const char *val = p + nlen + 1;
		size_t vlen;
		int sw, i;

		if (nlen >= len) {
			snprintf(err, n, "\"%.*s\": expected NAME=on or NAME=off", (int)len, p);
			return -1;
		}
		vlen = len - nlen - 1;
		sw = ml_switch_lookup(p, nlen);
		if (sw < 0) {
			snprintf(err, n, "unknown switch \"%.*s\"", (int)nlen, p);
			return -1;
		}
		for (i = 0; i < FZ_NSWITCH; i++)
			if ((int)fz_switch_list[i] == sw)
				break;
		if (i == FZ_NSWITCH) {
			size_t l = (size_t)snprintf(err, n, "switch %.*s cannot be set on a fuzz target (the decoder toggles only",
						    (int)nlen, p);

			for (int j = 0; j < FZ_NSWITCH && l < n; j++)
				l += (size_t)snprintf(err + l, n - l, " %s", ml_switch_name(fz_switch_list[j]));
			if (l < n)
				snprintf(err + l, n - l, ")");
			return -1;
		}
		if (vlen == 2 && !strncmp(val, "on", 2)) {
			f->value |= (uint8_t)(1u << i);
		} else if (vlen == 3 && !strncmp(val, "off", 3)) {
			f->value &= (uint8_t)~(1u << i);
		} else {
			snprintf(err, n, "\"%.*s\": expected NAME=on or NAME=off", (int)len, p);
			return -1;
		}
		f->mask |= (uint8_t)(1u << i);
	}
	return 0;
}

void fzc_force_format(const struct fzc_force *f, char *buf, size_t n)
{
	size_t len = 0;

	if (n)
		buf[0] = '\0';
	for (int i = 0; i < FZ_NSWITCH && len < n; i++)
		if (f->mask & (1u << i))
			len += (size_t)snprintf(buf + len, n - len, "%s%s=%s", len ? "," : "",
						ml_switch_name(fz_switch_list[i]),
						f->value & (1u << i) ? "on" : "off");
}

void fzc_force_decode(const uint8_t *data, size_t size, const struct fz_options *o,
		      const struct fzc_force *f, struct fz_scenario *s)
{
	static uint8_t buf[FZ_MAX_INPUT];
	const struct ml_profile *list;
	unsigned int nprof = ml_profiles(&list), prof;
	struct fz_options all = *o;
	uint8_t toggles;

	if (size > sizeof(buf))
		size = sizeof(buf);
	memcpy(buf, data, size);
	if (size < 2) {
		memset(buf + size, 0, 2 - size);	/* missing bytes read 0 */
		size = 2;
	}
	if (f->profile >= 0)
		prof = (unsigned int)f->profile % nprof;
	else if (o->profile >= 0)
		prof = (unsigned int)o->profile % nprof;
	else
		prof = buf[0] % nprof;
	toggles = buf[1] & o->toggle_mask & (uint8_t)~f->mask;
	for (int i = 0; i < FZ_NSWITCH; i++) {
		bool want = f->value & (1u << i), dflt = (list[prof].sw >> fz_switch_list[i]) & 1;

		if ((f->mask & (1u << i)) && want != dflt)
			toggles |= (uint8_t)(1u << i);
	}
	buf[0] = (uint8_t)prof;
	buf[1] = toggles;
	all.profile = -1;
	all.toggle_mask = (1u << FZ_NSWITCH) - 1;
	fz_decode(buf, size, &all, s);
}

void fzc_forced_decode(const uint8_t *data, size_t size, const struct fz_options *o,
		       struct fz_scenario *s)
{
	static struct fzc_force force;
	static bool have;

	if (!have) {
		char err[256];

		if (fzc_force_parse(getenv("MSILAB_FUZZ_PROFILE"), getenv("MSILAB_FUZZ_SET"),
				    &force, err, sizeof(err))) {
			fprintf(stderr, "msilab: forced fuzz target: MSILAB_FUZZ_PROFILE/MSILAB_FUZZ_SET: %s\n",
				err);
			abort();
		}
		have = true;
	}
	fzc_force_decode(data, size, o, &force, s);
}

/* ---- engine output ---- */

int fzc_parse_abort(const char *line, struct fzc_abort *a)
{
	static const char pfx[] = "msilab: ";
	const char *p, *q;
	size_t len;

	memset(a, 0, sizeof(*a));
	if (strncmp(line, pfx, sizeof(pfx) - 1))
		return -1;
	p = line + sizeof(pfx) - 1;
	len = strcspn(p, " ");
	if (strncmp(p, "INV-", 4) || len >= sizeof(a->inv))
		return -1;
	memcpy(a->inv, p, len);
	p += len;
	if (strncmp(p, " violated ", 10))
		return -1;
	p += 10;
	if (!strncmp(p, "[known bug ", 11)) {
		p += 11;
		len = strcspn(p, "]");
		if (!p[len] || len >= sizeof(a->bug))
			return -1;
		memcpy(a->bug, p, len);
		p += len + 1;
		if (*p == ' ')
			p++;
	}
	if (strncmp(p, "on profile ", 11))
		return -1;
	p += 11;
	q = strstr(p, " at step ");
	if (!q || (size_t)(q - p) >= sizeof(a->profile))
		return -1;
	memcpy(a->profile, p, (size_t)(q - p));
	a->step = (unsigned int)strtoul(q + 9, NULL, 10);
	return 0;
}

void fzc_signature(const struct fzc_abort *a, char *buf, size_t n)
{
	snprintf(buf, n, "%s %s %s", a->inv, a->bug[0] ? a->bug : "new", a->profile);
}

/* The number after @key in @line (skipping ':' and blanks), or -1. */
static int64_t field(const char *line, const char *key)
{
	const char *p = strstr(line, key);
	char *end;
	unsigned long long v;

	if (!p)
		return -1;
	p += strlen(key);
	while (*p == ':' || *p == ' ' || *p == '\t')
		p++;
	errno = 0;
	v = strtoull(p, &end, 10);
	if (end == p || errno)
		return -1;
	return (int64_t)v;
}

int fzc_parse_libfuzzer_line(const char *line, struct fzc_engine_status *st)
{
	int64_t runs, corp, execs;
	const char *p;
	char *end;

	if (line[0] != '#' || !strstr(line, "cov:"))
		return 0;
	runs = (int64_t)strtoull(line + 1, &end, 10);
	if (end == line + 1)
		return 0;
	corp = field(line, " corp");
	execs = runs;
	if (corp >= 0)
		st->corpus = (uint64_t)corp;
	st->execs = (uint64_t)execs;
	p = strstr(line, "oom/timeout/crash:");
	if (p) {
		unsigned long long oom = 0, to = 0, cr = 0;

		if (sscanf(p + 18, " %llu/%llu/%llu", &oom, &to, &cr) == 3)
			st->crashes = oom + to + cr;
	}
	st->valid = true;
	return 1;
}

int fzc_afl_stat(const char *path, const char *key, uint64_t *val)
{
	FILE *f = fopen(path, "r");
	char line[512];
	size_t klen = strlen(key);
	int ret = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		const char *p = line;

		if (strncmp(p, key, klen) || (p[klen] != ' ' && p[klen] != ':'))
			continue;
		p += klen;
		while (*p == ' ' || *p == ':')
			p++;
		*val = strtoull(p, NULL, 10);
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

/*
 * AFL++ rewrites fuzzer_stats once a minute (STATS_UPDATE_SEC) but appends a
 * row to plot_data every 5 s after its first minute: the column named
 * @key of the last row ("total_execs", "saved_crashes", ...).
 */
int fzc_afl_plot(const char *path, const char *key, uint64_t *val)
{
	FILE *f = fopen(path, "r");
	char line[1024], last[1024] = "";
	int col = -1, ret = -1;
	long size;

	if (!f)
		return -1;
	/* the header: "# relative_time, cycles_done, ..." */
	if (fgets(line, sizeof(line), f) && line[0] == '#') {
		int i = 0;

		for (char *t = strtok(line + 1, ", \n"); t; t = strtok(NULL, ", \n"), i++)
			if (!strcmp(t, key))
				col = i;
	}
	if (col < 0)
		goto out;
	/* the last whole row: read the file's tail only */
	if (!fseek(f, 0, SEEK_END) && (size = ftell(f)) > (long)sizeof(line))
		fseek(f, size - (long)sizeof(line) + 1, SEEK_SET);
	else
		fseek(f, 0, SEEK_SET);
	while (fgets(line, sizeof(line), f))
		if (line[0] != '#' && strchr(line, '\n'))
			memcpy(last, line, sizeof(last));
	if (last[0]) {
		char *p = last;

		for (int i = 0; i < col && p; i++) {
			p = strchr(p, ',');
			if (p)
				p++;
		}
		if (p) {
			while (*p == ' ')
				p++;
			if (*p >= '0' && *p <= '9') {
				char *end;
				uint64_t x = strtoull(p, &end, 10);

				/* a count, not "31.09%" */
				if (*end == ',' || *end == '\n' || *end == ' ' || !*end) {
					*val = x;
					ret = 0;
				}
			}
		}
	}
out:
	fclose(f);
	return ret;
}

/* ---- state file ---- */

int fzc_state_read(const char *path, struct fzc_state *st)
{
	FILE *f = fopen(path, "r");
	char line[512];

	memset(st, 0, sizeof(*st));
	if (!f)
		return errno == ENOENT ? 0 : -1;
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '='), *val, *end;
		unsigned long long v;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || !line[0])
			continue;
		if (!eq)
			goto bad;
		*eq = '\0';
		val = eq + 1;
		v = strtoull(val, &end, 10);
		/* a counter is a decimal number: "sessions=many" is not a state */
		if ((!strcmp(line, "sessions") || !strcmp(line, "total_execs") ||
		     !strcmp(line, "total_seconds") || !strcmp(line, "crashes") ||
		     !strcmp(line, "findings") || !strcmp(line, "signatures")) &&
		    (end == val || *end || *val == '-' || *val == '+' || *val == ' '))
			goto bad;
		if (!strcmp(line, "sessions"))
			st->sessions = (unsigned int)v;
		else if (!strcmp(line, "total_execs"))
			st->execs = v;
		else if (!strcmp(line, "total_seconds"))
			st->seconds = v;
		else if (!strcmp(line, "crashes"))
			st->crashes = v;
		else if (!strcmp(line, "findings"))
			st->findings = v;
		else if (!strcmp(line, "signatures"))
			st->signatures = v;
		else if (!strcmp(line, "engine"))
			snprintf(st->engine, sizeof(st->engine), "%s", val);
		else if (!strcmp(line, "kernel"))
			snprintf(st->kernel, sizeof(st->kernel), "%s", val);
		else if (!strcmp(line, "set"))
			snprintf(st->set, sizeof(st->set), "%s", val);
		else if (!strcmp(line, "target"))
			snprintf(st->target, sizeof(st->target), "%s", val);
	}
	fclose(f);
	return 0;
bad:
	fclose(f);
	errno = EINVAL;
	return -1;
}

int fzc_write_atomic(const char *path, const void *data, size_t len)
{
	char tmp[4096];
	const char *slash = strrchr(path, '/');
	size_t off = 0;
	int fd, err;

	/* the temporary name is hidden in the same directory: rename() is atomic */
	if (slash)
		snprintf(tmp, sizeof(tmp), "%.*s/.tmp.%ld.%s", (int)(slash - path), path,
			 (long)getpid(), slash + 1);
	else
		snprintf(tmp, sizeof(tmp), ".tmp.%ld.%s", (long)getpid(), path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	while (off < len) {
		ssize_t w = write(fd, (const char *)data + off, len - off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)w;
	}
	if (fsync(fd))
		goto fail;
	if (close(fd)) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, path)) {
		fd = -1;
		goto fail;
	}
	return 0;
fail:
	err = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = err;
	return -1;
}

int fzc_state_write(const char *path, const struct fzc_state *st)
{
	char buf[1024];
	int len;

	len = snprintf(buf, sizeof(buf),
		       "# msilab fuzz campaign state (rewritten atomically)\n"
		       "sessions=%u\ntotal_execs=%" PRIu64 "\ntotal_seconds=%" PRIu64 "\n"
		       "crashes=%" PRIu64 "\nfindings=%" PRIu64 "\nsignatures=%" PRIu64 "\n"
		       "engine=%s\nkernel=%s\nset=%s\ntarget=%s\n",
		       st->sessions, st->execs, st->seconds, st->crashes, st->findings,
		       st->signatures, st->engine, st->kernel, st->set, st->target);
	if (len < 0 || (size_t)len >= sizeof(buf)) {
		errno = EOVERFLOW;
		return -1;
	}
	return fzc_write_atomic(path, buf, (size_t)len);
}

/* ---- small things ---- */

long fzc_parse_duration(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || errno || v < 0)
		return -1;
	if (!strcmp(end, "") || !strcmp(end, "s"))
		return v;
	if (!strcmp(end, "m") && v <= LONG_MAX / 60)
		return v * 60;
	if (!strcmp(end, "h") && v <= LONG_MAX / 3600)
		return v * 3600;
	return -1;
}

void fzc_hash(const uint8_t *data, size_t len, char buf[17])
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++) {
		h ^= data[i];
		h *= 0x100000001b3ull;
	}
	snprintf(buf, 17, "%016" PRIx64, h);
}
