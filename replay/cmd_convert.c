// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_convert.c - "msilab convert": a kernel trace in, a .mlog out.
 *
 * Inputs: ftrace text (/sys/kernel/tracing/trace) or `trace-cmd report`
 * text.  Several inputs are consecutive slices of one recording (for
 * example trace-boot.txt then trace-unbind-bind.txt) and make one .mlog.
 * A trace.dat (magic "\x17\x08\x44tracing") goes through the libtracecmd
 * ingest, ingest_tracedat() (replay/ingest_tracedat.c).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "ingest.h"

void cmd_convert_usage(FILE *f)
{
	fprintf(f,
		"usage: msilab convert INPUT... [-o OUT.mlog] [--kernel RELEASE] [--arch ARCH]\n"
		"                      [--devices FILE] [--interrupts FILE] [--probes FILE]\n"
		"                      [--note TEXT]...\n"
		"\n"
		"Convert a real kernel trace of the msilc probe group into a .mlog.\n"
		"INPUT is ftrace text (/sys/kernel/tracing/trace), `trace-cmd report` text or a\n"
		"trace-cmd trace.dat (not gzip-compressed): of a trace.dat, the buffers (top and\n"
		"instances) that hold msilc events are read, merged in timestamp order; a buffer\n"
		"with other events only is skipped with a note on standard error;\n"
		"several INPUTs are consecutive slices of one recording, read in order.\n"
		"\n"
		"  -o, --output FILE     write the .mlog here (default: standard output)\n"
		"  -k, --kernel RELEASE  \"kernel release=\" (uname -r of the recorded kernel)\n"
		"  -a, --arch ARCH       arm64 or x86_64 (default: from the release)\n"
		"  -d, --devices FILE    device table: \"BDF ids class=.. [MSI@.. MMC=k(=N vectors)]\n"
		"                        [MSI-X@.. table_size=N] [name=NAME] [enable=pcim]\n"
		"                        [module=MODULE] [# driver DRIVER ...]\" (the format of\n"
		"                        msi-caps-before.txt); '#' comments, of which \"# driver X\"\n"
		"                        names the bound PCI driver; module= and the driver tell\n"
		"                        which devices an \"ACTION rmmod MODULE\" unbinds\n"
		"  -i, --interrupts FILE /proc/interrupts taken before the recording: its irqs\n"
		"                        become \"machine irqs_used=\", its MSI irqs are\n"
		"                        re-created before \"recording_starts\"\n"
		"  -p, --probes FILE     kprobe_events the kernel accepted: \"observes kinds=\"\n"
		"  -n, --note TEXT       a comment line at the top of the output (repeatable)\n"
		"\n"
		"Exit status: 0 converted, 2 bad input or usage.\n");
}

static int usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "msilab convert: ");
	fprintf(stderr, msg, arg);
	fprintf(stderr, "\n");
	cmd_convert_usage(stderr);
	return MSILAB_EXIT_USAGE;
}

/* The command line, for the output's first comment: "msilab convert ..." */
static char *command_line(int argc, char **argv)
{
	size_t len = strlen("msilab") + 1;
	char *s, *p;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) * 2 + 3;
	s = malloc(len);
	if (!s)
		return NULL;
	p = s + sprintf(s, "msilab");
	for (int i = 0; i < argc; i++) {
		bool quote = !argv[i][0] || strpbrk(argv[i], " \t\"'\\$`") != NULL;

		/* where the output went is not part of how it was made */
		if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) {
			i++;
			continue;
		}
		if (!strncmp(argv[i], "-o", 2) || !strncmp(argv[i], "--output=", 9))
			continue;

		*p++ = ' ';
		if (quote)
			*p++ = '"';
		for (const char *q = argv[i]; *q; q++) {
			if (quote && (*q == '"' || *q == '\\' || *q == '$' || *q == '`'))
				*p++ = '\\';
			*p++ = *q;
		}
		if (quote)
			*p++ = '"';
	}
	*p = 0;
	return s;
}

/* Does @path start like a trace-cmd trace.dat?  (false when it cannot be read) */
static bool is_tracedat(const char *path)
{
	unsigned char magic[INGEST_TRACEDAT_MAGIC_LEN];
	FILE *f = fopen(path, "rb");
	bool yes;

	if (!f)
		return false;
	yes = fread(magic, 1, sizeof(magic), f) == sizeof(magic) &&
	      !memcmp(magic, INGEST_TRACEDAT_MAGIC, sizeof(magic));
	fclose(f);
	return yes;
}

static int convert_one(const char *path, struct ingest_norm *n, struct mlog_error *err)
{
	unsigned char magic[INGEST_TRACEDAT_MAGIC_LEN];
	size_t got;
	FILE *f;
	int ret;

	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", path);
	f = fopen(path, "rb");
	if (!f) {
		snprintf(err->msg, sizeof(err->msg), "cannot open: %s", strerror(errno));
		return -1;
	}
	got = fread(magic, 1, sizeof(magic), f);
	if (got == sizeof(magic) && !memcmp(magic, INGEST_TRACEDAT_MAGIC, sizeof(magic))) {
		/* a trace-cmd trace.dat: replay/ingest_tracedat.c (libtracecmd) */
		fclose(f);
		ingest_norm_set_input(n, path);
		ret = ingest_tracedat(path, n, err);
		if (ret && !err->file[0])
			snprintf(err->file, sizeof(err->file), "%s", path);
		return ret;
	}
	if (got >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
		fclose(f);
		snprintf(err->msg, sizeof(err->msg), "gzip-compressed input: decompress it first");
		return -1;
	}
	rewind(f);
	ingest_norm_set_input(n, path);
	ret = ingest_text_file(f, path, n, err);
	fclose(f);
	return ret;
}

