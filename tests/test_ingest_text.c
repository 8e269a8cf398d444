// SPDX-License-Identifier: GPL-2.0
/*
 * test_ingest_text.c - the ftrace text parser (replay/ingest_text.c) and
 * the normalizer behind it (replay/ingest_norm.c).
 *
 * Lines as /sys/kernel/tracing/trace and `trace-cmd report` print them:
 * kprobes, kretprobes, trace_marker writes, lost-event notices, header
 * lines; malformed lines with their exact column and reason; and small
 * traces through the normalizer, checked line by line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ingest.h"

struct parsed {
	struct ingest_text_state st;
	struct ingest_event ev;
	struct mlog_error err;
	char buf[1024];
	int rc;
};

static struct parsed *parse(const char *line)
{
	static struct parsed p;

	memset(&p, 0, sizeof(p));
	snprintf(p.buf, sizeof(p.buf), "%s", line);
	p.rc = ingest_text_line(&p.st, p.buf, 7, &p.ev, &p.err);
	return &p;
}

static const struct ingest_field *field(const struct ingest_event *ev, const char *name)
{
	const struct ingest_field *f = ingest_event_field(ev, name);

	assert_non_null(f);
	return f;
}

static void test_kprobe_ftrace(void **state)
{
	struct parsed *p = parse("          insmod-630     [001] d....    20.266660: "
				 "pci_alloc_irq_vectors_affinity: (pci_alloc_irq_vectors_affinity+0x0/0x160) "
				 "pdev=0xffff00000314a000 name=\"0000:00:02.0\" min_vecs=3 max_vecs=3 flags=0x4");

	assert_int_equal(p->rc, 1);
	assert_int_equal(p->ev.kind, INGEST_EVENT);
	assert_string_equal(p->ev.comm, "insmod");
	assert_int_equal(p->ev.pid, 630);
	assert_int_equal(p->ev.cpu, 1);
	assert_int_equal(p->ev.ts_us, 20266660);
	assert_false(p->ev.has_ns);
	assert_string_equal(p->ev.system, "msilc");
	assert_string_equal(p->ev.name, "pci_alloc_irq_vectors_affinity");
	assert_string_equal(p->ev.probe, "pci_alloc_irq_vectors_affinity+0x0/0x160");
	assert_int_equal(p->ev.nfields, 5);
	assert_true(field(&p->ev, "pdev")->is_num);
	assert_true((uint64_t)field(&p->ev, "pdev")->num == 0xffff00000314a000ull);
	assert_true(field(&p->ev, "name")->is_str);
	assert_false(field(&p->ev, "name")->is_num);
	assert_string_equal(field(&p->ev, "name")->raw, "0000:00:02.0");
	assert_int_equal(field(&p->ev, "max_vecs")->num, 3);
	assert_int_equal(field(&p->ev, "flags")->num, 4);
	assert_string_equal(field(&p->ev, "flags")->raw, "0x4");
	assert_int_equal(p->ev.line, 7);
}

static void test_kretprobe(void **state)
{
	struct parsed *p = parse("  insmod-676 [001] d..1. 21.546444: __pci_enable_msix_range_ret: "
				 "(pci_alloc_irq_vectors_affinity+0xdc/0x160 <- __pci_enable_msix_range) ret=-22");

	assert_int_equal(p->rc, 1);
	assert_string_equal(p->ev.name, "__pci_enable_msix_range_ret");
	assert_string_equal(p->ev.probe,
			    "pci_alloc_irq_vectors_affinity+0xdc/0x160 <- __pci_enable_msix_range");
	assert_int_equal(p->ev.nfields, 1);
	assert_int_equal(field(&p->ev, "ret")->num, -22);
	/* a module caller */
	p = parse("insmod-600 [000] d.... 11.3: pci_alloc_irq_vectors_affinity_ret: "
		  "(ahci_init_one+0x63c/0xe48 [ahci] <- pci_alloc_irq_vectors_affinity) ret=-28");
	assert_int_equal(p->rc, 1);
	assert_string_equal(p->ev.probe,
			    "ahci_init_one+0x63c/0xe48 [ahci] <- pci_alloc_irq_vectors_affinity");
	assert_int_equal(p->ev.ts_us, 11300000);
	assert_int_equal(field(&p->ev, "ret")->num, -28);
}

