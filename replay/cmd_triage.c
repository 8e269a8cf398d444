// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_triage.c - "msilab triage DIR... -o OUT": crash and hang directories
 * of either fuzz engine (libFuzzer artifacts, AFL++ crashes/ and hangs/,
 * msilab fuzz workdirs) and .mlog files in, one folder per distinct bug
 * out:
 *
 *   OUT/index.txt, OUT/index.json   the buckets, then the inputs that did
 *                                   not reproduce (deterministic order)
 *   OUT/state.tsv                   what later runs reuse (one line per
 *                                   input and per bucket)
 *   OUT/SIG/repro.mlog              the minimized reproducer
 *   OUT/SIG/original.mlog           the representative input as a .mlog
 *   OUT/SIG/inputs/HASH[.mlog]      every input of the bucket, as found
 *   OUT/SIG/report.{txt,json,html}, repro_kunit.c   (replay/report.h)
 *
 * Every input is replayed in a child process under a CPU-time limit, so a
 * model crash or hang is a bucket of its own, never the end of triage.  A
 * second run over the same directories finds every input in state.tsv and
 * every bucket finished, and writes the same bytes; new inputs are replayed
 * and added, and only new buckets are minimized.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bugs.h"
#include "commands.h"
#include "decoder.h"
#include "fuzz_campaign.h"
#include "replay.h"
#include "report.h"
#include "triage.h"

#define STATE_HEADER "# msilab triage state 1"

enum in_status { IN_BUCKET, IN_CLEAN, IN_BAD };

/* One input file. */
struct input {
	char *path;
	char hash[17];
	char ctx[512];			/* how it is decoded and run */
	char kind[8];			/* crash, hang */
	char engine[32];		/* libfuzzer, afl, msilab-fuzz, mlog, file */
	enum in_status status;
	char sig[TRI_SIG_MAX];
	char bug[8];
	uint32_t nops;			/* operations up to the violation */
	char reason[640];		/* when not reproduced */
	/* how to decode it */
	char target[64], kernel[16], set[256], stop[128];
	bool is_mlog;
	bool seen;			/* found by this run */
	uint32_t max_steps;
};

struct bucket {
	char sig[TRI_SIG_MAX];
	char bug[8];
	char dir[TRI_SIG_MAX + 8];
	char rep[17];			/* hash of the representative input */
	bool done;
	struct tri_min_stats st;
	char status[16];		/* done, failed: ..., hang, crash */
	char note[300];
};

struct triage {
	const char *out;
	char out_real[PATH_MAX];	/* OUT itself is never an input */
	const char *target, *kernel, *stop;
	char set[256];
	unsigned int timeout;		/* CPU seconds per input */
	unsigned int min_timeout;	/* CPU seconds per minimization */
	uint32_t max_steps;		/* step bound of a .mlog input */
	bool quiet;
	struct input *in;
	size_t nin, capin;
	struct bucket *b;
	size_t nb, capb;
	int errors;
};

/* ---- small helpers ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_prefix(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

static bool has_suffix(const char *s, const char *x)
{
	size_t a = strlen(s), b = strlen(x);

	return a >= b && !strcmp(s + a - b, x);
}

static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;

	*len = 0;
	if (!f)
		return NULL;
	buf = msilab_read_stream(f, 256u << 20, len);
	fclose(f);
	return buf;
}

static int write_file(const char *path, const void *data, size_t len)
{
	return fzc_write_atomic(path, data, len);
}

static int mkdir_p(const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0777) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0777) && errno != EEXIST ? -1 : 0;
}

static bool exists(const char *path)
{
	struct stat sb;

	return !stat(path, &sb);
}

/* "INV-I1/its_irq_domain_free/its_device@6.15" -> "INV-I1--its_irq_domain_free--its_device@6.15" */
static void sig_dir(const char *sig, char *out, size_t n)
{
	size_t k = 0;

	for (const char *p = sig; *p && k + 3 < n; p++) {
		if (*p == '/') {
			out[k++] = '-';
			out[k++] = '-';
		} else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			   strchr("._+@-", *p)) {
			out[k++] = *p;
		} else {
			out[k++] = '_';
		}
	}
	out[k] = '\0';
}

/* ---- finding the inputs ---- */

/* The fuzz target and campaign settings of the directory an input sits in. */
struct origin {
	char target[64], kernel[16], set[256], engine[32];
};

/*
 * Look in the directories from @file's up to @up levels: the DIR it was
 * found under and that DIR's parent (a campaign's findings/ or crashes/
 * given alone), never beyond.
 */
static void detect_origin(const char *file, int up_max, struct origin *o)
{
	char dir[PATH_MAX], path[PATH_MAX + 32];

	memset(o, 0, sizeof(*o));
	snprintf(dir, sizeof(dir), "%s", file);
	for (int up = 0; up < up_max; up++) {
		char *slash = strrchr(dir, '/');
		struct fzc_state st;

		if (!slash)
			snprintf(dir, sizeof(dir), ".");
		else if (slash == dir)
			dir[1] = '\0';
		else
			*slash = '\0';
		snprintf(path, sizeof(path), "%s/state.txt", dir);
		if (exists(path) && !fzc_state_read(path, &st) && st.target[0]) {
			snprintf(o->target, sizeof(o->target), "%s", st.target);
			if (st.kernel[0] && strcmp(st.kernel, "any"))
				snprintf(o->kernel, sizeof(o->kernel), "%s", st.kernel);
			snprintf(o->set, sizeof(o->set), "%s", st.set);
			snprintf(o->engine, sizeof(o->engine), "msilab-fuzz-%s", st.engine[0] ? st.engine : "?");
			return;
		}
		snprintf(path, sizeof(path), "%s/fuzzer_stats", dir);
		if (!o->target[0] && exists(path)) {
			FILE *f = fopen(path, "r");
			char line[4096];

			snprintf(o->engine, sizeof(o->engine), "afl");
			while (f && fgets(line, sizeof(line), f)) {
				char *p;

				if (!has_prefix(line, "command_line"))
					continue;
				p = strstr(line, "afl_fuzz_model");
				if (p) {
					size_t l = strcspn(p, " \t\n");

					snprintf(o->target, sizeof(o->target), "%.*s", (int)(l - 4), p + 4);
				}
			}
			if (f)
				fclose(f);
			/* keep looking for a msilab fuzz workdir above */
		}
		if (!strcmp(dir, "/") || !strcmp(dir, "."))
			break;
	}
}

static struct input *input_add(struct triage *t)
{
	struct input *x;

	if (t->nin == t->capin) {
		size_t cap = t->capin ? 2 * t->capin : 64;
		struct input *p = realloc(t->in, cap * sizeof(*p));

		if (!p)
			return NULL;
		t->in = p;
		t->capin = cap;
	}
	x = &t->in[t->nin++];
	memset(x, 0, sizeof(*x));
	return x;
}

static bool meta_file(const char *name)
{
	static const char *const skip[] = { "state.txt", "state.tsv", "fuzzer_stats", "plot_data",
					    "cmdline", "engine.log", "index.txt", "index.json",
					    "fuzzer_setup", "target_hash", NULL };

	for (const char *const *s = skip; *s; s++)
		if (!strcmp(name, *s))
			return true;
	return has_prefix(name, "README") || has_suffix(name, ".txt") || has_suffix(name, ".json") ||
	       has_suffix(name, ".md") || has_suffix(name, ".log") || has_suffix(name, ".tsv") ||
	       has_suffix(name, ".html") || has_suffix(name, ".c");
}

