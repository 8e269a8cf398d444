// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_replay.c - "msilab replay": run traces through the model under a
 * behaviour profile and give a verdict per file.  With --expect, check the
 * verdicts a file's header promises ("# expect:" lines) under every profile.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "replay.h"

void cmd_replay_usage(FILE *f)
{
	const struct ml_profile *p;
	unsigned int n = ml_profiles(&p);

	fprintf(f,
		"usage: msilab replay [--kernel V] [--set NAME=on|off]... [--json] [-v] [-q] FILE...\n"
		"       msilab replay --expect FILE...\n"
		"\n"
		"Replay each trace's stimuli through the model of kernel V (default: the\n"
		"trace's 'kernel release=' line), check every invariant after every step,\n"
		"and compare the model with the trace's observations.\n"
		"\n"
		"  -k, --kernel V     behaviour profile:");
	for (unsigned int i = 0; i < n; i++)
		fprintf(f, " %s", p[i].name);
	fprintf(f, "\n"
		"  -s, --set N=on|off turn one behaviour switch on or off (repeatable)\n"
		"  -j, --json         machine-readable verdicts\n"
		"  -v, --verbose      timeline: each step's stimulus, what the model did, and\n"
		"                     the ITS devices (DevID, nr_ites, LPIs, EventID bitmap)\n"
		"                     and free LPI ranges after it\n"
		"  -q, --quiet        the verdict line only\n"
		"      --full-check   check every invariant on every object after every step\n"
		"                     (default: on the objects the step can have changed;\n"
		"                     both give the same verdicts, model/README.md)\n"
		"  -e, --expect       check the '# expect:' lines of each file under every\n"
		"                     profile they name ('# expect-set: N=on|off' lines set\n"
		"                     switches for the '# expect:' lines that follow)\n"
		"\n"
		"Switches:\n");
	for (int i = 0; i < ML_SW__COUNT; i++)
		fprintf(f, "  %-34s %s\n", ml_switch_name((enum ml_switch)i),
			ml_switch_desc((enum ml_switch)i));
	fprintf(f, "\nExit: 0 clean, 1 a violation or divergence, 2 bad input or usage.\n");
}

static void print_verdict(FILE *out, const char *path, const struct replay_result *res)
{
	if (res->bad_input) {
		msilab_print_error(&res->error);
		return;
	}
	fprintf(out, "%s: profile %s: %u step%s, ", path, res->profile, res->steps,
		res->steps == 1 ? "" : "s");
	if (res->violations)
		fprintf(out, "%u violation%s (first %s%s%s%s)", res->violations,
			res->violations == 1 ? "" : "s", res->first_violation.inv,
			res->first_violation.bug[0] ? ", known bug " : "", res->first_violation.bug,
			"");
	else
		fprintf(out, "no violation");
	if (res->compared || res->divergences || res->unknown)
		fprintf(out, ", %u compared, %u divergence%s, %u unknown", res->compared,
			res->divergences, res->divergences == 1 ? "" : "s", res->unknown);
	else
		fprintf(out, ", no observations");
	if (res->weakened)
		fprintf(out, ", %u allocation-order value%s not compared (concurrent probing)",
			res->weakened, res->weakened == 1 ? "" : "s");
	if (res->warnings)
		fprintf(out, ", %u kernel WARNING%s", res->warnings, res->warnings == 1 ? "" : "s");
	fprintf(out, ": %s\n", res->violations || res->divergences ? "FOUND" : "clean");
}

static void json_finding(FILE *out, const struct replay_finding *f)
{
	fprintf(out, "{\"step\":%u,\"line\":%u,", f->step, f->line);
	if (f->inv[0]) {
		fprintf(out, "\"kind\":\"violation\",\"invariant\":");
		json_string(out, f->inv);
		fprintf(out, ",\"bug\":");
		if (f->bug[0])
			json_string(out, f->bug);
		else
			fprintf(out, "null");
	} else {
		fprintf(out, "\"kind\":\"divergence\"");
	}
	fprintf(out, ",\"detail\":");
	json_string(out, f->detail);
	fputc('}', out);
}

static void print_json(FILE *out, const char *path, const struct replay_result *res, bool first)
{
	fprintf(out, "%s{\"file\":", first ? "" : ",\n");
	json_string(out, path);
	if (res->bad_input) {
		fprintf(out, ",\"verdict\":\"bad-input\",\"error\":{\"line\":%u,\"col\":%u,\"reason\":",
			res->error.line, res->error.col);
		json_string(out, res->error.msg);
		fprintf(out, "}}");
		return;
	}
	fprintf(out, ",\"profile\":");
	json_string(out, res->profile);
	fprintf(out, ",\"steps\":%u,\"violations\":%u,\"divergences\":%u,\"compared\":%u,"
		"\"unknown\":%u,\"not_compared_concurrent\":%u,\"warnings\":%u,\"verdict\":\"%s\","
		"\"findings\":[", res->steps, res->violations, res->divergences, res->compared,
		res->unknown, res->weakened, res->warnings,
		res->violations || res->divergences ? "found" : "clean");
	for (uint32_t i = 0; i < res->nfindings; i++) {
		if (i)
			fputc(',', out);
		json_finding(out, &res->findings[i]);
	}
	fprintf(out, "]}");
}

/* ---- --expect ---- */

#define MAX_EXPECT 32

struct expectation {
	struct replay_switches set;
	char profile[16];
	char want[16];		/* "clean", "n/a" or an invariant */
};