static void test_marker(void **state)
{
	struct parsed *p = parse("              sh-139     [000] ...2.    24.993333: tracing_mark_write: "
				 "ACTION unbind 0000:00:01.0 virtio-pci");

	assert_int_equal(p->rc, 1);
	assert_string_equal(p->ev.system, "ftrace");
	assert_string_equal(p->ev.name, "print");
	assert_int_equal(p->ev.nfields, 1);
	assert_string_equal(field(&p->ev, "buf")->raw, "ACTION unbind 0000:00:01.0 virtio-pci");
	/* trace-cmd report: "print: tracing_mark_write: TEXT", no latency column */
	p = parse("              sh-139   [001]    20.129119: print:                "
		  "tracing_mark_write: PHASE boot begin");
	assert_int_equal(p->rc, 1);
	assert_string_equal(p->ev.name, "print");
	assert_string_equal(field(&p->ev, "buf")->raw, "PHASE boot begin");
	assert_int_equal(p->ev.pid, 139);
	assert_int_equal(p->ev.ts_us, 20129119);
}

static void test_trace_cmd_report(void **state)
{
	struct parsed *p = parse("          insmod-630   [001]    20.268433: its_create_device_ret: "
				 "(ffffa7eefe8c6c58 <- ffffa7eefe8c71c4) its_dev=0xffff000003e5e000 "
				 "dev_id=0x10 lpi_base=8193 nr_lpis=4 nr_ites=4");

	assert_int_equal(p->rc, 1);
	assert_string_equal(p->ev.probe, "ffffa7eefe8c6c58 <- ffffa7eefe8c71c4");
	assert_int_equal(field(&p->ev, "lpi_base")->num, 8193);
	assert_int_equal(field(&p->ev, "dev_id")->num, 0x10);
	/* padded event name, nanosecond timestamp */
	p = parse("  insmod-630 [001] 20.267650123: its_pci_msi_prepare:  (ffffa7eefe8bf1d8) nvec=4");
	assert_int_equal(p->rc, 1);
	assert_true(p->ev.has_ns);
	assert_int_equal(p->ev.ts_ns, 20267650123ull);
	assert_int_equal(p->ev.ts_us, 20267650);
	/* a task name with blanks and dashes, a tgid column */
	p = parse("kworker/u4:1-my task-28 (   28) [001] d.... 10.793382: pci_free_irq_vectors: "
		  "(pci_free_irq_vectors+0x0/0x7c) name=\"0000:00:04.0\"");
	assert_int_equal(p->rc, 1);
	assert_string_equal(p->ev.comm, "kworker/u4:1-my task");
	assert_int_equal(p->ev.pid, 28);
	/* a tracepoint with comma-separated fields */
	p = parse("  <idle>-0 [000] 3.1: irq_matrix_alloc: bit=33 cpu=0 online=1 avl=198 alloc=3 "
		  "managed=0 online_maps=2 global_avl=396, total_alloc=6, global_rsvd=2");
	assert_int_equal(p->rc, 1);
	assert_string_equal(p->ev.system, "irq_matrix");
	assert_null(p->ev.probe);
	assert_int_equal(field(&p->ev, "global_avl")->num, 396);
	assert_string_equal(field(&p->ev, "global_avl")->raw, "396");
}

static void test_headers_and_notices(void **state)
{
	struct parsed *p = parse("# entries-in-buffer/entries-written: 389/389   #P:2");

	assert_int_equal(p->rc, 0);
	assert_int_equal(p->st.cpus, 2);
	assert_int_equal(parse("# tracer: nop")->rc, 0);
	assert_int_equal(parse("")->rc, 0);
	assert_int_equal(parse("version = 6")->rc, 0);
	assert_int_equal(parse("CPU 0 is empty")->rc, 0);
	p = parse("cpus=4");
	assert_int_equal(p->rc, 0);
	assert_int_equal(p->st.cpus, 4);
	assert_int_equal(p->st.flavour, INGEST_TEXT_REPORT);
	p = parse("CPU:1 [LOST 12 EVENTS]");
	assert_int_equal(p->rc, 1);
	assert_int_equal(p->ev.kind, INGEST_LOST);
	assert_int_equal(p->ev.cpu, 1);
	assert_int_equal(p->ev.lost, 12);
	p = parse("##### CPU 3 buffer started ####");
	assert_int_equal(p->rc, 1);
	assert_int_equal(p->ev.kind, INGEST_CPU_STARTED);
	assert_int_equal(p->ev.cpu, 3);
}