/* The kind of @name in directory @dirname, or NULL when it is not an input. */
static const char *classify(const char *dirname, const char *name, const char *full, int depth,
			    const char **engine)
{
	*engine = "file";
	if (!strcmp(dirname, "crashes")) {
		*engine = "afl";
		return has_prefix(name, "id:") ? "crash" : NULL;
	}
	if (!strcmp(dirname, "hangs")) {
		*engine = "afl";
		return has_prefix(name, "id:") ? "hang" : NULL;
	}
	if (has_prefix(name, "crash-") || has_prefix(name, "leak-") || has_prefix(name, "oom-")) {
		*engine = "libfuzzer";
		return "crash";
	}
	if (has_prefix(name, "timeout-") || has_prefix(name, "slow-unit-")) {
		*engine = "libfuzzer";
		return "hang";
	}
	if (!strcmp(dirname, "findings")) {
		*engine = "msilab-fuzz";
		if (has_suffix(name, ".input"))
			return "crash";
		if (has_suffix(name, ".mlog")) {
			char twin[PATH_MAX];

			snprintf(twin, sizeof(twin), "%.*s.input", (int)(strlen(full) - 5), full);
			return exists(twin) ? NULL : "crash";
		}
		return NULL;
	}
	if (has_suffix(name, ".mlog")) {
		*engine = "mlog";
		return "crash";
	}
	if (depth == 0 && !meta_file(name))
		return "crash";
	return NULL;
}