static int parse_expectations(const char *path, struct expectation *ex, unsigned int *nex,
			      char *err, size_t n)
{
	struct replay_switches cur = { 0, 0 };
	char line[1024];
	FILE *f = fopen(path, "r");

	*nex = 0;
	if (!f) {
		snprintf(err, n, "cannot open: %m");
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p, *tok, *save;

		if (!strncmp(line, "# expect-set:", 13)) {
			memset(&cur, 0, sizeof(cur));
			for (tok = strtok_r(line + 13, " \t\n", &save); tok;
			     tok = strtok_r(NULL, " \t\n", &save)) {
				if (replay_parse_set(tok, &cur, err, n)) {
					fclose(f);
					return -1;
				}
			}
			continue;
		}
		if (strncmp(line, "# expect:", 9))
			continue;
		for (tok = strtok_r(line + 9, " \t\n", &save); tok;
		     tok = strtok_r(NULL, " \t\n", &save)) {
			struct expectation *e;

			p = strchr(tok, '=');
			if (!p || *nex >= MAX_EXPECT) {
				snprintf(err, n, "bad '# expect:' item \"%s\"", tok);
				fclose(f);
				return -1;
			}
			e = &ex[(*nex)++];
			e->set = cur;
			snprintf(e->profile, sizeof(e->profile), "%.*s", (int)(p - tok), tok);
			snprintf(e->want, sizeof(e->want), "%s", p + 1);
		}
	}
	fclose(f);
	if (!*nex) {
		snprintf(err, n, "no '# expect:' line");
		return -1;
	}
	return 0;
}

static int run_expect(const char *path, FILE *out)
{
	struct expectation ex[MAX_EXPECT];
	struct replay_result *res = malloc(sizeof(*res));
	unsigned int nex;
	char err[256];
	int ok = 1;

	if (!res)
		return 2;
	if (parse_expectations(path, ex, &nex, err, sizeof(err))) {
		fprintf(stderr, "%s: error: %s\n", path, err);
		free(res);
		return 2;
	}
	fprintf(out, "%s:", path);
	for (unsigned int i = 0; i < nex; i++) {
		struct replay_opts o;
		const char *got;
		bool match;

		memset(&o, 0, sizeof(o));
		o.quiet = true;
		o.have_kernel = true;
		o.set = ex[i].set;
		if (ml_profile_lookup(ex[i].profile, &o.profile)) {
			fprintf(out, "\n");
			fprintf(stderr, "%s: error: unknown profile \"%s\" in '# expect:'\n", path,
				ex[i].profile);
			free(res);
			return 2;
		}
		replay_file(path, &o, out, res);
		if (res->bad_input)
			got = "n/a";
		else if (res->has_violation)
			got = res->first_violation.inv;
		else if (res->divergences)
			got = "divergence";
		else
			got = "clean";
		match = !strcmp(got, ex[i].want);
		fprintf(out, " %s%s%s=%s%s", ex[i].profile, o.set.on || o.set.off ? "*" : "",
			"", got, match ? "" : " (EXPECTED ");
		if (!match) {
			fprintf(out, "%s)", ex[i].want);
			ok = 0;
			if (res->bad_input)
				fprintf(out, " [%s:%u: %s]", res->error.file, res->error.line,
					res->error.msg);
		}
	}
	fprintf(out, ": %s\n", ok ? "as expected" : "MISMATCH");
	free(res);
	return ok ? 0 : 1;
}

int cmd_replay(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "set", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "expect", no_argument, NULL, 'e' },
		{ "full-check", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct replay_opts o;
	struct replay_result *res;
	bool expect = false;
	char err[256];
	int c, worst = 0;

	memset(&o, 0, sizeof(o));
	while ((c = getopt_long(argc, argv, "k:s:jvqeh", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (ml_profile_lookup(optarg, &o.profile) &&
			    ml_profile_from_release(optarg, &o.profile)) {
				fprintf(stderr, "msilab replay: unknown kernel \"%s\" (see --help)\n", optarg);
				return MSILAB_EXIT_USAGE;
			}
			o.have_kernel = true;
			break;
		case 's':
			if (replay_parse_set(optarg, &o.set, err, sizeof(err))) {
				fprintf(stderr, "msilab replay: %s\n", err);
				return MSILAB_EXIT_USAGE;
			}
			break;
		case 'j':
			o.json = true;
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'e':
			expect = true;
			break;
		case 'F':
			o.full_check = true;
			break;
		case 'h':
			cmd_replay_usage(stdout);
			return MSILAB_EXIT_OK;
		default:
			cmd_replay_usage(stderr);
			return MSILAB_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		cmd_replay_usage(stderr);
		return MSILAB_EXIT_USAGE;
	}
	if (expect) {
		for (int i = optind; i < argc; i++) {
			int rc = run_expect(argv[i], stdout);

			worst = rc > worst ? rc : worst;
		}
		return worst;
	}
	res = malloc(sizeof(*res));
	if (!res)
		return MSILAB_EXIT_USAGE;
	if (o.json)
		printf("{\"msilab\":\"replay\",\"results\":[");
	for (int i = optind; i < argc; i++) {
		int rc = replay_file(argv[i], &o, stdout, res);

		if (o.json)
			print_json(stdout, argv[i], res, i == optind);
		else
			print_verdict(res->bad_input ? stderr : stdout, argv[i], res);
		worst = rc > worst ? rc : worst;
	}
	if (o.json)
		printf("]}\n");
	free(res);
	return worst;
}