static void expect_error(const char *line, uint32_t col, const char *msg)
{
	struct parsed *p = parse(line);

	assert_int_equal(p->rc, -1);
	assert_int_equal(p->err.line, 7);
	assert_int_equal(p->err.col, col);
	assert_string_equal(p->err.msg, msg);
}

static void test_malformed(void **state)
{
	expect_error("hello world", 1, "not an ftrace event line: no \"[CPU]\" column in \"hello world\"");
	expect_error("  insmod [001] 1.5: x: (f) a=1", 3,
		     "expected TASK-PID before the CPU column, found \"insmod\"");
	expect_error("a-1 [000] d.... 12: ev: a=1", 17, "timestamp \"12:\" has no decimal point");
	expect_error("a-1 [000] 1.2x: ev: a=1", 11, "malformed timestamp \"1.2x:\"");
	expect_error("a-1 [000] d.... 1.5 ev: a=1", 17, "expected \"SECONDS.USECS:\", found \"1.5\"");
	expect_error("a-1 [000] 1.5: ev a=1", 16,
		     "expected \"EVENT:\" after the timestamp, found \"ev a=1\"");
	expect_error("a-1 [000] 1.5: ev: (f+0x0/0x4 a=1", 20,
		     "unterminated probe location \"(f+0x0/0x4 a=1\"");
	expect_error("a-1 [000] 1.5: ev: (f) a=1 junk", 28, "expected NAME=VALUE, found \"junk\"");
	expect_error("a-1 [000] 1.5: ev: (f) name=\"0000:00", 29,
		     "unterminated string value of field \"name\"");
	expect_error("a-1 [000] 1.5: ev: (f) a=1\r", 27, "control character CR in the line");
}

/* A small trace through text and normalizer; returns the .mlog text. */
static char *convert_rel(const char *release, const char *trace, const char *interrupts)
{
	struct ingest_norm_opts o = { .release = release, .kind = MLOG_SRC_FTRACE,
				      .file = "t.txt" };
	char ipath[] = "/tmp/msilab-test-irqsXXXXXX";
	struct ingest_norm *n;
	struct mlog_error err;
	FILE *in, *out;
	char *buf = NULL;
	size_t len = 0;

	if (interrupts) {
		int fd = mkstemp(ipath);
		FILE *f;

		assert_true(fd >= 0);
		f = fdopen(fd, "w");
		fputs(interrupts, f);
		fclose(f);
		o.interrupts = ipath;
	}
	n = ingest_norm_new(&o, &err);
	assert_non_null(n);
	in = fmemopen((void *)trace, strlen(trace), "r");
	assert_non_null(in);
	assert_int_equal(ingest_text_file(in, "t.txt", n, &err), 0);
	fclose(in);
	out = open_memstream(&buf, &len);
	assert_int_equal(ingest_norm_finish(n, out, &err), 0);
	fclose(out);
	ingest_norm_free(n);
	if (interrupts)
		remove(ipath);
	return buf;
}

static char *convert(const char *trace, const char *interrupts)
{
	return convert_rel("6.18.15+deb13-arm64", trace, interrupts);
}

static void assert_has_line(const char *text, const char *line)
{
	const char *p = text;
	size_t len = strlen(line);

	while ((p = strstr(p, line))) {
		if ((p == text || p[-1] == '\n') && p[len] == '\n')
			return;
		p++;
	}
	fail_msg("missing line \"%s\" in:\n%s", line, text);
}

#define L(ts, ev) "  insmod-630 [001] d.... " ts ": " ev "\n"

