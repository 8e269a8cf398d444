// SPDX-License-Identifier: GPL-2.0
/*
 * test_fuzz_campaign.c - the process-free pieces of "msilab fuzz"
 * (replay/fuzz_campaign.c) on what the engines really wrote:
 *
 *   - AFL++'s fuzzer_stats and plot_data of an 80 s AFL++ 4.04c campaign
 *     (tests/data/afl-stats/, "msilab fuzz --engine afl --kernel 6.16"):
 *     fuzzer_stats is rewritten once a minute, plot_data gets a row every
 *     5 s after the first minute, and the status line reads the newer;
 *   - libFuzzer -fork and plain status lines, and the abort line of
 *     fuzz_model.c, as they appear in engine.log;
 *   - state.txt written and read back, a malformed one refused;
 *   - durations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fuzz_campaign.h"

#define AFL	MSILAB_SOURCE_DIR "/tests/data/afl-stats"
#define TMP	MSILAB_BINARY_DIR "/test_fuzz_campaign.tmp"

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void afl_fuzzer_stats(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(fzc_afl_stat(AFL "/fuzzer_stats", "execs_done", &v), 0);
	assert_int_equal(v, 456523);
	assert_int_equal(fzc_afl_stat(AFL "/fuzzer_stats", "corpus_count", &v), 0);
	assert_int_equal(v, 1230);
	assert_int_equal(fzc_afl_stat(AFL "/fuzzer_stats", "saved_crashes", &v), 0);
	assert_int_equal(v, 0);
	/* a key is a whole word: "execs" is not "execs_done" */
	assert_int_equal(fzc_afl_stat(AFL "/fuzzer_stats", "execs", &v), -1);
	assert_int_equal(fzc_afl_stat(AFL "/no-such-file", "execs_done", &v), -1);
}

static void afl_plot_data(void **state)
{
	uint64_t v = 0;

	(void)state;
	/* the last row, not the first (61 s: 384538) */
	assert_int_equal(fzc_afl_plot(AFL "/plot_data", "total_execs", &v), 0);
	assert_int_equal(v, 456523);
	assert_int_equal(fzc_afl_plot(AFL "/plot_data", "corpus_count", &v), 0);
	assert_int_equal(v, 1230);
	assert_int_equal(fzc_afl_plot(AFL "/plot_data", "relative_time", &v), 0);
	assert_int_equal(v, 80);
	assert_int_equal(fzc_afl_plot(AFL "/plot_data", "edges_found", &v), 0);
	assert_int_equal(v, 1223);
	/* map_size is a percentage: not a count */
	assert_int_equal(fzc_afl_plot(AFL "/plot_data", "map_size", &v), -1);
	assert_int_equal(fzc_afl_plot(AFL "/plot_data", "no_such_column", &v), -1);
	assert_int_equal(fzc_afl_plot(AFL "/no-such-file", "total_execs", &v), -1);
}

static void afl_plot_data_partial(void **state)
{
	uint64_t v = 7;

	(void)state;
	/* the first minute: a header and no row yet */
	write_file(TMP, "# relative_time, cycles_done, cur_item, corpus_count, pending_total, "
			"pending_favs, map_size, saved_crashes, saved_hangs, max_depth, "
			"execs_per_sec, total_execs, edges_found\n");
	assert_int_equal(fzc_afl_plot(TMP, "total_execs", &v), -1);
	assert_int_equal(v, 7);
	/* a row being written (no newline yet) is not read: the whole one before is */
	write_file(TMP, "# relative_time, total_execs\n61, 384538\n66, 4042");
	assert_int_equal(fzc_afl_plot(TMP, "total_execs", &v), 0);
	assert_int_equal(v, 384538);
	/* no header: not a plot_data */
	write_file(TMP, "61, 384538\n");
	assert_int_equal(fzc_afl_plot(TMP, "total_execs", &v), -1);
	remove(TMP);
}

