// SPDX-License-Identifier: GPL-2.0
/*
 * afl_mutator.c - AFL++ custom mutator (libmsilab_afl_mutator.so) around
 * mutator.c, the structure-aware mutator libFuzzer uses too.  AFL's splice
 * buffer, when it gives one, is used for a crossover (a device lifecycle
 * of the other input spliced into this one); AFL's own splicing is turned
 * off (it would cut operation records in half).
 *
 * MSILAB_FUZZ_TARGET=fuzz_model_615 (default fuzz_model) selects the
 * decoder options of the harness being fuzzed (fz_target_options()),
 * the architecture included: fuzz_model_x86 and fuzz_model_x86_b12 get
 * the x86_64 mutations.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mutator.h"

struct afl_state;

struct msilab_afl {
	struct fz_options opts;
	unsigned int seed;
	uint8_t buf[FZ_MAX_INPUT];
};

void *afl_custom_init(struct afl_state *afl, unsigned int seed);
size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf,
		       uint8_t *add_buf, size_t add_buf_size, size_t max_size);
void afl_custom_splice_optout(void *data);
void afl_custom_deinit(void *data);

void *afl_custom_init(struct afl_state *afl, unsigned int seed)
{
	struct msilab_afl *m = calloc(1, sizeof(*m));
	const char *target = getenv("MSILAB_FUZZ_TARGET");

	(void)afl;
	if (!m)
		return NULL;
	if (fz_target_options(target ? target : "fuzz_model", &m->opts)) {
		free(m);
		return NULL;
	}
	m->seed = seed;
	return m;
}

size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf,
		       uint8_t *add_buf, size_t add_buf_size, size_t max_size)
{
	struct msilab_afl *m = data;
	size_t room = max_size < sizeof(m->buf) ? max_size : sizeof(m->buf);
	size_t n;

	m->seed = m->seed * 1103515245u + 12345u;
	if (add_buf && add_buf_size && (m->seed >> 16) % 8 == 0) {
		n = fz_crossover(buf, buf_size, add_buf, add_buf_size, m->buf, room, m->seed, &m->opts);
	} else {
		n = buf_size < room ? buf_size : room;
		memcpy(m->buf, buf, n);
		n = fz_mutate(m->buf, n, room, m->seed, &m->opts, NULL);
	}
	*out_buf = m->buf;
	return n;
}

void afl_custom_splice_optout(void *data)
{
	(void)data;
}

void afl_custom_deinit(void *data)
{
	free(data);
}
