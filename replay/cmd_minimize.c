// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_minimize.c - "msilab minimize FILE [-o OUT]": the shortest scenario
 * that still breaks the same invariant the same way (triage.h, minimize.c),
 * written as a readable .mlog that "msilab replay --expect" checks.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bugs.h"
#include "commands.h"
#include "decoder.h"
#include "triage.h"

void cmd_minimize_usage(FILE *f)
{
	fprintf(f, "usage: msilab minimize [-o OUT] [--kernel V] [--set SW=on|off]... [--target T]\n"
		"                       [--stop LIST] [--max-steps N] [--signature] [-q] FILE\n\n"
		"Shrink a .mlog or a fuzz input that breaks an invariant to a 1-minimal .mlog\n"
		"with the same triage signature (invariant/function/object@profile, see\n"
		"replay/README.md) and the same known-bug tag: delta debugging (ddmin) over the\n"
		"operations, then whole device lifecycles, then values (vector counts, DevIDs,\n"
		"capability sizes, flags, fault skip/count, CPUs, ITS parameters), repeated until\n"
		"nothing changes.  Removing any single operation of the result loses the bug.\n"
		"The result has '# expect:' lines for its profile (msilab replay --expect).\n\n"
		"  -o, --output OUT   write the reproducer to OUT (default: stdout)\n"
		"  -k, --kernel V     behaviour profile (default: the file's, or the fuzz input's)\n"
		"  -s, --set SW=on|off  a switch on top of the profile (repeatable)\n"
		"  -t, --target T     fuzz target whose decoder options apply to fuzz bytes\n"
		"                     (default fuzz_model):");
	for (const char *const *t = fz_targets; *t; t++)
		fprintf(f, " %s", *t);
	fprintf(f, "\n"
		"      --stop LIST    the violations that count, as MSILAB_FUZZ_STOP: B1,B3,new\n"
		"                     (default: the first violation, whatever it is)\n"
		"      --max-steps N  read at most N stimuli of a .mlog (default %u)\n"
		"      --signature    only print the signature and the operation counts of FILE\n"
		"                     (no minimization): what triage would file it under\n"
		"  -q, --quiet        no summary line\n"
		"  -h, --help         this text\n\n"
		"The summary on stderr gives the signature, the operation counts and the number\n"
		"of oracle calls (model runs).\n\n"
		"Exit status: 0 no violation (nothing to minimize), 1 a reproducer was written,\n"
		"2 bad input or usage.\n", TRI_MAX_STEPS);
}

/* "SW=on" arguments joined with ',' for the loader. */
static int add_set(char *buf, size_t n, const char *arg)
{
	size_t len = strlen(buf);

	if (!strchr(arg, '=') || len + strlen(arg) + 2 > n)
		return -1;
	snprintf(buf + len, n - len, "%s%s", len ? "," : "", arg);
	return 0;
}

