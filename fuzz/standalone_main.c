// SPDX-License-Identifier: GPL-2.0
/*
 * standalone_main.c - run a fuzz target over files without a fuzzing
 * engine: "TARGET PATH..." where a PATH is a file or a directory (its
 * regular files, in name order).  Reproduces crashes and keeps the seed
 * corpora passing in every build, gcc included.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, got;

	if (!f) {
		perror(path);
		return -1;
	}
	do {
		if (len == cap) {
			cap = cap ? 2 * cap : 65536;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
	} while (got);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Returns the number of inputs run, -1 on an unreadable path. */
static int run_path(const char *path)
{
	struct stat st;
	struct dirent *de;
	char **names = NULL;
	int n = 0, runs = 0;
	DIR *d;

	if (stat(path, &st)) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path) ? -1 : 1;
	if (!(d = opendir(path))) {
		perror(path);
		return -1;
	}
	while ((de = readdir(d))) {
		char full[4096];

		snprintf(full, sizeof(full), "%s/%s", path, de->d_name);
		if (stat(full, &st) || !S_ISREG(st.st_mode))
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		if (!names)
			abort();
		names[n++] = strdup(full);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp);
	for (int i = 0; i < n; i++) {
		if (run_file(names[i]) == 0)
			runs++;
		free(names[i]);
	}
	free(names);
	return runs;
}

int main(int argc, char **argv)
{
	int total = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		int n = run_path(argv[i]);

		if (n < 0)
			return 2;
		total += n;
	}
	printf("%s: %d inputs run\n", argv[0], total);
	return 0;
}