static void test_norm_alloc(void **state)
{
	static const char trace[] =
		"# tracer: nop\n"
		"#P:2\n"
		"  sh-139 [000] ...2. 20.231029: tracing_mark_write: ACTION insmod virtio_blk.ko\n"
		L("20.266660", "pci_alloc_irq_vectors_affinity: (p+0x0/0x1) pdev=0xffff0001 "
		  "name=\"0000:00:03.0\" min_vecs=3 max_vecs=3 flags=0xc")
		L("20.267417", "__pci_enable_msix_range: (p+0x0/0x1) pdev=0xffff0001 "
		  "name=\"0000:00:03.0\" minvec=3 maxvec=3")
		L("20.267516", "pci_setup_msix_device_domain: (p+0x0/0x1) pdev=0xffff0001 "
		  "name=\"0000:00:03.0\" hwsize=3")
		L("20.267556", "msi_create_device_irq_domain: (p+0x0/0x1) dev=0xffff00c8 "
		  "devname=\"0000:00:03.0\" domid=0 hwsize=3")
		L("20.267650", "its_pci_msi_prepare: (p+0x0/0x1) domain=0xffff0d80 dev=0xffff00c8 "
		  "devname=\"0000:00:03.0\" nvec=3 info=0xffff59e8")
		L("20.267739", "its_msi_prepare: (p+0x0/0x1) domain=0xffff9b40 dev=0xffff00c8 "
		  "devname=\"0000:00:03.0\" nvec=4 dev_id=0x18")
		L("20.267824", "its_create_device: (p+0x0/0x1) its=0xffffb600 dev_id=0x18 nvecs=4 alloc_lpis=1")
		L("20.268392", "its_build_mapd_cmd: (p+0x0/0x1) its_dev=0xffffe000 dev_id=0x18 nr_ites=4 valid=1")
		L("20.268433", "its_create_device_ret: (a <- b) its_dev=0xffffe000 dev_id=0x18 "
		  "lpi_base=8197 nr_lpis=4 nr_ites=4")
		L("20.268446", "its_msi_prepare_ret: (a <- b) ret=0")
		L("20.268452", "its_pci_msi_prepare_ret: (a <- b) ret=0")
		L("20.268459", "msi_create_device_irq_domain_ret: (a <- b) ret=1")
		L("20.268838", "msi_domain_alloc: (p+0x0/0x1) domain=0xffff0d80 "
		  "dom=\"ITS-PCI-MSIX-0000:00:03.0-12\" virq=24 nr_irqs=1 desc=0xffff0600 "
		  "msi_index=0 msi_hwirq=0x0")
		L("20.268889", "its_irq_domain_alloc: (p+0x0/0x1) domain=0xffff9b40 virq=24 nr_irqs=1 "
		  "its_dev=0xffffe000 dev_id=0x18 lpi_base=8197 nr_lpis=4")
		L("20.268928", "its_irq_gic_domain_alloc: (p+0x0/0x1) domain=0xffff9b40 virq=24 hwirq=8197")
		L("20.269003", "its_irq_domain_alloc_ret: (a <- b) ret=0")
		L("20.269385", "its_irq_domain_activate: (p+0x0/0x1) virq=24 hwirq=8197 reserve=0")
		L("20.269427", "its_build_mapti_cmd: (p+0x0/0x1) its_dev=0xffffe000 dev_id=0x18 "
		  "phys_id=8197 event_id=0")
		L("20.272459", "__pci_enable_msix_range_ret: (a <- b) ret=3")
		L("20.272465", "pci_alloc_irq_vectors_affinity_ret: (a <- b) ret=3")
		"CPU:1 [LOST 5 EVENTS]\n";
	char *out = convert(trace, "           CPU0       CPU1\n"
			    " 11:  1  2  GICv3  27 Level  arch_timer\n"
			    " 16:  1  0 ITS-PCI-MSIX-0000:00:07.0   0 Edge  PCIe PME, aerdrv\n");

	assert_has_line(out, "mlog 2");
	assert_has_line(out, "kernel release=6.18.15+deb13-arm64 arch=arm64");
	assert_has_line(out, "source kind=ftrace file=t.txt");
	/* 11 listed; 1-10,12-15,17-23 skipped by the first allocation (irq 24) */
	assert_has_line(out, "machine cpus=2 irqs_used=1-15,17-23");
	assert_has_line(out, "device name=pci_00_07_0 bus=pci bdf=0000:00:07.0 devid=0x38");
	assert_has_line(out, "device name=virtio_blk0 bus=pci bdf=0000:00:03.0 devid=0x18 msix=3");
	assert_has_line(out, "pci_alloc_irq_vectors dev=pci_00_07_0 min=1 max=1 flags=MSIX");
	assert_has_line(out, "request_irq dev=pci_00_07_0 vec=0");
	assert_has_line(out, "recording_starts");
	assert_has_line(out, "marker text=\"ACTION insmod virtio_blk.ko\" pid=139 t=20.231029");
	assert_has_line(out, "pci_alloc_irq_vectors dev=virtio_blk0 min=3 max=3 flags=MSIX|AFFINITY "
			"pre_vectors=1 pid=630 t=20.266660");
	assert_has_line(out, "< mapd devid=0x18 nr_ites=4 valid=1");
	assert_has_line(out, "< its_create_device devid=0x18 nvecs=4 nr_ites=4 lpi_base=8197 "
			"nr_lpis=4 ret=0");
	assert_has_line(out, "< its_msi_prepare dev=virtio_blk0 devid=0x18 nvec=4 ret=0");
	assert_has_line(out, "< msi_prepare dev=virtio_blk0 nvec=3 ret=0");
	assert_has_line(out, "< msi_create_device_irq_domain dev=virtio_blk0 type=msix hwsize=3 ret=1");
	assert_has_line(out, "< msi_irq dev=virtio_blk0 index=0 virq=24 hwirq=0x0");
	assert_has_line(out, "< its_irq devid=0x18 virq=24 eventid=0 lpi=8197");
	assert_has_line(out, "< mapti devid=0x18 eventid=0 lpi=8197");
	assert_has_line(out, "< pci_enable_range dev=virtio_blk0 type=msix min=3 max=3 ret=3");
	assert_has_line(out, "< ret fn=pci_alloc_irq_vectors dev=virtio_blk0 ret=3");
	assert_has_line(out, "lost count=5 cpu=1");
	/* the order: mapd is sent before its_create_device returns */
	assert_true(strstr(out, "< mapd devid=0x18") < strstr(out, "< its_create_device"));
	/* no kernel pointer survives */
	assert_null(strstr(out, "0xffff"));
	free(out);
}

