// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_record.c - "msilab record": the running kernel's MSI lifecycle into
 * a .mlog, with tracefs kprobes.
 *
 *  1. Refuse early, having installed nothing: not root, no
 *     kprobe_events in tracefs, no probe profile for this kernel.
 *  2. Sweep what dead msilab processes left: tracefs instances
 *     "msilab-PID" and dynamic-event groups "msilab_PID" whose PID has
 *     no /proc/PID.  Nothing with another name is ever touched.
 *  3. Create our own instance "msilab-<pid>" and kprobe group
 *     "msilab_<pid>" from the probe profile (tools/probes/): definitions
 *     the kernel refuses are skipped and listed (probe-status), "@SYM#N"
 *     locations are resolved through /proc/kallsyms.  The probes and the
 *     profile's tracepoints are enabled in our instance only.
 *  4. Snapshot the machine's state (PCI MSI/MSI-X capabilities from
 *     config space, the irqs that exist: /sys/kernel/irq, else
 *     /proc/interrupts) into the normalizer's --devices / --interrupts
 *     inputs, so the .mlog starts from the real state.
 *  5. Trace while CMD runs (or --duration seconds, or until SIGINT),
 *     draining the instance's ring buffer into the normalizer
 *     (ingest_live.c) as it fills, then write the .mlog.
 *  6. Remove everything it created, in one place (rec_cleanup()), on
 *     every exit path; SIGINT/SIGTERM/SIGHUP only set a flag.  A SIGKILL
 *     or a crash leaves the instance and group behind: the next record
 *     (or "record --cleanup") removes them, since their PID is gone.
 *
 * Known limits: the snapshot is taken just before tracing starts, so an
 * allocation in that gap is in neither; buffers are drained every 200 ms
 * and records of different CPUs are ordered within a drain only; the
 * dead-PID test reads /proc of our own PID namespace, so an msilab
 * running in another PID namespace on the same tracefs could be taken
 * for dead; the normalizer takes at most 32 MSI irqs from the snapshot
 * (NORM_MAX_PRE) and refuses more.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event-parse.h>
#include <tracefs.h>

#include "commands.h"
#include "ingest.h"

#define REC_INSTANCE_PREFIX	"msilab-"
#define REC_GROUP_PREFIX	"msilab_"
#define REC_DRAIN_MS		200

void cmd_record_usage(FILE *f)
{
	fprintf(f,
		"usage: msilab record -o OUT.mlog [--duration S] [--profile FILE] [--kernel-release R]\n"
		"                     [--probe-status FILE] [--raw FILE] [--buffer-kb N] [-- CMD ARGS...]\n"
		"       msilab record --cleanup\n"
		"\n"
		"Record the running kernel's MSI lifecycle with kprobes (needs root and a kernel\n"
		"with kprobe events) into a .mlog.  msilab record works in its own tracefs\n"
		"instance \"msilab-PID\" and kprobe group \"msilab_PID\" and removes both when it\n"
		"ends; at start it removes the ones of msilab processes that no longer exist.\n"
		"The recording lasts while CMD runs, or --duration seconds, or until SIGINT.\n"
		"CMD finds the instance's trace_marker in $MSILAB_TRACE_MARKER (\"ACTION insmod\n"
		"X.ko\", \"ACTION unbind BDF DRIVER\" lines name what it does).\n"
		"\n"
		"  -o, --output FILE        the .mlog to write (required)\n"
		"  -d, --duration S         stop after S seconds (with CMD: then stop CMD)\n"
		"  -p, --profile FILE       probe profile (default: the one of tools/probes/ for\n"
		"                           the running kernel's release and architecture;\n"
		"                           $MSILAB_PROBES_DIR overrides the directory)\n"
		"  -k, --kernel-release R   the release to pick the profile for and to write as\n"
		"                           \"kernel release=\" (default: uname -r)\n"
		"  -s, --probe-status FILE  write which definitions the kernel accepted (OK/FAIL)\n"
		"  -r, --raw FILE           also write the recorded events as ftrace text, and the\n"
		"                           snapshots as FILE.devices, FILE.interrupts, FILE.probes\n"
		"                           (msilab convert FILE --devices FILE.devices ... again)\n"
		"                           (\"msilab convert\" reads it)\n"
		"  -b, --buffer-kb N        ring buffer per CPU (default 8192)\n"
		"  -e, --event SYS[/EVENT]  also enable this event (repeatable; written to --raw,\n"
		"                           only markers and the probe group reach the .mlog)\n"
		"      --no-kprobes         record only the profile's tracepoints and markers\n"
		"                           (for kernels without kprobe events)\n"
		"      --cleanup            only remove the instances and groups of msilab\n"
		"                           processes that no longer exist, then exit\n"
		"\n"
		"Exit status: 0 recorded (or cleaned up), 2 refused or failed (nothing is left\n"
		"installed).\n");
}

/* ------------------------------------------------------------ helpers */

static int errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int rec_kernel_version(const char *release)
{
	unsigned long maj, min;
	char *end;

	if (!release || !isdigit((unsigned char)release[0]))
		return -1;
	maj = strtoul(release, &end, 10);
	if (*end != '.' || !isdigit((unsigned char)end[1]))
		return -1;
	min = strtoul(end + 1, &end, 10);
	if (maj > 99 || min > 99)
		return -1;
	return (int)(maj * 100 + min);
}

const char *rec_arch_name(const char *machine)
{
	if (!machine)
		return NULL;
	if (!strcmp(machine, "aarch64") || !strcmp(machine, "arm64"))
		return "arm64";
	if (!strcmp(machine, "x86_64") || !strcmp(machine, "amd64"))
		return "x86_64";
	return NULL;
}

long rec_owner_pid(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);
	const char *p;
	long pid = 0;

	if (strncmp(name, prefix, n))
		return -1;
	p = name + n;
	if (*p < '1' || *p > '9')	/* no empty, no leading zero, no sign */
		return -1;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		pid = pid * 10 + (*p - '0');
		if (pid > INT_MAX)
			return -1;
	}
	return pid;
}

static bool pid_alive(long pid)
{
	char path[32];

	snprintf(path, sizeof(path), "/proc/%ld", pid);
	return access(path, F_OK) == 0 || errno != ENOENT;
}

/* ------------------------------------------------------------ profiles */

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
		*--e = 0;
	return s;
}