static int walk(struct triage *t, const char *dir, int depth)
{
	const char *base = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d) {
		fprintf(stderr, "%s: error: cannot open directory: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **p = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof(*p));

			if (!p)
				break;
			names = p;
		}
		names[n] = strdup(e->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		char full[PATH_MAX];
		struct stat sb;
		const char *kind, *engine;
		struct input *x;
		struct origin o;

		snprintf(full, sizeof(full), "%s/%s", dir, names[i]);
		if (stat(full, &sb))
			continue;
		if (S_ISDIR(sb.st_mode)) {
			char real[PATH_MAX];

			if (realpath(full, real) && !strcmp(real, t->out_real))
				continue;
			if (depth < 6 && strcmp(names[i], "queue") && strcmp(names[i], "corpus") &&
			    strcmp(names[i], "seeds"))
				walk(t, full, depth + 1);
			continue;
		}
		if (!S_ISREG(sb.st_mode))
			continue;
		kind = classify(base, names[i], full, depth, &engine);
		if (!kind)
			continue;
		if (strpbrk(full, "\t\n")) {
			fprintf(stderr, "%s: skipped: tab or newline in the path\n", full);
			continue;
		}
		x = input_add(t);
		if (!x)
			break;
		x->path = strdup(full);
		snprintf(x->kind, sizeof(x->kind), "%s", kind);
		detect_origin(full, depth + 2, &o);
		snprintf(x->engine, sizeof(x->engine), "%s", o.engine[0] && strcmp(engine, "mlog") ? o.engine : engine);
		snprintf(x->target, sizeof(x->target), "%s", t->target ? t->target : o.target);
		snprintf(x->kernel, sizeof(x->kernel), "%s", t->kernel ? t->kernel : o.kernel);
		snprintf(x->set, sizeof(x->set), "%s", t->set[0] ? t->set : o.set);
		if (t->stop)
			snprintf(x->stop, sizeof(x->stop), "%s", t->stop);
		else if (has_prefix(x->target, "fuzz_model_616"))
			snprintf(x->stop, sizeof(x->stop), "new");	/* what stops that target */
		x->seen = true;
		x->max_steps = t->max_steps;
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return 0;
}

/* ---- state ---- */

static void field(char **p, char *out, size_t n)
{
	size_t l = strcspn(*p, "\t\n");

	snprintf(out, n, "%.*s", (int)l, *p);
	*p += l;
	if (**p == '\t')
		(*p)++;
}

static struct bucket *bucket_find(struct triage *t, const char *sig)
{
	for (size_t i = 0; i < t->nb; i++)
		if (!strcmp(t->b[i].sig, sig))
			return &t->b[i];
	return NULL;
}

static struct bucket *bucket_add(struct triage *t, const char *sig)
{
	struct bucket *b;

	if (t->nb == t->capb) {
		size_t cap = t->capb ? 2 * t->capb : 16;
		struct bucket *p = realloc(t->b, cap * sizeof(*p));

		if (!p)
			return NULL;
		t->b = p;
		t->capb = cap;
	}
	b = &t->b[t->nb++];
	memset(b, 0, sizeof(*b));
	snprintf(b->sig, sizeof(b->sig), "%s", sig);
	sig_dir(sig, b->dir, sizeof(b->dir));
	return b;
}

/* Previous inputs (by path and decoding) and finished buckets. */
struct prev_input {
	char path[PATH_MAX], hash[17], ctx[512], kind[8], engine[32], status[8], sig[TRI_SIG_MAX],
	     bug[8], nops[16], reason[640];
};

static int state_load(struct triage *t, struct prev_input **prev, size_t *nprev)
{
	char path[PATH_MAX], line[8192];
	size_t cap = 0;
	FILE *f;

	*prev = NULL;
	*nprev = 0;
	snprintf(path, sizeof(path), "%s/state.tsv", t->out);
	f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? 0 : -1;
	if (!fgets(line, sizeof(line), f) || strncmp(line, STATE_HEADER, strlen(STATE_HEADER))) {
		fclose(f);
		fprintf(stderr, "%s: error: not a msilab triage state file\n", path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = line, what[16];

		field(&p, what, sizeof(what));
		if (!strcmp(what, "input")) {
			struct prev_input *x;

			if (*nprev == cap) {
				struct prev_input *q = realloc(*prev, (cap = cap ? 2 * cap : 64) * sizeof(*q));

				if (!q)
					break;
				*prev = q;
			}
			x = &(*prev)[(*nprev)++];
			field(&p, x->path, sizeof(x->path));
			field(&p, x->hash, sizeof(x->hash));
			field(&p, x->ctx, sizeof(x->ctx));
			field(&p, x->kind, sizeof(x->kind));
			field(&p, x->engine, sizeof(x->engine));
			field(&p, x->status, sizeof(x->status));
			field(&p, x->sig, sizeof(x->sig));
			field(&p, x->bug, sizeof(x->bug));
			field(&p, x->nops, sizeof(x->nops));
			field(&p, x->reason, sizeof(x->reason));
		} else if (!strcmp(what, "bucket")) {
			char sig[TRI_SIG_MAX], num[9][24];
			struct bucket *b;

			field(&p, sig, sizeof(sig));
			b = bucket_add(t, sig);
			if (!b)
				break;
			field(&p, b->bug, sizeof(b->bug));
			field(&p, b->rep, sizeof(b->rep));
			field(&p, b->status, sizeof(b->status));
			for (int i = 0; i < 9; i++)
				field(&p, num[i], sizeof(num[i]));
			field(&p, b->note, sizeof(b->note));
			b->st.ops_in = (uint32_t)strtoul(num[0], NULL, 10);
			b->st.ops_prefix = (uint32_t)strtoul(num[1], NULL, 10);
			b->st.ops_out = (uint32_t)strtoul(num[2], NULL, 10);
			b->st.devs_in = (uint32_t)strtoul(num[3], NULL, 10);
			b->st.devs_out = (uint32_t)strtoul(num[4], NULL, 10);
			b->st.values = (uint32_t)strtoul(num[5], NULL, 10);
			b->st.calls = strtoull(num[6], NULL, 10);
			b->st.rounds = (uint32_t)strtoul(num[7], NULL, 10);
			b->st.calls_ddmin = strtoull(num[8], NULL, 10);
			b->done = strcmp(b->status, "done") == 0;
		}
	}
	fclose(f);
	return 0;
}

static const char *status_name(enum in_status s)
{
	return s == IN_BUCKET ? "bucket" : s == IN_CLEAN ? "clean" : "bad";
}

static int cmp_input(const void *a, const void *b)
{
	const struct input *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	return c ? c : strcmp(x->ctx, y->ctx);
}

static int state_save(struct triage *t)
{
	char path[PATH_MAX], *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int ret;

	if (!f)
		return -1;
	snprintf(path, sizeof(path), "%s/state.tsv", t->out);
	fprintf(f, "%s (tab separated; msilab triage reads it back: do not edit)\n", STATE_HEADER);
	for (size_t i = 0; i < t->nin; i++) {
		const struct input *x = &t->in[i];

		fprintf(f, "input\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%u\t%s\n", x->path, x->hash, x->ctx,
			x->kind, x->engine, status_name(x->status), x->sig, x->bug, x->nops, x->reason);
	}
	for (size_t i = 0; i < t->nb; i++) {
		const struct bucket *b = &t->b[i];

		fprintf(f, "bucket\t%s\t%s\t%s\t%s\t%u\t%u\t%u\t%u\t%u\t%u\t%" PRIu64 "\t%u\t%" PRIu64 "\t%s\n",
			b->sig, b->bug, b->rep, b->status, b->st.ops_in, b->st.ops_prefix, b->st.ops_out,
			b->st.devs_in, b->st.devs_out, b->st.values, b->st.calls, b->st.rounds,
			b->st.calls_ddmin, b->note);
	}
	if (fclose(f)) {
		free(buf);
		return -1;
	}
	ret = write_file(path, buf, len);
	free(buf);
	return ret;
}

/* ---- replaying one input (child process) ---- */

struct progress {
	uint32_t step;			/* the step being run */
	char profile[128];
	char stimulus[64];
};

struct eval {
	enum in_status status;
	char sig[TRI_SIG_MAX];
	char bug[8];
	uint32_t nops;
	char reason[640];
};

static void load_opts(const struct input *x, struct tri_load_opts *lo)
{
	memset(lo, 0, sizeof(*lo));
	lo->target = x->target[0] ? x->target : NULL;
	lo->kernel = x->kernel[0] ? x->kernel : NULL;
	lo->set = x->set[0] ? x->set : NULL;
	lo->max_steps = x->max_steps;
}

static void eval_child(const struct input *x, struct progress *pg, struct eval *ev)
{
	struct tri_load_opts lo;
	struct tri_scenario s;
	struct tri_verdict v;
	struct tri_oracle *o;
	struct tri_stop stop;
	struct mlog_error err;
	char why[256];

	memset(ev, 0, sizeof(*ev));
	ev->status = IN_BAD;
	load_opts(x, &lo);
	if (tri_stop_parse(x->stop, &stop, why, sizeof(why))) {
		snprintf(ev->reason, sizeof(ev->reason), "%s", why);
		return;
	}
	if (tri_load(x->path, &lo, &s, NULL, &err)) {
		if (err.line)
			snprintf(ev->reason, sizeof(ev->reason), "bad input: line %u: %s", err.line, err.msg);
		else
			snprintf(ev->reason, sizeof(ev->reason), "bad input: %s", err.msg);
		return;
	}
	tri_profile_name(&s, pg->profile, sizeof(pg->profile));
	o = tri_oracle_new(&stop);
	if (!o) {
		snprintf(ev->reason, sizeof(ev->reason), "out of memory");
		tri_scenario_free(&s);
		return;
	}
	tri_oracle_set_progress(o, &pg->step);
	if (tri_run(o, &s, &v)) {
		snprintf(ev->reason, sizeof(ev->reason), "bad input: the model refuses the machine: %s", v.error);
	} else if (v.refused) {
		snprintf(ev->reason, sizeof(ev->reason), "bad input: step %u: %s cannot run on %s: %s",
			 v.step, v.stimulus, v.profile, v.error);
	} else if (!v.violated && s.truncated && !strcmp(x->kind, "hang")) {
		/* a hang input that is still running at the step bound */
		ev->status = IN_BUCKET;
		tri_signature_other(ev->sig, sizeof(ev->sig), "HANG", s.nops ? ml_op_name(s.op[s.nops - 1].kind) : "start",
				    "step_bound", v.profile);
		ev->nops = v.steps;
		snprintf(ev->reason, sizeof(ev->reason), "still running after %u steps (the step bound)", v.steps);
	} else if (!v.violated) {
		ev->status = IN_CLEAN;
		if (!strcmp(x->kind, "hang"))
			snprintf(ev->reason, sizeof(ev->reason), "no hang: %u step%s on %s end within the "
				 "step bound, no violation", v.steps, v.steps == 1 ? "" : "s", v.profile);
		else
			snprintf(ev->reason, sizeof(ev->reason), "no violation%s in %u step%s on %s%s",
				 stop.all ? "" : " that the stop list counts", v.steps,
				 v.steps == 1 ? "" : "s", v.profile,
				 s.truncated ? " (step bound reached)" : "");
	} else {
		ev->status = IN_BUCKET;
		snprintf(ev->sig, sizeof(ev->sig), "%s", v.sig);
		snprintf(ev->bug, sizeof(ev->bug), "%s", v.bug);
		ev->nops = v.step;
	}
	tri_oracle_free(o);
	tri_scenario_free(&s);
}

static const char *signal_name(int sig)
{
	switch (sig) {
	case SIGSEGV: return "SIGSEGV";
	case SIGABRT: return "SIGABRT";
	case SIGBUS: return "SIGBUS";
	case SIGFPE: return "SIGFPE";
	case SIGILL: return "SIGILL";
	case SIGXCPU: return "SIGXCPU";
	case SIGKILL: return "SIGKILL";
	default: return "SIGNAL";
	}
}

static void limit_cpu(unsigned int seconds)
{
	struct rlimit rl = { seconds, seconds + 2 };

	setrlimit(RLIMIT_CPU, &rl);
}

/* The operation at @step of @x (for a hang or a crash of the model). */
static void stimulus_at(const struct input *x, uint32_t step, char *out, size_t n)
{
	struct tri_load_opts lo;
	struct tri_scenario s;
	struct mlog_error err;

	snprintf(out, n, "load");
	load_opts(x, &lo);
	if (tri_load(x->path, &lo, &s, NULL, &err))
		return;
	if (step >= 1 && step <= s.nops)
		snprintf(out, n, "%s", ml_op_name(s.op[step - 1].kind));
	else
		snprintf(out, n, "start");
	tri_scenario_free(&s);
}

static void evaluate(struct triage *t, struct input *x)
{
	struct progress *pg = mmap(NULL, sizeof(*pg), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				   -1, 0);
	struct eval ev;
	int fd[2], status = 0;
	pid_t pid;
	ssize_t got = 0;

	memset(&ev, 0, sizeof(ev));
	if (pg == MAP_FAILED || pipe(fd)) {
		x->status = IN_BAD;
		snprintf(x->reason, sizeof(x->reason), "cannot start a replay: %s", strerror(errno));
		if (pg != MAP_FAILED)
			munmap(pg, sizeof(*pg));
		return;
	}
	memset(pg, 0, sizeof(*pg));
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(fd[0]);
		limit_cpu(t->timeout);
		eval_child(x, pg, &ev);
		if (write(fd[1], &ev, sizeof(ev)) != (ssize_t)sizeof(ev))
			_exit(3);
		_exit(0);
	}
	close(fd[1]);
	if (pid > 0) {
		for (size_t off = 0; off < sizeof(ev);) {
			ssize_t r = read(fd[0], (char *)&ev + off, sizeof(ev) - off);

			if (r <= 0)
				break;
			off += (size_t)r;
			got = (ssize_t)off;
		}
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	close(fd[0]);
	if (pid > 0 && got == (ssize_t)sizeof(ev) && WIFEXITED(status) && !WEXITSTATUS(status)) {
		x->status = ev.status;
		snprintf(x->sig, sizeof(x->sig), "%s", ev.sig);
		snprintf(x->bug, sizeof(x->bug), "%s", ev.bug);
		snprintf(x->reason, sizeof(x->reason), "%s", ev.reason);
		x->nops = ev.nops;
	} else if (pid > 0 && WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		bool hang = sig == SIGXCPU || sig == SIGKILL;
		char stim[64];

		stimulus_at(x, pg->step, stim, sizeof(stim));
		x->status = IN_BUCKET;
		tri_signature_other(x->sig, sizeof(x->sig), hang ? "HANG" : "CRASH", stim,
				    hang ? "msilab" : signal_name(sig), pg->profile[0] ? pg->profile : "any");
		x->nops = pg->step;
		snprintf(x->reason, sizeof(x->reason), "%s at step %u", hang ?
			 "still running after the CPU limit" : signal_name(sig), pg->step);
	} else {
		x->status = IN_BAD;
		snprintf(x->reason, sizeof(x->reason), "the replay process failed (status 0x%x)", status);
	}
	munmap(pg, sizeof(*pg));
}

/* ---- one bucket ---- */

struct bucket_result {
	int ok;				/* 1: repro.mlog written */
	struct tri_min_stats st;
	char note[300];
};

static void render_reports(const char *dir, const struct tri_scenario *s, const char *sig, const char *bug)
{
	static const struct { enum report_format fmt; const char *file; } out[] = {
		{ REPORT_TEXT, "report.txt" }, { REPORT_JSON, "report.json" },
		{ REPORT_HTML, "report.html" }, { REPORT_KUNIT, "repro_kunit.c" },
	};
	char sets[ML_SW__COUNT][64], repro[PATH_MAX];
	const char *setp[ML_SW__COUNT];
	unsigned int nsets = tri_profile_sets(s, sets, ML_SW__COUNT);
	struct report_input in;

	for (unsigned int i = 0; i < nsets; i++)
		setp[i] = sets[i];
	/*
	 * Reports name the reproducer: relative to the bucket, so that they
	 * do not depend on where OUT is (this runs in a child process).
	 */
	if (chdir(dir)) {
		fprintf(stderr, "%s: warning: reports not written: %s\n", dir, strerror(errno));
		return;
	}
	snprintf(repro, sizeof(repro), "repro.mlog");
	memset(&in, 0, sizeof(in));
	in.mlog_path = repro;
	in.kernel = s->profile.name;
	in.sets = setp;
	in.nsets = nsets;
	in.signature = sig;
	in.bug = bug[0] ? bug : NULL;
	for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++) {
		char path[PATH_MAX + 32], *buf = NULL;
		size_t len = 0;
		struct mlog_error err;
		FILE *f;
		int rc;

		snprintf(path, sizeof(path), "%s", out[i].file);
		if (exists(path))
			continue;
		f = open_memstream(&buf, &len);
		if (!f)
			continue;
		rc = report_render(&in, out[i].fmt, f, &err);
		if (fclose(f) || rc) {
			if (rc)
				fprintf(stderr, "%s: warning: %s not written: %s\n", dir, out[i].file, err.msg);
			free(buf);
			continue;
		}
		write_file(path, buf, len);
		free(buf);
	}
}

static void minimize_child(const struct triage *t, const struct input *rep, const struct bucket *b,
			   struct bucket_result *r)
{
	struct tri_load_opts lo;
	struct tri_scenario s, orig;
	struct tri_verdict v, after;
	struct tri_oracle *o;
	struct tri_stop stop;
	struct mlog_error err;
	const struct msilab_bug *bug;
	char dir[PATH_MAX], path[PATH_MAX + 32], why[256], c1[512], c2[400], c3[400], c4[400];
	const char *cmt[4] = { c1, c2, c3, c4 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	memset(r, 0, sizeof(*r));
	snprintf(dir, sizeof(dir), "%s/%s", t->out, b->dir);
	load_opts(rep, &lo);
	if (tri_stop_parse(rep->stop, &stop, why, sizeof(why)) || tri_load(rep->path, &lo, &s, NULL, &err)) {
		snprintf(r->note, sizeof(r->note), "the representative input no longer loads");
		return;
	}
	o = tri_oracle_new(&stop);
	if (!o || tri_run(o, &s, &v) || !v.violated || strcmp(v.sig, b->sig)) {
		snprintf(r->note, sizeof(r->note), "the representative input no longer reproduces");
		goto out;
	}
	bug = v.bug[0] ? msilab_bug_find(v.bug) : NULL;
	if (bug) {
		snprintf(c2, sizeof(c2), "known bug %s: %s", bug->id, bug->title);
		snprintf(c3, sizeof(c3), "affects %s", bug->affected);
	} else {
		snprintf(c2, sizeof(c2), "NEW: no known-bug entry matches (msilab bugs)");
		snprintf(c3, sizeof(c3), "%s", v.detail);
	}
	/* the representative as a .mlog, before minimizing */
	if (tri_scenario_copy(&orig, &s) == 0) {
		snprintf(c1, sizeof(c1), "input %s (%s %s), as replayed", rep->hash, rep->engine, rep->kind);
		snprintf(c4, sizeof(c4), "first violation at step %u: %s", v.step, v.detail);
		f = open_memstream(&buf, &len);
		if (f && !tri_write_mlog(f, &orig, &v, cmt, 4, false) && !fclose(f)) {
			snprintf(path, sizeof(path), "%s/original.mlog", dir);
			write_file(path, buf, len);
		}
		free(buf);
		buf = NULL;
		tri_scenario_free(&orig);
	}
	if (tri_minimize(o, &s, &v, &r->st) || tri_run(o, &s, &after) || !tri_same_bug(&after, &v)) {
		snprintf(r->note, sizeof(r->note), "minimization lost the bug");
		goto out;
	}
	snprintf(c1, sizeof(c1), "minimized by msilab triage from input %s: %u operations (violation at "
		 "step %u) -> %u, %u device%s -> %u, %u value%s simplified, %" PRIu64 " oracle calls",
		 rep->hash, r->st.ops_in, r->st.ops_prefix, r->st.ops_out, r->st.devs_in,
		 r->st.devs_in == 1 ? "" : "s", r->st.devs_out, r->st.values,
		 r->st.values == 1 ? "" : "s", r->st.calls);
	f = open_memstream(&buf, &len);
	if (!f || tri_write_mlog(f, &s, &after, cmt, 3, true) || fclose(f)) {
		snprintf(r->note, sizeof(r->note), "cannot write the reproducer");
		free(buf);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/repro.mlog", dir);
	if (write_file(path, buf, len)) {
		snprintf(r->note, sizeof(r->note), "cannot write repro.mlog: %s", strerror(errno));
		free(buf);
		goto out;
	}
	free(buf);
	r->ok = 1;
	render_reports(dir, &s, b->sig, v.bug);
out:
	tri_oracle_free(o);
	tri_scenario_free(&s);
}

/* Minimize the bucket in a child (CPU-limited); reports are rendered there too. */
static void process_bucket(struct triage *t, struct bucket *b, const struct input *rep)
{
	struct bucket_result r;
	int fd[2], status = 0;
	size_t off = 0;
	pid_t pid;

	memset(&r, 0, sizeof(r));
	if (pipe(fd)) {
		snprintf(b->status, sizeof(b->status), "failed");
		snprintf(b->note, sizeof(b->note), "pipe: %s", strerror(errno));
		return;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(fd[0]);
		limit_cpu(t->min_timeout);
		minimize_child(t, rep, b, &r);
		if (write(fd[1], &r, sizeof(r)) != (ssize_t)sizeof(r))
			_exit(3);
		_exit(0);
	}
	close(fd[1]);
	while (pid > 0 && off < sizeof(r)) {
		ssize_t n = read(fd[0], (char *)&r + off, sizeof(r) - off);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd[0]);
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	if (pid > 0 && off == sizeof(r) && r.ok) {
		b->st = r.st;
		b->done = true;
		snprintf(b->status, sizeof(b->status), "done");
		b->note[0] = '\0';
	} else {
		snprintf(b->status, sizeof(b->status), "failed");
		if (off == sizeof(r))
			snprintf(b->note, sizeof(b->note), "%s", r.note);
		else if (pid > 0 && WIFSIGNALED(status))
			snprintf(b->note, sizeof(b->note), "minimization killed by %s (CPU limit %u s)",
				 signal_name(WTERMSIG(status)), t->min_timeout);
		else
			snprintf(b->note, sizeof(b->note), "minimization failed");
		t->errors++;
	}
}

/* Reports missing from a finished bucket (a renderer added since): render them. */
static void complete_reports(struct triage *t, const struct bucket *b)
{
	struct tri_load_opts lo = { 0 };
	struct tri_scenario s;
	struct mlog_error err;
	char dir[PATH_MAX], path[PATH_MAX + 32];
	pid_t pid;
	int status;

	snprintf(dir, sizeof(dir), "%s/%s", t->out, b->dir);
	snprintf(path, sizeof(path), "%s/repro.mlog", dir);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		limit_cpu(t->timeout);
		if (!tri_load(path, &lo, &s, NULL, &err)) {
			render_reports(dir, &s, b->sig, b->bug);
			tri_scenario_free(&s);
		}
		_exit(0);
	}
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
}

/* ---- index ---- */

static int bug_rank(const char *bug)
{
	for (unsigned int i = 0; i < msilab_nbugs; i++)
		if (!strcmp(msilab_bugs[i].id, bug))
			return (int)i + 1;
	return 0;
}

static int bucket_class(const struct bucket *b)
{
	if (has_prefix(b->sig, "HANG/") || has_prefix(b->sig, "CRASH/"))
		return 2;
	return b->bug[0] ? 1 : 0;	/* new bugs first */
}

static int cmp_bucket(const void *a, const void *b)
{
	const struct bucket *x = a, *y = b;
	int cx = bucket_class(x), cy = bucket_class(y);

	if (cx != cy)
		return cx - cy;
	if (cx == 1 && bug_rank(x->bug) != bug_rank(y->bug))
		return bug_rank(x->bug) - bug_rank(y->bug);
	return strcmp(x->sig, y->sig);
}

static size_t bucket_inputs(const struct triage *t, const struct bucket *b)
{
	size_t n = 0;

	for (size_t i = 0; i < t->nin; i++)
		n += t->in[i].status == IN_BUCKET && !strcmp(t->in[i].sig, b->sig);
	return n;
}

static const char *bucket_label(const struct bucket *b)
{
	if (has_prefix(b->sig, "HANG/"))
		return "HANG";
	if (has_prefix(b->sig, "CRASH/"))
		return "CRASH";
	return b->bug[0] ? b->bug : "NEW";
}

static void sig_parts(const char *sig, char parts[4][TRI_SIG_MAX])
{
	const char *p = sig;

	for (int i = 0; i < 4; i++)
		parts[i][0] = '\0';
	for (int i = 0; i < 3; i++) {
		size_t l = strcspn(p, i < 2 ? "/" : "@");

		snprintf(parts[i], TRI_SIG_MAX, "%.*s", (int)l, p);
		p += l;
		if (*p)
			p++;
	}
	snprintf(parts[3], TRI_SIG_MAX, "%s", p);
}

static int write_index_txt(struct triage *t)
{
	char path[PATH_MAX], *buf = NULL;
	size_t len = 0, nnew = 0, nun = 0;
	FILE *f = open_memstream(&buf, &len);
	int ret;

	if (!f)
		return -1;
	for (size_t i = 0; i < t->nb; i++)
		nnew += bucket_class(&t->b[i]) == 0;
	for (size_t i = 0; i < t->nin; i++)
		nun += t->in[i].status != IN_BUCKET;
	fprintf(f, "# msilab triage: %zu bucket%s (%zu new), %zu input%s, %zu not reproduced\n", t->nb,
		t->nb == 1 ? "" : "s", nnew, t->nin, t->nin == 1 ? "" : "s", nun);
	fprintf(f, "# BUG\tINPUTS\tOPS\tFROM\tCALLS\tSIGNATURE\tDIR\n");
	for (size_t i = 0; i < t->nb; i++) {
		const struct bucket *b = &t->b[i];

		if (b->done)
			fprintf(f, "%s\t%zu\t%u\t%u\t%" PRIu64 "\t%s\t%s\n", bucket_label(b), bucket_inputs(t, b),
				b->st.ops_out, b->st.ops_prefix, b->st.calls, b->sig, b->dir);
		else
			fprintf(f, "%s\t%zu\t-\t-\t-\t%s\t%s\n", bucket_label(b), bucket_inputs(t, b), b->sig,
				b->dir);
	}
	for (size_t i = 0; i < t->nb; i++) {
		const struct bucket *b = &t->b[i];
		const struct msilab_bug *bug = b->bug[0] ? msilab_bug_find(b->bug) : NULL;

		fprintf(f, "\n%s %s\n", bucket_label(b), b->sig);
		if (bug) {
			fprintf(f, "  %s\n  versions: %s\n  upstream: %s\n", bug->title, bug->affected, bug->upstream);
		} else if (bucket_class(b) == 0) {
			fprintf(f, "  not in the known-bug catalogue\n");
		}
		if (b->done)
			fprintf(f, "  reproducer: %s/repro.mlog, %u operation%s (from %u up to the violation, %u "
				"in the input), %u device%s, %" PRIu64 " oracle calls\n", b->dir, b->st.ops_out,
				b->st.ops_out == 1 ? "" : "s", b->st.ops_prefix, b->st.ops_in, b->st.devs_out,
				b->st.devs_out == 1 ? "" : "s", b->st.calls);
		else if (b->note[0])
			fprintf(f, "  %s: %s\n", b->status, b->note);
		for (size_t k = 0; k < t->nin; k++) {
			const struct input *x = &t->in[k];

			if (x->status == IN_BUCKET && !strcmp(x->sig, b->sig))
				fprintf(f, "  %s %s %s\n", x->engine, x->kind, x->path);
		}
	}
	if (nun) {
		fprintf(f, "\nnot reproduced:\n");
		for (size_t k = 0; k < t->nin; k++) {
			const struct input *x = &t->in[k];

			if (x->status != IN_BUCKET)
				fprintf(f, "  %s %s %s: %s\n", x->engine, x->kind, x->path, x->reason);
		}
	}
	if (fclose(f)) {
		free(buf);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/index.txt", t->out);
	ret = write_file(path, buf, len);
	free(buf);
	return ret;
}

static void json_kv(FILE *f, const char *key, const char *val, bool comma)
{
	fprintf(f, "%s\"%s\":", comma ? "," : "", key);
	if (val)
		json_string(f, val);
	else
		fputs("null", f);
}

static int write_index_json(struct triage *t)
{
	char path[PATH_MAX], *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	bool first = true;
	int ret;

	if (!f)
		return -1;
	fprintf(f, "{\"version\":1,\"buckets\":[");
	for (size_t i = 0; i < t->nb; i++) {
		const struct bucket *b = &t->b[i];
		const struct msilab_bug *bug = b->bug[0] ? msilab_bug_find(b->bug) : NULL;
		char parts[4][TRI_SIG_MAX], file[PATH_MAX];
		bool fst = true;

		sig_parts(b->sig, parts);
		fprintf(f, "%s\n{", i ? "," : "");
		json_kv(f, "signature", b->sig, false);
		json_kv(f, "invariant", parts[0], true);
		json_kv(f, "function", parts[1], true);
		json_kv(f, "object", parts[2], true);
		json_kv(f, "profile", parts[3], true);
		json_kv(f, "status", bucket_class(b) == 2 ? bucket_label(b) : bug ? "known" : "new", true);
		json_kv(f, "bug", bug ? bug->id : NULL, true);
		json_kv(f, "title", bug ? bug->title : NULL, true);
		json_kv(f, "versions", bug ? bug->affected : NULL, true);
		json_kv(f, "upstream", bug ? bug->upstream : NULL, true);
		json_kv(f, "dir", b->dir, true);
		if (b->done) {
			fprintf(f, ",\"reproducer\":");
			snprintf(file, sizeof(file), "%s/repro.mlog", b->dir);
			json_string(f, file);
			fprintf(f, ",\"operations\":%u,\"operations_to_violation\":%u,\"operations_in_input\":%u,"
				"\"devices\":%u,\"devices_in_input\":%u,\"values_simplified\":%u,"
				"\"oracle_calls\":%" PRIu64 ",\"rounds\":%u", b->st.ops_out, b->st.ops_prefix,
				b->st.ops_in, b->st.devs_out, b->st.devs_in, b->st.values, b->st.calls,
				b->st.rounds);
			fprintf(f, ",\"reports\":[");
			{
				static const char *const rep[] = { "report.txt", "report.json", "report.html",
								   "repro_kunit.c" };
				bool c = false;

				for (size_t k = 0; k < 4; k++) {
					char p2[PATH_MAX * 2];

					snprintf(p2, sizeof(p2), "%s/%s/%s", t->out, b->dir, rep[k]);
					if (!exists(p2))
						continue;
					snprintf(file, sizeof(file), "%s/%s", b->dir, rep[k]);
					fputs(c ? "," : "", f);
					json_string(f, file);
					c = true;
				}
			}
			fputc(']', f);
		} else {
			json_kv(f, "reproducer", NULL, true);
			json_kv(f, "note", b->note[0] ? b->note : NULL, true);
		}
		fprintf(f, ",\"inputs\":[");
		for (size_t k = 0; k < t->nin; k++) {
			const struct input *x = &t->in[k];

			if (x->status != IN_BUCKET || strcmp(x->sig, b->sig))
				continue;
			fprintf(f, "%s{", fst ? "" : ",");
			json_kv(f, "path", x->path, false);
			snprintf(file, sizeof(file), "%s/inputs/%s%s", b->dir, x->hash, x->is_mlog ? ".mlog" : "");
			json_kv(f, "copy", file, true);
			json_kv(f, "engine", x->engine, true);
			json_kv(f, "kind", x->kind, true);
			json_kv(f, "target", x->target[0] ? x->target : NULL, true);
			fprintf(f, ",\"operations_to_violation\":%u", x->nops);
			fprintf(f, ",\"representative\":%s", !strcmp(x->hash, b->rep) ? "true" : "false");
			fputc('}', f);
			fst = false;
		}
		fprintf(f, "]}");
	}
	fprintf(f, "\n],\"not_reproduced\":[");
	for (size_t k = 0; k < t->nin; k++) {
		const struct input *x = &t->in[k];

		if (x->status == IN_BUCKET)
			continue;
		fprintf(f, "%s\n{", first ? "" : ",");
		json_kv(f, "path", x->path, false);
		json_kv(f, "engine", x->engine, true);
		json_kv(f, "kind", x->kind, true);
		json_kv(f, "reason", x->reason, true);
		fputc('}', f);
		first = false;
	}
	fprintf(f, "\n]}\n");
	if (fclose(f)) {
		free(buf);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/index.json", t->out);
	ret = write_file(path, buf, len);
	free(buf);
	return ret;
}

/* ---- the command ---- */

void cmd_triage_usage(FILE *f)
{
	fprintf(f, "usage: msilab triage -o OUT [--kernel V] [--set SW=on|off]... [--target T]\n"
		"                     [--stop LIST] [--timeout S] [--max-steps N] [-q] DIR...\n\n"
		"Sort crashing inputs into distinct bugs.  DIR is a libFuzzer artifact directory\n"
		"(crash-*, timeout-*), an AFL++ output directory (crashes/, hangs/), a msilab fuzz\n"
		"WORKDIR (findings/, artifacts/, afl/), or any directory of fuzz inputs and .mlog\n"
		"files.  Every input is replayed in a child process under a CPU limit; fuzz bytes\n"
		"are decoded as the target that found them did (read from the campaign's\n"
		"state.txt or AFL++'s fuzzer_stats; default fuzz_model).  Inputs are grouped by\n"
		"signature (invariant/function/object@profile: replay/README.md), each group is\n"
		"matched against the known-bug catalogue and minimized (msilab minimize).\n\n"
		"OUT gets one folder per signature (repro.mlog, original.mlog, inputs/, reports),\n"
		"index.txt, index.json and state.tsv.  Run again with more inputs: only the new\n"
		"inputs are replayed and only new buckets minimized.\n\n"
		"  -o, --output OUT   the triage directory (created; reused when it exists)\n"
		"  -k, --kernel V     replay every input on profile V\n"
		"  -s, --set SW=on|off  a switch on top of the profile (repeatable)\n"
		"  -t, --target T     decode fuzz bytes as target T:");
	for (const char *const *t = fz_targets; *t; t++)
		fprintf(f, " %s", *t);
	fprintf(f, "\n"
		"      --stop LIST    the violations that count (B1,B3,new; default: the first\n"
		"                     violation; fuzz_model_616 inputs: new)\n"
		"      --timeout S    CPU seconds per replay (default 10; a longer run is a hang),\n"
		"                     x30 per minimization\n"
		"      --max-steps N  step bound of a .mlog input (default %u; fuzz inputs have at\n"
		"                     most %d operations): a hang input still running there is a\n"
		"                     HANG bucket, one that ends sooner does not reproduce\n"
		"  -q, --quiet        no summary on stdout\n"
		"  -h, --help         this text\n\n"
		"Exit status: 0 no bucket, 1 buckets, 2 usage or unreadable directory.\n",
		TRI_MAX_STEPS, FZ_MAX_OPS);
}

static struct prev_input *prev_find(struct prev_input *prev, size_t n, const char *path, const char *hash,
				    const char *ctx)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(prev[i].hash, hash) && !strcmp(prev[i].ctx, ctx) && (!path || !strcmp(prev[i].path, path)))
			return &prev[i];
	return NULL;
}

static enum in_status status_of(const char *s)
{
	return !strcmp(s, "bucket") ? IN_BUCKET : !strcmp(s, "clean") ? IN_CLEAN : IN_BAD;
}

/* The representative of a bucket: fewest operations to the violation, then content hash. */
static struct input *pick_rep(struct triage *t, const struct bucket *b)
{
	struct input *best = NULL;

	for (size_t i = 0; i < t->nin; i++) {
		struct input *x = &t->in[i];

		if (x->status != IN_BUCKET || strcmp(x->sig, b->sig) || !x->seen)
			continue;
		if (!best || x->nops < best->nops || (x->nops == best->nops && strcmp(x->hash, best->hash) < 0))
			best = x;
	}
	return best;
}

static int copy_input(struct triage *t, const struct bucket *b, const struct input *x)
{
	char path[PATH_MAX * 2];
	uint8_t *data;
	size_t len;
	int ret;

	snprintf(path, sizeof(path), "%s/%s/inputs/%s%s", t->out, b->dir, x->hash, x->is_mlog ? ".mlog" : "");
	if (exists(path))
		return 0;
	data = read_all(x->path, &len);
	if (!data)
		return -1;
	ret = write_file(path, data, len);
	free(data);
	return ret;
}

int cmd_triage(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "set", required_argument, NULL, 's' },
		{ "target", required_argument, NULL, 't' },
		{ "stop", required_argument, NULL, 'S' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "max-steps", required_argument, NULL, 'M' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct triage t = { .timeout = 10 };
	struct prev_input *prev = NULL;
	size_t nprev = 0;
	struct tri_stop st;
	char why[256];
	int c, ret = MSILAB_EXIT_USAGE;

	while ((c = getopt_long(argc, argv, "o:k:s:t:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			t.out = optarg;
			break;
		case 'k': {
			struct ml_profile p;

			if (ml_profile_lookup(optarg, &p)) {
				fprintf(stderr, "msilab triage: unknown kernel profile \"%s\"\n", optarg);
				return MSILAB_EXIT_USAGE;
			}
			t.kernel = optarg;
			break;
		}
		case 's': {
			size_t l = strlen(t.set);
			struct replay_switches sw = { 0, 0 };

			if (replay_parse_set(optarg, &sw, why, sizeof(why)) || l + strlen(optarg) + 2 > sizeof(t.set)) {
				fprintf(stderr, "msilab triage: %s\n", why);
				return MSILAB_EXIT_USAGE;
			}
			snprintf(t.set + l, sizeof(t.set) - l, "%s%s", l ? "," : "", optarg);
			break;
		}
		case 't': {
			struct fz_options o;
			char base[64];
			size_t l = strlen(optarg);

			snprintf(base, sizeof(base), "%.*s", (int)(l > 7 && has_suffix(optarg, "_forced") ? l - 7 : l),
				 optarg);
			if (fz_target_options(base, &o)) {
				fprintf(stderr, "msilab triage: unknown fuzz target \"%s\"\n", optarg);
				return MSILAB_EXIT_USAGE;
			}
			t.target = optarg;
			break;
		}
		case 'S':
			if (tri_stop_parse(optarg, &st, why, sizeof(why))) {
				fprintf(stderr, "msilab triage: %s\n", why);
				return MSILAB_EXIT_USAGE;
			}
			t.stop = optarg;
			break;
		case 'T': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			if (*end || !v || v > 3600) {
				fprintf(stderr, "msilab triage: --timeout %s: expected 1..3600 seconds\n", optarg);
				return MSILAB_EXIT_USAGE;
			}
			t.timeout = (unsigned int)v;
			break;
		}
		case 'M': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			if (*end || !v || v > 100000000ul) {
				fprintf(stderr, "msilab triage: --max-steps %s: expected 1..100000000\n", optarg);
				return MSILAB_EXIT_USAGE;
			}
			t.max_steps = (uint32_t)v;
			break;
		}
		case 'q':
			t.quiet = true;
			break;
		case 'h':
			cmd_triage_usage(stdout);
			return MSILAB_EXIT_OK;
		default:
			cmd_triage_usage(stderr);
			return MSILAB_EXIT_USAGE;
		}
	}
	if (!t.out || optind >= argc) {
		cmd_triage_usage(stderr);
		return MSILAB_EXIT_USAGE;
	}
	t.min_timeout = t.timeout * 30;
	if (mkdir_p(t.out)) {
		fprintf(stderr, "%s: error: cannot create: %s\n", t.out, strerror(errno));
		return MSILAB_EXIT_USAGE;
	}
	if (!realpath(t.out, t.out_real))
		t.out_real[0] = '\0';
	if (state_load(&t, &prev, &nprev))
		goto out;
	for (int i = optind; i < argc; i++) {
		char dir[PATH_MAX];
		size_t l;
		struct stat sb;

		snprintf(dir, sizeof(dir), "%s", argv[i]);
		for (l = strlen(dir); l > 1 && dir[l - 1] == '/'; l--)
			dir[l - 1] = '\0';
		if (stat(dir, &sb)) {
			fprintf(stderr, "%s: error: %s\n", dir, strerror(errno));
			goto out;
		}
		if (!S_ISDIR(sb.st_mode)) {
			fprintf(stderr, "%s: error: not a directory (msilab minimize takes one file)\n", dir);
			goto out;
		}
		if (walk(&t, dir, 0))
			goto out;
	}
	/* the same file reached twice (overlapping DIRs) counts once */
	if (t.nin)
		qsort(t.in, t.nin, sizeof(*t.in), cmp_input);
	for (size_t i = 1; i < t.nin;) {
		if (!strcmp(t.in[i].path, t.in[i - 1].path)) {
			free(t.in[i].path);
			memmove(&t.in[i], &t.in[i + 1], (t.nin - i - 1) * sizeof(*t.in));
			t.nin--;
		} else {
			i++;
		}
	}
	/* replay what is new */
	for (size_t i = 0; i < t.nin; i++) {
		struct input *x = &t.in[i];
		struct prev_input *p;
		uint8_t *data;
		size_t len;

		data = read_all(x->path, &len);
		if (!data) {
			x->status = IN_BAD;
			snprintf(x->reason, sizeof(x->reason), "cannot read: %s", strerror(errno));
			continue;
		}
		tri_hash(data, len, x->hash);
		x->is_mlog = tri_is_mlog(data, len);
		free(data);
		if (x->is_mlog)
			snprintf(x->ctx, sizeof(x->ctx), "mlog;kernel=%s;set=%s;stop=%s;max=%u", x->kernel, x->set,
				 x->stop, x->max_steps ? x->max_steps : TRI_MAX_STEPS);
		else
			snprintf(x->ctx, sizeof(x->ctx), "%s;kernel=%s;set=%s;stop=%s",
				 x->target[0] ? x->target : "fuzz_model", x->kernel, x->set, x->stop);
		p = prev_find(prev, nprev, x->path, x->hash, x->ctx);
		if (!p)
			p = prev_find(prev, nprev, NULL, x->hash, x->ctx);
		if (p) {
			x->status = status_of(p->status);
			snprintf(x->sig, sizeof(x->sig), "%s", p->sig);
			snprintf(x->bug, sizeof(x->bug), "%s", p->bug);
			snprintf(x->reason, sizeof(x->reason), "%s", p->reason);
			x->nops = (uint32_t)strtoul(p->nops, NULL, 10);
			continue;
		}
		/* same content and decoding seen earlier in this run */
		for (size_t k = 0; k < i; k++) {
			if (!strcmp(t.in[k].hash, x->hash) && !strcmp(t.in[k].ctx, x->ctx)) {
				x->status = t.in[k].status;
				snprintf(x->sig, sizeof(x->sig), "%s", t.in[k].sig);
				snprintf(x->bug, sizeof(x->bug), "%s", t.in[k].bug);
				snprintf(x->reason, sizeof(x->reason), "%s", t.in[k].reason);
				x->nops = t.in[k].nops;
				goto next;
			}
		}
		evaluate(&t, x);
next:;
	}
	/* inputs of earlier runs that this run did not see stay in the index */
	for (size_t i = 0; i < nprev; i++) {
		struct prev_input *p = &prev[i];
		struct input *x;
		bool found = false;

		for (size_t k = 0; k < t.nin && !found; k++)
			found = !strcmp(t.in[k].path, p->path) && !strcmp(t.in[k].ctx, p->ctx);
		if (found)
			continue;
		x = input_add(&t);
		if (!x)
			break;
		x->path = strdup(p->path);
		snprintf(x->hash, sizeof(x->hash), "%s", p->hash);
		snprintf(x->ctx, sizeof(x->ctx), "%s", p->ctx);
		snprintf(x->kind, sizeof(x->kind), "%s", p->kind);
		snprintf(x->engine, sizeof(x->engine), "%s", p->engine);
		x->status = status_of(p->status);
		snprintf(x->sig, sizeof(x->sig), "%s", p->sig);
		snprintf(x->bug, sizeof(x->bug), "%s", p->bug);
		snprintf(x->reason, sizeof(x->reason), "%s", p->reason);
		x->nops = (uint32_t)strtoul(p->nops, NULL, 10);
		x->is_mlog = has_prefix(p->ctx, "mlog;");
	}
	if (t.nin)
		qsort(t.in, t.nin, sizeof(*t.in), cmp_input);
	/* buckets */
	for (size_t i = 0; i < t.nin; i++) {
		struct input *x = &t.in[i];
		struct bucket *b;

		if (x->status != IN_BUCKET)
			continue;
		b = bucket_find(&t, x->sig);
		if (!b) {
			b = bucket_add(&t, x->sig);
			if (!b)
				goto out;
			snprintf(b->bug, sizeof(b->bug), "%s", x->bug);
		}
	}
	if (t.nb)
		qsort(t.b, t.nb, sizeof(*t.b), cmp_bucket);
	for (size_t i = 0; i < t.nb; i++) {
		struct bucket *b = &t.b[i];
		char dir[PATH_MAX], repro[PATH_MAX + 16];
		struct input *rep;

		snprintf(dir, sizeof(dir), "%s/%s/inputs", t.out, b->dir);
		if (mkdir_p(dir)) {
			fprintf(stderr, "%s: error: cannot create: %s\n", dir, strerror(errno));
			goto out;
		}
		for (size_t k = 0; k < t.nin; k++)
			if (t.in[k].status == IN_BUCKET && !strcmp(t.in[k].sig, b->sig) && t.in[k].seen &&
			    copy_input(&t, b, &t.in[k]))
				fprintf(stderr, "%s: warning: not copied into %s/inputs\n", t.in[k].path, b->dir);
		snprintf(repro, sizeof(repro), "%s/%s/repro.mlog", t.out, b->dir);
		if (b->done && exists(repro)) {
			complete_reports(&t, b);
			continue;
		}
		if (bucket_class(b) == 2) {
			snprintf(b->status, sizeof(b->status), "%s", has_prefix(b->sig, "HANG/") ? "hang" : "crash");
			snprintf(b->note, sizeof(b->note), "not minimized (no violation to keep): %s",
				 has_suffix(b->sig, "/step_bound") || strstr(b->sig, "/step_bound@") ?
				 "still running at the step bound (--max-steps)" :
				 has_prefix(b->sig, "HANG/") ? "the replay did not finish within the CPU limit "
				 "(--timeout)" : "the replay process crashed: a bug in msilab's model");
			rep = pick_rep(&t, b);
			if (rep)
				snprintf(b->rep, sizeof(b->rep), "%s", rep->hash);
			continue;
		}
		rep = pick_rep(&t, b);
		if (!rep) {
			snprintf(b->status, sizeof(b->status), "failed");
			snprintf(b->note, sizeof(b->note), "no input of this run to minimize");
			continue;
		}
		snprintf(b->rep, sizeof(b->rep), "%s", rep->hash);
		snprintf(b->bug, sizeof(b->bug), "%s", rep->bug);
		if (!t.quiet)
			fprintf(stderr, "msilab triage: minimizing %s (%s)\n", b->sig, rep->path);
		process_bucket(&t, b, rep);
	}
	if (state_save(&t) || write_index_txt(&t) || write_index_json(&t)) {
		fprintf(stderr, "%s: error: cannot write the index: %s\n", t.out, strerror(errno));
		goto out;
	}
	if (!t.quiet) {
		char path[PATH_MAX];
		size_t len;
		uint8_t *txt;

		snprintf(path, sizeof(path), "%s/index.txt", t.out);
		txt = read_all(path, &len);
		if (txt) {
			/* the table; the details are in the file */
			size_t end = 0;

			while (end + 1 < len && !(txt[end] == '\n' && txt[end + 1] == '\n'))
				end++;
			fwrite(txt, 1, end + 1 < len ? end + 1 : len, stdout);
			printf("details: %s\n", path);
			free(txt);
		}
	}
	ret = t.nb ? MSILAB_EXIT_FOUND : MSILAB_EXIT_OK;
out:
	for (size_t i = 0; i < t.nin; i++)
		free(t.in[i].path);
	free(t.in);
	free(t.b);
	free(prev);
	return ret;
}