static void test_norm_unbind(void **state)
{
	static const char trace[] =
		"  sh-1 [000] ...2. 1.000000: tracing_mark_write: ACTION insmod ahci.ko\n"
		L("1.000100", "pci_alloc_irq_vectors_affinity: (p+0x0/0x1) pdev=0xffff0001 "
		  "name=\"0000:00:06.0\" min_vecs=1 max_vecs=1 flags=0x2")
		L("1.000150", "__pci_enable_msi_range: (p+0x0/0x1) pdev=0xffff0001 "
		  "name=\"0000:00:06.0\" minvec=1 maxvec=1")
		L("1.000200", "msi_domain_alloc: (p+0x0/0x1) domain=0xffff0d80 "
		  "dom=\"ITS-PCI-MSI-0000:00:06.0-11\" virq=38 nr_irqs=1 desc=0xffff0600 "
		  "msi_index=0 msi_hwirq=0x0")
		L("1.000300", "its_irq_domain_activate: (p+0x0/0x1) virq=38 hwirq=8341 reserve=0")
		L("1.000350", "__pci_enable_msi_range_ret: (a <- b) ret=1")
		L("1.000400", "pci_alloc_irq_vectors_affinity_ret: (a <- b) ret=1")
		"  sh-1 [000] ...2. 2.000000: tracing_mark_write: ACTION unbind 0000:00:06.0 ahci\n"
		"  sh-1 [000] d.... 2.000100: its_irq_domain_deactivate: (p+0x0/0x1) virq=38 hwirq=8341\n"
		"  sh-1 [000] d.... 2.000200: its_build_discard_cmd: (p+0x0/0x1) its_dev=0xffff0002 "
		"dev_id=0x30 event_id=0\n"
		"  sh-1 [000] d.... 2.000300: pcim_msi_release: (p+0x0/0x1) pdev=0xffff0001 "
		"name=\"0000:00:06.0\"\n"
		"  sh-1 [000] d.... 2.000400: pci_free_irq_vectors: (p+0x0/0x1) pdev=0xffff0001 "
		"name=\"0000:00:06.0\"\n"
		"  sh-1 [000] d.... 2.000500: irq_domain_free_irqs: (p+0x0/0x1) virq=38 nr_irqs=1\n"
		"  sh-1 [000] ...2. 3.000000: tracing_mark_write: ACTION bind 0000:00:06.0 ahci\n"
		L("3.000100", "pci_alloc_irq_vectors_affinity: (p+0x0/0x1) pdev=0xffff0001 "
		  "name=\"0000:00:06.0\" min_vecs=1 max_vecs=1 flags=0x2");
	char *out = convert(trace, NULL);
	const char *req, *fr, *unb, *rel, *irqf;

	req = strstr(out, "\nrequest_irq dev=ahci0 vec=0\n");
	fr = strstr(out, "\nfree_irq dev=ahci0 vec=0 pid=1 t=2.000100\n");
	unb = strstr(out, "\ndriver_unbind dev=ahci0 pid=1 t=2.000300\n");
	rel = strstr(out, "\n< pcim_msi_release dev=ahci0\n");
	irqf = strstr(out, "\n< irq_free virq=38 nr=1\n");
	assert_non_null(req);
	assert_non_null(fr);
	assert_non_null(unb);
	assert_non_null(rel);
	assert_non_null(irqf);
	assert_true(req < fr && fr < unb && unb < rel && rel < irqf);
	/* the nested pci_free_irq_vectors is devres, not a stimulus */
	assert_null(strstr(out, "\npci_free_irq_vectors"));
	assert_has_line(out, "< discard devid=0x30 eventid=0");
	assert_has_line(out, "device name=ahci0 bus=pci bdf=0000:00:06.0 devid=0x30 msi=1");
	free(out);
}