static bool valid_name(const char *s, size_t n)
{
	if (!n || n >= 64 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

int rec_probe_parse(const char *line, struct rec_probe *p, char *err, size_t errlen)
{
	const char *s = line, *slash, *name, *loc, *args;
	size_t n;

	memset(p, 0, sizeof(*p));
	if (*s != 'p' && *s != 'r')
		return errf(err, errlen, "a definition starts with \"p:\" or \"r:\"");
	p->type = *s++;
	if (p->type == 'r' && isdigit((unsigned char)*s)) {
		unsigned long m = strtoul(s, (char **)&s, 10);

		if (m > 4096)
			return errf(err, errlen, "maxactive %lu is too large", m);
		p->maxactive = (unsigned int)m;
	}
	if (*s++ != ':')
		return errf(err, errlen, "a definition starts with \"p:\" or \"r:\"");
	slash = strchr(s, '/');
	if (!slash || (size_t)(slash - s) != 5 || strncmp(s, "msilc", 5))
		return errf(err, errlen, "the event must be in group \"msilc\" (\"p:msilc/NAME\")");
	name = slash + 1;
	n = strcspn(name, " \t");
	if (!valid_name(name, n))
		return errf(err, errlen, "bad event name \"%.*s\"", (int)(n > 63 ? 63 : n), name);
	memcpy(p->event, name, n);
	loc = name + n;
	loc += strspn(loc, " \t");
	n = strcspn(loc, " \t");
	if (!n)
		return errf(err, errlen, "no probed location after the event name");
	if (n >= sizeof(p->loc))
		return errf(err, errlen, "probed location longer than %zu bytes", sizeof(p->loc) - 1);
	memcpy(p->loc, loc, n);
	if (p->loc[0] == '@') {
		char *hash = strchr(p->loc, '#');
		char *end;

		if (!hash || hash == p->loc + 1 || !valid_name(p->loc + 1, (size_t)(hash - p->loc - 1)) ||
		    !isdigit((unsigned char)hash[1]) || strtoul(hash + 1, &end, 10) == 0 || *end)
			return errf(err, errlen, "bad \"@SYM#N\" location \"%s\"", p->loc);
	}
	args = loc + n;
	args += strspn(args, " \t");
	if (strlen(args) >= sizeof(p->args))
		return errf(err, errlen, "fetch args longer than %zu bytes", sizeof(p->args) - 1);
	strcpy(p->args, args);
	return 0;
}

static int parse_kver(const char *s, unsigned int *v)
{
	int k;

	if (!strcmp(s, "-")) {
		*v = 0;
		return 0;
	}
	k = rec_kernel_version(s);
	if (k < 0 || strchr(s, '-') || strspn(s, "0123456789.") != strlen(s))
		return -1;
	*v = (unsigned int)k;
	return 0;
}

int rec_profile_load(const char *path, struct rec_profile *p, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[2048];
	unsigned int lineno = 0;
	bool have_kernels = false;

	memset(p, 0, sizeof(*p));
	if (!f)
		return errf(err, errlen, "%s: cannot open the probe profile: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *s, lerr[200];

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			fclose(f);
			return errf(err, errlen, "%s:%u: line longer than %zu bytes", path, lineno,
				    sizeof(line) - 2);
		}
		s = trim(line);
		if (!strncmp(s, "#@", 2)) {
			char key[16], a[128], b[128];
			int k = sscanf(s + 2, "%15s %127s %127s", key, a, b);

			if (k >= 2 && !strcmp(key, "arch")) {
				if (!rec_arch_name(a))
					goto bad_directive;
				snprintf(p->arch, sizeof(p->arch), "%s", rec_arch_name(a));
			} else if (k == 3 && !strcmp(key, "kernels")) {
				if (parse_kver(a, &p->kmin) || !p->kmin || parse_kver(b, &p->kmax) ||
				    (p->kmax && p->kmax < p->kmin))
					goto bad_directive;
				have_kernels = true;
			} else if (k >= 2 && !strcmp(key, "measured")) {
				snprintf(p->measured, sizeof(p->measured), "%s", trim(s + 2 + strlen("measured")));
			} else if (k == 2 && !strcmp(key, "event")) {
				size_t n = strlen(a), sl = strcspn(a, "/");

				if (p->nevents == REC_MAX_EVENTS) {
					fclose(f);
					return errf(err, errlen, "%s:%u: more than %d events", path, lineno,
						    REC_MAX_EVENTS);
				}
				if (!valid_name(a, sl) || (sl < n && !valid_name(a + sl + 1, n - sl - 1)))
					goto bad_directive;
				if (n >= sizeof(p->event[0]))
					goto bad_directive;
				memcpy(p->event[p->nevents++], a, n + 1);
			} else {
				goto bad_directive;
			}
			continue;
		}
		if (!*s || *s == '#')
			continue;
		if (p->nprobes == REC_MAX_PROBES) {
			fclose(f);
			return errf(err, errlen, "%s:%u: more than %d definitions", path, lineno,
				    REC_MAX_PROBES);
		}
		if (rec_probe_parse(s, &p->probe[p->nprobes], lerr, sizeof(lerr))) {
			fclose(f);
			return errf(err, errlen, "%s:%u: %s", path, lineno, lerr);
		}
		for (unsigned int i = 0; i < p->nprobes; i++) {
			if (!strcmp(p->probe[i].event, p->probe[p->nprobes].event)) {
				fclose(f);
				return errf(err, errlen, "%s:%u: event %s is defined twice (line %u)", path,
					    lineno, p->probe[i].event, p->probe[i].line);
			}
		}
		p->probe[p->nprobes].line = lineno;
		p->nprobes++;
		continue;
bad_directive:
		fclose(f);
		return errf(err, errlen, "%s:%u: bad directive \"%.60s\"", path, lineno, s);
	}
	fclose(f);
	if (!p->arch[0] || !have_kernels)
		return errf(err, errlen, "%s: no \"#@arch\" or \"#@kernels\" directive", path);
	if (!p->nprobes && !p->nevents)
		return errf(err, errlen, "%s: no probe definition and no event", path);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int rec_profile_select(const char *dir, const char *release, const char *arch,
		       char *out, size_t outlen)
{
	int v = rec_kernel_version(release);
	struct rec_profile *p;
	char **names = NULL, err[512];
	size_t n = 0, cap = 0;
	unsigned int best_min = 0;
	struct dirent *de;
	DIR *d;
	int ret = -1;

	if (v < 0 || !arch || !(d = opendir(dir)))
		return -1;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len < 5 || strcmp(de->d_name + len - 4, ".txt") || de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 16) * sizeof(*names));

			if (!nn)
				goto out;
			names = nn;
		}
		if (!(names[n] = strdup(de->d_name)))
			goto out;
		n++;
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	p = malloc(sizeof(*p));
	if (!p)
		goto out;
	for (size_t i = 0; i < n; i++) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (rec_profile_load(path, p, err, sizeof(err)))
			continue;
		if (strcmp(p->arch, arch) || (unsigned int)v < p->kmin || (p->kmax && (unsigned int)v > p->kmax))
			continue;
		/* the narrowest fit: the highest lower bound */
		if (ret == 0 && p->kmin <= best_min)
			continue;
		if (strlen(path) >= outlen)
			continue;
		strcpy(out, path);
		best_min = p->kmin;
		ret = 0;
	}
	free(p);
out:
	closedir(d);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ret;
}