int cmd_minimize(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "set", required_argument, NULL, 's' },
		{ "target", required_argument, NULL, 't' },
		{ "stop", required_argument, NULL, 'S' },
		{ "max-steps", required_argument, NULL, 'M' },
		{ "signature", no_argument, NULL, 'G' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct tri_load_opts lo = { 0 };
	struct tri_scenario s;
	struct tri_verdict v, after;
	struct tri_min_stats st;
	struct tri_oracle *o;
	struct tri_stop stop;
	struct mlog_error err;
	const char *out = NULL, *stop_list = NULL, *path;
	const struct msilab_bug *bug;
	char set[512] = "", why[256], c1[600], c2[400], c3[400];
	const char *cmt[3] = { c1, c2, c3 };
	bool quiet = false, sig_only = false;
	FILE *f;
	int c, ret;

	while ((c = getopt_long(argc, argv, "o:k:s:t:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'k':
			lo.kernel = optarg;
			break;
		case 's':
			if (add_set(set, sizeof(set), optarg)) {
				fprintf(stderr, "msilab minimize: --set %s: expected NAME=on|off\n", optarg);
				return MSILAB_EXIT_USAGE;
			}
			break;
		case 't':
			lo.target = optarg;
			break;
		case 'S':
			stop_list = optarg;
			break;
		case 'M': {
			char *end;
			unsigned long n = strtoul(optarg, &end, 10);

			if (*end || !n || n > 100000000ul) {
				fprintf(stderr, "msilab minimize: --max-steps %s: expected 1..100000000\n", optarg);
				return MSILAB_EXIT_USAGE;
			}
			lo.max_steps = (uint32_t)n;
			break;
		}
		case 'G':
			sig_only = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			cmd_minimize_usage(stdout);
			return MSILAB_EXIT_OK;
		default:
			cmd_minimize_usage(stderr);
			return MSILAB_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		cmd_minimize_usage(stderr);
		return MSILAB_EXIT_USAGE;
	}
	path = argv[optind];
	if (tri_stop_parse(stop_list, &stop, why, sizeof(why))) {
		fprintf(stderr, "msilab minimize: %s\n", why);
		return MSILAB_EXIT_USAGE;
	}
	lo.set = set;
	if (tri_load(path, &lo, &s, NULL, &err)) {
		msilab_print_error(&err);
		return MSILAB_EXIT_USAGE;
	}
	o = tri_oracle_new(&stop);
	if (!o) {
		tri_scenario_free(&s);
		return MSILAB_EXIT_USAGE;
	}
	ret = MSILAB_EXIT_USAGE;
	if (tri_run(o, &s, &v)) {
		fprintf(stderr, "%s: error: the model refuses the machine: %s\n", path, v.error);
		goto out;
	}
	if (v.refused) {
		fprintf(stderr, "%s: error: step %u: %s cannot run on profile %s: %s\n", path, v.step,
			v.stimulus, v.profile, v.error);
		goto out;
	}
	if (!v.violated) {
		fprintf(sig_only ? stdout : stderr, "%s: no violation%s on profile %s in %u step%s%s%s\n",
			path, stop.all ? "" : " that --stop counts", v.profile, v.steps,
			v.steps == 1 ? "" : "s", s.truncated ? " (--max-steps reached)" : "",
			sig_only ? "" : ": nothing to minimize");
		ret = MSILAB_EXIT_OK;
		goto out;
	}
	if (sig_only) {
		printf("%s: %s [%s%s]: %u operations, violation at step %u\n", path, v.sig,
		       v.bug[0] ? "known bug " : "NEW", v.bug, s.nops, v.step);
		ret = MSILAB_EXIT_FOUND;
		goto out;
	}
	if (tri_minimize(o, &s, &v, &st)) {
		fprintf(stderr, "%s: error: the bug did not reproduce while minimizing (out of memory?)\n", path);
		goto out;
	}
	/* the verdict of the result itself: its "# expect:" line */
	if (tri_run(o, &s, &after) || !tri_same_bug(&after, &v)) {
		fprintf(stderr, "%s: error: the minimized scenario lost the bug\n", path);
		goto out;
	}
	snprintf(c1, sizeof(c1), "minimized by msilab minimize from %s: %u operations (violation at step %u) -> %u, "
		 "%u device%s -> %u, %u value%s simplified, %" PRIu64 " oracle calls", path, st.ops_in,
		 st.ops_prefix, st.ops_out, st.devs_in, st.devs_in == 1 ? "" : "s", st.devs_out,
		 st.values, st.values == 1 ? "" : "s", st.calls);
	bug = v.bug[0] ? msilab_bug_find(v.bug) : NULL;
	if (bug) {
		snprintf(c2, sizeof(c2), "known bug %s: %s", bug->id, bug->title);
		snprintf(c3, sizeof(c3), "affects %s", bug->affected);
	} else {
		snprintf(c2, sizeof(c2), "NEW: no known-bug entry matches (msilab bugs)");
		snprintf(c3, sizeof(c3), "%s", v.detail);
	}
	f = out ? fopen(out, "w") : stdout;
	if (!f) {
		fprintf(stderr, "%s: error: cannot create: %s\n", out, strerror(errno));
		goto out;
	}
	c = tri_write_mlog(f, &s, &after, cmt, 3, true) | fflush(f);
	if (out)
		c |= fclose(f);
	if (c) {
		fprintf(stderr, "%s: error: write failed: %s\n", out ? out : "<stdout>", strerror(errno));
		goto out;
	}
	if (!quiet)
		fprintf(stderr, "%s: %s%s%s%s: %u operations (violation at step %u) -> %u, %u device%s -> %u, "
			"%u value%s simplified; %" PRIu64 " oracle calls (ddmin %" PRIu64 ", lifecycles %"
			PRIu64 ", values %" PRIu64 ")\n", path, v.sig, v.bug[0] ? " [known bug " : " [NEW",
			v.bug, "]", st.ops_in, st.ops_prefix, st.ops_out, st.devs_in,
			st.devs_in == 1 ? "" : "s", st.devs_out, st.values, st.values == 1 ? "" : "s",
			st.calls, st.calls_ddmin, st.calls_lifecycle, st.calls_values);
	ret = MSILAB_EXIT_FOUND;
out:
	tri_oracle_free(o);
	tri_scenario_free(&s);
	return ret;
}