int cmd_convert(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "arch", required_argument, NULL, 'a' },
		{ "devices", required_argument, NULL, 'd' },
		{ "interrupts", required_argument, NULL, 'i' },
		{ "probes", required_argument, NULL, 'p' },
		{ "note", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct ingest_norm_opts o;
	struct ingest_norm *n = NULL;
	struct mlog_error err;
	const char *output = NULL;
	char *notes = NULL, *cmd = NULL, *files = NULL, *tmp_path = NULL;
	size_t notes_len = 0, files_len = 0;
	FILE *out = NULL;
	int c, ret = MSILAB_EXIT_USAGE;

	memset(&o, 0, sizeof(o));
	o.kind = MLOG_SRC_FTRACE;
	o.tool = "msilab convert";
	cmd = command_line(argc, argv);
	while ((c = getopt_long(argc, argv, "o:k:a:d:i:p:n:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'k':
			o.release = optarg;
			break;
		case 'a':
			if (strcmp(optarg, "arm64") && strcmp(optarg, "x86_64")) {
				ret = usage_error("--arch %s: arm64 or x86_64", optarg);
				goto out;
			}
			o.arch = optarg;
			break;
		case 'd':
			o.devices = optarg;
			break;
		case 'i':
			o.interrupts = optarg;
			break;
		case 'p':
			o.probes = optarg;
			break;
		case 'n': {
			size_t len = strlen(optarg);
			char *p = realloc(notes, notes_len + len + 2);

			if (!p)
				goto oom;
			notes = p;
			memcpy(notes + notes_len, optarg, len);
			notes_len += len;
			notes[notes_len++] = '\n';
			notes[notes_len] = 0;
			break;
		}
		case 'h':
			cmd_convert_usage(stdout);
			ret = MSILAB_EXIT_OK;
			goto out;
		default:
			cmd_convert_usage(stderr);
			goto out;
		}
	}
	if (optind >= argc) {
		ret = usage_error("%s", "no INPUT");
		goto out;
	}
	for (int i = optind; i < argc; i++) {
		size_t len = strlen(argv[i]);
		char *p = realloc(files, files_len + len + 2);

		if (!p)
			goto oom;
		files = p;
		if (files_len)
			files[files_len++] = ',';
		memcpy(files + files_len, argv[i], len + 1);
		files_len += len;
	}
	o.file = files;
	/* "source kind=": trace-dat when every input is a trace.dat, else ftrace text */
	o.kind = MLOG_SRC_TRACE_DAT;
	for (int i = optind; i < argc; i++)
		if (!is_tracedat(argv[i]))
			o.kind = MLOG_SRC_FTRACE;
	{
		/* the top comment: the notes, then how this file was made */
		size_t len = notes_len + (cmd ? strlen(cmd) : 0) + 32;
		char *p = malloc(len);

		if (!p)
			goto oom;
		snprintf(p, len, "%smade by: %s", notes ? notes : "", cmd ? cmd : "msilab convert");
		free(notes);
		notes = p;
		o.comment = notes;
	}
	n = ingest_norm_new(&o, &err);
	if (!n) {
		msilab_print_error(&err);
		goto out;
	}
	for (int i = optind; i < argc; i++) {
		if (convert_one(argv[i], n, &err)) {
			msilab_print_error(&err);
			goto out;
		}
	}
	if (output && strcmp(output, "-")) {
		/* write next to the target, then rename: no half-written .mlog */
		size_t len = strlen(output) + 8;

		tmp_path = malloc(len);
		if (!tmp_path)
			goto oom;
		snprintf(tmp_path, len, "%s.tmp", output);
		out = fopen(tmp_path, "w");
		if (!out) {
			fprintf(stderr, "%s: error: cannot create: %s\n", tmp_path, strerror(errno));
			goto out;
		}
	} else {
		out = stdout;
	}
	if (ingest_norm_finish(n, out, &err)) {
		if (!err.file[0])
			snprintf(err.file, sizeof(err.file), "%s", files);
		msilab_print_error(&err);
		goto out;
	}
	if (out != stdout) {
		if (fclose(out)) {
			out = NULL;
			fprintf(stderr, "%s: error: cannot write: %s\n", tmp_path, strerror(errno));
			goto out;
		}
		out = NULL;
		if (rename(tmp_path, output)) {
			fprintf(stderr, "%s: error: cannot rename to %s: %s\n", tmp_path, output,
				strerror(errno));
			goto out;
		}
		free(tmp_path);
		tmp_path = NULL;
	}
	ret = MSILAB_EXIT_OK;
	goto out;
oom:
	fprintf(stderr, "msilab convert: out of memory\n");
out:
	if (out && out != stdout)
		fclose(out);
	if (tmp_path) {
		remove(tmp_path);
		free(tmp_path);
	}
	ingest_norm_free(n);
	free(notes);
	free(cmd);
	free(files);
	return ret;
}