static void libfuzzer_lines(void **state)
{
	struct fzc_engine_status st;

	(void)state;
	memset(&st, 0, sizeof(st));
	/* -fork=N: the driver's line */
	assert_int_equal(fzc_parse_libfuzzer_line("#251: cov: 13 ft: 30 corp: 12 exec/s 0 "
						  "oom/timeout/crash: 0/0/1 time: 0s job: 2 dft_time: 0",
						  &st), 1);
	assert_true(st.valid);
	assert_int_equal(st.execs, 251);
	assert_int_equal(st.corpus, 12);
	assert_int_equal(st.crashes, 1);
	/* a job's own line */
	assert_int_equal(fzc_parse_libfuzzer_line("#4096\tpulse  cov: 1099 ft: 4003 corp: 641/48Kb "
						  "lim: 80 exec/s: 2048 rss: 153Mb", &st), 1);
	assert_int_equal(st.corpus, 641);
	/* not a status line */
	assert_int_equal(fzc_parse_libfuzzer_line("  NEW_FUNC: 0x55cd35293070  (fuzz_model_615+0x6a070)",
						  &st), 0);
	assert_int_equal(fzc_parse_libfuzzer_line("INFO: Seed: 1", &st), 0);
}

static void abort_line(void **state)
{
	struct fzc_abort a;
	char sig[256];

	(void)state;
	assert_int_equal(fzc_parse_abort("msilab: INV-P1 violated [known bug B1] on profile 6.15 at "
					 "step 4: msi_prepare ran 2 times for pci0", &a), 0);
	assert_string_equal(a.inv, "INV-P1");
	assert_string_equal(a.bug, "B1");
	assert_string_equal(a.profile, "6.15");
	assert_int_equal(a.step, 4);
	fzc_signature(&a, sig, sizeof(sig));
	assert_string_equal(sig, "INV-P1 B1 6.15");
	assert_int_equal(fzc_parse_abort("msilab: INV-M1 violated on profile "
					 "6.16+ITS_EXACT_EVENTID_COUNT at step 12: DevID 0x8", &a), 0);
	fzc_signature(&a, sig, sizeof(sig));
	assert_string_equal(sig, "INV-M1 new 6.16+ITS_EXACT_EVENTID_COUNT");
	assert_int_equal(fzc_parse_abort("==1234== ERROR: libFuzzer: deadly signal", &a), -1);
	assert_int_equal(fzc_parse_abort("msilab: decoder bug: step 3: x refused", &a), -1);
}

static void state_round_trip(void **state)
{
	struct fzc_state a, b;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.sessions = 3;
	a.execs = 2449796;
	a.seconds = 1801;
	a.crashes = 192;
	a.findings = 96;
	a.signatures = 7;
	strcpy(a.engine, "afl");
	strcpy(a.kernel, "6.16");
	strcpy(a.set, "ITS_EXACT_EVENTID_COUNT=on");
	strcpy(a.target, "fuzz_model_616_forced");
	remove(TMP);
	assert_int_equal(fzc_state_read(TMP, &b), 0);	/* missing: a new campaign */
	assert_int_equal(b.sessions, 0);
	assert_int_equal(fzc_state_write(TMP, &a), 0);
	assert_int_equal(fzc_state_read(TMP, &b), 0);
	assert_int_equal(b.sessions, 3);
	assert_int_equal(b.execs, 2449796);
	assert_int_equal(b.seconds, 1801);
	assert_int_equal(b.crashes, 192);
	assert_int_equal(b.findings, 96);
	assert_int_equal(b.signatures, 7);
	assert_string_equal(b.engine, "afl");
	assert_string_equal(b.kernel, "6.16");
	assert_string_equal(b.set, "ITS_EXACT_EVENTID_COUNT=on");
	assert_string_equal(b.target, "fuzz_model_616_forced");
	write_file(TMP, "sessions=many\n");
	assert_int_equal(fzc_state_read(TMP, &b), -1);
	remove(TMP);
}

static void durations(void **state)
{
	(void)state;
	assert_int_equal(fzc_parse_duration("20"), 20);
	assert_int_equal(fzc_parse_duration("20s"), 20);
	assert_int_equal(fzc_parse_duration("30m"), 1800);
	assert_int_equal(fzc_parse_duration("2h"), 7200);
	assert_int_equal(fzc_parse_duration("soon"), -1);
	assert_int_equal(fzc_parse_duration(""), -1);
	assert_int_equal(fzc_parse_duration("5x"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(afl_fuzzer_stats),
		cmocka_unit_test(afl_plot_data),
		cmocka_unit_test(afl_plot_data_partial),
		cmocka_unit_test(libfuzzer_lines),
		cmocka_unit_test(abort_line),
		cmocka_unit_test(state_round_trip),
		cmocka_unit_test(durations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
