// SPDX-License-Identifier: GPL-2.0
/*
 * test_report.c - report_render() (replay/report.c) as triage calls it:
 * the catalogue match with and without a triage signature, switches set by
 * hand, the same bytes on every call, the state views of the model it draws
 * from (model/view.c), and every kind of bad input (exit 2 with the file,
 * the line where there is one, and the reason).  The formats on the command
 * line are in cli_report.sh, the browser check in cli_report_browser.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "replay.h"
#include "report.h"

#define KB(name)	MSILAB_SOURCE_DIR "/corpus/known-bugs/" name
#define B3		KB("B3-orphan-eventids.mlog")
#define MALFORMED	MSILAB_SOURCE_DIR "/tests/mlog_malformed/02-unknown-verb.mlog"

/* report_render() into memory: its return value, the text in *text (freed by the caller). */
static int render(const struct report_input *in, enum report_format fmt, char **text,
		  struct mlog_error *err)
{
	size_t len = 0;
	FILE *f = open_memstream(text, &len);
	int rc;

	assert_non_null(f);
	rc = report_render(in, fmt, f, err);
	assert_int_equal(fclose(f), 0);
	return rc;
}

static void assert_contains(const char *text, const char *needle)
{
	if (!strstr(text, needle))
		fail_msg("\"%s\" not found in:\n%.2000s", needle, text);
}

static void test_catalogue_match(void **state)
{
	struct report_input in = { .mlog_path = B3, .kernel = "6.16" };
	struct mlog_error err;
	char *t;

	(void)state;
	/* outside triage: the model's tag on the first violation */
	assert_int_equal(render(&in, REPORT_JSON, &t, &err), 0);
	assert_contains(t, "\"signature\":null,\"catalogue\":{\"match\":\"known\",\"id\":\"B3\"");
	assert_contains(t, "\"violation\":{\"step\":3,\"line\":29,"
			"\"stimulus\":\"pci_free_irq_vectors dev=ep0\",\"invariant\":\"INV-I1\"");
	free(t);
	/* triage: the signature is shown and its bug id is the match */
	in.signature = "INV-I1/free/its_device/6.16";
	in.bug = "B3";
	assert_int_equal(render(&in, REPORT_JSON, &t, &err), 0);
	assert_contains(t, "\"signature\":\"INV-I1/free/its_device/6.16\",\"catalogue\":"
			"{\"match\":\"known\",\"id\":\"B3\",\"title\":\"orphan EventIDs");
	free(t);
	/* triage without a bug id: new, even though the model tags it B3 */
	in.bug = NULL;
	assert_int_equal(render(&in, REPORT_TEXT, &t, &err), 0);
	assert_contains(t, "  catalogue   NEW: no known bug matches\n");
	assert_contains(t, "  signature   INV-I1/free/its_device/6.16\n");
	free(t);
	assert_int_equal(render(&in, REPORT_HTML, &t, &err), 0);
	assert_contains(t, "<span class=\"new\">NEW</span>");
	free(t);
	/* the KUnit suite is named after the signature */
	assert_int_equal(render(&in, REPORT_KUNIT, &t, &err), 0);
	assert_contains(t, ".name = \"msilab_inv_i1_free_its_device_6_16\",");
	assert_contains(t, " * Triage signature: INV-I1/free/its_device/6.16.\n");
	free(t);
}

static void test_switches(void **state)
{
	const char *const sets[] = { "ITS_EXACT_EVENTID_COUNT=on" };
	struct report_input in = { .mlog_path = B3, .kernel = "6.16", .sets = sets, .nsets = 1 };
	struct mlog_error err;
	char *t;

	(void)state;
	/* B3's proof-of-concept fix: the same trace is clean */
	assert_int_equal(render(&in, REPORT_JSON, &t, &err), 0);
	assert_contains(t, "\"described\":\"6.16+ITS_EXACT_EVENTID_COUNT\",\"from\":\"kernel-option\"");
	assert_contains(t, "\"set\":[\"ITS_EXACT_EVENTID_COUNT=on\"]");
	assert_contains(t, "\"catalogue\":{\"match\":\"none\",\"id\":null");
	assert_contains(t, "\"verdict\":{\"result\":\"clean\",\"steps\":8,\"violations\":0");
	assert_contains(t, "\"violation\":null");
	/* EventIDs 0..2 taken exactly, nothing left after the free */
	assert_contains(t, "\"nr_lpis\":4,\"shared\":false,\"eventids\":\"MMM.\"");
	free(t);
	/* without it, the padding bit is orphaned by the free (B3) */
	in.nsets = 0;
	assert_int_equal(render(&in, REPORT_JSON, &t, &err), 0);
	assert_contains(t, "\"eventids\":\"MMMh\"");
	assert_contains(t, "\"eventids\":\"...P\"");
	free(t);
}

