// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_fuzz.c - "msilab fuzz WORKDIR": a fuzz campaign of the model on N
 * cores with libFuzzer (-fork=N) or AFL++ (one -M, N-1 -S, the custom
 * mutator), resumable from WORKDIR:
 *
 *   WORKDIR/corpus/        the engine's corpus (libFuzzer)
 *   WORKDIR/afl/           the engine's output directory (AFL++)
 *   WORKDIR/artifacts/     libFuzzer's crash files, collected and removed
 *   WORKDIR/findings/      one SIG-HASH.input (+ .mlog reproducer) per
 *                          crashing input, index.txt over all of them
 *   WORKDIR/state.txt      counters carried over between sessions
 *   WORKDIR/engine.log     what the engine printed
 *
 * Every file under findings/ and state.txt is written under a temporary
 * name and renamed into place, a finding as soon as it is seen: killing
 * msilab loses no finding it has reported.  SIGINT/SIGTERM stop the engine
 * (SIGINT to its process group), collect what it left and write the state.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "fuzz_campaign.h"

#define FZC_MAX_JOBS	64
#define FZC_MAX_SEEDS	16
#define FZC_GRACE	20	/* seconds the engine gets to stop by itself */

enum engine { ENG_LIBFUZZER, ENG_AFL };

/* One crashing input, a line of findings/index.txt. */
struct finding {
	char hash[17];
	char sig[160];
	char file[96];		/* under findings/, "-": counted, not kept (--keep) */
	char context[64];	/* catalogued bugs hit before it: "after B10" */
	char line[400];		/* the abort line */
};