/*
 * x86 (lines shaped after the Debian 6.1 amd64 q35 recording): the x86
 * /proc/interrupts formats, the start state the first irq_matrix events
 * prove, IO-APIC GSI mapping, request_irq from vector_activate, CPU hotplug.
 */
#define X(ts, ev) "  insmod-442 [000] d.... " ts ": " ev "\n"
static void test_norm_x86(void **state)
{
	static const char trace[] =
		"#P:2\n"
		"  sh-96 [001] ..... 8.267239: tracing_mark_write: ACTION insmod virtio_pci.ko\n"
		X("8.298485", "x86_vector_alloc_irqs: (x+0x0/0x410) domain=0xffff1 virq=22 nr_irqs=1 "
		  "type=1 flags=0x0 hwirq=0x0")
		X("8.298633", "irq_matrix_reserve: online_maps=2 global_avl=395, global_rsvd=4, total_alloc=7")
		X("8.298780", "vector_reserve: irq=22 ret=0")
		"  sh-96 [001] ..... 8.405370: tracing_mark_write: ACTION insmod virtio_net.ko\n"
		X("8.440764", "pci_alloc_irq_vectors_affinity: (p+0x0/0x110) pdev=0xffff2 "
		  "name=\"0000:00:03.0\" min_vecs=1 max_vecs=1 flags=0x4")
		X("8.441003", "msi_domain_alloc_irqs_descs_locked: (m+0x0/0xb0) domain=0xffff3 "
		  "dom=\"PCI-MSI-3\" dev=0xffff4 devname=\"0000:00:03.0\" nvec=1")
		X("8.441238", "msi_domain_alloc: (m+0x0/0x160) domain=0xffff3 dom=\"PCI-MSI-3\" virq=25 "
		  "nr_irqs=1 type=4 devid=0x0 desc=0xffff5 msi_index=0 hwirq=0xc000")
		X("8.441275", "x86_vector_alloc_irqs: (x+0x0/0x410) domain=0xffff1 virq=25 nr_irqs=1 "
		  "type=4 flags=0x0 hwirq=0xc000")
		X("8.441290", "irq_matrix_reserve: online_maps=2 global_avl=395, global_rsvd=5, total_alloc=7")
		X("8.441463", "vector_activate: irq=25 is_managed=0 can_reserve=1 reserve=1")
		X("8.441544", "vector_config: irq=25 vector=239 cpu=0 apicdest=0x00000001")
		X("8.441600", "pci_alloc_irq_vectors_affinity_ret: (a <- b) ret=1")
		X("8.442202", "vector_activate: irq=25 is_managed=0 can_reserve=1 reserve=0")
		X("8.442295", "irq_matrix_alloc: bit=36 cpu=1 online=1 avl=197 alloc=4 managed=0 "
		  "online_maps=2 global_avl=394, global_rsvd=4, total_alloc=8")
		X("8.442440", "vector_alloc: irq=25 vector=36 reserved=1 ret=0")
		"  sh-96 [001] ..... 93.337516: tracing_mark_write: ACTION cpu1 offline\n"
		"  migration/1-20 [001] d..3. 93.379978: msi_set_affinity: (m+0x0/0x250) virq=25 "
		"hwirq=0xc000 force=0\n"
		"  migration/1-20 [001] d..3. 93.380157: msi_set_affinity: (m+0x0/0x250) virq=27 "
		"hwirq=0x8001 force=0\n"
		"  sh-96 [000] ..... 94.398424: tracing_mark_write: ACTION cpu1 online\n";
	char *out = convert_rel("6.1.0-56-amd64", trace,
				"           CPU0       CPU1\n"
				"  0:         96          0   IO-APIC   2-edge      timer\n"
				"  1:          9          0   IO-APIC   1-edge      i8042\n"
				" 24:          0          0   PCI-MSI 131072-edge      PCIe PME, aerdrv\n"
				" 26:          0          0   IR-PCI-MSI 65536-edge      virtio2-config\n"
				" 28:          0          0 PCI-MSIX-0000:00:05.0   3-edge      nvme0q3\n");

	assert_has_line(out, "kernel release=6.1.0-56-amd64 arch=x86_64");
	/* cpu1's first allocation took bit 36 with 4 allocated after it: 33-35 were taken (32 is system) */
	assert_has_line(out, "x86_cpu cpu=1 online=1 alloc_map=33-35");
	/* the three MSI formats of x86 /proc/interrupts */
	assert_has_line(out, "x86_irq virq=24 dev=pci_00_08_0 vec=0");
	assert_has_line(out, "x86_irq virq=26 dev=pci_00_04_0 vec=0");
	assert_has_line(out, "x86_irq virq=28 dev=pci_00_05_0 vec=3");
	/* global_rsvd=4 after the first reserve: 3 at the start, but 13 legacy irqs are unlisted */
	if (!strstr(out, "WARNING: global_rsvd was 3 before line 4"))
		fail_msg("%s", out);
	assert_has_line(out, "mp_map_pin_to_irq virq=22 pid=442 t=8.298485");
	assert_has_line(out, "< vector_reserve virq=22 ret=0");
	assert_has_line(out, "< msi_irq dev=virtio_net0 index=0 virq=25 hwirq=0xc000");
	/* reserve=1 is the early activation, reserve=0 outside the driver call is request_irq */
	assert_has_line(out, "request_irq dev=virtio_net0 vec=0 pid=442 t=8.442202");
	assert_true(strstr(out, "< vector_activate virq=25 is_managed=0 can_reserve=1 reserve=1") <
		    strstr(out, "request_irq dev=virtio_net0"));
	assert_has_line(out, "< irq_matrix_alloc bit=36 cpu=1 online=1 avl=197 alloc=4 managed=0 "
			"online_maps=2 global_avl=394 global_rsvd=4 total_alloc=8");
	assert_has_line(out, "cpu_offline cpu=1 pid=96 t=93.337516");
	assert_has_line(out, "cpu_online cpu=1 pid=96 t=94.398424");
	/* an irq the dying CPU moved that no traced allocation made existed before: on that CPU */
	assert_has_line(out, "x86_irq virq=27 dev=pci_00_02_0 vec=1 cpu=1");
	assert_null(strstr(out, "irq_set_affinity"));
	assert_null(strstr(out, "0xffff"));
	free(out);
}