static int cmp_addr(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

int rec_probe_resolve(struct rec_probe *p, const char *kallsyms, char *err, size_t errlen)
{
	unsigned long long *addr = NULL, *na;
	size_t n = 0, cap = 0, nth;
	char sym[64], line[512];
	const char *hash;
	FILE *f;

	if (p->loc[0] != '@')
		return 0;
	hash = strchr(p->loc, '#');
	if (!hash || (size_t)(hash - p->loc - 1) >= sizeof(sym))
		return errf(err, errlen, "bad \"@SYM#N\" location \"%s\"", p->loc);
	memcpy(sym, p->loc + 1, (size_t)(hash - p->loc - 1));
	sym[hash - p->loc - 1] = 0;
	nth = strtoul(hash + 1, NULL, 10);
	f = fopen(kallsyms, "r");
	if (!f)
		return errf(err, errlen, "%s: cannot open: %s", kallsyms, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *save = NULL, *a = strtok_r(line, " \t\n", &save);
		char *t = strtok_r(NULL, " \t\n", &save);
		char *name = strtok_r(NULL, " \t\n", &save);
		char *mod = strtok_r(NULL, " \t\n", &save);

		if (!a || !t || !name || mod || (strcmp(t, "t") && strcmp(t, "T")) || strcmp(name, sym))
			continue;
		if (n == cap) {
			na = realloc(addr, (cap = cap ? cap * 2 : 4) * sizeof(*addr));
			if (!na) {
				free(addr);
				fclose(f);
				return errf(err, errlen, "out of memory");
			}
			addr = na;
		}
		addr[n++] = strtoull(a, NULL, 16);
	}
	fclose(f);
	if (n)
		qsort(addr, n, sizeof(*addr), cmp_addr);
	if (!n) {
		free(addr);
		return errf(err, errlen, "%s: no text symbol %s in %s", p->loc, sym, kallsyms);
	}
	if (nth > n) {
		free(addr);
		return errf(err, errlen, "%s: %s has %zu text symbol%s in %s", p->loc, sym, n,
			    n == 1 ? "" : "s", kallsyms);
	}
	if (!addr[nth - 1]) {
		free(addr);
		return errf(err, errlen, "%s: %s shows address 0 (kptr_restrict?)", p->loc, kallsyms);
	}
	snprintf(p->loc, sizeof(p->loc), "0x%llx", addr[nth - 1]);
	free(addr);
	return 0;
}

/* ------------------------------------------------------------ PCI config space */

#define CFG_STATUS		0x06
#define CFG_STATUS_CAP_LIST	0x10
#define CFG_HEADER_TYPE		0x0e
#define CFG_CAP_PTR		0x34
#define CFG_CB_CAP_PTR		0x14
#define CAP_ID_MSI		0x05
#define CAP_ID_MSIX		0x11

int rec_caps_line(const char *bdf, const uint8_t *cfg, size_t len, char *out, size_t outlen)
{
	unsigned int msi = 0, msix = 0, ptr, hops = 0;
	size_t w;
	int ret = 0;

#define PUT(...) (w += (size_t)snprintf(out + (w < outlen ? w : outlen), w < outlen ? outlen - w : 0, __VA_ARGS__))
	w = 0;
	if (len < 64) {
		PUT("%s caps=unreadable", bdf);
		return -1;
	}
	PUT("%s 0x%04x:0x%04x class=0x%06x", bdf, cfg[0] | cfg[1] << 8, cfg[2] | cfg[3] << 8,
	    cfg[0x09] | cfg[0x0a] << 8 | cfg[0x0b] << 16);
	if (cfg[CFG_STATUS] & CFG_STATUS_CAP_LIST) {
		ptr = cfg[(cfg[CFG_HEADER_TYPE] & 0x7f) == 2 ? CFG_CB_CAP_PTR : CFG_CAP_PTR] & 0xfc;
		while (ptr) {
			if (ptr < 0x40 || ptr + 4 > len || ++hops > 48) {
				ret = -1;
				break;
			}
			if (cfg[ptr] == CAP_ID_MSI && !msi)
				msi = ptr;
			else if (cfg[ptr] == CAP_ID_MSIX && !msix)
				msix = ptr;
			ptr = cfg[ptr + 1] & 0xfc;
		}
	}
	if (ret) {
		PUT(" caps=unreadable");
		return -1;
	}
	if (msi) {
		unsigned int ctrl = cfg[msi + 2] | cfg[msi + 3] << 8;
		unsigned int mmc = (ctrl >> 1) & 7, mme = (ctrl >> 4) & 7;

		PUT(" MSI@0x%02x ctrl=0x%04x enable=%u MMC=%u(=%u vectors) MME=%u(=%u enabled) 64bit=%u pvm=%u",
		    msi, ctrl, ctrl & 1, mmc, 1u << mmc, mme, 1u << mme, (ctrl >> 7) & 1, (ctrl >> 8) & 1);
	}
	if (msix) {
		unsigned int ctrl = cfg[msix + 2] | cfg[msix + 3] << 8;

		PUT(" MSI-X@0x%02x ctrl=0x%04x enable=%u table_size=%u", msix, ctrl, (ctrl >> 15) & 1,
		    (ctrl & 0x7ff) + 1);
	}
	if (!msi && !msix)
		PUT(" no-MSI/MSI-X");
#undef PUT
	return w < outlen ? 0 : -1;
}

/* ------------------------------------------------------------ the recording */

static volatile sig_atomic_t rec_stop;

static void rec_signal(int sig)
{
	rec_stop = sig;
}

struct rec {
	/* options */
	const char *output, *profile_path, *release, *status_path, *raw_path;
	double duration;
	unsigned long buffer_kb;
	bool no_kprobes;
	char **cmd;
	const char *extra[REC_MAX_EVENTS];	/* --event */
	unsigned int nextra;
	/* what we created: rec_cleanup() removes exactly these */
	char instance_name[32], group[32];
	struct tracefs_instance *inst;
	bool inst_created;
	struct tracefs_dynevent **dyn;
	unsigned int ndyn;
	pid_t child;
	/* state */
	struct rec_profile *prof;
	char arch[16], release_buf[128], profile_buf[PATH_MAX];
	int fd_devices, fd_interrupts, fd_probes;
	struct tep_handle *tep;
	struct ingest_norm *n;
	FILE *raw, *status;
	char *comment;
	size_t comment_len, comment_cap;
	unsigned int accepted, rejected, events_on;
	uint64_t nrecords;
};

static void rec_note(struct rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A line of the .mlog's top comment. */
static void rec_note(struct rec *r, const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	if (r->comment_cap - r->comment_len < (size_t)len + 2) {
		size_t cap = r->comment_cap ? r->comment_cap : 1024;
		char *p;

		while (cap - r->comment_len < (size_t)len + 2)
			cap *= 2;
		p = realloc(r->comment, cap);
		if (!p)
			return;
		r->comment = p;
		r->comment_cap = cap;
	}
	if (r->comment_len)
		r->comment[r->comment_len++] = '\n';
	va_start(ap, fmt);
	vsnprintf(r->comment + r->comment_len, r->comment_cap - r->comment_len, fmt, ap);
	va_end(ap);
	r->comment_len += (size_t)len;
}

/* Remove everything this process created, and only that.  Idempotent. */
static int rec_cleanup(struct rec *r)
{
	int bad = 0;

	if (r->child > 0) {
		int st;

		kill(r->child, SIGTERM);
		for (int i = 0; i < 50 && waitpid(r->child, &st, WNOHANG) == 0; i++)
			usleep(20000);
		if (waitpid(r->child, &st, WNOHANG) == 0) {
			kill(r->child, SIGKILL);
			waitpid(r->child, &st, 0);
		}
		r->child = 0;
	}
	if (r->inst) {
		/* our instance first: it is what keeps our events enabled */
		if (r->inst_created) {
			tracefs_trace_off(r->inst);
			if (tracefs_instance_destroy(r->inst)) {
				fprintf(stderr, "msilab record: cannot remove tracefs instance %s: %s\n",
					r->instance_name, strerror(errno));
				bad = -1;
			}
		}
		tracefs_instance_free(r->inst);
		r->inst = NULL;
		r->inst_created = false;
	}
	for (unsigned int i = r->ndyn; i-- > 0;) {
		if (tracefs_dynevent_destroy(r->dyn[i], false)) {
			char *ev = NULL;
			int e = errno;

			tracefs_dynevent_info(r->dyn[i], NULL, &ev, NULL, NULL, NULL);
			fprintf(stderr, "msilab record: cannot remove kprobe %s/%s: %s\n", r->group,
				ev ? ev : "?", strerror(e));
			free(ev);
			bad = -1;
		}
		tracefs_dynevent_free(r->dyn[i]);
	}
	r->ndyn = 0;
	return bad;
}

/* Is SYS/EV one of @all[0..@n)?  libtracefs lists an event once per file that shows it. */
static bool seen_before(struct tracefs_dynevent **all, size_t n, const char *sys, const char *ev)
{
	bool seen = false;

	for (size_t k = 0; k < n && !seen; k++) {
		char *s2 = NULL, *e2 = NULL;

		tracefs_dynevent_info(all[k], &s2, &e2, NULL, NULL, NULL);
		seen = s2 && e2 && !strcmp(s2, sys) && !strcmp(e2, ev);
		free(s2);
		free(e2);
	}
	return seen;
}

/* Instances "msilab-PID" and groups "msilab_PID" of processes that are gone. */
static int rec_sweep(bool verbose)
{
	struct tracefs_dynevent **all;
	char **names;
	int removed = 0, bad = 0;

	names = tracefs_instances(NULL);
	for (size_t i = 0; names && names[i]; i++) {
		long pid = rec_owner_pid(names[i], REC_INSTANCE_PREFIX);
		struct tracefs_instance *inst;

		if (pid <= 0 || pid_alive(pid))
			continue;
		inst = tracefs_instance_alloc(NULL, names[i]);
		if (!inst || tracefs_instance_destroy(inst)) {
			fprintf(stderr, "msilab record: cannot remove stale instance %s: %s\n", names[i],
				strerror(errno));
			bad = -1;
		} else {
			removed++;
			if (verbose)
				fprintf(stderr, "msilab record: removed instance %s (pid %ld is gone)\n",
					names[i], pid);
		}
		tracefs_instance_free(inst);
	}
	tracefs_list_free(names);

	all = tracefs_dynevent_get_all(TRACEFS_DYNEVENT_KPROBE | TRACEFS_DYNEVENT_KRETPROBE |
				       TRACEFS_DYNEVENT_UPROBE | TRACEFS_DYNEVENT_URETPROBE, NULL);
	for (size_t i = 0; all && all[i]; i++) {
		char *sys = NULL, *ev = NULL;
		long pid;

		tracefs_dynevent_info(all[i], &sys, &ev, NULL, NULL, NULL);
		pid = sys ? rec_owner_pid(sys, REC_GROUP_PREFIX) : -1;
		if (pid > 0 && !pid_alive(pid) && ev && seen_before(all, i, sys, ev))
			pid = -1;	/* listed twice (dynamic_events and uprobe_events) */
		if (pid > 0 && !pid_alive(pid)) {
			if (tracefs_dynevent_destroy(all[i], false)) {
				fprintf(stderr, "msilab record: cannot remove stale probe %s/%s: %s\n", sys,
					ev ? ev : "?", strerror(errno));
				bad = -1;
			} else {
				removed++;
				if (verbose)
					fprintf(stderr, "msilab record: removed probe %s/%s (pid %ld is gone)\n",
						sys, ev ? ev : "?", pid);
			}
		}
		free(sys);
		free(ev);
	}
	tracefs_dynevent_list_free(all);
	return bad ? -1 : removed;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

static const char *kprobe_events_file(void)
{
	static const char *const files[] = {
		"/sys/kernel/tracing/kprobe_events",
		"/sys/kernel/debug/tracing/kprobe_events",
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (!access(files[i], F_OK))
			return files[i];
	return NULL;
}

static bool tracefs_present(void)
{
	return !access("/sys/kernel/tracing/instances", F_OK) ||
	       !access("/sys/kernel/debug/tracing/instances", F_OK);
}

/* The directory of the probe profiles: $MSILAB_PROBES_DIR, else next to the binary. */
static int profile_dir(char *out, size_t outlen)
{
	static const char *const rel[] = { "/../tools/probes", "/../../tools/probes",
					   "/../share/msilab/probes" };
	const char *env = getenv("MSILAB_PROBES_DIR");
	char exe[PATH_MAX];
	ssize_t n;
	char *slash;

	if (env && *env) {
		snprintf(out, outlen, "%s", env);
		return is_dir(out) ? 0 : -1;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -1;
	exe[n] = 0;
	slash = strrchr(exe, '/');
	if (!slash)
		return -1;
	*slash = 0;
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		if (strlen(exe) + strlen(rel[i]) >= outlen)
			continue;
		strcpy(out, exe);
		strcat(out, rel[i]);
		if (is_dir(out))
			return 0;
	}
	if (strlen(exe) + strlen(rel[1]) < outlen) {
		strcpy(out, exe);
		strcat(out, rel[1]);
	}
	return -1;
}

/* A memory file, readable by path as /proc/self/fd/N. */
static int memfile(const char *name, const char *data, size_t len, char *path, size_t pathlen)
{
	int fd = memfd_create(name, MFD_CLOEXEC);
	size_t done = 0;

	if (fd < 0)
		return -1;
	while (done < len) {
		ssize_t w = write(fd, data + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			return -1;
		}
		done += (size_t)w;
	}
	snprintf(path, pathlen, "/proc/self/fd/%d", fd);
	return fd;
}

/* Copy the memfile @fd to "RAW.@what" (with --raw).  0 ok (or nothing to copy), -1 said why. */
static int save_snapshot(struct rec *r, int fd, const char *what)
{
	char path[PATH_MAX], buf[65536];
	FILE *f;
	ssize_t got;
	off_t off = 0;

	if (fd < 0)
		return 0;
	snprintf(path, sizeof(path), "%s.%s", r->raw_path, what);
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "%s: error: cannot create: %s\n", path, strerror(errno));
		return -1;
	}
	while ((got = pread(fd, buf, sizeof(buf), off)) > 0) {
		if (fwrite(buf, 1, (size_t)got, f) != (size_t)got)
			break;
		off += got;
	}
	if (got < 0 || fclose(f)) {
		fprintf(stderr, "%s: error: cannot write: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static ssize_t read_file(const char *path, void *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;

	if (fd < 0)
		return -1;
	while (got < size) {
		ssize_t n = read(fd, (char *)buf + got, size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	return (ssize_t)got;
}

/* Read a small sysfs text file, trailing blanks removed; "" when unreadable. */
static char *read_text(const char *path, char *buf, size_t size)
{
	ssize_t n = read_file(path, buf, size - 1);

	if (n < 0)
		n = 0;
	buf[n] = 0;
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		buf[--n] = 0;
	return buf;
}

struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void sb_printf(struct sbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(struct sbuf *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || s->oom)
		return;
	if (s->cap - s->len < (size_t)n + 1) {
		size_t cap = s->cap ? s->cap : 4096;
		char *p;

		while (cap - s->len < (size_t)n + 1)
			cap *= 2;
		p = realloc(s->p, cap);
		if (!p) {
			s->oom = true;
			return;
		}
		s->p = p;
		s->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(s->p + s->len, s->cap - s->len, fmt, ap);
	va_end(ap);
	s->len += (size_t)n;
}

static int cmp_bdf(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* The device table: every PCI function's MSI/MSI-X capability sizes. */
static int snapshot_devices(struct rec *r, char *path, size_t pathlen)
{
	struct dirent **de = NULL;
	struct sbuf s = { 0 };
	int n, fd = -1, msi_devs = 0;

	n = scandir("/sys/bus/pci/devices", &de, NULL, cmp_bdf);
	sb_printf(&s, "# msilab record: /sys/bus/pci/devices/*/config capability lists, before the recording\n");
	for (int i = 0; i < n; i++) {
		const char *bdf = de[i]->d_name;
		char p[PATH_MAX], line[512], drv[PATH_MAX];
		uint8_t cfg[4096];
		ssize_t len;
		struct dirent **irqs = NULL;
		int nirq;

		if (bdf[0] == '.') {
			free(de[i]);
			continue;
		}
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/config", bdf);
		len = read_file(p, cfg, sizeof(cfg));
		rec_caps_line(bdf, cfg, len > 0 ? (size_t)len : 0, line, sizeof(line));
		sb_printf(&s, "%s", line);
		if (strstr(line, "MSI"))
			msi_devs++;
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/driver", bdf);
		len = readlink(p, drv, sizeof(drv) - 1);
		if (len > 0) {
			drv[len] = 0;
			sb_printf(&s, " driver=%s", strrchr(drv, '/') ? strrchr(drv, '/') + 1 : drv);
		}
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/msi_irqs", bdf);
		nirq = scandir(p, &irqs, NULL, versionsort);
		for (int k = 0, first = 1; k < nirq; k++) {
			if (irqs[k]->d_name[0] != '.') {
				sb_printf(&s, "%s%s", first ? " msi_irqs=" : ",", irqs[k]->d_name);
				first = 0;
			}
			free(irqs[k]);
		}
		free(irqs);
		sb_printf(&s, "\n");
		free(de[i]);
	}
	free(de);
	if (!s.oom)
		fd = memfile("msilab-devices", s.p ? s.p : "", s.len, path, pathlen);
	free(s.p);
	if (n >= 0)
		rec_note(r, "devices: %d PCI functions, %d with MSI or MSI-X (config space)", n > 0 ? n : 0,
			 msi_devs);
	return fd;
}

/*
 * The irqs that exist, in /proc/interrupts format: every /sys/kernel/irq/N
 * (allocated irqs, requested or not: /proc/interrupts hides unrequested
 * irqs that never fired), with the CPU columns of /proc/interrupts; else
 * /proc/interrupts itself.
 */
static int snapshot_interrupts(struct rec *r, char *path, size_t pathlen)
{
	static char pi[1 << 20];
	struct dirent **de = NULL;
	struct sbuf s = { 0 };
	ssize_t len = read_file("/proc/interrupts", pi, sizeof(pi) - 1);
	unsigned int ncpu = 0;
	int n, fd = -1, msi = 0;
	char *nl;

	if (len < 0)
		len = 0;
	pi[len] = 0;
	n = scandir("/sys/kernel/irq", &de, NULL, versionsort);
	if (n <= 0) {
		free(de);
		rec_note(r, "interrupts: /proc/interrupts (no /sys/kernel/irq)");
		return memfile("msilab-interrupts", pi, (size_t)len, path, pathlen);
	}
	nl = strchr(pi, '\n');
	if (nl)
		*nl = 0;
	for (char *t = pi; (t = strstr(t, "CPU")); t += 3)
		ncpu++;
	sb_printf(&s, "%s\n", pi);
	for (int i = 0; i < n; i++) {
		const char *irq = de[i]->d_name;
		char p[PATH_MAX], chip[128], hw[64], type[32], act[256];

		if (!isdigit((unsigned char)irq[0])) {
			free(de[i]);
			continue;
		}
		snprintf(p, sizeof(p), "/sys/kernel/irq/%s/chip_name", irq);
		read_text(p, chip, sizeof(chip));
		snprintf(p, sizeof(p), "/sys/kernel/irq/%s/hwirq", irq);
		read_text(p, hw, sizeof(hw));
		snprintf(p, sizeof(p), "/sys/kernel/irq/%s/type", irq);
		read_text(p, type, sizeof(type));
		snprintf(p, sizeof(p), "/sys/kernel/irq/%s/actions", irq);
		read_text(p, act, sizeof(act));
		sb_printf(&s, "%4s:", irq);
		for (unsigned int c = 0; c < (ncpu ? ncpu : 1); c++)
			sb_printf(&s, " %10u", 0u);
		if (type[0])
			type[0] = (char)toupper((unsigned char)type[0]);
		for (char *a = act; *a; a++)
			if (*a == ',')
				*a = ' ';
		sb_printf(&s, " %s %s %s %s\n", chip[0] ? chip : "none", hw[0] ? hw : "0",
			  type[0] ? type : "Edge", act);
		if (strstr(chip, "MSI"))
			msi++;
		free(de[i]);
	}
	free(de);
	if (!s.oom)
		fd = memfile("msilab-interrupts", s.p, s.len, path, pathlen);
	free(s.p);
	rec_note(r, "interrupts: /sys/kernel/irq, %d irqs of which %d on an MSI chip", n, msi);
	return fd;
}

static int install_probes(struct rec *r)
{
	unsigned int i;
	char err[512];

	r->dyn = calloc(r->prof->nprobes + 1, sizeof(*r->dyn));
	if (!r->dyn)
		return -1;
	for (i = 0; i < r->prof->nprobes && !rec_stop; i++) {
		struct rec_probe pr = r->prof->probe[i];
		struct tracefs_dynevent *d;
		const char *why = NULL;
		char *kerr = NULL;

		if (rec_probe_resolve(&pr, "/proc/kallsyms", err, sizeof(err))) {
			why = err;
			goto rejected;
		}
		if (pr.loc[0] != r->prof->probe[i].loc[0] && r->status)
			fprintf(r->status, "resolved %s -> %s\n", r->prof->probe[i].loc, pr.loc);
		if (pr.type == 'p')
			d = tracefs_kprobe_alloc(r->group, pr.event, pr.loc, pr.args[0] ? pr.args : NULL);
		else
			d = tracefs_kretprobe_alloc(r->group, pr.event, pr.loc, pr.args[0] ? pr.args : NULL,
						    pr.maxactive);
		if (!d)
			return -1;
		if (tracefs_dynevent_create(d)) {
			int e = errno;

			kerr = tracefs_error_last(NULL);
			tracefs_dynevent_free(d);
			if (kerr && *kerr) {
				char *m = strstr(kerr, "error: ");
				char *end;

				m = m ? m + 7 : kerr;
				end = strchr(m, '\n');
				if (end)
					*end = 0;
				snprintf(err, sizeof(err), "%s", m);
			} else {
				snprintf(err, sizeof(err), "%s", strerror(e));
			}
			free(kerr);
			why = err;
			goto rejected;
		}
		r->dyn[r->ndyn++] = d;
		r->accepted++;
		if (r->status)
			fprintf(r->status, "OK   %c:msilc/%s\n", pr.type, pr.event);
		continue;
rejected:
		r->rejected++;
		if (r->status)
			fprintf(r->status, "FAIL %c:msilc/%s (%s)\n", pr.type, pr.event, why);
		rec_note(r, "probe rejected: %c:msilc/%s: %s", pr.type, pr.event, why);
	}
	return rec_stop ? -1 : 0;
}

/* The accepted definitions, as kprobe-events.txt lists them, for "observes". */
static int accepted_list(struct rec *r, char *path, size_t pathlen)
{
	struct sbuf s = { 0 };
	int fd = -1;

	for (unsigned int i = 0; i < r->ndyn; i++) {
		char *ev = NULL, *addr = NULL, *fmt = NULL;
		enum tracefs_dynevent_type t = tracefs_dynevent_info(r->dyn[i], NULL, &ev, NULL, &addr, &fmt);

		sb_printf(&s, "%c:msilc/%s %s %s\n", t == TRACEFS_DYNEVENT_KRETPROBE ? 'r' : 'p',
			  ev ? ev : "?", addr ? addr : "?", fmt ? fmt : "");
		free(ev);
		free(addr);
		free(fmt);
	}
	if (!s.oom && s.len)
		fd = memfile("msilab-probes", s.p, s.len, path, pathlen);
	free(s.p);
	return fd;
}

static int enable_events(struct rec *r)
{
	char file[PATH_MAX];

	if (r->ndyn) {
		snprintf(file, sizeof(file), "events/%s/enable", r->group);
		if (tracefs_instance_file_write(r->inst, file, "1") < 0) {
			fprintf(stderr, "msilab record: cannot enable group %s in instance %s: %s\n",
				r->group, r->instance_name, strerror(errno));
			return -1;
		}
	}
	for (unsigned int i = 0; i < r->prof->nevents; i++) {
		snprintf(file, sizeof(file), "events/%s/enable", r->prof->event[i]);
		if (!tracefs_file_exists(r->inst, file)) {
			rec_note(r, "event %s: not in this kernel", r->prof->event[i]);
			if (r->status)
				fprintf(r->status, "FAIL event %s (not in this kernel)\n", r->prof->event[i]);
			continue;
		}
		if (tracefs_instance_file_write(r->inst, file, "1") < 0) {
			fprintf(stderr, "msilab record: cannot enable %s in instance %s: %s\n",
				r->prof->event[i], r->instance_name, strerror(errno));
			return -1;
		}
		if (r->status)
			fprintf(r->status, "OK   event %s\n", r->prof->event[i]);
		r->events_on++;
	}
	return 0;
}

/* The tep of our events: formats of the group, the tracepoints, ftrace; kallsyms. */
static int load_tep(struct rec *r)
{
	const char *sys[REC_MAX_EVENTS + 4];
	size_t ns = 0;
	char *ks = NULL;
	size_t kslen = 0, kscap = 0;
	FILE *f;

	sys[ns++] = "ftrace";
	if (r->ndyn)
		sys[ns++] = r->group;
	for (unsigned int i = 0; i < r->prof->nevents && ns < REC_MAX_EVENTS + 2; i++) {
		static char names[REC_MAX_EVENTS][96];

		snprintf(names[i], sizeof(names[i]), "%.*s", (int)strcspn(r->prof->event[i], "/"),
			 r->prof->event[i]);
		sys[ns++] = names[i];
	}
	sys[ns] = NULL;
	r->tep = tracefs_local_events_system(NULL, sys);
	if (!r->tep) {
		fprintf(stderr, "msilab record: cannot read the event formats from tracefs: %s\n",
			strerror(errno));
		return -1;
	}
	/* kallsyms: probe locations as "func+0x0/0x150" */
	f = fopen("/proc/kallsyms", "r");
	if (f) {
		char buf[65536];
		size_t got;

		while ((got = fread(buf, 1, sizeof(buf), f)) > 0) {
			if (kscap - kslen < got + 1) {
				char *p;

				kscap = kscap ? kscap * 2 : 1 << 22;
				while (kscap - kslen < got + 1)
					kscap *= 2;
				p = realloc(ks, kscap);
				if (!p)
					break;
				ks = p;
			}
			memcpy(ks + kslen, buf, got);
			kslen += got;
		}
		fclose(f);
		if (ks) {
			ks[kslen] = 0;
			tep_parse_kallsyms(r->tep, ks);
		}
		free(ks);
	}
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int drain(struct rec *r)
{
	struct mlog_error err;

	memset(&err, 0, sizeof(err));
	tracefs_load_cmdlines(NULL, r->tep);	/* the task names seen so far */
	if (ingest_live_drain(r->tep, r->inst, r->group, r->n, r->raw, &err, &r->nrecords)) {
		fprintf(stderr, "msilab record: %s\n", err.msg);
		return -1;
	}
	return 0;
}

/* Run CMD (or wait), draining the buffer; 0, or -1 (reported). */
static int run_and_trace(struct rec *r, int *cmd_status)
{
	uint64_t start = now_ms(), deadline = r->duration > 0 ? start + (uint64_t)(r->duration * 1000) : 0;
	int pfd[2] = { -1, -1 };

	*cmd_status = -1;
	if (r->cmd) {
		char marker[PATH_MAX], *tdir;

		tdir = tracefs_instance_get_dir(r->inst);
		snprintf(marker, sizeof(marker), "%s/trace_marker", tdir ? tdir : "");
		tracefs_put_tracing_file(tdir);
		if (pipe2(pfd, O_CLOEXEC))
			return -1;
		fflush(NULL);
		r->child = fork();
		if (r->child < 0) {
			fprintf(stderr, "msilab record: fork: %s\n", strerror(errno));
			r->child = 0;
			close(pfd[0]);
			close(pfd[1]);
			return -1;
		}
		if (r->child == 0) {
			int e;

			signal(SIGINT, SIG_DFL);
			signal(SIGTERM, SIG_DFL);
			signal(SIGHUP, SIG_DFL);
			signal(SIGPIPE, SIG_DFL);
			setenv("MSILAB_TRACE_MARKER", marker, 1);
			execvp(r->cmd[0], r->cmd);
			e = errno;
			if (write(pfd[1], &e, sizeof(e)) < 0)
				_exit(127);
			_exit(127);
		}
		close(pfd[1]);
		{
			int e;
			ssize_t n;

			do
				n = read(pfd[0], &e, sizeof(e));
			while (n < 0 && errno == EINTR);
			close(pfd[0]);
			if (n == sizeof(e)) {
				fprintf(stderr, "msilab record: cannot run %s: %s\n", r->cmd[0], strerror(e));
				waitpid(r->child, NULL, 0);
				r->child = 0;
				return -1;
			}
		}
	}
	for (;;) {
		uint64_t t;

		if (r->child > 0) {
			int st;
			pid_t w = waitpid(r->child, &st, WNOHANG);

			if (w == r->child) {
				r->child = 0;
				*cmd_status = st;
				break;
			}
		}
		if (rec_stop)
			break;
		t = now_ms();
		if (deadline && t >= deadline)
			break;
		if (drain(r))
			return -1;
		{
			uint64_t left = deadline ? deadline - now_ms() : REC_DRAIN_MS;
			struct timespec ts;

			if (deadline && now_ms() >= deadline)
				left = 0;
			if (left > REC_DRAIN_MS)
				left = REC_DRAIN_MS;
			ts.tv_sec = 0;
			ts.tv_nsec = (long)left * 1000000;
			nanosleep(&ts, NULL);	/* EINTR: a signal, seen above */
		}
	}
	if (rec_stop && r->child > 0)
		fprintf(stderr, "msilab record: signal %d: stopping %s\n", (int)rec_stop, r->cmd[0]);
	tracefs_trace_off(r->inst);
	if (r->child > 0) {
		/* --duration or a signal ended the recording: stop CMD */
		int st;

		kill(r->child, SIGTERM);
		if (waitpid(r->child, &st, 0) == r->child)
			*cmd_status = st;
		r->child = 0;
	}
	return drain(r);
}

static int write_mlog(struct rec *r)
{
	struct mlog_error err;
	size_t len = strlen(r->output) + 8;
	char *tmp = malloc(len);
	FILE *out;
	int ret = -1;

	if (!tmp)
		return -1;
	snprintf(tmp, len, "%s.tmp", r->output);
	out = fopen(tmp, "w");
	if (!out) {
		fprintf(stderr, "%s: error: cannot create: %s\n", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	memset(&err, 0, sizeof(err));
	if (ingest_norm_finish(r->n, out, &err)) {
		if (!err.file[0])
			snprintf(err.file, sizeof(err.file), "%s", r->output);
		msilab_print_error(&err);
		fclose(out);
		goto out;
	}
	if (fclose(out)) {
		fprintf(stderr, "%s: error: cannot write: %s\n", tmp, strerror(errno));
		goto out;
	}
	if (rename(tmp, r->output)) {
		fprintf(stderr, "%s: error: cannot rename to %s: %s\n", tmp, r->output, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (ret)
		remove(tmp);
	free(tmp);
	return ret;
}

static int record(struct rec *r)
{
	char err[1024], dpath[64], ipath[64], ppath[64], pdir[PATH_MAX];
	struct ingest_norm_opts o;
	struct mlog_error merr;
	struct utsname un;
	const char *kp;
	int cmd_status = -1, v;

	/* 1. refuse early, having installed nothing */
	if (geteuid() != 0) {
		fprintf(stderr, "msilab record: must run as root: tracefs instances and kprobe events need "
			"root (effective uid is %u)\n", (unsigned int)geteuid());
		return -1;
	}
	kp = kprobe_events_file();
	if (!kp && !r->no_kprobes) {
		fprintf(stderr, "msilab record: this kernel has no kprobe events: neither "
			"/sys/kernel/tracing/kprobe_events nor /sys/kernel/debug/tracing/kprobe_events "
			"exists (kernel built without CONFIG_KPROBE_EVENTS, or tracefs not mounted)\n");
		return -1;
	}
	if (!tracefs_present()) {
		fprintf(stderr, "msilab record: tracefs is not mounted (no /sys/kernel/tracing/instances "
			"nor /sys/kernel/debug/tracing/instances)\n");
		return -1;
	}
	if (uname(&un)) {
		fprintf(stderr, "msilab record: uname: %s\n", strerror(errno));
		return -1;
	}
	if (!r->release)
		r->release = un.release;
	snprintf(r->release_buf, sizeof(r->release_buf), "%s", r->release);
	if (!rec_arch_name(un.machine)) {
		fprintf(stderr, "msilab record: architecture %s is not supported (arm64, x86_64)\n",
			un.machine);
		return -1;
	}
	snprintf(r->arch, sizeof(r->arch), "%s", rec_arch_name(un.machine));
	if (!r->profile_path) {
		if (profile_dir(pdir, sizeof(pdir))) {
			fprintf(stderr, "msilab record: no probe profile directory (%s): pass --profile FILE "
				"or set MSILAB_PROBES_DIR\n", pdir);
			return -1;
		}
		if (rec_profile_select(pdir, r->release_buf, r->arch, r->profile_buf, sizeof(r->profile_buf))) {
			v = rec_kernel_version(r->release_buf);
			fprintf(stderr, "msilab record: no probe profile in %s for kernel %s (%d.%d) on %s: "
				"pass --profile FILE\n", pdir, r->release_buf, v / 100, v % 100, r->arch);
			return -1;
		}
		r->profile_path = r->profile_buf;
		if (realpath(r->profile_buf, pdir))
			snprintf(r->profile_buf, sizeof(r->profile_buf), "%s", pdir);
	}
	r->prof = malloc(sizeof(*r->prof));
	if (!r->prof)
		return -1;
	if (rec_profile_load(r->profile_path, r->prof, err, sizeof(err))) {
		fprintf(stderr, "msilab record: %s\n", err);
		return -1;
	}
	if (strcmp(r->prof->arch, r->arch))
		fprintf(stderr, "msilab record: warning: profile %s is for %s, this machine is %s\n",
			r->profile_path, r->prof->arch, r->arch);
	rec_note(r, "recorded by: msilab record on %s (%s), profile %s", r->release_buf, r->arch,
		 r->profile_path);
	if (r->prof->measured[0])
		rec_note(r, "profile offsets measured on: %s", r->prof->measured);
	if (r->status_path) {
		r->status = fopen(r->status_path, "w");
		if (!r->status) {
			fprintf(stderr, "%s: error: cannot create: %s\n", r->status_path, strerror(errno));
			return -1;
		}
	}
	if (r->raw_path) {
		r->raw = fopen(r->raw_path, "w");
		if (!r->raw) {
			fprintf(stderr, "%s: error: cannot create: %s\n", r->raw_path, strerror(errno));
			return -1;
		}
	}

	/* 2. what dead msilab processes left behind */
	if (rec_sweep(true) < 0)
		fprintf(stderr, "msilab record: warning: some stale msilab instances or probes remain\n");

	/* 3. our instance and kprobe group */
	snprintf(r->instance_name, sizeof(r->instance_name), REC_INSTANCE_PREFIX "%d", (int)getpid());
	snprintf(r->group, sizeof(r->group), REC_GROUP_PREFIX "%d", (int)getpid());
	if (tracefs_instance_exists(r->instance_name)) {
		fprintf(stderr, "msilab record: tracefs instance %s already exists\n", r->instance_name);
		return -1;
	}
	r->inst = tracefs_instance_create(r->instance_name);
	if (!r->inst) {
		fprintf(stderr, "msilab record: cannot create tracefs instance %s: %s\n", r->instance_name,
			strerror(errno));
		return -1;
	}
	r->inst_created = true;
	if (rec_stop)
		return -1;
	tracefs_trace_off(r->inst);
	{
		char kb[32];

		snprintf(kb, sizeof(kb), "%lu", r->buffer_kb);
		if (tracefs_instance_file_write(r->inst, "buffer_size_kb", kb) < 0)
			fprintf(stderr, "msilab record: warning: cannot set buffer_size_kb to %s: %s\n", kb,
				strerror(errno));
		/* a full buffer drops new events (counted) instead of overwriting old ones */
		tracefs_instance_file_write(r->inst, "options/overwrite", "0");
	}
	if (!r->no_kprobes && r->prof->nprobes) {
		if (install_probes(r))
			return -1;
		if (!r->accepted) {
			fprintf(stderr, "msilab record: the kernel accepted none of the %u probe definitions "
				"of %s\n", r->prof->nprobes, r->profile_path);
			return -1;
		}
	}
	for (unsigned int i = 0; i < r->nextra; i++) {
		if (r->prof->nevents == REC_MAX_EVENTS) {
			fprintf(stderr, "msilab record: more than %d events\n", REC_MAX_EVENTS);
			return -1;
		}
		snprintf(r->prof->event[r->prof->nevents++], sizeof(r->prof->event[0]), "%s", r->extra[i]);
	}
	rec_note(r, "probes: %u of %u definitions accepted%s; %u events asked for", r->accepted,
		 r->prof->nprobes, r->no_kprobes ? " (--no-kprobes)" : "", r->prof->nevents);
	if (enable_events(r) || load_tep(r))
		return -1;

	/* 4. the state before the recording */
	r->fd_devices = snapshot_devices(r, dpath, sizeof(dpath));
	r->fd_interrupts = snapshot_interrupts(r, ipath, sizeof(ipath));
	r->fd_probes = r->ndyn ? accepted_list(r, ppath, sizeof(ppath)) : -1;
	/* with --raw, the snapshots go next to it: msilab convert RAW --devices
	 * RAW.devices --interrupts RAW.interrupts --probes RAW.probes makes the
	 * same .mlog again (with this or a later converter) */
	if (r->raw_path && (save_snapshot(r, r->fd_devices, "devices") ||
			    save_snapshot(r, r->fd_interrupts, "interrupts") ||
			    save_snapshot(r, r->fd_probes, "probes")))
		return -1;
	memset(&o, 0, sizeof(o));
	o.release = r->release_buf;
	o.arch = r->arch;
	o.kind = MLOG_SRC_LIVE;
	o.tool = "msilab record";
	o.file = r->raw_path;
	o.devices = r->fd_devices >= 0 ? dpath : NULL;
	o.interrupts = r->fd_interrupts >= 0 ? ipath : NULL;
	o.probes = r->fd_probes >= 0 ? ppath : NULL;
	o.comment = r->comment;
	r->n = ingest_norm_new(&o, &merr);
	if (!r->n) {
		if (!strncmp(merr.file, "/proc/self/fd/", 14)) {
			int fd = atoi(merr.file + 14);

			snprintf(merr.file, sizeof(merr.file), "%s", fd == r->fd_devices ? "(device snapshot)" :
				 fd == r->fd_interrupts ? "(interrupts snapshot)" : "(accepted probes)");
		}
		msilab_print_error(&merr);
		return -1;
	}
	ingest_norm_set_input(r->n, "live");

	/* 5. trace */
	if (tracefs_trace_on(r->inst)) {
		fprintf(stderr, "msilab record: cannot turn tracing on in %s: %s\n", r->instance_name,
			strerror(errno));
		return -1;
	}
	if (run_and_trace(r, &cmd_status))
		return -1;
	if (r->cmd && cmd_status != -1) {
		if (WIFEXITED(cmd_status) && WEXITSTATUS(cmd_status))
			fprintf(stderr, "msilab record: %s exited with status %d\n", r->cmd[0],
				WEXITSTATUS(cmd_status));
		else if (WIFSIGNALED(cmd_status))
			fprintf(stderr, "msilab record: %s was killed by signal %d\n", r->cmd[0],
				WTERMSIG(cmd_status));
	}
	if (write_mlog(r))
		return -1;
	fprintf(stderr, "msilab record: %s: %" PRIu64 " records, %u of %u probes, %u events%s\n",
		r->output, r->nrecords, r->accepted, r->prof->nprobes, r->events_on,
		rec_stop ? " (stopped by a signal)" : "");
	return 0;
}

int cmd_record(int argc, char **argv)
{
	enum { OPT_CLEANUP = 256, OPT_NO_KPROBES };
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "duration", required_argument, NULL, 'd' },
		{ "profile", required_argument, NULL, 'p' },
		{ "kernel-release", required_argument, NULL, 'k' },
		{ "probe-status", required_argument, NULL, 's' },
		{ "raw", required_argument, NULL, 'r' },
		{ "buffer-kb", required_argument, NULL, 'b' },
		{ "event", required_argument, NULL, 'e' },
		{ "no-kprobes", no_argument, NULL, OPT_NO_KPROBES },
		{ "cleanup", no_argument, NULL, OPT_CLEANUP },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct sigaction sa, old[4];
	static const int sigs[4] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	struct rec r;
	bool cleanup_only = false;
	int c, ret;
	char *end;

	memset(&r, 0, sizeof(r));
	r.buffer_kb = 8192;
	r.fd_devices = r.fd_interrupts = r.fd_probes = -1;
	while ((c = getopt_long(argc, argv, "+o:d:p:k:s:r:b:e:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			r.output = optarg;
			break;
		case 'd':
			errno = 0;
			r.duration = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(r.duration > 0) || r.duration > 1e7) {
				fprintf(stderr, "msilab record: --duration %s: a positive number of seconds\n",
					optarg);
				return MSILAB_EXIT_USAGE;
			}
			break;
		case 'p':
			r.profile_path = optarg;
			break;
		case 'k':
			if (rec_kernel_version(optarg) < 0) {
				fprintf(stderr, "msilab record: --kernel-release %s: not a kernel release "
					"(MAJOR.MINOR...)\n", optarg);
				return MSILAB_EXIT_USAGE;
			}
			r.release = optarg;
			break;
		case 's':
			r.status_path = optarg;
			break;
		case 'r':
			r.raw_path = optarg;
			break;
		case 'b':
			errno = 0;
			r.buffer_kb = strtoul(optarg, &end, 10);
			if (errno || *end || r.buffer_kb < 64 || r.buffer_kb > (1ul << 22)) {
				fprintf(stderr, "msilab record: --buffer-kb %s: 64 to 4194304\n", optarg);
				return MSILAB_EXIT_USAGE;
			}
			break;
		case 'e': {
			size_t n = strlen(optarg), sl = strcspn(optarg, "/");

			if (r.nextra == REC_MAX_EVENTS || n >= sizeof(r.prof->event[0]) || !sl ||
			    strspn(optarg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_/") != n ||
			    (sl < n && (sl + 1 == n || strchr(optarg + sl + 1, '/')))) {
				fprintf(stderr, "msilab record: --event %s: SYSTEM or SYSTEM/EVENT\n", optarg);
				return MSILAB_EXIT_USAGE;
			}
			r.extra[r.nextra++] = optarg;
			break;
		}
		case OPT_NO_KPROBES:
			r.no_kprobes = true;
			break;
		case OPT_CLEANUP:
			cleanup_only = true;
			break;
		case 'h':
			cmd_record_usage(stdout);
			return MSILAB_EXIT_OK;
		default:
			cmd_record_usage(stderr);
			return MSILAB_EXIT_USAGE;
		}
	}
	if (optind < argc && !strcmp(argv[optind - 1], "--"))
		r.cmd = argv + optind;
	else if (optind < argc) {
		fprintf(stderr, "msilab record: unexpected argument \"%s\" (CMD goes after \"--\")\n",
			argv[optind]);
		return MSILAB_EXIT_USAGE;
	}
	if (cleanup_only) {
		if (r.output || r.cmd) {
			fprintf(stderr, "msilab record: --cleanup takes no other argument\n");
			return MSILAB_EXIT_USAGE;
		}
		if (geteuid() != 0) {
			fprintf(stderr, "msilab record: must run as root: tracefs instances and kprobe events "
				"need root (effective uid is %u)\n", (unsigned int)geteuid());
			return MSILAB_EXIT_USAGE;
		}
		if (!tracefs_present()) {
			fprintf(stderr, "msilab record: tracefs is not mounted (no /sys/kernel/tracing/instances "
				"nor /sys/kernel/debug/tracing/instances)\n");
			return MSILAB_EXIT_USAGE;
		}
		ret = rec_sweep(true);
		if (ret < 0)
			return MSILAB_EXIT_USAGE;
		fprintf(stderr, "msilab record: cleanup: %d stale instance%s and probe%s removed\n", ret,
			ret == 1 ? "" : "s", ret == 1 ? "" : "s");
		return MSILAB_EXIT_OK;
	}
	if (!r.output) {
		fprintf(stderr, "msilab record: -o OUT.mlog is required\n");
		cmd_record_usage(stderr);
		return MSILAB_EXIT_USAGE;
	}

	rec_stop = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = rec_signal;	/* no SA_RESTART: blocking calls return EINTR */
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < 4; i++)
		sigaction(sigs[i], sigs[i] == SIGPIPE ? &(struct sigaction){ .sa_handler = SIG_IGN } : &sa,
			  &old[i]);

	ret = record(&r);

	/* 6. one place removes what we created, whatever happened above */
	if (rec_cleanup(&r))
		ret = -1;
	if (r.n)
		ingest_norm_free(r.n);
	if (r.tep)
		tep_free(r.tep);
	if (r.fd_devices >= 0)
		close(r.fd_devices);
	if (r.fd_interrupts >= 0)
		close(r.fd_interrupts);
	if (r.fd_probes >= 0)
		close(r.fd_probes);
	if (r.raw && fclose(r.raw)) {
		fprintf(stderr, "%s: error: cannot write: %s\n", r.raw_path, strerror(errno));
		ret = -1;
	}
	if (r.status && fclose(r.status)) {
		fprintf(stderr, "%s: error: cannot write: %s\n", r.status_path, strerror(errno));
		ret = -1;
	}
	free(r.dyn);
	free(r.prof);
	free(r.comment);
	for (int i = 0; i < 4; i++)
		sigaction(sigs[i], &old[i], NULL);
	if (ret && rec_stop)
		fprintf(stderr, "msilab record: stopped by signal %d; everything it installed was removed\n",
			(int)rec_stop);
	return ret ? MSILAB_EXIT_USAGE : MSILAB_EXIT_OK;
}