struct campaign {
	/* configuration */
	enum engine engine;
	unsigned int jobs;
	long seconds;			/* 0: until SIGINT */
	const char *kernel;
	char set[256];
	struct fzc_force force;
	bool forced;
	const char *target_opt;		/* --target */
	const char *workdir;
	const char *stop;		/* --stop: MSILAB_FUZZ_STOP */
	long seed_value;		/* --seed, -1: the engine's choice */
	unsigned int keep;		/* inputs kept per signature */
	unsigned int interval;		/* status period off a terminal */
	bool quiet, tty;
	char target[PATH_MAX];		/* the engine's binary */
	char mutator[PATH_MAX];		/* AFL++ custom mutator library */
	char base[64];			/* the decoder options (fz_target_options()) */
	struct fz_options opts;
	char srcdir[PATH_MAX];
	char dict[PATH_MAX];
	const char *seed[FZC_MAX_SEEDS];
	unsigned int nseed;
	char seedbuf[2][PATH_MAX];
	/* run time */
	pid_t pid[FZC_MAX_JOBS];
	unsigned int npid;
	pid_t pgid;
	int errfd;
	FILE *log;
	char linebuf[4096];
	size_t linelen;
	struct fzc_state st;		/* as loaded */
	struct fzc_engine_status es;
	uint64_t afl_execs0;
	bool engine_running;		/* between start and the end of the engine */
	time_t start;
	struct finding *f;
	size_t nf, capf;
	bool index_dirty;
	struct ml_ctx *ctx;
	struct fz_scenario *sc;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

void cmd_fuzz_usage(FILE *f)
{
	fprintf(f, "usage: msilab fuzz [--engine libfuzzer|afl] [--jobs N] [--time T] [--kernel V]\n"
		"                   [--set SWITCH=on|off]... [--target PATH] [options] WORKDIR\n\n"
		"Fuzz the model: random scenarios, every invariant checked after every step.\n"
		"A campaign runs in WORKDIR and resumes from it (corpus, findings, counters).\n\n"
		"  -e, --engine E      libfuzzer (default: -fork=N) or afl (AFL++: one -M, N-1 -S,\n"
		"                      the structure-aware custom mutator)\n"
		"  -j, --jobs N        fuzzing processes (default 1)\n"
		"  -t, --time T        stop after T (20, 20s, 30m, 2h; default: until Ctrl-C)\n"
		"  -k, --kernel V      the profile: 6.15 -> fuzz_model_615 (stops on every violation),\n"
		"                      6.16 -> fuzz_model_616 (stops on violations with no catalogued\n"
		"                      bug), others -> fuzz_model_forced; default: fuzz_model, the\n"
		"                      profile and switch toggles from the input\n"
		"  -s, --set SW=on|off force a model switch (repeatable; switches the fuzz decoder\n"
		"                      toggles: ITS_EVENTID_CLAMP PCIM_ALLOC_IRQ_VECTORS\n"
		"                      PCIM_MSI_RELEASE_BY_FLAG ITS_EXACT_EVENTID_COUNT\n"
		"                      ITS_TEARDOWN_BY_DEVID); uses the *_forced targets\n"
		"      --target PATH   the target binary (default: found in the build trees next\n"
		"                      to msilab: BUILD/fuzz/, BUILD/../fuzz/fuzz/)\n"
		"      --stop LIST     MSILAB_FUZZ_STOP for the target (B1,B3,new; empty: nothing)\n"
		"      --seeds DIR     more seed inputs (repeatable; default fuzz/seeds/model of\n"
		"                      the source tree, and fuzz/seeds/model-bugs for 6.16)\n"
		"      --dict FILE     engine dictionary (default fuzz/msilab.dict)\n"
		"      --keep N        crashing inputs kept per signature (default 20; the others\n"
		"                      are counted in findings/index.txt)\n"
		"      --interval S    status period when stderr is not a terminal (default 10)\n"
		"      --seed N        the engine's random seed (libFuzzer -seed, AFL++ -s)\n"
		"  -q, --quiet         no status lines\n"
		"  -h, --help          this text\n\n"
		"WORKDIR: corpus/, artifacts/ (libFuzzer), afl/ (AFL++), findings/ (one\n"
		"SIG-HASH.input and .mlog per crashing input, index.txt), state.txt (total\n"
		"execs, time, crashes, signatures), engine.log.  A signature is the\n"
		"invariant, the catalogued bug (or \"new\") and the profile of the abort line.\n"
		"Findings are renamed into place as soon as seen; SIGINT stops the engine,\n"
		"collects its last findings and writes state.txt.\n\n"
		"Exit status: 0 no finding, 1 findings (in WORKDIR), 2 usage or the engine\n"
		"could not run.\n");
}

/* ---- small helpers ---- */

/* snprintf(); paths and lines that do not fit are cut, never overflow */
static int fmt(char *buf, size_t n, const char *f, ...) __attribute__((format(printf, 3, 4)));

static int fmt(char *buf, size_t n, const char *f, ...)
{
	va_list ap;
	int ret;

	va_start(ap, f);
	ret = vsnprintf(buf, n, f, ap);
	va_end(ap);
	return ret;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cloexec_pipe(int fds[2])
{
	if (pipe(fds))
		return -1;
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	return 0;
}

static int mkdir_p(const char *path)
{
	char buf[PATH_MAX];

	fmt(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		return -1;
	return 0;
}

static bool is_exec(const char *path)
{
	struct stat sb;

	return !stat(path, &sb) && S_ISREG(sb.st_mode) && !access(path, X_OK);
}

static bool is_dir(const char *path)
{
	struct stat sb;

	return !stat(path, &sb) && S_ISDIR(sb.st_mode);
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;

	*len = 0;
	if (!f)
		return NULL;
	buf = msilab_read_stream(f, SIZE_MAX, len);
	fclose(f);
	return buf;
}

/* The directory of the running msilab binary. */
static int self_dir(char *buf, size_t n)
{
	ssize_t len = readlink("/proc/self/exe", buf, n - 1);
	char *slash;

	if (len <= 0)
		return -1;
	buf[len] = '\0';
	slash = strrchr(buf, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	return 0;
}

/* CMAKE_HOME_DIRECTORY of the build tree @dir into @out: 0 or -1. */
static int source_of_build(const char *dir, char *out, size_t n)
{
	char path[PATH_MAX], line[PATH_MAX + 64];
	static const char key[] = "CMAKE_HOME_DIRECTORY:INTERNAL=";
	FILE *f;
	int ret = -1;

	fmt(path, sizeof(path), "%s/CMakeCache.txt", dir);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, sizeof(key) - 1))
			continue;
		line[strcspn(line, "\n")] = '\0';
		fmt(out, n, "%s", line + sizeof(key) - 1);
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

/* ---- target selection ---- */

/*
 * The target name for the configuration: fuzz_model_615 / fuzz_model_616
 * for a pure 6.15 / 6.16, fuzz_model_616_forced for 6.16 with switches,
 * fuzz_model_forced for the other profiles, fuzz_model without --kernel.
 */
static void pick_target(struct campaign *c, char *name, size_t n)
{
	bool is616 = c->kernel && !strcmp(c->kernel, "6.16");

	c->forced = c->force.mask || (c->kernel && strcmp(c->kernel, "6.15") && !is616);
	if (c->forced)
		fmt(c->base, sizeof(c->base), "%s", is616 ? "fuzz_model_616" : "fuzz_model");
	else if (c->kernel)
		fmt(c->base, sizeof(c->base), "fuzz_model_%s", is616 ? "616" : "615");
	else
		fmt(c->base, sizeof(c->base), "fuzz_model");
	fmt(name, n, "%s%s%s", c->engine == ENG_AFL ? "afl_" : "", c->base,
		 c->forced ? "_forced" : "");
}

static int find_target(struct campaign *c)
{
	char name[96], self[PATH_MAX], tried[4 * PATH_MAX] = "";
	const char *sub = c->engine == ENG_AFL ? "fuzz/afl" : "fuzz";
	static const char *const trees[] = { ".", "../fuzz", "../clang" };
	size_t len = 0;

	pick_target(c, name, sizeof(name));
	if (c->target_opt) {
		const char *b = strrchr(c->target_opt, '/');

		fmt(c->target, sizeof(c->target), "%s", c->target_opt);
		if (!is_exec(c->target)) {
			fprintf(stderr, "msilab fuzz: --target %s: not an executable file\n", c->target);
			return -1;
		}
		b = b ? b + 1 : c->target_opt;
		if (strstr(b, "_forced"))
			c->forced = true;
		if (!strcmp(b, name) || !strncmp(b, name, strlen(name)))
			return 0;
		fprintf(stderr, "msilab fuzz: warning: --target %s: expected a %s binary for this "
			"configuration; decoding findings as %s\n", b, name, c->base);
		return 0;
	}
	if (self_dir(self, sizeof(self))) {
		fprintf(stderr, "msilab fuzz: cannot find the msilab binary's directory; use --target PATH\n");
		return -1;
	}
	for (size_t i = 0; i < sizeof(trees) / sizeof(trees[0]); i++) {
		char tree[PATH_MAX + 16];

		fmt(tree, sizeof(tree), "%s/%s", self, trees[i]);
		fmt(c->target, sizeof(c->target), "%s/%s/%s", tree, sub, name);
		if (is_exec(c->target)) {
			if (!c->srcdir[0])
				source_of_build(tree, c->srcdir, sizeof(c->srcdir));
			if (c->engine == ENG_AFL)
				fmt(c->mutator, sizeof(c->mutator), "%s/%s/libmsilab_afl_mutator.so",
					 tree, sub);
			return 0;
		}
		len += (size_t)fmt(tried + len, sizeof(tried) - len, "\n  %s", c->target);
		if (len >= sizeof(tried))
			len = sizeof(tried) - 1;
	}
	fprintf(stderr, "msilab fuzz: no %s target %s in the build trees next to msilab; tried:%s\n"
		"%s, or pass --target PATH\n", c->engine == ENG_AFL ? "AFL++" : "libFuzzer", name,
		tried, c->engine == ENG_AFL ?
		"build the AFL++ harnesses (afl-clang-fast installed): cmake --build --preset fuzz" :
		"build the fuzz preset (clang): cmake --preset fuzz && cmake --build --preset fuzz");
	return -1;
}

/* ---- findings ---- */

static void index_path(const struct campaign *c, char *buf, size_t n)
{
	fmt(buf, n, "%s/findings/index.txt", c->workdir);
}

static struct finding *finding_add(struct campaign *c)
{
	if (c->nf == c->capf) {
		size_t cap = c->capf ? 2 * c->capf : 64;
		struct finding *p = realloc(c->f, cap * sizeof(*p));

		if (!p)
			return NULL;
		c->f = p;
		c->capf = cap;
	}
	memset(&c->f[c->nf], 0, sizeof(c->f[0]));
	return &c->f[c->nf++];
}

static const struct finding *finding_find(const struct campaign *c, const char *hash)
{
	for (size_t i = 0; i < c->nf; i++)
		if (!strcmp(c->f[i].hash, hash))
			return &c->f[i];
	return NULL;
}

static void copy_field(char *dst, size_t n, const char *src, size_t len)
{
	if (len >= n)
		len = n - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* index.txt: HASH \t SIGNATURE \t FILE \t CONTEXT \t ABORT-LINE */
static int index_load(struct campaign *c)
{
	char path[PATH_MAX], line[1024];
	FILE *f;

	index_path(c, path, sizeof(path));
	f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? 0 : -1;
	while (fgets(line, sizeof(line), f)) {
		char *fld[5], *p = line;
		struct finding *x;
		int k;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || !line[0])
			continue;
		for (k = 0; k < 5 && p; k++) {
			fld[k] = p;
			p = strchr(p, '\t');
			if (p)
				*p++ = '\0';
		}
		if (k < 5 || strlen(fld[0]) != 16)
			continue;
		x = finding_add(c);
		if (!x)
			break;
		copy_field(x->hash, sizeof(x->hash), fld[0], strlen(fld[0]));
		copy_field(x->sig, sizeof(x->sig), fld[1], strlen(fld[1]));
		copy_field(x->file, sizeof(x->file), fld[2], strlen(fld[2]));
		if (strcmp(fld[3], "-"))
			copy_field(x->context, sizeof(x->context), fld[3], strlen(fld[3]));
		copy_field(x->line, sizeof(x->line), fld[4], strlen(fld[4]));
	}
	fclose(f);
	return 0;
}

static int sig_index(const struct campaign *c, const char *sig, size_t upto)
{
	for (size_t i = 0; i < upto; i++)
		if (!strcmp(c->f[i].sig, sig))
			return (int)i;
	return -1;
}

static uint64_t count_signatures(const struct campaign *c)
{
	uint64_t n = 0;

	for (size_t i = 0; i < c->nf; i++)
		if (sig_index(c, c->f[i].sig, i) < 0)
			n++;
	return n;
}

static uint64_t count_kept(const struct campaign *c)
{
	uint64_t n = 0;

	for (size_t i = 0; i < c->nf; i++)
		n += strcmp(c->f[i].file, "-") != 0;
	return n;
}

static int index_write(struct campaign *c)
{
	char path[PATH_MAX], *buf;
	size_t cap = 256 + c->nf * sizeof(struct finding), len = 0;
	int ret;

	buf = malloc(cap);
	if (!buf)
		return -1;
	len += (size_t)fmt(buf + len, cap - len,
				"# msilab fuzz findings: HASH\tSIGNATURE\tFILE (- not kept)\tCONTEXT\tABORT LINE\n");
	for (size_t i = 0; i < c->nf; i++) {
		const struct finding *x = &c->f[i];

		len += (size_t)fmt(buf + len, cap - len, "%s\t%s\t%s\t%s\t%s\n", x->hash, x->sig,
					x->file, x->context[0] ? x->context : "-", x->line);
	}
	index_path(c, path, sizeof(path));
	ret = fzc_write_atomic(path, buf, len);
	free(buf);
	if (!ret)
		c->index_dirty = false;
	return ret;
}

/* Make sure the colon-separated list in @var holds @opt ("name=value"). */
static void env_require(const char *var, const char *opt)
{
	const char *cur = getenv(var);
	size_t n = strcspn(opt, "=") + 1;
	char buf[1024];

	if (!cur || !*cur) {
		setenv(var, opt, 1);
		return;
	}
	for (const char *p = cur; *p; p += strcspn(p, ":"), p += *p == ':') {
		if (!strncmp(p, opt, n)) {
			if (strncmp(p, opt, strlen(opt)) || (p[strlen(opt)] && p[strlen(opt)] != ':'))
				fprintf(stderr, "msilab fuzz: warning: %s has %.*s; AFL++ needs %s\n",
					var, (int)strcspn(p, ":"), p, opt);
			return;
		}
	}
	fmt(buf, sizeof(buf), "%s:%s", cur, opt);
	setenv(var, buf, 1);
}

static void set_env(const struct campaign *c)
{
	char buf[256];

	if (c->forced) {
		const struct ml_profile *list;

		ml_profiles(&list);
		if (c->force.profile >= 0)
			setenv("MSILAB_FUZZ_PROFILE", list[c->force.profile].name, 1);
		else
			unsetenv("MSILAB_FUZZ_PROFILE");
		fzc_force_format(&c->force, buf, sizeof(buf));
		setenv("MSILAB_FUZZ_SET", buf, 1);
	}
	if (c->stop)
		setenv("MSILAB_FUZZ_STOP", c->stop, 1);
	/*
	 * Every finding is an abort() whose stack nobody reads (the abort line
	 * is the signature): symbolizing it costs more than the run.
	 */
	setenv("ASAN_OPTIONS", "symbolize=0", 0);
	setenv("UBSAN_OPTIONS", "symbolize=0", 0);
	if (c->engine == ENG_AFL) {
		/*
		 * afl-fuzz refuses to start when these are set without the
		 * options it needs to see a sanitizer report as a crash.
		 */
		env_require("ASAN_OPTIONS", "abort_on_error=1");
		env_require("ASAN_OPTIONS", "symbolize=0");
		env_require("UBSAN_OPTIONS", "halt_on_error=1");
		env_require("UBSAN_OPTIONS", "abort_on_error=1");
		env_require("LSAN_OPTIONS", "symbolize=0");
		setenv("MSILAB_FUZZ_TARGET", c->base, 1);
	}
}

/*
 * Run the target once on @path and return its abort line in @line ("" if
 * none): the signature comes from the binary the engine ran.
 */
static void reproduce(const struct campaign *c, const char *path, char *line, size_t n)
{
	int fds[2];
	pid_t pid;
	char buf[8192];
	size_t len = 0;
	double t0 = now_s();

	line[0] = '\0';
	if (cloexec_pipe(fds))
		return;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return;
	}
	if (!pid) {
		int in = c->engine == ENG_AFL ? open(path, O_RDONLY) : open("/dev/null", O_RDONLY);

		setpgid(0, 0);
		if (in >= 0)
			dup2(in, 0);
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		if (c->engine == ENG_AFL)
			execl(c->target, c->target, (char *)NULL);
		else
			execl(c->target, c->target, "-runs=1", path, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
		ssize_t r;

		if (now_s() - t0 > 30) {
			kill(-pid, SIGKILL);
			break;
		}
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		r = read(fds[0], buf + len, sizeof(buf) - 1 - len);
		if (r <= 0)
			break;
		len += (size_t)r;
		if (len == sizeof(buf) - 1) {	/* keep the head: the abort line comes first */
			char skip[4096];

			while (read(fds[0], skip, sizeof(skip)) > 0)
				;
			break;
		}
	}
	close(fds[0]);
	waitpid(pid, NULL, 0);
	buf[len] = '\0';
	for (char *p = buf; p && *p; p = strchr(p, '\n'), p += p != NULL) {
		size_t l = strcspn(p, "\n");

		if (!strncmp(p, "msilab: ", 8) && l > 8) {
			copy_field(line, n, p, l);
			return;
		}
	}
	for (char *p = buf; p && *p; p = strchr(p, '\n'), p += p != NULL) {
		size_t l = strcspn(p, "\n");

		if (!strncmp(p, "SUMMARY: ", 9) || strstr(p, "ERROR: libFuzzer:")) {
			copy_field(line, n, p, l);
			return;
		}
	}
}

/* Is @tok one of the comma-separated words of @list? */
static bool has_token(const char *list, const char *tok)
{
	size_t n = strlen(tok);

	for (const char *p = list; *p; p += strcspn(p, ","), p += *p == ',')
		if (strcspn(p, ",") == n && !strncmp(p, tok, n))
			return true;
	return false;
}

/*
 * The scenario of @data as the target decoded it; the catalogued bugs hit
 * before step @step in @ctx ("after B10"), from the model itself.
 */
static void decode_and_context(struct campaign *c, const uint8_t *data, size_t len,
			       unsigned int step, char *ctx, size_t n)
{
	struct ml_config cfg;
	size_t l = 0;

	if (c->forced)
		fzc_force_decode(data, len, &c->opts, &c->force, c->sc);
	else
		fz_decode(data, len, &c->opts, c->sc);
	ctx[0] = '\0';
	if (!step || !c->ctx)
		return;
	fz_config(c->sc, &cfg);
	if (ml_ctx_init(c->ctx, &cfg))
		return;
	for (uint32_t i = 0; i + 1 < step && i < c->sc->nops; i++) {
		const struct ml_violation *v;
		unsigned int nv;
		int kret;

		if (ml_apply(c->ctx, &c->sc->op[i], &kret))
			break;
		nv = ml_violations(c->ctx, &v);
		for (unsigned int j = 0; j < nv && j < ML_MAX_VIOL; j++) {
			if (!v[j].bug || (l && has_token(ctx + 6, v[j].bug)))
				continue;
			l += (size_t)fmt(ctx + l, n > l ? n - l : 0, "%s%s", l ? "," : "after ", v[j].bug);
			if (l >= n)
				return;
		}
	}
}

static void slug(const char *sig, char *out, size_t n)
{
	size_t k = 0;

	/* "INV-M1 new 6.16+X" -> "INV-M1-new" */
	for (const char *p = sig; *p && k + 1 < n; p++) {
		if (*p == ' ') {
			if (p != sig && strchr(p + 1, ' ') == NULL)
				break;
			out[k++] = '-';
		} else {
			out[k++] = *p;
		}
	}
	out[k] = '\0';
}

/*
 * One crashing input: its signature, the finding files renamed into place.
 * 1 if it was new, 0 if already known (or an empty file the engine can no
 * longer complete), 2 if not complete yet, -1 on a write error.
 */
static int collect(struct campaign *c, const char *path, const char *kind)
{
	char hash[17], line[400], sig[160], ctx[64] = "", name[96], file[PATH_MAX + 128];
	struct fzc_abort a;
	struct finding *x;
	uint8_t *data;
	size_t len;
	unsigned int same = 0;

	data = read_file(path, &len);
	if (!data)
		return -1;
	/*
	 * The engines create a crash file, then write it: an empty one is
	 * being written (taken at the next scan), or was cut short by a
	 * kill once the engine is gone.  No model target crashes on the
	 * empty input (no operation).
	 */
	if (!len) {
		free(data);
		return c->engine_running ? 2 : 0;
	}
	fzc_hash(data, len, hash);
	if (finding_find(c, hash)) {
		free(data);
		return 0;
	}
	reproduce(c, path, line, sizeof(line));
	if (!fzc_parse_abort(line, &a)) {
		fzc_signature(&a, sig, sizeof(sig));
		decode_and_context(c, data, len, a.step, ctx, sizeof(ctx));
	} else {
		/*
		 * No abort line: a sanitizer report, libFuzzer's own (timeout,
		 * oom, leak), or nothing when run alone (a job killed while
		 * stopping, or state carried over between inputs).
		 */
		fmt(sig, sizeof(sig), "%s %s", strstr(line, "SUMMARY: ") ? "SANITIZER" :
		    !line[0] ? "UNREPRODUCED" : strcmp(kind, "crash") ? kind : "CRASH",
		    c->kernel ? c->kernel : "any");
		if (!line[0])
			fmt(line, sizeof(line), "%s input, not reproduced by a single run", kind);
		for (char *p = sig; *p; p++)
			if (*p == '\t')
				*p = ' ';
		decode_and_context(c, data, len, 0, ctx, sizeof(ctx));
	}
	for (char *p = line; *p; p++)
		if (*p == '\t')
			*p = ' ';
	/* --keep per signature, counted apart for the inputs that hit no catalogued bug first */
	for (size_t i = 0; i < c->nf; i++)
		same += !strcmp(c->f[i].sig, sig) && strcmp(c->f[i].file, "-") &&
			!c->f[i].context[0] == !ctx[0];
	x = finding_add(c);
	if (!x) {
		free(data);
		return -1;
	}
	fmt(x->hash, sizeof(x->hash), "%s", hash);
	fmt(x->sig, sizeof(x->sig), "%s", sig);
	fmt(x->context, sizeof(x->context), "%s", ctx);
	fmt(x->line, sizeof(x->line), "%s", line);
	fmt(x->file, sizeof(x->file), "-");
	c->index_dirty = true;
	if (same < c->keep) {
		char sl[80];
		FILE *m;
		char *mbuf = NULL;
		size_t mlen = 0;

		slug(sig, sl, sizeof(sl));
		fmt(name, sizeof(name), "%s-%s", sl, hash);
		fmt(file, sizeof(file), "%s/findings/%s.input", c->workdir, name);
		if (fzc_write_atomic(file, data, len)) {
			free(data);
			c->nf--;
			return -1;
		}
		/* the reproducer: the scenario the target ran, as .mlog */
		m = open_memstream(&mbuf, &mlen);
		if (m) {
			char origin[600];

			fmt(origin, sizeof(origin), "msilab fuzz finding %s (%s): %s", name, c->base, line);
			int wr = fz_write_mlog(m, c->sc, origin);

			/* the .input is what matters; the .mlog is a convenience */
			if (!fclose(m) && !wr) {
				fmt(file, sizeof(file), "%s/findings/%s.mlog", c->workdir, name);
				fzc_write_atomic(file, mbuf, mlen);
			}
			free(mbuf);
		}
		fmt(x->file, sizeof(x->file), "%s.input", name);
	}
	free(data);
	return 1;
}

static bool artifact_kind(const char *name, char *kind, size_t n)
{
	static const char *const kinds[] = { "crash", "leak", "timeout", "oom" };

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		size_t l = strlen(kinds[i]);

		if (!strncmp(name, kinds[i], l) && name[l] == '-') {
			fmt(kind, n, "%s", kinds[i]);
			return true;
		}
	}
	return false;
}

/* Collect what the engine left: libFuzzer's artifacts/, AFL++'s crashes/. */
static int scan(struct campaign *c)
{
	char dir[PATH_MAX], path[2 * PATH_MAX], kind[16];
	char **done = NULL, **grow;
	size_t ndone = 0;
	int fresh = 0, r;
	DIR *d;
	struct dirent *e;

	if (c->engine == ENG_LIBFUZZER) {
		fmt(dir, sizeof(dir), "%s/artifacts", c->workdir);
		d = opendir(dir);
		if (!d)
			return 0;
		while ((e = readdir(d))) {
			if (!artifact_kind(e->d_name, kind, sizeof(kind))) {
				if (!strncmp(e->d_name, "slow-unit-", 10)) {
					fmt(path, sizeof(path), "%s/%s", dir, e->d_name);
					unlink(path);
				}
				continue;
			}
			fmt(path, sizeof(path), "%s/%s", dir, e->d_name);
			r = collect(c, path, kind);
			if (r < 0 || r == 2)
				continue;
			fresh += r;
			grow = realloc(done, (ndone + 1) * sizeof(*done));
			if (!grow)
				continue;
			done = grow;
			done[ndone++] = strdup(path);
		}
		closedir(d);
	} else {
		DIR *top;
		struct dirent *inst;

		fmt(dir, sizeof(dir), "%s/afl", c->workdir);
		top = opendir(dir);
		if (!top)
			return 0;
		while ((inst = readdir(top))) {
			char cdir[PATH_MAX + 300];

			if (inst->d_name[0] == '.')
				continue;
			fmt(cdir, sizeof(cdir), "%s/%s/crashes", dir, inst->d_name);
			d = opendir(cdir);
			if (!d)
				continue;
			while ((e = readdir(d))) {
				if (strncmp(e->d_name, "id:", 3))
					continue;
				fmt(path, sizeof(path), "%s/%s", cdir, e->d_name);
				if (collect(c, path, "crash") == 1)
					fresh++;
			}
			closedir(d);
		}
		closedir(top);
	}
	/* the index first, then the artifacts go: a kill in between re-collects them */
	if (c->index_dirty && index_write(c))
		fprintf(stderr, "msilab fuzz: %s/findings/index.txt: %s\n", c->workdir, strerror(errno));
	else
		for (size_t i = 0; i < ndone; i++)
			unlink(done[i]);
	for (size_t i = 0; i < ndone; i++)
		free(done[i]);
	free(done);
	return fresh;
}

/* ---- state and status ---- */

static void current_state(const struct campaign *c, struct fzc_state *st, bool final)
{
	*st = c->st;
	st->sessions = c->st.sessions + (final ? 1 : 0);
	st->execs = c->st.execs + c->es.execs;
	st->seconds = c->st.seconds + (uint64_t)(time(NULL) - c->start);
	st->crashes = c->nf;
	st->findings = count_kept(c);
	st->signatures = count_signatures(c);
	fmt(st->engine, sizeof(st->engine), "%s", c->engine == ENG_AFL ? "afl" : "libfuzzer");
	fmt(st->kernel, sizeof(st->kernel), "%s", c->kernel ? c->kernel : "any");
	fmt(st->set, sizeof(st->set), "%s", c->set);
	copy_field(st->target, sizeof(st->target), c->base, strlen(c->base));
	if (c->forced && strlen(st->target) + 7 < sizeof(st->target))
		strcat(st->target, "_forced");
}

static void state_save(const struct campaign *c, bool final)
{
	char path[PATH_MAX];
	struct fzc_state st;

	current_state(c, &st, final);
	fmt(path, sizeof(path), "%s/state.txt", c->workdir);
	if (fzc_state_write(path, &st))
		fprintf(stderr, "msilab fuzz: %s: %s\n", path, strerror(errno));
}

static void afl_poll_stats(struct campaign *c)
{
	char dir[PATH_MAX], path[2 * PATH_MAX];
	uint64_t execs = 0, corpus = 0, crashes = 0, v;
	struct dirent *e;
	DIR *d;

	fmt(dir, sizeof(dir), "%s/afl", c->workdir);
	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		uint64_t x = 0, q = 0, k = 0;

		/* the newer of fuzzer_stats (once a minute) and plot_data (5 s) */
		fmt(path, sizeof(path), "%s/%s/fuzzer_stats", dir, e->d_name);
		if (!fzc_afl_stat(path, "execs_done", &v))
			x = v;
		if (!fzc_afl_stat(path, "corpus_count", &v))
			q = v;
		if (!fzc_afl_stat(path, "saved_crashes", &v))
			k = v;
		fmt(path, sizeof(path), "%s/%s/plot_data", dir, e->d_name);
		if (!fzc_afl_plot(path, "total_execs", &v) && v > x)
			x = v;
		if (!fzc_afl_plot(path, "corpus_count", &v) && v > q)
			q = v;
		if (!fzc_afl_plot(path, "saved_crashes", &v) && v > k)
			k = v;
		execs += x;
		if (q > corpus)
			corpus = q;
		crashes += k;
	}
	closedir(d);
	if (!execs)
		return;
	c->es.execs = execs >= c->afl_execs0 ? execs - c->afl_execs0 : execs;
	c->es.corpus = corpus;
	c->es.crashes = crashes;
	c->es.valid = true;
}

static void status(struct campaign *c, bool last)
{
	struct fzc_state st;
	double el = (double)(time(NULL) - c->start);
	unsigned long t;

	if (c->quiet)
		return;
	current_state(c, &st, false);
	t = (unsigned long)st.seconds;
	fprintf(stderr, "%s[%s %s x%u] %02lu:%02lu:%02lu  execs %" PRIu64 " (%.0f/s)  corpus %" PRIu64
		"  crashes %" PRIu64 "  signatures %" PRIu64 "%s",
		c->tty ? "\r" : "", c->kernel ? c->kernel : "any",
		c->engine == ENG_AFL ? "afl" : "libfuzzer", c->jobs, t / 3600, t / 60 % 60, t % 60,
		st.execs, el > 0 ? (double)c->es.execs / el : 0.0, c->es.corpus, st.crashes,
		st.signatures, c->tty ? "\033[K" : "\n");
	if (c->tty && last)
		fputc('\n', stderr);
	fflush(stderr);
}

/* ---- the engine ---- */

static void engine_lines(struct campaign *c)
{
	char *nl;

	for (;;) {
		ssize_t r = read(c->errfd, c->linebuf + c->linelen, sizeof(c->linebuf) - 1 - c->linelen);

		if (r <= 0)
			break;
		if (c->log)
			fwrite(c->linebuf + c->linelen, 1, (size_t)r, c->log);
		c->linelen += (size_t)r;
		c->linebuf[c->linelen] = '\0';
		while ((nl = strchr(c->linebuf, '\n'))) {
			*nl = '\0';
			fzc_parse_libfuzzer_line(c->linebuf, &c->es);
			c->linelen -= (size_t)(nl + 1 - c->linebuf);
			memmove(c->linebuf, nl + 1, c->linelen + 1);
		}
		if (c->linelen == sizeof(c->linebuf) - 1)
			c->linelen = 0;	/* an endless line: drop it */
	}
	if (c->log)
		fflush(c->log);
}

static pid_t spawn(struct campaign *c, char *const argv[], int outfd)
{
	pid_t pid = fork();
	int nul;

	if (pid)
		return pid;
	setpgid(0, c->pgid);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	nul = open("/dev/null", O_RDONLY);
	if (nul >= 0)
		dup2(nul, 0);
	dup2(outfd, 1);
	dup2(outfd, 2);
	execv(argv[0], argv);
	fprintf(stderr, "msilab fuzz: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static int start_libfuzzer(struct campaign *c, int outfd)
{
	char a_fork[32], a_art[PATH_MAX + 32], a_dict[PATH_MAX + 16], a_time[48], corpus[PATH_MAX];
	char a_seed[32];
	char *argv[16 + FZC_MAX_SEEDS];
	int n = 0;

	fmt(a_fork, sizeof(a_fork), "-fork=%u", c->jobs);
	fmt(a_art, sizeof(a_art), "-artifact_prefix=%s/artifacts/", c->workdir);
	fmt(corpus, sizeof(corpus), "%s/corpus", c->workdir);
	argv[n++] = c->target;
	argv[n++] = a_fork;
	argv[n++] = "-ignore_crashes=1";
	argv[n++] = "-ignore_timeouts=1";
	argv[n++] = "-ignore_ooms=1";
	argv[n++] = "-max_len=4160";
	argv[n++] = a_art;
	if (c->dict[0]) {
		fmt(a_dict, sizeof(a_dict), "-dict=%s", c->dict);
		argv[n++] = a_dict;
	}
	if (c->seconds) {
		fmt(a_time, sizeof(a_time), "-max_total_time=%ld", c->seconds);
		argv[n++] = a_time;
	}
	if (c->seed_value >= 0) {
		fmt(a_seed, sizeof(a_seed), "-seed=%ld", c->seed_value);
		argv[n++] = a_seed;
	}
	argv[n++] = corpus;
	for (unsigned int i = 0; i < c->nseed; i++)
		argv[n++] = (char *)c->seed[i];
	argv[n] = NULL;
	c->pgid = 0;
	c->pid[0] = spawn(c, argv, outfd);
	if (c->pid[0] < 0)
		return -1;
	setpgid(c->pid[0], c->pid[0]);
	c->pgid = c->pid[0];
	c->npid = 1;
	return 0;
}

/* AFL++ wants one seed directory: the seeds are copied into WORKDIR/seeds. */
static int afl_seed_dir(struct campaign *c, char *out, size_t n)
{
	char path[2 * PATH_MAX + 300];
	unsigned int copied = 0;

	fmt(out, n, "%s/seeds", c->workdir);
	if (mkdir_p(out))
		return -1;
	for (unsigned int i = 0; i < c->nseed; i++) {
		DIR *d = opendir(c->seed[i]);
		struct dirent *e;

		if (!d)
			continue;
		while ((e = readdir(d))) {
			uint8_t *data;
			size_t len;

			if (e->d_name[0] == '.')
				continue;
			fmt(path, sizeof(path), "%s/%s", c->seed[i], e->d_name);
			data = read_file(path, &len);
			if (!data)
				continue;
			if (len) {
				char h[17];

				fzc_hash(data, len, h);
				fmt(path, sizeof(path), "%s/%s", out, h);
				copied += !fzc_write_atomic(path, data, len);
			}
			free(data);
		}
		closedir(d);
	}
	if (!copied) {
		uint8_t zero[FZ_OPS_OFFSET] = { 0 };

		fmt(path, sizeof(path), "%s/empty", out);
		return fzc_write_atomic(path, zero, sizeof(zero));
	}
	return 0;
}

static int start_afl(struct campaign *c, int outfd)
{
	char seeds[PATH_MAX], out[PATH_MAX], afl[PATH_MAX], role[32], a_time[32], a_seed[32];
	char *argv[28];

	if (!c->mutator[0] || !is_exec(c->mutator)) {
		const char *slash = strrchr(c->target, '/');

		fmt(c->mutator, sizeof(c->mutator), "%.*s/libmsilab_afl_mutator.so",
			 slash ? (int)(slash - c->target) : 1, slash ? c->target : ".");
	}
	if (access(c->mutator, R_OK)) {
		fprintf(stderr, "msilab fuzz: no AFL++ custom mutator %s\n", c->mutator);
		return -1;
	}
	if (afl_seed_dir(c, seeds, sizeof(seeds)))
		return -1;
	fmt(out, sizeof(out), "%s/afl", c->workdir);
	fmt(a_time, sizeof(a_time), "%ld", c->seconds);
	setenv("AFL_CUSTOM_MUTATOR_LIBRARY", c->mutator, 1);
	setenv("AFL_NO_UI", "1", 1);
	setenv("AFL_AUTORESUME", "1", 1);
	setenv("AFL_SKIP_CPUFREQ", "1", 1);
	setenv("AFL_NO_AFFINITY", "1", 1);
	setenv("AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES", "1", 1);
	setenv("AFL_IGNORE_SEED_PROBLEMS", "1", 1);
	fmt(afl, sizeof(afl), "afl-fuzz");
	c->pgid = 0;
	c->npid = 0;
	for (unsigned int j = 0; j < c->jobs; j++) {
		int n = 0;
		pid_t pid;

		argv[n++] = "/usr/bin/env";
		argv[n++] = afl;
		argv[n++] = j ? "-S" : "-M";
		fmt(role, sizeof(role), j ? "s%u" : "main", j);
		argv[n++] = role;
		argv[n++] = "-i";
		argv[n++] = seeds;
		argv[n++] = "-o";
		argv[n++] = out;
		if (c->dict[0]) {
			argv[n++] = "-x";
			argv[n++] = c->dict;
		}
		if (c->seconds) {
			argv[n++] = "-V";
			argv[n++] = a_time;
		}
		if (c->seed_value >= 0) {
			fmt(a_seed, sizeof(a_seed), "%ld", c->seed_value + j);
			argv[n++] = "-s";
			argv[n++] = a_seed;
		}
		argv[n++] = "--";
		argv[n++] = c->target;
		argv[n] = NULL;
		pid = spawn(c, argv, outfd);
		if (pid < 0)
			return -1;
		if (!c->pgid)
			c->pgid = pid;
		setpgid(pid, c->pgid);
		c->pid[c->npid++] = pid;
	}
	return 0;
}

/* Did every engine process exit?  Reaps them. */
static bool engine_done(struct campaign *c, int *bad, unsigned int *failed)
{
	unsigned int live = 0;

	for (unsigned int i = 0; i < c->npid; i++) {
		int wst;

		if (c->pid[i] <= 0)
			continue;
		if (waitpid(c->pid[i], &wst, WNOHANG) == c->pid[i]) {
			if (WIFEXITED(wst) && WEXITSTATUS(wst) == 127)
				*bad = 1;
			if (!WIFEXITED(wst) || WEXITSTATUS(wst))
				(*failed)++;
			c->pid[i] = 0;
		} else {
			live++;
		}
	}
	return !live;
}

/*
 * The engine's own words on why it stopped (AFL++ "PROGRAM ABORT", libFuzzer
 * "ERROR:"), from engine.log, without terminal escapes.
 */
static void engine_complaint(const struct campaign *c)
{
	char path[PATH_MAX + 16], line[512], out[512];
	unsigned int shown = 0;
	FILE *f;

	fmt(path, sizeof(path), "%s/engine.log", c->workdir);
	f = fopen(path, "r");
	if (!f)
		return;
	while (shown < 4 && fgets(line, sizeof(line), f)) {
		size_t k = 0;

		for (const char *p = line; *p && *p != '\n' && k + 1 < sizeof(out); p++) {
			if (*p == '\033') {	/* ESC [ ... letter, or ESC ( B */
				if (p[1] == '[')
					for (p += 2; *p && !((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')); p++)
						;
				else if (p[1])
					p += 2;
				if (!*p)
					break;
				continue;
			}
			if ((unsigned char)*p >= ' ')
				out[k++] = *p;
		}
		out[k] = 0;
		if (strstr(out, "PROGRAM ABORT") || strstr(out, "ERROR:") || strstr(out, "error:") ||
		    (shown && strstr(out, "Location :")))
			fprintf(stderr, "  engine: %s\n", out + strspn(out, " "));
		else
			continue;
		shown++;
	}
	fclose(f);
}

/* ---- the command ---- */

static int prepare(struct campaign *c)
{
	static const char *const sub[] = { "", "/corpus", "/artifacts", "/findings" };
	char path[PATH_MAX + 32], err[256];
	struct fzc_state st;

	for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		fmt(path, sizeof(path), "%s%s", c->workdir, sub[i]);
		if (mkdir_p(path)) {
			fprintf(stderr, "msilab fuzz: %s: %s\n", path, strerror(errno));
			return -1;
		}
	}
	fmt(path, sizeof(path), "%s/state.txt", c->workdir);
	if (fzc_state_read(path, &st)) {
		fprintf(stderr, "msilab fuzz: %s: malformed\n", path);
		return -1;
	}
	if (st.sessions && (strcmp(st.kernel, c->kernel ? c->kernel : "any") || strcmp(st.set, c->set) ||
			    strcmp(st.engine, c->engine == ENG_AFL ? "afl" : "libfuzzer")))
		fprintf(stderr, "msilab fuzz: warning: %s was a %s campaign on %s%s%s; continuing as this one\n",
			c->workdir, st.engine, st.kernel, st.set[0] ? " with " : "", st.set);
	c->st = st;
	if (index_load(c)) {
		fprintf(stderr, "msilab fuzz: %s/findings/index.txt: %s\n", c->workdir, strerror(errno));
		return -1;
	}
	if (fz_target_options(c->base, &c->opts)) {
		fmt(err, sizeof(err), "no decoder options for %s", c->base);
		fprintf(stderr, "msilab fuzz: %s\n", err);
		return -1;
	}
	fmt(path, sizeof(path), "%s/engine.log", c->workdir);
	c->log = fopen(path, "a");
	c->ctx = malloc(ml_ctx_size());
	c->sc = malloc(sizeof(*c->sc));
	if (!c->sc)
		return -1;
	return 0;
}

static void default_inputs(struct campaign *c, bool user_seeds)
{
	char path[PATH_MAX + 64];

	if (!c->srcdir[0])
		return;
	if (!c->dict[0]) {
		fmt(path, sizeof(path), "%s/fuzz/msilab.dict", c->srcdir);
		if (!access(path, R_OK))
			fmt(c->dict, sizeof(c->dict), "%s", path);
	}
	if (user_seeds)
		return;
	fmt(c->seedbuf[0], sizeof(c->seedbuf[0]), "%s/fuzz/seeds/model", c->srcdir);
	if (is_dir(c->seedbuf[0]) && c->nseed < FZC_MAX_SEEDS)
		c->seed[c->nseed++] = c->seedbuf[0];
	/* the known-bug seeds: only for a target that does not stop on them */
	if (!strcmp(c->base, "fuzz_model_616") && !c->stop) {
		fmt(c->seedbuf[1], sizeof(c->seedbuf[1]), "%s/fuzz/seeds/model-bugs", c->srcdir);
		if (is_dir(c->seedbuf[1]) && c->nseed < FZC_MAX_SEEDS)
			c->seed[c->nseed++] = c->seedbuf[1];
	}
}

static int run(struct campaign *c)
{
	int fds[2], bad = 0;
	unsigned int failed = 0, failed_late = 0;
	double t0, last_status = 0, last_state = 0, last_scan = 0, signaled = 0;
	struct sigaction sa;
	struct fzc_state st;
	uint64_t v;

	/* leftovers of a killed session first */
	scan(c);
	if (c->engine == ENG_AFL) {
		char path[PATH_MAX + 64];

		fmt(path, sizeof(path), "%s/afl/main/fuzzer_stats", c->workdir);
		if (!fzc_afl_stat(path, "execs_done", &v))
			c->afl_execs0 = v;
		/* secondaries: the sum is what is polled */
		c->afl_execs0 = 0;
		afl_poll_stats(c);
		c->afl_execs0 = c->es.execs;
		memset(&c->es, 0, sizeof(c->es));
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (cloexec_pipe(fds))
		return MSILAB_EXIT_USAGE;
	set_env(c);
	c->start = time(NULL);
	t0 = now_s();
	if ((c->engine == ENG_LIBFUZZER ? start_libfuzzer : start_afl)(c, fds[1])) {
		close(fds[0]);
		close(fds[1]);
		return MSILAB_EXIT_USAGE;
	}
	close(fds[1]);
	c->errfd = fds[0];
	c->engine_running = true;
	fcntl(c->errfd, F_SETFL, O_NONBLOCK);
	current_state(c, &st, false);
	if (!c->quiet)
		fprintf(stderr, "msilab fuzz: %s%s%s on %s%s%s, %u job(s)%s%s, in %s%s\n", c->base,
			c->forced ? "_forced" : "", c->engine == ENG_AFL ? " (AFL++)" : " (libFuzzer)",
			c->kernel ? c->kernel : "every profile", c->set[0] ? " with " : "", c->set,
			c->jobs, c->seconds ? ", " : "", c->seconds ? "time-limited" : "",
			c->workdir, c->st.sessions ? " (resumed)" : "");
	for (;;) {
		struct pollfd pfd = { .fd = c->errfd, .events = POLLIN };
		double t;

		if (poll(&pfd, 1, 200) > 0)
			engine_lines(c);
		t = now_s();
		if (c->engine == ENG_AFL && t - last_scan >= 1)
			afl_poll_stats(c);
		if (t - last_scan >= 1) {
			scan(c);
			last_scan = t;
		}
		if (t - last_state >= 5) {
			state_save(c, false);
			last_state = t;
		}
		if (t - last_status >= (c->tty ? 1 : c->interval)) {
			status(c, false);
			last_status = t;
		}
		/*
		 * libFuzzer -fork runs its jobs with system(), which ignores
		 * SIGINT in the caller: SIGTERM stops it (and its jobs).  AFL++
		 * stops cleanly on SIGINT.
		 */
		if (!signaled && (stop_requested ||
				  (c->seconds && t - t0 > (double)c->seconds + FZC_GRACE))) {
			kill(-c->pgid, c->engine == ENG_AFL ? SIGINT : SIGTERM);
			signaled = t;
		}
		if (signaled && t - signaled > 15)
			kill(-c->pgid, SIGKILL);
		if (engine_done(c, &bad, signaled ? &failed_late : &failed))
			break;
	}
	engine_lines(c);
	close(c->errfd);
	c->engine_running = false;
	if (c->engine == ENG_AFL)
		afl_poll_stats(c);
	scan(c);
	state_save(c, true);
	status(c, true);
	/* an engine process failed on its own before anything ran: say why */
	if (bad || (failed && !c->es.execs)) {
		fprintf(stderr, "msilab fuzz: the engine could not run (see %s/engine.log)\n", c->workdir);
		engine_complaint(c);
		return MSILAB_EXIT_USAGE;
	}
	if (!c->es.valid && !stop_requested && time(NULL) - c->start < 2) {
		fprintf(stderr, "msilab fuzz: the engine stopped at once (see %s/engine.log)\n", c->workdir);
		return MSILAB_EXIT_USAGE;
	}
	if (!c->quiet) {
		uint64_t sigs = count_signatures(c);

		fprintf(stderr, "msilab fuzz: %zu crashing input(s), %" PRIu64 " signature(s)%s\n", c->nf,
			sigs, sigs ? ":" : "");
		for (size_t i = 0; i < c->nf; i++) {
			unsigned int n = 0;

			if (sig_index(c, c->f[i].sig, i) >= 0)
				continue;
			for (size_t j = i; j < c->nf; j++)
				n += !strcmp(c->f[j].sig, c->f[i].sig);
			fprintf(stderr, "  %-48s %5u input(s)  e.g. findings/%s\n", c->f[i].sig, n,
				c->f[i].file);
		}
	}
	return c->nf ? MSILAB_EXIT_FOUND : MSILAB_EXIT_OK;
}

static int add_set(struct campaign *c, const char *arg)
{
	size_t len = strlen(c->set);

	if (len + strlen(arg) + 2 > sizeof(c->set))
		return -1;
	fmt(c->set + len, sizeof(c->set) - len, "%s%s", len ? "," : "", arg);
	return 0;
}

int cmd_fuzz(int argc, char **argv)
{
	enum { O_TARGET = 256, O_STOP, O_SEEDS, O_DICT, O_KEEP, O_INTERVAL, O_SEED };
	static const struct option opts[] = {
		{ "engine", required_argument, NULL, 'e' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "time", required_argument, NULL, 't' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "set", required_argument, NULL, 's' },
		{ "target", required_argument, NULL, O_TARGET },
		{ "stop", required_argument, NULL, O_STOP },
		{ "seeds", required_argument, NULL, O_SEEDS },
		{ "dict", required_argument, NULL, O_DICT },
		{ "keep", required_argument, NULL, O_KEEP },
		{ "interval", required_argument, NULL, O_INTERVAL },
		{ "seed", required_argument, NULL, O_SEED },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct campaign *c = calloc(1, sizeof(*c));
	char err[512], *end;
	bool user_seeds = false;
	int opt, ret = MSILAB_EXIT_USAGE;
	unsigned long v;

	if (!c)
		return MSILAB_EXIT_USAGE;
	c->jobs = 1;
	c->keep = 20;
	c->interval = 10;
	c->seed_value = -1;
	while ((opt = getopt_long(argc, argv, "e:j:t:k:s:qh", opts, NULL)) != -1) {
		switch (opt) {
		case 'e':
			if (!strcmp(optarg, "libfuzzer")) {
				c->engine = ENG_LIBFUZZER;
			} else if (!strcmp(optarg, "afl") || !strcmp(optarg, "afl++")) {
				c->engine = ENG_AFL;
			} else {
				fprintf(stderr, "msilab fuzz: unknown engine \"%s\" (libfuzzer, afl)\n", optarg);
				goto usage;
			}
			break;
		case 'j':
			v = strtoul(optarg, &end, 10);
			if (*end || !*optarg || !v || v > FZC_MAX_JOBS) {
				fprintf(stderr, "msilab fuzz: --jobs: a number from 1 to %d\n", FZC_MAX_JOBS);
				goto usage;
			}
			c->jobs = (unsigned int)v;
			break;
		case 't':
			c->seconds = fzc_parse_duration(optarg);
			if (c->seconds <= 0) {
				fprintf(stderr, "msilab fuzz: --time: \"%s\" is not a duration (20, 20s, 30m, 2h)\n",
					optarg);
				goto usage;
			}
			break;
		case 'k':
			if (fz_profile_index(optarg) < 0) {
				fprintf(stderr, "msilab fuzz: unknown kernel profile \"%s\"\n", optarg);
				goto usage;
			}
			c->kernel = optarg;
			break;
		case 's':
			if (add_set(c, optarg)) {
				fprintf(stderr, "msilab fuzz: too many --set\n");
				goto usage;
			}
			break;
		case O_TARGET:
			c->target_opt = optarg;
			break;
		case O_STOP:
			c->stop = optarg;
			break;
		case O_SEEDS:
			if (c->nseed == FZC_MAX_SEEDS || !is_dir(optarg)) {
				fprintf(stderr, "msilab fuzz: --seeds %s: not a directory (or too many)\n", optarg);
				goto usage;
			}
			c->seed[c->nseed++] = optarg;
			user_seeds = true;
			break;
		case O_DICT:
			fmt(c->dict, sizeof(c->dict), "%s", optarg);
			break;
		case O_KEEP:
			v = strtoul(optarg, &end, 10);
			if (*end || !*optarg) {
				fprintf(stderr, "msilab fuzz: --keep: a number\n");
				goto usage;
			}
			c->keep = (unsigned int)v;
			break;
		case O_INTERVAL:
			v = strtoul(optarg, &end, 10);
			if (*end || !v) {
				fprintf(stderr, "msilab fuzz: --interval: a number of seconds\n");
				goto usage;
			}
			c->interval = (unsigned int)v;
			break;
		case O_SEED:
			v = strtoul(optarg, &end, 10);
			if (*end || !*optarg || v > INT_MAX) {
				fprintf(stderr, "msilab fuzz: --seed: a number\n");
				goto usage;
			}
			c->seed_value = (long)v;
			break;
		case 'q':
			c->quiet = true;
			break;
		case 'h':
			cmd_fuzz_usage(stdout);
			free(c);
			return MSILAB_EXIT_OK;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "msilab fuzz: expected one WORKDIR\n");
		goto usage;
	}
	c->workdir = argv[optind];
	if (fzc_force_parse(c->kernel, c->set, &c->force, err, sizeof(err))) {
		fprintf(stderr, "msilab fuzz: --set: %s\n", err);
		goto usage;
	}
	c->tty = isatty(2);
	if (find_target(c))
		goto out;
	default_inputs(c, user_seeds);
	if (prepare(c))
		goto out;
	ret = run(c);
	goto out;
usage:
	cmd_fuzz_usage(stderr);
out:
	if (c->log)
		fclose(c->log);
	free(c->ctx);
	free(c->sc);
	free(c->f);
	free(c);
	return ret;
}