static void test_norm_errors(void **state)
{
	struct ingest_norm_opts o = { .kind = MLOG_SRC_FTRACE };
	struct ingest_norm *n;
	struct mlog_error err;
	FILE *out = fopen("/dev/null", "w");

	/* no release anywhere */
	n = ingest_norm_new(&o, &err);
	assert_non_null(n);
	assert_int_equal(ingest_norm_finish(n, out, &err), -1);
	assert_string_equal(err.msg, "the input does not say which kernel recorded it: "
			    "pass --kernel RELEASE");
	ingest_norm_free(n);
	/* unreadable option files */
	o.devices = "/nonexistent/devices.txt";
	assert_null(ingest_norm_new(&o, &err));
	assert_string_equal(err.file, "/nonexistent/devices.txt");
	assert_string_equal(err.msg, "cannot open the device table: No such file or directory");
	ingest_norm_free(NULL);
	fclose(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kprobe_ftrace),
		cmocka_unit_test(test_kretprobe),
		cmocka_unit_test(test_marker),
		cmocka_unit_test(test_trace_cmd_report),
		cmocka_unit_test(test_headers_and_notices),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_norm_alloc),
		cmocka_unit_test(test_norm_unbind),
		cmocka_unit_test(test_norm_x86),
		cmocka_unit_test(test_norm_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