static void test_same_bytes(void **state)
{
	struct report_input in = { .mlog_path = KB("B7-its-alloc-error-orphans.mlog") };
	struct mlog_error err;

	(void)state;
	for (int fmt = REPORT_TEXT; fmt <= REPORT_KUNIT; fmt++) {
		char *a, *b;

		assert_int_equal(render(&in, (enum report_format)fmt, &a, &err), 0);
		assert_int_equal(render(&in, (enum report_format)fmt, &b, &err), 0);
		assert_true(strlen(a) > 500);
		assert_string_equal(a, b);
		free(a);
		free(b);
	}
}

static void test_failed_allocation_view(void **state)
{
	struct report_input in = { .mlog_path = KB("B7-its-alloc-error-orphans.mlog") };
	struct mlog_error err;
	char *t;

	(void)state;
	/* the EventIDs a failed its_irq_domain_alloc left behind are orphans of kind F */
	assert_int_equal(render(&in, REPORT_JSON, &t, &err), 0);
	assert_contains(t, "\"invariant\":\"INV-M4\",\"invariant_text\":");
	assert_contains(t, "\"eventids\":\"F...\"");
	free(t);
}

static void expect_bad(const struct report_input *in, enum report_format fmt, const char *file,
		       uint32_t line, const char *msg)
{
	struct mlog_error err;
	char *t;

	assert_int_equal(render(in, fmt, &t, &err), 2);
	assert_string_equal(t, "");
	free(t);
	assert_string_equal(err.file, file);
	assert_int_equal(err.line, line);
	if (!strstr(err.msg, msg))
		fail_msg("\"%s\" not in the error \"%s\"", msg, err.msg);
}

static void test_bad_input(void **state)
{
	const char *const bad_set[] = { "NO_SUCH_SWITCH=on" };
	const char *const bad_value[] = { "ITS_EXACT_EVENTID_COUNT=yes" };
	struct report_input in = { .mlog_path = MSILAB_SOURCE_DIR "/no/such.mlog" };

	(void)state;
	expect_bad(&in, REPORT_TEXT, MSILAB_SOURCE_DIR "/no/such.mlog", 0, "No such file");
	in.mlog_path = MALFORMED;
	expect_bad(&in, REPORT_HTML, MALFORMED, 4, "unknown");
	in.mlog_path = B3;
	in.kernel = "5.10";
	expect_bad(&in, REPORT_JSON, B3, 0, "unknown kernel \"5.10\"");
	in.kernel = NULL;
	in.sets = bad_set;
	in.nsets = 1;
	expect_bad(&in, REPORT_JSON, B3, 0, "NO_SUCH_SWITCH");
	in.sets = bad_value;
	expect_bad(&in, REPORT_JSON, B3, 0, "on or off");
	in.nsets = 0;
	in.signature = "x";
	in.bug = "B99";
	expect_bad(&in, REPORT_KUNIT, B3, 0, "not in the known-bug catalogue");
	in.signature = NULL;
	in.bug = NULL;
	expect_bad(&in, (enum report_format)9, B3, 0, "unknown report format");
	/* a device-domain verb on 6.1: the line of the stimulus */
	in.mlog_path = KB("B1-platform-shared.mlog");
	in.kernel = "6.1";
	expect_bad(&in, REPORT_HTML, KB("B1-platform-shared.mlog"), 20, "");
	expect_bad(NULL, REPORT_TEXT, "msilab report", 0, "no reproducer");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalogue_match),
		cmocka_unit_test(test_switches),
		cmocka_unit_test(test_same_bytes),
		cmocka_unit_test(test_failed_allocation_view),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
